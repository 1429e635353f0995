//! The form's small parts: a field's error, the zone picker, and the headers textarea.

use std::collections::BTreeMap;

use leptos::prelude::*;

use super::INPUT;

/// A reason next to its field, when there is one.
#[component]
pub(super) fn FieldError(
    message: impl Fn() -> Option<String> + Send + Sync + 'static,
) -> impl IntoView {
    view! {
        {move || {
            message().map(|m| view! { <p class="field-error mt-1 text-sm text-red-700">{m}</p> })
        }}
    }
}

/// An IANA zone picker.
#[component]
pub(super) fn ZoneSelect(id: &'static str, zone: RwSignal<String>) -> impl IntoView {
    view! {
        <select id=id class=INPUT on:change=move |e| zone.set(event_target_value(&e))>
            {chrono_tz::TZ_VARIANTS
                .iter()
                .map(|z| {
                    let name = z.name();
                    view! {
                        <option value=name selected=move || zone.get() == name>
                            {name}
                        </option>
                    }
                })
                .collect_view()}
        </select>
    }
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

    #[test]
    fn headers_are_read_one_per_line() {
        let headers = parse_headers("X-Team: ops\n\nAuthorization: Bearer abc:def\n");
        assert_eq!(headers["X-Team"], "ops");
        assert_eq!(headers["Authorization"], "Bearer abc:def");
        assert_eq!(headers.len(), 2);
    }
}
