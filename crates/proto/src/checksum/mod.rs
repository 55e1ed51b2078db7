//! Checksums: the five algorithms of `x-amz-checksum-*`, Content-MD5 and ETags, and the
//! checksums of multipart objects built from their parts.

mod combine;

use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use http::{HeaderMap, HeaderName};
use md5::{Digest, Md5};

pub use combine::{
    composite_checksum, crc32_combine, crc32c_combine, crc64nvme_combine, full_object_crc,
};

use crate::error::{S3Error, S3ErrorCode, S3Result};
use crate::headers::{X_AMZ_CHECKSUM_ALGORITHM, X_AMZ_CHECKSUM_TYPE, X_AMZ_SDK_CHECKSUM_ALGORITHM};

/// A checksum algorithm that clients may ask for in `x-amz-checksum-algorithm`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChecksumAlgorithm {
    /// CRC-32 (ISO HDLC), as zlib computes it.
    Crc32,
    /// CRC-32C (Castagnoli).
    Crc32c,
    /// CRC-64/NVME.
    Crc64Nvme,
    /// SHA-1.
    Sha1,
    /// SHA-256.
    Sha256,
}

impl ChecksumAlgorithm {
    /// Every algorithm, in the order AWS lists them.
    pub const ALL: [ChecksumAlgorithm; 5] = [
        ChecksumAlgorithm::Crc32,
        ChecksumAlgorithm::Crc32c,
        ChecksumAlgorithm::Crc64Nvme,
        ChecksumAlgorithm::Sha1,
        ChecksumAlgorithm::Sha256,
    ];

    /// Returns the name used in headers and XML, such as `CRC32C`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChecksumAlgorithm::Crc32 => "CRC32",
            ChecksumAlgorithm::Crc32c => "CRC32C",
            ChecksumAlgorithm::Crc64Nvme => "CRC64NVME",
            ChecksumAlgorithm::Sha1 => "SHA1",
            ChecksumAlgorithm::Sha256 => "SHA256",
        }
    }

    /// Parses an algorithm name, ignoring ASCII case as AWS does.
    pub fn from_name(name: &str) -> Option<ChecksumAlgorithm> {
        let name = name.trim();
        Self::ALL
            .into_iter()
            .find(|alg| alg.as_str().eq_ignore_ascii_case(name))
    }

    /// Returns the header that carries this checksum, such as `x-amz-checksum-crc32`.
    pub fn header_name(self) -> HeaderName {
        HeaderName::from_static(match self {
            ChecksumAlgorithm::Crc32 => "x-amz-checksum-crc32",
            ChecksumAlgorithm::Crc32c => "x-amz-checksum-crc32c",
            ChecksumAlgorithm::Crc64Nvme => "x-amz-checksum-crc64nvme",
            ChecksumAlgorithm::Sha1 => "x-amz-checksum-sha1",
            ChecksumAlgorithm::Sha256 => "x-amz-checksum-sha256",
        })
    }

    /// Finds the algorithm whose checksum header is `name`, as listed in `x-amz-trailer`.
    pub fn from_header_name(name: &str) -> Option<ChecksumAlgorithm> {
        let name = name.trim();
        Self::ALL
            .into_iter()
            .find(|alg| alg.header_name().as_str().eq_ignore_ascii_case(name))
    }

    /// Returns the XML element that carries this checksum, such as `ChecksumCRC32`.
    pub fn xml_element(self) -> &'static str {
        match self {
            ChecksumAlgorithm::Crc32 => "ChecksumCRC32",
            ChecksumAlgorithm::Crc32c => "ChecksumCRC32C",
            ChecksumAlgorithm::Crc64Nvme => "ChecksumCRC64NVME",
            ChecksumAlgorithm::Sha1 => "ChecksumSHA1",
            ChecksumAlgorithm::Sha256 => "ChecksumSHA256",
        }
    }

    /// Returns the length of the raw digest in bytes.
    pub fn digest_len(self) -> usize {
        match self {
            ChecksumAlgorithm::Crc32 | ChecksumAlgorithm::Crc32c => 4,
            ChecksumAlgorithm::Crc64Nvme => 8,
            ChecksumAlgorithm::Sha1 => 20,
            ChecksumAlgorithm::Sha256 => 32,
        }
    }

    /// Tells whether the algorithm is a CRC, whose part checksums combine into a checksum of
    /// the whole object.
    pub fn is_crc(self) -> bool {
        matches!(
            self,
            ChecksumAlgorithm::Crc32 | ChecksumAlgorithm::Crc32c | ChecksumAlgorithm::Crc64Nvme
        )
    }

    /// Returns whether a multipart upload may build its object checksum of `kind` from part
    /// checksums of this algorithm. Only CRCs combine into a checksum of the whole object, and
    /// AWS offers CRC-64/NVME only that way.
    pub fn supports_multipart(self, kind: ChecksumType) -> bool {
        match kind {
            ChecksumType::FullObject => self.is_crc(),
            ChecksumType::Composite => self != ChecksumAlgorithm::Crc64Nvme,
        }
    }

    /// Returns the checksum type of a multipart upload that names this algorithm but no
    /// type: `FULL_OBJECT` for CRC-64/NVME, `COMPOSITE` for the others, as on AWS.
    pub fn default_multipart_type(self) -> ChecksumType {
        if self == ChecksumAlgorithm::Crc64Nvme {
            ChecksumType::FullObject
        } else {
            ChecksumType::Composite
        }
    }

    /// Decodes a base64 checksum value, returning `None` unless it is valid base64 of the
    /// algorithm's digest length.
    pub fn decode(self, value: &str) -> Option<Vec<u8>> {
        let raw = BASE64.decode(value.trim()).ok()?;
        (raw.len() == self.digest_len()).then_some(raw)
    }
}

