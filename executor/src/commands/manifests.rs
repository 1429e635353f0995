//! Schedules as code: export a selection as the document an apply reads; apply a source's
//! document with a plan (created, changed field by field, deleted with `prune`) confirmed by
//! its digest and written in one transaction, through the crontab import's ownership
//! (`import_source`, keyed by name); and pause, resume, trigger or delete every schedule a
//! label selector matches.

use std::collections::{HashMap, HashSet};

use sha2::{Digest, Sha256};
use sqlx::PgPool;
use uuid::Uuid;

use super::actions::act;
use super::audit::{change, record, schedule_changes};
use super::schedules::{delete, validated_all};
use super::{now, Action, CommandError};
use crate::access::{Actor, Role};
use crate::labels::Selector;
use crate::model::{
    ApplyPlan, ApplyRequest, BulkAction, BulkDone, BulkRequest, PlannedChange, PlannedCreate,
    PlannedDelete, ScheduleItem, ScheduleState,
};
use crate::query::ListFilter;
use crate::ssrf::TargetGuard;
use crate::store::imports::{self, Imported};
use crate::store::schedules;
use crate::validate::{FieldError, ScheduleRequest, Validated};

/// Most schedules one document, export or bulk action may hold.
pub const MAX_SET: usize = 10_000;
/// Longest source name.
const MAX_SOURCE_CHARS: usize = 200;
/// Rows read per page while collecting a selection.
const PAGE: i64 = 500;

fn invalid(field: &str, reason: impl Into<String>) -> CommandError {
    CommandError::Invalid(vec![FieldError {
        field: field.into(),
        reason: reason.into(),
    }])
}

/// Every schedule `selector` matches, in name order (at most [`MAX_SET`]).
async fn selected(pool: &PgPool, selector: &Selector) -> Result<Vec<ScheduleItem>, CommandError> {
    let sql = selector.sql();
    let mut found: Vec<ScheduleItem> = Vec::new();
    loop {
        let after = found.last().map(|item| (item.name().to_owned(), item.id()));
        let after = after.as_ref().map(|(name, id)| (name.as_str(), *id));
        let page = schedules::list(pool, ListFilter::All, None, &sql, after, PAGE).await?;
        let done = (page.len() as i64) < PAGE;
        found.extend(page);
        if found.len() > MAX_SET {
            return Err(CommandError::TooMany {
                field: "selector",
                given: found.len(),
                limit: MAX_SET,
            });
        }
        if done {
            return Ok(found);
        }
    }
}

/// A schedule as a document holds it: every field that defines it, nothing of its state.
fn exported(request: ScheduleRequest) -> ScheduleRequest {
    ScheduleRequest {
        paused: false,
        ..request
    }
}

/// The schedules `selector` matches, as the document an apply reads, in name order.
/// Schedules whose stored definition cannot be read are left out (and logged): they have
/// no definition to write.
pub async fn export(
    pool: &PgPool,
    actor: &Actor,
    selector: &str,
) -> Result<Vec<ScheduleRequest>, CommandError> {
    // An export holds header values and bodies: only for a role that may edit them.
    actor.require(Role::Write)?;
    let selector = super::selector(selector)?;
    Ok(selected(pool, &selector)
        .await?
        .into_iter()
        .filter_map(|item| match item {
            ScheduleItem::Readable(view) => Some(exported(ScheduleRequest::from_view(&view))),
            ScheduleItem::Unreadable(row) => {
                tracing::warn!(schedule_id = %row.id, reason = %row.reason, "left out of an export");
                None
            }
        })
        .collect())
}

/// The entry a `schedules[i].…` path names.
fn document_index(path: &str) -> usize {
    path.strip_prefix("schedules[")
        .and_then(|rest| rest.split(']').next())
        .and_then(|index| index.parse().ok())
        .unwrap_or(usize::MAX)
}

/// One document entry checked, and what it does.
struct Entry {
    valid: Validated,
    request: ScheduleRequest,
    step: Step,
}

/// What applying an entry does.
enum Step {
    Create,
    /// Replaces schedule `id`, which was `before` (`None`: it could not be read).
    Change {
        id: Uuid,
        before: Option<Box<ScheduleRequest>>,
    },
    Unchanged,
}

