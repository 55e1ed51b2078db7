//! Tag sets of objects and buckets: their limits, and the `x-amz-tagging` header form.

use percent_encoding::percent_decode_str;

use crate::error::{S3Error, S3ErrorCode, S3Result};

/// The maximum number of tags on an object.
pub const MAX_OBJECT_TAGS: usize = 10;

/// The maximum number of tags on a bucket.
pub const MAX_BUCKET_TAGS: usize = 50;

/// The maximum length of a tag key, in Unicode characters.
pub const MAX_TAG_KEY_LENGTH: usize = 128;

/// The maximum length of a tag value, in Unicode characters.
pub const MAX_TAG_VALUE_LENGTH: usize = 256;

/// The kind of resource a tag set belongs to, which sets its size limit and the error AWS sends
/// past it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TagTarget {
    /// An object: at most [`MAX_OBJECT_TAGS`] tags.
    Object,
    /// A bucket: at most [`MAX_BUCKET_TAGS`] tags.
    Bucket,
}

impl TagTarget {
    /// Returns the maximum number of tags.
    pub fn max_tags(self) -> usize {
        match self {
            TagTarget::Object => MAX_OBJECT_TAGS,
            TagTarget::Bucket => MAX_BUCKET_TAGS,
        }
    }

    /// Returns the `BadRequest` error AWS sends for a tag set over the limit.
    fn too_many(self) -> S3Error {
        let message = match self {
            TagTarget::Object => format!("Object tags cannot be greater than {MAX_OBJECT_TAGS}"),
            TagTarget::Bucket => {
                format!("Bucket tag count cannot be greater than {MAX_BUCKET_TAGS}")
            }
        };
        S3Error::new(S3ErrorCode::BadRequest).with_message(message)
    }
}

/// Checks a tag set against the AWS limits.
///
/// More tags than the target allows is `BadRequest`. A key that is empty, longer than 128
/// characters or starts with the reserved `aws:` (in any case), a value longer than 256
/// characters, and a key given twice are `InvalidTag`.
///
/// NOTE: AWS documents tag characters as letters, digits, spaces and `+ - = . _ : / @`; other
/// characters are accepted here, because whether S3 itself rejects them was not verified.
pub fn validate_tags(tags: &[(String, String)], target: TagTarget) -> S3Result<()> {
    if tags.len() > target.max_tags() {
        return Err(target.too_many());
    }
    for (index, (key, value)) in tags.iter().enumerate() {
        if key.is_empty() || key.chars().count() > MAX_TAG_KEY_LENGTH {
            return Err(invalid_tag("The TagKey you have provided is invalid")
                .with_element("TagKey", key.clone()));
        }
        if value.chars().count() > MAX_TAG_VALUE_LENGTH {
            return Err(invalid_tag("The TagValue you have provided is invalid")
                .with_element("TagKey", key.clone()));
        }
        if key
            .get(..4)
            .is_some_and(|prefix| prefix.eq_ignore_ascii_case("aws:"))
        {
            return Err(invalid_tag("Your TagKey cannot be prefixed with aws:")
                .with_element("TagKey", key.clone()));
        }
        if tags[..index].iter().any(|(earlier, _)| earlier == key) {
            return Err(
                invalid_tag("Cannot provide multiple Tags with the same key")
                    .with_element("TagKey", key.clone()),
            );
        }
    }
    Ok(())
}

fn invalid_tag(message: &'static str) -> S3Error {
    S3Error::new(S3ErrorCode::InvalidTag).with_message(message)
}

/// Parses the `x-amz-tagging` header, a URL query string such as `a=1&b=two%20words`, and
/// checks the tags with [`validate_tags`] as object tags.
///
/// `+` decodes to a space, as in HTML forms, because SDKs encode the header that way. A key
/// without `=` gets an empty value. Escapes that do not decode to UTF-8, and a key given
/// twice, are `InvalidArgument`, as AWS sends for this header.
pub fn parse_tagging_header(header: &str) -> S3Result<Vec<(String, String)>> {
    let mut tags: Vec<(String, String)> = Vec::new();
    for pair in header.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        let key = decode_form_component(key)?;
        if tags.iter().any(|(earlier, _)| *earlier == key) {
            return Err(invalid_header());
        }
        tags.push((key, decode_form_component(value)?));
    }
    validate_tags(&tags, TagTarget::Object)?;
    Ok(tags)
}

fn invalid_header() -> S3Error {
    S3Error::new(S3ErrorCode::InvalidArgument)
        .with_message(
            "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query \
             parameters without tag name duplicates.",
        )
        .with_element("ArgumentName", "x-amz-tagging")
}

