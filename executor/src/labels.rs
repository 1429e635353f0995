//! Labels on schedules (`team: billing`), checked as Kubernetes checks them, and selectors
//! over them (`team=billing,env!=dev,tier,!legacy`) as the list, export and bulk actions
//! take them. Pure: builds for the browser.

use std::collections::BTreeMap;

/// A schedule's labels, in key order.
pub type Labels = BTreeMap<String, String>;

/// Most labels on one schedule.
pub const MAX_LABELS: usize = 64;
/// Longest name part of a key, and longest value.
const MAX_NAME: usize = 63;
/// Longest prefix of a key (a DNS subdomain).
const MAX_PREFIX: usize = 253;

/// Why `key` is not a label key, if it is not: an optional DNS-subdomain prefix and `/`,
/// then a name of at most 63 letters, digits, `-`, `_` and `.`, starting and ending with a
/// letter or digit.
pub fn key_problem(key: &str) -> Option<String> {
    let (prefix, name) = match key.rsplit_once('/') {
        Some((prefix, name)) => (Some(prefix), name),
        None => (None, key),
    };
    if let Some(prefix) = prefix {
        let subdomain = !prefix.is_empty()
            && prefix.len() <= MAX_PREFIX
            && prefix.split('.').all(|part| {
                !part.is_empty()
                    && part.len() <= 63
                    && part
                        .chars()
                        .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                    && !part.starts_with('-')
                    && !part.ends_with('-')
            });
        if !subdomain {
            return Some(format!(
                "the prefix {prefix:?} is not a DNS subdomain (lower-case letters, digits, '-' and '.')"
            ));
        }
    }
    if name.is_empty() {
        return Some("a label key needs a name".into());
    }
    name_problem(name).map(|reason| format!("the key {key:?} {reason}"))
}

/// Why `value` is not a label value, if it is not (empty is allowed).
pub fn value_problem(value: &str) -> Option<String> {
    if value.is_empty() {
        return None;
    }
    name_problem(value).map(|reason| format!("the value {value:?} {reason}"))
}

fn name_problem(text: &str) -> Option<String> {
    let alphanumeric = |c: char| c.is_ascii_alphanumeric();
    if text.len() > MAX_NAME {
        Some(format!("is longer than {MAX_NAME} characters"))
    } else if !text
        .chars()
        .all(|c| alphanumeric(c) || matches!(c, '-' | '_' | '.'))
    {
        Some("may hold only letters, digits, '-', '_' and '.'".into())
    } else if !text.starts_with(alphanumeric) || !text.ends_with(alphanumeric) {
        Some("must start and end with a letter or digit".into())
    } else {
        None
    }
}

/// Every problem of `labels`, as (key, reason).
pub fn problems(labels: &Labels) -> Vec<(String, String)> {
    let mut found = Vec::new();
    if labels.len() > MAX_LABELS {
        found.push((
            String::new(),
            format!("{} labels; the most is {MAX_LABELS}", labels.len()),
        ));
    }
    for (key, value) in labels {
        if let Some(reason) = key_problem(key).or_else(|| value_problem(value)) {
            found.push((key.clone(), reason));
        }
    }
    found
}

/// One requirement of a selector.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Requirement {
    /// `key=value` (or `key==value`).
    Equals(String, String),
    /// `key!=value`: the label is absent or has another value.
    NotEquals(String, String),
    /// `key`: the label is present.
    Exists(String),
    /// `!key`: the label is absent.
    Absent(String),
}

/// Requirements that must all hold, as `team=billing,env!=dev,tier,!legacy` writes them.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Selector {
    /// In the order written.
    pub requirements: Vec<Requirement>,
}

/// A selector that does not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{selector:?} is not a label selector: {reason} (write e.g. team=billing,env!=dev)")]
pub struct SelectorError {
    /// The selector as given.
    pub selector: String,
    /// What is wrong.
    pub reason: String,
}

impl std::str::FromStr for Selector {
    type Err = SelectorError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let refuse = |reason: String| SelectorError {
            selector: text.to_owned(),
            reason,
        };
        let mut requirements = Vec::new();
        for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let requirement = if let Some((key, value)) = part.split_once("!=") {
                Requirement::NotEquals(key.trim().to_owned(), value.trim().to_owned())
            } else if let Some((key, value)) =
                part.split_once("==").or_else(|| part.split_once('='))
            {
                Requirement::Equals(key.trim().to_owned(), value.trim().to_owned())
            } else if let Some(key) = part.strip_prefix('!') {
                Requirement::Absent(key.trim().to_owned())
            } else {
                Requirement::Exists(part.to_owned())
            };
            let (key, value) = match &requirement {
                Requirement::Equals(key, value) | Requirement::NotEquals(key, value) => {
                    (key, Some(value))
                }
                Requirement::Exists(key) | Requirement::Absent(key) => (key, None),
            };
            if let Some(reason) = key_problem(key).or_else(|| value.and_then(|v| value_problem(v)))
            {
                return Err(refuse(reason));
            }
            requirements.push(requirement);
        }
        Ok(Self { requirements })
    }
}

