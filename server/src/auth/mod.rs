//! Who may use the server, and as whom. With `SCHEDULEMAN_API_TOKEN` set, API calls need
//! `Authorization: Bearer <token or API key>` and the UI asks for either once (`/login`) and
//! keeps a session cookie: its issue time (and the key's id), signed with the token, which
//! the server refuses once the session's lifetime is over or the key is revoked. The token
//! is the bootstrap admin; a key has its own role. Without a token the server listens on loopback only and
//! answers only requests addressed to a loopback name (so a page whose name rebinds to
//! 127.0.0.1 gets nothing). Server functions and cookie-authenticated writes refuse
//! cross-site requests either way, and no page may be framed.

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderMap, HeaderValue, Method};
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use axum_extra::extract::cookie::CookieJar;
use hmac::{Hmac, Mac};
use sha2::Sha256;
use subtle::ConstantTimeEq;

use scheduleman::access::Actor;
use scheduleman::commands::keys;
use sqlx::PgPool;
use uuid::Uuid;

use crate::api::error::ApiError;

mod login;
pub mod throttle;

pub use login::{login, login_page, logout, LoginForm};
pub use throttle::Throttle;

/// The address a request came from (from the connection), for counting failed attempts;
/// `None` when the server was not told (a router called directly, as tests do).
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub Option<IpAddr>);

/// The session cookie's name.
pub const SESSION_COOKIE: &str = "scheduleman_session";
/// How long a UI session lasts by default.
pub const DEFAULT_SESSION_TTL: Duration = Duration::from_secs(12 * 3600);

/// The configured token, if any, and how long a session lasts.
#[derive(Clone)]
pub struct Auth {
    token: Option<Arc<str>>,
    pub(crate) session_ttl: Duration,
    /// Failed attempts per client address.
    pub(crate) throttle: Throttle,
}

impl Default for Auth {
    fn default() -> Self {
        Self::new(None)
    }
}

impl std::fmt::Debug for Auth {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Auth")
            .field("token", &self.token.as_ref().map(|_| "<set>"))
            .finish()
    }
}

impl Auth {
    /// Authentication with `token`; `None` (or an empty token) means none.
    pub fn new(token: Option<&str>) -> Self {
        Self {
            token: token.filter(|t| !t.is_empty()).map(Arc::from),
            session_ttl: DEFAULT_SESSION_TTL,
            throttle: Throttle::default(),
        }
    }

    /// The same, with sessions that last `ttl`.
    pub fn with_session_ttl(self, ttl: Duration) -> Self {
        Self {
            session_ttl: ttl,
            ..self
        }
    }

    /// Whether a token is required.
    pub fn is_enabled(&self) -> bool {
        self.token.is_some()
    }

    /// The signature of a session: an HMAC under the token, so it proves knowledge of the
    /// token without containing it, and a new token ends every session.
    fn session_mac(&self, payload: &str) -> Option<String> {
        let token = self.token.as_ref()?;
        let mut mac = Hmac::<Sha256>::new_from_slice(token.as_bytes()).ok()?;
        mac.update(b"scheduleman session|");
        mac.update(payload.as_bytes());
        Some(hex::encode(mac.finalize().into_bytes()))
    }

    /// A new session cookie's value: `v2.<issued ms>.<signature>` for the bootstrap token,
    /// `v3.<issued ms>.<key id>.<signature>` for a key (whose role is looked up on every
    /// request, so revoking the key ends the session).
    pub(crate) fn new_session(&self, now_ms: i64, key: Option<Uuid>) -> Option<String> {
        let payload = match key {
            None => format!("v2.{now_ms}"),
            Some(id) => format!("v3.{now_ms}.{}", id.simple()),
        };
        let signature = self.session_mac(&payload)?;
        Some(format!("{payload}.{signature}"))
    }

