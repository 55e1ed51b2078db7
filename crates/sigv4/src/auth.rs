//! Parsing of the two places a SigV4 signature can travel: the `Authorization` header and
//! the `X-Amz-*` parameters of a presigned URL.

use time::OffsetDateTime;

use crate::SigV4Error;
use crate::canonical::{ALGORITHM, query_pairs};
use crate::date::{is_scope_date, parse_amz_date};

/// The maximum lifetime of a presigned URL: seven days, as in S3.
pub const MAX_PRESIGNED_EXPIRES_SECS: u64 = 7 * 24 * 60 * 60;

/// The `<access key id>/<yyyymmdd>/<region>/<service>/aws4_request` credential.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CredentialScope {
    /// The access key id that names the secret used for signing.
    pub access_key_id: String,
    /// The signing day, `yyyymmdd` in UTC.
    pub date: String,
    /// The region the client signed for, e.g. `us-east-1`.
    pub region: String,
    /// The service the client signed for, `s3` for this API.
    pub service: String,
}

impl CredentialScope {
    /// Returns the scope part of the credential, `<date>/<region>/<service>/aws4_request`.
    pub fn scope_string(&self) -> String {
        format!(
            "{}/{}/{}/aws4_request",
            self.date, self.region, self.service
        )
    }

    /// Parses `<access key id>/<date>/<region>/<service>/aws4_request`. The region and the
    /// service are not checked here, because only the caller knows which ones it serves.
    fn parse(value: &str) -> Result<Self, String> {
        let fields: Vec<&str> = value.split('/').collect();
        let [access_key_id, date, region, service, terminator] = fields[..] else {
            return Err(format!(
                "credential {value:?} is not <access key id>/<date>/<region>/<service>/aws4_request"
            ));
        };
        if terminator != "aws4_request" {
            return Err(format!("credential {value:?} does not end in aws4_request"));
        }
        if [access_key_id, region, service]
            .iter()
            .any(|field| field.is_empty())
        {
            return Err(format!("credential {value:?} has an empty field"));
        }
        if !is_scope_date(date) {
            return Err(format!("credential date {date:?} is not a yyyymmdd date"));
        }
        Ok(Self {
            access_key_id: access_key_id.to_owned(),
            date: date.to_owned(),
            region: region.to_owned(),
            service: service.to_owned(),
        })
    }
}

/// The contents of a SigV4 `Authorization` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HeaderAuth {
    /// The credential the client signed with.
    pub scope: CredentialScope,
    /// The lower-cased names of the signed headers, in the order the client listed them.
    pub signed_headers: Vec<String>,
    /// The signature, 64 hex digits.
    pub signature: String,
}

/// The SigV4 parameters of a presigned URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryAuth {
    /// The credential from `X-Amz-Credential`.
    pub scope: CredentialScope,
    /// The lower-cased names from `X-Amz-SignedHeaders`, in the order the client listed them.
    pub signed_headers: Vec<String>,
    /// The signature from `X-Amz-Signature`, 64 hex digits.
    pub signature: String,
    /// `X-Amz-Date` as sent, e.g. `20130524T000000Z`.
    pub amz_date: String,
    /// `X-Amz-Date` parsed.
    pub date: OffsetDateTime,
    /// `X-Amz-Expires`: how many seconds after `date` the URL stays valid, 1 to 604800.
    pub expires_secs: u64,
}

/// Splits a `SignedHeaders` value into lower-cased header names.
fn parse_signed_headers(value: &str) -> Result<Vec<String>, String> {
    let names: Vec<String> = value.split(';').map(str::to_ascii_lowercase).collect();
    if names.iter().any(String::is_empty) {
        return Err(format!("signed headers {value:?} contain an empty name"));
    }
    Ok(names)
}

/// Checks that a signature is 64 hex digits.
fn check_signature(value: &str) -> Result<(), String> {
    if value.len() != 64 || !value.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err(format!("signature {value:?} is not 64 hex digits"));
    }
    Ok(())
}

/// Stores `value` in `slot`, rejecting a second occurrence of the same component.
fn set_once<'a>(slot: &mut Option<&'a str>, name: &str, value: &'a str) -> Result<(), String> {
    if slot.replace(value).is_some() {
        return Err(format!("{name} appears more than once"));
    }
    Ok(())
}

