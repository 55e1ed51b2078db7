//! Usage counters and quota reservations.
//!
//! Committed usage is persisted as additive counters in the same write batch as the metadata
//! it counts, and mirrored in memory for admission checks. Reservations live only in memory:
//! they cover data still being received and vanish with the process.

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, RwLock};

use crate::error::{Result, StoreError};
use crate::locks::{lock, read, write};
use crate::meter::{self, HourTotals, MeterState, RequestClass};

/// Storage use of one account.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Usage {
    /// Bytes of committed objects and uploaded parts.
    pub used_bytes: u64,
    /// Bytes reserved by writes still in progress.
    pub reserved_bytes: u64,
    /// Number of objects.
    pub object_count: u64,
    /// Number of buckets.
    pub bucket_count: u64,
    /// Capacity in bytes.
    pub capacity_bytes: u64,
}

/// Changes that one commit makes to the counters of an account and one of its buckets.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) struct Delta {
    pub(crate) bytes: i64,
    pub(crate) objects: i64,
    pub(crate) buckets: i64,
}

impl Delta {
    /// Counters added to an account row: used bytes, objects, buckets.
    pub(crate) fn account_values(&self) -> [i64; 3] {
        [self.bytes, self.objects, self.buckets]
    }

    /// Counters added to a bucket row: bytes, objects.
    pub(crate) fn bucket_values(&self) -> [i64; 2] {
        [self.bytes, self.objects]
    }
}

/// Converts a byte count to a counter delta.
pub(crate) fn signed(bytes: u64) -> i64 {
    i64::try_from(bytes).unwrap_or(i64::MAX)
}

/// In-memory usage of one account, the mirror of its persisted counters plus reservations,
/// with its usage meter under the same lock so that every change of used bytes closes a
/// meter segment at the exact old value.
#[derive(Debug)]
pub(crate) struct AccountUsage {
    state: Mutex<AccountState>,
}

#[derive(Debug)]
struct AccountState {
    usage: Usage,
    /// Set while the account is being released: no new reservation is admitted.
    releasing: bool,
    meter: MeterState,
}

impl AccountUsage {
    pub(crate) fn new(usage: Usage, releasing: bool) -> Self {
        AccountUsage {
            state: Mutex::new(AccountState {
                usage,
                releasing,
                meter: MeterState::new(meter::now_ms()),
            }),
        }
    }

    pub(crate) fn snapshot(&self) -> Usage {
        lock(&self.state).usage
    }

    pub(crate) fn set_capacity(&self, capacity_bytes: u64) {
        lock(&self.state).usage.capacity_bytes = capacity_bytes;
    }

    pub(crate) fn set_releasing(&self) {
        lock(&self.state).releasing = true;
    }

    /// Runs `change` on the usage under the lock that reservations and commits take, so
    /// that a capacity check and its update form one step.
    pub(crate) fn with_usage<T>(&self, change: impl FnOnce(&mut Usage) -> T) -> T {
        change(&mut lock(&self.state).usage)
    }

    /// Adds `bytes` to the reservation if it fits under the capacity, under the same lock that
    /// commits take, so concurrent writers can never together overshoot.
    fn try_reserve(&self, bytes: u64) -> Result<()> {
        let mut state = lock(&self.state);
        if state.releasing {
            return Err(StoreError::AccountReleasing);
        }
        let usage = &mut state.usage;
        let total = usage
            .used_bytes
            .saturating_add(usage.reserved_bytes)
            .saturating_add(bytes);
        if total > usage.capacity_bytes {
            return Err(StoreError::QuotaExceeded {
                capacity: usage.capacity_bytes,
                used: usage.used_bytes,
                reserved: usage.reserved_bytes,
                requested: bytes,
            });
        }
        usage.reserved_bytes += bytes;
        Ok(())
    }

    fn release(&self, bytes: u64) {
        let mut state = lock(&self.state);
        state.usage.reserved_bytes = state.usage.reserved_bytes.saturating_sub(bytes);
    }

    /// Applies a committed delta and releases `released` reserved bytes in one step, so the
    /// bytes move from reserved to used without a moment where they count twice or not at all.
    /// A change of used bytes first closes the meter's open segment at the old value.
    pub(crate) fn apply(&self, delta: Delta, released: u64) {
        let mut state = lock(&self.state);
        if delta.bytes != 0 {
            let used = state.usage.used_bytes;
            state.meter.close_segment(used, meter::now_ms());
        }
        let usage = &mut state.usage;
        usage.used_bytes = add_signed(usage.used_bytes, delta.bytes);
        usage.object_count = add_signed(usage.object_count, delta.objects);
        usage.bucket_count = add_signed(usage.bucket_count, delta.buckets);
        usage.reserved_bytes = usage.reserved_bytes.saturating_sub(released);
    }

    pub(crate) fn record_request(
        &self,
        now_ms: i64,
        class: Option<RequestClass>,
        bytes_in: u64,
        bytes_out: u64,
    ) {
        lock(&self.state)
            .meter
            .record(now_ms, class, bytes_in, bytes_out);
    }

    /// Closes the meter's open segment at `now_ms` and takes the totals to persist.
    pub(crate) fn take_meter(&self, now_ms: i64) -> Vec<(i64, [i64; 5])> {
        let mut state = lock(&self.state);
        let used = state.usage.used_bytes;
        state.meter.close_segment(used, now_ms);
        state.meter.take(now_ms)
    }

    pub(crate) fn restore_meter(&self, deltas: &[(i64, [i64; 5])]) {
        lock(&self.state).meter.restore(deltas);
    }

