//! Bucket names and object keys: their rules, and newtypes that hold only valid values.

use std::fmt;
use std::ops::Deref;

use crate::error::{S3Error, S3ErrorCode, S3Result};

/// The maximum length of an object key in bytes of UTF-8.
pub const MAX_KEY_LENGTH: usize = 1024;

const RESERVED_PREFIXES: [&str; 3] = ["xn--", "sthree-", "amzn-s3-demo-"];
const RESERVED_SUFFIXES: [&str; 5] = ["-s3alias", "--ol-s3", ".mrap", "--x-s3", "--table-s3"];

/// Checks a bucket name against the AWS rules for general purpose buckets.
///
/// A name has 3 to 63 lowercase letters, digits, `-` and `.`. It begins and ends with a
/// letter or digit, has no `..`, is not an IPv4 address, and has none of the prefixes and
/// suffixes AWS reserves. A violation is `InvalidBucketName` with the name in
/// `<BucketName>` and the broken rule as the error's source.
pub fn validate_bucket_name(name: &str) -> S3Result<()> {
    match bucket_name_violation(name) {
        None => Ok(()),
        Some(rule) => Err(S3Error::new(S3ErrorCode::InvalidBucketName)
            .with_element("BucketName", name)
            .with_source(rule)),
    }
}

/// Returns the first rule the name breaks.
fn bucket_name_violation(name: &str) -> Option<&'static str> {
    let bytes = name.as_bytes();
    if !(3..=63).contains(&bytes.len()) {
        return Some("a bucket name must be 3 to 63 characters long");
    }

    let allowed = |b: &u8| b.is_ascii_lowercase() || b.is_ascii_digit() || matches!(b, b'-' | b'.');
    if !bytes.iter().all(allowed) {
        return Some("a bucket name may contain only lowercase letters, digits, '-' and '.'");
    }
    let alphanumeric = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
    if !alphanumeric(bytes[0]) || !alphanumeric(bytes[bytes.len() - 1]) {
        return Some("a bucket name must begin and end with a letter or digit");
    }
    if name.contains("..") {
        return Some("a bucket name must not contain two adjacent periods");
    }
    if looks_like_ipv4(name) {
        return Some("a bucket name must not be formatted as an IP address");
    }

    if RESERVED_PREFIXES
        .iter()
        .any(|prefix| name.starts_with(prefix))
    {
        return Some("a bucket name must not start with a reserved prefix");
    }
    if RESERVED_SUFFIXES
        .iter()
        .any(|suffix| name.ends_with(suffix))
    {
        return Some("a bucket name must not end with a reserved suffix");
    }
    None
}

/// Tells whether the name is four dot-separated groups of 1 to 3 digits, such as
/// `192.168.5.4`. Out-of-range groups such as `999` still count, as they read as an address.
fn looks_like_ipv4(name: &str) -> bool {
    let groups: Vec<&str> = name.split('.').collect();
    groups.len() == 4
        && groups.iter().all(|group| {
            (1..=3).contains(&group.len()) && group.bytes().all(|b| b.is_ascii_digit())
        })
}

/// Checks an object key: 1 to [`MAX_KEY_LENGTH`] bytes of UTF-8.
///
/// An empty key is `InvalidArgument`, and a longer one is `KeyTooLongError` with the size and
/// limit as elements.
pub fn validate_object_key(key: &str) -> S3Result<()> {
    if key.is_empty() {
        return Err(S3Error::new(S3ErrorCode::InvalidArgument)
            .with_message("An object key must not be empty."));
    }
    if key.len() > MAX_KEY_LENGTH {
        return Err(S3Error::new(S3ErrorCode::KeyTooLongError)
            .with_element("Size", key.len().to_string())
            .with_element("MaxSizeAllowed", MAX_KEY_LENGTH.to_string()));
    }
    Ok(())
}