/// Parses an `Authorization` header value.
///
/// A scheme other than `AWS4-HMAC-SHA256` (for example `Bearer x` or Signature Version 2's
/// `AWS key:sig`) gives [`SigV4Error::UnsupportedScheme`]. A SigV4 header with missing,
/// repeated, unknown or invalid components gives [`SigV4Error::MalformedHeader`].
pub fn parse_authorization(value: &str) -> Result<HeaderAuth, SigV4Error> {
    let value = value.trim();
    let (scheme, components) = value.split_once([' ', '\t']).unwrap_or((value, ""));
    if scheme != ALGORITHM {
        return Err(SigV4Error::UnsupportedScheme);
    }
    parse_header_components(components).map_err(SigV4Error::MalformedHeader)
}

fn parse_header_components(components: &str) -> Result<HeaderAuth, String> {
    let (mut credential, mut signed_headers, mut signature) = (None, None, None);
    // Clients differ in whether a space follows each comma, so both forms are accepted.
    for component in components.split(',').map(str::trim) {
        let Some((name, value)) = component.split_once('=') else {
            return Err(format!("component {component:?} is not name=value"));
        };
        match name {
            "Credential" => set_once(&mut credential, name, value)?,
            "SignedHeaders" => set_once(&mut signed_headers, name, value)?,
            "Signature" => set_once(&mut signature, name, value)?,
            _ => return Err(format!("unknown component {name:?}")),
        }
    }
    let credential = credential.ok_or("Credential is missing")?;
    let signed_headers = signed_headers.ok_or("SignedHeaders is missing")?;
    let signature = signature.ok_or("Signature is missing")?;
    check_signature(signature)?;
    Ok(HeaderAuth {
        scope: CredentialScope::parse(credential)?,
        signed_headers: parse_signed_headers(signed_headers)?,
        signature: signature.to_owned(),
    })
}

/// The raw `X-Amz-*` values of a presigned URL, decoded but not yet validated.
#[derive(Default)]
struct PresignedParams {
    algorithm: Option<String>,
    credential: Option<String>,
    date: Option<String>,
    expires: Option<String>,
    signed_headers: Option<String>,
    signature: Option<String>,
}

impl PresignedParams {
    fn collect(raw_query: &str) -> Result<Self, String> {
        let mut params = Self::default();
        for (name, value) in query_pairs(raw_query) {
            let slot = match &name[..] {
                b"X-Amz-Algorithm" => &mut params.algorithm,
                b"X-Amz-Credential" => &mut params.credential,
                b"X-Amz-Date" => &mut params.date,
                b"X-Amz-Expires" => &mut params.expires,
                b"X-Amz-SignedHeaders" => &mut params.signed_headers,
                b"X-Amz-Signature" => &mut params.signature,
                _ => continue,
            };
            let name = String::from_utf8_lossy(&name);
            let value = String::from_utf8(value.into_owned())
                .map_err(|_| format!("{name} is not valid UTF-8"))?;
            if slot.replace(value).is_some() {
                return Err(format!("{name} appears more than once"));
            }
        }
        Ok(params)
    }
}

