//! In-process tests of authorization and metering: the service over a real store in a
//! temporary directory, driven with requests signed by the project's own signer. The
//! integration suite covers the same rules through a running server and real clients.

use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use oss_sigv4::{RequestParts, SecretKey, SigningParams};
use oss_store::{Access, MASTER_USER, NewAccount, Sealer, Store, StoreConfig};
use sha2::{Digest, Sha256};
use tempfile::TempDir;
use time::OffsetDateTime;

use crate::{S3Config, S3Service};

const REGION: &str = "test-1";

/// An access key id and its secret.
#[derive(Clone)]
struct Key {
    id: String,
    secret: String,
}

/// A response with its body read to the end.
struct Reply {
    status: StatusCode,
    body: String,
}

impl Reply {
    fn code(&self) -> Option<String> {
        let start = self.body.find("<Code>")? + "<Code>".len();
        let end = self.body[start..].find("</Code>")? + start;
        Some(self.body[start..end].to_owned())
    }

    #[track_caller]
    fn assert_denied(&self, code: &str) {
        assert_eq!(self.status, StatusCode::FORBIDDEN, "{}", self.body);
        assert_eq!(self.code().as_deref(), Some(code), "{}", self.body);
    }

    #[track_caller]
    fn assert_ok(&self) {
        assert!(self.status.is_success(), "{} {}", self.status, self.body);
    }
}

struct Harness {
    _dir: TempDir,
    store: Store,
    service: S3Service,
    account_id: String,
    master: Key,
}

impl Harness {
    fn new() -> Harness {
        let dir = tempfile::tempdir().unwrap();
        let mut config = StoreConfig::new(dir.path(), Sealer::new([7; 32]));
        config.capacity_unit_bytes = 1 << 20;
        let store = Store::open(config).unwrap();
        let service = S3Service::new(store.clone(), S3Config::default());
        let (account_id, master) = new_account(&store, "acme");
        Harness {
            _dir: dir,
            store,
            service,
            account_id,
            master,
        }
    }

    /// Creates a user of the account with one access key.
    fn user(&self, name: &str) -> Key {
        self.store.create_user(&self.account_id, name).unwrap();
        let (key, secret) = self
            .store
            .create_access_key(&self.account_id, name, None)
            .unwrap();
        Key {
            id: key.access_key_id,
            secret: secret.to_string(),
        }
    }

    fn grant(&self, bucket: &str, user: &str, access: Access) {
        self.store
            .put_grant(&self.account_id, bucket, MASTER_USER, user, access, false)
            .unwrap();
    }

    async fn send(&self, key: &Key, method: Method, target: &str, body: &[u8]) -> Reply {
        self.send_with(key, method, target, body, &[]).await
    }

    /// Sends a request signed by `key`, with `extra` headers signed too.
    async fn send_with(
        &self,
        key: &Key,
        method: Method,
        target: &str,
        body: &[u8],
        extra: &[(&str, &str)],
    ) -> Reply {
        let (path, query) = target.split_once('?').unwrap_or((target, ""));
        let mut headers = HeaderMap::new();
        headers.insert("host", HeaderValue::from_static("127.0.0.1:9000"));
        headers.insert("content-length", HeaderValue::from(body.len()));
        for (name, value) in extra {
            headers.insert(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(value).unwrap(),
            );
        }
        let secret = SecretKey::new(key.secret.clone());
        let params = SigningParams {
            access_key_id: &key.id,
            secret: &secret,
            region: REGION,
            service: "s3",
            now: OffsetDateTime::now_utc(),
        };
        let parts = RequestParts {
            method: method.as_str(),
            raw_path: path,
            raw_query: query,
            headers: &headers,
        };
        let payload_hash = hex::encode(Sha256::digest(body));
        let signed = oss_sigv4::sign_request(&parts, &payload_hash, &params);

        let mut request = Request::builder()
            .method(method)
            .uri(target)
            .body(Full::new(Bytes::copy_from_slice(body)))
            .unwrap();
        *request.headers_mut() = headers;
        for (name, value) in signed {
            request.headers_mut().insert(
                http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
                HeaderValue::from_str(&value).unwrap(),
            );
        }
        let response = self.service.handle(request).await;
        let status = response.status();
        let bytes = response.into_body().collect().await.unwrap().to_bytes();
        Reply {
            status,
            body: String::from_utf8_lossy(&bytes).into_owned(),
        }
    }

