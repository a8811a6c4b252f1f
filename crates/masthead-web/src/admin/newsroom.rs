//! The newsroom's lists in the admin: authors (with their one-line bios and links), terms
//! (regions, themes and tags, with parents) and partner outlets. Editors and above manage them.
//! Each kind has one page that lists the records with a form for a new one, and one page per
//! record to change it. The checks are the Admin API's, so both refuse the same things.

use axum::Form;
use axum::extract::rejection::FormRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use masthead_core::{Action, AuthorLink, TermKind};
use serde::Serialize;

use crate::admin::form::{Pairs, field, signed_form};
use crate::admin::page::admin_page;
use crate::http::auth::Staff;
use crate::http::error::{AppError, Result};
use crate::state::AppState;
use masthead_newsroom::catalogue::{self, AuthorRequest, OutletRequest, TermRequest};
use masthead_newsroom::error::{Failure, Outcome};

/// One input of a record's form.
#[derive(Debug, Serialize)]
struct Field {
    name: &'static str,
    label: &'static str,
    /// `text`, `long` or `select`.
    kind: &'static str,
    value: String,
    options: Vec<Choice>,
}

#[derive(Debug, Serialize)]
struct Choice {
    value: String,
    label: String,
    selected: bool,
}

impl Field {
    fn text(name: &'static str, label: &'static str, value: impl Into<String>) -> Field {
        Field { name, label, kind: "text", value: value.into(), options: vec![] }
    }

    fn long(name: &'static str, label: &'static str, value: impl Into<String>) -> Field {
        Field { kind: "long", ..Field::text(name, label, value) }
    }

    fn select(
        name: &'static str,
        label: &'static str,
        chosen: &str,
        options: Vec<(String, String)>,
    ) -> Field {
        let options = options
            .into_iter()
            .map(|(value, label)| Choice { selected: value == chosen, value, label })
            .collect();
        Field { name, label, kind: "select", value: chosen.to_owned(), options }
    }
}

/// A line of the list of records.
#[derive(Debug, Serialize)]
struct Row {
    name: String,
    url: String,
    detail: String,
}

/// What one of these pages shows.
struct Page {
    title: &'static str,
    intro: &'static str,
    rows: Vec<Row>,
    action: String,
    form_title: String,
    fields: Vec<Field>,
    /// A term being edited: the others of its kind it may be merged into (value, label).
    merge: Option<(String, Vec<(String, String)>)>,
    /// A record that may be deleted: where its delete form posts.
    delete: Option<String>,
}

fn manager(staff: &Staff) -> Result<()> {
    if staff.user.role.may(Action::ManageAuthorsAndTerms) {
        Ok(())
    } else {
        Err(AppError::Forbidden("Only editors and administrators manage authors, terms and outlets.".into()))
    }
}

fn optional_id(pairs: &Pairs, key: &str) -> Option<i64> {
    field(pairs, key).parse().ok()
}

async fn render(
    state: &AppState,
    staff: &Staff,
    page: Page,
    status: StatusCode,
    error: Option<String>,
    notice: Option<&str>,
) -> Result<Response> {
    let site = state.store().site().await?;
    admin_page(
        state,
        &site,
        staff,
        status,
        "admin-records.html",
        minijinja::context! { title => page.title, intro => page.intro, rows => page.rows, action => page.action,
        form_title => page.form_title, fields => page.fields, merge => page.merge, delete => page.delete,
        error => error, notice => notice },
    )
}

/// "Saved." after the redirect that follows a save.
fn saved_notice(query: Option<String>) -> Option<&'static str> {
    (query.as_deref() == Some("saved")).then_some("Saved.")
}

