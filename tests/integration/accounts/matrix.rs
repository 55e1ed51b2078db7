//! Every implemented S3 operation against every kind of caller, through raw requests signed
//! with AWS's `aws-sigv4` crate. The callers are the master, sub-users with read, read-write or
//! no grant, the master of another account, the operator token, anonymous callers, an expired
//! presigned URL and a deleted key. Allowed calls must succeed. Denied ones must get the exact
//! status and code, and change nothing that a listing, a part list or a tag set shows.

use std::time::{Duration, SystemTime};

use base64::Engine;
use bytes::Bytes;
use http::Method;
use md5::{Digest, Md5};

use super::{Key, grant, user_with_key};
use crate::admin::AdminClient;
use crate::raw::{RawClient, RawRequest, RawResponse};
use crate::server::Server;

/// Buckets of the account under test: [`DATA`] with object `obj` and an unfinished upload of
/// `mp`, [`EMPTY`] with nothing in it, and [`PRIVATE`] with object `secret` and no grant.
const DATA: &str = "matrix-data";
const EMPTY: &str = "matrix-empty";
const PRIVATE: &str = "matrix-private";

/// Who may run an operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Need {
    /// Any authenticated caller (ListBuckets).
    Caller,
    /// The master of any account, in its own account (CreateBucket of a new name).
    AnyMaster,
    /// The master, or a user with read or read-write on the bucket.
    Read,
    /// The master, or a user with read-write on the bucket.
    ReadWrite,
    /// Only the master of the bucket's account.
    Master,
}

/// The kinds of caller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Caller {
    Master,
    Reader,
    Writer,
    NoGrant,
    OtherAccount,
    OperatorToken,
    Anonymous,
    ExpiredPresigned,
    DeletedKey,
}

const CALLERS: [Caller; 9] = [
    Caller::Master,
    Caller::Reader,
    Caller::Writer,
    Caller::NoGrant,
    Caller::OtherAccount,
    Caller::OperatorToken,
    Caller::Anonymous,
    Caller::ExpiredPresigned,
    Caller::DeletedKey,
];

impl Caller {
    /// Returns None if `need` lets this caller through, else the status and code it gets.
    fn denial(self, need: Need) -> Option<(u16, &'static str)> {
        const DENIED: Option<(u16, &str)> = Some((403, "AccessDenied"));
        match (self, need) {
            (Caller::Master, _) => None,
            (Caller::Reader, Need::Caller | Need::Read) => None,
            (Caller::Writer, Need::Caller | Need::Read | Need::ReadWrite) => None,
            (Caller::NoGrant, Need::Caller) => None,
            (Caller::OtherAccount, Need::Caller | Need::AnyMaster) => None,
            (Caller::Reader | Caller::Writer | Caller::NoGrant | Caller::OtherAccount, _) => DENIED,
            (Caller::OperatorToken, _) => Some((400, "InvalidArgument")),
            (Caller::Anonymous | Caller::ExpiredPresigned, _) => DENIED,
            (Caller::DeletedKey, _) => Some((403, "InvalidAccessKeyId")),
        }
    }
}

/// The state a case runs against.
struct Fixture {
    upload_id: String,
    part_etag: String,
}

/// One request of an operation.
struct Call {
    method: Method,
    path: String,
    headers: Vec<(String, String)>,
    body: Bytes,
}

impl Call {
    fn new(method: Method, path: impl Into<String>) -> Call {
        Call {
            method,
            path: path.into(),
            headers: Vec::new(),
            body: Bytes::new(),
        }
    }

