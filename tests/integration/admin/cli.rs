//! `oss admin` driven end to end against a running server: provisioning, users, keys, grants
//! passed on by a sub-user, revocation, output formats and the order of credentials.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::raw::RawClient;
use crate::server::Server;

/// Runs `oss admin ARGS` against `server` with only the given OSS_* and AWS_* variables, and
/// with `--config` pointing at the server's config file (so admin.token can be found).
fn oss_admin(server: &Server, args: &[&str], env: &[(&str, &str)]) -> Output {
    let mut command = Command::new(env!("CARGO_BIN_EXE_oss"));
    command
        .arg("admin")
        .args(args)
        .arg("--endpoint")
        .arg(format!("http://{}", server.admin_addr()))
        .arg("--config")
        .arg(server.dir().join("oss.toml"));
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy().into_owned();
        if name.starts_with("OSS_") || name.starts_with("AWS_") {
            command.env_remove(name);
        }
    }
    command.envs(env.iter().copied());
    command.output().expect("run oss admin")
}

/// Runs `oss admin` and returns its standard output, asserting success.
#[track_caller]
fn ok(server: &Server, args: &[&str], env: &[(&str, &str)]) -> String {
    let output = oss_admin(server, args, env);
    assert!(
        output.status.success(),
        "oss admin {args:?} failed: {}\n{}",
        String::from_utf8_lossy(&output.stderr),
        String::from_utf8_lossy(&output.stdout)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Runs `oss admin ... --json` and parses its output.
#[track_caller]
fn ok_json(server: &Server, args: &[&str], env: &[(&str, &str)]) -> Value {
    let mut args = args.to_vec();
    args.push("--json");
    let text = ok(server, &args, env);
    serde_json::from_str(&text).unwrap_or_else(|error| panic!("invalid JSON ({error}): {text}"))
}

fn field(value: &Value, name: &str) -> String {
    value[name]
        .as_str()
        .unwrap_or_else(|| panic!("no {name} in {value}"))
        .to_owned()
}

/// Returns the users holding a grant on `bucket`, as `oss admin grants list` shows them.
fn grantees(server: &Server, account: &str, bucket: &str, env: &[(&str, &str)]) -> Vec<String> {
    let list = ok_json(
        server,
        &["grants", "list", "--account", account, "--bucket", bucket],
        env,
    );
    list["grants"]
        .as_array()
        .expect("grants array")
        .iter()
        .map(|grant| field(grant, "user"))
        .collect()
}

#[tokio::test]
async fn cli_provisions_and_delegates() {
    let server = Server::start();

    // The operator token is found through --config in <data_dir>/admin.token.
    let created = ok_json(
        &server,
        &[
            "accounts",
            "create",
            "acme",
            "--region",
            "beijing-2",
            "--capacity-gb",
            "60",
        ],
        &[],
    );
    let account = field(&created, "id");
    let master_key = field(&created, "access_key_id");
    let master_secret = field(&created, "secret_access_key");
    // The master signs through AWS_* variables. The CLI signs for beijing-1 first and the
    // server names beijing-2, so this also covers signing again for the right region.
    let as_master = [
        ("AWS_ACCESS_KEY_ID", master_key.as_str()),
        ("AWS_SECRET_ACCESS_KEY", master_secret.as_str()),
    ];

    ok(
        &server,
        &["users", "create", "alice", "--account", &account],
        &as_master,
    );
    ok(
        &server,
        &["users", "create", "bob", "--account", &account],
        &as_master,
    );
    let alice = ok_json(
        &server,
        &["keys", "create", "--account", &account, "--user", "alice"],
        &as_master,
    );
    let bob = ok_json(
        &server,
        &["keys", "create", "--account", &account, "--user", "bob"],
        &as_master,
    );
    ok(
        &server,
        &["buckets", "create", "shared", "--account", &account],
        &as_master,
    );
    ok(
        &server,
        &[
            "grants",
            "create",
            "--account",
            &account,
            "--bucket",
            "shared",
            "--user",
            "alice",
            "--access",
            "read-write",
            "--regrant",
        ],
        &as_master,
    );

    // Alice passes read access on to Bob, signing with her own key given as flags.
    let alice_id = field(&alice, "access_key_id");
    let alice_secret = field(&alice, "secret_access_key");
    let alice_flags = [
        "--access-key-id",
        alice_id.as_str(),
        "--secret-access-key",
        alice_secret.as_str(),
        "--signing-region",
        "beijing-2",
    ];
    let mut args = vec![
        "grants",
        "create",
        "--account",
        &account,
        "--bucket",
        "shared",
        "--user",
        "bob",
        "--access",
        "read",
    ];
    args.extend(alice_flags);
    let granted = ok_json(&server, &args, &[]);
    assert_eq!(granted["granted_by"], "alice");
    assert_eq!(
        grantees(&server, &account, "shared", &as_master),
        ["alice", "bob"]
    );

    // Bob reads the bucket through S3 with his key.
    let s3 = RawClient::new(&server);
    let bob_id = field(&bob, "access_key_id");
    let bob_secret = field(&bob, "secret_access_key");
    let master_put = s3
        .put("/shared/note", "hello")
        .access_key(&master_key)
        .secret_key(&master_secret)
        .region("beijing-2")
        .send()
        .await;
    master_put.assert_success();
    let bob_read = || {
        s3.get("/shared/note")
            .access_key(&bob_id)
            .secret_key(&bob_secret)
            .region("beijing-2")
            .send()
    };
    bob_read().await.assert_success();

    // Revoking Alice's grant revokes the one she made: Bob loses access.
    ok(
        &server,
        &[
            "grants",
            "delete",
            "--account",
            &account,
            "--bucket",
            "shared",
            "--user",
            "alice",
        ],
        &as_master,
    );
    assert!(grantees(&server, &account, "shared", &as_master).is_empty());
    bob_read().await.assert_error(403, "AccessDenied");
}

#[tokio::test]
async fn cli_tables_errors_and_credential_order() {
    let server = Server::start();
    let token =
        std::fs::read_to_string(server.data_dir().join("admin.token")).expect("read admin.token");
    let token = token.trim();

    let table = ok(&server, &["accounts", "list"], &[]);
    let header = table.lines().next().unwrap_or_default();
    assert!(header.contains("NAME"), "{table}");
    assert!(header.contains("CAPACITY"), "{table}");
    assert!(table.contains("default"), "{table}");
    assert!(table.contains("50 GB (50.0 GiB)"), "{table}");

    let id = {
        let list = ok_json(&server, &["accounts", "list"], &[]);
        field(&list["accounts"][0], "id")
    };
    let shown = ok(&server, &["accounts", "show", "--account", &id], &[]);
    assert!(shown.contains("beijing-1"), "{shown}");
    let access = ok(&server, &["access", "show", "--account", &id], &[]);
    assert!(access.contains(&server.endpoint()), "{access}");

    // An API error exits 1 and prints the code and the message.
    let refused = oss_admin(
        &server,
        &["capacity", "shrink", "--account", &id, "--gb", "10"],
        &[],
    );
    assert_eq!(refused.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&refused.stderr);
    assert!(stderr.contains("CapacityOutOfRange"), "{stderr}");

    // Both kinds of credential flags are an error before any request.
    let both = oss_admin(
        &server,
        &[
            "accounts",
            "list",
            "--token",
            token,
            "--access-key-id",
            "A",
            "--secret-access-key",
            "B",
        ],
        &[],
    );
    assert_eq!(both.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&both.stderr).contains("both"));

    // OSS_ADMIN_TOKEN beats AWS_* variables; a wrong one fails even though the file is right.
    let wrong_token = oss_admin(
        &server,
        &["accounts", "list"],
        &[("OSS_ADMIN_TOKEN", "wrong"), ("AWS_ACCESS_KEY_ID", "x")],
    );
    assert_eq!(wrong_token.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&wrong_token.stderr).contains("Unauthenticated"));
    ok(
        &server,
        &["accounts", "list"],
        &[("OSS_ADMIN_TOKEN", token)],
    );

    // Without any credentials and without a token file, the error names every way.
    let elsewhere = tempfile::tempdir().expect("temp dir");
    let output = Command::new(env!("CARGO_BIN_EXE_oss"))
        .args(["admin", "accounts", "list", "--data-dir"])
        .arg(elsewhere.path().join("data"))
        .args(["--endpoint", &format!("http://{}", server.admin_addr())])
        .env_remove("OSS_ADMIN_TOKEN")
        .env_remove("AWS_ACCESS_KEY_ID")
        .env_remove("AWS_SECRET_ACCESS_KEY")
        .current_dir(elsewhere.path())
        .output()
        .expect("run oss admin");
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("OSS_ADMIN_TOKEN"), "{stderr}");
    assert!(
        stderr.contains(&Path::new("admin.token").display().to_string()),
        "{stderr}"
    );
}

#[test]
fn help_names_defaults_and_units() {
    let run = |args: &[&str]| {
        let output = Command::new(env!("CARGO_BIN_EXE_oss"))
            .args(args)
            .output()
            .expect("run oss --help");
        assert!(output.status.success(), "{args:?}");
        String::from_utf8(output.stdout).expect("UTF-8 help")
    };
    let top = run(&["--help"]);
    assert!(top.contains("admin"), "{top}");
    let admin = run(&["admin", "--help"]);
    assert!(admin.contains("http://127.0.0.1:9001"), "{admin}");
    assert!(admin.contains("OSS_ADMIN_ENDPOINT"), "{admin}");
    let create = run(&["admin", "accounts", "create", "--help"]);
    assert!(create.contains("--capacity-gb <GB>"), "{create}");
    assert!(create.contains("[default: 50]"), "{create}");
    assert!(create.contains("[default: pay-as-you-go]"), "{create}");
    let expand = run(&["admin", "capacity", "expand", "--help"]);
    assert!(expand.contains("GB (capacity units)"), "{expand}");
}
