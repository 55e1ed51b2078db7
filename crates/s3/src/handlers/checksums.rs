//! Checksums of multipart uploads: which part checksums an upload accepts, and how
//! CompleteMultipartUpload checks the listed part checksums and builds the object's checksum.
//!
//! An upload created with `x-amz-checksum-algorithm` has one algorithm and one type. A
//! `COMPOSITE` object checksum is the checksum of the concatenated part digests followed by
//! `-N`, so every part must bring its own checksum. A `FULL_OBJECT` checksum is combined from
//! the part CRCs and equals the CRC of the whole object, so the server computes a part's CRC
//! when the client sends none.

use http::HeaderMap;
use oss_proto::checksum::{Checksum, ChecksumAlgorithm, ChecksumType};
use oss_proto::xml::CompletedPart;
use oss_proto::{S3Error, S3ErrorCode};
use oss_store::{CompletedObject, PartRecord, StoredChecksum, Upload, UploadChecksum};

/// The algorithm and type of an upload's checksums.
pub(crate) type UploadChoice = (ChecksumAlgorithm, ChecksumType);

/// Converts a checksum to the form stored with an object or part.
pub(crate) fn to_stored(checksum: &Checksum, kind: ChecksumType) -> StoredChecksum {
    StoredChecksum {
        algorithm: checksum.algorithm.as_str().to_owned(),
        value: checksum.value.clone(),
        kind: kind.as_str().to_owned(),
    }
}

/// Converts a stored checksum back to its wire form, or None if it names no known
/// algorithm.
pub(crate) fn to_wire(stored: &StoredChecksum) -> Option<(Checksum, Option<ChecksumType>)> {
    let algorithm = ChecksumAlgorithm::from_name(&stored.algorithm)?;
    let checksum = Checksum {
        algorithm,
        value: stored.value.clone(),
    };
    Some((checksum, ChecksumType::from_name(&stored.kind)))
}

/// Converts the choice of CreateMultipartUpload to the form stored with the upload.
pub(crate) fn to_upload_checksum((algorithm, kind): UploadChoice) -> UploadChecksum {
    UploadChecksum {
        algorithm: algorithm.as_str().to_owned(),
        kind: kind.as_str().to_owned(),
    }
}

/// Returns the checksum algorithm and type an upload was created with.
pub(crate) fn upload_choice(upload: &Upload) -> Option<UploadChoice> {
    let checksum = upload.checksum.as_ref()?;
    let algorithm = ChecksumAlgorithm::from_name(&checksum.algorithm)?;
    let kind = ChecksumType::from_name(&checksum.kind)?;
    Some((algorithm, kind))
}

/// Checks the algorithm of the checksum a part brings (`sent`) against the upload's, and
/// returns the algorithm the server must compute itself, if any.
///
/// As on AWS, a part of another algorithm is rejected, and so is a part without a checksum
/// in a composite upload. An upload created without an algorithm accepts any part checksum.
pub(crate) fn part_checksum_plan(
    sent: Option<ChecksumAlgorithm>,
    choice: Option<UploadChoice>,
) -> Result<Option<ChecksumAlgorithm>, S3Error> {
    let Some((algorithm, kind)) = choice else {
        return Ok(None);
    };
    match sent {
        Some(sent) if sent == algorithm => Ok(None),
        Some(sent) => Err(type_mismatch(
            algorithm,
            &sent.as_str().to_ascii_lowercase(),
        )),
        None if kind == ChecksumType::FullObject => Ok(Some(algorithm)),
        None => Err(type_mismatch(algorithm, "null")),
    }
}

fn type_mismatch(expected: ChecksumAlgorithm, actual: &str) -> S3Error {
    S3Error::new(S3ErrorCode::InvalidRequest).with_message(format!(
        "Checksum Type mismatch occurred, expected checksum Type: {}, actual checksum Type: \
         {actual}",
        expected.as_str().to_ascii_lowercase()
    ))
}

/// Checksums and size that a CompleteMultipartUpload request declares, beyond the ETags.
pub(crate) struct CompletionRequest {
    /// The parts as listed, with the checksums the client gave for each.
    pub listed: Vec<CompletedPart>,
    /// `x-amz-checksum-type`, which must equal the upload's type.
    pub checksum_type: Option<ChecksumType>,
    /// A whole-object `x-amz-checksum-*` header, compared with the object's checksum.
    pub expected: Option<Checksum>,
    /// `x-amz-mp-object-size`, compared with the sum of the part sizes.
    pub object_size: Option<u64>,
}

