//! Callers of the admin API: the operator, or a user of an account.
//!
//! A request proves its caller in one of three ways, tried in this order. The first is an
//! `Authorization: Bearer` header with the operator token, the second an `Authorization`
//! header signed with SigV4 by an access key. The third is a session cookie that a web
//! console issued after sign-in. The console
//! plugs its session table in through [`SessionResolver`] and signs callers in with
//! [`Authenticator::verify_operator_token`] and [`Authenticator::verify_key_pair`].

use std::sync::Arc;

use http::HeaderMap;
use oss_sigv4::{RequestParts, SecretKey, SigV4Error};
use oss_store::{Account, AccountStatus, MASTER_USER, Store};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use time::OffsetDateTime;

use crate::error::{AdminError, ErrorCode};

/// Name of the cookie that carries a console session id.
pub const SESSION_COOKIE: &str = "oss_session";

/// The authenticated caller of an admin operation.
#[derive(Debug, Clone)]
pub enum Principal {
    /// The holder of the operator token: may call every operation.
    Operator,
    /// A user of an account, the master or a sub-user.
    User(UserPrincipal),
}

/// A user of an account acting through one of its access keys or a console session.
#[derive(Debug, Clone)]
pub struct UserPrincipal {
    /// The user's account, as it was when the request arrived.
    pub account: Account,
    /// The user name; the master user is [`MASTER_USER`].
    pub user: String,
}

impl UserPrincipal {
    /// Returns whether the user is its account's master.
    pub fn is_master(&self) -> bool {
        self.user == MASTER_USER
    }
}

impl Principal {
    /// Describes the caller for error messages, such as `user "alice" of account "k2x…"`.
    pub fn describe(&self) -> String {
        match self {
            Principal::Operator => "the operator".to_owned(),
            Principal::User(user) => {
                format!("user {:?} of account {:?}", user.user, user.account.id)
            }
        }
    }
}

/// Looks up console sessions: the seam where a web console's session table plugs in.
pub trait SessionResolver: Send + Sync {
    /// Returns the principal of a live session, or None for an unknown or expired id.
    fn resolve(&self, session_id: &str) -> Option<Principal>;
}

/// The parts of a request that authentication reads.
#[derive(Debug, Clone, Copy)]
pub struct RequestCredentials<'a> {
    /// Request method.
    pub method: &'a str,
    /// Path as sent, still percent-encoded.
    pub raw_path: &'a str,
    /// Query as sent, still percent-encoded, without `?`.
    pub raw_query: &'a str,
    /// Request headers.
    pub headers: &'a HeaderMap,
    /// The whole request body, hashed when `x-amz-content-sha256` is absent.
    pub body: &'a [u8],
}

/// Resolves the principal of a request.
#[derive(Clone)]
pub struct Authenticator {
    store: Store,
    /// SHA-256 of the operator token, compared in constant time.
    operator_token_digest: [u8; 32],
    sessions: Option<Arc<dyn SessionResolver>>,
}

impl Authenticator {
    /// Creates an authenticator that accepts `operator_token` and the access keys in `store`.
    pub fn new(store: Store, operator_token: &str) -> Authenticator {
        Authenticator {
            store,
            operator_token_digest: Sha256::digest(operator_token.trim().as_bytes()).into(),
            sessions: None,
        }
    }

    /// Also accepts the session cookie, resolved by `sessions`.
    pub fn with_sessions(mut self, sessions: Arc<dyn SessionResolver>) -> Authenticator {
        self.sessions = Some(sessions);
        self
    }

    /// Returns whether `token` is the operator token. Both sides are hashed first, so the
    /// comparison takes the same time whatever the token's length and content.
    pub fn verify_operator_token(&self, token: &str) -> bool {
        let digest: [u8; 32] = Sha256::digest(token.trim().as_bytes()).into();
        digest[..].ct_eq(&self.operator_token_digest[..]).into()
    }

