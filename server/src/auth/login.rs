//! Signing in to the UI: the token form (plain HTML, works without JavaScript), the session
//! cookie it sets, signing out, and where the browser may go afterwards.

use std::time::Instant;

use axum::extract::{Form, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::Extension;
use serde::Deserialize;

use scheduleman::access::Actor;
use scheduleman::commands::{audit, keys};
use sqlx::PgPool;

use super::{Auth, ClientAddr, SESSION_COOKIE};

/// The login form's fields.
#[derive(Debug, Deserialize)]
pub struct LoginForm {
    token: String,
    #[serde(default)]
    next: String,
}

/// `GET /login`: the token form (plain HTML: works without JavaScript).
pub async fn login_page(
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, String>>,
) -> Html<String> {
    Html(login_html(
        query.get("next").map_or("/", String::as_str),
        None,
    ))
}

/// `POST /login`: the bootstrap token or an active API key sets the session cookie (with
/// the key's role) and goes on; anything else says so, and is recorded in the audit log.
pub async fn login(
    State(auth): State<Auth>,
    State(pool): State<PgPool>,
    Extension(ClientAddr(client)): Extension<ClientAddr>,
    headers: HeaderMap,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(&form.next);
    let next = next.as_str();
    if !auth.is_enabled() {
        return Redirect::to(next).into_response();
    }
    if let Some(wait) = auth.throttle.retry_after(client, Instant::now()) {
        let message = format!(
            "Too many failed attempts from this address; try again in {} s.",
            wait.as_secs().max(1)
        );
        let mut response = (
            StatusCode::TOO_MANY_REQUESTS,
            Html(login_html(next, Some(&message))),
        )
            .into_response();
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, wait.as_secs().max(1).into());
        return response;
    }
    let given = form.token.trim();
    let holder = if auth.token_matches(given) {
        Some(Actor::bootstrap())
    } else {
        match keys::authenticate(&pool, given).await {
            Ok(holder) => holder,
            Err(error) => {
                tracing::error!(%error, "could not check a key at sign-in");
                let page = login_html(
                    next,
                    Some("The database is unreachable; try again shortly."),
                );
                return (StatusCode::SERVICE_UNAVAILABLE, Html(page)).into_response();
            }
        }
    };
    let Some(actor) = holder else {
        auth.throttle.failed(client, "sign-in", Instant::now());
        let address = client.map_or_else(|| "unknown address".to_owned(), |ip| ip.to_string());
        if let Err(error) = audit::sign_in_failed(&pool, &address).await {
            tracing::warn!(%error, "could not record a failed sign-in");
        }
        let page = login_html(
            next,
            Some("That is neither this server's token nor an active API key."),
        );
        return (StatusCode::UNAUTHORIZED, Html(page)).into_response();
    };
    if let Err(error) = audit::signed_in(&pool, &actor).await {
        tracing::warn!(%error, "could not record a sign-in");
    }
    auth.throttle.succeeded(client);
    let secure = headers
        .get("x-forwarded-proto")
        .is_some_and(|proto| proto.as_bytes().eq_ignore_ascii_case(b"https"));
    let cookie = format!(
        "{SESSION_COOKIE}={}; Path=/; HttpOnly; SameSite=Strict; Max-Age={}{}",
        auth.new_session(chrono::Utc::now().timestamp_millis(), actor.key_id)
            .unwrap_or_default(),
        auth.session_ttl.as_secs(),
        if secure { "; Secure" } else { "" }
    );
    let mut response = Redirect::to(next).into_response();
    if let Ok(value) = HeaderValue::from_str(&cookie) {
        response.headers_mut().insert(header::SET_COOKIE, value);
    }
    response
}

/// `POST /logout`: forgets the session.
pub async fn logout() -> Response {
    let mut response = Redirect::to("/login").into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_static(
            "scheduleman_session=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0",
        ),
    );
    response
}

/// Only a path on this site: `next` must be a path that, resolved against this origin,
/// stays on it, with no control character, space or backslash anywhere (browsers drop tabs
/// and newlines and read `\\` as `/`, turning `/\t/evil.example` into `//evil.example`).
/// Answers the path as parsed and re-serialised; anything else is `/`.
fn safe_next(next: &str) -> String {
    const BASE: &str = "http://scheduleman.invalid/";
    let plain = next.starts_with('/')
        && !next.starts_with("//")
        && !next
            .chars()
            .any(|c| c.is_control() || c.is_whitespace() || c == '\\');
    let resolved = plain
        .then(|| url::Url::parse(BASE).ok()?.join(next).ok())
        .flatten()
        .filter(|url| url.as_str().starts_with(BASE))
        .map(|url| url[url::Position::BeforePath..].to_owned())
        .filter(|path| !path.starts_with("//"));
    resolved.unwrap_or_else(|| "/".to_owned())
}

fn login_html(next: &str, error: Option<&str>) -> String {
    let escape = |text: &str| {
        text.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
    };
    let error = error
        .map(|e| {
            format!(
                r#"<p class="mt-3 rounded-md bg-red-50 p-2 text-sm text-red-800">{}</p>"#,
                escape(e)
            )
        })
        .unwrap_or_default();
    format!(
        r#"<!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>Sign in · Scheduleman</title>
<meta name="viewport" content="width=device-width, initial-scale=1"><link rel="stylesheet" href="/pkg/scheduleman.css"></head>
<body class="min-h-screen bg-slate-50 text-slate-900 antialiased"><main class="mx-auto mt-24 max-w-sm rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
<h1 class="text-lg font-semibold text-indigo-700">Scheduleman</h1>
<p class="mt-1 text-sm text-slate-600">Sign in with an API key, or with the server's token (SCHEDULEMAN_API_TOKEN).</p>
<form method="post" action="/login" class="mt-4"><input type="hidden" name="next" value="{next}">
<label class="block text-sm font-medium" for="token">Key or token</label>
<input id="token" name="token" type="password" autocomplete="current-password" required class="mt-1 w-full rounded-md border border-slate-300 px-3 py-2">
<button type="submit" class="mt-4 w-full rounded-md bg-indigo-600 px-3 py-2 text-sm font-medium text-white hover:bg-indigo-500">Sign in</button></form>{error}
</main></body></html>"#,
        next = escape(next),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redirects_after_login_stay_on_this_site() {
        assert_eq!(safe_next("/schedules?state=dead"), "/schedules?state=dead");
        assert_eq!(safe_next("/schedules/new#top"), "/schedules/new#top");
        for hostile in [
            "//evil.example/",
            "https://evil.example/",
            "",
            "/\t/evil.example",
            "/\n/evil.example",
            "/\\evil.example",
            "/\\/evil.example",
            "/ /evil.example",
            "/%09/evil.example/../..//evil.example",
            "javascript:alert(1)",
        ] {
            let next = safe_next(hostile);
            assert!(
                next == "/" || (next.starts_with('/') && !next.starts_with("//")),
                "{hostile:?} became {next:?}"
            );
            assert!(
                !next.contains("evil.example") || !next.starts_with("//"),
                "{hostile:?}"
            );
        }
        assert_eq!(safe_next("/\t/evil.example"), "/");
    }
}
