//! Instants as people read them: in the viewer's own zone (once the page has hydrated;
//! UTC before), with a live countdown. The server renders UTC; the browser takes over.

use chrono::{DateTime, Datelike, NaiveDateTime, TimeDelta, Timelike, Utc};
use leptos::prelude::*;

/// The current time, ticking every second in the browser.
#[derive(Debug, Clone, Copy)]
pub struct Now(pub RwSignal<DateTime<Utc>>);

/// Provides [`Now`] to the page (call once, in the layout).
pub fn provide_clock() {
    let now = RwSignal::new(Utc::now());
    provide_context(Now(now));
    #[cfg(feature = "hydrate")]
    {
        let tick = move || now.set(Utc::now());
        Effect::new(move |_| {
            let _ = set_interval_with_handle(tick, std::time::Duration::from_secs(1));
        });
    }
}

/// The current instant from the page clock (or the server's clock).
pub fn now() -> DateTime<Utc> {
    use_context::<Now>().map_or_else(Utc::now, |Now(now)| now.get())
}

/// "in 3 min 20 s", "2 h 5 min ago", "now".
pub fn relative(delta: TimeDelta) -> String {
    let seconds = delta.num_seconds();
    let magnitude = seconds.unsigned_abs();
    let text = match magnitude {
        0 => return "now".to_owned(),
        1..=59 => format!("{magnitude} s"),
        60..=3599 => format!("{} min {} s", magnitude / 60, magnitude % 60),
        3600..=86_399 => format!("{} h {} min", magnitude / 3600, magnitude % 3600 / 60),
        _ => format!("{} d {} h", magnitude / 86_400, magnitude % 86_400 / 3600),
    };
    if seconds > 0 {
        format!("in {text}")
    } else {
        format!("{text} ago")
    }
}

// Readings are written with whole numbers rather than chrono's `format`: the pages that
// only list (list, timeline, dead letters) then carry no strftime machinery (issue 21).

/// "2026-12-01 09:00:00".
pub fn date_time_text(reading: NaiveDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02} {}",
        reading.year(),
        reading.month(),
        reading.day(),
        seconds_text(reading)
    )
}

/// "09:00:00".
pub fn seconds_text(reading: impl Timelike) -> String {
    format!(
        "{:02}:{:02}:{:02}",
        reading.hour(),
        reading.minute(),
        reading.second()
    )
}

/// "09:00".
pub fn minutes_text(reading: impl Timelike) -> String {
    format!("{:02}:{:02}", reading.hour(), reading.minute())
}

/// "2026-12-01 09:00".
pub fn date_minutes_text(reading: NaiveDateTime) -> String {
    format!("{} {}", date_text(reading), minutes_text(reading))
}

/// "2026-12-01T09:00", a reading as a `datetime-local` picker holds it to the minute.
pub fn picker_minutes_text(reading: NaiveDateTime) -> String {
    format!("{}T{}", date_text(reading), minutes_text(reading))
}

/// "2026-12-01".
fn date_text(reading: NaiveDateTime) -> String {
    format!(
        "{:04}-{:02}-{:02}",
        reading.year(),
        reading.month(),
        reading.day()
    )
}

/// An instant in UTC, as the server renders it: "2026-12-01 09:00:00 UTC".
pub fn utc_text(at: DateTime<Utc>) -> String {
    format!("{} UTC", date_time_text(at.naive_utc()))
}

/// An instant as RFC 3339 reads it in UTC, exactly as [`DateTime::to_rfc3339`] writes it
/// ("2026-12-01T09:00:00+00:00", with milli-, micro- or nanoseconds when there are any).
pub fn rfc3339_text(at: DateTime<Utc>) -> String {
    let reading = at.naive_utc();
    let nanos = reading.nanosecond();
    let fraction = match nanos {
        0 => String::new(),
        n if n % 1_000_000 == 0 => format!(".{:03}", n / 1_000_000),
        n if n % 1_000 == 0 => format!(".{:06}", n / 1_000),
        n => format!(".{n:09}"),
    };
    format!(
        "{:04}-{:02}-{:02}T{}{fraction}+00:00",
        reading.year(),
        reading.month(),
        reading.day(),
        seconds_text(reading)
    )
}

