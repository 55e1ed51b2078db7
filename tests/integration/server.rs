//! Test harness around the real `oss` binary: a temporary directory with a config file, a
//! process started on port 0 whose addresses are read from its log, and clean or brutal stops.

use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc::{self, Receiver, RecvTimeoutError};
use std::thread;
use std::time::{Duration, Instant};

use nix::sys::signal::{Signal, kill};
use nix::unistd::Pid;
use tempfile::TempDir;

/// How long the server may take from spawn to both listening lines, and from SIGTERM to exit.
const START_TIMEOUT: Duration = Duration::from_secs(60);
const STOP_TIMEOUT: Duration = Duration::from_secs(60);

/// Log markers the server prints once each endpoint accepts connections.
const S3_MARKER: &str = "S3 endpoint listening on ";
const ADMIN_MARKER: &str = "admin endpoint listening on ";

/// Lines of the server log printed when a test fails.
const LOG_TAIL_LINES: usize = 300;

/// The key pair and region of the `default` account, read from `<data_dir>/credentials`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Access key id.
    pub access_key: String,
    /// Secret access key.
    pub secret_key: String,
    /// Region of the account.
    pub region: String,
}

/// Extra settings for a server start.
#[derive(Debug, Clone, Default)]
pub struct Options {
    /// Environment variables passed to the server process.
    pub env: Vec<(String, String)>,
    /// TOML lines appended to the `[storage]` section, such as `chunk_size = "64KiB"`.
    pub storage: Vec<String>,
}

/// One server with its own directory. Dropping it kills a still-running process.
pub struct Server {
    dir: TempDir,
    options: Options,
    process: Option<Process>,
    /// `http` or `https`, from the S3 listening line.
    s3_scheme: String,
    s3_addr: SocketAddr,
    admin_addr: SocketAddr,
    credentials: Credentials,
}

struct Process {
    child: Child,
    events: Receiver<Event>,
}

/// What the stderr reader thread reports to the test thread.
enum Event {
    S3(String),
    Admin(String),
    Closed,
}

impl Server {
    /// Starts a server with default settings in a new temporary directory.
    pub fn start() -> Server {
        Server::start_with(Options::default())
    }

    /// Starts a server with `options` in a new temporary directory.
    pub fn start_with(options: Options) -> Server {
        let dir = tempfile::Builder::new()
            .prefix("oss-it-")
            .tempdir()
            .expect("create temp dir");
        write_config(dir.path(), &options);
        let unset: SocketAddr = ([127, 0, 0, 1], 0).into();
        let mut server = Server {
            dir,
            options,
            process: None,
            s3_scheme: String::new(),
            s3_addr: unset,
            admin_addr: unset,
            credentials: Credentials {
                access_key: String::new(),
                secret_key: String::new(),
                region: String::new(),
            },
        };
        server.restart();
        server
    }

    /// Starts the process again on the same data directory after [`stop`](Self::stop) or
    /// [`kill`](Self::kill), and rereads the addresses and the credentials.
    pub fn restart(&mut self) {
        assert!(
            self.process.is_none(),
            "restart of a server that is still running"
        );
        let (process, s3, admin) = spawn(self.dir.path(), &self.options);
        self.process = Some(process);
        self.s3_scheme = s3.split("://").next().unwrap_or_default().to_owned();
        self.s3_addr = parse_addr(&s3);
        self.admin_addr = parse_addr(&admin);
        self.credentials = read_credentials(&self.data_dir().join("credentials"));
    }

    /// Sends SIGTERM and waits for the process to exit; returns its exit status.
    pub fn stop(&mut self) -> ExitStatus {
        let mut process = self
            .process
            .take()
            .expect("stop of a server that is not running");
        let pid = Pid::from_raw(i32::try_from(process.child.id()).expect("pid fits i32"));
        kill(pid, Signal::SIGTERM).expect("send SIGTERM");

        // The reader thread sees end of file on stderr when the process exits.
        let deadline = Instant::now() + STOP_TIMEOUT;
        loop {
            match process
                .events
                .recv_timeout(deadline.saturating_duration_since(Instant::now()))
            {
                Ok(Event::Closed) | Err(RecvTimeoutError::Disconnected) => break,
                Ok(_) => {}
                Err(RecvTimeoutError::Timeout) => {
                    let _ = process.child.kill();
                    let _ = process.child.wait();
                    panic!("server did not exit within {STOP_TIMEOUT:?} of SIGTERM");
                }
            }
        }
        process.child.wait().expect("wait for server")
    }

