//! One crontab line planned: the request it makes (over what a previous import made from
//! it), checked as a create would be, with its next fires, its action and, for a change,
//! every field that changes.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use super::{Checked, PREVIEW_FIRES};
use crate::crontab::{CrontabLine, Entry, ImportAction, ImportRequest, PlannedLine};
use crate::model::ScheduleView;
use crate::schedule::ScheduleInput;
use crate::ssrf::HostVerdicts;
use crate::store::imports::Imported;
use crate::validate::{self, ScheduleRequest, TargetRequest, Validated};

/// The request a line makes: over the schedule a previous import made from it (everything
/// the crontab does not say is kept), or over the defaults for a new one.
pub(super) fn line_request(
    import: &ImportRequest,
    entry: &Entry,
    before: Option<&Imported>,
) -> Result<ScheduleRequest, String> {
    let Some(url) = entry.url.clone().or_else(|| import.target_url.clone()) else {
        return Err(
            "the command is not a URL or a curl/wget of one; give a target URL for such lines"
                .into(),
        );
    };
    let mut request = match before.and_then(|imported| imported.view.as_ref()) {
        Some(view) => ScheduleRequest::from_view(view),
        None => ScheduleRequest::default(),
    };
    request.name = entry.name.clone();
    request.schedule = ScheduleInput {
        cron: Some(entry.cron.clone()),
        tz: Some(entry.tz.clone()),
        ..ScheduleInput::default()
    };
    let mut headers = std::mem::take(&mut request.target.headers);
    headers.extend(entry.headers.clone());
    request.target = TargetRequest {
        url,
        method: entry.method.clone(),
        headers,
        body: entry.body.clone().or(request.target.body.take()),
    };
    Ok(request)
}

/// One schedule line: checked as a create would be, its next fires, and its action.
pub(super) fn plan_entry(
    line: &CrontabLine,
    entry: &Entry,
    request: &ScheduleRequest,
    now: DateTime<Utc>,
    existing: &HashMap<String, Imported>,
    verdicts: &HostVerdicts,
) -> (PlannedLine, Option<Checked>) {
    let valid = match super::super::schedules::validated(request, now) {
        Ok(valid) => valid,
        Err(problems) => {
            let reason = problems
                .iter()
                .map(|p| format!("{}: {}", p.field, p.reason))
                .collect::<Vec<_>>()
                .join("; ");
            return (PlannedLine::error(line, reason), None);
        }
    };
    if let Err(refusal) = verdicts.verdict(&valid.schedule.target.url) {
        return (
            PlannedLine::error(line, format!("{}: {refusal}", validate::field::TARGET_URL)),
            None,
        );
    }
    let fires = valid
        .schedule
        .spec
        .compile_with(&valid.schedule.options)
        .map(|s| s.upcoming_fires(now, PREVIEW_FIRES))
        .unwrap_or_default();
    let action = match existing.get(&entry.key) {
        None => ImportAction::Create,
        Some(imported) => {
            let changes = match &imported.view {
                Some(old) => differences(old, &valid),
                None => vec!["the stored schedule cannot be read; it is replaced".into()],
            };
            if changes.is_empty() {
                ImportAction::Unchanged { id: imported.id }
            } else {
                ImportAction::Change {
                    id: imported.id,
                    changes,
                }
            }
        }
    };
    let planned = PlannedLine {
        line: line.clone(),
        description: Some(valid.schedule.spec.describe()),
        fires,
        action: Some(action),
        error: None,
    };
    let key = entry.key.clone();
    let before = existing
        .get(&entry.key)
        .and_then(|imported| imported.view.as_ref())
        .map(ScheduleRequest::from_view);
    let request = request.clone();
    (
        planned,
        Some(Checked {
            valid,
            key,
            request,
            before,
        }),
    )
}

/// Every field an import would change in a schedule it made before, in words; header values
/// and bodies are not shown (they may be credentials), only that they change.
fn differences(old: &ScheduleView, valid: &Validated) -> Vec<String> {
    let before = ScheduleRequest::from_view(old);
    let new = &valid.schedule;
    let after = ScheduleRequest::from_view(&ScheduleView {
        name: new.name.clone(),
        schedule: new.spec.clone(),
        target: new.target.clone(),
        retry: new.retry,
        misfire: new.misfire,
        on_dead: new.on_dead,
        ..old.clone()
    });
    let mut changes = Vec::new();
    let timing = |request: &ScheduleRequest| {
        let input = &request.schedule;
        match (&input.cron, &input.tz) {
            (Some(cron), Some(tz)) => format!("{cron} ({tz})"),
            _ => old.schedule.describe(),
        }
    };
    if before.schedule != after.schedule {
        changes.push(format!("cron: {} → {}", timing(&before), timing(&after)));
    }
    if before.name != after.name {
        changes.push(format!("name: {:?} → {:?}", before.name, after.name));
    }
    if before.target.url != after.target.url {
        changes.push(format!("url: {} → {}", before.target.url, after.target.url));
    }
    if before.target.method != after.target.method {
        let method = |m: &Option<String>| m.clone().unwrap_or_default();
        changes.push(format!(
            "method: {} → {}",
            method(&before.target.method),
            method(&after.target.method)
        ));
    }
    for (name, value) in &after.target.headers {
        match before.target.headers.get(name) {
            None => changes.push(format!("header {name}: added")),
            Some(old) if old != value => changes.push(format!("header {name}: changed")),
            Some(_) => {}
        }
    }
    if before.target.body != after.target.body {
        changes.push("body: changed".into());
    }
    if old.state == crate::model::ScheduleState::Dead {
        changes.push("state: dead → re-armed".into());
    }
    changes
}
