//! Why a cron expression was refused: every error names the field (by position and name) and
//! says why, and the limits on an expression's size.

/// Why a cron expression was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CronError {
    /// Nothing was given.
    #[error("the cron expression is empty")]
    Empty,
    /// Neither 5 nor 6 fields.
    #[error(
        "a cron expression has 5 fields (minute hour day-of-month month day-of-week) or 6 with \
         a leading seconds field; {0:?} has {1}"
    )]
    FieldCount(String, usize),
    /// An `@` name we do not know.
    #[error("unknown macro {0:?}; use @yearly, @annually, @monthly, @weekly, @daily, @midnight or @hourly")]
    UnknownMacro(String),
    /// A value out of the field's range.
    #[error("cron field {position} ({name}) is {value}; {plural} are {min}–{max}")]
    OutOfRange {
        /// 1-based position in the expression as written.
        position: usize,
        /// The field's name.
        name: &'static str,
        /// The offending value.
        value: u32,
        /// The field's name in the plural.
        plural: &'static str,
        /// Smallest allowed value.
        min: u32,
        /// Largest allowed value.
        max: u32,
    },
    /// Text that is not a number, name, range, step or allowed special.
    #[error("cron field {position} ({name}) has {text:?}, which is not {expected}")]
    Malformed {
        /// 1-based position in the expression as written.
        position: usize,
        /// The field's name.
        name: &'static str,
        /// The offending part of the field.
        text: String,
        /// What the field accepts.
        expected: &'static str,
    },
    /// A range whose start is after its end.
    #[error("cron field {position} ({name}) has the range {start}-{end}, which runs backwards")]
    BackwardRange {
        /// 1-based position in the expression as written.
        position: usize,
        /// The field's name.
        name: &'static str,
        /// Range start.
        start: u32,
        /// Range end.
        end: u32,
    },
    /// A step of zero.
    #[error("cron field {position} ({name}) has a step of 0; steps start at 1")]
    ZeroStep {
        /// 1-based position in the expression as written.
        position: usize,
        /// The field's name.
        name: &'static str,
    },
    /// A step larger than the field's span, which could only ever match the range's start.
    #[error(
        "cron field {position} ({name}) has a step of {step}, larger than the field's span \
         ({min}–{max}); steps are 1–{largest}"
    )]
    StepTooLarge {
        /// 1-based position in the expression as written.
        position: usize,
        /// The field's name.
        name: &'static str,
        /// The step as given.
        step: u64,
        /// Smallest value of the field.
        min: u32,
        /// Largest value of the field.
        max: u32,
        /// The largest step the field takes.
        largest: u32,
    },
    /// The expression is longer than anyone writes one.
    #[error("the cron expression has {0} characters; the limit is {MAX_EXPRESSION_CHARS}")]
    TooLong(usize),
    /// A field lists more items than it has values.
    #[error("cron field {position} ({name}) lists {count} items; a field takes at most {MAX_LIST_ITEMS}")]
    TooManyItems {
        /// 1-based position in the expression as written.
        position: usize,
        /// The field's name.
        name: &'static str,
        /// How many items it lists.
        count: usize,
    },
    /// The expression is well formed but no date ever matches it.
    #[error("{0:?} never fires: no date matches its day-of-month and month fields")]
    NeverFires(String),
}

/// The longest cron expression taken, in characters (every field spelt out as a list of
/// all its values still fits).
pub const MAX_EXPRESSION_CHARS: usize = 512;
/// The most comma-separated items in one field (a field has at most 60 values).
pub const MAX_LIST_ITEMS: usize = 60;
