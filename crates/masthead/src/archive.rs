//! `masthead export archive` and `masthead import archive`: everything a site holds, in one
//! file, and back into a new site exactly.
//!
//! The file is a tar archive, version 1:
//!
//! ```text
//! masthead-archive.json   {"format": "masthead-archive", "version": 1, "created_at": …,
//!                          "tables": {"articles": 14, …}, "media_files": 31}
//! tables/<table>.jsonl    one JSON object per row, every column, in id order
//!                         (the tables of masthead_store::ARCHIVE_TABLES, parents first)
//! media/<path>            every file of the media folder (originals and resized copies)
//! ```
//!
//! Export reads the tables in one snapshot, so it works while the site is serving. Users come
//! without their password hashes, and API tokens are left out, unless `--with-credentials`.
//! Import checks the whole file before it writes, restores the tables in one transaction, and
//! moves the media files into place only when that succeeded.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};

use anyhow::{Context, bail};
use masthead_store::TableDump;
use serde_json::{Map, Value};

use crate::cli::{ExportArchiveArgs, ImportArchiveArgs};

pub const FORMAT: &str = "masthead-archive";
pub const VERSION: u64 = 1;
const MANIFEST: &str = "masthead-archive.json";

/// Every file below `dir`, as paths relative to it.
fn files_below(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(next) = stack.pop() {
        let Ok(entries) = std::fs::read_dir(&next) else { continue };
        for entry in entries {
            let entry = entry.with_context(|| format!("could not read {}", next.display()))?;
            let kind = entry.file_type()?;
            if kind.is_dir() {
                stack.push(entry.path());
            } else if kind.is_file() {
                out.push(entry.path().strip_prefix(dir).expect("below the folder").to_owned());
            }
        }
    }
    out.sort();
    Ok(out)
}

fn append(tar: &mut tar::Builder<impl Write>, name: &str, bytes: &[u8]) -> anyhow::Result<()> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(jiff::Timestamp::now().as_second().max(0) as u64);
    header.set_cksum();
    tar.append_data(&mut header, name, bytes)
        .with_context(|| format!("could not write {name} into the archive"))
}

pub async fn export_archive(args: ExportArchiveArgs) -> anyhow::Result<()> {
    let store = args.data.open().await?;
    let started = std::time::Instant::now();
    let dump = store.dump(args.with_credentials).await.context("could not read the site")?;
    store.close().await;
    let media_dir = args.data.data.join("media");
    let media = files_below(&media_dir)?;

    let partial = args.file.with_extension("partial");
    let out =
        std::fs::File::create(&partial).with_context(|| format!("could not create {}", partial.display()))?;
    let mut tar = tar::Builder::new(std::io::BufWriter::new(out));
    let tables: BTreeMap<&str, usize> = dump.iter().map(|t| (t.name.as_str(), t.rows.len())).collect();
    let manifest = serde_json::json!({
        "format": FORMAT,
        "version": VERSION,
        "created_at": jiff::Timestamp::now().to_string(),
        "masthead": env!("CARGO_PKG_VERSION"),
        "with_credentials": args.with_credentials,
        "tables": tables,
        "order": dump.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        "media_files": media.len(),
    });
    append(&mut tar, MANIFEST, serde_json::to_string_pretty(&manifest)?.as_bytes())?;
    let bar = crate::export::bar("writing the archive");
    if let Some(bar) = &bar {
        bar.set_length((dump.len() + media.len()) as u64);
    }
    for table in &dump {
        let mut lines = Vec::new();
        for row in &table.rows {
            serde_json::to_writer(&mut lines, row)?;
            lines.push(b'\n');
        }
        append(&mut tar, &format!("tables/{}.jsonl", table.name), &lines)?;
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    }
    for file in &media {
        let path = media_dir.join(file);
        let name = format!("media/{}", file.to_string_lossy().replace('\\', "/"));
        tar.append_path_with_name(&path, &name)
            .with_context(|| format!("could not add {}", path.display()))?;
        if let Some(bar) = &bar {
            bar.inc(1);
        }
    }
    tar.into_inner()?.flush()?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    std::fs::rename(&partial, &args.file)
        .with_context(|| format!("could not write {}", args.file.display()))?;
    let rows: usize = dump.iter().map(|t| t.rows.len()).sum();
    println!(
        "Archived {} tables ({rows} rows) and {} media files into {} in {:.1} s{}.",
        dump.len(),
        media.len(),
        args.file.display(),
        started.elapsed().as_secs_f64(),
        if args.with_credentials { ", with password hashes and API tokens" } else { "" }
    );
    Ok(())
}

/// A media path from the archive, refused if it would leave the media folder.
fn safe_relative(name: &str) -> Option<PathBuf> {
    let path = Path::new(name);
    path.components().all(|c| matches!(c, Component::Normal(_))).then(|| path.to_owned())
}