/// Checks `request` and works out its plan; writes nothing.
async fn prepare(
    pool: &PgPool,
    targets: &TargetGuard,
    request: &ApplyRequest,
) -> Result<(ApplyPlan, Vec<Entry>, Vec<PlannedDelete>), CommandError> {
    let source = request.source.trim();
    if source.is_empty()
        || source.chars().count() > MAX_SOURCE_CHARS
        || source.chars().any(char::is_control)
    {
        return Err(invalid(
            "source",
            format!("name the source (1–{MAX_SOURCE_CHARS} characters, no control characters)"),
        ));
    }
    if request.schedules.len() > MAX_SET {
        return Err(CommandError::TooMany {
            field: "schedules",
            given: request.schedules.len(),
            limit: MAX_SET,
        });
    }
    let now = now(pool).await?;
    let mut errors = Vec::new();
    let mut seen = HashSet::new();
    let unique: Vec<(usize, &ScheduleRequest)> = request
        .schedules
        .iter()
        .enumerate()
        .filter(|(index, schedule)| {
            let first = seen.insert(schedule.name.trim().to_owned());
            if !first {
                errors.push(FieldError {
                    field: format!("schedules[{index}].name"),
                    reason: format!(
                        "{:?} appears twice; names identify schedules within a source",
                        schedule.name.trim()
                    ),
                });
            }
            first
        })
        .collect();
    let valid = validated_all(targets, unique.into_iter(), now, &mut errors).await;
    // In document order, whichever check found them.
    errors.sort_by_key(|error| document_index(&error.field));
    if !errors.is_empty() {
        return Err(CommandError::Invalid(errors));
    }
    let mut existing: HashMap<String, Imported> = imports::by_source(pool, source)
        .await?
        .into_iter()
        .map(|imported| (imported.key.clone(), imported))
        .collect();
    let mut hasher = Sha256::new();
    hasher.update(source.as_bytes());
    hasher.update([u8::from(request.prune)]);
    let mut plan = ApplyPlan {
        create: Vec::new(),
        change: Vec::new(),
        delete: Vec::new(),
        unchanged: 0,
        digest: String::new(),
        applied: false,
    };
    let mut entries = Vec::with_capacity(valid.len());
    for (_, mut checked) in valid {
        let name = checked.schedule.name.clone();
        let before = existing.remove(&name);
        // An apply keeps a pause: the document says what a schedule is, not its state.
        let paused = before
            .as_ref()
            .and_then(|b| b.view.as_ref())
            .is_some_and(|view| view.state == ScheduleState::Paused);
        checked.schedule.paused = paused;
        let after = exported(ScheduleRequest::from_schedule(&checked.schedule));
        hasher.update(serde_json::to_vec(&after).unwrap_or_default());
        let step = match before {
            None => {
                plan.create.push(PlannedCreate {
                    name: name.clone(),
                    description: checked.schedule.spec.describe(),
                    id: None,
                });
                Step::Create
            }
            Some(before) => {
                let old = before
                    .view
                    .as_ref()
                    .map(|view| exported(ScheduleRequest::from_view(view)));
                if let Some(view) = &before.view {
                    hasher.update(view.version.to_le_bytes());
                }
                let changes = schedule_changes(old.as_ref(), Some(&after));
                if old.is_some() && changes.as_object().is_some_and(|c| c.is_empty()) {
                    plan.unchanged += 1;
                    Step::Unchanged
                } else {
                    hasher.update(before.id.as_bytes());
                    plan.change.push(PlannedChange {
                        id: before.id,
                        name: name.clone(),
                        changes,
                    });
                    Step::Change {
                        id: before.id,
                        before: old.map(Box::new),
                    }
                }
            }
        };
        entries.push(Entry {
            valid: checked,
            request: after,
            step,
        });
    }
    let mut gone: Vec<PlannedDelete> = existing
        .into_values()
        .map(|imported| PlannedDelete {
            id: imported.id,
            name: imported.key,
        })
        .collect();
    gone.sort_by(|a, b| a.name.cmp(&b.name));
    if request.prune {
        for deleted in &gone {
            hasher.update(deleted.id.as_bytes());
        }
        plan.delete = gone.clone();
    }
    plan.digest = hex::encode(hasher.finalize());
    Ok((plan, entries, if request.prune { gone } else { Vec::new() }))
}