    fn header(mut self, name: &str, value: &str) -> Call {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    fn body(mut self, body: impl Into<Bytes>) -> Call {
        self.body = body.into();
        self
    }
}

/// One operation of the matrix.
struct Case {
    operation: &'static str,
    need: Need,
    call: fn(&Fixture, Caller) -> Call,
}

fn cases() -> Vec<Case> {
    vec![
        Case {
            operation: "ListBuckets",
            need: Need::Caller,
            call: |_, _| Call::new(Method::GET, "/"),
        },
        Case {
            operation: "CreateBucket",
            need: Need::AnyMaster,
            call: |_, caller| {
                let name = format!("matrix-new-{caller:?}").to_ascii_lowercase();
                Call::new(Method::PUT, format!("/{name}"))
            },
        },
        Case {
            operation: "HeadBucket",
            need: Need::Read,
            call: |_, _| Call::new(Method::HEAD, format!("/{DATA}")),
        },
        Case {
            operation: "DeleteBucket",
            need: Need::Master,
            call: |_, _| Call::new(Method::DELETE, format!("/{EMPTY}")),
        },
        Case {
            operation: "GetBucketLocation",
            need: Need::Read,
            call: |_, _| Call::new(Method::GET, format!("/{DATA}?location")),
        },
        Case {
            operation: "GetBucketVersioning",
            need: Need::Read,
            call: |_, _| Call::new(Method::GET, format!("/{DATA}?versioning")),
        },
        Case {
            operation: "ListObjectVersions",
            need: Need::Read,
            call: |_, _| Call::new(Method::GET, format!("/{DATA}?versions")),
        },
        Case {
            operation: "ListObjects",
            need: Need::Read,
            call: |_, _| Call::new(Method::GET, format!("/{DATA}")),
        },
        Case {
            operation: "ListObjectsV2",
            need: Need::Read,
            call: |_, _| Call::new(Method::GET, format!("/{DATA}?list-type=2")),
        },
        Case {
            operation: "ListMultipartUploads",
            need: Need::Read,
            call: |_, _| Call::new(Method::GET, format!("/{DATA}?uploads")),
        },
        Case {
            operation: "DeleteObjects",
            need: Need::ReadWrite,
            call: |_, _| {
                let document = "<Delete><Object><Key>obj</Key></Object></Delete>";
                Call::new(Method::POST, format!("/{DATA}?delete"))
                    .header("content-md5", &content_md5(document.as_bytes()))
                    .body(document)
            },
        },
        Case {
            operation: "PutObject",
            need: Need::ReadWrite,
            call: |_, _| Call::new(Method::PUT, format!("/{DATA}/put-key")).body("new data"),
        },
        Case {
            operation: "CopyObject",
            need: Need::ReadWrite,
            call: |_, _| {
                Call::new(Method::PUT, format!("/{DATA}/copy-dest"))
                    .header("x-amz-copy-source", &format!("/{DATA}/obj"))
            },
        },
        Case {
            // Read-write on the destination does not reach a source bucket without a grant.
            operation: "CopyObject from a bucket without grant",
            need: Need::Master,
            call: |_, _| {
                Call::new(Method::PUT, format!("/{DATA}/copy-private"))
                    .header("x-amz-copy-source", &format!("/{PRIVATE}/secret"))
            },
        },
        Case {
            operation: "GetObjectTagging",
            need: Need::Read,
            call: |_, _| Call::new(Method::GET, format!("/{DATA}/obj?tagging")),
        },
        Case {
            operation: "GetObject",
            need: Need::Read,
            call: |_, _| Call::new(Method::GET, format!("/{DATA}/obj")),
        },
        Case {
            operation: "HeadObject",
            need: Need::Read,
            call: |_, _| Call::new(Method::HEAD, format!("/{DATA}/obj")),
        },
        Case {
            operation: "DeleteObject",
            need: Need::ReadWrite,
            call: |_, _| Call::new(Method::DELETE, format!("/{DATA}/obj")),
        },
        Case {
            operation: "CreateMultipartUpload",
            need: Need::ReadWrite,
            call: |_, _| Call::new(Method::POST, format!("/{DATA}/mp-new?uploads")),
        },
        Case {
            operation: "UploadPart",
            need: Need::ReadWrite,
            call: |fixture, _| {
                let path = format!("/{DATA}/mp?partNumber=2&uploadId={}", fixture.upload_id);
                Call::new(Method::PUT, path).body("second part")
            },
        },
        Case {
            operation: "CompleteMultipartUpload",
            need: Need::ReadWrite,
            call: |fixture, _| {
                let document = format!(
                    "<CompleteMultipartUpload><Part><PartNumber>1</PartNumber>\
                     <ETag>{}</ETag></Part></CompleteMultipartUpload>",
                    fixture.part_etag
                );
                let path = format!("/{DATA}/mp?uploadId={}", fixture.upload_id);
                Call::new(Method::POST, path).body(document)
            },
        },
        Case {
            operation: "AbortMultipartUpload",
            need: Need::ReadWrite,
            call: |fixture, _| {
                let path = format!("/{DATA}/mp?uploadId={}", fixture.upload_id);
                Call::new(Method::DELETE, path)
            },
        },
        Case {
            operation: "ListParts",
            need: Need::Read,
            call: |fixture, _| {
                let path = format!("/{DATA}/mp?uploadId={}", fixture.upload_id);
                Call::new(Method::GET, path)
            },
        },
    ]
}

fn content_md5(data: &[u8]) -> String {
    base64::engine::general_purpose::STANDARD.encode(Md5::digest(data))
}

/// The callers' keys and the clients that send for them.
struct Callers {
    s3: RawClient,
    operator_token: String,
    account: String,
    operator: AdminClient,
    reader: Key,
    writer: Key,
    no_grant: Key,
    other_account: Key,
    deleted: Key,
}

impl Callers {
    /// Signs `call` as `caller` would send it.
    fn request(&self, call: &Call, caller: Caller) -> RawRequest<'_> {
        let mut request = self
            .s3
            .request(call.method.clone(), &call.path)
            .body(call.body.clone());
        for (name, value) in &call.headers {
            request = request.header(name, value);
        }
        match caller {
            Caller::Master => request,
            Caller::Reader => self.reader.sign(request),
            Caller::Writer => self.writer.sign(request),
            Caller::NoGrant => self.no_grant.sign(request),
            Caller::OtherAccount => self.other_account.sign(request),
            Caller::OperatorToken => request
                .anonymous()
                .header("authorization", &format!("Bearer {}", self.operator_token)),
            Caller::Anonymous => request.anonymous(),
            Caller::ExpiredPresigned => request
                .presigned(Duration::from_secs(60))
                .time(SystemTime::now() - Duration::from_secs(3600)),
            Caller::DeletedKey => self.deleted.sign(request),
        }
    }

