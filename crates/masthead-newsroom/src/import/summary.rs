//! What an import did: counts, and notes on what it skipped, altered or left at its old address.
//! Shown as text (its `Display`) at the end of an import and kept as JSON (it is `Serialize`).

use std::collections::HashSet;
use std::fmt;

use masthead_store::Saved;
use serde::Serialize;

/// Records of one kind: how many were made, changed, or found as they were.
#[derive(Debug, Default, Serialize)]
pub struct Tally {
    pub created: usize,
    pub updated: usize,
    pub unchanged: usize,
}

impl Tally {
    pub(crate) fn count(&mut self, saved: Saved) {
        match saved {
            Saved::Created => self.created += 1,
            Saved::Updated => self.updated += 1,
            Saved::Unchanged => self.unchanged += 1,
        }
    }
}

impl fmt::Display for Tally {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} new, {} updated, {} unchanged", self.created, self.updated, self.unchanged)
    }
}

#[derive(Debug, Default, Serialize)]
pub struct RedirectTally {
    /// New, or leading somewhere else than before.
    pub changed: usize,
    pub unchanged: usize,
}

/// Something of the export, and what happened to it.
#[derive(Debug, Serialize)]
pub struct Note {
    pub item: String,
    pub reason: String,
}

/// What an import did.
#[derive(Debug, Default, Serialize)]
pub struct Summary {
    /// The export, as its file was named.
    pub export: String,
    /// What the import keys are kept under: "wordpress:https://old.example".
    pub source: String,
    pub dry_run: bool,
    /// False when the import stopped on an error.
    pub complete: bool,
    pub authors: Tally,
    pub terms: Tally,
    pub articles: Tally,
    pub comments: Tally,
    pub media_copied: usize,
    /// Files downloaded from their old addresses (`--fetch-media`).
    pub media_downloaded: usize,
    pub redirects: RedirectTally,
    /// Images and files left at their old address.
    pub remote_media: Vec<Note>,
    pub skipped: Vec<Note>,
    pub altered: Vec<Note>,
    /// Articles changed here since the last import and in the export too: this site's kept.
    pub conflicts: Vec<Note>,
    /// The addresses in `remote_media`, each listed once.
    #[serde(skip)]
    remote_urls: HashSet<String>,
}

impl Summary {
    /// The summary of an import about to begin.
    pub(crate) fn new(export: &str, source: &str, dry_run: bool) -> Summary {
        Summary { export: export.to_owned(), source: source.to_owned(), dry_run, ..Summary::default() }
    }

    pub(crate) fn skip(&mut self, item: impl Into<String>, reason: impl Into<String>) {
        self.skipped.push(Note { item: item.into(), reason: reason.into() });
    }

    pub(crate) fn alter(&mut self, item: impl Into<String>, reason: impl Into<String>) {
        self.altered.push(Note { item: item.into(), reason: reason.into() });
    }

    pub(crate) fn conflict(&mut self, item: impl Into<String>, reason: impl Into<String>) {
        self.conflicts.push(Note { item: item.into(), reason: reason.into() });
    }

    /// Notes a file left at its old address `url`, once, where it is first met.
    pub(crate) fn remote(&mut self, item: impl Into<String>, url: &str, why: Option<String>) {
        if !self.remote_urls.insert(url.to_owned()) {
            return;
        }
        let reason = match why {
            Some(why) => format!("{url} ({why})"),
            None => url.to_owned(),
        };
        self.remote_media.push(Note { item: item.into(), reason });
    }
}

impl fmt::Display for Summary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.dry_run, self.complete) {
            (true, _) => {
                writeln!(f, "Dry run of {}: nothing was written. The import would do this:", self.export)?
            }
            (false, true) => writeln!(f, "Imported {}:", self.export)?,
            (false, false) => writeln!(f, "The import of {} stopped. Until then:", self.export)?,
        }
        writeln!(f, "  {:<10} {}", "authors", self.authors)?;
        writeln!(f, "  {:<10} {}", "terms", self.terms)?;
        writeln!(f, "  {:<10} {}", "articles", self.articles)?;
        writeln!(f, "  {:<10} {}", "comments", self.comments)?;
        let downloaded = match self.media_downloaded {
            0 => String::new(),
            n => format!(", {n} downloaded"),
        };
        writeln!(
            f,
            "  {:<10} {} copied{downloaded}, {} left at their old address",
            "media",
            self.media_copied,
            self.remote_media.len()
        )?;
        writeln!(
            f,
            "  {:<10} {} new or changed, {} unchanged",
            "redirects", self.redirects.changed, self.redirects.unchanged
        )?;
        for (heading, notes) in [
            ("Skipped", &self.skipped),
            ("Altered", &self.altered),
            ("Kept as changed here", &self.conflicts),
            ("Left at their old address", &self.remote_media),
        ] {
            if notes.is_empty() {
                continue;
            }
            writeln!(f, "{heading} ({}):", notes.len())?;
            for note in notes {
                writeln!(f, "  - {}: {}", note.item, note.reason)?;
            }
        }
        Ok(())
    }
}
