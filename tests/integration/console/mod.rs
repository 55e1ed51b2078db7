//! The web console over HTTP: a client that keeps cookies like a browser, posts forms with
//! the session's CSRF token and reads values back out of the rendered pages.

mod browser;
mod objects;
mod pages;
mod signin;

use std::collections::BTreeMap;
use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, Method, Request, StatusCode, header};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;

use crate::admin::AdminClient;
use crate::server::Server;

/// Upper bound for one request, so that a hung server fails the test instead of stalling it.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);

/// A response with its body read in full.
#[derive(Debug)]
pub struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Bytes,
}

impl Page {
    /// Returns the body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// Returns the `Location` header of a redirect.
    #[track_caller]
    pub fn location(&self) -> String {
        self.headers
            .get(header::LOCATION)
            .unwrap_or_else(|| panic!("no Location in {} {}", self.status, self.text()))
            .to_str()
            .expect("ASCII location")
            .to_owned()
    }

    /// Asserts the status and returns the body text.
    #[track_caller]
    pub fn expect(&self, status: u16) -> String {
        assert_eq!(
            self.status.as_u16(),
            status,
            "status of page: {}",
            self.text()
        );
        self.text()
    }

    /// Returns the `Set-Cookie` header that sets `name`, if any.
    pub fn set_cookie(&self, name: &str) -> Option<String> {
        self.headers
            .get_all(header::SET_COOKIE)
            .iter()
            .filter_map(|value| value.to_str().ok())
            .find(|value| value.starts_with(&format!("{name}=")))
            .map(str::to_owned)
    }
}

/// A console client that keeps cookies as a browser does.
pub struct ConsoleClient {
    http: Client<HttpConnector, Full<Bytes>>,
    base: String,
    cookies: BTreeMap<String, String>,
    /// The CSRF token of the current session, read from its pages.
    csrf: Option<String>,
}

impl ConsoleClient {
    /// Creates a client without a session.
    pub fn new(server: &Server) -> ConsoleClient {
        ConsoleClient {
            http: Client::builder(TokioExecutor::new()).build_http(),
            base: format!("http://{}", server.admin_addr()),
            cookies: BTreeMap::new(),
            csrf: None,
        }
    }

    /// Sends a request with the cookies kept so far and keeps the cookies it sets.
    pub async fn send(
        &mut self,
        method: Method,
        path: &str,
        body: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> Page {
        let url = format!("{}{path}", self.base);
        let mut builder = Request::builder().method(method.clone()).uri(&url);
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        if !self.cookies.is_empty() {
            let cookie = self
                .cookies
                .iter()
                .map(|(name, value)| format!("{name}={value}"))
                .collect::<Vec<_>>()
                .join("; ");
            builder = builder.header(header::COOKIE, cookie);
        }
        let request = builder
            .body(Full::new(Bytes::from(body)))
            .expect("valid request");
        let response = tokio::time::timeout(REQUEST_TIMEOUT, self.http.request(request))
            .await
            .unwrap_or_else(|_| panic!("{method} {url} timed out"))
            .unwrap_or_else(|error| panic!("{method} {url} failed: {error}"));
        let (parts, body) = response.into_parts();
        let body = body.collect().await.expect("read body").to_bytes();
        let page = Page {
            status: parts.status,
            headers: parts.headers,
            body,
        };
        self.keep_cookies(&page);
        if let Some(token) = meta_content(&page.text(), "csrf-token") {
            self.csrf = Some(token);
        }
        page
    }

    fn keep_cookies(&mut self, page: &Page) {
        for value in page.headers.get_all(header::SET_COOKIE) {
            let text = value.to_str().expect("ASCII cookie");
            let pair = text.split(';').next().unwrap_or_default();
            let Some((name, value)) = pair.split_once('=') else {
                continue;
            };
            if value.is_empty() || text.contains("Max-Age=0") {
                self.cookies.remove(name);
            } else {
                self.cookies.insert(name.to_owned(), value.to_owned());
            }
        }
    }

    /// GET without following redirects.
    pub async fn get(&mut self, path: &str) -> Page {
        self.send(Method::GET, path, Vec::new(), &[]).await
    }

    /// GET, following redirects within the console.
    pub async fn open(&mut self, path: &str) -> Page {
        let mut page = self.get(path).await;
        for _ in 0..5 {
            if !page.status.is_redirection() {
                return page;
            }
            let location = page.location();
            page = self.get(&location).await;
        }
        panic!("too many redirects from {path}");
    }

    /// Posts a form as given, without adding the CSRF token.
    pub async fn post_raw_form(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let body: String = form_urlencoded::Serializer::new(String::new())
            .extend_pairs(fields)
            .finish();
        let content_type = ("content-type", "application/x-www-form-urlencoded");
        self.send(Method::POST, path, body.into_bytes(), &[content_type])
            .await
    }

    /// Posts a form with the session's CSRF token and follows the redirect, as a browser
    /// does; returns the page shown afterwards.
    pub async fn submit(&mut self, path: &str, fields: &[(&str, &str)]) -> Page {
        let token = self.csrf_token();
        let mut all = vec![("csrf_token", token.as_str())];
        all.extend_from_slice(fields);
        let page = self.post_raw_form(path, &all).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "form {path} answered {}: {}",
            page.status,
            page.text()
        );
        let location = page.location();
        self.open(&location).await
    }

