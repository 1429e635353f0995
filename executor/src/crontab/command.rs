//! What a crontab line's command asks for, when it is a webhook call: a bare URL, or `curl`
//! or `wget` of one, with curl's `-X`, `-H`, `-d` (and `--data…`, `--json`) and `-u`, and
//! wget's `--header`, `--post-data` and `--method`. Arguments are split as a shell would
//! (quotes, escapes). Credentials (header values, `-u`, a `user:password@` in the URL) go
//! into the request, never into the text shown for the line, its name or its key.

use std::collections::BTreeMap;

use base64::Engine as _;

/// The webhook a command calls.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Call {
    /// The URL, without credentials.
    pub url: String,
    /// The method.
    pub method: String,
    /// Headers the command sets (`-H`, `-u` as Authorization, `--json`'s content type).
    pub headers: BTreeMap<String, String>,
    /// The body the command sends.
    pub body: Option<String>,
}

/// A command read: what it calls (when it is a webhook call) and how it may be shown.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Command {
    /// The webhook call, when the command is one.
    pub call: Option<Call>,
    /// The command with every credential replaced by `…` and whitespace collapsed: safe to
    /// show, to name a schedule by, and to recognise the line by on the next import.
    pub shown: String,
}

/// Why a command cannot be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CommandError {
    /// Quotes that do not close.
    #[error("the command's quotes do not balance")]
    Unbalanced,
}

/// Options whose value is a credential or a body, shown as `…`.
const SECRET_VALUES: [&str; 14] = [
    "-u",
    "--user",
    "-d",
    "--data",
    "--data-raw",
    "--data-binary",
    "--data-urlencode",
    "--json",
    "-b",
    "--cookie",
    "--oauth2-bearer",
    "--post-data",
    "--password",
    "--http-password",
];
/// Options whose value is a header, shown with its value as `…`.
const HEADER_OPTIONS: [&str; 2] = ["-H", "--header"];
/// Other options of curl and wget that take a value (skipped when looking for the URL).
const VALUE_OPTIONS: [&str; 24] = [
    "-X",
    "--request",
    "-o",
    "--output",
    "-O",
    "--output-document",
    "-m",
    "--max-time",
    "--connect-timeout",
    "-A",
    "--user-agent",
    "-e",
    "--referer",
    "-c",
    "--cookie-jar",
    "-w",
    "--write-out",
    "--retry",
    "--retry-delay",
    "--url",
    "-T",
    "--upload-file",
    "--method",
    "--timeout",
];
/// Words that end the first command of a shell line.
const COMMAND_ENDS: [&str; 5] = [";", "&&", "||", "|", "&"];

/// Reads `command` (the part of a crontab line after its time fields).
pub fn read(command: &str) -> Result<Command, CommandError> {
    let words = shlex::split(command).ok_or(CommandError::Unbalanced)?;
    let end = words
        .iter()
        .position(|word| COMMAND_ENDS.contains(&word.as_str()))
        .unwrap_or(words.len());
    let (first, rest) = words.split_at(end);
    let mut shown: Vec<String> = shown_words(first);
    shown.extend(rest.iter().map(|word| quote(word)));
    Ok(Command {
        call: call(first),
        shown: shown.join(" "),
    })
}

/// The program's name without its directory.
fn program(words: &[String]) -> &str {
    words
        .first()
        .map_or("", |word| word.rsplit('/').next().unwrap_or(word))
}

/// An option and its value: `-X POST`, `-XPOST`, `--request=POST`.
struct Opt<'a> {
    name: &'a str,
    value: Option<String>,
    /// Whether the value was the next word.
    separate: bool,
}

/// Reads the option at `words[at]`, knowing which options take values.
fn option_at<'a>(words: &'a [String], at: usize) -> Option<Opt<'a>> {
    let word = words[at].as_str();
    if !word.starts_with('-') || word == "-" {
        return None;
    }
    let takes_value = |name: &str| {
        SECRET_VALUES.contains(&name)
            || HEADER_OPTIONS.contains(&name)
            || VALUE_OPTIONS.contains(&name)
    };
    if let Some((name, value)) = word
        .split_once('=')
        .filter(|(name, _)| name.starts_with("--"))
    {
        return Some(Opt {
            name,
            value: Some(value.to_owned()),
            separate: false,
        });
    }
    if takes_value(word) {
        return Some(Opt {
            name: word,
            value: words.get(at + 1).cloned(),
            separate: true,
        });
    }
    // A short option with its value attached: -XPOST, -H'X: y', -uuser:pass.
    if !word.starts_with("--") && word.len() > 2 && word.is_char_boundary(2) {
        let (name, value) = word.split_at(2);
        if takes_value(name) {
            return Some(Opt {
                name,
                value: Some(value.to_owned()),
                separate: false,
            });
        }
    }
    Some(Opt {
        name: word,
        value: None,
        separate: false,
    })
}

