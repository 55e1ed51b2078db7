//! The admin API over HTTP: authentication, accounts, capacity, users, keys and buckets, with
//! every error code they can return.

use http::Method;
use serde_json::{Value, json};

use super::{AdminClient, Auth};
use crate::raw::RawClient;
use crate::server::{Options, Server};

/// Keys of the overview that every account reply carries.
const OVERVIEW_FIELDS: [&str; 11] = [
    "id",
    "name",
    "region",
    "billing",
    "capacity_gb",
    "capacity_bytes",
    "used_bytes",
    "object_count",
    "bucket_count",
    "created_at",
    "status",
];

fn str_of<'a>(value: &'a Value, field: &str) -> &'a str {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("no string {field} in {value}"))
}

#[tokio::test]
async fn missing_or_wrong_auth_is_401() {
    let server = Server::start();
    let operator = AdminClient::operator(&server);
    let anonymous = operator.as_auth(Auth::None);
    let default = server.credentials().clone();
    let default_id = operator.account_id("default").await;
    let overview = format!("/admin/v1/accounts/{default_id}");

    for path in ["/admin/v1/accounts", overview.as_str(), "/metrics"] {
        anonymous
            .get(path)
            .await
            .expect_error(401, "Unauthenticated", "credentials");
    }
    operator
        .as_auth(Auth::Bearer("not-the-token".into()))
        .get("/admin/v1/accounts")
        .await
        .expect_error(401, "Unauthenticated", "operator token");
    operator
        .as_key("AKNOSUCHKEY000000000", "secret", "beijing-1")
        .get(&overview)
        .await
        .expect_error(401, "Unauthenticated", "AKNOSUCHKEY000000000");
    operator
        .as_key(&default.access_key, "wrong-secret", "beijing-1")
        .get(&overview)
        .await
        .expect_error(401, "Unauthenticated", &default.access_key);

    let wrong_region = operator
        .as_key(&default.access_key, &default.secret_key, "beijing-3")
        .get(&overview)
        .await;
    wrong_region.expect_error(401, "Unauthenticated", "beijing-1");
    assert_eq!(
        wrong_region
            .headers
            .get("x-oss-region")
            .and_then(|v| v.to_str().ok()),
        Some("beijing-1")
    );
}

#[tokio::test]
async fn public_routes_and_unknown_paths() {
    let server = Server::start();
    let anonymous = AdminClient::with_auth(&server, Auth::None);
    assert_eq!(anonymous.get("/health").await.expect(200)["status"], "ok");
    let document = anonymous.get("/admin/v1/openapi.json").await.expect(200);
    assert!(
        document["openapi"]
            .as_str()
            .unwrap_or_default()
            .starts_with("3.")
    );
    anonymous
        .get("/admin/v1/nothing")
        .await
        .expect_error(404, "NotFound", "/admin/v1/nothing");
    let wrong_method = anonymous
        .send(Method::PUT, "/admin/v1/accounts", None)
        .await;
    wrong_method.expect_error(405, "MethodNotAllowed", "POST");
    assert!(wrong_method.headers.get("allow").is_some());
}

