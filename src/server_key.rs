//! The server key file: 32 random bytes, hex-encoded, that seal access-key secrets at rest.

use std::fs::{self, OpenOptions};
use std::io::Write;
use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
use std::path::Path;

use anyhow::{Context, bail};

/// Loads the server key. A missing file is created (mode 0600) only while `data_dir` contains no
/// metadata yet, because existing secrets were sealed with the lost key and a new one cannot
/// open them.
pub(crate) fn load_or_create(path: &Path, data_dir: &Path) -> anyhow::Result<[u8; 32]> {
    match fs::read_to_string(path) {
        Ok(text) => {
            warn_if_readable_by_others(path);
            parse(&text).with_context(|| format!("invalid server key file {}", path.display()))
        }
        Err(error) if error.kind() == std::io::ErrorKind::NotFound => {
            if data_dir.join("meta").exists() {
                bail!(
                    "server key file {} not found, but {} already contains data sealed with a                      server key; restore the key file or set security.key_file to its path",
                    path.display(),
                    data_dir.display()
                );
            }
            create(path)
        }
        Err(error) => {
            Err(error).with_context(|| format!("failed to read server key file {}", path.display()))
        }
    }
}

fn parse(text: &str) -> anyhow::Result<[u8; 32]> {
    let bytes = hex::decode(text.trim()).context("the key is not hex")?;
    match <[u8; 32]>::try_from(bytes.as_slice()) {
        Ok(key) => Ok(key),
        Err(_) => bail!(
            "the key must be 32 bytes (64 hex digits), found {} bytes",
            bytes.len()
        ),
    }
}

fn create(path: &Path) -> anyhow::Result<[u8; 32]> {
    if let Some(parent) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        fs::create_dir_all(parent)
            .with_context(|| format!("failed to create directory {}", parent.display()))?;
    }
    let key: [u8; 32] = rand::random();
    let mut file = OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
        .with_context(|| format!("failed to create server key file {}", path.display()))?;
    file.write_all(format!("{}\n", hex::encode(key)).as_bytes())?;
    file.sync_all()?;
    tracing::info!(
        "created the server key {}; keep it with the data directory's backups but not inside it",
        path.display()
    );
    Ok(key)
}

fn warn_if_readable_by_others(path: &Path) {
    if let Ok(metadata) = fs::metadata(path) {
        let mode = metadata.permissions().mode();
        if mode & 0o077 != 0 {
            tracing::warn!(
                "server key file {} has mode {:o}; restrict it with chmod 600",
                path.display(),
                mode & 0o777
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn created_once_then_loaded() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("keys/oss.key");
        let data_dir = dir.path().join("data");
        let first = load_or_create(&path, &data_dir).unwrap();
        let second = load_or_create(&path, &data_dir).unwrap();
        assert_eq!(first, second);
        let mode = fs::metadata(&path).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600);
    }

    #[test]
    fn short_key_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("oss.key");
        fs::write(&path, "abcd\n").unwrap();
        let error = load_or_create(&path, dir.path()).unwrap_err();
        assert!(format!("{error:#}").contains("32 bytes"), "{error:#}");
    }

    #[test]
    fn missing_key_with_data_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let data_dir = dir.path().join("data");
        fs::create_dir_all(data_dir.join("meta")).unwrap();
        let path = dir.path().join("oss.key");
        let error = load_or_create(&path, &data_dir).unwrap_err();
        assert!(
            format!("{error:#}").contains("restore the key file"),
            "{error:#}"
        );
        assert!(!path.exists());
    }
}
