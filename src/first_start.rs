//! First start on an empty data directory: the operator token, the `default` account and its
//! credentials file. Later starts change nothing.
//!
//! The files are written before the account is committed, so a crash at any point leaves
//! either no account (the next start repeats everything) or a complete first start.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::OpenOptionsExt;
use std::path::Path;

use anyhow::{Context, bail};
use oss_store::{NewAccount, Store};
use rand::Rng;
use zeroize::Zeroizing;

use crate::config::Config;

/// Name of the account that first start creates.
pub(crate) const DEFAULT_ACCOUNT: &str = "default";
/// Capacity of that account, in capacity units.
pub(crate) const DEFAULT_CAPACITY_GB: u64 = 50;

/// Creates the operator token, the default account and its credentials file if the store has
/// no account yet.
pub(crate) fn ensure(store: &Store, config: &Config) -> anyhow::Result<()> {
    let root_key = root_key_from_env()?;
    if !store.list_accounts(None, 1)?.is_empty() {
        warn_if_root_key_differs(store, root_key.as_ref());
        return Ok(());
    }

    let data_dir = &config.storage.data_dir;
    let token = random_string(b"abcdefghijklmnopqrstuvwxyz0123456789", 48);
    let token_path = data_dir.join("admin.token");
    write_secret_file(&token_path, &format!("{}\n", token.as_str()))?;

    let (access_key_id, secret) = match root_key {
        Some(pair) => pair,
        None => generate_key_pair(),
    };
    let region = &config.accounts.default_region;
    let credentials_path = data_dir.join("credentials");
    let credentials = Zeroizing::new(format!(
        "[default]\naws_access_key_id = {access_key_id}\naws_secret_access_key = {}\nregion = {region}\n",
        secret.as_str()
    ));
    write_secret_file(&credentials_path, &credentials)?;

    store.create_account(NewAccount {
        name: DEFAULT_ACCOUNT.to_owned(),
        region: region.clone(),
        billing: "pay-as-you-go".to_owned(),
        capacity_gb: DEFAULT_CAPACITY_GB,
        access_key: Some((access_key_id.clone(), secret)),
    })?;
    // NOTE: the admin API verifies the operator token against this file until the token is
    // also kept in the metadata store.
    tracing::info!(
        "first start: created the operator token in {}; move it somewhere safe",
        token_path.display()
    );
    tracing::info!(
        "first start: created account {DEFAULT_ACCOUNT:?} in {region} with {DEFAULT_CAPACITY_GB} GB, \
         access key id {access_key_id}; its key pair is in {}; move it somewhere safe",
        credentials_path.display()
    );
    Ok(())
}

/// Reads and validates the key pair from `OSS_ROOT_ACCESS_KEY` and `OSS_ROOT_SECRET_KEY`.
fn root_key_from_env() -> anyhow::Result<Option<(String, Zeroizing<String>)>> {
    let id = std::env::var("OSS_ROOT_ACCESS_KEY").ok();
    let secret = std::env::var("OSS_ROOT_SECRET_KEY")
        .ok()
        .map(Zeroizing::new);
    match (id, secret) {
        (None, None) => Ok(None),
        (Some(id), Some(secret)) => {
            validate_root_key(&id, &secret)?;
            Ok(Some((id, secret)))
        }
        _ => bail!("OSS_ROOT_ACCESS_KEY and OSS_ROOT_SECRET_KEY must be set together"),
    }
}

fn validate_root_key(id: &str, secret: &str) -> anyhow::Result<()> {
    if !(3..=128).contains(&id.len()) || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
        bail!("OSS_ROOT_ACCESS_KEY must be 3 to 128 characters of A-Z, a-z and 0-9");
    }
    if !(8..=128).contains(&secret.len()) || !secret.bytes().all(|b| b.is_ascii_graphic()) {
        bail!("OSS_ROOT_SECRET_KEY must be 8 to 128 printable ASCII characters without spaces");
    }
    Ok(())
}

fn warn_if_root_key_differs(store: &Store, root_key: Option<&(String, Zeroizing<String>)>) {
    let Some((id, secret)) = root_key else {
        return;
    };
    let matches =
        matches!(store.access_key(id), Ok(Some((_, stored))) if stored.as_str() == secret.as_str());
    if !matches {
        tracing::warn!(
            "ignoring OSS_ROOT_ACCESS_KEY and OSS_ROOT_SECRET_KEY: they are read only on first \
             start, and differ from the stored key pair"
        );
    }
}

/// Generates an access key id (20 of A-Z0-9) and secret (40 of A-Za-z0-9/+), as AWS shapes them.
pub(crate) fn generate_key_pair() -> (String, Zeroizing<String>) {
    let id = random_string(b"ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789", 20);
    let secret = random_string(
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789/+",
        40,
    );
    (id.to_string(), secret)
}

fn random_string(alphabet: &[u8], length: usize) -> Zeroizing<String> {
    let mut rng = rand::thread_rng();
    Zeroizing::new(
        (0..length)
            .map(|_| alphabet[rng.gen_range(0..alphabet.len())] as char)
            .collect(),
    )
}

/// Writes a file readable only by its owner, atomically: a temporary file is synced and
/// renamed into place, then the directory is synced.
fn write_secret_file(path: &Path, contents: &str) -> anyhow::Result<()> {
    let dir = path.parent().context("secret file path has no directory")?;
    fs::create_dir_all(dir).with_context(|| format!("failed to create {}", dir.display()))?;
    let temporary = path.with_extension("tmp");
    let _ = fs::remove_file(&temporary);
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(&temporary)
        .with_context(|| format!("failed to create {}", temporary.display()))?;
    file.write_all(contents.as_bytes())?;
    file.sync_all()?;
    fs::rename(&temporary, path).with_context(|| format!("failed to write {}", path.display()))?;
    fs::File::open(dir)?.sync_all()?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_keys_have_aws_shapes() {
        let (id, secret) = generate_key_pair();
        assert_eq!(id.len(), 20);
        assert!(
            id.bytes()
                .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
        );
        assert_eq!(secret.len(), 40);
        assert!(validate_root_key(&id, &secret).is_ok());
    }

    #[test]
    fn root_key_rules() {
        assert!(validate_root_key("ab", "secret123").is_err());
        assert!(validate_root_key("abc", "secret123").is_ok());
        assert!(validate_root_key("ab-c", "secret123").is_err());
        assert!(validate_root_key("abc", "short").is_err());
        assert!(validate_root_key("abc", "has space").is_err());
        assert!(validate_root_key(&"a".repeat(129), "secret123").is_err());
    }
}
