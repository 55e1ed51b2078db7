//! `oss-load`: sends a bounded load of signed PutObject and GetObject requests to an S3
//! endpoint on the loopback interface and reports throughput and latency percentiles.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{Context, bail};
use clap::Parser;
use oss_bench::client::{Endpoint, Target};
use oss_bench::credentials::Credentials;
use oss_bench::run::{Mix, Plan, run};
use oss_sigv4::SecretKey;

/// Region used when neither --region nor the credentials profile names one: the region of
/// the account that `oss serve` creates on first start.
const DEFAULT_REGION: &str = "beijing-1";

/// Time limit of a run that gives neither --requests nor --duration.
const DEFAULT_DURATION_SECS: f64 = 10.0;

/// Sends a bounded load of signed S3 requests to a loopback endpoint and reports ops/s,
/// MiB/s and latency percentiles.
///
/// Each worker sends one request at a time on its own keep-alive connection, opened before
/// the clock starts. For --op get and mixed, the keys are written first, untimed.
#[derive(Parser)]
#[command(name = "oss-load", version)]
struct Args {
    /// S3 endpoint, http://HOST:PORT with a loopback HOST.
    #[arg(long, value_name = "URL", default_value = "http://127.0.0.1:9000")]
    endpoint: String,
    /// AWS shared-credentials file with the access key pair.
    #[arg(long, value_name = "FILE", conflicts_with = "access_key")]
    credentials: Option<PathBuf>,
    /// Profile to read from the credentials file.
    #[arg(long, value_name = "NAME", default_value = "default")]
    profile: String,
    /// Access key id, used with --secret-key instead of --credentials.
    #[arg(
        long,
        value_name = "ID",
        env = "OSS_LOAD_ACCESS_KEY",
        requires = "secret_key"
    )]
    access_key: Option<String>,
    /// Secret access key, used with --access-key.
    #[arg(
        long,
        value_name = "SECRET",
        env = "OSS_LOAD_SECRET_KEY",
        hide_env_values = true
    )]
    secret_key: Option<String>,
    /// Region to sign for [default: the profile's region, else beijing-1].
    #[arg(long)]
    region: Option<String>,
    /// Bucket to use; it is created when missing.
    #[arg(long, default_value = "oss-load")]
    bucket: String,
    /// Prefix of the object keys, made of letters, digits and - . _ ~ /.
    #[arg(long, value_name = "PREFIX", default_value = "load/")]
    key_prefix: String,
    /// Operations to send: put, get, or mixed (get and put in turn).
    #[arg(long, value_enum, default_value_t = Mix::Put)]
    op: Mix,
    /// Object size, in bytes or with a unit such as 4KiB, 1MiB or 1GiB.
    #[arg(long, value_name = "SIZE", default_value = "4KiB", value_parser = parse_size)]
    size: u64,
    /// Number of workers, each with one connection and one request in flight.
    #[arg(long, value_name = "N", default_value_t = 1,
          value_parser = clap::value_parser!(u16).range(1..=4096))]
    concurrency: u16,
    /// Stop after this many timed requests.
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u64).range(1..))]
    requests: Option<u64>,
    /// Start no timed request after this many seconds [default: 10 without --requests].
    #[arg(long, value_name = "SECS", value_parser = parse_secs)]
    duration: Option<Duration>,
    /// Number of distinct object keys.
    #[arg(long, value_name = "N", default_value_t = 100,
          value_parser = clap::value_parser!(u64).range(1..))]
    keys: u64,
    /// Seconds one request may take, body included, before it counts as failed.
    #[arg(long, value_name = "SECS", default_value = "300", value_parser = parse_secs)]
    timeout: Duration,
    /// Leave TCP_NODELAY off, to see whether Nagle's algorithm delays small requests.
    #[arg(long)]
    no_tcp_nodelay: bool,
    /// Print the report as one JSON object instead of a table.
    #[arg(long)]
    json: bool,
}

fn parse_size(text: &str) -> Result<u64, String> {
    let size: bytesize::ByteSize = text.trim().parse()?;
    Ok(size.as_u64())
}

fn parse_secs(text: &str) -> Result<Duration, String> {
    let secs: f64 = text
        .parse()
        .map_err(|_| format!("{text:?} is not a number of seconds"))?;
    Duration::try_from_secs_f64(secs)
        .ok()
        .filter(|duration| !duration.is_zero())
        .ok_or_else(|| format!("{text:?} must be a positive number of seconds"))
}

