//! Striped locks that serialise commits on the same object key or upload.

use std::hash::{DefaultHasher, Hash, Hasher};
use std::sync::{Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Number of stripes per lock table. Two different keys share a stripe with probability
/// 1/256, which only makes them wait for each other's commit.
const STRIPES: usize = 256;

/// A fixed table of locks indexed by the hash of a key.
#[derive(Debug)]
pub(crate) struct Stripes<T> {
    slots: Vec<T>,
}

impl<T: Default> Stripes<T> {
    pub(crate) fn new() -> Self {
        Stripes {
            slots: (0..STRIPES).map(|_| T::default()).collect(),
        }
    }

    /// Returns the lock guarding `key`.
    pub(crate) fn get(&self, key: impl Hash) -> &T {
        let mut hasher = DefaultHasher::new();
        key.hash(&mut hasher);
        let index = usize::try_from(hasher.finish() % STRIPES as u64).unwrap_or(0);
        &self.slots[index]
    }
}

/// Locks a mutex, ignoring poisoning: the guarded data is `()` or plain counters that a
/// panicking holder cannot leave half-updated.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Takes a shared lock, ignoring poisoning for the same reason as [`lock`].
pub(crate) fn read<T>(rwlock: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    rwlock
        .read()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// Takes an exclusive lock, ignoring poisoning for the same reason as [`lock`].
pub(crate) fn write<T>(rwlock: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    rwlock
        .write()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}
