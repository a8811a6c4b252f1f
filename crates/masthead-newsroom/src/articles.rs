//! Writing and publishing articles: create a draft, save, publish, unpublish, schedule,
//! restore a revision, give an article its featured image, delete.
//!
//! Contributors write drafts under their own byline; authors also publish their own; editors
//! and above do anything (`Role::may`, `User::may_edit`, `User::may_publish`). Every save names
//! the revision it started from: when someone else saved in between, nothing is written and
//! [`Failure::Stale`] names the revision now stored. The body is rendered and sanitised once,
//! here, before it is stored.

use jiff::Timestamp;
use masthead_core::Revision;
use masthead_core::article::NewOrigin;
use masthead_core::{
    Action, Article, ArticleStatus, BodyFormat, NewArticle, NewTerm, ReusePolicy, Slug, TermKind, User,
    render_body,
};
use masthead_store::{Amendment, StoreError};

use crate::context::Newsroom;
use crate::error::{Failure, Outcome};
use crate::media::{Upload, upload_unchecked};

/// What a writer sends to create or change an article, whichever edge it came through.
#[derive(Debug, Clone, Default)]
pub struct ArticleInput {
    pub title: String,
    /// Made from the title for a new article, kept as it is for an existing one, when absent.
    pub slug: Option<String>,
    pub dek: String,
    pub body: String,
    pub body_format: BodyFormat,
    pub excerpt: String,
    /// In byline order.
    pub author_ids: Vec<i64>,
    pub term_ids: Vec<i64>,
    /// Names of tags to find, or make, and add to `term_ids`.
    pub new_tags: Vec<String>,
    pub featured_media_id: Option<i64>,
    pub featured_alt: String,
    pub featured_credit: String,
    /// `None`: the site's default policy.
    pub reuse_policy: Option<ReusePolicy>,
    /// `None`: the site's time zone.
    pub time_zone: Option<String>,
    /// Where the article first appeared, oldest first; empty for our own work.
    pub origins: Vec<NewOrigin>,
    /// A BCP 47 tag ("sr", "pt-BR"); empty: the site's language.
    pub language: String,
    /// The article this one translates; a translation takes its original's provenance and
    /// terms when it has none of its own.
    pub translation_of: Option<i64>,
}

/// What a save does to an article's publication.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum StatusChange {
    /// Leaves the status and publication time as they are.
    Keep,
    Publish,
    Unpublish,
    /// Publishes at a later time.
    Schedule(Timestamp),
}

impl StatusChange {
    fn audit(self) -> Option<&'static str> {
        match self {
            StatusChange::Keep => None,
            StatusChange::Publish => Some("article published"),
            StatusChange::Unpublish => Some("article unpublished"),
            StatusChange::Schedule(_) => Some("article scheduled"),
        }
    }
}

/// The article, if `user` may change it.
pub async fn editable(newsroom: &Newsroom, user: &User, id: i64) -> Outcome<Article> {
    let article = load(newsroom, id).await?;
    if user.may_edit(&article) {
        Ok(article)
    } else {
        Err(crate::error::refused(user, "change this article"))
    }
}

/// The article, if `user` may read it: anything they may change, and whatever is published.
pub async fn readable(newsroom: &Newsroom, user: &User, id: i64) -> Outcome<Article> {
    let article = load(newsroom, id).await?;
    if user.may_read(&article) || article.status == ArticleStatus::Published {
        Ok(article)
    } else {
        Err(Failure::Forbidden(format!("the {} role may not read this article", user.role)))
    }
}

async fn load(newsroom: &Newsroom, id: i64) -> Outcome<Article> {
    newsroom.store().article(id).await.map_err(|e| match e {
        StoreError::NotFound => Failure::NotFound("no such article".into()),
        other => other.into(),
    })
}

/// `user` starts a draft.
pub async fn create(newsroom: &Newsroom, user: &User, input: ArticleInput) -> Outcome<Article> {
    let new = prepare(newsroom, user, input, None, ArticleStatus::Draft, None).await?;
    newsroom.store().create_article_by(&new, Some(user.id)).await.map_err(save_failure)
}

