//! Strict RFC 3339 parsing and human durations. The core never reads the clock: times are
//! passed in.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use jiff::Timestamp;

use crate::error::DurationError;

/// A duration as people write it: `10s`, `500ms`, `2m`, `1h30m`, `7d`; a bare number means
/// seconds. It prints back in the same form, largest units first.
///
/// ```
/// use std::time::Duration;
/// use hisar_core::HumanDuration;
/// let d: HumanDuration = "1m30s".parse().unwrap();
/// assert_eq!(d.0, Duration::from_secs(90));
/// assert_eq!(d.to_string(), "1m30s");
/// assert_eq!(HumanDuration(Duration::from_millis(250)).to_string(), "250ms");
/// assert!("soon".parse::<HumanDuration>().is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct HumanDuration(pub Duration);

impl FromStr for HumanDuration {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_duration(text).map(HumanDuration)
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut millis = self.0.as_millis();
        if millis == 0 {
            return f.write_str("0s");
        }
        for (unit, size) in [
            ("d", 86_400_000),
            ("h", 3_600_000),
            ("m", 60_000),
            ("s", 1000),
        ] {
            if millis >= size {
                write!(f, "{}{unit}", millis / size)?;
                millis %= size;
            }
        }
        if millis > 0 {
            write!(f, "{millis}ms")?;
        }
        Ok(())
    }
}

/// Parses an RFC 3339 `date-time` (with `T`, `t` or a space, and `Z` or an offset).
pub(crate) fn parse_rfc3339(text: &str) -> Option<Timestamp> {
    let b = text.as_bytes();
    if b.len() < 20 || !is_full_date(&b[..10]) || !matches!(b[10], b'T' | b't' | b' ') {
        return None;
    }
    let time = &b[11..];
    if time.len() < 9
        || !digits(&time[0..2])
        || time[2] != b':'
        || !digits(&time[3..5])
        || time[5] != b':'
        || !digits(&time[6..8])
    {
        return None;
    }
    let mut rest = &time[8..];
    if let Some(frac) = rest.strip_prefix(b".") {
        let n = frac.iter().take_while(|c| c.is_ascii_digit()).count();
        if n == 0 {
            return None;
        }
        rest = &frac[n..];
    }
    let offset_ok = match rest {
        [b'Z' | b'z'] => true,
        [b'+' | b'-', h1, h2, b':', m1, m2] => digits(&[*h1, *h2, *m1, *m2]),
        _ => false,
    };
    if !offset_ok {
        return None;
    }
    let normalised = text.replacen(['t', ' '], "T", 1).replace('z', "Z");
    normalised.parse().ok()
}

/// Whether `text` is an RFC 3339 `date-time` or `full-date` naming a real day.
pub(crate) fn is_rfc3339(text: &str) -> bool {
    if text.len() == 10 {
        return is_full_date(text.as_bytes()) && text.parse::<jiff::civil::Date>().is_ok();
    }
    parse_rfc3339(text).is_some()
}

fn is_full_date(b: &[u8]) -> bool {
    b.len() == 10
        && digits(&b[0..4])
        && b[4] == b'-'
        && digits(&b[5..7])
        && b[7] == b'-'
        && digits(&b[8..10])
}

fn digits(b: &[u8]) -> bool {
    b.iter().all(u8::is_ascii_digit)
}

/// Parses a duration such as `10s`, `500ms`, `2m`, `1h30m` or `7d`. A bare number means seconds.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DurationError::Empty);
    }
    if let Ok(secs) = text.parse::<u64>() {
        return Ok(Duration::from_secs(secs));
    }
    let mut total = Duration::ZERO;
    let mut rest = text;
    while !rest.is_empty() {
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        let unit_len = rest[digits..]
            .bytes()
            .take_while(u8::is_ascii_alphabetic)
            .count();
        if digits == 0 || unit_len == 0 {
            return Err(DurationError::Syntax(text.to_owned()));
        }
        let n: u64 = rest[..digits]
            .parse()
            .map_err(|_| DurationError::TooLarge(text.to_owned()))?;
        let unit = match &rest[digits..digits + unit_len] {
            "ms" => Duration::from_millis(n),
            "s" => Duration::from_secs(n),
            "m" => Duration::from_secs(n.saturating_mul(60)),
            "h" => Duration::from_secs(n.saturating_mul(3600)),
            "d" => Duration::from_secs(n.saturating_mul(86_400)),
            other => {
                return Err(DurationError::Unit(text.to_owned(), other.to_owned()));
            }
        };
        total = total.saturating_add(unit);
        rest = &rest[digits + unit_len..];
    }
    Ok(total)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations() {
        assert_eq!(parse_duration("10").unwrap(), Duration::from_secs(10));
        assert_eq!(
            parse_duration("7d").unwrap(),
            Duration::from_secs(7 * 86_400)
        );
        assert_eq!(
            parse_duration("1h2m3s4ms").unwrap(),
            Duration::from_millis(3_723_004)
        );
        for bad in ["", "s", "10x", "1.5s", "-1s", "10 s"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn durations_print_back() {
        for text in ["0s", "10s", "250ms", "1m30s", "7d", "1h2m3s4ms"] {
            assert_eq!(text.parse::<HumanDuration>().unwrap().to_string(), text);
        }
        assert_eq!(
            "10x".parse::<HumanDuration>().unwrap_err().to_string(),
            "invalid duration `10x`: unknown unit `x` (use ms, s, m, h or d)"
        );
    }

    #[test]
    fn rfc3339() {
        for good in [
            "2026-01-15T07:58:01Z",
            "2026-01-15t07:58:01.123z",
            "2026-01-15 07:58:01+02:00",
            "2026-01-15T07:58:01.5-05:30",
            "2026-02-28",
        ] {
            assert!(is_rfc3339(good), "{good}");
        }
        for bad in [
            "2026-01-15T07:58:01",
            "2026-01-15T07:58Z",
            "2026-02-30",
            "2026-13-01T00:00:00Z",
            "15/01/2026",
            "2026-01-15T07:58:01.Z",
            "yesterday",
            "",
        ] {
            assert!(!is_rfc3339(bad), "{bad}");
        }
    }
}
