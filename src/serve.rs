//! `oss serve`: opens the store, completes first start, then serves the S3 and admin
//! endpoints until SIGINT or SIGTERM, letting in-flight requests finish.

use std::convert::Infallible;
use std::future::Future;
use std::net::SocketAddr;
use std::time::Duration;

use anyhow::Context;
use hyper::Request;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use oss_admin::{Admin, AdminConfig, AdminService, Authenticator, Metrics};
use oss_console::{Console, ConsoleConfig, ConsoleSessions, SessionLimits};
use oss_s3::{S3Config, S3Service};
use oss_store::{Sealer, Store, StoreConfig};
use tokio::net::{TcpListener, TcpStream};
use tokio_rustls::TlsAcceptor;

use crate::config::Config;
use crate::{first_start, server_key, tls};

/// How long shutdown waits for in-flight requests before it gives up on them.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(30);
/// Minimum part size of multipart uploads, as in AWS: every part but the last.
const MIN_PART_SIZE: u64 = 5 << 20;
/// How long a client may take to send a request's headers, so that idle or trickling
/// connections cannot pile up.
const HEADER_READ_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a client may take to complete the TLS handshake.
const TLS_HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// How often the usage meter is written to the store.
const METER_FLUSH_INTERVAL: Duration = Duration::from_secs(5);

/// Derives the storage engine settings from the server configuration and loads the server
/// key, creating it on first start.
pub(crate) fn store_config(config: &Config) -> anyhow::Result<StoreConfig> {
    let key = server_key::load_or_create(&config.security.key_file, &config.storage.data_dir)?;
    Ok(StoreConfig {
        data_dir: config.storage.data_dir.clone(),
        chunk_size: config.storage.chunk_size.0,
        inline_max: config.storage.inline_max.0,
        capacity_unit_bytes: config.accounts.capacity_unit_bytes.0,
        min_part_size: MIN_PART_SIZE,
        delete_batch_size: config.storage.delete_batch_size,
        sealer: Sealer::new(key),
    })
}

/// Runs the server until a shutdown signal arrives.
pub(crate) async fn run(config: Config) -> anyhow::Result<()> {
    let store_config = store_config(&config)?;
    let data_dir = config.storage.data_dir.display().to_string();
    let store = tokio::task::spawn_blocking(move || Store::open(store_config))
        .await?
        .with_context(|| format!("failed to open the store in {data_dir}"))?;
    {
        let store = store.clone();
        let config = config.clone();
        tokio::task::spawn_blocking(move || first_start::ensure(&store, &config)).await??;
    }

    let meter_task = tokio::spawn(flush_meter_periodically(store.clone()));

    let s3_config = S3Config {
        virtual_host_suffix: Some(config.s3.virtual_host_suffix.clone()).filter(|s| !s.is_empty()),
        ..S3Config::default()
    };
    let s3 = S3Service::new(store.clone(), s3_config);
    let tls = match config.s3.tls_cert.is_empty() {
        true => None,
        false => Some(tls::acceptor(
            config.s3.tls_cert.as_ref(),
            config.s3.tls_key.as_ref(),
        )?),
    };
    let s3_scheme = if tls.is_some() { "https" } else { "http" };
    let shutdown = shutdown_signal()?;
    let s3_listener = bind(config.s3.listen, "S3").await?;
    let admin_listener = bind(config.admin.listen, "admin").await?;
    let s3_url = match config.s3.endpoint_url.is_empty() {
        true => format!("{s3_scheme}://{}", s3_listener.local_addr()?),
        false => config.s3.endpoint_url.clone(),
    };
    let admin = admin_service(&config, &store, &s3, s3_url)?;
    if let Err(error) = admin.api().admin().resume_background_jobs().await {
        tracing::error!(%error, "failed to resume account releases and bucket deletions");
    }

    tracing::info!(
        data_dir = %config.storage.data_dir.display(),
        key_file = %config.security.key_file.display(),
        credentials = %config.storage.data_dir.join("credentials").display(),
        admin_token = %config.storage.data_dir.join("admin.token").display(),
        "storage ready"
    );
    tracing::info!(
        "S3 endpoint listening on {s3_scheme}://{}",
        s3_listener.local_addr()?
    );
    tracing::info!(
        "admin endpoint listening on http://{}",
        admin_listener.local_addr()?
    );

    let graceful = GracefulShutdown::new();
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        tokio::select! {
            accepted = s3_listener.accept() => {
                let s3 = s3.clone();
                serve_connection(&graceful, accepted, tls.clone(), move |request: Request<Incoming>| {
                    let s3 = s3.clone();
                    async move { Ok::<_, Infallible>(s3.handle(request).await) }
                });
            }
            accepted = admin_listener.accept() => {
                let admin = admin.clone();
                serve_connection(&graceful, accepted, None, move |request: Request<Incoming>| {
                    let admin = admin.clone();
                    async move { Ok::<_, Infallible>(admin.handle(request).await) }
                });
            }
            () = &mut shutdown => break,
        }
    }

    drop(s3_listener);
    drop(admin_listener);
    tracing::info!("shutting down: no new connections, waiting for requests in flight");
    match tokio::time::timeout(SHUTDOWN_GRACE, graceful.shutdown()).await {
        Ok(()) => {}
        Err(_) => tracing::warn!(
            "shutdown: requests still in flight after {}s were cut off",
            SHUTDOWN_GRACE.as_secs()
        ),
    }
    // Releases and bucket deletes stop at their next batch and resume on the next start.
    store.interrupt_background_work();
    meter_task.abort();
    let flushed = {
        let store = store.clone();
        tokio::task::spawn_blocking(move || store.flush_meter()).await?
    };
    if let Err(error) = flushed {
        tracing::error!(%error, "failed to write the usage meter at shutdown");
    }
    tracing::info!("shutdown complete");
    Ok(())
}

