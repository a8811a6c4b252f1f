//! Newsletter sends: an article e-mailed to the members of chosen newsletters (and labels) when
//! it is published or at its scheduled time, digests, a preview and a test message, and the
//! durable job that delivers them.
//!
//! **Exactly once.** When a send starts, its recipients are written down once
//! (`Store::start_send`). Nodes then claim them in batches under a lease; just before a few
//! messages are handed to the mail server, their rows are marked `sending`; when the server has
//! answered, `sent` (or `retry` for a temporary refusal, `failed` for a permanent one). A node that
//! dies leaves claimed rows that go back to the others when the lease runs out, and at most a
//! few rows per connection in `sending`: those become `uncertain` and are never sent again. So a
//! crash, a restart or several nodes never send one member the same issue twice, the send
//! resumes where it stopped, and only messages in flight at a kill are in doubt, on record.

use std::sync::Arc;
use std::time::{Duration, Instant};

use jiff::{SignedDuration, Timestamp};
use masthead_core::{Action, Article, Newsletter, Site, body::absolutize, body::html_to_plain_text};
use masthead_formats::email::{
    Issue, IssueArticle, IssueAuthor, IssueImage, IssueOriginal, PersonalCopy, RenderedIssue,
};
use masthead_store::{Claimed, RecipientResult, Send, SendKind, SendProgress, StoreError, SuppressionReason};
use serde::{Deserialize, Serialize};
use tokio::sync::Mutex;

use crate::context::Newsroom;
use crate::error::{Failure, Outcome};
use crate::mail::{ListId, Outgoing, SendFailure, Sender, message_id};
use crate::staff::Actor;

/// How long a node holds claimed recipients before others may take them back.
pub const LEASE_SECONDS: i64 = 15;
/// Recipients claimed at a time.
const CLAIM_BATCH: u32 = 256;
/// Messages one connection marks `sending` together: at most this many per connection are
/// uncertain after a kill.
const CHUNK: usize = 4;
/// Temporary refusals are tried again this many times, waiting longer each time.
pub const MAX_ATTEMPTS: i64 = crate::bounces::MAX_SEND_ATTEMPTS;
const FIRST_RETRY_SECONDS: i64 = 300;

/// What is written down when a send starts: the e-mail as it goes out.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct StoredIssue {
    pub issue: Issue,
    pub from_name: String,
    pub from_address: String,
    pub reply_to: Option<String>,
    pub list_name: String,
    pub list_id: String,
    /// The newsletter unsubscribe links leave (the first of the send's).
    pub newsletter_id: i64,
}

/// A send and where it stands.
#[derive(Debug, Clone)]
pub struct SendStatus {
    pub send: Send,
    pub progress: SendProgress,
}

fn may_send(actor: Actor<'_>) -> Outcome<()> {
    if actor.may(Action::SendNewsletters) {
        Ok(())
    } else {
        Err(Failure::Forbidden("Only editors and administrators send newsletters.".into()))
    }
}

/// The newsletters named, each existing and active.
async fn chosen_newsletters(newsroom: &Newsroom, ids: &[i64]) -> Outcome<Vec<Newsletter>> {
    if ids.is_empty() {
        return Err(Failure::invalid("newsletters", "Choose at least one newsletter to send to."));
    }
    let all = newsroom.store().newsletters().await?;
    ids.iter()
        .map(|id| {
            all.iter().find(|n| n.id == *id && n.active).cloned().ok_or_else(|| {
                Failure::invalid(
                    "newsletters",
                    format!("There is no active newsletter with the number {id}."),
                )
            })
        })
        .collect()
}

