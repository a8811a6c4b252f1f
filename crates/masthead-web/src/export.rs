//! The static export: the whole public site written as files that any web server can serve,
//! each one the very bytes `masthead serve` answers for its address (the export asks the
//! router for every address). Runs on every core; a second run writes only what changed, and
//! removes what is no longer published.
//!
//! Every page of every list is written (older pages live at `…/page/{cursor}`). Addresses that
//! only exist with a query (`/ninjs/items?since=…`, for partners' machines) have no file.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use axum::body::Body;
use axum::http::{Request, StatusCode};
use masthead_core::TermKind;
use tower::ServiceExt;

use crate::state::AppState;

/// The list of files an export wrote, kept in the export folder for the next run.
const MANIFEST: &str = ".masthead-export";

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ExportReport {
    /// Addresses rendered.
    pub pages: usize,
    /// Files written because they were new or had changed.
    pub written: usize,
    /// Files left as they were.
    pub unchanged: usize,
    /// Files of an earlier export that are no longer published.
    pub removed: usize,
    /// Media files copied.
    pub media: usize,
    pub bytes: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error("could not write {path}")]
    Io { path: String, source: std::io::Error },
    #[error("{0} answered {1}")]
    Page(String, StatusCode),
    #[error(transparent)]
    Store(#[from] masthead_store::StoreError),
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::Io { path: path.display().to_string(), source }
}

/// Every public address of the site that has a file of its own.
pub async fn public_addresses(state: &AppState) -> Result<Vec<String>, ExportError> {
    let store = state.store();
    let mut paths: Vec<String> =
        ["/", "/feed.xml", "/atom.xml", "/feed.json", "/sitemap.xml", "/news-sitemap.xml", "/robots.txt"]
            .map(str::to_owned)
            .to_vec();
    paths.extend(masthead_core::ReusePolicy::ALL.map(|p| p.terms_path()));
    paths.extend(crate::syndication::sitemap_paths(store.published_span().await?.as_ref()));
    let index = store.published_index().await?;
    for entry in &index {
        let base = masthead_core::article::article_path(&entry.slug);
        paths.push(format!("{base}.ninjs.json"));
        paths.push(format!("{base}/republish"));
        paths.push(format!("{base}/republish.json"));
        paths.push(base);
    }
    let feeds = |base: String| ["", "/feed.xml", "/atom.xml", "/feed.json"].map(|f| format!("{base}{f}"));
    // Every older page of every list, as the pagers link to them (each list's page starts read
    // from its keys in one statement, not page by page).
    let size = state.page_size();
    for start in store.published_page_starts(size).await? {
        paths.push(crate::paths::older_page("/", &start));
    }
    for author in store.authors().await? {
        let base = author.path();
        for start in store.author_page_starts(author.id, size).await? {
            paths.push(crate::paths::older_page(&base, &start));
        }
        paths.extend(feeds(base));
    }
    for kind in TermKind::ALL {
        for term in store.terms(kind).await? {
            let base = term.path();
            for start in store.term_page_starts(term.id, size).await? {
                paths.push(crate::paths::older_page(&base, &start));
            }
            paths.extend(feeds(base));
        }
    }
    for page in store.pages().await? {
        paths.push(page.path());
    }
    // The site's colours, when it has its own (a static server serves the file, whatever the query).
    if let Some(colors) = crate::views::site_view(&state.site().await?).colors {
        paths.push(colors);
    }
    paths.extend(state.theme().asset_paths());
    Ok(paths)
}

/// Where the file for `address` goes: pages become `…/index.html`, documents keep their name.
pub fn file_for(address: &str) -> PathBuf {
    let address = address.split('?').next().unwrap_or_default();
    let trimmed = address.trim_start_matches('/');
    let last = trimmed.rsplit('/').next().unwrap_or_default();
    if trimmed.is_empty() {
        PathBuf::from("index.html")
    } else if last.contains('.') {
        PathBuf::from(trimmed)
    } else {
        Path::new(trimmed).join("index.html")
    }
}

/// Renders one address through the router: exactly what a visitor would get.
pub async fn render(router: &axum::Router, address: &str) -> Result<Vec<u8>, ExportError> {
    let request = Request::builder().uri(address).body(Body::empty()).expect("a valid address");
    let response = router.clone().oneshot(request).await.expect("the router answers every request");
    if response.status() != StatusCode::OK {
        return Err(ExportError::Page(address.to_owned(), response.status()));
    }
    let bytes = axum::body::to_bytes(response.into_body(), usize::MAX).await.map_err(|e| {
        ExportError::Io { path: address.into(), source: std::io::Error::other(e.to_string()) }
    })?;
    Ok(bytes.to_vec())
}

