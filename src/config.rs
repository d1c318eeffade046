//! Reading configuration values: the error that names the variable, and the parsers every
//! settings struct shares. Parsing takes a lookup function rather than the process
//! environment, so tests build settings from a map and never race on global state.

use std::{fmt, time::Duration};

/// A configuration problem: which variable, and what is wrong with it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub var: &'static str,
    pub problem: String,
}

impl ConfigError {
    pub fn new(var: &'static str, problem: impl Into<String>) -> Self {
        Self { var, problem: problem.into() }
    }
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "configuration error: {} {}", self.var, self.problem)
    }
}

impl std::error::Error for ConfigError {}

type Lookup<'a> = Box<dyn Fn(&str) -> Option<String> + 'a>;

/// A variable lookup: trimmed, empty values count as unset.
pub struct Vars<'a>(Lookup<'a>);

impl<'a> Vars<'a> {
    pub fn new(get: impl Fn(&str) -> Option<String> + 'a) -> Self {
        Self(Box::new(move |name| get(name).map(|v| v.trim().to_string()).filter(|v| !v.is_empty())))
    }

    pub fn get(&self, name: &str) -> Option<String> {
        (self.0)(name)
    }

    /// `15m`, `90s`, `1h 30m` (humantime) or plain seconds.
    pub fn duration(&self, name: &'static str, default: Duration) -> Result<Duration, ConfigError> {
        match self.get(name) {
            None => Ok(default),
            Some(raw) => raw
                .parse::<u64>()
                .map(Duration::from_secs)
                .or_else(|_| humantime::parse_duration(&raw))
                .map_err(|_| ConfigError::new(name, format!("is not a duration (like 15m or 30s): {raw}"))),
        }
    }

    /// A duration within `range`; outside it, the one-line error says which values work.
    pub fn duration_within(
        &self,
        name: &'static str,
        default: Duration,
        range: std::ops::RangeInclusive<Duration>,
    ) -> Result<Duration, ConfigError> {
        let d = self.duration(name, default)?;
        if range.contains(&d) {
            return Ok(d);
        }
        let (lo, hi) = (humantime::format_duration(*range.start()), humantime::format_duration(*range.end()));
        Err(ConfigError::new(name, format!("must be between {lo} and {hi}, not {}", humantime::format_duration(d))))
    }

    /// A whole number within `range`.
    pub fn number<T>(
        &self,
        name: &'static str,
        default: T,
        range: std::ops::RangeInclusive<T>,
    ) -> Result<T, ConfigError>
    where
        T: std::str::FromStr + PartialOrd + fmt::Display + Copy,
    {
        match self.get(name) {
            None => Ok(default),
            Some(raw) => raw.parse::<T>().ok().filter(|n| range.contains(n)).ok_or_else(|| {
                ConfigError::new(name, format!("must be a whole number from {} to {}", range.start(), range.end()))
            }),
        }
    }

    /// `1`/`true` or `0`/`false`.
    pub fn flag(&self, name: &'static str) -> Result<Option<bool>, ConfigError> {
        match self.get(name).as_deref() {
            None => Ok(None),
            Some("true" | "1") => Ok(Some(true)),
            Some("false" | "0") => Ok(Some(false)),
            Some(_) => Err(ConfigError::new(name, "must be true or false (or 1 or 0)")),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    fn vars(pairs: &[(&str, &str)]) -> HashMap<String, String> {
        pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
    }

    #[test]
    fn durations_accept_human_forms_and_plain_seconds() {
        let map = vars(&[("A", "30s"), ("B", "90"), ("C", "soon"), ("D", "  ")]);
        let v = Vars::new(|k| map.get(k).cloned());
        assert_eq!(v.duration("A", Duration::ZERO), Ok(Duration::from_secs(30)));
        assert_eq!(v.duration("B", Duration::ZERO), Ok(Duration::from_secs(90)));
        assert_eq!(v.duration("C", Duration::ZERO).unwrap_err().var, "C");
        assert_eq!(v.duration("D", Duration::from_secs(7)), Ok(Duration::from_secs(7)), "blank is unset");
    }

    #[test]
    fn durations_outside_their_range_are_refused_with_the_range() {
        let map = vars(&[("LEASE", "0s"), ("OK", "2m"), ("LONG", "400d")]);
        let v = Vars::new(|k| map.get(k).cloned());
        let range = Duration::from_secs(5)..=Duration::from_secs(3600);
        let err = v.duration_within("LEASE", Duration::from_secs(60), range.clone()).unwrap_err();
        assert_eq!((err.var, err.to_string().contains("between 5s and 1h, not 0s")), ("LEASE", true), "{err}");
        assert_eq!(v.duration_within("OK", Duration::ZERO, range.clone()), Ok(Duration::from_secs(120)));
        assert!(v.duration_within("LONG", Duration::ZERO, range.clone()).is_err());
        assert_eq!(v.duration_within("UNSET", Duration::from_secs(60), range), Ok(Duration::from_secs(60)));
    }

    #[test]
    fn numbers_outside_their_range_name_the_variable() {
        let map = vars(&[("N", "0"), ("M", "12")]);
        let v = Vars::new(|k| map.get(k).cloned());
        assert_eq!(
            v.number("N", 5u32, 1..=10).unwrap_err().to_string(),
            "configuration error: N must be a whole number from 1 to 10"
        );
        assert_eq!(v.number("M", 5u32, 1..=20), Ok(12));
    }
}
