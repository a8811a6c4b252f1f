//! `masthead search`: the search index, by hand; and `masthead revisions pack`, the other
//! long pass over every article's rows.

use anyhow::Context as _;

use crate::{cli, progress};

/// `masthead search reindex`: the index made again from every article, with a progress bar.
pub(crate) async fn reindex(args: cli::ReindexArgs) -> anyhow::Result<()> {
    let newsroom = cli::newsroom(&args.data, masthead_newsroom::mail::Mailer::log_only()).await?;
    let bar = progress::bar("Indexing articles");
    let follow = progress::follow(&bar);
    let started = std::time::Instant::now();
    let indexed =
        masthead_newsroom::search::reindex(&newsroom, |done, total| follow(done as usize, total as usize))
            .await
            .context("could not build the search index")?;
    drop(follow);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    println!("Indexed {indexed} articles for search in {:.1} s.", started.elapsed().as_secs_f64());
    newsroom.store().close().await;
    Ok(())
}

/// `masthead revisions pack`: every revision stored compactly, with a progress bar.
pub(crate) async fn pack_revisions(args: cli::ReindexArgs) -> anyhow::Result<()> {
    let store = args.data.open().await?;
    let bar = progress::bar("Packing revisions");
    let follow = progress::follow(&bar);
    let started = std::time::Instant::now();
    let packed = store
        .pack_revisions(500, |done, total| follow(done as usize, total as usize))
        .await
        .context("could not pack the revisions")?;
    drop(follow);
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let mb = |bytes: u64| bytes as f64 / 1_000_000.0;
    println!(
        "Packed {} of {} revisions in {:.1} s: their snapshots went from {:.1} MB to {:.1} MB.",
        packed.packed,
        packed.revisions,
        started.elapsed().as_secs_f64(),
        mb(packed.bytes_before),
        mb(packed.bytes_after)
    );
    store.close().await;
    Ok(())
}
