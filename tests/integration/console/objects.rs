//! The bucket browser's routes: listing, details, upload in one request and in parts,
//! download, delete, and the S3 endpoint's quota, checksum and grant rules on all of them.

use base64::Engine;
use http::{Method, StatusCode, header};
use md5::Digest;
use serde_json::{Value, json};

use super::{ConsoleClient, Page, default_account_id, user_with_key};
use crate::admin::AdminClient;
use crate::server::{Options, Server};

/// Returns the base64 CRC-32 of `data`, as `x-amz-checksum-crc32` carries it.
fn crc32(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(crc32fast::hash(data).to_be_bytes())
}

/// Uploads `data` as `key` in one request; returns the reply.
async fn upload(client: &mut ConsoleClient, bucket_path: &str, key: &str, data: &[u8]) -> Page {
    let path = format!("{bucket_path}/upload?key={}", super::encode(key));
    let checksum = crc32(data);
    let length = data.len().to_string();
    client
        .script(
            Method::PUT,
            &path,
            data.to_vec(),
            &[
                ("content-type", "text/plain"),
                ("content-length", &length),
                ("x-amz-checksum-crc32", &checksum),
            ],
        )
        .await
}

fn json_of(page: &Page) -> Value {
    serde_json::from_slice(&page.body)
        .unwrap_or_else(|error| panic!("invalid JSON ({error}): {}", page.text()))
}

async fn make_bucket(server: &Server, account: &str, name: &str) {
    AdminClient::operator(server)
        .post(
            &format!("/admin/v1/accounts/{account}/buckets"),
            json!({"name": name}),
        )
        .await
        .expect(201);
}

#[tokio::test]
async fn upload_list_download_delete() {
    let server = Server::start();
    let account = default_account_id(&server).await;
    make_bucket(&server, &account, "docs").await;
    let credentials = server.credentials().clone();
    let mut client =
        ConsoleClient::signed_in(&server, &credentials.access_key, &credentials.secret_key).await;
    let bucket = format!("/console/accounts/{account}/buckets/docs");

    let data = b"hello from the console".repeat(100);
    let reply = upload(&mut client, &bucket, "reports/2025/q1 & more.txt", &data).await;
    assert_eq!(reply.status, StatusCode::OK, "{}", reply.text());
    let etag = json_of(&reply)["etag"].as_str().unwrap().to_owned();
    assert_eq!(
        etag,
        format!("\"{}\"", hex::encode(md5::Md5::digest(&data)))
    );
    upload(&mut client, &bucket, "top.txt", b"top")
        .await
        .expect(200);

    // The top level shows the folder and the top-level object.
    let listing = client.open(&format!("{bucket}/objects")).await.expect(200);
    assert!(listing.contains("reports/</a>"), "{listing}");
    assert!(listing.contains(">top.txt</a>"), "{listing}");
    assert!(
        !listing.contains("q1"),
        "nested object at the top: {listing}"
    );
    let folder = client
        .open(&format!("{bucket}/objects?prefix=reports%2F2025%2F"))
        .await
        .expect(200);
    assert!(folder.contains("q1 &amp; more.txt"), "{folder}");
    assert!(folder.contains("2.1 KiB"), "size shown: {folder}");

    // Details: size, type, ETag.
    let details = client
        .open(&format!(
            "{bucket}/object?key=reports%2F2025%2Fq1%20%26%20more.txt"
        ))
        .await
        .expect(200);
    assert!(details.contains("2\u{202f}200 bytes"), "{details}");
    assert!(details.contains("text/plain"), "{details}");
    assert!(details.contains(&etag.replace('"', "&quot;")), "{details}");

    // Download streams the bytes as an attachment.
    let download = client
        .get(&format!(
            "{bucket}/download?key=reports%2F2025%2Fq1%20%26%20more.txt"
        ))
        .await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.body.as_ref(), data.as_slice());
    let disposition = download.headers[header::CONTENT_DISPOSITION]
        .to_str()
        .unwrap();
    assert!(disposition.starts_with("attachment;"), "{disposition}");
    // RFC 5987 attr-char leaves "&" unencoded.
    assert!(disposition.contains("q1%20&%20more.txt"), "{disposition}");
    let csp = download.headers[header::CONTENT_SECURITY_POLICY]
        .to_str()
        .unwrap();
    assert!(csp.contains("sandbox"), "{csp}");

    // The S3 endpoint sees the same object.
    let head = AdminClient::operator(&server)
        .get(&format!("/admin/v1/accounts/{account}/buckets"))
        .await
        .expect(200);
    assert_eq!(head["buckets"][0]["object_count"], 2, "{head}");

    let page = client
        .submit(
            &format!("{bucket}/object/delete"),
            &[("key", "top.txt"), ("back", "")],
        )
        .await
        .expect(200);
    assert!(page.contains("Deleted &quot;top.txt&quot;."), "{page}");
    assert!(!page.contains(">top.txt</a>"), "{page}");
    let missing = client.get(&format!("{bucket}/object?key=top.txt")).await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND, "{}", missing.text());
}

