//! Background work that outlives its request: releasing an account and emptying a
//! force-deleted bucket. The store's steps are safe to repeat, so work cut off by a crash or a
//! restart is picked up again at start-up.

use std::collections::HashSet;
use std::sync::{Arc, Mutex, PoisonError};

use oss_store::{Store, StoreError};

/// The background jobs running now, by name, so that one job never runs twice at once.
#[derive(Debug, Default, Clone)]
pub(crate) struct Jobs {
    running: Arc<Mutex<HashSet<String>>>,
}

impl Jobs {
    /// Runs `work` on a blocking thread unless a job named `name` is running already.
    pub(crate) fn spawn<F>(&self, store: &Store, name: String, work: F)
    where
        F: FnOnce(&Store) -> Result<(), StoreError> + Send + 'static,
    {
        let running = Arc::clone(&self.running);
        if !lock(&running).insert(name.clone()) {
            return;
        }
        let store = store.clone();
        tokio::task::spawn_blocking(move || {
            tracing::info!(job = %name, "background job started");
            match work(&store) {
                Ok(()) => tracing::info!(job = %name, "background job finished"),
                Err(StoreError::Interrupted) => tracing::info!(
                    job = %name,
                    "background job paused by shutdown; it resumes at the next start"
                ),
                Err(error) => tracing::error!(
                    job = %name,
                    %error,
                    "background job failed; it is retried at the next start"
                ),
            }
            lock(&running).remove(&name);
        });
    }
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
