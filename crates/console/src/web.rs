//! HTTP plumbing of the console: response builders with the security headers every console
//! response carries, cookies, and form and query parsing.

use bytes::Bytes;
use http::header::{self, HeaderMap, HeaderName, HeaderValue};
use http::{Response, StatusCode};
use http_body_util::{BodyExt, Empty, Full, Limited};
use maud::Markup;
use oss_s3::ResponseBody;

/// Largest form body the console reads; its forms hold a few short fields.
pub(crate) const MAX_FORM_BYTES: usize = 64 * 1024;

/// Scripts and styles come only from the console's own static files, never inline, and no
/// other site may frame the console.
const CONTENT_SECURITY_POLICY: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; form-action 'self'; \
     base-uri 'none'; frame-ancestors 'none'";

/// For downloads: the browser must not run or render anything the object holds.
const DOWNLOAD_SECURITY_POLICY: &str = "sandbox; default-src 'none'; frame-ancestors 'none'";

/// Adds the headers every console response carries.
pub(crate) fn add_security_headers(headers: &mut HeaderMap) {
    let fixed = [
        (header::CONTENT_SECURITY_POLICY, CONTENT_SECURITY_POLICY),
        (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        (header::X_FRAME_OPTIONS, "DENY"),
        (header::REFERRER_POLICY, "no-referrer"),
    ];
    for (name, value) in fixed {
        if !headers.contains_key(&name) {
            headers.insert(name, HeaderValue::from_static(value));
        }
    }
}

/// Marks a download so that the browser saves it and renders nothing of it.
pub(crate) fn add_download_headers(headers: &mut HeaderMap, file_name: &str) {
    headers.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(DOWNLOAD_SECURITY_POLICY),
    );
    if let Ok(value) = HeaderValue::from_str(&content_disposition(file_name)) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
}

/// Builds `attachment` with an ASCII fallback name and the RFC 5987 UTF-8 name.
fn content_disposition(file_name: &str) -> String {
    let fallback: String = file_name
        .chars()
        .map(|c| match c {
            ' '..='~' if c != '"' && c != '\\' => c,
            _ => '_',
        })
        .collect();
    let encoded = percent_encoding::utf8_percent_encode(file_name, ATTR_CHAR);
    format!("attachment; filename=\"{fallback}\"; filename*=UTF-8''{encoded}")
}

/// Characters that RFC 5987 `attr-char` leaves unencoded.
const ATTR_CHAR: &percent_encoding::AsciiSet = &percent_encoding::NON_ALPHANUMERIC
    .remove(b'!')
    .remove(b'#')
    .remove(b'$')
    .remove(b'&')
    .remove(b'+')
    .remove(b'-')
    .remove(b'.')
    .remove(b'^')
    .remove(b'_')
    .remove(b'`')
    .remove(b'|')
    .remove(b'~');

/// Returns a body of known bytes.
pub(crate) fn full(data: impl Into<Bytes>) -> ResponseBody {
    Full::new(data.into())
        .map_err(|never| match never {})
        .boxed_unsync()
}

/// Returns an empty body.
pub(crate) fn empty() -> ResponseBody {
    Empty::new().map_err(|never| match never {}).boxed_unsync()
}