#[tokio::test]
async fn multipart_upload_in_parts() {
    let server = Server::start();
    let account = default_account_id(&server).await;
    make_bucket(&server, &account, "big").await;
    let credentials = server.credentials().clone();
    let mut client =
        ConsoleClient::signed_in(&server, &credentials.access_key, &credentials.secret_key).await;
    let bucket = format!("/console/accounts/{account}/buckets/big");

    let first: Vec<u8> = (0..5 << 20).map(|i: u32| (i % 251) as u8).collect();
    let second = b"the last part may be small".to_vec();
    let created = client
        .script(
            Method::POST,
            &format!("{bucket}/multipart?key=blob.bin"),
            Vec::new(),
            &[("x-object-content-type", "application/x-test")],
        )
        .await;
    let upload_id = json_of(&created)["upload_id"].as_str().unwrap().to_owned();

    let mut parts = Vec::new();
    for (number, data) in [(1, &first), (2, &second)] {
        let path =
            format!("{bucket}/multipart/part?key=blob.bin&upload_id={upload_id}&part={number}");
        let length = data.len().to_string();
        let checksum = crc32(data);
        let reply = client
            .script(
                Method::PUT,
                &path,
                data.clone(),
                &[
                    ("content-length", &length),
                    ("x-amz-checksum-crc32", &checksum),
                ],
            )
            .await;
        assert_eq!(
            reply.status,
            StatusCode::OK,
            "part {number}: {}",
            reply.text()
        );
        let etag = json_of(&reply)["etag"].as_str().unwrap().to_owned();
        parts.push(json!({"part_number": number, "etag": etag}));
    }
    let complete = client
        .script(
            Method::POST,
            &format!("{bucket}/multipart/complete?key=blob.bin&upload_id={upload_id}"),
            json!({"parts": parts}).to_string().into_bytes(),
            &[("content-type", "application/json")],
        )
        .await;
    assert_eq!(complete.status, StatusCode::OK, "{}", complete.text());
    assert!(
        json_of(&complete)["etag"]
            .as_str()
            .unwrap()
            .ends_with("-2\"")
    );

    let download = client.get(&format!("{bucket}/download?key=blob.bin")).await;
    assert_eq!(download.status, StatusCode::OK);
    assert_eq!(download.body.len(), first.len() + second.len());
    assert_eq!(&download.body[..first.len()], first.as_slice());
    assert_eq!(&download.body[first.len()..], second.as_slice());
    assert_eq!(download.headers[header::CONTENT_TYPE], "application/x-test");

    // An aborted upload leaves nothing behind.
    let created = client
        .script(
            Method::POST,
            &format!("{bucket}/multipart?key=gone.bin"),
            Vec::new(),
            &[],
        )
        .await;
    let upload_id = json_of(&created)["upload_id"].as_str().unwrap().to_owned();
    let abort = client
        .script(
            Method::POST,
            &format!("{bucket}/multipart/abort?key=gone.bin&upload_id={upload_id}"),
            Vec::new(),
            &[],
        )
        .await;
    assert_eq!(abort.status, StatusCode::OK, "{}", abort.text());
}

#[tokio::test]
async fn quota_enforced_on_uploads() {
    // 64 KiB units make the 50 GB default account hold 3.2 MiB.
    let server = Server::start_with(Options {
        env: vec![(
            "OSS_ACCOUNTS_CAPACITY_UNIT_BYTES".to_owned(),
            "65536".to_owned(),
        )],
        ..Options::default()
    });
    let account = default_account_id(&server).await;
    make_bucket(&server, &account, "small").await;
    let credentials = server.credentials().clone();
    let mut client =
        ConsoleClient::signed_in(&server, &credentials.access_key, &credentials.secret_key).await;
    let bucket = format!("/console/accounts/{account}/buckets/small");

    let fits = vec![7u8; 3 << 20];
    upload(&mut client, &bucket, "fits.bin", &fits)
        .await
        .expect(200);
    let too_big = vec![8u8; 1 << 20];
    let reply = upload(&mut client, &bucket, "too-big.bin", &too_big).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
    assert_eq!(json_of(&reply)["error"]["code"], "QuotaExceeded");

    // Parts count against the capacity too.
    let created = client
        .script(
            Method::POST,
            &format!("{bucket}/multipart?key=parts.bin"),
            Vec::new(),
            &[],
        )
        .await;
    let upload_id = json_of(&created)["upload_id"].as_str().unwrap().to_owned();
    let length = too_big.len().to_string();
    let part = client
        .script(
            Method::PUT,
            &format!("{bucket}/multipart/part?key=parts.bin&upload_id={upload_id}&part=1"),
            too_big.clone(),
            &[("content-length", &length)],
        )
        .await;
    assert_eq!(part.status, StatusCode::FORBIDDEN, "{}", part.text());
    assert_eq!(json_of(&part)["error"]["code"], "QuotaExceeded");

    let overview = AdminClient::operator(&server)
        .get(&format!("/admin/v1/accounts/{account}"))
        .await
        .expect(200);
    assert_eq!(overview["used_bytes"], 3 << 20, "{overview}");
}

