//! Schedules: list, read, save, act on, delete; and the dead-letter queue.

use chrono::{DateTime, Utc};
use leptos::prelude::*;
use leptos::server_fn::codec::{Json, Postcard};
use scheduleman::labels::Labels;
#[cfg(feature = "ssr")]
use scheduleman::model::ScheduleItem;
use scheduleman::model::{DeadLetter, Outcome, ScheduleState};
use scheduleman::page::NameCursor;
use scheduleman::punctuality::Window;
use scheduleman::validate::EditBase;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::error::AppError;
use crate::server_html::ServerHtml;
use crate::timing_draft::TimingDraft;
use crate::wire::RequestCard;

/// Rows per page of the schedules list.
pub const PAGE_SIZE: usize = 50;

/// One page of the schedules list.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SchedulePage {
    /// The schedules, by name.
    pub rows: Vec<ScheduleRow>,
    /// Where the next page starts, when there is one.
    pub next: Option<NameCursor>,
}

/// A schedule as the list shows it, and no more: the list's code in the browser then carries
/// no decoder for whole schedules (their targets, retry policies, timing options; about a
/// tenth of the list's wasm, issue 21), and its page carries less data.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
// Nearly every row is readable: boxing that variant would cost an allocation per row.
#[allow(clippy::large_enum_variant)]
pub enum ScheduleRow {
    /// A schedule that reads.
    Readable(ListedSchedule),
    /// One whose stored definition does not decode, with why.
    Unreadable {
        /// Its id.
        id: Uuid,
        /// Its name.
        name: String,
        /// Why it cannot be read.
        reason: String,
        /// Its state.
        state: ScheduleState,
    },
}

/// A readable schedule's row. Instants travel as milliseconds since the epoch: decoding them
/// needs no date parser in the browser.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ListedSchedule {
    /// Its id.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// Its labels.
    pub labels: Labels,
    /// The timing in plain words.
    pub description: String,
    /// Its state.
    pub state: ScheduleState,
    /// When it is next due.
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub next_run_at: Option<DateTime<Utc>>,
    /// That instant read in the schedule's own zone ("2026-12-01 09:00:00 CET"), written on
    /// the server so that the list's code in the browser carries no zone tables (issue 21).
    pub next_in_zone: Option<String>,
    /// How its last attempt ended.
    pub last_outcome: Option<Outcome>,
    /// Why it failed, when it did.
    pub last_error: Option<String>,
    /// A pause that ends by itself then.
    #[serde(with = "chrono::serde::ts_milliseconds_option")]
    pub paused_until: Option<DateTime<Utc>>,
    /// Who paused it.
    pub paused_by: Option<String>,
    /// Why, as they said.
    pub pause_note: Option<String>,
    /// Fires its run limit allows in all, if it has one.
    pub max_fires: Option<i32>,
    /// Fires the run limit still allows.
    pub fires_left: Option<i32>,
    /// Fires and successful fires over the last 24 hours.
    pub day: Window,
}

