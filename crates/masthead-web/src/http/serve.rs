//! Serving the router on a TCP listener, within limits that keep the site up when clients hold
//! on: a connection may wait [`Limits::idle_timeout`] for a request to begin, then has
//! [`Limits::header_timeout`] to send its head, and [`Limits::request_timeout`] for its body and
//! the answer; at most [`Limits::max_connections`] are served at once, and the next ones are
//! told `503` with `Retry-After` and closed. `axum::serve` offers none of these, so this is
//! hyper's HTTP/1 connection over our own accept loop, as axum's own serving is, with the
//! same `ConnectInfo<SocketAddr>` and graceful shutdown: on `shutdown`, no new connections,
//! idle ones close, requests in flight finish.
//!
//! Never here: anything about a page or the store. Limits come from the caller (the CLI).

use std::future::Future;
use std::io;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Duration;

use axum::Router;
use axum::http::StatusCode;
use hyper_util::rt::TokioIo;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt, ReadBuf};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{Semaphore, watch};
use tower::Service;

use crate::http::page_cache::FastPath;
use tower_http::timeout::TimeoutLayer;

/// How much of the server one client, or all of them, may hold.
#[derive(Debug, Clone)]
pub struct Limits {
    /// Connections served at once; the next are answered `503` and closed.
    pub max_connections: usize,
    /// From the first byte of a request to the end of its head.
    pub header_timeout: Duration,
    /// How long a connection may wait, with no request begun, before it is closed: after it
    /// opens and between the requests of a kept-alive connection.
    pub idle_timeout: Duration,
    /// From the end of the head to the response: reading the body and handling it (`408`).
    pub request_timeout: Duration,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_connections: 1024,
            header_timeout: Duration::from_secs(10),
            idle_timeout: Duration::from_secs(60),
            request_timeout: Duration::from_secs(60),
        }
    }
}

/// How long a client refused at the cap is told to wait.
const RETRY_AFTER_SECONDS: u32 = 5;

/// What a connection past the cap is told, before it is closed.
fn refusal() -> String {
    let body = "The site is busy; please try again in a few seconds.\n";
    format!(
        "HTTP/1.1 503 Service Unavailable\r\nRetry-After: {RETRY_AFTER_SECONDS}\r\n\
         Content-Type: text/plain; charset=utf-8\r\nContent-Length: {}\r\nCache-Control: no-store\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
}

/// Refusals being written at once; past this a connection is closed without a word, so that
/// refusing costs no more file descriptors than this.
const MAX_REFUSING: usize = 64;

/// Serves `router` on `listener` within `limits` until `shutdown` completes, then waits for
/// the connections to finish their requests. With `fast`, cache hits are answered before the
/// router (`page_cache::FastPath`).
pub async fn serve(
    listener: TcpListener,
    router: Router,
    fast: Option<FastPath>,
    limits: Limits,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> io::Result<()> {
    let router =
        router.layer(TimeoutLayer::with_status_code(StatusCode::REQUEST_TIMEOUT, limits.request_timeout));
    let mut make_service = router.into_make_service_with_connect_info::<SocketAddr>();
    let max = limits.max_connections.clamp(1, Semaphore::MAX_PERMITS.min(u32::MAX as usize));
    let permits = Arc::new(Semaphore::new(max));
    let refusing = Arc::new(Semaphore::new(MAX_REFUSING));
    let (stop, stopping) = watch::channel(false);
    let mut shutdown = std::pin::pin!(shutdown);
    loop {
        let accepted = tokio::select! {
            accepted = listener.accept() => accepted,
            () = &mut shutdown => break,
        };
        let (stream, remote) = match accepted {
            Ok(accepted) => accepted,
            Err(e) if is_connection_error(&e) => continue,
            Err(e) => {
                // Out of file descriptors, most likely: wait for some to be released rather
                // than spin. The cap should keep us from here.
                tracing::error!(error = %e, "could not accept a connection");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_secs(1)) => continue,
                    () = &mut shutdown => break,
                }
            }
        };
        let Ok(permit) = permits.clone().try_acquire_owned() else {
            tracing::warn!(%remote, max, "refused a connection: the server is at its limit");
            if let Ok(refusing) = refusing.clone().try_acquire_owned() {
                tokio::spawn(async move {
                    refuse(stream).await;
                    drop(refusing);
                });
            }
            continue;
        };
        let _ = stream.set_nodelay(true);
        let service = match make_service.call(remote).await {
            Ok(service) => service,
            Err(never) => match never {},
        };
        let service = Front { inner: service, fast: fast.clone() };
        let limits = limits.clone();
        let mut stopping = stopping.clone();
        tokio::spawn(async move {
            let activity = Arc::new(AtomicU64::new(0));
            let io = TokioIo::new(Counted { stream, reads: activity.clone() });
            let mut builder = hyper::server::conn::http1::Builder::new();
            builder
                .timer(HeadTimer {
                    reads: activity,
                    header: limits.header_timeout,
                    idle: limits.idle_timeout,
                })
                // The timer above decides the deadline; this only turns it on.
                .header_read_timeout(limits.header_timeout);
            let connection = builder.serve_connection(io, service);
            let mut connection = std::pin::pin!(connection);
            tokio::select! {
                result = connection.as_mut() => {
                    if let Err(e) = result {
                        tracing::debug!(error = %e, %remote, "connection ended");
                    }
                    drop(permit);
                    return;
                }
                () = until_true(&mut stopping) => connection.as_mut().graceful_shutdown(),
            }
            if let Err(e) = connection.await {
                tracing::debug!(error = %e, %remote, "connection ended");
            }
            drop(permit);
        });
    }
    drop(listener);
    let _ = stop.send(true);
    // Every connection holds a permit until it ends: having them all back means all ended.
    let _ = permits.acquire_many(max as u32).await;
    Ok(())
}

