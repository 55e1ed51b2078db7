//! Authentication through the raw client: what valid SigV4 looks like, and every way of getting
//! it wrong that an SDK would not send.

use std::time::{Duration, SystemTime};

use http::Method;

use super::RawClient;
use crate::server::Server;

const BODY: &[u8] = b"authentic body\n";

/// Starts a server with bucket `auth` holding object `object` whose content is [`BODY`].
async fn server_with_object() -> (Server, RawClient) {
    let server = Server::start();
    let client = RawClient::new(&server);
    client.create_bucket("auth").await;
    client
        .put("/auth/object", BODY)
        .send()
        .await
        .assert_success();
    (server, client)
}

#[tokio::test]
async fn header_signed_get_reads_object() {
    let (_server, client) = server_with_object().await;
    let response = client.get("/auth/object").send().await;
    response.assert_success();
    assert_eq!(response.body.as_ref(), BODY);
    assert!(
        response.header("x-amz-request-id").is_some(),
        "no x-amz-request-id"
    );
}

#[tokio::test]
async fn unsigned_payload_put_accepted() {
    let (_server, client) = server_with_object().await;
    client
        .put("/auth/unsigned", "not hashed")
        .unsigned_payload()
        .send()
        .await
        .assert_success();
    let response = client.get("/auth/unsigned").send().await;
    assert_eq!(response.body.as_ref(), b"not hashed");
}

#[tokio::test]
async fn tampered_body_rejected() {
    let (_server, client) = server_with_object().await;
    let response = client
        .put("/auth/tampered", "evil")
        .payload_hash_of(b"good")
        .send()
        .await;
    response.assert_error(400, "XAmzContentSHA256Mismatch");
    let after = client.get("/auth/tampered").send().await;
    after.assert_error(404, "NoSuchKey");
}

#[tokio::test]
async fn tampered_overwrite_keeps_old_object() {
    let (_server, client) = server_with_object().await;
    let response = client
        .put("/auth/object", "evil")
        .payload_hash_of(b"good")
        .send()
        .await;
    response.assert_error(400, "XAmzContentSHA256Mismatch");
    let after = client.get("/auth/object").send().await;
    assert_eq!(after.body.as_ref(), BODY);
}

#[tokio::test]
async fn presigned_get_reads_object() {
    let (_server, client) = server_with_object().await;
    let response = client
        .get("/auth/object")
        .presigned(Duration::from_secs(300))
        .send()
        .await;
    response.assert_success();
    assert_eq!(response.body.as_ref(), BODY);
}

#[tokio::test]
async fn presigned_put_writes_object() {
    let (_server, client) = server_with_object().await;
    let request = client
        .put("/auth/presigned", "via query")
        .presigned(Duration::from_secs(60));
    request.send().await.assert_success();
    let response = client.get("/auth/presigned").send().await;
    assert_eq!(response.body.as_ref(), b"via query");
}

#[tokio::test]
async fn presigned_expired_rejected() {
    let (_server, client) = server_with_object().await;
    let two_hours_ago = SystemTime::now() - Duration::from_secs(2 * 3600);
    let request = client.get("/auth/object").time(two_hours_ago);
    let response = request.presigned(Duration::from_secs(60)).send().await;
    response.assert_error(403, "AccessDenied");
}

#[tokio::test]
async fn presigned_expiry_over_week_rejected() {
    let (_server, client) = server_with_object().await;
    let one_week_and_a_second = Duration::from_secs(604_801);
    let response = client
        .get("/auth/object")
        .presigned(one_week_and_a_second)
        .send()
        .await;
    response.assert_error(400, "AuthorizationQueryParametersError");
}

#[tokio::test]
async fn presigned_expiry_of_one_week_accepted() {
    let (_server, client) = server_with_object().await;
    let one_week = Duration::from_secs(604_800);
    client
        .get("/auth/object")
        .presigned(one_week)
        .send()
        .await
        .assert_success();
}

#[tokio::test]
async fn presigned_other_region_rejected() {
    let (_server, client) = server_with_object().await;
    let request = client.get("/auth/object").region("beijing-2");
    let response = request.presigned(Duration::from_secs(60)).send().await;
    response.assert_error(400, "AuthorizationQueryParametersError");
}