/// A page of schedules: `filter` is `all`, a state or `failing`; `search` a part of the name;
/// `selector` a label selector (`team=billing,env!=dev`).
#[server(prefix = "/rpc", output = Postcard)]
pub async fn list_schedules(
    filter: String,
    search: String,
    selector: String,
    after: Option<NameCursor>,
) -> Result<SchedulePage, AppError> {
    use scheduleman::commands;
    let filter: scheduleman::query::ListFilter =
        filter
            .parse()
            .map_err(|error: scheduleman::query::UnknownFilter| {
                AppError::Invalid(vec![scheduleman::validate::FieldError {
                    field: "state".into(),
                    reason: error.to_string(),
                }])
            })?;
    let pool = super::pool()?;
    let page = commands::list(
        &pool,
        &super::actor()?,
        filter,
        Some(&search),
        &selector,
        after.as_ref(),
        PAGE_SIZE,
    )
    .await?;
    let ids: Vec<Uuid> = page.items.iter().map(ScheduleItem::id).collect();
    let mut day = commands::success_rates(&pool, &super::actor()?, &ids).await?;
    let rows = page
        .items
        .into_iter()
        .map(|item| match item {
            ScheduleItem::Readable(s) => ScheduleRow::Readable(ListedSchedule {
                next_in_zone: s
                    .next_run_at
                    .filter(|_| s.state == ScheduleState::Active)
                    .map(|at| crate::components::time::in_zone(at, s.schedule.zone())),
                day: day.remove(&s.id).unwrap_or_default(),
                id: s.id,
                name: s.name,
                labels: s.labels,
                description: s.description,
                state: s.state,
                next_run_at: s.next_run_at,
                last_outcome: s.last_outcome,
                last_error: s.last_error,
                paused_until: s.paused_until,
                paused_by: s.paused_by,
                pause_note: s.pause_note,
                max_fires: s.max_fires,
                fires_left: s.fires_left,
            }),
            ScheduleItem::Unreadable(row) => ScheduleRow::Unreadable {
                id: row.id,
                name: row.name,
                reason: row.reason,
                state: row.state,
            },
        })
        .collect();
    Ok(SchedulePage {
        rows,
        next: page.next,
    })
}

/// The top of one schedule's page: what its buttons need, and the rest rendered on the
/// server ([`crate::server_html`]), so the browser decodes no schedule and carries no code
/// to show one.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScheduleCard {
    /// The schedule.
    pub id: Uuid,
    /// Its state (which buttons apply).
    pub state: ScheduleState,
    /// Whether its stored definition reads (an unreadable one can only be edited or deleted).
    pub readable: bool,
    /// Its name and description, or why it cannot be read.
    pub heading: ServerHtml,
    /// Its state, limits, next execution, target, retries and next fires; or what can be
    /// read of an unreadable one.
    pub details: ServerHtml,
}

/// The top of one schedule's page, readable or not, its next fires read in its zone.
#[server(prefix = "/rpc", output = Postcard)]
pub async fn get_schedule(id: Uuid) -> Result<ScheduleCard, AppError> {
    let item = scheduleman::commands::read(&super::pool()?, &super::actor()?, id).await?;
    Ok(crate::pages::schedule_detail::summary::card(item))
}

/// What the edit form of a schedule starts from: the request that saves it as it is (for an
/// unreadable one: what can be read), and its timing as the form's fields show it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EditForm {
    /// The request, and why the stored timing cannot be read when it cannot.
    #[serde(with = "crate::wire::EditBaseDef")]
    pub base: EditBase,
    /// The timing fields, a stored Run At and window read on their zones' wall clocks.
    pub draft: TimingDraft,
}

/// What the edit form of a schedule starts from (in postcard: [`crate::wire`]).
#[server(prefix = "/rpc", output = Postcard)]
pub async fn get_edit_base(id: Uuid) -> Result<EditForm, AppError> {
    let base = scheduleman::commands::edit_base(&super::pool()?, &super::actor()?, id).await?;
    Ok(EditForm {
        draft: TimingDraft::of(&base.request, Utc::now()),
        base,
    })
}

/// A saved schedule: its id, and its signing secret when it was just created.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Saved {
    /// The schedule's id.
    pub id: Uuid,
    /// The signing secret of a new schedule (shown once); `None` after an edit.
    pub signing_secret: Option<String>,
}

/// Creates (`id` none) or replaces a schedule; field errors come back per field (in
/// postcard both ways: [`crate::wire`]).
#[server(prefix = "/rpc", input = Postcard, output = Postcard)]
pub async fn save_schedule(id: Option<Uuid>, request: RequestCard) -> Result<Saved, AppError> {
    let RequestCard(request) = request;
    let pool = super::pool()?;
    let targets = super::targets()?;
    Ok(match id {
        None => {
            let created =
                scheduleman::commands::create(&pool, &targets, &super::actor()?, &request).await?;
            Saved {
                id: created.schedule.id,
                signing_secret: Some(created.signing_secret),
            }
        }
        Some(id) => {
            let view = scheduleman::commands::replace(
                &pool,
                &targets,
                &super::actor()?,
                id,
                &request,
                None,
            )
            .await?;
            Saved {
                id: view.id,
                signing_secret: None,
            }
        }
    })
}

