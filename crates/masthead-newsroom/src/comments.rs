//! Readers' comments. Members write them (`post`): a small Markdown subset, one level of
//! replies, within the site's rules (comments on, the article's comments open, the member not
//! barred, not too many at once); a member's first comment, comments with links and comments
//! with a word from the settings' list are held for the newsroom. Writers edit theirs for ten
//! minutes and delete them whenever. Editors and up moderate the queue (`moderate`) and close
//! an article's comments. Whoever asked hears by e-mail of a comment once it is shown: the
//! writer of the comment it answers, and the article's authors when the settings say so.

use jiff::Timestamp;
use masthead_core::comment::{self, CommentRefusal, RenderedComment};
use masthead_core::{
    Action, Article, ArticleStatus, Comment, CommentStatus, Member, MemberStatus, Site, User,
};
use masthead_store::{Moderation, NewMemberComment, QueuedComment, StoreError};

use crate::context::Newsroom;
use crate::error::{Failure, Outcome, refused};
use crate::work::Kind;

/// How many comments a member may write in an hour.
pub const PER_MEMBER_PER_HOUR: i64 = 10;
/// The longest name shown with a comment.
const MAX_NAME_CHARS: usize = 80;

/// What a member wrote.
#[derive(Debug, Clone, Default)]
pub struct CommentRequest {
    pub article_id: i64,
    /// The comment answered (a reply to a reply answers the comment that began the thread).
    pub parent_id: Option<i64>,
    pub text: String,
    /// The name shown; needed when the member has none (it becomes theirs).
    pub name: String,
    /// E-mail me replies.
    pub notify_replies: bool,
}

/// What became of a comment.
#[derive(Debug, Clone)]
pub enum Posted {
    /// Shown under the article now.
    Shown(Comment),
    /// Waiting for the newsroom; `Comment::held_for` says why.
    Held(Comment),
    /// The member wrote [`PER_MEMBER_PER_HOUR`] comments in the last hour: nothing was saved.
    TooMany,
}

/// Whether members may comment on `article` at `now`, and if not, why (in readers' words).
pub fn closed_because(
    site: &Site,
    article: &Article,
    closed_by_newsroom: bool,
    now: Timestamp,
) -> Option<&'static str> {
    if !site.comments {
        return Some("Comments are off on this site.");
    }
    if article.status != ArticleStatus::Published {
        return Some("Comments open when the article is published.");
    }
    if closed_by_newsroom {
        return Some("Comments on this article are closed.");
    }
    let days = i64::from(site.comments_close_after_days);
    if days > 0
        && let Some(published) = article.published_at
        && now.as_second() - published.as_second() > days * 86_400
    {
        return Some("Comments on this article are closed.");
    }
    None
}

fn refusal(e: CommentRefusal) -> Failure {
    Failure::invalid(
        "text",
        match e {
            CommentRefusal::Empty => "Write something first.".to_owned(),
            CommentRefusal::TooLong { chars, limit } => {
                format!(
                    "Your comment is {chars} characters long; comments are at most {limit}. Shorten it and send it again."
                )
            }
            CommentRefusal::TooDeep => "Your comment nests quotes or lists too deeply.".to_owned(),
        },
    )
}

async fn render(newsroom: &Newsroom, text: &str) -> Outcome<RenderedComment> {
    let text = text.to_owned();
    newsroom.work().run(Kind::Body, move || comment::render_comment(&text)).await.map_err(refusal)
}

/// Why a comment with `rendered` text would be held (empty: it is not).
fn held_for(site: &Site, first: bool, text: &str, rendered: &RenderedComment) -> String {
    if first {
        "first comment".into()
    } else if rendered.has_links {
        "links".into()
    } else if let Some(word) = comment::held_word(text, &site.comments_held_words) {
        format!("the word “{word}”")
    } else {
        String::new()
    }
}

