//! The API client: one request, its answer as JSON, and a refusal as an error that says what
//! the server said (the problem document's detail and field reasons).

use reqwest::{Method, StatusCode};
use serde_json::Value;

/// Why a call did not succeed.
#[derive(Debug, thiserror::Error)]
pub enum CallError {
    /// The server could not be reached.
    #[error("cannot reach {url}: {source}")]
    Unreachable {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    /// The server answered with an error.
    #[error("{status}: {detail}")]
    Refused { status: StatusCode, detail: String },
}

/// A server and the token to call it with.
pub struct Client {
    http: reqwest::Client,
    base: String,
    token: Option<String>,
}

impl Client {
    pub fn new(base: &str, token: Option<String>) -> Result<Self, reqwest::Error> {
        Ok(Self {
            http: reqwest::Client::builder()
                .timeout(std::time::Duration::from_secs(60))
                .build()?,
            base: base.trim_end_matches('/').to_owned(),
            token,
        })
    }

    /// Calls `path` (under `/api/v1`) with an optional JSON body; the JSON answer (`Null`
    /// for an empty one).
    pub async fn call(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<Value, CallError> {
        let text = self.send(method, path, body).await?;
        Ok(if text.trim().is_empty() {
            Value::Null
        } else {
            serde_json::from_str(&text).unwrap_or(Value::String(text))
        })
    }

    /// The text answer of `GET path` (an export in YAML, say).
    pub async fn text(&self, path: &str) -> Result<String, CallError> {
        self.send(Method::GET, path, None).await
    }

    /// One request: the answer's text, or the server's reason (the problem document's
    /// detail, and each field's reason when several) as an error.
    async fn send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> Result<String, CallError> {
        let url = format!("{}/api/v1{path}", self.base);
        let mut request = self.http.request(method, &url);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request.json(body);
        }
        let unreachable = |source| CallError::Unreachable {
            url: url.clone(),
            source,
        };
        let response = request.send().await.map_err(unreachable)?;
        let status = response.status();
        let text = response.text().await.map_err(unreachable)?;
        if status.is_success() {
            return Ok(text);
        }
        let value: Value = serde_json::from_str(&text).unwrap_or(Value::String(text));
        let mut detail = value["detail"]
            .as_str()
            .map(str::to_owned)
            .unwrap_or_else(|| value.to_string());
        if let Some(errors) = value["errors"].as_array().filter(|errors| errors.len() > 1) {
            for error in errors {
                detail.push_str(&format!(
                    "\n  {}: {}",
                    error["field"].as_str().unwrap_or_default(),
                    error["reason"].as_str().unwrap_or_default()
                ));
            }
        }
        Err(CallError::Refused { status, detail })
    }
}

/// `text` for a query string.
pub fn encode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

/// A query string of the pairs that have a value (`a=1&c=3`), after `fixed`.
pub fn query(fixed: &str, pairs: Vec<(&str, Option<String>)>) -> String {
    let mut parts = vec![fixed.to_owned()];
    parts.extend(
        pairs
            .into_iter()
            .filter_map(|(name, value)| value.map(|value| format!("{name}={}", encode(&value)))),
    );
    parts.join("&")
}