/// Answers the plan of `request` (a dry run), or applies it when it carries the digest of
/// that plan: every create, change and delete in one transaction, each in the audit log.
pub async fn apply(
    pool: &PgPool,
    targets: &TargetGuard,
    actor: &Actor,
    request: &ApplyRequest,
) -> Result<ApplyPlan, CommandError> {
    actor.require(Role::Write)?;
    let (mut plan, entries, deletes) = prepare(pool, targets, request).await?;
    if request.dry_run {
        return Ok(plan);
    }
    match request.digest.as_deref() {
        None => {
            return Err(invalid(
                "digest",
                "applying needs the digest of a dry run of the same document (send dry_run: true first)",
            ))
        }
        Some(digest) if digest != plan.digest => return Err(CommandError::PlanChanged),
        Some(_) => {}
    }
    let now = now(pool).await?;
    let source = request.source.trim();
    let mut creates = Vec::new();
    let mut created = Vec::new();
    let mut changes = Vec::new();
    let mut changed = Vec::new();
    for entry in entries {
        match entry.step {
            Step::Create => {
                // Keyed by name within the source.
                let key = entry.valid.schedule.name.clone();
                creates.push((entry.valid.schedule, entry.valid.next_run_at, key));
                created.push(entry.request);
            }
            Step::Change { id, before } => {
                changed.push((id, before.map(|b| *b), entry.request));
                changes.push((id, entry.valid.schedule, entry.valid.next_run_at));
            }
            Step::Unchanged => {}
        }
    }
    let mut tx = pool.begin().await?;
    let ids = imports::apply(&mut tx, source, &creates, &changes, now).await?;
    for deleted in &deletes {
        schedules::delete(&mut tx, deleted.id).await?;
    }
    let batch = Some(Uuid::new_v4());
    let entries: Vec<_> = ids
        .iter()
        .zip(&created)
        .map(|(id, after)| change("schedule.apply", Some("schedule"), Some(*id), schedule_changes(None, Some(after))))
        .chain(changed.iter().map(|(id, before, after)| {
            change("schedule.apply", Some("schedule"), Some(*id), schedule_changes(before.as_ref(), Some(after)))
        }))
        .chain(deletes.iter().map(|deleted| {
            change(
                "schedule.delete",
                Some("schedule"),
                Some(deleted.id),
                serde_json::json!({"name": {"before": deleted.name}, "why": {"after": "pruned by an apply"}}),
            )
        }))
        .collect();
    record(&mut tx, actor, batch, &entries).await?;
    tx.commit().await?;
    for (planned, id) in plan.create.iter_mut().zip(ids) {
        planned.id = Some(id);
    }
    plan.applied = true;
    Ok(plan)
}

/// Applies `request.action` to every schedule its selector matches (or, with `dry_run`,
/// counts them). Refused when the selector is empty, or when `expect` is not what it
/// matches now.
pub async fn bulk(
    pool: &PgPool,
    actor: &Actor,
    request: &BulkRequest,
) -> Result<BulkDone, CommandError> {
    let needed = match request.action {
        BulkAction::Delete => Role::Write,
        _ => Role::Operate,
    };
    actor.require(needed)?;
    let selector = super::selector(&request.selector)?;
    if selector.is_empty() {
        return Err(invalid(
            "selector",
            "a bulk action needs a selector that names at least one label",
        ));
    }
    let matched = selected(pool, &selector).await?;
    if request.dry_run {
        return Ok(BulkDone {
            matched: matched.len(),
            done: 0,
        });
    }
    if let Some(expected) = request.expect {
        if expected != matched.len() {
            return Err(CommandError::Refused {
                field: Some("expect"),
                reason: format!(
                    "the selector now matches {} schedules, not the {expected} confirmed; look again",
                    matched.len()
                ),
                conflict: true,
            });
        }
    }
    let mut done = 0;
    for item in &matched {
        let outcome = match request.action {
            BulkAction::Delete => delete(pool, actor, item.id()).await,
            BulkAction::Pause => act(pool, actor, item.id(), Action::Pause).await.map(|_| ()),
            BulkAction::Resume => act(pool, actor, item.id(), Action::Resume)
                .await
                .map(|_| ()),
            BulkAction::Trigger => act(pool, actor, item.id(), Action::Trigger)
                .await
                .map(|_| ()),
        };
        match outcome {
            Ok(()) => done += 1,
            Err(CommandError::Database(error)) => return Err(CommandError::Database(error)),
            // Not in a state the action applies to, deleted meanwhile, unreadable: skipped.
            Err(_) => {}
        }
    }
    Ok(BulkDone {
        matched: matched.len(),
        done,
    })
}
