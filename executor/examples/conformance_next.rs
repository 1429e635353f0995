//! `executor next` for many cases at once, for the conformance suite
//! (`conformance/run.py`): reads JSON lines `{"cron", "tz", "after", "count"}` (optionally
//! with a DST policy, `"dst_gap"` and `"dst_overlap"`) on stdin and answers each with
//! `{"next": [RFC 3339 UTC…]}` or `{"error": "…"}`, computed by the same library code as
//! `executor next` and the preview.

use std::io::{self, BufRead, Write};

use chrono::{DateTime, Utc};
use scheduleman::schedule::{self, DstGap, DstOverlap, ScheduleInput, TimingOptions};
use serde::Deserialize;
use serde_json::json;

/// One case.
#[derive(Debug, Deserialize)]
struct Case {
    cron: String,
    tz: String,
    after: DateTime<Utc>,
    count: usize,
    #[serde(default)]
    dst_gap: Option<DstGap>,
    #[serde(default)]
    dst_overlap: Option<DstOverlap>,
}

fn main() -> io::Result<()> {
    let stdout = io::stdout();
    let mut out = io::BufWriter::new(stdout.lock());
    for line in io::stdin().lock().lines() {
        let line = line?;
        if line.trim().is_empty() {
            continue;
        }
        let answer = match serde_json::from_str::<Case>(&line) {
            Err(error) => json!({ "error": format!("unreadable case: {error}") }),
            Ok(case) => {
                let input = ScheduleInput {
                    cron: Some(case.cron),
                    tz: Some(case.tz),
                    ..Default::default()
                };
                let options = TimingOptions {
                    dst_gap: case.dst_gap,
                    dst_overlap: case.dst_overlap,
                    ..Default::default()
                };
                match schedule::preview_with(&input, &options, case.after, case.count) {
                    Ok(preview) => json!({
                        "next": preview
                            .fires
                            .iter()
                            .map(|fire| schedule::rfc3339_seconds(fire.at))
                            .collect::<Vec<_>>()
                    }),
                    Err(error) => json!({ "error": error.to_string() }),
                }
            }
        };
        writeln!(out, "{answer}")?;
    }
    out.flush()
}
