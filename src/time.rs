//! Time: a UTC instant with microsecond precision, its two text forms, and the host's clock.
//!
//! The core never reads a clock; hosts hand one in through [`Clock`]. Instants are whole
//! microseconds, the precision of ASM's `utc_datetime_usec` columns: anything finer is
//! truncated on the way in, so what is stored, compared and put into cursors is exactly what is
//! read back.

use std::fmt;
use std::sync::atomic::{AtomicI64, Ordering};

/// Microseconds in one day.
pub const MICROS_PER_DAY: i64 = 86_400 * 1_000_000;

/// A UTC instant, in whole microseconds since 1970-01-01T00:00:00Z.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The instant `micros` microseconds after the Unix epoch.
    pub const fn from_micros(micros: i64) -> Timestamp {
        Timestamp(micros)
    }

    /// The instant `millis` milliseconds after the Unix epoch (JavaScript's `Date.now()`).
    pub const fn from_millis(millis: i64) -> Timestamp {
        Timestamp(millis.saturating_mul(1000))
    }

    /// The instant from seconds and nanoseconds (WASI's wall clock), truncated to µs.
    pub const fn from_secs_nanos(secs: i64, nanos: u32) -> Timestamp {
        Timestamp(secs.saturating_mul(1_000_000).saturating_add((nanos / 1000) as i64))
    }

    /// Microseconds since the Unix epoch.
    pub const fn as_micros(self) -> i64 {
        self.0
    }

    /// This instant moved by `micros` (negative goes back).
    pub const fn add_micros(self, micros: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(micros))
    }

    /// This instant moved by whole days (retention ages are in days).
    pub const fn add_days(self, days: i64) -> Timestamp {
        Timestamp(self.0.saturating_add(days.saturating_mul(MICROS_PER_DAY)))
    }

    /// ASM's wire form, `2025-01-27T12:00:00.123456Z`: always six fraction digits and a `Z`.
    pub fn to_iso8601(self) -> String {
        let mut s = self.to_sql_text();
        s.push('Z');
        s
    }

    /// The SQLite column form, `2025-01-27T12:00:00.123456`: fixed width, no offset, so that
    /// text comparison orders instants (ecto_sqlite3's `:iso8601` NaiveDateTime text).
    pub fn to_sql_text(self) -> String {
        let days = self.0.div_euclid(MICROS_PER_DAY);
        let in_day = self.0.rem_euclid(MICROS_PER_DAY);
        let (y, m, d) = civil_from_days(days);
        let secs = in_day / 1_000_000;
        let micros = in_day % 1_000_000;
        let (h, min, sec) = (secs / 3600, secs / 60 % 60, secs % 60);
        if !(0..=9999).contains(&y) {
            return format!("{y:04}-{m:02}-{d:02}T{h:02}:{min:02}:{sec:02}.{micros:06}");
        }
        // Digit by digit: every event read is written out with its timestamp, and `format!`
        // was ~4 % of the npm package's read-back profile.
        let mut out = *b"0000-00-00T00:00:00.000000";
        let mut put = |at: usize, width: usize, mut n: i64| {
            for slot in out[at..at + width].iter_mut().rev() {
                *slot = b'0' + (n % 10) as u8;
                n /= 10;
            }
        };
        put(0, 4, y);
        put(5, 2, m);
        put(8, 2, d);
        put(11, 2, h);
        put(14, 2, min);
        put(17, 2, sec);
        put(20, 6, micros);
        out.iter().map(|&b| char::from(b)).collect()
    }

    /// Parses an ISO-8601 date-time **with** an offset (`Z`, `±HH:MM`, `±HHMM`, `±HH`), as
    /// Elixir's `DateTime.from_iso8601/1` does; the result is shifted to UTC and truncated to µs.
    /// A string without an offset is not an instant and gives `None`.
    pub fn parse_iso8601(text: &str) -> Option<Timestamp> {
        let (local, rest) = parse_naive(text)?;
        let offset_secs = parse_offset(rest)?;
        Some(Timestamp(local - offset_secs * 1_000_000))
    }

    /// Parses the SQL column form (no offset, `T` or space, any fraction digits), as UTC.
    pub fn parse_sql_text(text: &str) -> Option<Timestamp> {
        let (local, rest) = parse_naive(text)?;
        match rest {
            "" | "Z" | "z" => Some(Timestamp(local)),
            _ => Timestamp::parse_iso8601(text),
        }
    }
}

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_iso8601())
    }
}