/// Declares a string newtype whose constructor runs a validator.
macro_rules! validated_name {
    ($(#[$doc:meta])* $name:ident, $validate:path) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
        pub struct $name(String);

        impl $name {
            /// Returns the name as a string slice.
            pub fn as_str(&self) -> &str {
                &self.0
            }

            /// Returns the owned string.
            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl TryFrom<&str> for $name {
            type Error = S3Error;

            fn try_from(value: &str) -> S3Result<Self> {
                $validate(value)?;
                Ok($name(value.to_owned()))
            }
        }

        impl TryFrom<String> for $name {
            type Error = S3Error;

            fn try_from(value: String) -> S3Result<Self> {
                $validate(&value)?;
                Ok($name(value))
            }
        }

        impl Deref for $name {
            type Target = str;

            fn deref(&self) -> &str {
                &self.0
            }
        }

        impl AsRef<str> for $name {
            fn as_ref(&self) -> &str {
                &self.0
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(&self.0)
            }
        }
    };
}

validated_name!(
    /// A bucket name that passed [`validate_bucket_name`].
    BucketName,
    validate_bucket_name
);

validated_name!(
    /// An object key that passed [`validate_object_key`].
    ObjectKey,
    validate_object_key
);

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bucket_name_table() {
        let long = "a".repeat(63);
        let too_long = "a".repeat(64);
        let cases: [(&str, bool); 37] = [
            ("abc", true),
            ("my-bucket.2024", true),
            ("1bucket", true),
            ("a.b-c", true),
            (&long, true),
            ("xn-bucket", true),
            ("bucket-s3", true),
            ("1.2.3", true),
            ("1.2.3.4.5", true),
            ("1.2.3.a", true),
            ("ab", false),
            (&too_long, false),
            ("", false),
            ("MyBucket", false),
            ("my_bucket", false),
            ("my bucket", false),
            ("bücket", false),
            ("-bucket", false),
            ("bucket-", false),
            (".bucket", false),
            ("bucket.", false),
            ("my..bucket", false),
            ("192.168.5.4", false),
            ("999.999.999.999", false),
            ("xn--bucket", false),
            ("sthree-bucket", false),
            ("amzn-s3-demo-bucket", false),
            ("bucket-s3alias", false),
            ("bucket--ol-s3", false),
            ("bucket.mrap", false),
            ("bucket--x-s3", false),
            ("bucket--table-s3", false),
            ("sthree", true),
            ("amzn-s3-demo", true),
            ("mrap", true),
            ("x-s3", true),
            ("table-s3", true),
        ];
        for (name, valid) in cases {
            assert_eq!(validate_bucket_name(name).is_ok(), valid, "{name:?}");
        }
    }

    #[test]
    fn bucket_name_error() {
        let err = validate_bucket_name("Bad").unwrap_err();
        assert_eq!(err.code(), S3ErrorCode::InvalidBucketName);
        assert_eq!(err.elements(), [("BucketName", "Bad".to_owned())]);
    }

    #[test]
    fn object_key_bounds() {
        assert!(validate_object_key("a").is_ok());
        assert!(validate_object_key(&"k".repeat(MAX_KEY_LENGTH)).is_ok());
    }

    #[test]
    fn object_key_counts_bytes() {
        // 512 two-byte characters fill the limit exactly, and one more byte is too long.
        let key = "é".repeat(512);
        assert!(validate_object_key(&key).is_ok());
        let err = validate_object_key(&format!("{key}a")).unwrap_err();
        assert_eq!(err.code(), S3ErrorCode::KeyTooLongError);
    }

    #[test]
    fn object_key_empty() {
        let err = validate_object_key("").unwrap_err();
        assert_eq!(err.code(), S3ErrorCode::InvalidArgument);
    }

    #[test]
    fn object_key_too_long() {
        let err = validate_object_key(&"k".repeat(MAX_KEY_LENGTH + 1)).unwrap_err();
        assert_eq!(err.code(), S3ErrorCode::KeyTooLongError);
    }

    #[test]
    fn newtype_accepts_valid() {
        let name = BucketName::try_from("photos").unwrap();
        assert_eq!(name.as_str(), "photos");
    }

    #[test]
    fn newtype_rejects_invalid() {
        assert!(BucketName::try_from("Photos".to_owned()).is_err());
        assert!(ObjectKey::try_from("").is_err());
    }
}
