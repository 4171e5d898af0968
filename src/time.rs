//! Simulated time: integer milliseconds since the start of bootstrap, and Go-style durations.
//!
//! Owns: [`SimTime`], [`parse_duration`], [`format_ms`]. Depends on nothing else in the crate.

use std::fmt;
use std::fmt::Write as _;

/// A point in simulated time, in milliseconds since the start of the simulation (SPEC "The model").
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct SimTime(pub u64);

impl SimTime {
    /// Time zero.
    pub const ZERO: SimTime = SimTime(0);
    /// Milliseconds since start.
    #[must_use]
    pub fn ms(self) -> u64 {
        self.0
    }
    /// This time plus `d` milliseconds (saturating).
    #[must_use]
    pub fn after(self, d: u64) -> SimTime {
        SimTime(self.0.saturating_add(d))
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&format_ms(self.0))
    }
}

/// Parses a Go duration (`time.ParseDuration`): `90s`, `5m`, `1h30m`, `750ms`, `1.5s`, `0`.
/// Returns milliseconds. Sub-millisecond parts are rounded to the nearest millisecond.
///
/// # Errors
/// A [`DurationError`] saying what is wrong, e.g. a missing unit or a negative value.
pub fn parse_duration(s: &str) -> Result<u64, DurationError> {
    match whole_units(s.as_bytes()) {
        Some(ms) => Ok(ms),
        None => parse_general(s),
    }
}

/// The common form `<digits><ms|s|m|h>` (`30s`, `200ms`, `1h`) in integer arithmetic, when the
/// result is at most 9,000,000,000 ms: there every step of [`parse_general`] is exact in `f64`
/// (the nanoseconds stay below 2^53), so both give the same value. Anything else: `None`.
fn whole_units(b: &[u8]) -> Option<u64> {
    let digits = b.iter().take_while(|c| c.is_ascii_digit()).count();
    if digits == 0 || digits > 10 {
        return None;
    }
    let unit_ms = match &b[digits..] {
        b"ms" => 1,
        b"s" => 1_000,
        b"m" => 60_000,
        b"h" => 3_600_000,
        _ => return None,
    };
    let n = b[..digits]
        .iter()
        .fold(0u64, |n, c| n * 10 + u64::from(c - b'0'));
    n.checked_mul(unit_ms).filter(|&ms| ms <= 9_000_000_000)
}

/// [`parse_duration`] for any form.
fn parse_general(s: &str) -> Result<u64, DurationError> {
    let t = s.trim();
    if t.is_empty() {
        return Err(DurationError::Empty);
    }
    if t == "0" {
        return Ok(0);
    }
    if t.starts_with('-') {
        return Err(DurationError::Negative(t.to_string()));
    }
    let t = t.strip_prefix('+').unwrap_or(t);
    let bytes = t.as_bytes();
    let mut i = 0;
    let mut total_ns: f64 = 0.0;
    while i < bytes.len() {
        let start = i;
        while i < bytes.len() && (bytes[i].is_ascii_digit() || bytes[i] == b'.') {
            i += 1;
        }
        if start == i {
            return Err(DurationError::ExpectedNumber {
                input: s.to_string(),
                at: t[start..].to_string(),
            });
        }
        let num: f64 = t[start..i].parse().map_err(|_| DurationError::BadNumber {
            input: s.to_string(),
            number: t[start..i].to_string(),
        })?;
        let ustart = i;
        while i < bytes.len() && !(bytes[i].is_ascii_digit() || bytes[i] == b'.') {
            i += 1;
        }
        let unit = &t[ustart..i];
        let mult = match unit {
            "ns" => 1.0,
            "us" | "µs" | "μs" => 1e3,
            "ms" => 1e6,
            "s" => 1e9,
            "m" => 60e9,
            "h" => 3600e9,
            "" => return Err(DurationError::MissingUnit(s.to_string())),
            other => {
                return Err(DurationError::UnknownUnit {
                    input: s.to_string(),
                    unit: other.to_string(),
                })
            }
        };
        total_ns += num * mult;
    }
    let ms = (total_ns / 1e6).round();
    if !ms.is_finite() || ms > 1e15 {
        return Err(DurationError::TooLarge(s.to_string()));
    }
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)]
    Ok(ms as u64)
}