    /// Returns the user of an access key if `secret` is its secret and its account is active,
    /// for a console sign-in form.
    pub async fn verify_key_pair(
        &self,
        access_key_id: &str,
        secret: &str,
    ) -> Result<Principal, AdminError> {
        let (principal, stored) = self.lookup_key(access_key_id).await?;
        let given = Sha256::digest(secret.as_bytes());
        let expected = Sha256::digest(stored.expose().as_bytes());
        let matches: bool = given.as_slice().ct_eq(expected.as_slice()).into();
        if !matches {
            return Err(AdminError::unauthenticated(format!(
                "the secret does not match access key {access_key_id:?}"
            )));
        }
        Ok(Principal::User(principal))
    }

    /// Authenticates a request: `Authorization` header first, then the session cookie.
    pub async fn authenticate(
        &self,
        request: &RequestCredentials<'_>,
    ) -> Result<Principal, AdminError> {
        if let Some(value) = request.headers.get(http::header::AUTHORIZATION) {
            let value = value.to_str().map_err(|_| {
                AdminError::unauthenticated("the Authorization header is not visible ASCII")
            })?;
            if let Some(token) = strip_bearer(value) {
                return match self.verify_operator_token(token) {
                    true => Ok(Principal::Operator),
                    false => Err(AdminError::unauthenticated(
                        "the bearer token is not the operator token",
                    )),
                };
            }
            return self.authenticate_sigv4(request, value).await;
        }
        if let (Some(sessions), Some(session_id)) =
            (&self.sessions, session_cookie(request.headers))
        {
            let principal = sessions.resolve(session_id).ok_or_else(|| {
                AdminError::unauthenticated("the session has expired or is unknown; sign in again")
            })?;
            check_same_origin_write(request)?;
            return Ok(principal);
        }
        Err(AdminError::unauthenticated(
            "no credentials: send Authorization: Bearer <operator token>, or sign the request \
             with SigV4 using an access key",
        ))
    }

    async fn authenticate_sigv4(
        &self,
        request: &RequestCredentials<'_>,
        header: &str,
    ) -> Result<Principal, AdminError> {
        let auth = oss_sigv4::parse_authorization(header).map_err(|error| match error {
            SigV4Error::UnsupportedScheme => AdminError::unauthenticated(
                "unsupported Authorization scheme; use Bearer with the operator token or \
                 AWS4-HMAC-SHA256",
            ),
            other => AdminError::unauthenticated(other.to_string()),
        })?;
        let access_key_id = &auth.scope.access_key_id;
        let (principal, secret) = self.lookup_key(access_key_id).await?;

        // The body hash: the declared one must match the body, and an absent one is computed.
        let body_hash = hex::encode(Sha256::digest(request.body));
        if let Some(declared) = request.headers.get("x-amz-content-sha256") {
            let declared = declared.to_str().unwrap_or_default();
            if !declared.eq_ignore_ascii_case(&body_hash) {
                return Err(AdminError::unauthenticated(format!(
                    "x-amz-content-sha256 {declared:?} is not the SHA-256 of the body; the \
                     admin API takes only a hex digest of the whole body, or no header"
                )));
            }
        }
        let parts = RequestParts {
            method: request.method,
            raw_path: request.raw_path,
            raw_query: request.raw_query,
            headers: request.headers,
        };
        let now = OffsetDateTime::now_utc();
        oss_sigv4::verify_header(&parts, &auth, &secret, &body_hash, now).map_err(|error| {
            AdminError::unauthenticated(format!(
                "signature check failed for access key {access_key_id:?}: {error}"
            ))
        })?;

        // Checked after the signature, so only a holder of the secret learns the region.
        let region = &principal.account.region;
        if auth.scope.region != *region {
            return Err(AdminError::unauthenticated(format!(
                "the request is signed for region {:?}, but access key {access_key_id:?} \
                 belongs to an account in region {region:?}; sign for {region:?}",
                auth.scope.region
            ))
            .with_region_hint(region.clone()));
        }
        Ok(Principal::User(principal))
    }

