//! `executor next` for many cases at once, for the conformance suite
//! (`conformance/run.py`): reads JSON lines `{"cron", "tz", "after", "count"}` on stdin and
//! answers each with `{"next": [RFC 3339 UTC…]}` or `{"error": "…"}`, computed by the same
//! library code as `executor next`.

use std::io::{self, BufRead, Write};

use chrono::{DateTime, Utc};
use scheduleman::schedule::{self, ScheduleInput};
use serde::Deserialize;
use serde_json::json;

/// One case.
#[derive(Debug, Deserialize)]
struct Case {
    cron: String,
    tz: String,
    after: DateTime<Utc>,
    count: usize,
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
                match schedule::preview(&input, case.after, case.count) {
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
