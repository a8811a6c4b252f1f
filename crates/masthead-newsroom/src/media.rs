//! Uploading media: the file is checked, turned upright, stripped and resized (`images`) on a
//! blocking thread, a few at a time (`work`), written under `uploads/YYYY/MM/` of the media files (`files`), then recorded; a failed
//! write leaves no record, a failed record removes the files.

use masthead_core::media::variant_path;
use masthead_core::{Action, Media, NewMedia, User};

use crate::context::Newsroom;
use crate::error::{Failure, Outcome};
use crate::images::{UploadLimits, process};
use crate::secrets::new_token;
use crate::work::Kind;

/// An image uploaded by a member of staff, with the words that go with it.
#[derive(Debug)]
pub struct Upload {
    pub file: Vec<u8>,
    pub alt: String,
    pub credit: String,
    /// The terms we hold it under; may be empty.
    pub licence: String,
    /// Whether it may travel with republished copies.
    pub travels: bool,
}

/// The longest licence kept.
const MAX_LICENCE: usize = 300;

fn limited(licence: &str) -> String {
    let mut kept: String = licence.trim().chars().take(MAX_LICENCE).collect();
    masthead_core::text::make_publishable(&mut kept);
    kept
}

/// `user` changes what may be done with image `id`: its credit, its licence, and whether it
/// travels with republished copies (those who may upload images may say so).
pub async fn change_rights(
    newsroom: &Newsroom,
    user: &User,
    id: i64,
    credit: &str,
    licence: &str,
    travels: bool,
) -> Outcome<Media> {
    if !user.may(Action::UploadMedia) {
        return Err(crate::error::refused(user, "change images"));
    }
    let mut credit = credit.trim().to_owned();
    masthead_core::text::make_publishable(&mut credit);
    match newsroom.store().set_media_rights(id, &credit, &limited(licence), travels).await {
        Ok(media) => Ok(media),
        Err(masthead_store::StoreError::NotFound) => Err(Failure::NotFound(format!("no image number {id}"))),
        Err(e) => Err(e.into()),
    }
}

/// `user` uploads an image for the library.
pub async fn upload(newsroom: &Newsroom, user: &User, upload: Upload) -> Outcome<Media> {
    // Contributors write drafts only; images come with an editor's or author's hand.
    if !user.may(Action::UploadMedia) {
        return Err(crate::error::refused(user, "upload images"));
    }
    require_alt(&upload)?;
    upload_unchecked(newsroom, upload).await
}

/// Staff describe every image they add; a partner's image may come without words.
pub(crate) fn require_alt(upload: &Upload) -> Outcome<()> {
    if upload.alt.trim().is_empty() {
        return Err(Failure::invalid("alt", "Describe the image for readers who cannot see it."));
    }
    Ok(())
}

/// Stores an image whose right to be here was decided by the caller: an article's own writer
/// (contributors included) giving it a featured image, or a partner's image taken in with
/// their article.
pub(crate) async fn upload_unchecked(newsroom: &Newsroom, upload: Upload) -> Outcome<Media> {
    let Upload { file, alt, credit, licence, travels } = upload;
    if file.is_empty() {
        return Err(Failure::invalid("file", "Choose an image to upload."));
    }
    // Our own audio and video are kept as they come: judged by their content, never decoded.
    let judged = masthead_core::media::media_type(&file).unwrap_or_default();
    let player = playable(judged);
    if (judged.starts_with("audio/") || judged.starts_with("video/")) && player.is_none() {
        return Err(Failure::invalid(
            "file",
            format!("This is {judged}; audio and video are taken as MP3, Ogg, M4A, MP4 or WebM."),
        ));
    }
    if let Some((mime_type, extension)) = player {
        let limit = UploadLimits::default().max_bytes;
        if file.len() > limit {
            return Err(Failure::invalid(
                "file",
                format!(
                    "The file is {} MB; at most {} MB are taken.",
                    file.len() / (1024 * 1024),
                    limit / (1024 * 1024)
                ),
            ));
        }
        let path = upload_path(extension);
        let record = NewMedia {
            path: path.clone(),
            mime_type: mime_type.into(),
            size_bytes: file.len() as i64,
            width: None,
            height: None,
            alt: alt.trim().to_owned(),
            credit: credit.trim().to_owned(),
            variant_widths: Vec::new(),
            licence: limited(&licence),
            travels,
        };
        return keep(newsroom, vec![(path, file)], &record, "file").await;
    }
    // At most a few images decode at once, each within `UploadLimits::max_decode_bytes`.
    let processed = newsroom
        .work()
        .run(Kind::Image, move || process(&file, UploadLimits::default()))
        .await
        .map_err(|e| Failure::invalid("file", format!("The image was not accepted: {e}.")))?;

    let path = upload_path(processed.extension);
    let mut files = vec![(path.clone(), processed.bytes.clone())];
    files.extend(
        processed.variants.iter().map(|(w, bytes)| (variant_path(&path, i64::from(*w)), bytes.clone())),
    );
    let record = NewMedia {
        path,
        mime_type: processed.mime_type.into(),
        size_bytes: processed.bytes.len() as i64,
        width: Some(i64::from(processed.width)),
        height: Some(i64::from(processed.height)),
        alt: alt.trim().to_owned(),
        credit: credit.trim().to_owned(),
        variant_widths: processed.variants.iter().map(|(w, _)| i64::from(*w)).collect(),
        licence: limited(&licence),
        travels,
    };
    keep(newsroom, files, &record, "image").await
}