impl CompletionRequest {
    /// Reads the checksum and size headers of a CompleteMultipartUpload request.
    pub(crate) fn from_headers(
        headers: &HeaderMap,
        listed: Vec<CompletedPart>,
    ) -> Result<CompletionRequest, S3Error> {
        let text = |name: &str| headers.get(name).map(|value| value.to_str().unwrap_or(""));
        let checksum_type = match text("x-amz-checksum-type") {
            None => None,
            Some(value) => Some(ChecksumType::from_name(value).ok_or_else(|| {
                S3Error::new(S3ErrorCode::InvalidRequest)
                    .with_message("Value for x-amz-checksum-type header is invalid.")
            })?),
        };
        let object_size = match text("x-amz-mp-object-size") {
            None => None,
            Some(value) => Some(value.trim().parse().map_err(|_| {
                S3Error::new(S3ErrorCode::InvalidRequest).with_message(format!(
                    "Value for x-amz-mp-object-size header is invalid: '{value}'"
                ))
            })?),
        };
        Ok(CompletionRequest {
            listed,
            checksum_type,
            expected: expected_object_checksum(headers)?,
            object_size,
        })
    }

    /// Checks the listed parts' checksums and the request's declarations against the stored
    /// parts, and computes the ETag and checksum of the completed object.
    ///
    /// `parts` are the stored parts in the order listed, as the store selected them.
    pub(crate) fn finish(
        &self,
        upload: &Upload,
        parts: &[PartRecord],
    ) -> Result<CompletedObject, S3Error> {
        let choice = upload_choice(upload);
        if let Some(requested) = self.checksum_type
            && Some(requested) != choice.map(|(_, kind)| kind)
        {
            let created = choice.map_or("null", |(_, kind)| kind.as_str());
            return Err(
                S3Error::new(S3ErrorCode::InvalidRequest).with_message(format!(
                    "The upload was created using the {created} checksum mode. The complete \
                     request must use the same checksum mode."
                )),
            );
        }
        let size: u64 = parts.iter().map(|part| part.size).sum();
        if let Some(declared) = self.object_size
            && declared != size
        {
            return Err(
                S3Error::new(S3ErrorCode::InvalidRequest).with_message(format!(
                    "The provided 'x-amz-mp-object-size' header value {declared} does not match \
                     what was computed: {size}"
                )),
            );
        }
        for (part, listed) in parts.iter().zip(&self.listed) {
            check_listed_checksums(choice, part, listed)?;
        }
        let checksum = match choice {
            Some((algorithm, kind)) => Some(object_checksum(algorithm, kind, parts)?),
            // NOTE: AWS gives an upload created without an algorithm a full-object CRC64NVME
            // checksum; here such an object has none, because its parts' CRCs are not kept.
            None => None,
        };
        self.check_expected(checksum.as_ref())?;
        Ok(CompletedObject {
            etag: oss_store::multipart_etag(parts),
            checksum: checksum.map(|(checksum, kind)| to_stored(&checksum, kind)),
        })
    }

    /// Compares a whole-object checksum header with the object's checksum. A composite value
    /// may be given with or without its `-N` suffix.
    fn check_expected(&self, computed: Option<&(Checksum, ChecksumType)>) -> Result<(), S3Error> {
        let Some(expected) = &self.expected else {
            return Ok(());
        };
        let Some((computed, _)) = computed else {
            return Err(type_mismatch_null(expected.algorithm));
        };
        if expected.algorithm != computed.algorithm {
            return Err(type_mismatch(
                computed.algorithm,
                &expected.algorithm.as_str().to_ascii_lowercase(),
            ));
        }
        if digest_part(&expected.value) != digest_part(&computed.value) {
            return Err(S3Error::new(S3ErrorCode::BadDigest).with_message(format!(
                "The {} you specified did not match the calculated checksum.",
                computed.algorithm.as_str()
            )));
        }
        Ok(())
    }
}

fn type_mismatch_null(actual: ChecksumAlgorithm) -> S3Error {
    S3Error::new(S3ErrorCode::InvalidRequest).with_message(format!(
        "Checksum Type mismatch occurred, expected checksum Type: null, actual checksum Type: \
         {}",
        actual.as_str().to_ascii_lowercase()
    ))
}

/// Returns a checksum value without the `-N` part count of a composite checksum.
fn digest_part(value: &str) -> &str {
    let value = value.trim();
    match value.rsplit_once('-') {
        Some((digest, count)) if count.bytes().all(|b| b.is_ascii_digit()) => digest,
        _ => value,
    }
}

/// Reads a whole-object checksum header of CompleteMultipartUpload. A composite value ends
/// in `-N`, so only the part before it must be valid base64 of the digest length.
fn expected_object_checksum(headers: &HeaderMap) -> Result<Option<Checksum>, S3Error> {
    let found = oss_proto::checksum::find_checksum_header_where(headers, |algorithm, value| {
        algorithm.decode(digest_part(value)).is_some()
    })?;
    Ok(found.map(|(algorithm, value)| Checksum { algorithm, value }))
}