/// Gives a schedule a new signing secret and returns it (shown once).
#[server(prefix = "/rpc", output = Postcard)]
pub async fn rotate_secret(id: Uuid) -> Result<String, AppError> {
    Ok(
        scheduleman::commands::rotate_secret(&super::pool()?, &super::actor()?, id)
            .await?
            .signing_secret,
    )
}

/// Pauses (optionally until an instant, with a note), resumes, triggers (optionally with
/// a one-off body) or re-arms a schedule. The page reads the schedule again after it, so the
/// answer carries nothing (and the page's code no decoder of a schedule in JSON).
#[server(prefix = "/rpc", input = Json, output = Postcard)]
pub async fn schedule_action(
    id: Uuid,
    action: String,
    pause: scheduleman::model::PauseRequest,
    trigger: scheduleman::model::TriggerRequest,
) -> Result<(), AppError> {
    let action: scheduleman::commands::Action = action.parse().map_err(|_| {
        AppError::Invalid(vec![scheduleman::validate::FieldError {
            field: "action".into(),
            reason: format!("{action:?} is not an action; use pause, resume, trigger or rearm"),
        }])
    })?;
    let details = scheduleman::commands::ActionDetails { pause, trigger };
    scheduleman::commands::act_with(&super::pool()?, &super::actor()?, id, action, &details)
        .await?;
    Ok(())
}

/// Deletes a schedule and its history.
#[server(prefix = "/rpc", output = Postcard)]
pub async fn delete_schedule(id: Uuid) -> Result<(), AppError> {
    Ok(scheduleman::commands::delete(&super::pool()?, &super::actor()?, id).await?)
}

/// A page of the dead-letter queue ([`scheduleman::commands::DEAD_LETTER_PAGE`] schedules,
/// most recently dead first) after the cursor `after`, and the cursor of the next page.
#[server(prefix = "/rpc", output = Postcard)]
pub async fn list_dead_letters(
    after: Option<String>,
) -> Result<(Vec<DeadLetter>, Option<String>), AppError> {
    use scheduleman::page::DeadCursor;
    let after = after
        .as_deref()
        .map(DeadCursor::decode)
        .transpose()
        .map_err(|error| {
            AppError::Invalid(vec![scheduleman::validate::FieldError {
                field: "after".into(),
                reason: error.to_string(),
            }])
        })?;
    let page = scheduleman::commands::dead_letters(
        &super::pool()?,
        &super::actor()?,
        after,
        scheduleman::commands::DEAD_LETTER_PAGE,
    )
    .await?;
    Ok((
        page.items.into_iter().map(DeadLetter::from).collect(),
        page.next.map(|cursor| cursor.encode()),
    ))
}

/// Re-arms several dead schedules (at most [`scheduleman::commands::MAX_BULK_IDS`]); how many
/// were re-armed.
#[server(prefix = "/rpc", input = Postcard, output = Postcard)]
pub async fn rearm_schedules(ids: Vec<Uuid>) -> Result<usize, AppError> {
    Ok(scheduleman::commands::rearm_many(&super::pool()?, &super::actor()?, &ids).await?)
}

/// Pauses, resumes, triggers or deletes every schedule a label selector matches (with
/// `dry_run`, counts them; with `expect`, refuses when the count changed).
#[server(prefix = "/rpc", input = Postcard, output = Postcard)]
pub async fn bulk_schedules(
    request: scheduleman::model::BulkRequest,
) -> Result<scheduleman::model::BulkDone, AppError> {
    Ok(scheduleman::commands::manifests::bulk(&super::pool()?, &super::actor()?, &request).await?)
}
