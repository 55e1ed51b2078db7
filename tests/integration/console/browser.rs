//! One end-to-end run of the console in headless Chromium, driven over WebDriver by
//! chromedriver. The operator activates an account. Its owner uploads and downloads a file,
//! creates sub-users and grants one of them a bucket with regrant, and that sub-user passes
//! the grant on. Then the owner changes the capacity and releases the account.
//! `scripts/setup.sh` installs Debian's `chromium` and `chromium-driver`.
//!
//! With `OSS_CONSOLE_SCREENSHOTS=DIR` set, the run also saves a screenshot of each main page
//! at laptop and phone width into DIR; README.md shows the set kept in `docs/console/`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use hyper_util::client::legacy::connect::HttpConnector;
use serde_json::json;

use super::operator_token;
use crate::server::Server;

const CHROMIUM: &str = "/usr/bin/chromium";
const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
/// How long one step may wait for the page to reach the expected state.
const STEP_TIMEOUT: Duration = Duration::from_secs(60);
/// Larger than the script's 16 MiB single-request limit, so the upload goes in parts.
const UPLOAD_BYTES: usize = 20 << 20;
/// Window sizes of the screenshots: a laptop and a phone.
const SCREEN_SIZES: [(u32, u32, &str); 2] = [(1280, 800, "laptop"), (390, 844, "phone")];

const ACCOUNT: &str = "acme";
const BUCKET: &str = "acme-media";
const FILE_NAME: &str = "site backup.tar";
const SUB_USER: &str = "alice";
const SECOND_USER: &str = "bob";

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
                "--disable-sync", "--no-first-run", "--hide-scrollbars",
                format!("--user-data-dir={}", profile.display()),
                "--window-size=1280,800",
            ],
            "prefs": {
                "download.default_directory": downloads.display().to_string(),
                "download.prompt_for_download": false,
            },
        },
    });
    let serde_json::Value::Object(capabilities) = capabilities else {
        unreachable!("capabilities are an object");
    };
    let deadline = Instant::now() + STEP_TIMEOUT;
    loop {
        let result = ClientBuilder::new(HttpConnector::new())
            .capabilities(capabilities.clone())
            .connect(&driver.url)
            .await;
        match result {
            Ok(client) => return client,
            Err(_) if Instant::now() < deadline => {
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
            Err(error) => panic!("failed to start a Chromium session: {error}"),
        }
    }
}

/// The browser with the console's address, and the steps the scenario takes on its pages.
struct Console {
    client: Client,
    base: String,
    screenshots: Option<PathBuf>,
}

impl Console {
    /// Opens a console path, such as `/`.
    async fn open(&self, path: &str) {
        self.client
            .goto(&format!("{}{path}", self.base))
            .await
            .unwrap_or_else(|error| panic!("open {path}: {error}"));
    }

    async fn find(&self, locator: Locator<'_>) -> Element {
        self.client
            .find(locator)
            .await
            .unwrap_or_else(|error| panic!("find {locator:?}: {error}"))
    }

    /// Replaces the text of the input with this id.
    async fn fill(&self, id: &str, text: &str) {
        let input = self.find(Locator::Id(id)).await;
        input.clear().await.expect("clear the field");
        input.send_keys(text).await.expect("type into the field");
    }

    /// Chooses the option with this value in the select with this id.
    async fn choose(&self, id: &str, value: &str) {
        self.find(Locator::Id(id))
            .await
            .select_by_value(value)
            .await
            .unwrap_or_else(|error| panic!("choose {value:?} in #{id}: {error}"));
    }

    /// Clicks the submit button of the form whose action ends with `action`.
    async fn submit(&self, action: &str) {
        let selector = format!("form[action$='{action}'] button[type='submit']");
        self.find(Locator::Css(&selector))
            .await
            .click()
            .await
            .expect("submit the form");
    }

    async fn click_link(&self, text: &str) {
        self.find(Locator::LinkText(text))
            .await
            .click()
            .await
            .expect("follow the link");
    }