/// `user` saves their changes to article `id`, made from `revision`, and changes its
/// publication as `change` says.
pub async fn update(
    newsroom: &Newsroom,
    user: &User,
    id: i64,
    revision: i64,
    input: ArticleInput,
    change: StatusChange,
) -> Outcome<Article> {
    let current = editable(newsroom, user, id).await?;
    let (status, published_at) = next_status(user, &current, change)?;
    let new = prepare(newsroom, user, input, Some(&current), status, published_at).await?;
    let article =
        newsroom.store().update_article(id, revision, &new, Some(user.id)).await.map_err(save_failure)?;
    if let Some(action) = change.audit() {
        audit(newsroom, user, action, &article).await?;
    }
    // What was autosaved is now saved.
    newsroom.store().discard_draft(id, user.id).await?;
    Ok(article)
}

/// `user` adds an image to the text of article `article_id` (the editor's image card): anyone
/// who may change the article may, contributors in their own drafts included.
pub async fn upload_image(
    newsroom: &Newsroom,
    user: &User,
    article_id: i64,
    upload: Upload,
) -> Outcome<masthead_core::Media> {
    if !user.may(Action::UploadMedia) {
        editable(newsroom, user, article_id).await?;
    }
    crate::media::require_alt(&upload)?;
    upload_unchecked(newsroom, upload).await
}

/// The largest autosaved draft, in bytes of its fields: the body's limit and room for the rest.
pub const MAX_DRAFT_BYTES: usize = masthead_core::body::MAX_BODY_BYTES + 64 * 1024;

/// The fields of the editor an autosave keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct DraftFields {
    pub title: String,
    pub dek: String,
    pub excerpt: String,
    pub body: String,
}

/// An autosaved draft, as the editor offers it back.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeptDraft {
    pub saved_at: Timestamp,
    /// The revision it was made from.
    pub revision: i64,
    pub fields: DraftFields,
}

/// `user` autosaves their unsaved changes to article `id` (made from `revision`) in their own
/// draft slot: the article, published or not, does not change.
pub async fn save_draft(
    newsroom: &Newsroom,
    user: &User,
    id: i64,
    revision: i64,
    fields: &DraftFields,
    now: Timestamp,
) -> Outcome<()> {
    editable(newsroom, user, id).await?;
    let json = serde_json::to_string(fields).map_err(|e| Failure::Internal(e.to_string()))?;
    if json.len() > MAX_DRAFT_BYTES {
        return Err(Failure::invalid(
            "body",
            format!("the draft is {} bytes; at most {MAX_DRAFT_BYTES} are kept", json.len()),
        ));
    }
    newsroom.store().save_draft(id, user.id, revision, &json, now).await?;
    Ok(())
}

/// `user`'s autosaved draft of `article`, when it differs from the article as saved (one that
/// does not is forgotten). Saving the article forgets the writer's draft, so a draft kept is
/// work not saved, even when someone else saved the article since.
pub async fn kept_draft(newsroom: &Newsroom, user: &User, article: &Article) -> Outcome<Option<KeptDraft>> {
    let Some(draft) = newsroom.store().draft(article.id, user.id).await? else {
        return Ok(None);
    };
    let fields: DraftFields = serde_json::from_str(&draft.fields).unwrap_or_default();
    let current = DraftFields {
        title: article.title.clone(),
        dek: article.dek.clone(),
        excerpt: masthead_core::body::own_excerpt(&article.excerpt, &article.body.html),
        body: article.body.source.clone(),
    };
    if fields == current {
        newsroom.store().discard_draft(article.id, user.id).await?;
        return Ok(None);
    }
    Ok(Some(KeptDraft { saved_at: draft.saved_at, revision: draft.revision, fields }))
}

