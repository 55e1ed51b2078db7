//! Numbers and times as the pages show them.

use time::OffsetDateTime;
use time::format_description::well_known::Rfc3339;

/// Formats a byte count in binary units with one decimal, such as `1.5 GiB`.
pub(crate) fn bytes(count: u64) -> String {
    const UNITS: [&str; 6] = ["B", "KiB", "MiB", "GiB", "TiB", "PiB"];
    if count < 1024 {
        return format!("{count} B");
    }
    let mut value = count as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit < UNITS.len() - 1 {
        value /= 1024.0;
        unit += 1;
    }
    format!("{value:.1} {}", UNITS[unit])
}

/// Formats a count with thin groups of three digits, such as `12 345`.
pub(crate) fn count(value: u64) -> String {
    let digits = value.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (index, digit) in digits.chars().enumerate() {
        if index > 0 && (digits.len() - index).is_multiple_of(3) {
            out.push('\u{202f}');
        }
        out.push(digit);
    }
    out
}

/// Formats an RFC 3339 time as `2025-01-31 08:00 UTC`, or returns it unchanged when it does
/// not parse.
pub(crate) fn time(rfc3339: &str) -> String {
    match OffsetDateTime::parse(rfc3339, &Rfc3339) {
        Ok(time) => {
            let time = time.to_offset(time::UtcOffset::UTC);
            format!(
                "{:04}-{:02}-{:02} {:02}:{:02} UTC",
                time.year(),
                u8::from(time.month()),
                time.day(),
                time.hour(),
                time.minute()
            )
        }
        Err(_) => rfc3339.to_owned(),
    }
}

/// Returns `part` as a percentage of `whole`, 0 for an empty whole.
pub(crate) fn percent(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        return 0.0;
    }
    (part as f64 / whole as f64 * 100.0).min(100.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn byte_units() {
        assert_eq!(bytes(0), "0 B");
        assert_eq!(bytes(1023), "1023 B");
        assert_eq!(bytes(1536), "1.5 KiB");
        assert_eq!(bytes(50 << 30), "50.0 GiB");
    }

    #[test]
    fn counts_grouped() {
        assert_eq!(count(7), "7");
        assert_eq!(count(1234), "1\u{202f}234");
        assert_eq!(count(1_234_567), "1\u{202f}234\u{202f}567");
    }

    #[test]
    fn times_shortened() {
        assert_eq!(time("2025-01-31T08:05:09Z"), "2025-01-31 08:05 UTC");
        assert_eq!(time("2025-01-31T08:05:09+08:00"), "2025-01-31 00:05 UTC");
        assert_eq!(time("yesterday"), "yesterday");
    }

    #[test]
    fn percent_bounded() {
        assert_eq!(percent(1, 0), 0.0);
        assert_eq!(percent(1, 4), 25.0);
        assert_eq!(percent(9, 4), 100.0);
    }
}
