//! `/metrics`, in Prometheus's text format: requests and their latency, the page cache's hits,
//! the database pool, the jobs' queues and the listener that hears the other nodes. Counted in
//! memory by this node; the gauges are read when scraped.
//!
//! Only for the operators: with `--metrics-token`, for requests that carry it as a bearer
//! token; without one, for requests from this machine that no proxy forwarded.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::AtomicU64;
use std::time::Instant;

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;
use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{Histogram, exponential_buckets};
use prometheus_client::registry::Registry;

/// This node's metrics.
#[derive(Debug)]
pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    fast_hits: Counter,
    latency: Histogram,
    pool_open: Gauge,
    pool_idle: Gauge,
    cache_pages: Gauge,
    cache_bytes: Gauge,
    listener_up: Gauge,
    listener_silence: Gauge<f64, AtomicU64>,
    queues: Family<QueueLabels, Gauge>,
    /// The bearer token a scrape must carry, when set.
    token: std::sync::RwLock<Option<String>>,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    status: StatusClass,
    cache: CacheOutcome,
}

/// "2xx", "3xx" …
#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
struct StatusClass(u16);

impl EncodeLabelValue for StatusClass {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        use std::fmt::Write;
        write!(encoder, "{}xx", self.0)
    }
}

#[derive(Clone, Copy, Debug, Hash, PartialEq, Eq)]
enum CacheOutcome {
    Hit,
    Miss,
    Uncached,
}

impl EncodeLabelValue for CacheOutcome {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        use std::fmt::Write;
        encoder.write_str(match self {
            CacheOutcome::Hit => "hit",
            CacheOutcome::Miss => "miss",
            CacheOutcome::Uncached => "none",
        })
    }
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct QueueLabels {
    queue: &'static str,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("masthead");
        let requests = Family::<RequestLabels, Counter>::default();
        registry.register(
            "http_requests",
            "Requests answered, by status class and page cache outcome (hit, miss, none)",
            requests.clone(),
        );
        let fast_hits = Counter::default();
        registry.register(
            "page_cache_fast_hits",
            "Of the cache hits, those answered before the router and every layer",
            fast_hits.clone(),
        );
        // From half a millisecond to about four seconds.
        let latency = Histogram::new(exponential_buckets(0.0005, 2.0, 14));
        registry.register(
            "http_request_duration_seconds",
            "Time from a request's head to its response's head",
            latency.clone(),
        );
        let gauge = |registry: &mut Registry, name: &str, help: &str| {
            let g = Gauge::default();
            registry.register(name, help, g.clone());
            g
        };
        let pool_open = gauge(&mut registry, "db_connections_open", "Database connections this node holds");
        let pool_idle = gauge(&mut registry, "db_connections_idle", "Of those, the idle ones");
        let cache_pages = gauge(&mut registry, "page_cache_pages", "Pages in the page cache");
        let cache_bytes = gauge(&mut registry, "page_cache_bytes", "Bytes the page cache holds");
        let listener_up = gauge(
            &mut registry,
            "listener_up",
            "1 while this node hears the other nodes' changes (always on SQLite)",
        );
        let listener_silence = Gauge::<f64, AtomicU64>::default();
        registry.register(
            "listener_silence_seconds",
            "Since the listener last heard anything; its own heartbeat comes every beat",
            listener_silence.clone(),
        );
        let queues = Family::<QueueLabels, Gauge>::default();
        registry.register("job_queue_depth", "Work waiting for the background jobs (capped)", queues.clone());
        Metrics {
            registry,
            requests,
            fast_hits,
            latency,
            pool_open,
            pool_idle,
            cache_pages,
            cache_bytes,
            listener_up,
            listener_silence,
            queues,
            token: std::sync::RwLock::new(None),
        }
    }
}

impl Metrics {
    /// Scrapes must carry `token` as a bearer token (from anywhere); `None`: only from this
    /// machine, not forwarded by a proxy.
    pub fn set_token(&self, token: Option<String>) {
        *self.token.write().unwrap_or_else(|e| e.into_inner()) = token;
    }

