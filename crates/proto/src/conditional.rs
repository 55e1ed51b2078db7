//! Conditional requests: `If-Match`, `If-None-Match`, `If-Modified-Since` and
//! `If-Unmodified-Since`, and their `x-amz-copy-source-if-*` twins on copies.

use http::{HeaderMap, HeaderName, header};
use time::OffsetDateTime;

use crate::error::{S3Error, S3ErrorCode, S3Result};
use crate::headers::{
    X_AMZ_COPY_SOURCE_IF_MATCH, X_AMZ_COPY_SOURCE_IF_MODIFIED_SINCE,
    X_AMZ_COPY_SOURCE_IF_NONE_MATCH, X_AMZ_COPY_SOURCE_IF_UNMODIFIED_SINCE, parse_http_date,
};

/// The outcome of the preconditions of a read.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReadCondition {
    /// Every precondition holds, or none was given.
    Proceed,
    /// The client's copy is current, so the response is 304 with no body.
    NotModified,
    /// A precondition failed, so the response is 412.
    PreconditionFailed,
}

impl ReadCondition {
    /// Turns the outcome into `Ok(())` or the matching `NotModified` or `PreconditionFailed`
    /// error.
    pub fn into_result(self) -> S3Result<()> {
        match self {
            ReadCondition::Proceed => Ok(()),
            ReadCondition::NotModified => Err(S3Error::new(S3ErrorCode::NotModified)),
            ReadCondition::PreconditionFailed => Err(S3Error::new(S3ErrorCode::PreconditionFailed)),
        }
    }
}

/// The four headers of one family of preconditions.
struct ConditionHeaders {
    if_match: HeaderName,
    if_none_match: HeaderName,
    if_modified_since: HeaderName,
    if_unmodified_since: HeaderName,
}

/// Evaluates the preconditions of a GetObject or HeadObject against the object's quoted ETag
/// and modification time.
///
/// The order is that of RFC 9110, which also gives the two cases AWS documents:
/// 1. `If-Match` fails with 412 unless a listed tag or `*` matches. Only when it is absent is
///    `If-Unmodified-Since` checked, failing with 412 if the object changed after that date.
///    So a matching `If-Match` wins over a failing `If-Unmodified-Since`.
/// 2. `If-None-Match` gives 304 when a listed tag or `*` matches. Only when it is absent is
///    `If-Modified-Since` checked, giving 304 if the object has not changed since. So a
///    matching `If-None-Match` gives 304 even when the object changed after the
///    `If-Modified-Since` date.
///
/// Tags compare by their opaque value, ignoring `W/` and quotes. Dates compare at one-second
/// resolution, since HTTP dates have no fraction. Unparseable dates and an
/// `If-Modified-Since` in the future are ignored.
pub fn evaluate_read(
    headers: &HeaderMap,
    etag: &str,
    last_modified: OffsetDateTime,
) -> ReadCondition {
    let names = ConditionHeaders {
        if_match: header::IF_MATCH,
        if_none_match: header::IF_NONE_MATCH,
        if_modified_since: header::IF_MODIFIED_SINCE,
        if_unmodified_since: header::IF_UNMODIFIED_SINCE,
    };
    evaluate(
        headers,
        &names,
        etag,
        last_modified,
        OffsetDateTime::now_utc(),
    )
}

/// Evaluates the `x-amz-copy-source-if-*` preconditions of a copy against the source object.
///
/// The rules are those of [`evaluate_read`], except that a copy cannot return 304,
/// so the cases that would be 304 fail with 412, as AWS does.
pub fn evaluate_copy_source(
    headers: &HeaderMap,
    etag: &str,
    last_modified: OffsetDateTime,
) -> ReadCondition {
    let names = ConditionHeaders {
        if_match: X_AMZ_COPY_SOURCE_IF_MATCH,
        if_none_match: X_AMZ_COPY_SOURCE_IF_NONE_MATCH,
        if_modified_since: X_AMZ_COPY_SOURCE_IF_MODIFIED_SINCE,
        if_unmodified_since: X_AMZ_COPY_SOURCE_IF_UNMODIFIED_SINCE,
    };
    match evaluate(
        headers,
        &names,
        etag,
        last_modified,
        OffsetDateTime::now_utc(),
    ) {
        ReadCondition::NotModified => ReadCondition::PreconditionFailed,
        outcome => outcome,
    }
}

