//! Object documents: CopyObjectResult, CopyPartResult, DeleteResult, Tagging and
//! GetObjectAttributesResponse.

use time::OffsetDateTime;

use super::{S3_NAMESPACE, XmlWriter, write_checksum};
use crate::checksum::{Checksum, ChecksumType};
use crate::error::{S3Error, S3ErrorCode};

/// The body of CopyObject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyObjectResult {
    /// The quoted ETag of the new object.
    pub etag: String,
    /// When the new object was written.
    pub last_modified: OffsetDateTime,
    /// The checksum of the new object, when it has one.
    pub checksum: Option<Checksum>,
    /// Whether that checksum is composite or covers the whole object.
    pub checksum_type: Option<ChecksumType>,
}

impl CopyObjectResult {
    /// Renders the document.
    pub fn to_xml(&self) -> String {
        XmlWriter::document("CopyObjectResult", Some(S3_NAMESPACE), |w| {
            w.text("ETag", &self.etag);
            w.date("LastModified", self.last_modified);
            w.opt_text("ChecksumType", self.checksum_type.map(ChecksumType::as_str));
            write_checksum(w, self.checksum.as_ref());
        })
    }
}

/// The body of UploadPartCopy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CopyPartResult {
    /// The quoted ETag of the new part.
    pub etag: String,
    /// When the part was written.
    pub last_modified: OffsetDateTime,
    /// The checksum of the new part, when the upload has a checksum algorithm.
    pub checksum: Option<Checksum>,
}

impl CopyPartResult {
    /// Renders the document.
    pub fn to_xml(&self) -> String {
        XmlWriter::document("CopyPartResult", Some(S3_NAMESPACE), |w| {
            w.text("ETag", &self.etag);
            w.date("LastModified", self.last_modified);
            write_checksum(w, self.checksum.as_ref());
        })
    }
}

/// An object that DeleteObjects removed, or marked deleted.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeletedEntry {
    /// The object key.
    pub key: String,
    /// The version the request named, if any.
    pub version_id: Option<String>,
    /// Whether a delete marker was created or removed.
    pub delete_marker: bool,
    /// The version id of that delete marker.
    pub delete_marker_version_id: Option<String>,
}

/// An object that DeleteObjects failed to delete.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteErrorEntry {
    /// The object key.
    pub key: String,
    /// The version the request named, if any.
    pub version_id: Option<String>,
    /// The error code of the failed delete.
    pub code: S3ErrorCode,
    /// The message for that code.
    pub message: String,
}

impl DeleteErrorEntry {
    /// Describes why deleting `key` failed, taking the code and message of `error`.
    pub fn from_error(key: String, version_id: Option<String>, error: &S3Error) -> Self {
        DeleteErrorEntry {
            key,
            version_id,
            code: error.code(),
            message: error.message().to_owned(),
        }
    }
}

/// The body of DeleteObjects.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct DeleteResult {
    /// The objects deleted, left empty for a quiet request.
    pub deleted: Vec<DeletedEntry>,
    /// The objects that could not be deleted.
    pub errors: Vec<DeleteErrorEntry>,
}

impl DeleteResult {
    /// Renders the document.
    pub fn to_xml(&self) -> String {
        XmlWriter::document("DeleteResult", Some(S3_NAMESPACE), |w| {
            for deleted in &self.deleted {
                w.element("Deleted", |w| {
                    w.text("Key", &deleted.key);
                    w.opt_text("VersionId", deleted.version_id.as_deref());
                    if deleted.delete_marker {
                        w.value("DeleteMarker", true);
                    }
                    w.opt_text(
                        "DeleteMarkerVersionId",
                        deleted.delete_marker_version_id.as_deref(),
                    );
                });
            }
            for error in &self.errors {
                w.element("Error", |w| {
                    w.text("Key", &error.key);
                    w.opt_text("VersionId", error.version_id.as_deref());
                    w.text("Code", error.code.as_str());
                    w.text("Message", &error.message);
                });
            }
        })
    }
}

/// The body of GetObjectTagging and GetBucketTagging.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Tagging {
    /// The tags as `(key, value)` pairs.
    pub tags: Vec<(String, String)>,
}

