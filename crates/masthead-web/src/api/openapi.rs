//! The OpenAPI 3.1 description of the Admin API, made from [`OPERATIONS`], the one list of its
//! operations (a test calls each entry through the router, so neither can drift).

use axum::Json;
use axum::response::{IntoResponse, Response};

/// Every operation of the Admin API: (method, path, summary). The OpenAPI document is made
/// from this list, and a test calls each entry through the router, so neither can drift.
pub const OPERATIONS: &[(&str, &str, &str)] = &[
    ("get", "/api/admin/openapi.json", "This document"),
    (
        "get",
        "/api/admin/republications",
        "Who republished what: per article and site, with daily views, a page at a time (?after= the next of the last page)",
    ),
    (
        "get",
        "/api/admin/articles",
        "Recently changed articles, or those whose text matches (?q=words, \"a phrase\", prefix*; ?status=draft|scheduled|published|unpublished; ?author=id; ?term=id)",
    ),
    ("post", "/api/admin/articles", "Create a draft"),
    ("get", "/api/admin/articles/{id}", "One article, whole"),
    ("put", "/api/admin/articles/{id}", "Change an article; send the revision you started from"),
    ("delete", "/api/admin/articles/{id}", "Delete an article"),
    ("post", "/api/admin/articles/{id}/publish", "Publish now"),
    ("post", "/api/admin/articles/{id}/unpublish", "Take off the public site (its address answers 410 Gone)"),
    (
        "post",
        "/api/admin/articles/{id}/correction",
        "Publish a correction under a published article: {\"revision\": 4, \"text\": \"…\"}",
    ),
    (
        "post",
        "/api/admin/articles/{id}/withdrawal",
        "Withdraw a published article (a legal takedown), with a notice for readers: {\"revision\": 4, \"notice\": \"…\"}",
    ),
    (
        "post",
        "/api/admin/articles/{id}/schedule",
        "Publish at a later time: {\"at\": \"2026-12-01T07:00:00+01:00\"}",
    ),
    ("get", "/api/admin/articles/{id}/revisions", "Every saved revision: who, when, which fields"),
    (
        "get",
        "/api/admin/articles/{id}/copies",
        "The known republished copies and what their last check found (compliant, gone, text-changed, …)",
    ),
    (
        "get",
        "/api/admin/articles/{id}/revisions/{revision}",
        "One revision, with diffs against the one before",
    ),
    (
        "post",
        "/api/admin/articles/{id}/revisions/{revision}/restore",
        "Restore a revision's text as a new revision",
    ),
    ("get", "/api/admin/authors", "Every author"),
    ("post", "/api/admin/authors", "Add an author"),
    ("put", "/api/admin/authors/{id}", "Change an author"),
    ("get", "/api/admin/terms", "Regions, themes and tags (?kind=region|theme|tag)"),
    ("post", "/api/admin/terms", "Add a term"),
    ("put", "/api/admin/terms/{id}", "Change a term"),
    ("get", "/api/admin/outlets", "Partner outlets"),
    ("post", "/api/admin/outlets", "Add an outlet"),
    ("put", "/api/admin/outlets/{id}", "Change an outlet"),
    ("get", "/api/admin/settings", "The site's settings"),
    ("put", "/api/admin/settings", "Change the settings named in the body"),
    (
        "post",
        "/api/admin/media",
        "Upload an image (multipart: file, alt, credit, licence, travels=true|false)",
    ),
    (
        "put",
        "/api/admin/media/{id}",
        "An image's rights: {\"credit\": \"…\", \"licence\": \"…\", \"travels\": false} (false: left out of copies)",
    ),
    ("get", "/api/admin/sources", "Partners' feeds and their polling state"),
    ("post", "/api/admin/sources", "Add a partner's feed"),
    ("get", "/api/admin/sources/{id}", "One source and its log"),
    ("put", "/api/admin/sources/{id}", "Change a source (its terms apply to what it brought in)"),
    ("post", "/api/admin/sources/{id}/pull", "Pull the feed now; answers what the pull did"),
    ("get", "/api/admin/queue", "Articles taken in from partners, and whether each may be published here"),
];

/// How tokens work, said where a client reads about authentication.
const TOKENS: &str = "Send a token as 'Authorization: Bearer <token>'. Make one in the admin (API \
tokens) or with 'masthead token create --email … [--scope read|write|publish] [--expires-days 90]'; \
it is shown once. A token acts with its holder's role, no further than its scope: 'read' may send \
GET requests only; 'write' may also create and change drafts and upload media; 'publish' may also \
publish, unpublish, schedule and delete articles, change published ones, and manage authors, \
terms, outlets, partners' sources and settings. A request beyond the scope is answered 403; an \
expired or revoked token 401. Tokens expire after 90 days unless made for another term (1 to 365 \
days), and every token of an account is revoked when its password is reset or it is disabled.";

