//! Shared by the server's tests: a router over a test database, and reading answers.

#![allow(dead_code)] // each test file uses a different part

use axum::response::Response;
use axum::Router;
use http_body_util::BodyExt;
use leptos::prelude::LeptosOptions;
use scheduleman::alerts::{Deliverer, SmtpSettings};
use scheduleman::ssrf::resolve::DnsServers;
use scheduleman::ssrf::TargetGuard;
use server::auth::Auth;
use server::{app, AppState};
use sqlx::PgPool;

/// The whole router, with targets allowed by `allowlist` and the API `token` if any.
pub fn router_with(pool: PgPool, allowlist: &str, token: Option<&str>) -> Router {
    app(state(pool, allowlist, token))
}

/// The server's state, as [`router_with`] uses it.
pub fn state(pool: PgPool, allowlist: &str, token: Option<&str>) -> AppState {
    state_with_smtp(pool, allowlist, token, None)
}

/// The same, sending email alerts through `smtp`.
pub fn state_with_smtp(
    pool: PgPool,
    allowlist: &str,
    token: Option<&str>,
    smtp: Option<SmtpSettings>,
) -> AppState {
    let policy: scheduleman::ssrf::TargetPolicy =
        allowlist.parse().expect("a valid test allowlist");
    AppState::new(
        LeptosOptions::builder().output_name("scheduleman").build(),
        pool,
        TargetGuard::new(policy.clone(), &DnsServers::System).expect("a resolver"),
        Deliverer::new(policy, &DnsServers::System, smtp).expect("an alert sender"),
        Auth::new(token),
    )
}

/// The body of `response` as text.
pub async fn body_text(response: Response) -> String {
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    String::from_utf8(bytes.to_vec()).unwrap()
}
