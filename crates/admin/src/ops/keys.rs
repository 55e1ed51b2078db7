//! Access keys: the master manages every user's, a sub-user only its own.

use oss_store::{AccessKey, MASTER_USER, StoreError};

use super::{Admin, PageRequest, authz};
use crate::error::{About, AdminError};
use crate::principal::Principal;
use crate::types::{CreateKeyRequest, KeyCreated, KeyInfo, KeyList, rfc3339};

impl Admin {
    /// Lists access keys without secrets: every key of the account for the master and the
    /// operator, the caller's own for a sub-user. `user` narrows the list to one user.
    pub async fn list_keys(
        &self,
        who: &Principal,
        account_id: &str,
        user: Option<&str>,
        page: PageRequest,
    ) -> Result<KeyList, AdminError> {
        let member = authz::member(who, account_id, "list access keys")?;
        let only = match (authz::sub_user(member), user) {
            (Some(caller), Some(other)) if other != caller.user => {
                return Err(AdminError::denied(format!(
                    "{} may list only its own access keys, not those of user {other:?}",
                    who.describe()
                )));
            }
            (Some(caller), _) => Some(caller.user.clone()),
            (None, user) => user.map(str::to_owned),
        };
        let id = account_id.to_owned();
        let mut keys = self
            .blocking(
                move |store| {
                    store.account(&id)?.ok_or(StoreError::NoSuchAccount)?;
                    store.list_access_keys(&id, only.as_deref())
                },
                |error| About::account(account_id).error(error),
            )
            .await?;
        keys.sort_by(|a, b| a.access_key_id.cmp(&b.access_key_id));
        let (keys, next) = page.take(keys.iter().map(key_info), |key| key.access_key_id.as_str());
        Ok(KeyList {
            keys,
            next_continuation_token: next,
        })
    }

    /// Creates an access key. Without a user in `input`, the key is the caller's, or the
    /// master's when the operator calls; a sub-user may create keys only for itself.
    pub async fn create_key(
        &self,
        who: &Principal,
        account_id: &str,
        input: CreateKeyRequest,
    ) -> Result<KeyCreated, AdminError> {
        let member = authz::member(who, account_id, "create access keys")?;
        let owner = match (member, input.user) {
            (_, Some(user)) => user,
            (Some(caller), None) => caller.user.clone(),
            (None, None) => MASTER_USER.to_owned(),
        };
        if let Some(caller) = authz::sub_user(member)
            && caller.user != owner
        {
            return Err(AdminError::denied(format!(
                "{} may create access keys only for itself, not for user {owner:?}",
                who.describe()
            )));
        }
        let id = account_id.to_owned();
        let user = owner.clone();
        let (key, secret) = self
            .blocking(
                move |store| store.create_access_key(&id, &user, None),
                |error| About::account(account_id).user(&owner).error(error),
            )
            .await?;
        Ok(KeyCreated {
            access_key_id: key.access_key_id,
            secret_access_key: secret.as_str().to_owned(),
            user: key.user,
            created_at: rfc3339(key.created_at),
        })
    }

    /// Deletes an access key: any of the account's for the master and the operator, only its
    /// own for a sub-user.
    pub async fn delete_key(
        &self,
        who: &Principal,
        account_id: &str,
        access_key_id: &str,
    ) -> Result<(), AdminError> {
        let member = authz::member(who, account_id, "delete access keys")?;
        let caller = authz::sub_user(member).map(|caller| caller.user.clone());
        let id = account_id.to_owned();
        let key_id = access_key_id.to_owned();
        let describe = who.describe();
        let owner = self
            .blocking(
                move |store| {
                    let key = store
                        .access_key(&key_id)?
                        .map(|(key, _)| key)
                        .filter(|key| key.account_id == id)
                        .ok_or(StoreError::NoSuchAccessKey)?;
                    if caller.as_ref().is_some_and(|caller| *caller != key.user) {
                        return Ok(Some(key.user));
                    }
                    store.delete_access_key(&id, &key_id)?;
                    Ok(None)
                },
                |error| {
                    About::account(account_id)
                        .access_key(access_key_id)
                        .error(error)
                },
            )
            .await?;
        match owner {
            None => Ok(()),
            Some(owner) => Err(AdminError::denied(format!(
                "{describe} may delete only its own access keys; {access_key_id:?} belongs to \
                 user {owner:?}"
            ))),
        }
    }
}

fn key_info(key: &AccessKey) -> KeyInfo {
    KeyInfo {
        access_key_id: key.access_key_id.clone(),
        user: key.user.clone(),
        created_at: rfc3339(key.created_at),
    }
}
