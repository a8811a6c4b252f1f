//! `masthead sources add|list|pull`: partners' feeds from the command line.

use anyhow::{Context, bail};
use masthead_core::{Slug, TermKind};
use masthead_newsroom::catalogue;
use masthead_newsroom::error::Failure;
use masthead_newsroom::sources::{self, SourceRequest};
use masthead_newsroom::staff::Actor;

use crate::cli::{SourcesAddArgs, SourcesListArgs, SourcesPullArgs};

pub async fn add(args: SourcesAddArgs) -> anyhow::Result<()> {
    let store = args.data.open().await?;
    let newsroom = crate::site::newsroom(&args.data, store.clone(), false)?;
    let (outlet, added) = catalogue::outlet_named(&newsroom, Actor::Operator, &args.outlet)
        .await
        .with_context(|| format!("could not add the outlet {:?}", args.outlet))?;
    if added {
        println!("Added the outlet {}.", outlet.name);
    }
    let mut term_ids = Vec::new();
    for slug in &args.terms_to_apply {
        let parsed = Slug::parse(slug).with_context(|| format!("{slug:?} is not a slug"))?;
        let mut found = None;
        for kind in TermKind::ALL {
            if let Ok(t) = store.term_by_slug(kind, &parsed).await {
                found = Some(t.id);
                break;
            }
        }
        term_ids.push(found.with_context(|| format!("there is no region, theme or tag {slug}"))?);
    }
    let request = SourceRequest {
        outlet_id: outlet.id,
        feed_url: args.feed.to_string(),
        format: Some(args.format.to_string()),
        terms: args.terms.to_string(),
        term_ids,
        auto_publish: args.auto_publish,
        interval_minutes: Some(args.interval),
    };
    let source = sources::save(&newsroom, Actor::Operator, None, request).await.map_err(|e| match e {
        Failure::Taken { .. } => anyhow::anyhow!("{} is already a source", args.feed),
        other => anyhow::anyhow!("the source cannot be added: {other}"),
    })?;
    store.close().await;
    println!(
        "Added source {} for {}: {} ({}), terms {}{}.",
        source.id,
        outlet.name,
        source.feed_url,
        source.format,
        source.terms.name(),
        if source.auto_publish { ", publishing at once" } else { ", queueing new articles" }
    );
    if let Some(reason) = source.terms.refusal(false) {
        println!("Note: {reason} Change the terms with the admin when you have an agreement.");
    }
    Ok(())
}

pub async fn list(args: SourcesListArgs) -> anyhow::Result<()> {
    let store = args.data.open().await?;
    let sources = store.sources().await.context("could not read the sources")?;
    store.close().await;
    if sources.is_empty() {
        println!("No sources yet. Add one with: masthead sources add --outlet NAME --feed URL");
    }
    for s in sources {
        let polled = s.last_polled_at.map(|t| t.to_string()).unwrap_or_else(|| "never".into());
        println!("{:>4}  {}  {}  [{}; {}]", s.id, s.outlet_name, s.feed_url, s.format, s.terms.name());
        println!("      polled {polled}; next {}", s.next_poll_at);
        if let Some(e) = s.last_error {
            println!("      last error ({} in a row): {e}", s.failures);
        }
    }
    Ok(())
}

pub async fn pull(args: SourcesPullArgs) -> anyhow::Result<()> {
    let store = args.data.open().await?;
    let ids: Vec<i64> = match args.source {
        Some(id) => vec![store.source(id).await.with_context(|| format!("there is no source {id}"))?.id],
        None => store.sources().await.context("could not read the sources")?.iter().map(|s| s.id).collect(),
    };
    if ids.is_empty() {
        bail!("there are no sources to pull; add one with: masthead sources add --outlet NAME --feed URL");
    }
    let state = crate::site::state(&args.data, store.clone(), args.allow_private_fetch)?;
    let (mut failed, mut created, mut updated) = (0, 0, 0);
    for id in ids {
        let bar = crate::progress::bar(&format!("source {id}"));
        let progress = |done: usize, total: usize| {
            if let Some(bar) = &bar {
                bar.set_length(total as u64);
                bar.set_position(done as u64);
            }
        };
        let report = masthead_newsroom::ingest::pull_source(state.newsroom(), id, &progress).await;
        if let Some(bar) = bar {
            bar.finish_and_clear();
        }
        match report {
            Ok(report) => {
                println!("{report}");
                for problem in &report.problems {
                    println!("  - {problem}");
                }
                failed += usize::from(report.error.is_some());
                created += report.created;
                updated += report.updated;
            }
            Err(e) => {
                println!("source {id}: {e}");
                failed += 1;
            }
        }
    }
    store.close().await;
    println!("In all: {created} new, {updated} updated, {failed} source(s) failed.");
    if failed > 0 {
        bail!("{failed} source(s) could not be pulled");
    }
    Ok(())
}
