//! Why an import did not run, or stopped: in the words the command line has always printed,
//! with the store's or the file system's error as the source.

use std::path::PathBuf;

use masthead_core::{Slug, SlugError};
use masthead_store::StoreError;

use super::summary::Summary;

/// An import that could not start, or that stopped on the way.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    /// The export cannot be read (it names the file, line and column); nothing was written.
    /// The reader's error is the whole message, not a source: it carries no chain.
    #[error("{0} (nothing was imported)")]
    Unreadable(masthead_import::ImportError),
    /// A WordPress export that read well the first time did not the second time.
    #[error("{0} (the file changed since it was first read)")]
    Changed(masthead_import::ImportError),
    /// The export holds nothing to import: a file of another shape, or an empty site.
    #[error("{file} has no {what} to import: is it the site's export? (nothing was imported)")]
    NothingFound { file: String, what: &'static str },
    #[error(
        "{0:?} is not a time zone: give an IANA name such as Europe/Belgrade, or an offset such as UTC+2"
    )]
    UnknownTimeZone(String),
    #[error("the uploads folder {} is not there", .0.display())]
    NoUploadsFolder(PathBuf),
    #[error("the images folder {} is not there", .0.display())]
    NoImagesFolder(PathBuf),
    #[error("no address can be made from {wanted}")]
    NoSlug { wanted: Slug, source: SlugError },
    #[error("no free address like {0}: a thousand are taken")]
    NoFreeSlug(Slug),
    /// The database failed; `context` says at what.
    #[error("{context}")]
    Store { context: String, source: StoreError },
    /// A file could not be read, copied or made; `context` says which.
    #[error("{context}")]
    File { context: String, source: std::io::Error },
    /// The import stopped after it had begun to write: what it saved stays, and `summary` says
    /// what that is. `cause` is why it stopped.
    #[error("the import stopped; what it saved before stays, and running the same import again finishes it")]
    Stopped {
        summary: Box<Summary>,
        #[source]
        cause: Box<ImportError>,
    },
}

/// Says what was being done when the store or the file system failed.
pub(super) trait Context<T> {
    fn context(self, context: impl Into<String>) -> Result<T, ImportError>;
    fn with_context(self, context: impl FnOnce() -> String) -> Result<T, ImportError>;
}

impl<T> Context<T> for Result<T, StoreError> {
    fn context(self, context: impl Into<String>) -> Result<T, ImportError> {
        self.with_context(|| context.into())
    }

    fn with_context(self, context: impl FnOnce() -> String) -> Result<T, ImportError> {
        self.map_err(|source| ImportError::Store { context: context(), source })
    }
}

impl<T> Context<T> for std::io::Result<T> {
    fn context(self, context: impl Into<String>) -> Result<T, ImportError> {
        self.with_context(|| context.into())
    }

    fn with_context(self, context: impl FnOnce() -> String) -> Result<T, ImportError> {
        self.map_err(|source| ImportError::File { context: context(), source })
    }
}