/// The instant in the viewer's zone (browser only).
#[cfg(feature = "hydrate")]
pub fn local_text(at: DateTime<Utc>) -> String {
    use wasm_bindgen::JsValue;
    let date = js_sys::Date::new(&JsValue::from_f64(at.timestamp_millis() as f64));
    let options = js_sys::Object::new();
    for (key, value) in [
        ("weekday", "short"),
        ("year", "numeric"),
        ("month", "short"),
        ("day", "numeric"),
        ("hour", "2-digit"),
        ("minute", "2-digit"),
        ("second", "2-digit"),
        ("timeZoneName", "short"),
    ] {
        let _ = js_sys::Reflect::set(&options, &key.into(), &value.into());
    }
    String::from(date.to_locale_string("en-GB", &options))
}

/// The viewer's IANA zone (browser only).
#[cfg(feature = "hydrate")]
pub fn browser_zone() -> Option<String> {
    let format = js_sys::Intl::DateTimeFormat::new(&js_sys::Array::new(), &js_sys::Object::new());
    js_sys::Reflect::get(&format.resolved_options(), &"timeZone".into())
        .ok()?
        .as_string()
}

/// The next full hour on the viewer's clock as a `datetime-local` picker shows it
/// (`2026-11-23T20:00`): where a new Run At opens (browser only). An hour the clocks skip is
/// passed over: the browser's `Date` moves a reading in a gap past it.
#[cfg(feature = "hydrate")]
pub fn next_full_hour_on_viewer_clock() -> String {
    let date = js_sys::Date::new_0();
    date.set_minutes(0);
    date.set_seconds(0);
    date.set_milliseconds(0);
    date.set_hours(date.get_hours() + 1);
    format!(
        "{:04}-{:02}-{:02}T{:02}:00",
        date.get_full_year(),
        date.get_month() + 1,
        date.get_date(),
        date.get_hours()
    )
}

/// The viewer's clock: UTC on the server and before hydration, the browser's own zone once
/// hydrated. The browser's zone is read through the browser's own date functions, so a page
/// that uses this carries no zone tables (issue 21).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ViewerClock {
    /// UTC.
    Utc,
    /// The browser's zone, by its IANA name.
    Browser(String),
}

impl ViewerClock {
    /// The browser's clock (browser only; UTC when its zone cannot be read).
    #[cfg(feature = "hydrate")]
    pub fn browser() -> Self {
        browser_zone().map_or(Self::Utc, Self::Browser)
    }

    /// The zone's name.
    pub fn name(&self) -> &str {
        match self {
            Self::Utc => "UTC",
            Self::Browser(name) => name,
        }
    }

    /// How far the clock is ahead of UTC at `at`.
    pub fn offset_at(&self, at: DateTime<Utc>) -> TimeDelta {
        match self {
            Self::Utc => TimeDelta::zero(),
            Self::Browser(_) => browser_offset(at),
        }
    }

    /// What the clock reads at `at`.
    pub fn reading_at(&self, at: DateTime<Utc>) -> chrono::NaiveDateTime {
        at.naive_utc() + self.offset_at(at)
    }

    /// `at` on this clock with the zone's abbreviation: "Tue 09:00:00 CET".
    pub fn fire_text(&self, at: DateTime<Utc>) -> String {
        let abbreviation = match self {
            Self::Utc => "UTC".to_owned(),
            Self::Browser(_) => browser_abbreviation(at),
        };
        const WEEKDAYS: [&str; 7] = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];
        let reading = self.reading_at(at);
        format!(
            "{} {} {abbreviation}",
            WEEKDAYS[reading.weekday().num_days_from_monday() as usize],
            seconds_text(reading)
        )
    }
}

/// The browser's offset from UTC at `at`.
#[cfg(feature = "hydrate")]
fn browser_offset(at: DateTime<Utc>) -> TimeDelta {
    let date = js_sys::Date::new(&wasm_bindgen::JsValue::from_f64(
        at.timestamp_millis() as f64
    ));
    // Minutes behind UTC, fractional for old local mean times.
    TimeDelta::seconds((-date.get_timezone_offset() * 60.0).round() as i64)
}

