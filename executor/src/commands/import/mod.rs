//! Importing a crontab: read it ([`crate::crontab`]), check every schedule line as a create
//! would, compare with the schedules already imported from the same source, and, once the
//! person confirms the plan they saw, write all of it in one transaction. A re-import changes
//! only what the crontab says (timing, name, target, the headers and body its command sets)
//! and keeps everything else (retries, misfire rule, other headers, a pause), and the plan
//! names each field that changes.

use std::collections::{HashMap, HashSet};

use sha2::{Digest, Sha256};
use sqlx::PgPool;

mod lines;

use self::lines::{line_request, plan_entry};
use super::audit::{change, record, schedule_changes};
use super::{now, CommandError};
use crate::access::{Actor, Role};
use crate::crontab::{
    self, CrontabLine, GoneSchedule, ImportAction, ImportDone, ImportPlan, ImportRequest, LineItem,
    PlannedLine,
};
use crate::ssrf::TargetGuard;
use crate::store::imports::{self, Imported};
use crate::validate::{FieldError, ScheduleRequest, Validated};

/// The most lines one crontab may have.
pub const MAX_LINES: usize = 5_000;
/// Next fires shown per line.
const PREVIEW_FIRES: usize = 3;

/// A schedule line checked as a create would be.
struct Checked {
    valid: Validated,
    key: String,
    /// The request the line makes.
    request: ScheduleRequest,
    /// The schedule a previous import made from the line, as a request (for the audit log).
    before: Option<ScheduleRequest>,
}

/// Reads `request` and says what importing it would do; writes nothing.
pub async fn plan(
    pool: &PgPool,
    targets: &TargetGuard,
    actor: &Actor,
    request: &ImportRequest,
) -> Result<ImportPlan, CommandError> {
    actor.require(Role::Write)?;
    Ok(prepare(pool, targets, request).await?.0)
}

/// Imports `request` if its plan is still the one whose `digest` the person confirmed: every
/// create and change in one transaction. Refused (nothing written) while a line is in error,
/// unless the request says `skip_errors`, and when the plan changed since.
pub async fn apply(
    pool: &PgPool,
    targets: &TargetGuard,
    actor: &Actor,
    request: &ImportRequest,
    digest: &str,
) -> Result<ImportDone, CommandError> {
    actor.require(Role::Write)?;
    let (plan, checked) = prepare(pool, targets, request).await?;
    if plan.errors > 0 && !request.skip_errors {
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
    let now = now(pool).await?;
    let mut creates = Vec::new();
    let mut changes = Vec::new();
    let mut created_requests = Vec::new();
    let mut changed = Vec::new();
    for (line, checked) in plan.lines.iter().zip(checked) {
        let Some(checked) = checked else { continue };
        match &line.action {
            Some(ImportAction::Create) => {
                created_requests.push(checked.request);
                creates.push((
                    checked.valid.schedule,
                    checked.valid.next_run_at,
                    checked.key,
                ))
            }
            Some(ImportAction::Change { id, .. }) => {
                changed.push((*id, checked.before, checked.request));
                changes.push((*id, checked.valid.schedule, checked.valid.next_run_at))
            }
            Some(ImportAction::Unchanged { .. }) | None => {}
        }
    }
    let mut tx = pool.begin().await?;
    let ids = imports::apply(&mut tx, &request.source, &creates, &changes, now).await?;
    // One audit entry per schedule, tied to the import.
    let entries: Vec<_> = ids
        .iter()
        .zip(&created_requests)
        .map(|(id, after)| {
            let changes = schedule_changes(None, Some(after));
            change("schedule.import", Some("schedule"), Some(*id), changes)
        })
        .chain(changed.iter().map(|(id, before, after)| {
            let changes = schedule_changes(before.as_ref(), Some(after));
            change("schedule.import", Some("schedule"), Some(*id), changes)
        }))
        .collect();
    record(&mut tx, actor, Some(uuid::Uuid::new_v4()), &entries).await?;
    tx.commit().await?;
    Ok(ImportDone {
        created: plan.create,
        changed: plan.change,
        unchanged: plan.unchanged,
        skipped: plan.errors,
    })
}

/// The plan, and for each line the checked schedule it would write.
async fn prepare(
    pool: &PgPool,
    targets: &TargetGuard,
    request: &ImportRequest,
) -> Result<(ImportPlan, Vec<Option<Checked>>), CommandError> {
    validate_request(request)?;
    let now = now(pool).await?;
    let lines = crontab::parse(&request.text, &request.tz);
    let existing: HashMap<String, Imported> = imports::by_source(pool, &request.source)
        .await?
        .into_iter()
        .map(|imported| (imported.key.clone(), imported))
        .collect();
    // Every line's request first, so the target hosts are checked together (a few at a
    // time, within one budget), then each line against its verdict.
    let requests: Vec<Option<Result<ScheduleRequest, String>>> = lines
        .iter()
        .map(|line| match &line.item {
            LineItem::Entry(entry) => Some(line_request(request, entry, existing.get(&entry.key))),
            _ => None,
        })
        .collect();
    let verdicts = targets
        .check_urls(
            requests
                .iter()
                .flatten()
                .flatten()
                .map(|r| r.target.url.as_str()),
        )
        .await;
    let mut planned = Vec::with_capacity(lines.len());
    let mut checked_lines = Vec::with_capacity(lines.len());
    for (line, line_request) in lines.iter().zip(requests) {
        let (planned_line, checked) = match (&line.item, line_request) {
            (LineItem::Entry(entry), Some(Ok(schedule))) => {
                plan_entry(line, entry, &schedule, now, &existing, &verdicts)
            }
            (_, Some(Err(reason))) => (PlannedLine::error(line, reason), None),
            (LineItem::Error { reason }, _) => (PlannedLine::error(line, reason.clone()), None),
            _ => (PlannedLine::none(line), None),
        };
        planned.push(planned_line);
        checked_lines.push(checked);
    }
    let keys: HashSet<&str> = checked_lines
        .iter()
        .flatten()
        .map(|c| c.key.as_str())
        .chain(lines.iter().filter_map(|line| match &line.item {
            // A line in error still names its schedule: it is not "gone".
            LineItem::Entry(entry) => Some(entry.key.as_str()),
            _ => None,
        }))
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

/// A fingerprint of what the plan would write, and of the request it came from (but for
/// `skip_errors`: the person decides that after seeing the plan).
fn digest(request: &ImportRequest, plan: &ImportPlan) -> String {
    let mut hash = Sha256::new();
    let request = ImportRequest {
        skip_errors: false,
        digest: None,
        ..request.clone()
    };
    hash.update(serde_json::to_vec(&request).unwrap_or_default());
    for line in &plan.lines {
        hash.update(serde_json::to_vec(&line.action).unwrap_or_default());
        hash.update(serde_json::to_vec(&line.error).unwrap_or_default());
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
