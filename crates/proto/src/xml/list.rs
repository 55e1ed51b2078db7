//! Listing documents: ListAllMyBucketsResult, ListBucketResult (v1 and v2) and
//! ListVersionsResult.
//!
//! With `encoding-type=url` the caller encodes keys, prefixes, delimiters, markers and
//! start-after with [`url_encode_key`](super::url_encode_key) before filling these structs,
//! and sets `encoding_type` so that clients know to decode them.

use time::OffsetDateTime;

use super::{Owner, S3_NAMESPACE, XmlWriter};
use crate::checksum::{ChecksumAlgorithm, ChecksumType};

/// The body of ListBuckets.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListAllMyBucketsResult {
    /// The account that owns the buckets.
    pub owner: Owner,
    /// The buckets of this page.
    pub buckets: Vec<BucketEntry>,
    /// The token for the next page, when there is one.
    pub continuation_token: Option<String>,
    /// The prefix the request filtered bucket names by.
    pub prefix: Option<String>,
}

/// One bucket in [`ListAllMyBucketsResult`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BucketEntry {
    /// The bucket name.
    pub name: String,
    /// When the bucket was created.
    pub creation_date: OffsetDateTime,
    /// The region of the bucket, sent as `<BucketRegion>`.
    pub region: Option<String>,
}

impl ListAllMyBucketsResult {
    /// Renders the document.
    pub fn to_xml(&self) -> String {
        XmlWriter::document("ListAllMyBucketsResult", Some(S3_NAMESPACE), |w| {
            self.owner.write(w, "Owner");
            w.element("Buckets", |w| {
                for bucket in &self.buckets {
                    w.element("Bucket", |w| {
                        w.text("Name", &bucket.name);
                        w.date("CreationDate", bucket.creation_date);
                        w.opt_text("BucketRegion", bucket.region.as_deref());
                    });
                }
            });
            w.opt_text("ContinuationToken", self.continuation_token.as_deref());
            w.opt_text("Prefix", self.prefix.as_deref());
        })
    }
}

/// One object in a ListObjects or ListObjectsV2 page.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectEntry {
    /// The object key.
    pub key: String,
    /// When the object was last written.
    pub last_modified: OffsetDateTime,
    /// The quoted ETag.
    pub etag: String,
    /// The size in bytes.
    pub size: u64,
    /// The storage class, such as `STANDARD`.
    pub storage_class: String,
    /// The owner: always set in v1, and in v2 only with `fetch-owner=true`.
    pub owner: Option<Owner>,
    /// The checksum algorithm the object was uploaded with.
    pub checksum_algorithm: Option<ChecksumAlgorithm>,
    /// Whether that checksum covers the whole object or its parts.
    pub checksum_type: Option<ChecksumType>,
}

impl ObjectEntry {
    fn write(&self, w: &mut XmlWriter) {
        w.element("Contents", |w| {
            w.text("Key", &self.key);
            w.date("LastModified", self.last_modified);
            w.text("ETag", &self.etag);
            w.opt_text(
                "ChecksumAlgorithm",
                self.checksum_algorithm.map(ChecksumAlgorithm::as_str),
            );
            w.opt_text("ChecksumType", self.checksum_type.map(ChecksumType::as_str));
            w.value("Size", self.size);
            if let Some(owner) = &self.owner {
                owner.write(w, "Owner");
            }
            w.text("StorageClass", &self.storage_class);
        });
    }
}

fn write_common_prefixes(w: &mut XmlWriter, prefixes: &[String]) {
    for prefix in prefixes {
        w.element("CommonPrefixes", |w| w.text("Prefix", prefix));
    }
}

/// The body of ListObjects (version 1).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListBucketResult {
    /// The bucket name.
    pub name: String,
    /// The prefix of the request, empty when none was given.
    pub prefix: String,
    /// The marker of the request, empty when none was given.
    pub marker: String,
    /// The key to resume after. It is rendered only for a truncated listing with a delimiter,
    /// as AWS does: without a delimiter, clients resume after the last key listed.
    pub next_marker: Option<String>,
    /// The page size of the request.
    pub max_keys: usize,
    /// The delimiter of the request.
    pub delimiter: Option<String>,
    /// Whether more results follow.
    pub is_truncated: bool,
    /// The objects of this page.
    pub contents: Vec<ObjectEntry>,
    /// The common prefixes of this page, when a delimiter was given.
    pub common_prefixes: Vec<String>,
    /// `url` when the key fields are URL-encoded.
    pub encoding_type: Option<String>,
}