/// On the server there is no browser zone: UTC.
#[cfg(not(feature = "hydrate"))]
fn browser_offset(_at: DateTime<Utc>) -> TimeDelta {
    TimeDelta::zero()
}

/// The browser zone's abbreviation at `at` ("CET", "GMT+5:30").
#[cfg(feature = "hydrate")]
fn browser_abbreviation(at: DateTime<Utc>) -> String {
    use wasm_bindgen::JsValue;
    thread_local! {
        // Built once: a timeline titles every fire it draws with this.
        static ABBREVIATIONS: js_sys::Intl::DateTimeFormat = {
            let options = js_sys::Object::new();
            let _ = js_sys::Reflect::set(&options, &"timeZoneName".into(), &"short".into());
            js_sys::Intl::DateTimeFormat::new(&js_sys::Array::of1(&"en-GB".into()), &options)
        };
    }
    let date = js_sys::Date::new(&JsValue::from_f64(at.timestamp_millis() as f64));
    ABBREVIATIONS
        .with(|format| format.format_to_parts(&date))
        .iter()
        .find(|part| {
            js_sys::Reflect::get(part, &"type".into())
                .ok()
                .and_then(|kind| kind.as_string())
                .is_some_and(|kind| kind == "timeZoneName")
        })
        .and_then(|part| js_sys::Reflect::get(&part, &"value".into()).ok())
        .and_then(|value| value.as_string())
        .unwrap_or_default()
}

/// On the server there is no browser zone: UTC.
#[cfg(not(feature = "hydrate"))]
fn browser_abbreviation(_at: DateTime<Utc>) -> String {
    "UTC".to_owned()
}

/// An instant: UTC from the server, the viewer's local time once hydrated; `title` names
/// another zone's reading (the schedule's own, for instance).
#[component]
pub fn LocalTime(
    at: DateTime<Utc>,
    #[prop(optional, into)] title: Option<String>,
) -> impl IntoView {
    let text = RwSignal::new(utc_text(at));
    #[cfg(feature = "hydrate")]
    Effect::new(move |_| text.set(local_text(at)));
    view! {
        <time datetime=rfc3339_text(at) title=title.unwrap_or_else(|| utc_text(at))>
            {move || text.get()}
        </time>
    }
}

/// A live "in 3 min 20 s".
#[component]
pub fn Countdown(at: DateTime<Utc>) -> impl IntoView {
    view! { <span class="text-xs text-slate-500">{move || relative(at - now())}</span> }
}

/// The instant's reading in the IANA zone `zone` ("2026-12-01 09:00 CET").
pub fn in_zone(at: DateTime<Utc>, zone: &str) -> String {
    let zone: chrono_tz::Tz = zone.parse().unwrap_or(chrono_tz::Tz::UTC);
    at.with_timezone(&zone)
        .format("%Y-%m-%d %H:%M:%S %Z")
        .to_string()
}

/// A `datetime-local` reading on the viewer's wall clock as an instant (the first of two
/// when the clocks go back; a reading the clocks skip is refused); `Ok(None)` when blank.
/// In the browser the reading goes through the browser's own date functions, so the pages
/// that take one (one schedule's: pause until, backfill) carry no zone tables (issue 21).
pub fn viewer_instant(local: &str) -> Result<Option<DateTime<Utc>>, String> {
    let local = local.trim();
    if local.is_empty() {
        return Ok(None);
    }
    let reading = chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M:%S")
        .or_else(|_| chrono::NaiveDateTime::parse_from_str(local, "%Y-%m-%dT%H:%M"))
        .map_err(|_| format!("{local:?} is not a date and time (YYYY-MM-DDTHH:MM)"))?;
    viewer_clock_instant(reading).map(Some)
}

