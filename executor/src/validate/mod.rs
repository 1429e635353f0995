//! Turning what a user submits (API body or form) into a [`NewSchedule`], with every problem
//! reported against the field it concerns. Pure; the UI previews a schedule's timing in the
//! browser with the same schedule code, and shows these reasons when the server returns them.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::model::{NewSchedule, RetryPolicy, Target};
use crate::schedule::{ScheduleSpec, TimingOptions};

mod request;
mod timing;

pub use request::{field, BatchRequest, EditBase, ScheduleRequest, TargetRequest};

/// Longest schedule name, in characters.
pub const MAX_NAME_CHARS: usize = 200;
/// Largest request body a schedule may send.
pub const MAX_BODY_BYTES: usize = 64 * 1024;
/// Most extra headers a schedule may send.
pub const MAX_HEADERS: usize = 32;
/// Longest target URL.
pub const MAX_URL_CHARS: usize = 2048;
/// Most attempts per fire.
pub const MAX_ATTEMPTS: u32 = 100;
/// Longest backoff delay: one day.
pub const MAX_BACKOFF_MS: u64 = 86_400_000;
/// Longest header value, in bytes.
pub const MAX_HEADER_VALUE_BYTES: usize = 8 * 1024;
/// Headers a schedule may not set: the HTTP client manages them, they are hop-by-hop, or
/// they speak to a proxy.
pub const FORBIDDEN_HEADERS: [&str; 13] = [
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "te",
    "trailer",
    "upgrade",
    "expect",
    "proxy-authorization",
    "proxy-authenticate",
    "proxy-connection",
    "forwarded",
];
/// The methods a trigger may use.
pub const METHODS: [&str; 6] = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];

/// One problem with one field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct FieldError {
    /// The field, as a dotted path (`target.url`, `schedule.cron`).
    pub field: String,
    /// What is wrong, in words.
    pub reason: String,
}

impl FieldError {
    fn new(field: &str, reason: impl Into<String>) -> Self {
        Self {
            field: field.to_owned(),
            reason: reason.into(),
        }
    }
}

/// A valid schedule, and when it is first due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Validated {
    /// The schedule to store.
    pub schedule: NewSchedule,
    /// Its first fire instant.
    pub next_run_at: Option<DateTime<Utc>>,
}

/// Why a request body cannot be stored, if it cannot.
pub fn body_problem(body: &str) -> Option<String> {
    if body.contains('\0') {
        Some(
            "the body contains a NUL character, which cannot be stored; send binary data \
             encoded (base64, say)"
                .into(),
        )
    } else if body.len() > MAX_BODY_BYTES {
        Some(format!(
            "the body is {} bytes; the limit is {MAX_BODY_BYTES} (64 KiB)",
            body.len()
        ))
    } else {
        None
    }
}

/// The time controls of `request` (window, run limit, jitter, DST policy) checked against
/// the timing `spec` at `now`, as saving would check them: what a preview applies.
pub fn timing_options(
    request: &ScheduleRequest,
    spec: &ScheduleSpec,
    now: DateTime<Utc>,
) -> Result<TimingOptions, Vec<FieldError>> {
    let mut errors = Vec::new();
    timing::check(request, spec, now, &mut errors).ok_or(errors)
}

