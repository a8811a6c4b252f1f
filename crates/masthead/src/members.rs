//! `masthead members import|export`: the command line's side of `masthead_newsroom::members`'
//! CSV import and export, with a progress bar on a terminal and a summary. The file is read
//! and checked whole before anything is written; nobody is e-mailed.

use std::io::Write;

use anyhow::Context;
use masthead_newsroom::mail::Mailer;
use masthead_newsroom::members;
use masthead_newsroom::staff::Actor;
use masthead_store::MemberFilter;

use crate::cli::{MembersExportArgs, MembersImportArgs, newsroom};
use crate::progress::bar;

pub async fn import(args: MembersImportArgs) -> anyhow::Result<()> {
    let bytes =
        std::fs::read(&args.file).with_context(|| format!("could not read {}", args.file.display()))?;
    let newsroom = newsroom(&args.data, Mailer::log_only()).await?;
    let bar = bar("importing members");
    let outcome = members::import_csv(Actor::Operator, &newsroom, &bytes, &|done, total| {
        if let Some(bar) = &bar {
            bar.set_length(total);
            bar.set_position(done);
        }
    })
    .await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    newsroom.store().close().await;
    let summary = outcome.with_context(|| format!("nothing was imported from {}", args.file.display()))?;
    print!("{summary}");
    Ok(())
}

pub async fn export(args: MembersExportArgs) -> anyhow::Result<()> {
    let newsroom = newsroom(&args.data, Mailer::log_only()).await?;
    let bar = bar("exporting members");
    let out: Box<dyn Write + Send> = match &args.output {
        Some(path) => Box::new(std::io::BufWriter::new(
            std::fs::File::create(path).with_context(|| format!("could not create {}", path.display()))?,
        )),
        None => Box::new(std::io::BufWriter::new(std::io::stdout())),
    };
    if let Some(bar) = &bar {
        bar.set_length(newsroom.store().count_members(&MemberFilter::default()).await.unwrap_or(0) as u64);
    }
    let outcome = members::export_csv(Actor::Operator, &newsroom, &MemberFilter::default(), out, &|done| {
        if let Some(bar) = &bar {
            bar.set_position(done);
        }
    })
    .await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    newsroom.store().close().await;
    let n = outcome?;
    match &args.output {
        Some(path) => eprintln!("Wrote {n} members to {}.", path.display()),
        None => eprintln!("Wrote {n} members."),
    }
    Ok(())
}
