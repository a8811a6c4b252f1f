//! Background work as named jobs behind one small runner: publishing scheduled articles,
//! polling partners' feeds, announcing changes to the WebSub hub, checking Webmentions, writing the views counted in
//! memory.
//!
//! Each job claims its work in the database before doing it (a conditional update, a lease or
//! an optimistic save), so any number of runners, on any number of nodes, is safe: each item
//! is done by one of them. Each job runs on its own timer, so a slow one never holds the others
//! up, and a failure is logged and retried at the next turn. `masthead serve` runs the jobs
//! beside the web server; `masthead serve --no-jobs` only serves; `masthead jobs` only runs
//! jobs, so that a large site can split web nodes from worker nodes.

use std::future::Future;
use std::time::Duration;

use jiff::Timestamp;

use crate::context::Newsroom;
use crate::error::Outcome;

/// Every job there is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Job {
    /// Scheduled articles whose time has come go live, each exactly once.
    PublishScheduled,
    /// Partners' feeds that are due are polled, each by one node (`Store::claim_due_sources`).
    PollSources,
    /// Changed feeds are announced to the WebSub hub (`Store::mark_announced`).
    AnnounceChanges,
    /// Received Webmentions have their sources checked (`Store::claim_pending_webmentions`).
    CheckWebmentions,
    /// Views of republished copies counted in this node's memory are added to the records
    /// (`republications::flush_views`). Unlike the others it does this node's own work, so
    /// every node that serves the tracking image runs it, `serve --no-jobs` included.
    FlushViews,
    /// Newsletter sends that are due start, and those in progress are delivered
    /// (`Store::claim_recipients`): each member gets each issue once.
    SendNewsletters,
    /// The originals of copies taken in are checked; a copy whose original was withdrawn is
    /// withdrawn too (`originals::check_due`, each check claimed first).
    CheckOriginals,
    /// Republishers who registered their copies are told of corrections and withdrawals
    /// (`republishers::tell_due`, each telling claimed first).
    TellRepublishers,
    /// Known republished copies are fetched politely and judged (`copies::check_due`, each
    /// check claimed first).
    CheckCopies,
    /// Activities other servers sent are checked and done (`federation::process_received`),
    /// and article changes become activities for followers (`federation::federate_changes`).
    Federate,
    /// Activities are delivered to followers' servers (`federation::deliver_due`, claimed a
    /// few per server).
    DeliverActivities,
}

impl Job {
    pub const ALL: [Job; 11] = [
        Job::PublishScheduled,
        Job::PollSources,
        Job::AnnounceChanges,
        Job::CheckWebmentions,
        Job::FlushViews,
        Job::SendNewsletters,
        Job::CheckOriginals,
        Job::TellRepublishers,
        Job::CheckCopies,
        Job::Federate,
        Job::DeliverActivities,
    ];
    /// The jobs that share work claimed in the database: what `masthead jobs` runs.
    pub const SHARED: [Job; 10] = [
        Job::PublishScheduled,
        Job::PollSources,
        Job::AnnounceChanges,
        Job::CheckWebmentions,
        Job::SendNewsletters,
        Job::CheckOriginals,
        Job::TellRepublishers,
        Job::CheckCopies,
        Job::Federate,
        Job::DeliverActivities,
    ];

