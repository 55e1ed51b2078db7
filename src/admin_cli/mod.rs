//! `oss admin <noun> <verb>`: drives a running server through the admin API.

mod auth;
mod client;
mod output;

use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use clap::{Args, Subcommand};
use http::Method;
use oss_admin::types::{
    AccessInfo, AccountCreated, AccountList, AccountOverview, BucketInfo, BucketList, GrantInfo,
    GrantList, KeyCreated, KeyList, UsageReport, UserInfo, UserList,
};
use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};
use serde::de::DeserializeOwned;
use serde_json::json;

use crate::config::Config;
use auth::CredentialFlags;
use client::AdminClient;

/// Characters left alone in a path segment or query value: RFC 3986 unreserved.
const COMPONENT: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Arguments of `oss admin`.
#[derive(Args)]
pub(crate) struct AdminArgs {
    #[command(flatten)]
    connection: ConnectionFlags,
    #[command(subcommand)]
    noun: Noun,
}

/// Endpoint, credential and output flags shared by every admin command. Credentials come
/// from the first of: --access-key-id/--secret-access-key or --token, OSS_ADMIN_TOKEN,
/// AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, <data_dir>/admin.token.
#[derive(Args)]
struct ConnectionFlags {
    /// URL of the admin endpoint.
    #[arg(
        long,
        global = true,
        env = "OSS_ADMIN_ENDPOINT",
        value_name = "URL",
        default_value = "http://127.0.0.1:9001"
    )]
    endpoint: String,
    /// Operator token, sent as `Authorization: Bearer` [default: OSS_ADMIN_TOKEN, then
    /// <data_dir>/admin.token]. Visible to other local users in the process list; prefer
    /// OSS_ADMIN_TOKEN.
    #[arg(long, global = true, value_name = "TOKEN")]
    token: Option<String>,
    /// Access key id to sign requests with (SigV4), with --secret-access-key [default:
    /// AWS_ACCESS_KEY_ID when no token is given].
    #[arg(long, global = true, value_name = "ID")]
    access_key_id: Option<String>,
    /// Secret access key to sign requests with, with --access-key-id [default:
    /// AWS_SECRET_ACCESS_KEY when no token is given].
    #[arg(long, global = true, value_name = "SECRET")]
    secret_access_key: Option<String>,
    /// Region to sign for; when wrong, the server names the account's and the request is
    /// signed again [default: AWS_REGION, then AWS_DEFAULT_REGION, then beijing-1].
    #[arg(long, global = true, value_name = "REGION")]
    signing_region: Option<String>,
    /// Print the API's JSON instead of a table.
    #[arg(long, global = true)]
    json: bool,
    /// Server config file, read only to find <data_dir>/admin.token [default: none, the
    /// built-in settings and OSS_* variables, as `oss serve` reads them].
    #[arg(long, global = true, value_name = "PATH")]
    config: Option<PathBuf>,
    /// Server data directory holding admin.token [default: storage.data_dir of the
    /// settings, ./data].
    #[arg(long, global = true, value_name = "PATH")]
    data_dir: Option<String>,
}

#[derive(Subcommand)]
enum Noun {
    /// Accounts: list, create, show, release.
    Accounts {
        #[command(subcommand)]
        verb: AccountsVerb,
    },
    /// An account's capacity: expand, shrink.
    Capacity {
        #[command(subcommand)]
        verb: CapacityVerb,
    },
    /// Access information of an account (S3 endpoint, region, addressing): show.
    Access {
        #[command(subcommand)]
        verb: ShowVerb,
    },
    /// Sub-users of an account: list, create, delete.
    Users {
        #[command(subcommand)]
        verb: UsersVerb,
    },
    /// Access keys: list, create, delete.
    Keys {
        #[command(subcommand)]
        verb: KeysVerb,
    },
    /// Buckets of an account: list, create, delete.
    Buckets {
        #[command(subcommand)]
        verb: BucketsVerb,
    },
    /// Grants of users on a bucket: list, create, delete.
    Grants {
        #[command(subcommand)]
        verb: GrantsVerb,
    },
    /// The pay-as-you-go meter: show.
    Usage {
        #[command(subcommand)]
        verb: UsageVerb,
    },
}

