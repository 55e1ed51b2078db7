//! Users of an account and their access keys.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::codec::{self, unix_ms};
use crate::db::{Batch, Cf};
use crate::error::{Result, StoreError};
use crate::locks::lock;
use crate::{Store, ids};

/// A user of an account; access keys belong to users.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct User {
    /// Owning account.
    pub account_id: String,
    /// Name, unique within the account.
    pub name: String,
    /// Creation time, millisecond precision.
    #[serde(with = "unix_ms")]
    pub created_at: OffsetDateTime,
}

/// An access key, without its secret.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccessKey {
    /// 20 characters of `[A-Z0-9]` when generated.
    pub access_key_id: String,
    /// Owning account.
    pub account_id: String,
    /// Owning user.
    pub user: String,
    /// Creation time, millisecond precision.
    #[serde(with = "unix_ms")]
    pub created_at: OffsetDateTime,
}

/// A row of the `access_keys` column family: the key and its sealed secret.
#[derive(Serialize, Deserialize)]
struct AccessKeyRow {
    key: AccessKey,
    sealed_secret: Vec<u8>,
}

fn user_key(account_id: &str, user: &str) -> Vec<u8> {
    codec::joined_key(&[account_id, user], false)
}

fn key_index_key(key: &AccessKey) -> Vec<u8> {
    codec::joined_key(&[&key.account_id, &key.user, &key.access_key_id], false)
}

/// Returns the key and owning account of every access key row, for fsck.
pub(crate) fn access_key_owners(meta: &crate::db::Meta) -> Result<Vec<(Vec<u8>, String)>> {
    let rows = meta.scan_prefix::<AccessKeyRow>(Cf::AccessKeys, b"", b"", usize::MAX)?;
    Ok(rows
        .into_iter()
        .map(|(key, row)| (key, row.key.account_id))
        .collect())
}

impl Store {
    /// Creates a user in an account.
    pub fn create_user(&self, account_id: &str, name: &str) -> Result<User> {
        let inner = &self.0;
        let _admin = lock(&inner.admin);
        self.active_account(account_id)?;
        let key = user_key(account_id, name);
        if inner.meta.get(Cf::Users, &key)?.is_some() {
            return Err(StoreError::UserAlreadyExists);
        }
        let user = User {
            account_id: account_id.to_string(),
            name: name.to_string(),
            created_at: codec::now_ms(),
        };
        let mut batch = inner.meta.batch();
        batch.put(Cf::Users, &key, &user);
        inner.meta.commit(batch)?;
        Ok(user)
    }

    /// Returns a user of an account.
    pub fn user(&self, account_id: &str, name: &str) -> Result<Option<User>> {
        self.0
            .meta
            .get_record(Cf::Users, &user_key(account_id, name))
    }

    /// Lists the users of an account in name order.
    pub fn list_users(&self, account_id: &str) -> Result<Vec<User>> {
        let prefix = codec::joined_key(&[account_id], true);
        let rows = self
            .0
            .meta
            .scan_prefix(Cf::Users, &prefix, b"", usize::MAX)?;
        Ok(rows.into_iter().map(|(_, user)| user).collect())
    }

    /// Deletes a user with all of its access keys and grants, and every grant made from
    /// them. The master user cannot be deleted (`AccessDenied`).
    pub fn delete_user(&self, account_id: &str, name: &str) -> Result<()> {
        let inner = &self.0;
        let _admin = lock(&inner.admin);
        self.active_account(account_id)?;
        let key = user_key(account_id, name);
        if inner.meta.get(Cf::Users, &key)?.is_none() {
            return Err(StoreError::NoSuchUser);
        }
        if name == crate::MASTER_USER {
            return Err(StoreError::AccessDenied(format!(
                "the {name} user owns the account and cannot be deleted"
            )));
        }
        let mut batch = inner.meta.batch();
        batch.delete(Cf::Users, &key);
        self.stage_user_grants_removal(&mut batch, account_id, name)?;
        for access_key in self.list_access_keys(account_id, Some(name))? {
            batch.delete(Cf::AccountKeys, &key_index_key(&access_key));
            batch.delete(Cf::AccessKeys, access_key.access_key_id.as_bytes());
        }
        inner.meta.commit(batch)
    }

