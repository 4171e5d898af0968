//! Kubernetes timestamps without a date-time crate: RFC 3339 (`metav1.Time`, whole seconds;
//! `MicroTime`; zap's ISO 8601 with milliseconds) to and from milliseconds since the Unix epoch.
//!
//! Why our own: the calibrator needs parsing and formatting of one fixed format, in UTC or with a
//! numeric offset, and nothing that could read the clock. Forty lines of civil-date arithmetic
//! (H. Hinnant, "chrono-Compatible Low-Level Date Algorithms") do that with no new dependency.

use super::error::{StampError, StampWhy};

/// Days since 1970-01-01 of a proleptic Gregorian date.
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The date of a day count since 1970-01-01.
fn civil_from_days(z: i64) -> (i64, i64, i64) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (
        if m <= 2 {
            yoe + era * 400 + 1
        } else {
            yoe + era * 400
        },
        m,
        d,
    )
}

fn num(s: &str, part: &'static str) -> Result<i64, StampWhy> {
    let bad = || StampWhy::Part {
        part,
        text: s.to_string(),
    };
    if s.is_empty() || !s.bytes().all(|b| b.is_ascii_digit()) {
        return Err(bad());
    }
    s.parse().map_err(|_| bad())
}

/// Parses `2025-02-05T15:46:56Z`, `2025-02-05T15:46:56.075Z`, `2025-02-05T15:46:56.123456+02:00`
/// into milliseconds since the epoch (fractions below a millisecond are truncated).
///
/// # Errors
/// A [`StampError`] saying what part is wrong.
pub fn parse(s: &str) -> Result<i64, StampError> {
    let err = |why: StampWhy| StampError {
        value: s.to_string(),
        why,
    };
    let b = s.as_bytes();
    // Every part is ASCII; checking it first also keeps the slices below on char boundaries.
    if !s.is_ascii()
        || b.len() < 20
        || b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
    {
        return Err(err(StampWhy::Layout));
    }
    if b[13] != b':' || b[16] != b':' {
        return Err(err(StampWhy::TimeLayout));
    }
    let (y, mo, d) = (
        num(&s[0..4], "year"),
        num(&s[5..7], "month"),
        num(&s[8..10], "day"),
    );
    let (h, mi, se) = (
        num(&s[11..13], "hour"),
        num(&s[14..16], "minute"),
        num(&s[17..19], "second"),
    );
    let (y, mo, d, h, mi, se) = (
        y.map_err(err)?,
        mo.map_err(err)?,
        d.map_err(err)?,
        h.map_err(err)?,
        mi.map_err(err)?,
        se.map_err(err)?,
    );
    if !(1..=12).contains(&mo) || !(1..=31).contains(&d) || h > 23 || mi > 59 || se > 60 {
        return Err(err(StampWhy::OutOfRange));
    }
    let mut rest = &s[19..];
    let mut ms = 0;
    if let Some(f) = rest.strip_prefix('.') {
        let n = f.bytes().take_while(u8::is_ascii_digit).count();
        if n == 0 {
            return Err(err(StampWhy::EmptyFraction));
        }
        let digits = format!("{:0<3}", &f[..n.min(3)]);
        ms = num(&digits, "fraction").map_err(err)?;
        rest = &f[n..];
    }
    let offset_min = match rest {
        "Z" | "z" => 0,
        o if o.len() == 6 && (o.starts_with('+') || o.starts_with('-')) && &o[3..4] == ":" => {
            let v = num(&o[1..3], "offset").map_err(err)? * 60
                + num(&o[4..6], "offset").map_err(err)?;
            if o.starts_with('-') {
                -v
            } else {
                v
            }
        }
        _ => return Err(err(StampWhy::Offset)),
    };
    let secs = days_from_civil(y, mo, d) * 86_400 + h * 3600 + mi * 60 + se - offset_min * 60;
    Ok(secs * 1000 + ms)
}

/// `metav1.Time` as the API server writes it: UTC, whole seconds (truncated).
#[must_use]
pub fn format_secs(ms: i64) -> String {
    let (date, t) = split(ms);
    format!(
        "{date}T{:02}:{:02}:{:02}Z",
        t / 3_600_000,
        t / 60_000 % 60,
        t / 1000 % 60
    )
}

/// zap's ISO 8601 encoder: UTC with milliseconds.
#[must_use]
pub fn format_millis(ms: i64) -> String {
    let (date, t) = split(ms);
    format!(
        "{date}T{:02}:{:02}:{:02}.{:03}Z",
        t / 3_600_000,
        t / 60_000 % 60,
        t / 1000 % 60,
        t % 1000
    )
}

fn split(ms: i64) -> (String, i64) {
    let days = ms.div_euclid(86_400_000);
    let (y, m, d) = civil_from_days(days);
    (format!("{y:04}-{m:02}-{d:02}"), ms.rem_euclid(86_400_000))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_kubernetes_shapes() {
        // 2023-08-16T10:26:43Z: 19585 days after the epoch (worked out with `date -d`), + 10:26:43.
        let base = (19_585 * 86_400 + 10 * 3600 + 26 * 60 + 43) * 1000;
        assert_eq!(parse("2023-08-16T10:26:43Z"), Ok(base));
        assert_eq!(parse("2023-08-16T10:26:43.340952Z"), Ok(base + 340));
        assert_eq!(parse("2023-08-16T12:26:43.5+02:00"), Ok(base + 500));
        assert_eq!(format_secs(base + 999), "2023-08-16T10:26:43Z");
        assert_eq!(format_millis(base + 75), "2023-08-16T10:26:43.075Z");
        assert_eq!(parse("1970-01-01T00:00:00Z"), Ok(0));
        let short = parse("2023-08-16 10:26").unwrap_err();
        assert_eq!(short.why, StampWhy::Layout);
        assert_eq!(
            short.to_string(),
            "`2023-08-16 10:26` is not an RFC 3339 time (expected YYYY-MM-DDTHH:MM:SSZ)"
        );
        let why = |s: &str| parse(s).unwrap_err().why;
        assert_eq!(why("2023-13-16T10:26:43Z"), StampWhy::OutOfRange);
        assert_eq!(why("2023-08-16T10:26:43"), StampWhy::Layout); // too short for a zone
        assert_eq!(why("2023-08-16T10:26:43 "), StampWhy::Offset);
        assert_eq!(why("2023-08-16T10:26:43+0200"), StampWhy::Offset);
        assert_eq!(why("2023-08-16T10:26:43.Z"), StampWhy::EmptyFraction);
        assert_eq!(
            why("2023-0x-16T10:26:43Z"),
            StampWhy::Part {
                part: "month",
                text: "0x".into()
            }
        );
    }

    #[test]
    fn round_trips_any_day() {
        for ms in [0i64, 951_782_400_000, 1_709_164_800_123, 4_102_444_799_999] {
            assert_eq!(parse(&format_millis(ms)), Ok(ms));
        }
    }
}
