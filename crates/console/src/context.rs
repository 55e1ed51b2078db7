//! Origin of a console request: its session, the principal behind it, and the key that
//! signs its object requests.

use http::{HeaderMap, StatusCode};
use oss_admin::{AdminError, Principal, SESSION_COOKIE, UserPrincipal};
use oss_sigv4::SecretKey;
use oss_store::{AccountStatus, MASTER_USER, Store, StoreError};

use crate::Inner;
use crate::s3::{S3Failure, Signer};
use crate::session::Identity;
use crate::web;

/// Current state of a session's identity.
pub(crate) enum Resolved {
    /// A caller the admin API would accept.
    Active(Principal),
    /// A user whose account is being released. Its keys no longer authenticate anywhere;
    /// the console shows such a session only the progress of the release.
    Releasing(UserPrincipal),
    /// The key is deleted or its account is gone: the session is over.
    Gone,
}

/// Looks up the access key of a session again, so that deleting the key or releasing its
/// account ends the session's rights at once.
pub(crate) fn resolve_identity(store: &Store, identity: &Identity) -> Result<Resolved, StoreError> {
    let access_key_id = match identity {
        Identity::Operator => return Ok(Resolved::Active(Principal::Operator)),
        Identity::Key { access_key_id } => access_key_id,
    };
    let Some((key, _secret)) = store.access_key(access_key_id)? else {
        return Ok(Resolved::Gone);
    };
    let Some(account) = store.account(&key.account_id)? else {
        return Ok(Resolved::Gone);
    };
    let principal = UserPrincipal {
        account,
        user: key.user,
    };
    Ok(match principal.account.status {
        AccountStatus::Active => Resolved::Active(Principal::User(principal)),
        AccountStatus::Releasing => Resolved::Releasing(principal),
    })
}

/// A signed-in console request.
pub(crate) struct Ctx {
    pub(crate) session_id: String,
    pub(crate) csrf_token: String,
    pub(crate) identity: Identity,
    pub(crate) who: Principal,
    /// Whether the user's account is being released, which leaves only the release
    /// progress page and sign-out.
    pub(crate) releasing: bool,
}

/// The outcome of looking up a request's session.
pub(crate) enum Session {
    SignedIn(Box<Ctx>),
    /// No session cookie, or one the table does not know (signed out or timed out).
    None,
    /// A live session whose key was deleted or whose account is gone; it has been removed.
    Ended,
    /// A live session whose account was being released and is now gone; it has been removed.
    Released,
}

impl Ctx {
    /// Finds the live session of a request.
    pub(crate) async fn load(inner: &Inner, headers: &HeaderMap) -> Result<Session, Failure> {
        let Some(session_id) = web::request_cookie(headers, SESSION_COOKIE) else {
            return Ok(Session::None);
        };
        let Some(view) = inner.sessions.table.get(session_id) else {
            return Ok(Session::None);
        };
        let store = inner.sessions.store.clone();
        let identity = view.identity.clone();
        let resolved = tokio::task::spawn_blocking(move || resolve_identity(&store, &identity))
            .await
            .map_err(|error| Failure::internal(error.to_string()))?
            .map_err(|error| Failure::internal(error.to_string()))?;
        let (who, releasing) = match resolved {
            Resolved::Active(principal) => (principal, false),
            Resolved::Releasing(user) => {
                if !view.saw_release {
                    inner.sessions.table.mark_release_seen(session_id);
                }
                (Principal::User(user), true)
            }
            Resolved::Gone => {
                inner.sessions.table.remove(session_id);
                return Ok(match view.saw_release {
                    true => Session::Released,
                    false => Session::Ended,
                });
            }
        };
        Ok(Session::SignedIn(Box::new(Ctx {
            session_id: session_id.to_owned(),
            csrf_token: view.csrf_token,
            identity: view.identity,
            who,
            releasing,
        })))
    }

    /// Checks the CSRF token sent with a request against the session's, in constant time.
    pub(crate) fn csrf_matches(&self, sent: Option<&str>) -> bool {
        crate::session::tokens_match(&self.csrf_token, sent)
    }

    /// Returns the user, None for the operator.
    pub(crate) fn user(&self) -> Option<&UserPrincipal> {
        match &self.who {
            Principal::Operator => None,
            Principal::User(user) => Some(user),
        }
    }

    pub(crate) fn is_operator(&self) -> bool {
        matches!(self.who, Principal::Operator)
    }

