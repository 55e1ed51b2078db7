//! `/metrics` after S3 traffic, and the OpenAPI document against the checked-in copy and the
//! routes the server serves.

use http::Method;
use serde_json::Value;

use super::{AdminClient, Auth};
use crate::raw::RawClient;
use crate::server::Server;

/// Returns the value of the sample line that starts with `series` (name and labels).
fn sample(text: &str, series: &str) -> Option<f64> {
    text.lines()
        .find(|line| line.starts_with(series) && line[series.len()..].starts_with(' '))
        .and_then(|line| line[series.len()..].trim().parse().ok())
}

#[tokio::test]
async fn metrics_after_s3_traffic() {
    let server = Server::start();
    let s3 = RawClient::new(&server);
    s3.create_bucket("metered").await;
    s3.put("/metered/a", vec![5u8; 10_000])
        .send()
        .await
        .assert_success();
    s3.get("/metered/a").send().await.assert_success();
    s3.get("/metered/missing")
        .send()
        .await
        .assert_error(404, "NoSuchKey");

    let operator = AdminClient::operator(&server);
    let reply = operator.get("/metrics").await;
    assert_eq!(reply.status.as_u16(), 200, "{}", reply.text());
    let content_type = reply
        .headers
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    assert!(
        content_type.starts_with("application/openmetrics-text"),
        "{content_type}"
    );
    let text = reply.text();

    let put = r#"oss_s3_requests_total{operation="PutObject",status="200"}"#;
    assert_eq!(sample(&text, put), Some(1.0), "{text}");
    let missing = r#"oss_s3_requests_total{operation="GetObject",status="404"}"#;
    assert_eq!(sample(&text, missing), Some(1.0), "{text}");
    let latency = r#"oss_s3_request_duration_seconds_count{operation="GetObject"}"#;
    assert_eq!(sample(&text, latency), Some(2.0), "{text}");
    assert!(
        text.contains(r#"oss_s3_request_duration_seconds_bucket{le="+Inf",operation="PutObject"}"#)
            || text.contains(
                r#"oss_s3_request_duration_seconds_bucket{operation="PutObject",le="+Inf"}"#
            ),
        "{text}"
    );
    let received = r#"oss_s3_received_bytes_total{operation="PutObject"}"#;
    assert_eq!(sample(&text, received), Some(10_000.0), "{text}");
    let sent = sample(&text, r#"oss_s3_sent_bytes_total{operation="GetObject"}"#);
    assert!(sent.is_some_and(|bytes| bytes >= 10_000.0), "{text}");

    let default_id = operator.account_id("default").await;
    let used = format!(r#"oss_account_used_bytes{{account="{default_id}",name="default"}}"#);
    assert_eq!(sample(&text, &used), Some(10_000.0), "{text}");
    assert!(text.trim_end().ends_with("# EOF"), "{text}");

    let credentials = server.credentials();
    operator
        .as_key(
            &credentials.access_key,
            &credentials.secret_key,
            "beijing-1",
        )
        .get("/metrics")
        .await
        .expect_error(403, "AccessDenied", "operator");
    operator
        .as_auth(Auth::None)
        .get("/metrics")
        .await
        .expect_error(401, "Unauthenticated", "credentials");
}

#[tokio::test]
async fn openapi_matches_checked_in_and_routes() {
    let server = Server::start();
    let anonymous = AdminClient::with_auth(&server, Auth::None);
    let served = anonymous.get("/admin/v1/openapi.json").await;
    assert_eq!(served.status.as_u16(), 200);
    let checked_in = std::fs::read_to_string(
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/openapi.json"),
    )
    .expect("read docs/openapi.json");
    assert!(
        served.text() == checked_in,
        "the served OpenAPI document differs from docs/openapi.json"
    );

    // Every documented operation is routed: without credentials it gets 401 (or 200 for the
    // public ones), never 404 NotFound or 405.
    let document: Value = served.json();
    let paths = document["paths"].as_object().expect("paths");
    assert!(paths.len() >= 15, "only {} paths documented", paths.len());
    for (path, item) in paths {
        let concrete = path
            .replace("{account}", "acct")
            .replace("{user}", "someone")
            .replace("{access_key_id}", "AKEXAMPLE")
            .replace("{bucket}", "bucket");
        for method in item.as_object().expect("path item").keys() {
            let method: Method = method.to_ascii_uppercase().parse().expect("method");
            let reply = anonymous.send(method.clone(), &concrete, None).await;
            let status = reply.status.as_u16();
            assert!(
                status == 401 || status == 200,
                "{method} {concrete} answered {status}: {}",
                reply.text()
            );
        }
    }
}