/// Parses the presigned URL parameters from a raw (still percent-encoded) query string.
///
/// Returns `Ok(None)` when there is no `X-Amz-Algorithm` parameter, so the request is not
/// presigned. Missing parameters, an algorithm other than `AWS4-HMAC-SHA256` and an
/// `X-Amz-Expires` outside 1 to 604800 give [`SigV4Error::MalformedQuery`]; an unparsable
/// `X-Amz-Date` gives [`SigV4Error::InvalidDate`].
pub fn parse_presigned(raw_query: &str) -> Result<Option<QueryAuth>, SigV4Error> {
    let params = PresignedParams::collect(raw_query).map_err(SigV4Error::MalformedQuery)?;
    let Some(algorithm) = params.algorithm.as_deref() else {
        return Ok(None);
    };
    if algorithm != ALGORITHM {
        return Err(SigV4Error::MalformedQuery(format!(
            "X-Amz-Algorithm {algorithm:?} is not supported, expected {ALGORITHM}"
        )));
    }
    let missing = |name: &str| SigV4Error::MalformedQuery(format!("{name} is missing"));
    let malformed = SigV4Error::MalformedQuery;
    let credential = params
        .credential
        .ok_or_else(|| missing("X-Amz-Credential"))?;
    let amz_date = params.date.ok_or_else(|| missing("X-Amz-Date"))?;
    let expires = params.expires.ok_or_else(|| missing("X-Amz-Expires"))?;
    let signed_headers = params
        .signed_headers
        .ok_or_else(|| missing("X-Amz-SignedHeaders"))?;
    let signature = params.signature.ok_or_else(|| missing("X-Amz-Signature"))?;

    check_signature(&signature).map_err(malformed)?;
    let expires_secs = parse_expires(&expires).map_err(malformed)?;
    Ok(Some(QueryAuth {
        scope: CredentialScope::parse(&credential).map_err(malformed)?,
        signed_headers: parse_signed_headers(&signed_headers).map_err(malformed)?,
        signature,
        date: parse_amz_date(&amz_date)?,
        amz_date,
        expires_secs,
    }))
}

