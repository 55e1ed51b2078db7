//! Byte layouts of stored keys and values.
//!
//! Every value starts with a version-marker byte followed by the postcard encoding of the
//! record, so a later schema can tell old rows apart and migrate them. Keys are built so that
//! the rows of one bucket, upload or account sit next to each other and list with a prefix scan.

use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{Result, StoreError};

/// Version marker of the current value schema.
pub(crate) const SCHEMA_V1: u8 = 1;

/// Separates variable-length components inside a key. Object keys, user names and account ids
/// never contain it: S3 object keys cannot carry U+0000 in XML, and the other two are validated
/// by the caller or generated.
pub(crate) const SEPARATOR: u8 = 0;

/// Encodes a record as a versioned value.
pub(crate) fn encode<T: Serialize>(record: &T) -> Vec<u8> {
    let mut out = vec![SCHEMA_V1];
    // Serializing our own plain structs into a Vec cannot fail: postcard only fails on
    // unsupported serde features (such as maps of unknown length) that no record uses.
    let body = postcard::to_stdvec(record).expect("records serialize with postcard");
    out.extend_from_slice(&body);
    out
}

/// Decodes a versioned value written by [`encode`].
pub(crate) fn decode<T: DeserializeOwned>(record_kind: &str, value: &[u8]) -> Result<T> {
    match value.split_first() {
        Some((&SCHEMA_V1, body)) => postcard::from_bytes(body).map_err(|error| {
            StoreError::Corrupt(format!("{record_kind} record does not decode: {error}"))
        }),
        Some((version, _)) => Err(StoreError::Corrupt(format!(
            "{record_kind} record has unknown schema version {version}"
        ))),
        None => Err(StoreError::Corrupt(format!(
            "{record_kind} record is empty"
        ))),
    }
}

/// Key of an object row: the bucket id big-endian, then the object key bytes.
///
/// The fixed-width id keeps each bucket's objects contiguous and in UTF-8 binary order, and a
/// recreated bucket gets a new id, so it never lists rows left from its predecessor.
pub(crate) fn object_key(bucket_id: u64, key: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(8 + key.len());
    out.extend_from_slice(&bucket_id.to_be_bytes());
    out.extend_from_slice(key.as_bytes());
    out
}

/// Key of an upload row: bucket id, object key, separator, upload id.
pub(crate) fn upload_key(bucket_id: u64, key: &str, upload_id: &str) -> Vec<u8> {
    let mut out = object_key(bucket_id, key);
    out.push(SEPARATOR);
    out.extend_from_slice(upload_id.as_bytes());
    out
}

/// Key of a part row: upload id (fixed width), then the part number big-endian.
pub(crate) fn part_key(upload_id: &str, part_number: u32) -> Vec<u8> {
    let mut out = Vec::with_capacity(upload_id.len() + 4);
    out.extend_from_slice(upload_id.as_bytes());
    out.extend_from_slice(&part_number.to_be_bytes());
    out
}

/// Joins key components with [`SEPARATOR`]; with `trailing`, ends with one too, which makes
/// the result a prefix that matches only whole components.
pub(crate) fn joined_key(parts: &[&str], trailing: bool) -> Vec<u8> {
    let mut out = Vec::new();
    for (index, part) in parts.iter().enumerate() {
        if index > 0 {
            out.push(SEPARATOR);
        }
        out.extend_from_slice(part.as_bytes());
    }
    if trailing {
        out.push(SEPARATOR);
    }
    out
}

/// Key of an account's usage counter.
pub(crate) fn account_counter_key(account_id: &str) -> Vec<u8> {
    let mut out = vec![b'a'];
    out.extend_from_slice(account_id.as_bytes());
    out
}

/// Key of a bucket's usage counter.
pub(crate) fn bucket_counter_key(bucket_id: u64) -> Vec<u8> {
    let mut out = vec![b'b'];
    out.extend_from_slice(&bucket_id.to_be_bytes());
    out
}