#[tokio::test]
async fn account_activation_and_its_errors() {
    let server = Server::start();
    let operator = AdminClient::operator(&server);

    let created = operator.create_account("acme", "beijing-2", 60).await;
    for field in OVERVIEW_FIELDS {
        assert!(!created[field].is_null(), "no {field} in {created}");
    }
    assert_eq!(created["region"], "beijing-2");
    assert_eq!(created["capacity_gb"], 60);
    assert_eq!(created["capacity_bytes"], 60u64 << 30);
    assert_eq!(created["status"], "active");
    assert!(created["release"].is_null());
    assert!(!str_of(&created, "access_key_id").is_empty());
    assert!(!str_of(&created, "secret_access_key").is_empty());

    let account = |name: &str, region: &str, capacity: u64, billing: &str| json!({ "name": name, "region": region, "capacity_gb": capacity, "billing": billing });
    let post = |body: Value| operator.post("/admin/v1/accounts", body);
    post(account("x", "mars-1", 60, "pay-as-you-go"))
        .await
        .expect_error(400, "InvalidRegion", "mars-1");
    post(account("x", "beijing-1", 49, "pay-as-you-go"))
        .await
        .expect_error(400, "CapacityOutOfRange", "49");
    post(account("x", "beijing-1", 4097, "pay-as-you-go"))
        .await
        .expect_error(400, "CapacityOutOfRange", "4096");
    post(account("x", "beijing-1", 60, "prepaid"))
        .await
        .expect_error(400, "InvalidBilling", "prepaid");
    post(account("acme", "beijing-1", 60, "pay-as-you-go"))
        .await
        .expect_error(409, "AccountAlreadyExists", "acme");
    post(json!({ "name": "x", "region": "beijing-1", "capacity_gb": 60 }))
        .await
        .expect_error(400, "InvalidRequest", "billing");
    post(
        json!({ "name": "x", "region": "beijing-1", "capacity_gb": 60,
                 "billing": "pay-as-you-go", "color": "red" }),
    )
    .await
    .expect_error(400, "InvalidRequest", "color");
    operator
        .send_raw(
            Method::POST,
            "/admin/v1/accounts",
            b"{not json".to_vec(),
            &[],
        )
        .await
        .expect_error(400, "InvalidRequest", "JSON");

    // Two accounts exist (default and acme); pages of one follow the token.
    let first = operator.get("/admin/v1/accounts?limit=1").await.expect(200);
    assert_eq!(first["accounts"].as_array().map(Vec::len), Some(1));
    let token = str_of(&first, "next_continuation_token").to_owned();
    let second = operator
        .get(&format!(
            "/admin/v1/accounts?limit=1&continuation_token={token}"
        ))
        .await
        .expect(200);
    assert_eq!(second["accounts"].as_array().map(Vec::len), Some(1));
    assert_ne!(first["accounts"][0]["id"], second["accounts"][0]["id"]);
    assert!(second["next_continuation_token"].is_null());
    operator
        .get("/admin/v1/accounts?limit=0")
        .await
        .expect_error(400, "InvalidRequest", "limit");

    let id = str_of(&created, "id");
    let overview = operator
        .get(&format!("/admin/v1/accounts/{id}"))
        .await
        .expect(200);
    assert_eq!(overview["name"], "acme");
    operator
        .get("/admin/v1/accounts/nosuchaccount")
        .await
        .expect_error(404, "NoSuchAccount", "nosuchaccount");
}

#[tokio::test]
async fn master_signs_within_its_account() {
    let server = Server::start();
    let operator = AdminClient::operator(&server);
    let acme = operator.create_account("acme", "beijing-2", 60).await;
    let id = str_of(&acme, "id");
    let master = operator.as_key(
        str_of(&acme, "access_key_id"),
        str_of(&acme, "secret_access_key"),
        "beijing-2",
    );

    let overview = master
        .get(&format!("/admin/v1/accounts/{id}"))
        .await
        .expect(200);
    assert_eq!(overview["id"], id);
    // Any service name works, and without x-amz-content-sha256 the server hashes the body.
    let without_payload_header = master.as_auth(Auth::SigV4 {
        access_key: str_of(&acme, "access_key_id").to_owned(),
        secret_key: str_of(&acme, "secret_access_key").to_owned(),
        region: "beijing-2".to_owned(),
        service: "any-service".to_owned(),
        payload_header: false,
    });
    let created = without_payload_header
        .post(
            &format!("/admin/v1/accounts/{id}/users"),
            json!({ "name": "carol" }),
        )
        .await
        .expect(201);
    assert_eq!(created["name"], "carol");

    master
        .get("/admin/v1/accounts")
        .await
        .expect_error(403, "AccessDenied", "operator");
    let default_id = operator.account_id("default").await;
    master
        .get(&format!("/admin/v1/accounts/{default_id}"))
        .await
        .expect_error(403, "AccessDenied", &default_id);
    let another = json!({
        "name": "another", "region": "beijing-1", "capacity_gb": 50, "billing": "pay-as-you-go",
    });
    master
        .post("/admin/v1/accounts", another)
        .await
        .expect_error(403, "AccessDenied", "operator");

    let access = master
        .get(&format!("/admin/v1/accounts/{id}/access"))
        .await
        .expect(200);
    assert_eq!(access["endpoint"], server.endpoint());
    assert_eq!(access["region"], "beijing-2");
    assert_eq!(access["addressing"], json!(["path"]));
    assert!(access["virtual_host_suffix"].is_null());
}