/// Builds the admin endpoint's service: the JSON API, which accepts the operator token of
/// first start, behind the web console.
fn admin_service(
    config: &Config,
    store: &Store,
    s3: &S3Service,
    s3_url: String,
) -> anyhow::Result<Console> {
    let token_path = config.storage.data_dir.join("admin.token");
    let token = std::fs::read_to_string(&token_path).with_context(|| {
        format!(
            "failed to read the operator token from {}",
            token_path.display()
        )
    })?;
    let admin = Admin::new(
        store.clone(),
        AdminConfig {
            regions: config.accounts.regions.clone(),
            s3_endpoint: s3_url,
            virtual_host_suffix: Some(config.s3.virtual_host_suffix.clone())
                .filter(|suffix| !suffix.is_empty()),
        },
    );
    // The JSON API accepts the console's session cookie as well.
    let sessions = ConsoleSessions::new(store.clone(), SessionLimits::default());
    let auth = Authenticator::new(store.clone(), token.trim()).with_sessions(sessions.clone());
    let api = AdminService::new(admin, auth, Metrics::new(s3.metrics().clone()));
    let console_config = ConsoleConfig {
        regions: config.accounts.regions.clone(),
    };
    Ok(Console::new(api, s3.clone(), sessions, console_config))
}

/// Writes the usage meter every [`METER_FLUSH_INTERVAL`] until aborted.
async fn flush_meter_periodically(store: Store) {
    let mut interval = tokio::time::interval(METER_FLUSH_INTERVAL);
    interval.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        interval.tick().await;
        let store = store.clone();
        match tokio::task::spawn_blocking(move || store.flush_meter()).await {
            Ok(Ok(())) => {}
            Ok(Err(error)) => tracing::warn!(%error, "failed to write the usage meter; retrying"),
            Err(error) => tracing::warn!(%error, "usage meter flush task failed"),
        }
    }
}

async fn bind(address: SocketAddr, name: &str) -> anyhow::Result<TcpListener> {
    TcpListener::bind(address)
        .await
        .with_context(|| format!("failed to listen on {address} for the {name} endpoint"))
}

/// Serves one accepted connection with HTTP/1.1 keep-alive, over TLS when `tls` is set,
/// watched for graceful shutdown.
fn serve_connection<S, F, B>(
    graceful: &GracefulShutdown,
    accepted: std::io::Result<(TcpStream, SocketAddr)>,
    tls: Option<TlsAcceptor>,
    handler: S,
) where
    S: Fn(Request<Incoming>) -> F + Send + 'static,
    F: Future<Output = Result<hyper::Response<B>, Infallible>> + Send + 'static,
    B: hyper::body::Body + Send + 'static,
    B::Data: Send,
    B::Error: Into<Box<dyn std::error::Error + Send + Sync>>,
{
    let (stream, peer) = match accepted {
        Ok(accepted) => accepted,
        Err(error) => {
            tracing::warn!(%error, "failed to accept a connection");
            return;
        }
    };
    // Small responses must leave at once; Nagle's algorithm would hold them back for the
    // peer's delayed ACK (about 40 ms).
    if let Err(error) = stream.set_nodelay(true) {
        tracing::debug!(%peer, %error, "failed to set TCP_NODELAY");
    }
    let watcher = graceful.watcher();
    tokio::spawn(async move {
        // NOTE: a request hyper cannot parse (a malformed request line, headers over its
        // buffer) gets hyper's own bare 400 or 431, without an S3 XML body or a request id.
        let mut builder = http1::Builder::new();
        builder
            .timer(TokioTimer::new())
            .header_read_timeout(HEADER_READ_TIMEOUT);
        let result =
            match tls {
                None => {
                    watcher
                        .watch(builder.serve_connection(TokioIo::new(stream), service_fn(handler)))
                        .await
                }
                Some(acceptor) => {
                    let stream =
                        match tokio::time::timeout(TLS_HANDSHAKE_TIMEOUT, acceptor.accept(stream))
                            .await
                        {
                            Ok(Ok(stream)) => stream,
                            Ok(Err(error)) => {
                                tracing::debug!(%peer, %error, "TLS handshake failed");
                                return;
                            }
                            Err(_) => {
                                tracing::debug!(%peer, "TLS handshake timed out");
                                return;
                            }
                        };
                    watcher
                        .watch(builder.serve_connection(TokioIo::new(stream), service_fn(handler)))
                        .await
                }
            };
        if let Err(error) = result {
            tracing::debug!(%peer, %error, "connection ended with an error");
        }
    });
}

/// Installs the SIGINT and SIGTERM handlers at once and returns a future that completes on
/// either. The handlers must exist before the endpoints are announced, because a supervisor
/// may signal as soon as the listening lines are logged.
fn shutdown_signal() -> anyhow::Result<impl Future<Output = ()>> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut interrupt = signal(SignalKind::interrupt()).context("failed to handle SIGINT")?;
    let mut terminate = signal(SignalKind::terminate()).context("failed to handle SIGTERM")?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => tracing::info!("received SIGINT"),
            _ = terminate.recv() => tracing::info!("received SIGTERM"),
        }
    })
}
