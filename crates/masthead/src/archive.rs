//! `masthead export archive` and `masthead import archive`: the command line's side of
//! `masthead_newsroom::archive` (what the file holds is described there). The archive file is
//! opened before the site, so that a wrong path makes no data folder.

use anyhow::Context;
use masthead_newsroom::archive::{ArchiveExport, ArchiveFile};

use crate::cli::{ExportArchiveArgs, ImportArchiveArgs};
use crate::progress::{bar, follow};

pub async fn export_archive(args: ExportArchiveArgs) -> anyhow::Result<()> {
    let store = args.data.open().await?;
    // With a media bucket, its files are brought into the data folder, which the archive holds.
    let media = args.data.media()?;
    let fetched = media
        .fetch_folder("", &args.data.data.join("media"))
        .await
        .context("could not fetch the media files from the bucket")?;
    if fetched > 0 {
        tracing::info!(files = fetched, "fetched media files from the bucket to archive them");
    }
    let bar = bar("writing the archive");
    let options = ArchiveExport { file: args.file, with_credentials: args.with_credentials };
    let archived =
        masthead_newsroom::archive::export_archive(&store, &args.data.data, &options, &follow(&bar)).await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    store.close().await;
    println!("{}", archived?);
    Ok(())
}

pub async fn import_archive(args: ImportArchiveArgs) -> anyhow::Result<()> {
    let archive = ArchiveFile::open(&args.file)?;
    let store = args.data.open().await?;
    let restored = archive.restore(&store, &args.data.data).await;
    store.close().await;
    let restored = restored?;
    // With a media bucket, the restored files go there, so that every node serves them.
    args.data
        .media()?
        .put_folder(&args.data.data.join("media"), "")
        .await
        .context("could not copy the restored media files to the bucket")?;
    println!("{restored}");
    if !restored.with_credentials {
        println!("Staff sign in after choosing a password: masthead user reset-password --email …");
    }
    Ok(())
}
