//! The API's extractors: a JSON body, a query string and path parameters whose every
//! rejection answers as `application/problem+json` naming the field at fault, never as
//! axum's plain-text default. Unknown fields in a body are refused with their path.

use axum::body::Bytes;
use axum::extract::rejection::{PathRejection, QueryRejection};
use axum::extract::{FromRequest, FromRequestParts, Request};
use axum::http::{header, request::Parts, HeaderMap, StatusCode};
use serde::de::DeserializeOwned;

use super::error::ApiError;

/// A JSON request body (`Content-Type: application/json`). A value of the wrong type, or a
/// field the schema does not have, is a 422 whose field is the value's path
/// (`schedules[3].target.retries`); malformed JSON is a 400; an oversized body a 413.
#[derive(Debug, Clone)]
pub struct ApiJson<T>(pub T);

impl<T, S> FromRequest<S> for ApiJson<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        if !is_json(request.headers()) {
            return Err(ApiError::BadRequest(
                "the body must be JSON (Content-Type: application/json)".into(),
            ));
        }
        let bytes = body_bytes(request, state).await?;
        parse_json(&bytes).map(ApiJson)
    }
}

/// An optional JSON body: none at all (or only whitespace) reads as `T::default()`;
/// anything else as [`ApiJson`] reads it.
#[derive(Debug, Clone)]
pub struct OptionalJson<T>(pub T);

impl<T, S> FromRequest<S> for OptionalJson<T>
where
    T: DeserializeOwned + Default,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        let json = is_json(request.headers());
        let bytes = body_bytes(request, state).await?;
        if bytes.iter().all(u8::is_ascii_whitespace) {
            return Ok(Self(T::default()));
        }
        if !json {
            return Err(ApiError::BadRequest(
                "the body must be JSON (Content-Type: application/json)".into(),
            ));
        }
        parse_json(&bytes).map(OptionalJson)
    }
}

/// A JSON or, with `Content-Type: application/yaml` (or `text/yaml`), YAML body: what
/// `schedules:apply` takes. Refusals as [`ApiJson`]'s, the field named by its path.
#[derive(Debug, Clone)]
pub struct Document<T>(pub T);

impl<T, S> FromRequest<S> for Document<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request(request: Request, state: &S) -> Result<Self, ApiError> {
        if !is_yaml(request.headers()) {
            return ApiJson::from_request(request, state)
                .await
                .map(|ApiJson(value)| Self(value));
        }
        let bytes = body_bytes(request, state).await?;
        let reader = serde_norway::Deserializer::from_slice(&bytes);
        serde_path_to_error::deserialize(reader)
            .map(Self)
            .map_err(|error| {
                let path = error.path().to_string();
                let reason = error.into_inner().to_string();
                if path == "." {
                    ApiError::BadRequest(format!("the body is not a valid YAML document: {reason}"))
                } else {
                    ApiError::invalid(&field_path(&path, &reason), reason)
                }
            })
    }
}

/// Whether the request says its body (or wants its answer) in YAML.
pub fn is_yaml(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .is_some_and(|value| value.contains("yaml"))
}

/// The body's bytes: 413 when over the limit, 400 when it cannot be read.
async fn body_bytes<S: Send + Sync>(request: Request, state: &S) -> Result<Bytes, ApiError> {
    Bytes::from_request(request, state)
        .await
        .map_err(|rejection| match rejection.status() {
            StatusCode::PAYLOAD_TOO_LARGE => ApiError::TooLarge(super::MAX_REQUEST_BYTES),
            _ => ApiError::BadRequest(rejection.body_text()),
        })
}

/// Reads `bytes` as a `T`: syntax errors are 400, data errors 422 at their path.
pub fn parse_json<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, ApiError> {
    let mut reader = serde_json::Deserializer::from_slice(bytes);
    serde_path_to_error::deserialize(&mut reader).map_err(refusal)
}