    /// Sends a request as the master and asserts success.
    async fn master(&self, method: Method, path: &str, body: impl Into<Bytes>) -> RawResponse {
        let reply = self.s3.request(method, path).body(body).send().await;
        reply.assert_success();
        reply
    }

    /// Brings the account back to the fixture state, after a call that may have changed it.
    async fn reset(&self) -> Fixture {
        for bucket in [DATA, EMPTY, PRIVATE] {
            let reply = self
                .s3
                .put(&format!("/{bucket}"), Bytes::new())
                .send()
                .await;
            assert!(
                reply.status.is_success()
                    || reply.xml("Code").as_deref() == Some("BucketAlreadyOwnedByYou"),
                "create {bucket}: {reply:?}"
            );
        }
        for bucket in [DATA, EMPTY] {
            grant(&self.operator, &self.account, bucket, "reader", "read").await;
            grant(
                &self.operator,
                &self.account,
                bucket,
                "writer",
                "read-write",
            )
            .await;
        }
        for bucket in [DATA, EMPTY] {
            for (key, _) in super::object_sizes(&self.s3, bucket).await {
                let path = format!("/{bucket}/{}", crate::raw::encode_key(&key));
                self.master(Method::DELETE, &path, Bytes::new()).await;
            }
            let uploads = self.s3.get(&format!("/{bucket}?uploads")).send().await;
            let text = uploads.text();
            let keys = crate::raw::xml_values(&text, "Upload/Key");
            let ids = crate::raw::xml_values(&text, "Upload/UploadId");
            for (key, id) in keys.iter().zip(ids) {
                let path = format!("/{bucket}/{key}?uploadId={id}");
                self.master(Method::DELETE, &path, Bytes::new()).await;
            }
        }
        self.master(Method::PUT, &format!("/{DATA}/obj"), "object data")
            .await;
        self.master(Method::PUT, &format!("/{PRIVATE}/secret"), "secret data")
            .await;
        let created = self
            .master(Method::POST, &format!("/{DATA}/mp?uploads"), Bytes::new())
            .await;
        let upload_id = created.xml("UploadId").expect("UploadId");
        let part = self
            .master(
                Method::PUT,
                &format!("/{DATA}/mp?partNumber=1&uploadId={upload_id}"),
                "first part",
            )
            .await;
        let part_etag = part.header("etag").expect("part ETag").to_owned();
        Fixture {
            upload_id,
            part_etag,
        }
    }

