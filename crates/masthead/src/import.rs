//! `masthead import wordpress|ghost|archive`: the command line's side of
//! `masthead_newsroom::import` and `masthead_newsroom::archive`. It turns the arguments into
//! the library's options, opens the site only once the export has been read whole (a malformed
//! export stops before the database is made), shows a progress bar on a terminal, prints the
//! summary, and writes it as JSON with `--report`.

use std::path::Path;

use anyhow::Context;
use masthead_newsroom::import::{
    GhostExport, GhostImport, ImportError, Summary, WordpressExport, WordpressImport,
};
use masthead_newsroom::outbound::Outbound;
use masthead_store::Store;

use crate::cli::{ImportCommand, ImportGhostArgs, ImportWordpressArgs};
use crate::progress::{bar, follow};

pub async fn run(command: ImportCommand) -> anyhow::Result<()> {
    match command {
        ImportCommand::Wordpress(args) => wordpress(args).await,
        ImportCommand::Ghost(args) => ghost(args).await,
        ImportCommand::Archive(args) => crate::archive::import_archive(args).await,
    }
}

async fn wordpress(args: ImportWordpressArgs) -> anyhow::Result<()> {
    let export = WordpressExport::read(WordpressImport {
        export: args.export,
        uploads: args.uploads,
        categories_as: args.categories_as,
        time_zone: args.time_zone,
        dry_run: args.dry_run,
        fetch: fetcher(args.fetch_media, args.allow_private_fetch)?,
    })
    .map_err(|e| refused(e, args.report.as_deref()))?;
    let store = args.data.open().await?;
    let bar = bar("importing articles");
    let outcome = export.import(&store, &args.data.data.join("media"), &follow(&bar)).await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    share_media(&args.data).await?;
    finish(outcome, args.report.as_deref(), &store).await
}

async fn ghost(args: ImportGhostArgs) -> anyhow::Result<()> {
    let export = GhostExport::read(GhostImport {
        export: args.export,
        images: args.images,
        base_url: args.base_url.map(Into::into),
        dry_run: args.dry_run,
        fetch: fetcher(args.fetch_media, args.allow_private_fetch)?,
    })
    .map_err(|e| refused(e, args.report.as_deref()))?;
    let store = args.data.open().await?;
    let bar = bar("importing articles");
    let outcome = export.import(&store, &args.data.data.join("media"), &follow(&bar)).await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    share_media(&args.data).await?;
    finish(outcome, args.report.as_deref(), &store).await
}

/// The client `--fetch-media` downloads through.
fn fetcher(fetch_media: bool, allow_private: bool) -> anyhow::Result<Option<Outbound>> {
    if !fetch_media {
        return Ok(None);
    }
    Ok(Some(Outbound::new(allow_private).context("could not make the HTTP client for --fetch-media")?))
}

/// With a media bucket, the files the import copied into the data folder go to the bucket, so
/// that every node serves them (those already there are left alone).
async fn share_media(data: &crate::cli::DataArgs) -> anyhow::Result<()> {
    let media = data.media()?;
    let copied = media
        .put_folder(&data.data.join("media").join("uploads"), "uploads")
        .await
        .context("could not copy the imported files to the media bucket")?;
    if copied > 0 {
        tracing::info!(files = copied, "copied the imported files to the media bucket");
    }
    Ok(())
}

/// An export that could not be read: the report, when one was asked for, says so too, so that
/// a script reading it never finds last run's report, or none, and takes it for this one.
fn refused(e: ImportError, report: Option<&Path>) -> anyhow::Error {
    if let Some(path) = report {
        write_failure(path, &e);
    }
    e.into()
}

/// `{"completed": false, "error": "…"}`, written as well as it can be (the error is what the
/// command ends with either way).
fn write_failure(path: &Path, e: &ImportError) {
    let json = serde_json::json!({ "completed": false, "error": e.to_string(), "nothing_imported": true });
    if let Err(write) = std::fs::write(path, format!("{json:#}\n")) {
        tracing::error!(error = %write, report = %path.display(), "could not write the report");
    }
}

/// Prints the summary, closes the store, and writes the report, whether the import finished or
/// stopped: after a failure the summary says what was saved.
async fn finish(
    outcome: Result<Summary, ImportError>,
    report: Option<&Path>,
    store: &Store,
) -> anyhow::Result<()> {
    let summary = match &outcome {
        Ok(summary) => Some(summary),
        Err(ImportError::Stopped { summary, .. }) => Some(&**summary),
        // It failed before it began to write: there is nothing to sum up.
        Err(_) => None,
    };
    if let Some(summary) = summary {
        print!("{summary}");
    }
    store.close().await;
    match (summary, report, &outcome) {
        (Some(summary), Some(path), _) => {
            let json = serde_json::to_string_pretty(summary).context("could not write the report as JSON")?;
            std::fs::write(path, json + "\n")
                .with_context(|| format!("could not write the report {}", path.display()))?;
        }
        (None, Some(path), Err(e)) => write_failure(path, e),
        _ => {}
    }
    outcome?;
    Ok(())
}
