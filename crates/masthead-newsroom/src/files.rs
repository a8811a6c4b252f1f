//! Where media files live: the data folder's `media/` (the default: one node, or several on a
//! shared mount), or a bucket of an S3-compatible object store that every node reaches
//! (`--media-bucket`), through the `object_store` crate. Paths are the media library's
//! (`uploads/2026/11/a1b2c3.jpg`), the same in both.

use std::io;
use std::path::{Component, Path, PathBuf};
use std::sync::Arc;

use object_store::aws::{AmazonS3, AmazonS3Builder};
use object_store::path::Path as ObjectPath;
use object_store::{ObjectStore, PutPayload};

/// The media files of the site.
#[derive(Debug, Clone)]
pub enum MediaFiles {
    /// A folder on this node's disk (`<data>/media`).
    Folder(PathBuf),
    /// A bucket every node shares.
    Bucket(Arc<Bucket>),
}

impl From<PathBuf> for MediaFiles {
    fn from(dir: PathBuf) -> MediaFiles {
        MediaFiles::Folder(dir)
    }
}

/// A bucket of an S3-compatible object store.
#[derive(Debug)]
pub struct Bucket {
    store: AmazonS3,
    name: String,
}

/// Where the bucket is. Keys and the region come from the usual `AWS_*` environment variables
/// (`AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY`, `AWS_REGION`).
#[derive(Debug, Clone)]
pub struct BucketConfig {
    pub bucket: String,
    /// The service's address, for S3-compatible services other than Amazon's (MinIO, Garage,
    /// Ceph, R2 …); plain `http://` is allowed only because it is given here.
    pub endpoint: Option<String>,
}

/// A file of the media library, read whole.
#[derive(Debug)]
pub struct MediaObject {
    pub bytes: Vec<u8>,
    /// The store's tag for this version of the file, for `ETag`.
    pub etag: Option<String>,
}

impl MediaFiles {
    /// Reaches the bucket `config` names; nothing is asked of the service yet.
    pub fn bucket(config: &BucketConfig) -> io::Result<MediaFiles> {
        let mut builder = AmazonS3Builder::from_env().with_bucket_name(&config.bucket);
        if let Some(endpoint) = &config.endpoint {
            builder = builder
                .with_endpoint(endpoint)
                .with_allow_http(endpoint.starts_with("http://"))
                .with_virtual_hosted_style_request(false);
        }
        let store = builder.build().map_err(|e| io::Error::other(format!("the media bucket: {e}")))?;
        Ok(MediaFiles::Bucket(Arc::new(Bucket { store, name: config.bucket.clone() })))
    }

    /// The folder on this node's disk, when the files live there.
    pub fn folder(&self) -> Option<&Path> {
        match self {
            MediaFiles::Folder(dir) => Some(dir),
            MediaFiles::Bucket(_) => None,
        }
    }

    /// Says where the files are, for the log.
    pub fn describe(&self) -> String {
        match self {
            MediaFiles::Folder(dir) => format!("folder {}", dir.display()),
            MediaFiles::Bucket(bucket) => format!("bucket {}", bucket.name),
        }
    }

    /// Writes every file, or none: when one fails, those already written are removed.
    pub async fn put_all(&self, files: Vec<(String, Vec<u8>)>) -> io::Result<()> {
        for (path, _) in &files {
            checked(path)?;
        }
        match self {
            MediaFiles::Folder(dir) => {
                let dir = dir.clone();
                tokio::task::spawn_blocking(move || {
                    let mut written = Vec::new();
                    for (path, bytes) in &files {
                        let target = dir.join(path);
                        let wrote = target
                            .parent()
                            .map_or(Ok(()), std::fs::create_dir_all)
                            .and_then(|()| std::fs::write(&target, bytes));
                        if let Err(e) = wrote {
                            written.iter().for_each(|p| drop(std::fs::remove_file(p)));
                            drop(std::fs::remove_file(&target));
                            return Err(e);
                        }
                        written.push(target);
                    }
                    Ok(())
                })
                .await
                .map_err(io::Error::other)?
            }
            MediaFiles::Bucket(bucket) => {
                let mut written = Vec::new();
                for (path, bytes) in files {
                    let key = ObjectPath::from(path.as_str());
                    if let Err(e) = bucket.store.put(&key, PutPayload::from(bytes)).await {
                        for key in &written {
                            drop(bucket.store.delete(key).await);
                        }
                        return Err(io::Error::other(format!(
                            "{path} could not be stored in the bucket: {e}"
                        )));
                    }
                    written.push(key);
                }
                Ok(())
            }
        }
    }

    /// Removes files, as far as it can (a file already gone is no error).
    pub async fn remove_all(&self, paths: &[String]) {
        for path in paths {
            if checked(path).is_err() {
                continue;
            }
            match self {
                MediaFiles::Folder(dir) => drop(tokio::fs::remove_file(dir.join(path)).await),
                MediaFiles::Bucket(bucket) => {
                    drop(bucket.store.delete(&ObjectPath::from(path.as_str())).await)
                }
            }
        }
    }