/// Checks the checksums a CompleteMultipartUpload document lists for one part against the
/// stored part.
///
/// A composite upload must list each part's checksum. A listed checksum that differs from
/// the stored one is `InvalidPart` when it is of the algorithm the part was stored with, and
/// `BadDigest` when it is of another.
fn check_listed_checksums(
    choice: Option<UploadChoice>,
    part: &PartRecord,
    listed: &CompletedPart,
) -> Result<(), S3Error> {
    let number = part.part_number;
    if let Some((algorithm, ChecksumType::Composite)) = choice
        && !listed
            .checksums
            .iter()
            .any(|checksum| checksum.algorithm == algorithm)
    {
        return Err(
            S3Error::new(S3ErrorCode::InvalidRequest).with_message(format!(
                "The upload was created using a {} checksum. The complete request must include \
                 the checksum for each part. It was missing for part {number} in the request.",
                algorithm.as_str().to_ascii_lowercase()
            )),
        );
    }
    let stored = part.checksum.as_ref().and_then(to_wire);
    for checksum in &listed.checksums {
        match &stored {
            Some((stored, _)) if stored.algorithm == checksum.algorithm => {
                if stored.value != checksum.value.trim() {
                    return Err(S3Error::new(S3ErrorCode::InvalidPart)
                        .with_message(format!(
                            "The {} listed for part {number} does not match the part's.",
                            checksum.algorithm.as_str()
                        ))
                        .with_element("PartNumber", number.to_string()));
                }
            }
            _ => {
                return Err(S3Error::new(S3ErrorCode::BadDigest).with_message(format!(
                    "The {} you specified for part {number} did not match what we received.",
                    checksum.algorithm.as_str().to_ascii_lowercase()
                )));
            }
        }
    }
    Ok(())
}

/// Builds the object checksum from the part checksums: composite, or combined from the part
/// CRCs into the CRC of the whole object.
fn object_checksum(
    algorithm: ChecksumAlgorithm,
    kind: ChecksumType,
    parts: &[PartRecord],
) -> Result<(Checksum, ChecksumType), S3Error> {
    let mut values = Vec::with_capacity(parts.len());
    for part in parts {
        let value = part
            .checksum
            .as_ref()
            .filter(|checksum| checksum.algorithm == algorithm.as_str())
            .map(|checksum| checksum.value.as_str());
        let Some(value) = value else {
            return Err(S3Error::new(S3ErrorCode::InvalidPart)
                .with_message(format!(
                    "Part {} has no {} checksum.",
                    part.part_number,
                    algorithm.as_str()
                ))
                .with_element("PartNumber", part.part_number.to_string()));
        };
        values.push((value, part.size));
    }
    let value = match kind {
        ChecksumType::Composite => {
            let digests: Vec<&str> = values.iter().map(|(value, _)| *value).collect();
            oss_proto::checksum::composite_checksum(algorithm, &digests)
        }
        ChecksumType::FullObject => oss_proto::checksum::full_object_crc(algorithm, &values),
    };
    let value = value.ok_or_else(|| {
        S3Error::new(S3ErrorCode::InternalError)
            .with_message("A stored part checksum does not decode.")
    })?;
    Ok((Checksum { algorithm, value }, kind))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sent(algorithm: ChecksumAlgorithm) -> Option<ChecksumAlgorithm> {
        Some(algorithm)
    }

    #[test]
    fn plan_without_upload_choice_accepts_anything() {
        let plan = part_checksum_plan(sent(ChecksumAlgorithm::Sha1), None);
        assert_eq!(plan.unwrap(), None);
        assert_eq!(part_checksum_plan(None, None).unwrap(), None);
    }

    #[test]
    fn plan_rejects_other_algorithm() {
        let choice = Some((ChecksumAlgorithm::Crc32c, ChecksumType::Composite));
        let error = part_checksum_plan(sent(ChecksumAlgorithm::Crc32), choice).unwrap_err();
        assert_eq!(error.code(), S3ErrorCode::InvalidRequest);
        assert_eq!(
            error.message(),
            "Checksum Type mismatch occurred, expected checksum Type: crc32c, actual checksum \
             Type: crc32"
        );
    }

    #[test]
    fn plan_composite_needs_part_checksum() {
        let choice = Some((ChecksumAlgorithm::Sha256, ChecksumType::Composite));
        let error = part_checksum_plan(None, choice).unwrap_err();
        assert_eq!(error.code(), S3ErrorCode::InvalidRequest);
    }

    #[test]
    fn plan_full_object_computes_missing_part_checksum() {
        let choice = Some((ChecksumAlgorithm::Crc64Nvme, ChecksumType::FullObject));
        let plan = part_checksum_plan(None, choice).unwrap();
        assert_eq!(plan, Some(ChecksumAlgorithm::Crc64Nvme));
    }

    #[test]
    fn digest_part_strips_part_count() {
        assert_eq!(digest_part("AAAAAA==-12"), "AAAAAA==");
        assert_eq!(digest_part("AAAAAA=="), "AAAAAA==");
    }
}
