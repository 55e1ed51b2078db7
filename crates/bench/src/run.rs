//! The load run: bucket set-up, connection warm-up, key population and the timed phase.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use http::StatusCode;
use tokio::task::JoinSet;

use crate::body::Pattern;
use crate::client::{Reply, S3Client, Target};
use crate::stats::{OpKind, Report, WorkerStats};

/// The operation mix of the timed phase.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Mix {
    /// PutObject only.
    Put,
    /// GetObject only, on keys written before the clock starts.
    Get,
    /// GetObject and PutObject in turn, on keys written before the clock starts.
    Mixed,
}

impl Mix {
    /// Returns the operation of the request with sequence number `seq`.
    fn op_for(self, seq: u64) -> OpKind {
        match self {
            Mix::Put => OpKind::Put,
            Mix::Get => OpKind::Get,
            Mix::Mixed if seq.is_multiple_of(2) => OpKind::Get,
            Mix::Mixed => OpKind::Put,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Mix::Put => "put",
            Mix::Get => "get",
            Mix::Mixed => "mixed",
        }
    }
}

/// The requests of a run and its stop conditions.
#[derive(Debug, Clone)]
pub struct Plan {
    /// The bucket, created when missing.
    pub bucket: String,
    /// Prefix of the generated object keys, already safe to put in a path.
    pub key_prefix: String,
    /// The operations to send.
    pub mix: Mix,
    /// Object size in bytes.
    pub size: u64,
    /// Number of workers; each sends one request at a time on its own connection.
    pub concurrency: usize,
    /// Stop after this many timed requests, if set.
    pub requests: Option<u64>,
    /// Start no timed request after this much time, if set.
    pub duration: Option<Duration>,
    /// Number of distinct keys; request `n` uses key `n % keys`.
    pub keys: u64,
    /// Maximum time one request may take, body included, before it counts as failed.
    pub timeout: Duration,
    /// Whether connections set TCP_NODELAY.
    pub tcp_nodelay: bool,
}

impl Plan {
    /// Returns the object key with index `index`.
    pub fn key(&self, index: u64) -> String {
        format!("{}{index:08}", self.key_prefix)
    }
}

/// Runs a plan against a target and returns the figures of the timed phase.
pub async fn run(plan: Plan, target: Target) -> anyhow::Result<Report> {
    let plan = Arc::new(plan);
    let target = Arc::new(target);
    let pattern = Pattern::new();
    let mut clients: Vec<S3Client> = (0..plan.concurrency)
        .map(|_| S3Client::new(target.clone(), pattern.clone(), plan.tcp_nodelay))
        .collect();

    ensure_bucket(&mut clients[0], &plan.bucket).await?;
    // Each worker opens its connection before the clock starts, so that the timed requests
    // run on connections that are already established.
    clients = for_each_worker(&plan, clients, warm_up).await?;
    if plan.mix != Mix::Put {
        clients = for_each_worker(&plan, clients, populate).await?;
    }

    let counter = Arc::new(AtomicU64::new(0));
    let start = Instant::now();
    let deadline = plan.duration.map(|duration| start + duration);
    let mut workers = JoinSet::new();
    for mut client in clients {
        let (plan, counter) = (plan.clone(), counter.clone());
        workers.spawn(async move { timed_worker(&plan, &mut client, &counter, deadline).await });
    }
    let mut total = WorkerStats::default();
    while let Some(stats) = workers.join_next().await {
        total.merge(&stats.context("a worker panicked")?);
    }
    Ok(report(&plan, &total, start.elapsed()))
}

/// Creates the bucket, accepting one that the caller already owns.
async fn ensure_bucket(client: &mut S3Client, bucket: &str) -> anyhow::Result<()> {
    let reply = client.create_bucket(bucket).await?;
    let already_owned = reply.status == StatusCode::CONFLICT
        && reply.error_body.contains("BucketAlreadyOwnedByYou");
    if !reply.status.is_success() && !already_owned {
        bail!("CreateBucket {bucket} failed: {}", reply.describe());
    }
    Ok(())
}