    /// Sends SIGKILL and waits for the process to be gone.
    pub fn kill(&mut self) {
        let mut process = self
            .process
            .take()
            .expect("kill of a server that is not running");
        process.child.kill().expect("send SIGKILL");
        process.child.wait().expect("wait for killed server");
    }

    /// Runs `oss fsck` on the data directory; the server must be stopped.
    pub fn fsck(&self) -> Output {
        assert!(self.process.is_none(), "fsck while the server is running");
        Command::new(env!("CARGO_BIN_EXE_oss"))
            .arg("fsck")
            .arg("--config")
            .arg(self.config_path())
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .output()
            .expect("run oss fsck")
    }

    /// Returns the S3 endpoint's URL, `http://127.0.0.1:PORT` (`https` with TLS).
    pub fn endpoint(&self) -> String {
        format!("{}://{}", self.s3_scheme, self.s3_addr)
    }

    /// Returns the address of the S3 endpoint.
    pub fn s3_addr(&self) -> SocketAddr {
        self.s3_addr
    }

    /// Returns the address of the admin endpoint.
    pub fn admin_addr(&self) -> SocketAddr {
        self.admin_addr
    }

    /// Returns the credentials of the `default` account.
    pub fn credentials(&self) -> &Credentials {
        &self.credentials
    }

    /// Returns the temporary directory, where tests may keep their own files.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Returns the server's data directory.
    pub fn data_dir(&self) -> PathBuf {
        self.dir.path().join("data")
    }

    /// Returns the server's credentials file, usable as `AWS_SHARED_CREDENTIALS_FILE`.
    pub fn credentials_path(&self) -> PathBuf {
        self.data_dir().join("credentials")
    }

    /// Returns the whole server log so far.
    pub fn log(&self) -> String {
        fs::read_to_string(log_path(self.dir.path())).unwrap_or_default()
    }

    fn config_path(&self) -> PathBuf {
        self.dir.path().join("oss.toml")
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(mut process) = self.process.take() {
            let _ = process.child.kill();
            let _ = process.child.wait();
        }
        if thread::panicking() {
            print_log_tail(&self.log());
        }
    }
}

fn print_log_tail(log: &str) {
    let lines: Vec<&str> = log.lines().collect();
    let start = lines.len().saturating_sub(LOG_TAIL_LINES);
    eprintln!(
        "---- server log (last {} of {} lines) ----",
        lines.len() - start,
        lines.len()
    );
    for line in &lines[start..] {
        eprintln!("{line}");
    }
    eprintln!("---- end of server log ----");
}

fn log_path(dir: &Path) -> PathBuf {
    dir.join("server.log")
}

fn write_config(dir: &Path, options: &Options) {
    // The key file sits beside the data directory because the server rejects one inside it.
    let data_dir = dir.join("data");
    let key_file = dir.join("oss.key");
    let mut config = format!(
        "[s3]\nlisten = \"127.0.0.1:0\"\n\n\
         [admin]\nlisten = \"127.0.0.1:0\"\n\n\
         [storage]\ndata_dir = {data_dir:?}\n{storage}\n\
         [accounts]\ndefault_region = \"beijing-1\"\n\n\
         [security]\nkey_file = {key_file:?}\n",
        storage = options
            .storage
            .iter()
            .map(|line| format!("{line}\n"))
            .collect::<String>(),
    );
    config.push('\n');
    fs::write(dir.join("oss.toml"), config).expect("write config");
}