    /// Returns what a denied call must leave unchanged: buckets, objects with their ETags and
    /// tags, uploads with their parts.
    async fn snapshot(&self) -> Vec<String> {
        let mut state = Vec::new();
        let buckets = self.s3.get("/").send().await;
        state.extend(crate::raw::xml_values(&buckets.text(), "Bucket/Name"));
        for bucket in [DATA, EMPTY, PRIVATE] {
            let listing = self.s3.get(&format!("/{bucket}?versions")).send().await;
            let text = listing.text();
            let keys = crate::raw::xml_values(&text, "Version/Key");
            let etags = crate::raw::xml_values(&text, "Version/ETag");
            for (key, etag) in keys.iter().zip(etags) {
                let path = format!("/{bucket}/{}?tagging", crate::raw::encode_key(key));
                let tags = self.s3.get(&path).send().await.text();
                state.push(format!("{bucket}/{key} {etag} {tags}"));
            }
            let uploads = self.s3.get(&format!("/{bucket}?uploads")).send().await;
            let text = uploads.text();
            let keys = crate::raw::xml_values(&text, "Upload/Key");
            let ids = crate::raw::xml_values(&text, "Upload/UploadId");
            for (key, id) in keys.iter().zip(ids) {
                let parts = self
                    .s3
                    .get(&format!("/{bucket}/{key}?uploadId={id}"))
                    .send()
                    .await;
                let etags = crate::raw::xml_values(&parts.text(), "Part/ETag");
                state.push(format!("upload {bucket}/{key} {id} parts {etags:?}"));
            }
        }
        state
    }
}

#[tokio::test]
async fn authorization_matrix() {
    let server = Server::start();
    let operator = AdminClient::operator(&server);
    let account = operator.account_id("default").await;
    let reader = user_with_key(&operator, &account, "reader").await;
    let writer = user_with_key(&operator, &account, "writer").await;
    let no_grant = user_with_key(&operator, &account, "nobody").await;
    let deleted = user_with_key(&operator, &account, "former").await;
    operator
        .delete(&format!("/admin/v1/accounts/{account}/keys/{}", deleted.id))
        .await
        .expect(204);
    let other = operator.create_account("other", "beijing-1", 50).await;
    let operator_token = std::fs::read_to_string(server.data_dir().join("admin.token"))
        .expect("read admin.token")
        .trim()
        .to_owned();
    let callers = Callers {
        s3: RawClient::new(&server),
        operator_token,
        account,
        operator,
        reader,
        writer,
        no_grant,
        other_account: Key::from_reply(&other),
        deleted,
    };

    let mut fixture = callers.reset().await;
    for case in cases() {
        for caller in CALLERS {
            let call = (case.call)(&fixture, caller);
            let what = format!("{} as {caller:?}", case.operation);
            match caller.denial(case.need) {
                None => {
                    let reply = callers.request(&call, caller).send().await;
                    assert!(
                        reply.status.is_success(),
                        "{what}: expected success, got {reply:?}"
                    );
                    fixture = callers.reset().await;
                }
                Some((status, code)) => {
                    let before = callers.snapshot().await;
                    let reply = callers.request(&call, caller).send().await;
                    assert_eq!(reply.status.as_u16(), status, "{what}: {reply:?}");
                    // A HEAD response carries no body, so only its status shows the denial.
                    if call.method != Method::HEAD {
                        assert_eq!(
                            reply.xml("Code").as_deref(),
                            Some(code),
                            "{what}: {reply:?}"
                        );
                    }
                    let after = callers.snapshot().await;
                    assert_eq!(before, after, "{what} changed the account");
                }
            }
        }
    }

    // A sub-user's ListBuckets shows exactly the buckets it holds a grant on.
    let listed = callers
        .request(&Call::new(Method::GET, "/"), Caller::Reader)
        .send()
        .await;
    let names = crate::raw::xml_values(&listed.text(), "Bucket/Name");
    assert_eq!(names, [DATA, EMPTY]);
    let listed = callers
        .request(&Call::new(Method::GET, "/"), Caller::NoGrant)
        .send()
        .await;
    assert!(crate::raw::xml_values(&listed.text(), "Bucket/Name").is_empty());
}
