//! The site's static pages (About, Contact …) and the front page, in the admin: editors and
//! above. Pages are written in the same rich-text editor as articles.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use masthead_core::site::FrontPage;
use masthead_core::{ArticleStatus, BodyFormat, StaticPage, TermKind};
use masthead_newsroom::error::Failure;
use masthead_newsroom::pages::{self, PageInput};
use masthead_newsroom::settings;

use crate::admin::form::{Pairs, field, signed_form};
use crate::admin::page::{admin_page, when};
use crate::http::auth::Staff;
use crate::http::error::{AppError, Result};
use crate::state::AppState;

/// `GET /admin/pages`.
pub(crate) async fn list(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    let site = state.store().site().await?;
    let items: Vec<_> = pages::list(state.newsroom(), &staff.user)
        .await
        ?
        .into_iter()
        .map(|p| minijinja::context! { id => p.id, title => p.title, path => p.path(), updated => when(p.updated_at, &site) })
        .collect();
    admin_page(
        &state,
        &site,
        &staff,
        StatusCode::OK,
        "admin-pages.html",
        minijinja::context! { items => items },
    )
}

#[derive(serde::Serialize, Default)]
struct PageForm {
    id: Option<i64>,
    title: String,
    slug: String,
    body: String,
    body_format: String,
    path: Option<String>,
}

impl PageForm {
    /// The form of a saved page.
    fn of(p: StaticPage) -> PageForm {
        PageForm {
            id: Some(p.id),
            path: Some(p.path()),
            title: p.title,
            slug: p.slug.to_string(),
            body: p.body.source,
            body_format: p.body.format.key().to_owned(),
        }
    }
}

async fn render(
    state: &AppState,
    staff: &Staff,
    form: &PageForm,
    status: StatusCode,
    error: Option<String>,
    notice: Option<&str>,
) -> Result<Response> {
    let site = state.store().site().await?;
    // A Markdown text is handed to the editor rendered, as articles' are.
    let editor_html = crate::admin::articles::editor_html(state, &form.body_format, &form.body).await;
    admin_page(
        state,
        &site,
        staff,
        status,
        "admin-page.html",
        minijinja::context! { p => form, editor_html => editor_html, error => error, notice => notice },
    )
}

/// `GET /admin/pages/new`.
pub(crate) async fn new_form(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    pages::list(state.newsroom(), &staff.user).await?;
    let form = PageForm { body_format: "html".into(), ..PageForm::default() };
    render(&state, &staff, &form, StatusCode::OK, None, None).await
}

/// `GET /admin/pages/{id}`.
pub(crate) async fn edit_form(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
) -> Result<Response> {
    let p = pages::find(state.newsroom(), &staff.user, id).await?;
    render(&state, &staff, &PageForm::of(p), StatusCode::OK, None, None).await
}

async fn save_page(
    state: &AppState,
    staff: &Staff,
    id: Option<i64>,
    pairs: &[(String, String)],
) -> Result<Response> {
    let raw = |key: &str| pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.clone()).unwrap_or_default();
    let input = PageInput {
        title: field(pairs, "title"),
        slug: field(pairs, "slug"),
        body: raw("body"),
        body_format: BodyFormat::from_key(&field(pairs, "body_format")).unwrap_or(BodyFormat::Markdown),
    };
    match pages::save(state.newsroom(), &staff.user, id, input.clone()).await {
        Ok(p) if id.is_none() => Ok(Redirect::to(&format!("/admin/pages/{}", p.id)).into_response()),
        Ok(p) => render(state, staff, &PageForm::of(p), StatusCode::OK, None, Some("Saved.")).await,
        Err(Failure::Invalid { message, .. } | Failure::Taken { message, .. }) => {
            let form = PageForm {
                id,
                title: input.title,
                slug: input.slug,
                body: input.body,
                body_format: input.body_format.key().to_owned(),
                path: None,
            };
            render(state, staff, &form, StatusCode::UNPROCESSABLE_ENTITY, Some(message), None).await
        }
        Err(other) => Err(other.into()),
    }
}