/// `user` asks for `article` to go out by e-mail to the members of `newsletters` (those with one
/// of `labels`, when some are named): when it is published, or at once if it is. While the send
/// waits, asking again changes it; once it has started, it cannot be asked again.
pub async fn request_article(
    newsroom: &Newsroom,
    actor: Actor<'_>,
    article_id: i64,
    newsletters: &[i64],
    labels: &[i64],
) -> Outcome<Send> {
    may_send(actor)?;
    let article = newsroom.store().article(article_id).await?;
    chosen_newsletters(newsroom, newsletters).await?;
    let known = newsroom.store().labels().await?;
    for label in labels {
        if !known.iter().any(|(l, _)| l.id == *label) {
            return Err(Failure::invalid("labels", format!("There is no label with the number {label}.")));
        }
    }
    let due = article.published_at.map_or(0, |t| t.as_second());
    match newsroom.store().request_article_send(article.id, newsletters, labels, due, actor.user_id()).await {
        Ok(send) => {
            newsroom
                .store()
                .audit(
                    actor.user_id(),
                    "newsletter send requested",
                    &format!("article {} ({})", article.id, article.slug),
                )
                .await?;
            Ok(send)
        }
        Err(StoreError::Conflict { .. }) => {
            Err(Failure::Refused("This article has already gone out by e-mail; it is not sent twice.".into()))
        }
        Err(e) => Err(e.into()),
    }
}

/// Withdraws a send that has not started.
pub async fn cancel(newsroom: &Newsroom, actor: Actor<'_>, send_id: i64) -> Outcome<()> {
    may_send(actor)?;
    if newsroom.store().cancel_waiting_send(send_id).await? {
        newsroom
            .store()
            .audit(actor.user_id(), "newsletter send cancelled", &format!("send {send_id}"))
            .await?;
        Ok(())
    } else {
        Err(Failure::Refused("The send has already started (or ended); it cannot be withdrawn.".into()))
    }
}

pub async fn status(newsroom: &Newsroom, actor: Actor<'_>, send_id: i64) -> Outcome<SendStatus> {
    may_send(actor)?;
    let send = newsroom.store().send(send_id).await?;
    let progress = newsroom.store().send_progress(send_id).await?;
    Ok(SendStatus { send, progress })
}

/// The newest sends, with where each stands.
pub async fn list(newsroom: &Newsroom, actor: Actor<'_>, before: Option<i64>) -> Outcome<Vec<SendStatus>> {
    may_send(actor)?;
    let mut out = Vec::new();
    for send in newsroom.store().sends(before, 50).await? {
        let progress = newsroom.store().send_progress(send.id).await?;
        out.push(SendStatus { send, progress });
    }
    Ok(out)
}

/// The send asked for `article`, if any.
pub async fn for_article(
    newsroom: &Newsroom,
    actor: Actor<'_>,
    article_id: i64,
) -> Outcome<Option<SendStatus>> {
    may_send(actor)?;
    let Some(send) = newsroom.store().article_send(article_id).await? else { return Ok(None) };
    let progress = newsroom.store().send_progress(send.id).await?;
    Ok(Some(SendStatus { send, progress }))
}

// ---- making the e-mail ----

/// The article as the e-mail shows it: addresses absolute, the byline, "originally published
/// on", the image's credit, the copyright and the terms kept.
pub fn issue_article(site: &Site, article: &Article, full: bool) -> IssueArticle {
    let body_html = if full { absolutize(&article.body.html, &site.base_url) } else { String::new() };
    let body_text = if full { html_to_plain_text(&body_html) } else { String::new() };
    let date = article
        .published_at
        .map(|at| masthead_core::time::in_zone(at, &article.time_zone).strftime("%-d %B %Y").to_string())
        .unwrap_or_default();
    IssueArticle {
        id: article.id,
        title: article.title.clone(),
        url: site.url(&article.path()),
        link: site.url(&article.path()),
        dek: if article.dek.is_empty() { article.excerpt.clone() } else { article.dek.clone() },
        authors: article
            .authors
            .iter()
            .map(|a| IssueAuthor { name: a.name.clone(), url: site.url(&a.path()) })
            .collect(),
        date,
        body_html,
        body_text,
        image: article.featured.as_ref().map(|f| IssueImage {
            url: site.url(&f.media.public_path()),
            alt: f.alt.clone(),
            credit: f.credit.clone(),
        }),
        original: article
            .provenance
            .original()
            .map(|o| IssueOriginal { outlet: o.outlet.name.clone(), url: o.url.to_string() }),
        copyright: article.copyright_line(site),
        policy: article.effective_policy(site).text().to_owned(),
    }
}

