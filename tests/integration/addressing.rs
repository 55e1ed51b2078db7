//! Addressing and protocol edges: virtual-hosted-style requests (aws-cli through a loopback
//! forwarder, and raw `Host` headers), `Expect: 100-continue`, the `x-id` query parameter,
//! ListBuckets pages, and 501 for operations the server does not implement.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::{self, JoinHandle};
use std::time::Duration;

use http::Method;

use crate::awscli::AwsCli;
use crate::raw::RawClient;
use crate::server::{Options, Server};

/// Bytes of client requests a [`Forwarder`] keeps for the test to inspect.
const CAPTURE_LIMIT: usize = 1 << 20;

/// Forwards every TCP connection it accepts on a loopback port to `target`, byte for byte,
/// and keeps the first [`CAPTURE_LIMIT`] bytes that clients sent.
///
/// aws-cli sends its requests here as to an HTTP proxy (`HTTP_PROXY`), so a virtual-hosted
/// name such as `bucket.localhost`, which the system resolver does not know, never needs
/// resolving, while the `Host` header still names it.
struct Forwarder {
    addr: SocketAddr,
    stop: Arc<AtomicBool>,
    acceptor: Option<JoinHandle<()>>,
    captured: Arc<Mutex<Vec<u8>>>,
}

impl Forwarder {
    fn start(target: SocketAddr) -> Forwarder {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind forwarder");
        let addr = listener.local_addr().expect("forwarder address");
        let stop = Arc::new(AtomicBool::new(false));
        let stopping = Arc::clone(&stop);
        let captured = Arc::new(Mutex::new(Vec::new()));
        let capture = Arc::clone(&captured);
        let acceptor = thread::spawn(move || {
            for client in listener.incoming() {
                if stopping.load(Ordering::SeqCst) {
                    break;
                }
                let Ok(client) = client else { continue };
                let Ok(server) = TcpStream::connect(target) else {
                    continue;
                };
                pipe(&client, &server, Some(Arc::clone(&capture)));
                pipe(&server, &client, None);
            }
        });
        Forwarder {
            addr,
            stop,
            acceptor: Some(acceptor),
            captured,
        }
    }

    /// Returns what clients sent so far, as text.
    fn captured(&self) -> String {
        let captured = self.captured.lock().expect("capture lock");
        String::from_utf8_lossy(&captured).into_owned()
    }
}

impl Drop for Forwarder {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wakes the acceptor, which then sees the flag and ends.
        let _ = TcpStream::connect(self.addr);
        if let Some(acceptor) = self.acceptor.take() {
            let _ = acceptor.join();
        }
    }
}

/// Copies `from` to `to` on a thread until `from` ends, then ends the write side of `to`.
/// With `capture`, the bytes are also appended there, up to [`CAPTURE_LIMIT`].
fn pipe(from: &TcpStream, to: &TcpStream, capture: Option<Arc<Mutex<Vec<u8>>>>) {
    let (mut from, mut to) = (
        from.try_clone().expect("clone stream"),
        to.try_clone().expect("clone stream"),
    );
    thread::spawn(move || {
        let mut buffer = vec![0u8; 64 * 1024];
        loop {
            let read = match from.read(&mut buffer) {
                Ok(0) | Err(_) => break,
                Ok(read) => read,
            };
            if let Some(capture) = &capture {
                let mut captured = capture.lock().expect("capture lock");
                let room = CAPTURE_LIMIT.saturating_sub(captured.len());
                captured.extend_from_slice(&buffer[..read.min(room)]);
            }
            if to.write_all(&buffer[..read]).is_err() {
                break;
            }
        }
        let _ = to.shutdown(Shutdown::Write);
    });
}

fn virtual_host_server() -> Server {
    Server::start_with(Options {
        env: vec![("OSS_S3_VIRTUAL_HOST_SUFFIX".into(), "localhost".into())],
        ..Options::default()
    })
}