fn parse_expires(value: &str) -> Result<u64, String> {
    match value.parse::<u64>() {
        Ok(secs @ 1..=MAX_PRESIGNED_EXPIRES_SECS) => Ok(secs),
        _ => Err(format!(
            "X-Amz-Expires {value:?} must be a number of seconds from 1 to {MAX_PRESIGNED_EXPIRES_SECS}"
        )),
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    const SIGNATURE: &str = "fe5f80f77d5fa3beca038a248ff027d0445342fe2855ddc963176630326f1024";

    fn header(components: &str) -> String {
        format!("AWS4-HMAC-SHA256 {components}")
    }

    fn valid_header() -> String {
        header(&format!(
            "Credential=AKIAIOSFODNN7EXAMPLE/20130524/us-east-1/s3/aws4_request, \
             SignedHeaders=host;range;x-amz-date, Signature={SIGNATURE}"
        ))
    }

    fn malformed_reason(result: Result<HeaderAuth, SigV4Error>) -> String {
        match result {
            Err(SigV4Error::MalformedHeader(reason)) => reason,
            other => panic!("expected MalformedHeader, got {other:?}"),
        }
    }

    #[test]
    fn header_parses() {
        let auth = parse_authorization(&valid_header()).unwrap();
        assert_eq!(auth.scope.access_key_id, "AKIAIOSFODNN7EXAMPLE");
        assert_eq!(
            auth.scope.scope_string(),
            "20130524/us-east-1/s3/aws4_request"
        );
        assert_eq!(auth.signed_headers, ["host", "range", "x-amz-date"]);
        assert_eq!(auth.signature, SIGNATURE);
    }

    #[test]
    fn header_without_spaces_parses() {
        let value = valid_header().replace(", ", ",");
        assert!(parse_authorization(&value).is_ok());
    }

    #[test]
    fn header_lowercases_signed_headers() {
        let value = valid_header().replace("host;range", "Host;Range");
        let auth = parse_authorization(&value).unwrap();
        assert_eq!(auth.signed_headers, ["host", "range", "x-amz-date"]);
    }

    #[test]
    fn header_other_schemes_unsupported() {
        for value in [
            "Bearer x",
            "AWS AKIAIOSFODNN7EXAMPLE:abc",
            "",
            "AWS4-ECDSA-P256-SHA256 x",
        ] {
            let result = parse_authorization(value);
            assert_eq!(result, Err(SigV4Error::UnsupportedScheme), "{value:?}");
        }
    }

    #[test]
    fn header_missing_signature() {
        let value = header("Credential=AK/20130524/us-east-1/s3/aws4_request, SignedHeaders=host");
        assert!(malformed_reason(parse_authorization(&value)).contains("Signature"));
    }

    #[test]
    fn header_without_components() {
        let reason = malformed_reason(parse_authorization("AWS4-HMAC-SHA256"));
        assert!(reason.contains("name=value"), "{reason}");
    }

    #[test]
    fn header_repeated_component() {
        let value = format!("{}, Signature={SIGNATURE}", valid_header());
        assert!(malformed_reason(parse_authorization(&value)).contains("more than once"));
    }

    #[test]
    fn header_unknown_component() {
        let value = format!("{}, Extra=1", valid_header());
        assert!(malformed_reason(parse_authorization(&value)).contains("Extra"));
    }

    #[test]
    fn header_short_signature() {
        let value = valid_header().replace(SIGNATURE, "abc");
        assert!(malformed_reason(parse_authorization(&value)).contains("64 hex"));
    }

    #[test]
    fn header_bad_terminator() {
        let value = valid_header().replace("aws4_request", "aws4_reqest");
        assert!(malformed_reason(parse_authorization(&value)).contains("aws4_request"));
    }

    #[test]
    fn header_bad_scope_date() {
        let value = valid_header().replace("/20130524/", "/2013-05-24/");
        assert!(malformed_reason(parse_authorization(&value)).contains("date"));
    }

    #[test]
    fn header_empty_signed_header_name() {
        let value = valid_header().replace("host;range", "host;;range");
        assert!(malformed_reason(parse_authorization(&value)).contains("empty"));
    }

    const PRESIGNED: &str = "X-Amz-Algorithm=AWS4-HMAC-SHA256\
        &X-Amz-Credential=AKIAIOSFODNN7EXAMPLE%2F20130524%2Fus-east-1%2Fs3%2Faws4_request\
        &X-Amz-Date=20130524T000000Z&X-Amz-Expires=86400&X-Amz-SignedHeaders=host\
        &X-Amz-Signature=aeeed9bbccd4d02ee5c0109b86d86835f995330da4c265957d157751f604d404";

    fn query_reason(raw_query: &str) -> String {
        match parse_presigned(raw_query) {
            Err(SigV4Error::MalformedQuery(reason)) => reason,
            other => panic!("expected MalformedQuery, got {other:?}"),
        }
    }

    #[test]
    fn presigned_parses() {
        let auth = parse_presigned(PRESIGNED).unwrap().unwrap();
        assert_eq!(auth.scope.access_key_id, "AKIAIOSFODNN7EXAMPLE");
        assert_eq!(auth.scope.region, "us-east-1");
        assert_eq!(auth.signed_headers, ["host"]);
        assert_eq!(auth.amz_date, "20130524T000000Z");
        assert_eq!(auth.date, datetime!(2013-05-24 0:00 UTC));
        assert_eq!(auth.expires_secs, 86400);
    }

    #[test]
    fn presigned_absent() {
        assert_eq!(parse_presigned("list-type=2&prefix=a"), Ok(None));
    }

    #[test]
    fn presigned_bad_algorithm() {
        let query = PRESIGNED.replace("AWS4-HMAC-SHA256", "AWS4-HMAC-SHA1");
        assert!(query_reason(&query).contains("X-Amz-Algorithm"));
    }

    #[test]
    fn presigned_expires_bounds() {
        assert!(parse_presigned(&PRESIGNED.replace("=86400", "=604800")).is_ok());
        assert!(parse_presigned(&PRESIGNED.replace("=86400", "=1")).is_ok());
        for bad in ["=604801", "=0", "=-1", "=1h", "="] {
            let query = PRESIGNED.replace("=86400", bad);
            assert!(query_reason(&query).contains("X-Amz-Expires"), "{bad}");
        }
    }

    #[test]
    fn presigned_missing_parameters() {
        for name in [
            "X-Amz-Credential",
            "X-Amz-Date",
            "X-Amz-SignedHeaders",
            "X-Amz-Signature",
        ] {
            let query = PRESIGNED.replace(name, "X-Other");
            assert_eq!(query_reason(&query), format!("{name} is missing"));
        }
    }

    #[test]
    fn presigned_repeated_parameter() {
        let query = format!("{PRESIGNED}&X-Amz-Expires=10");
        assert!(query_reason(&query).contains("more than once"));
    }

    #[test]
    fn presigned_bad_date() {
        let query = PRESIGNED.replace("20130524T000000Z", "20130524");
        let result = parse_presigned(&query);
        assert!(
            matches!(result, Err(SigV4Error::InvalidDate(_))),
            "{result:?}"
        );
    }
}
