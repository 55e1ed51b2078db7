//! Accounts: creation with their master user and first key, lookup, capacity and removal.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::codec::{self, unix_ms};
use crate::db::Cf;
use crate::error::{Result, StoreError};
use crate::locks::lock;
use crate::usage::{Reservation, Usage};
use crate::users::{AccessKey, User};
use crate::{Store, ids};

/// Name of the user every account is created with.
pub const MASTER_USER: &str = "master";

/// Lifecycle state of an account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum AccountStatus {
    /// In normal use.
    Active,
    /// Being released: the operator is emptying it before deletion.
    Releasing,
}

/// A tenant: owns users, access keys and buckets, and has a storage capacity.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Account {
    /// Short random id of lowercase letters and digits.
    pub id: String,
    /// Unique name chosen by the operator.
    pub name: String,
    /// Home region.
    pub region: String,
    /// Billing reference, stored as given.
    pub billing: String,
    /// Capacity in units of `StoreConfig::capacity_unit_bytes` (GiB by default).
    pub capacity_gb: u64,
    /// Creation time, millisecond precision.
    #[serde(with = "unix_ms")]
    pub created_at: OffsetDateTime,
    /// Lifecycle state.
    pub status: AccountStatus,
}

/// The fields of an account to create.
#[derive(Debug, Clone)]
pub struct NewAccount {
    /// Unique account name.
    pub name: String,
    /// Home region.
    pub region: String,
    /// Billing reference.
    pub billing: String,
    /// Capacity in units of `StoreConfig::capacity_unit_bytes`.
    pub capacity_gb: u64,
    /// Access key id and secret to give the master user; None generates both.
    pub access_key: Option<(String, Zeroizing<String>)>,
}

impl Store {
    /// Creates an account with its master user and first access key, all in one write.
    ///
    /// Fails with `AccountAlreadyExists` if the name is taken and `AccessKeyAlreadyExists`
    /// if a given access key id is in use. Returns the account, the key and its secret.
    pub fn create_account(
        &self,
        new: NewAccount,
    ) -> Result<(Account, AccessKey, Zeroizing<String>)> {
        let inner = &self.0;
        let _admin = lock(&inner.admin);
        if inner
            .meta
            .get(Cf::AccountNames, new.name.as_bytes())?
            .is_some()
        {
            return Err(StoreError::AccountAlreadyExists);
        }
        let id = self.unused_account_id()?;
        let created_at = codec::now_ms();
        let account = Account {
            id: id.clone(),
            name: new.name,
            region: new.region,
            billing: new.billing,
            capacity_gb: new.capacity_gb,
            created_at,
            status: AccountStatus::Active,
        };
        let user = User {
            account_id: id.clone(),
            name: MASTER_USER.to_string(),
            created_at,
        };

        let mut batch = inner.meta.batch();
        batch.put(Cf::Accounts, id.as_bytes(), &account);
        batch.put(Cf::AccountNames, account.name.as_bytes(), &id);
        batch.put(
            Cf::Users,
            &codec::joined_key(&[&id, MASTER_USER], false),
            &user,
        );
        batch.set_counters(&codec::account_counter_key(&id), &[0, 0, 0]);
        let (key, secret) = self.add_access_key(&mut batch, &id, MASTER_USER, new.access_key)?;
        inner.meta.commit(batch)?;

        let capacity_bytes = self.capacity_bytes(account.capacity_gb);
        inner.usage.insert(
            id,
            Usage {
                capacity_bytes,
                ..Usage::default()
            },
            false,
        );
        Ok((account, key, secret))
    }

    fn unused_account_id(&self) -> Result<String> {
        loop {
            let id = ids::account_id();
            if self.0.meta.get(Cf::Accounts, id.as_bytes())?.is_none() {
                return Ok(id);
            }
        }
    }

    pub(crate) fn capacity_bytes(&self, capacity_gb: u64) -> u64 {
        capacity_gb.saturating_mul(self.0.config.capacity_unit_bytes)
    }

    /// Returns the account with this id.
    pub fn account(&self, id: &str) -> Result<Option<Account>> {
        self.0.meta.get_record(Cf::Accounts, id.as_bytes())
    }