/// Checks every field of `request`, resolving its timing against `now`.
pub fn validate(
    request: &ScheduleRequest,
    now: DateTime<Utc>,
) -> Result<Validated, Vec<FieldError>> {
    let mut errors = Vec::new();
    let name = request.name.trim();
    if name.chars().any(char::is_control) {
        errors.push(FieldError::new(
            field::NAME,
            "the name contains a control character (a line break, tab or NUL)",
        ));
    } else if name.is_empty() {
        errors.push(FieldError::new(field::NAME, "give the schedule a name"));
    } else if name.chars().count() > MAX_NAME_CHARS {
        errors.push(FieldError::new(
            field::NAME,
            format!(
                "the name has {} characters; the limit is {MAX_NAME_CHARS}",
                name.chars().count()
            ),
        ));
    }
    let spec = request
        .schedule
        .resolve(now)
        .map_err(|error| {
            errors.push(FieldError::new(
                &format!("{}.{}", field::SCHEDULE, error.field()),
                error.to_string(),
            ))
        })
        .ok();
    for (key, reason) in crate::labels::problems(&request.labels) {
        let at = if key.is_empty() {
            field::LABELS.to_owned()
        } else {
            format!("{}.{key}", field::LABELS)
        };
        errors.push(FieldError::new(&at, reason));
    }
    let target = check_target(&request.target, &mut errors);
    let retry = check_retry(request, &mut errors);
    let options = spec
        .as_ref()
        .and_then(|spec| timing::check(request, spec, now, &mut errors));
    let (Some(spec), Some(target), Some(retry), Some(options), true) =
        (spec, target, retry, options, errors.is_empty())
    else {
        return Err(errors);
    };
    // What is stored must compile and fire: a schedule stored active with no next run would
    // sit there silently forever.
    let next_run_at = match spec
        .compile_with(&options)
        .map(|schedule| schedule.next_after(now))
    {
        Ok(Some(next)) => Some(next),
        Ok(None) if options.ends_at.is_some() => {
            return Err(vec![FieldError::new(
                field::ENDS_AT,
                "no fire falls inside the window; move its start or end",
            )]);
        }
        Ok(None) => {
            let error =
                crate::schedule::ScheduleError::NeverFires(crate::schedule::rfc3339_seconds(now));
            return Err(vec![FieldError::new(
                &format!("{}.{}", field::SCHEDULE, error.field()),
                error.to_string(),
            )]);
        }
        Err(error) => {
            return Err(vec![FieldError::new(
                &format!("{}.{}", field::SCHEDULE, error.field()),
                error.to_string(),
            )]);
        }
    };
    Ok(Validated {
        schedule: NewSchedule {
            name: name.to_owned(),
            spec,
            options,
            max_fires: request.max_fires,
            target,
            retry,
            misfire: request.misfire.unwrap_or_default(),
            on_dead: request.on_dead.unwrap_or_default(),
            paused: request.paused,
            labels: request.labels.clone(),
        },
        next_run_at,
    })
}

fn check_target(target: &TargetRequest, errors: &mut Vec<FieldError>) -> Option<Target> {
    let before = errors.len();
    let url = target.url.trim();
    if url.chars().count() > MAX_URL_CHARS {
        errors.push(FieldError::new(
            field::TARGET_URL,
            format!("the URL is longer than {MAX_URL_CHARS} characters"),
        ));
    } else {
        match url::Url::parse(url) {
            Err(error) => errors.push(FieldError::new(
                field::TARGET_URL,
                format!("{url:?} is not a URL ({error})"),
            )),
            Ok(parsed) if !matches!(parsed.scheme(), "http" | "https") => {
                errors.push(FieldError::new(
                    field::TARGET_URL,
                    format!(
                        "the scheme is {:?}; only http and https are allowed",
                        parsed.scheme()
                    ),
                ))
            }
            Ok(parsed) if parsed.host_str().is_none_or(str::is_empty) => {
                errors.push(FieldError::new(field::TARGET_URL, "the URL has no host"))
            }
            Ok(parsed) if !parsed.username().is_empty() || parsed.password().is_some() => errors
                .push(FieldError::new(
                    field::TARGET_URL,
                    "the URL carries credentials (user:password@), which would show in pages and \
                     logs; send them in an Authorization header instead",
                )),
            Ok(_) => {}
        }
    }
    let method = target
        .method
        .as_deref()
        .unwrap_or("POST")
        .trim()
        .to_ascii_uppercase();
    if !METHODS.contains(&method.as_str()) {
        errors.push(FieldError::new(
            field::TARGET_METHOD,
            format!(
                "{method:?} is not allowed; use one of {}",
                METHODS.join(", ")
            ),
        ));
    }
    if target.headers.len() > MAX_HEADERS {
        errors.push(FieldError::new(
            field::TARGET_HEADERS,
            format!(
                "{} headers; the limit is {MAX_HEADERS}",
                target.headers.len()
            ),
        ));
    }
    for (name, value) in &target.headers {
        if let Some(reason) = header_problem(name, value) {
            errors.push(FieldError::new(field::TARGET_HEADERS, reason));
        }
    }
    if let Some(body) = &target.body {
        if let Some(reason) = body_problem(body) {
            errors.push(FieldError::new(field::TARGET_BODY, reason));
        }
    }
    (errors.len() == before).then(|| Target {
        url: url.to_owned(),
        method,
        headers: target.headers.clone(),
        body: target.body.clone(),
    })
}