/// `member` comments on an article.
pub async fn post(
    newsroom: &Newsroom,
    member: &Member,
    request: &CommentRequest,
    now: Timestamp,
) -> Outcome<Posted> {
    let store = newsroom.store();
    let site = store.site().await?;
    let article = match store.article(request.article_id).await {
        Ok(a) if a.status == ArticleStatus::Published => a,
        Ok(_) | Err(StoreError::NotFound) => {
            return Err(Failure::NotFound("There is no such article.".into()));
        }
        Err(e) => return Err(e.into()),
    };
    if let Some(why) = closed_because(&site, &article, store.comments_closed(article.id).await?, now) {
        return Err(Failure::Refused(why.into()));
    }
    if member.status != MemberStatus::Active {
        return Err(Failure::Refused(
            "Confirm your address first: follow the link in the e-mail we sent you.".into(),
        ));
    }
    let record = store.commenter_record(member.id, now - jiff::SignedDuration::from_hours(1)).await?;
    if record.banned {
        return Err(Failure::Refused("You can no longer comment on this site.".into()));
    }
    if record.recent >= PER_MEMBER_PER_HOUR {
        return Ok(Posted::TooMany);
    }
    let parent_id = match request.parent_id {
        None => None,
        Some(id) => {
            let parent = match store.comment(id).await {
                Ok(c) if c.article_id == article.id && c.status == CommentStatus::Approved => c,
                Ok(_) | Err(StoreError::NotFound) => {
                    return Err(Failure::invalid("parent", "The comment you answer is not on this article."));
                }
                Err(e) => return Err(e.into()),
            };
            Some(parent.parent_id.unwrap_or(parent.id))
        }
    };
    let name = name_for(newsroom, member, &request.name).await?;
    let rendered = render(newsroom, &request.text).await?;
    let held = held_for(&site, record.approved == 0, &request.text, &rendered);
    let status = if held.is_empty() { CommentStatus::Approved } else { CommentStatus::Held };
    let saved = store
        .add_comment(&NewMemberComment {
            article_id: article.id,
            parent_id,
            member_id: member.id,
            author_name: name,
            body_html: rendered.html,
            body_source: request.text.trim().to_owned(),
            status,
            held_for: held,
            notify_replies: request.notify_replies,
            created_at: now,
        })
        .await?;
    if status == CommentStatus::Approved {
        notify(newsroom, &saved);
        Ok(Posted::Shown(saved))
    } else {
        Ok(Posted::Held(saved))
    }
}

/// The name shown with a member's comment: theirs, or the one they give, which becomes theirs.
async fn name_for(newsroom: &Newsroom, member: &Member, given: &str) -> Outcome<String> {
    let given: String = given.trim().chars().filter(|c| !c.is_control()).collect();
    if !member.name.trim().is_empty() {
        return Ok(member.name.trim().to_owned());
    }
    if given.is_empty() {
        return Err(Failure::invalid("name", "Give the name to show with your comment."));
    }
    if given.chars().count() > MAX_NAME_CHARS {
        return Err(Failure::invalid("name", format!("A name has at most {MAX_NAME_CHARS} characters.")));
    }
    let store = newsroom.store();
    store
        .update_member(
            member.id,
            &masthead_store::MemberChange {
                name: given.clone(),
                note: member.note.clone(),
                newsletters: member.newsletters.clone(),
                labels: member.labels.iter().map(|l| l.id).collect(),
            },
        )
        .await?;
    Ok(given)
}

/// A member's own comment, for editing or deleting.
async fn own(newsroom: &Newsroom, member: &Member, id: i64) -> Outcome<Comment> {
    match newsroom.store().comment(id).await {
        Ok(c) if c.member_id == Some(member.id) && c.status != CommentStatus::Deleted => Ok(c),
        Ok(_) | Err(StoreError::NotFound) => Err(Failure::NotFound("You have no such comment.".into())),
        Err(e) => Err(e.into()),
    }
}

/// One of `member`'s comments, as they see it.
pub async fn find_own(newsroom: &Newsroom, member: &Member, id: i64) -> Outcome<Comment> {
    own(newsroom, member, id).await
}

/// `member`'s comments, newest first.
pub async fn list_own(newsroom: &Newsroom, member: &Member) -> Outcome<Vec<QueuedComment>> {
    Ok(newsroom.store().member_comments(member.id, 50).await?)
}

/// `member` edits their comment, within [`comment::EDIT_WINDOW_SECONDS`] of writing it. A held
/// comment stays held; an approved one is held again if the new text has links or a listed word.
pub async fn edit(
    newsroom: &Newsroom,
    member: &Member,
    id: i64,
    text: &str,
    now: Timestamp,
) -> Outcome<Comment> {
    let current = own(newsroom, member, id).await?;
    if !current.editable_at(now) {
        return Err(Failure::Refused("Comments can be edited for ten minutes after they are sent.".into()));
    }
    let site = newsroom.store().site().await?;
    let rendered = render(newsroom, text).await?;
    let (status, held) = match current.status {
        CommentStatus::Approved => {
            let held = held_for(&site, false, text, &rendered);
            (if held.is_empty() { CommentStatus::Approved } else { CommentStatus::Held }, held)
        }
        other => (other, current.held_for.clone()),
    };
    Ok(newsroom.store().edit_comment(id, &rendered.html, text.trim(), status, &held, now).await?)
}

/// `member` deletes their comment.
pub async fn delete_own(newsroom: &Newsroom, member: &Member, id: i64) -> Outcome<Comment> {
    let current = own(newsroom, member, id).await?;
    newsroom.store().delete_comment(id).await?;
    Ok(current)
}

fn may_moderate(user: &User) -> Outcome<()> {
    if user.may(Action::ModerateComments) { Ok(()) } else { Err(refused(user, "moderate comments")) }
}

