//! Staff accounts in the admin: who may sign in, with which role and under which byline. The
//! rules (administrators only; only the owner makes or changes an owner; nobody changes their
//! own role or locks themselves out; a new colleague gets a link to choose their password) are
//! `masthead_newsroom::staff`'s; this page reads the form and shows the outcome.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use masthead_core::Role;
use masthead_newsroom::error::Failure;
use masthead_newsroom::mail::Delivery;
use masthead_newsroom::staff::{self, Actor, FirstPassword, NewColleague, StaffChange};

use crate::admin::form::{Pairs, field, signed_form};
use crate::admin::page::admin_page;
use crate::http::auth::Staff;
use crate::http::error::Result;
use crate::state::AppState;

async fn render(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response> {
    let people: Vec<_> = staff::list(state.newsroom(), &staff.user)
        .await?
        .into_iter()
        .map(|c| {
            let u = c.user;
            minijinja::context! {
                id => u.id, name => u.name, email => u.email, role => u.role.key(), author_id => u.author_id,
                disabled => c.disabled, me => u.id == staff.user.id,
            }
        })
        .collect();
    let site = state.store().site().await?;
    let authors = state.store().authors().await?;
    let roles: Vec<&str> = Role::ALL.iter().rev().map(|r| r.key()).collect();
    let authors: Vec<_> =
        authors.into_iter().map(|a| minijinja::context! { id => a.id, name => a.name }).collect();
    admin_page(
        state,
        &site,
        staff,
        status,
        "admin-staff.html",
        minijinja::context! { people => people,
        roles => roles, authors => authors, error => error, notice => notice },
    )
}

/// A refusal to show beside the form, or an error page for what is not the form's fault.
async fn refuse(state: &AppState, staff: &Staff, failure: Failure) -> Result<Response> {
    let error = match failure {
        Failure::Invalid { message, .. } | Failure::Taken { message, .. } => message,
        other => return Err(other.into()),
    };
    render(state, staff, StatusCode::UNPROCESSABLE_ENTITY, Some(error), None).await
}

pub(crate) async fn list(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    render(&state, &staff, StatusCode::OK, None, None).await
}

pub(crate) async fn add(
    State(state): State<AppState>,
    staff: Staff,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    let role = match field(&pairs, "role").parse::<Role>() {
        Ok(role) => role,
        Err(e) => return refuse(&state, &staff, Failure::invalid("role", e.to_string())).await,
    };
    let new = NewColleague {
        email: field(&pairs, "email"),
        name: field(&pairs, "name"),
        role,
        author_id: field(&pairs, "author_id").parse().ok(),
    };
    let added =
        match staff::add(state.newsroom(), Actor::Staff(&staff.user), new, FirstPassword::Invite).await {
            Ok(added) => added,
            Err(failure) => return refuse(&state, &staff, failure).await,
        };
    let name = &added.user.name;
    let notice = match added.invitation {
        Some(Ok(Delivery::Sent)) => format!("{name} was added and sent a link to choose a password."),
        Some(Ok(Delivery::Logged)) => format!(
            "{name} was added. No mail server is configured: the link to choose a password is in the server's log."
        ),
        Some(Err(_)) => {
            format!("{name} was added, but the link could not be sent; use \"Forgot your password\".")
        }
        None => format!("{name} was added."),
    };
    render(&state, &staff, StatusCode::CREATED, None, Some(notice)).await
}

pub(crate) async fn update(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    let role = match field(&pairs, "role").parse::<Role>() {
        Ok(role) => role,
        Err(e) => return refuse(&state, &staff, Failure::invalid("role", e.to_string())).await,
    };
    let change = StaffChange {
        name: field(&pairs, "name"),
        role,
        author_id: field(&pairs, "author_id").parse().ok(),
        disabled: field(&pairs, "disabled") == "on",
    };
    match staff::change(state.newsroom(), &staff.user, id, change).await {
        Ok(_) => Ok(Redirect::to("/admin/staff").into_response()),
        Err(failure) => refuse(&state, &staff, failure).await,
    }
}
