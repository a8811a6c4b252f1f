//! What every use case works with: the store, the media folder, the one client for other sites
//! the mailer, the queues for CPU-heavy work, the places for Argon2 and this node's count of views, built once at start and shared (cheap to
//! clone).

use std::path::Path;
use std::sync::{Arc, OnceLock};

use masthead_formats::email::EmailTheme;
use masthead_store::Store;

use crate::files::MediaFiles;
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
    media: MediaFiles,
    outbound: Outbound,
    mailer: Mailer,
    work: Work,
    views: ViewCounter,
    passwords: PasswordChecks,
    signer: OnceLock<Signer>,
    email_theme: OnceLock<Arc<EmailTheme>>,
    federation_keys: crate::federation::KeyRing,
}

impl Newsroom {
    /// The queues for CPU-heavy work and the places for Argon2 are sized for this machine's cores.
    pub fn new(store: Store, media: impl Into<MediaFiles>, outbound: Outbound, mailer: Mailer) -> Newsroom {
        let (work, passwords) = (Work::for_this_machine(), PasswordChecks::for_this_machine());
        let views = ViewCounter::default();
        Newsroom {
            inner: Arc::new(Inner {
                store,
                media: media.into(),
                outbound,
                mailer,
                work,
                views,
                passwords,
                signer: OnceLock::new(),
                email_theme: OnceLock::new(),
                federation_keys: crate::federation::KeyRing::default(),
            }),
        }
    }

    pub fn store(&self) -> &Store {
        &self.inner.store
    }

    /// Where uploaded and imported media files live: `<data>/media`, or a bucket.
    pub fn media(&self) -> &MediaFiles {
        &self.inner.media
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

    /// The federation keys made or read on this node.
    pub(crate) fn federation_keys(&self) -> &crate::federation::KeyRing {
        &self.inner.federation_keys
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

    /// The site's signer for links sent by e-mail (`signing`), with the secret every node
    /// shares (made on first use, then kept here).
    pub async fn signer(&self) -> crate::error::Outcome<Signer> {
        if let Some(signer) = self.inner.signer.get() {
            return Ok(signer.clone());
        }
        let candidate = crate::signing::new_secret().map_err(crate::error::Failure::Internal)?;
        let secret = self.store().site_secret(crate::signing::SECRET_NAME, &candidate).await?;
        let signer = Signer::from_secret(&secret).map_err(crate::error::Failure::Internal)?;
        Ok(self.inner.signer.get_or_init(|| signer).clone())
    }

    /// Uses the e-mail templates in `theme` instead of the built-in ones. Only the first call
    /// counts.
    pub fn set_email_theme(&self, theme: EmailTheme) {
        let _ = self.inner.email_theme.set(Arc::new(theme));
    }

    /// Loads the e-mail templates from `dir` (`<data>/theme/email`; the built-in ones where it
    /// has none), at start, so that a broken override stops the server with its name and line.
    pub fn load_email_theme(&self, dir: &Path) -> Result<(), masthead_formats::email::EmailThemeError> {
        self.set_email_theme(EmailTheme::load(Some(dir))?);
        Ok(())
    }

    /// The newsletter templates: those set at start, or the built-in ones.
    pub fn email_theme(&self) -> Arc<EmailTheme> {
        self.inner
            .email_theme
            .get_or_init(|| Arc::new(EmailTheme::load(None).expect("the built-in e-mail templates compile")))
            .clone()
    }
}
