//! S3 XML documents: rendering response bodies and parsing request bodies.
//!
//! Every response document starts with the XML declaration and carries the S3 namespace.
//! Text is escaped by [`escape_text`], so keys with markup or control characters survive.

mod bucket;
mod list;
mod multipart;
mod object;
mod parse;
mod tree;
mod writer;

pub use bucket::{LocationConstraint, VersioningConfiguration, VersioningStatus};
pub use list::{
    BucketEntry, DeleteMarkerEntry, ListAllMyBucketsResult, ListBucketResult, ListBucketResultV2,
    ListVersionsResult, ObjectEntry, ObjectVersion, VersionEntry,
};
pub use multipart::{
    CompleteMultipartUploadResult, InitiateMultipartUploadResult, ListMultipartUploadsResult,
    ListPartsResult, PartEntry, UploadEntry,
};
pub use object::{
    CopyObjectResult, CopyPartResult, DeleteErrorEntry, DeleteResult, DeletedEntry,
    GetObjectAttributesResponse, ObjectPart, ObjectParts, Tagging,
};
pub use parse::{
    CompletedPart, DeleteRequest, MAX_DELETE_OBJECTS, MAX_PART_NUMBER, ObjectIdentifier,
    parse_complete_multipart_upload, parse_create_bucket_configuration, parse_delete,
    parse_tagging, parse_versioning_configuration,
};
pub use writer::{S3_NAMESPACE, escape_text, url_encode_key};

pub(crate) use tree::{Element, malformed, parse_document};
pub(crate) use writer::XmlWriter;

use crate::checksum::Checksum;

/// An account as listings show it: `<ID>` and `<DisplayName>`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Owner {
    /// The account id.
    pub id: String,
    /// The account's display name.
    pub display_name: String,
}

impl Owner {
    /// Writes the owner as an element named `element`, such as `Owner` or `Initiator`.
    fn write(&self, w: &mut XmlWriter, element: &str) {
        w.element(element, |w| {
            w.text("ID", &self.id);
            w.text("DisplayName", &self.display_name);
        });
    }
}

/// Writes a checksum as its algorithm's element, such as `<ChecksumCRC32>`.
fn write_checksum(w: &mut XmlWriter, checksum: Option<&Checksum>) {
    if let Some(checksum) = checksum {
        w.text(checksum.algorithm.xml_element(), &checksum.value);
    }
}
