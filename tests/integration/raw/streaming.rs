//! Streaming uploads: aws-chunked bodies in the three `STREAMING-*` modes, with and without
//! `Content-Encoding: aws-chunked`, chunk signatures computed with AWS's `aws-sigv4` crate,
//! and checksums sent as headers or trailers.

use aws_sigv4::sign::v4::{calculate_signature, generate_signing_key};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as BASE64;
use bytes::Bytes;
use http::Method;
use http_body_util::{BodyExt, Full};

use super::{RawClient, RawResponse, Signing, sha256_hex};
use crate::sdk::pattern;
use crate::server::Server;

/// Payload bytes per chunk: the 64 KiB AWS recommends.
const CHUNK: usize = 64 << 10;

/// How a streaming body is framed and signed, as `x-amz-content-sha256` declares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD`: signed chunks, no trailer.
    Signed,
    /// `STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER`: signed chunks and a signed trailer.
    SignedTrailer,
    /// `STREAMING-UNSIGNED-PAYLOAD-TRAILER`: plain chunks and a trailer.
    UnsignedTrailer,
}

impl Mode {
    const ALL: [Mode; 3] = [Mode::Signed, Mode::SignedTrailer, Mode::UnsignedTrailer];

    fn content_sha256(self) -> &'static str {
        match self {
            Mode::Signed => "STREAMING-AWS4-HMAC-SHA256-PAYLOAD",
            Mode::SignedTrailer => "STREAMING-AWS4-HMAC-SHA256-PAYLOAD-TRAILER",
            Mode::UnsignedTrailer => "STREAMING-UNSIGNED-PAYLOAD-TRAILER",
        }
    }

    fn is_signed(self) -> bool {
        self != Mode::UnsignedTrailer
    }
}

/// The five checksum algorithms, each computed with a crate other than the server's code.
pub const ALGORITHMS: [&str; 5] = ["crc32", "crc32c", "crc64nvme", "sha1", "sha256"];

/// Returns the base64 checksum of `data` in `algorithm` (lower-case, as in header names).
pub fn checksum(algorithm: &str, data: &[u8]) -> String {
    use sha1::Digest as _;
    let raw = match algorithm {
        "crc32" => crc32fast::hash(data).to_be_bytes().to_vec(),
        "crc32c" => crc32c::crc32c(data).to_be_bytes().to_vec(),
        "crc64nvme" => {
            let mut digest = crc64fast_nvme::Digest::new();
            digest.write(data);
            digest.sum64().to_be_bytes().to_vec()
        }
        "sha1" => sha1::Sha1::digest(data).to_vec(),
        "sha256" => sha2::Sha256::digest(data).to_vec(),
        other => panic!("unknown checksum algorithm {other}"),
    };
    BASE64.encode(raw)
}

/// Signs chunks and trailers, each chaining on the signature before it.
struct ChunkSigner {
    key: Vec<u8>,
    amz_date: String,
    scope: String,
    previous: String,
}

impl ChunkSigner {
    fn new(signing: &Signing, amz_date: &str) -> ChunkSigner {
        let key = generate_signing_key(&signing.secret_key, signing.time, &signing.region, "s3");
        ChunkSigner {
            key: key.as_ref().to_vec(),
            amz_date: amz_date.to_owned(),
            scope: format!("{}/{}/s3/aws4_request", &amz_date[..8], signing.region),
            previous: signing.signature.clone(),
        }
    }

    fn sign_chunk(&mut self, data: &[u8]) -> String {
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256-PAYLOAD\n{}\n{}\n{}\n{}\n{}",
            self.amz_date,
            self.scope,
            self.previous,
            sha256_hex(b""),
            sha256_hex(data)
        );
        self.previous = calculate_signature(&self.key, string_to_sign.as_bytes());
        self.previous.clone()
    }

    fn sign_trailer(&mut self, trailer_lines: &str) -> String {
        let string_to_sign = format!(
            "AWS4-HMAC-SHA256-TRAILER\n{}\n{}\n{}\n{}",
            self.amz_date,
            self.scope,
            self.previous,
            sha256_hex(trailer_lines.as_bytes())
        );
        self.previous = calculate_signature(&self.key, string_to_sign.as_bytes());
        self.previous.clone()
    }
}