impl serde::Serialize for Timestamp {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_iso8601())
    }
}

/// Parses `YYYY-MM-DD(T|t| )HH:MM:SS[.f+]` and returns local µs plus the unparsed rest.
fn parse_naive(text: &str) -> Option<(i64, &str)> {
    let b = text.as_bytes();
    if b.len() < 19 || !text.is_char_boundary(19) {
        return None;
    }
    let num = |from: usize, len: usize| -> Option<i64> {
        let part = &b[from..from + len];
        part.iter()
            .all(u8::is_ascii_digit)
            .then(|| part.iter().fold(0i64, |acc, d| acc * 10 + i64::from(d - b'0')))
    };
    if b[4] != b'-'
        || b[7] != b'-'
        || !matches!(b[10], b'T' | b't' | b' ')
        || b[13] != b':'
        || b[16] != b':'
    {
        return None;
    }
    let (year, month, day) = (num(0, 4)?, num(5, 2)?, num(8, 2)?);
    let (hour, minute, second) = (num(11, 2)?, num(14, 2)?, num(17, 2)?);
    if !(1..=12).contains(&month) || day < 1 || day > days_in_month(year, month) {
        return None;
    }
    if hour > 23 || minute > 59 || second > 59 {
        return None;
    }
    let mut pos = 19;
    let mut micros = 0i64;
    if b.get(pos) == Some(&b'.') || b.get(pos) == Some(&b',') {
        pos += 1;
        let start = pos;
        while pos < b.len() && b[pos].is_ascii_digit() {
            if pos - start < 6 {
                micros = micros * 10 + i64::from(b[pos] - b'0');
            }
            pos += 1;
        }
        let digits = pos - start;
        if digits == 0 {
            return None;
        }
        for _ in digits..6 {
            micros *= 10;
        }
    }
    let days = days_from_civil(year, month, day);
    let secs = days * 86_400 + hour * 3600 + minute * 60 + second;
    Some((secs * 1_000_000 + micros, &text[pos..]))
}

/// Parses `Z`, `±HH:MM`, `±HHMM` or `±HH` into seconds east of UTC.
fn parse_offset(rest: &str) -> Option<i64> {
    let b = rest.as_bytes();
    match b {
        [b'Z' | b'z'] => Some(0),
        [sign @ (b'+' | b'-'), digits @ ..] => {
            let two = |s: &[u8]| -> Option<i64> {
                (s.len() == 2 && s.iter().all(u8::is_ascii_digit))
                    .then(|| i64::from(s[0] - b'0') * 10 + i64::from(s[1] - b'0'))
            };
            let (h, m) = match digits.len() {
                2 => (two(digits)?, 0),
                4 => (two(&digits[..2])?, two(&digits[2..])?),
                5 if digits[2] == b':' => (two(&digits[..2])?, two(&digits[3..])?),
                _ => return None,
            };
            if h > 23 || m > 59 {
                return None;
            }
            let secs = h * 3600 + m * 60;
            Some(if *sign == b'-' { -secs } else { secs })
        }
        _ => None,
    }
}

fn is_leap(year: i64) -> bool {
    year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)
}