/// The instant the viewer's clock reads `reading` at (the browser's zone).
#[cfg(feature = "hydrate")]
fn viewer_clock_instant(reading: chrono::NaiveDateTime) -> Result<DateTime<Utc>, String> {
    use chrono::{Datelike, Timelike};
    // The browser takes the first of two readings when its clocks go back, and moves a
    // reading its clocks skip past the gap: read the date back to tell.
    let date = js_sys::Date::new_with_year_month_day_hr_min_sec(
        reading.year() as u32,
        reading.month0() as i32,
        reading.day() as i32,
        reading.hour() as i32,
        reading.minute() as i32,
        reading.second() as i32,
    );
    let read_back = (
        date.get_full_year(),
        date.get_month(),
        date.get_date(),
        date.get_hours(),
        date.get_minutes(),
    );
    if read_back
        != (
            reading.year() as u32,
            reading.month0(),
            reading.day(),
            reading.hour(),
            reading.minute(),
        )
    {
        return Err(format!(
            "{} does not exist on your clock: daylight-saving time skips it",
            date_minutes_text(reading)
        ));
    }
    DateTime::from_timestamp_millis(date.get_time() as i64)
        .ok_or_else(|| format!("{} is out of range", date_minutes_text(reading)))
}

/// On the server there is no viewer's clock: UTC.
#[cfg(not(feature = "hydrate"))]
fn viewer_clock_instant(reading: chrono::NaiveDateTime) -> Result<DateTime<Utc>, String> {
    Ok(reading.and_utc())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn relative_times_read_naturally() {
        assert_eq!(relative(TimeDelta::seconds(200)), "in 3 min 20 s");
        assert_eq!(relative(TimeDelta::seconds(-45)), "45 s ago");
        assert_eq!(relative(TimeDelta::seconds(7_500)), "in 2 h 5 min");
        assert_eq!(relative(TimeDelta::seconds(-90_000)), "1 d 1 h ago");
        assert_eq!(relative(TimeDelta::zero()), "now");
    }

    #[test]
    fn the_servers_viewer_clock_reads_utc() {
        let at = DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        let clock = ViewerClock::Utc;
        assert_eq!(clock.name(), "UTC");
        assert_eq!(clock.fire_text(at), "Tue 08:00:00 UTC");
        assert_eq!(clock.reading_at(at), at.naive_utc());
    }

    #[test]
    fn datetime_local_readings_are_read_or_refused() {
        assert_eq!(viewer_instant("  "), Ok(None));
        // The server has no viewer's clock: UTC (the browser's is tested in Chromium).
        let at = viewer_instant("2026-12-01T09:00").unwrap().unwrap();
        assert_eq!(at.to_rfc3339(), "2026-12-01T09:00:00+00:00");
        let at = viewer_instant("2026-12-01T09:00:30").unwrap().unwrap();
        assert_eq!(at.to_rfc3339(), "2026-12-01T09:00:30+00:00");
        assert!(viewer_instant("tomorrow")
            .unwrap_err()
            .contains("is not a date and time"));
    }

    /// The whole-number writers read exactly as chrono's `format` and `to_rfc3339` wrote.
    #[test]
    fn readings_are_written_as_chrono_writes_them() {
        for (seconds, nanos) in [
            (0, 0),
            (1_764_579_600, 0),
            (1_764_579_601, 5_000_000),
            (1_764_579_659, 123_456_000),
            (1_764_579_659, 123_456_789),
            (4_102_444_799, 999_999_999),
        ] {
            let at = DateTime::from_timestamp(seconds, nanos).expect("an instant");
            let reading = at.naive_utc();
            assert_eq!(rfc3339_text(at), at.to_rfc3339());
            assert_eq!(utc_text(at), at.format("%Y-%m-%d %H:%M:%S UTC").to_string());
            assert_eq!(minutes_text(reading), reading.format("%H:%M").to_string());
            assert_eq!(
                date_minutes_text(reading),
                reading.format("%Y-%m-%d %H:%M").to_string()
            );
            assert_eq!(
                picker_minutes_text(reading),
                reading.format("%Y-%m-%dT%H:%M").to_string()
            );
            assert_eq!(
                ViewerClock::Utc.fire_text(at),
                format!("{} UTC", reading.format("%a %H:%M:%S"))
            );
        }
    }

    #[test]
    fn zone_readings_name_the_zone() {
        let at = DateTime::parse_from_rfc3339("2026-12-01T08:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(in_zone(at, "Europe/Berlin"), "2026-12-01 09:00:00 CET");
    }
}
