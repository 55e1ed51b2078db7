//! Buckets of an account: the master creates and deletes them; sub-users see those they hold
//! grants on.

use oss_store::{Bucket, Store, StoreError};

use super::{Admin, PageRequest, authz};
use crate::error::{About, AdminError, ErrorCode};
use crate::principal::Principal;
use crate::types::{BucketInfo, BucketList, CreateBucketRequest, rfc3339};

/// Outcome of a bucket deletion.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BucketDeletion {
    /// The bucket was empty and is gone.
    Deleted,
    /// The bucket is hidden and a background job is emptying and removing it.
    Started,
}

impl Admin {
    /// Lists buckets with their size: all of the account's for the master and the operator,
    /// those it holds a grant on for a sub-user.
    pub async fn list_buckets(
        &self,
        who: &Principal,
        account_id: &str,
        page: PageRequest,
    ) -> Result<BucketList, AdminError> {
        let member = authz::member(who, account_id, "list buckets")?;
        let grantee = authz::sub_user(member).map(|user| user.user.clone());
        let id = account_id.to_owned();
        let buckets = self
            .blocking(
                move |store| {
                    store.account(&id)?.ok_or(StoreError::NoSuchAccount)?;
                    let mut buckets = match grantee {
                        None => store.list_buckets(&id)?,
                        Some(user) => granted_buckets(store, &id, &user)?,
                    };
                    buckets.sort_by(|a, b| a.name.cmp(&b.name));
                    buckets
                        .iter()
                        .map(|bucket| bucket_info(store, bucket))
                        .collect::<Result<Vec<_>, _>>()
                },
                |error| About::account(account_id).error(error),
            )
            .await?;
        let (buckets, next) = page.take(buckets, |bucket| bucket.name.as_str());
        Ok(BucketList {
            buckets,
            next_continuation_token: next,
        })
    }

    /// Creates a bucket in the account's region (master only).
    pub async fn create_bucket(
        &self,
        who: &Principal,
        account_id: &str,
        input: CreateBucketRequest,
    ) -> Result<BucketInfo, AdminError> {
        authz::master(who, account_id, "create buckets")?;
        if let Err(error) = oss_proto::names::validate_bucket_name(&input.name) {
            let rule = std::error::Error::source(&error)
                .map(ToString::to_string)
                .unwrap_or_else(|| error.to_string());
            return Err(AdminError::new(
                ErrorCode::InvalidBucketName,
                format!("bucket name {:?} is invalid: {rule}", input.name),
            ));
        }
        let account = self.load_account(account_id).await?;
        let name = input.name.clone();
        self.blocking(
            move |store| {
                let bucket = store.create_bucket(&account.id, &name, &account.region)?;
                bucket_info(store, &bucket)
            },
            |error| About::account(account_id).bucket(&input.name).error(error),
        )
        .await
    }

    /// Deletes a bucket (master only). A non-empty bucket fails with `BucketNotEmpty` unless
    /// `force` is set; then it is hidden at once and emptied in the background.
    pub async fn delete_bucket(
        &self,
        who: &Principal,
        account_id: &str,
        bucket: &str,
        force: bool,
    ) -> Result<BucketDeletion, AdminError> {
        authz::master(who, account_id, "delete buckets")?;
        let id = account_id.to_owned();
        let name = bucket.to_owned();
        let started = self
            .blocking(
                move |store| {
                    // NOTE: bucket names are global, so the owner is checked first. A bucket
                    // deleted and recreated by another account between this check and the
                    // deletion would be deleted too; the window is two store calls wide.
                    owned_bucket(store, &id, &name)?;
                    match store.delete_bucket(&name) {
                        Err(StoreError::BucketNotEmpty) if force => {
                            let bucket = store.begin_bucket_delete(&id, &name)?;
                            Ok(Some(bucket.id))
                        }
                        Err(error) => Err(error),
                        Ok(()) => Ok(None),
                    }
                },
                |error| About::account(account_id).bucket(bucket).error(error),
            )
            .await?;
        match started {
            None => Ok(BucketDeletion::Deleted),
            Some(bucket_id) => {
                self.spawn_bucket_delete(bucket_id);
                Ok(BucketDeletion::Started)
            }
        }
    }

    pub(crate) fn spawn_bucket_delete(&self, bucket_id: u64) {
        self.inner.jobs.spawn(
            self.store(),
            format!("delete bucket {bucket_id}"),
            move |store| store.run_bucket_delete(bucket_id),
        );
    }
}

/// Returns the bucket if it exists and belongs to the account, NoSuchBucket otherwise.
pub(crate) fn owned_bucket(
    store: &Store,
    account_id: &str,
    name: &str,
) -> Result<Bucket, StoreError> {
    store
        .bucket(name)?
        .filter(|bucket| bucket.account_id == account_id)
        .ok_or(StoreError::NoSuchBucket)
}

fn granted_buckets(store: &Store, account_id: &str, user: &str) -> Result<Vec<Bucket>, StoreError> {
    let mut buckets = Vec::new();
    for grant in store.list_user_grants(account_id, user)? {
        if let Some(bucket) = store.bucket(&grant.bucket)? {
            buckets.push(bucket);
        }
    }
    Ok(buckets)
}

fn bucket_info(store: &Store, bucket: &Bucket) -> Result<BucketInfo, StoreError> {
    let (size_bytes, object_count) = store.bucket_usage(bucket)?;
    Ok(BucketInfo {
        name: bucket.name.clone(),
        created_at: rfc3339(bucket.created_at),
        size_bytes,
        object_count,
    })
}
