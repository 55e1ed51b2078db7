//! Console sessions, kept in memory and found by a random id that the browser keeps in an
//! HttpOnly cookie. A session ends at sign-out, after [`SessionLimits::idle`] without a
//! request, or [`SessionLimits::absolute`] after sign-in, whichever comes first; a restart
//! of the server ends every session.
//!
//! The table is keyed by the SHA-256 of the id, so the ids themselves are not kept.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use zeroize::Zeroizing;

/// How long sessions live, and how many may exist at once.
#[derive(Debug, Clone, Copy)]
pub struct SessionLimits {
    /// A session unused for this long ends.
    pub idle: Duration,
    /// A session ends this long after sign-in, however busy.
    pub absolute: Duration,
    /// Sessions kept at most; signing in beyond this ends the least recently used one.
    pub max_sessions: usize,
}

impl Default for SessionLimits {
    fn default() -> Self {
        SessionLimits {
            idle: Duration::from_secs(30 * 60),
            absolute: Duration::from_secs(12 * 60 * 60),
            max_sessions: 10_000,
        }
    }
}

/// The signed-in identity.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Identity {
    /// The holder of the operator token.
    Operator,
    /// A user of an account, through one of its access keys. The key is looked up again on
    /// every request, so deleting it or releasing its account ends the session.
    Key {
        /// The access key id given at sign-in.
        access_key_id: String,
    },
}

/// Style of a flash message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum FlashLevel {
    /// An action succeeded.
    Success,
    /// An action failed.
    Error,
}

/// A message shown once, on the next page the session loads: the outcome of a form.
#[derive(Debug, Clone)]
pub(crate) struct Flash {
    pub(crate) level: FlashLevel,
    pub(crate) text: String,
    /// Values shown once with a copy button, such as a new secret access key.
    pub(crate) reveal: Vec<(String, Zeroizing<String>)>,
}

impl Flash {
    /// A success message.
    pub(crate) fn success(text: impl Into<String>) -> Flash {
        Flash {
            level: FlashLevel::Success,
            text: text.into(),
            reveal: Vec::new(),
        }
    }

    /// An error message.
    pub(crate) fn error(text: impl Into<String>) -> Flash {
        Flash {
            level: FlashLevel::Error,
            text: text.into(),
            reveal: Vec::new(),
        }
    }

    /// Adds a value to show once, such as a secret.
    pub(crate) fn reveal(mut self, label: &str, value: String) -> Flash {
        self.reveal.push((label.to_owned(), Zeroizing::new(value)));
        self
    }
}

/// Result of looking up the session of a request.
#[derive(Debug, Clone)]
pub(crate) struct SessionView {
    pub(crate) identity: Identity,
    /// The token every form and script request of this session must send back.
    pub(crate) csrf_token: String,
    /// Whether the session has seen its account being released, so that the account's
    /// disappearance reads as the end of the release.
    pub(crate) saw_release: bool,
}

/// Checks a token sent with a request against the expected one, in constant time.
pub(crate) fn tokens_match(expected: &str, sent: Option<&str>) -> bool {
    sent.is_some_and(|sent| sent.as_bytes().ct_eq(expected.as_bytes()).into())
}

struct Session {
    identity: Identity,
    csrf_token: String,
    created: Instant,
    last_seen: Instant,
    flashes: Vec<Flash>,
    saw_release: bool,
}

/// The session table; clones are not shared, so wrap it in an `Arc`.
pub(crate) struct Sessions {
    limits: SessionLimits,
    table: Mutex<HashMap<[u8; 32], Session>>,
}

impl Sessions {
    pub(crate) fn new(limits: SessionLimits) -> Sessions {
        Sessions {
            limits,
            table: Mutex::new(HashMap::new()),
        }
    }

    /// Returns the limits the table enforces.
    pub(crate) fn limits(&self) -> SessionLimits {
        self.limits
    }

    /// Starts a session and returns its new id, the cookie value.
    pub(crate) fn create(&self, identity: Identity) -> String {
        let id = random_token();
        let now = Instant::now();
        let session = Session {
            identity,
            csrf_token: random_token(),
            created: now,
            last_seen: now,
            flashes: Vec::new(),
            saw_release: false,
        };
        let mut table = self.lock();
        self.remove_expired(&mut table, now);
        if table.len() >= self.limits.max_sessions
            && let Some(oldest) = table
                .iter()
                .min_by_key(|(_, session)| session.last_seen)
                .map(|(digest, _)| *digest)
        {
            table.remove(&oldest);
        }
        table.insert(digest(&id), session);
        id
    }

    /// Returns the live session with this id and marks it used, or None for an unknown or
    /// expired id (an expired session is removed).
    pub(crate) fn get(&self, id: &str) -> Option<SessionView> {
        let now = Instant::now();
        let key = digest(id);
        let mut table = self.lock();
        let session = table.get_mut(&key)?;
        if self.is_expired(session, now) {
            table.remove(&key);
            return None;
        }
        session.last_seen = now;
        Some(SessionView {
            identity: session.identity.clone(),
            csrf_token: session.csrf_token.clone(),
            saw_release: session.saw_release,
        })
    }

