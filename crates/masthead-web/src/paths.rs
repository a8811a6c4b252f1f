//! Addresses of the public site that more than one edge writes or reads: an archive's older
//! pages, the slug in an address, and a parameter of a query string.

use axum::extract::Path;
use axum::extract::rejection::PathRejection;
use masthead_core::{Cursor, Slug};

use crate::http::error::{AppError, Result};

/// The slug in an address; anything that is not one is a page that does not exist.
pub(crate) fn slug_from(path: Result<Path<String>, PathRejection>) -> Result<Slug> {
    let Path(raw) = path.map_err(|_| AppError::NotFound)?;
    Slug::parse(&raw).map_err(|_| AppError::NotFound)
}

/// The first value of `key` in the query string `query`, decoded.
pub(crate) fn query_value(query: Option<&str>, key: &str) -> Option<String> {
    url::form_urlencoded::parse(query?.as_bytes()).find(|(k, _)| k == key).map(|(_, v)| v.into_owned())
}

/// Older pages live at `{base}/page/{cursor}`: addresses without a query, so that a static copy
/// of the site has a file for each (`?after=` is still understood).
pub(crate) fn older_page(base: &str, cursor: &Cursor) -> String {
    format!("{}/page/{cursor}", base.trim_end_matches('/'))
}