/// The e-mail for one or more articles, from the first newsletter's sender.
fn stored_issue(
    newsroom: &Newsroom,
    site: &Site,
    newsletter: &Newsletter,
    subject: String,
    intro: Option<String>,
    full: bool,
    articles: Vec<IssueArticle>,
) -> StoredIssue {
    let host = site.base_url.host_str().unwrap_or("localhost").to_owned();
    StoredIssue {
        issue: Issue {
            subject,
            language: site.language.clone(),
            site_title: site.title.clone(),
            site_url: site.base_url.to_string(),
            account_url: site.url("/account"),
            newsletter_name: newsletter.name.clone(),
            newsletter_description: newsletter.description.clone(),
            intro,
            full,
            articles,
            tracking_image: None,
        },
        from_name: newsletter
            .sender_name
            .clone()
            .filter(|n| !n.trim().is_empty())
            .unwrap_or_else(|| site.title.clone()),
        from_address: newsletter
            .sender_email
            .clone()
            .filter(|a| !a.trim().is_empty())
            .unwrap_or_else(|| newsroom.mailer().from_address()),
        reply_to: newsletter.reply_to.clone().filter(|r| !r.trim().is_empty()),
        list_name: newsletter.name.clone(),
        list_id: format!("{}.{host}", newsletter.slug),
        newsletter_id: newsletter.id,
    }
}

/// The first-party image that counts a send's opens, when the outlet counts them.
fn counting_image(site: &Site, send_id: i64) -> Option<String> {
    site.newsletter_counts.then(|| site.url(&format!("/e/{send_id}/open.gif")))
}

/// Counts one open of `send_id` (the image in the e-mail was loaded), or one click (a link in
/// it was followed), for the send as a whole, when the outlet counts them. Nothing about the
/// reader is kept.
pub async fn count(newsroom: &Newsroom, send_id: i64, click: bool) -> Outcome<()> {
    if newsroom.store().site().await?.newsletter_counts {
        newsroom.store().count_send_event(send_id, click).await?;
    }
    Ok(())
}

/// Where a counted click on `article_id` leads: its page, when it is published.
pub async fn click_target(newsroom: &Newsroom, article_id: i64) -> Outcome<Option<String>> {
    match newsroom.store().article(article_id).await {
        Ok(a) if a.status == masthead_core::ArticleStatus::Published => Ok(Some(a.path())),
        Ok(_) | Err(StoreError::NotFound) => Ok(None),
        Err(e) => Err(e.into()),
    }
}

/// A digest's e-mail: the articles listed with their standfirsts.
pub(crate) fn digest_issue(
    newsroom: &Newsroom,
    site: &Site,
    newsletter: &Newsletter,
    subject: String,
    intro: Option<String>,
    articles: Vec<IssueArticle>,
) -> StoredIssue {
    stored_issue(newsroom, site, newsletter, subject, intro, false, articles)
}

async fn article_issue(
    newsroom: &Newsroom,
    article_id: i64,
    newsletter: &Newsletter,
) -> Outcome<StoredIssue> {
    let site = newsroom.store().site().await?;
    let article = newsroom.store().article(article_id).await?;
    let item = issue_article(&site, &article, true);
    Ok(stored_issue(newsroom, &site, newsletter, article.title.clone(), None, true, vec![item]))
}

fn render(newsroom: &Newsroom, stored: &StoredIssue) -> Outcome<RenderedIssue> {
    newsroom.email_theme().render(&stored.issue).map_err(|e| Failure::Internal(e.to_string()))
}

/// What a reader of `newsletter` would receive for `article`, for the browser (the unsubscribe
/// link goes nowhere).
pub async fn preview(
    newsroom: &Newsroom,
    actor: Actor<'_>,
    article_id: i64,
    newsletter_id: i64,
) -> Outcome<(String, PersonalCopy)> {
    may_send(actor)?;
    let newsletter = chosen_newsletters(newsroom, &[newsletter_id]).await?.remove(0);
    let stored = article_issue(newsroom, article_id, &newsletter).await?;
    let rendered = render(newsroom, &stored)?;
    Ok((rendered.subject.clone(), rendered.personalise("#unsubscribe")))
}