#[tokio::test]
async fn users_and_keys_by_role() {
    let server = Server::start();
    let operator = AdminClient::operator(&server);
    let acme = operator.create_account("acme", "beijing-1", 60).await;
    let id = str_of(&acme, "id").to_owned();
    let master_key = str_of(&acme, "access_key_id").to_owned();
    let master = operator.as_key(&master_key, str_of(&acme, "secret_access_key"), "beijing-1");
    let users = format!("/admin/v1/accounts/{id}/users");
    let keys = format!("/admin/v1/accounts/{id}/keys");

    let alice = master
        .post(&users, json!({ "name": "alice" }))
        .await
        .expect(201);
    assert_eq!(alice["name"], "alice");
    assert!(alice["created_at"].is_string());
    master
        .post(&users, json!({ "name": "alice" }))
        .await
        .expect_error(409, "UserAlreadyExists", "alice");
    master
        .post(&users, json!({ "name": "no spaces" }))
        .await
        .expect_error(400, "InvalidRequest", "no spaces");
    // Dot segments would vanish from the user's own URLs.
    for dots in [".", ".."] {
        master
            .post(&users, json!({ "name": dots }))
            .await
            .expect_error(400, "InvalidRequest", "not only dots");
    }
    let listed = master.get(&users).await.expect(200);
    let names: Vec<&str> = listed["users"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|user| user["name"].as_str())
        .collect();
    assert_eq!(names, ["alice", "master"]);

    let alice_key = master
        .post(&keys, json!({ "user": "alice" }))
        .await
        .expect(201);
    assert_eq!(alice_key["user"], "alice");
    let alice = master.as_key(
        str_of(&alice_key, "access_key_id"),
        str_of(&alice_key, "secret_access_key"),
        "beijing-1",
    );
    master
        .post(&keys, json!({ "user": "nobody" }))
        .await
        .expect_error(404, "NoSuchUser", "nobody");
    let all_keys = master.get(&keys).await.expect(200);
    assert_eq!(all_keys["keys"].as_array().map(Vec::len), Some(2));
    assert!(all_keys.to_string().find("secret").is_none(), "{all_keys}");

    // A sub-user reads access information and manages only its own keys.
    alice
        .get(&format!("/admin/v1/accounts/{id}/access"))
        .await
        .expect(200);
    alice
        .get(&format!("/admin/v1/accounts/{id}"))
        .await
        .expect_error(403, "AccessDenied", "alice");
    alice
        .get(&users)
        .await
        .expect_error(403, "AccessDenied", "alice");
    let own = alice.get(&keys).await.expect(200);
    let owners: Vec<&str> = own["keys"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|key| key["user"].as_str())
        .collect();
    assert_eq!(owners, ["alice"]);
    let second = alice.post(&keys, json!({})).await.expect(201);
    assert_eq!(second["user"], "alice");
    alice
        .post(&keys, json!({ "user": "master" }))
        .await
        .expect_error(403, "AccessDenied", "master");
    alice
        .delete(&format!("{keys}/{master_key}"))
        .await
        .expect_error(403, "AccessDenied", &master_key);
    alice
        .delete(&format!("{keys}/{}", str_of(&second, "access_key_id")))
        .await
        .expect(204);
    master
        .delete(&format!("{keys}/AKNOSUCHKEY000000000"))
        .await
        .expect_error(404, "NoSuchAccessKey", "AKNOSUCHKEY000000000");

    // The operator creates keys for master by default.
    let operator_made = operator.post(&keys, json!({})).await.expect(201);
    assert_eq!(operator_made["user"], "master");

    master
        .delete(&format!("{users}/master"))
        .await
        .expect_error(400, "InvalidRequest", "master");
    master.delete(&format!("{users}/alice")).await.expect(204);
    master
        .delete(&format!("{users}/alice"))
        .await
        .expect_error(404, "NoSuchUser", "alice");
    alice.get(&keys).await.expect_error(
        401,
        "Unauthenticated",
        str_of(&alice_key, "access_key_id"),
    );
}

