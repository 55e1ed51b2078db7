//! Parsers of S3 request bodies.
//!
//! Malformed XML, a wrong root element or a missing required element is `MalformedXML`, as
//! with AWS. The HTTP layer bounds the body size before calling, and the tree reader bounds
//! the nesting depth.

use super::bucket::VersioningStatus;
use super::tree::{Element, malformed, parse_document};
use crate::checksum::{Checksum, ChecksumAlgorithm};
use crate::error::{S3Error, S3ErrorCode, S3Result};
use crate::tagging::{TagTarget, validate_tags};

/// The maximum number of objects in one DeleteObjects request, as with AWS.
pub const MAX_DELETE_OBJECTS: usize = 1000;

/// The highest part number of a multipart upload.
pub const MAX_PART_NUMBER: u32 = 10_000;

/// Parses a CreateBucketConfiguration body into its `LocationConstraint`.
///
/// An empty body, a missing element and an empty element all give `None`, which means the
/// default region.
pub fn parse_create_bucket_configuration(body: &[u8]) -> S3Result<Option<String>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    let root = parse_document(body, "CreateBucketConfiguration")?;
    let region = root.child_text("LocationConstraint").map(str::trim);
    Ok(region
        .filter(|region| !region.is_empty())
        .map(str::to_owned))
}

/// A part listed in a CompleteMultipartUpload body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CompletedPart {
    /// The part number, from 1 to [`MAX_PART_NUMBER`].
    pub part_number: u32,
    /// The ETag, quoted even when the client sent it bare.
    pub etag: String,
    /// The part checksums the client sent, in the order of [`ChecksumAlgorithm::ALL`].
    pub checksums: Vec<Checksum>,
}

/// Parses a CompleteMultipartUpload body.
///
/// No parts, or a part without `PartNumber` or `ETag`, is `MalformedXML`. A part number
/// outside 1 to 10000 is `InvalidArgument`, and part numbers that do not strictly ascend are
/// `InvalidPartOrder`.
pub fn parse_complete_multipart_upload(body: &[u8]) -> S3Result<Vec<CompletedPart>> {
    let root = parse_document(body, "CompleteMultipartUpload")?;
    let mut parts: Vec<CompletedPart> = Vec::new();
    for element in root.children_named("Part") {
        let part = completed_part(element)?;
        if parts
            .last()
            .is_some_and(|last| last.part_number >= part.part_number)
        {
            return Err(S3Error::new(S3ErrorCode::InvalidPartOrder));
        }
        parts.push(part);
    }
    if parts.is_empty() {
        return Err(malformed("<CompleteMultipartUpload> lists no parts"));
    }
    Ok(parts)
}

fn completed_part(element: &Element) -> S3Result<CompletedPart> {
    let number = element.required_text("PartNumber")?.trim();
    let number: u32 = number
        .parse()
        .map_err(|_| malformed(format!("bad part number {number:?}")))?;
    if !(1..=MAX_PART_NUMBER).contains(&number) {
        return Err(S3Error::new(S3ErrorCode::InvalidArgument)
            .with_message("Part number must be an integer between 1 and 10000, inclusive")
            .with_element("ArgumentName", "partNumber")
            .with_element("ArgumentValue", number.to_string()));
    }
    let etag = element.required_text("ETag")?.trim();
    let etag = if etag.starts_with('"') {
        etag.to_owned()
    } else {
        format!("\"{etag}\"")
    };
    let checksums = ChecksumAlgorithm::ALL
        .into_iter()
        .filter_map(|algorithm| {
            let value = element.child_text(algorithm.xml_element())?.trim();
            Some(Checksum {
                algorithm,
                value: value.to_owned(),
            })
        })
        .collect();
    Ok(CompletedPart {
        part_number: number,
        etag,
        checksums,
    })
}

/// An object named in a DeleteObjects body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ObjectIdentifier {
    /// The object key, exactly as sent.
    pub key: String,
    /// The version to delete, if any.
    pub version_id: Option<String>,
}

/// A parsed DeleteObjects body.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeleteRequest {
    /// The objects to delete, in request order.
    pub objects: Vec<ObjectIdentifier>,
    /// Whether the response lists only the errors.
    pub quiet: bool,
}