/// What hyper calls for each request: the fast path's answer when it has one, the router's
/// otherwise (recorded for the fast path when it is a kept page's).
#[derive(Clone)]
struct Front<S> {
    inner: S,
    fast: Option<FastPath>,
}

type Answer = Result<axum::response::Response, std::convert::Infallible>;

impl<S> hyper::service::Service<axum::http::Request<hyper::body::Incoming>> for Front<S>
where
    S: Service<
            axum::http::Request<axum::body::Body>,
            Response = axum::response::Response,
            Error = std::convert::Infallible,
        > + Clone
        + Send
        + 'static,
    S::Future: Send + 'static,
{
    type Response = axum::response::Response;
    type Error = std::convert::Infallible;
    type Future = futures_util::future::Either<
        std::future::Ready<Answer>,
        Pin<Box<dyn Future<Output = Answer> + Send>>,
    >;

    fn call(&self, request: axum::http::Request<hyper::body::Incoming>) -> Self::Future {
        if let Some(answer) = self.fast.as_ref().and_then(|fast| fast.answer(&request)) {
            return futures_util::future::Either::Left(std::future::ready(Ok(answer)));
        }
        let recorder = self.fast.as_ref().and_then(|fast| fast.recorder(&request));
        let inner = self.inner.clone();
        futures_util::future::Either::Right(Box::pin(async move {
            let response = tower::ServiceExt::oneshot(inner, request.map(axum::body::Body::new)).await?;
            if let Some(recorder) = recorder {
                recorder.record(&response);
            }
            Ok(response)
        }))
    }
}

/// Tells a client past the cap to come back later, and closes. Bounded in time whatever the
/// client does.
async fn refuse(mut stream: TcpStream) {
    let polite = async {
        stream.write_all(refusal().as_bytes()).await?;
        stream.shutdown().await?;
        // Read what the client sent, so that closing does not reset the connection and lose
        // the answer before the client reads it.
        let mut sink = [0u8; 4096];
        let mut left: usize = 64 * 1024;
        while left > 0 {
            let n = tokio::io::AsyncReadExt::read(&mut stream, &mut sink).await?;
            if n == 0 {
                break;
            }
            left = left.saturating_sub(n);
        }
        Ok::<(), io::Error>(())
    };
    let _ = tokio::time::timeout(Duration::from_secs(2), polite).await;
}

