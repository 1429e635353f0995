//! The form's small parts: a field's error, retry delays, and the headers textarea.

use std::collections::BTreeMap;

use leptos::prelude::*;

use crate::server_fns::schedules::SaveSchedule;

/// A reason next to its field, when there is one.
#[component]
pub(super) fn FieldError(#[prop(into)] message: Signal<Option<String>>) -> impl IntoView {
    view! {
        {move || {
            message
                .get()
                .map(|m| view! { <p class="field-error mt-1 text-sm text-red-700">{m}</p> })
        }}
    }
}

/// The server's reason for `field` after the last save, when it gave one.
pub(super) fn server_reason(
    save: ServerAction<SaveSchedule>,
    field: &'static str,
) -> Signal<Option<String>> {
    Signal::derive(move || {
        save.value()
            .get()
            .and_then(|result| result.err())
            .and_then(|error| error.reason_for(field))
    })
}

/// A retry delay as typed (humantime: `1s`, `5m`, `1h 30m`), in milliseconds.
pub(super) fn parse_retry_delay(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let duration = humantime::parse_duration(text).map_err(|error| {
        if text.chars().all(|c| c.is_ascii_digit()) && !text.is_empty() {
            format!("{text:?} has no unit; write e.g. {text}ms, 1s or 5m")
        } else {
            format!("{text:?} is not a duration such as 1s, 5m or 1h 30m ({error})")
        }
    })?;
    match u64::try_from(duration.as_millis()) {
        Ok(0) | Err(_) => Err(format!("{text:?} must be at least 1ms")),
        Ok(ms) => Ok(ms),
    }
}

/// A retry delay in milliseconds as the field shows it: `1s`, `5m`.
pub(super) fn show_retry_delay(ms: u64) -> String {
    humantime::format_duration(std::time::Duration::from_millis(ms)).to_string()
}

/// The headers textarea, one `Name: value` per line.
pub(super) fn parse_headers(text: &str) -> BTreeMap<String, String> {
    text.lines()
        .filter_map(|line| line.split_once(':'))
        .map(|(name, value)| (name.trim().to_owned(), value.trim().to_owned()))
        .filter(|(name, _)| !name.is_empty())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Issue 11: retry delays read and shown as humantime, not raw milliseconds.
    #[test]
    fn retry_delays_are_humantime() {
        assert_eq!(parse_retry_delay("1s"), Ok(1_000));
        assert_eq!(parse_retry_delay(" 5m "), Ok(300_000));
        assert_eq!(parse_retry_delay("1h 30m"), Ok(5_400_000));
        assert_eq!(show_retry_delay(300_000), "5m");
        assert_eq!(show_retry_delay(1_500), "1s 500ms");
        assert!(parse_retry_delay("300000").unwrap_err().contains("no unit"));
        assert!(parse_retry_delay("soon")
            .unwrap_err()
            .contains("not a duration"));
        assert!(parse_retry_delay("0s")
            .unwrap_err()
            .contains("at least 1ms"));
    }

    #[test]
    fn headers_are_read_one_per_line() {
        let headers = parse_headers("X-Team: ops\n\nAuthorization: Bearer abc:def\n");
        assert_eq!(headers["X-Team"], "ops");
        assert_eq!(headers["Authorization"], "Bearer abc:def");
        assert_eq!(headers.len(), 2);
    }
}
