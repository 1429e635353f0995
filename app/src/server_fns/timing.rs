//! The schedule form's timing, read where the zone tables are (the form's code has none).

use leptos::prelude::*;
use leptos::server_fn::codec::Postcard;

use crate::error::AppError;
use crate::timing_draft::{TimingDraft, TimingReading};

/// What the form's timing fields read as: the Run At and the window resolved in their
/// zones, the next fires, the DST changes. Writes nothing; any signed-in person may ask.
#[server(prefix = "/rpc", input = Postcard, output = Postcard)]
pub async fn read_timing(draft: TimingDraft) -> Result<TimingReading, AppError> {
    super::actor()?;
    Ok(draft.read(chrono::Utc::now()))
}
