//! Importing a crontab: read it ([`crate::crontab`]), check every schedule line as a create
//! would, compare with the schedules already imported from the same source, and, once the
//! person confirms the plan they saw, write all of it in one transaction.

use std::collections::{BTreeMap, HashMap};

use chrono::{DateTime, Utc};
use sha2::{Digest, Sha256};
use sqlx::PgPool;

use super::{CommandError, HostChecks};
use crate::crontab::{
    self, CrontabLine, Entry, GoneSchedule, ImportAction, ImportDone, ImportPlan, ImportRequest,
    LineItem, PlannedLine,
};
use crate::schedule::{ScheduleInput, ScheduleSpec};
use crate::ssrf::TargetPolicy;
use crate::store::imports::{self, Imported};
use crate::validate::{self, FieldError, ScheduleRequest, TargetRequest, Validated};

/// The most lines one crontab may have.
pub const MAX_LINES: usize = 5_000;
/// Next fires shown per line.
const PREVIEW_FIRES: usize = 3;

/// A schedule line checked as a create would be.
struct Checked {
    valid: Validated,
    key: String,
}

/// Reads `request` and says what importing it would do; writes nothing.
pub async fn plan(
    pool: &PgPool,
    policy: &TargetPolicy,
    request: &ImportRequest,
) -> Result<ImportPlan, CommandError> {
    Ok(prepare(pool, policy, request).await?.0)
}

/// Imports `request` if its plan is still the one whose `digest` the person confirmed: every
/// create and change in one transaction. Refused (nothing written) while any line is in
/// error or when the plan changed since.
pub async fn apply(
    pool: &PgPool,
    policy: &TargetPolicy,
    request: &ImportRequest,
    digest: &str,
) -> Result<ImportDone, CommandError> {
    let (plan, checked) = prepare(pool, policy, request).await?;
    if plan.errors > 0 {
        return Err(CommandError::Invalid(
            plan.lines
                .iter()
                .filter_map(|line| {
                    line.error.as_ref().map(|reason| FieldError {
                        field: format!("text.line[{}]", line.line.number),
                        reason: reason.clone(),
                    })
                })
                .collect(),
        ));
    }
    if plan.digest != digest {
        return Err(CommandError::PlanChanged);
    }
    let now = crate::store::claims::db_now(pool).await?;
    let mut creates = Vec::new();
    let mut changes = Vec::new();
    for (line, checked) in plan.lines.iter().zip(checked) {
        let Some(checked) = checked else { continue };
        match &line.action {
            Some(ImportAction::Create) => creates.push((
                checked.valid.schedule,
                checked.valid.next_run_at,
                checked.key,
            )),
            Some(ImportAction::Change { id, .. }) => {
                changes.push((*id, checked.valid.schedule, checked.valid.next_run_at))
            }
            Some(ImportAction::Unchanged { .. }) | None => {}
        }
    }
    imports::apply(pool, &request.source, &creates, &changes, now).await?;
    Ok(ImportDone {
        created: plan.create,
        changed: plan.change,
        unchanged: plan.unchanged,
    })
}

/// The plan, and for each line the checked schedule it would write.
async fn prepare(
    pool: &PgPool,
    policy: &TargetPolicy,
    request: &ImportRequest,
) -> Result<(ImportPlan, Vec<Option<Checked>>), CommandError> {
    validate_request(request)?;
    let now = crate::store::claims::db_now(pool).await?;
    let lines = crontab::parse(&request.text, &request.tz);
    let existing: HashMap<String, Imported> = imports::by_source(pool, &request.source)
        .await?
        .into_iter()
        .map(|imported| (imported.key.clone(), imported))
        .collect();
    let mut planned = Vec::with_capacity(lines.len());
    let mut checked_lines = Vec::with_capacity(lines.len());
    let mut hosts = HostChecks::default();
    for line in lines {
        let (planned_line, checked) = match &line.item {
            LineItem::Entry(entry) => {
                plan_entry(policy, request, &line, entry, now, &existing, &mut hosts).await
            }
            LineItem::Error { reason } => (PlannedLine::error(&line, reason.clone()), None),
            _ => (PlannedLine::none(&line), None),
        };
        planned.push(planned_line);
        checked_lines.push(checked);
    }
    let keys: std::collections::HashSet<&str> = checked_lines
        .iter()
        .flatten()
        .map(|c| c.key.as_str())
        .collect();
    let mut gone: Vec<GoneSchedule> = existing
        .values()
        .filter(|imported| !keys.contains(imported.key.as_str()))
        .map(|imported| GoneSchedule {
            id: imported.id,
            name: imported
                .view
                .as_ref()
                .map_or_else(|| imported.key.clone(), |view| view.name.clone()),
            key: imported.key.clone(),
        })
        .collect();
    gone.sort_by(|a, b| a.key.cmp(&b.key));
    let count = |f: &dyn Fn(&PlannedLine) -> bool| planned.iter().filter(|l| f(l)).count();
    let mut plan = ImportPlan {
        create: count(&|l| matches!(l.action, Some(ImportAction::Create))),
        change: count(&|l| matches!(l.action, Some(ImportAction::Change { .. }))),
        unchanged: count(&|l| matches!(l.action, Some(ImportAction::Unchanged { .. }))),
        errors: count(&|l| l.error.is_some()),
        lines: planned,
        gone,
        digest: String::new(),
    };
    plan.digest = digest(request, &plan);
    Ok((plan, checked_lines))
}

