//! Grants: how a sub-user gets access to a bucket of its account.
//!
//! A grant gives one user `read` or `read-write` access to one bucket, and with `regrant` the
//! right to pass on at most that access. Every grant records who made it, the master or a
//! user, so revoking or narrowing a grant also revokes, at any depth, the grants made from it
//! that it no longer covers. A user may only create a grant that does not exist yet or
//! replace one it made itself, so a grant can never, through a chain, depend on itself.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::Store;
use crate::accounts::MASTER_USER;
use crate::buckets::Bucket;
use crate::codec::{self, unix_ms};
use crate::db::{Batch, Cf};
use crate::error::{Result, StoreError};
use crate::locks::lock;

/// The access a grant gives, ordered from less to more.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Access {
    /// Read objects, list and inspect the bucket.
    Read,
    /// Read, and also write and delete objects and multipart uploads.
    ReadWrite,
}

impl Access {
    /// Returns the name used in the admin API: `read` or `read-write`.
    pub fn as_str(self) -> &'static str {
        match self {
            Access::Read => "read",
            Access::ReadWrite => "read-write",
        }
    }
}

/// Access of one user to one bucket.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    /// Id of the bucket.
    pub bucket_id: u64,
    /// Name of the bucket.
    pub bucket: String,
    /// The grantee, never the master user.
    pub user: String,
    /// Access given to the grantee.
    pub access: Access,
    /// Whether the grantee may grant at most this access to others.
    pub regrant: bool,
    /// `master` or the user whose grant this one was made from.
    pub granted_by: String,
    /// Creation time, millisecond precision.
    #[serde(with = "unix_ms")]
    pub created_at: OffsetDateTime,
}

impl Store {
    /// Creates or replaces the grant of `user` on `bucket`, made by `grantor` (`master` or a
    /// user name).
    ///
    /// The bucket must belong to the account (`NoSuchBucket`) and the user must exist
    /// (`NoSuchUser`), be neither the master nor the grantor (`InvalidGrant`). A user as
    /// grantor must hold a grant with regrant on the bucket, may grant at most the access it
    /// holds, and may only create a grant that does not exist yet or replace one it made
    /// (`AccessDenied` otherwise). Replacing a grant with less access or without regrant
    /// revokes, at any depth, every grant made from it that it could no longer make.
    pub fn put_grant(
        &self,
        account_id: &str,
        bucket: &str,
        grantor: &str,
        user: &str,
        access: Access,
        regrant: bool,
    ) -> Result<Grant> {
        let inner = &self.0;
        let _admin = lock(&inner.admin);
        self.active_account(account_id)?;
        let bucket = self.owned_bucket(account_id, bucket)?;
        if user == MASTER_USER {
            return Err(StoreError::InvalidGrant(format!(
                "the {MASTER_USER} user has full access to every bucket of its account and \
                 cannot be given a grant"
            )));
        }
        if user == grantor {
            return Err(StoreError::InvalidGrant(format!(
                "user {user:?} cannot grant access to itself"
            )));
        }
        if self.user(account_id, user)?.is_none() {
            return Err(StoreError::NoSuchUser);
        }
        let grants = self.bucket_grants(bucket.id)?;
        let existing = grants.get(user);
        if grantor != MASTER_USER {
            check_regrant(&bucket, &grants, grantor, user, access)?;
        }

        let grant = Grant {
            bucket_id: bucket.id,
            bucket: bucket.name.clone(),
            user: user.to_string(),
            access,
            regrant,
            granted_by: grantor.to_string(),
            created_at: codec::now_ms(),
        };
        let mut batch = inner.meta.batch();
        if existing.is_some() {
            for revoked in revoked_from(&grants, user, Some((access, regrant))) {
                stage_delete(&mut batch, &bucket.account_id, &revoked);
            }
        }
        batch.put(Cf::Grants, &codec::grant_key(bucket.id, user), &grant);
        batch.put(
            Cf::UserGrants,
            &codec::user_grant_key(account_id, user, bucket.id),
            &(),
        );
        inner.meta.commit(batch)?;
        Ok(grant)
    }

    /// Returns the grant of `user` on the bucket with id `bucket_id`: one point read.
    pub fn grant(&self, bucket_id: u64, user: &str) -> Result<Option<Grant>> {
        self.0
            .meta
            .get_record(Cf::Grants, &codec::grant_key(bucket_id, user))
    }

