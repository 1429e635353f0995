//! Parsing a cron expression into per-field bit sets, with an error that names the field
//! and says why when the expression is wrong.

use super::error::{CronError, MAX_EXPRESSION_CHARS, MAX_LIST_ITEMS};
use super::fields::{FieldSpec, DAY_OF_MONTH, DAY_OF_WEEK, HOUR, MACROS, MINUTE, MONTH, SECOND};
use super::{CronExpr, CronField};

pub(super) fn parse(source: &str) -> Result<CronExpr, CronError> {
    let trimmed = source.trim();
    if trimmed.is_empty() {
        return Err(CronError::Empty);
    }
    let chars = trimmed.chars().count();
    if chars > MAX_EXPRESSION_CHARS {
        return Err(CronError::TooLong(chars));
    }
    let expanded = if trimmed.starts_with('@') {
        let lower = trimmed.to_ascii_lowercase();
        MACROS
            .iter()
            .find(|(name, _)| *name == lower)
            .map(|(_, fields)| *fields)
            .ok_or_else(|| CronError::UnknownMacro(trimmed.to_owned()))?
    } else {
        trimmed
    };
    let fields: Vec<&str> = expanded.split_whitespace().collect();
    let (seconds_text, rest, offset) = match fields.len() {
        5 => ("0", &fields[..], 1),
        6 => (fields[0], &fields[1..], 2),
        n => return Err(CronError::FieldCount(trimmed.to_owned(), n)),
    };
    let has_seconds_field = fields.len() == 6;
    let position = |index: usize| index + offset;

    let seconds = parse_field(seconds_text, &SECOND, 1)?;
    let minutes = parse_field(rest[0], &MINUTE, position(0))?;
    let hours = parse_field(rest[1], &HOUR, position(1))?;
    let (days_of_month, last_day_of_month) = parse_day_of_month(rest[2], position(2))?;
    let months = parse_field(rest[3], &MONTH, position(3))?;
    let DayOfWeek {
        days: days_of_week,
        last: last_weekdays,
        nth: nth_weekdays,
    } = parse_day_of_week(rest[4], position(4))?;

    let expr = CronExpr {
        source: trimmed.to_owned(),
        has_seconds_field,
        seconds,
        minutes,
        hours,
        days_of_month,
        last_day_of_month,
        months,
        days_of_week,
        last_weekdays,
        nth_weekdays,
        day_of_month_star: rest[2].starts_with('*'),
        day_of_week_star: rest[4].starts_with('*'),
        fixed_time: !rest[0].starts_with('*') && !rest[1].starts_with('*'),
    };
    if !expr.some_day_can_match() {
        return Err(CronError::NeverFires(trimmed.to_owned()));
    }
    Ok(expr)
}

/// Parses a plain field (no specials) into a bit set.
fn parse_field(text: &str, spec: &FieldSpec, position: usize) -> Result<CronField, CronError> {
    let mut bits = CronField::EMPTY;
    for item in list_items(text, spec, position)? {
        bits = bits.union(parse_item(item, spec, position)?);
    }
    Ok(bits)
}

/// A field's comma-separated items, at most [`MAX_LIST_ITEMS`] of them.
fn list_items<'a>(
    text: &'a str,
    spec: &FieldSpec,
    position: usize,
) -> Result<std::str::Split<'a, char>, CronError> {
    let count = text.split(',').count();
    if count > MAX_LIST_ITEMS {
        return Err(CronError::TooManyItems {
            position,
            name: spec.name,
            count,
        });
    }
    Ok(text.split(','))
}

/// Day-of-month: the plain syntax plus `L` for the last day of the month.
fn parse_day_of_month(text: &str, position: usize) -> Result<(CronField, bool), CronError> {
    let mut bits = CronField::EMPTY;
    let mut last = false;
    for item in list_items(text, &DAY_OF_MONTH, position)? {
        if item.eq_ignore_ascii_case("L") {
            last = true;
        } else {
            bits = bits.union(parse_item(item, &DAY_OF_MONTH, position)?);
        }
    }
    Ok((bits, last))
}

/// A parsed day-of-week field.
struct DayOfWeek {
    /// Plain weekdays.
    days: CronField,
    /// `nL`: the last such weekday of the month.
    last: CronField,
    /// `n#k`: the k-th such weekday of the month (see [`super::nth_weekday_bit`]).
    nth: CronField,
}

