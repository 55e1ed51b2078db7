//! The pay-as-you-go usage meter: per account and hour, stored bytes integrated over time,
//! requests by class and bytes in and out.
//!
//! Totals gather in memory, beside each account's usage and under the same lock, and
//! [`Store::flush_meter`] adds them to the `meter` column family as merge operands, so a flush
//! never overwrites what an earlier one wrote. Stored bytes are integrated exactly: every
//! change of an account's used bytes closes the open segment at the old value, split at hour
//! boundaries, and a flush closes it at the current value. What gathered since the last flush
//! is lost in a crash; the server flushes every few seconds and at shutdown.

use std::collections::BTreeMap;

use time::OffsetDateTime;

use crate::Store;
use crate::codec;
use crate::db::Cf;
use crate::error::Result;
use crate::locks::lock;
use crate::recovery::unsigned;

/// Milliseconds in an hour.
const HOUR_MS: i64 = 3_600_000;
/// Stored counters of one meter row: byte-seconds stored, class A requests, class B
/// requests, bytes in, bytes out.
const METER_COUNTERS: usize = 5;

/// The billing class of a request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RequestClass {
    /// PUT, COPY, POST and LIST requests.
    A,
    /// GET and HEAD requests.
    B,
}

/// Metered usage of one account in one hour.
#[derive(Debug, Clone, PartialEq)]
pub struct UsageHour {
    /// Start of the hour (UTC).
    pub start: OffsetDateTime,
    /// Used bytes integrated over the hour, in capacity units times hours.
    pub stored_gb_hours: f64,
    /// Class A requests (PUT, COPY, POST, LIST).
    pub requests_class_a: u64,
    /// Class B requests (GET, HEAD).
    pub requests_class_b: u64,
    /// Request body bytes received.
    pub bytes_in: u64,
    /// Response body bytes sent.
    pub bytes_out: u64,
}

/// Totals of one account and hour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct HourTotals {
    /// Used bytes times milliseconds.
    pub(crate) stored_byte_ms: u128,
    pub(crate) requests_a: u64,
    pub(crate) requests_b: u64,
    pub(crate) bytes_in: u64,
    pub(crate) bytes_out: u64,
}

impl HourTotals {
    fn is_zero(&self) -> bool {
        *self == HourTotals::default()
    }

    fn add(&mut self, other: &HourTotals) {
        self.stored_byte_ms += other.stored_byte_ms;
        self.requests_a += other.requests_a;
        self.requests_b += other.requests_b;
        self.bytes_in += other.bytes_in;
        self.bytes_out += other.bytes_out;
    }
}

/// The meter of one account: the open stored-bytes segment and the totals not yet persisted.
#[derive(Debug)]
pub(crate) struct MeterState {
    /// Unix milliseconds since which the account's used bytes have not changed.
    segment_start_ms: i64,
    /// Totals by hour start (Unix milliseconds) not yet persisted.
    pending: BTreeMap<i64, HourTotals>,
}

impl MeterState {
    /// Starts a meter whose first segment opens at `now_ms`.
    pub(crate) fn new(now_ms: i64) -> Self {
        MeterState {
            segment_start_ms: now_ms,
            pending: BTreeMap::new(),
        }
    }

    /// Closes the open segment at `now_ms`: `used_bytes` were stored from its start until
    /// then. The integral is split at hour boundaries. A clock that went backwards closes an
    /// empty segment.
    pub(crate) fn close_segment(&mut self, used_bytes: u64, now_ms: i64) {
        add_segment(&mut self.pending, used_bytes, self.segment_start_ms, now_ms);
        self.segment_start_ms = self.segment_start_ms.max(now_ms);
    }

    /// Counts one request into the hour of `now_ms`.
    pub(crate) fn record(
        &mut self,
        now_ms: i64,
        class: Option<RequestClass>,
        bytes_in: u64,
        bytes_out: u64,
    ) {
        let totals = self.pending.entry(hour_of(now_ms)).or_default();
        match class {
            Some(RequestClass::A) => totals.requests_a += 1,
            Some(RequestClass::B) => totals.requests_b += 1,
            None => {}
        }
        totals.bytes_in = totals.bytes_in.saturating_add(bytes_in);
        totals.bytes_out = totals.bytes_out.saturating_add(bytes_out);
    }

