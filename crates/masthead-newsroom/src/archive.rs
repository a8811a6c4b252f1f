//! Everything a site holds, in one file, and back into a new site exactly: what `masthead
//! export archive` and `masthead import archive` do.
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
//! without their password hashes, and API tokens are left out, unless asked for. Import checks
//! the whole file before it writes, restores the tables in one transaction, and moves the media
//! files into place only when that succeeded. Nothing here prints: each caller shows the
//! [`Archived`] or [`Restored`] it gets back.

use std::collections::BTreeMap;
use std::fmt;
use std::fs::File;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Component, Path, PathBuf};
use std::time::{Duration, Instant};

use masthead_store::{Store, StoreError, TableDump};
use serde_json::{Map, Value};

pub const FORMAT: &str = "masthead-archive";
pub const VERSION: u64 = 1;
const MANIFEST: &str = "masthead-archive.json";

/// Why an archive could not be written or restored.
#[derive(Debug, thiserror::Error)]
pub enum ArchiveError {
    /// Archives restore only into a new site.
    #[error("the site in {} is not empty: import an archive into a new data folder", .0.display())]
    NotEmpty(PathBuf),
    /// The file is not a Masthead archive this version reads, or not a whole one; the message
    /// names the file and what is wrong with it.
    #[error("{0}")]
    NotAnArchive(String),
    #[error("could not read the site")]
    Dump(#[source] StoreError),
    /// Nothing was written: the restore is one transaction.
    #[error("could not restore {name}; nothing was changed")]
    Restore { name: String, source: StoreError },
    /// A file could not be read or written; `context` says which.
    #[error("{context}")]
    File { context: String, source: std::io::Error },
    /// A part of the archive is not the JSON it should be; `context` says which.
    #[error("{context}")]
    Json { context: String, source: serde_json::Error },
    #[error(transparent)]
    Io(#[from] std::io::Error),
    #[error(transparent)]
    Encode(#[from] serde_json::Error),
    #[error(transparent)]
    Store(#[from] StoreError),
}

/// Says which file an IO error is about.
trait Context<T> {
    fn with_context(self, context: impl FnOnce() -> String) -> Result<T, ArchiveError>;
}

impl<T> Context<T> for std::io::Result<T> {
    fn with_context(self, context: impl FnOnce() -> String) -> Result<T, ArchiveError> {
        self.map_err(|source| ArchiveError::File { context: context(), source })
    }
}

/// What to write, and whether credentials go with it.
#[derive(Debug, Clone)]
pub struct ArchiveExport {
    /// The archive file to write; it appears whole or not at all.
    pub file: PathBuf,
    /// Include password hashes and API tokens (such a file must be kept as safe as the database).
    pub with_credentials: bool,
}

/// What an export wrote.
#[derive(Debug, Clone)]
pub struct Archived {
    pub file: PathBuf,
    pub tables: usize,
    pub rows: usize,
    pub media_files: usize,
    pub with_credentials: bool,
    pub elapsed: Duration,
}

impl fmt::Display for Archived {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Archived {} tables ({} rows) and {} media files into {} in {:.1} s{}.",
            self.tables,
            self.rows,
            self.media_files,
            self.file.display(),
            self.elapsed.as_secs_f64(),
            if self.with_credentials { ", with password hashes and API tokens" } else { "" }
        )
    }
}

/// What a restore brought back.
#[derive(Debug, Clone)]
pub struct Restored {
    /// The archive, as its file is named.
    pub name: String,
    pub tables: usize,
    pub rows: usize,
    pub media_files: usize,
    /// Whether the archive held password hashes and API tokens; without them, staff choose a
    /// new password before they sign in.
    pub with_credentials: bool,
    pub elapsed: Duration,
}

impl fmt::Display for Restored {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "Restored {} tables ({} rows) and {} media files from {} in {:.1} s.",
            self.tables,
            self.rows,
            self.media_files,
            self.name,
            self.elapsed.as_secs_f64()
        )
    }
}

