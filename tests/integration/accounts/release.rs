//! Release of an account with thousands of objects, with the server killed in the middle:
//! after the restart the release finishes, and nothing of the account is left on disk or in
//! the metadata.

use std::path::Path;
use std::time::{Duration, Instant};

use super::{Key, grant, overview, user_with_key};
use crate::admin::AdminClient;
use crate::raw::RawClient;
use crate::server::{Options, Server};
use futures::StreamExt;
use http::Method;

/// Objects of the released account, over two buckets.
const OBJECTS: usize = 2400;
/// Bytes per object: above the 4 KiB inline limit, so each object has a chunk file.
const OBJECT_SIZE: usize = 5000;
/// PUTs in flight while the account is filled.
const CONCURRENCY: usize = 32;

/// Counts the chunk files under `<data_dir>/chunks`.
fn chunk_files(data_dir: &Path) -> usize {
    let mut count = 0;
    for fan_out in std::fs::read_dir(data_dir.join("chunks")).expect("read chunks dir") {
        let fan_out = fan_out.expect("chunks entry").path();
        count += std::fs::read_dir(&fan_out)
            .expect("read fan-out dir")
            .count();
    }
    count
}

#[tokio::test]
async fn release_survives_a_kill_and_leaves_nothing() {
    let mut server = Server::start_with(Options {
        storage: vec!["delete_batch_size = 20".to_owned()],
        ..Options::default()
    });
    let operator = AdminClient::operator(&server);
    let s3 = RawClient::new(&server);

    // The default account keeps one object, which must survive.
    s3.create_bucket("staying").await;
    s3.put("/staying/kept", vec![5u8; OBJECT_SIZE])
        .send()
        .await
        .assert_success();

    // The leaving account: two buckets of objects, a sub-user with a grant, an unfinished
    // upload and some metered requests.
    let created = operator.create_account("leaving", "beijing-1", 50).await;
    let account = created["id"].as_str().expect("account id").to_owned();
    let master = Key::from_reply(&created);
    for bucket in ["leaving-a", "leaving-b"] {
        master
            .sign(s3.put(&format!("/{bucket}"), Vec::new()))
            .send()
            .await
            .assert_success();
    }
    let user = user_with_key(&operator, &account, "worker").await;
    grant(&operator, &account, "leaving-a", "worker", "read-write").await;
    let uploads = master
        .sign(s3.request(Method::POST, "/leaving-b/pending?uploads"))
        .send()
        .await;
    let upload_id = uploads.xml("UploadId").expect("UploadId");
    master
        .sign(s3.put(
            &format!("/leaving-b/pending?partNumber=1&uploadId={upload_id}"),
            vec![6u8; OBJECT_SIZE],
        ))
        .send()
        .await
        .assert_success();
    let filled = futures::stream::iter(0..OBJECTS)
        .map(|index| {
            let bucket = if index % 2 == 0 {
                "leaving-a"
            } else {
                "leaving-b"
            };
            let request = s3.put(&format!("/{bucket}/object-{index}"), vec![7u8; OBJECT_SIZE]);
            master.sign(request).send()
        })
        .buffer_unordered(CONCURRENCY)
        .collect::<Vec<_>>()
        .await;
    for reply in &filled {
        reply.assert_success();
    }
    let before = overview(&operator, &account).await;
    assert_eq!(before["object_count"].as_u64(), Some(OBJECTS as u64));
    assert_eq!(chunk_files(&server.data_dir()), OBJECTS + 2);

    // Release: keys stop working at once, then the deletion runs in the background.
    let path = format!("/admin/v1/accounts/{account}");
    let releasing = operator
        .delete(&format!("{path}?confirm=leaving"))
        .await
        .expect(202);
    assert_eq!(releasing["status"], "releasing");
    for key in [&master, &user] {
        key.sign(s3.get("/leaving-a/object-0"))
            .send()
            .await
            .assert_error(403, "InvalidAccessKeyId");
    }

    // Kill the server once the release is under way but far from done.
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        let progress = overview(&operator, &account).await;
        let left = progress["release"]["objects_left"].as_u64().unwrap_or(0);
        if left < OBJECTS as u64 {
            assert!(left > 0, "the release finished before the kill: {progress}");
            break;
        }
        assert!(
            Instant::now() < deadline,
            "release made no progress: {progress}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    server.kill();

    // After the restart the release resumes by itself and the account disappears.
    server.restart();
    let operator = AdminClient::operator(&server);
    operator
        .wait_for_status(&path, 404)
        .await
        .expect_error(404, "NoSuchAccount", &account);
    let s3 = RawClient::new(&server);
    master
        .sign(s3.get("/leaving-a/object-0"))
        .send()
        .await
        .assert_error(403, "InvalidAccessKeyId");

    // On disk only the staying object's chunk is left, and fsck finds no row of the account.
    server.stop();
    assert_eq!(chunk_files(&server.data_dir()), 1);
    let fsck = server.fsck();
    let report = String::from_utf8_lossy(&fsck.stdout);
    assert!(fsck.status.success(), "fsck failed: {report}");
    assert!(report.contains("no problems found"), "{report}");

    // The bucket names and the account name are free again.
    server.restart();
    let s3 = RawClient::new(&server);
    for bucket in ["leaving-a", "leaving-b"] {
        s3.create_bucket(bucket).await;
    }
    let operator = AdminClient::operator(&server);
    let again = operator.create_account("leaving", "beijing-1", 50).await;
    assert_ne!(again["id"].as_str(), Some(account.as_str()));
    let staying = s3.get("/staying/kept").send().await;
    staying.assert_success();
    assert_eq!(staying.body.len(), OBJECT_SIZE);
}
