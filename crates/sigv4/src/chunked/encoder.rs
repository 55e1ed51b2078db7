//! Client-side `aws-chunked` framing, for our CLI and tests.

use sha2::{Digest, Sha256};

use super::{ChunkedMode, TRAILER_SIGNATURE, sign_chunk, sign_trailer};
use crate::key::SigningContext;

/// Frames a body as `aws-chunked`, signing each chunk in the signed modes.
#[derive(Debug, Clone)]
pub struct ChunkedEncoder {
    mode: ChunkedMode,
    context: Option<SigningContext>,
    previous_signature: String,
}

impl ChunkedEncoder {
    /// Creates an encoder. The signed modes chain on `context`, which comes from
    /// [`crate::sign_request_with_context`].
    ///
    /// # Panics
    ///
    /// Panics if `mode` is signed and `context` is `None`.
    pub fn new(mode: ChunkedMode, context: Option<SigningContext>) -> Self {
        assert!(
            !mode.is_signed() || context.is_some(),
            "a signed aws-chunked body needs a signing context"
        );
        let previous_signature = context
            .as_ref()
            .map(|context| context.seed_signature().to_owned())
            .unwrap_or_default();
        Self {
            mode,
            context,
            previous_signature,
        }
    }

    /// Returns the signature of the last chunk framed, or the seed signature before the first.
    pub fn previous_signature(&self) -> &str {
        &self.previous_signature
    }

    /// Frames one chunk of data. An empty `data` would end the body, so it is framed by
    /// [`ChunkedEncoder::finish`] instead and yields nothing here.
    pub fn encode_chunk(&mut self, data: &[u8]) -> Vec<u8> {
        if data.is_empty() {
            return Vec::new();
        }
        let mut out = self.size_line(data);
        out.extend_from_slice(data);
        out.extend_from_slice(b"\r\n");
        out
    }

    /// Frames the final chunk and, in the trailer modes, the trailers with their signature.
    /// Trailer names should be lower-case. `trailers` must be empty in [`ChunkedMode::Signed`].
    pub fn finish(&mut self, trailers: &[(String, String)]) -> Vec<u8> {
        let mut out = self.size_line(b"");
        if !self.mode.has_trailer() {
            debug_assert!(trailers.is_empty(), "ChunkedMode::Signed has no trailers");
            out.extend_from_slice(b"\r\n");
            return out;
        }
        for (name, value) in trailers {
            out.extend_from_slice(format!("{name}:{value}\r\n").as_bytes());
        }
        if let Some(context) = &self.context
            && self.mode.is_signed()
        {
            let signature = sign_trailer(context, &self.previous_signature, trailers);
            self.previous_signature = hex::encode(signature);
            let line = format!("{TRAILER_SIGNATURE}:{}\r\n", self.previous_signature);
            out.extend_from_slice(line.as_bytes());
        }
        out.extend_from_slice(b"\r\n");
        out
    }

    /// Returns the chunk-size line for `data`, signing the chunk in the signed modes.
    fn size_line(&mut self, data: &[u8]) -> Vec<u8> {
        let signature = match &self.context {
            Some(context) if self.mode.is_signed() => {
                let hash = Sha256::digest(data);
                let signature = sign_chunk(context, &self.previous_signature, &hash);
                self.previous_signature = hex::encode(signature);
                Some(&self.previous_signature)
            }
            _ => None,
        };
        let line = match signature {
            Some(signature) => format!("{:x};chunk-signature={signature}\r\n", data.len()),
            None => format!("{:x}\r\n", data.len()),
        };
        line.into_bytes()
    }
}