impl std::fmt::Display for ChecksumAlgorithm {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The kind of checksum a multipart object has (`x-amz-checksum-type`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ChecksumType {
    /// A checksum of the part checksums, written `value-N`.
    Composite,
    /// A checksum of the whole object's bytes.
    FullObject,
}

impl ChecksumType {
    /// Returns the wire name: `COMPOSITE` or `FULL_OBJECT`.
    pub fn as_str(self) -> &'static str {
        match self {
            ChecksumType::Composite => "COMPOSITE",
            ChecksumType::FullObject => "FULL_OBJECT",
        }
    }

    /// Parses a wire name, ignoring ASCII case.
    pub fn from_name(name: &str) -> Option<ChecksumType> {
        [ChecksumType::Composite, ChecksumType::FullObject]
            .into_iter()
            .find(|kind| kind.as_str().eq_ignore_ascii_case(name.trim()))
    }
}

/// A checksum value as sent on the wire: the algorithm and the base64 of the digest.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Checksum {
    /// The algorithm.
    pub algorithm: ChecksumAlgorithm,
    /// The base64 of the big-endian digest, with a `-N` suffix for composite checksums.
    pub value: String,
}

impl From<(ChecksumAlgorithm, String)> for Checksum {
    fn from((algorithm, value): (ChecksumAlgorithm, String)) -> Self {
        Checksum { algorithm, value }
    }
}

/// An incremental checksum in any of the five algorithms.
pub struct Checksummer(State);

enum State {
    Crc32(crc32fast::Hasher),
    Crc32c(u32),
    Crc64Nvme(crc64fast_nvme::Digest),
    Sha1(sha1::Sha1),
    Sha256(sha2::Sha256),
}

