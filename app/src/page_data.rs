//! How a page's data reaches the browser: every resource is serialized into the page and read
//! back with the same decoder the server functions' answers use, so the wasm carries one
//! decoder per type instead of two (issue 21). `clippy.toml` refuses `Resource::new`, which
//! would bring the second one back (Leptos' default resource codec is JSON from `&str`).
//!
//! The codec is postcard ([`compact_page_data`], with `output = Postcard` on the server
//! function): it reads plain types only, but its decoders are a fraction of JSON's: a struct is
//! its fields in order, so no field names are matched and no map or key visitors are
//! instantiated. Every page's data travels this way (the types the JSON API shapes for itself
//! through the plain forms of [`crate::wire`]; what a page only shows arrives rendered, through
//! [`crate::server_html`]), and so does every server function's failure: the wasm carries no
//! JSON decoder for any page.

use leptos::prelude::*;
use leptos::server::codee::{Decoder, Encoder};
use serde::{de::DeserializeOwned, Serialize};

/// Postcard, base64 in the page (Leptos' encoding of binary resource data). For types with
/// neither `#[serde(flatten)]`, `untagged` enums, `skip_serializing_if` nor a
/// `deserialize_any` of their own: postcard does not describe itself, so a field that is
/// left out or read by its shape shifts every field after it (the round-trip tests in this
/// module cover each type that travels this way). Markup a server function rendered
/// ([`crate::server_html::ServerHtml`]) is written empty: the page already holds it.
#[derive(Debug, Clone, Copy)]
pub struct PagePostcard;

impl<T: Serialize> Encoder<T> for PagePostcard {
    type Error = postcard::Error;
    type Encoded = Vec<u8>;

    fn encode(value: &T) -> Result<Vec<u8>, postcard::Error> {
        crate::server_html::leaving_markup_out(|| postcard::to_allocvec(value))
    }
}

impl<T: DeserializeOwned> Decoder<T> for PagePostcard {
    type Error = postcard::Error;
    type Encoded = [u8];

    fn decode(value: &[u8]) -> Result<T, postcard::Error> {
        postcard::from_bytes(value)
    }
}

/// A resource of page data: loaded on the server, serialized into the page in
/// [`PagePostcard`], read back by the browser as it hydrates.
pub type CompactPageData<T> = Resource<T, PagePostcard>;

/// A [`CompactPageData`] resource: `fetcher` (a server function with `output = Postcard`)
/// runs whenever `source` changes.
#[track_caller]
pub fn compact_page_data<T, S, Fut>(
    source: impl Fn() -> S + Send + Sync + 'static,
    fetcher: impl Fn(S) -> Fut + Send + Sync + 'static,
) -> CompactPageData<T>
where
    T: Serialize + DeserializeOwned + Send + Sync + 'static,
    S: PartialEq + Clone + Send + Sync + 'static,
    Fut: std::future::Future<Output = T> + Send + 'static,
{
    Resource::new_with_options(source, fetcher, false)
}

#[cfg(test)]
mod tests {
    use chrono::{DateTime, TimeZone, Utc};
    use scheduleman::access::Role;
    use scheduleman::model::{DeadLetter, Outcome, ScheduleState};
    use scheduleman::overview::Overview;
    use scheduleman::page::NameCursor;
    use scheduleman::punctuality::Window;
    use scheduleman::timeline::{Band, Timeline, TimelineFire, TimelineRow};
    use scheduleman::validate::FieldError;
    use uuid::Uuid;

    use super::*;
    use crate::error::AppError;
    use crate::server_fns::access::Session;
    use crate::server_fns::schedules::{ListedSchedule, SchedulePage, ScheduleRow};

    /// What the page carries, read back as the browser reads it.
    fn through_the_page<T>(value: &T) -> T
    where
        T: Serialize + DeserializeOwned,
    {
        let bytes = <PagePostcard as Encoder<T>>::encode(value).expect("encodes");
        <PagePostcard as Decoder<T>>::decode(&bytes).expect("decodes")
    }

    fn at(second: i64) -> DateTime<Utc> {
        // Milliseconds on the wire: whole milliseconds survive.
        Utc.timestamp_millis_opt(1_764_547_200_123 + second * 1000)
            .single()
            .expect("a valid instant")
    }

