//! Reading the admin's posted forms: fields in order (a name may repeat), checked against the
//! session's CSRF token before anything else is looked at.

use axum::Form;
use axum::extract::rejection::FormRejection;

use crate::http::auth::{Staff, same_secret};
use crate::http::error::{AppError, Result};

/// A posted form's fields, in order (a name may repeat).
pub(crate) type Pairs = Vec<(String, String)>;

/// A posted form's fields, once its CSRF token has been checked.
pub(crate) fn signed_form(
    staff: &Staff,
    form: std::result::Result<Form<Pairs>, FormRejection>,
) -> Result<Pairs> {
    let Form(pairs) = form.map_err(|e| {
        // axum reports a body over `DefaultBodyLimit` as a rejection with status 413.
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::TooLarge(crate::http::error::too_large())
        } else {
            AppError::BadRequest(format!("the form could not be read: {e}"))
        }
    })?;
    check_csrf(staff, &pairs)?;
    Ok(pairs)
}

/// The first value sent for `key`, trimmed; empty when there is none.
pub(crate) fn field(pairs: &[(String, String)], key: &str) -> String {
    pairs.iter().find(|(k, _)| k == key).map(|(_, v)| v.trim().to_owned()).unwrap_or_default()
}

pub(crate) fn check_csrf(staff: &Staff, pairs: &[(String, String)]) -> Result<()> {
    let sent = pairs.iter().find(|(k, _)| k == "csrf").map(|(_, v)| v.as_str()).unwrap_or_default();
    if same_secret(sent, &staff.csrf) {
        Ok(())
    } else {
        Err(AppError::Forbidden("This form has expired. Reload the page and try again.".into()))
    }
}

/// An upload form's file (the field called `file`) and its other fields, once its CSRF token
/// has been checked.
pub(crate) async fn read_upload(
    staff: &Staff,
    form: &mut axum::extract::Multipart,
) -> Result<(Option<Vec<u8>>, Vec<(String, String)>)> {
    let (mut file, mut fields) = (None, Vec::new());
    while let Some(field) = form
        .next_field()
        .await
        .map_err(|e| AppError::BadRequest(format!("the upload could not be read: {e}")))?
    {
        let name = field.name().unwrap_or_default().to_owned();
        let data = field
            .bytes()
            .await
            .map_err(|e| AppError::BadRequest(format!("the upload could not be read: {e}")))?;
        if name == "file" {
            file = Some(data.to_vec()).filter(|f| !f.is_empty());
        } else {
            fields.push((name, String::from_utf8_lossy(&data).trim().to_owned()));
        }
    }
    check_csrf(staff, &fields)?;
    Ok((file, fields))
}

/// An upload form of the media library (the field `file`, with `alt`, `credit`, `licence` and
/// `travels`) as the upload to make, and all its fields, once its CSRF token has been checked.
pub(crate) async fn read_media_upload(
    staff: &Staff,
    form: &mut axum::extract::Multipart,
) -> Result<(masthead_newsroom::media::Upload, Vec<(String, String)>)> {
    let (file, fields) = read_upload(staff, form).await?;
    let upload = masthead_newsroom::media::Upload {
        file: file.unwrap_or_default(),
        alt: field(&fields, "alt"),
        credit: field(&fields, "credit"),
        licence: field(&fields, "licence"),
        // The forms offer it checked; a box left unchecked is not sent.
        travels: field(&fields, "travels") == "yes",
    };
    Ok((upload, fields))
}
