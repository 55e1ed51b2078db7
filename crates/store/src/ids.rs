//! Generation of random identifiers.

use rand::Rng;
use rand::distributions::Uniform;
use zeroize::Zeroizing;

/// Length of an account id.
const ACCOUNT_ID_LEN: usize = 12;
/// Length of an access key id, as on AWS.
const ACCESS_KEY_ID_LEN: usize = 20;
/// Length of a secret access key, as on AWS.
const SECRET_LEN: usize = 40;

const LOWER_ALNUM: &[u8] = b"abcdefghijklmnopqrstuvwxyz0123456789";
const UPPER_ALNUM: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789";
const SECRET_ALPHABET: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+";

fn random_string(alphabet: &[u8], len: usize) -> String {
    let pick = Uniform::from(0..alphabet.len());
    let mut rng = rand::thread_rng();
    (0..len)
        .map(|_| char::from(alphabet[rng.sample(pick)]))
        .collect()
}

/// Returns a new account id: 12 random lowercase letters and digits.
pub(crate) fn account_id() -> String {
    random_string(LOWER_ALNUM, ACCOUNT_ID_LEN)
}

/// Returns a new access key id: 20 random uppercase letters and digits.
pub(crate) fn access_key_id() -> String {
    random_string(UPPER_ALNUM, ACCESS_KEY_ID_LEN)
}

/// Returns a new secret access key: 40 random characters of `[A-Za-z0-9/+]`.
pub(crate) fn secret_key() -> Zeroizing<String> {
    Zeroizing::new(random_string(SECRET_ALPHABET, SECRET_LEN))
}

/// Returns a new blob id: 128 random bits.
pub(crate) fn blob_id() -> [u8; 16] {
    rand::random()
}

/// Returns a new upload id: 32 lowercase hex digits, the first 12 the initiation time in Unix
/// milliseconds and the rest random, so ids sort by initiation time.
pub(crate) fn upload_id(initiated_ms: i64) -> String {
    let time = u64::try_from(initiated_ms).unwrap_or(0) & 0xFFFF_FFFF_FFFF;
    let random: [u8; 10] = rand::random();
    format!("{time:012x}{}", hex::encode(random))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_key_id_shape() {
        let id = access_key_id();
        assert_eq!(id.len(), 20);
        assert!(id.bytes().all(|byte| UPPER_ALNUM.contains(&byte)));
    }

    #[test]
    fn secret_key_shape() {
        let secret = secret_key();
        assert_eq!(secret.len(), 40);
        assert!(secret.bytes().all(|byte| SECRET_ALPHABET.contains(&byte)));
    }

    #[test]
    fn account_id_shape() {
        let id = account_id();
        assert_eq!(id.len(), 12);
        assert!(id.bytes().all(|byte| LOWER_ALNUM.contains(&byte)));
    }

    #[test]
    fn upload_ids_sort_by_time() {
        let earlier = upload_id(1_700_000_000_000);
        let later = upload_id(1_700_000_000_001);
        assert_eq!(earlier.len(), 32);
        assert!(earlier < later);
    }
}