/// Every file below `dir`, as paths relative to it.
fn files_below(dir: &Path) -> Result<Vec<PathBuf>, ArchiveError> {
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

fn append(tar: &mut tar::Builder<impl Write>, name: &str, bytes: &[u8]) -> Result<(), ArchiveError> {
    let mut header = tar::Header::new_gnu();
    header.set_size(bytes.len() as u64);
    header.set_mode(0o644);
    header.set_mtime(jiff::Timestamp::now().as_second().max(0) as u64);
    header.set_cksum();
    tar.append_data(&mut header, name, bytes)
        .with_context(|| format!("could not write {name} into the archive"))
}

/// Writes the site of `store` and the media of `data_dir` into one archive file; `progress`
/// hears (parts written, parts in all), a part being a table or a media file.
pub async fn export_archive(
    store: &Store,
    data_dir: &Path,
    options: &ArchiveExport,
    progress: &(dyn Fn(usize, usize) + Send + Sync),
) -> Result<Archived, ArchiveError> {
    let started = Instant::now();
    let dump = store.dump(options.with_credentials).await.map_err(ArchiveError::Dump)?;
    let media_dir = data_dir.join("media");
    let media = files_below(&media_dir)?;

    let partial = options.file.with_extension("partial");
    let out = File::create(&partial).with_context(|| format!("could not create {}", partial.display()))?;
    let mut tar = tar::Builder::new(std::io::BufWriter::new(out));
    let tables: BTreeMap<&str, usize> = dump.iter().map(|t| (t.name.as_str(), t.rows.len())).collect();
    let manifest = serde_json::json!({
        "format": FORMAT,
        "version": VERSION,
        "created_at": jiff::Timestamp::now().to_string(),
        "masthead": env!("CARGO_PKG_VERSION"),
        "with_credentials": options.with_credentials,
        "tables": tables,
        "order": dump.iter().map(|t| t.name.as_str()).collect::<Vec<_>>(),
        "media_files": media.len(),
    });
    append(&mut tar, MANIFEST, serde_json::to_string_pretty(&manifest)?.as_bytes())?;
    let total = dump.len() + media.len();
    let mut done = 0;
    for table in &dump {
        let mut lines = Vec::new();
        for row in &table.rows {
            serde_json::to_writer(&mut lines, row)?;
            lines.push(b'\n');
        }
        append(&mut tar, &format!("tables/{}.jsonl", table.name), &lines)?;
        done += 1;
        progress(done, total);
    }
    for file in &media {
        let path = media_dir.join(file);
        let name = format!("media/{}", file.to_string_lossy().replace('\\', "/"));
        tar.append_path_with_name(&path, &name)
            .with_context(|| format!("could not add {}", path.display()))?;
        done += 1;
        progress(done, total);
    }
    tar.into_inner()?.flush()?;
    std::fs::rename(&partial, &options.file)
        .with_context(|| format!("could not write {}", options.file.display()))?;
    Ok(Archived {
        file: options.file.clone(),
        tables: dump.len(),
        rows: dump.iter().map(|t| t.rows.len()).sum(),
        media_files: media.len(),
        with_credentials: options.with_credentials,
        elapsed: started.elapsed(),
    })
}

/// A media path from the archive, refused if it would leave the media folder.
fn safe_relative(name: &str) -> Option<PathBuf> {
    let path = Path::new(name);
    path.components().all(|c| matches!(c, Component::Normal(_))).then(|| path.to_owned())
}

/// An archive file, open and about to be restored.
#[derive(Debug)]
pub struct ArchiveFile {
    file: File,
    /// The archive, as its file is named.
    name: String,
    opened: Instant,
}

impl ArchiveFile {
    /// Opens the archive `path`, touching no database; what it holds is checked by
    /// [`ArchiveFile::restore`].
    pub fn open(path: &Path) -> Result<ArchiveFile, ArchiveError> {
        let opened = Instant::now();
        let file = File::open(path).with_context(|| format!("could not open {}", path.display()))?;
        Ok(ArchiveFile { file, name: path.display().to_string(), opened })
    }

    /// Restores the archive into the empty site of `store`, its media files into `data_dir`.
    /// The whole file is checked before anything is written, the tables are restored in one
    /// transaction, and the media files are moved into place only when that succeeded.
    pub async fn restore(self, store: &Store, data_dir: &Path) -> Result<Restored, ArchiveError> {
        let ArchiveFile { file, name, opened } = self;
        if !store.is_empty_site().await? {
            return Err(ArchiveError::NotEmpty(data_dir.to_owned()));
        }
        let refuse = |message: String| ArchiveError::NotAnArchive(message);
        // Media go to a folder beside the media folder first, and into place only at the end.
        let staging = data_dir.join(".archive-import");
        let _ = std::fs::remove_dir_all(&staging);
        let mut manifest: Option<Value> = None;
        let mut tables: BTreeMap<String, Vec<Map<String, Value>>> = BTreeMap::new();
        let mut media = 0usize;
        let mut archive = tar::Archive::new(BufReader::new(file));
        let entries = archive.entries().with_context(|| format!("{name} is not a tar archive"))?;
        for entry in entries {
            let mut entry = entry.with_context(|| format!("{name}: a damaged entry"))?;
            let path = entry.path()?.to_string_lossy().into_owned();
            if path == MANIFEST {
                let mut text = String::new();
                entry.read_to_string(&mut text)?;
                let m: Value = serde_json::from_str(&text).map_err(|source| ArchiveError::Json {
                    context: format!("{name}: {MANIFEST} is not JSON"),
                    source,
                })?;
                if m["format"] != FORMAT {
                    return Err(refuse(format!(
                        "{name} is not a Masthead archive ({MANIFEST} names another format)"
                    )));
                }
                if m["version"].as_u64() != Some(VERSION) {
                    return Err(refuse(format!(
                        "{name} is a version {} archive; this Masthead reads version {VERSION}",
                        m["version"]
                    )));
                }
                manifest = Some(m);
            } else if let Some(table) = path.strip_prefix("tables/").and_then(|p| p.strip_suffix(".jsonl")) {
                let mut rows = Vec::new();
                for (i, line) in BufReader::new(&mut entry).lines().enumerate() {
                    let line = line.with_context(|| format!("{name}: {path} line {}", i + 1))?;
                    if line.trim().is_empty() {
                        continue;
                    }
                    let row: Map<String, Value> =
                        serde_json::from_str(&line).map_err(|source| ArchiveError::Json {
                            context: format!("{name}: {path} line {}: not a JSON object", i + 1),
                            source,
                        })?;
                    rows.push(row);
                }
                tables.insert(table.to_owned(), rows);
            } else if let Some(rest) = path.strip_prefix("media/") {
                let relative = safe_relative(rest)
                    .ok_or_else(|| refuse(format!("{name}: the media path {rest:?} is not allowed")))?;
                let target = staging.join(&relative);
                std::fs::create_dir_all(target.parent().expect("a file has a folder"))?;
                entry.unpack(&target).with_context(|| format!("could not unpack {path}"))?;
                media += 1;
            }
        }
        let manifest = manifest
            .ok_or_else(|| refuse(format!("{name} has no {MANIFEST}: it is not a Masthead archive")))?;
        let order: Vec<String> = manifest["order"]
            .as_array()
            .map(|a| a.iter().filter_map(|v| v.as_str().map(str::to_owned)).collect())
            .unwrap_or_default();
        let mut dumps = Vec::new();
        for table in &order {
            let rows = tables
                .remove(table)
                .ok_or_else(|| refuse(format!("{name}: tables/{table}.jsonl is missing")))?;
            let expected = manifest["tables"][table].as_u64().unwrap_or_default() as usize;
            if rows.len() != expected {
                return Err(refuse(format!(
                    "{name}: tables/{table}.jsonl has {} rows; the manifest says {expected}",
                    rows.len()
                )));
            }
            dumps.push(TableDump { name: table.clone(), rows });
        }
        if media != manifest["media_files"].as_u64().unwrap_or_default() as usize {
            return Err(refuse(format!(
                "{name}: {media} media files; the manifest says {}",
                manifest["media_files"]
            )));
        }
        if let Err(source) = store.restore(&dumps).await {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(ArchiveError::Restore { name, source });
        }
        let media_dir = data_dir.join("media");
        for file in files_below(&staging)? {
            let target = media_dir.join(&file);
            std::fs::create_dir_all(target.parent().expect("a file has a folder"))?;
            std::fs::rename(staging.join(&file), &target)
                .with_context(|| format!("could not place {}", target.display()))?;
        }
        let _ = std::fs::remove_dir_all(&staging);
        Ok(Restored {
            tables: dumps.len(),
            rows: dumps.iter().map(|t| t.rows.len()).sum(),
            media_files: media,
            with_credentials: manifest["with_credentials"] == true,
            elapsed: opened.elapsed(),
            name,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Jobs run archives on spawned tasks, which needs futures that may move between threads.
    #[test]
    fn archives_can_run_on_a_spawned_task() {
        fn sendable<T: Send>(_: &T) {}
        let _ = |store: &Store, options: &ArchiveExport, file: ArchiveFile| {
            sendable(&export_archive(store, Path::new("data"), options, &|_, _| {}));
            sendable(&file.restore(store, Path::new("data")));
        };
    }

    #[test]
    fn media_paths_never_leave_the_media_folder() {
        assert_eq!(safe_relative("uploads/2024/a.jpg"), Some(PathBuf::from("uploads/2024/a.jpg")));
        assert_eq!(safe_relative("../masthead.db"), None);
        assert_eq!(safe_relative("/etc/passwd"), None);
        assert_eq!(safe_relative("uploads/../../x"), None);
    }
}