impl ListBucketResult {
    /// Renders the document.
    pub fn to_xml(&self) -> String {
        XmlWriter::document("ListBucketResult", Some(S3_NAMESPACE), |w| {
            w.text("Name", &self.name);
            w.text("Prefix", &self.prefix);
            w.text("Marker", &self.marker);
            if self.is_truncated && self.delimiter.is_some() {
                w.opt_text("NextMarker", self.next_marker.as_deref());
            }
            w.value("MaxKeys", self.max_keys);
            w.opt_text("Delimiter", self.delimiter.as_deref());
            w.value("IsTruncated", self.is_truncated);
            w.opt_text("EncodingType", self.encoding_type.as_deref());
            for entry in &self.contents {
                entry.write(w);
            }
            write_common_prefixes(w, &self.common_prefixes);
        })
    }
}

/// The body of ListObjectsV2.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListBucketResultV2 {
    /// The bucket name.
    pub name: String,
    /// The prefix of the request, empty when none was given.
    pub prefix: String,
    /// The page size of the request.
    pub max_keys: usize,
    /// The delimiter of the request.
    pub delimiter: Option<String>,
    /// Whether more results follow.
    pub is_truncated: bool,
    /// The objects of this page. Set `owner` on them only when the request had
    /// `fetch-owner=true`.
    pub contents: Vec<ObjectEntry>,
    /// The common prefixes of this page, when a delimiter was given.
    pub common_prefixes: Vec<String>,
    /// The continuation token of the request.
    pub continuation_token: Option<String>,
    /// The token for the next page, when truncated.
    pub next_continuation_token: Option<String>,
    /// The start-after of the request.
    pub start_after: Option<String>,
    /// `url` when the key fields are URL-encoded.
    pub encoding_type: Option<String>,
}

impl ListBucketResultV2 {
    /// Returns `KeyCount`: the objects and common prefixes in this page together, as AWS
    /// counts them.
    pub fn key_count(&self) -> usize {
        self.contents.len() + self.common_prefixes.len()
    }

    /// Renders the document.
    pub fn to_xml(&self) -> String {
        XmlWriter::document("ListBucketResult", Some(S3_NAMESPACE), |w| {
            w.text("Name", &self.name);
            w.text("Prefix", &self.prefix);
            w.value("MaxKeys", self.max_keys);
            w.value("KeyCount", self.key_count());
            w.opt_text("Delimiter", self.delimiter.as_deref());
            w.value("IsTruncated", self.is_truncated);
            w.opt_text("EncodingType", self.encoding_type.as_deref());
            w.opt_text("ContinuationToken", self.continuation_token.as_deref());
            w.opt_text(
                "NextContinuationToken",
                self.next_continuation_token.as_deref(),
            );
            w.opt_text("StartAfter", self.start_after.as_deref());
            for entry in &self.contents {
                entry.write(w);
            }
            write_common_prefixes(w, &self.common_prefixes);
        })
    }
}

/// One entry of ListObjectVersions, in the order the listing returns them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VersionEntry {
    /// A version with data.
    Version(ObjectVersion),
    /// A delete marker.
    DeleteMarker(DeleteMarkerEntry),
}

/// A version with data in [`ListVersionsResult`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectVersion {
    /// The object key.
    pub key: String,
    /// The version id, `null` for the version written while versioning was off.
    pub version_id: String,
    /// Whether this is the current version.
    pub is_latest: bool,
    /// When the version was written.
    pub last_modified: OffsetDateTime,
    /// The quoted ETag.
    pub etag: String,
    /// The size in bytes.
    pub size: u64,
    /// The storage class, such as `STANDARD`.
    pub storage_class: String,
    /// The owner of the version.
    pub owner: Owner,
}