/// Writes `bytes` to `path` unless the file already holds them; answers whether it wrote.
fn write_if_changed(path: &Path, bytes: &[u8]) -> Result<bool, ExportError> {
    match std::fs::read(path) {
        Ok(old) if old == bytes => Ok(false),
        // Replace through a file beside it: a web server serving the folder never sees half a
        // page.
        Ok(_) => {
            let mut tmp = path.as_os_str().to_owned();
            tmp.push(".masthead-tmp");
            let tmp = PathBuf::from(tmp);
            std::fs::write(&tmp, bytes).map_err(io(&tmp))?;
            std::fs::rename(&tmp, path).map_err(io(path))?;
            Ok(true)
        }
        Err(_) => {
            if let Some(parent) = path.parent()
                && !parent.is_dir()
            {
                std::fs::create_dir_all(parent).map_err(io(parent))?;
            }
            std::fs::write(path, bytes).map_err(io(path))?;
            Ok(true)
        }
    }
}

/// Exports the public site of `state` into `dir`. `progress` hears (done, total).
pub async fn export_static(
    state: &AppState,
    dir: &Path,
    progress: Arc<dyn Fn(usize, usize) + Send + Sync>,
) -> Result<ExportReport, ExportError> {
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    // Every page rendered afresh: the export must not keep copies in memory.
    state.page_cache().set_capacity(0);
    let router = crate::router(state.clone());
    let addresses = public_addresses(state).await?;
    let total = addresses.len();
    let workers = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2) * 2;
    let queue = Arc::new(std::sync::Mutex::new(addresses.clone()));
    let done = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..workers {
        let (queue, router, dir) = (queue.clone(), router.clone(), dir.to_owned());
        let (done, progress) = (done.clone(), progress.clone());
        tasks.spawn(async move {
            let mut report = ExportReport::default();
            loop {
                let next = queue.lock().unwrap_or_else(|e| e.into_inner()).pop();
                let Some(address) = next else { break };
                let bytes = render(&router, &address).await?;
                let path = dir.join(file_for(&address));
                let wrote = tokio::task::spawn_blocking(move || {
                    write_if_changed(&path, &bytes).map(|w| (w, bytes.len()))
                })
                .await
                .map_err(|e| ExportError::Io { path: address.clone(), source: std::io::Error::other(e) })??;
                report.pages += 1;
                report.bytes += wrote.1 as u64;
                progress(done.fetch_add(1, std::sync::atomic::Ordering::Relaxed) + 1, total);
                if wrote.0 {
                    report.written += 1;
                } else {
                    report.unchanged += 1;
                }
            }
            Ok::<ExportReport, ExportError>(report)
        });
    }
    let mut report = ExportReport::default();
    while let Some(joined) = tasks.join_next().await {
        let part = joined
            .map_err(|e| ExportError::Io { path: "a worker".into(), source: std::io::Error::other(e) })??;
        report.pages += part.pages;
        report.written += part.written;
        report.unchanged += part.unchanged;
        report.bytes += part.bytes;
    }
    report.media = match state.media_dir() {
        Some(folder) => copy_media(folder, &dir.join("media"))?,
        None => {
            let to = dir.join("media");
            state.newsroom().media().fetch_folder("", &to).await.map_err(io(&to))?
        }
    };

    // What an earlier export wrote and this one did not is no longer published.
    let files: BTreeSet<String> =
        addresses.iter().map(|a| file_for(a).to_string_lossy().into_owned()).collect();
    let manifest = dir.join(MANIFEST);
    if let Ok(old) = std::fs::read_to_string(&manifest) {
        for stale in old.lines().filter(|l| !l.is_empty() && !files.contains(*l)) {
            let path = dir.join(stale);
            if path.starts_with(dir) && std::fs::remove_file(&path).is_ok() {
                report.removed += 1;
            }
        }
    }
    let listing: String = files.iter().map(|f| format!("{f}\n")).collect();
    std::fs::write(&manifest, listing).map_err(io(&manifest))?;
    Ok(report)
}

/// Copies the media folder's files that are missing or differ in size; answers how many.
fn copy_media(from: &Path, to: &Path) -> Result<usize, ExportError> {
    let mut copied = 0;
    let Ok(entries) = std::fs::read_dir(from) else { return Ok(0) };
    for entry in entries {
        let entry = entry.map_err(io(from))?;
        let (source, target) = (entry.path(), to.join(entry.file_name()));
        let kind = entry.file_type().map_err(io(&source))?;
        if kind.is_dir() {
            copied += copy_media(&source, &target)?;
        } else if kind.is_file() {
            let size = entry.metadata().map_err(io(&source))?.len();
            if std::fs::metadata(&target).map(|m| m.len()).ok() != Some(size) {
                std::fs::create_dir_all(to).map_err(io(to))?;
                std::fs::copy(&source, &target).map_err(io(&target))?;
                copied += 1;
            }
        }
    }
    Ok(copied)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_become_files_any_server_finds() {
        assert_eq!(file_for("/"), PathBuf::from("index.html"));
        assert_eq!(file_for("/article/water"), PathBuf::from("article/water/index.html"));
        assert_eq!(file_for("/article/water.ninjs.json"), PathBuf::from("article/water.ninjs.json"));
        assert_eq!(file_for("/region/europe/feed.xml"), PathBuf::from("region/europe/feed.xml"));
        assert_eq!(file_for("/article/water/republish"), PathBuf::from("article/water/republish/index.html"));
        assert_eq!(file_for("/site.css?accent=225588"), PathBuf::from("site.css"));
        assert_eq!(file_for("/about"), PathBuf::from("about/index.html"));
    }
}