    /// Finds the user and secret of an access key of an active account.
    async fn lookup_key(
        &self,
        access_key_id: &str,
    ) -> Result<(UserPrincipal, SecretKey), AdminError> {
        let store = self.store.clone();
        let id = access_key_id.to_owned();
        let found = tokio::task::spawn_blocking(move || {
            let Some((key, secret)) = store.access_key(&id)? else {
                return Ok(None);
            };
            let account = store.account(&key.account_id)?;
            Ok::<_, oss_store::StoreError>(account.map(|account| (account, key.user, secret)))
        })
        .await
        .map_err(|error| AdminError::new(ErrorCode::InternalError, error.to_string()))?
        .map_err(|error| AdminError::new(ErrorCode::InternalError, error.to_string()))?;
        match found {
            Some((account, user, secret)) if account.status == AccountStatus::Active => {
                let secret = SecretKey::new(secret.as_str().to_owned());
                Ok((UserPrincipal { account, user }, secret))
            }
            Some(_) => Err(AdminError::unauthenticated(format!(
                "access key {access_key_id:?} belongs to an account that is being released"
            ))),
            None => Err(AdminError::unauthenticated(format!(
                "access key {access_key_id:?} does not exist"
            ))),
        }
    }
}

/// Returns the token of a `Bearer` authorization, matching the scheme case-insensitively.
fn strip_bearer(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    scheme.eq_ignore_ascii_case("bearer").then(|| token.trim())
}

/// Rejects a change sent with a session cookie unless it is JSON from a page of this endpoint.
///
/// Browsers attach the cookie to requests from pages on another port of the same host, because
/// SameSite compares hosts only. Such a page may post a form or `text/plain` body directly, but
/// `application/json` only after a CORS preflight, and this endpoint grants none. The
/// `Origin` and `Sec-Fetch-Site` headers, when present, must also name this endpoint.
fn check_same_origin_write(request: &RequestCredentials<'_>) -> Result<(), AdminError> {
    if matches!(request.method, "GET" | "HEAD") {
        return Ok(());
    }
    let headers = request.headers;
    let header = |name: http::header::HeaderName| {
        headers
            .get(name)
            .map(|value| value.to_str().unwrap_or_default())
    };
    let denied = |reason: &str| {
        Err(AdminError::new(
            ErrorCode::AccessDenied,
            format!("a change authenticated by the console session cookie {reason}"),
        ))
    };
    let media_type = header(http::header::CONTENT_TYPE)
        .and_then(|value| value.split(';').next())
        .map(str::trim);
    if !media_type.is_some_and(|media_type| media_type.eq_ignore_ascii_case("application/json")) {
        return denied("must have Content-Type: application/json");
    }
    if let Some(origin) = header(http::header::ORIGIN) {
        let origin_host = origin
            .strip_prefix("http://")
            .or_else(|| origin.strip_prefix("https://"));
        let host = header(http::header::HOST);
        if origin_host.is_none() || origin_host != host {
            return denied(&format!(
                "must come from a page of this endpoint; Origin is {origin:?}"
            ));
        }
    }
    if let Some(site) = headers.get("sec-fetch-site") {
        let site = site.to_str().unwrap_or_default();
        if site != "same-origin" && site != "none" {
            return denied(&format!(
                "must come from a page of this endpoint; Sec-Fetch-Site is {site:?}"
            ));
        }
    }
    Ok(())
}

/// Returns the value of the session cookie, if the request has one.
fn session_cookie(headers: &HeaderMap) -> Option<&str> {
    headers
        .get_all(http::header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(name, _)| *name == SESSION_COOKIE)
        .map(|(_, value)| value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bearer_scheme_any_case() {
        assert_eq!(strip_bearer("Bearer abc"), Some("abc"));
        assert_eq!(strip_bearer("bearer  abc "), Some("abc"));
        assert_eq!(strip_bearer("AWS4-HMAC-SHA256 Credential=x"), None);
        assert_eq!(strip_bearer("Bearer"), None);
    }

    #[test]
    fn session_cookie_found_among_others() {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::COOKIE,
            "theme=dark; oss_session=s123; x=y".parse().unwrap(),
        );
        assert_eq!(session_cookie(&headers), Some("s123"));
        headers.insert(http::header::COOKIE, "other=1".parse().unwrap());
        assert_eq!(session_cookie(&headers), None);
    }
}
