//! What bounds and spreads a schedule's fires beside its timing: an active window
//! (`starts_at`, `ends_at`), jitter (each fire spread within a window after its instant,
//! the same for every executor that computes it), and what a cron schedule does where
//! daylight-saving time skips or repeats a reading. Stored with the timing, in the same
//! JSON.

use chrono::{DateTime, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use super::ScheduleSpec;

/// What a cron schedule does with a reading a spring-forward gap skips.
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
pub enum DstGap {
    /// Fire at the first instant after the gap (Vixie cron).
    Shift,
    /// Do not fire for it.
    Skip,
}

/// What a cron schedule does with a reading a fall-back overlap repeats.
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
pub enum DstOverlap {
    /// Fire at its first occurrence only.
    Once,
    /// Fire at both occurrences.
    Twice,
}

/// A cron schedule's DST policy; each part left unset keeps Debian cron's rule (fixed-time
/// jobs shift and fire once, others skip and fire twice).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct DstPolicy {
    /// The gap rule, if chosen.
    pub gap: Option<DstGap>,
    /// The overlap rule, if chosen.
    pub overlap: Option<DstOverlap>,
}

impl DstPolicy {
    /// Whether a skipped reading fires at the end of the gap, for an expression that is
    /// `fixed_time` or not.
    pub fn gap_shifts(self, fixed_time: bool) -> bool {
        self.gap.map_or(fixed_time, |gap| gap == DstGap::Shift)
    }

    /// Whether a repeated reading fires twice.
    pub fn overlap_twice(self, fixed_time: bool) -> bool {
        self.overlap
            .map_or(!fixed_time, |overlap| overlap == DstOverlap::Twice)
    }
}

/// The options beside a schedule's timing, as stored and as the API shows them.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct TimingOptions {
    /// Nothing fires before this instant.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub starts_at: Option<DateTime<Utc>>,
    /// Nothing fires after this instant; then the schedule completes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ends_at: Option<DateTime<Utc>>,
    /// The jitter as written (`30s`): each fire at an instant within this long after its own.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub jitter: Option<String>,
    /// The jitter in milliseconds.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub jitter_ms: u64,
    /// What makes this schedule's spread differ from another's with the same timing.
    #[serde(default, skip_serializing_if = "is_zero")]
    pub jitter_seed: u64,
    /// A cron schedule's gap rule (`shift` or `skip`); unset: Debian cron's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dst_gap: Option<DstGap>,
    /// A cron schedule's overlap rule (`once` or `twice`); unset: Debian cron's.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub dst_overlap: Option<DstOverlap>,
}

fn is_zero(value: &u64) -> bool {
    *value == 0
}

impl TimingOptions {
    /// The DST policy the options choose.
    pub fn dst(&self) -> DstPolicy {
        DstPolicy {
            gap: self.dst_gap,
            overlap: self.dst_overlap,
        }
    }

    /// The active window.
    pub fn window(&self) -> Window {
        Window {
            starts_at: self.starts_at,
            ends_at: self.ends_at,
        }
    }

    /// The jitter, when there is one.
    pub fn jitter(&self) -> Option<Jitter> {
        (self.jitter_ms > 0).then(|| Jitter {
            spread: TimeDelta::milliseconds(self.jitter_ms.min(i64::MAX as u64) as i64),
            seed: self.jitter_seed,
        })
    }
}

/// When a schedule may fire at all.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Window {
    /// Not before.
    pub starts_at: Option<DateTime<Utc>>,
    /// Not after.
    pub ends_at: Option<DateTime<Utc>>,
}

/// Each fire spread within `spread` after its instant, by an offset that depends only on
/// the seed and the instant: every executor, and every retry, agrees on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Jitter {
    /// The longest offset (exclusive).
    pub spread: TimeDelta,
    /// The schedule's seed.
    pub seed: u64,
}

impl Jitter {
    /// The instant a fire due at `nominal` is made at.
    pub fn apply(self, nominal: DateTime<Utc>) -> DateTime<Utc> {
        let spread_ms = self.spread.num_milliseconds().max(1) as u64;
        let offset = mix(self.seed ^ nominal.timestamp_millis() as u64) % spread_ms;
        nominal + TimeDelta::milliseconds(offset as i64)
    }
}

/// SplitMix64's finaliser: every input bit moves every output bit.
fn mix(mut value: u64) -> u64 {
    value = (value ^ (value >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    value = (value ^ (value >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    value ^ (value >> 31)
}

/// What the `spec` column holds: the timing and its options in one JSON object (rows
/// written before the options existed read as having none).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StoredTiming {
    /// The timing.
    #[serde(flatten)]
    pub spec: ScheduleSpec,
    /// Its options.
    #[serde(flatten)]
    pub options: TimingOptions,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jitter_is_the_same_for_one_fire_and_differs_between_fires_and_seeds() {
        let jitter = Jitter {
            spread: TimeDelta::seconds(30),
            seed: 7,
        };
        let nominal = DateTime::from_timestamp(1_800_000_000, 0).unwrap();
        assert_eq!(
            jitter.apply(nominal),
            jitter.apply(nominal),
            "deterministic"
        );
        let offsets: Vec<i64> = (0..200)
            .map(|hour| {
                let at = nominal + TimeDelta::hours(hour);
                (jitter.apply(at) - at).num_milliseconds()
            })
            .collect();
        assert!(
            offsets.iter().all(|ms| (0..30_000).contains(ms)),
            "{offsets:?}"
        );
        let early = offsets.iter().filter(|ms| **ms < 15_000).count();
        assert!(
            (60..140).contains(&early),
            "spread over the window: {early} of 200 early"
        );
        let other = Jitter { seed: 8, ..jitter };
        assert_ne!(
            jitter.apply(nominal),
            other.apply(nominal),
            "another schedule, another instant"
        );
    }

    #[test]
    fn stored_timing_reads_rows_written_before_options() {
        let old = r#"{"kind":"cron","cron":"0 9 * * *","tz":"UTC"}"#;
        let stored: StoredTiming = serde_json::from_str(old).unwrap();
        assert_eq!(stored.options, TimingOptions::default());
        let with = StoredTiming {
            options: TimingOptions {
                jitter: Some("30s".into()),
                jitter_ms: 30_000,
                jitter_seed: 9,
                dst_gap: Some(DstGap::Skip),
                ..TimingOptions::default()
            },
            ..stored
        };
        let text = serde_json::to_string(&with).unwrap();
        assert!(
            text.contains(r#""kind":"cron""#) && text.contains(r#""dst_gap":"skip""#),
            "{text}"
        );
        assert_eq!(serde_json::from_str::<StoredTiming>(&text).unwrap(), with);
    }
}
