//! Strict RFC 3339 parsing and human durations. The core never reads the clock: times are
//! passed in.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use jiff::Timestamp;

use crate::error::DurationError;

/// A duration as people write it: `10s`, `500ms`, `2m`, `1h30m`, `7d`, with fractions
/// (`0.5s`, `1.5m`); a bare number means seconds. It prints back in the same form, largest
/// units first.
///
/// ```
/// use std::time::Duration;
/// use hisar_core::HumanDuration;
/// let d: HumanDuration = "1m30s".parse().unwrap();
/// assert_eq!(d.0, Duration::from_secs(90));
/// assert_eq!(d.to_string(), "1m30s");
/// assert_eq!("0.5s".parse::<HumanDuration>().unwrap().0, Duration::from_millis(500));
/// assert_eq!(HumanDuration(Duration::from_millis(250)).to_string(), "250ms");
/// assert!("soon".parse::<HumanDuration>().is_err());
/// // Where zero makes no sense (a timeout, a period), say so:
/// assert!(HumanDuration::parse_nonzero("0s").is_err());
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct HumanDuration(pub Duration);

impl HumanDuration {
    /// Parses a duration that must be longer than zero: a timeout, a period or a deadline of
    /// `0s` would make every request fail or a schedule spin, so it is refused.
    pub fn parse_nonzero(text: &str) -> Result<Self, DurationError> {
        let d = parse_duration(text)?;
        if d.is_zero() {
            return Err(DurationError::Zero(text.trim().to_owned()));
        }
        Ok(HumanDuration(d))
    }
}

impl FromStr for HumanDuration {
    type Err = DurationError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        parse_duration(text).map(HumanDuration)
    }
}

impl fmt::Display for HumanDuration {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut millis = self.0.as_millis();
        let sub_milli = self.0.subsec_nanos() % 1_000_000;
        if millis == 0 && sub_milli == 0 {
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
        if sub_milli > 0 {
            // Below a millisecond: a fraction of ms, which parses back to the same duration.
            let fraction = format!("{sub_milli:06}");
            write!(f, "{millis}.{}ms", fraction.trim_end_matches('0'))?;
        } else if millis > 0 {
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

/// Parses a duration such as `10s`, `500ms`, `2m`, `1h30m`, `7d` or `0.5s`. A bare number
/// means seconds. Fractions finer than a nanosecond are dropped.
pub(crate) fn parse_duration(text: &str) -> Result<Duration, DurationError> {
    let text = text.trim();
    if text.is_empty() {
        return Err(DurationError::Empty);
    }
    let syntax = || DurationError::Syntax(text.to_owned());
    let mut total: u128 = 0;
    let mut rest = text;
    while !rest.is_empty() {
        let whole_len = rest.bytes().take_while(u8::is_ascii_digit).count();
        let (whole, after) = rest.split_at(whole_len);
        let (fraction, after) = match after.strip_prefix('.') {
            Some(f) => {
                let n = f.bytes().take_while(u8::is_ascii_digit).count();
                if n == 0 {
                    return Err(syntax());
                }
                f.split_at(n)
            }
            None => ("", after),
        };
        let unit_len = after.bytes().take_while(u8::is_ascii_alphabetic).count();
        let (unit, after) = after.split_at(unit_len);
        if whole.is_empty() || (unit.is_empty() && !(rest == text && after.is_empty())) {
            return Err(syntax());
        }
        let nanos_per_unit: u128 = match unit {
            // A bare number (the whole text) means seconds.
            "" | "s" => 1_000_000_000,
            "ms" => 1_000_000,
            "m" => 60_000_000_000,
            "h" => 3_600_000_000_000,
            "d" => 86_400_000_000_000,
            other => return Err(DurationError::Unit(text.to_owned(), other.to_owned())),
        };
        let whole: u128 = whole
            .parse::<u64>()
            .map_err(|_| DurationError::TooLarge(text.to_owned()))?
            .into();
        // At most nine fraction digits count: finer than a nanosecond of a second, and small
        // enough that the products below stay far inside u128.
        let digits = &fraction[..fraction.len().min(9)];
        let fraction_nanos = if digits.is_empty() {
            0
        } else {
            let value: u128 = digits.parse().map_err(|_| syntax())?;
            let exponent = u32::try_from(digits.len()).map_err(|_| syntax())?;
            value * nanos_per_unit / 10u128.pow(exponent)
        };
        total = total
            .saturating_add(whole.saturating_mul(nanos_per_unit))
            .saturating_add(fraction_nanos);
        rest = after;
    }
    let secs = u64::try_from(total / 1_000_000_000)
        .map_err(|_| DurationError::TooLarge(text.to_owned()))?;
    let nanos = u32::try_from(total % 1_000_000_000).unwrap_or_default();
    Ok(Duration::new(secs, nanos))
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
        for bad in [
            "", "s", "10x", "-1s", "10 s", ".5s", "1.s", "1.5.5s", "10s5", "1e3s",
        ] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn fractional_durations() {
        assert_eq!(parse_duration("0.5s").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("0.5").unwrap(), Duration::from_millis(500));
        assert_eq!(parse_duration("1.5m").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("0.25h").unwrap(), Duration::from_secs(900));
        assert_eq!(
            parse_duration("2.5ms").unwrap(),
            Duration::from_micros(2500)
        );
        assert_eq!(parse_duration("1h0.5m").unwrap(), Duration::from_secs(3630));
        // More than nine fraction digits: the rest is below a nanosecond and dropped.
        assert_eq!(
            parse_duration("0.0000000019s").unwrap(),
            Duration::from_nanos(1)
        );
        assert_eq!(
            parse_duration("18446744073709551615d").unwrap_err(),
            DurationError::TooLarge("18446744073709551615d".into())
        );
    }

    #[test]
    fn zero_is_refused_where_it_makes_no_sense() {
        for zero in ["0s", "0", "0ms", "0.0s", "0.0000000001s"] {
            assert_eq!(
                HumanDuration::parse_nonzero(zero).unwrap_err(),
                DurationError::Zero(zero.into()),
                "{zero}"
            );
        }
        assert_eq!(
            HumanDuration::parse_nonzero("0.5s").unwrap().0,
            Duration::from_millis(500)
        );
        assert_eq!(
            HumanDuration::parse_nonzero("0s").unwrap_err().to_string(),
            "invalid duration `0s`: must be longer than zero"
        );
        // Where zero is meaningful (wait for nothing), the plain parser takes it.
        assert_eq!(parse_duration("0s").unwrap(), Duration::ZERO);
    }

    #[test]
    fn durations_print_back() {
        for text in [
            "0s",
            "10s",
            "250ms",
            "1m30s",
            "7d",
            "1h2m3s4ms",
            "1s500ms",
            "0.5ms",
            "2.25ms",
        ] {
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
