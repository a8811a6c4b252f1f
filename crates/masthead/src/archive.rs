//! `masthead export archive` and `masthead import archive`: the command line's side of
//! `masthead_newsroom::archive` (what the file holds is described there). The archive file is
//! opened before the site, so that a wrong path makes no data folder.

use masthead_newsroom::archive::{ArchiveExport, ArchiveFile};

use crate::cli::{ExportArchiveArgs, ImportArchiveArgs};
use crate::progress::{bar, follow};

pub async fn export_archive(args: ExportArchiveArgs) -> anyhow::Result<()> {
    let store = args.data.open().await?;
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
    println!("{restored}");
    if !restored.with_credentials {
        println!("Staff sign in after choosing a password: masthead user reset-password --email …");
    }
    Ok(())
}