/// The source, zone and size are usable.
fn validate_request(request: &ImportRequest) -> Result<(), CommandError> {
    let mut problems = Vec::new();
    let source = request.source.trim();
    if source.is_empty() || source.chars().count() > 200 {
        problems.push(FieldError {
            field: "source".into(),
            reason: "name where the crontab comes from (1–200 characters), e.g. web-1:root".into(),
        });
    }
    if let Err(error) = crate::schedule::zone::parse(&request.tz) {
        problems.push(FieldError {
            field: "tz".into(),
            reason: error.to_string(),
        });
    }
    let lines = request.text.lines().count();
    if lines > MAX_LINES {
        problems.push(FieldError {
            field: "text".into(),
            reason: format!(
                "the crontab has {lines} lines; at most {MAX_LINES} are imported at once"
            ),
        });
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CommandError::Invalid(problems))
    }
}

/// One schedule line: checked as a create would be, its next fires, and its action.
async fn plan_entry(
    policy: &TargetPolicy,
    request: &ImportRequest,
    line: &CrontabLine,
    entry: &Entry,
    now: DateTime<Utc>,
    existing: &HashMap<String, Imported>,
    hosts: &mut HostChecks,
) -> (PlannedLine, Option<Checked>) {
    let Some(url) = entry.url.clone().or_else(|| request.target_url.clone()) else {
        return (
            PlannedLine::error(
                line,
                "the command is not a URL or a curl/wget of one; give a target URL for such lines"
                    .into(),
            ),
            None,
        );
    };
    let schedule_request = ScheduleRequest {
        name: entry.name.clone(),
        schedule: ScheduleInput {
            cron: Some(entry.cron.clone()),
            tz: Some(entry.tz.clone()),
            ..Default::default()
        },
        target: TargetRequest {
            url,
            method: entry.method.clone(),
            headers: BTreeMap::new(),
            body: None,
        },
        max_attempts: None,
        backoff_initial_ms: None,
        backoff_max_ms: None,
        misfire: None,
        on_dead: None,
        paused: false,
    };
    // Checked as a create is: the request, then the target's host (each host once).
    let valid = match validate::validate(&schedule_request, now) {
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
    if let Err(reason) = hosts.check(policy, &valid.schedule.target.url).await {
        return (
            PlannedLine::error(line, format!("target.url: {reason}")),
            None,
        );
    }
    let fires = valid
        .schedule
        .spec
        .compile()
        .map(|s| s.upcoming_fires(now, PREVIEW_FIRES))
        .unwrap_or_default();
    let action = match existing.get(&entry.key) {
        None => ImportAction::Create,
        Some(imported) => {
            let changes = differences(imported, &valid);
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
    (planned, Some(Checked { valid, key }))
}

/// What an import would change in a schedule it made before, in words.
fn differences(imported: &Imported, valid: &Validated) -> Vec<String> {
    let Some(old) = &imported.view else {
        return vec!["the stored schedule cannot be read; it is replaced".into()];
    };
    let new = &valid.schedule;
    let timing = |spec: &ScheduleSpec| match spec {
        ScheduleSpec::Cron { cron, tz } => format!("{cron} ({tz})"),
        other => other.describe(),
    };
    let mut changes = Vec::new();
    if timing(&old.schedule) != timing(&new.spec) {
        changes.push(format!(
            "cron {} → {}",
            timing(&old.schedule),
            timing(&new.spec)
        ));
    }
    if old.name != new.name {
        changes.push(format!("name {:?} → {:?}", old.name, new.name));
    }
    if old.target.url != new.target.url || old.target.method != new.target.method {
        changes.push(format!(
            "target {} {} → {} {}",
            old.target.method, old.target.url, new.target.method, new.target.url
        ));
    }
    if old.state == crate::model::ScheduleState::Dead {
        changes.push("dead → re-armed".into());
    }
    changes
}

/// A fingerprint of what the plan would write, and of the request it came from.
fn digest(request: &ImportRequest, plan: &ImportPlan) -> String {
    let mut hash = Sha256::new();
    hash.update(serde_json::to_vec(request).unwrap_or_default());
    for line in &plan.lines {
        hash.update(serde_json::to_vec(&line.action).unwrap_or_default());
    }
    hex::encode(hash.finalize())
}

impl PlannedLine {
    fn none(line: &CrontabLine) -> Self {
        Self {
            line: line.clone(),
            description: None,
            fires: Vec::new(),
            action: None,
            error: None,
        }
    }

    fn error(line: &CrontabLine, reason: String) -> Self {
        Self {
            error: Some(reason),
            ..Self::none(line)
        }
    }
}
