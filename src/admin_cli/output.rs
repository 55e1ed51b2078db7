//! Readable output of `oss admin`: tables for lists, name-value tables for single records,
//! sizes in binary units.

use bytesize::ByteSize;
use comfy_table::{Table, presets};
use oss_admin::types::{
    AccessInfo, AccountCreated, AccountOverview, BucketInfo, GrantAccess, GrantInfo, KeyCreated,
    KeyInfo, UsageHourInfo, UserInfo,
};

/// Formats a byte count in binary units, such as `1.5 GiB`; exact below 1 KiB.
pub(crate) fn human_bytes(bytes: u64) -> String {
    ByteSize::b(bytes).display().iec().to_string()
}

/// Returns a table with a header row and no borders.
fn table(header: &[&str]) -> Table {
    let mut table = Table::new();
    table
        .load_style(presets::NOTHING)
        .set_header(header.to_vec());
    table
}

/// Returns a two-column table of names and values.
fn details(rows: Vec<(&str, String)>) -> String {
    let mut table = Table::new();
    table.load_style(presets::NOTHING);
    for (name, value) in rows {
        table.add_row(vec![name.to_owned(), value]);
    }
    table.to_string()
}

fn capacity(account: &AccountOverview) -> String {
    format!(
        "{} GB ({})",
        account.capacity_gb,
        human_bytes(account.capacity_bytes)
    )
}

/// Lists accounts, one per row.
pub(crate) fn accounts(accounts: &[AccountOverview]) -> String {
    let mut table = table(&[
        "ID", "NAME", "REGION", "STATUS", "CAPACITY", "USED", "OBJECTS", "BUCKETS", "CREATED",
    ]);
    for account in accounts {
        table.add_row(vec![
            account.id.clone(),
            account.name.clone(),
            account.region.clone(),
            status(account),
            capacity(account),
            human_bytes(account.used_bytes),
            account.object_count.to_string(),
            account.bucket_count.to_string(),
            account.created_at.clone(),
        ]);
    }
    table.to_string()
}

