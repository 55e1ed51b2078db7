//! Server settings: one typed `Config`, filled from built-in defaults, then the TOML file, then
//! `OSS_<SECTION>_<KEY>` environment variables, then command-line flags, in rising precedence.

use std::fmt;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::{Context, bail};
use serde::{Deserialize, Deserializer};

/// Environment variables read by the CLI and by first start; they are not settings.
pub(crate) const RESERVED_ENV: &[&str] = &[
    "OSS_ADMIN_ENDPOINT",
    "OSS_ADMIN_TOKEN",
    "OSS_ROOT_ACCESS_KEY",
    "OSS_ROOT_SECRET_KEY",
];

/// All settings of `oss serve`.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct Config {
    /// The S3 endpoint.
    pub(crate) s3: S3Settings,
    /// The admin endpoint.
    pub(crate) admin: AdminSettings,
    /// Object data and metadata.
    pub(crate) storage: StorageSettings,
    /// Accounts and capacity.
    pub(crate) accounts: AccountSettings,
    /// Secrets at rest.
    pub(crate) security: SecuritySettings,
    /// Logging.
    pub(crate) log: LogSettings,
}

/// Settings of the S3 endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct S3Settings {
    /// Address the S3 endpoint listens on; port 0 picks a free port.
    pub(crate) listen: SocketAddr,
    /// Domain under which `bucket.<suffix>` addresses a bucket; empty means path-style only.
    pub(crate) virtual_host_suffix: String,
    /// PEM certificate chain for TLS; empty means plain HTTP.
    pub(crate) tls_cert: String,
    /// PEM private key for TLS.
    pub(crate) tls_key: String,
    /// URL clients use to reach the S3 endpoint, shown by the admin API; empty means the
    /// scheme and the address the endpoint listens on.
    pub(crate) endpoint_url: String,
}

impl Default for S3Settings {
    fn default() -> Self {
        S3Settings {
            listen: SocketAddr::from(([127, 0, 0, 1], 9000)),
            virtual_host_suffix: String::new(),
            tls_cert: String::new(),
            tls_key: String::new(),
            endpoint_url: String::new(),
        }
    }
}

/// Settings of the admin endpoint.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct AdminSettings {
    /// Address the admin endpoint (JSON API and web console) listens on.
    pub(crate) listen: SocketAddr,
}

impl Default for AdminSettings {
    fn default() -> Self {
        AdminSettings {
            listen: SocketAddr::from(([127, 0, 0, 1], 9001)),
        }
    }
}

/// Settings of the storage engine.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct StorageSettings {
    /// Directory holding the metadata database and the chunk files.
    pub(crate) data_dir: PathBuf,
    /// Maximum size of one chunk file.
    pub(crate) chunk_size: ByteSize,
    /// Objects up to this size are stored inside their metadata record; 0 disables.
    pub(crate) inline_max: ByteSize,
    /// Objects or uploads deleted per write batch when an account is released or a
    /// non-empty bucket is force-deleted.
    pub(crate) delete_batch_size: usize,
}

impl Default for StorageSettings {
    fn default() -> Self {
        StorageSettings {
            data_dir: PathBuf::from("./data"),
            chunk_size: ByteSize(8 << 20),
            inline_max: ByteSize(4096),
            delete_batch_size: 1000,
        }
    }
}

/// Settings of accounts.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct AccountSettings {
    /// Regions an account may live in.
    pub(crate) regions: Vec<String>,
    /// Region of the `default` account created on first start.
    pub(crate) default_region: String,
    /// Bytes in one capacity unit ("GB" in capacities).
    pub(crate) capacity_unit_bytes: ByteSize,
}

impl Default for AccountSettings {
    fn default() -> Self {
        AccountSettings {
            regions: (1..=5).map(|n| format!("beijing-{n}")).collect(),
            default_region: "beijing-1".to_owned(),
            capacity_unit_bytes: ByteSize(1 << 30),
        }
    }
}

/// Settings of secrets at rest.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct SecuritySettings {
    /// File with the 32-byte server key that seals access-key secrets; created with mode 0600.
    pub(crate) key_file: PathBuf,
}