/// What to tell the editor about a change the store refused.
/// A save's outcome: the saved record's id, or what to tell the editor beside the form. A
/// missing record, a role's limits and our own faults are errors of the page instead.
fn outcome(saved: Outcome<i64>) -> Result<std::result::Result<i64, String>> {
    match saved {
        Ok(id) => Ok(Ok(id)),
        Err(Failure::NotFound(_)) => Err(AppError::NotFound),
        Err(Failure::Forbidden(m)) => Err(AppError::Forbidden(m)),
        Err(Failure::Internal(m)) => Err(AppError::Internal(m)),
        Err(other) => {
            let message = other.to_string();
            let mut chars = message.chars();
            let first = chars.next().map(|c| c.to_uppercase().collect::<String>()).unwrap_or_default();
            let sentence = format!("{first}{}", chars.as_str());
            Ok(Err(if sentence.ends_with('.') { sentence } else { format!("{sentence}.") }))
        }
    }
}

// Authors ----------------------------------------------------------------------------------

/// "Label https://…" per line, as the form shows an author's links.
fn links_text(links: &[AuthorLink]) -> String {
    links.iter().map(|l| format!("{} {}", l.label, l.url)).collect::<Vec<_>>().join("\n")
}

fn parse_links(text: &str) -> std::result::Result<Vec<AuthorLink>, String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .enumerate()
        .map(|(i, line)| {
            let (label, url) = line.rsplit_once(' ').unwrap_or(("Website", line));
            let url = masthead_core::AbsoluteUrl::parse(url).map_err(|_| {
                format!("Link line {}: end the line with the link's address (https://…).", i + 1)
            })?;
            Ok(AuthorLink { label: label.trim().to_owned(), url })
        })
        .collect()
}

async fn author_page(state: &AppState, editing: Option<i64>, pairs: Option<&Pairs>) -> Result<Page> {
    let authors = state.store().authors().await?;
    let outlets = state.store().outlets().await?;
    let outlet_name = |id: Option<i64>| {
        id.and_then(|id| outlets.iter().find(|o| o.id == id)).map(|o| o.name.clone()).unwrap_or_default()
    };
    let rows = authors
        .iter()
        .map(|a| Row {
            name: a.name.clone(),
            url: format!("/admin/authors/{}", a.id),
            detail: match a.outlet_id {
                Some(id) => format!("writes for {}", outlet_name(Some(id))),
                None => a.bio.clone(),
            },
        })
        .collect();
    let current = editing.and_then(|id| authors.iter().find(|a| a.id == id));
    let value = |key: &str, saved: String| pairs.map(|p| field(p, key)).unwrap_or(saved);
    let mut outlet_options = vec![(String::new(), "One of ours".to_owned())];
    outlet_options.extend(outlets.iter().map(|o| (o.id.to_string(), o.name.clone())));
    let fields = vec![
        Field::text("name", "Name", value("name", current.map(|a| a.name.clone()).unwrap_or_default())),
        Field::text(
            "slug",
            "Address (made from the name when empty)",
            value("slug", current.map(|a| a.slug.to_string()).unwrap_or_default()),
        ),
        Field::long(
            "bio",
            "One-line bio, printed under each article",
            value("bio", current.map(|a| a.bio.clone()).unwrap_or_default()),
        ),
        Field::long(
            "links",
            "Links, one per line: a label, then the address",
            value("links", current.map(|a| links_text(&a.links)).unwrap_or_default()),
        ),
        Field::select(
            "outlet_id",
            "Writes for",
            &value("outlet_id", current.and_then(|a| a.outlet_id).map(|i| i.to_string()).unwrap_or_default()),
            outlet_options,
        ),
    ];
    Ok(Page {
        title: "Authors",
        intro: "Everyone who has a byline here: our own writers and partners' authors.",
        rows,
        action: editing.map(|id| format!("/admin/authors/{id}")).unwrap_or_else(|| "/admin/authors".into()),
        form_title: current.map(|a| format!("Edit {}", a.name)).unwrap_or_else(|| "New author".into()),
        fields,
        merge: None,
        delete: editing.map(|id| format!("/admin/authors/{id}/delete")),
    })
}

