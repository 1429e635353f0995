//! Request signing: the `X-Scheduleman-*` headers every trigger carries, and the HMAC that
//! lets a receiver check a request came from Scheduleman, for this schedule, unaltered.
//!
//! The signed message is the timestamp, the method, the URL, the schedule id, the execution
//! id, the scheduled instant, the attempt number and the body, each on its own line (the body
//! last, as sent). `X-Scheduleman-Signature` carries `v1=<hex HMAC-SHA256 of that message>`
//! under the schedule's own secret.

use hmac::{Hmac, Mac};
use sha2::Sha256;
use uuid::Uuid;

/// A new signing secret, for a schedule or an alert channel: `whsec_` and 64 hex digits (the
/// random bits of two v4 UUIDs, 244 of them). Every secret is drawn here.
pub fn new_secret() -> String {
    format!(
        "whsec_{}{}",
        Uuid::new_v4().simple(),
        Uuid::new_v4().simple()
    )
}

/// The headers the executor sends with every trigger.
pub mod headers {
    /// The schedule's id.
    pub const SCHEDULE_ID: &str = "x-scheduleman-schedule-id";
    /// The execution id, stable across retries of one fire.
    pub const EXECUTION_ID: &str = "x-scheduleman-execution-id";
    /// The fire's scheduled instant, RFC 3339 with milliseconds.
    pub const SCHEDULED_FOR: &str = "x-scheduleman-scheduled-for";
    /// The attempt number, from 1.
    pub const ATTEMPT: &str = "x-scheduleman-attempt";
    /// When the request was signed, in Unix seconds.
    pub const TIMESTAMP: &str = "x-scheduleman-timestamp";
    /// `v1=<hex HMAC-SHA256>` of the signed message.
    pub const SIGNATURE: &str = "x-scheduleman-signature";
}

/// What a signature covers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SignedParts<'a> {
    /// Unix seconds, as sent in `X-Scheduleman-Timestamp`.
    pub timestamp: &'a str,
    /// The HTTP method, upper case.
    pub method: &'a str,
    /// The URL as requested.
    pub url: &'a str,
    /// `X-Scheduleman-Schedule-Id`.
    pub schedule_id: &'a str,
    /// `X-Scheduleman-Execution-Id`.
    pub execution_id: &'a str,
    /// `X-Scheduleman-Scheduled-For`.
    pub scheduled_for: &'a str,
    /// `X-Scheduleman-Attempt`.
    pub attempt: &'a str,
    /// The request body.
    pub body: &'a [u8],
}

impl SignedParts<'_> {
    /// The `X-Scheduleman-Signature` value for these parts under `secret`.
    pub fn signature(&self, secret: &[u8]) -> String {
        format!(
            "v1={}",
            hex::encode(self.mac(secret).finalize().into_bytes())
        )
    }

    /// Whether `signature` (a header value) is right for these parts under `secret`,
    /// compared in constant time.
    pub fn verify(&self, secret: &[u8], signature: &str) -> bool {
        let Some(hex_mac) = signature.trim().strip_prefix("v1=") else {
            return false;
        };
        let Ok(given) = hex::decode(hex_mac) else {
            return false;
        };
        self.mac(secret).verify_slice(&given).is_ok()
    }

    fn mac(&self, secret: &[u8]) -> Hmac<Sha256> {
        // HMAC takes keys of any length: this cannot fail.
        let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret)
            .unwrap_or_else(|_| unreachable!("HMAC accepts keys of any length"));
        for field in [
            self.timestamp,
            self.method,
            self.url,
            self.schedule_id,
            self.execution_id,
            self.scheduled_for,
            self.attempt,
        ] {
            mac.update(field.as_bytes());
            mac.update(b"\n");
        }
        mac.update(self.body);
        mac
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_new_secret_is_whsec_and_64_hex_digits_and_never_repeats() {
        let (one, two) = (new_secret(), new_secret());
        for secret in [&one, &two] {
            let digits = secret.strip_prefix("whsec_").expect("the prefix");
            assert_eq!(digits.len(), 64, "{secret}");
            assert!(digits.bytes().all(|b| b.is_ascii_hexdigit()), "{secret}");
        }
        assert_ne!(one, two);
    }

    fn parts(body: &[u8]) -> SignedParts<'_> {
        SignedParts {
            timestamp: "1700000000",
            method: "POST",
            url: "https://hooks.example/run",
            schedule_id: "0b7e1f3c-0000-4000-8000-000000000001",
            execution_id: "0b7e1f3c-0000-4000-8000-000000000002",
            scheduled_for: "2026-01-01T00:00:00.000Z",
            attempt: "1",
            body,
        }
    }

    #[test]
    fn signature_is_hmac_sha256_of_the_lines_then_the_body() {
        // printf '1700000000\nPOST\nhttps://hooks.example/run\n0b7e1f3c-0000-4000-8000-000000000001\n0b7e1f3c-0000-4000-8000-000000000002\n2026-01-01T00:00:00.000Z\n1\n{}' \
        //   | openssl dgst -sha256 -hmac secret
        assert_eq!(
            parts(b"{}").signature(b"secret"),
            "v1=4c3042c355e89bb60854711316fc121b395f80dd839e0f77e49cbe804b919e6c"
        );
    }

    #[test]
    fn any_changed_part_or_secret_fails_verification() {
        let signature = parts(b"{}").signature(b"secret");
        assert!(parts(b"{}").verify(b"secret", &signature));
        assert!(!parts(b"{}").verify(b"other secret", &signature));
        assert!(!parts(b"{ }").verify(b"secret", &signature));
        let moved = SignedParts {
            url: "https://hooks.example/other",
            ..parts(b"{}")
        };
        assert!(!moved.verify(b"secret", &signature));
        let replayed = SignedParts {
            attempt: "2",
            ..parts(b"{}")
        };
        assert!(!replayed.verify(b"secret", &signature));
        assert!(!parts(b"{}").verify(b"secret", "sha256=00"));
    }
}
