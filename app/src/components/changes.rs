//! Audit entries as a table: when, who, what, and each field's before → after (secrets
//! already redacted by the server), described in words on the server.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use scheduleman::model::AuditEntryView;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::time::LocalTime;
use crate::sync_hydration::IntoAnySync;

/// An audit entry as the table shows it. Its changes come as lines of words, written on the
/// server from the entry's free-form JSON, so the entry travels in postcard and the pages'
/// code carries no JSON decoder for it (issue 21).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRow {
    /// When (microseconds since the epoch on the wire).
    #[serde(with = "chrono::serde::ts_microseconds")]
    pub at: DateTime<Utc>,
    /// Who, in words.
    pub actor: String,
    /// What (`schedule.update`).
    pub action: String,
    /// The schedule it concerns, if any.
    pub schedule_id: Option<Uuid>,
    /// What else it concerns (`api_key`), if not a schedule.
    pub subject_kind: Option<String>,
    /// `field: before → after`, one per changed field.
    pub changes: Vec<String>,
}

impl From<AuditEntryView> for ChangeRow {
    fn from(entry: AuditEntryView) -> Self {
        Self {
            changes: describe(&entry.changes),
            at: entry.at,
            actor: entry.actor,
            action: entry.action,
            schedule_id: entry.schedule_id,
            subject_kind: entry.subject_kind,
        }
    }
}

/// The entries, newest first; `subject` adds a column linking each entry's schedule.
#[component]
pub fn ChangeTable(entries: Vec<ChangeRow>, #[prop(optional)] subject: bool) -> impl IntoView {
    view! {
        <table class="mt-3 w-full overflow-hidden rounded-lg border border-slate-200 bg-white text-left text-sm shadow-sm">
            <thead class="bg-slate-50 text-xs uppercase text-slate-500">
                <tr>
                    <th class="px-3 py-2">"When"</th>
                    <th class="px-3 py-2">"Who"</th>
                    <th class="px-3 py-2">"Action"</th>
                    {subject.then(|| view! { <th class="px-3 py-2">"Subject"</th> })}
                    <th class="px-3 py-2">"Changes"</th>
                </tr>
            </thead>
            <tbody>
                {entries
                    .into_iter()
                    .map(|entry| {
                        let subject_cell = subject
                            .then(|| {
                                let link = entry
                                    .schedule_id
                                    .map(|id| {
                                        view! {
                                            <a
                                                href=format!("/schedules/{id}")
                                                class="text-indigo-700 hover:underline"
                                            >
                                                "schedule"
                                            </a>
                                        }
                                            .into_any_sync()
                                    })
                                    .unwrap_or_else(|| {
                                        entry
                                            .subject_kind
                                            .clone()
                                            .unwrap_or_default()
                                            .into_any_sync()
                                    });
                                view! { <td class="px-3 py-2">{link}</td> }
                            });
                        view! {
                            <tr
                                class="audit-row border-t border-slate-100 align-top"
                                data-action=entry.action.clone()
                            >
                                <td class="px-3 py-2 whitespace-nowrap">
                                    <LocalTime at=entry.at />
                                </td>
                                <td class="actor px-3 py-2">{entry.actor.clone()}</td>
                                <td class="action px-3 py-2 font-mono text-xs">
                                    {entry.action.clone()}
                                </td>
                                {subject_cell}
                                <td class="changes px-3 py-2 font-mono text-xs">
                                    {entry
                                        .changes
                                        .into_iter()
                                        .map(|line| view! { <div>{line}</div> })
                                        .collect_view()}
                                </td>
                            </tr>
                        }
                    })
                    .collect_view()}
            </tbody>
        </table>
    }
}

/// `field: before → after` per changed field, one per line.
fn describe(changes: &serde_json::Value) -> Vec<String> {
    let Some(fields) = changes.as_object() else {
        return Vec::new();
    };
    fields
        .iter()
        .map(|(field, change)| {
            let shown = |key: &str| change.get(key).map(short);
            match (shown("before"), shown("after")) {
                (Some(before), Some(after)) => format!("{field}: {before} → {after}"),
                (None, Some(after)) => format!("{field}: {after}"),
                (Some(before), None) => format!("{field}: {before} → (removed)"),
                (None, None) => field.clone(),
            }
        })
        .collect()
}

/// A value as one short line.
fn short(value: &serde_json::Value) -> String {
    let text = match value {
        serde_json::Value::String(text) => text.clone(),
        other => other.to_string(),
    };
    if text.chars().count() > 80 {
        format!("{}…", text.chars().take(80).collect::<String>())
    } else {
        text
    }
}
