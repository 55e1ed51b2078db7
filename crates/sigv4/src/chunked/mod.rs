//! The `aws-chunked` content encoding, used for streaming uploads.
//!
//! The body is a series of chunks, `hex-size[;chunk-signature=sig]\r\n data \r\n`, closed by
//! a chunk of size 0. In the trailer modes, trailer lines `name:value\r\n` follow the final
//! chunk, then (when signed) `x-amz-trailer-signature:sig\r\n`, then an empty line. Each
//! signature chains on the previous one, starting from the request's seed signature, so
//! chunks cannot be reordered, dropped or replaced.

mod decoder;
mod encoder;

pub use decoder::ChunkedDecoder;
pub use encoder::ChunkedEncoder;

use sha2::{Digest, Sha256};

use crate::key::{SigningContext, sha256_hex};

/// The maximum chunk size we accept, 64 MiB.
///
/// The S3 documentation requires chunks of at least 8 KiB, except the last, and recommends
/// 64 KiB. We do not enforce the minimum. Data is streamed out as it arrives, so the limit
/// bounds how much unverified data one chunk signature can cover, not memory.
///
/// NOTE: the S3 documentation gives no upper bound, so this value is our choice.
pub const MAX_CHUNK_SIZE: u64 = 64 * 1024 * 1024;

/// The maximum length of a chunk-size line or trailer line, buffered until its CRLF.
pub const MAX_LINE_LEN: usize = 4096;

/// The maximum total length of the `name:value` trailer lines.
pub const MAX_TRAILER_LEN: usize = 16 * 1024;

/// The trailer line that carries the trailer signature.
const TRAILER_SIGNATURE: &str = "x-amz-trailer-signature";

/// The signing mode of an `aws-chunked` body, as declared by `x-amz-content-sha256`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChunkedMode {
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: every chunk is signed, and there are no trailers.
    Signed,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: signed chunks, then signed trailers.
    SignedTrailer,
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: no chunk signatures, then unsigned trailers.
    UnsignedTrailer,
}

impl ChunkedMode {
    /// Returns whether chunks carry signatures.
    pub fn is_signed(self) -> bool {
        matches!(self, Self::Signed | Self::SignedTrailer)
    }

    /// Returns whether trailer lines follow the final chunk.
    pub fn has_trailer(self) -> bool {
        matches!(self, Self::SignedTrailer | Self::UnsignedTrailer)
    }
}

/// Signs one chunk whose data has the SHA-256 digest `data_hash`.
pub(crate) fn sign_chunk(context: &SigningContext, previous: &str, data_hash: &[u8]) -> [u8; 32] {
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256-PAYLOAD\n{}\n{}\n{previous}\n{}\n{}",
        context.amz_date(),
        context.scope(),
        sha256_hex(b""),
        hex::encode(data_hash),
    );
    context.sign(string_to_sign.as_bytes())
}

/// Signs the trailers, hashed as one `name:value\n` line each in order of name.
///
/// The order is the one AWS SDKs sign in (aws-sigv4 1.6 sorts by lower-case name), which
/// need not be the order they send.
pub(crate) fn sign_trailer(
    context: &SigningContext,
    previous: &str,
    trailers: &[(String, String)],
) -> [u8; 32] {
    let mut sorted: Vec<&(String, String)> = trailers.iter().collect();
    sorted.sort_by(|left, right| left.0.cmp(&right.0));
    let mut hasher = Sha256::new();
    for (name, value) in sorted {
        hasher.update(format!("{name}:{value}\n"));
    }
    let string_to_sign = format!(
        "AWS4-HMAC-SHA256-TRAILER\n{}\n{}\n{previous}\n{}",
        context.amz_date(),
        context.scope(),
        hex::encode(hasher.finalize()),
    );
    context.sign(string_to_sign.as_bytes())
}
