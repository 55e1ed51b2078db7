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

/// Checks a tag set against the AWS limits: at most `max_tags` tags, keys of 1 to 128
/// characters that do not start with the reserved `aws:`, values of at most 256 characters,
/// and no key twice. A violation is `InvalidTag`.
pub fn validate_tags(tags: &[(String, String)], max_tags: usize) -> S3Result<()> {
    if tags.len() > max_tags {
        return Err(invalid_tag(format!(
            "The number of tags must not be greater than {max_tags}"
        )));
    }
    for (index, (key, value)) in tags.iter().enumerate() {
        if key.is_empty() {
            return Err(invalid_tag(
                "The TagKey you have provided is invalid".to_owned(),
            ));
        }
        if key.chars().count() > MAX_TAG_KEY_LENGTH {
            return Err(invalid_tag(format!(
                "The TagKey you have provided is too long, max {MAX_TAG_KEY_LENGTH}"
            )));
        }
        if value.chars().count() > MAX_TAG_VALUE_LENGTH {
            return Err(invalid_tag(format!(
                "The TagValue you have provided is too long, max {MAX_TAG_VALUE_LENGTH}"
            )));
        }
        if key.starts_with("aws:") {
            return Err(invalid_tag(
                "Your TagKey cannot be prefixed with aws:".to_owned(),
            ));
        }
        if tags[..index].iter().any(|(earlier, _)| earlier == key) {
            return Err(invalid_tag(
                "Cannot provide multiple Tags with the same key".to_owned(),
            ));
        }
    }
    Ok(())
}

fn invalid_tag(message: String) -> S3Error {
    S3Error::new(S3ErrorCode::InvalidTag).with_message(message)
}

/// Parses the `x-amz-tagging` header, a URL query string such as `a=1&b=two%20words`, and
/// checks the tags with [`validate_tags`].
///
/// `+` decodes to a space, as in HTML forms, because SDKs encode the header that way. A key
/// without `=` gets an empty value. Escapes that do not decode to UTF-8 are
/// `InvalidArgument`.
pub fn parse_tagging_header(header: &str, max_tags: usize) -> S3Result<Vec<(String, String)>> {
    let mut tags = Vec::new();
    for pair in header.split('&').filter(|pair| !pair.is_empty()) {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        tags.push((decode_form_component(key)?, decode_form_component(value)?));
    }
    validate_tags(&tags, max_tags)?;
    Ok(tags)
}

fn decode_form_component(text: &str) -> S3Result<String> {
    let spaced = text.replace('+', " ");
    let decoded = percent_decode_str(&spaced).decode_utf8().map_err(|_| {
        S3Error::new(S3ErrorCode::InvalidArgument).with_message(
            "The header 'x-amz-tagging' shall be encoded as UTF-8 then URLEncoded URL query \
             parameters without tag name duplicates.",
        )
    })?;
    Ok(decoded.into_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tag(key: &str, value: &str) -> (String, String) {
        (key.to_owned(), value.to_owned())
    }

    fn code_of(tags: &[(String, String)]) -> Option<S3ErrorCode> {
        validate_tags(tags, MAX_OBJECT_TAGS)
            .err()
            .map(|err| err.code())
    }

    #[test]
    fn validate_accepts_limits() {
        let key = "k".repeat(MAX_TAG_KEY_LENGTH);
        let value = "ü".repeat(MAX_TAG_VALUE_LENGTH);
        assert_eq!(code_of(&[tag(&key, &value), tag("empty", "")]), None);
    }

    #[test]
    fn validate_rejections() {
        let too_many: Vec<_> = (0..=MAX_OBJECT_TAGS)
            .map(|i| tag(&i.to_string(), "v"))
            .collect();
        let cases = [
            too_many,
            vec![tag("", "v")],
            vec![tag(&"k".repeat(MAX_TAG_KEY_LENGTH + 1), "v")],
            vec![tag("k", &"v".repeat(MAX_TAG_VALUE_LENGTH + 1))],
            vec![tag("aws:createdBy", "me")],
            vec![tag("k", "1"), tag("k", "2")],
        ];
        for tags in cases {
            assert_eq!(code_of(&tags), Some(S3ErrorCode::InvalidTag), "{tags:?}");
        }
    }

    #[test]
    fn bucket_limit_is_larger() {
        let tags: Vec<_> = (0..MAX_BUCKET_TAGS)
            .map(|i| tag(&i.to_string(), "v"))
            .collect();
        assert!(validate_tags(&tags, MAX_BUCKET_TAGS).is_ok());
    }

    #[test]
    fn header_decodes() {
        let tags = parse_tagging_header("a=1&b=two+words&c=x%26y%3Dz&d", MAX_OBJECT_TAGS).unwrap();
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
        assert_eq!(parse_tagging_header("", MAX_OBJECT_TAGS).unwrap(), vec![]);
    }

    #[test]
    fn header_duplicate_key() {
        let err = parse_tagging_header("a=1&a=2", MAX_OBJECT_TAGS).unwrap_err();
        assert_eq!(err.code(), S3ErrorCode::InvalidTag);
    }

    #[test]
    fn header_bad_escape() {
        let err = parse_tagging_header("a=%ff", MAX_OBJECT_TAGS).unwrap_err();
        assert_eq!(err.code(), S3ErrorCode::InvalidArgument);
    }
}
