//! An IANA zone picker, shared by the schedule form and the crontab import.

use leptos::prelude::*;

use crate::components::bind::takes;

/// An IANA zone picker.
#[component]
pub fn ZoneSelect(id: &'static str, zone: RwSignal<String>) -> impl IntoView {
    view! {
        <select
            id=id
            class="mt-1 w-full rounded-md border border-slate-300 px-3 py-2 text-sm"
            on:change=takes(zone)
        >
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
