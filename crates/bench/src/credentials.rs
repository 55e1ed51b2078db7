//! Access keys, read from an AWS shared-credentials file or given directly.

use std::path::Path;

use anyhow::{Context, bail};
use ini::Ini;
use oss_sigv4::SecretKey;

/// An access key pair and, when the credentials file names one, its region.
#[derive(Debug, Clone)]
pub struct Credentials {
    /// The access key id, sent in every signature's credential scope.
    pub access_key_id: String,
    /// The secret access key.
    pub secret: SecretKey,
    /// The `region` of the profile, if it has one.
    pub region: Option<String>,
}

impl Credentials {
    /// Reads `profile` from an AWS shared-credentials file such as `~/.aws/credentials`.
    pub fn from_file(path: &Path, profile: &str) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("failed to read the credentials file {}", path.display()))?;
        Self::parse(&text, profile)
            .with_context(|| format!("invalid credentials file {}", path.display()))
    }

    /// Parses the text of a shared-credentials file and returns the keys of `profile`.
    pub fn parse(text: &str, profile: &str) -> anyhow::Result<Self> {
        let file = Ini::load_from_str(text)?;
        let Some(section) = file.section(Some(profile)) else {
            bail!("profile [{profile}] is missing");
        };
        let field = |name: &str| {
            section
                .get(name)
                .map(str::trim)
                .filter(|value| !value.is_empty())
                .with_context(|| format!("profile [{profile}] has no {name}"))
        };
        Ok(Self {
            access_key_id: field("aws_access_key_id")?.to_owned(),
            secret: SecretKey::new(field("aws_secret_access_key")?.to_owned()),
            region: section.get("region").map(|region| region.trim().to_owned()),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FILE: &str = "# written on first start\n\
        [default]\n\
        aws_access_key_id = AKIDEXAMPLE\n\
        aws_secret_access_key = wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY\n\
        region = beijing-1\n\
        \n\
        [other]\n\
        aws_access_key_id=AKIDOTHER\n\
        aws_secret_access_key=secret2\n";

    #[test]
    fn parse_default_profile() {
        let credentials = Credentials::parse(FILE, "default").unwrap();
        assert_eq!(credentials.access_key_id, "AKIDEXAMPLE");
        assert_eq!(
            credentials.secret.expose(),
            "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
        );
        assert_eq!(credentials.region.as_deref(), Some("beijing-1"));
    }

    #[test]
    fn parse_other_profile() {
        let credentials = Credentials::parse(FILE, "other").unwrap();
        assert_eq!(credentials.access_key_id, "AKIDOTHER");
        assert_eq!(credentials.region, None);
    }

    #[test]
    fn parse_missing_profile() {
        let error = Credentials::parse(FILE, "absent").unwrap_err();
        assert!(error.to_string().contains("[absent]"), "{error}");
    }

    #[test]
    fn parse_missing_secret() {
        let error =
            Credentials::parse("[default]\naws_access_key_id = A\n", "default").unwrap_err();
        assert!(
            error.to_string().contains("aws_secret_access_key"),
            "{error}"
        );
    }
}
