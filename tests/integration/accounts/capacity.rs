//! Capacity with a 64 KiB capacity unit: 32 writers race for the last bytes of an account,
//! then the account grows and shrinks through the admin API.

use std::sync::Arc;

use serde_json::json;

use super::{object_sizes, overview};
use crate::admin::AdminClient;
use crate::raw::RawClient;
use crate::server::{Options, Server};

/// Bytes per capacity unit of the test server, so the default account's 50 GB are 3200 KiB.
const UNIT: u64 = 64 << 10;
/// Bytes each racing writer sends.
const PIECE: u64 = 100 << 10;
/// Writers racing at once: PutObject writers, then UploadPart writers.
const PUT_WRITERS: usize = 24;
const PART_WRITERS: usize = 8;
/// Pieces that fit in the space left before the race.
const PIECES_THAT_FIT: u64 = 10;

fn u64_of(value: &serde_json::Value, field: &str) -> u64 {
    value[field]
        .as_u64()
        .unwrap_or_else(|| panic!("no number {field} in {value}"))
}

#[tokio::test]
async fn racing_writers_never_exceed_capacity() {
    let mut server = Server::start_with(Options {
        env: vec![(
            "OSS_ACCOUNTS_CAPACITY_UNIT_BYTES".to_owned(),
            UNIT.to_string(),
        )],
        ..Options::default()
    });
    let operator = AdminClient::operator(&server);
    let account = operator.account_id("default").await;
    let account_path = format!("/admin/v1/accounts/{account}");
    let s3 = RawClient::new(&server);
    s3.create_bucket("quota").await;
    let capacity = u64_of(&overview(&operator, &account).await, "capacity_bytes");
    assert_eq!(capacity, 50 * UNIT);

    // Fill the account up to the last ten pieces, and open an upload to race parts into.
    let base = capacity - PIECES_THAT_FIT * PIECE;
    s3.put("/quota/base", vec![1u8; base as usize])
        .send()
        .await
        .assert_success();
    let created = s3
        .request(http::Method::POST, "/quota/parts?uploads")
        .send()
        .await;
    created.assert_success();
    let upload_id = created.xml("UploadId").expect("UploadId");

    // 32 writers start together; each sends one piece once.
    let barrier = Arc::new(tokio::sync::Barrier::new(PUT_WRITERS + PART_WRITERS));
    let mut writers = Vec::new();
    for index in 0..PUT_WRITERS + PART_WRITERS {
        let client = RawClient::new(&server);
        let barrier = Arc::clone(&barrier);
        let path = if index < PUT_WRITERS {
            format!("/quota/piece-{index}")
        } else {
            let part = index - PUT_WRITERS + 1;
            format!("/quota/parts?partNumber={part}&uploadId={upload_id}")
        };
        writers.push(tokio::spawn(async move {
            barrier.wait().await;
            client.put(&path, vec![2u8; PIECE as usize]).send().await
        }));
    }
    let mut accepted = 0;
    for writer in writers {
        let reply = writer.await.expect("writer task");
        if reply.status.is_success() {
            accepted += 1;
        } else {
            reply.assert_error(403, "QuotaExceeded");
        }
    }
    assert_eq!(accepted, PIECES_THAT_FIT);
    let full = overview(&operator, &account).await;
    assert_eq!(u64_of(&full, "used_bytes"), capacity);

    // With no upload in progress, used bytes are exactly the stored objects.
    s3.request(
        http::Method::DELETE,
        &format!("/quota/parts?uploadId={upload_id}"),
    )
    .send()
    .await
    .assert_success();
    let stored: u64 = object_sizes(&s3, "quota")
        .await
        .iter()
        .map(|(_, size)| size)
        .sum();
    let after_abort = overview(&operator, &account).await;
    assert_eq!(u64_of(&after_abort, "used_bytes"), stored);
    assert!(stored <= capacity);

    // Fill what the abort freed; then nothing more fits until the account grows.
    let free = capacity - stored;
    if free > 0 {
        s3.put("/quota/filler", vec![3u8; free as usize])
            .send()
            .await
            .assert_success();
    }
    s3.put("/quota/late", vec![4u8; 1])
        .send()
        .await
        .assert_error(403, "QuotaExceeded");
    let expanded = operator
        .post(&format!("{account_path}/expand"), json!({ "gb": 10 }))
        .await
        .expect(200);
    assert_eq!(u64_of(&expanded, "capacity_gb"), 60);
    assert_eq!(u64_of(&expanded, "capacity_bytes"), 60 * UNIT);
    s3.put("/quota/late", vec![4u8; (10 * UNIT) as usize])
        .send()
        .await
        .assert_success();

    // Full again: shrinking would take away used bytes, and the reply names the values.
    let used = u64_of(&overview(&operator, &account).await, "used_bytes");
    assert_eq!(used, 60 * UNIT);
    operator
        .post(&format!("{account_path}/shrink"), json!({ "gb": 10 }))
        .await
        .expect_error(409, "ShrinkExceedsUnused", &used.to_string());
    let unchanged = overview(&operator, &account).await;
    assert_eq!(u64_of(&unchanged, "capacity_gb"), 60);

    // Once the late object is gone, the shrink fits; below 50 GB it never does.
    s3.request(http::Method::DELETE, "/quota/late")
        .send()
        .await
        .assert_success();
    let shrunk = operator
        .post(&format!("{account_path}/shrink"), json!({ "gb": 10 }))
        .await
        .expect(200);
    assert_eq!(u64_of(&shrunk, "capacity_gb"), 50);
    operator
        .post(&format!("{account_path}/shrink"), json!({ "gb": 1 }))
        .await
        .expect_error(400, "CapacityOutOfRange", "50");

    // The stored counters equal what the metadata adds up to.
    server.stop();
    let fsck = server.fsck();
    let report = String::from_utf8_lossy(&fsck.stdout);
    assert!(fsck.status.success(), "fsck failed: {report}");
    assert!(report.contains("no problems found"), "{report}");
}