/// Runs `step` once per worker, concurrently, and returns the clients in no particular
/// order. Fails if any step fails.
async fn for_each_worker<F, Fut>(
    plan: &Arc<Plan>,
    clients: Vec<S3Client>,
    step: F,
) -> anyhow::Result<Vec<S3Client>>
where
    F: Fn(Arc<Plan>, S3Client, usize) -> Fut,
    Fut: Future<Output = anyhow::Result<S3Client>> + Send + 'static,
{
    let mut tasks = JoinSet::new();
    for (worker, client) in clients.into_iter().enumerate() {
        tasks.spawn(step(plan.clone(), client, worker));
    }
    let mut clients = Vec::with_capacity(tasks.len());
    while let Some(result) = tasks.join_next().await {
        clients.push(result.context("a worker panicked")??);
    }
    Ok(clients)
}

async fn warm_up(
    plan: Arc<Plan>,
    mut client: S3Client,
    _worker: usize,
) -> anyhow::Result<S3Client> {
    let reply = client.head_bucket(&plan.bucket).await?;
    if !reply.status.is_success() {
        bail!("HeadBucket {} failed: {}", plan.bucket, reply.describe());
    }
    Ok(client)
}

/// Writes this worker's share of the keys that are missing or of another size.
async fn populate(
    plan: Arc<Plan>,
    mut client: S3Client,
    worker: usize,
) -> anyhow::Result<S3Client> {
    let stride = plan.concurrency;
    for index in (worker as u64..plan.keys).step_by(stride) {
        let key = plan.key(index);
        let head = client.head_object(&plan.bucket, &key).await?;
        if head.status.is_success() && head.content_length() == Some(plan.size) {
            continue;
        }
        let reply = client.put_object(&plan.bucket, &key, plan.size).await?;
        if !reply.status.is_success() {
            let reason = reply.describe();
            bail!("PutObject {key} failed while writing the keys to read: {reason}");
        }
    }
    Ok(client)
}

/// Sends requests until the plan's request count or deadline is reached.
async fn timed_worker(
    plan: &Plan,
    client: &mut S3Client,
    counter: &AtomicU64,
    deadline: Option<Instant>,
) -> WorkerStats {
    let mut stats = WorkerStats::default();
    let limit = plan.requests.unwrap_or(u64::MAX);
    loop {
        if deadline.is_some_and(|deadline| Instant::now() >= deadline) {
            break;
        }
        let seq = counter.fetch_add(1, Ordering::Relaxed);
        if seq >= limit {
            break;
        }
        let op = plan.mix.op_for(seq);
        let key = plan.key(seq % plan.keys);
        let start = Instant::now();
        let result = tokio::time::timeout(plan.timeout, send(plan, client, op, &key)).await;
        let latency = start.elapsed();
        let outcome = match result {
            Ok(Ok(reply)) => check_reply(plan, op, &reply).map(|bytes| (bytes, reply.local_addr)),
            Ok(Err(error)) => Err(format!("{error:#}")),
            Err(_) => {
                client.disconnect();
                Err(format!("timed out after {:?}", plan.timeout))
            }
        };
        match outcome {
            Ok((bytes, local_addr)) => {
                stats.op_mut(op).record_success(latency, bytes);
                stats.connections.insert(local_addr);
            }
            Err(message) => stats
                .op_mut(op)
                .record_error(|| format!("{} {key}: {message}", op.as_str())),
        }
    }
    stats
}

async fn send(plan: &Plan, client: &mut S3Client, op: OpKind, key: &str) -> anyhow::Result<Reply> {
    match op {
        OpKind::Put => client.put_object(&plan.bucket, key, plan.size).await,
        OpKind::Get => client.get_object(&plan.bucket, key).await,
    }
}

/// Returns the object bytes a successful reply moved, or why the reply counts as failed.
fn check_reply(plan: &Plan, op: OpKind, reply: &Reply) -> Result<u64, String> {
    if !reply.status.is_success() {
        return Err(reply.describe());
    }
    match op {
        OpKind::Put => Ok(plan.size),
        OpKind::Get if reply.body_len == plan.size => Ok(reply.body_len),
        OpKind::Get => Err(format!(
            "received {} of {} bytes",
            reply.body_len, plan.size
        )),
    }
}

