//! Readers' comments on the public site, without script. The article page (cached, the same for
//! every reader) shows the approved comments, the Webmentions verified as mentions and
//! republications, and a form; its POST (`/comments`) must come from the site's own pages
//! (`http::origin`), from a signed-in member, within a rate per address. Answering a comment
//! (`/comments/new?article=…&reply_to=…`), and a member's own comment (`/comments/{id}`: edit for
//! ten minutes, delete), are the member's own pages, never cached, with their session's CSRF
//! token. The rules are `masthead_newsroom::comments`'.

use axum::Router;
use axum::extract::rejection::FormRejection;
use axum::extract::{Form, Path, RawQuery, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum_extra::extract::CookieJar;
use jiff::Timestamp;
use masthead_core::comment::MAX_COMMENT_CHARS;
use masthead_core::{Article, Comment, CommentStatus, MentionKind, MentionStatus, Site};
use masthead_newsroom::comments::{self, CommentRequest, Posted};
use masthead_newsroom::error::Failure;
use serde::Serialize;

use super::members::{Pairs, field, member, notice, read_form, render, signed_form};
use crate::http::auth::{ClientIp, same_secret};
use crate::http::error::{AppError, Result};
use crate::http::origin::same_origin;
use crate::paths::query_value;
use crate::state::AppState;
use crate::views::{DateView, date_view};

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/comments", post(create))
        .route("/comments/new", get(reply_form))
        .route("/comments/{id}", get(own_comment).post(edit))
        .route("/comments/{id}/delete", post(delete))
        // A comment of MAX_COMMENT_CHARS characters of four bytes each, percent-encoded, and
        // the other fields.
        .layer(axum::extract::DefaultBodyLimit::max(MAX_COMMENT_CHARS * 12 + 4096))
}

/// A comment as the article page shows it.
#[derive(Debug, Serialize)]
pub(crate) struct CommentView {
    id: i64,
    name: String,
    url: String,
    body_html: String,
    date: DateView,
    edited: bool,
    deleted: bool,
    replies: Vec<CommentView>,
}

fn comment_view(c: &Comment, zone: &str) -> CommentView {
    CommentView {
        id: c.id,
        name: if c.author_name.trim().is_empty() { "A reader".into() } else { c.author_name.clone() },
        // Only web addresses become links (imported comments carry their writers' sites).
        url: masthead_core::AbsoluteUrl::parse(&c.author_url).map(|u| u.to_string()).unwrap_or_default(),
        body_html: c.body_html.clone(),
        date: date_view(c.created_at, zone),
        edited: c.edited_at.is_some(),
        deleted: c.status == CommentStatus::Deleted,
        replies: Vec::new(),
    }
}

/// A link to another site that mentioned or republished the article.
#[derive(Debug, Serialize)]
struct MentionView {
    host: String,
    url: String,
}

/// Everything below an article about its readers: comments (threads of one level), whether
/// one may write more (and if not, why), mentions and republications.
#[derive(Debug, Serialize)]
pub(crate) struct Conversation {
    article_id: i64,
    comments: Vec<CommentView>,
    count: usize,
    closed: Option<&'static str>,
    mentions: Vec<MentionView>,
    republished_by: Vec<MentionView>,
    /// "On the fediverse: 3 likes and 1 boost", when there are any.
    fediverse: Option<String>,
    max_chars: usize,
}