fn evaluate(
    headers: &HeaderMap,
    names: &ConditionHeaders,
    etag: &str,
    last_modified: OffsetDateTime,
    now: OffsetDateTime,
) -> ReadCondition {
    let last_modified = last_modified
        .replace_nanosecond(0)
        .expect("0 is a valid nanosecond");

    if let Some(list) = header_list(headers, &names.if_match) {
        if !list_matches(&list, etag) {
            return ReadCondition::PreconditionFailed;
        }
    } else if let Some(date) = header_date(headers, &names.if_unmodified_since)
        && last_modified > date
    {
        return ReadCondition::PreconditionFailed;
    }

    if let Some(list) = header_list(headers, &names.if_none_match) {
        if list_matches(&list, etag) {
            return ReadCondition::NotModified;
        }
    } else if let Some(date) = header_date(headers, &names.if_modified_since)
        && date <= now
        && last_modified <= date
    {
        return ReadCondition::NotModified;
    }

    ReadCondition::Proceed
}

/// Joins every value of a list header, or returns `None` when the header is absent.
fn header_list(headers: &HeaderMap, name: &HeaderName) -> Option<String> {
    let mut values = headers.get_all(name).iter().peekable();
    values.peek()?;
    // A value that is not text matches no tag, so it is kept as an empty item.
    let texts: Vec<&str> = values.map(|value| value.to_str().unwrap_or("")).collect();
    Some(texts.join(","))
}

fn header_date(headers: &HeaderMap, name: &HeaderName) -> Option<OffsetDateTime> {
    parse_http_date(headers.get(name)?.to_str().ok()?)
}

/// Strips `W/` and the surrounding quotes from an entity tag.
fn opaque_tag(tag: &str) -> &str {
    let tag = tag.trim();
    let tag = tag.strip_prefix("W/").unwrap_or(tag);
    tag.strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(tag)
}