/// The account an account-scoped command acts on.
#[derive(Args)]
struct AccountFlag {
    /// Account id (the `id` column of `oss admin accounts list`).
    #[arg(long = "account", value_name = "ID")]
    account: String,
}

/// Paging of list commands.
#[derive(Args)]
struct PageFlags {
    /// Maximum items to list, 1 to 1000 [default: 1000].
    #[arg(long, value_name = "N")]
    limit: Option<u32>,
    /// Continue a list after the page that printed this token.
    #[arg(long, value_name = "TOKEN")]
    continuation_token: Option<String>,
}

#[derive(Subcommand)]
enum AccountsVerb {
    /// List accounts (operator only).
    List(PageFlags),
    /// Activate an account; prints its master's key pair once (operator only).
    Create {
        /// Unique account name.
        name: String,
        /// Region of the account, one of the server's accounts.regions.
        #[arg(long, value_name = "REGION")]
        region: String,
        /// Capacity in GB (capacity units), 50 to 4096.
        #[arg(long, value_name = "GB", default_value_t = 50)]
        capacity_gb: u64,
        /// Billing model.
        #[arg(long, value_name = "MODEL", default_value = "pay-as-you-go")]
        billing: String,
    },
    /// Show an account's overview: capacity, use and status.
    Show(AccountFlag),
    /// Release an account: its keys stop working at once and all its data is deleted.
    Release {
        #[command(flatten)]
        account: AccountFlag,
        /// The account's name, to confirm the release.
        #[arg(long, value_name = "NAME")]
        confirm: String,
    },
}

#[derive(Subcommand)]
enum CapacityVerb {
    /// Add capacity; the result must stay at most 4096 GB.
    Expand {
        #[command(flatten)]
        account: AccountFlag,
        /// GB (capacity units) to add.
        #[arg(long, value_name = "GB")]
        gb: u64,
    },
    /// Remove unused capacity; the result must stay at least 50 GB.
    Shrink {
        #[command(flatten)]
        account: AccountFlag,
        /// GB (capacity units) to remove.
        #[arg(long, value_name = "GB")]
        gb: u64,
    },
}

#[derive(Subcommand)]
enum ShowVerb {
    /// Show the S3 endpoint URL, region and addressing styles of an account.
    Show(AccountFlag),
}

#[derive(Subcommand)]
enum UsersVerb {
    /// List the users of an account, the master included.
    List {
        #[command(flatten)]
        account: AccountFlag,
        #[command(flatten)]
        page: PageFlags,
    },
    /// Create a sub-user.
    Create {
        #[command(flatten)]
        account: AccountFlag,
        /// User name: 1 to 64 of A-Z a-z 0-9 . _ -
        name: String,
    },
    /// Delete a sub-user with its keys and grants, and every grant made from them.
    Delete {
        #[command(flatten)]
        account: AccountFlag,
        /// User name.
        name: String,
    },
}

#[derive(Subcommand)]
enum KeysVerb {
    /// List access keys (never their secrets): all of the account's for its master, a
    /// sub-user's own.
    List {
        #[command(flatten)]
        account: AccountFlag,
        /// Only this user's keys [default: every user's the caller may see].
        #[arg(long, value_name = "NAME")]
        user: Option<String>,
        #[command(flatten)]
        page: PageFlags,
    },
    /// Create an access key; prints its secret once.
    Create {
        #[command(flatten)]
        account: AccountFlag,
        /// Owner of the key [default: the caller, or master for the operator].
        #[arg(long, value_name = "NAME")]
        user: Option<String>,
    },
    /// Delete an access key.
    Delete {
        #[command(flatten)]
        account: AccountFlag,
        /// Access key id.
        access_key_id: String,
    },
}

#[derive(Subcommand)]
enum BucketsVerb {
    /// List buckets with their size and object count.
    List {
        #[command(flatten)]
        account: AccountFlag,
        #[command(flatten)]
        page: PageFlags,
    },
    /// Create a bucket in the account's region.
    Create {
        #[command(flatten)]
        account: AccountFlag,
        /// Bucket name, following the S3 rules for new buckets.
        name: String,
    },
    /// Delete a bucket.
    Delete {
        #[command(flatten)]
        account: AccountFlag,
        /// Bucket name.
        name: String,
        /// Also delete a non-empty bucket's objects and uploads, in the background.
        #[arg(long)]
        force: bool,
    },
}

