//! The token rules: Bearer for the API, a session cookie for the UI, and no cross-site calls.

mod support;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use axum::response::Response;
use axum::Router;
use http_body_util::BodyExt;
use sqlx::PgPool;
use tower::ServiceExt;

const TOKEN: &str = "correct horse battery staple";

fn router(pool: PgPool, token: Option<&str>) -> Router {
    support::router_with(pool, "", token)
}

async fn send(router: Router, request: Request<Body>) -> Response {
    router.oneshot(request).await.unwrap()
}

fn get(uri: &str) -> axum::http::request::Builder {
    Request::get(uri)
}

/// Signs in with the right token, asking to go to `next` (form-encoded) afterwards.
async fn login(pool: &PgPool, next: &str) -> Response {
    send(
        router(pool.clone(), Some(TOKEN)),
        Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from(format!(
                "token={}&next={next}",
                TOKEN.replace(' ', "+")
            )))
            .unwrap(),
    )
    .await
}

async fn login_cookie(pool: &PgPool) -> String {
    let response = login(pool, "%2F").await;
    assert_eq!(response.status(), StatusCode::SEE_OTHER);
    let cookie = response.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    cookie.split(';').next().unwrap().to_owned()
}

#[sqlx::test(migrations = "../migrations")]
async fn without_a_token_configured_the_api_is_open(pool: PgPool) {
    let response = send(
        router(pool, None),
        get("/api/v1/executors").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn the_api_needs_the_bearer_token(pool: PgPool) {
    let missing = send(
        router(pool.clone(), Some(TOKEN)),
        get("/api/v1/executors").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(missing.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(missing.headers()["www-authenticate"], "Bearer");
    assert_eq!(
        missing.headers()["content-type"],
        "application/problem+json"
    );

    let wrong = send(
        router(pool.clone(), Some(TOKEN)),
        get("/api/v1/executors")
            .header("authorization", "Bearer nope")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);

    let right = send(
        router(pool, Some(TOKEN)),
        get("/api/v1/executors")
            .header("authorization", format!("Bearer {TOKEN}"))
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(right.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn probes_and_static_files_stay_open(pool: PgPool) {
    let response = send(
        router(pool, Some(TOKEN)),
        get("/healthz").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::OK);
}

#[sqlx::test(migrations = "../migrations")]
async fn pages_redirect_to_login_and_a_wrong_token_is_told(pool: PgPool) {
    let page = send(
        router(pool.clone(), Some(TOKEN)),
        get("/dead-letters").body(Body::empty()).unwrap(),
    )
    .await;
    assert_eq!(page.status(), StatusCode::SEE_OTHER);
    assert_eq!(page.headers()["location"], "/login?next=%2Fdead-letters");

    let form = send(
        router(pool.clone(), Some(TOKEN)),
        get("/login?next=/x").body(Body::empty()).unwrap(),
    )
    .await;
    let html = String::from_utf8(
        form.into_body()
            .collect()
            .await
            .unwrap()
            .to_bytes()
            .to_vec(),
    )
    .unwrap();
    assert!(html.contains(r#"name="token""#) && html.contains(r#"value="/x""#));

    let wrong = send(
        router(pool, Some(TOKEN)),
        Request::post("/login")
            .header("content-type", "application/x-www-form-urlencoded")
            .body(Body::from("token=guess&next=%2F"))
            .unwrap(),
    )
    .await;
    assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED);
    assert!(wrong.headers().get("set-cookie").is_none());
}

#[sqlx::test(migrations = "../migrations")]
async fn the_session_cookie_opens_pages_and_the_api_but_not_cross_site_writes(pool: PgPool) {
    let cookie = login_cookie(&pool).await;
    let api = send(
        router(pool.clone(), Some(TOKEN)),
        get("/api/v1/executors")
            .header("cookie", &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(api.status(), StatusCode::OK);

    let forged = send(
        router(pool.clone(), Some(TOKEN)),
        Request::post("/api/v1/schedules")
            .header("cookie", &cookie)
            .header("sec-fetch-site", "cross-site")
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .unwrap(),
    )
    .await;
    assert_eq!(forged.status(), StatusCode::FORBIDDEN);

    let rpc = send(
        router(pool, None),
        Request::post("/rpc/get_overview")
            .header("origin", "https://evil.example")
            .header("host", "127.0.0.1:3000")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        rpc.status(),
        StatusCode::FORBIDDEN,
        "server functions refuse cross-site calls"
    );
}

/// Issue 9, item 5: without a token, a request addressed to another name (DNS rebinding)
/// is refused, and no page may be framed.
#[sqlx::test(migrations = "../migrations")]
async fn without_a_token_only_loopback_hosts_are_answered_and_nothing_is_framed(pool: PgPool) {
    let rebound = send(
        router(pool.clone(), None),
        Request::post("/api/v1/schedules")
            .header("host", "rebind.evil.example:3000")
            .header("content-type", "application/json")
            .body(Body::from("{}"))
            .unwrap(),
    )
    .await;
    assert_eq!(rebound.status(), StatusCode::FORBIDDEN);
    let local = send(
        router(pool, None),
        get("/api/v1/executors")
            .header("host", "localhost:3000")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(local.status(), StatusCode::OK);
    assert_eq!(local.headers()["x-frame-options"], "DENY");
    assert_eq!(
        local.headers()["content-security-policy"],
        "frame-ancestors 'none'"
    );
}

/// Issue 9, item 6: each login gets its own session, signed with its issue time, and a
/// cookie that is not one (the old fixed value, or a forged time) is refused.
#[sqlx::test(migrations = "../migrations")]
async fn sessions_differ_per_login_and_forged_ones_are_refused(pool: PgPool) {
    let first = login_cookie(&pool).await;
    tokio::time::sleep(std::time::Duration::from_millis(5)).await;
    let second = login_cookie(&pool).await;
    assert_ne!(first, second, "every login gets its own session");
    let value = first.split_once('=').unwrap().1.to_owned();
    let issued: i64 = value.split('.').nth(1).unwrap().parse().unwrap();
    let forged = format!(
        "scheduleman_session={}",
        value.replace(&issued.to_string(), &(issued + 86_400_000).to_string())
    );
    for cookie in [forged.as_str(), "scheduleman_session=v2.0.00"] {
        let response = send(
            router(pool.clone(), Some(TOKEN)),
            get("/api/v1/executors")
                .header("cookie", cookie)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{cookie}");
    }
    let logout = send(
        router(pool, Some(TOKEN)),
        Request::post("/logout").body(Body::empty()).unwrap(),
    )
    .await;
    assert!(logout.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .contains("Max-Age=0"));
}

/// Issue 9, item 7: a `next` that a browser would read as another site is replaced by `/`.
#[sqlx::test(migrations = "../migrations")]
async fn login_never_redirects_off_site(pool: PgPool) {
    for next in [
        "%2F%09%2Fevil.example",
        "%2F%5Cevil.example",
        "%2F%2Fevil.example",
    ] {
        let response = login(&pool, next).await;
        assert_eq!(response.status(), StatusCode::SEE_OTHER);
        assert_eq!(response.headers()["location"], "/", "{next}");
    }
}

/// Issue 9, item 8: server-function bodies are limited like the API's.
#[sqlx::test(migrations = "../migrations")]
async fn server_function_bodies_over_the_limit_are_refused(pool: PgPool) {
    let huge = "x".repeat(server::api::MAX_REQUEST_BYTES + 1);
    let response = send(
        router(pool, None),
        Request::post("/rpc/rearm_schedules")
            .header("content-type", "application/json")
            .header("content-length", huge.len())
            .body(Body::from(huge))
            .unwrap(),
    )
    .await;
    assert_eq!(response.status(), StatusCode::PAYLOAD_TOO_LARGE);
}

/// Issue 9, item 8: a bulk server function takes a bounded list.
#[sqlx::test(migrations = "../migrations")]
async fn bulk_rearm_takes_at_most_500_ids(pool: PgPool) {
    use app::server_fns::schedules::RearmSchedules;
    use leptos::server_fn::error::FromServerFnError;
    use leptos::server_fn::ServerFn;
    let ids = (0..501u128).map(uuid::Uuid::from_u128).collect();
    let body = postcard::to_allocvec(&RearmSchedules { ids }).unwrap();
    let response = send(
        router(pool, None),
        Request::post(<RearmSchedules as ServerFn>::PATH)
            .header("content-type", "application/x-postcard")
            .body(Body::from(body))
            .unwrap(),
    )
    .await;
    assert!(!response.status().is_success(), "{}", response.status());
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let failure = app::error::AppError::de(bytes);
    assert!(
        failure.to_string().contains("the limit is 500"),
        "{failure:?}"
    );
}

/// Issue 9, item 6: the UI offers "Sign out" where there is a session to end, and signing
/// out clears the cookie.
#[sqlx::test(migrations = "../migrations")]
async fn pages_offer_sign_out_only_behind_a_token(pool: PgPool) {
    let cookie = login_cookie(&pool).await;
    let signed_in = send(
        router(pool.clone(), Some(TOKEN)),
        get("/executors")
            .header("cookie", &cookie)
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(signed_in.status(), StatusCode::OK);
    let html = support::body_text(signed_in).await;
    assert!(
        html.contains(r#"action="/logout""#),
        "no sign-out form in {html}"
    );
    let open = send(
        router(pool, None),
        get("/executors").body(Body::empty()).unwrap(),
    )
    .await;
    let html = support::body_text(open).await;
    assert!(
        !html.contains("Sign out"),
        "sign-out offered without a token"
    );
}

/// Issue 16, item 5: without a token, a page on another site could make the browser POST to
/// the API (pause, trigger, rotate a secret). Cross-site writes need a bearer token, token
/// configured or not.
#[sqlx::test(migrations = "../migrations")]
async fn cross_site_writes_are_refused_without_a_bearer_token_even_without_a_token(pool: PgPool) {
    let id = uuid::Uuid::new_v4();
    let app = router(pool.clone(), None);
    for (name, value) in [
        ("sec-fetch-site", "cross-site"),
        ("origin", "https://evil.example"),
    ] {
        let refused = send(
            app.clone(),
            Request::post(format!("/api/v1/schedules/{id}/pause"))
                .header("host", "localhost:3000")
                .header(name, value)
                .body(Body::empty())
                .unwrap(),
        )
        .await;
        assert_eq!(refused.status(), StatusCode::FORBIDDEN, "{name}: {value}");
        assert_eq!(
            refused.headers()["content-type"],
            "application/problem+json"
        );
    }
    // A script that adds a bearer token is not a form another site can submit.
    let scripted = send(
        app.clone(),
        Request::post(format!("/api/v1/schedules/{id}/pause"))
            .header("host", "localhost:3000")
            .header("origin", "https://tool.example")
            .header("authorization", "Bearer anything")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(
        scripted.status(),
        StatusCode::NOT_FOUND,
        "reaches the handler"
    );
    // Same-site and plain clients (curl sends no Origin) are served.
    for headers in [vec![("sec-fetch-site", "same-origin")], vec![]] {
        let mut request =
            Request::post(format!("/api/v1/schedules/{id}/pause")).header("host", "localhost:3000");
        for (name, value) in headers {
            request = request.header(name, value);
        }
        let served = send(app.clone(), request.body(Body::empty()).unwrap()).await;
        assert_eq!(served.status(), StatusCode::NOT_FOUND);
    }
    // Reads stay open to links from elsewhere.
    let read = send(
        app,
        get("/api/v1/executors")
            .header("host", "localhost:3000")
            .header("sec-fetch-site", "cross-site")
            .body(Body::empty())
            .unwrap(),
    )
    .await;
    assert_eq!(read.status(), StatusCode::OK);
}

/// Issue 16, item 15: guessing the token is throttled per client address.
#[sqlx::test(migrations = "../migrations")]
async fn repeated_wrong_tokens_from_one_address_get_429_with_retry_after(pool: PgPool) {
    let app = router(pool, Some(TOKEN));
    let from = |addr: &str, request: axum::http::request::Builder| {
        let addr: std::net::SocketAddr = addr.parse().unwrap();
        let mut request = request.body(Body::empty()).unwrap();
        request
            .extensions_mut()
            .insert(axum::extract::ConnectInfo(addr));
        request
    };
    let guess =
        |token: &str| get("/api/v1/executors").header("authorization", format!("Bearer {token}"));
    for n in 0..10 {
        let wrong = send(
            app.clone(),
            from("203.0.113.9:40000", guess(&format!("guess-{n}"))),
        )
        .await;
        assert_eq!(wrong.status(), StatusCode::UNAUTHORIZED, "attempt {n}");
    }
    let blocked = send(app.clone(), from("203.0.113.9:40001", guess(TOKEN))).await;
    assert_eq!(blocked.status(), StatusCode::TOO_MANY_REQUESTS);
    let wait: u64 = blocked.headers()["retry-after"]
        .to_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((1..=300).contains(&wait), "{wait}");
    assert_eq!(
        blocked.headers()["content-type"],
        "application/problem+json"
    );
    // The sign-in form is throttled for that address too.
    let mut form = Request::post("/login")
        .header("content-type", "application/x-www-form-urlencoded")
        .body(Body::from(format!(
            "token={}&next=%2F",
            TOKEN.replace(' ', "+")
        )))
        .unwrap();
    form.extensions_mut().insert(axum::extract::ConnectInfo(
        "203.0.113.9:40002".parse::<std::net::SocketAddr>().unwrap(),
    ));
    assert_eq!(
        send(app.clone(), form).await.status(),
        StatusCode::TOO_MANY_REQUESTS
    );
    // Another address is not held back.
    let other = send(app, from("198.51.100.4:5000", guess(TOKEN))).await;
    assert_eq!(other.status(), StatusCode::OK);
}