#[test]
fn awscli_virtual_hosted_style() {
    let server = virtual_host_server();
    let forwarder = Forwarder::start(server.s3_addr());
    let proxy = format!("http://{}", forwarder.addr);
    let config = "[default]\nregion = beijing-1\ns3 =\n    addressing_style = virtual\n";
    let endpoint = format!("http://localhost:{}", server.s3_addr().port());
    let env = [
        ("HTTP_PROXY", proxy.as_str()),
        ("http_proxy", proxy.as_str()),
        ("NO_PROXY", ""),
        ("no_proxy", ""),
    ];
    let aws = AwsCli::customized(&server, config, endpoint, &env);

    aws.ok(&["s3api", "create-bucket", "--bucket", "vhost"]);
    let body = server.dir().join("body");
    std::fs::write(&body, b"virtually hosted").expect("write body");
    aws.ok(&[
        "s3api",
        "put-object",
        "--bucket",
        "vhost",
        "--key",
        "dir/a key+",
        "--body",
        body.to_str().expect("UTF-8 path"),
    ]);
    let listing = aws.json(&["s3api", "list-objects-v2", "--bucket", "vhost"]);
    assert_eq!(listing["Contents"][0]["Key"], "dir/a key+");
    let out = server.dir().join("out");
    aws.ok(&[
        "s3",
        "cp",
        "s3://vhost/dir/a key+",
        out.to_str().expect("UTF-8 path"),
    ]);
    assert_eq!(std::fs::read(&out).expect("read"), b"virtually hosted");
    let buckets = aws.json(&["s3api", "list-buckets"]);
    assert_eq!(buckets["Buckets"][0]["Name"], "vhost");

    // The requests really were virtual-hosted: path-style clients see the same object.
    let path_style = AwsCli::new(&server);
    let head = path_style.json(&[
        "s3api",
        "head-object",
        "--bucket",
        "vhost",
        "--key",
        "dir/a key+",
    ]);
    assert_eq!(head["ContentLength"], 16);

    // Every request named the bucket in the host, none in the path.
    let sent = forwarder.captured().to_ascii_lowercase();
    let host = format!("host: vhost.localhost:{}", server.s3_addr().port());
    assert!(
        sent.contains(&host),
        "no virtual-hosted request in:\n{sent}"
    );
    assert!(
        !sent.contains("/vhost/"),
        "a path-style request went out:\n{sent}"
    );
}

#[tokio::test]
async fn raw_host_header_addressing() {
    let server = virtual_host_server();
    let client = RawClient::new(&server);
    client.create_bucket("hosted").await;
    let port = server.s3_addr().port();
    let with_port = format!("hosted.localhost:{port}");

    let put = client
        .put("/k", "by host")
        .header("host", &with_port)
        .send()
        .await;
    put.assert_success();
    let get = client.get("/hosted/k").send().await;
    assert_eq!(get.body.as_ref(), b"by host");

    for host in [with_port.as_str(), "hosted.localhost", "HOSTED.LOCALHOST"] {
        let list = client
            .get("/?list-type=2")
            .header("host", host)
            .send()
            .await;
        list.assert_success();
        assert_eq!(list.xml("Name").as_deref(), Some("hosted"), "{host}");
        assert_eq!(list.xml("Contents/Key").as_deref(), Some("k"), "{host}");
    }
    let service = client
        .get("/")
        .header("host", &format!("localhost:{port}"))
        .send()
        .await;
    assert_eq!(service.xml("Bucket/Name").as_deref(), Some("hosted"));
    let missing = client
        .get("/k")
        .header("host", &format!("absent.localhost:{port}"))
        .send()
        .await;
    missing.assert_error(404, "NoSuchBucket");
}

#[tokio::test]
async fn x_id_parameter_is_accepted() {
    let server = Server::start();
    let client = RawClient::new(&server);
    client.create_bucket("xid").await;
    client
        .put("/xid/k?x-id=PutObject", "with x-id")
        .send()
        .await
        .assert_success();
    let get = client.get("/xid/k?x-id=GetObject").send().await;
    assert_eq!(get.body.as_ref(), b"with x-id");
    let list = client
        .get("/xid?list-type=2&x-id=ListObjectsV2")
        .send()
        .await;
    assert_eq!(list.xml("Contents/Key").as_deref(), Some("k"));
    let buckets = client.get("/?x-id=ListBuckets").send().await;
    assert_eq!(buckets.xml("Bucket/Name").as_deref(), Some("xid"));
}

/// Sends a signed PUT by hand with `Expect: 100-continue`, and returns what the server sent
/// before the body, and the final status line after it (if the server asked for the body).
fn put_expecting_continue(server: &Server, path: &str, body: &[u8]) -> (String, Option<String>) {
    let client = RawClient::new(server);
    let request = client
        .put(path, body.to_vec())
        .header("expect", "100-continue")
        .build();
    let mut head = format!("PUT {} HTTP/1.1\r\n", request.uri().path());
    head.push_str(&format!("host: {}\r\n", server.s3_addr()));
    for (name, value) in request.headers() {
        let value = value.to_str().expect("ASCII header");
        head.push_str(&format!("{name}: {value}\r\n"));
    }
    head.push_str("\r\n");

    let stream = TcpStream::connect(server.s3_addr()).expect("connect");
    stream
        .set_read_timeout(Some(Duration::from_secs(30)))
        .expect("set timeout");
    let mut writer = stream.try_clone().expect("clone stream");
    writer.write_all(head.as_bytes()).expect("send head");
    let mut reader = BufReader::new(stream);
    let first = read_head(&mut reader);
    if !first.starts_with("HTTP/1.1 100") {
        return (first, None);
    }
    writer.write_all(body).expect("send body");
    (first, Some(read_head(&mut reader)))
}

