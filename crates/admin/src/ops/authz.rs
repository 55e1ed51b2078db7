//! Access rules of the admin operations: the operator everything, an account's master everything in its
//! account, and sub-users the parts named at each operation.

use crate::error::AdminError;
use crate::principal::{Principal, UserPrincipal};

/// Allows only the operator.
pub(crate) fn operator(who: &Principal, action: &str) -> Result<(), AdminError> {
    match who {
        Principal::Operator => Ok(()),
        Principal::User(_) => Err(AdminError::denied(format!(
            "{} may not {action}; only the operator may",
            who.describe()
        ))),
    }
}

/// Allows the operator and the master of `account_id`.
pub(crate) fn master(who: &Principal, account_id: &str, action: &str) -> Result<(), AdminError> {
    match who {
        Principal::Operator => Ok(()),
        Principal::User(user) if user.account.id == account_id && user.is_master() => Ok(()),
        Principal::User(_) => Err(AdminError::denied(format!(
            "{} may not {action} in account {account_id:?}; only its master and the operator may",
            who.describe()
        ))),
    }
}

/// Allows the operator and every user of `account_id`; returns the user, None for the
/// operator.
pub(crate) fn member<'a>(
    who: &'a Principal,
    account_id: &str,
    action: &str,
) -> Result<Option<&'a UserPrincipal>, AdminError> {
    match who {
        Principal::Operator => Ok(None),
        Principal::User(user) if user.account.id == account_id => Ok(Some(user)),
        Principal::User(_) => Err(AdminError::denied(format!(
            "{} may not {action} in account {account_id:?}, which is not its own",
            who.describe()
        ))),
    }
}

/// Returns the sub-user among members, None for the operator and the master, who may act on
/// everything in the account.
pub(crate) fn sub_user(user: Option<&UserPrincipal>) -> Option<&UserPrincipal> {
    user.filter(|user| !user.is_master())
}