    /// Whose session `value` is, when this server issued it and it has not expired at
    /// `now_ms`.
    fn session_holder(&self, value: &str, now_ms: i64) -> Option<SessionHolder> {
        let (payload, signature) = value.rsplit_once('.')?;
        let mut parts = payload.split('.');
        let (version, issued) = (parts.next()?, parts.next()?);
        let holder = match (version, parts.next(), parts.next()) {
            ("v2", None, None) => SessionHolder::Bootstrap,
            ("v3", Some(key), None) => SessionHolder::Key(Uuid::try_parse(key).ok()?),
            _ => return None,
        };
        let issued_ms = issued.parse::<i64>().ok()?;
        let ttl_ms = i64::try_from(self.session_ttl.as_millis()).unwrap_or(i64::MAX);
        let fresh =
            issued_ms <= now_ms.saturating_add(60_000) && now_ms < issued_ms.saturating_add(ttl_ms);
        let signed = self
            .session_mac(payload)
            .is_some_and(|expected| constant_time_eq(expected.as_bytes(), signature.as_bytes()));
        (fresh && signed).then_some(holder)
    }

    pub(crate) fn token_matches(&self, given: &str) -> bool {
        self.token
            .as_ref()
            .is_some_and(|token| constant_time_eq(token.as_bytes(), given.as_bytes()))
    }

    fn session_cookie(&self, headers: &HeaderMap) -> Option<SessionHolder> {
        let now_ms = chrono::Utc::now().timestamp_millis();
        CookieJar::from_headers(headers)
            .get(SESSION_COOKIE)
            .and_then(|cookie| self.session_holder(cookie.value(), now_ms))
    }
}

/// Who signed a session in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SessionHolder {
    /// The bootstrap token.
    Bootstrap,
    /// The key with this id.
    Key(Uuid),
}

/// The bearer token a request carries, if any (a malformed `Authorization` counts as a wrong
/// token, not as none).
fn bearer(headers: &HeaderMap) -> Option<&str> {
    headers.get(header::AUTHORIZATION).map(|value| {
        value
            .to_str()
            .ok()
            .and_then(|v| v.strip_prefix("Bearer "))
            .map_or("", str::trim)
    })
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    bool::from(a.ct_eq(b))
}

/// Refuses to listen beyond loopback without a token.
pub fn check_bind(addr: SocketAddr, auth: &Auth) -> Result<(), String> {
    if auth.is_enabled() || addr.ip().is_loopback() {
        return Ok(());
    }
    Err(format!(
        "refusing to listen on {addr} without SCHEDULEMAN_API_TOKEN: anyone who can reach it \
         could create webhooks. Set SCHEDULEMAN_API_TOKEN, or listen on 127.0.0.1 \
         (LEPTOS_SITE_ADDR=127.0.0.1:3000)"
    ))
}

