//! Throughput of the `aws-chunked` decoder over a 1 MiB body in 64 KiB chunks, the chunk
//! size AWS SDKs send: with a signature on every chunk, and unsigned with a checksum trailer.

#![allow(
    missing_docs,
    reason = "criterion_group! defines an undocumented pub fn"
)]

use std::time::{Duration, SystemTime};

use bytes::BytesMut;
use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use http::{HeaderMap, HeaderValue};
use oss_sigv4::chunked::{ChunkedDecoder, ChunkedEncoder, ChunkedMode};
use oss_sigv4::{
    RequestParts, SecretKey, SigningContext, SigningParams, sign_request_with_context,
};

const LEN: usize = 1 << 20;
const CHUNK: usize = 64 << 10;

/// Signs a streaming PUT and returns the context that chains the chunk signatures.
fn signing_context() -> SigningContext {
    let secret = SecretKey::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_owned());
    let mut headers = HeaderMap::new();
    headers.insert("host", HeaderValue::from_static("127.0.0.1:9000"));
    let parts = RequestParts {
        method: "PUT",
        raw_path: "/bucket/key",
        raw_query: "",
        headers: &headers,
    };
    let params = SigningParams {
        access_key_id: "AKIAIOSFODNN7EXAMPLE",
        secret: &secret,
        region: "beijing-1",
        service: "s3",
        now: SystemTime::now().into(),
    };
    sign_request_with_context(&parts, "STREAMING-AWS4-HMAC-SHA256-PAYLOAD", &params).1
}

fn encode(
    mode: ChunkedMode,
    context: Option<SigningContext>,
    trailers: &[(String, String)],
) -> BytesMut {
    let data = vec![0x5a; LEN];
    let mut encoder = ChunkedEncoder::new(mode, context);
    let mut body = BytesMut::new();
    for chunk in data.chunks(CHUNK) {
        body.extend_from_slice(&encoder.encode_chunk(chunk));
    }
    body.extend_from_slice(&encoder.finish(trailers));
    body
}

/// Decodes a whole body and returns how many payload bytes came out.
fn decode(mode: ChunkedMode, context: Option<SigningContext>, mut input: BytesMut) -> usize {
    let mut decoder = ChunkedDecoder::new(mode, context);
    let mut out = BytesMut::with_capacity(LEN);
    let done = decoder.decode(&mut input, &mut out).unwrap();
    if !done {
        decoder.finish(&mut input).unwrap();
    }
    out.len()
}

fn decoders(c: &mut Criterion) {
    let context = signing_context();
    let signed = encode(ChunkedMode::Signed, Some(context.clone()), &[]);
    let trailer = [("x-amz-checksum-crc32".to_owned(), "AAAAAA==".to_owned())];
    let unsigned = encode(ChunkedMode::UnsignedTrailer, None, &trailer);
    // A body that fails to decode would make the figures meaningless, so check both once.
    assert_eq!(
        decode(ChunkedMode::Signed, Some(context.clone()), signed.clone()),
        LEN
    );
    assert_eq!(
        decode(ChunkedMode::UnsignedTrailer, None, unsigned.clone()),
        LEN
    );

    let mut group = c.benchmark_group("aws_chunked_1MiB");
    group.throughput(Throughput::Bytes(LEN as u64));
    group.bench_function("signed", |b| {
        b.iter_batched(
            || signed.clone(),
            |input| decode(ChunkedMode::Signed, Some(context.clone()), input),
            BatchSize::SmallInput,
        );
    });
    group.bench_function("unsigned_trailer", |b| {
        b.iter_batched(
            || unsigned.clone(),
            |input| decode(ChunkedMode::UnsignedTrailer, None, input),
            BatchSize::SmallInput,
        );
    });
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    targets = decoders
}
criterion_main!(benches);