/// Day-of-week: the plain syntax (7 folds onto 0, Sunday) plus `nL`, the last weekday `n`
/// of the month, and `n#k`, its k-th (Quartz's and croner's extension).
fn parse_day_of_week(text: &str, position: usize) -> Result<DayOfWeek, CronError> {
    let mut field = DayOfWeek {
        days: CronField::EMPTY,
        last: CronField::EMPTY,
        nth: CronField::EMPTY,
    };
    for item in list_items(text, &DAY_OF_WEEK, position)? {
        let upper = item.to_ascii_uppercase();
        if let Some((day, nth)) = upper.split_once('#') {
            let value = parse_value(day, &DAY_OF_WEEK, position, item)?;
            let nth: u32 = nth
                .parse()
                .ok()
                .filter(|n| (1..=5).contains(n))
                .ok_or_else(|| CronError::Malformed {
                    position,
                    name: DAY_OF_WEEK.name,
                    text: item.to_owned(),
                    expected: "n#k with k 1–5 (the k-th such weekday of the month)",
                })?;
            field.nth = field.nth.with(super::nth_weekday_bit(value % 7, nth));
        } else if let Some(day) = upper.strip_suffix('L').filter(|day| !day.is_empty()) {
            let value = parse_value(day, &DAY_OF_WEEK, position, item)?;
            field.last = field.last.with(value % 7);
        } else {
            field.days = field.days.union(parse_item(item, &DAY_OF_WEEK, position)?);
        }
    }
    if field.days.contains(7) {
        field.days = field.days.without(7).with(0);
    }
    Ok(field)
}

/// One list item: `*`, `*/s`, `a`, `a-b` or `a-b/s`.
fn parse_item(item: &str, spec: &FieldSpec, position: usize) -> Result<CronField, CronError> {
    let malformed = || CronError::Malformed {
        position,
        name: spec.name,
        text: item.to_owned(),
        expected: spec.expected,
    };
    if item.is_empty() {
        return Err(malformed());
    }
    let (range, step) = match item.split_once('/') {
        Some((range, step)) => {
            // Read wide, so a step past u32 is refused by size, not as malformed text.
            let step: u64 = step.parse().map_err(|_| malformed())?;
            if step == 0 {
                return Err(CronError::ZeroStep {
                    position,
                    name: spec.name,
                });
            }
            let largest = spec.max - spec.min + 1;
            match u32::try_from(step) {
                Ok(step) if step <= largest => (range, step),
                _ => {
                    return Err(CronError::StepTooLarge {
                        position,
                        name: spec.name,
                        step,
                        min: spec.min,
                        max: spec.max,
                        largest,
                    })
                }
            }
        }
        None => (item, 1),
    };
    let (start, end) = if range == "*" {
        (spec.min, spec.max)
    } else if let Some((start, end)) = range.split_once('-') {
        let start = parse_value(start, spec, position, item)?;
        let end = parse_value(end, spec, position, item)?;
        if start > end {
            return Err(CronError::BackwardRange {
                position,
                name: spec.name,
                start,
                end,
            });
        }
        (start, end)
    } else if step != 1 {
        // `a/s` is not Vixie syntax; say what to write instead.
        return Err(malformed());
    } else {
        let value = parse_value(range, spec, position, item)?;
        (value, value)
    };
    let mut bits = CronField::EMPTY;
    let mut value = start;
    while value <= end {
        bits = bits.with(value);
        value += step;
    }
    Ok(bits)
}

/// A number or a name within the field's range.
fn parse_value(
    text: &str,
    spec: &FieldSpec,
    position: usize,
    item: &str,
) -> Result<u32, CronError> {
    if let Some(index) = spec
        .names
        .iter()
        .position(|name| name.eq_ignore_ascii_case(text))
    {
        return Ok(index as u32 + spec.min);
    }
    let value: u32 = text.parse().map_err(|_| CronError::Malformed {
        position,
        name: spec.name,
        text: item.to_owned(),
        expected: spec.expected,
    })?;
    if value < spec.min || value > spec.max {
        return Err(CronError::OutOfRange {
            position,
            name: spec.name,
            value,
            plural: spec.plural,
            min: spec.min,
            max: spec.max,
        });
    }
    Ok(value)
}
