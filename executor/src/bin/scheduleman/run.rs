//! What each command does: the requests it makes and what it prints.

use std::path::PathBuf;
use std::process::ExitCode;

use reqwest::Method;
use serde_json::{json, Value};

use crate::client::{encode, query, Client};
use crate::output::{self, Format};
use crate::Command;

/// Runs `command`: its exit code, or why it failed.
pub async fn run(client: &Client, command: Command, format: Format) -> anyhow::Result<ExitCode> {
    match command {
        Command::Get {
            selector,
            state,
            search,
        } => {
            let pairs = vec![("selector", selector), ("state", state), ("search", search)];
            let query = query("limit=500", pairs);
            let page = client
                .call(Method::GET, &format!("/schedules?{query}"), None)
                .await?;
            if !output::structured(&page["items"], format)? {
                let rows: Vec<Vec<String>> = page["items"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|s| {
                        vec![
                            output::cell(&s["name"]),
                            output::cell(&s["state"]),
                            output::cell(&s["next_run_at"]),
                            output::labels(&s["labels"]),
                            output::cell(&s["id"]),
                        ]
                    })
                    .collect();
                output::table(&["NAME", "STATE", "NEXT RUN", "LABELS", "ID"], &rows);
            }
        }
        Command::Describe { schedule } => {
            let id = resolve(client, &schedule).await?;
            let view = client
                .call(Method::GET, &format!("/schedules/{id}"), None)
                .await?;
            if !output::structured(&view, format)? {
                for key in [
                    "name",
                    "id",
                    "description",
                    "state",
                    "next_run_at",
                    "last_outcome",
                    "last_error",
                    "fires_left",
                    "paused_until",
                    "pause_note",
                ] {
                    if !view[key].is_null() {
                        println!("{key:13} {}", output::cell(&view[key]));
                    }
                }
                println!("{:13} {}", "labels", output::labels(&view["labels"]));
                println!(
                    "{:13} {} {}",
                    "target",
                    output::cell(&view["target"]["method"]),
                    output::cell(&view["target"]["url"])
                );
            }
        }
        Command::Create { file } => {
            let document = read_document(&file)?;
            let created = if document.get("schedules").is_some() {
                client
                    .call(Method::POST, "/schedules:batch", Some(&document))
                    .await?
            } else {
                client
                    .call(Method::POST, "/schedules", Some(&document))
                    .await?
            };
            if !output::structured(&created, format)? {
                let refs = created["created"]
                    .as_array()
                    .cloned()
                    .unwrap_or_else(|| vec![created.clone()]);
                for made in refs {
                    println!(
                        "created {} (signing secret {})",
                        output::cell(&made["id"]),
                        output::cell(&made["signing_secret"])
                    );
                }
            }
        }
        Command::Apply {
            file,
            source,
            prune,
            dry_run,
            detailed_exitcode,
        } => {
            let mut document = read_document(&file)?;
            if let Some(source) = source {
                document["source"] = json!(source);
            }
            if document.get("source").is_none_or(Value::is_null) {
                anyhow::bail!("name the source: --source NAME, or `source:` in the file");
            }
            document["prune"] = json!(prune);
            document["dry_run"] = json!(true);
            let plan = client
                .call(Method::POST, "/schedules:apply", Some(&document))
                .await?;
            let changes = ["create", "change", "delete"]
                .iter()
                .any(|k| plan[k].as_array().is_some_and(|a| !a.is_empty()));
            if dry_run || !changes {
                if !output::structured(&plan, format)? {
                    output::plan(&plan);
                }
                return Ok(if dry_run && detailed_exitcode && changes {
                    ExitCode::from(4)
                } else {
                    ExitCode::SUCCESS
                });
            }
            document["dry_run"] = json!(false);
            document["digest"] = plan["digest"].clone();
            let applied = client
                .call(Method::POST, "/schedules:apply", Some(&document))
                .await?;
            if !output::structured(&applied, format)? {
                output::plan(&applied);
            }
        }
        Command::Export { selector } => {
            let query = selector
                .map(|s| format!("&selector={}", encode(&s)))
                .unwrap_or_default();
            if format == Format::Json {
                let document = client
                    .call(
                        Method::GET,
                        &format!("/schedules:export?format=json{query}"),
                        None,
                    )
                    .await?;
                println!("{}", serde_json::to_string_pretty(&document)?);
            } else {
                print!(
                    "{}",
                    client
                        .text(&format!("/schedules:export?format=yaml{query}"))
                        .await?
                );
            }
        }
        Command::Pause {
            schedule,
            until,
            note,
        } => {
            let body = json!({"until": until, "note": note});
            act(client, &schedule, "pause", Some(&body), format).await?;
        }
        Command::Resume { schedule } => act(client, &schedule, "resume", None, format).await?,
        Command::Trigger { schedule, body } => {
            let body = body.map(|body| json!({"body": body}));
            act(client, &schedule, "trigger", body.as_ref(), format).await?;
        }
        Command::Rearm { schedule } => act(client, &schedule, "rearm", None, format).await?,
        Command::Delete { schedule } => {
            let id = resolve(client, &schedule).await?;
            client
                .call(Method::DELETE, &format!("/schedules/{id}"), None)
                .await?;
            println!("deleted {id}");
        }
        Command::History { schedule, limit } => {
            let id = resolve(client, &schedule).await?;
            let page = client
                .call(
                    Method::GET,
                    &format!("/schedules/{id}/executions?limit={limit}"),
                    None,
                )
                .await?;
            if !output::structured(&page["items"], format)? {
                let rows: Vec<Vec<String>> = page["items"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .map(|e| {
                        vec![
                            output::cell(&e["scheduled_for"]),
                            output::cell(&e["attempt"]),
                            output::cell(&e["outcome"]),
                            output::cell(&e["http_status"]),
                            output::cell(&e["latency_ms"]),
                            output::cell(&e["error"]),
                        ]
                    })
                    .collect();
                output::table(
                    &[
                        "SCHEDULED FOR",
                        "ATTEMPT",
                        "OUTCOME",
                        "STATUS",
                        "MS",
                        "ERROR",
                    ],
                    &rows,
                );
            }
        }
        Command::Next {
            cron,
            every,
            at,
            in_,
            tz,
            count,
        } => {
            let pairs = vec![
                ("cron", cron),
                ("every", every),
                ("at", at),
                ("in", in_),
                ("tz", tz),
            ];
            let query = query(&format!("count={count}"), pairs);
            let preview = client
                .call(Method::GET, &format!("/preview?{query}"), None)
                .await?;
            if !output::structured(&preview, format)? {
                println!("{}", output::cell(&preview["description"]));
                for fire in preview["fires"].as_array().into_iter().flatten() {
                    let note = fire["dst"]["text"]
                        .as_str()
                        .map(|t| format!("  ({t})"))
                        .unwrap_or_default();
                    println!(
                        "{}  {}{note}",
                        output::cell(&fire["at"]),
                        output::cell(&fire["local"])
                    );
                }
            }
        }
        Command::Completions { .. } => {}
    }
    Ok(ExitCode::SUCCESS)
}

/// A pause, resume, trigger or re-arm of `schedule`.
async fn act(
    client: &Client,
    schedule: &str,
    action: &str,
    body: Option<&Value>,
    format: Format,
) -> anyhow::Result<()> {
    let id = resolve(client, schedule).await?;
    let view = client
        .call(Method::POST, &format!("/schedules/{id}/{action}"), body)
        .await?;
    if !output::structured(&view, format)? {
        println!(
            "{} is {}",
            output::cell(&view["name"]),
            output::cell(&view["state"])
        );
    }
    Ok(())
}

/// The id of `schedule`: itself when it is one, else the schedule with exactly that name.
async fn resolve(client: &Client, schedule: &str) -> anyhow::Result<String> {
    if uuid::Uuid::parse_str(schedule).is_ok() {
        return Ok(schedule.to_owned());
    }
    let page = client
        .call(
            Method::GET,
            &format!("/schedules?limit=500&search={}", encode(schedule)),
            None,
        )
        .await?;
    let matches: Vec<&Value> = page["items"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|s| s["name"] == schedule)
        .collect();
    match matches.as_slice() {
        [one] => Ok(output::cell(&one["id"])),
        [] => anyhow::bail!("no schedule is named {schedule:?}"),
        _ => anyhow::bail!(
            "{} schedules are named {schedule:?}; give its id",
            matches.len()
        ),
    }
}

/// A JSON or YAML file (`-` for stdin) as a JSON value.
fn read_document(file: &PathBuf) -> anyhow::Result<Value> {
    use anyhow::Context;
    let text = if file.as_os_str() == "-" {
        std::io::read_to_string(std::io::stdin()).context("reading stdin")?
    } else {
        std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?
    };
    // YAML is a superset of JSON: one reader for both.
    serde_norway::from_str(&text)
        .with_context(|| format!("{} is not a JSON or YAML document", file.display()))
}