    /// Removes the totals that a flush persists, as counter deltas by hour start in Unix
    /// seconds. Stored bytes are persisted in whole byte-seconds. The sub-second remainder
    /// of the current hour stays pending, and that of an earlier hour is rounded.
    pub(crate) fn take(&mut self, now_ms: i64) -> Vec<(i64, [i64; METER_COUNTERS])> {
        let current_hour = hour_of(now_ms);
        let mut out = Vec::new();
        let mut kept = BTreeMap::new();
        for (hour, totals) in std::mem::take(&mut self.pending) {
            let mut byte_seconds = totals.stored_byte_ms / 1000;
            let remainder = totals.stored_byte_ms % 1000;
            if hour >= current_hour {
                if remainder > 0 {
                    let rest = HourTotals {
                        stored_byte_ms: remainder,
                        ..HourTotals::default()
                    };
                    kept.insert(hour, rest);
                }
            } else if remainder >= 500 {
                byte_seconds += 1;
            }
            let deltas = [
                i64::try_from(byte_seconds).unwrap_or(i64::MAX),
                counter(totals.requests_a),
                counter(totals.requests_b),
                counter(totals.bytes_in),
                counter(totals.bytes_out),
            ];
            if deltas.iter().any(|value| *value != 0) {
                out.push((hour / 1000, deltas));
            }
        }
        self.pending = kept;
        out
    }

    /// Puts back deltas that [`MeterState::take`] removed but that could not be persisted.
    pub(crate) fn restore(&mut self, deltas: &[(i64, [i64; METER_COUNTERS])]) {
        for (hour_seconds, values) in deltas {
            let totals = HourTotals {
                stored_byte_ms: u128::from(unsigned(values[0])) * 1000,
                requests_a: unsigned(values[1]),
                requests_b: unsigned(values[2]),
                bytes_in: unsigned(values[3]),
                bytes_out: unsigned(values[4]),
            };
            self.pending
                .entry(hour_seconds * 1000)
                .or_default()
                .add(&totals);
        }
    }

    /// Returns the pending totals plus the open segment closed at `now_ms`, without changing
    /// the state, for reads that must include what was not flushed yet.
    pub(crate) fn peek(&self, used_bytes: u64, now_ms: i64) -> BTreeMap<i64, HourTotals> {
        let mut totals = self.pending.clone();
        add_segment(&mut totals, used_bytes, self.segment_start_ms, now_ms);
        totals
    }
}

/// Adds `used_bytes` stored over `[start_ms, end_ms)` to `totals`, split at hour boundaries.
fn add_segment(
    totals: &mut BTreeMap<i64, HourTotals>,
    used_bytes: u64,
    start_ms: i64,
    end_ms: i64,
) {
    if used_bytes == 0 {
        return;
    }
    let mut from = start_ms;
    while from < end_ms {
        let hour = hour_of(from);
        let until = end_ms.min(hour + HOUR_MS);
        let duration = u128::try_from(until - from).unwrap_or(0);
        totals.entry(hour).or_default().stored_byte_ms += u128::from(used_bytes) * duration;
        from = until;
    }
}

/// Returns the start of the hour containing `ms`, in Unix milliseconds.
fn hour_of(ms: i64) -> i64 {
    ms.div_euclid(HOUR_MS) * HOUR_MS
}

fn counter(value: u64) -> i64 {
    i64::try_from(value).unwrap_or(i64::MAX)
}

/// Returns the current time in Unix milliseconds.
pub(crate) fn now_ms() -> i64 {
    codec::unix_ms::to_ms(OffsetDateTime::now_utc())
}

impl Store {
    /// Counts one request of `account_id` into the current hour, in memory. Requests of an
    /// account that no longer exists are dropped.
    pub fn record_request(
        &self,
        account_id: &str,
        class: Option<RequestClass>,
        bytes_in: u64,
        bytes_out: u64,
    ) {
        if let Ok(account) = self.0.usage.get(account_id) {
            account.record_request(now_ms(), class, bytes_in, bytes_out);
        }
    }

    /// Persists what [`Store::record_request`] and the stored-bytes integral gathered since
    /// the last flush, in one synced write. On failure the totals stay pending for the next
    /// flush.
    pub fn flush_meter(&self) -> Result<()> {
        self.flush_meter_at(now_ms())
    }

