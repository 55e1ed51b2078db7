//! Latency histograms and throughput figures of a load run.

use std::collections::HashSet;
use std::fmt;
use std::net::SocketAddr;
use std::time::Duration;

use hdrhistogram::Histogram;
use serde::Serialize;

/// Highest latency the histograms track, one hour in microseconds. Longer ones are clamped.
const MAX_LATENCY_MICROS: u64 = 3_600_000_000;

/// The S3 operations a run sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum OpKind {
    /// PutObject.
    Put,
    /// GetObject.
    Get,
}

impl OpKind {
    /// Returns the HTTP method, which is also the row label of the report.
    pub fn as_str(self) -> &'static str {
        match self {
            OpKind::Put => "PUT",
            OpKind::Get => "GET",
        }
    }
}

/// Measurements of one operation by one worker.
#[derive(Debug, Clone)]
pub struct OpStats {
    latency_micros: Histogram<u64>,
    errors: u64,
    bytes: u64,
    first_error: Option<String>,
}

impl OpStats {
    /// Creates empty statistics.
    pub fn new() -> Self {
        let latency_micros = Histogram::new_with_bounds(1, MAX_LATENCY_MICROS, 3)
            .expect("the histogram bounds are valid constants");
        Self {
            latency_micros,
            errors: 0,
            bytes: 0,
            first_error: None,
        }
    }

    /// Records a successful request that moved `bytes` of object data.
    pub fn record_success(&mut self, latency: Duration, bytes: u64) {
        let micros = u64::try_from(latency.as_micros()).unwrap_or(u64::MAX);
        self.latency_micros.saturating_record(micros.max(1));
        self.bytes += bytes;
    }

    /// Records a failed request. Its latency is left out of the histogram, because a fast
    /// rejection would make the server look quicker than it is.
    pub fn record_error(&mut self, message: impl FnOnce() -> String) {
        self.errors += 1;
        if self.first_error.is_none() {
            self.first_error = Some(message());
        }
    }

    /// Adds the figures of another worker.
    pub fn merge(&mut self, other: &OpStats) {
        self.latency_micros
            .add(&other.latency_micros)
            .expect("histograms with the same bounds always merge");
        self.errors += other.errors;
        self.bytes += other.bytes;
        if self.first_error.is_none() {
            self.first_error.clone_from(&other.first_error);
        }
    }

    /// Returns how many requests succeeded.
    pub fn successes(&self) -> u64 {
        self.latency_micros.len()
    }

    /// Returns how many requests failed.
    pub fn errors(&self) -> u64 {
        self.errors
    }

    /// Summarises the figures over a run of `elapsed` wall time.
    pub fn summarize(&self, op: OpKind, elapsed: Duration) -> OpSummary {
        let secs = elapsed.as_secs_f64().max(f64::MIN_POSITIVE);
        let millis = |micros: u64| micros as f64 / 1000.0;
        let quantile = |q: f64| millis(self.latency_micros.value_at_quantile(q));
        OpSummary {
            op,
            requests: self.successes(),
            errors: self.errors,
            bytes: self.bytes,
            ops_per_sec: self.successes() as f64 / secs,
            mib_per_sec: self.bytes as f64 / f64::from(1 << 20) / secs,
            p50_ms: quantile(0.50),
            p90_ms: quantile(0.90),
            p99_ms: quantile(0.99),
            max_ms: millis(self.latency_micros.max()),
            first_error: self.first_error.clone(),
        }
    }
}

impl Default for OpStats {
    fn default() -> Self {
        Self::new()
    }
}

/// Measurements of one worker over the timed phase.
#[derive(Debug, Clone, Default)]
pub struct WorkerStats {
    /// PutObject figures.
    pub put: OpStats,
    /// GetObject figures.
    pub get: OpStats,
    /// Local addresses of the connections used, one per connection.
    pub connections: HashSet<SocketAddr>,
}

impl WorkerStats {
    /// Returns the figures of `op`.
    pub fn op(&self, op: OpKind) -> &OpStats {
        match op {
            OpKind::Put => &self.put,
            OpKind::Get => &self.get,
        }
    }

    /// Returns the figures of `op` for recording.
    pub fn op_mut(&mut self, op: OpKind) -> &mut OpStats {
        match op {
            OpKind::Put => &mut self.put,
            OpKind::Get => &mut self.get,
        }
    }

    /// Adds the figures of another worker.
    pub fn merge(&mut self, other: &WorkerStats) {
        self.put.merge(&other.put);
        self.get.merge(&other.get);
        self.connections.extend(&other.connections);
    }
}