/// `POST /admin/pages/new`.
pub(crate) async fn create(
    State(state): State<AppState>,
    staff: Staff,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    save_page(&state, &staff, None, &pairs).await
}

/// `POST /admin/pages/{id}`.
pub(crate) async fn save(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    save_page(&state, &staff, Some(id), &pairs).await
}

/// `POST /admin/pages/{id}/delete`, once the box saying so is ticked.
pub(crate) async fn delete(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    if field(&pairs, "confirm") != "yes" {
        return Err(AppError::BadRequest("Tick \u{201c}yes, delete it\u{201d} to delete the page.".into()));
    }
    pages::delete(state.newsroom(), &staff.user, id).await?;
    Ok(Redirect::to("/admin/pages").into_response())
}

/// The front page's form: the lead story and pinned stories among the newest published
/// articles (or any, by number), and the regions and themes given a section.
async fn render_front(
    state: &AppState,
    staff: &Staff,
    status: StatusCode,
    error: Option<String>,
    notice: Option<&str>,
) -> Result<Response> {
    let site = state.store().site().await?;
    let front = &site.front_page;
    let mut recent = state.store().recent_articles(Some(ArticleStatus::Published), 60).await?;
    // Chosen stories older than the newest sixty are still offered.
    let listed: Vec<i64> = recent.iter().map(|r| r.0).collect();
    for id in front.lead.iter().chain(&front.pinned).filter(|id| !listed.contains(id)) {
        // One unpublished since is left out: saving the form drops it from the front.
        if let Ok(a) = state.store().article(*id).await
            && a.status == ArticleStatus::Published
        {
            recent.push((a.id, a.slug.clone(), a.title.clone(), a.status, a.updated_at));
        }
    }
    let stories: Vec<_> = recent
        .iter()
        .map(|(id, _, title, _, _)| {
            minijinja::context! { id => id, title => title, lead => front.lead == Some(*id),
            pinned => front.pinned.iter().position(|p| p == id).map(|p| p + 1) }
        })
        .collect();
    let mut terms = Vec::new();
    for (kind, label) in [(TermKind::Region, "Region"), (TermKind::Theme, "Theme")] {
        for t in state.store().terms(kind).await? {
            terms.push(minijinja::context! { id => t.id, name => format!("{label}: {}", t.name),
            chosen => front.sections.contains(&t.id) });
        }
    }
    admin_page(
        state,
        &site,
        staff,
        status,
        "admin-front.html",
        minijinja::context! { stories => stories, terms => terms, error => error, notice => notice },
    )
}

/// `GET /admin/front`.
pub(crate) async fn front_form(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    if !staff.user.may(masthead_core::Action::EditAnyArticle) {
        return Err(AppError::Forbidden("Editors and above curate the front page.".into()));
    }
    render_front(&state, &staff, StatusCode::OK, None, None).await
}

/// `POST /admin/front`.
pub(crate) async fn save_front(
    State(state): State<AppState>,
    staff: Staff,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let pairs = signed_form(&staff, form)?;
    let number = |v: &str| v.trim().parse::<i64>().ok();
    // Pinned stories by the order given to each (a number), then as listed.
    let mut pinned: Vec<(usize, i64)> = pairs
        .iter()
        .filter_map(|(k, v)| {
            let id = number(k.strip_prefix("pin_")?)?;
            let at = v.trim().parse::<usize>().ok().filter(|n| *n > 0)?;
            Some((at, id))
        })
        .collect();
    pinned.sort();
    let front = FrontPage {
        lead: number(&field(&pairs, "lead")),
        pinned: pinned.into_iter().map(|(_, id)| id).collect(),
        sections: pairs.iter().filter(|(k, _)| k == "section").filter_map(|(_, v)| number(v)).collect(),
    };
    match settings::curate_front_page(state.newsroom(), &staff.user, front).await {
        Ok(_) => {
            render_front(&state, &staff, StatusCode::OK, None, Some("Saved: the home page shows it now."))
                .await
        }
        Err(Failure::Invalid { message, .. }) => {
            render_front(&state, &staff, StatusCode::UNPROCESSABLE_ENTITY, Some(message), None).await
        }
        Err(other) => Err(other.into()),
    }
}
