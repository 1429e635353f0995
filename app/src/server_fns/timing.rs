//! The schedule form's timing, read where the zone tables are (the form's code has none).

use leptos::prelude::*;
use leptos::server_fn::codec::Postcard;

use crate::error::AppError;
use crate::timing_draft::{TimingDraft, TimingPart};

/// What the form's timing fields read as: the Run At and the window resolved in their
/// zones, and the next fires and the DST changes rendered as the form shows them. Writes nothing; any signed-in person may ask.
#[server(prefix = "/rpc", input = Postcard, output = Postcard)]
pub async fn read_timing(draft: TimingDraft) -> Result<TimingPart, AppError> {
    super::actor()?;
    Ok(crate::pages::schedule_form::reading::timing_part(
        draft.read(chrono::Utc::now()),
    ))
}
