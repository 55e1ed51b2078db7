//! Listing objects and multipart uploads, with prefix, delimiter and resumption.

use rocksdb::DBRawIterator;

use crate::Store;
use crate::buckets::Bucket;
use crate::codec::{self, prefix_end};
use crate::db::Cf;
use crate::error::{Result, StoreError};
use crate::records::{ObjectRecord, ObjectSummary, Upload};

/// Parameters of an object listing.
#[derive(Debug, Clone, Copy, Default)]
pub struct ListQuery<'a> {
    /// Only keys starting with this.
    pub prefix: &'a str,
    /// Rolls up keys that contain this after the prefix into one common prefix each; None or
    /// empty lists every key.
    pub delimiter: Option<&'a str>,
    /// Only keys after this one (StartAfter, ContinuationToken or Marker).
    pub start_after: Option<&'a str>,
    /// Maximum entries to return, objects and common prefixes together.
    pub max_keys: usize,
}

/// One entry of an object listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ListEntry {
    /// An object.
    Object(ObjectSummary),
    /// A rolled-up common prefix, ending with the delimiter.
    CommonPrefix(String),
}

impl ListEntry {
    /// Returns the key or common prefix, which orders the listing.
    pub fn name(&self) -> &str {
        match self {
            ListEntry::Object(object) => &object.key,
            ListEntry::CommonPrefix(prefix) => prefix,
        }
    }
}

/// One page of an object listing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPage {
    /// Objects and common prefixes in UTF-8 binary order.
    pub entries: Vec<ListEntry>,
    /// Whether more entries follow.
    pub is_truncated: bool,
    /// When truncated, the last key or common prefix returned, to pass as `start_after`.
    pub next_start_after: Option<String>,
}

/// One entry of a multipart upload listing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[allow(
    clippy::large_enum_variant,
    reason = "a page holds at most max-uploads entries, and most are uploads, so boxing would \
              only add an allocation per upload"
)]
pub enum ListUploadEntry {
    /// An unfinished upload.
    Upload(Upload),
    /// A rolled-up common prefix of upload keys, ending with the delimiter.
    CommonPrefix(String),
}

/// Returns the common prefix `key` rolls up into: the text up to and including the first
/// `delimiter` after `prefix`. `key` must start with `prefix`.
fn common_prefix<'k>(key: &'k str, prefix: &str, delimiter: Option<&str>) -> Option<&'k str> {
    let delimiter = delimiter.filter(|delimiter| !delimiter.is_empty())?;
    let position = key.get(prefix.len()..)?.find(delimiter)?;
    Some(&key[..prefix.len() + position + delimiter.len()])
}

/// Returns whether `marker` is itself a common prefix of this listing, so that everything under it
/// was already rolled up into it.
fn is_common_prefix(marker: &str, prefix: &str, delimiter: Option<&str>) -> bool {
    marker.starts_with(prefix) && common_prefix(marker, prefix, delimiter) == Some(marker)
}

/// Upload ids are 32 hex digits, so an upload row key ends with the separator and 32 bytes.
const UPLOAD_ROW_SUFFIX: usize = 1 + 32;

/// One entry found by a [`Walk`].
enum Walked<T> {
    Item(T),
    CommonPrefix(String),
}

/// A walk over the rows of one bucket in key order that rolls up common prefixes.
struct Walk<'a> {
    bucket_id: u64,
    prefix: &'a str,
    delimiter: Option<&'a str>,
    max: usize,
    /// Row to step over if the walk lands on it: the exclusive start marker.
    skip_row: Option<Vec<u8>>,
    /// Bytes after the object key in each row key: none for objects, the separator and the
    /// upload id for uploads.
    suffix_len: usize,
}

