//! What each cron field accepts: its name, range and value names, and the macros with the
//! expressions they stand for.

/// The static description of one field: its name, range and accepted names.
pub(super) struct FieldSpec {
    pub(super) name: &'static str,
    pub(super) plural: &'static str,
    pub(super) min: u32,
    pub(super) max: u32,
    pub(super) names: &'static [&'static str],
    pub(super) expected: &'static str,
}

pub(super) const SECOND: FieldSpec = FieldSpec {
    name: "second",
    plural: "seconds",
    min: 0,
    max: 59,
    names: &[],
    expected: "a second 0–59, a range, a list or a step",
};
pub(super) const MINUTE: FieldSpec = FieldSpec {
    name: "minute",
    plural: "minutes",
    min: 0,
    max: 59,
    names: &[],
    expected: "a minute 0–59, a range, a list or a step",
};
pub(super) const HOUR: FieldSpec = FieldSpec {
    name: "hour",
    plural: "hours",
    min: 0,
    max: 23,
    names: &[],
    expected: "an hour 0–23, a range, a list or a step",
};
pub(super) const DAY_OF_MONTH: FieldSpec = FieldSpec {
    name: "day-of-month",
    plural: "days of the month",
    min: 1,
    max: 31,
    names: &[],
    expected: "a day 1–31, L (the last day), a range, a list or a step",
};
pub(super) const MONTH: FieldSpec = FieldSpec {
    name: "month",
    plural: "months",
    min: 1,
    max: 12,
    names: &[
        "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
    ],
    expected: "a month 1–12 or JAN–DEC, a range, a list or a step",
};
pub(super) const DAY_OF_WEEK: FieldSpec = FieldSpec {
    name: "day-of-week",
    plural: "days of the week",
    min: 0,
    max: 7,
    names: &["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT"],
    expected: "a weekday 0–7 (0 and 7 are Sunday) or SUN–SAT, nL (the last such weekday \
               of the month), n#k (the k-th such weekday of the month, k 1–5), a range, a list \
               or a step",
};

/// The macros and the 5-field expressions they stand for.
pub(super) const MACROS: &[(&str, &str)] = &[
    ("@yearly", "0 0 1 1 *"),
    ("@annually", "0 0 1 1 *"),
    ("@monthly", "0 0 1 * *"),
    ("@weekly", "0 0 * * 0"),
    ("@daily", "0 0 * * *"),
    ("@midnight", "0 0 * * *"),
    ("@hourly", "0 * * * *"),
];
