//! A sans-IO incremental decoder that strips `aws-chunked` framing and checks signatures.

use bytes::{Buf, BytesMut};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

use super::{
    ChunkedMode, MAX_CHUNK_SIZE, MAX_LINE_LEN, MAX_TRAILER_LEN, TRAILER_SIGNATURE, sign_chunk,
    sign_trailer,
};
use crate::SigV4Error;
use crate::key::SigningContext;

/// The decoder's position in the body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum State {
    /// Waiting for a `hex-size[;extensions]\r\n` line.
    SizeLine,
    /// Inside chunk data, with this many bytes left.
    Data { remaining: u64 },
    /// Waiting for the CRLF after chunk data, or after the final chunk in the signed mode.
    DataEnd { last: bool },
    /// Reading trailer lines until an empty line.
    Trailers,
    /// The body is complete and verified.
    Done,
}

/// Decodes an `aws-chunked` body incrementally, verifying every chunk signature.
///
/// Feed it bytes as they arrive with [`ChunkedDecoder::decode`], and call
/// [`ChunkedDecoder::finish`] at the end of the stream.
///
/// Decoded bytes are emitted before their chunk is verified, because a signed chunk can only
/// be checked once all of it has been hashed. The caller must therefore treat the output as
/// untrusted until `decode` has returned `Ok(true)` or `finish` has returned `Ok(())`, and
/// must discard it on any error. After an error, every later call returns that error again.
#[derive(Debug)]
pub struct ChunkedDecoder {
    mode: ChunkedMode,
    context: Option<SigningContext>,
    state: State,
    /// The signature the next one chains on: the seed, then each verified chunk's.
    previous_signature: String,
    /// The `chunk-signature` of the chunk being read, in the signed modes.
    chunk_signature: [u8; 32],
    chunk_hasher: Sha256,
    trailers: Vec<(String, String)>,
    trailer_len: usize,
    trailer_signature: Option<String>,
    decoded_len: u64,
    failure: Option<SigV4Error>,
}

impl ChunkedDecoder {
    /// Creates a decoder. The signed modes need the context returned by request verification;
    /// without one, the first call to `decode` fails.
    pub fn new(mode: ChunkedMode, context: Option<SigningContext>) -> Self {
        let previous_signature = context
            .as_ref()
            .map(|context| context.seed_signature().to_owned())
            .unwrap_or_default();
        let failure = (mode.is_signed() && context.is_none()).then(|| {
            SigV4Error::InvalidChunk("a signed body needs the request's signing context".into())
        });
        Self {
            mode,
            context,
            state: State::SizeLine,
            previous_signature,
            chunk_signature: [0; 32],
            chunk_hasher: Sha256::new(),
            trailers: Vec::new(),
            trailer_len: 0,
            trailer_signature: None,
            decoded_len: 0,
            failure,
        }
    }

    /// Consumes as much of `input` as possible and appends decoded payload bytes to `out`.
    ///
    /// Returns `Ok(true)` once the final chunk (and the trailers, if any) has been read and
    /// verified, and `Ok(false)` when it needs more input. Bytes after the end of the body are
    /// left in `input`.
    pub fn decode(&mut self, input: &mut BytesMut, out: &mut BytesMut) -> Result<bool, SigV4Error> {
        self.guard(|decoder| decoder.decode_available(input, out))
    }

    /// Accepts the end of the stream, given the input that `decode` left unconsumed.
    ///
    /// Some clients omit the empty line after the trailers, so in the trailer modes a
    /// trailing line without its CRLF, or no line at all, also ends the body. Likewise the
    /// CRLF after the final chunk may be missing in the signed mode. Anything else short of
    /// a complete body, and any bytes after its end, is an error. Call `decode` on all input
    /// first: `finish` never decodes payload bytes.
    pub fn finish(&mut self, input: &mut BytesMut) -> Result<(), SigV4Error> {
        self.guard(|decoder| decoder.finish_stream(input))
    }

    /// Returns the trailers received, with lower-case names such as `x-amz-checksum-crc32`,
    /// in the order sent. The trailer signature is not among them. They are complete once
    /// decoding has finished.
    pub fn trailers(&self) -> &[(String, String)] {
        &self.trailers
    }