    /// Returns (class A, class B, bytes in, bytes out) of the account over the last hours.
    fn meter_totals(&self, account_id: &str) -> (u64, u64, u64, u64) {
        let now = OffsetDateTime::now_utc();
        let hours = self
            .store
            .usage_hours(
                account_id,
                now - time::Duration::hours(2),
                now + time::Duration::hours(2),
            )
            .unwrap();
        hours.iter().fold((0, 0, 0, 0), |sum, hour| {
            (
                sum.0 + hour.requests_class_a,
                sum.1 + hour.requests_class_b,
                sum.2 + hour.bytes_in,
                sum.3 + hour.bytes_out,
            )
        })
    }
}

fn new_account(store: &Store, name: &str) -> (String, Key) {
    let (account, key, secret) = store
        .create_account(NewAccount {
            name: name.to_owned(),
            region: REGION.to_owned(),
            billing: "pay-as-you-go".to_owned(),
            capacity_gb: 4,
            access_key: None,
        })
        .unwrap();
    let key = Key {
        id: key.access_key_id,
        secret: secret.to_string(),
    };
    (account.id, key)
}

/// A harness with buckets `data` (holding object `k`) and `other`.
async fn with_buckets() -> Harness {
    let h = Harness::new();
    let master = h.master.clone();
    h.send(&master, Method::PUT, "/data", b"").await.assert_ok();
    h.send(&master, Method::PUT, "/other", b"")
        .await
        .assert_ok();
    h.send(&master, Method::PUT, "/data/k", b"hello")
        .await
        .assert_ok();
    h
}

