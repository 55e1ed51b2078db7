//! Multipart upload documents: InitiateMultipartUploadResult, CompleteMultipartUploadResult,
//! ListPartsResult and ListMultipartUploadsResult.

use time::OffsetDateTime;

use super::{Owner, S3_NAMESPACE, XmlWriter, write_checksum};
use crate::checksum::{Checksum, ChecksumAlgorithm, ChecksumType};

/// The body of CreateMultipartUpload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InitiateMultipartUploadResult {
    /// The bucket name.
    pub bucket: String,
    /// The object key.
    pub key: String,
    /// The id of the new upload.
    pub upload_id: String,
}

impl InitiateMultipartUploadResult {
    /// Renders the document.
    pub fn to_xml(&self) -> String {
        XmlWriter::document("InitiateMultipartUploadResult", Some(S3_NAMESPACE), |w| {
            w.text("Bucket", &self.bucket);
            w.text("Key", &self.key);
            w.text("UploadId", &self.upload_id);
        })
    }
}

/// The body of CompleteMultipartUpload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompleteMultipartUploadResult {
    /// The URL of the new object.
    pub location: String,
    /// The bucket name.
    pub bucket: String,
    /// The object key.
    pub key: String,
    /// The quoted multipart ETag, `"...-N"`.
    pub etag: String,
    /// The checksum of the object, when the upload had a checksum algorithm.
    pub checksum: Option<Checksum>,
    /// Whether that checksum is composite or covers the whole object.
    pub checksum_type: Option<ChecksumType>,
}

impl CompleteMultipartUploadResult {
    /// Renders the document.
    pub fn to_xml(&self) -> String {
        XmlWriter::document("CompleteMultipartUploadResult", Some(S3_NAMESPACE), |w| {
            w.text("Location", &self.location);
            w.text("Bucket", &self.bucket);
            w.text("Key", &self.key);
            w.text("ETag", &self.etag);
            write_checksum(w, self.checksum.as_ref());
            w.opt_text("ChecksumType", self.checksum_type.map(ChecksumType::as_str));
        })
    }
}

/// One part in [`ListPartsResult`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PartEntry {
    /// The part number.
    pub part_number: u32,
    /// When the part was uploaded.
    pub last_modified: OffsetDateTime,
    /// The quoted ETag of the part.
    pub etag: String,
    /// The size in bytes.
    pub size: u64,
    /// The checksum of the part, when the upload has a checksum algorithm.
    pub checksum: Option<Checksum>,
}

/// The body of ListParts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListPartsResult {
    /// The bucket name.
    pub bucket: String,
    /// The object key.
    pub key: String,
    /// The upload id.
    pub upload_id: String,
    /// The part-number-marker of the request, 0 when none was given.
    pub part_number_marker: u32,
    /// The marker for the next page, when truncated.
    pub next_part_number_marker: Option<u32>,
    /// The page size of the request.
    pub max_parts: usize,
    /// Whether more parts follow.
    pub is_truncated: bool,
    /// The parts of this page.
    pub parts: Vec<PartEntry>,
    /// The account that started the upload.
    pub initiator: Owner,
    /// The account that will own the object.
    pub owner: Owner,
    /// The storage class of the upload.
    pub storage_class: String,
    /// The checksum algorithm of the upload.
    pub checksum_algorithm: Option<ChecksumAlgorithm>,
    /// The checksum type of the upload.
    pub checksum_type: Option<ChecksumType>,
}

impl ListPartsResult {
    /// Renders the document.
    pub fn to_xml(&self) -> String {
        XmlWriter::document("ListPartsResult", Some(S3_NAMESPACE), |w| {
            w.text("Bucket", &self.bucket);
            w.text("Key", &self.key);
            w.text("UploadId", &self.upload_id);
            w.value("PartNumberMarker", self.part_number_marker);
            w.opt_value("NextPartNumberMarker", self.next_part_number_marker);
            w.value("MaxParts", self.max_parts);
            w.value("IsTruncated", self.is_truncated);
            for part in &self.parts {
                w.element("Part", |w| {
                    w.value("PartNumber", part.part_number);
                    w.date("LastModified", part.last_modified);
                    w.text("ETag", &part.etag);
                    w.value("Size", part.size);
                    write_checksum(w, part.checksum.as_ref());
                });
            }
            self.initiator.write(w, "Initiator");
            self.owner.write(w, "Owner");
            w.text("StorageClass", &self.storage_class);
            w.opt_text(
                "ChecksumAlgorithm",
                self.checksum_algorithm.map(ChecksumAlgorithm::as_str),
            );
            w.opt_text("ChecksumType", self.checksum_type.map(ChecksumType::as_str));
        })
    }
}