    /// Every optional field both set and unset, every variant: a field that postcard skipped
    /// or read by its shape would shift the ones after it and fail here.
    #[test]
    fn what_travels_in_postcard_reads_back_as_it_was_written() {
        let full = ListedSchedule {
            id: Uuid::new_v4(),
            name: "nightly \"report\" — ünïcode".into(),
            labels: [("team".to_string(), "billing".to_string())].into(),
            description: "At 09:00 every day (Europe/Paris)".into(),
            state: ScheduleState::Paused,
            next_run_at: Some(at(1)),
            next_in_zone: Some("2026-12-01 09:00:00 CET".into()),
            last_outcome: Some(Outcome::Failure),
            last_error: Some("HTTP 502 Bad Gateway".into()),
            paused_until: Some(at(2)),
            paused_by: Some("ops key".into()),
            pause_note: Some("migration".into()),
            max_fires: Some(10),
            fires_left: Some(3),
            day: Window {
                fires: 24,
                succeeded: 23,
                lag_p50_ms: Some(4.5),
                lag_p99_ms: None,
            },
        };
        let bare = ListedSchedule {
            labels: Default::default(),
            state: ScheduleState::Active,
            next_run_at: None,
            next_in_zone: None,
            last_outcome: None,
            last_error: None,
            paused_until: None,
            paused_by: None,
            pause_note: None,
            max_fires: None,
            fires_left: None,
            day: Window::default(),
            ..full.clone()
        };
        let page: Result<SchedulePage, AppError> = Ok(SchedulePage {
            rows: vec![
                ScheduleRow::Readable(full),
                ScheduleRow::Unreadable {
                    id: Uuid::new_v4(),
                    name: "broken".into(),
                    reason: "unknown field `cronn`".into(),
                    state: ScheduleState::Dead,
                },
                ScheduleRow::Readable(bare),
            ],
            next: Some(NameCursor {
                name: "nightly".into(),
                id: Uuid::new_v4(),
            }),
        });
        assert_eq!(through_the_page(&page), page);

        let overview: Result<Overview, AppError> = Ok(Overview {
            active: 1_000_000,
            paused: 2,
            completed: 3,
            dead: 4,
            due_next_hour: 10_000,
            failing: 5,
            executors_alive: 6,
            as_of: at(3),
        });
        assert_eq!(through_the_page(&overview), overview);

        let timeline: Result<Timeline, AppError> = Ok(Timeline {
            from: at(0),
            to: at(86_400),
            rows: vec![
                TimelineRow {
                    id: Uuid::new_v4(),
                    name: "every minute".into(),
                    fires: vec![],
                    band: Some(Band {
                        first: at(60),
                        last: at(86_340),
                        count: 1440,
                        capped: false,
                    }),
                },
                TimelineRow {
                    id: Uuid::new_v4(),
                    name: "at 02:30".into(),
                    fires: vec![TimelineFire {
                        at: at(9000),
                        dst: Some("02:30 does not exist on 29 March; fires at 03:00".into()),
                    }],
                    band: None,
                },
            ],
            truncated: true,
            page: 2,
            next_page: Some(3),
        });
        assert_eq!(through_the_page(&timeline), timeline);

        let dead: Result<(Vec<DeadLetter>, Option<String>), AppError> = Ok((
            vec![
                DeadLetter {
                    id: Uuid::new_v4(),
                    name: "died".into(),
                    readable: true,
                    reason: Some("timed out after 3 s".into()),
                    attempts: Some(5),
                    dead_at: Some(at(4)),
                },
                DeadLetter {
                    id: Uuid::new_v4(),
                    name: "unreadable".into(),
                    readable: false,
                    reason: None,
                    attempts: None,
                    dead_at: None,
                },
            ],
            Some("cursor".into()),
        ));
        assert_eq!(through_the_page(&dead), dead);

        let session: Result<Session, AppError> = Ok(Session {
            name: "night shift".into(),
            role: Role::Operate,
            signed_in: true,
        });
        assert_eq!(through_the_page(&session), session);
        let open_incidents: Result<i64, AppError> = Ok(-1);
        assert_eq!(through_the_page(&open_incidents), open_incidents);

        let refused: Result<Overview, AppError> = Err(AppError::Invalid(vec![FieldError {
            field: "after".into(),
            reason: "not a cursor".into(),
        }]));
        assert_eq!(through_the_page(&refused), refused);
        // A server function's failure travels alone, in the same codec.
        for error in [
            AppError::Forbidden("Creating a key needs the admin role".into()),
            AppError::DatabaseUnavailable,
            AppError::Transport("connection reset".into()),
        ] {
            use leptos::server_fn::error::FromServerFnError;
            assert_eq!(AppError::de(error.ser()), error);
        }
    }
}