    /// Returns the account with this name.
    pub fn account_by_name(&self, name: &str) -> Result<Option<Account>> {
        match self
            .0
            .meta
            .get_record::<String>(Cf::AccountNames, name.as_bytes())?
        {
            Some(id) => self.account(&id),
            None => Ok(None),
        }
    }

    /// Lists up to `limit` accounts in id order, starting after the id `after`.
    pub fn list_accounts(&self, after: Option<&str>, limit: usize) -> Result<Vec<Account>> {
        // The smallest key greater than `after` is `after` followed by a zero byte.
        let start = match after {
            Some(after) => [after.as_bytes(), &[0]].concat(),
            None => Vec::new(),
        };
        let rows = self.0.meta.scan_prefix(Cf::Accounts, b"", &start, limit)?;
        Ok(rows.into_iter().map(|(_, account)| account).collect())
    }

    /// Sets an account's capacity; the caller checks that the change is allowed.
    pub fn set_capacity(&self, account_id: &str, capacity_gb: u64) -> Result<Account> {
        let account =
            self.update_account(account_id, |account| account.capacity_gb = capacity_gb)?;
        self.0
            .usage
            .get(account_id)?
            .set_capacity(self.capacity_bytes(capacity_gb));
        Ok(account)
    }

    /// Sets an account's lifecycle state.
    pub fn set_account_status(&self, account_id: &str, status: AccountStatus) -> Result<Account> {
        self.update_account(account_id, |account| account.status = status)
    }

    fn update_account(
        &self,
        account_id: &str,
        change: impl FnOnce(&mut Account),
    ) -> Result<Account> {
        let inner = &self.0;
        let _admin = lock(&inner.admin);
        let mut account = self.account(account_id)?.ok_or(StoreError::NoSuchAccount)?;
        change(&mut account);
        let mut batch = inner.meta.batch();
        batch.put(Cf::Accounts, account_id.as_bytes(), &account);
        inner.meta.commit(batch)?;
        Ok(account)
    }

    /// Returns the account if it is active: `NoSuchAccount` if it does not exist,
    /// `AccountReleasing` while it is being released.
    pub(crate) fn active_account(&self, account_id: &str) -> Result<Account> {
        let account = self.account(account_id)?.ok_or(StoreError::NoSuchAccount)?;
        match account.status {
            AccountStatus::Active => Ok(account),
            AccountStatus::Releasing => Err(StoreError::AccountReleasing),
        }
    }

    /// Adds `gb` capacity units to an account. Fails with `CapacityOutOfRange` if the result
    /// would exceed `max_gb`, and `AccountReleasing` while the account is being released.
    pub fn expand_capacity(&self, account_id: &str, gb: u64, max_gb: u64) -> Result<Account> {
        let inner = &self.0;
        let _admin = lock(&inner.admin);
        let mut account = self.active_account(account_id)?;
        let requested_gb = account.capacity_gb.saturating_add(gb);
        if requested_gb > max_gb {
            return Err(StoreError::CapacityOutOfRange {
                requested_gb,
                capacity_gb: account.capacity_gb,
                min_gb: 0,
                max_gb,
            });
        }
        account.capacity_gb = requested_gb;
        let capacity_bytes = self.capacity_bytes(requested_gb);
        inner.usage.get(account_id)?.with_usage(|usage| {
            let mut batch = inner.meta.batch();
            batch.put(Cf::Accounts, account_id.as_bytes(), &account);
            inner.meta.commit(batch)?;
            usage.capacity_bytes = capacity_bytes;
            Ok(account)
        })
    }