impl Checksummer {
    /// Starts a checksum over no bytes.
    pub fn new(algorithm: ChecksumAlgorithm) -> Self {
        Checksummer(match algorithm {
            ChecksumAlgorithm::Crc32 => State::Crc32(crc32fast::Hasher::new()),
            ChecksumAlgorithm::Crc32c => State::Crc32c(0),
            ChecksumAlgorithm::Crc64Nvme => State::Crc64Nvme(crc64fast_nvme::Digest::new()),
            ChecksumAlgorithm::Sha1 => State::Sha1(sha1::Sha1::new()),
            ChecksumAlgorithm::Sha256 => State::Sha256(sha2::Sha256::new()),
        })
    }

    /// Returns the algorithm.
    pub fn algorithm(&self) -> ChecksumAlgorithm {
        match self.0 {
            State::Crc32(_) => ChecksumAlgorithm::Crc32,
            State::Crc32c(_) => ChecksumAlgorithm::Crc32c,
            State::Crc64Nvme(_) => ChecksumAlgorithm::Crc64Nvme,
            State::Sha1(_) => ChecksumAlgorithm::Sha1,
            State::Sha256(_) => ChecksumAlgorithm::Sha256,
        }
    }

    /// Feeds more bytes.
    pub fn update(&mut self, data: &[u8]) {
        match &mut self.0 {
            State::Crc32(hasher) => hasher.update(data),
            State::Crc32c(crc) => *crc = crc32c::crc32c_append(*crc, data),
            State::Crc64Nvme(digest) => digest.write(data),
            State::Sha1(hasher) => hasher.update(data),
            State::Sha256(hasher) => hasher.update(data),
        }
    }

    /// Returns the raw digest, with CRCs big-endian as AWS encodes them.
    pub fn finish_raw(self) -> Vec<u8> {
        match self.0 {
            State::Crc32(hasher) => hasher.finalize().to_be_bytes().to_vec(),
            State::Crc32c(crc) => crc.to_be_bytes().to_vec(),
            State::Crc64Nvme(digest) => digest.sum64().to_be_bytes().to_vec(),
            State::Sha1(hasher) => hasher.finalize().to_vec(),
            State::Sha256(hasher) => hasher.finalize().to_vec(),
        }
    }

    /// Returns the digest in base64, the form of `x-amz-checksum-*` headers.
    pub fn finish(self) -> String {
        BASE64.encode(self.finish_raw())
    }
}

impl std::fmt::Debug for Checksummer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Checksummer")
            .field(&self.algorithm())
            .finish()
    }
}

/// Finds the one `x-amz-checksum-*` header of a request and checks that its value is valid
/// base64 of the right length.
///
/// Two or more checksum headers, or an invalid value, are `InvalidRequest`, as with AWS.
pub fn find_checksum_header(headers: &HeaderMap) -> S3Result<Option<(ChecksumAlgorithm, String)>> {
    find_checksum_header_where(headers, |algorithm, value| {
        algorithm.decode(value).is_some()
    })
}

/// Like [`find_checksum_header`], with `valid` deciding whether a header's value is valid for
/// its algorithm; CompleteMultipartUpload takes composite values ending in `-N`.
pub fn find_checksum_header_where(
    headers: &HeaderMap,
    valid: impl Fn(ChecksumAlgorithm, &str) -> bool,
) -> S3Result<Option<(ChecksumAlgorithm, String)>> {
    let mut found = None;
    for algorithm in ChecksumAlgorithm::ALL {
        let name = algorithm.header_name();
        let Some(value) = headers.get(&name) else {
            continue;
        };
        if found.is_some() {
            return Err(S3Error::new(S3ErrorCode::InvalidRequest).with_message(
                "Expecting a single x-amz-checksum- header. Multiple checksum Types are not \
                 allowed.",
            ));
        }
        let value = value.to_str().ok().filter(|value| valid(algorithm, value));
        let Some(value) = value else {
            return Err(S3Error::new(S3ErrorCode::InvalidRequest)
                .with_message(format!("Value for {name} header is invalid.")));
        };
        found = Some((algorithm, value.trim().to_owned()));
    }
    Ok(found)
}