    /// Returns the session's CSRF token, read from the last page that carried it.
    #[track_caller]
    pub fn csrf_token(&self) -> String {
        self.csrf
            .clone()
            .expect("a page with a CSRF token was loaded")
    }

    /// Returns the value of a cookie the client keeps.
    pub fn cookie(&self, name: &str) -> Option<&str> {
        self.cookies.get(name).map(String::as_str)
    }

    /// Signs in with a key pair; returns the sign-in response.
    pub async fn sign_in_key(&mut self, access_key_id: &str, secret: &str) -> Page {
        let form = self.get("/").await.text();
        let token = input_value(&form, "signin_token").expect("sign-in form token");
        let fields = [
            ("signin_token", token.as_str()),
            ("kind", "key"),
            ("access_key_id", access_key_id),
            ("secret_access_key", secret),
        ];
        self.post_raw_form("/console/sign-in", &fields).await
    }

    /// Signs in with the operator token; returns the sign-in response.
    pub async fn sign_in_operator(&mut self, operator_token: &str) -> Page {
        let form = self.get("/").await.text();
        let token = input_value(&form, "signin_token").expect("sign-in form token");
        let fields = [
            ("signin_token", token.as_str()),
            ("kind", "operator"),
            ("token", operator_token),
        ];
        self.post_raw_form("/console/sign-in", &fields).await
    }

    /// Signs in with a key pair and loads the start page, asserting success.
    pub async fn signed_in(server: &Server, access_key_id: &str, secret: &str) -> ConsoleClient {
        let mut client = ConsoleClient::new(server);
        let reply = client.sign_in_key(access_key_id, secret).await;
        assert_eq!(
            reply.status,
            StatusCode::SEE_OTHER,
            "sign-in: {}",
            reply.text()
        );
        client.open("/").await.expect(200);
        client
    }

    /// Signs in as the operator and loads the account list, asserting success.
    pub async fn operator(server: &Server) -> ConsoleClient {
        let token = operator_token(server);
        let mut client = ConsoleClient::new(server);
        let reply = client.sign_in_operator(&token).await;
        assert_eq!(
            reply.status,
            StatusCode::SEE_OTHER,
            "sign-in: {}",
            reply.text()
        );
        client.open("/").await.expect(200);
        client
    }

    /// Sends a request of the upload script, with the CSRF header.
    pub async fn script(
        &mut self,
        method: Method,
        path: &str,
        body: Vec<u8>,
        headers: &[(&str, &str)],
    ) -> Page {
        let token = self.csrf_token();
        let mut all = vec![("x-csrf-token", token.as_str())];
        all.extend_from_slice(headers);
        self.send(method, path, body, &all).await
    }
}

/// Reads the operator token of a server.
pub fn operator_token(server: &Server) -> String {
    std::fs::read_to_string(server.data_dir().join("admin.token"))
        .expect("read admin.token")
        .trim()
        .to_owned()
}

/// Returns the id of the `default` account.
pub async fn default_account_id(server: &Server) -> String {
    AdminClient::operator(server).account_id("default").await
}

/// Returns the `content` of `<meta name="{name}" content="…">`.
pub fn meta_content(html: &str, name: &str) -> Option<String> {
    let marker = format!("<meta name=\"{name}\" content=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(unescape(&html[start..end]))
}

/// Returns the value of the first `<input>` whose `name` is `name`.
pub fn input_value(html: &str, name: &str) -> Option<String> {
    let marker = format!("name=\"{name}\" value=\"");
    let start = html.find(&marker)? + marker.len();
    let end = html[start..].find('"')? + start;
    Some(unescape(&html[start..end]))
}

/// Returns a value revealed once in a flash message, by its label.
pub fn revealed(html: &str, label: &str) -> Option<String> {
    let marker = format!(">{label}</label>");
    let after = html.find(&marker)? + marker.len();
    let value_at = html[after..].find("value=\"")? + after + "value=\"".len();
    let end = html[value_at..].find('"')? + value_at;
    Some(unescape(&html[value_at..end]))
}

/// Percent-encodes a query value.
pub fn encode(text: &str) -> String {
    percent_encoding::utf8_percent_encode(text, percent_encoding::NON_ALPHANUMERIC).to_string()
}

/// Undoes the HTML escaping maud applies.
pub fn unescape(text: &str) -> String {
    text.replace("&quot;", "\"")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// Creates a user with a key through the admin API; returns (access key id, secret).
pub async fn user_with_key(admin: &AdminClient, account: &str, user: &str) -> (String, String) {
    admin
        .post(
            &format!("/admin/v1/accounts/{account}/users"),
            serde_json::json!({ "name": user }),
        )
        .await
        .expect(201);
    let key = admin
        .post(
            &format!("/admin/v1/accounts/{account}/keys"),
            serde_json::json!({ "user": user }),
        )
        .await
        .expect(201);
    (
        key["access_key_id"].as_str().expect("key id").to_owned(),
        key["secret_access_key"]
            .as_str()
            .expect("secret")
            .to_owned(),
    )
}