/// Reads a JSON value (a merged patch, say) as a `T`; data errors are 422 at their path.
pub fn parse_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, ApiError> {
    serde_path_to_error::deserialize(value).map_err(refusal)
}

fn refusal(error: serde_path_to_error::Error<serde_json::Error>) -> ApiError {
    let path = error.path().to_string();
    let inner = error.into_inner();
    match inner.classify() {
        serde_json::error::Category::Data => {
            let reason = inner.to_string();
            ApiError::invalid(&field_path(&path, &reason), reason)
        }
        _ => ApiError::BadRequest(format!("the body is not valid JSON: {inner}")),
    }
}

/// The path of a data error. serde_path_to_error's path already ends at an unknown field
/// (unless a hand-written deserializer hid it: then the field is read from serde's fixed
/// wording "unknown field `name`"); for a missing one it names the object, so the field
/// ("missing field `name`") is added.
fn field_path(path: &str, reason: &str) -> String {
    let base = if path == "." { "" } else { path };
    let named = |prefix: &str| {
        reason
            .strip_prefix(prefix)
            .and_then(|rest| rest.split('`').next())
    };
    match (base, named("missing field `"), named("unknown field `")) {
        ("", Some(name), _) | ("", None, Some(name)) => name.to_owned(),
        (base, Some(name), _) => format!("{base}.{name}"),
        ("", None, None) => "body".to_owned(),
        (base, None, _) => base.to_owned(),
    }
}

fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(header::CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .and_then(|value| value.split(';').next())
        .map(|mime| mime.trim().to_ascii_lowercase())
        .is_some_and(|mime| mime == "application/json" || mime.ends_with("+json"))
}

/// A query string; a malformed one, or one with an unknown parameter, is a 400.
#[derive(Debug, Clone)]
pub struct ApiQuery<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiQuery<T>
where
    T: DeserializeOwned,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Query::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Query(value)| Self(value))
            .map_err(|rejection: QueryRejection| ApiError::BadRequest(rejection.body_text()))
    }
}

/// Path parameters; one that does not parse (an id that is not a UUID) is a 400.
#[derive(Debug, Clone)]
pub struct ApiPath<T>(pub T);

impl<T, S> FromRequestParts<S> for ApiPath<T>
where
    T: DeserializeOwned + Send,
    S: Send + Sync,
{
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, ApiError> {
        axum::extract::Path::<T>::from_request_parts(parts, state)
            .await
            .map(|axum::extract::Path(value)| Self(value))
            .map_err(|rejection: PathRejection| ApiError::BadRequest(rejection.body_text()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Inner {
        url: String,
    }

    #[derive(Debug, serde::Deserialize)]
    #[serde(deny_unknown_fields)]
    #[allow(dead_code)]
    struct Outer {
        items: Vec<Inner>,
        count: Option<u32>,
    }

    fn field(body: &str) -> (String, String) {
        match parse_json::<Outer>(body.as_bytes()) {
            Err(ApiError::Invalid(errors)) => (errors[0].field.clone(), errors[0].reason.clone()),
            other => panic!("expected a 422, got {other:?}"),
        }
    }

    #[test]
    fn unknown_and_mistyped_fields_are_named_by_their_path() {
        let (path, reason) = field(r#"{"items": [{"url": "x"}, {"url": "y", "retries": 3}]}"#);
        assert_eq!(path, "items[1].retries");
        assert!(reason.starts_with("unknown field `retries`"), "{reason}");
        assert_eq!(field(r#"{"items": [], "max_attempt": 3}"#).0, "max_attempt");
        assert_eq!(field(r#"{"items": [], "count": "three"}"#).0, "count");
        assert_eq!(field(r#"{"count": 1}"#).0, "items");
        assert_eq!(field("3").0, "body");
        assert!(matches!(
            parse_json::<Outer>(b"{not json"),
            Err(ApiError::BadRequest(_))
        ));
    }
}