pub(crate) async fn authors(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    manager(&staff)?;
    let page = author_page(&state, None, None).await?;
    render(&state, &staff, page, StatusCode::OK, None, None).await
}

pub(crate) async fn author(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    manager(&staff)?;
    state.store().author(id).await?;
    let page = author_page(&state, Some(id), None).await?;
    render(&state, &staff, page, StatusCode::OK, None, saved_notice(q)).await
}

async fn save_author(
    state: AppState,
    staff: Staff,
    id: Option<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    manager(&staff)?;
    let pairs = signed_form(&staff, form)?;
    let saved = match parse_links(&field(&pairs, "links")) {
        Err(error) => Err(Failure::invalid("links", error)),
        Ok(links) => {
            let request = AuthorRequest {
                name: field(&pairs, "name"),
                slug: Some(field(&pairs, "slug")),
                bio: field(&pairs, "bio"),
                links,
                outlet_id: optional_id(&pairs, "outlet_id"),
            };
            catalogue::save_author(state.newsroom(), &staff.user, id, request).await.map(|a| a.id)
        }
    };
    match outcome(saved)? {
        Ok(saved) => Ok(Redirect::to(&format!("/admin/authors/{saved}?saved")).into_response()),
        Err(error) => {
            let page = author_page(&state, id, Some(&pairs)).await?;
            render(&state, &staff, page, StatusCode::UNPROCESSABLE_ENTITY, Some(error), None).await
        }
    }
}

pub(crate) async fn create_author(
    State(state): State<AppState>,
    staff: Staff,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    save_author(state, staff, None, form).await
}

pub(crate) async fn update_author(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    save_author(state, staff, Some(id), form).await
}

// Terms ------------------------------------------------------------------------------------

async fn term_page(state: &AppState, editing: Option<i64>, pairs: Option<&Pairs>) -> Result<Page> {
    let mut all = Vec::new();
    for kind in TermKind::ALL {
        all.extend(state.store().terms(kind).await?);
    }
    let name_of = |id: Option<i64>| {
        id.and_then(|id| all.iter().find(|t| t.id == id)).map(|t| t.name.clone()).unwrap_or_default()
    };
    let rows = all
        .iter()
        .map(|t| Row {
            name: t.name.clone(),
            url: format!("/admin/terms/{}", t.id),
            detail: match t.parent_id {
                Some(p) => format!("{}, within {}", t.kind.label(), name_of(Some(p))),
                None => t.kind.label().to_owned(),
            },
        })
        .collect();
    let current = editing.and_then(|id| all.iter().find(|t| t.id == id));
    let value = |key: &str, saved: String| pairs.map(|p| field(p, key)).unwrap_or(saved);
    let kinds = TermKind::ALL.iter().map(|k| (k.key().to_owned(), k.label().to_owned())).collect();
    let mut parents = vec![(String::new(), "None".to_owned())];
    parents.extend(
        all.iter()
            .filter(|t| Some(t.id) != editing)
            .map(|t| (t.id.to_string(), format!("{}: {}", t.kind.label(), t.name))),
    );
    let fields = vec![
        Field::select(
            "kind",
            "Kind",
            &value("kind", current.map(|t| t.kind.key().to_owned()).unwrap_or_else(|| "region".into())),
            kinds,
        ),
        Field::text("name", "Name", value("name", current.map(|t| t.name.clone()).unwrap_or_default())),
        Field::text(
            "slug",
            "Address (made from the name when empty)",
            value("slug", current.map(|t| t.slug.to_string()).unwrap_or_default()),
        ),
        Field::long(
            "description",
            "Description, shown on its archive page",
            value("description", current.map(|t| t.description.clone()).unwrap_or_default()),
        ),
        Field::select(
            "parent_id",
            "Within (a region within a larger one, and so on)",
            &value("parent_id", current.and_then(|t| t.parent_id).map(|i| i.to_string()).unwrap_or_default()),
            parents,
        ),
    ];
    Ok(Page {
        title: "Regions, themes and tags",
        intro: "The terms articles are filed under. A region may lie within another; its archive then lists both.",
        rows,
        action: editing.map(|id| format!("/admin/terms/{id}")).unwrap_or_else(|| "/admin/terms".into()),
        form_title: current.map(|t| format!("Edit {}", t.name)).unwrap_or_else(|| "New term".into()),
        fields,
        merge: current.map(|t| {
            let others = all
                .iter()
                .filter(|o| o.kind == t.kind && o.id != t.id)
                .map(|o| (o.id.to_string(), o.name.clone()))
                .collect();
            (format!("/admin/terms/{}/merge", t.id), others)
        }),
        delete: None,
    })
}

