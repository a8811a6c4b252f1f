//! What every use case works with: the store, the media folder, the one client for other sites
//! the mailer, the queues for CPU-heavy work, the places for Argon2 and this node's count of views, built once at start and shared (cheap to
//! clone).

use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

use masthead_store::Store;

use crate::mail::Mailer;
use crate::outbound::Outbound;
use crate::passwords::PasswordChecks;
use crate::signing::Signer;
use crate::views::ViewCounter;
use crate::work::Work;

/// The newsroom's tools, shared by the web edge, the CLI and the jobs.
#[derive(Clone, Debug)]
pub struct Newsroom {
    inner: Arc<Inner>,
}

#[derive(Debug)]
struct Inner {
    store: Store,
    media_dir: PathBuf,
    outbound: Outbound,
    mailer: Mailer,
    work: Work,
    views: ViewCounter,
    passwords: PasswordChecks,
    signer: OnceLock<Signer>,
}

impl Newsroom {
    /// The queues for CPU-heavy work and the places for Argon2 are sized for this machine's cores.
    pub fn new(store: Store, media_dir: PathBuf, outbound: Outbound, mailer: Mailer) -> Newsroom {
        let (work, passwords) = (Work::for_this_machine(), PasswordChecks::for_this_machine());
        let views = ViewCounter::default();
        Newsroom {
            inner: Arc::new(Inner {
                store,
                media_dir,
                outbound,
                mailer,
                work,
                views,
                passwords,
                signer: OnceLock::new(),
            }),
        }
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Where uploaded and imported media files live (`<data>/media`).
    pub fn media_dir(&self) -> &Path {
        &self.inner.media_dir
    }

    pub fn outbound(&self) -> &Outbound {
        &self.inner.outbound
    }

    pub fn mailer(&self) -> &Mailer {
        &self.inner.mailer
    }

    /// Views of republished copies counted on this node and not yet written
    /// (`republications::flush_views`).
    pub fn views(&self) -> &ViewCounter {
        &self.inner.views
    }

    /// Where rendering and image work waits for a blocking thread.
    pub fn work(&self) -> &Work {
        &self.inner.work
    }
}

impl Newsroom {
    /// Where Argon2 (checking and hashing passwords) waits for one of a few places.
    pub fn passwords(&self) -> &PasswordChecks {
        &self.inner.passwords
    }

    /// The site's signer for links and return paths, with the secret every node shares (made
    /// on first use, then kept here).
    pub async fn signer(&self) -> crate::error::Outcome<Signer> {
        if let Some(signer) = self.inner.signer.get() {
            return Ok(signer.clone());
        }
        let signer = Signer::shared(self.store()).await?;
        Ok(self.inner.signer.get_or_init(|| signer).clone())
    }
}