/// The conversation under `article` (three queries).
pub(crate) fn conversation(
    site: &Site,
    article: &Article,
    shown: &[masthead_core::Comment],
    closed_by_newsroom: bool,
    mentions: &[masthead_core::Webmention],
    (likes, boosts): (i64, i64),
) -> Conversation {
    let zone = &article.time_zone;
    // Answers by the comment they answer, oldest first as the store gives them: one pass,
    // however long the conversation.
    let mut answers: std::collections::HashMap<i64, Vec<CommentView>> = std::collections::HashMap::new();
    for r in shown.iter().filter(|r| r.status == CommentStatus::Approved) {
        if let Some(parent) = r.parent_id {
            answers.entry(parent).or_default().push(comment_view(r, zone));
        }
    }
    let mut threads: Vec<CommentView> = Vec::new();
    let mut count = 0;
    for c in shown.iter().filter(|c| c.parent_id.is_none()) {
        let mut view = comment_view(c, zone);
        view.replies = answers.remove(&c.id).unwrap_or_default();
        count += view.replies.len() + usize::from(!view.deleted);
        // A deleted comment is kept only for the answers it had.
        if !view.deleted || !view.replies.is_empty() {
            threads.push(view);
        }
    }
    let link = |url: &str| {
        let parsed = url::Url::parse(url).ok()?;
        Some(MentionView {
            host: parsed.host_str()?.trim_start_matches("www.").to_owned(),
            url: parsed.to_string(),
        })
    };
    let verified = |kind: MentionKind| {
        mentions
            .iter()
            .filter(move |m| m.status == MentionStatus::Verified && m.kind == Some(kind))
            .filter_map(|m| link(&m.source))
            .collect::<Vec<_>>()
    };
    Conversation {
        article_id: article.id,
        comments: threads,
        count,
        closed: comments::closed_because(site, article, closed_by_newsroom, Timestamp::now()),
        mentions: verified(MentionKind::Mention),
        republished_by: verified(MentionKind::Republication),
        fediverse: fediverse_counts(likes, boosts),
        max_chars: MAX_COMMENT_CHARS,
    }
}

/// Likes and boosts from other servers in a sentence; none when there are none.
fn fediverse_counts(likes: i64, boosts: i64) -> Option<String> {
    let count = |n: i64, one: &str, many: &str| match n {
        0 => None,
        1 => Some(format!("1 {one}")),
        n => Some(format!("{n} {many}")),
    };
    let parts: Vec<String> =
        [count(likes, "like", "likes"), count(boosts, "boost", "boosts")].into_iter().flatten().collect();
    (!parts.is_empty()).then(|| format!("On the fediverse: {}.", parts.join(" and ")))
}

/// The form again, with what the reader typed and what to correct.
#[allow(clippy::too_many_arguments)]
fn form_page(
    state: &AppState,
    site: &Site,
    status: StatusCode,
    heading: &str,
    error: Option<&str>,
    request: &CommentRequest,
    answering: Option<CommentView>,
    csrf: Option<&str>,
) -> Result<Response> {
    render(
        state,
        site,
        status,
        "comment-form.html",
        minijinja::context! {
            heading, error, csrf, answering, article_id => request.article_id, parent => request.parent_id,
            text => request.text, name => request.name, notify => request.notify_replies,
            max_chars => MAX_COMMENT_CHARS, signed_in => csrf.is_some(),
        },
    )
}

/// The comment's text as typed (`field` trims; the text is kept as the reader wrote it).
fn typed(pairs: &Pairs) -> String {
    pairs.iter().find(|(k, _)| k == "text").map(|(_, v)| v.clone()).unwrap_or_default()
}

/// Where a comment is shown: its article's page, at the comment.
async fn shown_at(state: &AppState, comment: &Comment) -> Result<Response> {
    let article = state.store().article(comment.article_id).await?;
    let path = masthead_core::article::article_path(&article.slug);
    Ok(Redirect::to(&format!("{path}#comment-{}", comment.id)).into_response())
}

fn request_from(pairs: &Pairs) -> Result<CommentRequest> {
    let article_id =
        field(pairs, "article").parse().map_err(|_| AppError::BadRequest("which article?".into()))?;
    let parent = field(pairs, "parent");
    let parent_id = if parent.is_empty() {
        None
    } else {
        Some(parent.parse().map_err(|_| AppError::BadRequest("which comment is answered?".into()))?)
    };
    Ok(CommentRequest {
        article_id,
        parent_id,
        // Not trimmed by `field`'s rule alone: the text is the reader's, kept as typed.
        text: typed(pairs),
        name: field(pairs, "name"),
        notify_replies: !field(pairs, "notify").is_empty(),
    })
}