impl Default for SecuritySettings {
    fn default() -> Self {
        SecuritySettings {
            key_file: PathBuf::from("./oss.key"),
        }
    }
}

/// Settings of logging.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub(crate) struct LogSettings {
    /// A tracing filter such as `info` or `oss=debug,info`; `RUST_LOG` overrides it.
    pub(crate) level: String,
}

impl Default for LogSettings {
    fn default() -> Self {
        LogSettings {
            level: "info".to_owned(),
        }
    }
}

/// A size in bytes, written as an integer or as a string such as "8MiB" or "64 KiB".
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct ByteSize(pub u64);

impl FromStr for ByteSize {
    type Err = String;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let text = text.trim();
        let split = text
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(text.len());
        let (number, unit) = text.split_at(split);
        let number: u64 = number
            .parse()
            .map_err(|_| format!("invalid size {text:?}"))?;
        let multiplier: u64 = match unit.trim().to_ascii_lowercase().as_str() {
            "" | "b" => 1,
            "kib" | "k" => 1 << 10,
            "mib" | "m" => 1 << 20,
            "gib" | "g" => 1 << 30,
            "tib" | "t" => 1 << 40,
            "kb" => 1_000,
            "mb" => 1_000_000,
            "gb" => 1_000_000_000,
            _ => {
                return Err(format!(
                    "invalid size unit in {text:?}; use B, KiB, MiB, GiB or TiB"
                ));
            }
        };
        number
            .checked_mul(multiplier)
            .map(ByteSize)
            .ok_or_else(|| format!("size {text:?} is too large"))
    }
}

impl fmt::Display for ByteSize {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

impl<'de> Deserialize<'de> for ByteSize {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(Deserialize)]
        #[serde(untagged)]
        enum Raw {
            Number(u64),
            Text(String),
        }
        match Raw::deserialize(deserializer)? {
            Raw::Number(n) => Ok(ByteSize(n)),
            Raw::Text(text) => text.parse().map_err(serde::de::Error::custom),
        }
    }
}

/// One setting that can be given by environment variable or flag, as `section.key`.
struct Setting {
    name: &'static str,
    apply: fn(&mut Config, &str) -> Result<(), String>,
}

fn parse<T: FromStr>(value: &str) -> Result<T, String>
where
    T::Err: fmt::Display,
{
    value.trim().parse().map_err(|e: T::Err| e.to_string())
}

const SETTINGS: &[Setting] = &[
    Setting {
        name: "s3.listen",
        apply: |c, v| {
            c.s3.listen = parse(v)?;
            Ok(())
        },
    },
    Setting {
        name: "s3.virtual_host_suffix",
        apply: |c, v| {
            c.s3.virtual_host_suffix = v.trim().to_owned();
            Ok(())
        },
    },
    Setting {
        name: "s3.tls_cert",
        apply: |c, v| {
            c.s3.tls_cert = v.to_owned();
            Ok(())
        },
    },
    Setting {
        name: "s3.tls_key",
        apply: |c, v| {
            c.s3.tls_key = v.to_owned();
            Ok(())
        },
    },
    Setting {
        name: "s3.endpoint_url",
        apply: |c, v| {
            c.s3.endpoint_url = v.trim().to_owned();
            Ok(())
        },
    },
    Setting {
        name: "admin.listen",
        apply: |c, v| {
            c.admin.listen = parse(v)?;
            Ok(())
        },
    },
    Setting {
        name: "storage.data_dir",
        apply: |c, v| {
            c.storage.data_dir = v.into();
            Ok(())
        },
    },
    Setting {
        name: "storage.chunk_size",
        apply: |c, v| {
            c.storage.chunk_size = parse(v)?;
            Ok(())
        },
    },
    Setting {
        name: "storage.inline_max",
        apply: |c, v| {
            c.storage.inline_max = parse(v)?;
            Ok(())
        },
    },
    Setting {
        name: "storage.delete_batch_size",
        apply: |c, v| {
            c.storage.delete_batch_size = parse(v)?;
            Ok(())
        },
    },
    Setting {
        name: "accounts.regions",
        apply: |c, v| {
            c.accounts.regions = v.split(',').map(|r| r.trim().to_owned()).collect();
            Ok(())
        },
    },
    Setting {
        name: "accounts.default_region",
        apply: |c, v| {
            c.accounts.default_region = v.trim().to_owned();
            Ok(())
        },
    },
    Setting {
        name: "accounts.capacity_unit_bytes",
        apply: |c, v| {
            c.accounts.capacity_unit_bytes = parse(v)?;
            Ok(())
        },
    },
    Setting {
        name: "security.key_file",
        apply: |c, v| {
            c.security.key_file = v.into();
            Ok(())
        },
    },
    Setting {
        name: "log.level",
        apply: |c, v| {
            c.log.level = v.trim().to_owned();
            Ok(())
        },
    },
];