    /// Reads a file whole; `None` when there is none at `path` (or `path` could not name one).
    pub async fn get(&self, path: &str) -> io::Result<Option<MediaObject>> {
        if checked(path).is_err() {
            return Ok(None);
        }
        match self {
            MediaFiles::Folder(dir) => match tokio::fs::read(dir.join(path)).await {
                Ok(bytes) => Ok(Some(MediaObject { bytes, etag: None })),
                Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(None),
                Err(e) => Err(e),
            },
            MediaFiles::Bucket(bucket) => match bucket.store.get(&ObjectPath::from(path)).await {
                Ok(found) => {
                    let etag = found.meta.e_tag.clone();
                    let bytes = found.bytes().await.map_err(io::Error::other)?;
                    Ok(Some(MediaObject { bytes: bytes.to_vec(), etag }))
                }
                Err(object_store::Error::NotFound { .. }) => Ok(None),
                Err(e) => Err(io::Error::other(e)),
            },
        }
    }

    /// Every file of the library, with its size, in no particular order.
    pub async fn list(&self) -> io::Result<Vec<(String, u64)>> {
        self.list_under("").await
    }

    /// Every file whose path begins with the folder `prefix` (all of them for ""), with its size.
    pub async fn list_under(&self, prefix: &str) -> io::Result<Vec<(String, u64)>> {
        if !prefix.is_empty() {
            checked(prefix)?;
        }
        match self {
            MediaFiles::Folder(dir) => {
                let (root, start) = (dir.clone(), dir.join(prefix));
                tokio::task::spawn_blocking(move || {
                    let mut found = Vec::new();
                    walk(&root, &start, &mut found)?;
                    Ok(found)
                })
                .await
                .map_err(io::Error::other)?
            }
            MediaFiles::Bucket(bucket) => {
                use futures_util::TryStreamExt;
                let under = (!prefix.is_empty()).then(|| ObjectPath::from(prefix));
                let listed: Vec<_> =
                    bucket.store.list(under.as_ref()).try_collect().await.map_err(io::Error::other)?;
                Ok(listed.into_iter().map(|meta| (meta.location.to_string(), meta.size)).collect())
            }
        }
    }

    /// Copies the files under the folder `prefix` (all for "") into the folder `to` on this
    /// node's disk, but those already there with the same size: the theme overrides kept in the
    /// bucket, which templates are loaded from, and the files a backup archives. Returns how
    /// many were copied.
    pub async fn fetch_folder(&self, prefix: &str, to: &Path) -> io::Result<usize> {
        let mut copied = 0;
        for (path, size) in self.list_under(prefix).await? {
            let relative = path.strip_prefix(prefix).unwrap_or(&path).trim_start_matches('/');
            let target = to.join(relative);
            if checked(relative).is_err() || std::fs::metadata(&target).map(|m| m.len()).ok() == Some(size) {
                continue;
            }
            let Some(found) = self.get(&path).await? else { continue };
            if let Some(parent) = target.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(target, found.bytes)?;
            copied += 1;
        }
        Ok(copied)
    }

    /// Copies every file below the folder `local` of this node's disk to `under/…` in the
    /// bucket, but those already there with the same size: the demo's illustrations and an
    /// import's files, which are written on disk first, so that every node serves them.
    /// Nothing to do when the files live in the folder. Returns how many were copied.
    pub async fn put_folder(&self, local: &Path, under: &str) -> io::Result<usize> {
        if self.folder().is_some() {
            return Ok(0);
        }
        let there: std::collections::HashMap<String, u64> =
            self.list_under(under).await?.into_iter().collect();
        let mut found = Vec::new();
        walk(local, local, &mut found)?;
        let mut copied = 0;
        for (relative, size) in found {
            let path = if under.is_empty() { relative.clone() } else { format!("{under}/{relative}") };
            if there.get(&path) == Some(&size) {
                continue;
            }
            let bytes = std::fs::read(local.join(&relative))?;
            self.put_all(vec![(path, bytes)]).await?;
            copied += 1;
        }
        Ok(copied)
    }
}

/// The regular files below `dir` (links are not followed), as paths relative to `root`.
fn walk(root: &Path, dir: &Path, found: &mut Vec<(String, u64)>) -> io::Result<()> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(e),
    };
    for entry in entries {
        let entry = entry?;
        let kind = entry.file_type()?;
        if kind.is_dir() {
            walk(root, &entry.path(), found)?;
        } else if kind.is_file() {
            let path = entry.path();
            let relative = path.strip_prefix(root).map_err(io::Error::other)?;
            found.push((relative.to_string_lossy().replace('\\', "/"), entry.metadata()?.len()));
        }
    }
    Ok(())
}

/// A path of the library: relative, plain names only (no `..`, no root), never empty.
fn checked(path: &str) -> io::Result<()> {
    let plain = !path.is_empty()
        && Path::new(path).components().all(|c| matches!(c, Component::Normal(_)))
        && !path.contains('\\');
    if plain {
        Ok(())
    } else {
        Err(io::Error::new(io::ErrorKind::InvalidInput, format!("not a media path: {path:?}")))
    }
}