    /// Waits until the element at `selector` exists and contains `text`.
    async fn wait_for_text(&self, selector: &str, text: &str) {
        let deadline = Instant::now() + STEP_TIMEOUT;
        loop {
            if self.text_of(selector).await.contains(text) {
                return;
            }
            if Instant::now() >= deadline {
                let source = self.client.source().await.unwrap_or_default();
                panic!("{selector} never contained {text:?}; page:\n{source}");
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    /// Waits for a page titled `title`, checking its success message.
    async fn wait_for_success(&self, title: &str, message: &str) {
        self.wait_for_text("h1", title).await;
        self.wait_for_text(".flash.success", message).await;
    }

    /// Returns the text of the element at `selector`, empty if there is none.
    async fn text_of(&self, selector: &str) -> String {
        match self.client.find(Locator::Css(selector)).await {
            Ok(element) => element.text().await.unwrap_or_default(),
            Err(_) => String::new(),
        }
    }

    /// Returns a value that a flash message reveals once, by its label.
    async fn revealed(&self, label: &str) -> String {
        let path = format!("//div[@class='reveal'][label[text()='{label}']]/input");
        self.find(Locator::XPath(&path))
            .await
            .prop("value")
            .await
            .expect("read the revealed value")
            .unwrap_or_else(|| panic!("{label} has no value"))
    }

    /// Returns the text of one cell of a table row, found by the text of another cell.
    async fn cell(&self, key_label: &str, key: &str, label: &str) -> String {
        let path = format!(
            "//tr[td[@data-label='{key_label}' and normalize-space()='{key}']]\
             /td[@data-label='{label}']"
        );
        self.find(Locator::XPath(&path))
            .await
            .text()
            .await
            .expect("read the cell")
    }

    async fn sign_in_key(&self, access_key_id: &str, secret: &str) {
        self.open("/").await;
        self.wait_for_text("h1", "Sign in").await;
        self.fill("access_key_id", access_key_id).await;
        self.fill("secret_access_key", secret).await;
        let button = "//form[.//input[@id='access_key_id']]//button[@type='submit']";
        self.find(Locator::XPath(button))
            .await
            .click()
            .await
            .expect("sign in");
    }

    async fn sign_out(&self) {
        self.submit("/console/sign-out").await;
        self.wait_for_text("h1", "Sign in").await;
        let cookies = self.client.get_all_cookies().await.expect("cookies");
        assert!(
            cookies.iter().all(|cookie| cookie.name() != "oss_session"),
            "session cookie kept after sign-out"
        );
    }

    /// Saves the current page at laptop and phone width, when screenshots are requested.
    async fn screenshot(&self, name: &str) {
        let Some(dir) = &self.screenshots else {
            return;
        };
        std::fs::create_dir_all(dir).expect("create the screenshot directory");
        for (width, height, label) in SCREEN_SIZES {
            self.set_viewport_size(width, height).await;
            let png = self.client.screenshot().await.expect("take a screenshot");
            let path = dir.join(format!("{name}-{label}.png"));
            std::fs::write(&path, png).expect("save the screenshot");
        }
        let (width, height, _) = SCREEN_SIZES[0];
        self.set_viewport_size(width, height).await;
    }

    /// Resizes the window so that the page area, which screenshots show, has this size.
    async fn set_viewport_size(&self, width: u32, height: u32) {
        self.client
            .set_window_size(width, height)
            .await
            .expect("resize the window");
        let inner = self
            .client
            .execute(
                "return [window.innerWidth, window.innerHeight];",
                Vec::new(),
            )
            .await
            .expect("read the page area size");
        let inner_size = |index: usize| inner[index].as_u64().expect("a size in pixels") as u32;
        // Headless Chromium still reserves room for a window frame and toolbars.
        let frame_width = width.saturating_sub(inner_size(0));
        let frame_height = height.saturating_sub(inner_size(1));
        if frame_width > 0 || frame_height > 0 {
            self.client
                .set_window_size(width + frame_width, height + frame_height)
                .await
                .expect("resize the window");
        }
    }
}

/// A key pair read from a page.
struct KeyPair {
    access_key_id: String,
    secret: String,
}

#[tokio::test]
async fn end_to_end_in_chromium() {
    let started = Instant::now();
    let server = Server::start();
    let work = server.dir().join("browser");
    let downloads = work.join("downloads");
    std::fs::create_dir_all(&downloads).expect("create the download directory");
    let driver = Driver::start(&work.join("chromedriver.log"));
    let console = Console {
        client: connect(&driver, &work.join("profile"), &downloads).await,
        base: format!("http://{}", server.admin_addr()),
        screenshots: std::env::var_os("OSS_CONSOLE_SCREENSHOTS").map(PathBuf::from),
    };

    let (account_id, owner) = activate_account(&console, &operator_token(&server)).await;
    console.sign_out().await;

    console
        .sign_in_key(&owner.access_key_id, &owner.secret)
        .await;
    console.wait_for_text("h1", "Overview").await;
    console
        .wait_for_text("header .who", &format!("master of {ACCOUNT}"))
        .await;
    console.click_link("Access").await;
    console.wait_for_text("h1", "Access").await;
    console.screenshot("access").await;

    upload_and_download(&console, &work, &downloads).await;
    let sub_user = users_and_grant(&console).await;
    console.sign_out().await;

    regrant_as_sub_user(&console, &sub_user).await;
    console.sign_out().await;

    console
        .sign_in_key(&owner.access_key_id, &owner.secret)
        .await;
    console.wait_for_text("h1", "Overview").await;
    console.wait_for_text("main", "20.0 MiB").await;
    console.screenshot("overview").await;
    change_capacity(&console, &account_id).await;
    release(&console, &owner).await;

    console.client.close().await.expect("close the browser");
    eprintln!(
        "console scenario in Chromium took {:.1} s",
        started.elapsed().as_secs_f64()
    );
}

/// Activates an account as the operator. Returns its id and the master key pair that the
/// page shows once.
async fn activate_account(console: &Console, operator_token: &str) -> (String, KeyPair) {
    console.open("/").await;
    console.wait_for_text("h1", "Sign in").await;
    console.screenshot("signin").await;
    console
        .find(Locator::Css("details > summary"))
        .await
        .click()
        .await
        .expect("open the operator sign-in");
    console.fill("operator_token", operator_token).await;
    let button = "//form[.//input[@id='operator_token']]//button[@type='submit']";
    console
        .find(Locator::XPath(button))
        .await
        .click()
        .await
        .expect("sign in as the operator");
    console.wait_for_text("h1", "Accounts").await;
    console.wait_for_text("header .who", "the operator").await;
    console.screenshot("accounts").await;

    console.fill("name", ACCOUNT).await;
    console.choose("region", "beijing-1").await;
    console.fill("capacity_gb", "60").await;
    console.choose("billing", "pay-as-you-go").await;
    console.submit("/console/accounts").await;
    console
        .wait_for_success(
            "Accounts",
            &format!("Account \"{ACCOUNT}\" is active in beijing-1 with 60 GB."),
        )
        .await;
    let account_id = console.revealed("Account id").await;
    let owner = KeyPair {
        access_key_id: console.revealed("Access key id").await,
        secret: console.revealed("Secret access key").await,
    };
    assert_eq!(
        console.cell("Name", ACCOUNT, "Capacity").await,
        "60 GB",
        "capacity in the account list"
    );
    assert_eq!(console.cell("Name", ACCOUNT, "Id").await, account_id);
    // The account is released at the end of the run, so its secret is of no use.
    console.screenshot("activated").await;

    // The secret is shown once: the list reloaded no longer carries it.
    console.open("/console/accounts").await;
    console.wait_for_text("h1", "Accounts").await;
    let source = console.client.source().await.expect("page source");
    assert!(!source.contains(&owner.secret), "secret shown twice");
    (account_id, owner)
}

/// Creates a bucket as the owner, uploads a file in parts and downloads it byte-identical.
async fn upload_and_download(console: &Console, work: &Path, downloads: &Path) {
    console.click_link("Buckets").await;
    console.wait_for_text("h1", "Buckets").await;
    console.fill("bucket-name", BUCKET).await;
    console.submit("/buckets").await;
    console
        .wait_for_success(
            &format!("Bucket {BUCKET}"),
            &format!("Bucket \"{BUCKET}\" created."),
        )
        .await;

    // Upload in parts; the progress bar fills and the row reports done.
    let file = work.join(FILE_NAME);
    let data: Vec<u8> = (0..UPLOAD_BYTES).map(|i| (i % 251) as u8).collect();
    std::fs::write(&file, &data).expect("write the upload file");
    console
        .find(Locator::Id("upload-files"))
        .await
        .send_keys(&file.display().to_string())
        .await
        .expect("choose the file");
    console
        .find(Locator::Css("#upload-form button[type='submit']"))
        .await
        .click()
        .await
        .expect("start the upload");
    console
        .wait_for_text("#upload-done", "All uploads finished")
        .await;
    let progress = console
        .client
        .execute(
            "const bar = document.querySelector('#upload-list progress'); \
             return [bar.value, bar.max];",
            Vec::new(),
        )
        .await
        .expect("read the progress bar");
    assert_eq!(
        progress,
        json!([UPLOAD_BYTES, UPLOAD_BYTES]),
        "progress bar full"
    );
    console.screenshot("upload").await;

    // The file is listed after a refresh.
    console.click_link("Refresh the listing").await;
    console.wait_for_text("table", FILE_NAME).await;
    assert_eq!(console.cell("Name", FILE_NAME, "Size").await, "20.0 MiB");
    console.screenshot("objects").await;

    // Download it and compare the bytes.
    console
        .find(Locator::XPath("//a[text()='Download']"))
        .await
        .click()
        .await
        .expect("download");
    let downloaded = wait_for_download(downloads, FILE_NAME).await;
    let bytes = std::fs::read(&downloaded).expect("read the download");
    assert_eq!(bytes.len(), data.len(), "downloaded size");
    assert!(bytes == data, "downloaded bytes differ");

    console.click_link(FILE_NAME).await;
    console.wait_for_text("h1", FILE_NAME).await;
    console.screenshot("object").await;
}

/// Creates two sub-users as the owner, and a key for the first. Grants the first one the
/// bucket with regrant, and returns its key pair.
async fn users_and_grant(console: &Console) -> KeyPair {
    console.click_link("Users").await;
    console.wait_for_text("h1", "Users").await;
    for user in [SUB_USER, SECOND_USER] {
        console.fill("user-name", user).await;
        console.submit("/users").await;
        console
            .wait_for_success("Users", &format!("User \"{user}\" created."))
            .await;
    }
    console.wait_for_text("table", SECOND_USER).await;
    console.screenshot("users").await;

    console.click_link("Keys").await;
    console.wait_for_text("h1", "Access keys").await;
    console.choose("key-user", SUB_USER).await;
    console.submit("/keys").await;
    console
        .wait_for_success(
            "Access keys",
            &format!("Access key created for user \"{SUB_USER}\"."),
        )
        .await;
    let sub_user = KeyPair {
        access_key_id: console.revealed("Access key id").await,
        secret: console.revealed("Secret access key").await,
    };
    assert_eq!(
        console
            .cell("Access key id", &sub_user.access_key_id, "User")
            .await,
        SUB_USER
    );
    console.screenshot("keys").await;

    console.click_link("Buckets").await;
    console.wait_for_text("h1", "Buckets").await;
    assert_eq!(console.cell("Name", BUCKET, "Objects").await, "1");
    console.screenshot("buckets").await;
    console.click_link(BUCKET).await;
    console
        .wait_for_text("h1", &format!("Bucket {BUCKET}"))
        .await;
    console.choose("grant-user", SUB_USER).await;
    console.choose("grant-access", "read-write").await;
    console
        .find(Locator::Css("input[name='regrant']"))
        .await
        .click()
        .await
        .expect("tick regrant");
    console.submit("/grants").await;
    console
        .wait_for_success(
            &format!("Bucket {BUCKET}"),
            &format!("User \"{SUB_USER}\" now holds read-write on \"{BUCKET}\" with regrant."),
        )
        .await;
    assert_eq!(console.cell("User", SUB_USER, "Regrant").await, "yes");
    assert_eq!(console.cell("User", SUB_USER, "Granted by").await, "master");
    sub_user
}

/// Signs in as the sub-user and passes read access on to the second sub-user.
async fn regrant_as_sub_user(console: &Console, sub_user: &KeyPair) {
    console
        .sign_in_key(&sub_user.access_key_id, &sub_user.secret)
        .await;
    console.wait_for_text("h1", "Buckets").await;
    console
        .wait_for_text("header .who", &format!("{SUB_USER} of {ACCOUNT}"))
        .await;
    console.click_link(BUCKET).await;
    console
        .wait_for_text("h1", &format!("Bucket {BUCKET}"))
        .await;
    console.fill("grant-user", SECOND_USER).await;
    console.choose("grant-access", "read").await;
    console.submit("/grants").await;
    console
        .wait_for_success(
            &format!("Bucket {BUCKET}"),
            &format!("User \"{SECOND_USER}\" now holds read on \"{BUCKET}\"."),
        )
        .await;
    assert_eq!(
        console.cell("User", SECOND_USER, "Granted by").await,
        SUB_USER
    );
    assert_eq!(console.cell("User", SECOND_USER, "Access").await, "read");
    assert_eq!(console.cell("User", SECOND_USER, "Regrant").await, "no");
    console.screenshot("grants").await;
}

/// Expands and shrinks the capacity as the owner. Then submits a shrink that a change made
/// meanwhile in another tab makes invalid, and checks that the page shows the API's error.
async fn change_capacity(console: &Console, account_id: &str) {
    console.click_link("Capacity").await;
    console.wait_for_text("h1", "Capacity").await;
    console.fill("expand-gb", "20").await;
    console.submit("/capacity/expand").await;
    console
        .wait_for_success("Capacity", "The capacity is now 80 GB.")
        .await;
    console.fill("shrink-gb", "10").await;
    console.submit("/capacity/shrink").await;
    console
        .wait_for_success("Capacity", "The capacity is now 70 GB.")
        .await;
    console
        .wait_for_text("#shrink-range", "Allowed: 1 to 20 GB")
        .await;
    console.screenshot("capacity").await;

    // This tab offers to shrink by up to 20 GB; another tab shrinks by 15 first.
    let first = console.client.window().await.expect("current window");
    let second = console.client.new_window(true).await.expect("open a tab");
    console
        .client
        .switch_to_window(second.handle)
        .await
        .expect("switch tabs");
    console
        .open(&format!("/console/accounts/{account_id}/capacity"))
        .await;
    console.fill("shrink-gb", "15").await;
    console.submit("/capacity/shrink").await;
    console
        .wait_for_success("Capacity", "The capacity is now 55 GB.")
        .await;
    console.client.close_window().await.expect("close the tab");
    console
        .client
        .switch_to_window(first)
        .await
        .expect("switch tabs");

    console.fill("shrink-gb", "20").await;
    console.submit("/capacity/shrink").await;
    console.wait_for_text("h1", "Capacity").await;
    console
        .wait_for_text(".flash.error", "CapacityOutOfRange")
        .await;
    let error = console.text_of(".flash.error").await;
    assert!(
        error.contains("would make its capacity 35 GB, outside the allowed 50 to"),
        "{error}"
    );
    assert!(error.contains("it is 55 GB now"), "{error}");
}

/// Releases the account as the owner, typing its name, and follows the progress until the
/// account is gone. Then checks that the owner's key pair no longer signs in.
async fn release(console: &Console, owner: &KeyPair) {
    console.fill("release-confirm", "not-the-name").await;
    console.submit("/release").await;
    console
        .wait_for_text(".flash.error", "ConfirmationMismatch")
        .await;

    console.fill("release-confirm", ACCOUNT).await;
    console.submit("/release").await;
    // NOTE: a small account may be gone before the progress page first loads, and then the
    // run takes no `release` screenshot; in the runs so far the page showed every time.
    let deadline = Instant::now() + STEP_TIMEOUT;
    let mut progress_seen = false;
    loop {
        let title = console.text_of("h1").await;
        if title == "Sign in" {
            break;
        }
        if title == "Releasing the account" && !progress_seen {
            let status = console.text_of("main .card[role='status']").await;
            assert!(status.contains("is being released"), "{status}");
            console.screenshot("release").await;
            progress_seen = true;
        }
        assert!(
            Instant::now() < deadline,
            "the release did not finish; page titled {title:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    console
        .wait_for_text(".flash.success", "The account has been released")
        .await;
    console.screenshot("released").await;
    eprintln!("release progress page seen: {progress_seen}");

    console
        .sign_in_key(&owner.access_key_id, &owner.secret)
        .await;
    console
        .wait_for_text(".flash.error", "Sign-in failed")
        .await;
}

/// Waits until a file named `name` has fully arrived in `dir`.
async fn wait_for_download(dir: &Path, name: &str) -> PathBuf {
    let path = dir.join(name);
    let partial = dir.join(format!("{name}.crdownload"));
    let deadline = Instant::now() + STEP_TIMEOUT;
    while !path.exists() || partial.exists() {
        assert!(
            Instant::now() < deadline,
            "{name} was not downloaded into {}",
            dir.display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    path
}
