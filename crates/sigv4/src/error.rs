//! The error type shared by parsing, verification and chunk decoding.

/// A SigV4 parsing or verification failure.
///
/// Messages name the offending value where that is safe. They never contain a signature that
/// we computed, because that would let a client forge requests by trial.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SigV4Error {
    /// The `Authorization` header uses a scheme other than `AWS4-HMAC-SHA256`, such as
    /// Signature Version 2 (`AWS key:signature`) or SigV4a.
    #[error("unsupported authorization scheme, expected AWS4-HMAC-SHA256")]
    UnsupportedScheme,
    /// The `Authorization` header is not a well-formed SigV4 header.
    #[error("malformed Authorization header: {0}")]
    MalformedHeader(String),
    /// The presigned URL parameters are missing or invalid.
    #[error("malformed presigned URL query: {0}")]
    MalformedQuery(String),
    /// The request date is missing or cannot be parsed.
    #[error("invalid request date: {0}")]
    InvalidDate(String),
    /// The request date is more than 15 minutes away from the server clock.
    #[error("the difference between the request time and the server time is too large")]
    RequestTimeTooSkewed,
    /// The presigned URL is past its `X-Amz-Expires` lifetime.
    #[error("the presigned URL has expired")]
    Expired,
    /// The presigned URL is dated more than 15 minutes in the future.
    #[error("the presigned URL is not valid yet")]
    NotYetValid,
    /// The signature does not match the one computed from the request and the secret key.
    #[error("the request signature does not match the signature we calculated")]
    SignatureDoesNotMatch,
    /// A header listed in `SignedHeaders` is absent from the request.
    #[error("signed header {0:?} is missing from the request")]
    MissingSignedHeader(String),
    /// The `x-amz-content-sha256` value is neither a SHA-256 hex digest nor a known keyword.
    #[error("invalid x-amz-content-sha256 value {0:?}")]
    InvalidPayloadHash(String),
    /// An `aws-chunked` body does not follow the chunk framing.
    #[error("invalid aws-chunked body: {0}")]
    InvalidChunk(String),
    /// A chunk signature or the trailer signature of an `aws-chunked` body does not match.
    #[error("chunk signature does not match")]
    ChunkSignatureMismatch,
}