/// A delete marker in [`ListVersionsResult`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteMarkerEntry {
    /// The object key.
    pub key: String,
    /// The version id of the marker.
    pub version_id: String,
    /// Whether the marker is the current version.
    pub is_latest: bool,
    /// When the marker was created.
    pub last_modified: OffsetDateTime,
    /// The account that created the marker.
    pub owner: Owner,
}

/// The body of ListObjectVersions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListVersionsResult {
    /// The bucket name.
    pub name: String,
    /// The prefix of the request, empty when none was given.
    pub prefix: String,
    /// The key-marker of the request, empty when none was given.
    pub key_marker: String,
    /// The version-id-marker of the request, empty when none was given.
    pub version_id_marker: String,
    /// The key to resume at, when truncated.
    pub next_key_marker: Option<String>,
    /// The version to resume after, when truncated.
    pub next_version_id_marker: Option<String>,
    /// The page size of the request.
    pub max_keys: usize,
    /// The delimiter of the request.
    pub delimiter: Option<String>,
    /// Whether more results follow.
    pub is_truncated: bool,
    /// Versions and delete markers, interleaved in listing order.
    pub entries: Vec<VersionEntry>,
    /// The common prefixes of this page, when a delimiter was given.
    pub common_prefixes: Vec<String>,
    /// `url` when the key fields are URL-encoded.
    pub encoding_type: Option<String>,
}

impl ListVersionsResult {
    /// Renders the document.
    pub fn to_xml(&self) -> String {
        XmlWriter::document("ListVersionsResult", Some(S3_NAMESPACE), |w| {
            w.text("Name", &self.name);
            w.text("Prefix", &self.prefix);
            w.text("KeyMarker", &self.key_marker);
            w.text("VersionIdMarker", &self.version_id_marker);
            w.opt_text("NextKeyMarker", self.next_key_marker.as_deref());
            w.opt_text(
                "NextVersionIdMarker",
                self.next_version_id_marker.as_deref(),
            );
            w.value("MaxKeys", self.max_keys);
            w.opt_text("Delimiter", self.delimiter.as_deref());
            w.value("IsTruncated", self.is_truncated);
            w.opt_text("EncodingType", self.encoding_type.as_deref());
            for entry in &self.entries {
                match entry {
                    VersionEntry::Version(version) => write_version(w, version),
                    VersionEntry::DeleteMarker(marker) => write_delete_marker(w, marker),
                }
            }
            write_common_prefixes(w, &self.common_prefixes);
        })
    }
}

fn write_version(w: &mut XmlWriter, version: &ObjectVersion) {
    w.element("Version", |w| {
        w.text("Key", &version.key);
        w.text("VersionId", &version.version_id);
        w.value("IsLatest", version.is_latest);
        w.date("LastModified", version.last_modified);
        w.text("ETag", &version.etag);
        w.value("Size", version.size);
        w.text("StorageClass", &version.storage_class);
        version.owner.write(w, "Owner");
    });
}

