//! Timestamps in the formats SigV4 uses: ISO 8601 basic (`20130524T000000Z`), the scope date
//! (`20130524`) and, as a fallback for the request date, the HTTP date.

use time::format_description::StaticFormatDescription;
use time::macros::format_description;
use time::{Duration, OffsetDateTime, PrimitiveDateTime, UtcOffset};

use crate::SigV4Error;

/// How far a request date may be from the server clock, as S3 allows.
pub(crate) const MAX_SKEW: Duration = Duration::minutes(15);

const AMZ_DATE: StaticFormatDescription =
    format_description!("[year][month][day]T[hour][minute][second]Z");
const SCOPE_DATE: StaticFormatDescription = format_description!("[year][month][day]");

/// Parses an `x-amz-date` or `X-Amz-Date` value such as `20130524T000000Z`.
pub(crate) fn parse_amz_date(value: &str) -> Result<OffsetDateTime, SigV4Error> {
    // The length check rules out a signed or six-digit year, which the format would accept.
    if value.len() != 16 {
        return Err(SigV4Error::InvalidDate(format!(
            "{value:?} is not in the form 20130524T000000Z"
        )));
    }
    PrimitiveDateTime::parse(value, AMZ_DATE)
        .map(PrimitiveDateTime::assume_utc)
        .map_err(|_| {
            SigV4Error::InvalidDate(format!("{value:?} is not in the form 20130524T000000Z"))
        })
}

/// Parses an HTTP `Date` header value such as `Fri, 24 May 2013 00:00:00 GMT`.
pub(crate) fn parse_http_date(value: &str) -> Result<OffsetDateTime, SigV4Error> {
    httpdate::parse_http_date(value)
        .map(OffsetDateTime::from)
        .map_err(|_| SigV4Error::InvalidDate(format!("{value:?} is not a valid HTTP date")))
}

/// Formats a timestamp as ISO 8601 basic in UTC, e.g. `20130524T000000Z`.
pub(crate) fn format_amz_date(at: OffsetDateTime) -> String {
    at.to_offset(UtcOffset::UTC)
        .format(AMZ_DATE)
        .expect("every UTC timestamp fits the ISO 8601 basic format")
}

/// Formats the UTC day of a timestamp as a scope date, e.g. `20130524`.
pub(crate) fn format_scope_date(at: OffsetDateTime) -> String {
    at.to_offset(UtcOffset::UTC)
        .format(SCOPE_DATE)
        .expect("every UTC timestamp fits the scope date format")
}

/// Returns whether `value` is a valid `yyyymmdd` calendar date.
pub(crate) fn is_scope_date(value: &str) -> bool {
    value.len() == 8
        && value.bytes().all(|byte| byte.is_ascii_digit())
        && time::Date::parse(value, SCOPE_DATE).is_ok()
}

/// Rejects a request whose date is more than [`MAX_SKEW`] away from `now`.
pub(crate) fn check_skew(date: OffsetDateTime, now: OffsetDateTime) -> Result<(), SigV4Error> {
    if (now - date).abs() > MAX_SKEW {
        return Err(SigV4Error::RequestTimeTooSkewed);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn amz_date_parses() {
        let parsed = parse_amz_date("20130524T000000Z").unwrap();
        assert_eq!(parsed, datetime!(2013-05-24 0:00 UTC));
    }

    #[test]
    fn amz_date_rejects_extended_form() {
        let result = parse_amz_date("2013-05-24T00:00:00Z");
        assert!(
            matches!(result, Err(SigV4Error::InvalidDate(_))),
            "{result:?}"
        );
    }

    #[test]
    fn amz_date_rejects_missing_zone() {
        assert!(parse_amz_date("20130524T000000").is_err());
    }

    #[test]
    fn http_date_parses() {
        let parsed = parse_http_date("Fri, 24 May 2013 00:00:00 GMT").unwrap();
        assert_eq!(parsed, datetime!(2013-05-24 0:00 UTC));
    }

    #[test]
    fn amz_date_round_trips() {
        let at = datetime!(2013-05-24 1:02:03 UTC);
        assert_eq!(format_amz_date(at), "20130524T010203Z");
    }

    #[test]
    fn amz_date_formats_in_utc() {
        let at = datetime!(2013-05-24 1:00 +02:00);
        assert_eq!(format_amz_date(at), "20130523T230000Z");
    }

    #[test]
    fn scope_date_validates() {
        assert!(is_scope_date("20130524"));
        assert!(!is_scope_date("20131324"));
        assert!(!is_scope_date("2013052"));
        assert!(!is_scope_date("+2013052"));
    }

    #[test]
    fn skew_limits() {
        let now = datetime!(2013-05-24 0:00 UTC);
        assert!(check_skew(now + Duration::minutes(15), now).is_ok());
        assert!(check_skew(now - Duration::minutes(15), now).is_ok());
        assert_eq!(
            check_skew(now + Duration::minutes(16), now),
            Err(SigV4Error::RequestTimeTooSkewed)
        );
        assert_eq!(
            check_skew(now - Duration::minutes(16), now),
            Err(SigV4Error::RequestTimeTooSkewed)
        );
    }
}