/// Sends the e-mail for `article` to `to` alone, now, marked as a test; nothing is recorded.
pub async fn test_send(
    newsroom: &Newsroom,
    actor: Actor<'_>,
    article_id: i64,
    newsletter_id: i64,
    to: &str,
) -> Outcome<()> {
    may_send(actor)?;
    let Some(to) = masthead_core::account::normalize_email(to).filter(|t| t.len() <= 254) else {
        return Err(Failure::invalid("to", "Give the address to send the test to."));
    };
    let newsletter = chosen_newsletters(newsroom, &[newsletter_id]).await?.remove(0);
    let stored = article_issue(newsroom, article_id, &newsletter).await?;
    let rendered = render(newsroom, &stored)?;
    let copy = rendered.personalise(&newsroom.store().site().await?.url("/account"));
    let outgoing = outgoing(
        &stored,
        &format!("[Test] {}", rendered.subject),
        copy,
        &to,
        None,
        None,
        format!("test-{}", crate::secrets::new_token()),
    );
    match newsroom.mailer().deliver(&outgoing).await {
        Ok(_) => Ok(()),
        Err(e) => Err(Failure::Unavailable(format!("The mail server did not take the test message: {e}"))),
    }
}

#[allow(clippy::too_many_arguments)]
fn outgoing(
    stored: &StoredIssue,
    subject: &str,
    copy: PersonalCopy,
    to: &str,
    unsubscribe_url: Option<&str>,
    return_path: Option<String>,
    message_id: String,
) -> Outgoing {
    Outgoing {
        from: Sender { name: stored.from_name.clone(), address: stored.from_address.clone() },
        reply_to: stored.reply_to.clone(),
        to: to.to_owned(),
        subject: subject.to_owned(),
        text: copy.text,
        html: copy.html,
        list_id: Some(ListId { name: stored.list_name.clone(), id: stored.list_id.clone() }),
        unsubscribe_url: unsubscribe_url.and_then(|u| masthead_core::AbsoluteUrl::parse(u).ok()),
        return_path,
        message_id,
    }
}

// ---- the job ----

/// This process's name in claims: host, process and a random part, so that a restarted
/// process never mistakes an earlier one's claims for its own.
pub fn node() -> &'static str {
    static NODE: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
        let host = std::env::var("HOSTNAME").unwrap_or_else(|_| "node".into());
        format!("{host}-{}-{}", std::process::id(), &crate::secrets::new_token()[..8])
    });
    &NODE
}

/// What one turn did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TurnCount {
    pub started: usize,
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

/// One turn of the send job: starts the sends that are due, then delivers the ones in progress
/// until `budget` is spent or nothing is left to claim. `node` names this process in claims.
pub async fn run_turn(newsroom: &Newsroom, node: &str, budget: Duration) -> Outcome<TurnCount> {
    let deadline = Instant::now() + budget;
    let mut count = TurnCount::default();
    if !newsroom.mailer().is_configured() {
        // Nothing goes out without a mail server: sends wait, and the admin says why.
        return Ok(count);
    }
    for send in newsroom.store().due_sends(Timestamp::now()).await? {
        if start(newsroom, &send).await? {
            count.started += 1;
        }
    }
    for send in newsroom.store().sends_in_progress().await? {
        if Instant::now() >= deadline {
            break;
        }
        let (returned, uncertain) = newsroom.store().recover_send(send.id, Timestamp::now()).await?;
        if uncertain > 0 {
            tracing::warn!(
                send = send.id,
                uncertain,
                "messages were in flight when a node stopped; they are not sent again"
            );
        }
        if returned > 0 {
            tracing::info!(
                send = send.id,
                returned,
                "recipients claimed by a stopped node are sent by others"
            );
        }
        let done = deliver(newsroom, &send, node, deadline).await?;
        count.sent += done.sent;
        count.retried += done.retried;
        count.failed += done.failed;
        if newsroom.store().finish_send_if_done(send.id, Timestamp::now()).await? {
            let p = newsroom.store().send_progress(send.id).await?;
            tracing::info!(
                send = send.id,
                sent = p.sent,
                failed = p.failed,
                suppressed = p.suppressed,
                uncertain = p.uncertain,
                "newsletter send finished"
            );
        }
    }
    Ok(count)
}