fn status(account: &AccountOverview) -> String {
    serde_json::to_value(account.status)
        .ok()
        .and_then(|value| value.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn overview_rows(account: &AccountOverview) -> Vec<(&'static str, String)> {
    let mut rows = vec![
        ("id", account.id.clone()),
        ("name", account.name.clone()),
        ("region", account.region.clone()),
        ("billing", account.billing.clone()),
        ("status", status(account)),
        ("capacity", capacity(account)),
        (
            "used",
            format!(
                "{} ({} bytes)",
                human_bytes(account.used_bytes),
                account.used_bytes
            ),
        ),
        ("objects", account.object_count.to_string()),
        ("buckets", account.bucket_count.to_string()),
        ("created", account.created_at.clone()),
    ];
    if let Some(release) = account.release {
        rows.push((
            "release",
            format!(
                "{} objects and {} buckets left to delete",
                release.objects_left, release.buckets_left
            ),
        ));
    }
    rows
}

/// Shows one account's overview.
pub(crate) fn overview(account: &AccountOverview) -> String {
    details(overview_rows(account))
}

/// Shows a new account with its master's key pair.
pub(crate) fn account_created(created: &AccountCreated) -> String {
    let mut rows = overview_rows(&created.account);
    rows.push(("access key id", created.access_key_id.clone()));
    rows.push(("secret access key", created.secret_access_key.clone()));
    format!(
        "{}\nThe secret access key is shown only now; store it somewhere safe.",
        details(rows)
    )
}

/// Shows how clients reach an account.
pub(crate) fn access(access: &AccessInfo) -> String {
    details(vec![
        ("endpoint", access.endpoint.clone()),
        ("region", access.region.clone()),
        ("addressing", access.addressing.join(", ")),
        (
            "virtual host suffix",
            access
                .virtual_host_suffix
                .clone()
                .unwrap_or_else(|| "(none)".to_owned()),
        ),
    ])
}

/// Lists users.
pub(crate) fn users(users: &[UserInfo]) -> String {
    let mut table = table(&["NAME", "CREATED"]);
    for user in users {
        table.add_row(vec![user.name.clone(), user.created_at.clone()]);
    }
    table.to_string()
}

/// Shows one user.
pub(crate) fn user(user: &UserInfo) -> String {
    details(vec![
        ("name", user.name.clone()),
        ("created", user.created_at.clone()),
    ])
}

/// Lists access keys.
pub(crate) fn keys(keys: &[KeyInfo]) -> String {
    let mut table = table(&["ACCESS KEY ID", "USER", "CREATED"]);
    for key in keys {
        table.add_row(vec![
            key.access_key_id.clone(),
            key.user.clone(),
            key.created_at.clone(),
        ]);
    }
    table.to_string()
}

/// Shows a new access key with its secret.
pub(crate) fn key_created(key: &KeyCreated) -> String {
    let rows = vec![
        ("access key id", key.access_key_id.clone()),
        ("secret access key", key.secret_access_key.clone()),
        ("user", key.user.clone()),
        ("created", key.created_at.clone()),
    ];
    format!(
        "{}\nThe secret access key is shown only now; store it somewhere safe.",
        details(rows)
    )
}

/// Lists buckets.
pub(crate) fn buckets(buckets: &[BucketInfo]) -> String {
    let mut table = table(&["NAME", "SIZE", "OBJECTS", "CREATED"]);
    for bucket in buckets {
        table.add_row(vec![
            bucket.name.clone(),
            human_bytes(bucket.size_bytes),
            bucket.object_count.to_string(),
            bucket.created_at.clone(),
        ]);
    }
    table.to_string()
}

/// Shows one bucket.
pub(crate) fn bucket(bucket: &BucketInfo) -> String {
    details(vec![
        ("name", bucket.name.clone()),
        ("size", human_bytes(bucket.size_bytes)),
        ("objects", bucket.object_count.to_string()),
        ("created", bucket.created_at.clone()),
    ])
}

fn access_name(access: GrantAccess) -> &'static str {
    match access {
        GrantAccess::Read => "read",
        GrantAccess::ReadWrite => "read-write",
    }
}

/// Lists grants.
pub(crate) fn grants(grants: &[GrantInfo]) -> String {
    let mut table = table(&["USER", "ACCESS", "REGRANT", "GRANTED BY", "CREATED"]);
    for grant in grants {
        table.add_row(vec![
            grant.user.clone(),
            access_name(grant.access).to_owned(),
            if grant.regrant { "yes" } else { "no" }.to_owned(),
            grant.granted_by.clone(),
            grant.created_at.clone(),
        ]);
    }
    table.to_string()
}

/// Shows one grant.
pub(crate) fn grant(grant: &GrantInfo) -> String {
    details(vec![
        ("user", grant.user.clone()),
        ("access", access_name(grant.access).to_owned()),
        (
            "regrant",
            if grant.regrant { "yes" } else { "no" }.to_owned(),
        ),
        ("granted by", grant.granted_by.clone()),
        ("created", grant.created_at.clone()),
    ])
}

/// Lists metered hours.
pub(crate) fn usage(hours: &[UsageHourInfo]) -> String {
    let mut table = table(&[
        "HOUR",
        "STORED (GB-HOURS)",
        "CLASS A",
        "CLASS B",
        "IN",
        "OUT",
    ]);
    for hour in hours {
        table.add_row(vec![
            hour.start.clone(),
            format!("{:.4}", hour.stored_gb_hours),
            hour.requests_class_a.to_string(),
            hour.requests_class_b.to_string(),
            human_bytes(hour.bytes_in),
            human_bytes(hour.bytes_out),
        ]);
    }
    table.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use oss_admin::types::AccountState;

    fn account() -> AccountOverview {
        AccountOverview {
            id: "a1b2".into(),
            name: "acme".into(),
            region: "beijing-1".into(),
            billing: "pay-as-you-go".into(),
            capacity_gb: 50,
            capacity_bytes: 50 << 30,
            used_bytes: 1536,
            object_count: 2,
            bucket_count: 1,
            created_at: "2025-01-01T00:00:00Z".into(),
            status: AccountState::Active,
            release: None,
        }
    }

    #[test]
    fn sizes_in_binary_units() {
        assert_eq!(human_bytes(0), "0 B");
        assert_eq!(human_bytes(1536), "1.5 KiB");
        assert_eq!(human_bytes(50 << 30), "50.0 GiB");
    }

    #[test]
    fn account_table_has_header_and_row() {
        let text = accounts(&[account()]);
        let lines: Vec<&str> = text.lines().collect();
        assert!(lines[0].contains("CAPACITY"), "{text}");
        assert!(lines.iter().any(|line| line.contains("acme")), "{text}");
        assert!(text.contains("50 GB (50.0 GiB)"), "{text}");
        assert!(text.contains("1.5 KiB"), "{text}");
    }

    #[test]
    fn columns_aligned() {
        let mut second = account();
        second.name = "a-much-longer-name".into();
        let text = accounts(&[account(), second]);
        let lines: Vec<&str> = text
            .lines()
            .filter(|line| !line.trim().is_empty())
            .collect();
        let region_column: Vec<usize> = lines
            .iter()
            .skip(1)
            .map(|line| line.find("beijing-1").unwrap())
            .collect();
        assert_eq!(region_column[0], region_column[1], "{text}");
    }

    #[test]
    fn release_progress_shown() {
        let mut releasing = account();
        releasing.status = AccountState::Releasing;
        releasing.release = Some(oss_admin::types::ReleaseProgress {
            objects_left: 7,
            buckets_left: 1,
        });
        let text = overview(&releasing);
        assert!(text.contains("releasing"), "{text}");
        assert!(text.contains("7 objects and 1 buckets left"), "{text}");
    }
}
