//! Pages of a listing, one rule for the API and the UI alike: a page is read with one row
//! more than it shows, and only that extra row says there is a next page (a full page is not
//! proof of more, and a short one, after a row left out, is not proof of the end). The cursor
//! of the next page is the last shown row's position.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use crate::model::ScheduleItem;

/// A page of items and where the next one starts (`None` on the last page).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page<T, C> {
    /// The items, in the listing's order.
    pub items: Vec<T>,
    /// The position after the last item, when more follow.
    pub next: Option<C>,
}

impl<T, C> Page<T, C> {
    /// The page of `rows`, read with a limit of `limit + 1`: the extra row, if it came, is
    /// dropped and says a next page exists, which starts after the last row kept.
    pub fn from_rows(mut rows: Vec<T>, limit: usize, position: impl Fn(&T) -> C) -> Self {
        let more = rows.len() > limit;
        rows.truncate(limit);
        let next = if more {
            rows.last().map(position)
        } else {
            None
        };
        Self { items: rows, next }
    }
}

/// A position in the name order of schedules: after this name, then this id.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameCursor {
    /// The last name shown.
    pub name: String,
    /// Its schedule's id (names need not be unique).
    pub id: Uuid,
}

/// A position in the dead letters (newest death first, then id descending): after this
/// death time, then this id. A dead schedule without a death time sorts as dead at the epoch.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadCursor {
    /// The death time of the last schedule shown.
    pub dead_at: DateTime<Utc>,
    /// Its id.
    pub id: Uuid,
}

impl DeadCursor {
    /// The position just after `item` in the dead-letter order.
    pub fn after(item: &ScheduleItem) -> Self {
        Self {
            dead_at: item.dead_at().unwrap_or(DateTime::UNIX_EPOCH),
            id: item.id(),
        }
    }

    /// The cursor as an opaque, URL-safe string (hex of the id, then the microsecond).
    pub fn encode(&self) -> String {
        format!("{}{}", self.id.simple(), self.dead_at.timestamp_micros())
    }

    /// Reads a cursor [`encode`](Self::encode) made.
    pub fn decode(text: &str) -> Result<Self, BadCursor> {
        let (id, micros) = (text.get(..32).ok_or(BadCursor)?, &text[32..]);
        let id = Uuid::try_parse(id).map_err(|_| BadCursor)?;
        let micros: i64 = micros.parse().map_err(|_| BadCursor)?;
        let dead_at = DateTime::from_timestamp_micros(micros).ok_or(BadCursor)?;
        Ok(Self { dead_at, id })
    }
}

/// A cursor that was not given out by this server.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the cursor is not one this API gave out")]
pub struct BadCursor;

impl NameCursor {
    /// The cursor as an opaque, URL-safe string (hex of the id, then the name).
    pub fn encode(&self) -> String {
        format!("{}{}", self.id.simple(), hex_encode(self.name.as_bytes()))
    }

    /// Reads a cursor [`encode`](Self::encode) made.
    pub fn decode(text: &str) -> Result<Self, BadCursor> {
        let (id, name) = (text.get(..32).ok_or(BadCursor)?, &text[32..]);
        let id = Uuid::try_parse(id).map_err(|_| BadCursor)?;
        let name = String::from_utf8(hex_decode(name).ok_or(BadCursor)?).map_err(|_| BadCursor)?;
        Ok(Self { name, id })
    }
}

fn hex_encode(bytes: &[u8]) -> String {
    bytes.iter().map(|byte| format!("{byte:02x}")).collect()
}

fn hex_decode(text: &str) -> Option<Vec<u8>> {
    if !text.len().is_multiple_of(2) || !text.is_ascii() {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|at| u8::from_str_radix(&text[at..at + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_extra_row_says_there_is_a_next_page() {
        let position = |n: &u32| *n;
        assert_eq!(Page::from_rows(vec![1, 2, 3], 2, position).next, Some(2));
        assert_eq!(Page::from_rows(vec![1, 2, 3], 2, position).items, [1, 2]);
        let exact = Page::from_rows(vec![1, 2], 2, position);
        assert_eq!(
            (exact.items, exact.next),
            (vec![1, 2], None),
            "a full last page has no next"
        );
        assert_eq!(Page::from_rows(Vec::<u32>::new(), 2, position).next, None);
    }

    #[test]
    fn name_cursors_round_trip_and_garbage_is_refused() {
        let cursor = NameCursor {
            name: "nightly backup · ünïcode".into(),
            id: Uuid::from_u128(42),
        };
        assert_eq!(NameCursor::decode(&cursor.encode()), Ok(cursor));
        for bad in [
            "",
            "zz",
            "0000000000000000000000000000002a6",
            "0000000000000000000000000000002azz",
            "ü",
        ] {
            assert_eq!(NameCursor::decode(bad), Err(BadCursor), "{bad:?}");
        }
    }

    #[test]
    fn dead_cursors_round_trip_and_garbage_is_refused() {
        let cursor = DeadCursor {
            dead_at: DateTime::from_timestamp_micros(1_796_000_000_123_456).unwrap(),
            id: Uuid::from_u128(42),
        };
        assert_eq!(DeadCursor::decode(&cursor.encode()), Ok(cursor));
        for bad in [
            "",
            "zz",
            "0000000000000000000000000000002a",
            "0000000000000000000000000000002azz",
            "0000000000000000000000000000002a1.5",
            "0000000000000000000000000000002a99999999999999999999",
            "ü",
        ] {
            assert_eq!(DeadCursor::decode(bad), Err(BadCursor), "{bad:?}");
        }
    }
}
