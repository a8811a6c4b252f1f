//! The search index's upkeep. Saves keep it current on their own (the store writes an
//! article's row in the transaction that saves it); it is rebuilt whole when it was built
//! another way: a new site's index after the migration that made it, a change of the site's
//! language (PostgreSQL stems in that language), or `masthead search reindex`.

use crate::context::Newsroom;
use crate::error::Outcome;

/// Rebuilds the index, telling `progress` (done, total) batch by batch. Returns the articles
/// indexed. Searches keep answering meanwhile.
pub async fn reindex(newsroom: &Newsroom, progress: impl FnMut(u64, u64)) -> Outcome<u64> {
    Ok(newsroom.store().reindex_search(progress).await?)
}

/// Rebuilds the index when it is stale, saying so in the log; otherwise does nothing. For a
/// node's start: several nodes starting at once each rebuild, which is safe (every row is
/// written whole) and only costs time.
pub async fn reindex_if_stale(newsroom: &Newsroom) -> Outcome<Option<u64>> {
    if !newsroom.store().search_index_stale().await? {
        return Ok(None);
    }
    tracing::info!("the search index is being built; searches may miss articles until it is done");
    let started = std::time::Instant::now();
    let indexed = reindex(newsroom, |done, total| {
        if done % 10_000 < 200 {
            tracing::info!(done, total, "search index");
        }
    })
    .await?;
    tracing::info!(indexed, seconds = started.elapsed().as_secs_f64(), "the search index is built");
    Ok(Some(indexed))
}