fn report(plan: &Plan, total: &WorkerStats, elapsed: Duration) -> Report {
    let mut ops = Vec::new();
    for op in [OpKind::Put, OpKind::Get] {
        let stats = total.op(op);
        if stats.successes() + stats.errors() > 0 {
            ops.push(stats.summarize(op, elapsed));
        }
    }
    Report {
        mix: plan.mix.name().to_owned(),
        size: plan.size,
        concurrency: plan.concurrency,
        keys: plan.keys,
        elapsed_secs: elapsed.as_secs_f64(),
        connections: total.connections.len(),
        ops,
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{HashMap, HashSet};
    use std::convert::Infallible;
    use std::net::SocketAddr;
    use std::sync::Mutex;

    use bytes::Bytes;
    use http::{Method, Request, Response};
    use http_body_util::{BodyExt, Full};
    use hyper::body::Incoming;
    use hyper::service::service_fn;
    use hyper_util::rt::TokioIo;
    use oss_sigv4::SecretKey;
    use tokio::net::TcpListener;

    use super::*;
    use crate::client::Endpoint;
    use crate::credentials::Credentials;

    /// Requests observed by the test server.
    #[derive(Default)]
    struct Seen {
        objects: HashMap<String, u64>,
        peers: HashSet<SocketAddr>,
        bytes_received: u64,
        unsigned_requests: u64,
    }

    /// Starts a plain HTTP server that stores only object sizes, so that the tests can check what
    /// the load tool sends and over how many connections. It is no stand-in for `oss serve`:
    /// it checks no signature and implements only the five requests the tool sends.
    async fn start_server() -> (SocketAddr, Arc<Mutex<Seen>>) {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let seen = Arc::new(Mutex::new(Seen::default()));
        let state = seen.clone();
        tokio::spawn(async move {
            loop {
                let (stream, peer) = listener.accept().await.unwrap();
                let state = state.clone();
                let service = service_fn(move |request| handle(request, peer, state.clone()));
                tokio::spawn(
                    hyper::server::conn::http1::Builder::new()
                        .serve_connection(TokioIo::new(stream), service),
                );
            }
        });
        (addr, seen)
    }

    async fn handle(
        request: Request<Incoming>,
        peer: SocketAddr,
        seen: Arc<Mutex<Seen>>,
    ) -> Result<Response<Full<Bytes>>, Infallible> {
        let (parts, mut body) = request.into_parts();
        let mut received = 0u64;
        while let Some(frame) = body.frame().await {
            received += frame
                .unwrap()
                .data_ref()
                .map_or(0, |data| data.len() as u64);
        }
        let mut seen = seen.lock().unwrap();
        seen.peers.insert(peer);
        seen.bytes_received += received;
        if !parts.headers.contains_key(http::header::AUTHORIZATION) {
            seen.unsigned_requests += 1;
        }
        let path = parts.uri.path().to_owned();
        let is_object = path.matches('/').count() > 1;
        let stored = seen.objects.get(&path).copied();
        let response = match (parts.method, is_object, stored) {
            (Method::PUT, true, _) => {
                seen.objects.insert(path, received);
                Response::new(Full::default())
            }
            (Method::GET, true, Some(len)) => {
                Response::new(Full::new(vec![0; len as usize].into()))
            }
            (Method::HEAD, true, Some(len)) => Response::builder()
                .header(http::header::CONTENT_LENGTH, len)
                .body(Full::default())
                .unwrap(),
            (_, true, None) => Response::builder()
                .status(404)
                .body(Full::default())
                .unwrap(),
            _ => Response::new(Full::default()),
        };
        Ok(response)
    }

    fn target(addr: SocketAddr) -> Target {
        Target {
            endpoint: Endpoint::parse(&format!("http://{addr}")).unwrap(),
            credentials: Credentials {
                access_key_id: "AKIDEXAMPLE".to_owned(),
                secret: SecretKey::new("secret".to_owned()),
                region: None,
            },
            region: "beijing-1".to_owned(),
        }
    }

    fn plan(mix: Mix, size: u64, concurrency: usize, requests: u64, keys: u64) -> Plan {
        Plan {
            bucket: "bench".to_owned(),
            key_prefix: "load/".to_owned(),
            mix,
            size,
            concurrency,
            requests: Some(requests),
            duration: None,
            keys,
            timeout: Duration::from_secs(60),
            tcp_nodelay: true,
        }
    }

    #[tokio::test]
    async fn put_run_streams_bodies() {
        let (addr, seen) = start_server().await;
        let size = 3 * crate::body::PATTERN_LEN as u64 + 5;
        let report = run(plan(Mix::Put, size, 3, 12, 4), target(addr))
            .await
            .unwrap();
        let put = &report.ops[0];
        assert_eq!(report.ops.len(), 1);
        assert_eq!(put.requests, 12);
        assert_eq!(put.errors, 0);
        assert_eq!(put.bytes, 12 * size);
        let seen = seen.lock().unwrap();
        assert_eq!(seen.bytes_received, 12 * size);
        assert_eq!(seen.objects.len(), 4);
        assert_eq!(seen.unsigned_requests, 0);
    }

    #[tokio::test]
    async fn run_keeps_one_connection_per_worker() {
        let (addr, seen) = start_server().await;
        let report = run(plan(Mix::Put, 100, 4, 200, 10), target(addr))
            .await
            .unwrap();
        assert_eq!(report.connections, 4);
        assert_eq!(seen.lock().unwrap().peers.len(), 4);
    }

    #[tokio::test]
    async fn get_run_keeps_one_connection_per_worker() {
        let (addr, seen) = start_server().await;
        let report = run(plan(Mix::Get, 100, 4, 400, 10), target(addr))
            .await
            .unwrap();
        assert_eq!(report.ops[0].requests, 400);
        assert_eq!(report.connections, 4);
        assert_eq!(seen.lock().unwrap().peers.len(), 4);
    }

    #[tokio::test]
    async fn get_run_populates_keys() {
        let (addr, seen) = start_server().await;
        let report = run(plan(Mix::Get, 1000, 2, 10, 3), target(addr))
            .await
            .unwrap();
        let get = &report.ops[0];
        assert_eq!(get.op, OpKind::Get);
        assert_eq!(get.requests, 10);
        assert_eq!(get.errors, 0);
        assert_eq!(get.bytes, 10_000);
        assert_eq!(seen.lock().unwrap().objects.len(), 3);
    }

    #[tokio::test]
    async fn get_run_reports_missing_key() {
        let (addr, seen) = start_server().await;
        run(plan(Mix::Get, 10, 1, 1, 1), target(addr))
            .await
            .unwrap();
        // Remove the object behind the tool's back, so that the next GET gets a 404.
        seen.lock().unwrap().objects.clear();
        let get_only = plan(Mix::Get, 10, 1, 1, 1);
        let mut client = S3Client::new(Arc::new(target(addr)), Pattern::new(), true);
        let stats = timed_worker(&get_only, &mut client, &AtomicU64::new(0), None).await;
        assert_eq!(stats.get.errors(), 1);
        let summary = stats.get.summarize(OpKind::Get, Duration::from_secs(1));
        assert!(
            summary.first_error.as_deref().unwrap().contains("404"),
            "{summary:?}"
        );
    }

    #[tokio::test]
    async fn duration_bounds_run() {
        let (addr, _seen) = start_server().await;
        let mut timed = plan(Mix::Put, 10, 2, 1, 1);
        timed.requests = None;
        timed.duration = Some(Duration::from_millis(200));
        let report = run(timed, target(addr)).await.unwrap();
        assert!(report.ops[0].requests > 0);
        assert!(report.elapsed_secs < 5.0, "{}", report.elapsed_secs);
    }

    #[test]
    fn key_names_are_padded() {
        assert_eq!(plan(Mix::Put, 1, 1, 1, 1).key(42), "load/00000042");
    }

    #[test]
    fn mixed_alternates() {
        let ops: Vec<OpKind> = (0..4).map(|seq| Mix::Mixed.op_for(seq)).collect();
        assert_eq!(ops, [OpKind::Get, OpKind::Put, OpKind::Get, OpKind::Put]);
    }

    #[test]
    fn single_mixes_are_uniform() {
        assert!((0..4).all(|seq| Mix::Put.op_for(seq) == OpKind::Put));
        assert!((0..4).all(|seq| Mix::Get.op_for(seq) == OpKind::Get));
    }
}
