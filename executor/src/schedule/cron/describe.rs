//! A cron expression in plain English: "At 09:00, Monday through Friday".

use super::{CronExpr, CronField};

const WEEKDAYS: [&str; 7] = [
    "Sunday",
    "Monday",
    "Tuesday",
    "Wednesday",
    "Thursday",
    "Friday",
    "Saturday",
];
const MONTHS: [&str; 12] = [
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];

pub(super) fn describe(expr: &CronExpr) -> String {
    let mut parts = vec![time_of_day(expr)];
    if let Some(days) = days(expr) {
        parts.push(days);
    }
    if let Some(months) = months(expr) {
        parts.push(months);
    }
    parts.join(", ")
}

/// How a field's values look: everything, an even step, a contiguous range, or a list.
enum Shape {
    All,
    Step { start: u32, step: u32 },
    Range { start: u32, end: u32 },
    List(Vec<u32>),
}

fn shape(field: CronField, min: u32, max: u32) -> Shape {
    let values: Vec<u32> = field.values().filter(|v| (min..=max).contains(v)).collect();
    let count = values.len() as u32;
    if count == max - min + 1 {
        return Shape::All;
    }
    if count >= 3 {
        let step = values[1] - values[0];
        let even = values.windows(2).all(|pair| pair[1] - pair[0] == step);
        if even && step == 1 {
            return Shape::Range {
                start: values[0],
                end: values[count as usize - 1],
            };
        }
        // A step that runs to the end of the field (`*/15`, `5/20` style).
        if even && values[count as usize - 1] + step > max {
            return Shape::Step {
                start: values[0],
                step,
            };
        }
    }
    Shape::List(values)
}

fn time_of_day(expr: &CronExpr) -> String {
    let seconds = shape(expr.seconds, 0, 59);
    let minutes = shape(expr.minutes, 0, 59);
    let hours = shape(expr.hours, 0, 23);
    let at_zero_seconds = matches!(&seconds, Shape::List(v) if v == &[0]);

    // Fixed clock times: "At 09:00" or "At 09:00 and 17:30".
    if let (Shape::List(hs), Shape::List(ms), true) = (&hours, &minutes, at_zero_seconds) {
        if hs.len() * ms.len() <= 4 {
            let times: Vec<String> = hs
                .iter()
                .flat_map(|h| ms.iter().map(move |m| format!("{h:02}:{m:02}")))
                .collect();
            return format!("At {}", join_and(&times));
        }
    }
    let second_part = match (&seconds, expr.has_seconds_field) {
        (_, false) => None,
        (Shape::List(v), true) if v == &[0] => None,
        (Shape::All, true) => Some("Every second".to_owned()),
        (Shape::Step { start: 0, step }, true) => Some(format!("Every {step} seconds")),
        (other, true) => Some(format!("At second {}", list_of(other, |v| v.to_string()))),
    };
    let minute_part = match &minutes {
        Shape::All if second_part.is_none() => Some("Every minute".to_owned()),
        Shape::All => None,
        Shape::Step { start: 0, step } => Some(format!("every {step} minutes")),
        Shape::List(v) if v.len() == 1 && !matches!(hours, Shape::All) => {
            Some(format!("at minute {}", v[0]))
        }
        other => Some(format!(
            "at minute {} past the hour",
            list_of(other, |v| v.to_string())
        )),
    };
    let hour_part = match &hours {
        Shape::All => None,
        Shape::Range { start, end } => Some(format!("{start:02}:00–{end:02}:59")),
        Shape::Step { start: 0, step } => Some(format!("every {step} hours")),
        other => Some(format!(
            "during hour {}",
            list_of(other, |v| format!("{v:02}"))
        )),
    };
    let mut text: Vec<String> = [second_part, minute_part, hour_part]
        .into_iter()
        .flatten()
        .collect();
    if let Some(first) = text.first_mut() {
        *first = capitalise(first);
    }
    text.join(", ")
}

/// "first" … "fifth", for `n#k`.
const ORDINALS: [&str; 5] = ["first", "second", "third", "fourth", "fifth"];

fn days(expr: &CronExpr) -> Option<String> {
    let month_days = if expr.day_of_month_star && expr.days_of_month.values().count() == 31 {
        None
    } else {
        let mut items = Vec::new();
        match shape(expr.days_of_month, 1, 31) {
            Shape::All => {}
            Shape::List(v) if v.is_empty() => {}
            other => items.push(format!(
                "on day {} of the month",
                list_of(&other, |v| v.to_string())
            )),
        }
        if expr.last_day_of_month {
            items.push("on the last day of the month".to_owned());
        }
        (!items.is_empty()).then(|| items.join(" and "))
    };
    let week_days = if expr.day_of_week_star && expr.days_of_week.values().count() == 7 {
        None
    } else {
        let mut items = Vec::new();
        match shape(expr.days_of_week, 0, 6) {
            Shape::All => {}
            Shape::List(v) if v.is_empty() => {}
            Shape::Range { start, end } => items.push(format!(
                "{} through {}",
                WEEKDAYS[start as usize], WEEKDAYS[end as usize]
            )),
            other => items.push(format!(
                "on {}",
                list_of(&other, |v| WEEKDAYS[v as usize].to_owned())
            )),
        }
        for day in expr.last_weekdays.values() {
            items.push(format!(
                "on the last {} of the month",
                WEEKDAYS[day as usize]
            ));
        }
        for bit in expr.nth_weekdays.values() {
            items.push(format!(
                "on the {} {} of the month",
                ORDINALS[(bit % 5) as usize],
                WEEKDAYS[(bit / 5) as usize]
            ));
        }
        (!items.is_empty()).then(|| items.join(" and "))
    };
    match (month_days, week_days) {
        (Some(m), Some(w)) if !expr.day_of_month_star && !expr.day_of_week_star => {
            Some(format!("{m} or {w}"))
        }
        (Some(m), Some(w)) => Some(format!("{m} if it is {w}")),
        (m, w) => m.or(w),
    }
}

fn months(expr: &CronExpr) -> Option<String> {
    let name = |v: u32| MONTHS[(v - 1) as usize].to_owned();
    match shape(expr.months, 1, 12) {
        Shape::All => None,
        Shape::Range { start, end } => Some(format!("{} through {}", name(start), name(end))),
        other => Some(format!("in {}", list_of(&other, name))),
    }
}

fn list_of(shape: &Shape, name: impl Fn(u32) -> String) -> String {
    match shape {
        Shape::All => "every value".to_owned(),
        Shape::Step { start, step } => format!("every {step} from {}", name(*start)),
        Shape::Range { start, end } => format!("{} through {}", name(*start), name(*end)),
        Shape::List(values) => {
            let names: Vec<String> = values.iter().map(|v| name(*v)).collect();
            join_and(&names)
        }
    }
}

fn join_and(items: &[String]) -> String {
    match items {
        [] => String::new(),
        [one] => one.clone(),
        [rest @ .., last] => format!("{} and {last}", rest.join(", ")),
    }
}

fn capitalise(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        Some(first) => first.to_uppercase().chain(chars).collect(),
        None => String::new(),
    }
}