fn days_in_month(year: i64, month: i64) -> i64 {
    match month {
        2 if is_leap(year) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's algorithm).
fn days_from_civil(year: i64, month: i64, day: i64) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (month + 9) % 12;
    let doy = (153 * mp + 2) / 5 + day - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The proleptic Gregorian date of a day count since 1970-01-01.
fn civil_from_days(days: i64) -> (i64, i64, i64) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = doy - (153 * mp + 2) / 5 + 1;
    let month = if mp < 10 { mp + 3 } else { mp - 9 };
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// The host's wall clock. The core asks it for "now" and never reads one itself.
///
/// `Send + Sync` because every host clock is stateless (or atomic), and a store that owns one
/// can then cross threads when its executor can.
pub trait Clock: Send + Sync {
    /// The current UTC instant.
    fn now(&self) -> Timestamp;
}

impl<F: Fn() -> Timestamp + Send + Sync> Clock for F {
    fn now(&self) -> Timestamp {
        self()
    }
}

/// A deterministic clock for tests: starts at a fixed instant and advances a fixed step on
/// every reading, so two readings are always distinct and ordered.
#[derive(Debug)]
pub struct SteppingClock {
    next: AtomicI64,
    step: i64,
}

impl SteppingClock {
    /// A clock whose first reading is `start` and which advances `step_micros` per reading.
    pub fn new(start: Timestamp, step_micros: i64) -> SteppingClock {
        SteppingClock { next: AtomicI64::new(start.as_micros()), step: step_micros }
    }

    /// Moves the clock forward (or back) without taking a reading.
    pub fn advance(&self, micros: i64) {
        self.next.fetch_add(micros, Ordering::SeqCst);
    }

    /// Sets the next reading.
    pub fn set(&self, at: Timestamp) {
        self.next.store(at.as_micros(), Ordering::SeqCst);
    }
}

impl Clock for SteppingClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.next.fetch_add(self.step, Ordering::SeqCst))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_and_parses_round_trip() {
        let t = Timestamp::parse_iso8601("2025-01-27T12:00:00.123456Z").unwrap();
        assert_eq!(t.to_iso8601(), "2025-01-27T12:00:00.123456Z");
        assert_eq!(t.to_sql_text(), "2025-01-27T12:00:00.123456");
        assert_eq!(Timestamp::parse_sql_text("2025-01-27 12:00:00.123456"), Some(t));
        assert_eq!(Timestamp::from_micros(0).to_iso8601(), "1970-01-01T00:00:00.000000Z");
        assert_eq!(Timestamp::from_micros(-1).to_iso8601(), "1969-12-31T23:59:59.999999Z");
    }

    #[test]
    fn digit_formatting_matches_format_across_years() {
        // From year 0 to 9999 in steps that visit every field's digits; outside, `format!`.
        let (first, last) = (-62_167_219_200_000_000_i64, 253_402_300_799_999_999_i64);
        let step = 7_777_777_777_777_i64;
        for micros in (first..=last).step_by(step as usize).chain([first, last, first - 1]) {
            let t = Timestamp::from_micros(micros);
            let days = micros.div_euclid(MICROS_PER_DAY);
            let in_day = micros.rem_euclid(MICROS_PER_DAY);
            let (y, m, d) = civil_from_days(days);
            let secs = in_day / 1_000_000;
            let expected = format!(
                "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}.{:06}",
                secs / 3600,
                secs / 60 % 60,
                secs % 60,
                in_day % 1_000_000
            );
            assert_eq!(t.to_sql_text(), expected);
            assert_eq!(
                Timestamp::parse_sql_text(&expected).filter(|_| y >= 0),
                (y >= 0).then_some(t)
            );
        }
    }

    #[test]
    fn offsets_shift_to_utc_and_precision_truncates() {
        let t = Timestamp::parse_iso8601("2025-01-27T14:00:00.1234567+02:00").unwrap();
        assert_eq!(t.to_iso8601(), "2025-01-27T12:00:00.123456Z");
        assert_eq!(
            Timestamp::parse_iso8601("2025-01-27T12:00:00-0130").unwrap().to_iso8601(),
            "2025-01-27T13:30:00.000000Z"
        );
        assert!(Timestamp::parse_iso8601("2025-01-27T12:00:00").is_none());
        assert!(Timestamp::parse_iso8601("2025-02-30T12:00:00Z").is_none());
        assert!(Timestamp::parse_iso8601("2024-02-29T23:59:59Z").is_some());
        assert!(Timestamp::parse_iso8601("not a date at all!!").is_none());
        assert!(Timestamp::parse_iso8601("2025-01-27T12:00:00.Z").is_none());
    }
}
