//! RFC 3339 times for `--time` (`2024-01-31T12:00:00Z`, `2024-01-31T13:00:00+01:00`,
//! fractional seconds allowed; a space may stand for the `T`, RFC 3339 §5.6 NOTE).

use std::time::{Duration, SystemTime, UNIX_EPOCH};

/// Parses an RFC 3339 `date-time` into a `SystemTime` (UTC, years 1970–9999). Returns
/// `None` for anything else.
pub(crate) fn parse_rfc3339(text: &str) -> Option<SystemTime> {
    let bytes = text.trim().as_bytes();
    let digits = |range: std::ops::Range<usize>| -> Option<u32> {
        let part = bytes.get(range)?;
        if part.is_empty() || !part.iter().all(u8::is_ascii_digit) {
            return None;
        }
        part.iter().try_fold(0u32, |n, d| {
            n.checked_mul(10)?.checked_add(u32::from(d - b'0'))
        })
    };
    let year = digits(0..4)?;
    let month = digits(5..7)?;
    let day = digits(8..10)?;
    let hour = digits(11..13)?;
    let minute = digits(14..16)?;
    let second = digits(17..19)?;
    if bytes.get(4) != Some(&b'-')
        || bytes.get(7) != Some(&b'-')
        || !matches!(bytes.get(10), Some(b'T' | b't' | b' '))
        || bytes.get(13) != Some(&b':')
        || bytes.get(16) != Some(&b':')
    {
        return None;
    }
    // Fractional seconds.
    let mut at = 19usize;
    let mut nanos = 0u32;
    if bytes.get(at) == Some(&b'.') {
        at = at.checked_add(1)?;
        let start = at;
        let mut scale = 100_000_000u32;
        while let Some(d) = bytes.get(at).filter(|b| b.is_ascii_digit()) {
            nanos = nanos.checked_add(u32::from(d - b'0').checked_mul(scale)?)?;
            scale /= 10;
            at = at.checked_add(1)?;
        }
        if at == start {
            return None;
        }
    }
    // Offset: Z, or ±HH:MM.
    let offset_seconds: i64 = match bytes.get(at..)? {
        [b'Z' | b'z'] => 0,
        [sign @ (b'+' | b'-'), h1, h2, b':', m1, m2] => {
            let hours = two_digits(*h1, *h2)?;
            let minutes = two_digits(*m1, *m2)?;
            if hours > 23 || minutes > 59 {
                return None;
            }
            let seconds = i64::from(hours * 3600 + minutes * 60);
            if *sign == b'+' { seconds } else { -seconds }
        }
        _ => return None,
    };
    if !(1970..=9999).contains(&year)
        || !(1..=12).contains(&month)
        || day == 0
        || day > days_in_month(year, month)
        || hour > 23
        || minute > 59
        || second > 60
    {
        return None;
    }
    let days = days_from_civil(year, month, day)?;
    let local = days
        .checked_mul(86_400)?
        .checked_add(i64::from(hour * 3600 + minute * 60 + second.min(59)))?;
    let utc = u64::try_from(local.checked_sub(offset_seconds)?).ok()?;
    UNIX_EPOCH.checked_add(Duration::new(utc, nanos))
}

fn two_digits(a: u8, b: u8) -> Option<u32> {
    if a.is_ascii_digit() && b.is_ascii_digit() {
        Some(u32::from(a - b'0') * 10 + u32::from(b - b'0'))
    } else {
        None
    }
}

fn is_leap(year: u32) -> bool {
    (year.is_multiple_of(4) && !year.is_multiple_of(100)) || year.is_multiple_of(400)
}

fn days_in_month(year: u32, month: u32) -> u32 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's `days_from_civil`).
fn days_from_civil(year: u32, month: u32, day: u32) -> Option<i64> {
    let y = i64::from(year) - i64::from(month <= 2);
    let era = y.div_euclid(400);
    let yoe = y.rem_euclid(400);
    let m = i64::from(month);
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    Some(era * 146_097 + doe - 719_468)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn unix(text: &str) -> Option<u64> {
        parse_rfc3339(text).map(|t| t.duration_since(UNIX_EPOCH).unwrap().as_secs())
    }

    #[test]
    fn parses_rfc3339() {
        assert_eq!(unix("1970-01-01T00:00:00Z"), Some(0));
        assert_eq!(unix("2024-01-31T12:00:00Z"), Some(1_706_702_400));
        assert_eq!(unix("2024-01-31T13:00:00+01:00"), Some(1_706_702_400));
        assert_eq!(unix("2024-01-31 07:30:00-04:30"), Some(1_706_702_400));
        assert_eq!(unix("2000-02-29T00:00:00Z"), Some(951_782_400));
        assert_eq!(unix("2024-01-31T12:00:00.75Z"), Some(1_706_702_400));
        assert_eq!(
            parse_rfc3339("2024-01-31T12:00:00.5Z")
                .unwrap()
                .duration_since(UNIX_EPOCH)
                .unwrap()
                .subsec_millis(),
            500
        );
    }

    #[test]
    fn rejects_what_is_not_rfc3339() {
        for bad in [
            "",
            "2024-01-31",
            "2024-01-31T12:00:00",
            "2024-13-01T00:00:00Z",
            "2023-02-29T00:00:00Z",
            "2024-01-31T24:00:00Z",
            "2024-01-31T12:00:00+1:00",
            "2024-01-31T12:00:00.Z",
            "1969-12-31T23:59:59Z",
            "yesterday",
            "2024-01-31T12:00:00Zjunk",
        ] {
            assert_eq!(parse_rfc3339(bad), None, "{bad}");
        }
    }
}