    /// Removes `gb` capacity units from an account.
    ///
    /// Fails with `CapacityOutOfRange` if the result would be below `min_gb` (checked
    /// first), then with `ShrinkExceedsUnused` if the removed bytes exceed capacity minus
    /// used and reserved bytes. The check and the update hold the account's usage lock, so
    /// no write can be admitted in between against the old capacity.
    pub fn shrink_capacity(&self, account_id: &str, gb: u64, min_gb: u64) -> Result<Account> {
        let inner = &self.0;
        let _admin = lock(&inner.admin);
        let mut account = self.active_account(account_id)?;
        let requested_gb = account.capacity_gb.saturating_sub(gb);
        if gb > account.capacity_gb || requested_gb < min_gb {
            return Err(StoreError::CapacityOutOfRange {
                requested_gb,
                capacity_gb: account.capacity_gb,
                min_gb,
                max_gb: u64::MAX,
            });
        }
        let requested_bytes = self.capacity_bytes(gb);
        inner.usage.get(account_id)?.with_usage(|usage| {
            let occupied = usage.used_bytes.saturating_add(usage.reserved_bytes);
            if requested_bytes > usage.capacity_bytes.saturating_sub(occupied) {
                return Err(StoreError::ShrinkExceedsUnused {
                    requested_bytes,
                    capacity_bytes: usage.capacity_bytes,
                    used_bytes: usage.used_bytes,
                    reserved_bytes: usage.reserved_bytes,
                });
            }
            account.capacity_gb = requested_gb;
            let mut batch = inner.meta.batch();
            batch.put(Cf::Accounts, account_id.as_bytes(), &account);
            inner.meta.commit(batch)?;
            usage.capacity_bytes = self.capacity_bytes(requested_gb);
            Ok(account)
        })
    }

    /// Returns an account's storage use, from the in-memory mirror of its counters.
    pub fn usage(&self, account_id: &str) -> Result<Usage> {
        Ok(self.0.usage.get(account_id)?.snapshot())
    }

    /// Reserves capacity before any data is accepted: succeeds iff used + reserved + `bytes`
    /// fits the capacity, and fails with `QuotaExceeded` otherwise.
    ///
    /// The reservation is held until a commit consumes it or it is dropped. The check and the
    /// hold are one step under the account's lock, so concurrent writers can never together
    /// overshoot. Bytes of an object about to be overwritten still count until the commit.
    pub fn reserve(&self, account_id: &str, bytes: u64) -> Result<Reservation> {
        self.0.usage.reserve(account_id, bytes)
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU64, Ordering};

    use super::*;
    use crate::testing::{open_store, open_store_with};

    fn new_account(name: &str) -> NewAccount {
        NewAccount {
            name: name.into(),
            region: "r1".into(),
            billing: "plan-a".into(),
            capacity_gb: 2,
            access_key: None,
        }
    }

    #[test]
    fn create_account_with_master_key() {
        let t = open_store();
        let (account, key, secret) = t.store.create_account(new_account("acme")).unwrap();
        assert_eq!(account.status, AccountStatus::Active);
        assert_eq!(key.user, MASTER_USER);
        assert_eq!(key.account_id, account.id);
        let (found, found_secret) = t.store.access_key(&key.access_key_id).unwrap().unwrap();
        assert_eq!(found, key);
        assert_eq!(found_secret, secret);
        assert!(t.store.user(&account.id, MASTER_USER).unwrap().is_some());
        assert_eq!(
            t.store.account_by_name("acme").unwrap(),
            Some(account.clone())
        );
        assert_eq!(t.store.account(&account.id).unwrap(), Some(account));
    }

    #[test]
    fn create_account_rejects_taken_name() {
        let t = open_store();
        t.store.create_account(new_account("acme")).unwrap();
        let result = t.store.create_account(new_account("acme"));
        assert!(matches!(result, Err(StoreError::AccountAlreadyExists)));
    }

    #[test]
    fn create_account_with_given_key() {
        let t = open_store();
        let given = (
            "AKIAEXAMPLE000000001".to_string(),
            Zeroizing::new("s".repeat(40)),
        );
        let mut new = new_account("acme");
        new.access_key = Some(given.clone());
        let (_, key, secret) = t.store.create_account(new).unwrap();
        assert_eq!(key.access_key_id, given.0);
        assert_eq!(secret, given.1);
        let mut second = new_account("other");
        second.access_key = Some(given);
        let result = t.store.create_account(second);
        assert!(matches!(result, Err(StoreError::AccessKeyAlreadyExists)));
        assert!(t.store.account_by_name("other").unwrap().is_none());
    }