    /// The name in logs and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            Job::PublishScheduled => "publish-scheduled",
            Job::PollSources => "poll-sources",
            Job::AnnounceChanges => "announce-changes",
            Job::CheckWebmentions => "check-webmentions",
            Job::FlushViews => "flush-views",
            Job::SendNewsletters => "send-newsletters",
            Job::CheckOriginals => "check-originals",
            Job::TellRepublishers => "tell-republishers",
            Job::CheckCopies => "check-copies",
            Job::Federate => "federate",
            Job::DeliverActivities => "deliver-activities",
        }
    }

    /// How long the runner waits between turns.
    pub fn interval(self) -> Duration {
        Duration::from_secs(match self {
            Job::SendNewsletters | Job::Federate | Job::DeliverActivities => 2,
            Job::FlushViews => 5,
            Job::PublishScheduled | Job::AnnounceChanges | Job::TellRepublishers => 10,
            Job::PollSources | Job::CheckWebmentions => 30,
            Job::CheckOriginals | Job::CheckCopies => 60,
        })
    }

    /// One turn: does what is due now and says how many items it did.
    pub async fn run_once(self, newsroom: &Newsroom) -> Outcome<usize> {
        match self {
            Job::PublishScheduled => {
                let published = newsroom.store().publish_due(Timestamp::now()).await?;
                if !published.is_empty() {
                    tracing::info!(?published, "published scheduled articles");
                }
                Ok(published.len())
            }
            Job::PollSources => {
                let reports = crate::ingest::poll_due_sources(newsroom).await?;
                for report in reports.iter().filter(|r| r.created + r.updated > 0 || r.error.is_some()) {
                    tracing::info!(source = report.source_id, "{report}");
                }
                Ok(reports.len())
            }
            Job::AnnounceChanges => crate::websub::announce_changes(newsroom).await,
            Job::CheckWebmentions => crate::mentions::check_pending(newsroom).await,
            Job::FlushViews => crate::republications::flush_views(newsroom).await,
            Job::CheckOriginals => {
                let found = crate::originals::check_due(newsroom, Timestamp::now()).await?;
                for f in &found {
                    if let crate::originals::Found::Withdrawn { article_id, .. } = f {
                        tracing::info!(article = article_id, "a copy was withdrawn: its original is gone");
                    }
                }
                Ok(found.len())
            }
            Job::TellRepublishers => crate::republishers::tell_due(newsroom).await,
            Job::CheckCopies => Ok(crate::copies::check_due(newsroom, Timestamp::now()).await?.len()),
            Job::Federate => {
                let received = crate::federation::process_received(newsroom, Timestamp::now()).await?;
                let sent = crate::federation::federate_changes(newsroom, Timestamp::now()).await?;
                // What was just queued goes out now rather than at the delivery job's next turn
                // (any node's delivery job shares the same claims).
                let delivered = if sent > 0 {
                    let done = crate::federation::deliver_for(newsroom, Duration::from_secs(10)).await?;
                    done.sent + done.retried + done.given_up
                } else {
                    0
                };
                Ok(received + sent + delivered)
            }
            Job::DeliverActivities => {
                let done = crate::federation::deliver_for(newsroom, Duration::from_secs(10)).await?;
                Ok(done.sent + done.retried + done.given_up)
            }
            Job::SendNewsletters => {
                let digests = crate::digests::make_due(newsroom, Timestamp::now()).await?;
                // A turn is bounded, so that a stop waits for at most this long.
                let turn =
                    crate::sends::run_turn(newsroom, crate::sends::node(), Duration::from_secs(10)).await?;
                Ok(digests + turn.started + turn.sent + turn.retried + turn.failed)
            }
        }
    }
}

/// Runs `jobs`, each on its own timer, until `stop` completes. A turn in progress when `stop`
/// completes is allowed to finish, so that no claimed item is left half-done.
pub async fn run(newsroom: Newsroom, jobs: &[Job], stop: impl Future<Output = ()>) {
    let (tx, rx) = tokio::sync::watch::channel(false);
    let mut tasks = tokio::task::JoinSet::new();
    for (n, &job) in jobs.iter().enumerate() {
        let (newsroom, mut rx) = (newsroom.clone(), rx.clone());
        tasks.spawn(async move {
            // Spread the first turns, so that the jobs (and nodes started together) do not all
            // reach for the database at the same moment; every wait after varies a little too,
            // so that nodes do not fall into step and race for the same items at every turn.
            let mut wait = Duration::from_millis(250 * n as u64 + jitter_ms(1000));
            // The federation job also wakes when an article is saved, so that followers hear
            // of it at once rather than at the next turn.
            let mut saves = (job == Job::Federate).then(|| newsroom.store().written_changes());
            loop {
                tokio::select! {
                    () = tokio::time::sleep(wait) => {}
                    _ = rx.changed() => break,
                    () = article_saved(&mut saves) => {
                        // The rest of a burst of saves (an import, a bulk publish) goes in the
                        // same turn.
                        tokio::time::sleep(Duration::from_millis(100)).await;
                    }
                }
                if let Err(e) = job.run_once(&newsroom).await {
                    tracing::warn!(job = job.name(), error = %e, "a job's turn failed; it will run again");
                }
                if *rx.borrow() {
                    break;
                }
                let interval = job.interval();
                let tenth = (interval.as_millis() / 10) as u64;
                wait =
                    interval - Duration::from_millis(tenth) + Duration::from_millis(jitter_ms(2 * tenth + 1));
            }
        });
    }
    stop.await;
    let _ = tx.send(true);
    while tasks.join_next().await.is_some() {}
}

/// Waits until an article is saved (a write that changed the lists: every save announces
/// them), or for ever without `saves` or once they end.
async fn article_saved(saves: &mut Option<tokio::sync::broadcast::Receiver<masthead_store::Changed>>) {
    use tokio::sync::broadcast::error::RecvError;
    let Some(changes) = saves else { return std::future::pending().await };
    loop {
        match changes.recv().await {
            Ok(keys) if keys.iter().any(|k| k == "listing") => return,
            Ok(_) => {}
            // Some were missed: one of them may have been a save.
            Err(RecvError::Lagged(_)) => return,
            Err(RecvError::Closed) => return std::future::pending().await,
        }
    }
}

/// Below `bound` milliseconds, different on each node and each turn.
fn jitter_ms(bound: u64) -> u64 {
    let mut bytes = [0u8; 4];
    getrandom::fill(&mut bytes).map(|()| u64::from(u32::from_le_bytes(bytes)) % bound.max(1)).unwrap_or(0)
}