/// One upload in [`ListMultipartUploadsResult`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UploadEntry {
    /// The object key.
    pub key: String,
    /// The upload id.
    pub upload_id: String,
    /// The account that started the upload.
    pub initiator: Owner,
    /// The account that will own the object.
    pub owner: Owner,
    /// The storage class of the upload.
    pub storage_class: String,
    /// When the upload was started.
    pub initiated: OffsetDateTime,
    /// The checksum algorithm of the upload.
    pub checksum_algorithm: Option<ChecksumAlgorithm>,
    /// The checksum type of the upload.
    pub checksum_type: Option<ChecksumType>,
}

/// The body of ListMultipartUploads.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListMultipartUploadsResult {
    /// The bucket name.
    pub bucket: String,
    /// The key-marker of the request, empty when none was given.
    pub key_marker: String,
    /// The upload-id-marker of the request, empty when none was given.
    pub upload_id_marker: String,
    /// The key-marker for the next page, when truncated.
    pub next_key_marker: Option<String>,
    /// The upload-id-marker for the next page, when truncated.
    pub next_upload_id_marker: Option<String>,
    /// The prefix of the request, empty when none was given.
    pub prefix: String,
    /// The delimiter of the request.
    pub delimiter: Option<String>,
    /// The page size of the request.
    pub max_uploads: usize,
    /// Whether more uploads follow.
    pub is_truncated: bool,
    /// The uploads of this page.
    pub uploads: Vec<UploadEntry>,
    /// The common prefixes of this page, when a delimiter was given.
    pub common_prefixes: Vec<String>,
    /// `url` when the key fields are URL-encoded.
    pub encoding_type: Option<String>,
}

impl ListMultipartUploadsResult {
    /// Renders the document.
    pub fn to_xml(&self) -> String {
        XmlWriter::document("ListMultipartUploadsResult", Some(S3_NAMESPACE), |w| {
            w.text("Bucket", &self.bucket);
            w.text("KeyMarker", &self.key_marker);
            w.text("UploadIdMarker", &self.upload_id_marker);
            w.opt_text("NextKeyMarker", self.next_key_marker.as_deref());
            w.opt_text("NextUploadIdMarker", self.next_upload_id_marker.as_deref());
            w.text("Prefix", &self.prefix);
            w.opt_text("Delimiter", self.delimiter.as_deref());
            w.value("MaxUploads", self.max_uploads);
            w.value("IsTruncated", self.is_truncated);
            w.opt_text("EncodingType", self.encoding_type.as_deref());
            for upload in &self.uploads {
                write_upload(w, upload);
            }
            for prefix in &self.common_prefixes {
                w.element("CommonPrefixes", |w| w.text("Prefix", prefix));
            }
        })
    }
}