#[tokio::test]
async fn checksum_and_length_verified() {
    let server = Server::start();
    let account = default_account_id(&server).await;
    make_bucket(&server, &account, "checked").await;
    let credentials = server.credentials().clone();
    let mut client =
        ConsoleClient::signed_in(&server, &credentials.access_key, &credentials.secret_key).await;
    let path = format!("/console/accounts/{account}/buckets/checked/upload?key=a.txt");

    let wrong = crc32(b"something else");
    let reply = client
        .script(
            Method::PUT,
            &path,
            b"payload".to_vec(),
            &[("content-length", "7"), ("x-amz-checksum-crc32", &wrong)],
        )
        .await;
    assert_eq!(reply.status, StatusCode::BAD_REQUEST, "{}", reply.text());
    assert_eq!(json_of(&reply)["error"]["code"], "BadDigest");
    let missing = client
        .get(&format!(
            "/console/accounts/{account}/buckets/checked/object?key=a.txt"
        ))
        .await;
    assert_eq!(
        missing.status,
        StatusCode::NOT_FOUND,
        "nothing stored on a bad checksum"
    );
}

#[tokio::test]
async fn sub_user_read_only() {
    let server = Server::start();
    let admin = AdminClient::operator(&server);
    let account = default_account_id(&server).await;
    make_bucket(&server, &account, "read-only").await;
    let credentials = server.credentials().clone();
    let mut master =
        ConsoleClient::signed_in(&server, &credentials.access_key, &credentials.secret_key).await;
    let bucket = format!("/console/accounts/{account}/buckets/read-only");
    upload(&mut master, &bucket, "seen.txt", b"visible")
        .await
        .expect(200);

    let (key, secret) = user_with_key(&admin, &account, "reader").await;
    admin
        .post(
            &format!("/admin/v1/accounts/{account}/buckets/read-only/grants"),
            json!({"user": "reader", "access": "read"}),
        )
        .await
        .expect(201);
    let mut reader = ConsoleClient::signed_in(&server, &key, &secret).await;
    let listing = reader.open(&format!("{bucket}/objects")).await.expect(200);
    assert!(listing.contains(">seen.txt</a>"), "{listing}");
    let download = reader.get(&format!("{bucket}/download?key=seen.txt")).await;
    assert_eq!(download.body.as_ref(), b"visible");

    let reply = upload(&mut reader, &bucket, "new.txt", b"nope").await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
    assert_eq!(json_of(&reply)["error"]["code"], "AccessDenied");
    let page = reader
        .submit(&format!("{bucket}/object/delete"), &[("key", "seen.txt")])
        .await
        .expect(200);
    assert!(page.contains("AccessDenied"), "{page}");
    let still = master.get(&format!("{bucket}/download?key=seen.txt")).await;
    assert_eq!(
        still.status,
        StatusCode::OK,
        "object survived the denied delete"
    );

    // Revoking the grant ends access at once.
    admin
        .delete(&format!(
            "/admin/v1/accounts/{account}/buckets/read-only/grants/reader"
        ))
        .await
        .expect(204);
    let denied = reader.get(&format!("{bucket}/objects")).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN, "{}", denied.text());
    let denied = reader.get(&format!("{bucket}/download?key=seen.txt")).await;
    assert_eq!(denied.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn operator_browses_with_master_key() {
    let server = Server::start();
    let account = default_account_id(&server).await;
    make_bucket(&server, &account, "ops").await;
    let mut operator = ConsoleClient::operator(&server).await;
    let bucket = format!("/console/accounts/{account}/buckets/ops");
    upload(&mut operator, &bucket, "by-operator.txt", b"x")
        .await
        .expect(200);
    let listing = operator
        .open(&format!("{bucket}/objects"))
        .await
        .expect(200);
    assert!(listing.contains(">by-operator.txt</a>"), "{listing}");
}
