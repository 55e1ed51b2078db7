//! Byte ranges of the `Range` header, resolved against an object size, and `Content-Range`.

use http::header::CONTENT_RANGE;

use crate::error::{S3Error, S3ErrorCode};

/// One byte range of a `Range: bytes=...` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ByteRange {
    /// `bytes=first-last`, both inclusive.
    FromTo(u64, u64),
    /// `bytes=first-`, from an offset to the end.
    From(u64),
    /// `bytes=-length`, the last `length` bytes.
    Suffix(u64),
}

/// The error of a range that selects no byte of the object, for which S3 returns 416
/// `InvalidRange`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the range selects no byte of the object")]
pub struct Unsatisfiable;

/// Parses a `Range` header holding a single byte range.
///
/// Returns `None` for anything else: another unit, several ranges, `first > last` or
/// garbage. Like AWS, callers then ignore the header and send the whole object, as RFC 9110
/// allows.
pub fn parse_range(header: &str) -> Option<ByteRange> {
    let spec = header.trim().strip_prefix("bytes=")?.trim();
    if spec.contains(',') {
        return None;
    }
    let (first, last) = spec.split_once('-')?;
    let (first, last) = (first.trim(), last.trim());
    match (first.is_empty(), last.is_empty()) {
        (true, true) => None,
        (true, false) => Some(ByteRange::Suffix(parse_offset(last)?)),
        (false, true) => Some(ByteRange::From(parse_offset(first)?)),
        (false, false) => {
            let (first, last) = (parse_offset(first)?, parse_offset(last)?);
            (first <= last).then_some(ByteRange::FromTo(first, last))
        }
    }
}

/// Parses a run of ASCII digits. `u64::from_str` alone would also accept a leading `+`.
fn parse_offset(text: &str) -> Option<u64> {
    if !text.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    text.parse().ok()
}

impl ByteRange {
    /// Resolves the range against an object of `size` bytes into inclusive `(first, last)`
    /// offsets, following RFC 9110.
    ///
    /// A last offset beyond the object is clamped, and a suffix longer than the object selects
    /// all of it. A first offset at or beyond the end, the suffix `-0`, and every range of an
    /// empty object are unsatisfiable.
    pub fn resolve(&self, size: u64) -> Result<(u64, u64), Unsatisfiable> {
        if size == 0 {
            return Err(Unsatisfiable);
        }
        match *self {
            ByteRange::FromTo(first, _) | ByteRange::From(first) if first >= size => {
                Err(Unsatisfiable)
            }
            ByteRange::FromTo(first, last) => Ok((first, last.min(size - 1))),
            ByteRange::From(first) => Ok((first, size - 1)),
            ByteRange::Suffix(0) => Err(Unsatisfiable),
            ByteRange::Suffix(length) => Ok((size.saturating_sub(length), size - 1)),
        }
    }
}

/// Formats the `Content-Range` of a partial response, such as `bytes 0-499/1234`.
pub fn content_range(first: u64, last: u64, size: u64) -> String {
    format!("bytes {first}-{last}/{size}")
}

/// Formats the `Content-Range` of a 416 response, such as `bytes */1234`.
pub fn unsatisfied_content_range(size: u64) -> String {
    format!("bytes */{size}")
}

/// Builds the `InvalidRange` error AWS sends for an unsatisfiable range: the requested range
/// and object size as elements, and `Content-Range: bytes */size`.
pub fn invalid_range_error(header: &str, size: u64) -> S3Error {
    S3Error::new(S3ErrorCode::InvalidRange)
        .with_element("RangeRequested", header)
        .with_element("ActualObjectSize", size.to_string())
        .with_header(CONTENT_RANGE, unsatisfied_content_range(size))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_table() {
        let cases = [
            ("bytes=0-499", Some(ByteRange::FromTo(0, 499))),
            ("bytes=5-5", Some(ByteRange::FromTo(5, 5))),
            ("bytes=500-", Some(ByteRange::From(500))),
            ("bytes=-500", Some(ByteRange::Suffix(500))),
            ("bytes=-0", Some(ByteRange::Suffix(0))),
            (" bytes=1-2 ", Some(ByteRange::FromTo(1, 2))),
            ("bytes= 1 - 2", Some(ByteRange::FromTo(1, 2))),
            ("bytes=5-3", None),
            ("bytes=0-1,4-5", None),
            ("bytes=-", None),
            ("bytes=", None),
            ("bytes=a-b", None),
            ("bytes=+1-2", None),
            ("bytes=1-+2", None),
            ("bytes=--1", None),
            ("items=0-1", None),
            ("Bytes=0-1", None),
            ("bytes=99999999999999999999-", None),
            ("", None),
        ];
        for (header, expected) in cases {
            assert_eq!(parse_range(header), expected, "{header:?}");
        }
    }

    #[test]
    fn resolve_table() {
        let cases = [
            (ByteRange::FromTo(0, 499), 1000, Ok((0, 499))),
            (ByteRange::FromTo(0, 0), 1, Ok((0, 0))),
            (ByteRange::FromTo(500, 5000), 1000, Ok((500, 999))),
            (ByteRange::FromTo(999, 999), 1000, Ok((999, 999))),
            (ByteRange::FromTo(1000, 1001), 1000, Err(Unsatisfiable)),
            (ByteRange::From(0), 1000, Ok((0, 999))),
            (ByteRange::From(999), 1000, Ok((999, 999))),
            (ByteRange::From(1000), 1000, Err(Unsatisfiable)),
            (ByteRange::Suffix(1), 1000, Ok((999, 999))),
            (ByteRange::Suffix(500), 1000, Ok((500, 999))),
            (ByteRange::Suffix(1000), 1000, Ok((0, 999))),
            (ByteRange::Suffix(5000), 1000, Ok((0, 999))),
            (ByteRange::Suffix(0), 1000, Err(Unsatisfiable)),
            (ByteRange::FromTo(0, 10), 0, Err(Unsatisfiable)),
            (ByteRange::From(0), 0, Err(Unsatisfiable)),
            (ByteRange::Suffix(5), 0, Err(Unsatisfiable)),
        ];
        for (range, size, expected) in cases {
            assert_eq!(range.resolve(size), expected, "{range:?} of {size}");
        }
    }

    #[test]
    fn content_range_format() {
        assert_eq!(content_range(0, 499, 1234), "bytes 0-499/1234");
        assert_eq!(unsatisfied_content_range(1234), "bytes */1234");
    }

    #[test]
    fn invalid_range_error_parts() {
        let err = invalid_range_error("bytes=10-", 5);
        assert_eq!(err.code(), S3ErrorCode::InvalidRange);
        assert_eq!(err.headers().get(CONTENT_RANGE).unwrap(), "bytes */5");
        let xml = err.to_xml("r");
        assert!(
            xml.contains("<RangeRequested>bytes=10-</RangeRequested>"),
            "{xml}"
        );
        assert!(
            xml.contains("<ActualObjectSize>5</ActualObjectSize>"),
            "{xml}"
        );
    }
}
