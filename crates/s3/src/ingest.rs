//! Streaming a request body into storage while checking everything the client declared about
//! it: length, SHA-256, Content-MD5 and an `x-amz-checksum-*` value. Nothing is committed
//! until every check has passed; a failed check drops the written chunks.

use bytes::BytesMut;
use md5::Md5;
use oss_proto::checksum::{Checksum, ChecksumAlgorithm, Checksummer};
use oss_proto::{S3Error, S3ErrorCode};
use oss_sigv4::chunked::ChunkedDecoder;
use oss_store::{Blob, BlobWriter};
use sha2::{Digest, Sha256};

use crate::auth::Payload;
use crate::body::RequestBody;
use crate::context::RequestContext;

/// The client's declarations about a body, read from the request headers.
pub(crate) struct BodySpec {
    /// Payload bytes after any aws-chunked framing is removed.
    pub length: u64,
    pub content_md5: Option<[u8; 16]>,
    /// A checksum sent as a header.
    pub checksum: Option<Checksum>,
    /// The algorithm of a checksum announced in `x-amz-trailer`, sent after the body.
    pub trailer_checksum: Option<ChecksumAlgorithm>,
}

/// A body that was stored and passed every check.
pub(crate) struct Ingested {
    pub blob: Blob,
    pub md5: [u8; 16],
    /// The verified checksum, if the client sent one.
    pub checksum: Option<Checksum>,
}

impl BodySpec {
    /// Reads the declared length, Content-MD5 and checksums of the request.
    pub(crate) fn from_request(
        context: &RequestContext,
        payload: &Payload,
    ) -> Result<BodySpec, S3Error> {
        let length = declared_length(context, payload)?;
        let content_md5 = match context.header("content-md5") {
            Some(value) => Some(oss_proto::checksum::parse_content_md5(value)?),
            None => None,
        };
        let checksum =
            oss_proto::checksum::find_checksum_header(&context.headers)?.map(Checksum::from);
        let trailer_checksum = match context.header("x-amz-trailer") {
            Some(name) => Some(ChecksumAlgorithm::from_header_name(name.trim()).ok_or_else(
                || {
                    S3Error::new(S3ErrorCode::InvalidRequest)
                        .with_message(format!("The trailer {name:?} is not a supported checksum."))
                },
            )?),
            None => None,
        };
        Ok(BodySpec {
            length,
            content_md5,
            checksum,
            trailer_checksum,
        })
    }
}

/// Reads the payload length: `x-amz-decoded-content-length` for aws-chunked bodies (whether or not
/// `Content-Encoding: aws-chunked` is present, because some clients omit it), else
/// Content-Length. A body of unknown length gets 411 MissingContentLength.
fn declared_length(context: &RequestContext, payload: &Payload) -> Result<u64, S3Error> {
    let name = match payload {
        Payload::Chunked(..) => "x-amz-decoded-content-length",
        _ => "content-length",
    };
    match context.header(name) {
        Some(value) => value.trim().parse().map_err(|_| {
            S3Error::new(S3ErrorCode::InvalidArgument)
                .with_message(format!("The {name} header {value:?} is not a number."))
        }),
        None => Err(S3Error::new(S3ErrorCode::MissingContentLength)
            .with_message(format!("You must provide the {name} HTTP header."))),
    }
}