/// `user` throws their autosaved draft of article `id` away.
pub async fn discard_draft(newsroom: &Newsroom, user: &User, id: i64) -> Outcome<()> {
    editable(newsroom, user, id).await?;
    newsroom.store().discard_draft(id, user.id).await?;
    Ok(())
}

/// What a bulk action of the newsroom's list does to each article chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BulkAction {
    Publish,
    Unpublish,
    Delete,
    /// Files each under a region, theme or tag, as a save over its current revision.
    File(i64),
}

/// What a bulk action did: how many articles it changed, and each it could not, with why.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct BulkOutcome {
    pub done: usize,
    pub refused: Vec<(i64, String)>,
}

/// The most articles one bulk action takes.
pub const MAX_BULK: usize = 200;

/// `user` applies `action` to each of `ids`: each article on its own (one refused leaves the
/// others done), each by the use case and the rights of a single change.
pub async fn bulk(newsroom: &Newsroom, user: &User, ids: &[i64], action: BulkAction) -> Outcome<BulkOutcome> {
    if ids.len() > MAX_BULK {
        return Err(Failure::invalid("ids", format!("at most {MAX_BULK} articles at once")));
    }
    if let BulkAction::File(term_id) = action {
        newsroom.store().term(term_id).await.map_err(|e| match e {
            StoreError::NotFound => {
                Failure::Unknown { field: "term".into(), message: format!("no term number {term_id}") }
            }
            other => other.into(),
        })?;
    }
    let mut outcome = BulkOutcome::default();
    for &id in ids {
        let done = match action {
            BulkAction::Publish => change_status(newsroom, user, id, StatusChange::Publish).await.map(|_| ()),
            BulkAction::Unpublish => {
                change_status(newsroom, user, id, StatusChange::Unpublish).await.map(|_| ())
            }
            BulkAction::Delete => delete(newsroom, user, id).await,
            BulkAction::File(term_id) => file_under(newsroom, user, id, term_id).await,
        };
        match done {
            Ok(()) => outcome.done += 1,
            Err(Failure::Unavailable(e)) => return Err(Failure::Unavailable(e)),
            Err(failure) => outcome.refused.push((id, failure.to_string())),
        }
    }
    Ok(outcome)
}

/// Files article `id` under `term_id` too, as a save over its current revision.
async fn file_under(newsroom: &Newsroom, user: &User, id: i64, term_id: i64) -> Outcome<()> {
    let current = editable(newsroom, user, id).await?;
    if current.terms.iter().any(|t| t.id == term_id) {
        return Ok(());
    }
    let mut new = newsroom.store().revision_snapshot(id, current.revision).await?;
    new.term_ids.push(term_id);
    new.published_at = current.published_at;
    newsroom.store().update_article(id, current.revision, &new, Some(user.id)).await.map_err(save_failure)?;
    Ok(())
}

/// `user` publishes, unpublishes or schedules article `id` as it stands.
pub async fn change_status(
    newsroom: &Newsroom,
    user: &User,
    id: i64,
    change: StatusChange,
) -> Outcome<Article> {
    let article = load(newsroom, id).await?;
    let (status, at) = match change {
        StatusChange::Keep => return Ok(article),
        StatusChange::Publish => (ArticleStatus::Published, None),
        StatusChange::Unpublish => (ArticleStatus::Unpublished, None),
        StatusChange::Schedule(at) => {
            future(at)?;
            (ArticleStatus::Scheduled, Some(at))
        }
    };
    if !user.may_publish(&article) {
        return Err(crate::error::refused(user, "publish or unpublish this article"));
    }
    let article = newsroom.store().set_status(id, status, at, Some(user.id)).await.map_err(save_failure)?;
    if let Some(action) = change.audit() {
        audit(newsroom, user, action, &article).await?;
    }
    Ok(article)
}

