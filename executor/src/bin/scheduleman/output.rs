//! How answers are printed: a table for people, JSON or YAML for scripts, and an apply's
//! plan as a diff.

use serde_json::Value;

/// `-o`: the output format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    Table,
    Json,
    Yaml,
}

/// Prints `value` as JSON or YAML; `false` when the format is a table (the caller draws it).
pub fn structured(value: &Value, format: Format) -> anyhow::Result<bool> {
    match format {
        Format::Json => println!("{}", serde_json::to_string_pretty(value)?),
        Format::Yaml => print!("{}", serde_norway::to_string(value)?),
        Format::Table => return Ok(false),
    }
    Ok(true)
}

/// A table: a header row and rows, columns padded to their widest cell.
pub fn table(header: &[&str], rows: &[Vec<String>]) {
    let mut widths: Vec<usize> = header.iter().map(|h| h.chars().count()).collect();
    for row in rows {
        for (width, cell) in widths.iter_mut().zip(row) {
            *width = (*width).max(cell.chars().count());
        }
    }
    let line = |cells: Vec<String>| {
        let padded: Vec<String> = cells
            .iter()
            .zip(&widths)
            .map(|(cell, width)| format!("{cell:<width$}"))
            .collect();
        println!("{}", padded.join("  ").trim_end());
    };
    line(header.iter().map(|h| (*h).to_owned()).collect());
    for row in rows {
        line(row.clone());
    }
}

/// A JSON value as a cell: strings bare, nothing as `-`.
pub fn cell(value: &Value) -> String {
    match value {
        Value::Null => "-".into(),
        Value::String(text) => text.clone(),
        other => other.to_string(),
    }
}

/// A schedule's labels as `k=v,k=v`.
pub fn labels(value: &Value) -> String {
    value
        .as_object()
        .map(|labels| {
            labels
                .iter()
                .map(|(k, v)| format!("{k}={}", v.as_str().unwrap_or_default()))
                .collect::<Vec<_>>()
                .join(",")
        })
        .filter(|text| !text.is_empty())
        .unwrap_or_else(|| "-".into())
}

/// An apply's plan as a diff: `+` created, `~` changed (each field before → after), `-`
/// deleted, and a summary line.
pub fn plan(plan: &Value) {
    for create in plan["create"].as_array().into_iter().flatten() {
        println!(
            "+ {}  ({})",
            cell(&create["name"]),
            cell(&create["description"])
        );
    }
    for change in plan["change"].as_array().into_iter().flatten() {
        println!("~ {}", cell(&change["name"]));
        for (field, diff) in change["changes"].as_object().into_iter().flatten() {
            println!(
                "    {field}: {} → {}",
                cell(&diff["before"]),
                cell(&diff["after"])
            );
        }
    }
    for delete in plan["delete"].as_array().into_iter().flatten() {
        println!("- {}", cell(&delete["name"]));
    }
    let count = |key: &str| plan[key].as_array().map_or(0, Vec::len);
    let (create, change, delete) = (count("create"), count("change"), count("delete"));
    let unchanged = cell(&plan["unchanged"]);
    if plan["applied"] == true {
        println!(
            "Applied: {create} created, {change} changed, {delete} deleted, {unchanged} unchanged"
        );
    } else {
        println!("Plan: {create} to create, {change} to change, {delete} to delete, {unchanged} unchanged");
    }
}