/// Builds a response with a body and content type. Console pages change with every action,
/// so no cache keeps them.
pub(crate) fn response(
    status: StatusCode,
    content_type: &'static str,
    body: impl Into<Bytes>,
) -> Response<ResponseBody> {
    let mut response = Response::new(full(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(header::CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    add_security_headers(headers);
    response
}

/// An HTML page.
pub(crate) fn html(status: StatusCode, page: Markup) -> Response<ResponseBody> {
    response(status, "text/html; charset=utf-8", page.into_string())
}

/// A JSON document, for the upload script.
pub(crate) fn json(status: StatusCode, value: &serde_json::Value) -> Response<ResponseBody> {
    response(status, "application/json", value.to_string())
}

/// A JSON error `{"error": {"code", "message"}}`, shaped like the admin API's errors.
pub(crate) fn json_error(status: StatusCode, code: &str, message: &str) -> Response<ResponseBody> {
    json(
        status,
        &serde_json::json!({"error": {"code": code, "message": message}}),
    )
}

/// A `303 See Other` to `location`, the response to every successful form.
pub(crate) fn redirect(location: &str) -> Response<ResponseBody> {
    let mut response = Response::new(empty());
    *response.status_mut() = StatusCode::SEE_OTHER;
    if let Ok(value) = HeaderValue::from_str(location) {
        response.headers_mut().insert(header::LOCATION, value);
    }
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    add_security_headers(response.headers_mut());
    response
}

/// Builds a `Set-Cookie` value for a cookie readable only by the server, sent only with
/// same-site requests, for the whole endpoint. `max_age_secs` of 0 deletes it.
///
/// NOTE: the admin endpoint serves plain HTTP, so the cookie has no `Secure` attribute, which
/// would stop browsers from storing it. Put the endpoint behind TLS for remote use.
pub(crate) fn cookie(name: &str, value: &str, max_age_secs: u64) -> HeaderValue {
    let text = format!("{name}={value}; HttpOnly; SameSite=Strict; Path=/; Max-Age={max_age_secs}");
    HeaderValue::from_str(&text).unwrap_or_else(|_| HeaderValue::from_static(""))
}

/// Adds a `Set-Cookie` header.
pub(crate) fn set_cookie(response: &mut Response<ResponseBody>, value: HeaderValue) {
    response.headers_mut().append(header::SET_COOKIE, value);
}

/// Returns the value of a request cookie.
pub(crate) fn request_cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(found, _)| *found == name)
        .map(|(_, value)| value)
}

/// Name-value pairs of a query string or an `application/x-www-form-urlencoded` body.
#[derive(Debug, Clone, Default)]
pub(crate) struct Form(Vec<(String, String)>);

impl Form {
    /// Parses a query string or form body.
    pub(crate) fn parse(input: &[u8]) -> Form {
        Form(form_urlencoded::parse(input).into_owned().collect())
    }

    /// Returns the first value of a field.
    pub(crate) fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(found, _)| found == name)
            .map(|(_, value)| value.as_str())
    }

    /// Returns the first value of a field, trimmed, or "" when absent.
    pub(crate) fn text(&self, name: &str) -> &str {
        self.get(name).map(str::trim).unwrap_or_default()
    }

    /// Returns whether a checkbox field was sent.
    pub(crate) fn checked(&self, name: &str) -> bool {
        self.get(name).is_some()
    }
}

/// Reason a request body could not be read.
#[derive(Debug)]
pub(crate) struct BodyTooLarge;

/// Reads a whole request body of at most `limit` bytes.
pub(crate) async fn read_body<B>(body: B, limit: usize) -> Result<Bytes, BodyTooLarge>
where
    B: http_body::Body<Data = Bytes>,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    Limited::new(body, limit)
        .collect()
        .await
        .map(|collected| collected.to_bytes())
        .map_err(|_| BodyTooLarge)
}

/// Encodes a value for a query string.
pub(crate) fn query_value(value: &str) -> String {
    form_urlencoded::byte_serialize(value.as_bytes()).collect()
}

/// Returns the header as text, if present and visible ASCII.
pub(crate) fn header_text<'a>(headers: &'a HeaderMap, name: &HeaderName) -> Option<&'a str> {
    headers.get(name).and_then(|value| value.to_str().ok())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cookie_attributes() {
        let value = cookie("oss_session", "abc", 60);
        let text = value.to_str().unwrap();
        assert!(text.starts_with("oss_session=abc;"), "{text}");
        assert!(text.contains("HttpOnly"), "{text}");
        assert!(text.contains("SameSite=Strict"), "{text}");
        assert!(text.contains("Path=/"), "{text}");
        assert!(text.contains("Max-Age=60"), "{text}");
    }

    #[test]
    fn request_cookie_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(header::COOKIE, "a=1; oss_session=xyz; b=2".parse().unwrap());
        assert_eq!(request_cookie(&headers, "oss_session"), Some("xyz"));
        assert_eq!(request_cookie(&headers, "c"), None);
    }

    #[test]
    fn form_decodes_plus_and_percent() {
        let form = Form::parse(b"name=a+b&key=%2Fx%C3%A9&flag=on");
        assert_eq!(form.get("name"), Some("a b"));
        assert_eq!(form.get("key"), Some("/xé"));
        assert!(form.checked("flag"));
        assert!(!form.checked("other"));
    }

    #[test]
    fn disposition_has_ascii_fallback_and_utf8_name() {
        let value = content_disposition("ré \"port\".txt");
        assert_eq!(
            value,
            "attachment; filename=\"r_ _port_.txt\"; filename*=UTF-8''r%C3%A9%20%22port%22.txt"
        );
    }

    #[test]
    fn security_headers_present() {
        let response = html(StatusCode::OK, maud::html! { p { "x" } });
        let headers = response.headers();
        let csp = headers[header::CONTENT_SECURITY_POLICY].to_str().unwrap();
        assert!(csp.contains("frame-ancestors 'none'"), "{csp}");
        assert!(csp.contains("script-src 'self'"), "{csp}");
        assert!(!csp.contains("unsafe-inline"), "{csp}");
        assert_eq!(headers[header::X_CONTENT_TYPE_OPTIONS], "nosniff");
        assert_eq!(headers[header::REFERRER_POLICY], "no-referrer");
        assert_eq!(headers[header::CACHE_CONTROL], "no-store");
    }
}
