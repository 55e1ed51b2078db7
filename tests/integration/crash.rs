//! Crash safety: SIGKILL the server while writers upload, overwrite and delete objects, then
//! restart it. Every acknowledged write must survive whole and no half-written object may be
//! visible. After a clean stop, `oss fsck` must find no orphaned chunk.

use std::collections::{BTreeMap, HashMap};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use bytes::Bytes;
use http::Method;
use md5::{Digest, Md5};
use rand::rngs::StdRng;
use rand::{Rng, RngCore, SeedableRng};
use tokio::sync::Notify;

use crate::raw::{RawClient, encode_query, xml_values};
use crate::server::{Options, Server};

const BUCKET: &str = "crash";
const WRITERS: usize = 6;
const KEYS_PER_WRITER: usize = 4;
/// Upper bound of operations per writer and round; the kill comes long before it.
const OPS_PER_WRITER: usize = 120;
/// Acknowledged operations per round before the kill.
const KILL_AFTER_ACKS: usize = 150;
const ROUNDS: u64 = 4;
/// Object sizes around the inline limit and the chunk size set in [`options`].
const SIZES: [usize; 7] = [0, 1, 3_000, 4_097, 70_000, 600_000, 1_900_000];

/// Small chunks and inline storage, so that one object spans many chunk files.
fn options() -> Options {
    Options {
        storage: vec![
            "chunk_size = \"256KiB\"".into(),
            "inline_max = \"4KiB\"".into(),
        ],
        ..Options::default()
    }
}

/// What a key holds: `None` for no object, or the object's size and quoted-MD5 ETag.
type State = Option<(usize, String)>;

/// What one key may hold after the crash.
#[derive(Debug, Clone, Default)]
struct History {
    /// The state of the last write the server acknowledged.
    acknowledged: State,
    /// The state the write in flight at the kill would leave, if one was in flight.
    in_flight: Option<State>,
}

impl History {
    fn allows(&self, state: &State) -> bool {
        &self.acknowledged == state || self.in_flight.as_ref() == Some(state)
    }
}

type Histories = Arc<Mutex<HashMap<String, History>>>;

/// Counts acknowledgements and finished writers, and wakes the killer on each change that
/// may let it act.
struct Progress {
    acknowledged: AtomicUsize,
    finished_writers: AtomicUsize,
    unexpected: Mutex<Vec<String>>,
    changed: Notify,
}

fn quoted_md5(data: &[u8]) -> String {
    format!("\"{}\"", hex::encode(Md5::digest(data)))
}

/// Puts and deletes this writer's own keys in a bounded loop, until a request fails.
async fn write_until_failure(
    client: Arc<RawClient>,
    histories: Histories,
    progress: Arc<Progress>,
    writer: usize,
    seed: u64,
) {
    write_keys(client, histories, &progress, writer, seed).await;
    progress.finished_writers.fetch_add(1, Ordering::SeqCst);
    progress.changed.notify_one();
}

async fn write_keys(
    client: Arc<RawClient>,
    histories: Histories,
    progress: &Progress,
    writer: usize,
    seed: u64,
) {
    let mut rng = StdRng::seed_from_u64(seed);
    for op in 0..OPS_PER_WRITER {
        let key = format!("w{writer}-k{}", op % KEYS_PER_WRITER);
        let path = format!("/{BUCKET}/{key}");
        let (request, next) = if rng.gen_bool(0.25) {
            (client.request(Method::DELETE, &path), None)
        } else {
            let mut data = vec![0; SIZES[rng.gen_range(0..SIZES.len())]];
            rng.fill_bytes(&mut data);
            let next = Some((data.len(), quoted_md5(&data)));
            (client.put(&path, Bytes::from(data)), next)
        };
        histories
            .lock()
            .expect("histories")
            .entry(key.clone())
            .or_default()
            .in_flight = Some(next.clone());

        // A transport error means the server is gone; the write stays in flight.
        let Ok(response) = request.try_send().await else {
            return;
        };
        if !response.status.is_success() {
            progress
                .unexpected
                .lock()
                .expect("unexpected")
                .push(format!("{key}: {response:?}"));
            return;
        }
        if let Some((_, etag)) = &next
            && response.header("etag") != Some(etag.as_str())
        {
            let message = format!("{key}: ETag {:?}, expected {etag}", response.header("etag"));
            progress
                .unexpected
                .lock()
                .expect("unexpected")
                .push(message);
        }
        {
            let mut map = histories.lock().expect("histories");
            let history = map.get_mut(&key).expect("history of a written key");
            history.acknowledged = next;
            history.in_flight = None;
        }
        if progress.acknowledged.fetch_add(1, Ordering::SeqCst) + 1 == KILL_AFTER_ACKS {
            progress.changed.notify_one();
        }
    }
}