impl Walk<'_> {
    /// Collects up to `max` entries from the iterator's position, decoding rows with `item`,
    /// and returns them with whether more follow. After a common prefix it seeks past every
    /// row under it, so a rolled-up prefix costs one seek, not a scan.
    fn run<T>(
        &self,
        iter: &mut DBRawIterator<'_>,
        mut item: impl FnMut(&[u8]) -> Result<T>,
    ) -> Result<(Vec<Walked<T>>, bool)> {
        let mut entries = Vec::new();
        let mut is_truncated = false;
        while let (Some(row_key), Some(value)) = (iter.key(), iter.value()) {
            if self.skip_row.as_deref() == Some(row_key) {
                iter.next();
                continue;
            }
            if entries.len() == self.max {
                is_truncated = true;
                break;
            }
            let key = self.key_of(row_key)?;
            if let Some(rolled_up) = common_prefix(key, self.prefix, self.delimiter) {
                let rolled_up = rolled_up.to_string();
                let more = seek_past(iter, self.bucket_id, &rolled_up);
                entries.push(Walked::CommonPrefix(rolled_up));
                if !more {
                    break;
                }
                continue;
            }
            entries.push(Walked::Item(item(value)?));
            iter.next();
        }
        iter.status()?;
        Ok((entries, is_truncated))
    }

    /// Returns the object key inside a row key.
    fn key_of<'k>(&self, row_key: &'k [u8]) -> Result<&'k str> {
        let end = row_key.len().saturating_sub(self.suffix_len).max(8);
        std::str::from_utf8(&row_key[8..end])
            .map_err(|_| StoreError::Corrupt("object key is not UTF-8".to_string()))
    }
}

/// Moves `iter` past every row under `bucket_id` + `name`; returns false if none can follow.
fn seek_past(iter: &mut DBRawIterator<'_>, bucket_id: u64, name: &str) -> bool {
    match prefix_end(&codec::object_key(bucket_id, name)) {
        Some(next) => {
            iter.seek(next);
            true
        }
        None => false,
    }
}

impl Store {
    /// Lists a bucket's objects in UTF-8 binary key order.
    ///
    /// With a delimiter, keys sharing a common prefix are rolled up and the iterator seeks
    /// past them instead of scanning each key. If `start_after` is itself a common prefix,
    /// every key under it is skipped too, so resuming after a rolled-up prefix never returns
    /// it again.
    pub fn list_objects(&self, bucket: &Bucket, query: &ListQuery<'_>) -> Result<ListPage> {
        let lower = codec::object_key(bucket.id, query.prefix);
        let mut iter = self.0.meta.range(Cf::Objects, &lower, prefix_end(&lower));
        let mut walk = Walk {
            bucket_id: bucket.id,
            prefix: query.prefix,
            delimiter: query.delimiter,
            max: query.max_keys,
            skip_row: None,
            suffix_len: 0,
        };
        match query.start_after {
            Some(marker) if is_common_prefix(marker, query.prefix, query.delimiter) => {
                if !seek_past(&mut iter, bucket.id, marker) {
                    return Ok(ListPage {
                        entries: Vec::new(),
                        is_truncated: false,
                        next_start_after: None,
                    });
                }
            }
            Some(marker) if marker >= query.prefix => {
                let row_key = codec::object_key(bucket.id, marker);
                iter.seek(&row_key);
                walk.skip_row = Some(row_key);
            }
            _ => iter.seek(&lower),
        }

        let (walked, is_truncated) = walk.run(&mut iter, |value| {
            let record: ObjectRecord = codec::decode("object", value)?;
            Ok(ObjectSummary::from(record))
        })?;
        let entries: Vec<ListEntry> = walked
            .into_iter()
            .map(|entry| match entry {
                Walked::Item(object) => ListEntry::Object(object),
                Walked::CommonPrefix(prefix) => ListEntry::CommonPrefix(prefix),
            })
            .collect();
        let next_start_after = if is_truncated {
            entries.last().map(|entry| entry.name().to_string())
        } else {
            None
        };
        Ok(ListPage {
            entries,
            is_truncated,
            next_start_after,
        })
    }