/// Parses a DeleteObjects body.
///
/// No objects, more than [`MAX_DELETE_OBJECTS`], an object without `Key`, or a `Quiet` other
/// than `true` or `false` is `MalformedXML`.
pub fn parse_delete(body: &[u8]) -> S3Result<DeleteRequest> {
    let root = parse_document(body, "Delete")?;
    let quiet = match root.child_text("Quiet").map(str::trim) {
        None => false,
        Some(text) if text.eq_ignore_ascii_case("true") => true,
        Some(text) if text.eq_ignore_ascii_case("false") => false,
        Some(text) => return Err(malformed(format!("bad <Quiet> value {text:?}"))),
    };
    let objects = root
        .children_named("Object")
        .map(|object| {
            Ok(ObjectIdentifier {
                key: object.required_text("Key")?.to_owned(),
                version_id: object.child_text("VersionId").map(str::to_owned),
            })
        })
        .collect::<S3Result<Vec<_>>>()?;
    if objects.is_empty() || objects.len() > MAX_DELETE_OBJECTS {
        return Err(malformed(format!(
            "<Delete> lists {} objects",
            objects.len()
        )));
    }
    Ok(DeleteRequest { objects, quiet })
}

/// Parses a Tagging body into `(key, value)` pairs in document order and checks them with
/// [`validate_tags`] for `target`.
///
/// A missing `TagSet`, or a tag without `Key` or `Value`, is `MalformedXML`.
pub fn parse_tagging(body: &[u8], target: TagTarget) -> S3Result<Vec<(String, String)>> {
    let root = parse_document(body, "Tagging")?;
    let tag_set = root
        .child("TagSet")
        .ok_or_else(|| malformed("<Tagging> has no <TagSet>"))?;
    let tags = tag_set
        .children_named("Tag")
        .map(|tag| {
            Ok((
                tag.required_text("Key")?.to_owned(),
                tag.required_text("Value")?.to_owned(),
            ))
        })
        .collect::<S3Result<Vec<_>>>()?;
    validate_tags(&tags, target)?;
    Ok(tags)
}