/// Spawns `oss serve` and waits for both listening lines; returns the S3 and admin URLs.
fn spawn(dir: &Path, options: &Options) -> (Process, String, String) {
    let log = OpenOptions::new()
        .create(true)
        .append(true)
        .open(log_path(dir))
        .expect("open log");
    let mut command = Command::new(env!("CARGO_BIN_EXE_oss"));
    command
        .arg("serve")
        .arg("--config")
        .arg(dir.join("oss.toml"))
        .stdin(Stdio::null())
        .stdout(log.try_clone().expect("clone log handle"))
        .stderr(Stdio::piped());

    // Settings from the developer's shell must not leak into the server under test.
    for (name, _) in std::env::vars_os() {
        if name.to_string_lossy().starts_with("OSS_") || name == "RUST_LOG" {
            command.env_remove(name);
        }
    }
    command.envs(options.env.iter().map(|(name, value)| (name, value)));

    let mut child = command.spawn().expect("spawn oss serve");
    let stderr = child.stderr.take().expect("piped stderr");
    let (sender, events) = mpsc::channel();
    thread::spawn(move || drain_stderr(stderr, log, &sender));

    let mut process = Process { child, events };
    match wait_for_endpoints(&process.events) {
        Ok((s3, admin)) => (process, s3, admin),
        Err(reason) => {
            let _ = process.child.kill();
            let _ = process.child.wait();
            print_log_tail(&fs::read_to_string(log_path(dir)).unwrap_or_default());
            panic!("server did not start: {reason}");
        }
    }
}

/// Copies every stderr line to the log file and reports the listening lines.
fn drain_stderr(stderr: impl std::io::Read, mut log: File, sender: &mpsc::Sender<Event>) {
    let mut reader = BufReader::new(stderr);
    let mut line = String::new();
    loop {
        line.clear();
        match reader.read_line(&mut line) {
            Ok(0) | Err(_) => break,
            Ok(_) => {}
        }
        let _ = log.write_all(line.as_bytes());
        // The receiver is gone once the test no longer waits; the log still gets every line.
        if let Some(url) = url_after(&line, S3_MARKER) {
            let _ = sender.send(Event::S3(url));
        } else if let Some(url) = url_after(&line, ADMIN_MARKER) {
            let _ = sender.send(Event::Admin(url));
        }
    }
    let _ = sender.send(Event::Closed);
}

fn url_after(line: &str, marker: &str) -> Option<String> {
    let rest = &line[line.find(marker)? + marker.len()..];
    let url = rest.split_whitespace().next()?;
    Some(
        url.trim_end_matches(|c: char| !c.is_ascii_digit())
            .to_owned(),
    )
}

fn wait_for_endpoints(events: &Receiver<Event>) -> Result<(String, String), String> {
    let deadline = Instant::now() + START_TIMEOUT;
    let (mut s3, mut admin) = (None, None);
    while s3.is_none() || admin.is_none() {
        match events.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            Ok(Event::S3(url)) => s3 = Some(url),
            Ok(Event::Admin(url)) => admin = Some(url),
            Ok(Event::Closed) | Err(RecvTimeoutError::Disconnected) => {
                return Err("process exited before both endpoints listened".to_owned());
            }
            Err(RecvTimeoutError::Timeout) => {
                return Err(format!("no listening lines within {START_TIMEOUT:?}"));
            }
        }
    }
    Ok((s3.unwrap_or_default(), admin.unwrap_or_default()))
}

fn parse_addr(url: &str) -> SocketAddr {
    let authority = url
        .strip_prefix("http://")
        .or_else(|| url.strip_prefix("https://"))
        .unwrap_or_else(|| panic!("listening URL {url:?} has no http:// or https:// scheme"));
    authority
        .parse()
        .unwrap_or_else(|error| panic!("listening address {authority:?}: {error}"))
}