/// The queue: comments of `status`, newest first, a page after `before`; and how many there
/// are of each status.
pub async fn queue(
    newsroom: &Newsroom,
    user: &User,
    status: CommentStatus,
    before: Option<(Timestamp, i64)>,
    limit: u32,
) -> Outcome<(Vec<QueuedComment>, Vec<(CommentStatus, i64)>)> {
    may_moderate(user)?;
    let store = newsroom.store();
    Ok((store.comment_queue(status, before, limit).await?, store.comment_counts().await?))
}

/// `user` approves, marks as spam, deletes, or bans the writers of, comments `ids`. Returns how
/// many there were. Comments that become visible are announced to whoever asked.
pub async fn moderate(
    newsroom: &Newsroom,
    user: &User,
    ids: &[i64],
    action: Moderation,
    now: Timestamp,
) -> Outcome<usize> {
    may_moderate(user)?;
    if ids.len() > 500 {
        return Err(Failure::invalid("ids", "Choose at most 500 comments at a time."));
    }
    let before = newsroom.store().moderate_comments(ids, action, now).await?;
    if action == Moderation::Approve {
        for c in before
            .iter()
            .filter(|c| c.status != CommentStatus::Approved && c.status != CommentStatus::Deleted)
        {
            notify(newsroom, &Comment { status: CommentStatus::Approved, ..c.clone() });
        }
    }
    let what = match action {
        Moderation::Approve => "comments approved",
        Moderation::Spam => "comments marked as spam",
        Moderation::Delete => "comments deleted",
        Moderation::Ban => "commenters banned",
    };
    let list = before.iter().map(|c| c.id.to_string()).collect::<Vec<_>>().join(", ");
    newsroom.store().audit(Some(user.id), what, &list).await?;
    Ok(before.len())
}

/// `user` closes (or opens again) an article's comments.
pub async fn set_closed(newsroom: &Newsroom, user: &User, article_id: i64, closed: bool) -> Outcome<()> {
    may_moderate(user)?;
    newsroom.store().article(article_id).await?;
    newsroom.store().set_comments_closed(article_id, closed).await?;
    Ok(())
}

/// Whether an article's comments are closed by the newsroom.
pub async fn closed_by_newsroom(newsroom: &Newsroom, article_id: i64) -> Outcome<bool> {
    Ok(newsroom.store().comments_closed(article_id).await?)
}

/// Tells whoever asked that `comment` is now shown, in the background (a failure is logged).
fn notify(newsroom: &Newsroom, comment: &Comment) {
    let newsroom = newsroom.clone();
    let comment = comment.clone();
    tokio::spawn(async move {
        if let Err(e) = send_notices(&newsroom, &comment).await {
            tracing::error!(error = %e, comment = comment.id, "could not send the notices of a comment");
        }
    });
}

async fn send_notices(newsroom: &Newsroom, comment: &Comment) -> Outcome<()> {
    let store = newsroom.store();
    let site = store.site().await?;
    let article = store.article(comment.article_id).await?;
    let (parent, authors) = store.comment_recipients(comment.article_id, comment.parent_id).await?;
    let own_email = match comment.member_id {
        Some(id) => store.member(id).await.ok().map(|m| m.email),
        None => None,
    };
    let link = format!("{}#comment-{}", article.canonical_url(&site), comment.id);
    let text = masthead_core::body::excerpt_from_html(&comment.body_html, 120);
    let mut sent = Vec::new();
    if let Some(to) = parent.filter(|to| Some(to) != own_email.as_ref()) {
        let subject = format!("{} answered your comment on “{}”", comment.author_name, article.title);
        let body = format!(
            "{} answered your comment on “{}”:\n\n{}\n\nRead it and answer: {}\n\nYou asked to hear of answers to this comment. — {}\n",
            comment.author_name, article.title, text, link, site.title
        );
        newsroom.mailer().send(&to, &subject, &body).await.map_err(|e| Failure::Internal(e.to_string()))?;
        sent.push(to);
    }
    if site.comments_notify_authors {
        for to in authors.into_iter().filter(|a| !sent.contains(a) && Some(a) != own_email.as_ref()) {
            let subject = format!("New comment on “{}”", article.title);
            let body = format!(
                "{} commented on “{}”:\n\n{}\n\n{}\n\nThe settings send each article's authors its comments. — {}\n",
                comment.author_name, article.title, text, link, site.title
            );
            newsroom
                .mailer()
                .send(&to, &subject, &body)
                .await
                .map_err(|e| Failure::Internal(e.to_string()))?;
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn held_for_says_why() {
        let site = Site { comments_held_words: vec!["casino".into()], ..Site::default() };
        let plain = comment::render_comment("plain").unwrap();
        assert_eq!(held_for(&site, true, "plain", &plain), "first comment");
        assert_eq!(held_for(&site, false, "plain", &plain), "");
        let link = comment::render_comment("see https://x.example").unwrap();
        assert_eq!(held_for(&site, false, "see https://x.example", &link), "links");
        let word = comment::render_comment("casino night").unwrap();
        assert_eq!(held_for(&site, false, "casino night", &word), "the word “casino”");
    }
}