/// Why a duration does not parse (the text is what users see after the field name).
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DurationError {
    /// Nothing but blanks.
    #[error("empty duration")]
    Empty,
    /// A leading `-`.
    #[error("negative duration `{0}`")]
    Negative(String),
    /// A unit or other text where a number should start.
    #[error("invalid duration `{input}`: expected a number at `{at}`")]
    ExpectedNumber {
        /// The duration as written.
        input: String,
        /// The text from where the number should be.
        at: String,
    },
    /// Digits and dots that are no number (`1.2.3`).
    #[error("invalid duration `{input}`: bad number `{number}`")]
    BadNumber {
        /// The duration as written.
        input: String,
        /// The bad number.
        number: String,
    },
    /// A number without unit.
    #[error("invalid duration `{0}`: missing unit (use ms, s, m or h, e.g. `30s`)")]
    MissingUnit(String),
    /// A unit other than ns, us, µs, ms, s, m, h.
    #[error("invalid duration `{input}`: unknown unit `{unit}` (use ms, s, m or h)")]
    UnknownUnit {
        /// The duration as written.
        input: String,
        /// The unit.
        unit: String,
    },
    /// More than about 31,000 years.
    #[error("duration `{0}` is too large")]
    TooLarge(String),
}

/// Formats milliseconds the way Go prints durations, trimmed: `0s`, `750ms`, `1m30.25s`, `1h0m5s`.
#[must_use]
pub fn format_ms(ms: u64) -> String {
    if ms == 0 {
        return "0s".into();
    }
    if ms < 1000 {
        return format!("{ms}ms");
    }
    let h = ms / 3_600_000;
    let m = (ms / 60_000) % 60;
    let s = (ms / 1000) % 60;
    let frac = ms % 1000;
    // One string, written in place (reports format millions of times).
    let mut out = String::with_capacity(16);
    if h > 0 {
        let _ = write!(out, "{h}h");
    }
    if h > 0 || m > 0 {
        let _ = write!(out, "{m}m");
    }
    if frac == 0 {
        let _ = write!(out, "{s}s");
    } else {
        // Milliseconds as three digits, trailing zeros dropped: 250 → "25", 5 → "005".
        let (mut f, mut digits) = (frac, 3);
        while f % 10 == 0 {
            f /= 10;
            digits -= 1;
        }
        let _ = write!(out, "{s}.{f:0digits$}s");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_go_durations() {
        assert_eq!(parse_duration("90s"), Ok(90_000));
        assert_eq!(parse_duration("5m"), Ok(300_000));
        assert_eq!(parse_duration("1h30m"), Ok(5_400_000));
        assert_eq!(parse_duration("750ms"), Ok(750));
        assert_eq!(parse_duration("1.5s"), Ok(1500));
        assert_eq!(parse_duration("0"), Ok(0));
        assert!(parse_duration("10")
            .unwrap_err()
            .to_string()
            .contains("missing unit"));
        assert!(parse_duration("-5s")
            .unwrap_err()
            .to_string()
            .contains("negative"));
        assert!(parse_duration("5d")
            .unwrap_err()
            .to_string()
            .contains("unknown unit"));
        assert!(parse_duration("").is_err());
    }

    // The integer fast path gives what the general parser gives, up to its bound and past it.
    #[test]
    fn whole_units_agree_with_the_general_parser() {
        let mut ns: Vec<u64> = (0..2_000).collect();
        ns.extend([
            2_500_000,
            150_000_000,
            2_500_000_000,
            8_999_999_999,
            9_000_000_000,
            9_000_000_001,
            9_999_999_999,
        ]);
        for n in ns {
            for unit in ["ms", "s", "m", "h"] {
                for s in [format!("{n}{unit}"), format!("0{n}{unit}")] {
                    assert_eq!(parse_duration(&s), parse_general(&s), "{s}");
                }
            }
        }
        assert_eq!(whole_units(b"2500h"), Some(9_000_000_000));
        assert_eq!(whole_units(b"2501h"), None, "beyond the exact range");
        for s in [
            " 5s",
            "5s ",
            "+5s",
            "5",
            "5d",
            "5us",
            "1.5s",
            "1h30m",
            "s",
            "",
            "12345678901ms",
        ] {
            assert_eq!(whole_units(s.as_bytes()), None, "{s}");
        }
    }

    #[test]
    fn formats_like_go() {
        assert_eq!(format_ms(0), "0s");
        assert_eq!(format_ms(750), "750ms");
        assert_eq!(format_ms(90_250), "1m30.25s");
        assert_eq!(format_ms(3_605_000), "1h0m5s");
        assert_eq!(format_ms(30_000), "30s");
        // Milliseconds keep their leading zeros and drop trailing ones.
        assert_eq!(format_ms(61_005), "1m1.005s");
        assert_eq!(format_ms(2_050), "2.05s");
        assert_eq!(format_ms(7_200_100), "2h0m0.1s");
    }
}