/// `user` adds a correction to the published article `id`, seen at `revision`: it is printed
/// under the article, raises its version in feeds and ninjs, is announced to WebSub hubs and
/// partners, and every copy's status image says "corrected". Those who may publish the
/// article may correct it.
pub async fn correct(
    newsroom: &Newsroom,
    user: &User,
    id: i64,
    revision: i64,
    text: &str,
) -> Outcome<Article> {
    amend(newsroom, user, id, revision, Amendment::Correct(text.to_owned()), "article corrected").await
}

/// `user` withdraws the published article `id`, seen at `revision` (a legal takedown): its page
/// answers 410 Gone with `notice`, it leaves feeds, sitemaps and lists, ninjs calls it
/// canceled, and every copy's status image says "withdrawn". Editors and above only.
pub async fn withdraw(
    newsroom: &Newsroom,
    user: &User,
    id: i64,
    revision: i64,
    notice: &str,
) -> Outcome<Article> {
    if !user.may(Action::PublishAny) {
        return Err(crate::error::refused(user, "withdraw articles"));
    }
    amend(newsroom, user, id, revision, Amendment::Withdraw(notice.to_owned()), "article withdrawn").await
}

async fn amend(
    newsroom: &Newsroom,
    user: &User,
    id: i64,
    revision: i64,
    amendment: Amendment,
    action: &str,
) -> Outcome<Article> {
    let article = load(newsroom, id).await?;
    if !user.may_publish(&article) {
        return Err(crate::error::refused(user, "correct or withdraw this article"));
    }
    let field = match amendment {
        Amendment::Correct(_) => "correction",
        Amendment::Withdraw(_) => "withdrawal_notice",
    };
    let article = newsroom.store().amend_article(id, revision, &amendment, Some(user.id)).await.map_err(
        |e| match e {
            StoreError::Invalid(m) => Failure::invalid(field, m),
            other => save_failure(other),
        },
    )?;
    audit(newsroom, user, action, &article).await?;
    Ok(article)
}

/// `user` deletes article `id`: editors any article, writers their own drafts.
pub async fn delete(newsroom: &Newsroom, user: &User, id: i64) -> Outcome<()> {
    let article = load(newsroom, id).await?;
    let own_draft = article.status == ArticleStatus::Draft && user.may_edit(&article);
    if !user.may(Action::DeleteArticles) {
        return Err(crate::error::refused(user, "delete articles"));
    }
    if !(user.role.may(Action::EditAnyArticle) || own_draft) {
        return Err(crate::error::refused(user, "delete this article"));
    }
    newsroom.store().delete_article(id).await?;
    audit(newsroom, user, "article deleted", &article).await
}

/// `user` brings back the words of revision `restored` as a new revision, over `seen`, the
/// revision they last saw. Publishing stays a separate act: the status is left as it is.
pub async fn restore(
    newsroom: &Newsroom,
    user: &User,
    id: i64,
    restored: i64,
    seen: i64,
) -> Outcome<Article> {
    let current = editable(newsroom, user, id).await?;
    let mut snapshot = snapshot(newsroom, id, restored).await?;
    snapshot.status = current.status;
    snapshot.published_at = current.published_at;
    let article =
        newsroom.store().update_article(id, seen, &snapshot, Some(user.id)).await.map_err(save_failure)?;
    newsroom
        .store()
        .audit(Some(user.id), "revision restored", &format!("{} (revision {restored})", article.slug))
        .await?;
    Ok(article)
}

/// `user` uploads an image and makes it article `id`'s featured image, as a save over the
/// current revision. Whoever may change the article may give it an image: contributors too,
/// in their own drafts.
pub async fn set_featured_image(
    newsroom: &Newsroom,
    user: &User,
    id: i64,
    upload: Upload,
) -> Outcome<Article> {
    let current = editable(newsroom, user, id).await?;
    crate::media::require_alt(&upload)?;
    let (alt, credit) = (upload.alt.trim().to_owned(), upload.credit.trim().to_owned());
    let media = upload_unchecked(newsroom, upload).await?;
    let mut new = snapshot(newsroom, id, current.revision).await?;
    new.featured_media_id = Some(media.id);
    new.featured_alt = alt;
    new.featured_credit = credit;
    new.published_at = current.published_at;
    newsroom.store().update_article(id, current.revision, &new, Some(user.id)).await.map_err(save_failure)
}