/// Streams `body` into `writer`, verifying it against `spec` and `payload`.
pub(crate) async fn ingest(
    body: &mut RequestBody,
    mut writer: BlobWriter,
    spec: &BodySpec,
    payload: Payload,
) -> Result<Ingested, S3Error> {
    let mut md5 = Md5::new();
    let mut sha256 = matches!(payload, Payload::Sha256(_)).then(Sha256::new);
    let algorithm = spec
        .checksum
        .as_ref()
        .map(|c| c.algorithm)
        .or(spec.trailer_checksum);
    let mut checksummer = algorithm.map(Checksummer::new);
    let mut decoder = match &payload {
        Payload::Chunked(mode, signing) => Some(ChunkedDecoder::new(*mode, signing.clone())),
        _ => None,
    };
    let mut input = BytesMut::new();
    let mut decoded = BytesMut::new();
    let mut length = 0u64;
    let mut complete = false;

    while let Some(piece) = body.next_data().await {
        let piece = piece.map_err(body_error)?;
        let data = match decoder.as_mut() {
            Some(decoder) => {
                input.extend_from_slice(&piece);
                complete = decoder
                    .decode(&mut input, &mut decoded)
                    .map_err(chunk_error)?;
                decoded.split().freeze()
            }
            None => piece,
        };
        if data.is_empty() {
            continue;
        }
        length += data.len() as u64;
        if length > spec.length {
            return Err(
                S3Error::new(S3ErrorCode::InvalidRequest).with_message(format!(
                    "The body is longer than the {} bytes declared.",
                    spec.length
                )),
            );
        }
        md5.update(&data);
        if let Some(hasher) = sha256.as_mut() {
            hasher.update(&data);
        }
        if let Some(checksummer) = checksummer.as_mut() {
            checksummer.update(&data);
        }
        writer.write(data).await.map_err(crate::error::from_store)?;
    }

    let mut trailer_value = None;
    if let Some(decoder) = decoder.as_mut() {
        if !complete {
            decoder.finish(&mut input).map_err(chunk_error)?;
        }
        if let Some(algorithm) = spec.trailer_checksum {
            let name = algorithm.header_name();
            trailer_value = decoder
                .trailers()
                .iter()
                .find(|(n, _)| n.as_str() == name.as_str())
                .map(|(_, v)| v.clone());
        }
    }
    if length != spec.length {
        return Err(
            S3Error::new(S3ErrorCode::IncompleteBody).with_message(format!(
                "You did not provide the number of bytes declared: {} expected, {length} received.",
                spec.length
            )),
        );
    }

    if let (Payload::Sha256(expected), Some(hasher)) = (&payload, sha256) {
        let computed: [u8; 32] = hasher.finalize().into();
        if &computed != expected {
            return Err(S3Error::new(S3ErrorCode::XAmzContentSHA256Mismatch)
                .with_element("ClientComputedContentSHA256", hex::encode(expected))
                .with_element("S3ComputedContentSHA256", hex::encode(computed)));
        }
    }
    let md5: [u8; 16] = md5.finalize().into();
    if let Some(expected) = spec.content_md5
        && expected != md5
    {
        return Err(S3Error::new(S3ErrorCode::BadDigest)
            .with_message("The Content-MD5 you specified did not match what we received.")
            .with_element("ExpectedDigest", hex::encode(expected))
            .with_element("CalculatedDigest", hex::encode(md5)));
    }
    let checksum = verify_checksum(spec, checksummer, trailer_value)?;

    let blob = writer.finish().await.map_err(crate::error::from_store)?;
    Ok(Ingested {
        blob,
        md5,
        checksum,
    })
}

fn verify_checksum(
    spec: &BodySpec,
    checksummer: Option<Checksummer>,
    trailer_value: Option<String>,
) -> Result<Option<Checksum>, S3Error> {
    let Some(checksummer) = checksummer else {
        return Ok(None);
    };
    let algorithm = checksummer.algorithm();
    let computed = checksummer.finish();
    let expected = match (&spec.checksum, trailer_value) {
        (Some(checksum), _) => checksum.value.clone(),
        (None, Some(value)) => value,
        (None, None) => {
            return Err(
                S3Error::new(S3ErrorCode::InvalidRequest).with_message(format!(
                    "The trailer {} was announced but not sent.",
                    algorithm.header_name()
                )),
            );
        }
    };
    if expected != computed {
        return Err(S3Error::new(S3ErrorCode::BadDigest).with_message(format!(
            "The {} you specified did not match the calculated checksum.",
            algorithm.as_str()
        )));
    }
    Ok(Some(Checksum {
        algorithm,
        value: computed,
    }))
}

/// Maps a failure to read the request body.
pub(crate) fn body_error(error: crate::body::BodyError) -> S3Error {
    match error {
        crate::body::BodyError::TimedOut => S3Error::new(S3ErrorCode::RequestTimeout),
        crate::body::BodyError::Failed(source) => S3Error::new(S3ErrorCode::IncompleteBody)
            .with_message("The connection closed before the whole body was received.")
            .with_source(source),
    }
}

fn chunk_error(error: oss_sigv4::SigV4Error) -> S3Error {
    match error {
        oss_sigv4::SigV4Error::ChunkSignatureMismatch => {
            S3Error::new(S3ErrorCode::SignatureDoesNotMatch)
                .with_message("The chunk signature does not match the signature we calculated.")
        }
        other => S3Error::new(S3ErrorCode::IncompleteBody)
            .with_message(format!("The aws-chunked body is malformed: {other}")),
    }
}
