//! Bucket CORS rules: the CORSConfiguration document, its validation, and how a browser's
//! request is matched against the rules.
//!
//! A preflight (`OPTIONS`) request and an actual request that carries `Origin` both get the
//! headers of the first rule that allows the origin and the method. A preflight also needs
//! every header named in `Access-Control-Request-Headers` to be allowed.

use crate::error::{S3Error, S3ErrorCode, S3Result};
use crate::xml::{Element, S3_NAMESPACE, XmlWriter, malformed, parse_document};

/// The maximum number of rules in one configuration, as on AWS.
pub const MAX_CORS_RULES: usize = 100;

/// The largest CORSConfiguration document accepted, in bytes (64 KiB, as on AWS).
pub const MAX_CORS_DOCUMENT_BYTES: u64 = 64 << 10;

/// The maximum length of a rule's `ID`, in characters.
pub const MAX_RULE_ID_LENGTH: usize = 255;

/// The methods a rule may allow.
pub const CORS_METHODS: [&str; 5] = ["GET", "PUT", "POST", "DELETE", "HEAD"];

/// The `Vary` value of every response shaped by CORS rules, so that caches keep responses to
/// different origins apart.
pub const VARY: &str = "Origin, Access-Control-Request-Headers, Access-Control-Request-Method";

/// One rule of a bucket's CORS configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsRule {
    /// The rule's optional identifier.
    pub id: Option<String>,
    /// Origins, each with at most one `*` wildcard.
    pub allowed_origins: Vec<String>,
    /// Methods, each one of [`CORS_METHODS`].
    pub allowed_methods: Vec<String>,
    /// Headers a preflight may request, each with at most one `*`, compared case-insensitively.
    pub allowed_headers: Vec<String>,
    /// Response headers that browser scripts may read.
    pub expose_headers: Vec<String>,
    /// How long a browser may cache the preflight response, in seconds.
    pub max_age_seconds: Option<u32>,
}

impl CorsRule {
    /// Returns the pattern among the allowed origins that matches `origin`, if any.
    fn origin_pattern(&self, origin: &str) -> Option<&str> {
        self.allowed_origins
            .iter()
            .map(String::as_str)
            .find(|pattern| wildcard_match(pattern, origin, false))
    }

    fn allows_method(&self, method: &str) -> bool {
        self.allowed_methods.iter().any(|allowed| allowed == method)
    }

    fn allows_header(&self, header: &str) -> bool {
        self.allowed_headers
            .iter()
            .any(|pattern| wildcard_match(pattern, header, true))
    }
}

/// Matches `text` against `pattern`, where one `*` stands for any run of characters.
fn wildcard_match(pattern: &str, text: &str, ignore_case: bool) -> bool {
    let (pattern, text) = if ignore_case {
        (pattern.to_ascii_lowercase(), text.to_ascii_lowercase())
    } else {
        (pattern.to_owned(), text.to_owned())
    };
    match pattern.split_once('*') {
        None => pattern == text,
        Some((prefix, suffix)) => {
            text.len() >= prefix.len() + suffix.len()
                && text.starts_with(prefix)
                && text.ends_with(suffix)
        }
    }
}

/// A bucket's CORS configuration: the body of GetBucketCors and PutBucketCors.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CorsConfiguration {
    /// The rules, evaluated in order.
    pub rules: Vec<CorsRule>,
}

impl CorsConfiguration {
    /// Renders the document.
    pub fn to_xml(&self) -> String {
        XmlWriter::document("CORSConfiguration", Some(S3_NAMESPACE), |w| {
            for rule in &self.rules {
                w.element("CORSRule", |w| write_rule(w, rule));
            }
        })
    }

    /// Returns the first rule that allows a preflight from `origin` for `method` with the
    /// `requested_headers` (lower-case names from `Access-Control-Request-Headers`).
    pub fn preflight_rule(
        &self,
        origin: &str,
        method: &str,
        requested_headers: &[String],
    ) -> Option<&CorsRule> {
        self.rules.iter().find(|rule| {
            rule.origin_pattern(origin).is_some()
                && rule.allows_method(method)
                && requested_headers
                    .iter()
                    .all(|header| rule.allows_header(header))
        })
    }

