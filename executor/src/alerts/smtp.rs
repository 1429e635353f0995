//! Email alerts: a small SMTP client (RFC 5321: EHLO, AUTH PLAIN when the URL has
//! credentials, MAIL, RCPT, DATA) for `SCHEDULEMAN_SMTP_URL`
//! (`smtp://[user:password@]host[:port]?from=alerts@example.com`). It speaks plain SMTP
//! without TLS: point it at a relay on the same host or network (a local Postfix, a
//! sidecar), which carries the mail onwards.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use base64::Engine as _;
use chrono::Utc;
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpStream;

/// How long one email may take, connecting to the end of the conversation.
pub const SMTP_TIMEOUT: Duration = Duration::from_secs(10);
/// Most recipients one channel may name.
pub const MAX_RECIPIENTS: usize = 20;

/// Where and as whom mail is sent.
#[derive(Clone, PartialEq, Eq)]
pub struct SmtpSettings {
    /// The relay's host.
    pub host: String,
    /// Its port (25 by default).
    pub port: u16,
    /// The user and password for AUTH PLAIN, if any.
    pub credentials: Option<(String, String)>,
    /// The sender address.
    pub from: String,
}

impl fmt::Debug for SmtpSettings {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SmtpSettings")
            .field("host", &self.host)
            .field("port", &self.port)
            .field("user", &self.credentials.as_ref().map(|(user, _)| user))
            .field("from", &self.from)
            .finish()
    }
}

/// Why an SMTP URL or an address list was refused, or a message not sent.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SmtpError {
    /// `SCHEDULEMAN_SMTP_URL` is not usable.
    #[error("SCHEDULEMAN_SMTP_URL: {0}")]
    Url(String),
    /// A channel's addresses are not usable.
    #[error("{0}")]
    Addresses(String),
    /// The relay could not be reached or the conversation broke.
    #[error("the mail relay: {0}")]
    Io(String),
    /// The relay refused a step.
    #[error("the mail relay refused {step}: {reply}")]
    Refused {
        /// What was refused (`RCPT TO:<a@b>`…).
        step: String,
        /// Its answer.
        reply: String,
    },
    /// The conversation took longer than [`SMTP_TIMEOUT`].
    #[error("the mail relay did not finish within {} s", SMTP_TIMEOUT.as_secs())]
    Timeout,
}

impl FromStr for SmtpSettings {
    type Err = SmtpError;

    fn from_str(text: &str) -> Result<Self, SmtpError> {
        let bad = |why: &str| SmtpError::Url(why.to_owned());
        let url = url::Url::parse(text).map_err(|error| bad(&error.to_string()))?;
        if url.scheme() != "smtp" {
            return Err(bad(
                "use smtp://host[:port]?from=address (TLS is not spoken: use a relay)",
            ));
        }
        let host = url
            .host_str()
            .filter(|h| !h.is_empty())
            .ok_or_else(|| bad("no host"))?;
        let from = url
            .query_pairs()
            .find(|(key, _)| key == "from")
            .map(|(_, value)| value.into_owned())
            .ok_or_else(|| bad("say who mail is from: ?from=alerts@example.com"))?;
        check_address(&from).map_err(|error| bad(&error.to_string()))?;
        let decode = |part: &str| {
            url::form_urlencoded::parse(format!("x={part}").as_bytes())
                .next()
                .map(|(_, value)| value.into_owned())
                .unwrap_or_default()
        };
        let credentials = (!url.username().is_empty()).then(|| {
            (
                decode(url.username()),
                decode(url.password().unwrap_or_default()),
            )
        });
        Ok(Self {
            host: host.trim_matches(['[', ']']).to_owned(),
            port: url.port().unwrap_or(25),
            credentials,
            from,
        })
    }
}

/// The addresses of a channel URL `mailto:a@example.com,b@example.com`.
pub fn recipients(url: &str) -> Result<Vec<String>, SmtpError> {
    let list = url.strip_prefix("mailto:").ok_or_else(|| {
        SmtpError::Addresses("an email channel's URL is mailto:address[,address…]".into())
    })?;
    let addresses: Vec<String> = list
        .split(',')
        .map(|address| address.trim().to_owned())
        .filter(|address| !address.is_empty())
        .collect();
    if addresses.is_empty() || addresses.len() > MAX_RECIPIENTS {
        return Err(SmtpError::Addresses(format!(
            "name 1–{MAX_RECIPIENTS} addresses after mailto:"
        )));
    }
    for address in &addresses {
        check_address(address)?;
    }
    Ok(addresses)
}

/// A plain `local@domain` address: nothing that could break out of an SMTP command or a
/// header.
fn check_address(address: &str) -> Result<(), SmtpError> {
    let plain = address.len() <= 254
        && address.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty() && domain.contains('.') && !domain.starts_with('.')
        })
        && !address.chars().any(|c| {
            c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | '"' | '\\')
        });
    if plain {
        Ok(())
    } else {
        Err(SmtpError::Addresses(format!(
            "{address:?} is not an email address"
        )))
    }
}

/// Sends `body` with `subject` to `to`, within [`SMTP_TIMEOUT`].
pub async fn send(
    settings: &SmtpSettings,
    to: &[String],
    subject: &str,
    body: &str,
) -> Result<(), SmtpError> {
    tokio::time::timeout(SMTP_TIMEOUT, conversation(settings, to, subject, body))
        .await
        .map_err(|_| SmtpError::Timeout)?
}