/// Writes down a due send's e-mail and recipients. False when another node started it first.
async fn start(newsroom: &Newsroom, send: &Send) -> Outcome<bool> {
    let newsletters = newsroom.store().newsletters().await?;
    let Some(first) = send.newsletter_ids.iter().find_map(|id| newsletters.iter().find(|n| n.id == *id))
    else {
        newsroom.store().cancel_waiting_send(send.id).await?;
        tracing::warn!(send = send.id, "the send's newsletters were deleted; it was withdrawn");
        return Ok(false);
    };
    let stored = match (send.kind, send.article_id, &send.issue) {
        (SendKind::Article, Some(article), _) => article_issue(newsroom, article, first).await?,
        (SendKind::Digest, _, Some(issue)) => serde_json::from_str(issue).map_err(|e| {
            Failure::Internal(format!("send {}: the digest's e-mail is damaged: {e}", send.id))
        })?,
        _ => return Err(Failure::Internal(format!("send {} has nothing to send", send.id))),
    };
    let mut stored = stored;
    let site = newsroom.store().site().await?;
    if let Some(image) = counting_image(&site, send.id) {
        stored.issue.tracking_image = Some(image);
        for a in &mut stored.issue.articles {
            a.link = site.url(&format!("/e/{}/c/{}", send.id, a.id));
        }
    }
    // Rendered once now, so that a template error stops the send before anyone is written down.
    render(newsroom, &stored)?;
    let json = serde_json::to_string(&stored).map_err(|e| Failure::Internal(e.to_string()))?;
    let total = newsroom.store().start_send(send, &stored.issue.subject, &json, Timestamp::now()).await?;
    if let Some(total) = total {
        tracing::info!(send = send.id, recipients = total, subject = %stored.issue.subject, "newsletter send started");
    }
    Ok(total.is_some())
}

/// Where the ledger answers a connection: the members it marked, or why it could not.
type MarkReply = tokio::sync::oneshot::Sender<Result<Vec<i64>, String>>;

/// What a send's connections tell the ledger.
enum Note {
    /// Mark these claimed recipients as being handed over; the answer is those marked.
    Mark(Vec<i64>, MarkReply),
    Result(i64, RecipientResult),
}

/// Writes for all of a send's connections on this node: whatever arrived while the last write
/// ran goes into the next, in one transaction (`Store::record_and_mark`).
async fn ledger(
    newsroom: Newsroom,
    send_id: i64,
    node: String,
    mut notes: tokio::sync::mpsc::UnboundedReceiver<Note>,
) -> Outcome<()> {
    let mut failure = None;
    while let Some(first) = notes.recv().await {
        let mut marks: Vec<(Vec<i64>, MarkReply)> = Vec::new();
        let mut results = Vec::new();
        let mut take = |note: Note| match note {
            Note::Mark(ids, reply) => marks.push((ids, reply)),
            Note::Result(member, result) => results.push((member, result)),
        };
        take(first);
        while let Ok(note) = notes.try_recv() {
            take(note);
        }
        let asked: Vec<i64> = marks.iter().flat_map(|(ids, _)| ids.iter().copied()).collect();
        let lease = Timestamp::now().as_second() + LEASE_SECONDS;
        match newsroom
            .store()
            .record_and_mark(send_id, &node, &results, &asked, lease, Timestamp::now())
            .await
        {
            Ok(marked) => {
                for (ids, reply) in marks {
                    let _ = reply.send(Ok(ids.into_iter().filter(|id| marked.contains(id)).collect()));
                }
            }
            Err(e) => {
                // Rows left `sending` become uncertain, never sent twice.
                for (_, reply) in marks {
                    let _ = reply.send(Err(e.to_string()));
                }
                failure.get_or_insert(Failure::from(e));
            }
        }
    }
    failure.map_or(Ok(()), Err)
}

