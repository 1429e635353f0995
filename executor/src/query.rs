//! What a listing of schedules asks for: which states it shows. Pure, parsed once for the
//! API and the UI alike.

use crate::model::ScheduleState;

/// Which schedules a listing shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ListFilter {
    /// Every schedule.
    All,
    /// Schedules in one state.
    State(ScheduleState),
    /// Active schedules whose latest attempt failed (retrying).
    Failing,
}

/// A list filter that is not one.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a state; use all, active, paused, completed, dead or failing")]
pub struct UnknownFilter(pub String);

impl std::str::FromStr for ListFilter {
    type Err = UnknownFilter;

    /// `all` (or nothing), a state's name, or `failing`.
    fn from_str(text: &str) -> Result<Self, Self::Err> {
        match text.trim() {
            "" | "all" => Ok(Self::All),
            "failing" => Ok(Self::Failing),
            other => other
                .parse::<ScheduleState>()
                .map(Self::State)
                .map_err(|_| UnknownFilter(other.to_owned())),
        }
    }
}

impl ListFilter {
    /// The filter as the listing statement takes it: `None` for all, else a state's name or
    /// `failing`.
    pub fn as_sql(self) -> Option<&'static str> {
        match self {
            Self::All => None,
            Self::State(state) => Some(state.as_str()),
            Self::Failing => Some("failing"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn list_filters_parse_once_for_api_and_ui() {
        for (text, filter) in [
            ("", ListFilter::All),
            ("all", ListFilter::All),
            ("failing", ListFilter::Failing),
            ("dead", ListFilter::State(ScheduleState::Dead)),
            (" paused ", ListFilter::State(ScheduleState::Paused)),
        ] {
            assert_eq!(text.parse::<ListFilter>(), Ok(filter), "{text:?}");
        }
        let error = "zombie".parse::<ListFilter>().unwrap_err();
        assert!(
            error.to_string().contains("\"zombie\" is not a state"),
            "{error}"
        );
    }
}