/// Reads the algorithm a client chose from `x-amz-checksum-algorithm`, or else from
/// `x-amz-sdk-checksum-algorithm`. An unknown name is `InvalidRequest`.
pub fn checksum_algorithm_header(headers: &HeaderMap) -> S3Result<Option<ChecksumAlgorithm>> {
    let value = headers
        .get(X_AMZ_CHECKSUM_ALGORITHM)
        .or_else(|| headers.get(X_AMZ_SDK_CHECKSUM_ALGORITHM));
    let Some(value) = value else {
        return Ok(None);
    };
    let algorithm = value.to_str().ok().and_then(ChecksumAlgorithm::from_name);
    match algorithm {
        Some(algorithm) => Ok(Some(algorithm)),
        None => Err(S3Error::new(S3ErrorCode::InvalidRequest).with_message(
            "Checksum algorithm provided is unsupported. Please try again with any of the valid \
             types: [CRC32, CRC32C, CRC64NVME, SHA1, SHA256]",
        )),
    }
}

/// Reads the checksum algorithm and type that CreateMultipartUpload chose from
/// `x-amz-checksum-algorithm` and `x-amz-checksum-type`, with the defaults and rejections of
/// AWS: a type without an algorithm, an unknown type, and a type the algorithm does not
/// support (SHA-1 and SHA-256 are composite only, CRC-64/NVME full-object only) are
/// `InvalidRequest`.
pub fn multipart_checksum_headers(
    headers: &HeaderMap,
) -> S3Result<Option<(ChecksumAlgorithm, ChecksumType)>> {
    let algorithm = checksum_algorithm_header(headers)?;
    let kind = match headers.get(X_AMZ_CHECKSUM_TYPE) {
        None => None,
        Some(value) => Some(
            value
                .to_str()
                .ok()
                .and_then(ChecksumType::from_name)
                .ok_or_else(|| {
                    S3Error::new(S3ErrorCode::InvalidRequest)
                        .with_message("Value for x-amz-checksum-type header is invalid.")
                })?,
        ),
    };
    match (algorithm, kind) {
        (None, None) => Ok(None),
        (None, Some(_)) => Err(S3Error::new(S3ErrorCode::InvalidRequest).with_message(
            "The x-amz-checksum-type header can only be used with the x-amz-checksum-algorithm \
             header.",
        )),
        (Some(algorithm), kind) => {
            let kind = kind.unwrap_or_else(|| algorithm.default_multipart_type());
            if !algorithm.supports_multipart(kind) {
                return Err(
                    S3Error::new(S3ErrorCode::InvalidRequest).with_message(format!(
                        "The {} checksum type cannot be used with the {} checksum algorithm.",
                        kind.as_str(),
                        algorithm.as_str().to_ascii_lowercase()
                    )),
                );
            }
            Ok(Some((algorithm, kind)))
        }
    }
}

/// A `Content-MD5` header that is not base64 of 16 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the Content-MD5 header is not the base64 of a 16-byte MD5 digest")]
pub struct InvalidDigest;

impl From<InvalidDigest> for S3Error {
    fn from(_: InvalidDigest) -> Self {
        S3Error::new(S3ErrorCode::InvalidDigest)
    }
}

/// Decodes a `Content-MD5` header into the 16-byte digest it carries.
pub fn parse_content_md5(header_b64: &str) -> Result<[u8; 16], InvalidDigest> {
    let digest = BASE64
        .decode(header_b64.trim())
        .map_err(|_| InvalidDigest)?;
    digest.try_into().map_err(|_| InvalidDigest)
}

/// Compares a `Content-MD5` header with the MD5 of the received body.
///
/// A mismatch is `Ok(false)`, which callers turn into `BadDigest`.
pub fn content_md5_matches(header_b64: &str, md5: &[u8; 16]) -> Result<bool, InvalidDigest> {
    Ok(&parse_content_md5(header_b64)? == md5)
}