    /// Lists every grant on a bucket of the account, by user name.
    pub fn list_grants(&self, account_id: &str, bucket: &str) -> Result<Vec<Grant>> {
        let bucket = self.owned_bucket(account_id, bucket)?;
        let rows = self.0.meta.scan_prefix::<Grant>(
            Cf::Grants,
            &bucket.id.to_be_bytes(),
            b"",
            usize::MAX,
        )?;
        Ok(rows.into_iter().map(|(_, grant)| grant).collect())
    }

    /// Lists every grant a user has across the account's buckets, by bucket id.
    pub fn list_user_grants(&self, account_id: &str, user: &str) -> Result<Vec<Grant>> {
        let meta = &self.0.meta;
        let prefix = codec::joined_key(&[account_id, user], true);
        let keys: Vec<Vec<u8>> = meta
            .scan_prefix::<()>(Cf::UserGrants, &prefix, b"", usize::MAX)?
            .into_iter()
            .filter_map(|(key, ())| {
                let id = <[u8; 8]>::try_from(key.get(prefix.len()..)?).ok()?;
                Some(codec::grant_key(u64::from_be_bytes(id), user))
            })
            .collect();
        let mut grants = Vec::with_capacity(keys.len());
        for value in meta.multi_get(Cf::Grants, &keys)?.into_iter().flatten() {
            grants.push(codec::decode("grant", &value)?);
        }
        Ok(grants)
    }

    /// Revokes the grant of `user` on `bucket` and, at any depth, every grant made from it.
    ///
    /// A user as `revoker` may revoke only grants it made (`AccessDenied`). Fails with
    /// `NoSuchGrant` when the user has none. Returns every grant revoked, the named one
    /// first.
    pub fn delete_grant(
        &self,
        account_id: &str,
        bucket: &str,
        revoker: &str,
        user: &str,
    ) -> Result<Vec<Grant>> {
        let inner = &self.0;
        let _admin = lock(&inner.admin);
        self.active_account(account_id)?;
        let bucket = self.owned_bucket(account_id, bucket)?;
        let grants = self.bucket_grants(bucket.id)?;
        let Some(named) = grants.get(user) else {
            return Err(StoreError::NoSuchGrant);
        };
        if revoker != MASTER_USER && named.granted_by != revoker {
            return Err(StoreError::AccessDenied(format!(
                "the grant of {user:?} on bucket {:?} was made by {:?}; user {revoker:?} may \
                 revoke only grants it made",
                bucket.name, named.granted_by
            )));
        }
        let mut revoked = vec![named.clone()];
        revoked.extend(revoked_from(&grants, user, None));

        let mut batch = inner.meta.batch();
        for grant in &revoked {
            stage_delete(&mut batch, account_id, grant);
        }
        inner.meta.commit(batch)?;
        Ok(revoked)
    }

    /// Returns the grants on a bucket by grantee.
    pub(crate) fn bucket_grants(&self, bucket_id: u64) -> Result<HashMap<String, Grant>> {
        let rows = self.0.meta.scan_prefix::<Grant>(
            Cf::Grants,
            &bucket_id.to_be_bytes(),
            b"",
            usize::MAX,
        )?;
        Ok(rows
            .into_iter()
            .map(|(_, grant)| (grant.user.clone(), grant))
            .collect())
    }

    /// Adds to `batch` the removal of every grant on a bucket.
    pub(crate) fn stage_bucket_grants_removal(
        &self,
        batch: &mut Batch<'_>,
        bucket: &Bucket,
    ) -> Result<()> {
        for grant in self.bucket_grants(bucket.id)?.values() {
            stage_delete(batch, &bucket.account_id, grant);
        }
        Ok(())
    }

    /// Adds to `batch` the removal of every grant `user` has and of every grant made from
    /// them, at any depth.
    pub(crate) fn stage_user_grants_removal(
        &self,
        batch: &mut Batch<'_>,
        account_id: &str,
        user: &str,
    ) -> Result<()> {
        for held in self.list_user_grants(account_id, user)? {
            let grants = self.bucket_grants(held.bucket_id)?;
            stage_delete(batch, account_id, &held);
            for revoked in revoked_from(&grants, user, None) {
                stage_delete(batch, account_id, &revoked);
            }
        }
        Ok(())
    }