#[derive(Subcommand)]
enum GrantsVerb {
    /// List the grants on a bucket.
    List {
        #[command(flatten)]
        account: AccountFlag,
        /// Bucket name.
        #[arg(long, value_name = "NAME")]
        bucket: String,
        #[command(flatten)]
        page: PageFlags,
    },
    /// Grant a user access to a bucket, replacing its grant there if it has one.
    Create {
        #[command(flatten)]
        account: AccountFlag,
        /// Bucket name.
        #[arg(long, value_name = "NAME")]
        bucket: String,
        /// Grantee user name.
        #[arg(long, value_name = "NAME")]
        user: String,
        /// Access to give.
        #[arg(long, value_parser = ["read", "read-write"])]
        access: String,
        /// Let the grantee grant this access, or less, to other users.
        #[arg(long)]
        regrant: bool,
    },
    /// Revoke a user's grant on a bucket and every grant made from it.
    Delete {
        #[command(flatten)]
        account: AccountFlag,
        /// Bucket name.
        #[arg(long, value_name = "NAME")]
        bucket: String,
        /// Grantee user name.
        #[arg(long, value_name = "NAME")]
        user: String,
    },
}

#[derive(Subcommand)]
enum UsageVerb {
    /// Show the meter by hour: stored GB-hours, requests by class, bytes in and out.
    Show {
        #[command(flatten)]
        account: AccountFlag,
        /// Start, RFC 3339, floored to the hour [default: 24 hours before --to].
        #[arg(long, value_name = "TIME")]
        from: Option<String>,
        /// End, RFC 3339, exclusive, floored to the hour [default: the end of the current hour].
        #[arg(long, value_name = "TIME")]
        to: Option<String>,
    },
}

/// Runs `oss admin`.
pub(crate) fn run(args: AdminArgs) -> anyhow::Result<ExitCode> {
    let flags = &args.connection;
    let credential_flags = CredentialFlags {
        token: flags.token.clone(),
        access_key_id: flags.access_key_id.clone(),
        secret_access_key: flags.secret_access_key.clone(),
    };
    let (credentials, _source) = auth::resolve(
        &credential_flags,
        |name| std::env::var(name).ok(),
        || token_file(flags),
    )?;
    let region = flags
        .signing_region
        .clone()
        .or_else(|| std::env::var("AWS_REGION").ok())
        .or_else(|| std::env::var("AWS_DEFAULT_REGION").ok())
        .filter(|region| !region.is_empty());
    let client = AdminClient::new(&flags.endpoint, credentials, region)?;
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let mut command = Command {
        client,
        json: flags.json,
    };
    runtime.block_on(command.run(args.noun))
}

/// Finds `<data_dir>/admin.token` as `oss serve` finds its data directory.
fn token_file(flags: &ConnectionFlags) -> anyhow::Result<PathBuf> {
    let overrides: Vec<(&str, String)> = flags
        .data_dir
        .iter()
        .map(|dir| ("storage.data_dir", dir.clone()))
        .collect();
    let (config, _) = Config::load(flags.config.as_deref(), std::env::vars(), &overrides)
        .context("failed to read the server settings to find admin.token")?;
    Ok(config.storage.data_dir.join("admin.token"))
}

fn segment(text: &str) -> String {
    utf8_percent_encode(text, COMPONENT).to_string()
}

fn account_path(account: &AccountFlag) -> String {
    format!("/admin/v1/accounts/{}", segment(&account.account))
}

fn page_query(page: &PageFlags) -> String {
    let mut pairs = Vec::new();
    if let Some(limit) = page.limit {
        pairs.push(format!("limit={limit}"));
    }
    if let Some(token) = &page.continuation_token {
        pairs.push(format!("continuation_token={}", segment(token)));
    }
    match pairs.is_empty() {
        true => String::new(),
        false => format!("?{}", pairs.join("&")),
    }
}

/// One invocation: the client and the output mode.
struct Command {
    client: AdminClient,
    json: bool,
}

