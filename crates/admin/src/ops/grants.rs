//! Grants of sub-users on buckets. The master grants and revokes anything in its account.
//! A user whose grant has `regrant` may pass on at most the access it has, and may revoke
//! only the grants it made. The store checks these rules atomically.

use oss_store::{Access, Grant, MASTER_USER, StoreError};

use super::buckets::owned_bucket;
use super::{Admin, PageRequest, authz};
use crate::error::{About, AdminError};
use crate::principal::Principal;
use crate::types::{GrantAccess, GrantInfo, GrantList, GrantRequest, rfc3339};

impl Admin {
    /// Lists the grants on a bucket: for the master, the operator, and users holding a grant
    /// with `regrant` on it.
    pub async fn list_grants(
        &self,
        who: &Principal,
        account_id: &str,
        bucket: &str,
        page: PageRequest,
    ) -> Result<GrantList, AdminError> {
        let member = authz::member(who, account_id, "list grants")?;
        let caller = authz::sub_user(member).map(|user| user.user.clone());
        let id = account_id.to_owned();
        let name = bucket.to_owned();
        let grants = self
            .blocking(
                move |store| {
                    let bucket = owned_bucket(store, &id, &name)?;
                    if let Some(caller) = caller {
                        let holds_regrant = store
                            .grant(bucket.id, &caller)?
                            .is_some_and(|grant| grant.regrant);
                        if !holds_regrant {
                            return Err(StoreError::AccessDenied(format!(
                                "user {caller:?} holds no grant with regrant on bucket {name:?}, \
                                 so it may not list its grants"
                            )));
                        }
                    }
                    store.list_grants(&id, &name)
                },
                |error| About::account(account_id).bucket(bucket).error(error),
            )
            .await?;
        let (grants, next) = page.take(grants.iter().map(grant_info), |grant| grant.user.as_str());
        Ok(GrantList {
            grants,
            next_continuation_token: next,
        })
    }

    /// Creates or replaces the grant of a user on a bucket, made by the caller.
    pub async fn put_grant(
        &self,
        who: &Principal,
        account_id: &str,
        bucket: &str,
        input: GrantRequest,
    ) -> Result<GrantInfo, AdminError> {
        let member = authz::member(who, account_id, "grant access")?;
        let grantor = grantor_name(member.map(|user| user.user.as_str()));
        let id = account_id.to_owned();
        let name = bucket.to_owned();
        let user = input.user.clone();
        let access = match input.access {
            GrantAccess::Read => Access::Read,
            GrantAccess::ReadWrite => Access::ReadWrite,
        };
        let grant = self
            .blocking(
                move |store| store.put_grant(&id, &name, &grantor, &user, access, input.regrant),
                |error| {
                    About::account(account_id)
                        .bucket(bucket)
                        .user(&input.user)
                        .error(error)
                },
            )
            .await?;
        Ok(grant_info(&grant))
    }

    /// Revokes the grant of `user` on a bucket and every grant made from it, at any depth.
    pub async fn delete_grant(
        &self,
        who: &Principal,
        account_id: &str,
        bucket: &str,
        user: &str,
    ) -> Result<Vec<GrantInfo>, AdminError> {
        let member = authz::member(who, account_id, "revoke grants")?;
        let revoker = grantor_name(member.map(|user| user.user.as_str()));
        let id = account_id.to_owned();
        let name = bucket.to_owned();
        let grantee = user.to_owned();
        let revoked = self
            .blocking(
                move |store| store.delete_grant(&id, &name, &revoker, &grantee),
                |error| {
                    About::account(account_id)
                        .bucket(bucket)
                        .user(user)
                        .error(error)
                },
            )
            .await?;
        Ok(revoked.iter().map(grant_info).collect())
    }
}

/// Returns the grantor name recorded for the caller: `master` for the operator and the master.
fn grantor_name(user: Option<&str>) -> String {
    user.unwrap_or(MASTER_USER).to_owned()
}

fn grant_info(grant: &Grant) -> GrantInfo {
    GrantInfo {
        user: grant.user.clone(),
        access: match grant.access {
            Access::Read => GrantAccess::Read,
            Access::ReadWrite => GrantAccess::ReadWrite,
        },
        regrant: grant.regrant,
        granted_by: grant.granted_by.clone(),
        created_at: rfc3339(grant.created_at),
    }
}