    /// Returns the live bucket `name` if it belongs to the account, else `NoSuchBucket`.
    pub(crate) fn owned_bucket(&self, account_id: &str, name: &str) -> Result<Bucket> {
        match self.bucket(name)? {
            Some(bucket) if bucket.account_id == account_id => Ok(bucket),
            _ => Err(StoreError::NoSuchBucket),
        }
    }
}

/// Checks the rules for a grant made by a user rather than the master.
fn check_regrant(
    bucket: &Bucket,
    grants: &HashMap<String, Grant>,
    grantor: &str,
    user: &str,
    access: Access,
) -> Result<()> {
    let Some(held) = grants.get(grantor).filter(|held| held.regrant) else {
        return Err(StoreError::AccessDenied(format!(
            "user {grantor:?} holds no grant with regrant on bucket {:?}",
            bucket.name
        )));
    };
    if access > held.access {
        return Err(StoreError::AccessDenied(format!(
            "user {grantor:?} holds {} on bucket {:?} and may grant at most that, not {}",
            held.access.as_str(),
            bucket.name,
            access.as_str()
        )));
    }
    if let Some(existing) = grants.get(user)
        && existing.granted_by != grantor
    {
        return Err(StoreError::AccessDenied(format!(
            "the grant of {user:?} on bucket {:?} was made by {:?}; user {grantor:?} may \
             replace only grants it made",
            bucket.name, existing.granted_by
        )));
    }
    Ok(())
}

/// Returns the grants that fall when `maker`'s grant is narrowed to `kept` (access and
/// regrant) or, with None, removed: those made by `maker` that `kept` no longer covers, and
/// at any depth everything made from a fallen grant.
fn revoked_from(
    grants: &HashMap<String, Grant>,
    maker: &str,
    kept: Option<(Access, bool)>,
) -> Vec<Grant> {
    let mut revoked: Vec<Grant> = Vec::new();
    let mut makers = vec![(maker.to_string(), kept)];
    while let Some((maker, kept)) = makers.pop() {
        let mut fallen: Vec<&Grant> = grants
            .values()
            .filter(|grant| grant.granted_by == maker)
            // Stored grants never form a cycle; this guard only keeps a corrupt store from
            // looping forever.
            .filter(|grant| revoked.iter().all(|done| done.user != grant.user))
            .filter(|grant| match kept {
                Some((access, true)) => grant.access > access,
                Some((_, false)) | None => true,
            })
            .collect();
        fallen.sort_by(|left, right| left.user.cmp(&right.user));
        for grant in fallen {
            makers.push((grant.user.clone(), None));
            revoked.push(grant.clone());
        }
    }
    revoked
}