    /// Creates an access key for a user, with the given id and secret or generated ones.
    ///
    /// Returns the key and its secret; only the sealed secret is stored.
    pub fn create_access_key(
        &self,
        account_id: &str,
        user: &str,
        given: Option<(String, Zeroizing<String>)>,
    ) -> Result<(AccessKey, Zeroizing<String>)> {
        let inner = &self.0;
        let _admin = lock(&inner.admin);
        self.active_account(account_id)?;
        if inner
            .meta
            .get(Cf::Users, &user_key(account_id, user))?
            .is_none()
        {
            return Err(StoreError::NoSuchUser);
        }
        let mut batch = inner.meta.batch();
        let created = self.add_access_key(&mut batch, account_id, user, given)?;
        inner.meta.commit(batch)?;
        Ok(created)
    }

    /// Adds the rows of a new access key to `batch`. The caller holds the admin lock, so the
    /// uniqueness check stays true until the batch is written.
    pub(crate) fn add_access_key(
        &self,
        batch: &mut Batch<'_>,
        account_id: &str,
        user: &str,
        given: Option<(String, Zeroizing<String>)>,
    ) -> Result<(AccessKey, Zeroizing<String>)> {
        let meta = &self.0.meta;
        let (access_key_id, secret) = match given {
            Some((id, secret)) => {
                if meta.get(Cf::AccessKeys, id.as_bytes())?.is_some() {
                    return Err(StoreError::AccessKeyAlreadyExists);
                }
                (id, secret)
            }
            None => loop {
                let id = ids::access_key_id();
                if meta.get(Cf::AccessKeys, id.as_bytes())?.is_none() {
                    break (id, ids::secret_key());
                }
            },
        };
        let key = AccessKey {
            access_key_id,
            account_id: account_id.to_string(),
            user: user.to_string(),
            created_at: codec::now_ms(),
        };
        let sealed_secret = self
            .0
            .config
            .sealer
            .seal(&key.access_key_id, secret.as_bytes());
        let row = AccessKeyRow {
            key: key.clone(),
            sealed_secret,
        };
        batch.put(Cf::AccessKeys, key.access_key_id.as_bytes(), &row);
        batch.put(Cf::AccountKeys, &key_index_key(&key), &key);
        Ok((key, secret))
    }

    /// Looks up an access key and unseals its secret: one point read and one decryption.
    pub fn access_key(
        &self,
        access_key_id: &str,
    ) -> Result<Option<(AccessKey, Zeroizing<String>)>> {
        let Some(row) = self
            .0
            .meta
            .get_record::<AccessKeyRow>(Cf::AccessKeys, access_key_id.as_bytes())?
        else {
            return Ok(None);
        };
        let secret = self
            .0
            .config
            .sealer
            .unseal(access_key_id, &row.sealed_secret)?;
        Ok(Some((row.key, secret)))
    }

    /// Lists an account's access keys, or one user's, ordered by user then key id.
    pub fn list_access_keys(&self, account_id: &str, user: Option<&str>) -> Result<Vec<AccessKey>> {
        let prefix = match user {
            Some(user) => codec::joined_key(&[account_id, user], true),
            None => codec::joined_key(&[account_id], true),
        };
        let rows = self
            .0
            .meta
            .scan_prefix(Cf::AccountKeys, &prefix, b"", usize::MAX)?;
        Ok(rows.into_iter().map(|(_, key)| key).collect())
    }

