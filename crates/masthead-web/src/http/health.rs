//! `/healthz` and `/readyz`, for a load balancer or an orchestrator: alive (the process answers),
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
    Router::new().route("/healthz", get(alive)).route("/readyz", get(ready))
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
