//! Streaming a request body into storage while checking everything the client declared about
//! it: length, SHA-256, Content-MD5 and an `x-amz-checksum-*` value. Nothing is committed
//! until every check has passed; a failed check drops the written chunks.
//!
//! How a body is framed follows from `x-amz-content-sha256` alone: a `STREAMING-*` value
//! means aws-chunked, whether or not `Content-Encoding: aws-chunked` is present, because some
//! clients leave that header out.

use bytes::{Bytes, BytesMut};
use md5::Md5;
use oss_proto::checksum::{Checksum, ChecksumAlgorithm, Checksummer};
use oss_proto::{S3Error, S3ErrorCode};
use oss_sigv4::chunked::ChunkedDecoder;
use oss_store::{Blob, BlobWriter, ChecksumOrigin};
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
    /// An algorithm whose checksum the server computes when the client sends none.
    pub computed_checksum: Option<ChecksumAlgorithm>,
}

/// A checksum of a stored body and how the server got it.
pub(crate) struct BodyChecksum {
    pub checksum: Checksum,
    pub origin: ChecksumOrigin,
}

/// A body that was stored and passed every check.
pub(crate) struct Ingested {
    pub blob: Blob,
    pub md5: [u8; 16],
    /// The checksum the client sent (verified) or the server computed, if any.
    pub checksum: Option<BodyChecksum>,
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
        let trailer_checksum = trailer_algorithm(context)?;
        Ok(BodySpec {
            length,
            content_md5,
            checksum,
            trailer_checksum,
            computed_checksum: None,
        })
    }

    /// Returns the algorithm of the checksum the client sends, as a header or a trailer.
    pub(crate) fn client_algorithm(&self) -> Option<ChecksumAlgorithm> {
        self.checksum
            .as_ref()
            .map(|checksum| checksum.algorithm)
            .or(self.trailer_checksum)
    }
}

/// Reads the payload length: `x-amz-decoded-content-length` for aws-chunked bodies, else
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

/// A request body read piece by piece, with aws-chunked framing removed and every chunk
/// signature checked.
///
/// The signature of a chunk, and the trailer, can only be checked once all of it has
/// arrived, so pieces are untrusted until [`DecodedBody::finish`] has returned. Callers commit
/// nothing before that.
pub(crate) struct DecodedBody<'a> {
    body: &'a mut RequestBody,
    decoder: Option<ChunkedDecoder>,
    input: BytesMut,
    decoded: BytesMut,
}

impl<'a> DecodedBody<'a> {
    /// Starts reading `body`, framed as `payload` declares.
    pub(crate) fn new(body: &'a mut RequestBody, payload: &Payload) -> DecodedBody<'a> {
        let decoder = match payload {
            Payload::Chunked(mode, signing) => Some(ChunkedDecoder::new(*mode, signing.clone())),
            Payload::Unsigned | Payload::Sha256(_) => None,
        };
        DecodedBody {
            body,
            decoder,
            input: BytesMut::new(),
            decoded: BytesMut::new(),
        }
    }

    /// Returns the next piece of payload, or None once the body has ended.
    pub(crate) async fn next_piece(&mut self) -> Result<Option<Bytes>, S3Error> {
        while let Some(piece) = self.body.next_data().await {
            let piece = piece.map_err(body_error)?;
            let Some(decoder) = self.decoder.as_mut() else {
                return Ok(Some(piece));
            };
            self.input.extend_from_slice(&piece);
            decoder
                .decode(&mut self.input, &mut self.decoded)
                .map_err(chunk_error)?;
            if !self.decoded.is_empty() {
                return Ok(Some(self.decoded.split().freeze()));
            }
        }
        Ok(None)
    }

    /// Checks, after the last piece, that an aws-chunked body ended with its final chunk and
    /// nothing after it, and returns its trailers (none for other bodies).
    pub(crate) fn finish(&mut self) -> Result<&[(String, String)], S3Error> {
        match self.decoder.as_mut() {
            Some(decoder) => {
                decoder.finish(&mut self.input).map_err(chunk_error)?;
                Ok(decoder.trailers())
            }
            None => Ok(&[]),
        }
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
    let mut checksummer = spec
        .client_algorithm()
        .or(spec.computed_checksum)
        .map(Checksummer::new);
    let mut body = DecodedBody::new(body, &payload);
    let mut length = 0u64;

    while let Some(data) = body.next_piece().await? {
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

    let trailers = body.finish()?;
    let trailer_value = spec.trailer_checksum.and_then(|algorithm| {
        let name = algorithm.header_name();
        trailers
            .iter()
            .find(|(trailer, _)| trailer.as_str() == name.as_str())
            .map(|(_, value)| value.clone())
    });
    if length != spec.length {
        return Err(
            S3Error::new(S3ErrorCode::IncompleteBody).with_message(format!(
                "You did not provide the number of bytes declared: {} expected, {length} received.",
                spec.length
            )),
        );
    }

    if let (Payload::Sha256(expected), Some(hasher)) = (&payload, sha256) {
        check_sha256(expected, hasher.finalize().into())?;
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

/// Returns the checksum algorithm that `x-amz-trailer` announces, if the header is present.
/// A trailer that is not a supported checksum is `InvalidRequest`.
pub(crate) fn trailer_algorithm(
    context: &RequestContext,
) -> Result<Option<ChecksumAlgorithm>, S3Error> {
    let Some(name) = context.header("x-amz-trailer") else {
        return Ok(None);
    };
    ChecksumAlgorithm::from_header_name(name)
        .map(Some)
        .ok_or_else(|| {
            S3Error::new(S3ErrorCode::InvalidRequest)
                .with_message(format!("The trailer {name:?} is not a supported checksum."))
        })
}

/// Compares the SHA-256 a request signed with the one of the body received.
pub(crate) fn check_sha256(expected: &[u8; 32], computed: [u8; 32]) -> Result<(), S3Error> {
    if &computed == expected {
        return Ok(());
    }
    Err(S3Error::new(S3ErrorCode::XAmzContentSHA256Mismatch)
        .with_element("ClientComputedContentSHA256", hex::encode(expected))
        .with_element("S3ComputedContentSHA256", hex::encode(computed)))
}

/// Compares the checksum the client sent, as a header or a trailer, with the one computed
/// from the body; without one from the client, returns the computed one as `Computed`.
fn verify_checksum(
    spec: &BodySpec,
    checksummer: Option<Checksummer>,
    trailer_value: Option<String>,
) -> Result<Option<BodyChecksum>, S3Error> {
    let Some(checksummer) = checksummer else {
        return Ok(None);
    };
    let algorithm = checksummer.algorithm();
    let computed = checksummer.finish();
    let (expected, origin) = match (&spec.checksum, spec.trailer_checksum, trailer_value) {
        (Some(checksum), _, _) => (checksum.value.clone(), ChecksumOrigin::Header),
        (None, Some(_), Some(value)) => (value, ChecksumOrigin::Trailer),
        (None, Some(announced), None) => {
            return Err(
                S3Error::new(S3ErrorCode::InvalidRequest).with_message(format!(
                    "The trailer {} was announced but not sent.",
                    announced.header_name()
                )),
            );
        }
        (None, None, _) => (computed.clone(), ChecksumOrigin::Computed),
    };
    if expected.trim() != computed {
        return Err(S3Error::new(S3ErrorCode::BadDigest).with_message(format!(
            "The {} you specified did not match the calculated checksum.",
            algorithm.as_str()
        )));
    }
    Ok(Some(BodyChecksum {
        checksum: Checksum {
            algorithm,
            value: computed,
        },
        origin,
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