/// Delivers `send` from this node until `deadline` or until nothing is left to claim.
async fn deliver(newsroom: &Newsroom, send: &Send, node: &str, deadline: Instant) -> Outcome<TurnCount> {
    let stored: StoredIssue = serde_json::from_str(send.issue.as_deref().unwrap_or("null"))
        .map_err(|e| Failure::Internal(format!("send {}: the e-mail is damaged: {e}", send.id)))?;
    let rendered = Arc::new(render(newsroom, &stored)?);
    let stored = Arc::new(stored);
    let site = Arc::new(newsroom.store().site().await?);
    let verp = crate::bounces::verp(newsroom).await?.map(Arc::new);
    let host = site.base_url.host_str().unwrap_or("localhost").to_owned();
    let connections = newsroom.mailer().connections().max(1);
    let totals = Arc::new(std::sync::Mutex::new(TurnCount::default()));

    loop {
        if Instant::now() >= deadline {
            break;
        }
        let now = Timestamp::now();
        let lease = now.as_second() + LEASE_SECONDS;
        let claimed = newsroom.store().claim_recipients(send.id, node, now, lease, CLAIM_BATCH).await?;
        if claimed.is_empty() {
            break;
        }
        let queue =
            Arc::new(Mutex::new(claimed.into_iter().collect::<std::collections::VecDeque<Claimed>>()));
        let (notes, inbox) = tokio::sync::mpsc::unbounded_channel();
        let ledger = tokio::spawn(ledger(newsroom.clone(), send.id, node.to_owned(), inbox));
        let mut workers = tokio::task::JoinSet::new();
        for _ in 0..connections {
            let (newsroom, queue, stored, rendered, site, verp, totals, notes) = (
                newsroom.clone(),
                queue.clone(),
                stored.clone(),
                rendered.clone(),
                site.clone(),
                verp.clone(),
                totals.clone(),
                notes.clone(),
            );
            let (host, send_id) = (host.clone(), send.id);
            workers.spawn(async move {
                let mut connection = newsroom.mailer().connection();
                let worked = async {
                    loop {
                        if Instant::now() >= deadline {
                            return Ok::<(), Failure>(());
                        }
                        let chunk: Vec<Claimed> = {
                            let mut q = queue.lock().await;
                            let n = q.len().min(CHUNK);
                            q.drain(..n).collect()
                        };
                        if chunk.is_empty() {
                            return Ok(());
                        }
                        let (reply, marked) = tokio::sync::oneshot::channel();
                        let _ = notes.send(Note::Mark(chunk.iter().map(|c| c.member_id).collect(), reply));
                        let marked = marked
                            .await
                            .map_err(|_| Failure::Internal("the send's ledger stopped".into()))?
                            .map_err(Failure::Internal)?;
                        let chunk: Vec<Claimed> =
                            chunk.into_iter().filter(|c| marked.contains(&c.member_id)).collect();
                        let mut messages = Vec::with_capacity(chunk.len());
                        for recipient in &chunk {
                            let unsubscribe = crate::members::unsubscribe_url_for(
                                &newsroom,
                                &site,
                                recipient.member_id,
                                Some(stored.newsletter_id),
                            )
                            .await?;
                            let copy = rendered.personalise(&unsubscribe);
                            let return_path =
                                verp.as_ref().and_then(|v| v.address(send_id, recipient.member_id));
                            messages.push(outgoing(
                                &stored,
                                &rendered.subject,
                                copy,
                                &recipient.email,
                                Some(&unsubscribe),
                                return_path,
                                message_id(send_id, recipient.member_id, &host),
                            ));
                        }
                        // Building and signing is CPU work: off the async workers, a chunk at a time.
                        let mailer = newsroom.mailer().clone();
                        let prepared = tokio::task::spawn_blocking(move || {
                            messages.iter().map(|m| mailer.prepare(m)).collect::<Vec<_>>()
                        })
                        .await
                        .map_err(|e| Failure::Internal(format!("preparing messages stopped: {e}")))?;
                        for (recipient, prepared) in chunk.iter().zip(prepared) {
                            let delivered = match prepared {
                                Ok(prepared) => connection.deliver(&prepared).await,
                                Err(e) => Err(e),
                            };
                            let result = match delivered {
                                Ok(_) => RecipientResult::Sent,
                                Err(failure) => judge(&newsroom, recipient, failure).await?,
                            };
                            {
                                let mut t = totals.lock().unwrap_or_else(|e| e.into_inner());
                                match &result {
                                    RecipientResult::Sent => t.sent += 1,
                                    RecipientResult::Retry { .. } => t.retried += 1,
                                    RecipientResult::Failed { .. } => t.failed += 1,
                                }
                            }
                            let _ = notes.send(Note::Result(recipient.member_id, result));
                        }
                    }
                }
                .await;
                connection.close().await;
                worked
            });
        }
        drop(notes);
        let mut first_error = None;
        let mut renew = tokio::time::interval(Duration::from_secs(LEASE_SECONDS as u64 / 4));
        renew.tick().await;
        loop {
            tokio::select! {
                joined = workers.join_next() => match joined {
                    None => break,
                    Some(Ok(Ok(()))) => {}
                    Some(Ok(Err(e))) => {
                        first_error.get_or_insert(e);
                    }
                    Some(Err(e)) => {
                        first_error.get_or_insert(Failure::Internal(format!("a send worker stopped: {e}")));
                    }
                },
                _ = renew.tick() => {
                    // A slow mail server must not let the lease run out under messages in hand.
                    let until = Timestamp::now().as_second() + LEASE_SECONDS;
                    newsroom.store().renew_claims(send.id, node, until).await?;
                }
            }
        }
        // Every connection has stopped: the ledger writes what is left and ends.
        let written =
            ledger.await.map_err(|e| Failure::Internal(format!("the send's ledger stopped: {e}")))?;
        // Whatever this node claimed and did not start goes back at once.
        newsroom.store().release_claims(send.id, node).await?;
        if let Some(e) = first_error {
            return Err(e);
        }
        written?;
    }
    let t = std::mem::take(&mut *totals.lock().unwrap_or_else(|e| e.into_inner()));
    Ok(t)
}