/// Where a new upload goes in the library: `uploads/<year>/<month>/<random>.<extension>`.
fn upload_path(extension: &str) -> String {
    let now = jiff::Timestamp::now().to_zoned(jiff::tz::TimeZone::UTC);
    let name: String = new_token().chars().take(16).collect();
    format!("uploads/{}/{name}.{extension}", now.strftime("%Y/%m"))
}

/// Writes an upload's `files`, then its `record`: all or nothing (the files go again when the
/// record cannot be written). `what` names it in errors ("image", "file").
async fn keep(
    newsroom: &Newsroom,
    files: Vec<(String, Vec<u8>)>,
    record: &NewMedia,
    what: &str,
) -> Outcome<Media> {
    let written: Vec<String> = files.iter().map(|(p, _)| p.clone()).collect();
    if let Err(e) = newsroom.media().put_all(files).await {
        if e.kind() == std::io::ErrorKind::StorageFull {
            return Err(Failure::DiskFull(format!("the {what} could not be saved: {e}")));
        }
        return Err(Failure::Internal(format!("the {what} could not be saved: {e}")));
    }
    match newsroom.store().create_media(record).await {
        Ok(media) => Ok(media),
        Err(e) => {
            newsroom.media().remove_all(&written).await;
            Err(Failure::Internal(e.to_string()))
        }
    }
}

/// The kind and the file ending of our own audio or video, from the type its content was
/// judged to be.
fn playable(judged: &str) -> Option<(&'static str, &'static str)> {
    match judged {
        "audio/mpeg" => Some(("audio/mpeg", "mp3")),
        "audio/ogg" => Some(("audio/ogg", "ogg")),
        "audio/m4a" => Some(("audio/mp4", "m4a")),
        "video/mp4" => Some(("video/mp4", "mp4")),
        "video/webm" => Some(("video/webm", "webm")),
        _ => None,
    }
}

/// The media library, newest first, searched by description, credit, licence or file name.
pub async fn find(
    newsroom: &Newsroom,
    user: &User,
    before: Option<i64>,
    text: &str,
    limit: u32,
) -> Outcome<Vec<Media>> {
    if !user.may(Action::UploadMedia) {
        return Err(crate::error::refused(user, "see the media library"));
    }
    Ok(newsroom.store().find_media(before, text, limit).await?)
}

/// Where an image is used (at most this many places are named).
pub const USES_SHOWN: u32 = 50;

/// Where image `id` is used: ("article" or "author", number, title).
pub async fn uses(newsroom: &Newsroom, user: &User, id: i64) -> Outcome<Vec<(String, i64, String)>> {
    if !user.may(Action::UploadMedia) {
        return Err(crate::error::refused(user, "see the media library"));
    }
    newsroom.store().media_uses(id, USES_SHOWN).await.map_err(|e| match e {
        masthead_store::StoreError::NotFound => Failure::NotFound(format!("no image number {id}")),
        other => other.into(),
    })
}

/// `user` (an editor or above) deletes image `id`, its record and its files, when nothing uses
/// it; one in use is refused, naming where.
pub async fn delete(newsroom: &Newsroom, user: &User, id: i64) -> Outcome<()> {
    if !user.may(Action::EditAnyArticle) {
        return Err(crate::error::refused(user, "delete images"));
    }
    let media = newsroom.store().media(id).await.map_err(|e| match e {
        masthead_store::StoreError::NotFound => Failure::NotFound(format!("no image number {id}")),
        other => other.into(),
    })?;
    let used = uses(newsroom, user, id).await?;
    if !used.is_empty() {
        let places: Vec<String> =
            used.iter().take(5).map(|(what, _, title)| format!("{what} \u{201c}{title}\u{201d}")).collect();
        return Err(Failure::Refused(format!(
            "Image number {id} is in use ({}{}); take it out of them first.",
            places.join(", "),
            if used.len() > 5 { ", and more" } else { "" }
        )));
    }
    newsroom.store().delete_media(id).await?;
    // An image that stays at another site's address has no file here.
    if !media.is_remote() {
        let mut files = vec![media.path.clone()];
        files
            .extend(media.variant_widths.iter().map(|w| masthead_core::media::variant_path(&media.path, *w)));
        newsroom.media().remove_all(&files).await;
    }
    newsroom.store().audit(Some(user.id), "image deleted", &media.path).await?;
    Ok(())
}