    /// Deletes an access key of an account; `NoSuchAccessKey` if the account has no such key.
    pub fn delete_access_key(&self, account_id: &str, access_key_id: &str) -> Result<()> {
        let inner = &self.0;
        let _admin = lock(&inner.admin);
        self.active_account(account_id)?;
        let row = inner
            .meta
            .get_record::<AccessKeyRow>(Cf::AccessKeys, access_key_id.as_bytes())?;
        let Some(AccessKeyRow { key, .. }) = row.filter(|row| row.key.account_id == account_id)
        else {
            return Err(StoreError::NoSuchAccessKey);
        };
        let mut batch = inner.meta.batch();
        batch.delete(Cf::AccessKeys, access_key_id.as_bytes());
        batch.delete(Cf::AccountKeys, &key_index_key(&key));
        inner.meta.commit(batch)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::MASTER_USER;
    use crate::testing::open_store;

    #[test]
    fn users_create_list_delete() {
        let t = open_store();
        let account_id = t.account("acme", 1);
        t.store.create_user(&account_id, "alice").unwrap();
        let result = t.store.create_user(&account_id, "alice");
        assert!(matches!(result, Err(StoreError::UserAlreadyExists)));
        let names: Vec<String> = t
            .store
            .list_users(&account_id)
            .unwrap()
            .into_iter()
            .map(|user| user.name)
            .collect();
        assert_eq!(names, ["alice", MASTER_USER]);
        t.store.delete_user(&account_id, "alice").unwrap();
        assert!(t.store.user(&account_id, "alice").unwrap().is_none());
        assert!(matches!(
            t.store.delete_user(&account_id, "alice"),
            Err(StoreError::NoSuchUser)
        ));
    }

    #[test]
    fn master_user_cannot_be_deleted() {
        let t = open_store();
        let account_id = t.account("acme", 1);
        let result = t.store.delete_user(&account_id, MASTER_USER);
        assert!(matches!(result, Err(StoreError::AccessDenied(_))));
        assert!(t.store.user(&account_id, MASTER_USER).unwrap().is_some());
    }

    #[test]
    fn create_user_needs_account() {
        let t = open_store();
        assert!(matches!(
            t.store.create_user("nobody", "alice"),
            Err(StoreError::NoSuchAccount)
        ));
    }

    #[test]
    fn delete_user_deletes_keys() {
        let t = open_store();
        let account_id = t.account("acme", 1);
        t.store.create_user(&account_id, "alice").unwrap();
        let (key, _) = t
            .store
            .create_access_key(&account_id, "alice", None)
            .unwrap();
        t.store.delete_user(&account_id, "alice").unwrap();
        assert!(t.store.access_key(&key.access_key_id).unwrap().is_none());
        assert!(
            t.store
                .list_access_keys(&account_id, Some("alice"))
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn access_keys_list_by_user() {
        let t = open_store();
        let account_id = t.account("acme", 1);
        t.store.create_user(&account_id, "alice").unwrap();
        t.store.create_user(&account_id, "al").unwrap();
        let (alice_key, _) = t
            .store
            .create_access_key(&account_id, "alice", None)
            .unwrap();
        t.store.create_access_key(&account_id, "al", None).unwrap();
        assert_eq!(
            t.store
                .list_access_keys(&account_id, Some("alice"))
                .unwrap(),
            vec![alice_key]
        );
        assert_eq!(
            t.store.list_access_keys(&account_id, None).unwrap().len(),
            3
        );
    }

    #[test]
    fn create_access_key_needs_user() {
        let t = open_store();
        let account_id = t.account("acme", 1);
        let result = t.store.create_access_key(&account_id, "ghost", None);
        assert!(matches!(result, Err(StoreError::NoSuchUser)));
    }

    #[test]
    fn delete_access_key_checks_account() {
        let t = open_store();
        let owner = t.account("acme", 1);
        let other = t.account("other", 1);
        let (key, _) = t
            .store
            .create_access_key(&owner, MASTER_USER, None)
            .unwrap();
        let result = t.store.delete_access_key(&other, &key.access_key_id);
        assert!(matches!(result, Err(StoreError::NoSuchAccessKey)));
        t.store
            .delete_access_key(&owner, &key.access_key_id)
            .unwrap();
        assert!(t.store.access_key(&key.access_key_id).unwrap().is_none());
    }

    /// Reads every file under `dir` into one buffer.
    fn all_bytes(dir: &std::path::Path) -> Vec<u8> {
        let mut out = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                out.extend(all_bytes(&path));
            } else {
                out.extend(std::fs::read(&path).unwrap());
            }
        }
        out
    }

    #[test]
    fn secrets_are_sealed_on_disk() {
        let t = open_store();
        let new = crate::NewAccount {
            name: "acme".into(),
            region: "r1".into(),
            billing: "b".into(),
            capacity_gb: 1,
            access_key: None,
        };
        let (_, key, secret) = t.store.create_account(new).unwrap();
        // The write-ahead log contains every row uncompressed, so the access key id, which is
        // stored in plain text, must show up: that proves the search looks where rows are.
        let on_disk = all_bytes(t.dir.path());
        assert!(
            on_disk
                .windows(20)
                .any(|window| window == key.access_key_id.as_bytes())
        );
        assert!(
            !on_disk
                .windows(40)
                .any(|window| window == secret.as_bytes())
        );
        let reopened = t.reopen();
        let (_, unsealed) = reopened
            .store
            .access_key(&key.access_key_id)
            .unwrap()
            .unwrap();
        assert_eq!(unsealed, secret);
    }
}