    #[test]
    fn list_accounts_pages() {
        let t = open_store();
        for name in ["a", "b", "c"] {
            t.store.create_account(new_account(name)).unwrap();
        }
        let first = t.store.list_accounts(None, 2).unwrap();
        assert_eq!(first.len(), 2);
        let rest = t.store.list_accounts(Some(&first[1].id), 10).unwrap();
        assert_eq!(rest.len(), 1);
        assert!(rest[0].id > first[1].id);
    }

    #[test]
    fn set_capacity_updates_usage() {
        let t = open_store();
        let (account, _, _) = t.store.create_account(new_account("acme")).unwrap();
        let updated = t.store.set_capacity(&account.id, 5).unwrap();
        assert_eq!(updated.capacity_gb, 5);
        assert_eq!(t.store.usage(&account.id).unwrap().capacity_bytes, 5 << 20);
    }

    #[test]
    fn expand_capacity_up_to_max() {
        let t = open_store();
        let (account, _, _) = t.store.create_account(new_account("acme")).unwrap();
        let expanded = t.store.expand_capacity(&account.id, 3, 5).unwrap();
        assert_eq!(expanded.capacity_gb, 5);
        assert_eq!(t.store.usage(&account.id).unwrap().capacity_bytes, 5 << 20);
        assert_eq!(
            t.store.account(&account.id).unwrap().unwrap().capacity_gb,
            5
        );
        let error = t.store.expand_capacity(&account.id, 1, 5).unwrap_err();
        assert!(matches!(
            error,
            StoreError::CapacityOutOfRange {
                requested_gb: 6,
                capacity_gb: 5,
                max_gb: 5,
                ..
            }
        ));
        assert!(
            error.to_string().contains("exceeds the maximum of 5 GB"),
            "{error}"
        );
    }

    #[tokio::test]
    async fn shrink_capacity_checks_min_then_unused() {
        let t = open_store_with(|config| config.chunk_size = 1 << 20);
        let (account_id, bucket) = t.account_and_bucket("acme");
        t.store.expand_capacity(&account_id, 3, 10).unwrap();
        // 4 units of 1 MiB: 1.5 MiB used, 0.5 MiB reserved.
        t.put(&bucket, "k", &vec![1u8; 3 << 19]).await;
        let _held = t.store.reserve(&account_id, 1 << 19).unwrap();

        let below = t.store.shrink_capacity(&account_id, 3, 2).unwrap_err();
        assert!(matches!(
            below,
            StoreError::CapacityOutOfRange {
                requested_gb: 1,
                capacity_gb: 4,
                min_gb: 2,
                ..
            }
        ));
        let too_much = t.store.shrink_capacity(&account_id, 3, 1).unwrap_err();
        assert!(matches!(
            too_much,
            StoreError::ShrinkExceedsUnused {
                requested_bytes,
                capacity_bytes,
                used_bytes,
                reserved_bytes,
            } if requested_bytes == 3 << 20
                && capacity_bytes == 4 << 20
                && used_bytes == 3 << 19
                && reserved_bytes == 1 << 19
        ));
        assert!(
            too_much.to_string().contains("at most 2097152 bytes"),
            "{too_much}"
        );
        let shrunk = t.store.shrink_capacity(&account_id, 2, 1).unwrap();
        assert_eq!(shrunk.capacity_gb, 2);
        assert_eq!(t.store.usage(&account_id).unwrap().capacity_bytes, 2 << 20);
        let reopened = t.reopen();
        assert_eq!(
            reopened.store.usage(&account_id).unwrap().capacity_bytes,
            2 << 20
        );
    }

    #[test]
    fn shrink_racing_reservations_keeps_the_rule() {
        let t = open_store();
        let account_id = t.account("acme", 8);
        let each = 1 << 19;
        let store = t.store.clone();
        let id = account_id.clone();
        let writers = std::thread::spawn(move || {
            (0..16)
                .filter_map(|_| store.reserve(&id, each).ok())
                .collect::<Vec<_>>()
        });
        let mut shrunk = 0;
        for _ in 0..7 {
            if t.store.shrink_capacity(&account_id, 1, 1).is_ok() {
                shrunk += 1;
            }
        }
        let held = writers.join().unwrap();
        let usage = t.store.usage(&account_id).unwrap();
        assert!(usage.reserved_bytes <= usage.capacity_bytes);
        assert_eq!(usage.capacity_bytes, (8 - shrunk) << 20);
        assert_eq!(usage.reserved_bytes, held.len() as u64 * each);
    }