impl std::fmt::Display for Selector {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let parts: Vec<String> = self
            .requirements
            .iter()
            .map(|requirement| match requirement {
                Requirement::Equals(key, value) => format!("{key}={value}"),
                Requirement::NotEquals(key, value) => format!("{key}!={value}"),
                Requirement::Exists(key) => key.clone(),
                Requirement::Absent(key) => format!("!{key}"),
            })
            .collect();
        f.write_str(&parts.join(","))
    }
}

/// A selector as one SQL statement takes it, whatever its length: the labels every match
/// contains (as a JSON object), the keys it must have, the keys it must not, and the
/// `key != value` pairs.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SelectorSql {
    /// `labels @> contains`.
    pub contains: serde_json::Value,
    /// `labels ?& present`.
    pub present: Vec<String>,
    /// `NOT labels ?| absent`.
    pub absent: Vec<String>,
    /// For each `(k, v)`: `labels ->> k IS DISTINCT FROM v`.
    pub not_keys: Vec<String>,
    /// See `not_keys`.
    pub not_values: Vec<String>,
}

impl SelectorSql {
    /// Whether it selects every schedule.
    pub fn is_empty(&self) -> bool {
        self.contains.as_object().is_some_and(|c| c.is_empty())
            && self.present.is_empty()
            && self.absent.is_empty()
            && self.not_keys.is_empty()
    }
}

impl Default for SelectorSql {
    /// Selects every schedule.
    fn default() -> Self {
        Self {
            contains: serde_json::Value::Object(Default::default()),
            present: Vec::new(),
            absent: Vec::new(),
            not_keys: Vec::new(),
            not_values: Vec::new(),
        }
    }
}

impl Selector {
    /// Whether nothing is required.
    pub fn is_empty(&self) -> bool {
        self.requirements.is_empty()
    }

    /// Whether `labels` meet every requirement.
    pub fn matches(&self, labels: &Labels) -> bool {
        self.requirements
            .iter()
            .all(|requirement| match requirement {
                Requirement::Equals(key, value) => labels.get(key) == Some(value),
                Requirement::NotEquals(key, value) => labels.get(key) != Some(value),
                Requirement::Exists(key) => labels.contains_key(key),
                Requirement::Absent(key) => !labels.contains_key(key),
            })
    }

    /// The selector as the listing statements take it.
    pub fn sql(&self) -> SelectorSql {
        let mut sql = SelectorSql::default();
        for requirement in &self.requirements {
            match requirement {
                Requirement::Equals(key, value) => {
                    sql.contains[key] = serde_json::Value::String(value.clone());
                }
                Requirement::NotEquals(key, value) => {
                    sql.not_keys.push(key.clone());
                    sql.not_values.push(value.clone());
                }
                Requirement::Exists(key) => sql.present.push(key.clone()),
                Requirement::Absent(key) => sql.absent.push(key.clone()),
            }
        }
        sql
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn labels(pairs: &[(&str, &str)]) -> Labels {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[test]
    fn keys_and_values_are_checked_like_kubernetes_labels() {
        assert_eq!(key_problem("team"), None);
        assert_eq!(key_problem("example.com/team-a_b.c"), None);
        assert!(key_problem("-team").unwrap().contains("start and end"));
        assert!(key_problem("Example.com/team")
            .unwrap()
            .contains("DNS subdomain"));
        assert!(key_problem(&"a".repeat(64))
            .unwrap()
            .contains("longer than 63"));
        assert!(key_problem("team name").unwrap().contains("only letters"));
        assert_eq!(value_problem(""), None);
        assert!(value_problem("a b").is_some());
        let found = problems(&labels(&[("team", "billing"), ("env", "prod!")]));
        assert_eq!(found.len(), 1);
        assert_eq!(found[0].0, "env");
    }

    #[test]
    fn selectors_read_match_and_print_back() {
        let selector: Selector = " team=billing, env!=dev ,tier,!legacy".parse().unwrap();
        assert_eq!(selector.to_string(), "team=billing,env!=dev,tier,!legacy");
        assert!(selector.matches(&labels(&[("team", "billing"), ("tier", "1")])));
        assert!(selector.matches(&labels(&[
            ("team", "billing"),
            ("tier", "1"),
            ("env", "prod")
        ])));
        assert!(!selector.matches(&labels(&[
            ("team", "billing"),
            ("tier", "1"),
            ("env", "dev")
        ])));
        assert!(
            !selector.matches(&labels(&[("team", "billing")])),
            "tier is required"
        );
        assert!(!selector.matches(&labels(&[
            ("team", "billing"),
            ("tier", "1"),
            ("legacy", "")
        ])));
        let sql = selector.sql();
        assert_eq!(sql.contains, serde_json::json!({"team": "billing"}));
        assert_eq!(
            (sql.not_keys, sql.not_values),
            (vec!["env".to_owned()], vec!["dev".to_owned()])
        );
        assert_eq!(sql.present, ["tier"]);
        assert_eq!(sql.absent, ["legacy"]);
        assert!("team=bill ing"
            .parse::<Selector>()
            .unwrap_err()
            .to_string()
            .contains("not a label selector"));
        assert!("".parse::<Selector>().unwrap().is_empty());
    }
}
