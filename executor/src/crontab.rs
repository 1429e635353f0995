//! Reading a crontab: what each line is (a schedule, a zone change, a comment, an
//! environment line) and, for a schedule, its expression, zone, name, webhook target and the
//! key that recognises it when the same crontab is imported again; and the import's request,
//! plan and result. Pure; the import command (`commands::import`) compares the lines with
//! what is stored.

use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::schedule::{zone, CronExpr, Fire};

mod command;

/// What to import.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ImportRequest {
    /// Where the crontab comes from (`web-1:root`, say): a second import from the same
    /// source changes the schedules the first one made.
    pub source: String,
    /// The crontab.
    pub text: String,
    /// The zone of lines with no `CRON_TZ=`/`TZ=` above them.
    pub tz: String,
    /// The webhook of lines whose command is not a URL or a `curl`/`wget` of one.
    #[serde(default)]
    pub target_url: Option<String>,
    /// Import the lines that can be read and skip those in error (listed in the plan);
    /// without it, one line in error holds back the whole crontab.
    #[serde(default)]
    pub skip_errors: bool,
    /// The preview's digest, to confirm an import: refused (409) if the import would now do
    /// something else than that preview showed. Not used by a preview.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

/// What an import would do, line by line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportPlan {
    /// Every line, with what it was read as and what importing it does.
    pub lines: Vec<PlannedLine>,
    /// Schedules imported from this source before whose line is gone: left as they are.
    pub gone: Vec<GoneSchedule>,
    /// Counts: schedules to create, to change, left alone, and lines in error.
    pub create: usize,
    /// See `create`.
    pub change: usize,
    /// See `create`.
    pub unchanged: usize,
    /// See `create`: lines in error (skipped when the request says `skip_errors`).
    pub errors: usize,
    /// Send it back to confirm: the import is refused if the plan would differ by then.
    pub digest: String,
}

/// One line of the plan.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PlannedLine {
    /// The line as read.
    #[serde(flatten)]
    pub line: CrontabLine,
    /// For a schedule: its timing in words.
    pub description: Option<String>,
    /// For a schedule: its next fires, with DST notes.
    pub fires: Vec<Fire>,
    /// For a schedule: create, change or leave alone.
    pub action: Option<ImportAction>,
    /// Why the line cannot be imported (also for a schedule line the checks refuse).
    pub error: Option<String>,
}

/// What importing a schedule line does.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ImportAction {
    /// A new schedule.
    Create,
    /// The schedule a previous import made from this line changes.
    Change {
        /// The schedule.
        id: Uuid,
        /// What changes, in words ("cron 0 2 * * * → 0 3 * * *").
        changes: Vec<String>,
    },
    /// The schedule a previous import made from this line stays as it is.
    Unchanged {
        /// The schedule.
        id: Uuid,
    },
}

/// A schedule imported before from this source whose line is no longer there.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct GoneSchedule {
    /// The schedule.
    pub id: Uuid,
    /// Its name.
    pub name: String,
    /// The command it was imported from.
    pub key: String,
}

/// What a confirmed import did.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct ImportDone {
    /// Schedules created.
    pub created: usize,
    /// Schedules changed.
    pub changed: usize,
    /// Schedules left alone.
    pub unchanged: usize,
    /// Lines in error, skipped (`skip_errors`).
    pub skipped: usize,
}

/// The longest name a schedule may have; longer commands are cut (with "…").
const NAME_LIMIT: usize = 200;

/// One line of a crontab and what it was read as.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CrontabLine {
    /// 1-based line number.
    pub number: usize,
    /// The line as written.
    pub text: String,
    /// What it was read as.
    pub item: LineItem,
}

