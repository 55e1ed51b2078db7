//! AWS's JavaScript SDK v3 (`@aws-sdk/client-s3`, `@aws-sdk/lib-storage` from npm): the
//! `node --test` script in `tests/js/`, whose packages `scripts/setup.sh` installs.

use std::fs;
use std::path::Path;
use std::process::Command;

use serde_json::Value;

use crate::command::{clean_env, describe, version_line};
use crate::server::Server;

/// Returns the `version` field of an installed npm package.
fn package_version(modules: &Path, package: &str) -> String {
    let manifest = modules.join(package).join("package.json");
    let text = fs::read_to_string(&manifest)
        .unwrap_or_else(|error| panic!("read {}: {error}", manifest.display()));
    let manifest: Value = serde_json::from_str(&text).expect("package.json is JSON");
    manifest["version"].as_str().unwrap_or_default().to_owned()
}

#[test]
fn js_sdk_v3_objects_and_multipart() {
    let scripts = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/js");
    let modules = scripts.join("node_modules");
    assert!(
        modules.is_dir(),
        "{} is missing: run scripts/setup.sh, which runs npm ci there",
        modules.display()
    );
    println!(
        "node {}, @aws-sdk/client-s3 {}, @aws-sdk/lib-storage {}",
        version_line("node", &["--version"]),
        package_version(&modules, "@aws-sdk/client-s3"),
        package_version(&modules, "@aws-sdk/lib-storage")
    );

    let server = Server::start();
    let credentials = server.credentials();
    let mut command = Command::new("node");
    clean_env(&mut command)
        .args(["--test", "s3.test.mjs"])
        .current_dir(&scripts)
        .env("OSS_TEST_ENDPOINT", server.endpoint())
        .env("AWS_ACCESS_KEY_ID", &credentials.access_key)
        .env("AWS_SECRET_ACCESS_KEY", &credentials.secret_key)
        .env("AWS_REGION", &credentials.region)
        .env("AWS_CONFIG_FILE", server.dir().join("no-aws-config"))
        .env(
            "AWS_SHARED_CREDENTIALS_FILE",
            server.dir().join("no-aws-credentials"),
        )
        .env("AWS_EC2_METADATA_DISABLED", "true");
    let output = command.output().expect("run node --test");
    println!("{}", String::from_utf8_lossy(&output.stdout));
    assert!(
        output.status.success(),
        "node --test s3.test.mjs failed: {}",
        describe(&output)
    );
}