/// Figures for one operation over a whole run.
#[derive(Debug, Clone, Serialize)]
pub struct OpSummary {
    /// The operation.
    pub op: OpKind,
    /// Successful requests.
    pub requests: u64,
    /// Failed requests: transport errors, timeouts, unexpected statuses or short bodies.
    pub errors: u64,
    /// Object bytes sent (PUT) or received (GET) by successful requests.
    pub bytes: u64,
    /// Successful requests per second of wall time.
    pub ops_per_sec: f64,
    /// Object data per second of wall time, in MiB (2^20 bytes).
    pub mib_per_sec: f64,
    /// Median latency of successful requests, in milliseconds.
    pub p50_ms: f64,
    /// 90th percentile latency, in milliseconds.
    pub p90_ms: f64,
    /// 99th percentile latency, in milliseconds.
    pub p99_ms: f64,
    /// Maximum latency, in milliseconds.
    pub max_ms: f64,
    /// The first failure seen, if any.
    pub first_error: Option<String>,
}

/// The result of a load run.
#[derive(Debug, Clone, Serialize)]
pub struct Report {
    /// The operation mix: `put`, `get` or `mixed`.
    pub mix: String,
    /// Object size in bytes.
    pub size: u64,
    /// Number of workers, each with its own connection.
    pub concurrency: usize,
    /// Number of distinct keys.
    pub keys: u64,
    /// Wall time of the timed phase, in seconds.
    pub elapsed_secs: f64,
    /// Distinct connections that carried the timed requests.
    pub connections: usize,
    /// One row per operation that was sent.
    pub ops: Vec<OpSummary>,
}

impl fmt::Display for Report {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "{} of {} bytes, concurrency {}, {} keys: {:.2} s over {} connections",
            self.mix, self.size, self.concurrency, self.keys, self.elapsed_secs, self.connections
        )?;
        writeln!(
            f,
            "op   requests  errors     ops/s     MiB/s   p50 ms   p90 ms   p99 ms   max ms"
        )?;
        for row in &self.ops {
            writeln!(
                f,
                "{:<4} {:>8} {:>7} {:>9.1} {:>9.2} {:>8.3} {:>8.3} {:>8.3} {:>8.3}",
                row.op.as_str(),
                row.requests,
                row.errors,
                row.ops_per_sec,
                row.mib_per_sec,
                row.p50_ms,
                row.p90_ms,
                row.p99_ms,
                row.max_ms,
            )?;
            if let Some(error) = &row.first_error {
                writeln!(f, "     first error: {error}")?;
            }
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn stats_with(latencies_ms: &[u64], bytes_each: u64) -> OpStats {
        let mut stats = OpStats::new();
        for &ms in latencies_ms {
            stats.record_success(Duration::from_millis(ms), bytes_each);
        }
        stats
    }

    #[test]
    fn summary_throughput() {
        let stats = stats_with(&[1; 10], 1 << 20);
        let summary = stats.summarize(OpKind::Put, Duration::from_secs(2));
        assert_eq!(summary.requests, 10);
        assert!(
            (summary.ops_per_sec - 5.0).abs() < 1e-9,
            "{}",
            summary.ops_per_sec
        );
        assert!(
            (summary.mib_per_sec - 5.0).abs() < 1e-9,
            "{}",
            summary.mib_per_sec
        );
    }

    #[test]
    fn summary_percentiles() {
        let latencies: Vec<u64> = (1..=100).collect();
        let summary = stats_with(&latencies, 0).summarize(OpKind::Get, Duration::from_secs(1));
        // Three significant digits keep each value within 0.1% of the recorded one.
        assert!((summary.p50_ms - 50.0).abs() < 0.1, "{}", summary.p50_ms);
        assert!((summary.p90_ms - 90.0).abs() < 0.1, "{}", summary.p90_ms);
        assert!((summary.p99_ms - 99.0).abs() < 0.1, "{}", summary.p99_ms);
        assert!((summary.max_ms - 100.0).abs() < 0.1, "{}", summary.max_ms);
    }

    #[test]
    fn errors_not_in_latency() {
        let mut stats = stats_with(&[5], 10);
        stats.record_error(|| "HTTP 500".to_owned());
        stats.record_error(|| "HTTP 503".to_owned());
        let summary = stats.summarize(OpKind::Put, Duration::from_secs(1));
        assert_eq!(summary.requests, 1);
        assert_eq!(summary.errors, 2);
        assert_eq!(summary.first_error.as_deref(), Some("HTTP 500"));
    }

    #[test]
    fn merge_adds_workers() {
        let mut total = WorkerStats::default();
        let mut worker = WorkerStats {
            put: stats_with(&[1, 2], 100),
            ..WorkerStats::default()
        };
        worker
            .connections
            .insert("127.0.0.1:40000".parse().unwrap());
        total.merge(&worker);
        total.merge(&worker);
        assert_eq!(total.put.successes(), 4);
        assert_eq!(total.put.bytes, 400);
        assert_eq!(total.connections.len(), 1);
    }

    #[test]
    fn huge_latency_clamped() {
        let mut stats = OpStats::new();
        stats.record_success(Duration::from_secs(10 * 3600), 0);
        assert_eq!(stats.successes(), 1);
    }
}
