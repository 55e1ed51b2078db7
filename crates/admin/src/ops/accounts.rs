//! Accounts: activation, listing, overview, access information, capacity and release.

use oss_store::{Account, AccountStatus, NewAccount, Store, StoreError};

use super::{Admin, BILLING_MODELS, MAX_CAPACITY_GB, MIN_CAPACITY_GB, PageRequest, authz};
use crate::error::{About, AdminError, ErrorCode};
use crate::principal::Principal;
use crate::types::{
    AccessInfo, AccountCreated, AccountList, AccountOverview, AccountState, CapacityChange,
    CreateAccountRequest, ReleaseProgress, rfc3339,
};

impl Admin {
    /// Activates an account with its master user and first key (operator only).
    pub async fn create_account(
        &self,
        who: &Principal,
        input: CreateAccountRequest,
    ) -> Result<AccountCreated, AdminError> {
        authz::operator(who, "create accounts")?;
        validate_account_name(&input.name)?;
        self.check_region(&input.region)?;
        check_capacity(input.capacity_gb)?;
        if !BILLING_MODELS.contains(&input.billing.as_str()) {
            return Err(AdminError::new(
                ErrorCode::InvalidBilling,
                format!(
                    "billing {:?} is not offered; choose one of {BILLING_MODELS:?}",
                    input.billing
                ),
            ));
        }

        let name = input.name.clone();
        let new = NewAccount {
            name: input.name,
            region: input.region,
            billing: input.billing,
            capacity_gb: input.capacity_gb,
            access_key: None,
        };
        self.blocking(
            move |store| {
                let (account, key, secret) = store.create_account(new)?;
                Ok(AccountCreated {
                    account: overview(store, &account)?,
                    access_key_id: key.access_key_id,
                    secret_access_key: secret.as_str().to_owned(),
                })
            },
            move |error| match error {
                StoreError::AccountAlreadyExists => AdminError::new(
                    ErrorCode::AccountAlreadyExists,
                    format!("an account named {name:?} already exists"),
                ),
                other => About::default().error(other),
            },
        )
        .await
    }

    /// Lists accounts in id order (operator only).
    pub async fn list_accounts(
        &self,
        who: &Principal,
        page: PageRequest,
    ) -> Result<AccountList, AdminError> {
        authz::operator(who, "list accounts")?;
        self.blocking(
            move |store| {
                // One extra row shows whether another page follows.
                let mut accounts = store.list_accounts(page.after.as_deref(), page.limit + 1)?;
                let more = accounts.len() > page.limit;
                accounts.truncate(page.limit);
                let next = match (more, accounts.last()) {
                    (true, Some(last)) => Some(super::page::encode_token(&last.id)),
                    _ => None,
                };
                let accounts = accounts
                    .iter()
                    .map(|account| overview(store, account))
                    .collect::<Result<_, _>>()?;
                Ok(AccountList {
                    accounts,
                    next_continuation_token: next,
                })
            },
            |error| About::default().error(error),
        )
        .await
    }

    /// Returns an account's overview (operator and master).
    pub async fn account_overview(
        &self,
        who: &Principal,
        account_id: &str,
    ) -> Result<AccountOverview, AdminError> {
        authz::master(who, account_id, "read the account overview")?;
        let id = account_id.to_owned();
        self.blocking(
            move |store| {
                let account = store.account(&id)?.ok_or(StoreError::NoSuchAccount)?;
                overview(store, &account)
            },
            |error| About::account(account_id).error(error),
        )
        .await
    }

    /// Returns how clients reach the account's data (operator and every user of the account).
    pub async fn access_info(
        &self,
        who: &Principal,
        account_id: &str,
    ) -> Result<AccessInfo, AdminError> {
        authz::member(who, account_id, "read access information")?;
        let account = self.load_account(account_id).await?;
        let config = self.config();
        let mut addressing = vec!["path".to_owned()];
        if config.virtual_host_suffix.is_some() {
            addressing.push("virtual-hosted".to_owned());
        }
        Ok(AccessInfo {
            endpoint: config.s3_endpoint.clone(),
            region: account.region,
            addressing,
            virtual_host_suffix: config.virtual_host_suffix.clone(),
        })
    }

