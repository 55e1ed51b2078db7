//! One end-to-end run in headless Chromium, driven over WebDriver by chromedriver: sign in,
//! create a bucket, upload a file with the progress bar, see it listed, download it, sign
//! out. `scripts/setup.sh` installs Debian's `chromium` and `chromium-driver`.
//!
//! With `OSS_CONSOLE_SCREENSHOTS=DIR` set, the test also saves a screenshot of each main page
//! at laptop and phone width into DIR, for looking at the layout.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use crate::server::Server;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long one step may wait for the page to reach the expected state.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);
/// Larger than the script's 16 MiB single-request limit, so the upload goes in parts.
const UPLOAD_BYTES: usize = 18 << 20;

/// chromedriver on a free loopback port, stopped on drop.
struct Driver {
    child: Child,
    url: String,
}

impl Driver {
    fn start(log: &Path) -> Driver {
        assert!(
            Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists(),
            "{CHROMEDRIVER} and {CHROMIUM} are missing; scripts/setup.sh installs the Debian \
             packages chromium and chromium-driver"
        );
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|listener| listener.local_addr())
            .expect("find a free port")
            .port();
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .arg(format!("--log-path={}", log.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        Driver {
            child,
            url: format!("http://127.0.0.1:{port}"),
        }
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Connects a WebDriver session, retrying while chromedriver starts up.
async fn connect(driver: &Driver, profile: &Path, downloads: &Path) -> Client {
    let capabilities = json!({
        "browserName": "chrome",
        "goog:chromeOptions": {
            "binary": CHROMIUM,
            "args": [
                "--headless", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                "--disable-background-networking", "--disable-component-update",
                "--disable-sync", "--no-first-run",
                format!("--user-data-dir={}", profile.display()),
                "--window-size=1280,800",
            ],
            "prefs": {
                "download.default_directory": downloads.display().to_string(),
                "download.prompt_for_download": false,
            },
        },
    });
    let capabilities = match capabilities {
        serde_json::Value::Object(map) => map,
        _ => unreachable!("capabilities are an object"),
    };
    let deadline = Instant::now() + STEP_TIMEOUT;
    loop {
        let result = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&driver.url)
            .await;
        match result {
            Ok(client) => return client,
            Err(error) if Instant::now() < deadline => {
                let _ = error;
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => panic!("failed to start a Chromium session: {error}"),
        }
    }
}

/// Waits until the element at `selector` exists and contains `text`.
async fn wait_for_text(client: &Client, selector: &str, text: &str) {
    let deadline = Instant::now() + STEP_TIMEOUT;
    loop {
        if let Ok(element) = client.find(Locator::Css(selector)).await
            && let Ok(found) = element.text().await
            && found.contains(text)
        {
            return;
        }
        if Instant::now() >= deadline {
            let source = client.source().await.unwrap_or_default();
            panic!("{selector} never contained {text:?}; page:\n{source}");
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Waits until a file named `name` has fully arrived in `dir`.
async fn wait_for_download(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let partial = dir.join(format!("{name}.crdownload"));
    let deadline = Instant::now() + STEP_TIMEOUT;
    while !(path.exists() && !partial.exists()) {
        assert!(
            Instant::now() < deadline,
            "{name} was not downloaded into {}",
            dir.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    path
}

#[tokio::test]
async fn end_to_end_in_chromium() {
    let server = Server::start();
    let credentials = server.credentials().clone();
    let work = server.dir().join("browser");
    let downloads = work.join("downloads");
    std::fs::create_dir_all(&downloads).expect("create download dir");
    let driver = Driver::start(&work.join("chromedriver.log"));
    let client = connect(&driver, &work.join("profile"), &downloads).await;
    let base = format!("http://{}", server.admin_addr());

    // Sign in.
    client
        .goto(&format!("{base}/"))
        .await
        .expect("open sign-in");
    client
        .find(Locator::Id("access_key_id"))
        .await
        .expect("key field")
        .send_keys(&credentials.access_key)
        .await
        .expect("type key id");
    client
        .find(Locator::Id("secret_access_key"))
        .await
        .expect("secret field")
        .send_keys(&credentials.secret_key)
        .await
        .expect("type secret");
    client
        .find(Locator::Css(
            "form[action='/console/sign-in'] button[type='submit']",
        ))
        .await
        .expect("sign-in button")
        .click()
        .await
        .expect("sign in");
    wait_for_text(&client, "h1", "Overview").await;

    // Create a bucket from the Buckets tab.
    client
        .find(Locator::LinkText("Buckets"))
        .await
        .expect("buckets tab")
        .click()
        .await
        .expect("open buckets");
    wait_for_text(&client, "h1", "Buckets").await;
    client
        .find(Locator::Id("bucket-name"))
        .await
        .expect("name field")
        .send_keys("e2e-bucket")
        .await
        .expect("type name");
    client
        .find(Locator::XPath("//button[text()='Create bucket']"))
        .await
        .expect("create button")
        .click()
        .await
        .expect("create bucket");
    wait_for_text(&client, ".flash.success", "Bucket \"e2e-bucket\" created.").await;

    // Upload a file in parts; the progress bar fills and the row reports done.
    let file = work.join("e2e upload.bin");
    let data: Vec<u8> = (0..UPLOAD_BYTES).map(|i| (i % 253) as u8).collect();
    std::fs::write(&file, &data).expect("write upload file");
    client
        .find(Locator::Id("upload-files"))
        .await
        .expect("file input")
        .send_keys(&file.display().to_string())
        .await
        .expect("choose file");
    client
        .find(Locator::XPath(
            "//form[@id='upload-form']//button[@type='submit']",
        ))
        .await
        .expect("upload button")
        .click()
        .await
        .expect("start upload");
    wait_for_text(&client, "#upload-done", "All uploads finished").await;
    let progress = client
        .find(Locator::Css("#upload-list progress"))
        .await
        .expect("progress bar");
    let value = progress.prop("value").await.expect("progress value");
    let max = progress.prop("max").await.expect("progress max");
    assert_eq!(value, max, "progress bar full");
    assert_eq!(max.as_deref(), Some(UPLOAD_BYTES.to_string().as_str()));
    save_screenshots(&client, "upload").await;

    // The file is listed after a refresh.
    client
        .find(Locator::LinkText("Refresh the listing"))
        .await
        .expect("refresh link")
        .click()
        .await
        .expect("refresh");
    wait_for_text(&client, "table", "e2e upload.bin").await;

    // Download it and compare the bytes.
    client
        .find(Locator::XPath("//a[text()='Download']"))
        .await
        .expect("download link")
        .click()
        .await
        .expect("download");
    let downloaded = wait_for_download(&downloads, "e2e upload.bin").await;
    let bytes = std::fs::read(&downloaded).expect("read download");
    assert_eq!(bytes.len(), data.len(), "downloaded size");
    assert!(bytes == data, "downloaded bytes differ");

    // Screenshots of the other main pages, when asked for.
    if screenshot_dir().is_some() {
        tour(&client, &base, &server).await;
    }

    // Sign out.
    client
        .find(Locator::XPath("//button[text()='Sign out']"))
        .await
        .expect("sign-out button")
        .click()
        .await
        .expect("sign out");
    wait_for_text(&client, "h1", "Sign in").await;
    let cookies = client.get_all_cookies().await.expect("cookies");
    assert!(
        cookies.iter().all(|cookie| cookie.name() != "oss_session"),
        "session cookie kept after sign-out"
    );
    client.close().await.expect("close the browser");
}

fn screenshot_dir() -> Option<PathBuf> {
    std::env::var_os("OSS_CONSOLE_SCREENSHOTS").map(PathBuf::from)
}

/// Saves the current page at laptop and phone width, when screenshots are asked for.
async fn save_screenshots(client: &Client, name: &str) {
    let Some(dir) = screenshot_dir() else {
        return;
    };
    std::fs::create_dir_all(&dir).expect("create screenshot dir");
    for (width, height, label) in [(1280, 800, "laptop"), (390, 844, "phone")] {
        client
            .set_window_size(width, height)
            .await
            .expect("resize window");
        let png = client.screenshot().await.expect("screenshot");
        std::fs::write(dir.join(format!("{name}-{label}.png")), png).expect("save screenshot");
    }
    client
        .set_window_size(1280, 800)
        .await
        .expect("resize window");
}

/// Visits the main pages and saves a screenshot of each.
async fn tour(client: &Client, base: &str, server: &Server) {
    let current = client.current_url().await.expect("url").to_string();
    let account_path = current
        .split("/buckets/")
        .next()
        .expect("account path")
        .trim_start_matches(base)
        .to_owned();
    let pages = [
        ("overview", String::new()),
        ("access", "/access".to_owned()),
        ("buckets", "/buckets".to_owned()),
        ("bucket", "/buckets/e2e-bucket".to_owned()),
        ("objects", "/buckets/e2e-bucket/objects".to_owned()),
        (
            "object",
            "/buckets/e2e-bucket/object?key=e2e%20upload.bin".to_owned(),
        ),
        ("users", "/users".to_owned()),
        ("keys", "/keys".to_owned()),
        ("capacity", "/capacity".to_owned()),
    ];
    for (name, rest) in pages {
        client
            .goto(&format!("{base}{account_path}{rest}"))
            .await
            .expect("open page");
        save_screenshots(client, name).await;
    }
    let _ = server;
}
