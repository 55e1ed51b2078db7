//! Continuation tokens and page sizes of the list operations.

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{S3Error, S3ErrorCode, S3Result};

/// The largest page any list operation returns, and the default page size, as with AWS.
pub const MAX_PAGE_SIZE: usize = 1000;

/// Encodes the last key of a page as the `NextContinuationToken` of ListObjectsV2.
///
/// The token is the URL-safe base64 of the key, so clients treat it as opaque and it needs
/// no escaping in a query string.
pub fn encode_continuation_token(last_key: &str) -> String {
    URL_SAFE_NO_PAD.encode(last_key)
}

/// Decodes a `continuation-token` back into the key after which the listing resumes.
///
/// Anything that [`encode_continuation_token`] did not produce is `InvalidArgument`.
pub fn decode_continuation_token(token: &str) -> S3Result<String> {
    URL_SAFE_NO_PAD
        .decode(token)
        .ok()
        .and_then(|bytes| String::from_utf8(bytes).ok())
        .ok_or_else(|| {
            S3Error::new(S3ErrorCode::InvalidArgument)
                .with_message("The continuation token provided is incorrect")
                .with_element("ArgumentName", "continuation-token")
                .with_element("ArgumentValue", token)
        })
}

/// Parses a page-size parameter such as `max-keys`, `max-uploads` or `max-parts`.
///
/// A missing parameter gives [`MAX_PAGE_SIZE`], and larger values are lowered to it, as AWS
/// does. A value that is not an integer from 0 to 2147483647 is `InvalidArgument`.
pub fn parse_page_size(name: &'static str, value: Option<&str>) -> S3Result<usize> {
    let Some(value) = value else {
        return Ok(MAX_PAGE_SIZE);
    };
    // AWS takes a signed 32-bit integer, and try_from rejects the negative ones.
    let parsed = value
        .parse::<i32>()
        .ok()
        .and_then(|size| usize::try_from(size).ok());
    match parsed {
        Some(size) => Ok(size.min(MAX_PAGE_SIZE)),
        None => Err(S3Error::new(S3ErrorCode::InvalidArgument)
            .with_message(format!(
                "Argument {name} must be an integer between 0 and 2147483647"
            ))
            .with_element("ArgumentName", name)
            .with_element("ArgumentValue", value)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_round_trip() {
        for key in ["", "a", "photos/2024/cat.jpg", "ключ & <ключ>", "a+b/c=d?"] {
            let token = encode_continuation_token(key);
            assert_eq!(decode_continuation_token(&token).unwrap(), key, "{key:?}");
        }
    }

    #[test]
    fn token_is_url_safe() {
        let token = encode_continuation_token("\u{fb}\u{ff}?>");
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
    }

    #[test]
    fn token_invalid_base64() {
        let err = decode_continuation_token("not a token!").unwrap_err();
        assert_eq!(err.code(), S3ErrorCode::InvalidArgument);
        assert_eq!(
            err.message(),
            "The continuation token provided is incorrect"
        );
    }

    #[test]
    fn token_not_utf8() {
        let token = URL_SAFE_NO_PAD.encode([0xff, 0xfe]);
        assert!(decode_continuation_token(&token).is_err());
    }

    #[test]
    fn page_size_table() {
        let cases = [
            (None, Some(1000)),
            (Some("0"), Some(0)),
            (Some("17"), Some(17)),
            (Some("1000"), Some(1000)),
            (Some("5000"), Some(1000)),
            (Some("2147483647"), Some(1000)),
            (Some("2147483648"), None),
            (Some("-1"), None),
            (Some("ten"), None),
            (Some(""), None),
        ];
        for (value, expected) in cases {
            assert_eq!(
                parse_page_size("max-keys", value).ok(),
                expected,
                "{value:?}"
            );
        }
    }
}