    /// Returns the first rule that allows an actual request from `origin` with `method`.
    pub fn request_rule(&self, origin: &str, method: &str) -> Option<&CorsRule> {
        self.rules
            .iter()
            .find(|rule| rule.origin_pattern(origin).is_some() && rule.allows_method(method))
    }
}

fn write_rule(w: &mut XmlWriter, rule: &CorsRule) {
    w.opt_text("ID", rule.id.as_deref());
    for header in &rule.allowed_headers {
        w.text("AllowedHeader", header);
    }
    for method in &rule.allowed_methods {
        w.text("AllowedMethod", method);
    }
    for origin in &rule.allowed_origins {
        w.text("AllowedOrigin", origin);
    }
    for header in &rule.expose_headers {
        w.text("ExposeHeader", header);
    }
    w.opt_value("MaxAgeSeconds", rule.max_age_seconds);
}

/// Splits an `Access-Control-Request-Headers` value into trimmed, lower-case header names.
pub fn parse_requested_headers(value: &str) -> Vec<String> {
    value
        .split(',')
        .map(|name| name.trim().to_ascii_lowercase())
        .filter(|name| !name.is_empty())
        .collect()
}

/// Returns the CORS response headers for a request from `origin` that `rule` allows.
///
/// `requested_headers` is Some for a preflight, whose response echoes the allowed request
/// headers. An origin allowed through the bare `*` pattern gets `Access-Control-Allow-Origin:
/// *`; any other gets its own origin back and `Access-Control-Allow-Credentials: true`.
pub fn response_headers(
    rule: &CorsRule,
    origin: &str,
    requested_headers: Option<&[String]>,
) -> Vec<(&'static str, String)> {
    let mut headers = Vec::new();
    if rule.origin_pattern(origin) == Some("*") {
        headers.push(("access-control-allow-origin", "*".to_owned()));
    } else {
        headers.push(("access-control-allow-origin", origin.to_owned()));
        headers.push(("access-control-allow-credentials", "true".to_owned()));
    }
    headers.push((
        "access-control-allow-methods",
        rule.allowed_methods.join(", "),
    ));
    if let Some(requested) = requested_headers.filter(|requested| !requested.is_empty()) {
        headers.push(("access-control-allow-headers", requested.join(", ")));
    }
    if !rule.expose_headers.is_empty() {
        headers.push((
            "access-control-expose-headers",
            rule.expose_headers.join(", "),
        ));
    }
    if let Some(max_age) = rule.max_age_seconds {
        headers.push(("access-control-max-age", max_age.to_string()));
    }
    headers.push(("vary", VARY.to_owned()));
    headers
}

/// Parses and validates a PutBucketCors body.
///
/// A wrong root, no rules, more than [`MAX_CORS_RULES`] rules, a rule without `AllowedMethod`
/// or `AllowedOrigin`, or a `MaxAgeSeconds` that is not a whole number is `MalformedXML`. A
/// method outside [`CORS_METHODS`], an origin or allowed header with more than one `*`, and an
/// `ID` longer than 255 characters are `InvalidRequest`.
pub fn parse_cors_configuration(body: &[u8]) -> S3Result<CorsConfiguration> {
    let root = parse_document(body, "CORSConfiguration")?;
    let rules = root
        .children_named("CORSRule")
        .map(parse_rule)
        .collect::<S3Result<Vec<_>>>()?;
    if rules.is_empty() {
        return Err(malformed("<CORSConfiguration> has no <CORSRule>"));
    }
    if rules.len() > MAX_CORS_RULES {
        return Err(
            S3Error::new(S3ErrorCode::MalformedXML).with_message(format!(
                "The CORS configuration has {} rules; at most {MAX_CORS_RULES} are allowed.",
                rules.len()
            )),
        );
    }
    Ok(CorsConfiguration { rules })
}