#[tokio::test]
async fn capacity_expand_and_shrink() {
    // One "GB" is 1 KiB here, so a few KiB of objects fill an account.
    let server = Server::start_with(Options {
        env: vec![("OSS_ACCOUNTS_CAPACITY_UNIT_BYTES".into(), "1024".into())],
        ..Options::default()
    });
    let operator = AdminClient::operator(&server);
    let id = operator.account_id("default").await;
    let account = format!("/admin/v1/accounts/{id}");
    let credentials = server.credentials().clone();
    let master = operator.as_key(
        &credentials.access_key,
        &credentials.secret_key,
        "beijing-1",
    );

    let expanded = master
        .post(&format!("{account}/expand"), json!({ "gb": 50 }))
        .await
        .expect(200);
    assert_eq!(expanded["capacity_gb"], 100);
    assert_eq!(expanded["capacity_bytes"], 100 * 1024);
    master
        .post(&format!("{account}/expand"), json!({ "gb": 4000 }))
        .await
        .expect_error(
            400,
            "CapacityOutOfRange",
            "by 4000 GB would make its capacity 4100 GB, outside the allowed 50 to 4096 GB; \
             it is 100 GB now",
        );
    // A change too large for any capacity is reported as asked, not wrapped or saturated.
    master
        .post(&format!("{account}/expand"), json!({ "gb": u64::MAX }))
        .await
        .expect_error(
            400,
            "CapacityOutOfRange",
            &format!("would make its capacity {} GB", u128::from(u64::MAX) + 100),
        );

    // 60 KiB stored leaves 40 unused of 100.
    let s3 = RawClient::new(&server);
    s3.create_bucket("fill").await;
    s3.put("/fill/object", vec![7u8; 60 * 1024])
        .send()
        .await
        .assert_success();
    master
        .post(&format!("{account}/shrink"), json!({ "gb": 60 }))
        .await
        .expect_error(
            400,
            "CapacityOutOfRange",
            "by 60 GB would make its capacity 40 GB, outside the allowed 50 to 4096 GB",
        );
    master
        .post(&format!("{account}/shrink"), json!({ "gb": 150 }))
        .await
        .expect_error(400, "CapacityOutOfRange", "would make its capacity -50 GB");
    master
        .post(&format!("{account}/shrink"), json!({ "gb": 45 }))
        .await
        .expect_error(409, "ShrinkExceedsUnused", "45");
    let shrunk = master
        .post(&format!("{account}/shrink"), json!({ "gb": 40 }))
        .await
        .expect(200);
    assert_eq!(shrunk["capacity_gb"], 60);
    assert_eq!(shrunk["used_bytes"], 60 * 1024);
    master
        .post(&format!("{account}/shrink"), json!({ "gigabytes": 1 }))
        .await
        .expect_error(400, "InvalidRequest", "gigabytes");
}

#[tokio::test]
async fn buckets_through_admin() {
    let server = Server::start();
    let operator = AdminClient::operator(&server);
    let id = operator.account_id("default").await;
    let buckets = format!("/admin/v1/accounts/{id}/buckets");
    let other = operator.create_account("other", "beijing-1", 50).await;
    let other_buckets = format!("/admin/v1/accounts/{}/buckets", str_of(&other, "id"));

    let created = operator
        .post(&buckets, json!({ "name": "photos" }))
        .await
        .expect(201);
    assert_eq!(created["name"], "photos");
    assert_eq!(created["size_bytes"], 0);
    for bad in [
        "ab",
        "Photos",
        "192.168.1.1",
        "xn--bucket",
        "a..b",
        "bucket-s3alias",
    ] {
        operator
            .post(&buckets, json!({ "name": bad }))
            .await
            .expect_error(400, "InvalidBucketName", bad);
    }
    operator
        .post(&other_buckets, json!({ "name": "photos" }))
        .await
        .expect_error(409, "BucketAlreadyExists", "photos");

    let s3 = RawClient::new(&server);
    s3.put("/photos/a.jpg", vec![1u8; 3000])
        .send()
        .await
        .assert_success();
    let listed = operator.get(&buckets).await.expect(200);
    assert_eq!(listed["buckets"][0]["name"], "photos");
    assert_eq!(listed["buckets"][0]["size_bytes"], 3000);
    assert_eq!(listed["buckets"][0]["object_count"], 1);
    assert!(listed["next_continuation_token"].is_null());

    operator
        .delete(&format!("{other_buckets}/photos"))
        .await
        .expect_error(404, "NoSuchBucket", "photos");
    operator
        .delete(&format!("{buckets}/photos"))
        .await
        .expect_error(409, "BucketNotEmpty", "photos");
    operator
        .delete(&format!("{buckets}/photos?force=true"))
        .await
        .expect(202);
    // The bucket disappears from S3 at once and from the store when the job is done.
    let head = s3.request(Method::HEAD, "/photos").send().await;
    assert_eq!(head.status.as_u16(), 404, "HEAD of a force-deleted bucket");
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let recreated = operator.post(&buckets, json!({ "name": "photos" })).await;
        if recreated.status.as_u16() == 201 {
            break;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "bucket name still taken 60 s after a forced delete: {}",
            recreated.text()
        );
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    operator
        .delete(&format!("{buckets}/photos"))
        .await
        .expect(204);
}