async fn conversation(
    settings: &SmtpSettings,
    to: &[String],
    subject: &str,
    body: &str,
) -> Result<(), SmtpError> {
    let io = |error: std::io::Error| SmtpError::Io(error.to_string());
    let stream = TcpStream::connect((settings.host.as_str(), settings.port))
        .await
        .map_err(io)?;
    let (read, mut write) = stream.into_split();
    let mut read = BufReader::new(read);
    reply(&mut read, "the greeting", 220).await?;
    command(&mut read, &mut write, "EHLO scheduleman".into(), 250).await?;
    if let Some((user, password)) = &settings.credentials {
        let token =
            base64::engine::general_purpose::STANDARD.encode(format!("\0{user}\0{password}"));
        command(&mut read, &mut write, format!("AUTH PLAIN {token}"), 235)
            .await
            .map_err(|error| match error {
                SmtpError::Refused { reply, .. } => SmtpError::Refused {
                    step: "AUTH PLAIN".into(),
                    reply,
                },
                other => other,
            })?;
    }
    command(
        &mut read,
        &mut write,
        format!("MAIL FROM:<{}>", settings.from),
        250,
    )
    .await?;
    for address in to {
        command(&mut read, &mut write, format!("RCPT TO:<{address}>"), 250).await?;
    }
    command(&mut read, &mut write, "DATA".into(), 354).await?;
    let message = message(settings, to, subject, body);
    write.write_all(message.as_bytes()).await.map_err(io)?;
    write.write_all(b".\r\n").await.map_err(io)?;
    reply(&mut read, "the message", 250).await?;
    // The message is accepted; a relay that closes before answering QUIT changes nothing.
    let _ = write.write_all(b"QUIT\r\n").await;
    Ok(())
}

/// The message: headers, then the body in base64 (any text, any line length).
fn message(settings: &SmtpSettings, to: &[String], subject: &str, body: &str) -> String {
    let encoded_subject = format!(
        "=?utf-8?B?{}?=",
        base64::engine::general_purpose::STANDARD.encode(subject)
    );
    let encoded_body = base64::engine::general_purpose::STANDARD.encode(body.replace('\n', "\r\n"));
    let mut lines = String::new();
    for chunk in encoded_body.as_bytes().chunks(76) {
        lines.push_str(&String::from_utf8_lossy(chunk));
        lines.push_str("\r\n");
    }
    format!(
        "From: Scheduleman <{from}>\r\nTo: {to}\r\nSubject: {encoded_subject}\r\nDate: {date}\r\n\
         Message-ID: <{id}@scheduleman>\r\nMIME-Version: 1.0\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Transfer-Encoding: base64\r\n\r\n{lines}",
        from = settings.from,
        to = to.join(", "),
        date = Utc::now().to_rfc2822(),
        id = uuid::Uuid::new_v4().simple(),
    )
}

async fn command(
    read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    write: &mut tokio::net::tcp::OwnedWriteHalf,
    line: String,
    expected: u16,
) -> Result<(), SmtpError> {
    write
        .write_all(format!("{line}\r\n").as_bytes())
        .await
        .map_err(|error| SmtpError::Io(error.to_string()))?;
    reply(read, &line, expected).await
}

/// Reads one (possibly multi-line) reply and checks its code.
async fn reply(
    read: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    step: &str,
    expected: u16,
) -> Result<(), SmtpError> {
    let mut text = String::new();
    loop {
        let mut line = String::new();
        let n = read
            .read_line(&mut line)
            .await
            .map_err(|error| SmtpError::Io(error.to_string()))?;
        if n == 0 {
            return Err(SmtpError::Io(format!(
                "the relay closed the connection after {step}"
            )));
        }
        text.push_str(line.trim_end());
        // `250-…` continues, `250 …` ends.
        if line.as_bytes().get(3) != Some(&b'-') {
            break;
        }
        text.push(' ');
    }
    let code: u16 = text.get(..3).and_then(|c| c.parse().ok()).unwrap_or(0);
    if code == expected {
        Ok(())
    } else {
        Err(SmtpError::Refused {
            step: step.to_owned(),
            reply: text,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn smtp_urls_name_the_relay_the_sender_and_maybe_credentials() {
        let plain: SmtpSettings = "smtp://127.0.0.1:2525?from=alerts@example.com"
            .parse()
            .unwrap();
        assert_eq!((plain.host.as_str(), plain.port), ("127.0.0.1", 2525));
        assert_eq!(plain.from, "alerts@example.com");
        assert!(plain.credentials.is_none());
        let authed: SmtpSettings = "smtp://ops%40corp:p%3Ass@mail.internal?from=a@b.example"
            .parse()
            .unwrap();
        assert_eq!(authed.port, 25);
        assert_eq!(authed.credentials, Some(("ops@corp".into(), "p:ss".into())));
        assert!(
            !format!("{authed:?}").contains("p:ss"),
            "the password is never logged"
        );
        for bad in [
            "smtps://h?from=a@b.c",
            "smtp://h",
            "smtp://h?from=nobody",
            "nonsense",
        ] {
            assert!(bad.parse::<SmtpSettings>().is_err(), "{bad}");
        }
    }

    #[test]
    fn recipients_are_plain_addresses() {
        assert_eq!(
            recipients("mailto:a@example.com, b@example.org").unwrap(),
            ["a@example.com", "b@example.org"]
        );
        for bad in [
            "a@example.com",
            "mailto:",
            "mailto:a@example.com>\r\nRCPT TO:<x@evil.example",
            "mailto:no-at-sign",
            "mailto:a b@example.com",
        ] {
            assert!(recipients(bad).is_err(), "{bad}");
        }
    }
}
