//! Secret access keys, signing-key derivation and the state kept for chunk signatures.

use std::fmt;

use hmac::{Hmac, Mac};
use sha2::{Digest, Sha256};
use zeroize::Zeroizing;

/// A secret access key.
///
/// Its `Debug` output is redacted, its memory is zeroized on drop, and it has no `Display`
/// or `Serialize`, so it cannot end up in a log line or a response by accident.
#[derive(Clone)]
pub struct SecretKey(Zeroizing<String>);

impl SecretKey {
    /// Wraps a secret access key.
    pub fn new(secret: String) -> Self {
        Self(Zeroizing::new(secret))
    }

    /// Returns the secret itself, for signing or for storing it.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey(..)")
    }
}

/// Computes HMAC-SHA256 of `data` under `key`.
pub(crate) fn hmac_sha256(key: &[u8], data: &[u8]) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC accepts keys of any length");
    mac.update(data);
    mac.finalize().into_bytes().into()
}

/// Returns the lower-case hex SHA-256 digest of `data`.
pub(crate) fn sha256_hex(data: &[u8]) -> String {
    hex::encode(Sha256::digest(data))
}

/// Derives the signing key for one day, region and service:
/// `HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service), "aws4_request")`.
pub(crate) fn derive_signing_key(
    secret: &SecretKey,
    date: &str,
    region: &str,
    service: &str,
) -> Zeroizing<[u8; 32]> {
    let mut seed = Zeroizing::new(Vec::with_capacity(4 + secret.expose().len()));
    seed.extend_from_slice(b"AWS4");
    seed.extend_from_slice(secret.expose().as_bytes());
    let date_key = Zeroizing::new(hmac_sha256(&seed, date.as_bytes()));
    let region_key = Zeroizing::new(hmac_sha256(&*date_key, region.as_bytes()));
    let service_key = Zeroizing::new(hmac_sha256(&*region_key, service.as_bytes()));
    Zeroizing::new(hmac_sha256(&*service_key, b"aws4_request"))
}

/// The state a verified request leaves behind for checking `aws-chunked` signatures.
///
/// Each chunk signature chains on the previous one, starting from the request signature
/// (the seed signature), and is computed with the same signing key, date and scope.
#[derive(Clone)]
pub struct SigningContext {
    signing_key: Zeroizing<[u8; 32]>,
    amz_date: String,
    scope: String,
    seed_signature: String,
}

impl SigningContext {
    pub(crate) fn new(
        signing_key: Zeroizing<[u8; 32]>,
        amz_date: String,
        scope: String,
        seed_signature: String,
    ) -> Self {
        Self {
            signing_key,
            amz_date,
            scope,
            seed_signature,
        }
    }

    /// Returns the request timestamp in ISO 8601 basic format, e.g. `20130524T000000Z`.
    pub fn amz_date(&self) -> &str {
        &self.amz_date
    }

    /// Returns the credential scope, e.g. `20130524/us-east-1/s3/aws4_request`.
    pub fn scope(&self) -> &str {
        &self.scope
    }

    /// Returns the hex signature of the request, which the first chunk signature chains on.
    pub fn seed_signature(&self) -> &str {
        &self.seed_signature
    }

    /// Signs `string_to_sign` with the derived signing key.
    pub(crate) fn sign(&self, string_to_sign: &[u8]) -> [u8; 32] {
        hmac_sha256(&*self.signing_key, string_to_sign)
    }
}

impl fmt::Debug for SigningContext {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SigningContext")
            .field("amz_date", &self.amz_date)
            .field("scope", &self.scope)
            .field("seed_signature", &self.seed_signature)
            .finish_non_exhaustive()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secret_debug_redacted() {
        let secret = SecretKey::new("wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY".to_owned());
        assert_eq!(format!("{secret:?}"), "SecretKey(..)");
    }

    #[test]
    fn secret_expose_returns_value() {
        let secret = SecretKey::new("abc".to_owned());
        assert_eq!(secret.expose(), "abc");
    }

    #[test]
    fn context_debug_hides_key() {
        let key = Zeroizing::new([0xab; 32]);
        let context = SigningContext::new(key, "d".into(), "s".into(), "seed".into());
        let printed = format!("{context:?}");
        assert!(!printed.contains("171"), "{printed}");
        assert!(!printed.contains("abab"), "{printed}");
    }

    #[test]
    fn sha256_hex_of_empty_input() {
        assert_eq!(
            sha256_hex(b""),
            "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
    }
}
