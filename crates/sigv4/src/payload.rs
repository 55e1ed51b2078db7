//! The body declaration carried by the `x-amz-content-sha256` header.

use crate::SigV4Error;
use crate::chunked::ChunkedMode;

const UNSIGNED: &str = "UNSIGNED-PAYLOAD";
const STREAMING_SIGNED: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD";
const STREAMING_SIGNED_TRAILER: &str = "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER";
const STREAMING_UNSIGNED_TRAILER: &str = "STREAMING-UNSIGNED-PAYLOAD-TRAILER";

/// The body declaration carried by `x-amz-content-sha256`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PayloadHash {
    /// `UNSIGNED-PAYLOAD`: the body is not covered by the signature.
    Unsigned,
    /// The SHA-256 digest of the whole body, which the caller must check once it is read.
    Sha256([u8; 32]),
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: an `aws-chunked` body with chunk signatures.
    StreamingSigned,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: signed chunks, then signed trailers.
    StreamingSignedTrailer,
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: unsigned chunks, then unsigned trailers.
    StreamingUnsignedTrailer,
}

impl PayloadHash {
    /// Parses an `x-amz-content-sha256` value. A digest may use either hex case.
    pub fn parse(value: &str) -> Result<Self, SigV4Error> {
        match value {
            UNSIGNED => Ok(Self::Unsigned),
            STREAMING_SIGNED => Ok(Self::StreamingSigned),
            STREAMING_SIGNED_TRAILER => Ok(Self::StreamingSignedTrailer),
            STREAMING_UNSIGNED_TRAILER => Ok(Self::StreamingUnsignedTrailer),
            _ => {
                let mut digest = [0u8; 32];
                hex::decode_to_slice(value, &mut digest)
                    .map_err(|_| SigV4Error::InvalidPayloadHash(value.to_owned()))?;
                Ok(Self::Sha256(digest))
            }
        }
    }

    /// Returns whether the body uses `aws-chunked` framing.
    pub fn is_streaming(&self) -> bool {
        self.chunked_mode().is_some()
    }

    /// Returns the `aws-chunked` decoding mode for a streaming body, or `None` otherwise.
    pub fn chunked_mode(&self) -> Option<ChunkedMode> {
        match self {
            Self::StreamingSigned => Some(ChunkedMode::Signed),
            Self::StreamingSignedTrailer => Some(ChunkedMode::SignedTrailer),
            Self::StreamingUnsignedTrailer => Some(ChunkedMode::UnsignedTrailer),
            Self::Unsigned | Self::Sha256(_) => None,
        }
    }

    /// Returns the header value in canonical form, with a digest in lower-case hex.
    ///
    /// Verification signs the header value exactly as sent, so use this only to produce a
    /// value, not to rebuild one a client sent.
    pub fn canonical_value(&self) -> String {
        match self {
            Self::Unsigned => UNSIGNED.to_owned(),
            Self::Sha256(digest) => hex::encode(digest),
            Self::StreamingSigned => STREAMING_SIGNED.to_owned(),
            Self::StreamingSignedTrailer => STREAMING_SIGNED_TRAILER.to_owned(),
            Self::StreamingUnsignedTrailer => STREAMING_UNSIGNED_TRAILER.to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const EMPTY_SHA256: &str = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";

    #[test]
    fn parse_keywords() {
        let cases = [
            (UNSIGNED, PayloadHash::Unsigned),
            (STREAMING_SIGNED, PayloadHash::StreamingSigned),
            (
                STREAMING_SIGNED_TRAILER,
                PayloadHash::StreamingSignedTrailer,
            ),
            (
                STREAMING_UNSIGNED_TRAILER,
                PayloadHash::StreamingUnsignedTrailer,
            ),
        ];
        for (value, expected) in cases {
            assert_eq!(PayloadHash::parse(value), Ok(expected), "{value}");
            assert_eq!(expected.canonical_value(), value);
        }
    }

    #[test]
    fn parse_digest() {
        let parsed = PayloadHash::parse(EMPTY_SHA256).unwrap();
        assert_eq!(parsed.canonical_value(), EMPTY_SHA256);
    }

    #[test]
    fn parse_uppercase_digest() {
        let parsed = PayloadHash::parse(&EMPTY_SHA256.to_uppercase()).unwrap();
        assert_eq!(parsed.canonical_value(), EMPTY_SHA256);
    }

    #[test]
    fn parse_rejects_short_digest() {
        let result = PayloadHash::parse("e3b0c442");
        assert_eq!(
            result,
            Err(SigV4Error::InvalidPayloadHash("e3b0c442".to_owned()))
        );
    }

    #[test]
    fn parse_rejects_sigv4a_streaming() {
        let result = PayloadHash::parse("STREAMING-AWS4-ECDSA-P256-SHA256-PAYLOAD");
        assert!(matches!(result, Err(SigV4Error::InvalidPayloadHash(_))));
    }

    #[test]
    fn streaming_flags() {
        assert!(PayloadHash::StreamingSigned.is_streaming());
        assert!(PayloadHash::StreamingUnsignedTrailer.is_streaming());
        assert!(!PayloadHash::Unsigned.is_streaming());
        assert!(!PayloadHash::Sha256([0; 32]).is_streaming());
    }
}