/// Reads one response head (status line and headers).
fn read_head(reader: &mut BufReader<TcpStream>) -> String {
    let mut head = String::new();
    loop {
        let mut line = String::new();
        let read = reader.read_line(&mut line).expect("read response");
        head.push_str(&line);
        if read == 0 || line == "\r\n" {
            return head;
        }
    }
}

#[test]
fn expect_continue() {
    let server = Server::start();
    let runtime = tokio::runtime::Runtime::new().expect("runtime");
    runtime.block_on(RawClient::new(&server).create_bucket("cont"));
    let body = vec![7u8; 64 * 1024];

    let (first, last) = put_expecting_continue(&server, "/cont/k", &body);
    assert!(first.starts_with("HTTP/1.1 100"), "first response: {first}");
    let last = last.expect("final response");
    assert!(last.starts_with("HTTP/1.1 200"), "final response: {last}");
    let stored = runtime.block_on(RawClient::new(&server).get("/cont/k").send());
    assert_eq!(stored.body.len(), body.len());

    // A request that fails before its body is read gets its error without 100 Continue.
    let (first, last) = put_expecting_continue(&server, "/no-such-bucket/k", &body);
    assert!(first.starts_with("HTTP/1.1 404"), "response: {first}");
    assert!(last.is_none(), "the server asked for the body: {last:?}");
    assert!(
        first.to_ascii_lowercase().contains("connection: close"),
        "connection left open: {first}"
    );
}

#[test]
fn unimplemented_operations_via_awscli() {
    let server = Server::start();
    let aws = AwsCli::new(&server);
    aws.ok(&["s3api", "create-bucket", "--bucket", "nope"]);
    aws.ok(&["s3api", "put-object", "--bucket", "nope", "--key", "k"]);
    let policy = r#"{"Version":"2012-10-17","Statement":[]}"#;
    let calls: [&[&str]; 8] = [
        &[
            "s3api",
            "put-bucket-policy",
            "--bucket",
            "nope",
            "--policy",
            policy,
        ],
        &["s3api", "get-bucket-policy", "--bucket", "nope"],
        &[
            "s3api",
            "put-bucket-versioning",
            "--bucket",
            "nope",
            "--versioning-configuration",
            "Status=Enabled",
        ],
        &[
            "s3api",
            "get-bucket-lifecycle-configuration",
            "--bucket",
            "nope",
        ],
        &["s3api", "get-bucket-website", "--bucket", "nope"],
        &["s3api", "get-object-acl", "--bucket", "nope", "--key", "k"],
        &[
            "s3api",
            "get-object-retention",
            "--bucket",
            "nope",
            "--key",
            "k",
        ],
        &[
            "s3api",
            "put-bucket-acl",
            "--bucket",
            "nope",
            "--acl",
            "public-read",
        ],
    ];
    for args in calls {
        assert_eq!(aws.error_code(args), "NotImplemented", "{args:?}");
    }
}

#[tokio::test]
async fn unimplemented_operations_status() {
    let server = Server::start();
    let client = RawClient::new(&server);
    client.create_bucket("raw501").await;
    let requests = [
        (Method::PUT, "/raw501?policy"),
        (Method::GET, "/raw501?session"),
        (Method::POST, "/raw501"),
        (Method::PUT, "/raw501/k?renameObject"),
        (Method::POST, "/raw501/k?restore"),
        (Method::PATCH, "/raw501/k"),
    ];
    for (method, path) in requests {
        let response = client.request(method.clone(), path).send().await;
        response.assert_error(501, "NotImplemented");
    }
    // None of them created anything.
    let list = client.get("/raw501?list-type=2").send().await;
    assert_eq!(list.xml("KeyCount").as_deref(), Some("0"));
}

#[tokio::test]
async fn list_buckets_pages_raw() {
    let server = Server::start();
    let client = RawClient::new(&server);
    for name in ["lb-a", "lb-b", "lb-c", "other"] {
        client.create_bucket(name).await;
    }
    let first = client.get("/?max-buckets=2&prefix=lb-").send().await;
    first.assert_success();
    let body = first.text();
    assert_eq!(
        crate::raw::xml_values(&body, "Bucket/Name"),
        vec!["lb-a", "lb-b"]
    );
    assert_eq!(first.xml("Prefix").as_deref(), Some("lb-"));
    assert!(first.xml("Owner/ID").is_some(), "no Owner in {body}");
    let token = first.xml("ContinuationToken").expect("ContinuationToken");

    let path = format!(
        "/?max-buckets=2&prefix=lb-&continuation-token={}",
        crate::raw::encode_query(&token)
    );
    let second = client.get(&path).send().await;
    let body = second.text();
    assert_eq!(crate::raw::xml_values(&body, "Bucket/Name"), vec!["lb-c"]);
    assert_eq!(second.xml("ContinuationToken"), None);

    let bad = client.get("/?max-buckets=0").send().await;
    bad.assert_error(400, "InvalidArgument");
    let bad = client.get("/?max-buckets=ten").send().await;
    bad.assert_error(400, "InvalidArgument");
}