/// The webhook call of a bare URL, or of curl or wget with one.
fn call(words: &[String]) -> Option<Call> {
    let first = words.first()?;
    if is_url(first) && words.len() == 1 {
        return Some(Call {
            method: "POST".into(),
            ..plain_url(first)?
        });
    }
    let curl = match program(words) {
        "curl" => true,
        "wget" => false,
        _ => return None,
    };
    let mut found: Option<Call> = None;
    let mut method = None;
    let mut headers = BTreeMap::new();
    let mut body: Option<String> = None;
    let mut user = None;
    let mut at = 1;
    while at < words.len() {
        let Some(opt) = option_at(words, at) else {
            if found.is_none() && is_url(&words[at]) {
                found = plain_url(&words[at]);
            }
            at += 1;
            continue;
        };
        at += if opt.separate { 2 } else { 1 };
        let Some(value) = opt.value else { continue };
        match opt.name {
            "-X" | "--request" | "--method" => method = Some(value.to_ascii_uppercase()),
            "-H" | "--header" => {
                if let Some((name, value)) = value.split_once(':') {
                    headers.insert(name.trim().to_owned(), value.trim().to_owned());
                }
            }
            "-d" | "--data" | "--data-raw" | "--data-binary" | "--data-urlencode"
            | "--post-data" => {
                body = Some(match body {
                    Some(earlier) => format!("{earlier}&{value}"),
                    None => value,
                });
            }
            "--json" => {
                headers.insert("Content-Type".into(), "application/json".into());
                headers.insert("Accept".into(), "application/json".into());
                body = Some(value);
            }
            "-u" | "--user" => user = Some(value),
            "--url" => found = plain_url(&value).or(found),
            _ => {}
        }
    }
    let mut call = found?;
    if let Some(user) = user.or(call_userinfo(words)) {
        let encoded = base64::engine::general_purpose::STANDARD.encode(user.as_bytes());
        headers.insert("Authorization".into(), format!("Basic {encoded}"));
    }
    let default = if body.is_some() { "POST" } else { "GET" };
    call.method = method.unwrap_or_else(|| default.to_owned());
    call.headers = headers;
    call.body = body;
    if !curl && call.method == "GET" && call.body.is_some() {
        call.method = "POST".into();
    }
    Some(call)
}

/// `user:password` from the first URL's userinfo, when it has one.
fn call_userinfo(words: &[String]) -> Option<String> {
    words.iter().filter(|w| is_url(w)).find_map(|word| {
        let url = url::Url::parse(word).ok()?;
        (!url.username().is_empty()).then(|| {
            let user = percent_decode(url.username());
            match url.password() {
                Some(password) => format!("{user}:{}", percent_decode(password)),
                None => user,
            }
        })
    })
}

fn percent_decode(text: &str) -> String {
    url::form_urlencoded::parse(format!("x={text}").as_bytes())
        .next()
        .map(|(_, value)| value.into_owned())
        .unwrap_or_default()
}

fn is_url(word: &str) -> bool {
    word.starts_with("http://") || word.starts_with("https://")
}

/// `word` as a URL without its userinfo.
fn plain_url(word: &str) -> Option<Call> {
    Some(Call {
        url: without_userinfo(word)?,
        ..Call::default()
    })
}

fn without_userinfo(word: &str) -> Option<String> {
    let mut url = url::Url::parse(word).ok()?;
    if url.username().is_empty() && url.password().is_none() {
        return Some(word.to_owned());
    }
    url.set_username("").ok()?;
    url.set_password(None).ok()?;
    Some(url.to_string())
}

/// The first command's words with credentials and bodies replaced by `…`.
fn shown_words(words: &[String]) -> Vec<String> {
    let mut shown = Vec::with_capacity(words.len());
    let mut at = 0;
    while at < words.len() {
        let word = &words[at];
        let Some(opt) = option_at(words, at).filter(|opt| opt.value.is_some()) else {
            shown.push(if is_url(word) {
                quote(&without_userinfo(word).unwrap_or_else(|| word.clone()))
            } else {
                quote(word)
            });
            at += 1;
            continue;
        };
        let value = opt.value.unwrap_or_default();
        let hidden = if SECRET_VALUES.contains(&opt.name) {
            "…".to_owned()
        } else if HEADER_OPTIONS.contains(&opt.name) {
            match value.split_once(':') {
                Some((name, _)) => format!("{}: …", name.trim()),
                None => "…".to_owned(),
            }
        } else if is_url(&value) {
            without_userinfo(&value).unwrap_or(value)
        } else {
            value
        };
        if opt.separate {
            shown.push(quote(opt.name));
            shown.push(quote(&hidden));
            at += 2;
        } else if word.starts_with("--") {
            shown.push(quote(&format!("{}={hidden}", opt.name)));
            at += 1;
        } else {
            shown.push(quote(&format!("{}{hidden}", opt.name)));
            at += 1;
        }
    }
    shown
}

