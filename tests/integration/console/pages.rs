//! Every page with the right data for the master, a sub-user and the operator, and the
//! same authorization as the admin API.

use http::StatusCode;
use serde_json::json;

use super::{ConsoleClient, default_account_id, revealed, user_with_key};
use crate::admin::AdminClient;
use crate::server::{Options, Server};

#[tokio::test]
async fn master_pages_render() {
    let server = Server::start();
    let credentials = server.credentials().clone();
    let account = default_account_id(&server).await;
    let admin = AdminClient::operator(&server);
    admin
        .post(
            &format!("/admin/v1/accounts/{account}/buckets"),
            json!({"name": "photos"}),
        )
        .await
        .expect(201);
    let mut client =
        ConsoleClient::signed_in(&server, &credentials.access_key, &credentials.secret_key).await;
    let base = format!("/console/accounts/{account}");

    let overview = client.open(&base).await.expect(200);
    assert!(overview.contains("50 GB"), "capacity: {overview}");
    assert!(overview.contains("beijing-1"), "region: {overview}");
    assert!(overview.contains("pay-as-you-go"), "billing: {overview}");
    assert!(
        overview.contains(r#"<svg class="bar""#),
        "capacity bar: {overview}"
    );
    assert!(
        overview.contains("Requests per day"),
        "request chart: {overview}"
    );
    assert!(
        overview.contains("Average stored size per day"),
        "size chart: {overview}"
    );

    let access = client.open(&format!("{base}/access")).await.expect(200);
    assert!(access.contains(&server.endpoint()), "endpoint: {access}");
    assert!(
        access.contains("[profile oss-default]"),
        "aws-cli profile: {access}"
    );
    assert!(access.contains("type = s3"), "rclone: {access}");
    assert!(access.contains("boto3.client("), "boto3: {access}");
    assert!(access.contains("s3fs &lt;bucket&gt;"), "s3fs: {access}");
    assert!(
        access.contains(&credentials.access_key),
        "key id filled in: {access}"
    );
    assert!(
        !access.contains(&credentials.secret_key),
        "secret on the access page"
    );

    let buckets = client.open(&format!("{base}/buckets")).await.expect(200);
    assert!(buckets.contains(">photos</a>"), "{buckets}");
    assert!(buckets.contains("Create a bucket"), "{buckets}");

    let users = client.open(&format!("{base}/users")).await.expect(200);
    assert!(users.contains("master"), "{users}");

    let keys = client.open(&format!("{base}/keys")).await.expect(200);
    assert!(keys.contains(&credentials.access_key), "{keys}");
    assert!(keys.contains("this session"), "current key marked: {keys}");
    assert!(!keys.contains(&credentials.secret_key), "secret listed");

    let capacity = client.open(&format!("{base}/capacity")).await.expect(200);
    assert!(
        capacity.contains("Allowed: 1 to 4046 GB"),
        "expand range: {capacity}"
    );
    assert!(
        capacity.contains("Shrinking is not possible now"),
        "50 GB cannot shrink: {capacity}"
    );

    let operator_only = client.get("/console/accounts").await;
    assert_eq!(
        operator_only.status,
        StatusCode::FORBIDDEN,
        "{}",
        operator_only.text()
    );
}

#[tokio::test]
async fn operator_activates_account() {
    let server = Server::start();
    let mut client = ConsoleClient::operator(&server).await;
    let list = client.open("/console/accounts").await.expect(200);
    assert!(list.contains(">default</a>"), "{list}");

    let page = client
        .submit(
            "/console/accounts",
            &[
                ("name", "acme"),
                ("region", "beijing-3"),
                ("capacity_gb", "100"),
                ("billing", "pay-as-you-go"),
            ],
        )
        .await;
    let html = page.expect(200);
    assert!(
        html.contains("Account &quot;acme&quot; is active"),
        "{html}"
    );
    assert!(html.contains("shown only this once"), "warning: {html}");
    let key = revealed(&html, "Access key id").expect("key id shown");
    let secret = revealed(&html, "Secret access key").expect("secret shown");
    assert!(
        html.contains(r#"data-copy="reveal-0-2""#),
        "copy button: {html}"
    );

    // Shown once: reloading the page does not show the secret again.
    let again = client.open("/console/accounts").await.expect(200);
    assert!(!again.contains(&secret), "secret shown twice");
    assert!(again.contains(">acme</a>"), "{again}");

    // The new key signs in; the operator opens the account's pages too.
    let mut owner = ConsoleClient::signed_in(&server, &key, &secret).await;
    let overview = owner.open("/").await.expect(200);
    assert!(overview.contains("100 GB"), "{overview}");
    assert!(overview.contains("beijing-3"), "{overview}");
    let id = AdminClient::operator(&server).account_id("acme").await;
    let as_operator = client
        .open(&format!("/console/accounts/{id}"))
        .await
        .expect(200);
    assert!(as_operator.contains("100 GB"), "{as_operator}");

    let refused = client
        .submit(
            "/console/accounts",
            &[
                ("name", "too-big"),
                ("region", "beijing-1"),
                ("capacity_gb", "5000"),
                ("billing", "pay-as-you-go"),
            ],
        )
        .await
        .expect(200);
    assert!(refused.contains("CapacityOutOfRange"), "{refused}");
    assert!(refused.contains("5000"), "{refused}");
}

#[tokio::test]
async fn sub_user_sees_granted_only() {
    let server = Server::start();
    let admin = AdminClient::operator(&server);
    let account = default_account_id(&server).await;
    for bucket in ["shared", "private"] {
        admin
            .post(
                &format!("/admin/v1/accounts/{account}/buckets"),
                json!({"name": bucket}),
            )
            .await
            .expect(201);
    }
    let (key, secret) = user_with_key(&admin, &account, "alice").await;
    admin
        .post(
            &format!("/admin/v1/accounts/{account}/buckets/shared/grants"),
            json!({"user": "alice", "access": "read"}),
        )
        .await
        .expect(201);

    let mut client = ConsoleClient::signed_in(&server, &key, &secret).await;
    let base = format!("/console/accounts/{account}");
    let home = client.get("/").await;
    assert_eq!(home.location(), format!("{base}/buckets"));
    let buckets = client.open(&format!("{base}/buckets")).await.expect(200);
    assert!(buckets.contains(">shared</a>"), "{buckets}");
    assert!(
        !buckets.contains("private"),
        "ungranted bucket listed: {buckets}"
    );
    assert!(!buckets.contains("Create a bucket"), "{buckets}");
    assert!(
        !buckets.contains(&format!("{base}/users")),
        "users tab shown: {buckets}"
    );

    // The admin API denies these to a sub-user, and so does the console.
    for page in ["", "/users", "/capacity"] {
        let reply = client.get(&format!("{base}{page}")).await;
        assert_eq!(
            reply.status,
            StatusCode::FORBIDDEN,
            "{page}: {}",
            reply.text()
        );
    }
    let private = client.get(&format!("{base}/buckets/private")).await;
    assert_eq!(private.status, StatusCode::NOT_FOUND);
    let browse = client.get(&format!("{base}/buckets/private/objects")).await;
    assert_eq!(browse.status, StatusCode::FORBIDDEN, "{}", browse.text());
    let create = client
        .submit(&format!("{base}/buckets"), &[("name", "mine")])
        .await;
    assert!(create.text().contains("AccessDenied"), "{}", create.text());
    let delete = client
        .submit(
            &format!("{base}/buckets/shared/delete"),
            &[("force", "true")],
        )
        .await;
    assert!(delete.text().contains("AccessDenied"), "{}", delete.text());
    let other = client.get("/console/accounts/someoneelse/buckets").await;
    assert_eq!(other.status, StatusCode::FORBIDDEN);

    // Without regrant, the grants stay hidden and granting is denied.
    let shared = client
        .open(&format!("{base}/buckets/shared"))
        .await
        .expect(200);
    assert!(
        shared.contains("Only the master and users holding"),
        "{shared}"
    );
    let grant = client
        .submit(
            &format!("{base}/buckets/shared/grants"),
            &[("user", "master"), ("access", "read")],
        )
        .await;
    assert!(grant.text().contains("flash error"), "{}", grant.text());

    // Keys: only its own.
    let keys = client.open(&format!("{base}/keys")).await.expect(200);
    assert!(keys.contains(&key), "{keys}");
    assert!(
        !keys.contains(&server.credentials().access_key),
        "master key listed: {keys}"
    );
}

#[tokio::test]
async fn grants_made_and_revoked() {
    let server = Server::start();
    let admin = AdminClient::operator(&server);
    let account = default_account_id(&server).await;
    admin
        .post(
            &format!("/admin/v1/accounts/{account}/buckets"),
            json!({"name": "team"}),
        )
        .await
        .expect(201);
    let (alice_key, alice_secret) = user_with_key(&admin, &account, "alice").await;
    admin
        .post(
            &format!("/admin/v1/accounts/{account}/users"),
            json!({"name": "bob"}),
        )
        .await
        .expect(201);
    let credentials = server.credentials().clone();
    let mut master =
        ConsoleClient::signed_in(&server, &credentials.access_key, &credentials.secret_key).await;
    let bucket = format!("/console/accounts/{account}/buckets/team");

    let page = master
        .submit(
            &format!("{bucket}/grants"),
            &[
                ("user", "alice"),
                ("access", "read-write"),
                ("regrant", "on"),
            ],
        )
        .await
        .expect(200);
    assert!(
        page.contains("User &quot;alice&quot; now holds read-write"),
        "{page}"
    );
    assert!(
        page.contains(r#"<option value="bob">"#),
        "user picker: {page}"
    );

    // alice has regrant, so she gets the grants and passes on read to bob.
    let mut alice = ConsoleClient::signed_in(&server, &alice_key, &alice_secret).await;
    let page = alice
        .submit(
            &format!("{bucket}/grants"),
            &[("user", "bob"), ("access", "read")],
        )
        .await
        .expect(200);
    assert!(
        page.contains("User &quot;bob&quot; now holds read"),
        "{page}"
    );
    let to_herself = alice
        .submit(
            &format!("{bucket}/grants"),
            &[("user", "alice"), ("access", "read")],
        )
        .await
        .expect(200);
    assert!(to_herself.contains("flash error"), "{to_herself}");

    // alice may revoke only the grant she made, so only bob's row offers it.
    let page = alice.open(&bucket).await.expect(200);
    assert!(
        page.contains(&format!(r#"action="{bucket}/grants/bob/delete""#)),
        "{page}"
    );
    assert!(
        !page.contains(&format!(r#"action="{bucket}/grants/alice/delete""#)),
        "{page}"
    );

    // The master gets bob's grant, made by alice, and revoking alice's revokes bob's.
    let page = master.open(&bucket).await.expect(200);
    assert!(
        page.contains("<td data-label=\"Granted by\">alice</td>"),
        "{page}"
    );
    let page = master
        .submit(&format!("{bucket}/grants/alice/delete"), &[])
        .await
        .expect(200);
    assert!(page.contains("and 1 grant(s) made from it"), "{page}");
    let grants = admin
        .get(&format!("/admin/v1/accounts/{account}/buckets/team/grants"))
        .await
        .expect(200);
    assert_eq!(grants["grants"].as_array().unwrap().len(), 0, "{grants}");
}

#[tokio::test]
async fn users_and_keys_managed() {
    let server = Server::start();
    let account = default_account_id(&server).await;
    let credentials = server.credentials().clone();
    let mut master =
        ConsoleClient::signed_in(&server, &credentials.access_key, &credentials.secret_key).await;
    let base = format!("/console/accounts/{account}");

    let page = master
        .submit(&format!("{base}/users"), &[("name", "dave")])
        .await;
    assert!(
        page.text().contains("User &quot;dave&quot; created."),
        "{}",
        page.text()
    );
    let bad = master
        .submit(&format!("{base}/users"), &[("name", "no spaces")])
        .await;
    assert!(bad.text().contains("InvalidRequest"), "{}", bad.text());

    let page = master
        .submit(&format!("{base}/keys"), &[("user", "dave")])
        .await;
    let html = page.expect(200);
    let key = revealed(&html, "Access key id").expect("key shown");
    let secret = revealed(&html, "Secret access key").expect("secret shown");
    let again = master.open(&format!("{base}/keys")).await.expect(200);
    assert!(again.contains(&key), "{again}");
    assert!(!again.contains(&secret), "secret shown twice");

    // dave signs in with the new key; deleting it ends his session.
    let mut dave = ConsoleClient::signed_in(&server, &key, &secret).await;
    let page = master
        .submit(&format!("{base}/keys/{key}/delete"), &[])
        .await
        .expect(200);
    assert!(
        page.contains(&format!("Access key {key} deleted.")),
        "{page}"
    );
    let ended = dave.get(&format!("{base}/keys")).await;
    assert_eq!(ended.status, StatusCode::SEE_OTHER);

    let page = master
        .submit(&format!("{base}/users/dave/delete"), &[])
        .await
        .expect(200);
    assert!(page.contains("User &quot;dave&quot; deleted"), "{page}");
    let master_delete = master
        .submit(&format!("{base}/users/master/delete"), &[])
        .await
        .expect(200);
    assert!(master_delete.contains("flash error"), "{master_delete}");
}

#[tokio::test]
async fn capacity_dialogs() {
    // 1 MiB units keep the used bytes small against the capacity.
    let server = Server::start_with(Options {
        env: vec![(
            "OSS_ACCOUNTS_CAPACITY_UNIT_BYTES".to_owned(),
            "1048576".to_owned(),
        )],
        ..Options::default()
    });
    let account = default_account_id(&server).await;
    let credentials = server.credentials().clone();
    let mut master =
        ConsoleClient::signed_in(&server, &credentials.access_key, &credentials.secret_key).await;
    let capacity = format!("/console/accounts/{account}/capacity");

    let page = master
        .submit(&format!("{capacity}/expand"), &[("gb", "30")])
        .await
        .expect(200);
    assert!(page.contains("The capacity is now 80 GB."), "{page}");
    assert!(page.contains("Allowed: 1 to 30 GB"), "shrink range: {page}");
    assert!(
        page.contains("Allowed: 1 to 4016 GB"),
        "expand range: {page}"
    );

    let page = master
        .submit(&format!("{capacity}/shrink"), &[("gb", "40")])
        .await
        .expect(200);
    assert!(page.contains("CapacityOutOfRange"), "{page}");
    let page = master
        .submit(&format!("{capacity}/expand"), &[("gb", "5000")])
        .await
        .expect(200);
    assert!(page.contains("CapacityOutOfRange"), "{page}");
    let page = master
        .submit(&format!("{capacity}/shrink"), &[("gb", "10")])
        .await
        .expect(200);
    assert!(page.contains("The capacity is now 70 GB."), "{page}");
}

#[tokio::test]
async fn release_until_gone() {
    let server = Server::start();
    let admin = AdminClient::operator(&server);
    let created = admin.create_account("doomed", "beijing-1", 50).await;
    let account = created["id"].as_str().unwrap().to_owned();
    admin
        .post(
            &format!("/admin/v1/accounts/{account}/buckets"),
            json!({"name": "doomed-data"}),
        )
        .await
        .expect(201);
    let key = created["access_key_id"].as_str().unwrap();
    let secret = created["secret_access_key"].as_str().unwrap();
    let mut master = ConsoleClient::signed_in(&server, key, secret).await;
    let base = format!("/console/accounts/{account}");

    let wrong = master
        .submit(&format!("{base}/release"), &[("confirm", "not-it")])
        .await
        .expect(200);
    assert!(wrong.contains("ConfirmationMismatch"), "{wrong}");

    let token = master.csrf_token();
    let started = master
        .post_raw_form(
            &format!("{base}/release"),
            &[("csrf_token", token.as_str()), ("confirm", "doomed")],
        )
        .await;
    assert_eq!(started.status, StatusCode::SEE_OTHER);
    assert_eq!(started.location(), format!("{base}/release"));

    // The progress page reloads itself until the account is gone; then the session ends
    // with word of the release.
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
    loop {
        let page = master.get(&format!("{base}/release")).await;
        if page.status == StatusCode::SEE_OTHER {
            assert_eq!(page.location(), "/?session=released");
            let signin = master.get(&page.location()).await.expect(200);
            assert!(signin.contains("The account has been released"), "{signin}");
            break;
        }
        let html = page.expect(200);
        assert!(html.contains("is being released"), "{html}");
        assert!(
            page.headers.contains_key("refresh"),
            "progress page reloads"
        );
        assert!(
            std::time::Instant::now() < deadline,
            "release still running after 60 s"
        );
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    admin
        .get(&format!("/admin/v1/accounts/{account}"))
        .await
        .expect_error(404, "NoSuchAccount", &account);

    let mut operator = ConsoleClient::operator(&server).await;
    let gone = operator.open(&format!("{base}/release")).await.expect(200);
    assert!(gone.contains("has been released"), "{gone}");
}