fn decode_form_component(text: &str) -> S3Result<String> {
    let spaced = text.replace('+', " ");
    let decoded = percent_decode_str(&spaced)
        .decode_utf8()
        .map_err(|_| invalid_header())?;
    Ok(decoded.into_owned())
}

/// Encodes tags as an `x-amz-tagging` value, the inverse of [`parse_tagging_header`].
pub fn format_tagging_header(tags: &[(String, String)]) -> String {
    use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
    let encode = |text: &str| utf8_percent_encode(text, NON_ALPHANUMERIC).to_string();
    tags.iter()
        .map(|(key, value)| format!("{}={}", encode(key), encode(value)))
        .collect::<Vec<_>>()
        .join("&")
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(key: &str, value: &str) -> (String, String) {
        (key.to_owned(), value.to_owned())
    }

    fn code_of(tags: &[(String, String)], target: TagTarget) -> Option<S3ErrorCode> {
        validate_tags(tags, target).err().map(|err| err.code())
    }

    fn numbered(count: usize) -> Vec<(String, String)> {
        (0..count).map(|i| tag(&i.to_string(), "v")).collect()
    }

    #[test]
    fn validate_accepts_limits() {
        let key = "k".repeat(MAX_TAG_KEY_LENGTH);
        let value = "ü".repeat(MAX_TAG_VALUE_LENGTH);
        let tags = [tag(&key, &value), tag("empty", ""), tag("AWS", "x")];
        assert_eq!(code_of(&tags, TagTarget::Object), None);
    }

    #[test]
    fn validate_invalid_tags() {
        let cases = [
            vec![tag("", "v")],
            vec![tag(&"k".repeat(MAX_TAG_KEY_LENGTH + 1), "v")],
            vec![tag("k", &"v".repeat(MAX_TAG_VALUE_LENGTH + 1))],
            vec![tag("aws:createdBy", "me")],
            vec![tag("AWS:createdBy", "me")],
            vec![tag("k", "1"), tag("k", "2")],
        ];
        for tags in cases {
            assert_eq!(
                code_of(&tags, TagTarget::Object),
                Some(S3ErrorCode::InvalidTag),
                "{tags:?}"
            );
        }
    }

    #[test]
    fn object_count_limit() {
        assert_eq!(code_of(&numbered(MAX_OBJECT_TAGS), TagTarget::Object), None);
        let error = validate_tags(&numbered(MAX_OBJECT_TAGS + 1), TagTarget::Object).unwrap_err();
        assert_eq!(error.code(), S3ErrorCode::BadRequest);
        assert_eq!(error.message(), "Object tags cannot be greater than 10");
    }

    #[test]
    fn bucket_count_limit() {
        assert_eq!(code_of(&numbered(MAX_BUCKET_TAGS), TagTarget::Bucket), None);
        let error = validate_tags(&numbered(MAX_BUCKET_TAGS + 1), TagTarget::Bucket).unwrap_err();
        assert_eq!(error.code(), S3ErrorCode::BadRequest);
        assert_eq!(
            error.message(),
            "Bucket tag count cannot be greater than 50"
        );
    }

    #[test]
    fn header_decodes() {
        let tags = parse_tagging_header("a=1&b=two+words&c=x%26y%3Dz&d").unwrap();
        let expected = vec![
            tag("a", "1"),
            tag("b", "two words"),
            tag("c", "x&y=z"),
            tag("d", ""),
        ];
        assert_eq!(tags, expected);
    }

    #[test]
    fn header_empty() {
        assert_eq!(parse_tagging_header("").unwrap(), vec![]);
    }

    #[test]
    fn header_duplicate_key() {
        let err = parse_tagging_header("a=1&a=2").unwrap_err();
        assert_eq!(err.code(), S3ErrorCode::InvalidArgument);
    }

    #[test]
    fn header_bad_escape() {
        let err = parse_tagging_header("a=%ff").unwrap_err();
        assert_eq!(err.code(), S3ErrorCode::InvalidArgument);
    }

    #[test]
    fn header_too_many() {
        let header = format_tagging_header(&numbered(MAX_OBJECT_TAGS + 1));
        let err = parse_tagging_header(&header).unwrap_err();
        assert_eq!(err.code(), S3ErrorCode::BadRequest);
    }

    #[test]
    fn header_format_round_trips() {
        let tags = vec![tag("a b", "x&y=z+é"), tag("empty", "")];
        let header = format_tagging_header(&tags);
        assert_eq!(parse_tagging_header(&header).unwrap(), tags);
    }
}