fn write_delete_marker(w: &mut XmlWriter, marker: &DeleteMarkerEntry) {
    w.element("DeleteMarker", |w| {
        w.text("Key", &marker.key);
        w.text("VersionId", &marker.version_id);
        w.value("IsLatest", marker.is_latest);
        w.date("LastModified", marker.last_modified);
        marker.owner.write(w, "Owner");
    });
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::super::tree::{Element, parse_document};
    use super::*;

    const TRICKY_KEYS: [&str; 8] = [
        "a&b",
        "<tag>",
        "quote\"apos'",
        "line\nbreak\rreturn\ttab",
        "control\u{1}\u{1f}",
        "日本語/ключ/emoji 🎉",
        "  spaces  ",
        "&amp; literal",
    ];

    fn owner() -> Owner {
        Owner {
            id: "acc-1".to_owned(),
            display_name: "alice & bob".to_owned(),
        }
    }

    fn entry(key: &str) -> ObjectEntry {
        ObjectEntry {
            key: key.to_owned(),
            last_modified: datetime!(2024-05-01 12:00:00.250 UTC),
            etag: "\"0123\"".to_owned(),
            size: 42,
            storage_class: "STANDARD".to_owned(),
            owner: Some(owner()),
            checksum_algorithm: None,
            checksum_type: None,
        }
    }

    fn v1(keys: &[&str]) -> ListBucketResult {
        ListBucketResult {
            name: "bucket".to_owned(),
            prefix: String::new(),
            marker: String::new(),
            next_marker: Some("next".to_owned()),
            max_keys: 1000,
            delimiter: None,
            is_truncated: false,
            contents: keys.iter().map(|key| entry(key)).collect(),
            common_prefixes: vec!["dir/&/".to_owned()],
            encoding_type: None,
        }
    }

    /// Reads a rendered document back with the quick-xml tree reader of the request parsers.
    fn parse(xml: &str, root: &str) -> Element {
        parse_document(xml.as_bytes(), root).unwrap()
    }

    #[test]
    fn v1_tricky_keys_round_trip() {
        let xml = v1(&TRICKY_KEYS).to_xml();
        let tree = parse(&xml, "ListBucketResult");
        let keys: Vec<&str> = tree
            .children_named("Contents")
            .map(|c| c.child_text("Key").unwrap())
            .collect();
        assert_eq!(keys, TRICKY_KEYS);
    }

    #[test]
    fn v1_prefix_round_trip() {
        let xml = v1(&[]).to_xml();
        let tree = parse(&xml, "ListBucketResult");
        let prefix = tree
            .child("CommonPrefixes")
            .and_then(|p| p.child_text("Prefix"));
        assert_eq!(prefix, Some("dir/&/"));
    }

    #[test]
    fn v1_has_namespace_and_declaration() {
        let xml = v1(&[]).to_xml();
        let start = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
                     <ListBucketResult xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">";
        assert!(xml.starts_with(start), "{xml}");
    }

    #[test]
    fn v1_entry_fields() {
        let xml = v1(&["k"]).to_xml();
        let contents = "<Contents><Key>k</Key><LastModified>2024-05-01T12:00:00.250Z</LastModified>\
            <ETag>&quot;0123&quot;</ETag><Size>42</Size><Owner><ID>acc-1</ID>\
            <DisplayName>alice &amp; bob</DisplayName></Owner><StorageClass>STANDARD</StorageClass>\
            </Contents>";
        assert!(xml.contains(contents), "{xml}");
    }

    #[test]
    fn v1_next_marker_needs_delimiter_and_truncation() {
        let cases = [
            (None, false),
            (None, true),
            (Some("/"), false),
            (Some("/"), true),
        ];
        for (delimiter, truncated) in cases {
            let mut result = v1(&[]);
            result.delimiter = delimiter.map(str::to_owned);
            result.is_truncated = truncated;
            let expected = delimiter.is_some() && truncated;
            let xml = result.to_xml();
            assert_eq!(
                xml.contains("<NextMarker>next</NextMarker>"),
                expected,
                "{xml}"
            );
        }
    }

    #[test]
    fn v1_encoding_type() {
        let mut result = v1(&[]);
        result.encoding_type = Some("url".to_owned());
        assert!(result.to_xml().contains("<EncodingType>url</EncodingType>"));
    }

    fn v2(fetch_owner: bool) -> ListBucketResultV2 {
        let mut contents = vec![entry("a"), entry("b")];
        if !fetch_owner {
            contents.iter_mut().for_each(|entry| entry.owner = None);
        }
        ListBucketResultV2 {
            name: "bucket".to_owned(),
            prefix: "p".to_owned(),
            max_keys: 2,
            delimiter: Some("/".to_owned()),
            is_truncated: true,
            contents,
            common_prefixes: vec!["p/dir/".to_owned()],
            continuation_token: Some("tok".to_owned()),
            next_continuation_token: Some("next".to_owned()),
            start_after: None,
            encoding_type: None,
        }
    }

    #[test]
    fn v2_key_count() {
        let tree = parse(&v2(false).to_xml(), "ListBucketResult");
        assert_eq!(tree.child_text("KeyCount"), Some("3"));
    }

    #[test]
    fn v2_tokens() {
        let tree = parse(&v2(false).to_xml(), "ListBucketResult");
        assert_eq!(tree.child_text("ContinuationToken"), Some("tok"));
        assert_eq!(tree.child_text("NextContinuationToken"), Some("next"));
        assert_eq!(tree.child_text("StartAfter"), None);
    }

    #[test]
    fn v2_owner_only_with_fetch_owner() {
        assert!(!v2(false).to_xml().contains("<Owner>"));
        assert!(v2(true).to_xml().contains("<Owner>"));
    }

    #[test]
    fn v2_checksum_algorithm() {
        let mut result = v2(false);
        result.contents[0].checksum_algorithm = Some(ChecksumAlgorithm::Crc64Nvme);
        result.contents[0].checksum_type = Some(ChecksumType::FullObject);
        let xml = result.to_xml();
        assert!(
            xml.contains("<ChecksumAlgorithm>CRC64NVME</ChecksumAlgorithm>"),
            "{xml}"
        );
        assert!(
            xml.contains("<ChecksumType>FULL_OBJECT</ChecksumType>"),
            "{xml}"
        );
    }

    #[test]
    fn buckets_document() {
        let result = ListAllMyBucketsResult {
            owner: owner(),
            buckets: vec![BucketEntry {
                name: "photos".to_owned(),
                creation_date: datetime!(2020-01-02 03:04:05 UTC),
                region: Some("us-east-1".to_owned()),
            }],
            continuation_token: None,
            prefix: Some("ph".to_owned()),
        };
        let tree = parse(&result.to_xml(), "ListAllMyBucketsResult");
        let bucket = tree
            .child("Buckets")
            .and_then(|b| b.child("Bucket"))
            .unwrap();
        assert_eq!(bucket.child_text("Name"), Some("photos"));
        assert_eq!(
            bucket.child_text("CreationDate"),
            Some("2020-01-02T03:04:05.000Z")
        );
        assert_eq!(bucket.child_text("BucketRegion"), Some("us-east-1"));
        assert_eq!(tree.child_text("Prefix"), Some("ph"));
        assert_eq!(tree.child_text("ContinuationToken"), None);
    }

    #[test]
    fn buckets_empty_list() {
        let result = ListAllMyBucketsResult {
            owner: owner(),
            buckets: vec![],
            continuation_token: None,
            prefix: None,
        };
        assert!(result.to_xml().contains("<Buckets></Buckets>"));
    }

    #[test]
    fn versions_interleaved() {
        let result = ListVersionsResult {
            name: "bucket".to_owned(),
            prefix: String::new(),
            key_marker: String::new(),
            version_id_marker: String::new(),
            next_key_marker: Some("k&".to_owned()),
            next_version_id_marker: Some("v2".to_owned()),
            max_keys: 2,
            delimiter: None,
            is_truncated: true,
            entries: vec![
                VersionEntry::DeleteMarker(DeleteMarkerEntry {
                    key: "k&".to_owned(),
                    version_id: "v3".to_owned(),
                    is_latest: true,
                    last_modified: datetime!(2024-01-03 00:00:00 UTC),
                    owner: owner(),
                }),
                VersionEntry::Version(ObjectVersion {
                    key: "k&".to_owned(),
                    version_id: "v2".to_owned(),
                    is_latest: false,
                    last_modified: datetime!(2024-01-02 00:00:00 UTC),
                    etag: "\"e\"".to_owned(),
                    size: 7,
                    storage_class: "STANDARD".to_owned(),
                    owner: owner(),
                }),
            ],
            common_prefixes: vec![],
            encoding_type: None,
        };
        let tree = parse(&result.to_xml(), "ListVersionsResult");
        let names: Vec<&str> = tree
            .children
            .iter()
            .map(|child| child.name.as_str())
            .filter(|name| *name == "Version" || *name == "DeleteMarker")
            .collect();
        assert_eq!(names, ["DeleteMarker", "Version"]);
        assert_eq!(tree.child_text("NextKeyMarker"), Some("k&"));
        let marker = tree.child("DeleteMarker").unwrap();
        assert_eq!(marker.child_text("IsLatest"), Some("true"));
        assert_eq!(marker.child_text("ETag"), None);
        let version = tree.child("Version").unwrap();
        assert_eq!(version.child_text("Size"), Some("7"));
        assert_eq!(version.child_text("IsLatest"), Some("false"));
    }
}
