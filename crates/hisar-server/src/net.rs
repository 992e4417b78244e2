//! Serving a router on a socket until told to stop, with the limits a service exposed to
//! misbehaving clients needs (issue 11):
//!
//! - **a connection limit** ([`ServeOptions::max_connections`]): when every slot is taken,
//!   the connection idle the longest (no request in progress) is closed to make room, as
//!   nginx reuses idle keep-alive connections, so a flood of idle connections never locks out
//!   a health check; when none is idle, the new connection is closed;
//! - **a header-read timeout** ([`ServeOptions::header_read_timeout`], hyper's own): a
//!   connection that does not send a complete request head in time, on its first request or
//!   between keep-alive requests, is closed;
//! - **a bounded graceful shutdown** ([`ServeOptions::shutdown_grace`]): on stop, no new
//!   connection is accepted, idle connections close, requests in progress may finish; after
//!   the grace period every connection left is dropped, whatever its client does.
//!
//! axum's own `serve` offers none of these (it sets no hyper timer, so no header timeout, and
//! waits for every connection on shutdown), so this module drives hyper's HTTP/1 connection
//! itself, as `axum::serve` does inside. Request-level limits (body size and time, load
//! shedding) are tower layers on the router ([`crate::router`]).

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Body;
use hyper::body::Incoming;
use hyper_util::rt::{TokioIo, TokioTimer};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Notify, oneshot, watch};
use tokio::task::{JoinHandle, JoinSet};
use tower::ServiceExt as _;

/// Connections served at once by default.
pub const MAX_CONNECTIONS: usize = 4096;

/// Limits of a served socket.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServeOptions {
    /// Connections served at once; at the limit, the one idle the longest is closed.
    pub max_connections: usize,
    /// Time a connection has to send a complete request head (first or next request).
    pub header_read_timeout: Duration,
    /// Time open requests have to finish after a stop, before every connection is dropped.
    pub shutdown_grace: Duration,
}

impl Default for ServeOptions {
    fn default() -> Self {
        Self {
            max_connections: MAX_CONNECTIONS,
            header_read_timeout: Duration::from_secs(10),
            shutdown_grace: Duration::from_secs(2),
        }
    }
}

/// A router serving on a socket.
#[derive(Debug)]
pub struct Running {
    /// Where it listens.
    pub addr: SocketAddr,
    shutdown: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<()>>,
}

/// Serves `router` on `addr` (`127.0.0.1:0` for an ephemeral port) until stopped, with the
/// default [`ServeOptions`].
pub async fn spawn(router: Router, addr: &str) -> std::io::Result<Running> {
    spawn_with(router, addr, ServeOptions::default()).await
}

/// Serves `router` on `addr` until stopped, within `options`.
pub async fn spawn_with(
    router: Router,
    addr: &str,
    options: ServeOptions,
) -> std::io::Result<Running> {
    let listener = TcpListener::bind(addr).await?;
    let addr = listener.local_addr()?;
    let (tx, rx) = oneshot::channel::<()>();
    let handle = tokio::spawn(serve(listener, router, options, rx));
    Ok(Running {
        addr,
        shutdown: Some(tx),
        handle: Some(handle),
    })
}