impl Command {
    async fn run(&mut self, noun: Noun) -> anyhow::Result<ExitCode> {
        match noun {
            Noun::Accounts { verb } => self.accounts(verb).await,
            Noun::Capacity { verb } => self.capacity(verb).await,
            Noun::Access {
                verb: ShowVerb::Show(account),
            } => {
                let path = format!("{}/access", account_path(&account));
                self.show::<AccessInfo>(Method::GET, &path, None, output::access)
                    .await
            }
            Noun::Users { verb } => self.users(verb).await,
            Noun::Keys { verb } => self.keys(verb).await,
            Noun::Buckets { verb } => self.buckets(verb).await,
            Noun::Grants { verb } => self.grants(verb).await,
            Noun::Usage {
                verb: UsageVerb::Show { account, from, to },
            } => {
                let mut pairs = Vec::new();
                pairs.extend(from.map(|from| format!("from={}", segment(&from))));
                pairs.extend(to.map(|to| format!("to={}", segment(&to))));
                let query = match pairs.is_empty() {
                    true => String::new(),
                    false => format!("?{}", pairs.join("&")),
                };
                let path = format!("{}/usage{query}", account_path(&account));
                self.show::<UsageReport>(Method::GET, &path, None, |report| {
                    format!(
                        "{}\nfrom {} to {} (exclusive)",
                        output::usage(&report.hours),
                        report.from,
                        report.to
                    )
                })
                .await
            }
        }
    }

    async fn accounts(&mut self, verb: AccountsVerb) -> anyhow::Result<ExitCode> {
        match verb {
            AccountsVerb::List(page) => {
                let path = format!("/admin/v1/accounts{}", page_query(&page));
                self.list::<AccountList>(&path, |list| {
                    (
                        output::accounts(&list.accounts),
                        list.next_continuation_token.clone(),
                    )
                })
                .await
            }
            AccountsVerb::Create {
                name,
                region,
                capacity_gb,
                billing,
            } => {
                let body = json!({
                    "name": name, "region": region, "capacity_gb": capacity_gb, "billing": billing,
                });
                self.show::<AccountCreated>(
                    Method::POST,
                    "/admin/v1/accounts",
                    Some(body),
                    output::account_created,
                )
                .await
            }
            AccountsVerb::Show(account) => {
                self.show::<AccountOverview>(
                    Method::GET,
                    &account_path(&account),
                    None,
                    output::overview,
                )
                .await
            }
            AccountsVerb::Release { account, confirm } => {
                let path = format!("{}?confirm={}", account_path(&account), segment(&confirm));
                self.show::<AccountOverview>(Method::DELETE, &path, None, |overview| {
                    format!(
                        "Release of account {} started: its keys no longer work, and its data \
                         is being deleted.\n{}",
                        overview.id,
                        output::overview(overview)
                    )
                })
                .await
            }
        }
    }

    async fn capacity(&mut self, verb: CapacityVerb) -> anyhow::Result<ExitCode> {
        let (account, action, gb) = match verb {
            CapacityVerb::Expand { account, gb } => (account, "expand", gb),
            CapacityVerb::Shrink { account, gb } => (account, "shrink", gb),
        };
        let path = format!("{}/{action}", account_path(&account));
        self.show::<AccountOverview>(
            Method::POST,
            &path,
            Some(json!({ "gb": gb })),
            output::overview,
        )
        .await
    }

    async fn users(&mut self, verb: UsersVerb) -> anyhow::Result<ExitCode> {
        match verb {
            UsersVerb::List { account, page } => {
                let path = format!("{}/users{}", account_path(&account), page_query(&page));
                self.list::<UserList>(&path, |list| {
                    (
                        output::users(&list.users),
                        list.next_continuation_token.clone(),
                    )
                })
                .await
            }
            UsersVerb::Create { account, name } => {
                let path = format!("{}/users", account_path(&account));
                self.show::<UserInfo>(
                    Method::POST,
                    &path,
                    Some(json!({ "name": name })),
                    output::user,
                )
                .await
            }
            UsersVerb::Delete { account, name } => {
                let path = format!("{}/users/{}", account_path(&account), segment(&name));
                self.delete(&path, &format!("Deleted user {name}.")).await
            }
        }
    }