    pub(crate) fn flush_meter_at(&self, now_ms: i64) -> Result<()> {
        let inner = &self.0;
        // Held until the commit, so that a release cannot delete an account's meter rows
        // between the moment its totals are taken here and the moment they are written.
        let _flush = lock(&inner.meter_flush);
        let mut taken = Vec::new();
        for (account_id, account) in inner.usage.all() {
            let deltas = account.take_meter(now_ms);
            if !deltas.is_empty() {
                taken.push((account_id, account, deltas));
            }
        }
        if taken.is_empty() {
            return Ok(());
        }
        let mut batch = inner.meta.batch();
        for (account_id, _, deltas) in &taken {
            for (hour_seconds, values) in deltas {
                let key = codec::meter_key(account_id, *hour_seconds);
                batch.add_counters_in(Cf::Meter, &key, values);
            }
        }
        if let Err(error) = inner.meta.commit(batch) {
            for (_, account, deltas) in &taken {
                account.restore_meter(deltas);
            }
            return Err(error);
        }
        Ok(())
    }

    /// Returns the metered hours of an account in `[from, to)`, both floored to the hour,
    /// oldest first. The hour in progress includes what was not flushed yet. Hours without
    /// stored bytes and without requests are omitted.
    pub fn usage_hours(
        &self,
        account_id: &str,
        from: OffsetDateTime,
        to: OffsetDateTime,
    ) -> Result<Vec<UsageHour>> {
        self.usage_hours_at(account_id, from, to, now_ms())
    }

    pub(crate) fn usage_hours_at(
        &self,
        account_id: &str,
        from: OffsetDateTime,
        to: OffsetDateTime,
        now_ms: i64,
    ) -> Result<Vec<UsageHour>> {
        let from_ms = hour_of(codec::unix_ms::to_ms(from)).max(0);
        let to_ms = hour_of(codec::unix_ms::to_ms(to)).max(0);
        let mut hours: BTreeMap<i64, HourTotals> = BTreeMap::new();
        if from_ms >= to_ms {
            return Ok(Vec::new());
        }

        let prefix = codec::joined_key(&[account_id], true);
        let start = codec::meter_key(account_id, from_ms / 1000);
        let end = codec::meter_key(account_id, to_ms / 1000);
        let mut iter = self.0.meta.range(Cf::Meter, &prefix, Some(end));
        iter.seek(&start);
        while let (Some(key), Some(value)) = (iter.key(), iter.value()) {
            let Some(hour_bytes) = key
                .get(prefix.len()..)
                .and_then(|b| <[u8; 8]>::try_from(b).ok())
            else {
                iter.next();
                continue;
            };
            let values = crate::db::decode_counters(value)?;
            let value_at = |index: usize| unsigned(values.get(index).copied().unwrap_or(0));
            let totals = HourTotals {
                stored_byte_ms: u128::from(value_at(0)) * 1000,
                requests_a: value_at(1),
                requests_b: value_at(2),
                bytes_in: value_at(3),
                bytes_out: value_at(4),
            };
            hours
                .entry(i64::from_be_bytes(hour_bytes) * 1000)
                .or_default()
                .add(&totals);
            iter.next();
        }
        iter.status()?;

        if let Ok(account) = self.0.usage.get(account_id) {
            for (hour, totals) in account.peek_meter(now_ms) {
                if (from_ms..to_ms).contains(&hour) {
                    hours.entry(hour).or_default().add(&totals);
                }
            }
        }

        let unit_hours = self.0.config.capacity_unit_bytes as f64 * HOUR_MS as f64;
        Ok(hours
            .into_iter()
            .filter(|(_, totals)| !totals.is_zero())
            .map(|(hour, totals)| UsageHour {
                start: OffsetDateTime::from_unix_timestamp(hour / 1000)
                    .unwrap_or(OffsetDateTime::UNIX_EPOCH),
                stored_gb_hours: totals.stored_byte_ms as f64 / unit_hours,
                requests_class_a: totals.requests_a,
                requests_class_b: totals.requests_b,
                bytes_in: totals.bytes_in,
                bytes_out: totals.bytes_out,
            })
            .collect())
    }