#[tokio::test]
async fn header_signed_other_region_rejected() {
    let (_server, client) = server_with_object().await;
    let response = client.get("/auth/object").region("beijing-2").send().await;
    response.assert_error(400, "AuthorizationHeaderMalformed");
    assert_eq!(
        response.xml("Region").as_deref(),
        Some("beijing-1"),
        "body {}",
        response.text()
    );
    assert_eq!(response.header("x-amz-bucket-region"), Some("beijing-1"));
}

#[tokio::test]
async fn clock_behind_rejected() {
    let (_server, client) = server_with_object().await;
    let twenty_minutes_ago = SystemTime::now() - Duration::from_secs(20 * 60);
    let response = client
        .get("/auth/object")
        .time(twenty_minutes_ago)
        .send()
        .await;
    response.assert_error(403, "RequestTimeTooSkewed");
}

#[tokio::test]
async fn clock_ahead_rejected() {
    let (_server, client) = server_with_object().await;
    let in_twenty_minutes = SystemTime::now() + Duration::from_secs(20 * 60);
    let response = client
        .get("/auth/object")
        .time(in_twenty_minutes)
        .send()
        .await;
    response.assert_error(403, "RequestTimeTooSkewed");
}

#[tokio::test]
async fn clock_within_window_accepted() {
    let (_server, client) = server_with_object().await;
    let ten_minutes_ago = SystemTime::now() - Duration::from_secs(10 * 60);
    client
        .get("/auth/object")
        .time(ten_minutes_ago)
        .send()
        .await
        .assert_success();
}

#[tokio::test]
async fn unknown_access_key_rejected() {
    let (_server, client) = server_with_object().await;
    let response = client
        .get("/auth/object")
        .access_key("AKIANOSUCHKEY0000000")
        .send()
        .await;
    response.assert_error(403, "InvalidAccessKeyId");
}

#[tokio::test]
async fn wrong_secret_rejected() {
    let (_server, client) = server_with_object().await;
    let response = client
        .get("/auth/object")
        .secret_key("not-the-secret")
        .send()
        .await;
    response.assert_error(403, "SignatureDoesNotMatch");
}

#[tokio::test]
async fn presigned_wrong_secret_rejected() {
    let (_server, client) = server_with_object().await;
    let request = client.get("/auth/object").secret_key("not-the-secret");
    let response = request.presigned(Duration::from_secs(60)).send().await;
    response.assert_error(403, "SignatureDoesNotMatch");
}

#[tokio::test]
async fn anonymous_list_buckets_rejected() {
    let (_server, client) = server_with_object().await;
    let response = client.get("/").anonymous().send().await;
    response.assert_error(403, "AccessDenied");
}

#[tokio::test]
async fn anonymous_get_object_rejected() {
    let (_server, client) = server_with_object().await;
    let response = client.get("/auth/object").anonymous().send().await;
    response.assert_error(403, "AccessDenied");
}

#[tokio::test]
async fn bearer_scheme_rejected() {
    let (_server, client) = server_with_object().await;
    let request = client
        .get("/auth/object")
        .anonymous()
        .header("authorization", "Bearer x");
    request.send().await.assert_error(400, "InvalidArgument");
}

#[tokio::test]
async fn put_without_content_length_rejected() {
    let (_server, client) = server_with_object().await;
    let request = client
        .put("/auth/chunked", "no length")
        .chunked()
        .unsigned_payload();
    request
        .send()
        .await
        .assert_error(411, "MissingContentLength");
}

#[tokio::test]
async fn signed_header_changed_rejected() {
    let (_server, client) = server_with_object().await;
    // The signature covers x-amz-meta-color; a proxy that rewrites it must break the request.
    let request = client
        .put("/auth/meta", "x")
        .header("x-amz-meta-color", "blue");
    let mut built = request.build();
    built
        .headers_mut()
        .insert("x-amz-meta-color", http::HeaderValue::from_static("red"));
    let response = client.send_built(built).await;
    response.assert_error(403, "SignatureDoesNotMatch");
}

#[tokio::test]
async fn signed_delete_of_missing_key_is_204() {
    let (_server, client) = server_with_object().await;
    let response = client
        .request(Method::DELETE, "/auth/never-written")
        .send()
        .await;
    assert_eq!(response.status.as_u16(), 204, "{response:?}");
}
