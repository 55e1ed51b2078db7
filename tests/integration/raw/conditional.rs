//! Conditional PutObject over a bare TCP connection with `Expect: 100-continue`, so the test
//! can tell when the server has evaluated the precondition and started reading the body.

use std::time::Duration;

use http::Request;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use super::{Body, RawClient, xml_values};
use crate::sdk::pattern;
use crate::server::Server;

/// Upper bound for one read from the server.
const READ_TIMEOUT: Duration = Duration::from_secs(60);

/// Opens a connection to the server and sends the head of `request`, without its body.
async fn send_head(server: &Server, request: &Request<Body>) -> TcpStream {
    let authority = server
        .endpoint()
        .strip_prefix("http://")
        .expect("plain HTTP endpoint")
        .to_owned();
    let mut head = format!(
        "{} {} HTTP/1.1\r\nhost: {authority}\r\n",
        request.method(),
        request.uri().path_and_query().expect("path").as_str()
    );
    for (name, value) in request.headers() {
        let value = value.to_str().expect("ASCII header");
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");
    let mut stream = TcpStream::connect(&authority).await.expect("connect");
    stream.write_all(head.as_bytes()).await.expect("send head");
    stream
}

/// Reads one response head (up to the blank line) and returns it.
async fn read_head(stream: &mut TcpStream) -> String {
    let mut head = Vec::new();
    let mut byte = [0u8; 1];
    while !head.ends_with(b"\r\n\r\n") {
        let read = tokio::time::timeout(READ_TIMEOUT, stream.read(&mut byte))
            .await
            .expect("response within the time-out")
            .expect("read response");
        assert_eq!(
            read, 1,
            "connection closed inside a response head: {head:?}"
        );
        head.push(byte[0]);
    }
    String::from_utf8(head).expect("ASCII head")
}

/// Reads until the server closes the connection.
async fn read_rest(stream: &mut TcpStream) -> String {
    let mut rest = Vec::new();
    tokio::time::timeout(READ_TIMEOUT, stream.read_to_end(&mut rest))
        .await
        .expect("connection closed within the time-out")
        .expect("read response body");
    String::from_utf8(rest).expect("UTF-8 body")
}

#[tokio::test]
async fn put_conflicts_with_write_during_body() {
    let server = Server::start();
    let client = RawClient::new(&server);
    client.create_bucket("race").await;
    let data = pattern(4096, 1);
    let request = client
        .put("/race/k", data.clone())
        .header("if-none-match", "*")
        .header("expect", "100-continue")
        .build();
    let mut stream = send_head(&server, &request).await;

    // The server requests the body only after its precondition check found no object.
    let interim = read_head(&mut stream).await;
    assert!(
        interim.starts_with("HTTP/1.1 100"),
        "interim response {interim:?}"
    );
    client
        .put("/race/k", b"winner".to_vec())
        .send()
        .await
        .assert_success();

    stream.write_all(&data).await.expect("send body");
    let head = read_head(&mut stream).await;
    let body = read_rest(&mut stream).await;
    assert!(head.starts_with("HTTP/1.1 409"), "response head {head:?}");
    assert_eq!(
        xml_values(&body, "Code"),
        ["ConditionalRequestConflict"],
        "{body}"
    );
    let stored = client.get("/race/k").send().await;
    assert_eq!(stored.body.as_ref(), b"winner");
}

#[tokio::test]
async fn failed_precondition_rejected_before_body() {
    let server = Server::start();
    let client = RawClient::new(&server);
    client.create_bucket("race").await;
    client
        .put("/race/k", b"first".to_vec())
        .send()
        .await
        .assert_success();
    let request = client
        .put("/race/k", pattern(4096, 2))
        .header("if-none-match", "*")
        .header("expect", "100-continue")
        .build();
    let mut stream = send_head(&server, &request).await;

    // No 100 Continue: the response comes without the body ever being sent.
    let head = read_head(&mut stream).await;
    let body = read_rest(&mut stream).await;
    assert!(head.starts_with("HTTP/1.1 412"), "response head {head:?}");
    assert_eq!(xml_values(&body, "Code"), ["PreconditionFailed"], "{body}");
    assert_eq!(xml_values(&body, "Condition"), ["If-None-Match"], "{body}");
}