    /// Adds to `batch` the deletion of every meter row of an account.
    pub(crate) fn delete_meter_rows(
        &self,
        batch: &mut crate::db::Batch<'_>,
        account_id: &str,
    ) -> Result<()> {
        let prefix = codec::joined_key(&[account_id], true);
        let mut iter = self
            .0
            .meta
            .range(Cf::Meter, &prefix, codec::prefix_end(&prefix));
        iter.seek(&prefix);
        while let Some(key) = iter.key() {
            batch.delete(Cf::Meter, key);
            iter.next();
        }
        iter.status()?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::testing::{open_store, pattern};

    const T0: i64 = 1_700_000_000_000 - 1_700_000_000_000 % HOUR_MS;

    #[test]
    fn segment_splits_at_hour_boundary() {
        let mut meter = MeterState::new(T0 + HOUR_MS - 1000);
        meter.close_segment(10, T0 + HOUR_MS + 3000);
        let totals = meter.peek(0, T0 + 2 * HOUR_MS);
        assert_eq!(totals[&T0].stored_byte_ms, 10 * 1000);
        assert_eq!(totals[&(T0 + HOUR_MS)].stored_byte_ms, 10 * 3000);
    }

    #[test]
    fn each_change_closes_a_segment() {
        // 100 bytes for 10 s, then 300 bytes for 20 s, then 0 bytes for 30 s.
        let mut meter = MeterState::new(T0);
        meter.close_segment(100, T0 + 10_000);
        meter.close_segment(300, T0 + 30_000);
        meter.close_segment(0, T0 + 60_000);
        let deltas = meter.take(T0 + 2 * HOUR_MS);
        assert_eq!(deltas, vec![(T0 / 1000, [100 * 10 + 300 * 20, 0, 0, 0, 0])]);
    }

    #[test]
    fn requests_count_by_class() {
        let mut meter = MeterState::new(T0);
        meter.record(T0 + 5, Some(RequestClass::A), 100, 0);
        meter.record(T0 + 6, Some(RequestClass::B), 0, 50);
        meter.record(T0 + 7, Some(RequestClass::B), 0, 25);
        meter.record(T0 + 8, None, 0, 0);
        let deltas = meter.take(T0 + 10);
        assert_eq!(deltas, vec![(T0 / 1000, [0, 1, 2, 100, 75])]);
        assert!(meter.take(T0 + 10).is_empty(), "taken totals are gone");
    }

    #[test]
    fn take_keeps_sub_second_remainder_of_current_hour() {
        let mut meter = MeterState::new(T0);
        meter.close_segment(3, T0 + 1500);
        assert_eq!(meter.take(T0 + 1500), vec![(T0 / 1000, [4, 0, 0, 0, 0])]);
        meter.close_segment(3, T0 + 2000);
        // 500 byte-ms were left over, and 1500 more make 2 whole byte-seconds.
        assert_eq!(meter.take(T0 + 2000), vec![(T0 / 1000, [2, 0, 0, 0, 0])]);
        assert!(meter.pending.is_empty());
    }

    #[test]
    fn restore_puts_deltas_back() {
        let mut meter = MeterState::new(T0);
        meter.record(T0, Some(RequestClass::A), 7, 9);
        let deltas = meter.take(T0);
        meter.restore(&deltas);
        assert_eq!(meter.take(T0), deltas);
    }

    #[test]
    fn clock_going_back_adds_nothing() {
        let mut meter = MeterState::new(T0 + 5000);
        meter.close_segment(10, T0);
        assert!(meter.take(T0 + 5000).is_empty());
    }

    fn at(ms: i64) -> OffsetDateTime {
        OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).unwrap()
    }

    #[tokio::test]
    async fn flushed_usage_survives_reopen() {
        let t = open_store();
        let (account_id, bucket) = t.account_and_bucket("acme");
        t.put(&bucket, "k", &pattern(1024, 1)).await;
        t.store
            .record_request(&account_id, Some(RequestClass::A), 1024, 0);
        t.store
            .record_request(&account_id, Some(RequestClass::B), 0, 1024);
        t.store.flush_meter().unwrap();
        let now = now_ms();
        let before = t
            .store
            .usage_hours_at(&account_id, at(now - HOUR_MS), at(now + HOUR_MS), now)
            .unwrap();

        let t = t.reopen();
        let after = t
            .store
            .usage_hours_at(&account_id, at(now - HOUR_MS), at(now + HOUR_MS), now)
            .unwrap();
        let requests = |hours: &[UsageHour]| {
            hours
                .iter()
                .map(|hour| (hour.requests_class_a, hour.requests_class_b))
                .fold((0, 0), |sum, hour| (sum.0 + hour.0, sum.1 + hour.1))
        };
        let bytes = |hours: &[UsageHour]| {
            hours
                .iter()
                .map(|hour| (hour.bytes_in, hour.bytes_out))
                .fold((0, 0), |sum, hour| (sum.0 + hour.0, sum.1 + hour.1))
        };
        assert_eq!(requests(&before), (1, 1));
        assert_eq!(requests(&after), (1, 1));
        assert_eq!(bytes(&after), (1024, 1024));
    }