impl Tagging {
    /// Renders the document. An empty tag set still has its `<TagSet>` element.
    pub fn to_xml(&self) -> String {
        XmlWriter::document("Tagging", Some(S3_NAMESPACE), |w| {
            w.element("TagSet", |w| {
                for (key, value) in &self.tags {
                    w.element("Tag", |w| {
                        w.text("Key", key);
                        w.text("Value", value);
                    });
                }
            });
        })
    }
}

/// One part in [`ObjectParts`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectPart {
    /// The part number.
    pub part_number: u32,
    /// The size in bytes.
    pub size: u64,
    /// The checksum of the part, when the object has one.
    pub checksum: Option<Checksum>,
}

/// The parts of a multipart object in [`GetObjectAttributesResponse`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectParts {
    /// The number of parts of the object, not only of this page.
    pub parts_count: u32,
    /// The part-number-marker of the request, 0 when none was given.
    pub part_number_marker: u32,
    /// The marker for the next page, when truncated.
    pub next_part_number_marker: Option<u32>,
    /// The page size of the request.
    pub max_parts: usize,
    /// Whether more parts follow.
    pub is_truncated: bool,
    /// The parts of this page.
    pub parts: Vec<ObjectPart>,
}

/// The body of GetObjectAttributes: only the attributes the request asked for are set.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct GetObjectAttributesResponse {
    /// The ETag, quoted or not. It is rendered without quotes, as AWS does in this document
    /// only.
    pub etag: Option<String>,
    /// The checksum of the object.
    pub checksum: Option<Checksum>,
    /// Whether that checksum is composite or covers the whole object.
    pub checksum_type: Option<ChecksumType>,
    /// The parts, for a multipart object.
    pub object_parts: Option<ObjectParts>,
    /// The storage class.
    pub storage_class: Option<String>,
    /// The size in bytes.
    pub object_size: Option<u64>,
}

impl GetObjectAttributesResponse {
    /// Renders the document.
    pub fn to_xml(&self) -> String {
        XmlWriter::document("GetObjectAttributesResponse", Some(S3_NAMESPACE), |w| {
            if let Some(etag) = &self.etag {
                w.text("ETag", etag.trim_matches('"'));
            }
            if self.checksum.is_some() {
                w.element("Checksum", |w| {
                    write_checksum(w, self.checksum.as_ref());
                    w.opt_text("ChecksumType", self.checksum_type.map(ChecksumType::as_str));
                });
            }
            if let Some(parts) = &self.object_parts {
                write_object_parts(w, parts);
            }
            w.opt_text("StorageClass", self.storage_class.as_deref());
            w.opt_value("ObjectSize", self.object_size);
        })
    }
}