    /// How many cache hits were answered before the router.
    pub fn fast_hits(&self) -> u64 {
        self.fast_hits.get()
    }

    /// Whether `request` may read the metrics.
    pub(crate) fn allows(&self, request: &Request) -> bool {
        let token = self.token.read().unwrap_or_else(|e| e.into_inner());
        let headers = request.headers();
        match token.as_deref() {
            Some(token) => headers
                .get(header::AUTHORIZATION)
                .and_then(|v| v.to_str().ok())
                .and_then(|v| v.strip_prefix("Bearer "))
                .is_some_and(|given| masthead_newsroom::secrets::same_secret(given, token)),
            None => {
                let local = request
                    .extensions()
                    .get::<ConnectInfo<SocketAddr>>()
                    .is_some_and(|ConnectInfo(addr)| addr.ip().is_loopback());
                let forwarded = headers.contains_key("forwarded") || headers.contains_key("x-forwarded-for");
                local && !forwarded
            }
        }
    }
}

impl Metrics {
    /// Sets the gauges read at scrape time, then writes every metric in the text format.
    pub(crate) fn render(&self, now: Gauges) -> Result<String, std::fmt::Error> {
        self.pool_open.set(now.pool_open);
        self.pool_idle.set(now.pool_idle);
        self.cache_pages.set(now.cache_pages);
        self.cache_bytes.set(now.cache_bytes);
        self.listener_up.set(i64::from(now.listener_up));
        self.listener_silence.set(now.listener_silence.map_or(f64::INFINITY, |d| d.as_secs_f64()));
        if let Some(depths) = now.queues {
            for (queue, depth) in [
                ("scheduled_due", depths.scheduled_due),
                ("sources_due", depths.sources_due),
                ("webmentions_pending", depths.webmentions_pending),
                ("changes_unannounced", depths.changes_unannounced),
                ("deliveries_waiting", depths.deliveries_waiting),
                ("activities_undelivered", depths.activities_undelivered),
                ("activities_unchecked", depths.activities_unchecked),
            ] {
                self.queues.get_or_create(&QueueLabels { queue }).set(depth);
            }
        }
        let mut body = String::new();
        prometheus_client::encoding::text::encode(&mut body, &self.registry)?;
        Ok(body)
    }
}

/// What the gauges show, read when scraped.
#[derive(Debug, Default)]
pub(crate) struct Gauges {
    pub pool_open: i64,
    pub pool_idle: i64,
    pub cache_pages: i64,
    pub cache_bytes: i64,
    pub listener_up: bool,
    pub listener_silence: Option<std::time::Duration>,
    /// `None` when the database could not say: the last depths read are shown.
    pub queues: Option<masthead_store::QueueDepths>,
}

/// The content type of the text format.
pub(crate) const CONTENT_TYPE: &str = "application/openmetrics-text; version=1.0.0; charset=utf-8";

impl Metrics {
    /// Counts a cache hit answered before every layer (which counts the rest).
    pub(crate) fn count_hit(&self, took: std::time::Duration) {
        self.fast_hits.inc();
        self.latency.observe(took.as_secs_f64());
        self.requests
            .get_or_create(&RequestLabels { status: StatusClass(2), cache: CacheOutcome::Hit })
            .inc();
    }
}

/// Counts every request and times it to its response's head.
pub(crate) async fn count(State(metrics): State<Arc<Metrics>>, request: Request, next: Next) -> Response {
    let started = Instant::now();
    let response = next.run(request).await;
    metrics.latency.observe(started.elapsed().as_secs_f64());
    let cache = match response.headers().get("x-cache").map(HeaderValue::as_bytes) {
        Some(b"hit") => CacheOutcome::Hit,
        Some(b"miss") => CacheOutcome::Miss,
        _ => CacheOutcome::Uncached,
    };
    let status = StatusClass(response.status().as_u16() / 100);
    metrics.requests.get_or_create(&RequestLabels { status, cache }).inc();
    response
}