/// `POST /admin/terms/{id}/merge`: the term's articles filed under another, its addresses sent
/// there, and the term gone; once the box saying so is ticked.
pub(crate) async fn merge_term(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    manager(&staff)?;
    let pairs = signed_form(&staff, form)?;
    let into = field(&pairs, "into").parse::<i64>().ok();
    let error = match (field(&pairs, "confirm").as_str(), into) {
        ("yes", Some(into)) => match catalogue::merge_terms(state.newsroom(), &staff.user, id, into).await {
            Ok(merged) => {
                return Ok(Redirect::to(&format!("/admin/terms/{}?saved", merged.id)).into_response());
            }
            Err(Failure::Invalid { message, .. }) => message,
            Err(other) => return Err(other.into()),
        },
        (_, None) => "Choose the term to merge it into.".to_owned(),
        _ => "Tick \u{201c}yes, merge them\u{201d} to merge.".to_owned(),
    };
    let page = term_page(&state, Some(id), None).await?;
    render(&state, &staff, page, StatusCode::UNPROCESSABLE_ENTITY, Some(error), None).await
}

pub(crate) async fn terms(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    manager(&staff)?;
    let page = term_page(&state, None, None).await?;
    render(&state, &staff, page, StatusCode::OK, None, None).await
}

pub(crate) async fn term(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    manager(&staff)?;
    state.store().term(id).await?;
    let page = term_page(&state, Some(id), None).await?;
    render(&state, &staff, page, StatusCode::OK, None, saved_notice(q)).await
}

async fn save_term(
    state: AppState,
    staff: Staff,
    id: Option<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    manager(&staff)?;
    let pairs = signed_form(&staff, form)?;
    let saved = match field(&pairs, "kind").parse::<TermKind>() {
        Err(e) => Err(Failure::invalid("kind", e.to_string())),
        Ok(kind) => {
            let request = TermRequest {
                kind,
                name: field(&pairs, "name"),
                slug: Some(field(&pairs, "slug")),
                description: field(&pairs, "description"),
                parent_id: optional_id(&pairs, "parent_id"),
            };
            catalogue::save_term(state.newsroom(), &staff.user, id, request).await.map(|t| t.id)
        }
    };
    match outcome(saved)? {
        Ok(saved) => Ok(Redirect::to(&format!("/admin/terms/{saved}?saved")).into_response()),
        Err(error) => {
            let page = term_page(&state, id, Some(&pairs)).await?;
            render(&state, &staff, page, StatusCode::UNPROCESSABLE_ENTITY, Some(error), None).await
        }
    }
}

pub(crate) async fn create_term(
    State(state): State<AppState>,
    staff: Staff,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    save_term(state, staff, None, form).await
}

pub(crate) async fn update_term(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    save_term(state, staff, Some(id), form).await
}

// Outlets ----------------------------------------------------------------------------------