    async fn keys(&mut self, verb: KeysVerb) -> anyhow::Result<ExitCode> {
        match verb {
            KeysVerb::List {
                account,
                user,
                page,
            } => {
                let mut query = page_query(&page);
                if let Some(user) = user {
                    let separator = if query.is_empty() { '?' } else { '&' };
                    query.push_str(&format!("{separator}user={}", segment(&user)));
                }
                let path = format!("{}/keys{query}", account_path(&account));
                self.list::<KeyList>(&path, |list| {
                    (
                        output::keys(&list.keys),
                        list.next_continuation_token.clone(),
                    )
                })
                .await
            }
            KeysVerb::Create { account, user } => {
                let path = format!("{}/keys", account_path(&account));
                let body = match user {
                    Some(user) => json!({ "user": user }),
                    None => json!({}),
                };
                self.show::<KeyCreated>(Method::POST, &path, Some(body), output::key_created)
                    .await
            }
            KeysVerb::Delete {
                account,
                access_key_id,
            } => {
                let path = format!(
                    "{}/keys/{}",
                    account_path(&account),
                    segment(&access_key_id)
                );
                self.delete(&path, &format!("Deleted access key {access_key_id}."))
                    .await
            }
        }
    }

    async fn buckets(&mut self, verb: BucketsVerb) -> anyhow::Result<ExitCode> {
        match verb {
            BucketsVerb::List { account, page } => {
                let path = format!("{}/buckets{}", account_path(&account), page_query(&page));
                self.list::<BucketList>(&path, |list| {
                    (
                        output::buckets(&list.buckets),
                        list.next_continuation_token.clone(),
                    )
                })
                .await
            }
            BucketsVerb::Create { account, name } => {
                let path = format!("{}/buckets", account_path(&account));
                self.show::<BucketInfo>(
                    Method::POST,
                    &path,
                    Some(json!({ "name": name })),
                    output::bucket,
                )
                .await
            }
            BucketsVerb::Delete {
                account,
                name,
                force,
            } => {
                let mut path = format!("{}/buckets/{}", account_path(&account), segment(&name));
                if force {
                    path.push_str("?force=true");
                }
                let reply = self.client.send(Method::DELETE, &path, None).await?;
                if !reply.status.is_success() {
                    return Ok(print_error(&reply));
                }
                if !self.json {
                    match reply.status.as_u16() {
                        202 => println!(
                            "Bucket {name} is hidden and is being emptied and deleted in the \
                             background."
                        ),
                        _ => println!("Deleted bucket {name}."),
                    }
                }
                Ok(ExitCode::SUCCESS)
            }
        }
    }

    async fn grants(&mut self, verb: GrantsVerb) -> anyhow::Result<ExitCode> {
        match verb {
            GrantsVerb::List {
                account,
                bucket,
                page,
            } => {
                let path = format!(
                    "{}/buckets/{}/grants{}",
                    account_path(&account),
                    segment(&bucket),
                    page_query(&page)
                );
                self.list::<GrantList>(&path, |list| {
                    (
                        output::grants(&list.grants),
                        list.next_continuation_token.clone(),
                    )
                })
                .await
            }
            GrantsVerb::Create {
                account,
                bucket,
                user,
                access,
                regrant,
            } => {
                let path = format!(
                    "{}/buckets/{}/grants",
                    account_path(&account),
                    segment(&bucket)
                );
                let body = json!({ "user": user, "access": access, "regrant": regrant });
                self.show::<GrantInfo>(Method::POST, &path, Some(body), output::grant)
                    .await
            }
            GrantsVerb::Delete {
                account,
                bucket,
                user,
            } => {
                let path = format!(
                    "{}/buckets/{}/grants/{}",
                    account_path(&account),
                    segment(&bucket),
                    segment(&user)
                );
                let message = format!(
                    "Revoked the grant of {user} on {bucket} and every grant made from it."
                );
                self.delete(&path, &message).await
            }
        }
    }

    /// Sends a request and prints its JSON reply as given, or formatted by `render`.
    async fn show<T: DeserializeOwned>(
        &mut self,
        method: Method,
        path: &str,
        body: Option<serde_json::Value>,
        render: impl FnOnce(&T) -> String,
    ) -> anyhow::Result<ExitCode> {
        let reply = self.client.send(method, path, body.as_ref()).await?;
        if !reply.status.is_success() {
            return Ok(print_error(&reply));
        }
        if self.json {
            print_json(&reply.body)?;
        } else {
            let value: T = serde_json::from_slice(&reply.body).with_context(|| {
                format!("unexpected reply from the server: {}", text(&reply.body))
            })?;
            println!("{}", render(&value));
        }
        Ok(ExitCode::SUCCESS)
    }