/// Parses a VersioningConfiguration body of PutBucketVersioning.
///
/// A `Status` other than `Enabled` or `Suspended` is `MalformedXML`, and so is a missing one.
/// `MfaDelete` is ignored.
pub fn parse_versioning_configuration(body: &[u8]) -> S3Result<VersioningStatus> {
    let root = parse_document(body, "VersioningConfiguration")?;
    match root.required_text("Status")?.trim() {
        "Enabled" => Ok(VersioningStatus::Enabled),
        "Suspended" => Ok(VersioningStatus::Suspended),
        other => Err(malformed(format!("bad versioning status {other:?}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn code_of<T>(result: S3Result<T>) -> Option<S3ErrorCode> {
        result.err().map(|err| err.code())
    }

    #[test]
    fn location_constraint_present() {
        let body = b"<CreateBucketConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
            <LocationConstraint>eu-west-1</LocationConstraint></CreateBucketConfiguration>";
        assert_eq!(
            parse_create_bucket_configuration(body).unwrap().as_deref(),
            Some("eu-west-1")
        );
    }

    #[test]
    fn location_constraint_absent() {
        let cases: [&[u8]; 4] = [
            b"",
            b"\r\n ",
            b"<CreateBucketConfiguration/>",
            b"<CreateBucketConfiguration><LocationConstraint/></CreateBucketConfiguration>",
        ];
        for body in cases {
            assert_eq!(
                parse_create_bucket_configuration(body).unwrap(),
                None,
                "{body:?}"
            );
        }
    }

    #[test]
    fn location_constraint_wrong_root() {
        let result =
            parse_create_bucket_configuration(b"<LocationConstraint>x</LocationConstraint>");
        assert_eq!(code_of(result), Some(S3ErrorCode::MalformedXML));
    }

    #[test]
    fn complete_parts() {
        let body = br#"<CompleteMultipartUpload xmlns="http://s3.amazonaws.com/doc/2006-03-01/">
            <Part><PartNumber>1</PartNumber><ETag>"aaa"</ETag>
                <ChecksumCRC32>y/Q5Jg==</ChecksumCRC32></Part>
            <Part><ETag>bbb</ETag><PartNumber> 3 </PartNumber></Part>
        </CompleteMultipartUpload>"#;
        let parts = parse_complete_multipart_upload(body).unwrap();
        let crc = Checksum {
            algorithm: ChecksumAlgorithm::Crc32,
            value: "y/Q5Jg==".to_owned(),
        };
        let expected = vec![
            CompletedPart {
                part_number: 1,
                etag: "\"aaa\"".to_owned(),
                checksums: vec![crc],
            },
            CompletedPart {
                part_number: 3,
                etag: "\"bbb\"".to_owned(),
                checksums: vec![],
            },
        ];
        assert_eq!(parts, expected);
    }

    #[test]
    fn complete_escaped_etag() {
        let body = b"<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>\
            <ETag>&quot;aaa&quot;</ETag></Part></CompleteMultipartUpload>";
        assert_eq!(
            parse_complete_multipart_upload(body).unwrap()[0].etag,
            "\"aaa\""
        );
    }

    #[test]
    fn complete_errors() {
        let part =
            |number: &str| format!("<Part><PartNumber>{number}</PartNumber><ETag>e</ETag></Part>");
        let wrap =
            |parts: String| format!("<CompleteMultipartUpload>{parts}</CompleteMultipartUpload>");
        let cases = [
            (wrap(String::new()), S3ErrorCode::MalformedXML),
            (
                wrap("<Part><PartNumber>1</PartNumber></Part>".into()),
                S3ErrorCode::MalformedXML,
            ),
            (
                wrap("<Part><ETag>e</ETag></Part>".into()),
                S3ErrorCode::MalformedXML,
            ),
            (wrap(part("one")), S3ErrorCode::MalformedXML),
            (wrap(part("-1")), S3ErrorCode::MalformedXML),
            (wrap(part("0")), S3ErrorCode::InvalidArgument),
            (wrap(part("10001")), S3ErrorCode::InvalidArgument),
            (wrap(part("2") + &part("1")), S3ErrorCode::InvalidPartOrder),
            (wrap(part("2") + &part("2")), S3ErrorCode::InvalidPartOrder),
            ("<Delete></Delete>".to_owned(), S3ErrorCode::MalformedXML),
            (
                "<CompleteMultipartUpload>".to_owned(),
                S3ErrorCode::MalformedXML,
            ),
        ];
        for (body, code) in cases {
            let result = parse_complete_multipart_upload(body.as_bytes());
            assert_eq!(code_of(result), Some(code), "{body}");
        }
    }

    #[test]
    fn delete_objects() {
        let body = b"<Delete><Quiet>true</Quiet>\
            <Object><Key>a&amp;b&#13;</Key></Object>\
            <Object><Key> spaced </Key><VersionId>v1</VersionId></Object></Delete>";
        let request = parse_delete(body).unwrap();
        let expected = DeleteRequest {
            objects: vec![
                ObjectIdentifier {
                    key: "a&b\r".to_owned(),
                    version_id: None,
                },
                ObjectIdentifier {
                    key: " spaced ".to_owned(),
                    version_id: Some("v1".to_owned()),
                },
            ],
            quiet: true,
        };
        assert_eq!(request, expected);
    }

    #[test]
    fn delete_with_namespace() {
        let body = b"<Delete xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
            <Object><Key>k</Key></Object></Delete>";
        let request = parse_delete(body).unwrap();
        assert!(!request.quiet);
        assert_eq!(request.objects.len(), 1);
    }

    #[test]
    fn delete_at_limit() {
        let objects = "<Object><Key>k</Key></Object>".repeat(MAX_DELETE_OBJECTS);
        let body = format!("<Delete>{objects}</Delete>");
        assert_eq!(
            parse_delete(body.as_bytes()).unwrap().objects.len(),
            MAX_DELETE_OBJECTS
        );
    }

    #[test]
    fn delete_errors() {
        let too_many = "<Object><Key>k</Key></Object>".repeat(MAX_DELETE_OBJECTS + 1);
        let cases = [
            "<Delete></Delete>".to_owned(),
            "<Delete><Object><VersionId>v</VersionId></Object></Delete>".to_owned(),
            "<Delete><Quiet>yes</Quiet><Object><Key>k</Key></Object></Delete>".to_owned(),
            format!("<Delete>{too_many}</Delete>"),
            "<Tagging/>".to_owned(),
            "<Delete><Object><Key>k</Key></Object>".to_owned(),
        ];
        for body in cases {
            let result = parse_delete(body.as_bytes());
            assert_eq!(code_of(result), Some(S3ErrorCode::MalformedXML), "{body}");
        }
    }

    #[test]
    fn tagging_pairs() {
        let body = b"<Tagging><TagSet>\
            <Tag><Key>project</Key><Value>a &lt; b</Value></Tag>\
            <Tag><Key>empty</Key><Value></Value></Tag>\
            </TagSet></Tagging>";
        let tags = parse_tagging(body, TagTarget::Object).unwrap();
        let expected = vec![
            ("project".to_owned(), "a < b".to_owned()),
            ("empty".to_owned(), String::new()),
        ];
        assert_eq!(tags, expected);
    }

    #[test]
    fn tagging_empty_set() {
        assert_eq!(
            parse_tagging(b"<Tagging><TagSet/></Tagging>", TagTarget::Object).unwrap(),
            vec![]
        );
    }

    #[test]
    fn tagging_errors() {
        let cases: [(&[u8], S3ErrorCode); 4] = [
            (b"<Tagging/>", S3ErrorCode::MalformedXML),
            (
                b"<Tagging><TagSet><Tag><Key>k</Key></Tag></TagSet></Tagging>",
                S3ErrorCode::MalformedXML,
            ),
            (
                b"<Tagging><TagSet><Tag><Value>v</Value></Tag></TagSet></Tagging>",
                S3ErrorCode::MalformedXML,
            ),
            (
                b"<Tagging><TagSet><Tag><Key>k</Key><Value>1</Value></Tag>\
                  <Tag><Key>k</Key><Value>2</Value></Tag></TagSet></Tagging>",
                S3ErrorCode::InvalidTag,
            ),
        ];
        for (body, code) in cases {
            assert_eq!(
                code_of(parse_tagging(body, TagTarget::Object)),
                Some(code),
                "{body:?}"
            );
        }
    }

    #[test]
    fn tagging_count_limit() {
        let tags: String = (0..11)
            .map(|i| format!("<Tag><Key>{i}</Key><Value>v</Value></Tag>"))
            .collect();
        let body = format!("<Tagging><TagSet>{tags}</TagSet></Tagging>");
        assert_eq!(
            code_of(parse_tagging(body.as_bytes(), TagTarget::Object)),
            Some(S3ErrorCode::BadRequest)
        );
        assert!(parse_tagging(body.as_bytes(), TagTarget::Bucket).is_ok());
    }

    #[test]
    fn versioning_status() {
        let enabled =
            b"<VersioningConfiguration><Status>Enabled</Status></VersioningConfiguration>";
        assert_eq!(
            parse_versioning_configuration(enabled).unwrap(),
            VersioningStatus::Enabled
        );
        let suspended =
            b"<VersioningConfiguration xmlns=\"http://s3.amazonaws.com/doc/2006-03-01/\">\
            <Status>Suspended</Status><MfaDelete>Disabled</MfaDelete></VersioningConfiguration>";
        assert_eq!(
            parse_versioning_configuration(suspended).unwrap(),
            VersioningStatus::Suspended
        );
    }

    #[test]
    fn versioning_errors() {
        let cases: [&[u8]; 3] = [
            b"<VersioningConfiguration><Status>On</Status></VersioningConfiguration>",
            b"<VersioningConfiguration/>",
            b"<Versioning><Status>Enabled</Status></Versioning>",
        ];
        for body in cases {
            let result = parse_versioning_configuration(body);
            assert_eq!(code_of(result), Some(S3ErrorCode::MalformedXML), "{body:?}");
        }
    }
}