/// Whether the request names this server by a loopback name (`localhost`, `127.x.x.x`,
/// `[::1]`, with any port), or names nothing (no `Host`: not a browser). Without a token,
/// only these are answered, so DNS rebinding (a foreign name pointed at 127.0.0.1) fails.
fn addressed_to_loopback(headers: &HeaderMap) -> bool {
    let Some(host) = headers.get(header::HOST) else {
        return true;
    };
    let Ok(host) = host.to_str() else {
        return false;
    };
    let name = match host.strip_prefix('[') {
        Some(rest) => rest.split(']').next().unwrap_or_default(),
        None => host.rsplit_once(':').map_or(host, |(name, _port)| name),
    };
    let name = name.trim_end_matches('.').to_ascii_lowercase();
    name == "localhost"
        || name.ends_with(".localhost")
        || name.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

/// Whether a browser sent this request from another site.
fn is_cross_site(headers: &HeaderMap) -> bool {
    if let Some(site) = headers.get("sec-fetch-site").and_then(|v| v.to_str().ok()) {
        return !matches!(site, "same-origin" | "none");
    }
    let origin = headers.get(header::ORIGIN).and_then(|v| v.to_str().ok());
    let host = headers.get(header::HOST).and_then(|v| v.to_str().ok());
    match (origin, host) {
        (Some(origin), Some(host)) => {
            origin
                .split_once("://")
                .map(|(_, rest)| rest.trim_end_matches('/'))
                != Some(host)
        }
        _ => false,
    }
}

/// Paths anyone may fetch: probes, the login page, and the site's static files.
fn is_public(path: &str) -> bool {
    matches!(
        path,
        "/healthz" | "/readyz" | "/login" | "/logout" | "/favicon.svg" | "/favicon.ico"
    ) || path.starts_with("/pkg/")
}

/// The middleware in front of every route: tells who is calling (an [`Actor`], put in the
/// request's extensions for handlers and server functions), then forbids framing.
pub async fn require(
    State(auth): State<Auth>,
    State(pool): State<PgPool>,
    request: Request,
    next: Next,
) -> Response {
    let mut response = check(&auth, &pool, request, next).await;
    let headers = response.headers_mut();
    headers.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    headers
        .entry(header::CONTENT_SECURITY_POLICY)
        .or_insert(HeaderValue::from_static("frame-ancestors 'none'"));
    response
}

async fn check(auth: &Auth, pool: &PgPool, mut request: Request, next: Next) -> Response {
    let client = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|info| info.0.ip());
    request.extensions_mut().insert(ClientAddr(client));
    let path = request.uri().path().to_owned();
    let headers = request.headers();
    if !auth.is_enabled() && !addressed_to_loopback(headers) {
        return ApiError::ForeignHost.into_response();
    }
    let writes = !matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS
    );
    // A page on another site can make the browser send a form or a body-less POST here, with
    // the session cookie or, without a token, with nothing at all; it cannot add an
    // Authorization header without a CORS preflight this server never grants. So a
    // cross-site write is refused unless it carries a bearer token, token or not.
    let cross_site = is_cross_site(headers);
    if cross_site && (path.starts_with("/rpc/") || (writes && bearer(headers).is_none())) {
        return ApiError::CrossSite.into_response();
    }
    if is_public(&path) {
        return next.run(request).await;
    }
    match identify(auth, pool, headers, client).await {
        Ok(Some(actor)) => {
            request.extensions_mut().insert(actor);
            next.run(request).await
        }
        Ok(None) if path.starts_with("/api/") || path.starts_with("/rpc/") => {
            ApiError::Unauthorized.into_response()
        }
        Ok(None) => Redirect::to(&format!("/login?next={}", urlencode(&path))).into_response(),
        Err(refused) => refused.into_response(),
    }
}

/// Who the request comes from: the bootstrap token's or a key's holder (by bearer or by a
/// session signed in with either), or anyone on loopback when the server has no token;
/// `None` when it proves nobody. A wrong token or key counts against the client's address.
async fn identify(
    auth: &Auth,
    pool: &PgPool,
    headers: &HeaderMap,
    client: Option<IpAddr>,
) -> Result<Option<Actor>, ApiError> {
    // Without a token, only a key is a credential: another bearer (a script's leftover) is
    // not looked at, as before keys existed.
    let given = bearer(headers).filter(|given| auth.is_enabled() || keys::looks_like_key(given));
    if let Some(given) = given {
        if let Some(wait) = auth.throttle.retry_after(client, Instant::now()) {
            return Err(ApiError::TooManyAttempts(wait));
        }
        if auth.token_matches(given) {
            return Ok(Some(Actor::bootstrap()));
        }
        if let Some(holder) = keys::authenticate(pool, given).await.map_err(database)? {
            return Ok(Some(holder));
        }
        auth.throttle.failed(client, "bearer token", Instant::now());
        return Err(ApiError::Unauthorized);
    }
    if !auth.is_enabled() {
        return Ok(Some(Actor::local()));
    }
    match auth.session_cookie(headers) {
        Some(SessionHolder::Bootstrap) => Ok(Some(Actor::bootstrap())),
        Some(SessionHolder::Key(id)) => keys::holder(pool, id).await.map_err(database),
        None => Ok(None),
    }
}

fn database(error: scheduleman::commands::CommandError) -> ApiError {
    ApiError::from(error)
}