    /// Returns how many payload bytes have been decoded so far.
    pub fn decoded_len(&self) -> u64 {
        self.decoded_len
    }

    /// Runs `step` unless an earlier call failed, and remembers a new failure.
    fn guard<T>(
        &mut self,
        step: impl FnOnce(&mut Self) -> Result<T, SigV4Error>,
    ) -> Result<T, SigV4Error> {
        if let Some(failure) = &self.failure {
            return Err(failure.clone());
        }
        let result = step(self);
        if let Err(failure) = &result {
            self.failure = Some(failure.clone());
        }
        result
    }

    fn decode_available(
        &mut self,
        input: &mut BytesMut,
        out: &mut BytesMut,
    ) -> Result<bool, SigV4Error> {
        loop {
            let progressed = match self.state {
                State::SizeLine => self.read_size_line(input)?,
                State::Data { remaining } => self.read_data(input, out, remaining)?,
                State::DataEnd { last } => self.read_data_end(input, last)?,
                State::Trailers => self.read_trailer_line(input)?,
                State::Done => return Ok(true),
            };
            if !progressed {
                return Ok(false);
            }
        }
    }

    fn finish_stream(&mut self, input: &mut BytesMut) -> Result<(), SigV4Error> {
        // Payload is never decoded here, because `finish` has no output buffer. Complete
        // lines after the final chunk are still consumed, in case `decode` was not called.
        while self.state == State::Trailers && self.read_trailer_line(input)? {}
        if self.state == (State::DataEnd { last: true }) {
            self.read_data_end(input, true)?;
        }
        match self.state {
            State::Done => {}
            State::Trailers => {
                let line = input.split();
                let line = line.strip_suffix(b"\r").unwrap_or(&line[..]);
                if !line.is_empty() {
                    self.add_trailer(line)?;
                }
                self.end_trailers()?;
            }
            // The final chunk is already verified, so a missing CRLF after it loses nothing.
            State::DataEnd { last: true } if input.is_empty() => self.state = State::Done,
            State::SizeLine | State::Data { .. } | State::DataEnd { .. } => {
                return Err(invalid(
                    "the body ended before its final chunk was complete",
                ));
            }
        }
        if !input.is_empty() {
            let extra = input.len();
            return Err(invalid(&format!(
                "{extra} bytes follow the end of the body"
            )));
        }
        Ok(())
    }

    fn read_size_line(&mut self, input: &mut BytesMut) -> Result<bool, SigV4Error> {
        let Some(line) = take_line(input)? else {
            return Ok(false);
        };
        let size = self.parse_size_line(&line)?;
        if size > 0 {
            self.state = State::Data { remaining: size };
            return Ok(true);
        }
        // The final chunk has no data, so it can be verified right away.
        self.verify_chunk()?;
        self.state = if self.mode.has_trailer() {
            State::Trailers
        } else {
            State::DataEnd { last: true }
        };
        Ok(true)
    }

    /// Parses `hex-size[;name=value]...`, keeping the `chunk-signature` in the signed modes.
    /// Whitespace around the size and the extensions is allowed.
    fn parse_size_line(&mut self, line: &[u8]) -> Result<u64, SigV4Error> {
        let line =
            std::str::from_utf8(line).map_err(|_| invalid("chunk-size line is not ASCII"))?;
        let mut fields = line.split(';');
        let size_field = fields.next().unwrap_or_default().trim();
        let size = parse_chunk_size(size_field)?;
        let mut signature = None;
        for extension in fields {
            let (name, value) = extension.split_once('=').unwrap_or((extension, ""));
            if name.trim() == "chunk-signature" {
                signature = Some(value.trim());
            }
        }
        if self.mode.is_signed() {
            let signature = signature.ok_or_else(|| invalid("chunk-signature is missing"))?;
            hex::decode_to_slice(signature, &mut self.chunk_signature).map_err(|_| {
                invalid(&format!(
                    "chunk-signature {signature:?} is not 64 hex digits"
                ))
            })?;
            self.chunk_hasher = Sha256::new();
        }
        Ok(size)
    }