async fn outlet_page(state: &AppState, editing: Option<i64>, pairs: Option<&Pairs>) -> Result<Page> {
    let outlets = state.store().outlets().await?;
    let rows = outlets
        .iter()
        .map(|o| Row {
            name: o.name.clone(),
            url: format!("/admin/outlets/{}", o.id),
            detail: o.homepage.as_ref().map(|h| h.to_string()).unwrap_or_default(),
        })
        .collect();
    let current = editing.and_then(|id| outlets.iter().find(|o| o.id == id));
    let value = |key: &str, saved: String| pairs.map(|p| field(p, key)).unwrap_or(saved);
    let fields = vec![
        Field::text("name", "Name", value("name", current.map(|o| o.name.clone()).unwrap_or_default())),
        Field::text(
            "slug",
            "Address (made from the name when empty)",
            value("slug", current.map(|o| o.slug.to_string()).unwrap_or_default()),
        ),
        Field::text(
            "homepage",
            "Home page (https://…)",
            value(
                "homepage",
                current.and_then(|o| o.homepage.as_ref()).map(|h| h.to_string()).unwrap_or_default(),
            ),
        ),
    ];
    Ok(Page {
        title: "Partner outlets",
        intro: "The outlets whose articles we republish, named in every \"originally published on\" line.",
        rows,
        action: editing.map(|id| format!("/admin/outlets/{id}")).unwrap_or_else(|| "/admin/outlets".into()),
        form_title: current.map(|o| format!("Edit {}", o.name)).unwrap_or_else(|| "New outlet".into()),
        fields,
        merge: None,
        delete: None,
    })
}

pub(crate) async fn outlets(State(state): State<AppState>, staff: Staff) -> Result<Response> {
    manager(&staff)?;
    let page = outlet_page(&state, None, None).await?;
    render(&state, &staff, page, StatusCode::OK, None, None).await
}

pub(crate) async fn outlet(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    manager(&staff)?;
    state.store().outlet(id).await?;
    let page = outlet_page(&state, Some(id), None).await?;
    render(&state, &staff, page, StatusCode::OK, None, saved_notice(q)).await
}

async fn save_outlet(
    state: AppState,
    staff: Staff,
    id: Option<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    manager(&staff)?;
    let pairs = signed_form(&staff, form)?;
    let request = OutletRequest {
        name: field(&pairs, "name"),
        slug: Some(field(&pairs, "slug")),
        homepage: Some(field(&pairs, "homepage")),
    };
    let saved = catalogue::save_outlet(state.newsroom(), &staff.user, id, request).await.map(|o| o.id);
    match outcome(saved)? {
        Ok(saved) => Ok(Redirect::to(&format!("/admin/outlets/{saved}?saved")).into_response()),
        Err(error) => {
            let page = outlet_page(&state, id, Some(&pairs)).await?;
            render(&state, &staff, page, StatusCode::UNPROCESSABLE_ENTITY, Some(error), None).await
        }
    }
}

pub(crate) async fn create_outlet(
    State(state): State<AppState>,
    staff: Staff,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    save_outlet(state, staff, None, form).await
}

pub(crate) async fn update_outlet(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    save_outlet(state, staff, Some(id), form).await
}

/// `POST /admin/authors/{id}/delete`: an author with no byline left, once the box is ticked.
pub(crate) async fn delete_author(
    State(state): State<AppState>,
    staff: Staff,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    manager(&staff)?;
    let pairs = signed_form(&staff, form)?;
    let error = if field(&pairs, "confirm") != "yes" {
        "Tick \u{201c}yes, delete\u{201d} to delete the author.".to_owned()
    } else {
        match catalogue::delete_author(state.newsroom(), &staff.user, id).await {
            Ok(()) => return Ok(Redirect::to("/admin/authors").into_response()),
            Err(Failure::Refused(why)) => why,
            Err(other) => return Err(other.into()),
        }
    };
    let page = author_page(&state, Some(id), None).await?;
    render(&state, &staff, page, StatusCode::CONFLICT, Some(error), None).await
}