    /// Lists a bucket's unfinished multipart uploads ordered by key, then by upload id (which
    /// is initiation order). Returns the entries and whether more follow.
    ///
    /// Starts after `key_marker`: with `upload_id_marker`, after that upload of the marker
    /// key; without, after every upload of the marker key. Delimiter roll-up works as in
    /// [`Store::list_objects`].
    pub fn list_multipart_uploads(
        &self,
        bucket: &Bucket,
        prefix: &str,
        delimiter: Option<&str>,
        key_marker: Option<&str>,
        upload_id_marker: Option<&str>,
        max: usize,
    ) -> Result<(Vec<ListUploadEntry>, bool)> {
        let lower = codec::object_key(bucket.id, prefix);
        let mut iter = self.0.meta.range(Cf::Uploads, &lower, prefix_end(&lower));
        let mut walk = Walk {
            bucket_id: bucket.id,
            prefix,
            delimiter,
            max,
            skip_row: None,
            suffix_len: UPLOAD_ROW_SUFFIX,
        };
        match (key_marker, upload_id_marker) {
            (Some(marker), _) if is_common_prefix(marker, prefix, delimiter) => {
                if !seek_past(&mut iter, bucket.id, marker) {
                    return Ok((Vec::new(), false));
                }
            }
            (Some(marker), Some(upload_id)) => {
                let row_key = codec::upload_key(bucket.id, marker, upload_id);
                iter.seek(&row_key);
                walk.skip_row = Some(row_key);
            }
            (Some(marker), None) => {
                // Rows of the marker key are `marker`, separator, upload id; any longer key
                // continues with a byte above the separator.
                let mut next = codec::object_key(bucket.id, marker);
                next.push(codec::SEPARATOR + 1);
                iter.seek(next.max(lower.clone()));
            }
            (None, _) => iter.seek(&lower),
        }

        let (walked, is_truncated) = walk.run(&mut iter, |value| codec::decode("upload", value))?;
        let entries = walked
            .into_iter()
            .map(|entry| match entry {
                Walked::Item(upload) => ListUploadEntry::Upload(upload),
                Walked::CommonPrefix(prefix) => ListUploadEntry::CommonPrefix(prefix),
            })
            .collect();
        Ok((entries, is_truncated))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn common_prefix_uses_first_delimiter_after_prefix() {
        assert_eq!(common_prefix("a/b/c", "", Some("/")), Some("a/"));
        assert_eq!(common_prefix("a/b/c", "a/", Some("/")), Some("a/b/"));
        assert_eq!(common_prefix("a/b", "a/b", Some("/")), None);
        assert_eq!(common_prefix("a/b", "", Some("")), None);
        assert_eq!(common_prefix("a--b--c", "", Some("--")), Some("a--"));
    }

    #[test]
    fn is_common_prefix_requires_delimiter_at_end() {
        assert!(is_common_prefix("a/", "", Some("/")));
        assert!(is_common_prefix("p/a/", "p/", Some("/")));
        assert!(!is_common_prefix("a/b", "", Some("/")));
        assert!(!is_common_prefix("a/", "", None));
    }

    use crate::testing::{TestStore, open_store};

    const KEYS: &[&str] = &[
        "a",
        "a/1",
        "a/2",
        "a/b/3",
        "b",
        "c/1",
        "c/2",
        "d",
        "\u{e9}",
        "z\u{7f}",
        "\u{65e5}\u{672c}",
        "a+b",
        "a b",
    ];

    async fn filled() -> (TestStore, Bucket) {
        let t = open_store();
        let (_, bucket) = t.account_and_bucket("acme");
        for key in KEYS {
            t.put(&bucket, key, key.as_bytes()).await;
        }
        (t, bucket)
    }

    fn names(page: &ListPage) -> Vec<String> {
        page.entries
            .iter()
            .map(|entry| match entry {
                ListEntry::Object(object) => object.key.clone(),
                ListEntry::CommonPrefix(prefix) => format!("{prefix}*"),
            })
            .collect()
    }

    fn query<'a>(
        prefix: &'a str,
        delimiter: Option<&'a str>,
        start_after: Option<&'a str>,
    ) -> ListQuery<'a> {
        ListQuery {
            prefix,
            delimiter,
            start_after,
            max_keys: 1000,
        }
    }

    #[tokio::test]
    async fn list_in_binary_order() {
        let (t, bucket) = filled().await;
        let page = t
            .store
            .list_objects(&bucket, &query("", None, None))
            .unwrap();
        let mut expected: Vec<&str> = KEYS.to_vec();
        expected.sort_by(|left, right| left.as_bytes().cmp(right.as_bytes()));
        assert_eq!(names(&page), expected);
        assert!(!page.is_truncated);
        assert_eq!(page.next_start_after, None);
    }

    #[tokio::test]
    async fn list_with_prefix() {
        let (t, bucket) = filled().await;
        let page = t
            .store
            .list_objects(&bucket, &query("a/", None, None))
            .unwrap();
        assert_eq!(names(&page), ["a/1", "a/2", "a/b/3"]);
    }

    #[tokio::test]
    async fn list_rolls_up_common_prefixes() {
        let (t, bucket) = filled().await;
        let page = t
            .store
            .list_objects(&bucket, &query("", Some("/"), None))
            .unwrap();
        let expected = [
            "a",
            "a b",
            "a+b",
            "a/*",
            "b",
            "c/*",
            "d",
            "z\u{7f}",
            "\u{e9}",
            "\u{65e5}\u{672c}",
        ];
        assert_eq!(names(&page), expected);
    }

    #[tokio::test]
    async fn list_prefix_and_delimiter() {
        let (t, bucket) = filled().await;
        let page = t
            .store
            .list_objects(&bucket, &query("a/", Some("/"), None))
            .unwrap();
        assert_eq!(names(&page), ["a/1", "a/2", "a/b/*"]);
    }

    #[tokio::test]
    async fn list_multi_byte_delimiter() {
        let (t, bucket) = filled().await;
        let page = t
            .store
            .list_objects(&bucket, &query("", Some("\u{65e5}"), None))
            .unwrap();
        assert!(names(&page).contains(&"\u{65e5}*".to_string()));
    }

    #[tokio::test]
    async fn start_after_common_prefix_skips_it() {
        let (t, bucket) = filled().await;
        let page = t
            .store
            .list_objects(&bucket, &query("", Some("/"), Some("a/")))
            .unwrap();
        assert_eq!(names(&page)[0], "b");
    }

    #[tokio::test]
    async fn start_after_key_is_exclusive() {
        let (t, bucket) = filled().await;
        let page = t
            .store
            .list_objects(&bucket, &query("", None, Some("a/2")))
            .unwrap();
        assert_eq!(names(&page)[0], "a/b/3");
        let page = t
            .store
            .list_objects(&bucket, &query("a", None, Some("a")))
            .unwrap();
        assert_eq!(names(&page)[0], "a b");
    }

    #[tokio::test]
    async fn start_after_before_prefix() {
        let (t, bucket) = filled().await;
        let page = t
            .store
            .list_objects(&bucket, &query("c/", None, Some("a")))
            .unwrap();
        assert_eq!(names(&page), ["c/1", "c/2"]);
    }

    #[tokio::test]
    async fn pages_resume_without_repeats() {
        let (t, bucket) = filled().await;
        let full = names(
            &t.store
                .list_objects(&bucket, &query("", Some("/"), None))
                .unwrap(),
        );
        let mut collected = Vec::new();
        let mut marker: Option<String> = None;
        for _ in 0..full.len() + 1 {
            let page_query = ListQuery {
                max_keys: 2,
                ..query("", Some("/"), marker.as_deref())
            };
            let page = t.store.list_objects(&bucket, &page_query).unwrap();
            assert!(page.entries.len() <= 2);
            collected.extend(names(&page));
            if !page.is_truncated {
                break;
            }
            marker = page.next_start_after;
        }
        assert_eq!(collected, full);
    }

    #[tokio::test]
    async fn max_keys_truncates() {
        let (t, bucket) = filled().await;
        let page = t
            .store
            .list_objects(
                &bucket,
                &ListQuery {
                    max_keys: 3,
                    ..query("", None, None)
                },
            )
            .unwrap();
        assert_eq!(page.entries.len(), 3);
        assert!(page.is_truncated);
        assert_eq!(page.next_start_after.as_deref(), Some("a+b"));
    }

    #[tokio::test]
    async fn exact_fit_is_not_truncated() {
        let (t, bucket) = filled().await;
        let page = t
            .store
            .list_objects(
                &bucket,
                &ListQuery {
                    max_keys: 3,
                    ..query("a/", None, None)
                },
            )
            .unwrap();
        assert_eq!(page.entries.len(), 3);
        assert!(!page.is_truncated);
    }

    #[tokio::test]
    async fn buckets_do_not_mix() {
        let (t, bucket) = filled().await;
        let account_id = bucket.account_id.clone();
        let other = t.store.create_bucket(&account_id, "other", "r1").unwrap();
        t.put(&other, "zzz", b"x").await;
        let page = t
            .store
            .list_objects(&bucket, &query("z", None, None))
            .unwrap();
        assert_eq!(names(&page), ["z\u{7f}"]);
        let page = t
            .store
            .list_objects(&other, &query("", None, None))
            .unwrap();
        assert_eq!(names(&page), ["zzz"]);
    }

    #[tokio::test]
    async fn summary_fields() {
        let (t, bucket) = filled().await;
        let page = t
            .store
            .list_objects(&bucket, &query("d", None, None))
            .unwrap();
        let ListEntry::Object(object) = &page.entries[0] else {
            panic!("expected an object")
        };
        assert_eq!(object.size, 1);
        assert_eq!(object.etag, "\"1\"");
    }
}
