//! The newsroom's admin, under `/admin/`: server-rendered pages that work without script. Every
//! form carries a CSRF token, every page is private (`no-store`), and every handler calls a use
//! case of `masthead_newsroom`, which checks the role on the server before anything is written.

use axum::Router;
use axum::response::Redirect;
use axum::routing::{get, post};

use crate::state::AppState;

mod articles;
mod comments;
mod desk;
mod form;
mod history;
mod media;
mod members;
mod newsroom;
mod page;
mod pages;
mod reset;
mod send_views;
mod sends;
mod session;
mod settings;
mod sources;
mod staff;
mod tokens;

pub(crate) fn router() -> Router<AppState> {
    Router::new()
        .route("/admin/login", get(session::login_form).post(session::login))
        .route("/admin/logout", post(session::logout))
        .route("/admin/", get(session::dashboard))
        .route("/admin", get(|| async { Redirect::permanent("/admin/") }))
        .route("/admin/republications", get(session::republications))
        .route("/admin/audit", get(session::audit))
        .route("/admin/articles", get(articles::list))
        .route("/admin/articles/new", get(articles::new_form).post(articles::create))
        .route("/admin/articles/bulk", post(articles::bulk))
        .route("/admin/articles/{id}/delete", post(articles::delete))
        .route("/admin/articles/{id}", get(articles::edit_form).post(articles::save))
        .route("/admin/settings", get(settings::form).post(settings::save))
        .route("/admin/pages", get(pages::list))
        .route("/admin/pages/new", get(pages::new_form).post(pages::create))
        .route("/admin/pages/{id}", get(pages::edit_form).post(pages::save))
        .route("/admin/pages/{id}/delete", post(pages::delete))
        .route("/admin/front", get(pages::front_form).post(pages::save_front))
        .route("/admin/comments", get(comments::queue).post(comments::moderate))
        .route("/admin/articles/{id}/comments", post(comments::close))
        .route("/admin/articles/{id}/correction", post(articles::correct))
        .route("/admin/articles/{id}/withdrawal", post(articles::withdraw))
        .route("/admin/preview", post(articles::preview))
        .route("/admin/embed", get(desk::embed))
        .route("/admin/markdown", post(desk::markdown))
        .route(
            "/admin/media/upload.json",
            post(desk::upload).layer(axum::extract::DefaultBodyLimit::max(
                masthead_newsroom::images::UploadLimits::default().max_bytes + 64 * 1024,
            )),
        )
        .route(
            "/admin/articles/{id}/draft",
            post(desk::save_draft).layer(axum::extract::DefaultBodyLimit::max(
                masthead_newsroom::articles::MAX_DRAFT_BYTES * 3,
            )),
        )
        .route("/admin/articles/{id}/draft/discard", post(desk::discard_draft))
        .route(
            "/admin/articles/{id}/preview",
            post(desk::preview_changes).layer(axum::extract::DefaultBodyLimit::max(
                masthead_newsroom::articles::MAX_DRAFT_BYTES * 3,
            )),
        )
        .route("/admin/articles/{id}/share", post(desk::share_preview))
        .route(
            "/admin/articles/{id}/image",
            post(articles::upload_image).layer(axum::extract::DefaultBodyLimit::max(
                masthead_newsroom::images::UploadLimits::default().max_bytes + 64 * 1024,
            )),
        )
        .route("/admin/articles/{id}/revisions", get(history::list))
        .route("/admin/articles/{id}/revisions/{revision}", get(history::show))
        .route("/admin/articles/{id}/revisions/{revision}/restore", post(history::restore))
        .route("/admin/authors", get(newsroom::authors).post(newsroom::create_author))
        .route("/admin/authors/{id}", get(newsroom::author).post(newsroom::update_author))
        .route("/admin/terms", get(newsroom::terms).post(newsroom::create_term))
        .route("/admin/terms/{id}", get(newsroom::term).post(newsroom::update_term))
        .route("/admin/terms/{id}/merge", post(newsroom::merge_term))
        .route("/admin/outlets", get(newsroom::outlets).post(newsroom::create_outlet))
        .route("/admin/outlets/{id}", get(newsroom::outlet).post(newsroom::update_outlet))
        .route(
            "/admin/media",
            get(media::library).post(media::upload).layer(axum::extract::DefaultBodyLimit::max(
                masthead_newsroom::images::UploadLimits::default().max_bytes + 64 * 1024,
            )),
        )
        .route("/admin/media/{id}", get(media::item).post(media::change_rights))
        .route("/admin/media/{id}/delete", post(media::delete))
        .route("/admin/sources", get(sources::list).post(sources::create))
        .route("/admin/sources/{id}", get(sources::show).post(sources::update))
        .route("/admin/sources/{id}/pull", post(sources::pull))
        .route("/admin/sources/{id}/delete", post(sources::delete))
        .route("/admin/authors/{id}/delete", post(newsroom::delete_author))
        .route("/admin/queue", get(sources::queue))
        .route("/admin/queue/{id}/publish", post(sources::accept))
        .route("/admin/staff", get(staff::list).post(staff::add))
        .route("/admin/staff/{id}", post(staff::update))
        .route("/admin/tokens", get(tokens::list).post(tokens::create))
        .route("/admin/tokens/{id}/revoke", post(tokens::revoke))
        .route("/admin/members", get(members::list).post(members::add))
        .route("/admin/members/export", get(members::export))
        .route(
            "/admin/members/import",
            post(members::import)
                .layer(axum::extract::DefaultBodyLimit::max(members::IMPORT_LIMIT + 64 * 1024)),
        )
        .route("/admin/members/{id}", get(members::show).post(members::save))
        .route("/admin/members/{id}/delete", post(members::delete))
        .route("/admin/labels", post(members::create_label))
        .route("/admin/labels/{id}/delete", post(members::delete_label))
        .route("/admin/newsletters", get(members::newsletters_page).post(members::create_newsletter))
        .route("/admin/newsletters/{id}", get(members::newsletter_page).post(members::update_newsletter))
        .route("/admin/newsletters/preview", get(sends::preview))
        .route("/admin/articles/{id}/send", post(sends::request))
        .route("/admin/articles/{id}/send/cancel", post(sends::withdraw_for_article))
        .route("/admin/articles/{id}/send/test", post(sends::test))
        .route("/admin/sends", get(sends::list))
        .route("/admin/sends/{id}", get(sends::show))
        .route("/admin/sends/{id}/cancel", post(sends::withdraw))
        .route("/admin/digests", get(sends::digests_page).post(sends::create_digest))
        .route("/admin/digests/{id}", get(sends::digest_page).post(sends::update_digest))
        .route("/admin/digests/{id}/delete", get(sends::confirm_delete).post(sends::delete_digest))
        .route("/admin/forgot", get(reset::forgot_form).post(reset::forgot))
        .route("/admin/reset", get(reset::reset_form).post(reset::reset))
}