/// Formats the ETag of a single-part object: the quoted hex of its MD5.
pub fn etag_from_md5(md5: &[u8; 16]) -> String {
    format!("\"{}\"", hex::encode(md5))
}

/// Formats the ETag of a multipart object, `"hex(md5(concat(part MD5s)))-N"`, as AWS does.
pub fn multipart_etag(part_md5s: &[[u8; 16]]) -> String {
    let mut hasher = Md5::new();
    for md5 in part_md5s {
        hasher.update(md5);
    }
    let digest = hasher.finalize();
    format!("\"{}-{}\"", hex::encode(digest), part_md5s.len())
}

#[cfg(test)]
mod tests {
    use http::HeaderValue;

    use super::*;

    fn checksum_of(algorithm: ChecksumAlgorithm, data: &[u8]) -> Vec<u8> {
        let mut checksummer = Checksummer::new(algorithm);
        checksummer.update(data);
        checksummer.finish_raw()
    }

    #[test]
    fn crc32_check_value() {
        let raw = checksum_of(ChecksumAlgorithm::Crc32, b"123456789");
        assert_eq!(raw, 0xCBF4_3926_u32.to_be_bytes());
    }

    #[test]
    fn crc32c_check_value() {
        let raw = checksum_of(ChecksumAlgorithm::Crc32c, b"123456789");
        assert_eq!(raw, 0xE306_9283_u32.to_be_bytes());
    }

    #[test]
    fn crc64nvme_check_value() {
        let raw = checksum_of(ChecksumAlgorithm::Crc64Nvme, b"123456789");
        assert_eq!(raw, 0xAE8B_1486_0A79_9888_u64.to_be_bytes());
    }

    #[test]
    fn sha1_known_value() {
        let raw = checksum_of(ChecksumAlgorithm::Sha1, b"abc");
        assert_eq!(hex::encode(raw), "a9993e364706816aba3e25717850c26c9cd0d89d");
    }

    #[test]
    fn sha256_known_value() {
        let raw = checksum_of(ChecksumAlgorithm::Sha256, b"abc");
        let expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
        assert_eq!(hex::encode(raw), expected);
    }

    #[test]
    fn update_in_pieces() {
        for algorithm in ChecksumAlgorithm::ALL {
            let mut checksummer = Checksummer::new(algorithm);
            checksummer.update(b"1234");
            checksummer.update(b"56789");
            let whole = checksum_of(algorithm, b"123456789");
            assert_eq!(checksummer.finish_raw(), whole, "{algorithm}");
        }
    }

    #[test]
    fn finish_is_base64() {
        let mut checksummer = Checksummer::new(ChecksumAlgorithm::Crc32);
        checksummer.update(b"123456789");
        assert_eq!(checksummer.finish(), "y/Q5Jg==");
    }

    #[test]
    fn digest_len_matches() {
        for algorithm in ChecksumAlgorithm::ALL {
            assert_eq!(
                checksum_of(algorithm, b"").len(),
                algorithm.digest_len(),
                "{algorithm}"
            );
        }
    }

    #[test]
    fn algorithm_names() {
        assert_eq!(
            ChecksumAlgorithm::from_name("crc64nvme"),
            Some(ChecksumAlgorithm::Crc64Nvme)
        );
        assert_eq!(
            ChecksumAlgorithm::from_name("Sha256"),
            Some(ChecksumAlgorithm::Sha256)
        );
        assert_eq!(ChecksumAlgorithm::from_name("md5"), None);
    }

    #[test]
    fn algorithm_from_header_name() {
        let found = ChecksumAlgorithm::from_header_name("X-Amz-Checksum-CRC32C");
        assert_eq!(found, Some(ChecksumAlgorithm::Crc32c));
    }

    #[test]
    fn checksum_type_names() {
        assert_eq!(
            ChecksumType::from_name("full_object"),
            Some(ChecksumType::FullObject)
        );
        assert_eq!(ChecksumType::Composite.as_str(), "COMPOSITE");
    }

