//! Grants, account release and the usage meter through the admin API.

use serde_json::{Value, json};

use super::AdminClient;
use crate::raw::RawClient;
use crate::server::Server;

fn str_of<'a>(value: &'a Value, field: &str) -> &'a str {
    value[field]
        .as_str()
        .unwrap_or_else(|| panic!("no string {field} in {value}"))
}

/// An account with users alice and bob, a key each, and bucket `shared`.
struct Team {
    account: String,
    master: AdminClient,
    alice: AdminClient,
    bob: AdminClient,
}

async fn team(operator: &AdminClient) -> Team {
    let created = operator.create_account("team", "beijing-1", 50).await;
    let account = str_of(&created, "id").to_owned();
    let master = operator.as_key(
        str_of(&created, "access_key_id"),
        str_of(&created, "secret_access_key"),
        "beijing-1",
    );
    let base = format!("/admin/v1/accounts/{account}");
    let mut users = Vec::new();
    for name in ["alice", "bob"] {
        master
            .post(&format!("{base}/users"), json!({ "name": name }))
            .await
            .expect(201);
        let key = master
            .post(&format!("{base}/keys"), json!({ "user": name }))
            .await
            .expect(201);
        users.push(master.as_key(
            str_of(&key, "access_key_id"),
            str_of(&key, "secret_access_key"),
            "beijing-1",
        ));
    }
    master
        .post(&format!("{base}/buckets"), json!({ "name": "shared" }))
        .await
        .expect(201);
    let bob = users.pop().expect("bob");
    let alice = users.pop().expect("alice");
    Team {
        account,
        master,
        alice,
        bob,
    }
}

#[tokio::test]
async fn grants_follow_regrant_rules() {
    let server = Server::start();
    let operator = AdminClient::operator(&server);
    let team = team(&operator).await;
    let grants = format!("/admin/v1/accounts/{}/buckets/shared/grants", team.account);
    let buckets = format!("/admin/v1/accounts/{}/buckets", team.account);

    // Alice has read with regrant. She may pass on read, but not read-write.
    let made = team
        .master
        .post(
            &grants,
            json!({ "user": "alice", "access": "read", "regrant": true }),
        )
        .await
        .expect(201);
    assert_eq!(made["granted_by"], "master");
    team.alice
        .post(
            &grants,
            json!({ "user": "bob", "access": "read-write", "regrant": false }),
        )
        .await
        .expect_error(403, "AccessDenied", "read");
    let passed = team
        .alice
        .post(
            &grants,
            json!({ "user": "bob", "access": "read", "regrant": false }),
        )
        .await
        .expect(201);
    assert_eq!(passed["granted_by"], "alice");

    // Bob has no regrant, so he can neither list nor grant.
    team.bob
        .get(&grants)
        .await
        .expect_error(403, "AccessDenied", "bob");
    team.bob
        .post(
            &grants,
            json!({ "user": "alice", "access": "read", "regrant": false }),
        )
        .await
        .expect_error(403, "AccessDenied", "bob");

    // Sub-users list only the buckets they hold grants on.
    let seen = team.bob.get(&buckets).await.expect(200);
    assert_eq!(seen["buckets"].as_array().map(Vec::len), Some(1));
    team.master
        .post(&buckets, json!({ "name": "private-team" }))
        .await
        .expect(201);
    let seen = team.bob.get(&buckets).await.expect(200);
    assert_eq!(seen["buckets"][0]["name"], "shared");
    assert_eq!(seen["buckets"].as_array().map(Vec::len), Some(1));

    let listed = team.alice.get(&grants).await.expect(200);
    let users: Vec<&str> = listed["grants"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|grant| grant["user"].as_str())
        .collect();
    assert_eq!(users, ["alice", "bob"]);
    assert!(listed["next_continuation_token"].is_null());

    team.master
        .post(
            &grants,
            json!({ "user": "ghost", "access": "read", "regrant": false }),
        )
        .await
        .expect_error(404, "NoSuchUser", "ghost");
    team.master
        .post(
            &format!("{buckets}/nothing/grants"),
            json!({ "user": "bob", "access": "read", "regrant": false }),
        )
        .await
        .expect_error(404, "NoSuchBucket", "nothing");
    team.master
        .post(&grants, json!({ "user": "bob", "access": "write" }))
        .await
        .expect_error(400, "InvalidRequest", "write");

    // Bob cannot revoke Alice's grant; revoking Alice's revokes Bob's.
    team.bob
        .delete(&format!("{grants}/alice"))
        .await
        .expect_error(403, "AccessDenied", "bob");
    team.master
        .delete(&format!("{grants}/alice"))
        .await
        .expect(204);
    let listed = team.master.get(&grants).await.expect(200);
    assert_eq!(listed["grants"], json!([]));
    team.master
        .delete(&format!("{grants}/bob"))
        .await
        .expect_error(404, "NoSuchGrant", "bob");
}