    /// Adds capacity; the result must stay at most [`MAX_CAPACITY_GB`].
    pub async fn expand_capacity(
        &self,
        who: &Principal,
        account_id: &str,
        change: CapacityChange,
    ) -> Result<AccountOverview, AdminError> {
        authz::master(who, account_id, "expand capacity")?;
        let id = account_id.to_owned();
        self.blocking(
            move |store| {
                let account = store.expand_capacity(&id, change.gb, MAX_CAPACITY_GB)?;
                overview(store, &account)
            },
            |error| {
                About::account(account_id)
                    .change("expanding", change.gb)
                    .error(error)
            },
        )
        .await
    }

    /// Removes capacity; the result must stay at least [`MIN_CAPACITY_GB`] and the removed
    /// capacity must be unused.
    pub async fn shrink_capacity(
        &self,
        who: &Principal,
        account_id: &str,
        change: CapacityChange,
    ) -> Result<AccountOverview, AdminError> {
        authz::master(who, account_id, "shrink capacity")?;
        let id = account_id.to_owned();
        self.blocking(
            move |store| {
                let account = store.shrink_capacity(&id, change.gb, MIN_CAPACITY_GB)?;
                overview(store, &account)
            },
            |error| {
                About::account(account_id)
                    .change("shrinking", change.gb)
                    .error(error)
            },
        )
        .await
    }

    /// Starts releasing an account: its keys stop working at once, and a background job
    /// deletes its data and then the account. `confirm` must be the account's name.
    pub async fn release_account(
        &self,
        who: &Principal,
        account_id: &str,
        confirm: Option<&str>,
    ) -> Result<AccountOverview, AdminError> {
        authz::master(who, account_id, "release the account")?;
        let account = self.load_account(account_id).await?;
        if confirm != Some(account.name.as_str()) {
            let given = match confirm {
                Some(value) => format!("confirm={value:?}"),
                None => "no confirm parameter".to_owned(),
            };
            return Err(AdminError::new(
                ErrorCode::ConfirmationMismatch,
                format!(
                    "{given} was sent, but releasing account {account_id:?} needs \
                     confirm={:?}, its name",
                    account.name
                ),
            ));
        }

        let id = account_id.to_owned();
        let released = self
            .blocking(
                move |store| {
                    let account = store.begin_release(&id)?;
                    overview(store, &account)
                },
                |error| About::account(account_id).error(error),
            )
            .await?;
        self.spawn_release(account_id);
        Ok(released)
    }

    fn spawn_release(&self, account_id: &str) {
        let id = account_id.to_owned();
        self.inner.jobs.spawn(
            self.store(),
            format!("release account {id}"),
            move |store| store.run_release(&id),
        );
    }

    /// Resumes the releases and forced bucket deletions that a stop cut off.
    pub async fn resume_background_jobs(&self) -> Result<(), AdminError> {
        let (accounts, buckets) = self
            .blocking(
                |store| Ok((store.releasing_accounts()?, store.pending_bucket_deletes()?)),
                |error| About::default().error(error),
            )
            .await?;
        for account_id in accounts {
            self.spawn_release(&account_id);
        }
        for bucket_id in buckets {
            self.spawn_bucket_delete(bucket_id);
        }
        Ok(())
    }

    /// Loads an account, NoSuchAccount if absent.
    pub(crate) async fn load_account(&self, account_id: &str) -> Result<Account, AdminError> {
        let id = account_id.to_owned();
        self.blocking(
            move |store| store.account(&id)?.ok_or(StoreError::NoSuchAccount),
            |error| About::account(account_id).error(error),
        )
        .await
    }