/// What a crontab line is.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "kind", rename_all = "snake_case")]
// Most lines of a crontab are entries: boxing them would cost an allocation per line.
#[allow(clippy::large_enum_variant)]
pub enum LineItem {
    /// Empty or only spaces.
    Blank,
    /// A `#` comment (the one right above a schedule names it).
    Comment,
    /// `CRON_TZ=` or `TZ=`: the zone of the lines below.
    Zone {
        /// The IANA zone.
        tz: String,
    },
    /// Another `NAME=value` line: not used (Scheduleman calls webhooks, it runs no shell).
    Environment {
        /// The variable's name.
        name: String,
    },
    /// A schedule.
    Entry(Entry),
    /// A line that cannot be read, and why.
    Error {
        /// The reason.
        reason: String,
    },
}

/// A crontab schedule line, read. What it shows carries no credential: header values,
/// `-u` and URL passwords go only into the (unserialized) request parts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Entry {
    /// The cron expression (5 or 6 fields, or a macro).
    pub cron: String,
    /// Its zone: the last `CRON_TZ=`/`TZ=` above it, else the import's default.
    pub tz: String,
    /// The command, with credentials shown as `…` and whitespace collapsed.
    pub command: String,
    /// The schedule's name: the comment right above the line, else the command (as shown).
    pub name: String,
    /// The webhook the command calls, when it is a URL or a `curl`/`wget` of one (without
    /// credentials).
    pub url: Option<String>,
    /// The method: curl's `-X`/`--request`, `POST` when it sends data, else GET for
    /// curl/wget and POST for a bare URL.
    pub method: Option<String>,
    /// The names of the headers the command sets (`-H`, `-u` as Authorization); values are
    /// not shown.
    #[serde(default)]
    pub header_names: Vec<String>,
    /// Whether the command sends a body (`-d`, `--json`, `--post-data`).
    #[serde(default)]
    pub sends_body: bool,
    /// What recognises this schedule on the next import of the same crontab: the command
    /// as shown, with `#2`, `#3`… for its later repetitions (unique within the crontab).
    pub key: String,
    /// The headers the command sets, with their values (never serialized).
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub headers: std::collections::BTreeMap<String, String>,
    /// The body the command sends (never serialized).
    #[serde(skip)]
    #[cfg_attr(feature = "openapi", schema(ignore))]
    pub body: Option<String>,
}

/// Reads `text` line by line; schedules without a `CRON_TZ=`/`TZ=` line above them are in
/// `default_tz`.
pub fn parse(text: &str, default_tz: &str) -> Vec<CrontabLine> {
    let mut tz = default_tz.to_owned();
    let mut comment_above: Option<String> = None;
    let mut keys = Keys::default();
    let mut lines = Vec::new();
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        let item = if line.is_empty() {
            LineItem::Blank
        } else if let Some(comment) = line.strip_prefix('#') {
            let comment = comment.trim();
            comment_above = (!comment.is_empty()).then(|| comment.to_owned());
            lines.push(CrontabLine {
                number: index + 1,
                text: raw.to_owned(),
                item: LineItem::Comment,
            });
            continue;
        } else if let Some((name, value)) = environment(line) {
            if name != "CRON_TZ" && name != "TZ" {
                // Its value may be a secret (an API key for the script): not shown.
                lines.push(CrontabLine {
                    number: index + 1,
                    text: format!("{name}=…"),
                    item: LineItem::Environment {
                        name: name.to_owned(),
                    },
                });
                comment_above = None;
                continue;
            }
            match zone::parse(value) {
                Ok(zone) => {
                    tz = zone.name().to_owned();
                    LineItem::Zone { tz: tz.clone() }
                }
                Err(error) => LineItem::Error {
                    reason: error.to_string(),
                },
            }
        } else {
            match entry(line, &tz, comment_above.take()) {
                Ok((mut entry, fields)) => {
                    entry.key = keys.unique(&entry.command);
                    lines.push(CrontabLine {
                        number: index + 1,
                        text: format!("{fields} {}", entry.command),
                        item: LineItem::Entry(entry),
                    });
                    comment_above = None;
                    continue;
                }
                Err(reason) => LineItem::Error { reason },
            }
        };
        comment_above = None;
        lines.push(CrontabLine {
            number: index + 1,
            text: raw.to_owned(),
            item,
        });
    }
    lines
}

