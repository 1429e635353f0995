//! Values the unit tests of several modules share.

use scheduleman::model::{Misfire, OnDead};
use scheduleman::schedule::{DstGap, DstOverlap, ScheduleInput};
use scheduleman::validate::{ScheduleRequest, TargetRequest};

/// A schedule request with every optional field set (instants on whole seconds, as a
/// `datetime-local` picker reads them).
pub fn full_request() -> ScheduleRequest {
    ScheduleRequest {
        name: "nightly".into(),
        schedule: ScheduleInput {
            cron: Some("0 3 * * *".into()),
            tz: Some("Europe/Berlin".into()),
            ..Default::default()
        },
        target: TargetRequest {
            url: "https://hooks.example/run".into(),
            method: Some("PUT".into()),
            headers: [("X-Team".to_owned(), "ops".to_owned())].into(),
            body: Some("{}".into()),
        },
        max_attempts: Some(7),
        backoff_initial_ms: Some(2_000),
        backoff_max_ms: Some(600_000),
        misfire: Some(Misfire::Skip),
        on_dead: Some(OnDead::NextFire),
        paused: true,
        starts_at: Some("2027-01-04T08:00:00Z".parse().unwrap()),
        ends_at: Some("2027-06-30T22:00:00Z".parse().unwrap()),
        max_fires: Some(40),
        jitter: Some("30s".into()),
        dst_gap: Some(DstGap::Skip),
        dst_overlap: Some(DstOverlap::Twice),
        labels: [
            ("team".to_owned(), "billing".to_owned()),
            ("env".to_owned(), "prod".to_owned()),
        ]
        .into(),
    }
}