#[tokio::test]
async fn release_deletes_account_in_background() {
    let server = Server::start();
    let operator = AdminClient::operator(&server);
    let created = operator.create_account("leaving", "beijing-1", 50).await;
    let id = str_of(&created, "id");
    let key = str_of(&created, "access_key_id");
    let secret = str_of(&created, "secret_access_key");
    let master = operator.as_key(key, secret, "beijing-1");
    let account = format!("/admin/v1/accounts/{id}");

    let s3 = RawClient::new(&server);
    for name in ["one", "two"] {
        s3.put(&format!("/leaving-{name}"), Vec::new())
            .access_key(key)
            .secret_key(secret)
            .send()
            .await
            .assert_success();
        s3.put(&format!("/leaving-{name}/object"), vec![9u8; 2000])
            .access_key(key)
            .secret_key(secret)
            .send()
            .await
            .assert_success();
    }

    master
        .delete(&account)
        .await
        .expect_error(400, "ConfirmationMismatch", "leaving");
    master
        .delete(&format!("{account}?confirm=wrong"))
        .await
        .expect_error(400, "ConfirmationMismatch", "wrong");
    let releasing = master
        .delete(&format!("{account}?confirm=leaving"))
        .await
        .expect(202);
    assert_eq!(releasing["status"], "releasing");
    // The reply is built before the background job starts, so nothing is deleted yet.
    assert_eq!(releasing["release"]["objects_left"], 2, "{releasing}");
    assert_eq!(releasing["release"]["buckets_left"], 2, "{releasing}");

    // Keys stop working at once, on both endpoints.
    master
        .get(&account)
        .await
        .expect_error(401, "Unauthenticated", key);
    s3.get("/leaving-one/object")
        .access_key(key)
        .secret_key(secret)
        .send()
        .await
        .assert_error(403, "InvalidAccessKeyId");

    operator
        .wait_for_status(&account, 404)
        .await
        .expect_error(404, "NoSuchAccount", id);
    let again = operator.create_account("leaving", "beijing-1", 50).await;
    assert_ne!(str_of(&again, "id"), id);
    // The bucket names are free again too.
    let buckets = format!("/admin/v1/accounts/{}/buckets", str_of(&again, "id"));
    operator
        .post(&buckets, json!({ "name": "leaving-one" }))
        .await
        .expect(201);
}

#[tokio::test]
async fn usage_meter_counts_requests() {
    let server = Server::start();
    let operator = AdminClient::operator(&server);
    let id = operator.account_id("default").await;
    let usage = format!("/admin/v1/accounts/{id}/usage");

    let s3 = RawClient::new(&server);
    s3.create_bucket("metered").await;
    s3.put("/metered/a", vec![1u8; 1000])
        .send()
        .await
        .assert_success();
    s3.get("/metered/a").send().await.assert_success();

    // The meter is flushed every few seconds; wait until both classes show.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    let hour = loop {
        let report = operator.get(&usage).await.expect(200);
        let hours = report["hours"].as_array().cloned().unwrap_or_default();
        let last = hours.last().cloned().unwrap_or(Value::Null);
        if last["requests_class_a"].as_u64() >= Some(2)
            && last["requests_class_b"].as_u64() >= Some(1)
        {
            break last;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "requests not metered after 60 s: {report}"
        );
        tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    };
    assert!(hour["bytes_in"].as_u64() >= Some(1000), "{hour}");
    assert!(hour["bytes_out"].as_u64() >= Some(1000), "{hour}");
    assert!(str_of(&hour, "start").ends_with(":00:00Z"), "{hour}");

    let ranged = operator
        .get(&format!(
            "{usage}?from=2020-01-01T00:30:00Z&to=2020-01-02T00:00:00Z"
        ))
        .await
        .expect(200);
    assert_eq!(ranged["from"], "2020-01-01T00:00:00Z");
    assert_eq!(ranged["hours"], json!([]));
    operator
        .get(&format!("{usage}?from=yesterday"))
        .await
        .expect_error(400, "InvalidRequest", "yesterday");
}