    #[test]
    fn set_status() {
        let t = open_store();
        let (account, _, _) = t.store.create_account(new_account("acme")).unwrap();
        t.store
            .set_account_status(&account.id, AccountStatus::Releasing)
            .unwrap();
        let stored = t.store.account(&account.id).unwrap().unwrap();
        assert_eq!(stored.status, AccountStatus::Releasing);
    }

    #[test]
    fn concurrent_reservations_never_overshoot() {
        let t = open_store();
        let account_id = t.account("small", 1);
        let capacity = t.store.usage(&account_id).unwrap().capacity_bytes;
        let each = 100 << 10;
        let granted = Arc::new(AtomicU64::new(0));
        let held: Vec<_> = (0..32)
            .map(|_| {
                let store = t.store.clone();
                let account_id = account_id.clone();
                let granted = Arc::clone(&granted);
                std::thread::spawn(move || {
                    let reservation = store.reserve(&account_id, each).ok();
                    if reservation.is_some() {
                        granted.fetch_add(1, Ordering::SeqCst);
                    }
                    reservation
                })
            })
            .collect();
        let held: Vec<_> = held
            .into_iter()
            .map(|thread| thread.join().unwrap())
            .collect();
        assert_eq!(granted.load(Ordering::SeqCst), capacity / each);
        assert_eq!(
            t.store.usage(&account_id).unwrap().reserved_bytes,
            (capacity / each) * each
        );
        drop(held);
        assert_eq!(t.store.usage(&account_id).unwrap().reserved_bytes, 0);
    }

    #[test]
    fn concurrent_writes_never_overshoot() {
        let t = open_store_with(|config| config.chunk_size = 64 << 10);
        let (account_id, bucket) = t.account_and_bucket("acme");
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(4)
            .build()
            .unwrap();
        let each: u64 = 100 << 10;

        let outcomes = runtime.block_on(async {
            let tasks: Vec<_> = (0..32)
                .map(|index| {
                    let store = t.store.clone();
                    let (account_id, bucket) = (account_id.clone(), bucket.clone());
                    tokio::spawn(async move {
                        let reservation = store.reserve(&account_id, each)?;
                        let mut writer = store.blob_writer(reservation);
                        writer
                            .write(bytes::Bytes::from(vec![7u8; each as usize]))
                            .await?;
                        let blob = writer.finish().await?;
                        tokio::task::spawn_blocking(move || {
                            let meta = crate::ObjectMeta::default();
                            let condition = crate::WriteCondition::default();
                            store.put_object(
                                &bucket,
                                &format!("k{index}"),
                                blob,
                                "\"e\"".into(),
                                meta,
                                &condition,
                            )
                        })
                        .await
                        .unwrap()
                    })
                })
                .collect();
            let mut outcomes = Vec::new();
            for task in tasks {
                outcomes.push(task.await.unwrap());
            }
            outcomes
        });
        drop(runtime);

        let stored = outcomes.iter().filter(|outcome| outcome.is_ok()).count() as u64;
        let rejected = outcomes
            .iter()
            .filter(|outcome| matches!(outcome, Err(StoreError::QuotaExceeded { .. })))
            .count() as u64;
        let usage = t.store.usage(&account_id).unwrap();

        assert_eq!(stored + rejected, 32);
        assert_eq!(stored, usage.capacity_bytes / each);
        assert_eq!(usage.used_bytes, stored * each);
        assert!(usage.used_bytes <= usage.capacity_bytes);
        assert_eq!(usage.reserved_bytes, 0);
        assert_eq!(usage.object_count, stored);
        let reopened = t.reopen();
        assert_eq!(reopened.store.usage(&account_id).unwrap(), usage);
    }
}