    #[tokio::test]
    async fn unflushed_usage_is_lost_in_a_crash() {
        let t = open_store();
        let account_id = t.account("acme", 1);
        t.store
            .record_request(&account_id, Some(RequestClass::A), 5, 0);
        t.store.flush_meter().unwrap();
        t.store
            .record_request(&account_id, Some(RequestClass::A), 5, 0);
        // Dropping the store without a flush is what a crash does to the meter.
        let t = t.reopen();
        let now = now_ms();
        let hours = t
            .store
            .usage_hours_at(&account_id, at(now - HOUR_MS), at(now + HOUR_MS), now)
            .unwrap();
        let total_a: u64 = hours.iter().map(|hour| hour.requests_class_a).sum();
        assert_eq!(total_a, 1);
    }

    #[tokio::test]
    async fn flushes_add_up() {
        let t = open_store();
        let account_id = t.account("acme", 1);
        for _ in 0..3 {
            t.store
                .record_request(&account_id, Some(RequestClass::B), 0, 10);
            t.store.flush_meter().unwrap();
        }
        let now = now_ms();
        let hours = t
            .store
            .usage_hours_at(&account_id, at(now - HOUR_MS), at(now + HOUR_MS), now)
            .unwrap();
        let total_b: u64 = hours.iter().map(|hour| hour.requests_class_b).sum();
        let total_out: u64 = hours.iter().map(|hour| hour.bytes_out).sum();
        assert_eq!(total_b, 3);
        assert_eq!(total_out, 30);
    }

    #[tokio::test]
    async fn stored_gb_hours_integrate_used_bytes() {
        let t = open_store();
        let (account_id, bucket) = t.account_and_bucket("acme");
        let start = now_ms();
        t.put(&bucket, "k", &pattern(1000, 1)).await;
        let end = now_ms() + 10 * HOUR_MS;
        // Close the open segment ten hours later: 1000 bytes were stored all along, at most
        // since `start`.
        t.store.flush_meter_at(end).unwrap();
        let hours = t
            .store
            .usage_hours_at(&account_id, at(start - HOUR_MS), at(end + HOUR_MS), end)
            .unwrap();
        let unit = t.store.config().capacity_unit_bytes as f64;
        let stored: f64 = hours.iter().map(|hour| hour.stored_gb_hours).sum();
        let expected_max = 1000.0 * (end - start) as f64 / HOUR_MS as f64 / unit;
        let expected_min = 1000.0 * 10.0 / unit;
        assert!(stored <= expected_max + 1e-9, "{stored} > {expected_max}");
        assert!(stored >= expected_min - 1e-6, "{stored} < {expected_min}");
        assert!(hours.len() >= 10, "every hour of the segment has a row");
    }

    #[test]
    fn range_is_floored_and_exclusive() {
        let t = open_store();
        let account_id = t.account("acme", 1);
        {
            let account = t.store.0.usage.get(&account_id).unwrap();
            account.record_request(T0 + 10, Some(RequestClass::A), 0, 0);
            account.record_request(T0 + HOUR_MS + 10, Some(RequestClass::A), 0, 0);
            account.record_request(T0 + 2 * HOUR_MS + 10, Some(RequestClass::A), 0, 0);
        }
        t.store.flush_meter_at(T0 + 3 * HOUR_MS).unwrap();
        let hours = t
            .store
            .usage_hours_at(
                &account_id,
                at(T0 + HOUR_MS + 1234),
                at(T0 + 2 * HOUR_MS + 999),
                T0 + 3 * HOUR_MS,
            )
            .unwrap();
        assert_eq!(hours.len(), 1);
        assert_eq!(hours[0].start, at(T0 + HOUR_MS));
        assert_eq!(hours[0].requests_class_a, 1);
    }
}