fn parse_rule(element: &Element) -> S3Result<CorsRule> {
    let texts = |name: &str| -> Vec<String> {
        element
            .children_named(name)
            .map(|child| child.text.trim().to_owned())
            .collect()
    };
    let rule = CorsRule {
        id: element.child_text("ID").map(|id| id.trim().to_owned()),
        allowed_origins: texts("AllowedOrigin"),
        allowed_methods: texts("AllowedMethod"),
        allowed_headers: texts("AllowedHeader"),
        expose_headers: texts("ExposeHeader"),
        max_age_seconds: match element.child_text("MaxAgeSeconds").map(str::trim) {
            None => None,
            Some(text) => Some(
                text.parse()
                    .map_err(|_| malformed(format!("bad <MaxAgeSeconds> {text:?}")))?,
            ),
        },
    };
    validate_rule(&rule)?;
    Ok(rule)
}

fn validate_rule(rule: &CorsRule) -> S3Result<()> {
    if rule.allowed_methods.is_empty() || rule.allowed_origins.is_empty() {
        return Err(malformed(
            "<CORSRule> needs at least one <AllowedMethod> and one <AllowedOrigin>",
        ));
    }
    let invalid = |message: String| S3Error::new(S3ErrorCode::InvalidRequest).with_message(message);
    if let Some(method) = rule
        .allowed_methods
        .iter()
        .find(|method| !CORS_METHODS.contains(&method.as_str()))
    {
        return Err(invalid(format!(
            "Found unsupported HTTP method in CORS config. Unsupported method is {method}"
        )));
    }
    if let Some(origin) = rule
        .allowed_origins
        .iter()
        .find(|o| o.matches('*').count() > 1)
    {
        return Err(invalid(format!(
            "AllowedOrigin \"{origin}\" can not have more than one wildcard."
        )));
    }
    if let Some(header) = rule
        .allowed_headers
        .iter()
        .find(|h| h.matches('*').count() > 1)
    {
        return Err(invalid(format!(
            "AllowedHeader \"{header}\" can not have more than one wildcard."
        )));
    }
    if rule
        .id
        .as_ref()
        .is_some_and(|id| id.chars().count() > MAX_RULE_ID_LENGTH)
    {
        return Err(invalid(format!(
            "The ID of a CORS rule must be at most {MAX_RULE_ID_LENGTH} characters long."
        )));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rule(origins: &[&str], methods: &[&str], headers: &[&str]) -> CorsRule {
        let owned = |items: &[&str]| items.iter().map(|s| (*s).to_owned()).collect();
        CorsRule {
            allowed_origins: owned(origins),
            allowed_methods: owned(methods),
            allowed_headers: owned(headers),
            ..CorsRule::default()
        }
    }

    fn code_of(body: &str) -> Option<S3ErrorCode> {
        parse_cors_configuration(body.as_bytes())
            .err()
            .map(|error| error.code())
    }

    fn wrap(rules: &str) -> String {
        format!("<CORSConfiguration>{rules}</CORSConfiguration>")
    }

    const GET_ANY: &str =
        "<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod></CORSRule>";

    #[test]
    fn wildcard_patterns() {
        assert!(wildcard_match("*", "https://a.example", false));
        assert!(wildcard_match(
            "https://*.example",
            "https://a.example",
            false
        ));
        assert!(!wildcard_match(
            "https://*.example",
            "http://a.example",
            false
        ));
        assert!(!wildcard_match(
            "https://*.example",
            "https://example",
            false
        ));
        assert!(wildcard_match("x-amz-*", "X-Amz-Date", true));
        assert!(!wildcard_match(
            "https://A.example",
            "https://a.example",
            false
        ));
    }

    #[test]
    fn document_round_trip() {
        let configuration = CorsConfiguration {
            rules: vec![CorsRule {
                id: Some("web & app".to_owned()),
                expose_headers: vec!["ETag".to_owned()],
                max_age_seconds: Some(3000),
                ..rule(&["https://*.example"], &["GET", "PUT"], &["*"])
            }],
        };
        let xml = configuration.to_xml();
        assert_eq!(
            parse_cors_configuration(xml.as_bytes()).unwrap(),
            configuration
        );
    }

    #[test]
    fn parse_limits() {
        assert_eq!(code_of(&wrap(&GET_ANY.repeat(MAX_CORS_RULES))), None);
        assert_eq!(
            code_of(&wrap(&GET_ANY.repeat(MAX_CORS_RULES + 1))),
            Some(S3ErrorCode::MalformedXML)
        );
    }

    #[test]
    fn parse_errors() {
        let cases = [
            (wrap(""), S3ErrorCode::MalformedXML),
            ("<CORSRule/>".to_owned(), S3ErrorCode::MalformedXML),
            (
                wrap("<CORSRule><AllowedOrigin>*</AllowedOrigin></CORSRule>"),
                S3ErrorCode::MalformedXML,
            ),
            (
                wrap("<CORSRule><AllowedMethod>GET</AllowedMethod></CORSRule>"),
                S3ErrorCode::MalformedXML,
            ),
            (
                wrap(
                    "<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>\
                     <MaxAgeSeconds>soon</MaxAgeSeconds></CORSRule>",
                ),
                S3ErrorCode::MalformedXML,
            ),
            (
                wrap(
                    "<CORSRule><AllowedOrigin>*</AllowedOrigin>\
                     <AllowedMethod>PATCH</AllowedMethod></CORSRule>",
                ),
                S3ErrorCode::InvalidRequest,
            ),
            (
                wrap(
                    "<CORSRule><AllowedOrigin>https://*.*.example</AllowedOrigin>\
                     <AllowedMethod>GET</AllowedMethod></CORSRule>",
                ),
                S3ErrorCode::InvalidRequest,
            ),
            (
                wrap(
                    "<CORSRule><AllowedOrigin>*</AllowedOrigin><AllowedMethod>GET</AllowedMethod>\
                     <AllowedHeader>x-*-*</AllowedHeader></CORSRule>",
                ),
                S3ErrorCode::InvalidRequest,
            ),
        ];
        for (body, code) in cases {
            assert_eq!(code_of(&body), Some(code), "{body}");
        }
    }

    #[test]
    fn preflight_matching() {
        let configuration = CorsConfiguration {
            rules: vec![
                rule(
                    &["https://app.example"],
                    &["PUT"],
                    &["content-type", "x-amz-*"],
                ),
                rule(&["*"], &["GET"], &[]),
            ],
        };
        let headers = parse_requested_headers("Content-Type, X-Amz-Date");
        let put = configuration.preflight_rule("https://app.example", "PUT", &headers);
        assert_eq!(put, Some(&configuration.rules[0]));
        let other_header = parse_requested_headers("authorization");
        assert_eq!(
            configuration.preflight_rule("https://app.example", "PUT", &other_header),
            None
        );
        assert_eq!(
            configuration.preflight_rule("https://evil.example", "PUT", &[]),
            None
        );
        let get = configuration.preflight_rule("https://evil.example", "GET", &[]);
        assert_eq!(get, Some(&configuration.rules[1]));
        assert_eq!(
            configuration.preflight_rule("https://evil.example", "GET", &headers),
            None
        );
    }

    #[test]
    fn response_headers_for_wildcard_origin() {
        let any = rule(&["*"], &["GET", "HEAD"], &[]);
        let headers = response_headers(&any, "https://a.example", None);
        assert!(headers.contains(&("access-control-allow-origin", "*".to_owned())));
        assert!(headers.contains(&("access-control-allow-methods", "GET, HEAD".to_owned())));
        assert!(
            !headers
                .iter()
                .any(|(name, _)| *name == "access-control-allow-credentials")
        );
    }

    #[test]
    fn response_headers_for_named_origin() {
        let named = CorsRule {
            expose_headers: vec!["ETag".to_owned(), "x-amz-request-id".to_owned()],
            max_age_seconds: Some(60),
            ..rule(&["https://a.example"], &["PUT"], &["*"])
        };
        let requested = parse_requested_headers("content-type");
        let headers = response_headers(&named, "https://a.example", Some(&requested));
        let expected = [
            ("access-control-allow-origin", "https://a.example"),
            ("access-control-allow-credentials", "true"),
            ("access-control-allow-headers", "content-type"),
            ("access-control-expose-headers", "ETag, x-amz-request-id"),
            ("access-control-max-age", "60"),
            ("vary", VARY),
        ];
        for (name, value) in expected {
            assert!(
                headers.contains(&(name, value.to_owned())),
                "{name}: {headers:?}"
            );
        }
    }
}
