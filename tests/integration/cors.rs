//! Bucket CORS through aws-cli, and browser-style preflight and actual requests through the
//! raw client.

use http::Method;
use serde_json::{Value, json};

use crate::awscli::AwsCli;
use crate::raw::{RawClient, RawResponse};
use crate::server::Server;

const APP: &str = "https://app.example";

fn configuration() -> Value {
    json!({"CORSRules": [
        {
            "ID": "app uploads",
            "AllowedOrigins": [APP],
            "AllowedMethods": ["PUT", "POST", "DELETE"],
            "AllowedHeaders": ["content-type", "x-amz-*"],
            "ExposeHeaders": ["ETag", "x-amz-request-id"],
            "MaxAgeSeconds": 600
        },
        {
            "AllowedOrigins": ["*"],
            "AllowedMethods": ["GET", "HEAD"]
        }
    ]})
}

fn put_cors(aws: &AwsCli, bucket: &str, document: &Value) -> std::process::Output {
    aws.run(&[
        "s3api",
        "put-bucket-cors",
        "--bucket",
        bucket,
        "--cors-configuration",
        &document.to_string(),
    ])
}

async fn preflight(
    client: &RawClient,
    path: &str,
    origin: Option<&str>,
    method: Option<&str>,
    headers: Option<&str>,
) -> RawResponse {
    let mut request = client.request(Method::OPTIONS, path).anonymous();
    if let Some(origin) = origin {
        request = request.header("origin", origin);
    }
    if let Some(method) = method {
        request = request.header("access-control-request-method", method);
    }
    if let Some(headers) = headers {
        request = request.header("access-control-request-headers", headers);
    }
    request.send().await
}

#[test]
fn bucket_cors_put_get_delete() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3api", "create-bucket", "--bucket", "web"]);
    let get = ["s3api", "get-bucket-cors", "--bucket", "web"];
    assert_eq!(aws.error_code(&get), "NoSuchCORSConfiguration");

    let put = put_cors(&aws, "web", &configuration());
    assert!(put.status.success(), "put-bucket-cors failed: {put:?}");
    assert_eq!(aws.json(&get), configuration());

    aws.ok(&["s3api", "delete-bucket-cors", "--bucket", "web"]);
    assert_eq!(aws.error_code(&get), "NoSuchCORSConfiguration");
    aws.ok(&["s3api", "delete-bucket-cors", "--bucket", "web"]);
}

#[test]
fn bucket_cors_validation() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3api", "create-bucket", "--bucket", "web"]);
    let rule = |origin: &str, method: &str| json!({"AllowedOrigins": [origin], "AllowedMethods": [method]});
    let too_many: Vec<Value> = (0..101).map(|_| rule("*", "GET")).collect();
    let hundred: Vec<Value> = (0..100).map(|_| rule("*", "GET")).collect();
    let header_wildcards = json!({
        "AllowedOrigins": ["*"], "AllowedMethods": ["GET"], "AllowedHeaders": ["x-*-*"]
    });
    let cases = [
        (json!({"CORSRules": [rule("*", "PATCH")]}), "InvalidRequest"),
        (
            json!({"CORSRules": [rule("https://*.*.example", "GET")]}),
            "InvalidRequest",
        ),
        (json!({"CORSRules": [header_wildcards]}), "InvalidRequest"),
        (json!({ "CORSRules": too_many }), "MalformedXML"),
    ];
    for (document, code) in cases {
        let output = put_cors(&aws, "web", &document);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(!output.status.success(), "accepted {document}");
        assert!(
            stderr.contains(&format!("({code})")),
            "expected {code} for {document}: {stderr}"
        );
    }
    let get = ["s3api", "get-bucket-cors", "--bucket", "web"];
    assert_eq!(aws.error_code(&get), "NoSuchCORSConfiguration");

    let output = put_cors(&aws, "web", &json!({ "CORSRules": hundred }));
    assert!(output.status.success(), "100 rules rejected: {output:?}");
    let stored = aws.json(&get);
    assert_eq!(stored["CORSRules"].as_array().map(Vec::len), Some(100));
}

