//! Taking partners' articles in: poll a source's feed (conditionally, within the outbound
//! client's limits), read it, and turn each item into an article with its provenance, or a new
//! revision of the copy we already have. Every problem is written to the source's log with what
//! and where; none stops the poller, and no article is half-written (each is one transaction).
//!
//! Used by the background loop of `masthead serve`, by the admin's "pull now" and by
//! `masthead sources pull`.

use jiff::Timestamp;
use masthead_core::article::NewOrigin;
use masthead_core::body::{absolutize, check_limits, html_to_text};
use masthead_core::{
    AbsoluteUrl, ArticleStatus, BodyFormat, NewArticle, Outlet, Site, Slug, Source, render_body,
};
use masthead_formats::ingest::{IncomingItem, parse_feed};
use masthead_store::{StoreError, SyndicationRecord};
use sha2::{Digest, Sha256};

use crate::context::Newsroom;
use crate::media::{Upload, upload_unchecked};
use crate::outbound::FeedFetch;
use crate::work::Kind;

/// What one poll of a source did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PullReport {
    pub source_id: i64,
    pub outlet: String,
    /// The feed had not changed (HTTP 304).
    pub not_modified: bool,
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
    /// Of the created ones, how many went live at once (auto-publish).
    pub published: usize,
    /// Items left out or taken in only in part, each with its reason.
    pub problems: Vec<String>,
    /// Why the whole poll failed, when it did.
    pub error: Option<String>,
}