/// Key of a grant row: the bucket id big-endian, then the grantee's user name.
pub(crate) fn grant_key(bucket_id: u64, user: &str) -> Vec<u8> {
    object_key(bucket_id, user)
}

/// Key of the index row of a grant by its holder: account id, user name, bucket id.
pub(crate) fn user_grant_key(account_id: &str, user: &str, bucket_id: u64) -> Vec<u8> {
    let mut out = joined_key(&[account_id, user], true);
    out.extend_from_slice(&bucket_id.to_be_bytes());
    out
}

/// Key of an account's usage-meter row for the hour starting at `hour_start` (Unix seconds,
/// a multiple of 3600): account id, separator, hour start big-endian.
pub(crate) fn meter_key(account_id: &str, hour_start: i64) -> Vec<u8> {
    let mut out = joined_key(&[account_id], true);
    out.extend_from_slice(&hour_start.to_be_bytes());
    out
}

/// Returns the smallest byte string greater than every string that starts with `prefix`, or
/// None when no such bound exists (an empty or all-0xFF prefix).
pub(crate) fn prefix_end(prefix: &[u8]) -> Option<Vec<u8>> {
    let mut end = prefix.to_vec();
    while let Some(last) = end.pop() {
        if last < u8::MAX {
            end.push(last + 1);
            return Some(end);
        }
    }
    None
}

/// Serde adapter that stores an `OffsetDateTime` as Unix milliseconds.
pub(crate) mod unix_ms {
    use serde::{Deserialize, Deserializer, Serialize, Serializer};
    use time::OffsetDateTime;

    pub(crate) fn serialize<S: Serializer>(
        value: &OffsetDateTime,
        serializer: S,
    ) -> Result<S::Ok, S::Error> {
        to_ms(*value).serialize(serializer)
    }

    pub(crate) fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<OffsetDateTime, D::Error> {
        let ms = i64::deserialize(deserializer)?;
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000)
            .map_err(serde::de::Error::custom)
    }

    /// Converts a timestamp to whole Unix milliseconds, rounding towards negative infinity.
    pub(crate) fn to_ms(value: OffsetDateTime) -> i64 {
        let ms = value.unix_timestamp_nanos().div_euclid(1_000_000);
        i64::try_from(ms).unwrap_or(i64::MAX)
    }
}

/// Returns the current time truncated to millisecond precision, the precision stored.
pub(crate) fn now_ms() -> time::OffsetDateTime {
    let now = time::OffsetDateTime::now_utc();
    let ms = unix_ms::to_ms(now);
    time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn prefix_end_increments_last_byte() {
        assert_eq!(prefix_end(b"ab"), Some(b"ac".to_vec()));
    }

    #[test]
    fn prefix_end_carries_over_max_bytes() {
        assert_eq!(prefix_end(&[1, 0xFF, 0xFF]), Some(vec![2]));
    }

    #[test]
    fn prefix_end_unbounded() {
        assert_eq!(prefix_end(&[0xFF]), None);
        assert_eq!(prefix_end(b""), None);
    }

    #[test]
    fn decode_rejects_unknown_version() {
        let mut value = encode(&7u32);
        value[0] = 9;
        assert!(matches!(
            decode::<u32>("test", &value),
            Err(StoreError::Corrupt(_))
        ));
    }

    #[test]
    fn encode_round_trips() {
        let value = encode(&("key".to_string(), 42u64));
        assert_eq!(value[0], SCHEMA_V1);
        let back: (String, u64) = decode("test", &value).unwrap();
        assert_eq!(back, ("key".to_string(), 42));
    }

    #[test]
    fn object_keys_sort_by_bucket_then_key() {
        assert!(object_key(1, "zzz") < object_key(2, ""));
        assert!(object_key(1, "a") < object_key(1, "a/"));
    }
}
