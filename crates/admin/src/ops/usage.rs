//! The pay-as-you-go meter of an account, by hour.

use time::format_description::well_known::Rfc3339;
use time::{Duration, OffsetDateTime};

use super::{Admin, authz};
use crate::error::{About, AdminError};
use crate::principal::Principal;
use crate::types::{UsageHourInfo, UsageReport, rfc3339};

/// Longest range one usage request may cover: 366 days, in hours.
pub const MAX_USAGE_HOURS: i64 = 366 * 24;

/// A range of whole hours, `from` inclusive and `to` exclusive.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UsageRange {
    /// Start of the first hour.
    pub from: OffsetDateTime,
    /// End of the range: the start of the first hour not included.
    pub to: OffsetDateTime,
}

impl UsageRange {
    /// Parses the `from` and `to` query parameters (RFC 3339), floors both to the hour, and
    /// fills in the last 24 hours (up to the end of the current hour) when they are absent.
    pub fn parse(
        from: Option<&str>,
        to: Option<&str>,
        now: OffsetDateTime,
    ) -> Result<UsageRange, AdminError> {
        let to = match to {
            Some(text) => floor_to_hour(parse_time("to", text)?),
            None => floor_to_hour(now) + Duration::HOUR,
        };
        let from = match from {
            Some(text) => floor_to_hour(parse_time("from", text)?),
            None => to - Duration::DAY,
        };
        if from >= to {
            return Err(AdminError::invalid(format!(
                "from {} is not before to {}; both are floored to the hour",
                rfc3339(from),
                rfc3339(to)
            )));
        }
        let hours = (to - from).whole_hours();
        if hours > MAX_USAGE_HOURS {
            return Err(AdminError::invalid(format!(
                "the range from {} to {} spans {hours} hours; at most {MAX_USAGE_HOURS} are \
                 allowed",
                rfc3339(from),
                rfc3339(to)
            )));
        }
        Ok(UsageRange { from, to })
    }
}

fn parse_time(name: &str, text: &str) -> Result<OffsetDateTime, AdminError> {
    OffsetDateTime::parse(text, &Rfc3339)
        .map(|time| time.to_offset(time::UtcOffset::UTC))
        .map_err(|error| {
            AdminError::invalid(format!(
                "{name} {text:?} is not an RFC 3339 time such as 2025-01-31T08:00:00Z: {error}"
            ))
        })
}

/// Floors a time to the start of its hour, in UTC.
fn floor_to_hour(time: OffsetDateTime) -> OffsetDateTime {
    let seconds = time.unix_timestamp();
    let floored = seconds - seconds.rem_euclid(3600);
    OffsetDateTime::from_unix_timestamp(floored).unwrap_or(time)
}

impl Admin {
    /// Returns the meter of an account over `range` (master only). Hours without activity and
    /// without stored data are left out.
    pub async fn usage_report(
        &self,
        who: &Principal,
        account_id: &str,
        range: UsageRange,
    ) -> Result<UsageReport, AdminError> {
        authz::master(who, account_id, "read the usage meter")?;
        let id = account_id.to_owned();
        let hours = self
            .blocking(
                move |store| {
                    store
                        .account(&id)?
                        .ok_or(oss_store::StoreError::NoSuchAccount)?;
                    store.usage_hours(&id, range.from, range.to)
                },
                |error| About::account(account_id).error(error),
            )
            .await?;
        let hours = hours
            .into_iter()
            .map(|hour| UsageHourInfo {
                start: rfc3339(hour.start),
                stored_gb_hours: hour.stored_gb_hours,
                requests_class_a: hour.requests_class_a,
                requests_class_b: hour.requests_class_b,
                bytes_in: hour.bytes_in,
                bytes_out: hour.bytes_out,
            })
            .collect();
        Ok(UsageReport {
            from: rfc3339(range.from),
            to: rfc3339(range.to),
            hours,
        })
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn default_is_last_day_to_end_of_hour() {
        let now = datetime!(2025-03-10 14:25:07 UTC);
        let range = UsageRange::parse(None, None, now).unwrap();
        assert_eq!(range.to, datetime!(2025-03-10 15:00 UTC));
        assert_eq!(range.from, datetime!(2025-03-09 15:00 UTC));
    }

    #[test]
    fn bounds_floored_to_hour() {
        let now = datetime!(2025-03-10 14:25:07 UTC);
        let range = UsageRange::parse(
            Some("2025-03-01T08:59:59+01:00"),
            Some("2025-03-02T00:30:00Z"),
            now,
        )
        .unwrap();
        assert_eq!(range.from, datetime!(2025-03-01 07:00 UTC));
        assert_eq!(range.to, datetime!(2025-03-02 00:00 UTC));
    }

    #[test]
    fn empty_and_bad_ranges_rejected() {
        let now = datetime!(2025-03-10 14:25:07 UTC);
        let same_hour = UsageRange::parse(
            Some("2025-03-01T08:10:00Z"),
            Some("2025-03-01T08:50:00Z"),
            now,
        );
        assert!(same_hour.is_err());
        assert!(UsageRange::parse(Some("yesterday"), None, now).is_err());
        let too_long = UsageRange::parse(Some("2020-01-01T00:00:00Z"), None, now);
        assert!(too_long.is_err());
    }
}