fn check_key_prefix(prefix: &str) -> anyhow::Result<()> {
    let is_allowed = |c: char| c.is_ascii_alphanumeric() || "-._~/".contains(c);
    if let Some(bad) = prefix.chars().find(|&c| !is_allowed(c)) {
        bail!("--key-prefix {prefix:?} contains {bad:?}; use letters, digits and - . _ ~ /");
    }
    Ok(())
}

fn credentials(args: &Args) -> anyhow::Result<Credentials> {
    if let Some(path) = &args.credentials {
        return Credentials::from_file(path, &args.profile);
    }
    match (&args.access_key, &args.secret_key) {
        (Some(access_key_id), Some(secret)) => Ok(Credentials {
            access_key_id: access_key_id.clone(),
            secret: SecretKey::new(secret.clone()),
            region: None,
        }),
        _ => bail!("no credentials: give --credentials FILE, or --access-key and --secret-key"),
    }
}

fn plan_and_target(args: Args) -> anyhow::Result<(Plan, Target)> {
    check_key_prefix(&args.key_prefix)?;
    let credentials = credentials(&args)?;
    let region = args
        .region
        .clone()
        .or_else(|| credentials.region.clone())
        .unwrap_or_else(|| DEFAULT_REGION.to_owned());
    let target = Target {
        endpoint: Endpoint::parse(&args.endpoint)?,
        credentials,
        region,
    };
    let duration = match (args.requests, args.duration) {
        (None, None) => Some(Duration::from_secs_f64(DEFAULT_DURATION_SECS)),
        (_, duration) => duration,
    };
    let plan = Plan {
        bucket: args.bucket,
        key_prefix: args.key_prefix,
        mix: args.op,
        size: args.size,
        concurrency: usize::from(args.concurrency),
        requests: args.requests,
        duration,
        keys: args.keys,
        timeout: args.timeout,
        tcp_nodelay: !args.no_tcp_nodelay,
    };
    Ok((plan, target))
}

#[tokio::main]
async fn main() -> ExitCode {
    let args = Args::parse();
    let json = args.json;
    let result = async {
        let (plan, target) = plan_and_target(args)?;
        run(plan, target).await.context("load run failed")
    }
    .await;
    match result {
        Ok(report) if json => {
            println!(
                "{}",
                serde_json::to_string(&report).expect("a report always serializes")
            );
            ExitCode::SUCCESS
        }
        Ok(report) => {
            print!("{report}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("oss-load: {error:#}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn size_units() {
        assert_eq!(parse_size("4KiB"), Ok(4096));
        assert_eq!(parse_size("1MiB"), Ok(1 << 20));
        assert_eq!(parse_size("1GiB"), Ok(1 << 30));
        assert_eq!(parse_size("123"), Ok(123));
    }

    #[test]
    fn size_invalid() {
        assert!(parse_size("four").is_err());
    }

    #[test]
    fn secs_positive() {
        assert_eq!(parse_secs("2.5"), Ok(Duration::from_millis(2500)));
        assert!(parse_secs("0").is_err());
        assert!(parse_secs("-1").is_err());
        assert!(parse_secs("ten").is_err());
    }

    #[test]
    fn key_prefix_rejects_space() {
        assert!(check_key_prefix("load/a-b_c.d~e/").is_ok());
        assert!(check_key_prefix("load here/").is_err());
    }

    #[test]
    fn args_default_duration() {
        let args = Args::parse_from(["oss-load", "--access-key", "A", "--secret-key", "S"]);
        let (plan, target) = plan_and_target(args).unwrap();
        assert_eq!(plan.duration, Some(Duration::from_secs(10)));
        assert_eq!(target.region, DEFAULT_REGION);
    }

    #[test]
    fn args_requests_only() {
        let args = Args::parse_from([
            "oss-load",
            "--access-key",
            "A",
            "--secret-key",
            "S",
            "--requests",
            "5",
        ]);
        let (plan, _) = plan_and_target(args).unwrap();
        assert_eq!(plan.duration, None);
        assert_eq!(plan.requests, Some(5));
    }

    #[test]
    fn args_without_credentials() {
        let args = Args::parse_from(["oss-load"]);
        let error = plan_and_target(args).unwrap_err();
        assert!(error.to_string().contains("--credentials"), "{error}");
    }
}
