//! `masthead search`: the search index, by hand.

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