/// What a refusal means for this recipient: a permanent one puts the address on the suppression
/// list; a temporary one is tried again later, a few times.
async fn judge(newsroom: &Newsroom, recipient: &Claimed, failure: SendFailure) -> Outcome<RecipientResult> {
    let error = failure.to_string();
    if failure.is_permanent() {
        newsroom.store().suppress(&recipient.email, SuppressionReason::Refused, &error).await?;
        return Ok(RecipientResult::Failed { error });
    }
    if failure.is_transient() && recipient.attempts + 1 < MAX_ATTEMPTS {
        let wait = FIRST_RETRY_SECONDS << recipient.attempts.clamp(0, 10);
        let at = (Timestamp::now() + SignedDuration::from_secs(wait)).as_second();
        return Ok(RecipientResult::Retry { at, error });
    }
    Ok(RecipientResult::Failed { error })
}

/// Runs the send job in the foreground until `send_id` has ended, reporting its progress after
/// each turn: for `masthead newsletter send`.
pub async fn run_until_done(
    newsroom: &Newsroom,
    send_id: i64,
    node: &str,
    mut on_progress: impl FnMut(&SendProgress),
) -> Outcome<SendProgress> {
    if !newsroom.mailer().is_configured() {
        return Err(Failure::Unavailable(
            "No mail server is configured (--smtp-url); nothing was sent.".into(),
        ));
    }
    loop {
        let turn = run_turn(newsroom, node, Duration::from_secs(2)).await?;
        let send = newsroom.store().send(send_id).await?;
        let progress = newsroom.store().send_progress(send_id).await?;
        on_progress(&progress);
        if matches!(send.status.as_str(), "done" | "cancelled") {
            return Ok(progress);
        }
        if turn == TurnCount::default() {
            // Waiting: for the article to be published, for a retry's time, or for another
            // node's lease to run out.
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
    }
}
