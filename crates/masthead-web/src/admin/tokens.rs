//! Admin API tokens in the admin: each staff member makes and revokes their own
//! (`masthead_newsroom::tokens`). A token is shown once, when it is made; only its hash is kept.
//! A token acts with its owner's role, no further than its scope, until it expires.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use masthead_core::Scope;
use masthead_newsroom::error::Failure;
use masthead_newsroom::staff::Actor;
use masthead_newsroom::tokens;

use crate::admin::form::{Pairs, field, signed_form};
use crate::admin::page::{admin_page, when};
use crate::http::auth::Staff;
use crate::http::error::Result;
use crate::state::AppState;

async fn render(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    created: Option<(String, String)>,
    error: Option<String>,
) -> Result<Response> {
    let site = state.store().site().await?;
    let tokens: Vec<_> = tokens::list(state.newsroom(), &staff.user)
        .await?
        .into_iter()
        .map(|t| {
            minijinja::context! {
                id => t.id, name => t.name, scope => t.scope.key(), created => when(t.created_at, &site),
                expires => when(t.expires_at, &site), expired => t.expires_at <= jiff::Timestamp::now(),
                used => t.last_used_at.map(|u| when(u, &site)),
            }
        })
        .collect();
    admin_page(
        state,
        &site,
        staff,
        status,
        "admin-tokens.html",
        minijinja::context! { tokens => tokens, default_days => tokens::DEFAULT_DAYS, max_days => tokens::MAX_DAYS,
        created => created.map(|(name, token)| minijinja::context! { name => name, token => token }),
        error => error },
    )
}

pub(crate) async fn list(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    render(&state, &staff, StatusCode::OK, None, None).await
}

pub(crate) async fn create(
    State(state): State<AppState>,
    staff: Staff,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    let name = field(&pairs, "name");
    // Read unless asked for more, as on the command line.
    let scope = match field(&pairs, "scope").trim() {
        "" => Ok(Scope::Read),
        scope => scope.parse::<Scope>(),
    };
    let Ok(scope) = scope else {
        let message = "Choose what the token may do: read, write or publish.".to_owned();
        return render(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, None, Some(message)).await;
    };
    let days = match field(&pairs, "expires_days").trim() {
        "" => tokens::DEFAULT_DAYS,
        days => days.parse().unwrap_or(0),
    };
    let new = tokens::NewToken { name: name.clone(), scope, days };
    match tokens::create(state.newsroom(), Actor::Staff(&staff.user), &staff.user, &new).await {
        Ok(secret) => render(&state, &staff, StatusCode::CREATED, Some((name, secret)), None).await,
        Err(Failure::Invalid { message, .. }) => {
            render(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, None, Some(message)).await
        }
        Err(other) => Err(other.into()),
    }
}

pub(crate) async fn revoke(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    signed_form(&staff, form)?;
    tokens::revoke(state.newsroom(), &staff.user, id).await?;
    Ok(Redirect::to("/admin/tokens").into_response())
}