/// The OpenAPI 3.1 description of the Admin API.
pub fn openapi_document() -> serde_json::Value {
    let mut paths = serde_json::Map::new();
    for (method, path, summary) in OPERATIONS {
        let mut op = serde_json::json!({
            "summary": summary,
            "security": [{ "bearer": [] }],
            "responses": {
                "200": { "description": "OK" },
                "401": { "$ref": "#/components/responses/Error" },
                "403": { "$ref": "#/components/responses/Error" },
            },
        });
        let parameters: Vec<serde_json::Value> = ["id", "revision"]
            .into_iter()
            .filter(|p| path.contains(&format!("{{{p}}}")))
            .map(|p| serde_json::json!({ "name": p, "in": "path", "required": true, "schema": { "type": "integer" } }))
            .collect();
        if !parameters.is_empty() {
            op["parameters"] = serde_json::Value::Array(parameters);
        }
        if path.ends_with("/media") {
            op["requestBody"] = serde_json::json!({
                "required": true,
                "content": { "multipart/form-data": { "schema": {
                    "type": "object", "required": ["file", "alt"],
                    "properties": { "file": { "type": "string", "format": "binary" }, "alt": { "type": "string" }, "credit": { "type": "string" },
                                    "licence": { "type": "string" }, "travels": { "type": "boolean" } } } } },
            });
        } else if path.ends_with("/restore") {
            op["requestBody"] = serde_json::json!({
                "required": true,
                "content": { "application/json": { "schema": {
                    "type": "object", "required": ["revision"], "additionalProperties": false,
                    "properties": { "revision": { "type": "integer" } } } } },
            });
        } else if *path == "/api/admin/media/{id}" {
            op["requestBody"] = serde_json::json!({
                "required": true,
                "content": { "application/json": { "schema": {
                    "type": "object", "required": ["credit", "travels"], "additionalProperties": false,
                    "properties": { "credit": { "type": "string" }, "licence": { "type": "string" }, "travels": { "type": "boolean" } } } } },
            });
        } else if path.ends_with("/correction") || path.ends_with("/withdrawal") {
            let text = if path.ends_with("/correction") { "text" } else { "notice" };
            op["requestBody"] = serde_json::json!({
                "required": true,
                "content": { "application/json": { "schema": {
                    "type": "object", "required": ["revision", text], "additionalProperties": false,
                    "properties": { "revision": { "type": "integer" }, text: { "type": "string" } } } } },
            });
        } else if path.ends_with("/schedule") {
            op["requestBody"] = serde_json::json!({
                "required": true,
                "content": { "application/json": { "schema": {
                    "type": "object", "required": ["at"], "additionalProperties": false,
                    "properties": { "at": { "type": "string", "format": "date-time" } } } } },
            });
        } else if matches!(*method, "post" | "put")
            && path.starts_with("/api/admin/sources")
            && !path.ends_with("/pull")
        {
            op["requestBody"] = serde_json::json!({
                "required": true,
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/SourceRequest" } } },
            });
        } else if matches!(*method, "post" | "put")
            && path.starts_with("/api/admin/articles")
            && !path.ends_with("publish")
        {
            op["requestBody"] = serde_json::json!({
                "required": true,
                "content": { "application/json": { "schema": { "$ref": "#/components/schemas/ArticleRequest" } } },
            });
        }
        paths.entry(path.to_string()).or_insert_with(|| serde_json::json!({}))[*method] = op;
    }
    serde_json::json!({
        "openapi": "3.1.0",
        "info": { "title": "Masthead Admin API", "version": env!("CARGO_PKG_VERSION"), "description": TOKENS },
        "paths": paths,
        "components": {
            "securitySchemes": { "bearer": { "type": "http", "scheme": "bearer", "description": TOKENS } },
            "responses": { "Error": { "description": "An error", "content": { "application/json": { "schema": { "$ref": "#/components/schemas/Error" } } } } },
            "schemas": {
                "Error": { "type": "object", "required": ["error"], "properties": {
                    "error": { "type": "string" }, "field": { "type": ["string", "null"] } } },
                "ArticleRequest": { "type": "object", "required": ["title", "body"], "additionalProperties": false, "properties": {
                    "title": { "type": "string" }, "slug": { "type": "string" }, "dek": { "type": "string" },
                    "body": { "type": "string" }, "body_format": { "enum": ["markdown", "html"] }, "excerpt": { "type": "string" },
                    "author_ids": { "type": "array", "items": { "type": "integer" } },
                    "term_ids": { "type": "array", "items": { "type": "integer" } },
                    "featured_media_id": { "type": ["integer", "null"] }, "featured_alt": { "type": "string" },
                    "featured_credit": { "type": "string" },
                    "reuse_policy": { "enum": ["cc-by", "cc-by-nd", "cc-by-nc-nd", "all-rights-reserved", "community-cross-post", null] },
                    "time_zone": { "type": "string" },
                    "origins": { "type": "array", "items": { "type": "object" } },
                    "revision": { "type": "integer", "description": "required when changing an article" } } },
                "SourceRequest": { "type": "object", "required": ["outlet_id", "feed_url", "terms"], "additionalProperties": false, "properties": {
                    "outlet_id": { "type": "integer" }, "feed_url": { "type": "string", "format": "uri" },
                    "format": { "enum": ["auto", "rss", "atom", "json-feed", "ninjs"] },
                    "terms": { "enum": ["agreement", "cc-by", "cc-by-nd", "cc-by-nc-nd", "all-rights-reserved", "community-cross-post"] },
                    "term_ids": { "type": "array", "items": { "type": "integer" } },
                    "auto_publish": { "type": "boolean" },
                    "interval_minutes": { "type": "integer", "minimum": 5, "maximum": 1440 } } },
            },
        },
    })
}

pub(crate) async fn serve() -> Response {
    Json(openapi_document()).into_response()
}