fn write_upload(w: &mut XmlWriter, upload: &UploadEntry) {
    w.element("Upload", |w| {
        w.text("Key", &upload.key);
        w.text("UploadId", &upload.upload_id);
        upload.initiator.write(w, "Initiator");
        upload.owner.write(w, "Owner");
        w.text("StorageClass", &upload.storage_class);
        w.date("Initiated", upload.initiated);
        w.opt_text(
            "ChecksumAlgorithm",
            upload.checksum_algorithm.map(ChecksumAlgorithm::as_str),
        );
        w.opt_text(
            "ChecksumType",
            upload.checksum_type.map(ChecksumType::as_str),
        );
    });
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::super::tree::parse_document;
    use super::*;

    fn owner() -> Owner {
        Owner {
            id: "acc".to_owned(),
            display_name: "alice".to_owned(),
        }
    }

    #[test]
    fn initiate_document() {
        let result = InitiateMultipartUploadResult {
            bucket: "b".to_owned(),
            key: "dir/a&b".to_owned(),
            upload_id: "u-1".to_owned(),
        };
        let expected = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
             <InitiateMultipartUploadResult xmlns=\"{S3_NAMESPACE}\"><Bucket>b</Bucket>\
             <Key>dir/a&amp;b</Key><UploadId>u-1</UploadId></InitiateMultipartUploadResult>"
        );
        assert_eq!(result.to_xml(), expected);
    }

    #[test]
    fn complete_with_checksum() {
        let result = CompleteMultipartUploadResult {
            location: "http://127.0.0.1/b/k".to_owned(),
            bucket: "b".to_owned(),
            key: "k".to_owned(),
            etag: "\"abc-2\"".to_owned(),
            checksum: Some(Checksum {
                algorithm: ChecksumAlgorithm::Crc32c,
                value: "AAAAAA==-2".to_owned(),
            }),
            checksum_type: Some(ChecksumType::Composite),
        };
        let tree =
            parse_document(result.to_xml().as_bytes(), "CompleteMultipartUploadResult").unwrap();
        assert_eq!(tree.child_text("ETag"), Some("\"abc-2\""));
        assert_eq!(tree.child_text("ChecksumCRC32C"), Some("AAAAAA==-2"));
        assert_eq!(tree.child_text("ChecksumType"), Some("COMPOSITE"));
    }

    #[test]
    fn complete_without_checksum() {
        let result = CompleteMultipartUploadResult {
            location: "l".to_owned(),
            bucket: "b".to_owned(),
            key: "k".to_owned(),
            etag: "\"e\"".to_owned(),
            checksum: None,
            checksum_type: None,
        };
        assert!(!result.to_xml().contains("Checksum"));
    }

    #[test]
    fn list_parts_document() {
        let result = ListPartsResult {
            bucket: "b".to_owned(),
            key: "k".to_owned(),
            upload_id: "u".to_owned(),
            part_number_marker: 0,
            next_part_number_marker: Some(2),
            max_parts: 2,
            is_truncated: true,
            parts: vec![PartEntry {
                part_number: 2,
                last_modified: datetime!(2024-01-01 00:00:00 UTC),
                etag: "\"p2\"".to_owned(),
                size: 5_242_880,
                checksum: None,
            }],
            initiator: owner(),
            owner: owner(),
            storage_class: "STANDARD".to_owned(),
            checksum_algorithm: Some(ChecksumAlgorithm::Sha256),
            checksum_type: None,
        };
        let tree = parse_document(result.to_xml().as_bytes(), "ListPartsResult").unwrap();
        assert_eq!(tree.child_text("NextPartNumberMarker"), Some("2"));
        assert_eq!(tree.child_text("IsTruncated"), Some("true"));
        assert_eq!(
            tree.child("Part").and_then(|p| p.child_text("Size")),
            Some("5242880")
        );
        assert_eq!(
            tree.child("Initiator").and_then(|i| i.child_text("ID")),
            Some("acc")
        );
        assert_eq!(tree.child_text("ChecksumAlgorithm"), Some("SHA256"));
    }

    #[test]
    fn list_uploads_document() {
        let result = ListMultipartUploadsResult {
            bucket: "b".to_owned(),
            key_marker: String::new(),
            upload_id_marker: String::new(),
            next_key_marker: None,
            next_upload_id_marker: None,
            prefix: String::new(),
            delimiter: Some("/".to_owned()),
            max_uploads: 1000,
            is_truncated: false,
            uploads: vec![UploadEntry {
                key: "k<1>".to_owned(),
                upload_id: "u".to_owned(),
                initiator: owner(),
                owner: owner(),
                storage_class: "STANDARD".to_owned(),
                initiated: datetime!(2024-01-01 00:00:00 UTC),
                checksum_algorithm: None,
                checksum_type: None,
            }],
            common_prefixes: vec!["dir/".to_owned()],
            encoding_type: None,
        };
        let tree =
            parse_document(result.to_xml().as_bytes(), "ListMultipartUploadsResult").unwrap();
        let upload = tree.child("Upload").unwrap();
        assert_eq!(upload.child_text("Key"), Some("k<1>"));
        assert_eq!(
            upload.child_text("Initiated"),
            Some("2024-01-01T00:00:00.000Z")
        );
        assert_eq!(
            tree.child("CommonPrefixes")
                .and_then(|p| p.child_text("Prefix")),
            Some("dir/")
        );
        assert_eq!(tree.child_text("NextKeyMarker"), None);
    }
}
