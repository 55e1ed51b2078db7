//! Running client programs: a clean environment, success checks that print the output, the
//! first line of a version banner, and polling a condition until a deadline.

use std::process::{Command, Output};
use std::thread;
use std::time::{Duration, Instant};

/// Pause between two checks of a polled condition.
const POLL_INTERVAL: Duration = Duration::from_millis(50);

/// Removes variables that could point a client at other credentials, profiles or endpoints:
/// everything starting with `AWS_`, `RCLONE_` or `S3CMD_`.
pub fn clean_env(command: &mut Command) -> &mut Command {
    for (name, _) in std::env::vars_os() {
        let name_str = name.to_string_lossy();
        if ["AWS_", "RCLONE_", "S3CMD_"]
            .iter()
            .any(|prefix| name_str.starts_with(prefix))
        {
            command.env_remove(&name);
        }
    }
    command
}

/// Formats an exit status with both output streams, for failure messages.
pub fn describe(output: &Output) -> String {
    format!(
        "{}\nstdout:\n{}\nstderr:\n{}",
        output.status,
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Runs `command`, asserts that it exits 0 and returns its stdout.
#[track_caller]
pub fn run_ok(command: &mut Command) -> String {
    let output = command
        .output()
        .unwrap_or_else(|error| panic!("run {command:?}: {error}"));
    assert!(
        output.status.success(),
        "{command:?} failed: {}",
        describe(&output)
    );
    String::from_utf8(output.stdout).expect("UTF-8 output")
}

/// Returns the first line of `program ARGS`, such as `rclone v1.60.1-DEV` from
/// `rclone version`, so that test output records the version that was exercised.
#[track_caller]
pub fn version_line(program: &str, args: &[&str]) -> String {
    let stdout = run_ok(Command::new(program).args(args));
    stdout.lines().next().unwrap_or_default().trim().to_owned()
}

/// Checks `condition` every 50 ms until it is true or `timeout` passes. Returns whether it
/// became true.
pub fn poll_until(timeout: Duration, mut condition: impl FnMut() -> bool) -> bool {
    let deadline = Instant::now() + timeout;
    loop {
        if condition() {
            return true;
        }
        if Instant::now() >= deadline {
            return false;
        }
        thread::sleep(POLL_INTERVAL);
    }
}