/// A word as a shell would need it written (quoted only when it must be); a redirection
/// (`>`, `2>&1`) as it is.
fn quote(word: &str) -> String {
    let redirection = !word.is_empty()
        && word
            .chars()
            .all(|c| c.is_ascii_digit() || "<>&|".contains(c));
    if redirection || word == "…" {
        return word.to_owned();
    }
    shlex::try_quote(word).map_or_else(|_| word.to_owned(), |quoted| quoted.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read_ok(command: &str) -> Command {
        read(command).unwrap_or_else(|e| panic!("{command}: {e}"))
    }

    #[test]
    fn quoted_arguments_with_spaces_stay_whole() {
        let command = read_ok(
            r#"curl -fsS -X POST -H "X-Team: data ops" -d '{"a": "b c"}' https://h.example/run"#,
        );
        let call = command.call.unwrap();
        assert_eq!(call.url, "https://h.example/run");
        assert_eq!(call.method, "POST");
        assert_eq!(call.headers["X-Team"], "data ops");
        assert_eq!(call.body.as_deref(), Some(r#"{"a": "b c"}"#));
    }

    #[test]
    fn credentials_reach_the_request_and_never_the_shown_text() {
        let command = read_ok(
            "curl -u admin:hunter2 -H 'Authorization: Bearer s3cr3t' -HX-Key:k3y \
             --data-raw 'token=t0k3n' https://bob:pa55@h.example/x > /dev/null 2>&1",
        );
        for secret in ["hunter2", "s3cr3t", "k3y", "t0k3n", "pa55", "admin", "bob"] {
            assert!(
                !command.shown.contains(secret),
                "{secret} in {:?}",
                command.shown
            );
        }
        assert_eq!(
            command.shown,
            "curl -u … -H 'Authorization: …' '-HX-Key: …' --data-raw … https://h.example/x > /dev/null 2>&1"
        );
        let call = command.call.unwrap();
        assert_eq!(call.url, "https://h.example/x");
        assert_eq!(call.headers["X-Key"], "k3y");
        // -u wins over the URL's userinfo; both become Basic credentials.
        assert_eq!(call.headers["Authorization"], "Basic YWRtaW46aHVudGVyMg==");
        assert_eq!(call.method, "POST");
        let from_url = read_ok("curl https://bob:pa%2055@h.example/x")
            .call
            .unwrap();
        assert_eq!(
            from_url.headers["Authorization"],
            format!(
                "Basic {}",
                base64::engine::general_purpose::STANDARD.encode("bob:pa 55")
            )
        );
        assert_eq!(from_url.url, "https://h.example/x");
    }

    #[test]
    fn wget_json_bare_urls_and_other_programs() {
        let wget = read_ok("wget -q -O- --header='X-A: 1' --post-data=x=1 https://h.example/w")
            .call
            .unwrap();
        assert_eq!(
            (wget.method.as_str(), wget.body.as_deref()),
            ("POST", Some("x=1"))
        );
        assert_eq!(wget.headers["X-A"], "1");
        let json = read_ok(r#"curl --json '{"k":1}' https://h.example/j"#)
            .call
            .unwrap();
        assert_eq!(json.headers["Content-Type"], "application/json");
        assert_eq!(json.method, "POST");
        assert_eq!(
            read_ok("https://h.example/bare").call.unwrap().method,
            "POST"
        );
        assert_eq!(
            read_ok("/usr/bin/curl -s https://h.example/g && echo done")
                .call
                .unwrap()
                .method,
            "GET"
        );
        assert_eq!(read_ok("python3 fetch.py https://h.example/").call, None);
        assert_eq!(read_ok("curl -o out.html").call, None);
        assert_eq!(read("curl 'unclosed"), Err(CommandError::Unbalanced));
    }

    #[test]
    fn whitespace_is_collapsed_in_the_shown_text() {
        assert_eq!(
            read_ok("curl\t-s\t\thttps://h.example/t").shown,
            "curl -s https://h.example/t"
        );
    }
}
