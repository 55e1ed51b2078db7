//! Sealing of access-key secrets at rest.

use std::fmt;

use chacha20poly1305::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use zeroize::Zeroizing;

use crate::error::{Result, StoreError};

/// Length of the random nonce stored in front of each sealed secret.
const NONCE_LEN: usize = 12;

/// Seals access-key secrets with a 32-byte server key (ChaCha20-Poly1305, random nonce), so a
/// copy of the data directory alone reveals no secret.
///
/// Each secret is bound to its access key id as associated data, so a sealed secret copied onto
/// another key's row fails to unseal instead of granting that key.
#[derive(Clone)]
pub struct Sealer {
    cipher: ChaCha20Poly1305,
}

impl Sealer {
    /// Creates a sealer from the server key.
    pub fn new(key: [u8; 32]) -> Self {
        let key = Zeroizing::new(key);
        Sealer {
            cipher: ChaCha20Poly1305::new(Key::from_slice(key.as_slice())),
        }
    }

    /// Encrypts `secret`, returning the nonce followed by the ciphertext and tag.
    pub(crate) fn seal(&self, access_key_id: &str, secret: &[u8]) -> Vec<u8> {
        let nonce = ChaCha20Poly1305::generate_nonce(&mut OsRng);
        let payload = Payload {
            msg: secret,
            aad: access_key_id.as_bytes(),
        };
        // Encryption with a valid key and nonce only fails for messages beyond the cipher's
        // length limit (256 GiB), far above any secret.
        let ciphertext = self
            .cipher
            .encrypt(&nonce, payload)
            .expect("secret is small enough");
        let mut out = nonce.to_vec();
        out.extend_from_slice(&ciphertext);
        out
    }

    /// Decrypts a value written by [`Sealer::seal`] for the same access key id.
    pub(crate) fn unseal(&self, access_key_id: &str, sealed: &[u8]) -> Result<Zeroizing<String>> {
        let unsealable = || {
            StoreError::Corrupt(format!(
                "secret of access key {access_key_id} does not unseal; is the server key right?"
            ))
        };
        if sealed.len() < NONCE_LEN {
            return Err(unsealable());
        }
        let (nonce, ciphertext) = sealed.split_at(NONCE_LEN);
        let payload = Payload {
            msg: ciphertext,
            aad: access_key_id.as_bytes(),
        };
        let plain = Zeroizing::new(
            self.cipher
                .decrypt(Nonce::from_slice(nonce), payload)
                .map_err(|_| unsealable())?,
        );
        let text = std::str::from_utf8(&plain).map_err(|_| unsealable())?;
        Ok(Zeroizing::new(text.to_string()))
    }
}

impl fmt::Debug for Sealer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Sealer(..)")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seal_round_trips() {
        let sealer = Sealer::new([7; 32]);
        let sealed = sealer.seal("AKID", b"secret");
        assert_eq!(sealer.unseal("AKID", &sealed).unwrap().as_str(), "secret");
    }

    #[test]
    fn unseal_rejects_other_key_id() {
        let sealer = Sealer::new([7; 32]);
        let sealed = sealer.seal("AKID", b"secret");
        assert!(sealer.unseal("OTHER", &sealed).is_err());
    }

    #[test]
    fn unseal_rejects_other_server_key() {
        let sealed = Sealer::new([7; 32]).seal("AKID", b"secret");
        assert!(Sealer::new([8; 32]).unseal("AKID", &sealed).is_err());
    }

    #[test]
    fn sealed_value_hides_plaintext() {
        let sealed = Sealer::new([7; 32]).seal("AKID", b"plainsecret");
        assert!(!sealed.windows(11).any(|window| window == b"plainsecret"));
    }
}