impl Running {
    /// `http://ADDR`.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// Stops serving: requests in progress get the grace period to finish, then every
    /// connection is dropped. Returns when it is done.
    pub async fn stop(mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(handle) = self.handle.take() {
            let _ = handle.await;
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// What the server knows of one open connection.
struct Slot {
    activity: Arc<Activity>,
    close: Arc<Notify>,
}

/// A connection's requests in progress and when it was last active.
struct Activity {
    epoch: Instant,
    in_progress: AtomicUsize,
    /// Milliseconds since `epoch`.
    last_active: AtomicU64,
}

impl Activity {
    fn touch(&self) {
        let ms = u64::try_from(self.epoch.elapsed().as_millis()).unwrap_or(u64::MAX);
        self.last_active.store(ms, Ordering::Relaxed);
    }
}

/// Marks a request in progress on its connection while alive.
struct InProgress(Arc<Activity>);

impl InProgress {
    fn new(activity: &Arc<Activity>) -> Self {
        activity.in_progress.fetch_add(1, Ordering::Relaxed);
        activity.touch();
        Self(Arc::clone(activity))
    }
}

impl Drop for InProgress {
    fn drop(&mut self) {
        self.0.touch();
        self.0.in_progress.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The open connections.
#[derive(Default)]
struct Slots {
    next: u64,
    open: HashMap<u64, Slot>,
}

impl Slots {
    /// Closes the connection idle the longest; `false` when every one is busy.
    fn evict_idlest(&mut self) -> bool {
        let idlest = self
            .open
            .iter()
            .filter(|(_, s)| s.activity.in_progress.load(Ordering::Relaxed) == 0)
            .min_by_key(|(_, s)| s.activity.last_active.load(Ordering::Relaxed))
            .map(|(id, _)| *id);
        match idlest.and_then(|id| self.open.remove(&id)) {
            Some(slot) => {
                slot.close.notify_one();
                true
            }
            None => false,
        }
    }
}

async fn serve(
    listener: TcpListener,
    router: Router,
    options: ServeOptions,
    mut stop: oneshot::Receiver<()>,
) {
    let epoch = Instant::now();
    let slots = Arc::new(Mutex::new(Slots::default()));
    let (shutdown_tx, shutdown_rx) = watch::channel(false);
    let mut tasks = JoinSet::new();
    let mut builder = hyper::server::conn::http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(options.header_read_timeout)
        .keep_alive(true);
    loop {
        // Reap finished connection tasks, so a long-running server holds no result of them.
        while tasks.try_join_next().is_some() {}
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            _ = &mut stop => break,
        };
        let stream = match accepted {
            Ok((stream, _)) => stream,
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                // Out of file descriptors, most likely: free one and back off briefly.
                tracing::warn!("accept failed: {e}");
                lock(&slots).evict_idlest();
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(50)) => continue,
                    _ = &mut stop => break,
                }
            }
        };
        let (id, activity, close) = {
            let mut slots = lock(&slots);
            if slots.open.len() >= options.max_connections.max(1) && !slots.evict_idlest() {
                tracing::debug!("connection refused: all {} are busy", slots.open.len());
                continue;
            }
            slots.next += 1;
            let activity = Arc::new(Activity {
                epoch,
                in_progress: AtomicUsize::new(0),
                last_active: AtomicU64::new(0),
            });
            activity.touch();
            let close = Arc::new(Notify::new());
            let id = slots.next;
            slots.open.insert(
                id,
                Slot {
                    activity: Arc::clone(&activity),
                    close: Arc::clone(&close),
                },
            );
            (id, activity, close)
        };
        let connection = connection(
            &builder,
            stream,
            router.clone(),
            activity,
            close,
            shutdown_rx.clone(),
        );
        let slots = Arc::clone(&slots);
        tasks.spawn(async move {
            connection.await;
            lock(&slots).open.remove(&id);
        });
    }
    drop(listener);
    let _ = shutdown_tx.send(true);
    let drained = tokio::time::timeout(options.shutdown_grace, async {
        while tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::info!(
            "{} connection(s) still open after {}: closed",
            tasks.len(),
            hisar_core::HumanDuration(options.shutdown_grace)
        );
        tasks.shutdown().await;
    }
}

fn lock(slots: &Mutex<Slots>) -> MutexGuard<'_, Slots> {
    slots.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Serves one connection until it ends, is evicted, or the server stops (then gracefully,
/// until the server drops it).
fn connection(
    builder: &hyper::server::conn::http1::Builder,
    stream: TcpStream,
    router: Router,
    activity: Arc<Activity>,
    close: Arc<Notify>,
    mut shutdown: watch::Receiver<bool>,
) -> impl Future<Output = ()> + Send + 'static {
    let _ = stream.set_nodelay(true);
    let service = hyper::service::service_fn(move |request: hyper::Request<Incoming>| {
        let in_progress = InProgress::new(&activity);
        let router = router.clone();
        async move {
            let response = router.oneshot(request.map(Body::new)).await;
            drop(in_progress);
            response
        }
    });
    let conn = builder.serve_connection(TokioIo::new(stream), service);
    async move {
        tokio::pin!(conn);
        tokio::select! {
            _ = conn.as_mut() => return,
            () = close.notified() => return,
            _ = shutdown.wait_for(|stop| *stop) => {}
        }
        conn.as_mut().graceful_shutdown();
        tokio::select! {
            _ = conn.as_mut() => {}
            () = close.notified() => {}
        }
    }
}

/// Errors of one incoming connection, not of the listener: skip it and go on.
fn is_connection_error(e: &std::io::Error) -> bool {
    matches!(
        e.kind(),
        std::io::ErrorKind::ConnectionRefused
            | std::io::ErrorKind::ConnectionAborted
            | std::io::ErrorKind::ConnectionReset
            | std::io::ErrorKind::Interrupted
    )
}

#[cfg(test)]
mod tests;
