//! Bringing another system's export into this site: a WordPress export (WXR) or a Ghost export.
//!
//! Every record goes through the store's import keys (what each author, term, file and post of
//! the source became here), so that running an import again updates what it brought instead of
//! duplicating it, and an article gets a new revision only when something in it changed. Old
//! permalinks become redirects to the articles' new addresses.
//!
//! An import runs in two steps: `read` checks the whole export before the database is touched,
//! so that a malformed export stops with nothing written; `import` then writes, and returns the
//! [`Summary`] of what it did (or, when it stopped on the way, [`ImportError::Stopped`] with
//! the summary of what it saved until then). A dry run reads and decides everything and writes
//! nothing.
//!
//! Nothing here fetches from the network, prints, or knows the command line: files are copied
//! from the folders given, or left at their old address and listed in the summary, and each
//! caller shows the summary its own way.
//!
//! This file only declares the modules and names what they offer. They depend on each other one
//! way: `wordpress` and `ghost` on `importer`, which writes for both; `importer` on `media`,
//! `summary` and `error`; `error` on `summary`.

mod error;
mod ghost;
mod importer;
mod media;
mod summary;
mod wordpress;

pub use error::ImportError;
pub use ghost::{GhostExport, GhostImport};
pub use summary::{Note, RedirectTally, Summary, Tally};
pub use wordpress::{WordpressExport, WordpressImport};