    fn header_map(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for &(name, value) in pairs {
            map.insert(
                HeaderName::from_static(name),
                HeaderValue::from_static(value),
            );
        }
        map
    }

    #[test]
    fn find_header_none() {
        assert_eq!(find_checksum_header(&HeaderMap::new()).unwrap(), None);
    }

    #[test]
    fn find_header_one() {
        let map = header_map(&[("x-amz-checksum-crc32", "y/Q5Jg==")]);
        let expected = (ChecksumAlgorithm::Crc32, "y/Q5Jg==".to_owned());
        assert_eq!(find_checksum_header(&map).unwrap(), Some(expected));
    }

    #[test]
    fn find_header_two() {
        let map = header_map(&[
            ("x-amz-checksum-crc32", "y/Q5Jg=="),
            ("x-amz-checksum-crc32c", "4waSgw=="),
        ]);
        let err = find_checksum_header(&map).unwrap_err();
        assert_eq!(err.code(), S3ErrorCode::InvalidRequest);
    }

    #[test]
    fn find_header_wrong_length() {
        let map = header_map(&[("x-amz-checksum-sha256", "y/Q5Jg==")]);
        let err = find_checksum_header(&map).unwrap_err();
        assert_eq!(err.code(), S3ErrorCode::InvalidRequest);
    }

    #[test]
    fn find_header_not_base64() {
        let map = header_map(&[("x-amz-checksum-crc32", "not base64!")]);
        let err = find_checksum_header(&map).unwrap_err();
        assert_eq!(err.code(), S3ErrorCode::InvalidRequest);
    }

    #[test]
    fn algorithm_header_sdk_fallback() {
        let map = header_map(&[("x-amz-sdk-checksum-algorithm", "crc32c")]);
        let found = checksum_algorithm_header(&map).unwrap();
        assert_eq!(found, Some(ChecksumAlgorithm::Crc32c));
    }

    #[test]
    fn algorithm_header_unknown() {
        let map = header_map(&[("x-amz-checksum-algorithm", "md5")]);
        let err = checksum_algorithm_header(&map).unwrap_err();
        assert_eq!(err.code(), S3ErrorCode::InvalidRequest);
    }

    #[test]
    fn multipart_checksum_defaults() {
        let crc32c = header_map(&[("x-amz-checksum-algorithm", "CRC32C")]);
        assert_eq!(
            multipart_checksum_headers(&crc32c).unwrap(),
            Some((ChecksumAlgorithm::Crc32c, ChecksumType::Composite))
        );
        let crc64 = header_map(&[("x-amz-checksum-algorithm", "crc64nvme")]);
        assert_eq!(
            multipart_checksum_headers(&crc64).unwrap(),
            Some((ChecksumAlgorithm::Crc64Nvme, ChecksumType::FullObject))
        );
        assert_eq!(multipart_checksum_headers(&HeaderMap::new()).unwrap(), None);
    }

    #[test]
    fn multipart_checksum_supported_pairs() {
        let supported = [
            ("CRC32", "COMPOSITE"),
            ("CRC32", "FULL_OBJECT"),
            ("CRC32C", "COMPOSITE"),
            ("CRC32C", "FULL_OBJECT"),
            ("CRC64NVME", "FULL_OBJECT"),
            ("SHA1", "COMPOSITE"),
            ("SHA256", "COMPOSITE"),
        ];
        for (algorithm, kind) in supported {
            let mut map = HeaderMap::new();
            map.insert(
                X_AMZ_CHECKSUM_ALGORITHM,
                HeaderValue::from_static(algorithm),
            );
            map.insert(X_AMZ_CHECKSUM_TYPE, HeaderValue::from_static(kind));
            let parsed = multipart_checksum_headers(&map).unwrap().unwrap();
            assert_eq!(
                (parsed.0.as_str(), parsed.1.as_str()),
                (algorithm, kind),
                "{algorithm} {kind}"
            );
        }
    }