/// A streaming PUT being put together.
pub struct StreamingPut<'a> {
    mode: Mode,
    data: &'a [u8],
    content_encoding: bool,
    trailer: Option<(String, String)>,
    headers: Vec<(String, String)>,
    decoded_length: bool,
    tampered_chunk: Option<usize>,
    tampered_trailer_signature: bool,
}

impl<'a> StreamingPut<'a> {
    /// Starts a PUT of `data` in `mode`, with `Content-Encoding: aws-chunked`.
    pub fn new(mode: Mode, data: &'a [u8]) -> StreamingPut<'a> {
        StreamingPut {
            mode,
            data,
            content_encoding: true,
            trailer: None,
            headers: Vec::new(),
            decoded_length: true,
            tampered_chunk: None,
            tampered_trailer_signature: false,
        }
    }

    /// Leaves out `Content-Encoding: aws-chunked`, as some benchmark clients do.
    pub fn without_content_encoding(mut self) -> Self {
        self.content_encoding = false;
        self
    }

    /// Sends `value` as the trailer `x-amz-checksum-<algorithm>`, announced in `x-amz-trailer`.
    pub fn trailer(mut self, algorithm: &str, value: &str) -> Self {
        self.trailer = Some((format!("x-amz-checksum-{algorithm}"), value.to_owned()));
        self
    }

    /// Adds a signed header.
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    /// Leaves out `x-amz-decoded-content-length`.
    pub fn without_decoded_length(mut self) -> Self {
        self.decoded_length = false;
        self
    }

    /// Flips one hex digit in the signature of chunk `index` (0-based).
    pub fn tamper_chunk_signature(mut self, index: usize) -> Self {
        self.tampered_chunk = Some(index);
        self
    }

    /// Flips one hex digit in the trailer signature.
    pub fn tamper_trailer_signature(mut self) -> Self {
        self.tampered_trailer_signature = true;
        self
    }

    /// Signs and sends the request to `path_and_query`.
    pub async fn send(self, client: &RawClient, path_and_query: &str) -> RawResponse {
        // The placeholder has the final length, so Content-Length is right before signing.
        let placeholder = self.encode(None);
        let mut request = client
            .request(Method::PUT, path_and_query)
            .body(placeholder)
            .content_sha256(self.mode.content_sha256());
        if self.decoded_length {
            let length = self.data.len().to_string();
            request = request.header("x-amz-decoded-content-length", &length);
        }
        if self.content_encoding {
            request = request.header("content-encoding", "aws-chunked");
        }
        if let Some((name, _)) = &self.trailer {
            request = request.header("x-amz-trailer", name);
        }
        for (name, value) in &self.headers {
            request = request.header(name, value);
        }
        let (mut request, signing) = request.build_signed();
        let amz_date = request.headers()["x-amz-date"]
            .to_str()
            .expect("ASCII date")
            .to_owned();
        let mut signer = ChunkSigner::new(&signing, &amz_date);
        let body = self.encode(Some(&mut signer));
        *request.body_mut() = Full::new(Bytes::from(body)).boxed();
        client.send_built(request).await
    }

    /// Frames the payload. Without a signer, signatures are placeholders of the same length.
    fn encode(&self, mut signer: Option<&mut ChunkSigner>) -> Vec<u8> {
        let mut out = Vec::with_capacity(self.data.len() + 4096);
        let chunks = self.data.chunks(CHUNK).chain(std::iter::once(&[][..]));
        for (index, chunk) in chunks.enumerate() {
            out.extend_from_slice(format!("{:x}", chunk.len()).as_bytes());
            if self.mode.is_signed() {
                let mut signature = match signer.as_deref_mut() {
                    Some(signer) => signer.sign_chunk(chunk),
                    None => "0".repeat(64),
                };
                if self.tampered_chunk == Some(index) {
                    signature = flip_first_digit(&signature);
                }
                out.extend_from_slice(format!(";chunk-signature={signature}").as_bytes());
            }
            out.extend_from_slice(b"\r\n");
            if !chunk.is_empty() {
                out.extend_from_slice(chunk);
                out.extend_from_slice(b"\r\n");
            }
        }
        match (&self.trailer, self.mode) {
            (_, Mode::Signed) => out.extend_from_slice(b"\r\n"),
            (None, _) => out.extend_from_slice(b"\r\n"),
            (Some((name, value)), mode) => {
                let line = format!("{name}:{value}");
                out.extend_from_slice(format!("{line}\r\n").as_bytes());
                if mode == Mode::SignedTrailer {
                    let mut signature = match signer.as_mut() {
                        Some(signer) => signer.sign_trailer(&format!("{line}\n")),
                        None => "0".repeat(64),
                    };
                    if self.tampered_trailer_signature {
                        signature = flip_first_digit(&signature);
                    }
                    out.extend_from_slice(
                        format!("x-amz-trailer-signature:{signature}\r\n").as_bytes(),
                    );
                }
                out.extend_from_slice(b"\r\n");
            }
        }
        out
    }
}

fn flip_first_digit(signature: &str) -> String {
    let replacement = if signature.starts_with('0') { "1" } else { "0" };
    format!("{replacement}{}", &signature[1..])
}

async fn server_with_bucket() -> (Server, RawClient) {
    let server = Server::start();
    let client = RawClient::new(&server);
    client.create_bucket("stream").await;
    (server, client)
}

/// Asserts that `key` does not exist.
async fn assert_absent(client: &RawClient, key: &str) {
    let response = client.get(&format!("/stream/{key}")).send().await;
    response.assert_error(404, "NoSuchKey");
}

/// Returns the checksum headers of a HEAD with `x-amz-checksum-mode: ENABLED`.
async fn head_checksum(client: &RawClient, key: &str, algorithm: &str) -> (String, String) {
    let response = client
        .request(Method::HEAD, &format!("/stream/{key}"))
        .header("x-amz-checksum-mode", "ENABLED")
        .send()
        .await;
    response.assert_success();
    let value = response
        .header(&format!("x-amz-checksum-{algorithm}"))
        .unwrap_or_default()
        .to_owned();
    let kind = response
        .header("x-amz-checksum-type")
        .unwrap_or_default()
        .to_owned();
    (value, kind)
}

#[tokio::test]
async fn streaming_modes_store_payload_only() {
    let (_server, client) = server_with_bucket().await;
    // Three full chunks and a short one, so framing sits at several places in the body.
    let data = pattern(3 * CHUNK + 1234, 5);
    for mode in Mode::ALL {
        for content_encoding in [true, false] {
            let key = format!("{mode:?}-{content_encoding}");
            let mut put = StreamingPut::new(mode, &data);
            if !content_encoding {
                put = put.without_content_encoding();
            }
            if mode != Mode::Signed {
                put = put.trailer("crc32", &checksum("crc32", &data));
            }
            let response = put.send(&client, &format!("/stream/{key}")).await;
            assert!(response.status.is_success(), "PUT {key}: {response:?}");
            let stored = client.get(&format!("/stream/{key}")).send().await;
            assert_eq!(stored.body.len(), data.len(), "stored length of {key}");
            assert!(
                stored.body == data,
                "stored bytes of {key} differ from the payload"
            );
        }
    }
}

#[tokio::test]
async fn streaming_without_decoded_length_is_411() {
    let (_server, client) = server_with_bucket().await;
    let data = pattern(1000, 1);
    let response = StreamingPut::new(Mode::Signed, &data)
        .without_decoded_length()
        .send(&client, "/stream/nolength")
        .await;
    response.assert_error(411, "MissingContentLength");
    assert_absent(&client, "nolength").await;
}

#[tokio::test]
async fn checksum_headers_verified_and_returned() {
    let (_server, client) = server_with_bucket().await;
    let data = pattern(100_000, 2);
    for algorithm in ALGORITHMS {
        let value = checksum(algorithm, &data);
        let header = format!("x-amz-checksum-{algorithm}");
        let key = format!("header-{algorithm}");
        let response = client
            .put(&format!("/stream/{key}"), data.clone())
            .header(&header, &value)
            .send()
            .await;
        assert!(response.status.is_success(), "PUT {key}: {response:?}");
        assert_eq!(response.header(&header), Some(value.as_str()), "{key}");
        let (returned, kind) = head_checksum(&client, &key, algorithm).await;
        assert_eq!(returned, value, "checksum of {key}");
        assert_eq!(kind, "FULL_OBJECT", "checksum type of {key}");
    }
}

#[tokio::test]
async fn checksum_headers_on_streaming_body() {
    let (_server, client) = server_with_bucket().await;
    let data = pattern(2 * CHUNK + 10, 3);
    for algorithm in ALGORITHMS {
        let value = checksum(algorithm, &data);
        let key = format!("signed-header-{algorithm}");
        let response = StreamingPut::new(Mode::Signed, &data)
            .header(&format!("x-amz-checksum-{algorithm}"), &value)
            .send(&client, &format!("/stream/{key}"))
            .await;
        assert!(response.status.is_success(), "PUT {key}: {response:?}");
        let (returned, _) = head_checksum(&client, &key, algorithm).await;
        assert_eq!(returned, value, "checksum of {key}");
    }
}

#[tokio::test]
async fn checksum_trailers_verified_and_returned() {
    let (_server, client) = server_with_bucket().await;
    let data = pattern(2 * CHUNK + 77, 4);
    for mode in [Mode::SignedTrailer, Mode::UnsignedTrailer] {
        for algorithm in ALGORITHMS {
            let value = checksum(algorithm, &data);
            let key = format!("trailer-{mode:?}-{algorithm}");
            let response = StreamingPut::new(mode, &data)
                .trailer(algorithm, &value)
                .send(&client, &format!("/stream/{key}"))
                .await;
            assert!(response.status.is_success(), "PUT {key}: {response:?}");
            let (returned, kind) = head_checksum(&client, &key, algorithm).await;
            assert_eq!(returned, value, "checksum of {key}");
            assert_eq!(kind, "FULL_OBJECT", "checksum type of {key}");
        }
    }
}

#[tokio::test]
async fn wrong_chunk_signature_stores_nothing() {
    let (_server, client) = server_with_bucket().await;
    // Chunks 0 and 1 are full, chunk 2 is short and chunk 3 is the final, empty one. The
    // server stops reading at a bad signature, so little of the body is left unread then.
    let data = pattern(2 * CHUNK + 100, 6);
    let response = StreamingPut::new(Mode::Signed, &data)
        .tamper_chunk_signature(1)
        .send(&client, "/stream/tampered")
        .await;
    response.assert_error(403, "SignatureDoesNotMatch");
    assert_absent(&client, "tampered").await;

    let final_chunk = StreamingPut::new(Mode::Signed, &data)
        .tamper_chunk_signature(3)
        .send(&client, "/stream/tampered-final")
        .await;
    final_chunk.assert_error(403, "SignatureDoesNotMatch");
    assert_absent(&client, "tampered-final").await;

    let trailer = StreamingPut::new(Mode::SignedTrailer, &data)
        .trailer("crc32c", &checksum("crc32c", &data))
        .tamper_trailer_signature()
        .send(&client, "/stream/tampered-trailer")
        .await;
    trailer.assert_error(403, "SignatureDoesNotMatch");
    assert_absent(&client, "tampered-trailer").await;
}

#[tokio::test]
async fn wrong_checksum_stores_nothing() {
    let (_server, client) = server_with_bucket().await;
    let data = pattern(CHUNK + 5, 7);
    let other = checksum("sha256", b"other bytes");
    for algorithm in ALGORITHMS {
        let wrong = checksum(algorithm, b"other bytes");
        let key = format!("bad-header-{algorithm}");
        let response = client
            .put(&format!("/stream/{key}"), data.clone())
            .header(&format!("x-amz-checksum-{algorithm}"), &wrong)
            .send()
            .await;
        response.assert_error(400, "BadDigest");
        assert_absent(&client, &key).await;

        let key = format!("bad-trailer-{algorithm}");
        let response = StreamingPut::new(Mode::UnsignedTrailer, &data)
            .trailer(algorithm, &wrong)
            .send(&client, &format!("/stream/{key}"))
            .await;
        response.assert_error(400, "BadDigest");
        assert_absent(&client, &key).await;
    }

    // A rejected overwrite leaves the object as it was.
    client
        .put("/stream/kept", b"old".to_vec())
        .send()
        .await
        .assert_success();
    let response = StreamingPut::new(Mode::SignedTrailer, &data)
        .trailer("sha256", &other)
        .send(&client, "/stream/kept")
        .await;
    response.assert_error(400, "BadDigest");
    let kept = client.get("/stream/kept").send().await;
    assert_eq!(kept.body.as_ref(), b"old");
}

#[tokio::test]
async fn upload_part_with_trailer_checksum() {
    let (_server, client) = server_with_bucket().await;
    let created = client
        .request(Method::POST, "/stream/parts?uploads")
        .header("x-amz-checksum-algorithm", "CRC32C")
        .send()
        .await;
    created.assert_success();
    assert_eq!(created.header("x-amz-checksum-type"), Some("COMPOSITE"));
    let upload_id = created.xml("UploadId").expect("UploadId");

    let data = pattern(CHUNK + 3, 8);
    let value = checksum("crc32c", &data);
    let path = format!("/stream/parts?partNumber=1&uploadId={upload_id}");
    let response = StreamingPut::new(Mode::UnsignedTrailer, &data)
        .without_content_encoding()
        .trailer("crc32c", &value)
        .send(&client, &path)
        .await;
    response.assert_success();
    let etag = response.header("etag").expect("ETag").to_owned();

    // A part whose trailer does not match its bytes is not stored.
    let bad_path = format!("/stream/parts?partNumber=2&uploadId={upload_id}");
    let bad = StreamingPut::new(Mode::SignedTrailer, &data)
        .trailer("crc32c", &checksum("crc32c", b"other bytes"))
        .send(&client, &bad_path)
        .await;
    bad.assert_error(400, "BadDigest");

    let listed = client
        .get(&format!("/stream/parts?uploadId={upload_id}"))
        .send()
        .await;
    listed.assert_success();
    assert_eq!(listed.xml("Part/ChecksumCRC32C"), Some(value.clone()));
    let numbers = super::xml_values(&listed.text(), "Part/PartNumber");
    assert_eq!(numbers, ["1"], "parts stored");
    assert_eq!(listed.xml("ChecksumAlgorithm").as_deref(), Some("CRC32C"));

    let document = format!(
        "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber><ETag>{etag}</ETag>\
         <ChecksumCRC32C>{value}</ChecksumCRC32C></Part></CompleteMultipartUpload>"
    );
    let completed = client
        .request(Method::POST, &format!("/stream/parts?uploadId={upload_id}"))
        .body(document)
        .send()
        .await;
    completed.assert_success();
    let raw = BASE64.decode(&value).expect("base64 checksum");
    let composite = format!("{}-1", checksum("crc32c", &raw));
    assert_eq!(completed.xml("ChecksumCRC32C"), Some(composite.clone()));
    let (returned, kind) = head_checksum(&client, "parts", "crc32c").await;
    assert_eq!(returned, composite);
    assert_eq!(kind, "COMPOSITE");
    let stored = client.get("/stream/parts").send().await;
    assert!(stored.body == data, "stored part differs from the payload");
}

/// A small XML document sent aws-chunked with a checksum trailer: a wrong trailer is
/// `BadDigest` and changes nothing, the right one lets the document through.
#[tokio::test]
async fn tagging_document_trailer_checked() {
    let (_server, client) = server_with_bucket().await;
    client
        .put("/stream/tagged", &b"data"[..])
        .send()
        .await
        .assert_success();
    let document = b"<Tagging><TagSet><Tag><Key>k</Key><Value>v</Value></Tag></TagSet></Tagging>";
    // PutObjectTagging requires Content-MD5 or a checksum header besides the trailer.
    let content_md5 = BASE64.encode(<md5::Md5 as md5::Digest>::digest(document));

    for mode in [Mode::SignedTrailer, Mode::UnsignedTrailer] {
        let wrong = StreamingPut::new(mode, document)
            .trailer("crc32c", &checksum("crc32c", b"another document"))
            .header("content-md5", &content_md5)
            .send(&client, "/stream/tagged?tagging")
            .await;
        wrong.assert_error(400, "BadDigest");
        let tags = client.get("/stream/tagged?tagging").send().await;
        tags.assert_success();
        assert!(
            !tags.text().contains("<Key>k</Key>"),
            "{mode:?}: {}",
            tags.text()
        );
    }

    let right = StreamingPut::new(Mode::UnsignedTrailer, document)
        .trailer("crc32c", &checksum("crc32c", document))
        .header("content-md5", &content_md5)
        .send(&client, "/stream/tagged?tagging")
        .await;
    assert!(right.status.is_success(), "{right:?}");
    let tags = client.get("/stream/tagged?tagging").send().await;
    assert!(tags.text().contains("<Key>k</Key>"), "{}", tags.text());
}