/// Why a header cannot be sent, if it cannot.
fn header_problem(name: &str, value: &str) -> Option<String> {
    let is_token = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b));
    if !is_token {
        return Some(format!("{name:?} is not a valid header name"));
    }
    let lower = name.to_ascii_lowercase();
    if lower.starts_with("x-scheduleman-") {
        return Some(format!("{name} is set by Scheduleman itself"));
    }
    if FORBIDDEN_HEADERS.contains(&lower.as_str()) {
        return Some(format!(
            "{name} is managed by the HTTP client or a proxy (hop-by-hop) and cannot be set"
        ));
    }
    if value.len() > MAX_HEADER_VALUE_BYTES {
        return Some(format!(
            "the value of {name} is {} bytes; the limit is {MAX_HEADER_VALUE_BYTES}",
            value.len()
        ));
    }
    // What HTTP allows in a field value: visible characters, spaces and tabs, and (as
    // obsolete text) bytes from 0x80 up; no other control character.
    if let Some(bad) = value.chars().find(|&c| c.is_control() && c != '\t') {
        return Some(format!(
            "the value of {name} contains the control character U+{:04X}",
            u32::from(bad)
        ));
    }
    None
}

fn check_retry(request: &ScheduleRequest, errors: &mut Vec<FieldError>) -> Option<RetryPolicy> {
    let defaults = RetryPolicy::default();
    let policy = RetryPolicy {
        max_attempts: request.max_attempts.unwrap_or(defaults.max_attempts),
        backoff_initial_ms: request
            .backoff_initial_ms
            .unwrap_or(defaults.backoff_initial_ms),
        backoff_max_ms: request.backoff_max_ms.unwrap_or(defaults.backoff_max_ms),
    };
    let before = errors.len();
    if !(1..=MAX_ATTEMPTS).contains(&policy.max_attempts) {
        errors.push(FieldError::new(
            field::MAX_ATTEMPTS,
            format!(
                "max_attempts is {}; it must be 1–{MAX_ATTEMPTS}",
                policy.max_attempts
            ),
        ));
    }
    for (field, value) in [
        (field::BACKOFF_INITIAL_MS, policy.backoff_initial_ms),
        (field::BACKOFF_MAX_MS, policy.backoff_max_ms),
    ] {
        if !(1..=MAX_BACKOFF_MS).contains(&value) {
            errors.push(FieldError::new(
                field,
                format!("{field} is {value}; it must be 1–{MAX_BACKOFF_MS} (one day)"),
            ));
        }
    }
    if policy.backoff_max_ms < policy.backoff_initial_ms {
        errors.push(FieldError::new(
            field::BACKOFF_MAX_MS,
            "backoff_max_ms is shorter than backoff_initial_ms",
        ));
    }
    (errors.len() == before).then_some(policy)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Misfire, OnDead};

    fn now() -> DateTime<Utc> {
        DateTime::parse_from_rfc3339("2026-11-22T12:00:00Z")
            .unwrap()
            .with_timezone(&Utc)
    }

    fn request(json: &str) -> ScheduleRequest {
        serde_json::from_str(json).unwrap()
    }

    const GOOD: &str = r#"{"name": " nightly ", "schedule": {"cron": "0 3 * * *", "tz": "Europe/Berlin"},
        "target": {"url": "https://example.com/hook"}}"#;

    #[test]
    fn a_good_request_gets_defaults_and_its_first_run() {
        let valid = validate(&request(GOOD), now()).unwrap();
        assert_eq!(valid.schedule.name, "nightly");
        assert_eq!(valid.schedule.target.method, "POST");
        assert_eq!(valid.schedule.retry, RetryPolicy::default());
        assert_eq!(valid.schedule.misfire, Misfire::FireOnce);
        assert_eq!(
            valid.next_run_at,
            Some(
                DateTime::parse_from_rfc3339("2026-11-23T02:00:00Z")
                    .unwrap()
                    .with_timezone(&Utc)
            )
        );
    }

    #[test]
    fn every_bad_field_is_reported_with_its_reason() {
        let long_name = "n".repeat(201);
        let json = format!(
            r#"{{"name": "{long_name}", "schedule": {{"cron": "0 25 * * *"}},
               "target": {{"url": "ftp://example.com/", "method": "BREW",
                           "headers": {{"X-Scheduleman-Attempt": "9", "bad name": "x"}}}},
               "max_attempts": 0, "backoff_initial_ms": 5000, "backoff_max_ms": 1000}}"#
        );
        let errors = validate(&request(&json), now()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(
            fields,
            [
                "name",
                "schedule.cron",
                "target.url",
                "target.method",
                "target.headers",
                "target.headers",
                "max_attempts",
                "backoff_max_ms"
            ]
        );
        let reasons: Vec<&str> = errors.iter().map(|e| e.reason.as_str()).collect();
        assert!(reasons[0].contains("201 characters; the limit is 200"));
        assert!(reasons[1].contains("cron field 2 (hour) is 25; hours are 0–23"));
        assert!(reasons[2].contains("only http and https"));
        assert!(reasons[3].contains("\"BREW\" is not allowed"));
    }

    #[test]
    fn oversized_input_is_refused_not_truncated() {
        let mut req = request(GOOD);
        req.target.body = Some("x".repeat(MAX_BODY_BYTES + 1));
        req.target.headers = (0..33).map(|i| (format!("h{i}"), "v".into())).collect();
        let errors = validate(&req, now()).unwrap_err();
        assert!(errors
            .iter()
            .any(|e| e.field == "target.body" && e.reason.contains("limit is 65536")));
        assert!(errors
            .iter()
            .any(|e| e.field == "target.headers" && e.reason.contains("limit is 32")));
    }

    #[test]
    fn headers_that_could_never_be_sent_are_refused_at_save() {
        for (name, value, reason) in [
            ("X-Token", "a\u{1}b", "control character U+0001"),
            ("X-Token", "a\u{7f}b", "control character U+007F"),
            ("X-Token", "a\u{0}b", "control character U+0000"),
            ("X-Token", "line\nbreak", "control character U+000A"),
            ("TE", "trailers", "hop-by-hop"),
            ("Upgrade", "websocket", "hop-by-hop"),
            ("Keep-Alive", "timeout=5", "hop-by-hop"),
            ("Proxy-Authorization", "Basic eA==", "hop-by-hop"),
            ("Expect", "100-continue", "hop-by-hop"),
            ("bad\u{0}name", "x", "not a valid header name"),
        ] {
            let mut req = request(GOOD);
            req.target.headers = [(name.to_owned(), value.to_owned())].into();
            let errors = validate(&req, now()).unwrap_err();
            assert_eq!(errors.len(), 1, "{name}: {errors:?}");
            assert_eq!(errors[0].field, "target.headers");
            assert!(
                errors[0].reason.contains(reason),
                "{name}: {}",
                errors[0].reason
            );
        }
        let mut req = request(GOOD);
        req.target.headers = [("X-Big".to_owned(), "v".repeat(MAX_HEADER_VALUE_BYTES + 1))].into();
        let errors = validate(&req, now()).unwrap_err();
        assert!(errors[0].reason.contains("the limit is 8192"), "{errors:?}");
        // A tab and non-ASCII text are fine.
        let mut req = request(GOOD);
        req.target.headers = [("X-Note".to_owned(), "caf\u{e9}\tok".to_owned())].into();
        assert!(validate(&req, now()).is_ok());
    }

    #[test]
    fn nul_in_a_name_or_body_is_a_field_error_not_a_database_error() {
        let mut req = request(GOOD);
        req.name = "bad\u{0}name".into();
        req.target.body = Some("bin\u{0}ary".into());
        let errors = validate(&req, now()).unwrap_err();
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["name", "target.body"]);
    }

    #[test]
    fn on_dead_defaults_to_stop_and_takes_next_fire() {
        assert_eq!(
            validate(&request(GOOD), now()).unwrap().schedule.on_dead,
            OnDead::Stop
        );
        let mut req = request(GOOD);
        req.on_dead = Some(OnDead::NextFire);
        assert_eq!(
            validate(&req, now()).unwrap().schedule.on_dead,
            OnDead::NextFire
        );
    }

    #[test]
    fn credentials_in_a_url_are_refused_with_where_to_put_them() {
        let mut req = request(GOOD);
        req.target.url = "https://ops:hunter2@example.com/hook".into();
        let errors = validate(&req, now()).unwrap_err();
        assert_eq!(errors[0].field, "target.url");
        assert!(
            errors[0].reason.contains("Authorization header"),
            "{errors:?}"
        );
        assert!(!errors[0].reason.contains("hunter2"));
    }

    #[test]
    fn empty_names_and_urls_without_hosts_are_refused() {
        let mut req = request(GOOD);
        req.name = "   ".into();
        req.target.url = "http://".into();
        let errors = validate(&req, now()).unwrap_err();
        assert_eq!(errors[0].field, "name");
        assert_eq!(errors[1].field, "target.url");
    }
}