/// Errors of one connection (reset before it was accepted), after which accepting goes on.
fn is_connection_error(e: &io::Error) -> bool {
    matches!(
        e.kind(),
        io::ErrorKind::ConnectionRefused | io::ErrorKind::ConnectionAborted | io::ErrorKind::ConnectionReset
    )
}

async fn until_true(flag: &mut watch::Receiver<bool>) {
    while !*flag.borrow_and_update() {
        if flag.changed().await.is_err() {
            std::future::pending::<()>().await;
        }
    }
}

/// The connection's stream, counting the bytes read so that the timer can tell a connection
/// waiting for a request from one in the middle of a head.
struct Counted {
    stream: TcpStream,
    reads: Arc<AtomicU64>,
}

impl AsyncRead for Counted {
    fn poll_read(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        let before = buf.filled().len();
        let polled = Pin::new(&mut self.stream).poll_read(cx, buf);
        let read = buf.filled().len() - before;
        if read > 0 {
            self.reads.fetch_add(read as u64, Ordering::Relaxed);
        }
        polled
    }
}

impl AsyncWrite for Counted {
    fn poll_write(mut self: Pin<&mut Self>, cx: &mut Context<'_>, buf: &[u8]) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write(cx, buf)
    }

    fn poll_write_vectored(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        bufs: &[io::IoSlice<'_>],
    ) -> Poll<io::Result<usize>> {
        Pin::new(&mut self.stream).poll_write_vectored(cx, bufs)
    }

    fn is_write_vectored(&self) -> bool {
        self.stream.is_write_vectored()
    }

    fn poll_flush(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_flush(cx)
    }

    fn poll_shutdown(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        Pin::new(&mut self.stream).poll_shutdown(cx)
    }
}

/// hyper's timer for its header-read timeout, which hyper starts as soon as it waits for a
/// head, so that one number would bound both a silent connection and a slow head. This one
/// gives the wait `idle` until the request's first byte arrives, and `header` from then on.
/// It serves one connection, whose bytes read `reads` counts.
#[derive(Debug, Clone)]
struct HeadTimer {
    reads: Arc<AtomicU64>,
    header: Duration,
    idle: Duration,
}

impl hyper::rt::Timer for HeadTimer {
    fn sleep(&self, duration: Duration) -> Pin<Box<dyn hyper::rt::Sleep>> {
        Box::pin(Plain(Box::pin(tokio::time::sleep(duration))))
    }

    fn sleep_until(&self, _deadline: std::time::Instant) -> Pin<Box<dyn hyper::rt::Sleep>> {
        let reads = self.reads.load(Ordering::Relaxed);
        Box::pin(HeadWait {
            reads: self.reads.clone(),
            reads_at_start: reads,
            header: self.header,
            begun: false,
            sleep: Box::pin(tokio::time::sleep(self.idle)),
        })
    }
}

struct Plain(Pin<Box<tokio::time::Sleep>>);

impl Future for Plain {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        self.0.as_mut().poll(cx)
    }
}

impl hyper::rt::Sleep for Plain {}

/// The wait for one request head: see [`HeadTimer`]. hyper polls it whenever reading the head
/// is pending, so a byte read is seen before the idle deadline can pass unnoticed.
struct HeadWait {
    reads: Arc<AtomicU64>,
    reads_at_start: u64,
    header: Duration,
    begun: bool,
    sleep: Pin<Box<tokio::time::Sleep>>,
}

impl Future for HeadWait {
    type Output = ();
    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        if !self.begun && self.reads.load(Ordering::Relaxed) > self.reads_at_start {
            self.begun = true;
            let deadline = tokio::time::Instant::now() + self.header;
            self.sleep.as_mut().reset(deadline);
        }
        self.sleep.as_mut().poll(cx)
    }
}

impl hyper::rt::Sleep for HeadWait {}