impl std::fmt::Display for PullReport {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if let Some(e) = &self.error {
            return write!(f, "{}: failed: {e}", self.outlet);
        }
        if self.not_modified {
            return write!(f, "{}: the feed has not changed", self.outlet);
        }
        write!(
            f,
            "{}: {} new ({} published), {} updated, {} unchanged, {} problem(s)",
            self.outlet,
            self.created,
            self.published,
            self.updated,
            self.unchanged,
            self.problems.len()
        )
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PullError {
    #[error("another node is pulling this source right now; try again in a minute")]
    Busy,
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Progress of a pull: (items done, items in the feed).
pub type Progress<'a> = &'a (dyn Fn(usize, usize) + Send + Sync);

/// Polls every source that is due and that no other node is polling.
pub async fn poll_due_sources(state: &Newsroom) -> Result<Vec<PullReport>, StoreError> {
    let started = std::time::Instant::now();
    let mut reports = Vec::new();
    // A few at a time, for at most a turn: other nodes take the rest meanwhile.
    while started.elapsed() < POLL_TURN {
        let now = Timestamp::now();
        let claimed = state.store().claim_due_sources(now, SOURCES_PER_CLAIM).await?;
        if claimed.is_empty() {
            break;
        }
        let held_until = now.as_second() + masthead_store::LEASE_SECONDS;
        for source in claimed {
            // One source's failure is its own: recorded on it, and the next is polled.
            let report =
                poll_leased(state, &source, held_until, &|_, _| {}).await.unwrap_or_else(|e| PullReport {
                    source_id: source.id,
                    outlet: source.outlet_name.clone(),
                    error: Some(format!("the database failed while polling: {e}")),
                    ..PullReport::default()
                });
            reports.push(report);
        }
    }
    Ok(reports)
}

/// How many due sources a node takes at once.
const SOURCES_PER_CLAIM: u32 = 4;
/// How long one turn of the poller goes on taking more.
const POLL_TURN: std::time::Duration = std::time::Duration::from_secs(20);

/// Pulls one source now, due or not.
pub async fn pull_source(state: &Newsroom, id: i64, progress: Progress<'_>) -> Result<PullReport, PullError> {
    let now = Timestamp::now();
    if !state.store().claim_source(id, now).await? {
        return Err(PullError::Busy);
    }
    let source = state.store().source(id).await?;
    Ok(poll_leased(state, &source, now.as_second() + masthead_store::LEASE_SECONDS, progress).await?)
}

/// One poll of a claimed source, its lease renewed while it lasts (a slow feed is not taken
/// up by another node meanwhile). When the database fails it, the failure is recorded on the
/// source (if the database lets us) and the lease released.
async fn poll_leased(
    state: &Newsroom,
    source: &Source,
    held_until: i64,
    progress: Progress<'_>,
) -> Result<PullReport, StoreError> {
    let renew = async {
        let mut held_until = held_until;
        let every = std::time::Duration::from_secs(masthead_store::LEASE_SECONDS as u64 / 3);
        loop {
            tokio::time::sleep(every).await;
            match state.store().renew_source_lease(source.id, held_until, Timestamp::now()).await {
                Ok(Some(until)) => held_until = until,
                Ok(None) => {
                    tracing::warn!(source = source.id, "the lease of a source being polled was lost");
                    std::future::pending::<()>().await;
                }
                Err(e) => tracing::warn!(source = source.id, error = %e, "could not renew a source's lease"),
            }
        }
    };
    let polled = tokio::select! {
        polled = poll(state, source, progress) => polled,
        () = renew => unreachable!("renewing a lease never ends"),
    };
    if let Err(e) = &polled {
        let error = format!("the database failed while polling: {e}");
        tracing::warn!(source = source.id, %error, "polling a partner's feed failed");
        // Best effort: the database may be what failed; if so, the lease runs out instead.
        if let Err(e) = state.store().finish_poll(source, Timestamp::now(), Err(error)).await {
            tracing::warn!(source = source.id, error = %e, "could not record a failed poll");
        }
    }
    polled
}

/// One poll of a claimed source; the claim is released at the end whatever happened.
async fn poll(state: &Newsroom, source: &Source, progress: Progress<'_>) -> Result<PullReport, StoreError> {
    let mut report =
        PullReport { source_id: source.id, outlet: source.outlet_name.clone(), ..Default::default() };
    let fetched = state
        .outbound()
        .get_feed(&source.feed_url, source.etag.as_deref(), source.last_modified.as_deref())
        .await;
    let (url, bytes, etag, last_modified) = match fetched {
        Ok(FeedFetch::NotModified) => {
            report.not_modified = true;
            let validators = (source.etag.clone(), source.last_modified.clone());
            state.store().finish_poll(source, Timestamp::now(), Ok(validators)).await?;
            return Ok(report);
        }
        Ok(FeedFetch::Fetched { url, bytes, etag, last_modified }) => (url, bytes, etag, last_modified),
        Err(e) => return fail(state, source, report, format!("the feed could not be fetched: {e}")).await,
    };
    let parsed = match parse_feed(&bytes, source.format, &url) {
        Ok(parsed) => parsed,
        Err(e) => return fail(state, source, report, format!("the feed could not be read: {e}")).await,
    };
    report.problems.extend(parsed.problems.iter().map(ToString::to_string));
    let site = state.store().site().await?;
    let outlet = state.store().outlet(source.outlet_id).await?;
    let filing = filing_terms(state.store()).await?;
    let total = parsed.items.len();
    for (i, item) in parsed.items.iter().enumerate() {
        match take_in(state, source, &site, &outlet, &filing, item, &mut report.problems).await {
            Ok(Outcome::Created { published }) => {
                report.created += 1;
                report.published += usize::from(published);
            }
            Ok(Outcome::Updated) => report.updated += 1,
            Ok(Outcome::Unchanged) => report.unchanged += 1,
            Ok(Outcome::Refused) => {}
            Err(e) => {
                report.problems.push(format!("item {} ({}): it could not be saved: {e}", i + 1, item.title))
            }
        }
        progress(i + 1, total);
    }
    for problem in &report.problems {
        state.store().log_source_event(source.id, problem).await?;
    }
    if report.created + report.updated > 0 {
        let line = format!("{} new, {} updated", report.created, report.updated);
        state.store().log_source_event(source.id, &line).await?;
    }
    state.store().finish_poll(source, Timestamp::now(), Ok((etag, last_modified))).await?;
    Ok(report)
}

async fn fail(
    state: &Newsroom,
    source: &Source,
    mut report: PullReport,
    error: String,
) -> Result<PullReport, StoreError> {
    tracing::warn!(source = source.id, feed = %source.feed_url, %error, "a partner's feed failed");
    state.store().log_source_event(source.id, &error).await?;
    state.store().finish_poll(source, Timestamp::now(), Err(error.clone())).await?;
    report.error = Some(error);
    Ok(report)
}

enum Outcome {
    Created {
        published: bool,
    },
    Updated,
    Unchanged,
    /// Left out, with the reason among the problems.
    Refused,
}

/// What makes two copies the same article: the headline and the words of the text, whatever
/// the markup, case and spacing.
fn content_hash(title: &str, body_html: &str) -> String {
    let text = format!("{title}\n{}", html_to_text(body_html));
    let normal: String = text.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase();
    Sha256::digest(normal.as_bytes()).iter().map(|b| format!("{b:02x}")).collect()
}

async fn take_in(
    state: &Newsroom,
    source: &Source,
    site: &Site,
    outlet: &Outlet,
    filing: &[(String, i64)],
    item: &IncomingItem,
    problems: &mut Vec<String>,
) -> Result<Outcome, StoreError> {
    let store = state.store();
    // Sanitised, with every link and image address made absolute against the item's base (the
    // feed's xml:base, else the original), on a blocking thread; a body too large or too deep to
    // render leaves this item out, not the feed.
    let (raw, base, title) = (item.body_html.clone(), item.base.clone(), item.title.clone());
    let rendered = state
        .work()
        .run(Kind::Body, move || {
            check_limits(BodyFormat::Html, &raw)?;
            let body = render_body(BodyFormat::Html, &absolutize(&raw, &base))?;
            let hash = content_hash(&title, &body.html);
            Ok::<_, masthead_core::BodyRefusal>((body, hash))
        })
        .await;
    let (body, hash) = match rendered {
        Ok(rendered) => rendered,
        Err(refusal) => {
            problems.push(format!("{}: it was left out: {refusal}", item.title));
            return Ok(Outcome::Refused);
        }
    };
    let mut record = SyndicationRecord {
        source_id: source.id,
        item_key: item.id.clone(),
        terms: source.terms,
        original_url: item.url.to_string(),
        content_hash: hash.clone(),
        original_updated_at: item.updated,
        duplicate_of: None,
    };
    let known = store.find_syndicated(source.id, &item.id, item.url.as_str(), &hash).await?;
    // Only the partner that brought an article may change it: the same address or text from
    // another partner is taken in apart, as a draft naming the article it may duplicate.
    let known = match known {
        Some(known) if known.source_id != Some(source.id) => {
            problems.push(format!(
                "{}: it matches article {} that another partner brought; kept as a draft for an editor to compare",
                item.title, known.article_id
            ));
            record.duplicate_of = Some(known.article_id);
            None
        }
        other => other,
    };
    if let Some(known) = known {
        if known.content_hash == hash {
            store.remember_item(source.id, &item.id, known.article_id).await?;
            return Ok(Outcome::Unchanged);
        }
        let current = store.article(known.article_id).await?;
        let mut new = store.revision_snapshot(current.id, current.revision).await?;
        new.title = item.title.clone();
        new.body = body;
        new.published_at = current.published_at;
        return match store.update_syndicated(current.id, current.revision, &new, &record).await {
            Ok(_) => Ok(Outcome::Updated),
            // An editor saved it a moment ago; the next poll brings the change.
            Err(StoreError::Stale { .. }) => Ok(Outcome::Unchanged),
            Err(e) => Err(e),
        };
    }

    let byline = if item.byline.is_empty() { vec![outlet.name.clone()] } else { item.byline.clone() };
    let mut author_ids = Vec::new();
    for name in &byline {
        author_ids.push(store.external_author(name, outlet).await?.id);
    }
    let mut origins = Vec::new();
    for link in &item.chain {
        // An address that is not http(s) (`javascript:` …) is no address: the chain stops short.
        match link.url.clone().map(AbsoluteUrl::try_from) {
            Some(Err(refusal)) => problems.push(format!(
                "{}: it names {} as its source with an address that cannot be linked ({refusal}); the chain starts at {}",
                item.title, link.name, outlet.name
            )),
            Some(Ok(url)) => {
                let earlier = store.outlet_named(&link.name, None).await?;
                // The partner named as the last republisher is the partner itself, added below.
                if earlier.id != outlet.id {
                    origins.push(NewOrigin {
                        outlet_id: earlier.id,
                        url,
                        published_at: None,
                        byline: String::new(),
                    });
                }
            }
            None => problems.push(format!(
                "{}: it names {} as its source without an address; the chain starts at {}",
                item.title, link.name, outlet.name
            )),
        }
    }
    let Ok(original) = AbsoluteUrl::try_from(item.url.clone()) else {
        problems.push(format!(
            "{}: its link {} is not an http or https address; it was left out",
            item.title, item.url
        ));
        return Ok(Outcome::Refused);
    };
    origins.push(NewOrigin {
        outlet_id: outlet.id,
        url: original,
        published_at: item.published,
        byline: byline.join(", "),
    });
    let (featured_media_id, featured_alt, featured_credit) = match &item.image {
        None => (None, String::new(), String::new()),
        Some(image) => {
            // The feed's description of the image, else the one its text gives the same image;
            // never the headline, which a screen reader would then read twice.
            let alt = if image.alt.trim().is_empty() {
                masthead_formats::ingest::image_alt_in(&item.body_html, &image.url).unwrap_or_default()
            } else {
                image.alt.trim().to_owned()
            };
            // The feed's credit ("Photo: Ana Petrović"), else the outlet's name.
            let credit = if image.credit.trim().is_empty() {
                outlet.name.clone()
            } else {
                image.credit.trim().to_owned()
            };
            let fetched = match state.outbound().get_bytes(&image.url).await {
                Ok(file) => {
                    let upload = Upload {
                        file,
                        alt: alt.clone(),
                        credit: credit.clone(),
                        licence: String::new(),
                        travels: true,
                    };
                    upload_unchecked(state, upload).await.map_err(|e| e.to_string())
                }
                Err(e) => Err(e.to_string()),
            };
            match fetched {
                Ok(media) => (Some(media.id), alt, credit),
                Err(e) => {
                    problems.push(format!("{}: its image {} was not taken in: {e}", item.title, image.url));
                    (None, String::new(), String::new())
                }
            }
        }
    };
    let refusal = source.terms.refusal(site.commercial);
    let publish = source.auto_publish && refusal.is_none() && record.duplicate_of.is_none();
    if let (true, Some(reason)) = (source.auto_publish, &refusal) {
        problems.push(format!("{}: kept in the queue, not published: {reason}", item.title));
    }
    let summary = html_to_text(&item.summary);
    // The item's description is its standfirst when the feed also gives the whole text and
    // the description is not just that text's first words.
    let body_text = html_to_text(&item.body_html);
    let lead: String = summary.split_whitespace().take(12).collect::<Vec<_>>().join(" ");
    let dek = if !summary.trim().is_empty()
        && item.summary.trim() != item.body_html.trim()
        && !body_text.split_whitespace().collect::<Vec<_>>().join(" ").starts_with(&lead)
    {
        summary.trim().to_owned()
    } else {
        String::new()
    };
    // The feed's categories that name one of our regions or themes file the article there.
    let mut term_ids = source.term_ids.clone();
    for term in matching_terms(filing, &item.categories) {
        if !term_ids.contains(&term) {
            term_ids.push(term);
        }
    }
    let mut new = NewArticle {
        slug: Slug::from_title(&item.title)
            .map_err(|e| StoreError::Invalid(format!("no address can be made from the headline: {e}")))?,
        title: item.title.clone(),
        dek,
        body,
        excerpt: summary.trim().to_owned(),
        status: if publish { ArticleStatus::Published } else { ArticleStatus::Draft },
        published_at: publish.then(Timestamp::now),
        time_zone: site.time_zone.clone(),
        author_ids,
        term_ids,
        featured_media_id,
        featured_alt,
        featured_credit,
        reuse_policy: Some(source.terms.policy_of_copy()),
        origins,
        language: String::new(),
        translation_of: None,
    };
    let base = new.slug.clone();
    for n in 2..=20 {
        match store.create_syndicated(&new, &record).await {
            Ok(_) => return Ok(Outcome::Created { published: publish }),
            // Our own article may have the same headline: take the next free address.
            Err(StoreError::Conflict { .. }) => {
                new.slug =
                    Slug::parse(&format!("{base}-{n}")).map_err(|e| StoreError::Invalid(e.to_string()))?;
            }
            Err(e) => return Err(e),
        }
    }
    // Many articles share the headline ("Morning briefing"): the item's own mark makes the
    // address unique.
    let mark: String =
        Sha256::digest(item.id.as_bytes()).iter().take(4).map(|b| format!("{b:02x}")).collect();
    new.slug = Slug::parse(&format!("{base}-{mark}")).map_err(|e| StoreError::Invalid(e.to_string()))?;
    match store.create_syndicated(&new, &record).await {
        Ok(_) => Ok(Outcome::Created { published: publish }),
        Err(StoreError::Conflict { .. }) => {
            Err(StoreError::Invalid(format!("no free address for {:?}", item.title)))
        }
        Err(e) => Err(e),
    }
}

/// Our regions and themes by lower-case name, which a feed's categories may name: read once a
/// poll.
async fn filing_terms(store: &masthead_store::Store) -> Result<Vec<(String, i64)>, StoreError> {
    let mut terms = Vec::new();
    for kind in [masthead_core::TermKind::Region, masthead_core::TermKind::Theme] {
        terms.extend(store.terms(kind).await?.into_iter().map(|t| (t.name.to_lowercase(), t.id)));
    }
    Ok(terms)
}

/// The regions and themes of `filing` named (in any case) among `categories`.
fn matching_terms(filing: &[(String, i64)], categories: &[String]) -> Vec<i64> {
    let wanted: Vec<String> =
        categories.iter().map(|c| c.trim().to_lowercase()).filter(|c| !c.is_empty()).collect();
    filing.iter().filter(|(name, _)| wanted.contains(name)).map(|(_, id)| *id).collect()
}