pub async fn import_archive(args: ImportArchiveArgs) -> anyhow::Result<()> {
    let started = std::time::Instant::now();
    let file =
        std::fs::File::open(&args.file).with_context(|| format!("could not open {}", args.file.display()))?;
    let name = args.file.display().to_string();
    let store = args.data.open().await?;
    if !store.is_empty_site().await? {
        bail!(
            "the site in {} is not empty: import an archive into a new data folder",
            args.data.data.display()
        );
    }
    // Media go to a folder beside the media folder first, and into place only at the end.
    let staging = args.data.data.join(".archive-import");
    let _ = std::fs::remove_dir_all(&staging);
    let mut manifest: Option<Value> = None;
    let mut tables: BTreeMap<String, Vec<Map<String, Value>>> = BTreeMap::new();
    let mut media = 0usize;
    let mut archive = tar::Archive::new(std::io::BufReader::new(file));
    let entries = archive.entries().with_context(|| format!("{name} is not a tar archive"))?;
    for entry in entries {
        let mut entry = entry.with_context(|| format!("{name}: a damaged entry"))?;
        let path = entry.path()?.to_string_lossy().into_owned();
        if path == MANIFEST {
            let mut text = String::new();
            entry.read_to_string(&mut text)?;
            let m: Value =
                serde_json::from_str(&text).with_context(|| format!("{name}: {MANIFEST} is not JSON"))?;
            if m["format"] != FORMAT {
                bail!("{name} is not a Masthead archive ({MANIFEST} names another format)");
            }
            if m["version"].as_u64() != Some(VERSION) {
                bail!("{name} is a version {} archive; this Masthead reads version {VERSION}", m["version"]);
            }
            manifest = Some(m);
        } else if let Some(table) = path.strip_prefix("tables/").and_then(|p| p.strip_suffix(".jsonl")) {
            let mut rows = Vec::new();
            for (i, line) in BufReader::new(&mut entry).lines().enumerate() {
                let line = line.with_context(|| format!("{name}: {path} line {}", i + 1))?;
                if line.trim().is_empty() {
                    continue;
                }
                let row: Map<String, Value> = serde_json::from_str(&line)
                    .with_context(|| format!("{name}: {path} line {}: not a JSON object", i + 1))?;
                rows.push(row);
            }
            tables.insert(table.to_owned(), rows);
        } else if let Some(rest) = path.strip_prefix("media/") {
            let relative = safe_relative(rest)
                .with_context(|| format!("{name}: the media path {rest:?} is not allowed"))?;
            let target = staging.join(&relative);
            std::fs::create_dir_all(target.parent().expect("a file has a folder"))?;
            entry.unpack(&target).with_context(|| format!("could not unpack {path}"))?;
            media += 1;
        }
    }
    let manifest =
        manifest.with_context(|| format!("{name} has no {MANIFEST}: it is not a Masthead archive"))?;
    let order: Vec<String> = manifest["order"]
        .as_array()
        .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
        .unwrap_or_default();
    let mut dumps = Vec::new();
    for table in &order {
        let rows =
            tables.remove(table).with_context(|| format!("{name}: tables/{table}.jsonl is missing"))?;
        let expected = manifest["tables"][table].as_u64().unwrap_or_default() as usize;
        if rows.len() != expected {
            bail!("{name}: tables/{table}.jsonl has {} rows; the manifest says {expected}", rows.len());
        }
        dumps.push(TableDump { name: table.clone(), rows });
    }
    if media != manifest["media_files"].as_u64().unwrap_or_default() as usize {
        bail!("{name}: {media} media files; the manifest says {}", manifest["media_files"]);
    }
    if let Err(e) = store.restore(&dumps).await {
        let _ = std::fs::remove_dir_all(&staging);
        return Err(anyhow::Error::new(e).context(format!("could not restore {name}; nothing was changed")));
    }
    let media_dir = args.data.data.join("media");
    for file in files_below(&staging)? {
        let target = media_dir.join(&file);
        std::fs::create_dir_all(target.parent().expect("a file has a folder"))?;
        std::fs::rename(staging.join(&file), &target)
            .with_context(|| format!("could not place {}", target.display()))?;
    }
    let _ = std::fs::remove_dir_all(&staging);
    store.close().await;
    let rows: usize = dumps.iter().map(|t| t.rows.len()).sum();
    println!(
        "Restored {} tables ({rows} rows) and {media} media files from {name} in {:.1} s.",
        dumps.len(),
        started.elapsed().as_secs_f64()
    );
    if manifest["with_credentials"] != true {
        println!("Staff sign in after choosing a password: masthead user reset-password --email …");
    }
    Ok(())
}