/// Runs the writers against `server` and kills it once enough writes were acknowledged.
async fn write_and_kill(server: &mut Server, histories: &Histories, round: u64) {
    let client = Arc::new(RawClient::new(server));
    let progress = Arc::new(Progress {
        acknowledged: AtomicUsize::new(0),
        finished_writers: AtomicUsize::new(0),
        unexpected: Mutex::new(Vec::new()),
        changed: Notify::new(),
    });
    let writers: Vec<_> = (0..WRITERS)
        .map(|writer| {
            let seed = round * 1000 + writer as u64;
            let task = write_until_failure(
                client.clone(),
                histories.clone(),
                progress.clone(),
                writer,
                seed,
            );
            tokio::spawn(task)
        })
        .collect();

    // `notify_one` stores a permit when no task is waiting yet, so no wake-up is lost between
    // the check and the wait.
    while progress.acknowledged.load(Ordering::SeqCst) < KILL_AFTER_ACKS
        && progress.finished_writers.load(Ordering::SeqCst) < WRITERS
    {
        progress.changed.notified().await;
    }
    let acknowledged = progress.acknowledged.load(Ordering::SeqCst);
    assert!(
        acknowledged >= KILL_AFTER_ACKS,
        "writers stopped after {acknowledged} acknowledged writes: {:#?}",
        progress.unexpected.lock().expect("unexpected")
    );
    server.kill();
    for writer in writers {
        writer.await.expect("writer task");
    }
    let map = histories.lock().expect("histories");
    let in_flight = map
        .values()
        .filter(|history| history.in_flight.is_some())
        .count();
    drop(map);
    println!(
        "round {round}: killed after {acknowledged} acknowledged writes, {in_flight} in flight"
    );
    let unexpected = progress.unexpected.lock().expect("unexpected");
    assert!(
        unexpected.is_empty(),
        "failed writes before the kill: {unexpected:#?}"
    );
}

/// Lists the whole bucket as key -> (size, ETag).
async fn list_bucket(client: &RawClient) -> BTreeMap<String, (usize, String)> {
    let mut objects = BTreeMap::new();
    let mut token: Option<String> = None;
    loop {
        let mut path = format!("/{BUCKET}?list-type=2&max-keys=7");
        if let Some(token) = &token {
            path.push_str(&format!("&continuation-token={}", encode_query(token)));
        }
        let response = client.get(&path).send().await;
        response.assert_success();
        let text = response.text();
        let keys = xml_values(&text, "Contents/Key");
        let sizes = xml_values(&text, "Contents/Size");
        let etags = xml_values(&text, "Contents/ETag");
        assert_eq!(keys.len(), sizes.len(), "Size per Key in {text}");
        assert_eq!(keys.len(), etags.len(), "ETag per Key in {text}");
        for ((key, size), etag) in keys.into_iter().zip(sizes).zip(etags) {
            objects.insert(key, (size.parse().expect("numeric Size"), etag));
        }
        if response.xml("IsTruncated").as_deref() != Some("true") {
            return objects;
        }
        token = response.xml("NextContinuationToken");
    }
}

/// Checks every key against its history, reads each object back whole, and makes the
/// observed states the acknowledged baseline of the next round.
async fn verify_after_restart(client: &RawClient, histories: &Histories) {
    let listed = list_bucket(client).await;
    let expected: Vec<(String, State)> = {
        let mut map = histories.lock().expect("histories");
        for key in listed.keys() {
            assert!(
                map.contains_key(key),
                "listed key {key:?} was never written"
            );
        }
        for (key, history) in map.iter_mut() {
            let observed: State = listed.get(key).cloned();
            assert!(
                history.allows(&observed),
                "{key}: listed {observed:?}, history {history:?}"
            );
            history.acknowledged = observed;
            history.in_flight = None;
        }
        map.iter()
            .map(|(key, history)| (key.clone(), history.acknowledged.clone()))
            .collect()
    };

    for (key, state) in expected {
        let response = client.get(&format!("/{BUCKET}/{key}")).send().await;
        match state {
            None => response.assert_error(404, "NoSuchKey"),
            Some((size, etag)) => {
                response.assert_success();
                assert_eq!(response.body.len(), size, "{key}: length read back");
                assert_eq!(quoted_md5(&response.body), etag, "{key}: content read back");
                assert_eq!(
                    response.header("etag"),
                    Some(etag.as_str()),
                    "{key}: ETag header"
                );
            }
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_during_writes_loses_nothing_acknowledged() {
    let mut server = Server::start_with(options());
    RawClient::new(&server).create_bucket(BUCKET).await;
    let histories: Histories = Arc::default();

    for round in 0..ROUNDS {
        write_and_kill(&mut server, &histories, round).await;
        server.restart();
        verify_after_restart(&RawClient::new(&server), &histories).await;
    }

    // The restarted server must still accept writes.
    let client = RawClient::new(&server);
    client
        .put(&format!("/{BUCKET}/after"), "still writable")
        .send()
        .await
        .assert_success();

    let status = server.stop();
    assert!(status.success(), "exit status after SIGTERM: {status}");
    let fsck = server.fsck();
    assert!(
        fsck.status.success(),
        "fsck after crash recovery failed ({}):\n{}{}",
        fsck.status,
        String::from_utf8_lossy(&fsck.stdout),
        String::from_utf8_lossy(&fsck.stderr)
    );
}