    fn read_data(
        &mut self,
        input: &mut BytesMut,
        out: &mut BytesMut,
        remaining: u64,
    ) -> Result<bool, SigV4Error> {
        let available =
            usize::try_from(remaining).map_or(input.len(), |left| left.min(input.len()));
        if available == 0 {
            return Ok(false);
        }
        let data = input.split_to(available);
        if self.mode.is_signed() {
            self.chunk_hasher.update(&data);
        }
        out.extend_from_slice(&data);
        self.decoded_len += available as u64;
        let remaining = remaining - available as u64;
        if remaining > 0 {
            self.state = State::Data { remaining };
        } else {
            self.verify_chunk()?;
            self.state = State::DataEnd { last: false };
        }
        Ok(true)
    }

    fn read_data_end(&mut self, input: &mut BytesMut, last: bool) -> Result<bool, SigV4Error> {
        if input.len() < 2 {
            return Ok(false);
        }
        if &input[..2] != b"\r\n" {
            return Err(invalid("chunk data is not followed by CRLF"));
        }
        input.advance(2);
        self.state = if last { State::Done } else { State::SizeLine };
        Ok(true)
    }

    fn read_trailer_line(&mut self, input: &mut BytesMut) -> Result<bool, SigV4Error> {
        let Some(line) = take_line(input)? else {
            return Ok(false);
        };
        if line.is_empty() {
            self.end_trailers()?;
        } else {
            self.add_trailer(&line)?;
        }
        Ok(true)
    }

    /// Records one `name:value` trailer line, or the trailer signature.
    fn add_trailer(&mut self, line: &[u8]) -> Result<(), SigV4Error> {
        self.trailer_len += line.len();
        if self.trailer_len > MAX_TRAILER_LEN {
            return Err(invalid(&format!("trailers exceed {MAX_TRAILER_LEN} bytes")));
        }
        let line = std::str::from_utf8(line).map_err(|_| invalid("trailer is not UTF-8"))?;
        let (name, value) = line
            .split_once(':')
            .ok_or_else(|| invalid(&format!("trailer {line:?} is not name:value")))?;
        let (name, value) = (name.trim().to_ascii_lowercase(), value.trim().to_owned());
        if self.trailer_signature.is_some() {
            return Err(invalid(&format!(
                "trailer {name:?} follows {TRAILER_SIGNATURE}"
            )));
        }
        if name == TRAILER_SIGNATURE {
            if !self.mode.is_signed() {
                return Err(invalid(&format!("{TRAILER_SIGNATURE} in an unsigned body")));
            }
            self.trailer_signature = Some(value);
        } else {
            self.trailers.push((name, value));
        }
        Ok(())
    }

    /// Ends the trailer section, verifying the trailer signature in the signed mode.
    fn end_trailers(&mut self) -> Result<(), SigV4Error> {
        if let Some(context) = &self.context
            && self.mode.is_signed()
        {
            let provided = self
                .trailer_signature
                .as_deref()
                .ok_or_else(|| invalid(&format!("{TRAILER_SIGNATURE} is missing")))?;
            let expected = sign_trailer(context, &self.previous_signature, &self.trailers);
            check_signature(&expected, provided)?;
            self.previous_signature = hex::encode(expected);
        }
        self.state = State::Done;
        Ok(())
    }

    /// Checks the signature of the chunk just read, in the signed modes.
    fn verify_chunk(&mut self) -> Result<(), SigV4Error> {
        let Some(context) = &self.context else {
            return Ok(());
        };
        if !self.mode.is_signed() {
            return Ok(());
        }
        let hash = std::mem::take(&mut self.chunk_hasher).finalize();
        let expected = sign_chunk(context, &self.previous_signature, &hash);
        if !bool::from(expected[..].ct_eq(&self.chunk_signature[..])) {
            return Err(SigV4Error::ChunkSignatureMismatch);
        }
        self.previous_signature = hex::encode(expected);
        Ok(())
    }
}

fn invalid(reason: &str) -> SigV4Error {
    SigV4Error::InvalidChunk(reason.to_owned())
}