/// Reads profile `default` of an AWS shared-credentials file.
pub fn read_credentials(path: &Path) -> Credentials {
    let text = fs::read_to_string(path)
        .unwrap_or_else(|error| panic!("read credentials file {}: {error}", path.display()));
    let mut in_default = false;
    let (mut access_key, mut secret_key, mut region) = (None, None, None);
    for line in text.lines().map(str::trim) {
        if line.starts_with('[') {
            in_default = line == "[default]";
            continue;
        }
        let Some((name, value)) = line.split_once('=') else {
            continue;
        };
        if !in_default {
            continue;
        }
        let value = Some(value.trim().to_owned());
        match name.trim() {
            "aws_access_key_id" => access_key = value,
            "aws_secret_access_key" => secret_key = value,
            "region" => region = value,
            _ => {}
        }
    }
    let missing = |field: &str| format!("{} has no {field} in [default]", path.display());
    Credentials {
        access_key: access_key.unwrap_or_else(|| panic!("{}", missing("aws_access_key_id"))),
        secret_key: secret_key.unwrap_or_else(|| panic!("{}", missing("aws_secret_access_key"))),
        region: region.unwrap_or_else(|| panic!("{}", missing("region"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_start_writes_default_account() {
        let server = Server::start();
        let credentials = server.credentials();
        assert_eq!(credentials.region, "beijing-1");
        assert!(!credentials.access_key.is_empty(), "empty access key id");
        assert!(!credentials.secret_key.is_empty(), "empty secret key");
        let token = fs::read_to_string(server.data_dir().join("admin.token")).unwrap_or_default();
        assert!(!token.trim().is_empty(), "admin.token missing or empty");
    }

    #[test]
    fn root_key_from_env_on_first_start() {
        let server = Server::start_with(Options {
            env: vec![
                ("OSS_ROOT_ACCESS_KEY".into(), "ITROOTACCESSKEY00001".into()),
                (
                    "OSS_ROOT_SECRET_KEY".into(),
                    "it-root-secret-key-0000000000000000000000".into(),
                ),
            ],
            ..Options::default()
        });
        assert_eq!(server.credentials().access_key, "ITROOTACCESSKEY00001");
        assert_eq!(
            server.credentials().secret_key,
            "it-root-secret-key-0000000000000000000000"
        );
    }

    #[test]
    fn restart_keeps_credentials_and_fsck_clean() {
        let mut server = Server::start();
        let before = server.credentials().clone();
        let status = server.stop();
        assert!(status.success(), "exit status after SIGTERM: {status}");
        server.restart();
        assert_eq!(server.credentials(), &before);
        let status = server.stop();
        assert!(
            status.success(),
            "exit status after the second SIGTERM: {status}"
        );
        let fsck = server.fsck();
        assert!(
            fsck.status.success(),
            "fsck on an empty data dir failed: {fsck:?}"
        );
    }

    #[test]
    fn sigterm_right_after_listening_exits_cleanly() {
        // The listening lines promise readiness, so a SIGTERM sent at once must shut down
        // gracefully rather than hit the default signal action.
        let mut server = Server::start();
        let status = server.stop();
        assert!(status.success(), "exit status after SIGTERM: {status}");
    }

    #[test]
    fn env_overrides_config_file() {
        // The config file sets port 0, and a port given through the environment must win.
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind probe port");
        let port = listener.local_addr().expect("probe addr").port();
        drop(listener);
        let server = Server::start_with(Options {
            env: vec![("OSS_ADMIN_LISTEN".into(), format!("127.0.0.1:{port}"))],
            ..Options::default()
        });
        assert_eq!(server.admin_addr().port(), port);
    }

    #[test]
    fn url_after_marker() {
        let line =
            "2026-01-01T00:00:00Z  INFO oss: S3 endpoint listening on http://127.0.0.1:4321\n";
        assert_eq!(
            url_after(line, S3_MARKER).as_deref(),
            Some("http://127.0.0.1:4321")
        );
    }

    #[test]
    fn credentials_file_parsed() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("credentials");
        let text = "[other]\naws_access_key_id = X\n\n[default]\naws_access_key_id = AK\n\
                    aws_secret_access_key = SK\nregion = beijing-1\n";
        fs::write(&path, text).expect("write credentials");
        let credentials = read_credentials(&path);
        assert_eq!(credentials.access_key, "AK");
        assert_eq!(credentials.secret_key, "SK");
        assert_eq!(credentials.region, "beijing-1");
    }
}