/// Names the environment variable of a setting: `s3.listen` is `OSS_S3_LISTEN`.
fn env_name(setting: &str) -> String {
    format!("OSS_{}", setting.replace('.', "_").to_ascii_uppercase())
}

impl Config {
    /// Loads the configuration: defaults, then `path` (if given), then the environment, then
    /// the `overrides` from flags as `(setting, value)` pairs. Returns the unknown `OSS_*`
    /// variables found, for the caller to warn about.
    pub(crate) fn load(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
        overrides: &[(&str, String)],
    ) -> anyhow::Result<(Config, Vec<String>)> {
        let mut config = match path {
            Some(path) => {
                let text = std::fs::read_to_string(path)
                    .with_context(|| format!("failed to read config file {}", path.display()))?;
                toml::from_str(&text)
                    .with_context(|| format!("invalid config file {}", path.display()))?
            }
            None => Config::default(),
        };

        let mut unknown = Vec::new();
        for (name, value) in env {
            if !name.starts_with("OSS_") || RESERVED_ENV.contains(&name.as_str()) {
                continue;
            }
            match SETTINGS.iter().find(|s| env_name(s.name) == name) {
                Some(setting) => (setting.apply)(&mut config, &value)
                    .map_err(|e| anyhow::anyhow!("invalid value in {name}: {e}"))?,
                None => unknown.push(name),
            }
        }

        for (name, value) in overrides {
            let setting = SETTINGS
                .iter()
                .find(|s| s.name == *name)
                .expect("flag names a setting");
            (setting.apply)(&mut config, value).map_err(|e| {
                anyhow::anyhow!("invalid value for --{}: {e}", name.replace(['.', '_'], "-"))
            })?;
        }

        config.validate()?;
        Ok((config, unknown))
    }

    /// Checks rules that span several settings.
    fn validate(&self) -> anyhow::Result<()> {
        if self.accounts.regions.is_empty() || self.accounts.regions.iter().any(|r| r.is_empty()) {
            bail!("accounts.regions must list at least one non-empty region");
        }
        if !self
            .accounts
            .regions
            .contains(&self.accounts.default_region)
        {
            bail!(
                "accounts.default_region {:?} is not one of accounts.regions {:?}",
                self.accounts.default_region,
                self.accounts.regions
            );
        }
        if self.accounts.capacity_unit_bytes.0 == 0 {
            bail!("accounts.capacity_unit_bytes must be at least 1");
        }
        if self.storage.delete_batch_size == 0 {
            bail!("storage.delete_batch_size must be at least 1");
        }
        if self.storage.chunk_size.0 < 4096 {
            bail!(
                "storage.chunk_size must be at least 4KiB, got {}",
                self.storage.chunk_size
            );
        }
        if self.s3.tls_cert.is_empty() != self.s3.tls_key.is_empty() {
            bail!("s3.tls_cert and s3.tls_key must be set together");
        }
        let data_dir = absolute(&self.storage.data_dir);
        let key_file = absolute(&self.security.key_file);
        if key_file.starts_with(&data_dir) {
            bail!(
                "security.key_file {} must be outside storage.data_dir {}, so that a copy of \
                 the data directory alone reveals no secret",
                key_file.display(),
                data_dir.display()
            );
        }
        Ok(())
    }
}