    /// Lists one page and prints the flag that lists the next one.
    async fn list<T: DeserializeOwned>(
        &mut self,
        path: &str,
        render: impl FnOnce(&T) -> (String, Option<String>),
    ) -> anyhow::Result<ExitCode> {
        self.show::<T>(Method::GET, path, None, |list| {
            let (table, next) = render(list);
            match next {
                Some(token) => format!(
                    "{table}\nMore items follow; list them with --continuation-token {token}"
                ),
                None => table,
            }
        })
        .await
    }

    /// Sends a DELETE and prints `message` on success.
    async fn delete(&mut self, path: &str, message: &str) -> anyhow::Result<ExitCode> {
        let reply = self.client.send(Method::DELETE, path, None).await?;
        if !reply.status.is_success() {
            return Ok(print_error(&reply));
        }
        if !self.json {
            println!("{message}");
        }
        Ok(ExitCode::SUCCESS)
    }
}

fn text(body: &[u8]) -> String {
    String::from_utf8_lossy(body).into_owned()
}

fn print_json(body: &[u8]) -> anyhow::Result<()> {
    if body.is_empty() {
        return Ok(());
    }
    let value: serde_json::Value = serde_json::from_slice(body)
        .with_context(|| format!("the server sent invalid JSON: {}", text(body)))?;
    println!("{}", serde_json::to_string_pretty(&value)?);
    Ok(())
}

/// Prints an error reply as `error: CODE: message` and returns the failure exit code.
fn print_error(reply: &client::Reply) -> ExitCode {
    let value: Option<serde_json::Value> = serde_json::from_slice(&reply.body).ok();
    let code = value
        .as_ref()
        .and_then(|value| value["error"]["code"].as_str().map(str::to_owned));
    let message = value
        .as_ref()
        .and_then(|value| value["error"]["message"].as_str().map(str::to_owned));
    match (code, message) {
        (Some(code), Some(message)) => eprintln!("error: {code}: {message}"),
        _ => eprintln!(
            "error: the server answered {} {}",
            reply.status,
            text(&reply.body)
        ),
    }
    ExitCode::FAILURE
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;

    #[derive(Parser)]
    struct Wrapper {
        #[command(flatten)]
        args: AdminArgs,
    }

    #[test]
    fn parses_nouns_verbs_and_globals() {
        let parsed = Wrapper::try_parse_from([
            "oss",
            "grants",
            "create",
            "--account",
            "a1",
            "--bucket",
            "b",
            "--user",
            "u",
            "--access",
            "read-write",
            "--regrant",
            "--json",
            "--endpoint",
            "http://h:1",
        ])
        .unwrap();
        assert!(parsed.args.connection.json);
        assert_eq!(parsed.args.connection.endpoint, "http://h:1");
        let Noun::Grants {
            verb:
                GrantsVerb::Create {
                    account,
                    access,
                    regrant,
                    ..
                },
        } = parsed.args.noun
        else {
            panic!("parsed into the wrong command");
        };
        assert_eq!(account.account, "a1");
        assert_eq!(access, "read-write");
        assert!(regrant);
    }

    #[test]
    fn bad_access_rejected() {
        let parsed = Wrapper::try_parse_from([
            "oss",
            "grants",
            "create",
            "--account",
            "a",
            "--bucket",
            "b",
            "--user",
            "u",
            "--access",
            "write",
        ]);
        assert!(parsed.is_err());
    }

    #[test]
    fn account_flag_required() {
        assert!(Wrapper::try_parse_from(["oss", "users", "list"]).is_err());
    }

    #[test]
    fn paths_encode_segments() {
        let account = AccountFlag {
            account: "a b/c".into(),
        };
        assert_eq!(account_path(&account), "/admin/v1/accounts/a%20b%2Fc");
        let page = PageFlags {
            limit: Some(5),
            continuation_token: Some("YQ".into()),
        };
        assert_eq!(page_query(&page), "?limit=5&continuation_token=YQ");
    }
}
