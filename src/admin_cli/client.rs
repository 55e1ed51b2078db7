//! The HTTP client of `oss admin`: JSON requests to the admin endpoint, authenticated with the
//! operator token or signed with SigV4.

use std::time::Duration;

use anyhow::{Context, bail};
use bytes::Bytes;
use http::{HeaderMap, HeaderValue, Method, Request, StatusCode, Uri, header};
use http_body_util::{BodyExt, Full};
use hyper_util::client::legacy::Client as HyperClient;
use hyper_util::client::legacy::connect::HttpConnector;
use hyper_util::rt::TokioExecutor;
use oss_sigv4::{RequestParts, SecretKey, SigningParams};
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use super::auth::Credentials;

/// Upper bound for one request, so that a hung server does not hang the command.
const REQUEST_TIMEOUT: Duration = Duration::from_secs(60);
/// The service name in the SigV4 credential scope; the admin endpoint takes any.
const SIGNING_SERVICE: &str = "admin";
/// The region signed for when neither `--region` nor `AWS_REGION` names one. A wrong guess
/// costs one round trip: the server names the right region and the request is signed again.
const FALLBACK_REGION: &str = "beijing-1";
/// Header in which the server names the region to sign for.
const REGION_HINT_HEADER: &str = "x-oss-region";

/// A response: status and body.
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) body: Bytes,
}

/// A client for one admin endpoint with one set of credentials.
pub(crate) struct AdminClient {
    http: HyperClient<HttpConnector, Full<Bytes>>,
    endpoint: Uri,
    credentials: Credentials,
    region: String,
}

impl AdminClient {
    /// Creates a client; `endpoint` is an `http://host:port` URL.
    pub(crate) fn new(
        endpoint: &str,
        credentials: Credentials,
        region: Option<String>,
    ) -> anyhow::Result<AdminClient> {
        let endpoint: Uri = endpoint
            .trim_end_matches('/')
            .parse()
            .with_context(|| format!("invalid admin endpoint URL {endpoint:?}"))?;
        match endpoint.scheme_str() {
            Some("http") => {}
            Some(other) => bail!(
                "admin endpoint {endpoint} uses {other}; the admin endpoint speaks plain http"
            ),
            None => bail!("admin endpoint {endpoint} needs a scheme, as in http://127.0.0.1:9001"),
        }
        if endpoint.authority().is_none() {
            bail!("admin endpoint {endpoint} names no host");
        }
        Ok(AdminClient {
            http: HyperClient::builder(TokioExecutor::new()).build_http(),
            endpoint,
            credentials,
            region: region.unwrap_or_else(|| FALLBACK_REGION.to_owned()),
        })
    }

    /// Sends a request with an optional JSON body. `path_and_query` must be percent-encoded.
    pub(crate) async fn send(
        &mut self,
        method: Method,
        path_and_query: &str,
        body: Option<&serde_json::Value>,
    ) -> anyhow::Result<Reply> {
        let body = match body {
            Some(value) => Bytes::from(serde_json::to_vec(value)?),
            None => Bytes::new(),
        };
        let reply = self.send_once(&method, path_and_query, &body).await?;
        // A key pair signed for the wrong region gets the right one named; sign again once.
        if reply.0.status == StatusCode::UNAUTHORIZED
            && let Some(region) = reply.1
            && region != self.region
            && matches!(self.credentials, Credentials::KeyPair { .. })
        {
            self.region = region;
            return Ok(self.send_once(&method, path_and_query, &body).await?.0);
        }
        Ok(reply.0)
    }

    /// Sends one request; returns the reply and the region hint, if the server sent one.
    async fn send_once(
        &self,
        method: &Method,
        path_and_query: &str,
        body: &Bytes,
    ) -> anyhow::Result<(Reply, Option<String>)> {
        let uri: Uri = format!(
            "{}{path_and_query}",
            self.endpoint.to_string().trim_end_matches('/')
        )
        .parse()
        .with_context(|| format!("invalid request path {path_and_query:?}"))?;
        let mut headers = HeaderMap::new();
        let authority = self
            .endpoint
            .authority()
            .map(ToString::to_string)
            .unwrap_or_default();
        headers.insert(header::HOST, HeaderValue::from_str(&authority)?);
        if !body.is_empty() {
            headers.insert(
                header::CONTENT_TYPE,
                HeaderValue::from_static("application/json"),
            );
        }
        self.authorize(method, &uri, &mut headers, body)?;

        let mut request = Request::builder()
            .method(method.clone())
            .uri(uri.clone())
            .body(Full::new(body.clone()))?;
        *request.headers_mut() = headers;
        let response = tokio::time::timeout(REQUEST_TIMEOUT, self.http.request(request))
            .await
            .with_context(|| format!("{method} {uri} timed out after {REQUEST_TIMEOUT:?}"))?
            .with_context(|| format!("{method} {uri} failed; is `oss serve` running there?"))?;
        let status = response.status();
        let hint = response
            .headers()
            .get(REGION_HINT_HEADER)
            .and_then(|value| value.to_str().ok())
            .map(str::to_owned);
        let body = response.into_body().collect().await?.to_bytes();
        Ok((Reply { status, body }, hint))
    }

    /// Adds the `Authorization` header and, for SigV4, `x-amz-date` and `x-amz-content-sha256`.
    fn authorize(
        &self,
        method: &Method,
        uri: &Uri,
        headers: &mut HeaderMap,
        body: &Bytes,
    ) -> anyhow::Result<()> {
        match &self.credentials {
            Credentials::Token(token) => {
                let value = HeaderValue::from_str(&format!("Bearer {}", token.as_str()))
                    .context("the operator token contains characters a header cannot carry")?;
                headers.insert(header::AUTHORIZATION, value);
            }
            Credentials::KeyPair {
                access_key_id,
                secret,
            } => {
                let secret = SecretKey::new(secret.as_str().to_owned());
                let params = SigningParams {
                    access_key_id,
                    secret: &secret,
                    region: &self.region,
                    service: SIGNING_SERVICE,
                    now: OffsetDateTime::now_utc(),
                };
                let parts = RequestParts {
                    method: method.as_str(),
                    raw_path: uri.path(),
                    raw_query: uri.query().unwrap_or(""),
                    headers,
                };
                let payload_hash = hex::encode(Sha256::digest(body));
                for (name, value) in oss_sigv4::sign_request(&parts, &payload_hash, &params) {
                    headers.insert(
                        header::HeaderName::from_bytes(name.as_bytes())?,
                        HeaderValue::from_str(&value)?,
                    );
                }
            }
        }
        Ok(())
    }
}