/// Makes a path absolute against the current directory without touching the file system.
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect()
    }

    #[test]
    fn defaults_match_interface() {
        let (config, unknown) = Config::load(None, Vec::new(), &[]).unwrap();
        assert!(unknown.is_empty());
        assert_eq!(config.s3.listen.to_string(), "127.0.0.1:9000");
        assert_eq!(config.admin.listen.to_string(), "127.0.0.1:9001");
        assert_eq!(config.storage.data_dir, PathBuf::from("./data"));
        assert_eq!(config.accounts.regions.len(), 5);
        assert_eq!(config.accounts.regions[4], "beijing-5");
        assert_eq!(config.accounts.default_region, "beijing-1");
        assert_eq!(config.accounts.capacity_unit_bytes, ByteSize(1 << 30));
        assert_eq!(config.security.key_file, PathBuf::from("./oss.key"));
    }

    #[test]
    fn precedence_flag_env_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("oss.toml");
        std::fs::write(
            &path,
            "[s3]\nlisten = \"127.0.0.1:1\"\n[admin]\nlisten = \"127.0.0.1:2\"\n",
        )
        .unwrap();
        let vars = env(&[
            ("OSS_S3_LISTEN", "127.0.0.1:3"),
            ("OSS_ADMIN_LISTEN", "127.0.0.1:4"),
        ]);
        let flags = [("s3.listen", "127.0.0.1:5".to_owned())];
        let (config, _) = Config::load(Some(&path), vars, &flags).unwrap();
        assert_eq!(config.s3.listen.port(), 5);
        assert_eq!(config.admin.listen.port(), 4);
    }

    #[test]
    fn env_lists_and_sizes() {
        let vars = env(&[
            ("OSS_ACCOUNTS_REGIONS", "r1, r2"),
            ("OSS_ACCOUNTS_DEFAULT_REGION", "r2"),
            ("OSS_ACCOUNTS_CAPACITY_UNIT_BYTES", "1MiB"),
            ("OSS_STORAGE_CHUNK_SIZE", "65536"),
        ]);
        let (config, _) = Config::load(None, vars, &[]).unwrap();
        assert_eq!(config.accounts.regions, vec!["r1", "r2"]);
        assert_eq!(config.accounts.capacity_unit_bytes, ByteSize(1 << 20));
        assert_eq!(config.storage.chunk_size, ByteSize(65536));
    }

    #[test]
    fn unknown_env_reported_reserved_ignored() {
        let vars = env(&[
            ("OSS_S3_LISTN", "x"),
            ("OSS_ADMIN_TOKEN", "t"),
            ("HOME", "/root"),
        ]);
        let (_, unknown) = Config::load(None, vars, &[]).unwrap();
        assert_eq!(unknown, vec!["OSS_S3_LISTN"]);
    }

    #[test]
    fn key_file_inside_data_dir_rejected() {
        let vars = env(&[("OSS_SECURITY_KEY_FILE", "./data/oss.key")]);
        let error = Config::load(None, vars, &[]).unwrap_err();
        assert!(
            error.to_string().contains("outside storage.data_dir"),
            "{error}"
        );
    }

    #[test]
    fn unknown_file_setting_rejected() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("oss.toml");
        std::fs::write(&path, "[s3]\nlisten_addr = \"127.0.0.1:1\"\n").unwrap();
        assert!(Config::load(Some(&path), Vec::new(), &[]).is_err());
    }

    #[test]
    fn byte_size_units() {
        assert_eq!("8MiB".parse::<ByteSize>(), Ok(ByteSize(8 << 20)));
        assert_eq!("64 KiB".parse::<ByteSize>(), Ok(ByteSize(64 << 10)));
        assert_eq!("12".parse::<ByteSize>(), Ok(ByteSize(12)));
        assert!("12 parsecs".parse::<ByteSize>().is_err());
        assert!("99999999999TiB".parse::<ByteSize>().is_err());
    }

    #[test]
    fn shipped_config_parses() {
        let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("config/oss.toml");
        let (config, _) = Config::load(Some(&path), Vec::new(), &[]).unwrap();
        let defaults = Config::default();
        assert_eq!(config.s3.listen, defaults.s3.listen);
        assert_eq!(config.storage.chunk_size, defaults.storage.chunk_size);
        assert_eq!(config.accounts.regions, defaults.accounts.regions);
    }
}