fn stage_delete(batch: &mut Batch<'_>, account_id: &str, grant: &Grant) {
    batch.delete(Cf::Grants, &codec::grant_key(grant.bucket_id, &grant.user));
    batch.delete(
        Cf::UserGrants,
        &codec::user_grant_key(account_id, &grant.user, grant.bucket_id),
    );
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{TestStore, open_store};

    /// An account with a bucket and users alice, bob, carol and dave.
    fn setup() -> (TestStore, String, Bucket) {
        let t = open_store();
        let (account_id, bucket) = t.account_and_bucket("acme");
        for user in ["alice", "bob", "carol", "dave"] {
            t.store.create_user(&account_id, user).unwrap();
        }
        (t, account_id, bucket)
    }

    fn users(grants: &[Grant]) -> Vec<&str> {
        grants.iter().map(|grant| grant.user.as_str()).collect()
    }

    #[test]
    fn master_grants_and_replaces() {
        let (t, account_id, bucket) = setup();
        let grant = t
            .store
            .put_grant(
                &account_id,
                &bucket.name,
                MASTER_USER,
                "alice",
                Access::Read,
                false,
            )
            .unwrap();
        assert_eq!(grant.granted_by, MASTER_USER);
        assert_eq!(t.store.grant(bucket.id, "alice").unwrap(), Some(grant));
        t.store
            .put_grant(
                &account_id,
                &bucket.name,
                MASTER_USER,
                "alice",
                Access::ReadWrite,
                true,
            )
            .unwrap();
        let stored = t.store.grant(bucket.id, "alice").unwrap().unwrap();
        assert_eq!(stored.access, Access::ReadWrite);
        assert!(stored.regrant);
        assert_eq!(
            t.store
                .list_grants(&account_id, &bucket.name)
                .unwrap()
                .len(),
            1
        );
    }

    #[test]
    fn grant_checks_bucket_and_user() {
        let (t, account_id, bucket) = setup();
        let other = t.account("other", 1);
        let put = |account: &str, bucket: &str, grantor: &str, user: &str| {
            t.store
                .put_grant(account, bucket, grantor, user, Access::Read, false)
        };
        assert!(matches!(
            put(&account_id, "missing", MASTER_USER, "alice"),
            Err(StoreError::NoSuchBucket)
        ));
        assert!(matches!(
            put(&other, &bucket.name, MASTER_USER, "alice"),
            Err(StoreError::NoSuchBucket)
        ));
        assert!(matches!(
            put(&account_id, &bucket.name, MASTER_USER, "ghost"),
            Err(StoreError::NoSuchUser)
        ));
        assert!(matches!(
            put(&account_id, &bucket.name, MASTER_USER, MASTER_USER),
            Err(StoreError::InvalidGrant(_))
        ));
        assert!(matches!(
            put(&account_id, &bucket.name, "alice", "alice"),
            Err(StoreError::InvalidGrant(_))
        ));
    }

    #[test]
    fn regrant_rules() {
        let (t, account_id, bucket) = setup();
        let put = |grantor: &str, user: &str, access: Access, regrant: bool| {
            t.store
                .put_grant(&account_id, &bucket.name, grantor, user, access, regrant)
        };
        // Without any grant, or without regrant, a user cannot grant.
        assert!(matches!(
            put("alice", "bob", Access::Read, false),
            Err(StoreError::AccessDenied(_))
        ));
        put(MASTER_USER, "alice", Access::Read, false).unwrap();
        assert!(matches!(
            put("alice", "bob", Access::Read, false),
            Err(StoreError::AccessDenied(_))
        ));
        // With read and regrant: read only, regrant allowed.
        put(MASTER_USER, "alice", Access::Read, true).unwrap();
        assert!(matches!(
            put("alice", "bob", Access::ReadWrite, false),
            Err(StoreError::AccessDenied(_))
        ));
        let made = put("alice", "bob", Access::Read, true).unwrap();
        assert_eq!(made.granted_by, "alice");
        // Alice may replace the grant she made, but not one the master made.
        put("alice", "bob", Access::Read, false).unwrap();
        put(MASTER_USER, "carol", Access::Read, false).unwrap();
        assert!(matches!(
            put("alice", "carol", Access::Read, false),
            Err(StoreError::AccessDenied(_))
        ));
    }

    #[test]
    fn regrant_cannot_form_a_cycle() {
        let (t, account_id, bucket) = setup();
        let put = |grantor: &str, user: &str| {
            t.store
                .put_grant(&account_id, &bucket.name, grantor, user, Access::Read, true)
        };
        put(MASTER_USER, "alice").unwrap();
        put("alice", "bob").unwrap();
        put("bob", "carol").unwrap();
        // Carol and Bob cannot take over the grants above them.
        assert!(matches!(
            put("carol", "alice"),
            Err(StoreError::AccessDenied(_))
        ));
        assert!(matches!(
            put("carol", "bob"),
            Err(StoreError::AccessDenied(_))
        ));
        assert!(matches!(
            put("bob", "alice"),
            Err(StoreError::AccessDenied(_))
        ));
    }

    #[test]
    fn revoke_cascades_at_any_depth() {
        let (t, account_id, bucket) = setup();
        let put = |grantor: &str, user: &str| {
            t.store
                .put_grant(&account_id, &bucket.name, grantor, user, Access::Read, true)
                .unwrap()
        };
        put(MASTER_USER, "alice");
        put("alice", "bob");
        put("bob", "carol");
        put(MASTER_USER, "dave");
        // Bob may not revoke alice's grant, which the master made.
        assert!(matches!(
            t.store
                .delete_grant(&account_id, &bucket.name, "bob", "alice"),
            Err(StoreError::AccessDenied(_))
        ));
        let revoked = t
            .store
            .delete_grant(&account_id, &bucket.name, MASTER_USER, "alice")
            .unwrap();
        assert_eq!(users(&revoked), ["alice", "bob", "carol"]);
        let left = t.store.list_grants(&account_id, &bucket.name).unwrap();
        assert_eq!(users(&left), ["dave"]);
        assert!(
            t.store
                .list_user_grants(&account_id, "carol")
                .unwrap()
                .is_empty()
        );
        assert!(matches!(
            t.store
                .delete_grant(&account_id, &bucket.name, MASTER_USER, "alice"),
            Err(StoreError::NoSuchGrant)
        ));
    }

    #[test]
    fn user_revokes_only_what_it_made() {
        let (t, account_id, bucket) = setup();
        let put = |grantor: &str, user: &str| {
            t.store
                .put_grant(&account_id, &bucket.name, grantor, user, Access::Read, true)
                .unwrap()
        };
        put(MASTER_USER, "alice");
        put("alice", "bob");
        put("bob", "carol");
        assert!(matches!(
            t.store
                .delete_grant(&account_id, &bucket.name, "alice", "carol"),
            Err(StoreError::AccessDenied(_))
        ));
        let revoked = t
            .store
            .delete_grant(&account_id, &bucket.name, "alice", "bob")
            .unwrap();
        assert_eq!(users(&revoked), ["bob", "carol"]);
    }

    #[test]
    fn narrowing_revokes_what_it_no_longer_covers() {
        let (t, account_id, bucket) = setup();
        let put = |grantor: &str, user: &str, access: Access, regrant: bool| {
            t.store
                .put_grant(&account_id, &bucket.name, grantor, user, access, regrant)
                .unwrap()
        };
        put(MASTER_USER, "alice", Access::ReadWrite, true);
        put("alice", "bob", Access::ReadWrite, true);
        put("bob", "dave", Access::Read, false);
        put("alice", "carol", Access::Read, false);
        // Down to read: bob's read-write falls with what bob made; carol's read stays.
        put(MASTER_USER, "alice", Access::Read, true);
        let left = t.store.list_grants(&account_id, &bucket.name).unwrap();
        assert_eq!(users(&left), ["alice", "carol"]);
        // Without regrant: everything alice made falls.
        put(MASTER_USER, "alice", Access::Read, false);
        let left = t.store.list_grants(&account_id, &bucket.name).unwrap();
        assert_eq!(users(&left), ["alice"]);
    }

    #[test]
    fn list_user_grants_across_buckets() {
        let (t, account_id, bucket) = setup();
        let second = t.store.create_bucket(&account_id, "second", "r1").unwrap();
        for name in [&bucket.name, &second.name] {
            t.store
                .put_grant(&account_id, name, MASTER_USER, "alice", Access::Read, false)
                .unwrap();
        }
        let held = t.store.list_user_grants(&account_id, "alice").unwrap();
        let buckets: Vec<&str> = held.iter().map(|grant| grant.bucket.as_str()).collect();
        assert_eq!(buckets, [bucket.name.as_str(), "second"]);
        assert!(
            t.store
                .list_user_grants(&account_id, "al")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn delete_user_cascades_grants() {
        let (t, account_id, bucket) = setup();
        let put = |grantor: &str, user: &str| {
            t.store
                .put_grant(&account_id, &bucket.name, grantor, user, Access::Read, true)
                .unwrap()
        };
        put(MASTER_USER, "alice");
        put("alice", "bob");
        put(MASTER_USER, "carol");
        t.store.delete_user(&account_id, "alice").unwrap();
        let left = t.store.list_grants(&account_id, &bucket.name).unwrap();
        assert_eq!(users(&left), ["carol"]);
        assert!(
            t.store
                .list_user_grants(&account_id, "bob")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn delete_bucket_removes_grants() {
        let (t, account_id, bucket) = setup();
        t.store
            .put_grant(
                &account_id,
                &bucket.name,
                MASTER_USER,
                "alice",
                Access::Read,
                false,
            )
            .unwrap();
        t.store.delete_bucket(&bucket.name).unwrap();
        assert!(t.store.grant(bucket.id, "alice").unwrap().is_none());
        assert!(
            t.store
                .list_user_grants(&account_id, "alice")
                .unwrap()
                .is_empty()
        );
    }

    #[test]
    fn access_names() {
        assert_eq!(Access::Read.as_str(), "read");
        assert_eq!(Access::ReadWrite.as_str(), "read-write");
        assert!(Access::Read < Access::ReadWrite);
    }
}
