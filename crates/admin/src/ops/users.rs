//! Sub-users of an account.

use oss_store::{MASTER_USER, User};

use super::accounts::validate_name;
use super::{Admin, PageRequest, authz};
use crate::error::{About, AdminError};
use crate::principal::Principal;
use crate::types::{CreateUserRequest, UserInfo, UserList, rfc3339};

impl Admin {
    /// Lists the users of an account in name order, the master included (master only).
    pub async fn list_users(
        &self,
        who: &Principal,
        account_id: &str,
        page: PageRequest,
    ) -> Result<UserList, AdminError> {
        authz::master(who, account_id, "list users")?;
        let id = account_id.to_owned();
        let users = self
            .blocking(
                move |store| {
                    store
                        .account(&id)?
                        .ok_or(oss_store::StoreError::NoSuchAccount)?;
                    store.list_users(&id)
                },
                |error| About::account(account_id).error(error),
            )
            .await?;
        let (users, next) = page.take(users.iter().map(user_info), |user| user.name.as_str());
        Ok(UserList {
            users,
            next_continuation_token: next,
        })
    }

    /// Creates a sub-user (master only).
    pub async fn create_user(
        &self,
        who: &Principal,
        account_id: &str,
        input: CreateUserRequest,
    ) -> Result<UserInfo, AdminError> {
        authz::master(who, account_id, "create users")?;
        validate_name("user", &input.name)?;
        let id = account_id.to_owned();
        let name = input.name.clone();
        let user = self
            .blocking(
                move |store| store.create_user(&id, &name),
                |error| About::account(account_id).user(&input.name).error(error),
            )
            .await?;
        Ok(user_info(&user))
    }

    /// Deletes a sub-user with its keys and grants, and every grant made from them (master
    /// only). The master user cannot be deleted.
    pub async fn delete_user(
        &self,
        who: &Principal,
        account_id: &str,
        user: &str,
    ) -> Result<(), AdminError> {
        authz::master(who, account_id, "delete users")?;
        if user == MASTER_USER {
            return Err(AdminError::invalid(format!(
                "user {MASTER_USER:?} cannot be deleted; release the account instead"
            )));
        }
        let id = account_id.to_owned();
        let name = user.to_owned();
        self.blocking(
            move |store| store.delete_user(&id, &name),
            |error| About::account(account_id).user(user).error(error),
        )
        .await
    }
}

fn user_info(user: &User) -> UserInfo {
    UserInfo {
        name: user.name.clone(),
        created_at: rfc3339(user.created_at),
    }
}