async fn create(
    State(state): State<AppState>,
    ClientIp(ip): ClientIp,
    jar: CookieJar,
    headers: HeaderMap,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let site = state.site().await?;
    let pairs = read_form(form).map_err(|e| match e {
        AppError::TooLarge(_) => AppError::TooLarge(format!(
            "Your comment is longer than the site accepts: comments are at most {MAX_COMMENT_CHARS} characters."
        )),
        other => other,
    })?;
    let signed_in = member(&state, &jar).await?;
    // The member's own reply page carries their token; the article page (cached) cannot, and
    // is judged by where the form came from.
    let token = field(&pairs, "csrf");
    let trusted = match &signed_in {
        Some((_, csrf)) if !token.is_empty() => same_secret(&token, csrf),
        _ => same_origin(&headers, &site.base_url),
    };
    if !trusted {
        return Err(AppError::Forbidden("This form must be sent from the site's own pages.".into()));
    }
    let request = request_from(&pairs)?;
    if !state.reader_limits().admit(&ip) {
        return form_page(
            &state,
            &site,
            StatusCode::TOO_MANY_REQUESTS,
            "Too many comments",
            Some("Too many forms were sent from your address. Wait a minute, then send your comment again."),
            &request,
            None,
            signed_in.as_ref().map(|(_, c)| c.as_str()),
        );
    }
    let Some((member, csrf)) = signed_in else {
        return form_page(
            &state,
            &site,
            StatusCode::FORBIDDEN,
            "Sign in to comment",
            Some(
                "Comments are for members. Sign in (or become a member), then send your comment again: it is kept below.",
            ),
            &request,
            None,
            None,
        );
    };
    match comments::post(state.newsroom(), &member, &request, Timestamp::now()).await {
        Ok(Posted::Shown(c)) => shown_at(&state, &c).await,
        Ok(Posted::Held(c)) => notice(
            &state,
            &site,
            StatusCode::OK,
            "Your comment is waiting",
            &format!(
                "Thank you. The newsroom reads {} before they are shown; yours will appear once approved. You can change it for ten minutes at /comments/{}.",
                match c.held_for.as_str() {
                    "first comment" => "members' first comments",
                    "links" => "comments with links",
                    _ => "some comments",
                },
                c.id
            ),
            None,
        ),
        Ok(Posted::TooMany) => form_page(
            &state,
            &site,
            StatusCode::TOO_MANY_REQUESTS,
            "Too many comments",
            Some(&format!(
                "You sent {} comments in the last hour, as many as the site takes. Send this one later: it is kept below.",
                comments::PER_MEMBER_PER_HOUR
            )),
            &request,
            None,
            Some(&csrf),
        ),
        Err(Failure::Invalid { message, .. }) => form_page(
            &state,
            &site,
            StatusCode::UNPROCESSABLE_ENTITY,
            "Your comment was not sent",
            Some(&message),
            &request,
            None,
            Some(&csrf),
        ),
        Err(Failure::Refused(message)) => form_page(
            &state,
            &site,
            StatusCode::FORBIDDEN,
            "Your comment was not sent",
            Some(&message),
            &request,
            None,
            Some(&csrf),
        ),
        Err(other) => Err(other.into()),
    }
}

fn query_id(query: Option<&str>, key: &str) -> Option<i64> {
    query_value(query, key)?.parse().ok()
}