/// Every saved revision of article `id`, newest first, for someone who may change it.
pub async fn history(newsroom: &Newsroom, user: &User, id: i64) -> Outcome<(Article, Vec<Revision>)> {
    let article = editable(newsroom, user, id).await?;
    let revisions = newsroom.store().revisions(id).await?;
    Ok((article, revisions))
}

/// One revision of article `id` beside the one before it, and the fields that differ.
#[derive(Debug)]
pub struct RevisionView {
    pub article: Article,
    pub revision: i64,
    pub snapshot: NewArticle,
    /// (field, field as a person names it, unified diff), for the text fields.
    pub diffs: Vec<(&'static str, &'static str, String)>,
    /// (field as a person names it, word-level diff as HTML) for the text fields this revision
    /// changed.
    pub word_diffs: Vec<(&'static str, String)>,
}

/// Revision `revision` of article `id` with what it changed, for someone who may change it.
pub async fn revision(newsroom: &Newsroom, user: &User, id: i64, revision: i64) -> Outcome<RevisionView> {
    let article = editable(newsroom, user, id).await?;
    let snapshot = snapshot(newsroom, id, revision).await?;
    let previous =
        if revision > 1 { newsroom.store().revision_snapshot(id, revision - 1).await.ok() } else { None };
    let before = previous.as_ref();
    let diff = |key: &'static str, name: &'static str, old: Option<&str>, new: &str| {
        (key, name, unified_diff(old.unwrap_or(""), new, (&format!("{key} before"), &format!("{key} after"))))
    };
    let texts = [
        ("title", "Headline", before.map(|p| p.title.as_str()), snapshot.title.as_str()),
        ("dek", "Standfirst", before.map(|p| p.dek.as_str()), snapshot.dek.as_str()),
        ("body", "Text", before.map(|p| p.body.source.as_str()), snapshot.body.source.as_str()),
        ("excerpt", "Excerpt", before.map(|p| p.excerpt.as_str()), snapshot.excerpt.as_str()),
    ];
    let diffs = texts.iter().map(|(key, name, old, new)| diff(key, name, *old, new)).collect();
    let word_diffs = texts
        .iter()
        .filter(|(_, _, old, new)| old.unwrap_or("") != *new)
        .map(|(_, name, old, new)| (*name, word_diff_html(old.unwrap_or(""), new)))
        .collect();
    Ok(RevisionView { article, revision, snapshot, diffs, word_diffs })
}

async fn snapshot(newsroom: &Newsroom, id: i64, revision: i64) -> Outcome<NewArticle> {
    newsroom.store().revision_snapshot(id, revision).await.map_err(|e| match e {
        StoreError::NotFound => Failure::NotFound(format!("this article has no revision {revision}")),
        other => other.into(),
    })
}

/// A unified diff of two texts, for reading what a save changed.
pub fn unified_diff(before: &str, after: &str, names: (&str, &str)) -> String {
    similar::TextDiff::from_lines(before, after)
        .unified_diff()
        .context_radius(3)
        .missing_newline_hint(false)
        .header(names.0, names.1)
        .to_string()
}

/// What changed between two texts, word by word, as HTML: removed words in `<del>`, added ones
/// in `<ins>`, the rest as it was; every word escaped. Long unchanged stretches are shortened
/// to their ends.
pub fn word_diff_html(before: &str, after: &str) -> String {
    use similar::ChangeTag;
    let diff = similar::TextDiff::from_words(before, after);
    let escape = |s: &str| s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;");
    let mut out = String::new();
    for change in diff.iter_all_changes() {
        let text = escape(change.value());
        match change.tag() {
            ChangeTag::Delete => out.push_str(&format!("<del>{text}</del>")),
            ChangeTag::Insert => out.push_str(&format!("<ins>{text}</ins>")),
            ChangeTag::Equal => out.push_str(&text),
        }
    }
    out
}

/// The saved fields in the editor's order, for listing what a save changed.
const FIELD_ORDER: &[&str] = &[
    "title",
    "slug",
    "dek",
    "body",
    "excerpt",
    "status",
    "published_at",
    "time_zone",
    "author_ids",
    "term_ids",
    "featured_media_id",
    "featured_alt",
    "featured_credit",
    "reuse_policy",
    "origins",
    "corrections",
    "withdrawal",
    "language",
    "translation_of",
];

/// What a save changed, as the newsroom names it, in the editor's order.
pub fn changed_labels(changed: &[String]) -> Vec<&str> {
    let mut fields: Vec<&String> = changed.iter().collect();
    fields.sort_by_key(|f| FIELD_ORDER.iter().position(|o| o == f).unwrap_or(usize::MAX));
    fields.into_iter().map(|f| field_label(f)).collect()
}

/// A saved field as the newsroom names it ("Headline", "Regions, themes and tags"), for the
/// history; the field's own name when it is not one of the article's.
pub fn field_label(field: &str) -> &str {
    match field {
        "title" => "Headline",
        "slug" => "Address",
        "dek" => "Standfirst",
        "body" => "Text",
        "excerpt" => "Excerpt",
        "status" => "Status",
        "published_at" => "Publication time",
        "time_zone" => "Time zone",
        "author_ids" => "Authors",
        "term_ids" => "Regions, themes and tags",
        "featured_media_id" => "Featured image",
        "featured_alt" => "Image description",
        "featured_credit" => "Image credit",
        "reuse_policy" => "Reuse terms",
        "origins" => "Where it first appeared",
        "corrections" => "Corrections",
        "withdrawal" => "Withdrawal",
        "language" => "Language",
        "translation_of" => "Translation of",
        other => other,
    }
}

/// The status and publication time after `change`, if `user` may make it.
fn next_status(
    user: &User,
    current: &Article,
    change: StatusChange,
) -> Outcome<(ArticleStatus, Option<Timestamp>)> {
    if change != StatusChange::Keep && !user.may_publish(current) {
        return Err(crate::error::refused(user, "publish or unpublish this article"));
    }
    Ok(match change {
        StatusChange::Keep => (current.status, current.published_at),
        StatusChange::Publish => {
            (ArticleStatus::Published, current.published_at.or_else(|| Some(Timestamp::now())))
        }
        StatusChange::Unpublish => (ArticleStatus::Unpublished, current.published_at),
        StatusChange::Schedule(at) => {
            future(at)?;
            (ArticleStatus::Scheduled, Some(at))
        }
    })
}

fn future(at: Timestamp) -> Outcome<()> {
    if at <= Timestamp::now() {
        return Err(Failure::invalid("at", "A scheduled time must be in the future; publish now instead."));
    }
    Ok(())
}

/// Checks the input and turns it into the article to store.
async fn prepare(
    newsroom: &Newsroom,
    user: &User,
    mut input: ArticleInput,
    current: Option<&Article>,
    status: ArticleStatus,
    published_at: Option<Timestamp>,
) -> Outcome<NewArticle> {
    let title = input.title.trim().to_owned();
    if title.is_empty() {
        return Err(Failure::invalid("title", "An article needs a headline."));
    }
    let slug = match (input.slug.as_deref().map(str::trim).filter(|s| !s.is_empty()), current) {
        (Some(s), _) => Slug::parse(s)
            .map_err(|e| Failure::invalid("slug", format!("The address cannot be used: {e}.")))?,
        // An article keeps its address when the headline changes, unless a new one is given.
        (None, Some(current)) => current.slug.clone(),
        (None, None) => Slug::from_title(&title).map_err(|e| {
            Failure::invalid("title", format!("No address can be made from the headline: {e}."))
        })?,
    };
    if input.body.trim().is_empty() {
        return Err(Failure::invalid("body", "An article needs some text."));
    }
    if !user.role.may(Action::EditAnyArticle) && !user.writes_under(&input.author_ids) {
        return Err(Failure::NotPermitted {
            field: "author_ids",
            message:
                "Your own byline must be among the authors (ask an editor to link your account to an author)."
                    .into(),
        });
    }
    if let Some(id) = input.featured_media_id {
        match newsroom.store().media(id).await {
            Ok(_) => {}
            Err(masthead_store::StoreError::NotFound) => {
                return Err(Failure::invalid(
                    "featured_media_id",
                    format!("There is no image number {id} in the media library."),
                ));
            }
            Err(e) => return Err(e.into()),
        }
    }
    let site = newsroom.store().site().await?;
    let time_zone = input.time_zone.take().unwrap_or_else(|| site.time_zone.clone());
    if !masthead_core::time::is_known_zone(&time_zone) {
        return Err(Failure::invalid(
            "time_zone",
            format!("{time_zone:?} is not a time zone Masthead knows."),
        ));
    }
    let language = input.language.trim().to_owned();
    if !language.is_empty() && !masthead_core::article::is_language_tag(&language) {
        return Err(Failure::invalid(
            "language",
            format!("{language:?} is not a language tag (for example en, sr, sr-Latn or pt-BR)."),
        ));
    }
    // A translation names the original of its group, never another translation.
    let translation_of = match input.translation_of {
        None => None,
        Some(id) if current.is_some_and(|c| c.id == id) => {
            return Err(Failure::invalid("translation_of", "An article cannot be a translation of itself."));
        }
        Some(id) => match newsroom.store().article(id).await {
            Ok(original) => {
                let root = original.translation_of.unwrap_or(original.id);
                if current.is_some_and(|c| c.id == root) {
                    return Err(Failure::invalid(
                        "translation_of",
                        "That article is a translation of this one; this one is the original.",
                    ));
                }
                if root != original.id {
                    let root_article = newsroom.store().article(root).await?;
                    Some(root_article)
                } else {
                    Some(original)
                }
            }
            Err(StoreError::NotFound) => {
                return Err(Failure::invalid("translation_of", format!("There is no article number {id}.")));
            }
            Err(e) => return Err(e.into()),
        },
    };
    // A translation keeps its original's provenance and terms, unless the newsroom gave its own.
    if let Some(original) = &translation_of {
        if input.origins.is_empty() {
            let chain: &[masthead_core::Origin] = match &original.provenance {
                masthead_core::Provenance::Republished { chain } => chain,
                masthead_core::Provenance::Own => &[],
            };
            input.origins = chain
                .iter()
                .map(|o| NewOrigin {
                    outlet_id: o.outlet.id,
                    url: o.url.clone(),
                    published_at: o.published_at,
                    byline: o.byline.clone(),
                })
                .collect();
        }
        if input.reuse_policy.is_none() {
            input.reuse_policy = Some(original.effective_policy(&site));
        }
    }
    let (format, source) = (input.body_format, input.body.clone());
    let body = newsroom.work().run(crate::work::Kind::Body, move || render_body(format, &source)).await;
    let body = body.map_err(|e| Failure::invalid("body", format!("The text cannot be saved: {e}.")))?;
    add_new_tags(newsroom, &mut input).await?;
    Ok(NewArticle {
        slug,
        title,
        dek: input.dek.trim().to_owned(),
        body,
        excerpt: input.excerpt,
        status,
        published_at,
        time_zone,
        author_ids: input.author_ids,
        term_ids: input.term_ids,
        featured_media_id: input.featured_media_id,
        featured_alt: input.featured_alt,
        featured_credit: input.featured_credit,
        reuse_policy: input.reuse_policy,
        origins: input.origins,
        language,
        translation_of: translation_of.map(|o| o.id),
    })
}

/// Finds or makes each tag the writer named and adds it. Anyone who may write may add a tag;
/// regions and themes are the editors' to manage.
async fn add_new_tags(newsroom: &Newsroom, input: &mut ArticleInput) -> Outcome<()> {
    for name in std::mem::take(&mut input.new_tags) {
        let name = name.trim().to_owned();
        if name.is_empty() {
            continue;
        }
        let slug = Slug::from_title(&name).map_err(|_| {
            Failure::invalid("new_tags", format!("No tag address can be made from {name:?}."))
        })?;
        let term = match newsroom.store().term_by_slug(TermKind::Tag, &slug).await {
            Ok(term) => term,
            Err(StoreError::NotFound) => {
                let new =
                    NewTerm { kind: TermKind::Tag, slug, name, description: String::new(), parent_id: None };
                newsroom.store().create_term(&new).await?
            }
            Err(e) => return Err(e.into()),
        };
        if !input.term_ids.contains(&term.id) {
            input.term_ids.push(term.id);
        }
    }
    Ok(())
}

/// What to tell the writer about a save the store refused.
fn save_failure(e: StoreError) -> Failure {
    match e {
        StoreError::NotFound => Failure::NotFound("no such article".into()),
        StoreError::Conflict { what } if what.contains("slug") => Failure::Taken {
            field: "slug",
            message: "Another article has this address; choose another slug.".into(),
        },
        StoreError::Invalid(m) if m.contains("referenced record") => {
            Failure::invalid("author_ids", "An author, term, outlet or image named here does not exist.")
        }
        StoreError::Invalid(m) if m.contains("time zone") => Failure::invalid("time_zone", m),
        StoreError::Invalid(m) => {
            Failure::invalid("published_at", format!("The article cannot be saved: {m}."))
        }
        other => other.into(),
    }
}

async fn audit(newsroom: &Newsroom, user: &User, action: &str, article: &Article) -> Outcome<()> {
    newsroom.store().audit(Some(user.id), action, &format!("{} ({})", article.title, article.slug)).await?;
    Ok(())
}

/// One line of the newsroom's list of articles: (id, slug, headline, status, last saved).
pub type Listed = (i64, Slug, String, ArticleStatus, Timestamp);

/// The most articles [`list`] gives.
pub const LIST_LIMIT: u32 = 200;

/// The articles `user` may see in the newsroom's list, of `status` if given, the most recently
/// saved first (see [`find`]).
pub async fn list(newsroom: &Newsroom, user: &User, status: Option<ArticleStatus>) -> Outcome<Vec<Listed>> {
    find(newsroom, user, masthead_store::ArticleFilter { status, ..Default::default() }).await
}

/// The articles matching `filter` that `user` may see, the most recently saved first: editors
/// and above see every article; authors and contributors their own (the ones under their
/// byline) and the published ones. A list names headlines and slugs, so it must not show a
/// draft to someone who may not read it.
pub async fn find(
    newsroom: &Newsroom,
    user: &User,
    filter: masthead_store::ArticleFilter,
) -> Outcome<Vec<Listed>> {
    use masthead_store::ArticleFilter;
    let store = newsroom.store();
    if user.role.may(Action::EditAnyArticle) {
        return Ok(store.find_articles(&filter, LIST_LIMIT).await?);
    }
    let mut listed = match user.author_id {
        Some(own) if filter.author_id.is_none_or(|a| a == own) => {
            store.find_articles(&ArticleFilter { author_id: Some(own), ..filter.clone() }, LIST_LIMIT).await?
        }
        _ => Vec::new(),
    };
    if matches!(filter.status, None | Some(ArticleStatus::Published)) {
        let published = ArticleFilter { status: Some(ArticleStatus::Published), ..filter };
        for line in store.find_articles(&published, LIST_LIMIT).await? {
            if !listed.iter().any(|l| l.0 == line.0) {
                listed.push(line);
            }
        }
    }
    listed.sort_by(|a, b| b.4.cmp(&a.4).then(b.0.cmp(&a.0)));
    listed.truncate(LIST_LIMIT as usize);
    Ok(listed)
}