#[tokio::test]
async fn user_without_grant_is_denied_and_changes_nothing() {
    let h = with_buckets().await;
    let alice = h.user("alice");
    h.send(&alice, Method::GET, "/data/k", b"")
        .await
        .assert_denied("AccessDenied");
    h.send(&alice, Method::PUT, "/data/new", b"x")
        .await
        .assert_denied("AccessDenied");
    h.send(&alice, Method::DELETE, "/data/k", b"")
        .await
        .assert_denied("AccessDenied");
    let master = h.master.clone();
    h.send(&master, Method::GET, "/data/k", b"")
        .await
        .assert_ok();
    let missing = h.send(&master, Method::GET, "/data/new", b"").await;
    assert_eq!(missing.status, StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn read_grant_allows_only_reads() {
    let h = with_buckets().await;
    let alice = h.user("alice");
    h.grant("data", "alice", Access::Read);
    let get = h.send(&alice, Method::GET, "/data/k", b"").await;
    get.assert_ok();
    assert_eq!(get.body, "hello");
    for target in ["/data/k", "/data"] {
        h.send(&alice, Method::HEAD, target, b"").await.assert_ok();
    }
    for target in [
        "/data",
        "/data?list-type=2",
        "/data?versions",
        "/data?location",
        "/data?versioning",
        "/data?uploads",
        "/data/k?tagging",
    ] {
        h.send(&alice, Method::GET, target, b"").await.assert_ok();
    }
    h.send(&alice, Method::PUT, "/data/k", b"changed")
        .await
        .assert_denied("AccessDenied");
    h.send(&alice, Method::DELETE, "/data/k", b"")
        .await
        .assert_denied("AccessDenied");
    h.send(&alice, Method::POST, "/data/k?uploads", b"")
        .await
        .assert_denied("AccessDenied");
    // The grant is on `data` only.
    h.send(&alice, Method::GET, "/other", b"")
        .await
        .assert_denied("AccessDenied");
    let get = h.send(&h.master.clone(), Method::GET, "/data/k", b"").await;
    assert_eq!(get.body, "hello");
}

#[tokio::test]
async fn read_write_grant_allows_object_writes_not_bucket_changes() {
    let h = with_buckets().await;
    let bob = h.user("bob");
    h.grant("data", "bob", Access::ReadWrite);
    h.send(&bob, Method::PUT, "/data/b", b"by bob")
        .await
        .assert_ok();
    h.send(&bob, Method::DELETE, "/data/k", b"")
        .await
        .assert_ok();
    let upload = h.send(&bob, Method::POST, "/data/mp?uploads", b"").await;
    upload.assert_ok();
    h.send(&bob, Method::PUT, "/mine", b"")
        .await
        .assert_denied("AccessDenied");
    h.send(&bob, Method::DELETE, "/data", b"")
        .await
        .assert_denied("AccessDenied");
    assert!(h.store.bucket("mine").unwrap().is_none());
    assert!(h.store.bucket("data").unwrap().is_some());
}

#[tokio::test]
async fn copy_needs_read_on_the_source() {
    let h = with_buckets().await;
    let bob = h.user("bob");
    h.grant("other", "bob", Access::ReadWrite);
    let copy = [("x-amz-copy-source", "/data/k")];
    let denied = h
        .send_with(&bob, Method::PUT, "/other/copy", b"", &copy)
        .await;
    denied.assert_denied("AccessDenied");
    h.grant("data", "bob", Access::Read);
    h.send_with(&bob, Method::PUT, "/other/copy", b"", &copy)
        .await
        .assert_ok();
    // Read on the destination is not enough to write there.
    let carol = h.user("carol");
    h.grant("data", "carol", Access::Read);
    h.grant("other", "carol", Access::Read);
    h.send_with(&carol, Method::PUT, "/other/copy2", b"", &copy)
        .await
        .assert_denied("AccessDenied");
}

#[tokio::test]
async fn list_buckets_shows_granted_buckets_to_users() {
    let h = with_buckets().await;
    let alice = h.user("alice");
    let empty = h.send(&alice, Method::GET, "/", b"").await;
    empty.assert_ok();
    assert!(!empty.body.contains("<Name>"), "{}", empty.body);
    h.grant("other", "alice", Access::Read);
    let listed = h.send(&alice, Method::GET, "/", b"").await;
    assert!(
        listed.body.contains("<Name>other</Name>"),
        "{}",
        listed.body
    );
    assert!(
        !listed.body.contains("<Name>data</Name>"),
        "{}",
        listed.body
    );
    let all = h.send(&h.master.clone(), Method::GET, "/", b"").await;
    assert!(all.body.contains("<Name>data</Name>"), "{}", all.body);
    assert!(all.body.contains("<Name>other</Name>"), "{}", all.body);
}

#[tokio::test]
async fn other_account_is_denied() {
    let h = with_buckets().await;
    let (_, stranger) = new_account(&h.store, "stranger");
    h.send(&stranger, Method::GET, "/data/k", b"")
        .await
        .assert_denied("AccessDenied");
    h.send(&stranger, Method::PUT, "/data/x", b"x")
        .await
        .assert_denied("AccessDenied");
    h.send(&stranger, Method::DELETE, "/data", b"")
        .await
        .assert_denied("AccessDenied");
    assert!(h.store.bucket("data").unwrap().is_some());
}

#[tokio::test]
async fn deleted_and_released_keys_are_unknown() {
    let h = with_buckets().await;
    let alice = h.user("alice");
    h.grant("data", "alice", Access::Read);
    h.store.delete_access_key(&h.account_id, &alice.id).unwrap();
    h.send(&alice, Method::GET, "/data/k", b"")
        .await
        .assert_denied("InvalidAccessKeyId");
    h.store.begin_release(&h.account_id).unwrap();
    h.send(&h.master.clone(), Method::GET, "/data/k", b"")
        .await
        .assert_denied("InvalidAccessKeyId");
}

#[tokio::test]
async fn requests_are_metered_by_class_and_bytes() {
    let h = Harness::new();
    let master = h.master.clone();
    h.send(&master, Method::PUT, "/data", b"").await.assert_ok();
    h.send(&master, Method::PUT, "/data/k", &[7; 100])
        .await
        .assert_ok();
    let get = h.send(&master, Method::GET, "/data/k", b"").await;
    assert_eq!(get.body.len(), 100);
    h.send(&master, Method::HEAD, "/data/k", b"")
        .await
        .assert_ok();
    h.send(&master, Method::GET, "/data", b"").await.assert_ok();
    h.send(&master, Method::DELETE, "/data/k", b"")
        .await
        .assert_ok();
    // An unauthenticated request is not metered.
    let anonymous = Request::get("/data/k")
        .body(Full::new(Bytes::new()))
        .unwrap();
    let _ = h.service.handle(anonymous).await;

    let (class_a, class_b, bytes_in, bytes_out) = h.meter_totals(&h.account_id);
    // CreateBucket, PutObject and ListObjects; GetObject and HeadObject; DeleteObject is free.
    assert_eq!(class_a, 3);
    assert_eq!(class_b, 2);
    assert_eq!(bytes_in, 100);
    assert!(bytes_out > 100, "the listing's XML counts as bytes out too");
}
