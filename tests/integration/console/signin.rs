//! Sign-in, cookies, CSRF and the end of sessions.

use http::{Method, StatusCode, header};

use super::{ConsoleClient, default_account_id, input_value, operator_token};
use crate::admin::AdminClient;
use crate::server::Server;

#[tokio::test]
async fn signin_page_without_session() {
    let server = Server::start();
    let mut client = ConsoleClient::new(&server);
    let page = client.get("/").await;
    let html = page.expect(200);
    assert!(html.starts_with("<!DOCTYPE html>"), "{html}");
    assert!(
        html.contains(r#"<form class="card stack" method="post" action="/console/sign-in">"#),
        "{html}"
    );
    assert!(html.contains(r#"name="access_key_id""#), "{html}");
    assert!(html.contains(r#"name="secret_access_key""#), "{html}");
    assert!(html.contains(r#"name="token""#), "operator form: {html}");

    let headers = &page.headers;
    let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
    assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
    assert!(csp.contains("script-src 'self'"), "{csp}");
    assert!(!csp.contains("unsafe-inline"), "{csp}");
    assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
    assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
    assert!(!html.contains("<script>"), "inline script in {html}");

    let style = client.get("/console/static/console.css").await;
    assert_eq!(style.status, StatusCode::OK);
    assert!(
        style.headers[header::CONTENT_TYPE]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let script = client.get("/console/static/console.js").await;
    assert_eq!(script.status, StatusCode::OK);
}

#[tokio::test]
async fn master_session_cookie() {
    let server = Server::start();
    let credentials = server.credentials().clone();
    let mut client = ConsoleClient::new(&server);
    let reply = client
        .sign_in_key(&credentials.access_key, &credentials.secret_key)
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let cookie = reply.set_cookie("oss_session").expect("session cookie set");
    assert!(cookie.contains("HttpOnly"), "{cookie}");
    assert!(cookie.contains("SameSite=Strict"), "{cookie}");
    assert!(cookie.contains("Path=/"), "{cookie}");
    assert!(cookie.contains("Max-Age="), "expiring: {cookie}");
    let value = cookie
        .split(';')
        .next()
        .unwrap()
        .trim_start_matches("oss_session=");
    assert!(value.len() >= 40, "session id too short: {cookie}");
    assert!(
        !reply.location().contains(value),
        "session id in the redirect URL"
    );

    let account = default_account_id(&server).await;
    let home = client.get("/").await;
    assert_eq!(home.status, StatusCode::SEE_OTHER);
    assert_eq!(home.location(), format!("/console/accounts/{account}"));
    let overview = client.open("/").await.expect(200);
    assert!(overview.contains("<h1>Overview</h1>"), "{overview}");
    assert!(overview.contains("default"), "{overview}");
    assert!(
        overview.contains(&credentials.access_key),
        "session key named in the top bar: {overview}"
    );
    assert!(
        !overview.contains(&credentials.secret_key),
        "secret on a page"
    );
}

#[tokio::test]
async fn wrong_secret_rejected() {
    let server = Server::start();
    let credentials = server.credentials().clone();
    let mut client = ConsoleClient::new(&server);
    let reply = client
        .sign_in_key(&credentials.access_key, "wrong-secret")
        .await;
    let html = reply.expect(401);
    assert!(html.contains("Sign-in failed"), "{html}");
    assert!(
        reply.set_cookie("oss_session").is_none(),
        "no session on failure"
    );
    let unknown = client.sign_in_key("NOSUCHKEY", "whatever").await;
    assert_eq!(unknown.status, StatusCode::UNAUTHORIZED);
    let operator = client.sign_in_operator("not-the-token").await;
    assert_eq!(operator.status, StatusCode::UNAUTHORIZED);
    assert!(operator.set_cookie("oss_session").is_none());
    let page = client.get("/console/accounts").await;
    assert_eq!(page.status, StatusCode::SEE_OTHER, "pages need a session");
    assert_eq!(page.location(), "/");
}

#[tokio::test]
async fn signin_form_token_required() {
    let server = Server::start();
    let credentials = server.credentials().clone();
    // A form posted from another site carries no sign-in cookie.
    let mut client = ConsoleClient::new(&server);
    let fields = [
        ("signin_token", "forged"),
        ("kind", "key"),
        ("access_key_id", credentials.access_key.as_str()),
        ("secret_access_key", credentials.secret_key.as_str()),
    ];
    let reply = client.post_raw_form("/console/sign-in", &fields).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN, "{}", reply.text());
    assert!(reply.set_cookie("oss_session").is_none());

    // A cookie without the matching field fails too.
    let form = client.get("/").await.text();
    assert!(input_value(&form, "signin_token").is_some());
    let reply = client.post_raw_form("/console/sign-in", &fields).await;
    assert_eq!(reply.status, StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn csrf_rejected_on_forms_and_scripts() {
    let server = Server::start();
    let credentials = server.credentials().clone();
    let account = default_account_id(&server).await;
    let mut client =
        ConsoleClient::signed_in(&server, &credentials.access_key, &credentials.secret_key).await;
    let buckets = format!("/console/accounts/{account}/buckets");

    let missing = client
        .post_raw_form(&buckets, &[("name", "no-token")])
        .await;
    assert_eq!(missing.status, StatusCode::FORBIDDEN, "{}", missing.text());
    let wrong = client
        .post_raw_form(
            &buckets,
            &[("name", "wrong-token"), ("csrf_token", "forged")],
        )
        .await;
    assert_eq!(wrong.status, StatusCode::FORBIDDEN);
    let sign_out = client.post_raw_form("/console/sign-out", &[]).await;
    assert_eq!(
        sign_out.status,
        StatusCode::FORBIDDEN,
        "sign-out needs the token"
    );

    let admin = AdminClient::operator(&server);
    let listed = admin
        .get(&format!("/admin/v1/accounts/{account}/buckets"))
        .await
        .expect(200);
    assert_eq!(listed["buckets"].as_array().unwrap().len(), 0, "{listed}");

    let upload = format!("/console/accounts/{account}/buckets/any/upload?key=a");
    let script = client
        .send(
            Method::PUT,
            &upload,
            b"data".to_vec(),
            &[("x-csrf-token", "forged")],
        )
        .await;
    assert_eq!(script.status, StatusCode::FORBIDDEN, "{}", script.text());

    // The same form with the token works.
    let page = client.submit(&buckets, &[("name", "with-token")]).await;
    let html = page.expect(200);
    assert!(
        html.contains("Bucket &quot;with-token&quot; created."),
        "{html}"
    );
}

#[tokio::test]
async fn sign_out_ends_session() {
    let server = Server::start();
    let credentials = server.credentials().clone();
    let mut client =
        ConsoleClient::signed_in(&server, &credentials.access_key, &credentials.secret_key).await;
    let old_session = client.cookie("oss_session").unwrap().to_owned();
    let token = client.csrf_token();
    let reply = client
        .post_raw_form("/console/sign-out", &[("csrf_token", token.as_str())])
        .await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER);
    let cleared = reply.set_cookie("oss_session").expect("cookie cleared");
    assert!(cleared.contains("Max-Age=0"), "{cleared}");
    assert!(client.cookie("oss_session").is_none());

    // The old id no longer works, in the console or in the JSON API.
    let mut replay = ConsoleClient::new(&server);
    replay
        .send(
            Method::GET,
            "/",
            Vec::new(),
            &[("cookie", &format!("oss_session={old_session}"))],
        )
        .await
        .expect(200);
    let account = default_account_id(&server).await;
    let api = replay
        .send(
            Method::GET,
            &format!("/admin/v1/accounts/{account}"),
            Vec::new(),
            &[("cookie", &format!("oss_session={old_session}"))],
        )
        .await;
    assert_eq!(api.status, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn api_accepts_session_cookie() {
    let server = Server::start();
    let credentials = server.credentials().clone();
    let account = default_account_id(&server).await;
    let mut client =
        ConsoleClient::signed_in(&server, &credentials.access_key, &credentials.secret_key).await;
    let reply = client.get(&format!("/admin/v1/accounts/{account}")).await;
    let body = reply.expect(200);
    assert!(body.contains("\"name\":\"default\""), "{body}");
    let denied = client.get("/admin/v1/accounts").await;
    assert_eq!(
        denied.status,
        StatusCode::FORBIDDEN,
        "master may not list accounts"
    );
}

#[tokio::test]
async fn deleted_key_ends_session() {
    let server = Server::start();
    let admin = AdminClient::operator(&server);
    let account = default_account_id(&server).await;
    let (key, secret) = super::user_with_key(&admin, &account, "carol").await;
    let mut client = ConsoleClient::signed_in(&server, &key, &secret).await;
    client
        .get(&format!("/console/accounts/{account}/keys"))
        .await
        .expect(200);

    admin
        .delete(&format!("/admin/v1/accounts/{account}/keys/{key}"))
        .await
        .expect(204);
    let page = client
        .get(&format!("/console/accounts/{account}/keys"))
        .await;
    assert_eq!(page.status, StatusCode::SEE_OTHER);
    assert_eq!(page.location(), "/?session=ended");
    let html = client.open("/?session=ended").await.expect(200);
    assert!(html.contains("Your session has ended"), "{html}");
}

#[tokio::test]
async fn operator_token_sign_in() {
    let server = Server::start();
    let token = operator_token(&server);
    let mut client = ConsoleClient::new(&server);
    let reply = client.sign_in_operator(&format!("{token}\n")).await;
    assert_eq!(reply.status, StatusCode::SEE_OTHER, "{}", reply.text());
    let home = client.get("/").await;
    assert_eq!(home.location(), "/console/accounts");
    let html = client.open("/").await.expect(200);
    assert!(html.contains("Signed in as the operator"), "{html}");
    assert!(!html.contains(&token), "operator token on a page");
}

/// The session cookie authenticates changes on the JSON API only as same-origin JSON. A page
/// on another port of the same host, such as an HTML object on the S3 endpoint, also gets the
/// cookie, and could otherwise post a form or plain text.
#[tokio::test]
async fn cookie_changes_need_same_origin_json() {
    let server = Server::start();
    let mut client = ConsoleClient::operator(&server).await;
    let accounts = "/admin/v1/accounts";
    let account = |name: &str| {
        format!(
            r#"{{"name":"{name}","region":"beijing-1","capacity_gb":50,"billing":"pay-as-you-go"}}"#
        )
        .into_bytes()
    };
    let host = server.admin_addr().to_string();
    let same_origin = format!("http://{host}");
    let s3_origin = format!("http://{}", server.s3_addr());

    for (content_type, origin, site) in [
        ("text/plain", None, None),
        ("application/x-www-form-urlencoded", None, None),
        ("multipart/form-data; boundary=x", None, None),
        ("application/json", Some(s3_origin.as_str()), None),
        ("application/json", Some("null"), None),
        ("application/json", None, Some("same-site")),
        ("application/json", None, Some("cross-site")),
    ] {
        let mut headers = vec![("content-type", content_type)];
        if let Some(origin) = origin {
            headers.push(("origin", origin));
        }
        if let Some(site) = site {
            headers.push(("sec-fetch-site", site));
        }
        let reply = client
            .send(Method::POST, accounts, account("cross"), &headers)
            .await;
        let body = reply.expect(403);
        assert!(
            body.contains("AccessDenied"),
            "{content_type} {origin:?}: {body}"
        );
    }
    let listed = client.get(accounts).await.expect(200);
    assert!(
        !listed.contains("\"cross\""),
        "a refused change took effect: {listed}"
    );

    // Reads need no such proof, and JSON from the endpoint's own origin goes through.
    let created = client
        .send(
            Method::POST,
            accounts,
            account("same"),
            &[
                ("content-type", "application/json"),
                ("origin", same_origin.as_str()),
                ("sec-fetch-site", "same-origin"),
            ],
        )
        .await;
    created.expect(201);
    let plain = client
        .send(
            Method::POST,
            accounts,
            account("plain-json"),
            &[("content-type", "application/json; charset=utf-8")],
        )
        .await;
    plain.expect(201);

    // The operator token in a header is not a cookie; its requests need no such proof.
    let token = operator_token(&server);
    let bearer = format!("Bearer {token}");
    let mut bare = ConsoleClient::new(&server);
    let reply = bare
        .send(
            Method::POST,
            accounts,
            account("bearer"),
            &[
                ("authorization", bearer.as_str()),
                ("content-type", "text/plain"),
            ],
        )
        .await;
    reply.expect(201);
}
