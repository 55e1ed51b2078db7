//! Credential selection of `oss admin`, where the first match wins. First come the flags
//! (`--access-key-id` with `--secret-access-key`, or `--token`, never both kinds), then
//! `OSS_ADMIN_TOKEN`, then `AWS_ACCESS_KEY_ID` with `AWS_SECRET_ACCESS_KEY`, and last the
//! operator token in `<data_dir>/admin.token`.

use std::path::PathBuf;

use anyhow::{Context, bail};
use zeroize::Zeroizing;

/// The credentials a request is sent with.
pub(crate) enum Credentials {
    /// `Authorization: Bearer <token>`.
    Token(Zeroizing<String>),
    /// A SigV4 signature by this key pair.
    KeyPair {
        access_key_id: String,
        secret: Zeroizing<String>,
    },
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Credentials::Token(_) => f.write_str("Token(..)"),
            Credentials::KeyPair { access_key_id, .. } => f
                .debug_struct("KeyPair")
                .field("access_key_id", access_key_id)
                .finish_non_exhaustive(),
        }
    }
}

/// Origin of the credentials, for messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Source {
    Flags,
    TokenEnv,
    AwsEnv,
    TokenFile(PathBuf),
}

/// The credential flags as given on the command line.
#[derive(Debug, Default, Clone)]
pub(crate) struct CredentialFlags {
    pub(crate) token: Option<String>,
    pub(crate) access_key_id: Option<String>,
    pub(crate) secret_access_key: Option<String>,
}

/// Picks the credentials in the documented order. `env` reads an environment variable, and
/// `token_file` finds the operator token file, only when nothing before it matched.
pub(crate) fn resolve(
    flags: &CredentialFlags,
    env: impl Fn(&str) -> Option<String>,
    token_file: impl FnOnce() -> anyhow::Result<PathBuf>,
) -> anyhow::Result<(Credentials, Source)> {
    let has_key_flag = flags.access_key_id.is_some() || flags.secret_access_key.is_some();
    if has_key_flag && flags.token.is_some() {
        bail!(
            "--token and --access-key-id/--secret-access-key were both given; pass one kind of \
             credentials"
        );
    }
    if has_key_flag {
        let (Some(id), Some(secret)) = (&flags.access_key_id, &flags.secret_access_key) else {
            bail!("--access-key-id and --secret-access-key must be given together");
        };
        return Ok((key_pair(id, secret), Source::Flags));
    }
    if let Some(token) = &flags.token {
        return Ok((
            Credentials::Token(Zeroizing::new(token.clone())),
            Source::Flags,
        ));
    }

    let present = |name: &str| env(name).filter(|value| !value.is_empty());
    if let Some(token) = present("OSS_ADMIN_TOKEN") {
        return Ok((Credentials::Token(Zeroizing::new(token)), Source::TokenEnv));
    }
    match (
        present("AWS_ACCESS_KEY_ID"),
        present("AWS_SECRET_ACCESS_KEY"),
    ) {
        (Some(id), Some(secret)) => {
            return Ok((key_pair(&id, &Zeroizing::new(secret)), Source::AwsEnv));
        }
        (Some(_), None) => bail!("AWS_ACCESS_KEY_ID is set but AWS_SECRET_ACCESS_KEY is not"),
        (None, Some(_)) => bail!("AWS_SECRET_ACCESS_KEY is set but AWS_ACCESS_KEY_ID is not"),
        (None, None) => {}
    }

    let path = token_file()?;
    let token = std::fs::read_to_string(&path).with_context(|| {
        format!(
            "no credentials: no --token or --access-key-id flags, no OSS_ADMIN_TOKEN or \
             AWS_ACCESS_KEY_ID variables, and the operator token file {} cannot be read",
            path.display()
        )
    })?;
    let token = Zeroizing::new(token.trim().to_owned());
    if token.is_empty() {
        bail!("the operator token file {} is empty", path.display());
    }
    Ok((Credentials::Token(token), Source::TokenFile(path)))
}

fn key_pair(access_key_id: &str, secret: &str) -> Credentials {
    Credentials::KeyPair {
        access_key_id: access_key_id.to_owned(),
        secret: Zeroizing::new(secret.to_owned()),
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use super::*;

    fn env(pairs: &[(&str, &str)]) -> impl Fn(&str) -> Option<String> {
        let map: HashMap<String, String> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        move |name| map.get(name).cloned()
    }

    fn no_file() -> anyhow::Result<PathBuf> {
        bail!("the token file must not be read")
    }

    fn flags(token: Option<&str>, id: Option<&str>, secret: Option<&str>) -> CredentialFlags {
        CredentialFlags {
            token: token.map(str::to_owned),
            access_key_id: id.map(str::to_owned),
            secret_access_key: secret.map(str::to_owned),
        }
    }

    #[test]
    fn both_flag_kinds_rejected() {
        let given = flags(Some("t"), Some("AK"), Some("SK"));
        let error = resolve(&given, env(&[]), no_file).unwrap_err();
        assert!(error.to_string().contains("both"), "{error}");
    }

    #[test]
    fn key_flags_beat_token_env() {
        let given = flags(None, Some("AK"), Some("SK"));
        let (credentials, source) =
            resolve(&given, env(&[("OSS_ADMIN_TOKEN", "t")]), no_file).unwrap();
        assert_eq!(source, Source::Flags);
        assert!(
            matches!(credentials, Credentials::KeyPair { access_key_id, .. } if access_key_id == "AK")
        );
    }

    #[test]
    fn half_key_flags_rejected() {
        let given = flags(None, Some("AK"), None);
        assert!(resolve(&given, env(&[]), no_file).is_err());
    }

    #[test]
    fn token_env_beats_aws_env() {
        let vars = env(&[
            ("OSS_ADMIN_TOKEN", "t"),
            ("AWS_ACCESS_KEY_ID", "AK"),
            ("AWS_SECRET_ACCESS_KEY", "SK"),
        ]);
        let (credentials, source) = resolve(&CredentialFlags::default(), vars, no_file).unwrap();
        assert_eq!(source, Source::TokenEnv);
        assert!(matches!(credentials, Credentials::Token(token) if token.as_str() == "t"));
    }

    #[test]
    fn aws_env_beats_token_file() {
        let vars = env(&[("AWS_ACCESS_KEY_ID", "AK"), ("AWS_SECRET_ACCESS_KEY", "SK")]);
        let (_, source) = resolve(&CredentialFlags::default(), vars, no_file).unwrap();
        assert_eq!(source, Source::AwsEnv);
    }

    #[test]
    fn token_file_last() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("admin.token");
        std::fs::write(&path, "secret-token\n").unwrap();
        let (credentials, source) =
            resolve(&CredentialFlags::default(), env(&[]), || Ok(path.clone())).unwrap();
        assert_eq!(source, Source::TokenFile(path));
        assert!(
            matches!(credentials, Credentials::Token(token) if token.as_str() == "secret-token")
        );
    }

    #[test]
    fn missing_token_file_names_all_ways() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("admin.token");
        let error = resolve(&CredentialFlags::default(), env(&[]), || Ok(path)).unwrap_err();
        let message = error.to_string();
        assert!(message.contains("OSS_ADMIN_TOKEN"), "{message}");
        assert!(message.contains("--token"), "{message}");
    }
}
