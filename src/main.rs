//! `oss`: an S3-compatible object storage service with accounts, capacity quotas and an admin
//! API, in one binary.

mod admin_cli;
mod config;
mod first_start;
mod serve;
mod server_key;
mod tls;

use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

use crate::config::Config;

/// An S3-compatible object storage service.
#[derive(Parser)]
#[command(name = "oss", version, about, propagate_version = true)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Start the S3 endpoint and the admin endpoint in one process.
    Serve(ServeArgs),
    /// Check a stopped server's data directory: chunks, orphans and usage counters.
    Fsck(FsckArgs),
    /// Drive a running server through the admin API: oss admin <noun> <verb>.
    Admin(admin_cli::AdminArgs),
}

#[derive(Args)]
struct ServeArgs {
    #[command(flatten)]
    settings: SettingFlags,
}

#[derive(Args)]
struct FsckArgs {
    #[command(flatten)]
    settings: SettingFlags,
    /// Remove orphaned chunk files and rewrite usage counters that disagree with the
    /// metadata, instead of only reporting them.
    #[arg(long)]
    repair: bool,
}

/// Flags for settings; each overrides the environment and the config file.
#[derive(Args)]
struct SettingFlags {
    /// TOML config file (see config/oss.toml for every setting and its default).
    #[arg(long, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Address of the S3 endpoint [default: 127.0.0.1:9000].
    #[arg(long, value_name = "ADDR")]
    s3_listen: Option<String>,
    /// Domain for virtual-hosted-style addressing; empty: path-style only [default: empty].
    #[arg(long, value_name = "DOMAIN")]
    s3_virtual_host_suffix: Option<String>,
    /// PEM certificate chain for TLS on the S3 endpoint [default: empty, plain HTTP].
    #[arg(long, value_name = "PATH")]
    s3_tls_cert: Option<String>,
    /// PEM private key for TLS on the S3 endpoint [default: empty].
    #[arg(long, value_name = "PATH")]
    s3_tls_key: Option<String>,
    /// S3 endpoint URL that the admin API shows to clients [default: empty, the scheme and
    /// the address the endpoint listens on].
    #[arg(long, value_name = "URL")]
    s3_endpoint_url: Option<String>,
    /// Address of the admin endpoint [default: 127.0.0.1:9001].
    #[arg(long, value_name = "ADDR")]
    admin_listen: Option<String>,
    /// Directory of metadata and chunk files [default: ./data].
    #[arg(long, value_name = "PATH")]
    data_dir: Option<String>,
    /// Maximum chunk file size, in bytes or with a unit such as 8MiB [default: 8MiB].
    #[arg(long, value_name = "SIZE")]
    chunk_size: Option<String>,
    /// Objects up to this size live in their metadata record; 0 disables [default: 4KiB].
    #[arg(long, value_name = "SIZE")]
    inline_max: Option<String>,
    /// Objects deleted per write batch by a release or forced bucket delete [default: 1000].
    #[arg(long, value_name = "COUNT")]
    delete_batch_size: Option<String>,
    /// Comma-separated regions accounts may use [default: beijing-1,…,beijing-5].
    #[arg(long, value_name = "LIST")]
    regions: Option<String>,
    /// Region of the `default` account made on first start [default: beijing-1].
    #[arg(long, value_name = "REGION")]
    default_region: Option<String>,
    /// Bytes in one capacity unit ("GB") [default: 1073741824].
    #[arg(long, value_name = "SIZE")]
    capacity_unit_bytes: Option<String>,
    /// Server key file that seals secrets, outside the data directory [default: ./oss.key].
    #[arg(long, value_name = "PATH")]
    key_file: Option<String>,
    /// Tracing filter such as info or debug; RUST_LOG overrides it [default: info].
    #[arg(long, value_name = "FILTER")]
    log_level: Option<String>,
}

impl SettingFlags {
    /// Loads the configuration with these flags on top; returns unknown `OSS_*` variables.
    fn load(&self) -> anyhow::Result<(Config, Vec<String>)> {
        let flags = [
            ("s3.listen", &self.s3_listen),
            ("s3.virtual_host_suffix", &self.s3_virtual_host_suffix),
            ("s3.tls_cert", &self.s3_tls_cert),
            ("s3.tls_key", &self.s3_tls_key),
            ("s3.endpoint_url", &self.s3_endpoint_url),
            ("admin.listen", &self.admin_listen),
            ("storage.data_dir", &self.data_dir),
            ("storage.chunk_size", &self.chunk_size),
            ("storage.inline_max", &self.inline_max),
            ("storage.delete_batch_size", &self.delete_batch_size),
            ("accounts.regions", &self.regions),
            ("accounts.default_region", &self.default_region),
            ("accounts.capacity_unit_bytes", &self.capacity_unit_bytes),
            ("security.key_file", &self.key_file),
            ("log.level", &self.log_level),
        ];
        let overrides: Vec<(&str, String)> = flags
            .into_iter()
            .filter_map(|(name, value)| value.clone().map(|v| (name, v)))
            .collect();
        Config::load(self.config.as_deref(), std::env::vars(), &overrides)
    }
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve(args) => run_serve(args),
        Command::Fsck(args) => run_fsck(args),
        Command::Admin(args) => admin_cli::run(args),
    };
    match result {
        Ok(code) => code,
        Err(error) => {
            eprintln!("error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

fn run_serve(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let (config, unknown) = args.settings.load()?;
    init_tracing(&config.log.level);
    for name in unknown {
        tracing::warn!("ignoring unknown environment variable {name}: it names no setting");
    }
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(serve::run(config))?;
    Ok(ExitCode::SUCCESS)
}

fn run_fsck(args: FsckArgs) -> anyhow::Result<ExitCode> {
    let (config, _) = args.settings.load()?;
    init_tracing(&config.log.level);
    let store_config = serve::store_config(&config)?;
    let report = oss_store::fsck(&store_config, args.repair)?;
    print!("{report}");
    Ok(if report.is_clean() || args.repair {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

fn init_tracing(level: &str) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .or_else(|_| tracing_subscriber::EnvFilter::try_new(level))
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory;

    /// clap's own consistency checks, such as two arguments of one command sharing a name.
    #[test]
    fn cli_definition_consistent() {
        super::Cli::command().debug_assert();
    }
}