fn urlencode(text: &str) -> String {
    url::form_urlencoded::byte_serialize(text.as_bytes()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_beyond_loopback_needs_a_token() {
        let open = Auth::new(None);
        assert!(check_bind("127.0.0.1:3000".parse().unwrap(), &open).is_ok());
        assert!(check_bind("[::1]:3000".parse().unwrap(), &open).is_ok());
        let refused = check_bind("0.0.0.0:3000".parse().unwrap(), &open).unwrap_err();
        assert!(refused.contains("SCHEDULEMAN_API_TOKEN"), "{refused}");
        assert!(check_bind("0.0.0.0:3000".parse().unwrap(), &Auth::new(Some("s3cret"))).is_ok());
    }

    #[test]
    fn without_a_token_only_loopback_names_are_answered() {
        let host = |value: &'static str| {
            let mut map = HeaderMap::new();
            map.insert(header::HOST, HeaderValue::from_static(value));
            map
        };
        for ok in [
            "127.0.0.1:3000",
            "localhost",
            "LOCALHOST:3000",
            "[::1]:3000",
            "127.1.2.3",
            "app.localhost:8080",
        ] {
            assert!(addressed_to_loopback(&host(ok)), "{ok}");
        }
        for refused in [
            "evil.example",
            "evil.example:3000",
            "10.0.0.1:3000",
            "localhost.evil.example",
            "[::2]:3000",
        ] {
            assert!(!addressed_to_loopback(&host(refused)), "{refused}");
        }
    }

    #[test]
    fn sessions_are_signed_expire_and_name_their_key() {
        let auth = Auth::new(Some("token")).with_session_ttl(Duration::from_secs(3600));
        let now = 1_800_000_000_000;
        let session = auth.new_session(now, None).unwrap();
        let valid = |auth: &Auth, value: &str, at: i64| auth.session_holder(value, at);
        assert_eq!(valid(&auth, &session, now), Some(SessionHolder::Bootstrap));
        assert!(valid(&auth, &session, now + 3_599_000).is_some());
        assert!(valid(&auth, &session, now + 3_600_000).is_none(), "expired");
        assert_ne!(
            session,
            auth.new_session(now + 1, None).unwrap(),
            "each login differs"
        );
        let forged = session.replace(&now.to_string(), &(now + 3_000_000).to_string());
        assert!(
            valid(&auth, &forged, now + 3_500_000).is_none(),
            "the issue time is signed"
        );
        assert!(
            valid(&Auth::new(Some("other")), &session, now).is_none(),
            "a new token ends sessions"
        );
        assert!(valid(&auth, "v2.1.abc", now).is_none());
        assert!(valid(&auth, "", now).is_none());

        let key = Uuid::new_v4();
        let keyed = auth.new_session(now, Some(key)).unwrap();
        assert_eq!(valid(&auth, &keyed, now), Some(SessionHolder::Key(key)));
        let other = Uuid::new_v4();
        let swapped = keyed.replace(&key.simple().to_string(), &other.simple().to_string());
        assert!(
            valid(&auth, &swapped, now).is_none(),
            "the key id is signed"
        );
        let demoted = keyed.replacen("v3", "v2", 1);
        assert!(
            valid(&auth, &demoted, now).is_none(),
            "the version is signed"
        );
    }

    #[test]
    fn cross_site_is_told_by_fetch_metadata_or_origin() {
        let headers = |pairs: &[(&'static str, &'static str)]| {
            let mut map = HeaderMap::new();
            for (name, value) in pairs {
                map.insert(*name, HeaderValue::from_static(value));
            }
            map
        };
        assert!(is_cross_site(&headers(&[("sec-fetch-site", "cross-site")])));
        assert!(!is_cross_site(&headers(&[(
            "sec-fetch-site",
            "same-origin"
        )])));
        assert!(is_cross_site(&headers(&[
            ("origin", "https://evil.example"),
            ("host", "sched.local")
        ])));
        assert!(!is_cross_site(&headers(&[
            ("origin", "http://sched.local"),
            ("host", "sched.local")
        ])));
        assert!(!is_cross_site(&headers(&[])));
    }
}