    fn check_region(&self, region: &str) -> Result<(), AdminError> {
        let regions = &self.config().regions;
        if regions.iter().any(|offered| offered == region) {
            return Ok(());
        }
        Err(AdminError::new(
            ErrorCode::InvalidRegion,
            format!("region {region:?} is not offered; choose one of {regions:?}"),
        ))
    }
}

/// Builds the overview of an account from its record, its usage and its release progress.
fn overview(store: &Store, account: &Account) -> Result<AccountOverview, StoreError> {
    let usage = store.usage(&account.id)?;
    let (status, release) = match account.status {
        AccountStatus::Active => (AccountState::Active, None),
        AccountStatus::Releasing => {
            let progress = store
                .release_progress(&account.id)?
                .map(|progress| ReleaseProgress {
                    objects_left: progress.objects_left,
                    buckets_left: progress.buckets_left,
                });
            (AccountState::Releasing, progress)
        }
    };
    Ok(AccountOverview {
        id: account.id.clone(),
        name: account.name.clone(),
        region: account.region.clone(),
        billing: account.billing.clone(),
        capacity_gb: account.capacity_gb,
        capacity_bytes: usage.capacity_bytes,
        used_bytes: usage.used_bytes,
        object_count: usage.object_count,
        bucket_count: usage.bucket_count,
        created_at: rfc3339(account.created_at),
        status,
        release,
    })
}

/// Checks a capacity against [`MIN_CAPACITY_GB`] and [`MAX_CAPACITY_GB`].
fn check_capacity(capacity_gb: u64) -> Result<(), AdminError> {
    if (MIN_CAPACITY_GB..=MAX_CAPACITY_GB).contains(&capacity_gb) {
        return Ok(());
    }
    Err(AdminError::new(
        ErrorCode::CapacityOutOfRange,
        format!(
            "capacity_gb {capacity_gb} is outside the allowed range of {MIN_CAPACITY_GB} to \
             {MAX_CAPACITY_GB} GB"
        ),
    ))
}

/// Checks a name given to an account or a user: 1 to 64 of `A-Z a-z 0-9 . _ -`, not only
/// dots, because `.` and `..` are path segments that URL clients remove.
pub(crate) fn validate_name(kind: &str, name: &str) -> Result<(), AdminError> {
    let allowed = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-');
    let only_dots = name.bytes().all(|b| b == b'.');
    if (1..=64).contains(&name.len()) && name.bytes().all(allowed) && !only_dots {
        return Ok(());
    }
    // Quote a rejected name only up to a length that identifies it.
    let shown: String = name.chars().take(80).collect();
    let cut = if shown.len() < name.len() { "..." } else { "" };
    Err(AdminError::invalid(format!(
        "{kind} name {shown:?}{cut} must be 1 to 64 characters of A-Z, a-z, 0-9, '.', '_' \
         and '-', and not only dots"
    )))
}

fn validate_account_name(name: &str) -> Result<(), AdminError> {
    validate_name("account", name)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn capacity_range() {
        assert!(check_capacity(49).is_err());
        assert!(check_capacity(50).is_ok());
        assert!(check_capacity(4096).is_ok());
        let error = check_capacity(4097).unwrap_err();
        assert_eq!(error.code(), ErrorCode::CapacityOutOfRange);
        assert!(error.message().contains("4097"), "{error}");
        assert!(error.message().contains("4096"), "{error}");
    }

    #[test]
    fn names_checked() {
        assert!(validate_name("user", "alice.b_c-1").is_ok());
        assert!(validate_name("user", "").is_err());
        assert!(validate_name("user", "a b").is_err());
        assert!(validate_name("user", &"a".repeat(65)).is_err());
        assert!(validate_name("user", ".").is_err());
        assert!(validate_name("user", "..").is_err());
        assert!(validate_name("user", "...").is_err());
        assert!(validate_name("user", ".hidden").is_ok());
        let long = validate_name("account", &"x".repeat(5000)).unwrap_err();
        assert!(long.message().len() < 300, "{}", long.message());
    }
}
