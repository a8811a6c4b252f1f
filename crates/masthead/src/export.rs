//! `masthead export static`: the public site as files.

use std::sync::Arc;

use anyhow::Context;

use crate::cli::{ExportStaticArgs, GenerateArgs};
use crate::progress::{bar, follow};

pub async fn export_static(args: ExportStaticArgs) -> anyhow::Result<()> {
    let store = args.data.open().await?;
    if let Some(url) = &args.base_url {
        store.present_at(url.clone().into());
    }
    let state = crate::site::state(&args.data, store.clone(), false)?;
    let started = std::time::Instant::now();
    let bar = bar("exporting pages");
    let progress_bar = bar.clone();
    let progress = Arc::new(move |done: usize, total: usize| {
        if let Some(bar) = &progress_bar {
            bar.set_length(total as u64);
            bar.set_position(done as u64);
        }
    });
    let report = masthead_web::export::export_static(&state, &args.dir, progress)
        .await
        .with_context(|| format!("could not export the site into {}", args.dir.display()))?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    store.close().await;
    println!(
        "Exported {} pages to {} in {:.1} s: {} written, {} unchanged, {} removed; {} media files copied; {:.1} MB.",
        report.pages,
        args.dir.display(),
        started.elapsed().as_secs_f64(),
        report.written,
        report.unchanged,
        report.removed,
        report.media,
        report.bytes as f64 / 1_048_576.0
    );
    Ok(())
}

pub async fn generate(args: GenerateArgs) -> anyhow::Result<()> {
    let store = args.data.open().await?;
    let started = std::time::Instant::now();
    let bar = bar("generating articles");
    let progress = follow(&bar);
    let made = masthead_demo::synthetic::generate(
        &store,
        args.articles,
        args.seed,
        jiff::Timestamp::now(),
        &progress,
    )
    .await
    .context("could not generate the outlet")?;
    if let Some(bar) = &bar {
        bar.finish_and_clear();
    }
    store.close().await;
    println!(
        "Generated {} articles by {} authors under {} terms in {:.1} s, in {}.",
        made.articles,
        made.authors,
        made.terms,
        started.elapsed().as_secs_f64(),
        args.data.describe_database()
    );
    Ok(())
}