    pub(crate) fn peek_meter(&self, now_ms: i64) -> BTreeMap<i64, HourTotals> {
        let state = lock(&self.state);
        state.meter.peek(state.usage.used_bytes, now_ms)
    }
}

fn add_signed(value: u64, delta: i64) -> u64 {
    match value.checked_add_signed(delta) {
        Some(sum) => sum,
        None => {
            tracing::error!(
                value,
                delta,
                "usage counter would leave the u64 range; clamping"
            );
            if delta < 0 { 0 } else { u64::MAX }
        }
    }
}

/// The in-memory usage of every account.
#[derive(Debug, Default)]
pub(crate) struct UsageTable {
    accounts: RwLock<HashMap<String, Arc<AccountUsage>>>,
}

impl UsageTable {
    pub(crate) fn get(&self, account_id: &str) -> Result<Arc<AccountUsage>> {
        let accounts = read(&self.accounts);
        accounts
            .get(account_id)
            .cloned()
            .ok_or(StoreError::NoSuchAccount)
    }

    pub(crate) fn insert(&self, account_id: String, usage: Usage, releasing: bool) {
        let mut accounts = write(&self.accounts);
        accounts.insert(account_id, Arc::new(AccountUsage::new(usage, releasing)));
    }

    /// Returns every loaded account.
    pub(crate) fn all(&self) -> Vec<(String, Arc<AccountUsage>)> {
        read(&self.accounts)
            .iter()
            .map(|(id, account)| (id.clone(), Arc::clone(account)))
            .collect()
    }

    pub(crate) fn remove(&self, account_id: &str) {
        let mut accounts = write(&self.accounts);
        accounts.remove(account_id);
    }

    /// Applies a committed delta to an account, if it is loaded.
    pub(crate) fn apply(&self, account_id: &str, delta: Delta) {
        if let Ok(account) = self.get(account_id) {
            account.apply(delta, 0);
        }
    }

    /// Reserves `bytes` of an account's capacity.
    pub(crate) fn reserve(&self, account_id: &str, bytes: u64) -> Result<Reservation> {
        let account = self.get(account_id)?;
        account.try_reserve(bytes)?;
        Ok(Reservation {
            account,
            account_id: account_id.to_string(),
            bytes,
        })
    }
}

/// Capacity held for data that is being received, released when dropped.
///
/// A commit consumes the reservation: the bytes move from reserved to used atomically.
#[derive(Debug)]
pub struct Reservation {
    account: Arc<AccountUsage>,
    account_id: String,
    bytes: u64,
}

impl Reservation {
    /// Returns the account whose capacity is held.
    pub fn account_id(&self) -> &str {
        &self.account_id
    }

    /// Returns the bytes currently held.
    pub fn bytes(&self) -> u64 {
        self.bytes
    }

    /// Holds `extra` more bytes, failing with `QuotaExceeded` if they do not fit.
    pub(crate) fn grow(&mut self, extra: u64) -> Result<()> {
        self.account.try_reserve(extra)?;
        self.bytes += extra;
        Ok(())
    }

    /// Applies a committed delta to the account and consumes the reservation. If the delta
    /// belongs to another account, the reservation is only released.
    pub(crate) fn consume(mut self, account_id: &str, delta: Delta, table: &UsageTable) {
        let bytes = std::mem::take(&mut self.bytes);
        if account_id == self.account_id {
            self.account.apply(delta, bytes);
        } else {
            table.apply(account_id, delta);
            self.account.release(bytes);
        }
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.bytes > 0 {
            self.account.release(self.bytes);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(capacity: u64) -> UsageTable {
        let table = UsageTable::default();
        table.insert(
            "a".into(),
            Usage {
                capacity_bytes: capacity,
                ..Usage::default()
            },
            false,
        );
        table
    }

    #[test]
    fn reserve_rejects_over_capacity() {
        let table = table(100);
        let _held = table.reserve("a", 60).unwrap();
        let error = table.reserve("a", 41).unwrap_err();
        assert!(matches!(
            error,
            StoreError::QuotaExceeded {
                capacity: 100,
                used: 0,
                reserved: 60,
                requested: 41
            }
        ));
    }

    #[test]
    fn reserve_released_on_drop() {
        let table = table(100);
        drop(table.reserve("a", 100).unwrap());
        assert_eq!(table.get("a").unwrap().snapshot().reserved_bytes, 0);
    }

    #[test]
    fn consume_moves_bytes_to_used() {
        let table = table(100);
        let reservation = table.reserve("a", 50).unwrap();
        reservation.consume(
            "a",
            Delta {
                bytes: 40,
                objects: 1,
                buckets: 0,
            },
            &table,
        );
        let usage = table.get("a").unwrap().snapshot();
        assert_eq!(usage.used_bytes, 40);
        assert_eq!(usage.reserved_bytes, 0);
        assert_eq!(usage.object_count, 1);
    }

    #[test]
    fn grow_checks_capacity() {
        let table = table(100);
        let mut reservation = table.reserve("a", 50).unwrap();
        reservation.grow(50).unwrap();
        assert!(reservation.grow(1).is_err());
        assert_eq!(reservation.bytes(), 100);
    }

    #[test]
    fn reserve_rejected_while_releasing() {
        let table = table(100);
        table.get("a").unwrap().set_releasing();
        assert!(matches!(
            table.reserve("a", 1),
            Err(StoreError::AccountReleasing)
        ));
    }

    #[test]
    fn reserve_unknown_account() {
        assert!(matches!(
            table(1).reserve("b", 1),
            Err(StoreError::NoSuchAccount)
        ));
    }
}