/// The keys given so far: a repeated command gets `#2`, `#3`…, skipping any already taken
/// (a line whose command itself ends in `#2` included), so no two lines share a key.
#[derive(Debug, Default)]
struct Keys(std::collections::HashSet<String>);

impl Keys {
    fn unique(&mut self, command: &str) -> String {
        let mut key = command.to_owned();
        let mut count = 1;
        while self.0.contains(&key) {
            count += 1;
            key = format!("{command}#{count}");
        }
        self.0.insert(key.clone());
        key
    }
}

/// `NAME=value` (a shell variable name, spaces allowed around `=`), quotes removed.
fn environment(line: &str) -> Option<(&str, &str)> {
    let (name, value) = line.split_once('=')?;
    let name = name.trim();
    let is_name = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphabetic() || c == '_')
        && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    is_name.then(|| (name, value.trim().trim_matches(|c| c == '"' || c == '\'')))
}

/// The longest command a line may have, in bytes: its key must fit a database index entry.
pub const MAX_COMMAND_BYTES: usize = 1024;

/// A schedule line: a macro and a command, or 5 fields (6 when the first six words form a
/// valid expression with seconds and a command follows) and a command. Also answers the time
/// fields as written, for the line's shown text.
fn entry(line: &str, tz: &str, comment: Option<String>) -> Result<(Entry, String), String> {
    let words: Vec<&str> = line.split_whitespace().collect();
    let fields = if words[0].starts_with('@') {
        if words[0].eq_ignore_ascii_case("@reboot") {
            return Err(
                "@reboot runs when a machine starts; a scheduler has no such moment".to_owned(),
            );
        }
        1
    } else if words.len() > 6 && words[..6].join(" ").parse::<CronExpr>().is_ok() {
        6
    } else {
        5
    };
    if words.len() <= fields {
        return Err(if words.len() < fields {
            format!(
                "a schedule line has {fields} time fields and a command; this one has {} words",
                words.len()
            )
        } else {
            "there is no command after the time fields".to_owned()
        });
    }
    let cron = words[..fields].join(" ");
    cron.parse::<CronExpr>()
        .map_err(|error| error.to_string())?;
    let written = rest_after_words(line, fields);
    if written.len() > MAX_COMMAND_BYTES {
        return Err(format!(
            "the command is {} bytes long; at most {MAX_COMMAND_BYTES} are imported",
            written.len()
        ));
    }
    let command = command::read(written).map_err(|error| error.to_string())?;
    let call = command.call.unwrap_or_default();
    let name = comment.unwrap_or_else(|| command.shown.clone());
    let has_call = !call.url.is_empty();
    Ok((
        Entry {
            cron: cron.clone(),
            tz: tz.to_owned(),
            key: command.shown.clone(),
            name: cut(&collapse_whitespace(&name), NAME_LIMIT),
            command: command.shown,
            url: has_call.then(|| call.url.clone()),
            method: has_call.then(|| call.method.clone()),
            header_names: call.headers.keys().cloned().collect(),
            sends_body: call.body.is_some(),
            headers: call.headers,
            body: call.body,
        },
        cron,
    ))
}

/// `text` with every run of whitespace (tabs included) as one space.
fn collapse_whitespace(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `line` after its first `count` whitespace-separated words, as written.
fn rest_after_words(line: &str, count: usize) -> &str {
    let mut rest = line.trim_start();
    for _ in 0..count {
        let end = rest.find(char::is_whitespace).unwrap_or(rest.len());
        rest = rest[end..].trim_start();
    }
    rest
}

fn cut(text: &str, limit: usize) -> String {
    if text.chars().count() <= limit {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(limit - 1).collect();
    cut.push('…');
    cut
}

#[cfg(test)]
mod tests;
