//! boto3 against the server: each test runs one unittest script from `tests/python/` with the
//! python3 on PATH, and passes when the script exits 0.

use std::path::Path;
use std::process::Command;

use crate::server::Server;

/// Runs `tests/python/<script>` against a fresh server and asserts that it exits 0.
fn run_script(script: &str) {
    let server = Server::start();
    run_script_on(&server, script, &[]);
}

/// Runs `tests/python/<script>` against `server`, with `extra_env` added to the environment,
/// and asserts that it exits 0. `OSS_TEST_SCRATCH` names a directory for the script's files.
pub fn run_script_on(server: &Server, script: &str, extra_env: &[(&str, &str)]) {
    let credentials = server.credentials();
    let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/python");
    let scratch = server.dir().join("python-scratch");
    std::fs::create_dir_all(&scratch).expect("create scratch dir");
    let mut command = Command::new("python3");
    command.arg(scripts.join(script)).current_dir(&scripts);
    // Profiles, endpoints or keys from the developer's shell must not leak in.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("AWS_") {
            command.env_remove(name);
        }
    }
    let output = command
        .env("OSS_TEST_ENDPOINT", server.endpoint())
        .env("OSS_TEST_SCRATCH", &scratch)
        .env("AWS_ACCESS_KEY_ID", &credentials.access_key)
        .env("AWS_SECRET_ACCESS_KEY", &credentials.secret_key)
        .env("AWS_DEFAULT_REGION", &credentials.region)
        .env("AWS_CONFIG_FILE", server.dir().join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            server.dir().join("no-aws-credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .envs(extra_env.iter().copied())
        .output()
        .unwrap_or_else(|error| panic!("run python3 {script}: {error}"));
    let stdout = String::from_utf8_lossy(&output.stdout);
    let stderr = String::from_utf8_lossy(&output.stderr);
    println!("{stdout}{stderr}");
    assert!(
        output.status.success(),
        "{script} exited with {}:\n{stderr}",
        output.status
    );
}

#[test]
fn boto3_buckets() {
    run_script("test_buckets.py");
}

#[test]
fn boto3_objects() {
    run_script("test_objects.py");
}

#[test]
fn boto3_listing() {
    run_script("test_listing.py");
}

#[test]
fn boto3_list_buckets_pages() {
    run_script("test_list_buckets.py");
}