#[tokio::test]
async fn preflight_answered_from_rules() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3api", "create-bucket", "--bucket", "web"]);
    let client = RawClient::new(&server);

    // Without rules, every preflight is refused.
    let response = preflight(&client, "/web/k", Some(APP), Some("PUT"), None).await;
    response.assert_error(403, "AccessForbidden");
    assert_eq!(
        response.xml("Message").as_deref(),
        Some("CORSResponse: CORS is not enabled for this bucket.")
    );
    assert_eq!(response.xml("Method").as_deref(), Some("PUT"));
    assert_eq!(response.xml("ResourceType").as_deref(), Some("OBJECT"));

    let put = put_cors(&aws, "web", &configuration());
    assert!(put.status.success(), "put-bucket-cors failed: {put:?}");

    let allowed = preflight(
        &client,
        "/web/some/key",
        Some(APP),
        Some("PUT"),
        Some("Content-Type, X-Amz-Date"),
    )
    .await;
    assert_eq!(allowed.status.as_u16(), 200, "{allowed:?}");
    let expected = [
        ("access-control-allow-origin", APP),
        ("access-control-allow-credentials", "true"),
        ("access-control-allow-methods", "PUT, POST, DELETE"),
        ("access-control-allow-headers", "content-type, x-amz-date"),
        ("access-control-expose-headers", "ETag, x-amz-request-id"),
        ("access-control-max-age", "600"),
    ];
    for (name, value) in expected {
        assert_eq!(allowed.header(name), Some(value), "{name}");
    }
    let vary = allowed.header("vary").unwrap_or_default();
    assert!(vary.contains("Origin"), "Vary: {vary}");

    let any_origin = preflight(
        &client,
        "/web",
        Some("https://x.example"),
        Some("GET"),
        None,
    )
    .await;
    assert_eq!(any_origin.status.as_u16(), 200, "{any_origin:?}");
    assert_eq!(any_origin.header("access-control-allow-origin"), Some("*"));
    assert_eq!(any_origin.header("access-control-allow-credentials"), None);

    let refused = [
        (Some("https://evil.example"), Some("PUT"), None),
        (Some(APP), Some("PUT"), Some("authorization")),
        (Some("https://x.example"), Some("DELETE"), None),
    ];
    for (origin, method, headers) in refused {
        let response = preflight(&client, "/web/k", origin, method, headers).await;
        response.assert_error(403, "AccessForbidden");
        assert!(
            response
                .xml("Message")
                .unwrap_or_default()
                .starts_with("CORSResponse: This CORS request is not allowed."),
            "{origin:?} {method:?} {headers:?}: {}",
            response.text()
        );
        assert_eq!(response.header("access-control-allow-origin"), None);
    }

    let no_origin = preflight(&client, "/web/k", None, Some("PUT"), None).await;
    no_origin.assert_error(400, "BadRequest");
    let no_method = preflight(&client, "/web/k", Some(APP), None, None).await;
    no_method.assert_error(400, "BadRequest");
    let bad_method = preflight(&client, "/web/k", Some(APP), Some("PATCH"), None).await;
    bad_method.assert_error(400, "BadRequest");

    aws.ok(&["s3api", "delete-bucket-cors", "--bucket", "web"]);
    let after = preflight(&client, "/web/k", Some(APP), Some("PUT"), None).await;
    after.assert_error(403, "AccessForbidden");
}

#[tokio::test]
async fn actual_requests_get_cors_headers() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3api", "create-bucket", "--bucket", "web"]);
    let client = RawClient::new(&server);
    client.put("/web/k", "data").send().await.assert_success();

    // Before rules exist, an Origin changes nothing.
    let plain = client.get("/web/k").header("origin", APP).send().await;
    assert_eq!(plain.header("access-control-allow-origin"), None);

    let put = put_cors(&aws, "web", &configuration());
    assert!(put.status.success(), "put-bucket-cors failed: {put:?}");

    let get = client.get("/web/k").header("origin", APP).send().await;
    get.assert_success();
    assert_eq!(get.header("access-control-allow-origin"), Some("*"));
    assert_eq!(
        get.header("access-control-allow-methods"),
        Some("GET, HEAD")
    );
    assert!(get.header("vary").unwrap_or_default().contains("Origin"));

    let write = client
        .put("/web/new", "from the app")
        .header("origin", APP)
        .send()
        .await;
    write.assert_success();
    assert_eq!(write.header("access-control-allow-origin"), Some(APP));
    assert_eq!(
        write.header("access-control-expose-headers"),
        Some("ETag, x-amz-request-id")
    );

    let other = client
        .put("/web/other", "x")
        .header("origin", "https://evil.example")
        .send()
        .await;
    other.assert_success();
    assert_eq!(other.header("access-control-allow-origin"), None);

    let without_origin = client.get("/web/k").send().await;
    assert_eq!(without_origin.header("access-control-allow-origin"), None);
    assert_eq!(without_origin.header("vary"), None);
}