    /// Records that the session's account is being released.
    pub(crate) fn mark_release_seen(&self, id: &str) {
        if let Some(session) = self.lock().get_mut(&digest(id)) {
            session.saw_release = true;
        }
    }

    /// Ends a session.
    pub(crate) fn remove(&self, id: &str) {
        self.lock().remove(&digest(id));
    }

    /// Ends every session signed in with this access key.
    pub(crate) fn remove_key(&self, access_key_id: &str) {
        self.lock().retain(|_, session| match &session.identity {
            Identity::Key {
                access_key_id: used,
            } => used != access_key_id,
            Identity::Operator => true,
        });
    }

    /// Queues a flash message for the session's next page.
    pub(crate) fn push_flash(&self, id: &str, flash: Flash) {
        if let Some(session) = self.lock().get_mut(&digest(id)) {
            session.flashes.push(flash);
        }
    }

    /// Takes the queued flash messages; each is shown once.
    pub(crate) fn take_flashes(&self, id: &str) -> Vec<Flash> {
        self.lock()
            .get_mut(&digest(id))
            .map(|session| std::mem::take(&mut session.flashes))
            .unwrap_or_default()
    }

    fn is_expired(&self, session: &Session, now: Instant) -> bool {
        now.duration_since(session.last_seen) >= self.limits.idle
            || now.duration_since(session.created) >= self.limits.absolute
    }

    fn remove_expired(&self, table: &mut HashMap<[u8; 32], Session>, now: Instant) {
        table.retain(|_, session| !self.is_expired(session, now));
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<[u8; 32], Session>> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// Returns 32 random bytes from the thread's CSPRNG, base64url-encoded (43 characters).
pub(crate) fn random_token() -> String {
    URL_SAFE_NO_PAD.encode(rand::random::<[u8; 32]>())
}

fn digest(id: &str) -> [u8; 32] {
    Sha256::digest(id.as_bytes()).into()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(id: &str) -> Identity {
        Identity::Key {
            access_key_id: id.to_owned(),
        }
    }

    #[test]
    fn created_session_found_with_its_token() {
        let sessions = Sessions::new(SessionLimits::default());
        let id = sessions.create(key("AK1"));
        let view = sessions.get(&id).expect("live session");
        assert_eq!(view.identity, key("AK1"));
        assert_eq!(view.csrf_token.len(), 43);
        assert!(!view.saw_release);
        assert!(tokens_match(&view.csrf_token, Some(&view.csrf_token)));
        assert!(!tokens_match(&view.csrf_token, Some("wrong")));
        assert!(!tokens_match(&view.csrf_token, None));
        assert!(sessions.get("not-an-id").is_none());
    }

    #[test]
    fn idle_timeout_ends_session() {
        let sessions = Sessions::new(SessionLimits {
            idle: Duration::ZERO,
            ..SessionLimits::default()
        });
        let id = sessions.create(Identity::Operator);
        assert!(sessions.get(&id).is_none());
    }

    #[test]
    fn absolute_timeout_ends_busy_session() {
        let sessions = Sessions::new(SessionLimits {
            absolute: Duration::ZERO,
            ..SessionLimits::default()
        });
        let id = sessions.create(Identity::Operator);
        assert!(sessions.get(&id).is_none());
    }

    #[test]
    fn sign_out_and_key_removal_end_sessions() {
        let sessions = Sessions::new(SessionLimits::default());
        let first = sessions.create(key("AK1"));
        let second = sessions.create(key("AK2"));
        let operator = sessions.create(Identity::Operator);
        sessions.remove(&first);
        assert!(sessions.get(&first).is_none());
        sessions.remove_key("AK2");
        assert!(sessions.get(&second).is_none());
        assert!(sessions.get(&operator).is_some());
    }

    #[test]
    fn full_table_drops_least_recent() {
        let sessions = Sessions::new(SessionLimits {
            max_sessions: 2,
            ..SessionLimits::default()
        });
        let first = sessions.create(key("AK1"));
        let second = sessions.create(key("AK2"));
        assert!(sessions.get(&first).is_some());
        let third = sessions.create(key("AK3"));
        assert!(sessions.get(&second).is_none());
        assert!(sessions.get(&first).is_some());
        assert!(sessions.get(&third).is_some());
    }

    #[test]
    fn release_seen_kept() {
        let sessions = Sessions::new(SessionLimits::default());
        let id = sessions.create(key("AK1"));
        let other = sessions.create(key("AK2"));
        sessions.mark_release_seen(&id);
        assert!(sessions.get(&id).expect("live session").saw_release);
        assert!(!sessions.get(&other).expect("live session").saw_release);
    }

    #[test]
    fn flashes_shown_once() {
        let sessions = Sessions::new(SessionLimits::default());
        let id = sessions.create(Identity::Operator);
        sessions.push_flash(
            &id,
            Flash::success("done").reveal("Secret", "s3cr3t".into()),
        );
        let flashes = sessions.take_flashes(&id);
        assert_eq!(flashes.len(), 1);
        assert_eq!(flashes[0].reveal[0].1.as_str(), "s3cr3t");
        assert!(sessions.take_flashes(&id).is_empty());
    }
}
