//! `/healthz`, `/readyz` and `/metrics` (`metrics.rs`), for a load balancer, an orchestrator or a
//! monitoring system. `/healthz` and `/readyz`: alive (the process answers),
//! and ready (the database answers, and on PostgreSQL this node hears the other nodes' changes,
//! so its cache cannot serve pages that went stale elsewhere). Never cached, never themed.

use axum::Json;
use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::state::AppState;

pub(crate) fn router() -> Router<AppState> {
    Router::new().route("/healthz", get(alive)).route("/readyz", get(ready)).route("/metrics", get(metrics))
}

async fn alive() -> Response {
    private(StatusCode::OK, Json(serde_json::json!({ "status": "alive" })).into_response())
}

async fn ready(State(state): State<AppState>) -> Response {
    let database = state.store().ping().await.is_ok();
    let listener = state.store().hears_other_nodes();
    let status = if database && listener { StatusCode::OK } else { StatusCode::SERVICE_UNAVAILABLE };
    let body = serde_json::json!({
        "status": if status == StatusCode::OK { "ready" } else { "not ready" },
        "database": if database { "reachable" } else { "unreachable" },
        "listener": if listener { "live" } else { "not listening" },
    });
    private(status, Json(body).into_response())
}

fn private(status: StatusCode, mut response: Response) -> Response {
    *response.status_mut() = status;
    response.headers_mut().insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    response
}

/// `GET /metrics`, for those [`Metrics::allows`](crate::http::metrics::Metrics) (a 404 for
/// everyone else, as if there were none).
async fn metrics(State(state): State<AppState>, request: axum::extract::Request) -> Response {
    let metrics = state.metrics();
    if !metrics.allows(&request) {
        return StatusCode::NOT_FOUND.into_response();
    }
    let store = state.store();
    let (open, idle) = store.connections();
    let (pages, bytes) = state.page_cache().usage();
    let queues = match store.queue_depths(jiff::Timestamp::now()).await {
        Ok(depths) => Some(depths),
        // The rest is still worth reading while the database is away.
        Err(e) => {
            tracing::warn!(error = %e, "could not read the job queues for the metrics");
            None
        }
    };
    let gauges = crate::http::metrics::Gauges {
        pool_open: i64::from(open),
        pool_idle: i64::try_from(idle).unwrap_or(i64::MAX),
        cache_pages: i64::try_from(pages).unwrap_or(i64::MAX),
        cache_bytes: i64::try_from(bytes).unwrap_or(i64::MAX),
        listener_up: store.hears_other_nodes(),
        listener_silence: store.listener_silence(),
        queues,
    };
    match metrics.render(gauges) {
        Ok(body) => private(
            StatusCode::OK,
            ([(header::CONTENT_TYPE, HeaderValue::from_static(crate::http::metrics::CONTENT_TYPE))], body)
                .into_response(),
        ),
        Err(e) => {
            tracing::error!(error = %e, "could not write the metrics");
            StatusCode::INTERNAL_SERVER_ERROR.into_response()
        }
    }
}
