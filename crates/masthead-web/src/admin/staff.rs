//! Staff accounts in the admin: who may sign in, with which role and under which byline.
//! Administrators add and change staff; only the owner makes or changes an owner; nobody
//! changes their own role or locks themselves out. A new colleague gets a link to choose a
//! password (mailed, or written to the log without a mail server), so no password is ever
//! typed by someone else.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use masthead_core::account::normalize_email;
use masthead_core::{Action, Role, User};
use masthead_store::{NewUser, StoreError};

use crate::admin::form::{Pairs, field, signed_form};
use crate::admin::page::admin_page;
use crate::http::auth::Staff;
use crate::http::error::{AppError, Result};
use crate::state::AppState;
use masthead_newsroom::accounts::send_password_reset;
use masthead_newsroom::mail::Delivery;

/// A password hash no password matches: the account signs in only after choosing one.
const NO_PASSWORD_YET: &str = "!";

fn manager(staff: &Staff) -> Result<()> {
    if staff.user.role.may(Action::ManageStaff) {
        Ok(())
    } else {
        Err(AppError::Forbidden("Only administrators manage staff accounts.".into()))
    }
}

/// Why `staff` may not give `target` (or a new account, when `None`) the role `role`.
fn role_refusal(staff: &User, target: Option<&User>, role: Role) -> Option<&'static str> {
    let owner = staff.role == Role::Owner;
    if target.is_some_and(|t| t.id == staff.id) && role != staff.role {
        Some("You cannot change your own role; ask another administrator.")
    } else if (role == Role::Owner || target.is_some_and(|t| t.role == Role::Owner)) && !owner {
        Some("Only the owner makes or changes an owner.")
    } else {
        None
    }
}

async fn render(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    error: Option<String>,
    notice: Option<String>,
) -> Result<Response> {
    let site = state.store().site().await?;
    let authors = state.store().authors().await?;
    let people: Vec<_> = state
        .store()
        .staff_list()
        .await?
        .into_iter()
        .map(|(u, disabled)| {
            minijinja::context! {
                id => u.id, name => u.name, email => u.email, role => u.role.key(), author_id => u.author_id,
                disabled => disabled, me => u.id == staff.user.id,
            }
        })
        .collect();
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

pub(crate) async fn list(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    manager(&staff)?;
    render(&state, &staff, StatusCode::OK, None, None).await
}

pub(crate) async fn add(
    State(state): State<AppState>,
    staff: Staff,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    manager(&staff)?;
    let pairs = signed_form(&staff, form)?;
    let refuse = |error: String| render(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, Some(error), None);
    let Some(email) = normalize_email(&field(&pairs, "email")) else {
        return refuse("Give the colleague's e-mail address.".into()).await;
    };
    let name = field(&pairs, "name");
    if name.is_empty() {
        return refuse("Give the colleague's name.".into()).await;
    }
    let role = match field(&pairs, "role").parse::<Role>() {
        Ok(role) => role,
        Err(e) => return refuse(e.to_string()).await,
    };
    if let Some(why) = role_refusal(&staff.user, None, role) {
        return refuse(why.into()).await;
    }
    let new = NewUser {
        email,
        name,
        role,
        password_hash: NO_PASSWORD_YET.into(),
        author_id: field(&pairs, "author_id").parse().ok(),
    };
    let user = match state.store().create_user(&new).await {
        Ok(user) => user,
        Err(StoreError::Conflict { .. }) => {
            return refuse(format!("{} already has an account.", new.email)).await;
        }
        Err(StoreError::Invalid(m)) => return refuse(format!("The account cannot be made: {m}.")).await,
        Err(e) => return Err(e.into()),
    };
    state
        .store()
        .audit(Some(staff.user.id), "staff added", &format!("{} ({})", user.email, user.role))
        .await?;
    let site = state.store().site().await?;
    let notice = match send_password_reset(state.store(), state.mailer(), &site, &user).await {
        Ok((_, Delivery::Sent)) => format!("{} was added and sent a link to choose a password.", user.name),
        Ok((_, Delivery::Logged)) => format!(
            "{} was added. No mail server is configured: the link to choose a password is in the server's log.",
            user.name
        ),
        Err(e) => {
            tracing::error!(error = %e, "could not send a new colleague's link");
            format!("{} was added, but the link could not be sent; use \"Forgot your password\".", user.name)
        }
    };
    render(&state, &staff, StatusCode::CREATED, None, Some(notice)).await
}

pub(crate) async fn update(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    manager(&staff)?;
    let pairs = signed_form(&staff, form)?;
    let target = state.store().user(id).await?;
    let refuse = |error: String| render(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, Some(error), None);
    let role = match field(&pairs, "role").parse::<Role>() {
        Ok(role) => role,
        Err(e) => return refuse(e.to_string()).await,
    };
    if let Some(why) = role_refusal(&staff.user, Some(&target), role) {
        return refuse(why.into()).await;
    }
    let disabled = field(&pairs, "disabled") == "on";
    if disabled && id == staff.user.id {
        return refuse("You cannot disable your own account.".into()).await;
    }
    let name = Some(field(&pairs, "name")).filter(|n| !n.is_empty()).unwrap_or(target.name.clone());
    let author_id = field(&pairs, "author_id").parse().ok();
    match state.store().update_staff(id, &name, role, author_id, disabled).await {
        Ok(user) => {
            let what = if disabled { "disabled".to_owned() } else { user.role.to_string() };
            state
                .store()
                .audit(Some(staff.user.id), "staff changed", &format!("{} ({what})", user.email))
                .await?;
            Ok(Redirect::to("/admin/staff").into_response())
        }
        Err(StoreError::Invalid(m)) => refuse(format!("The account cannot be changed: {m}.")).await,
        Err(e) => Err(e.into()),
    }
}
