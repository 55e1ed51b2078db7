//! Throughput of the body digests the server computes while it stores an object: the MD5
//! behind the ETag and each `x-amz-checksum-*` algorithm, over 1 MiB.

#![allow(
    missing_docs,
    reason = "criterion_group! defines an undocumented pub fn"
)]

use std::time::Duration;

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use md5::{Digest, Md5};
use oss_proto::checksum::{ChecksumAlgorithm, Checksummer};

const LEN: usize = 1 << 20;

/// Returns 1 MiB of varied bytes, so that no digest meets a special case.
fn data() -> Vec<u8> {
    (0..LEN)
        .map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8)
        .collect()
}

fn digests(c: &mut Criterion) {
    let data = data();
    let mut group = c.benchmark_group("digest_1MiB");
    group.throughput(Throughput::Bytes(LEN as u64));
    group.bench_function("md5", |b| b.iter(|| Md5::digest(&data)));
    for algorithm in ChecksumAlgorithm::ALL {
        let name = algorithm.as_str().to_ascii_lowercase();
        group.bench_function(name, |b| {
            b.iter(|| {
                let mut checksummer = Checksummer::new(algorithm);
                checksummer.update(&data);
                checksummer.finish_raw()
            });
        });
    }
    group.finish();
}

criterion_group! {
    name = benches;
    config = Criterion::default()
        .warm_up_time(Duration::from_millis(500))
        .measurement_time(Duration::from_secs(2))
        .sample_size(30);
    targets = digests
}
criterion_main!(benches);