/// The page to answer a comment from.
async fn reply_form(
    State(state): State<AppState>,
    jar: CookieJar,
    RawQuery(q): RawQuery,
) -> Result<Response> {
    let site = state.site().await?;
    let (Some(article_id), Some(reply_to)) =
        (query_id(q.as_deref(), "article"), query_id(q.as_deref(), "reply_to"))
    else {
        return Err(AppError::NotFound);
    };
    let answered = match state.store().comment(reply_to).await {
        Ok(c) if c.article_id == article_id && c.status == CommentStatus::Approved => c,
        Ok(_) | Err(masthead_store::StoreError::NotFound) => return Err(AppError::NotFound),
        Err(e) => return Err(e.into()),
    };
    let article = state.store().article(article_id).await?;
    let signed_in = member(&state, &jar).await?;
    let request = CommentRequest { article_id, parent_id: Some(reply_to), ..Default::default() };
    form_page(
        &state,
        &site,
        StatusCode::OK,
        &format!("Answer {} on “{}”", comment_view(&answered, &article.time_zone).name, article.title),
        None,
        &request,
        Some(comment_view(&answered, &article.time_zone)),
        signed_in.as_ref().map(|(_, c)| c.as_str()),
    )
}

/// A member's own comment: to edit (for ten minutes) or delete.
async fn own_page(
    state: &AppState,
    site: &Site,
    comment: &Comment,
    csrf: &str,
    status: StatusCode,
    error: Option<&str>,
    text: Option<&str>,
) -> Result<Response> {
    let article = state.store().article(comment.article_id).await?;
    let now = Timestamp::now();
    render(
        state,
        site,
        status,
        "comment-own.html",
        minijinja::context! {
            comment => comment_view(comment, &article.time_zone),
            held => comment.status == CommentStatus::Held, spam => comment.status == CommentStatus::Spam,
            editable => comment.editable_at(now),
            text => text.unwrap_or(&comment.body_source),
            article => minijinja::context! { title => article.title, url => masthead_core::article::article_path(&article.slug) },
            csrf, error, max_chars => MAX_COMMENT_CHARS,
        },
    )
}

async fn own_comment(State(state): State<AppState>, jar: CookieJar, Path(id): Path<i64>) -> Result<Response> {
    let site = state.site().await?;
    let Some((member, csrf)) = member(&state, &jar).await? else {
        return Ok(Redirect::to("/account/sign-in").into_response());
    };
    let comment = comments::find_own(state.newsroom(), &member, id).await?;
    own_page(&state, &site, &comment, &csrf, StatusCode::OK, None, None).await
}

async fn edit(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let site = state.site().await?;
    let (member, pairs) = match signed_form(&state, &jar, form).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    let csrf = field(&pairs, "csrf");
    let text = typed(&pairs);
    match comments::edit(state.newsroom(), &member, id, &text, Timestamp::now()).await {
        Ok(c) if c.status == CommentStatus::Approved => shown_at(&state, &c).await,
        Ok(c) => own_page(&state, &site, &c, &csrf, StatusCode::OK, None, None).await,
        Err(Failure::Invalid { message, .. } | Failure::Refused(message)) => {
            let current = comments::find_own(state.newsroom(), &member, id).await?;
            own_page(
                &state,
                &site,
                &current,
                &csrf,
                StatusCode::UNPROCESSABLE_ENTITY,
                Some(&message),
                Some(&text),
            )
            .await
        }
        Err(other) => Err(other.into()),
    }
}

async fn delete(
    State(state): State<AppState>,
    jar: CookieJar,
    Path(id): Path<i64>,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Response> {
    let site = state.site().await?;
    let (member, _) = match signed_form(&state, &jar, form).await? {
        Ok(found) => found,
        Err(redirect) => return Ok(redirect),
    };
    let deleted = comments::delete_own(state.newsroom(), &member, id).await?;
    let article = state.store().article(deleted.article_id).await?;
    notice(
        &state,
        &site,
        StatusCode::OK,
        "Comment deleted",
        &format!("Your comment on “{}” is deleted.", article.title),
        None,
    )
}
