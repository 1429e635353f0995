//! Schedules as code: the document an export writes and an apply reads, the plan an apply
//! answers, and the bulk action by label selector.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::validate::ScheduleRequest;

/// `POST /schedules:apply`'s body: the schedules a `source` owns, as an export writes them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApplyRequest {
    /// The name owning the set (`billing-prod`, a repository path): schedules are matched by
    /// `name` within it.
    pub source: String,
    /// Every schedule the source should have.
    pub schedules: Vec<ScheduleRequest>,
    /// Also delete the source's schedules the document no longer has.
    #[serde(default)]
    pub prune: bool,
    /// Only answer the plan.
    #[serde(default)]
    pub dry_run: bool,
    /// The digest of the dry run whose plan this applies (refused when the plan changed).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// A schedule an apply creates.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlannedCreate {
    /// Its name.
    pub name: String,
    /// Its timing in words.
    pub description: String,
    /// Its id, once applied.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<Uuid>,
}

/// A schedule an apply changes, field by field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlannedChange {
    /// The schedule.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// `{"field": {"before": …, "after": …}}` (header values and bodies redacted).
    pub changes: serde_json::Value,
}

/// A schedule an apply with `prune` deletes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlannedDelete {
    /// The schedule.
    pub id: Uuid,
    /// Its name.
    pub name: String,
}

/// What an apply does (or did).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ApplyPlan {
    /// Schedules created.
    pub create: Vec<PlannedCreate>,
    /// Schedules changed.
    pub change: Vec<PlannedChange>,
    /// Schedules deleted (only with `prune`).
    pub delete: Vec<PlannedDelete>,
    /// Schedules already as the document says.
    pub unchanged: usize,
    /// Send it back with the same document to apply exactly this plan.
    pub digest: String,
    /// Whether it was applied (false for a dry run).
    pub applied: bool,
}

impl ApplyPlan {
    /// Whether applying it changes nothing.
    pub fn is_empty(&self) -> bool {
        self.create.is_empty() && self.change.is_empty() && self.delete.is_empty()
    }
}

/// A state change or a deletion for every schedule a selector matches.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    Serialize,
    Deserialize,
    strum::EnumString,
    strum::IntoStaticStr,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
#[strum(serialize_all = "snake_case")]
pub enum BulkAction {
    /// Pause the active ones.
    Pause,
    /// Resume the paused ones.
    Resume,
    /// Fire the active ones now.
    Trigger,
    /// Delete them all, with their history.
    Delete,
}

/// `POST /schedules:bulk`'s body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct BulkRequest {
    /// A label selector (`team=billing,env!=dev`); it must name at least one requirement.
    pub selector: String,
    /// What to do.
    pub action: BulkAction,
    /// Only count the schedules it matches.
    #[serde(default)]
    pub dry_run: bool,
    /// The count the person confirmed: refused (409) when the selector now matches another
    /// number. Always written (`null` when unset): the UI sends this request in postcard,
    /// which reads fields by position and cannot tell a skipped one.
    #[serde(default)]
    pub expect: Option<usize>,
}

/// What a bulk action matched and did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct BulkDone {
    /// Schedules the selector matches.
    pub matched: usize,
    /// Schedules the action changed (a pause skips those not active, say).
    pub done: usize,
}