/// Compares a computed signature with a hex one from the body, in constant time.
fn check_signature(expected: &[u8; 32], provided: &str) -> Result<(), SigV4Error> {
    let mut provided_bytes = [0u8; 32];
    let decoded = hex::decode_to_slice(provided, &mut provided_bytes).is_ok();
    if !decoded || !bool::from(expected[..].ct_eq(&provided_bytes[..])) {
        return Err(SigV4Error::ChunkSignatureMismatch);
    }
    Ok(())
}

/// Parses a chunk size: hex digits, at most [`MAX_CHUNK_SIZE`].
fn parse_chunk_size(field: &str) -> Result<u64, SigV4Error> {
    let malformed = || invalid(&format!("chunk size {field:?} is not a hex number"));
    if field.is_empty() || field.len() > 16 || !field.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err(malformed());
    }
    let size = u64::from_str_radix(field, 16).map_err(|_| malformed())?;
    if size > MAX_CHUNK_SIZE {
        return Err(invalid(&format!(
            "chunk size {size} exceeds {MAX_CHUNK_SIZE}"
        )));
    }
    Ok(size)
}

/// Takes one CRLF-terminated line from `input`, without the CRLF. Returns `None` when the
/// line is not complete yet, and fails once more than [`MAX_LINE_LEN`] bytes lack a CRLF.
fn take_line(input: &mut BytesMut) -> Result<Option<BytesMut>, SigV4Error> {
    let window = &input[..input.len().min(MAX_LINE_LEN + 2)];
    let Some(end) = window.iter().position(|byte| *byte == b'\n') else {
        if input.len() > MAX_LINE_LEN + 1 {
            return Err(invalid(&format!("line longer than {MAX_LINE_LEN} bytes")));
        }
        return Ok(None);
    };
    if end == 0 || input[end - 1] != b'\r' {
        return Err(invalid("line does not end in CRLF"));
    }
    let mut line = input.split_to(end + 1);
    line.truncate(end - 1);
    Ok(Some(line))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::chunked::ChunkedEncoder;
    use crate::test_vectors::chunked_example_context;

    const FIRST_CHUNK_SIGNATURE: &str =
        "ad80c730a21e5b8d04586a2213dd63b9a0e99e0e2307b0ade35a65485a288648";
    const SECOND_CHUNK_SIGNATURE: &str =
        "0055627c9e194cb4542bae2aa5492e3c1575bbb81b612b7d234b86a503ef5497";
    const FINAL_CHUNK_SIGNATURE: &str =
        "b6c6ea8a5354eaf15b3cb7646744f4275b71ea724fed81ceb9323e279d449df9";

    /// Encodes the body of the `aws-chunked` example: 65536 and 1024 bytes of `a`.
    fn example_body() -> Vec<u8> {
        let mut encoder = ChunkedEncoder::new(ChunkedMode::Signed, Some(chunked_example_context()));
        let mut body = encoder.encode_chunk(&[b'a'; 65536]);
        body.extend(encoder.encode_chunk(&[b'a'; 1024]));
        body.extend(encoder.finish(&[]));
        body
    }

    fn signed_trailer_body(trailers: &[(String, String)]) -> Vec<u8> {
        let context = chunked_example_context();
        let mut encoder = ChunkedEncoder::new(ChunkedMode::SignedTrailer, Some(context));
        let mut body = encoder.encode_chunk(b"hello world");
        body.extend(encoder.finish(trailers));
        body
    }

    fn checksum_trailer() -> Vec<(String, String)> {
        vec![("x-amz-checksum-crc32c".to_owned(), "sOO8/Q==".to_owned())]
    }

    fn decoder(mode: ChunkedMode) -> ChunkedDecoder {
        let context = mode.is_signed().then(chunked_example_context);
        ChunkedDecoder::new(mode, context)
    }

    /// Decodes `body` in one call, then finishes the stream.
    fn decode_all(decoder: &mut ChunkedDecoder, body: &[u8]) -> Result<Vec<u8>, SigV4Error> {
        let mut input = BytesMut::from(body);
        let mut out = BytesMut::new();
        decoder.decode(&mut input, &mut out)?;
        decoder.finish(&mut input)?;
        Ok(out.to_vec())
    }

    fn replace(body: &[u8], from: &str, to: &str) -> Vec<u8> {
        let text = String::from_utf8(body.to_vec()).unwrap();
        assert!(text.contains(from), "{from:?} not in body");
        text.replacen(from, to, 1).into_bytes()
    }

    #[test]
    fn aws_example_chunk_signatures() {
        let body = String::from_utf8(example_body()).unwrap();
        assert!(body.starts_with(&format!(
            "10000;chunk-signature={FIRST_CHUNK_SIGNATURE}\r\n"
        )));
        assert!(body.contains(&format!(
            "\r\n400;chunk-signature={SECOND_CHUNK_SIGNATURE}\r\n"
        )));
        assert!(body.ends_with(&format!(
            "\r\n0;chunk-signature={FINAL_CHUNK_SIGNATURE}\r\n\r\n"
        )));
    }

    #[test]
    fn aws_example_content_length() {
        assert_eq!(example_body().len(), 66824);
    }

    #[test]
    fn aws_example_decodes() {
        let mut decoder = decoder(ChunkedMode::Signed);
        let mut input = BytesMut::from(&example_body()[..]);
        let mut out = BytesMut::new();
        assert_eq!(decoder.decode(&mut input, &mut out), Ok(true));
        assert_eq!(out.len(), 66560);
        assert!(out.iter().all(|byte| *byte == b'a'));
        assert_eq!(decoder.decoded_len(), 66560);
        assert!(input.is_empty());
    }

    #[test]
    fn aws_example_decodes_byte_by_byte() {
        let mut decoder = decoder(ChunkedMode::Signed);
        let mut input = BytesMut::new();
        let mut out = BytesMut::new();
        let mut done = false;
        for byte in example_body() {
            assert!(!done, "completed before the last byte");
            input.extend_from_slice(&[byte]);
            done = decoder.decode(&mut input, &mut out).unwrap();
        }
        assert!(done);
        assert_eq!(out.len(), 66560);
    }

    #[test]
    fn signed_data_streams_before_verification() {
        let mut decoder = decoder(ChunkedMode::Signed);
        let body = example_body();
        let mut input = BytesMut::from(&body[..200]);
        let mut out = BytesMut::new();
        assert_eq!(decoder.decode(&mut input, &mut out), Ok(false));
        assert_eq!(out.len(), 200 - 88);
    }

    #[test]
    fn tampered_chunk_data() {
        let body = replace(&example_body(), "aaaa\r\n400;", "aaab\r\n400;");
        let result = decode_all(&mut decoder(ChunkedMode::Signed), &body);
        assert_eq!(result, Err(SigV4Error::ChunkSignatureMismatch));
    }

    #[test]
    fn tampered_chunk_signature() {
        let body = replace(
            &example_body(),
            SECOND_CHUNK_SIGNATURE,
            FIRST_CHUNK_SIGNATURE,
        );
        let result = decode_all(&mut decoder(ChunkedMode::Signed), &body);
        assert_eq!(result, Err(SigV4Error::ChunkSignatureMismatch));
    }

    #[test]
    fn dropped_chunk() {
        // Removing the second chunk breaks the chain at the final chunk.
        let body = example_body();
        let second = 65536 + 88 + 2;
        let mut shortened = body[..second].to_vec();
        shortened.extend_from_slice(&body[second + 1112..]);
        let result = decode_all(&mut decoder(ChunkedMode::Signed), &shortened);
        assert_eq!(result, Err(SigV4Error::ChunkSignatureMismatch));
    }

    #[test]
    fn wrong_seed_signature() {
        let mut decoder = ChunkedDecoder::new(ChunkedMode::Signed, Some(chunked_example_context()));
        decoder.previous_signature = FIRST_CHUNK_SIGNATURE.to_owned();
        let result = decode_all(&mut decoder, &example_body());
        assert_eq!(result, Err(SigV4Error::ChunkSignatureMismatch));
    }

    #[test]
    fn error_is_sticky() {
        let body = replace(
            &example_body(),
            FIRST_CHUNK_SIGNATURE,
            SECOND_CHUNK_SIGNATURE,
        );
        let mut decoder = decoder(ChunkedMode::Signed);
        assert!(decode_all(&mut decoder, &body).is_err());
        let mut input = BytesMut::from(&example_body()[..]);
        let result = decoder.decode(&mut input, &mut BytesMut::new());
        assert_eq!(result, Err(SigV4Error::ChunkSignatureMismatch));
    }

    #[test]
    fn truncated_before_final_chunk() {
        let body = example_body();
        let mut decoder = decoder(ChunkedMode::Signed);
        let mut input = BytesMut::from(&body[..body.len() - 86]);
        let mut out = BytesMut::new();
        assert_eq!(decoder.decode(&mut input, &mut out), Ok(false));
        let result = decoder.finish(&mut input);
        assert!(
            matches!(result, Err(SigV4Error::InvalidChunk(_))),
            "{result:?}"
        );
    }

    #[test]
    fn truncated_inside_data() {
        let body = example_body();
        let result = decode_all(&mut decoder(ChunkedMode::Signed), &body[..1000]);
        assert!(
            matches!(result, Err(SigV4Error::InvalidChunk(_))),
            "{result:?}"
        );
    }

    #[test]
    fn signed_missing_final_crlf() {
        let body = example_body();
        let result = decode_all(&mut decoder(ChunkedMode::Signed), &body[..body.len() - 2]);
        assert_eq!(result.map(|out| out.len()), Ok(66560));
    }

    #[test]
    fn bytes_after_body() {
        let mut body = example_body();
        body.extend_from_slice(b"extra");
        let mut decoder = decoder(ChunkedMode::Signed);
        let mut input = BytesMut::from(&body[..]);
        assert_eq!(decoder.decode(&mut input, &mut BytesMut::new()), Ok(true));
        assert_eq!(&input[..], b"extra");
        let result = decoder.finish(&mut input);
        assert!(
            matches!(result, Err(SigV4Error::InvalidChunk(_))),
            "{result:?}"
        );
    }

    #[test]
    fn extension_whitespace_accepted() {
        let body = replace(
            &example_body(),
            "10000;chunk-signature=",
            "10000 ; chunk-signature = ",
        );
        let result = decode_all(&mut decoder(ChunkedMode::Signed), &body);
        assert_eq!(result.map(|out| out.len()), Ok(66560));
    }

    #[test]
    fn missing_chunk_signature() {
        let body = replace(
            &example_body(),
            &format!("10000;chunk-signature={FIRST_CHUNK_SIGNATURE}"),
            "10000",
        );
        let result = decode_all(&mut decoder(ChunkedMode::Signed), &body);
        assert_eq!(result, Err(invalid("chunk-signature is missing")));
    }

    #[test]
    fn signed_without_context() {
        let mut decoder = ChunkedDecoder::new(ChunkedMode::Signed, None);
        let result = decode_all(&mut decoder, &example_body());
        assert!(
            matches!(result, Err(SigV4Error::InvalidChunk(_))),
            "{result:?}"
        );
    }

    #[test]
    fn data_without_crlf() {
        let body = replace(&example_body(), "aaaa\r\n400;", "aaaaXX400;");
        let result = decode_all(&mut decoder(ChunkedMode::Signed), &body);
        assert_eq!(result, Err(invalid("chunk data is not followed by CRLF")));
    }

    #[test]
    fn size_line_too_long() {
        let mut decoder = decoder(ChunkedMode::UnsignedTrailer);
        let mut input = BytesMut::from(&[b'1'; MAX_LINE_LEN + 2][..]);
        let result = decoder.decode(&mut input, &mut BytesMut::new());
        assert!(
            matches!(result, Err(SigV4Error::InvalidChunk(_))),
            "{result:?}"
        );
    }

    #[test]
    fn size_line_waits_for_crlf() {
        let mut decoder = decoder(ChunkedMode::UnsignedTrailer);
        let mut input = BytesMut::from(&[b'1'; MAX_LINE_LEN][..]);
        assert_eq!(decoder.decode(&mut input, &mut BytesMut::new()), Ok(false));
    }

    #[test]
    fn size_line_bare_lf() {
        let result = decode_all(&mut decoder(ChunkedMode::UnsignedTrailer), b"5\nhello\r\n");
        assert_eq!(result, Err(invalid("line does not end in CRLF")));
    }

    #[test]
    fn absurd_chunk_sizes() {
        for size in ["ffffffffffffffffff", "4000001", "", "-1", "0x10", "1 2"] {
            let body = format!("{size}\r\n");
            let result = decode_all(&mut decoder(ChunkedMode::UnsignedTrailer), body.as_bytes());
            assert!(
                matches!(result, Err(SigV4Error::InvalidChunk(_))),
                "{size:?}: {result:?}"
            );
        }
    }

    #[test]
    fn unsigned_trailer_decodes() {
        let body = b"5\r\nhello\r\n6\r\n world\r\n0\r\nX-Amz-Checksum-CRC32: AAAAAA==\r\n\r\n";
        let mut decoder = decoder(ChunkedMode::UnsignedTrailer);
        let mut input = BytesMut::from(&body[..]);
        let mut out = BytesMut::new();
        assert_eq!(decoder.decode(&mut input, &mut out), Ok(true));
        assert_eq!(&out[..], b"hello world");
        let expected = [("x-amz-checksum-crc32".to_owned(), "AAAAAA==".to_owned())];
        assert_eq!(decoder.trailers(), expected);
    }

    #[test]
    fn unsigned_streams_partial_chunk() {
        let mut decoder = decoder(ChunkedMode::UnsignedTrailer);
        let mut input = BytesMut::from(&b"a\r\nhello"[..]);
        let mut out = BytesMut::new();
        assert_eq!(decoder.decode(&mut input, &mut out), Ok(false));
        assert_eq!(&out[..], b"hello");
    }

    #[test]
    fn unsigned_trailer_without_final_crlf() {
        let body = b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==\r\n";
        let mut decoder = decoder(ChunkedMode::UnsignedTrailer);
        let mut input = BytesMut::from(&body[..]);
        let mut out = BytesMut::new();
        assert_eq!(decoder.decode(&mut input, &mut out), Ok(false));
        assert_eq!(decoder.finish(&mut input), Ok(()));
        assert_eq!(decoder.trailers().len(), 1);
    }

    #[test]
    fn unsigned_trailer_line_without_crlf() {
        let body = b"5\r\nhello\r\n0\r\nx-amz-checksum-crc32:AAAAAA==";
        let mut decoder = decoder(ChunkedMode::UnsignedTrailer);
        assert_eq!(decode_all(&mut decoder, body), Ok(b"hello".to_vec()));
        assert_eq!(decoder.trailers()[0].1, "AAAAAA==");
    }

    #[test]
    fn unsigned_trailer_rejects_signature() {
        let body = b"0\r\nx-amz-trailer-signature:abc\r\n\r\n";
        let result = decode_all(&mut decoder(ChunkedMode::UnsignedTrailer), body);
        assert!(
            matches!(result, Err(SigV4Error::InvalidChunk(_))),
            "{result:?}"
        );
    }

    #[test]
    fn trailer_without_colon() {
        let body = b"0\r\nx-amz-checksum-crc32\r\n\r\n";
        let result = decode_all(&mut decoder(ChunkedMode::UnsignedTrailer), body);
        assert!(
            matches!(result, Err(SigV4Error::InvalidChunk(_))),
            "{result:?}"
        );
    }

    #[test]
    fn trailers_too_long() {
        let mut body = b"0\r\n".to_vec();
        let line = format!("x-amz-meta-pad:{}\r\n", "p".repeat(1000));
        for _ in 0..(MAX_TRAILER_LEN / 1000 + 1) {
            body.extend_from_slice(line.as_bytes());
        }
        let result = decode_all(&mut decoder(ChunkedMode::UnsignedTrailer), &body);
        assert!(
            matches!(result, Err(SigV4Error::InvalidChunk(_))),
            "{result:?}"
        );
    }

    #[test]
    fn signed_trailer_decodes() {
        let body = signed_trailer_body(&checksum_trailer());
        let mut decoder = decoder(ChunkedMode::SignedTrailer);
        let mut input = BytesMut::from(&body[..]);
        let mut out = BytesMut::new();
        assert_eq!(decoder.decode(&mut input, &mut out), Ok(true));
        assert_eq!(&out[..], b"hello world");
        assert_eq!(decoder.trailers(), checksum_trailer());
    }

    #[test]
    fn signed_trailer_byte_by_byte() {
        let mut decoder = decoder(ChunkedMode::SignedTrailer);
        let mut input = BytesMut::new();
        let mut out = BytesMut::new();
        let mut done = false;
        for byte in signed_trailer_body(&checksum_trailer()) {
            assert!(!done, "completed before the last byte");
            input.extend_from_slice(&[byte]);
            done = decoder.decode(&mut input, &mut out).unwrap();
        }
        assert!(done);
        assert_eq!(&out[..], b"hello world");
        assert_eq!(decoder.trailers(), checksum_trailer());
    }

    #[test]
    fn signed_trailer_without_final_crlf() {
        let body = signed_trailer_body(&checksum_trailer());
        let mut decoder = decoder(ChunkedMode::SignedTrailer);
        assert!(decode_all(&mut decoder, &body[..body.len() - 2]).is_ok());
        assert_eq!(decoder.trailers(), checksum_trailer());
    }

    #[test]
    fn signed_trailer_order_independent() {
        let trailers = vec![
            ("x-amz-checksum-crc32c".to_owned(), "sOO8/Q==".to_owned()),
            ("x-amz-meta-a".to_owned(), "1".to_owned()),
        ];
        let body = signed_trailer_body(&trailers);
        let swapped = replace(
            &body,
            "x-amz-checksum-crc32c:sOO8/Q==\r\nx-amz-meta-a:1\r\n",
            "x-amz-meta-a:1\r\nx-amz-checksum-crc32c:sOO8/Q==\r\n",
        );
        let mut decoder = decoder(ChunkedMode::SignedTrailer);
        assert!(decode_all(&mut decoder, &swapped).is_ok());
        assert_eq!(decoder.trailers()[0].0, "x-amz-meta-a");
    }

    #[test]
    fn signed_trailer_tampered_value() {
        let body = replace(
            &signed_trailer_body(&checksum_trailer()),
            "sOO8/Q==",
            "AAAAAA==",
        );
        let result = decode_all(&mut decoder(ChunkedMode::SignedTrailer), &body);
        assert_eq!(result, Err(SigV4Error::ChunkSignatureMismatch));
    }

    #[test]
    fn signed_trailer_added_line() {
        let body = replace(
            &signed_trailer_body(&checksum_trailer()),
            "x-amz-trailer-signature",
            "x-amz-meta-extra:1\r\nx-amz-trailer-signature",
        );
        let result = decode_all(&mut decoder(ChunkedMode::SignedTrailer), &body);
        assert_eq!(result, Err(SigV4Error::ChunkSignatureMismatch));
    }

    #[test]
    fn signed_trailer_missing_signature() {
        let context = chunked_example_context();
        let mut unsigned = ChunkedEncoder::new(ChunkedMode::Signed, Some(context));
        let mut body = unsigned.encode_chunk(b"hello");
        // A signed final chunk followed by a trailer but no trailer signature.
        body.extend(unsigned.finish(&[]));
        body.truncate(body.len() - 2);
        body.extend_from_slice(b"x-amz-checksum-crc32c:sOO8/Q==\r\n\r\n");
        let result = decode_all(&mut decoder(ChunkedMode::SignedTrailer), &body);
        assert_eq!(result, Err(invalid("x-amz-trailer-signature is missing")));
    }

    #[test]
    fn signed_trailer_line_after_signature() {
        let body = signed_trailer_body(&checksum_trailer());
        let mut body = body[..body.len() - 2].to_vec();
        body.extend_from_slice(b"x-amz-meta-late:1\r\n\r\n");
        let result = decode_all(&mut decoder(ChunkedMode::SignedTrailer), &body);
        assert!(
            matches!(result, Err(SigV4Error::InvalidChunk(_))),
            "{result:?}"
        );
    }
}