fn write_object_parts(w: &mut XmlWriter, parts: &ObjectParts) {
    w.element("ObjectParts", |w| {
        w.value("PartsCount", parts.parts_count);
        w.value("PartNumberMarker", parts.part_number_marker);
        w.opt_value("NextPartNumberMarker", parts.next_part_number_marker);
        w.value("MaxParts", parts.max_parts);
        w.value("IsTruncated", parts.is_truncated);
        for part in &parts.parts {
            w.element("Part", |w| {
                w.value("PartNumber", part.part_number);
                w.value("Size", part.size);
                write_checksum(w, part.checksum.as_ref());
            });
        }
    });
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::super::tree::parse_document;
    use super::*;
    use crate::checksum::ChecksumAlgorithm;

    #[test]
    fn copy_object_document() {
        let result = CopyObjectResult {
            etag: "\"e\"".to_owned(),
            last_modified: datetime!(2024-01-01 00:00:00.5 UTC),
            checksum: None,
            checksum_type: None,
        };
        let expected = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <CopyObjectResult xmlns=\"{S3_NAMESPACE}\"><ETag>&quot;e&quot;</ETag>\
             <LastModified>2024-01-01T00:00:00.500Z</LastModified></CopyObjectResult>"
        );
        assert_eq!(result.to_xml(), expected);
    }

    #[test]
    fn copy_part_checksum() {
        let result = CopyPartResult {
            etag: "\"e\"".to_owned(),
            last_modified: datetime!(2024-01-01 00:00:00 UTC),
            checksum: Some(Checksum {
                algorithm: ChecksumAlgorithm::Sha1,
                value: "x".to_owned(),
            }),
        };
        let tree = parse_document(result.to_xml().as_bytes(), "CopyPartResult").unwrap();
        assert_eq!(tree.child_text("ChecksumSHA1"), Some("x"));
    }

    #[test]
    fn delete_result_document() {
        let result = DeleteResult {
            deleted: vec![
                DeletedEntry {
                    key: "a&b".to_owned(),
                    version_id: None,
                    delete_marker: true,
                    delete_marker_version_id: Some("dm1".to_owned()),
                },
                DeletedEntry {
                    key: "c".to_owned(),
                    version_id: Some("v1".to_owned()),
                    delete_marker: false,
                    delete_marker_version_id: None,
                },
            ],
            errors: vec![DeleteErrorEntry {
                key: "d".to_owned(),
                version_id: None,
                code: S3ErrorCode::AccessDenied,
                message: "Access Denied".to_owned(),
            }],
        };
        let tree = parse_document(result.to_xml().as_bytes(), "DeleteResult").unwrap();
        let deleted: Vec<_> = tree.children_named("Deleted").collect();
        assert_eq!(deleted[0].child_text("Key"), Some("a&b"));
        assert_eq!(deleted[0].child_text("DeleteMarker"), Some("true"));
        assert_eq!(deleted[0].child_text("DeleteMarkerVersionId"), Some("dm1"));
        assert_eq!(deleted[1].child_text("DeleteMarker"), None);
        assert_eq!(deleted[1].child_text("VersionId"), Some("v1"));
        let error = tree.child("Error").unwrap();
        assert_eq!(error.child_text("Code"), Some("AccessDenied"));
    }

    #[test]
    fn delete_result_empty() {
        let xml = DeleteResult::default().to_xml();
        assert!(
            xml.ends_with(&format!("<DeleteResult xmlns=\"{S3_NAMESPACE}\"/>")),
            "{xml}"
        );
    }

    #[test]
    fn tagging_round_trip() {
        let tags = vec![
            ("k&".to_owned(), "v <1>".to_owned()),
            ("e".to_owned(), String::new()),
        ];
        let xml = Tagging { tags: tags.clone() }.to_xml();
        let parsed =
            crate::xml::parse_tagging(xml.as_bytes(), crate::tagging::TagTarget::Object).unwrap();
        assert_eq!(parsed, tags);
    }

    #[test]
    fn tagging_empty_set() {
        let xml = Tagging::default().to_xml();
        assert!(xml.contains("<TagSet></TagSet>"), "{xml}");
    }

    #[test]
    fn attributes_document() {
        let response = GetObjectAttributesResponse {
            etag: Some("\"abc\"".to_owned()),
            checksum: Some(Checksum {
                algorithm: ChecksumAlgorithm::Crc32,
                value: "y/Q5Jg==".to_owned(),
            }),
            checksum_type: Some(ChecksumType::FullObject),
            object_parts: Some(ObjectParts {
                parts_count: 3,
                part_number_marker: 1,
                next_part_number_marker: Some(2),
                max_parts: 1,
                is_truncated: true,
                parts: vec![ObjectPart {
                    part_number: 2,
                    size: 10,
                    checksum: None,
                }],
            }),
            storage_class: Some("STANDARD".to_owned()),
            object_size: Some(30),
        };
        let tree =
            parse_document(response.to_xml().as_bytes(), "GetObjectAttributesResponse").unwrap();
        assert_eq!(tree.child_text("ETag"), Some("abc"));
        let checksum = tree.child("Checksum").unwrap();
        assert_eq!(checksum.child_text("ChecksumCRC32"), Some("y/Q5Jg=="));
        assert_eq!(checksum.child_text("ChecksumType"), Some("FULL_OBJECT"));
        let parts = tree.child("ObjectParts").unwrap();
        assert_eq!(parts.child_text("PartsCount"), Some("3"));
        assert_eq!(
            parts.child("Part").and_then(|p| p.child_text("PartNumber")),
            Some("2")
        );
        assert_eq!(tree.child_text("ObjectSize"), Some("30"));
    }

    #[test]
    fn attributes_only_requested() {
        let response = GetObjectAttributesResponse {
            object_size: Some(1),
            ..Default::default()
        };
        let tree =
            parse_document(response.to_xml().as_bytes(), "GetObjectAttributesResponse").unwrap();
        let names: Vec<&str> = tree.children.iter().map(|c| c.name.as_str()).collect();
        assert_eq!(names, ["ObjectSize"]);
    }
}
