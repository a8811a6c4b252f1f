//! ActivityPub's addresses: WebFinger and NodeInfo, the outlet's and its authors' actor
//! documents with their outboxes and collections, our articles as objects, the activities we
//! sent, and the inboxes. Reads answer what `masthead_newsroom::federation` says; an inbox
//! keeps what it is sent (after reading its signature's key id) and answers 202: the job checks
//! the signature and does it, since that may mean fetching a key from the sender's server.
//! Errors are JSON (`{"error": …}`), never a themed page: only servers read these.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use masthead_formats::activitypub::ActorKey;
use masthead_newsroom::error::Failure;
use masthead_newsroom::federation::{self, ObjectAnswer, Received};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::http::auth::ClientIp;
use crate::state::AppState;

const ACTIVITY_JSON: &str = "application/activity+json; charset=utf-8";

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/.well-known/webfinger", get(webfinger))
        .route("/.well-known/nodeinfo", get(nodeinfo_links))
        .route("/nodeinfo/2.1", get(nodeinfo))
        .route("/ap/inbox", post(shared_inbox))
        .route("/ap/outlet", get(outlet))
        .route("/ap/outlet/inbox", post(outlet_inbox))
        .route("/ap/outlet/{collection}", get(outlet_collection))
        .route("/ap/authors/{id}", get(author))
        .route("/ap/authors/{id}/inbox", post(author_inbox))
        .route("/ap/authors/{id}/{collection}", get(author_collection))
        .route("/ap/articles/{id}", get(object))
        .route("/ap/activities/{*rest}", get(activity))
        .layer(axum::extract::DefaultBodyLimit::max(federation::MAX_ACTIVITY_BYTES))
}

fn answer(status: StatusCode, content_type: &'static str, doc: &Value) -> Response {
    (
        status,
        [(header::CONTENT_TYPE, content_type), (header::ACCESS_CONTROL_ALLOW_ORIGIN, "*")],
        doc.to_string(),
    )
        .into_response()
}

fn failure(f: Failure) -> Response {
    let status = match &f {
        Failure::NotFound(_) => StatusCode::NOT_FOUND,
        Failure::Forbidden(_) | Failure::NotPermitted { .. } => StatusCode::UNAUTHORIZED,
        Failure::Unavailable(_) => StatusCode::SERVICE_UNAVAILABLE,
        Failure::Internal(_) | Failure::DiskFull(_) => {
            tracing::error!(error = %f, "a federation request failed");
            StatusCode::INTERNAL_SERVER_ERROR
        }
        _ => StatusCode::BAD_REQUEST,
    };
    let message = match status {
        StatusCode::INTERNAL_SERVER_ERROR => "something went wrong on our side".to_string(),
        _ => f.to_string(),
    };
    answer(status, "application/json; charset=utf-8", &json!({ "error": message }))
}

fn document(result: Result<Value, Failure>) -> Response {
    match result {
        Ok(doc) => answer(StatusCode::OK, ACTIVITY_JSON, &doc),
        Err(f) => failure(f),
    }
}

#[derive(Deserialize)]
struct Resource {
    resource: Option<String>,
}

async fn webfinger(State(state): State<AppState>, Query(q): Query<Resource>) -> Response {
    let Some(resource) = q.resource.filter(|r| !r.is_empty()) else {
        return failure(Failure::Invalid { field: "resource", message: "WebFinger needs a resource".into() });
    };
    match federation::webfinger(state.newsroom(), &resource).await {
        Ok(doc) => answer(StatusCode::OK, "application/jrd+json; charset=utf-8", &doc),
        Err(f) => failure(f),
    }
}

async fn nodeinfo_links(State(state): State<AppState>) -> Response {
    match state.site().await {
        Ok(site) => answer(
            StatusCode::OK,
            "application/json; charset=utf-8",
            &masthead_formats::activitypub::nodeinfo_links(&site),
        ),
        Err(_) => failure(Failure::Unavailable("settings".into())),
    }
}