    /// Returns whether the caller manages `account_id`: the operator, or its master.
    pub(crate) fn manages(&self, account_id: &str) -> bool {
        match self.user() {
            None => true,
            Some(user) => user.is_master() && user.account.id == account_id,
        }
    }

    /// Returns the access key the session signed in with, None for the operator.
    pub(crate) fn access_key_id(&self) -> Option<&str> {
        match &self.identity {
            Identity::Operator => None,
            Identity::Key { access_key_id } => Some(access_key_id),
        }
    }

    /// Describes the caller for the top bar.
    pub(crate) fn describe(&self) -> String {
        match (self.user(), self.access_key_id()) {
            (Some(user), Some(key)) => {
                format!("{} of {} (key {key})", user.user, user.account.name)
            }
            _ => "the operator".to_owned(),
        }
    }

    /// Returns the first page after sign-in: the account list for the operator, the
    /// overview for a master and the buckets for a sub-user.
    pub(crate) fn home(&self) -> String {
        match self.user() {
            None => "/console/accounts".to_owned(),
            Some(user) if self.releasing => {
                crate::layout::account_path(&user.account.id, "/release")
            }
            Some(user) if user.is_master() => crate::layout::account_path(&user.account.id, ""),
            Some(user) => crate::layout::account_path(&user.account.id, "/buckets"),
        }
    }

    /// Checks that a user addresses its own account; the operator may address any.
    pub(crate) fn check_account(&self, account_id: &str) -> Result<(), Failure> {
        match self.user() {
            Some(user) if user.account.id != account_id => Err(Failure {
                status: StatusCode::FORBIDDEN,
                message: format!(
                    "{} may not open account {account_id:?}, which is not its own",
                    self.who.describe()
                ),
            }),
            _ => Ok(()),
        }
    }
}

/// Finds the key that signs the bucket browser's S3 requests: the session's own key, or for
/// the operator, a key of the account's master.
pub(crate) async fn signer(inner: &Inner, ctx: &Ctx, account_id: &str) -> Result<Signer, Failure> {
    ctx.check_account(account_id)?;
    let store = inner.sessions.store.clone();
    let own_key = ctx.access_key_id().map(str::to_owned);
    let account = account_id.to_owned();
    let found = tokio::task::spawn_blocking(move || -> Result<Option<Signer>, StoreError> {
        let Some(account) = store.account(&account)? else {
            return Ok(None);
        };
        let key_id = match own_key {
            Some(key_id) => Some(key_id),
            None => store
                .list_access_keys(&account.id, Some(MASTER_USER))?
                .into_iter()
                .next()
                .map(|key| key.access_key_id),
        };
        let Some(key_id) = key_id else {
            return Ok(None);
        };
        Ok(store.access_key(&key_id)?.map(|(_, secret)| Signer {
            access_key_id: key_id,
            secret: SecretKey::new(secret.as_str().to_owned()),
            region: account.region.clone(),
        }))
    })
    .await
    .map_err(|error| Failure::internal(error.to_string()))?
    .map_err(|error| Failure::internal(error.to_string()))?;
    found.ok_or_else(|| Failure {
        status: StatusCode::CONFLICT,
        message: format!(
            "account {account_id:?} has no access key of its master user, and the operator \
             browses objects with one; create a key for \"master\" on the Keys page"
        ),
    })
}

/// A failed console action: the status of its page and the message shown.
#[derive(Debug, Clone)]
pub(crate) struct Failure {
    pub(crate) status: StatusCode,
    pub(crate) message: String,
}

impl Failure {
    pub(crate) fn internal(message: String) -> Failure {
        tracing::error!(%message, "console request failed");
        Failure {
            status: StatusCode::INTERNAL_SERVER_ERROR,
            message,
        }
    }

    pub(crate) fn not_found(message: impl Into<String>) -> Failure {
        Failure {
            status: StatusCode::NOT_FOUND,
            message: message.into(),
        }
    }

    pub(crate) fn bad_request(message: impl Into<String>) -> Failure {
        Failure {
            status: StatusCode::BAD_REQUEST,
            message: message.into(),
        }
    }
}

impl From<AdminError> for Failure {
    fn from(error: AdminError) -> Failure {
        Failure {
            status: error.code().status(),
            message: format!("{}: {}", error.code().as_str(), error.message()),
        }
    }
}

impl From<S3Failure> for Failure {
    fn from(error: S3Failure) -> Failure {
        Failure {
            status: error.status,
            message: error.to_string(),
        }
    }
}