    #[test]
    fn multipart_checksum_rejected_pairs() {
        let rejected = [
            (
                "CRC64NVME",
                "COMPOSITE",
                "The COMPOSITE checksum type cannot be used with the crc64nvme checksum algorithm.",
            ),
            (
                "SHA1",
                "FULL_OBJECT",
                "The FULL_OBJECT checksum type cannot be used with the sha1 checksum algorithm.",
            ),
            (
                "SHA256",
                "FULL_OBJECT",
                "The FULL_OBJECT checksum type cannot be used with the sha256 checksum algorithm.",
            ),
        ];
        for (algorithm, kind, message) in rejected {
            let mut map = HeaderMap::new();
            map.insert(
                X_AMZ_CHECKSUM_ALGORITHM,
                HeaderValue::from_static(algorithm),
            );
            map.insert(X_AMZ_CHECKSUM_TYPE, HeaderValue::from_static(kind));
            let error = multipart_checksum_headers(&map).unwrap_err();
            assert_eq!(
                error.code(),
                S3ErrorCode::InvalidRequest,
                "{algorithm} {kind}"
            );
            assert_eq!(error.message(), message);
        }
    }

    #[test]
    fn multipart_checksum_type_needs_algorithm() {
        let map = header_map(&[("x-amz-checksum-type", "COMPOSITE")]);
        let error = multipart_checksum_headers(&map).unwrap_err();
        assert_eq!(error.code(), S3ErrorCode::InvalidRequest);
        let map = header_map(&[
            ("x-amz-checksum-algorithm", "CRC32"),
            ("x-amz-checksum-type", "PARTIAL"),
        ]);
        let error = multipart_checksum_headers(&map).unwrap_err();
        assert_eq!(error.code(), S3ErrorCode::InvalidRequest);
    }

    // MD5 of the empty string: d41d8cd98f00b204e9800998ecf8427e.
    const EMPTY_MD5: [u8; 16] = [
        0xd4, 0x1d, 0x8c, 0xd9, 0x8f, 0x00, 0xb2, 0x04, 0xe9, 0x80, 0x09, 0x98, 0xec, 0xf8, 0x42,
        0x7e,
    ];

    #[test]
    fn content_md5_match() {
        assert_eq!(
            content_md5_matches("1B2M2Y8AsgTpgAmY7PhCfg==", &EMPTY_MD5),
            Ok(true)
        );
    }

    #[test]
    fn content_md5_mismatch() {
        assert_eq!(
            content_md5_matches("AAAAAAAAAAAAAAAAAAAAAA==", &EMPTY_MD5),
            Ok(false)
        );
    }

    #[test]
    fn content_md5_invalid() {
        assert_eq!(content_md5_matches("AAAA", &EMPTY_MD5), Err(InvalidDigest));
        assert_eq!(content_md5_matches("%%%", &EMPTY_MD5), Err(InvalidDigest));
    }

    #[test]
    fn content_md5_parse() {
        assert_eq!(
            parse_content_md5(" 1B2M2Y8AsgTpgAmY7PhCfg== "),
            Ok(EMPTY_MD5)
        );
    }

    #[test]
    fn content_md5_into_s3_error() {
        let err: S3Error = parse_content_md5("AAAA").unwrap_err().into();
        assert_eq!(err.code(), S3ErrorCode::InvalidDigest);
    }

    #[test]
    fn etag_single() {
        assert_eq!(
            etag_from_md5(&EMPTY_MD5),
            "\"d41d8cd98f00b204e9800998ecf8427e\""
        );
    }

    #[test]
    fn etag_multipart() {
        // The expected digest is md5sum over the 32 bytes of two empty-string MD5s.
        let etag = multipart_etag(&[EMPTY_MD5, EMPTY_MD5]);
        assert_eq!(etag, "\"5873dd45edd01f09c1ef2e7819369e8e-2\"");
    }
}