async fn nodeinfo(State(state): State<AppState>) -> Response {
    match federation::nodeinfo(state.newsroom()).await {
        Ok(doc) => answer(
            StatusCode::OK,
            "application/json; profile=\"http://nodeinfo.diaspora.software/ns/schema/2.1#\"",
            &doc,
        ),
        Err(f) => failure(f),
    }
}

async fn outlet(State(state): State<AppState>) -> Response {
    document(federation::actor_document(state.newsroom(), ActorKey::Outlet).await)
}

async fn author(State(state): State<AppState>, Path(id): Path<i64>) -> Response {
    document(federation::actor_document(state.newsroom(), ActorKey::Author(id)).await)
}

#[derive(Deserialize)]
struct PageQuery {
    page: Option<String>,
}

async fn collection(state: &AppState, actor: ActorKey, name: &str, page: Option<&str>) -> Response {
    let newsroom = state.newsroom();
    document(match name {
        "outbox" => federation::outbox(newsroom, actor, page).await,
        "followers" => federation::followers(newsroom, actor).await,
        "featured" => federation::featured(newsroom, actor).await,
        "following" => federation::empty_collection(newsroom, actor, name).await,
        _ => Err(Failure::NotFound("no such collection".into())),
    })
}

async fn outlet_collection(
    State(state): State<AppState>,
    Path(name): Path<String>,
    Query(q): Query<PageQuery>,
) -> Response {
    collection(&state, ActorKey::Outlet, &name, q.page.as_deref()).await
}

async fn author_collection(
    State(state): State<AppState>,
    Path((id, name)): Path<(i64, String)>,
    Query(q): Query<PageQuery>,
) -> Response {
    collection(&state, ActorKey::Author(id), &name, q.page.as_deref()).await
}

async fn object(State(state): State<AppState>, Path(id): Path<i64>) -> Response {
    match federation::object(state.newsroom(), id).await {
        Ok(ObjectAnswer::Found(doc)) => answer(StatusCode::OK, ACTIVITY_JSON, &doc),
        Ok(ObjectAnswer::Gone(doc)) => answer(StatusCode::GONE, ACTIVITY_JSON, &doc),
        Err(f) => failure(f),
    }
}

async fn activity(State(state): State<AppState>, uri: Uri) -> Response {
    let site = match state.site().await {
        Ok(site) => site,
        Err(_) => return failure(Failure::Unavailable("settings".into())),
    };
    document(federation::activity(state.newsroom(), &site.url(uri.path())).await)
}

async fn shared_inbox(
    state: State<AppState>,
    ip: ClientIp,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    inbox(state, ip, "shared".into(), uri, headers, body).await
}

async fn outlet_inbox(
    state: State<AppState>,
    ip: ClientIp,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    inbox(state, ip, ActorKey::Outlet.key(), uri, headers, body).await
}

async fn author_inbox(
    state: State<AppState>,
    ip: ClientIp,
    Path(id): Path<i64>,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    inbox(state, ip, ActorKey::Author(id).key(), uri, headers, body).await
}

/// Takes an activity: limited per sending address, signed (its key id read), kept.
async fn inbox(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    inbox: String,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if !state.federation_limits().admit(&ip) {
        return (
            StatusCode::TOO_MANY_REQUESTS,
            [(header::RETRY_AFTER, "60")],
            "Too many activities from your address.\n",
        )
            .into_response();
    }
    let site = match state.site().await {
        Ok(site) => site,
        Err(_) => return failure(Failure::Unavailable("settings".into())),
    };
    // The address the sender signed: ours, as the site names itself, with the path asked for.
    let target = site.url(uri.path_and_query().map_or(uri.path(), |p| p.as_str()));
    let headers: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(name, value)| {
            Some((name.as_str().to_ascii_lowercase(), value.to_str().ok()?.to_string()))
        })
        .collect();
    match federation::receive(state.newsroom(), &inbox, &target, &headers, &body, jiff::Timestamp::now())
        .await
    {
        Ok(Received::Queued | Received::Ignored) => StatusCode::ACCEPTED.into_response(),
        Err(f) => failure(f),
    }
}