/// Tells whether a comma-separated list of entity tags contains `*` or the object's tag.
///
/// Tags may be quoted or bare, since AWS also accepts bare ones. A quoted tag may contain
/// commas, so the list is scanned rather than split.
fn list_matches(list: &str, etag: &str) -> bool {
    let wanted = opaque_tag(etag);
    let mut rest = list;
    loop {
        rest = rest.trim_start_matches([',', ' ', '\t']);
        if rest.is_empty() {
            return false;
        }
        let unprefixed = rest.strip_prefix("W/").unwrap_or(rest);
        let tag = if let Some(quoted) = unprefixed.strip_prefix('"') {
            let end = quoted.find('"').unwrap_or(quoted.len());
            rest = quoted.get(end + 1..).unwrap_or("");
            &quoted[..end]
        } else {
            let end = unprefixed.find(',').unwrap_or(unprefixed.len());
            rest = &unprefixed[end..];
            let bare = unprefixed[..end].trim();
            if bare == "*" {
                return true;
            }
            bare
        };
        if tag == wanted {
            return true;
        }
    }
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;
    use time::macros::datetime;

    use super::*;

    const ETAG: &str = "\"abc123\"";
    const LAST_MODIFIED: OffsetDateTime = datetime!(2024-05-01 12:00:00.750 UTC);
    const NOW: OffsetDateTime = datetime!(2024-06-01 00:00:00 UTC);
    const BEFORE: &str = "Tue, 30 Apr 2024 12:00:00 GMT";
    const SAME_SECOND: &str = "Wed, 01 May 2024 12:00:00 GMT";
    const AFTER: &str = "Thu, 02 May 2024 12:00:00 GMT";
    const FUTURE: &str = "Mon, 01 Jul 2024 00:00:00 GMT";

    fn read(pairs: &[(HeaderName, &str)]) -> ReadCondition {
        let mut headers = HeaderMap::new();
        for (name, value) in pairs {
            headers.append(name.clone(), HeaderValue::from_str(value).unwrap());
        }
        let names = ConditionHeaders {
            if_match: header::IF_MATCH,
            if_none_match: header::IF_NONE_MATCH,
            if_modified_since: header::IF_MODIFIED_SINCE,
            if_unmodified_since: header::IF_UNMODIFIED_SINCE,
        };
        evaluate(&headers, &names, ETAG, LAST_MODIFIED, NOW)
    }

    use ReadCondition::{NotModified, PreconditionFailed, Proceed};
    use header::{IF_MATCH, IF_MODIFIED_SINCE, IF_NONE_MATCH, IF_UNMODIFIED_SINCE};

    #[test]
    fn read_table() {
        let cases: Vec<(Vec<(HeaderName, &str)>, ReadCondition)> = vec![
            (vec![], Proceed),
            (vec![(IF_MATCH, ETAG)], Proceed),
            (vec![(IF_MATCH, "abc123")], Proceed),
            (vec![(IF_MATCH, "W/\"abc123\"")], Proceed),
            (vec![(IF_MATCH, "*")], Proceed),
            (vec![(IF_MATCH, "\"x\", \"abc123\"")], Proceed),
            (vec![(IF_MATCH, "\"x\""), (IF_MATCH, "\"abc123\"")], Proceed),
            (vec![(IF_MATCH, "\"x\"")], PreconditionFailed),
            (vec![(IF_MATCH, "\"x,abc123\"")], PreconditionFailed),
            (vec![(IF_UNMODIFIED_SINCE, AFTER)], Proceed),
            (vec![(IF_UNMODIFIED_SINCE, SAME_SECOND)], Proceed),
            (vec![(IF_UNMODIFIED_SINCE, BEFORE)], PreconditionFailed),
            (vec![(IF_UNMODIFIED_SINCE, "not a date")], Proceed),
            (vec![(IF_NONE_MATCH, ETAG)], NotModified),
            (vec![(IF_NONE_MATCH, "*")], NotModified),
            (vec![(IF_NONE_MATCH, "\"x\"")], Proceed),
            (vec![(IF_MODIFIED_SINCE, BEFORE)], Proceed),
            (vec![(IF_MODIFIED_SINCE, SAME_SECOND)], NotModified),
            (vec![(IF_MODIFIED_SINCE, AFTER)], NotModified),
            (vec![(IF_MODIFIED_SINCE, FUTURE)], Proceed),
            (vec![(IF_MODIFIED_SINCE, "garbage")], Proceed),
            // If-Match succeeds and If-Unmodified-Since fails: AWS proceeds.
            (
                vec![(IF_MATCH, ETAG), (IF_UNMODIFIED_SINCE, BEFORE)],
                Proceed,
            ),
            // If-None-Match matches although the object changed since If-Modified-Since: AWS returns 304.
            (
                vec![(IF_NONE_MATCH, ETAG), (IF_MODIFIED_SINCE, BEFORE)],
                NotModified,
            ),
            // If-None-Match does not match, so If-Modified-Since is not consulted.
            (
                vec![(IF_NONE_MATCH, "\"x\""), (IF_MODIFIED_SINCE, AFTER)],
                Proceed,
            ),
            (
                vec![(IF_MATCH, "\"x\""), (IF_NONE_MATCH, ETAG)],
                PreconditionFailed,
            ),
            (
                vec![(IF_UNMODIFIED_SINCE, BEFORE), (IF_NONE_MATCH, ETAG)],
                PreconditionFailed,
            ),
            (vec![(IF_MATCH, ETAG), (IF_NONE_MATCH, ETAG)], NotModified),
        ];
        for (headers, expected) in cases {
            assert_eq!(read(&headers), expected, "{headers:?}");
        }
    }

    #[test]
    fn copy_source_not_modified_fails() {
        let mut headers = HeaderMap::new();
        headers.insert(
            X_AMZ_COPY_SOURCE_IF_NONE_MATCH,
            HeaderValue::from_static(ETAG),
        );
        let outcome = evaluate_copy_source(&headers, ETAG, LAST_MODIFIED);
        assert_eq!(outcome, PreconditionFailed);
    }

    #[test]
    fn copy_source_ignores_plain_headers() {
        let mut headers = HeaderMap::new();
        headers.insert(IF_MATCH, HeaderValue::from_static("\"x\""));
        assert_eq!(evaluate_copy_source(&headers, ETAG, LAST_MODIFIED), Proceed);
    }

    #[test]
    fn read_uses_real_headers() {
        let mut headers = HeaderMap::new();
        headers.insert(IF_NONE_MATCH, HeaderValue::from_static(ETAG));
        assert_eq!(evaluate_read(&headers, ETAG, LAST_MODIFIED), NotModified);
    }

    #[test]
    fn into_result_codes() {
        assert!(Proceed.into_result().is_ok());
        let not_modified = NotModified.into_result().unwrap_err();
        assert_eq!(not_modified.code(), S3ErrorCode::NotModified);
        let failed = PreconditionFailed.into_result().unwrap_err();
        assert_eq!(failed.code(), S3ErrorCode::PreconditionFailed);
    }
}
