//! A site's parts for the commands: the web edge for those that render it (the static export),
//! built from the data folder as `serve` builds it, with the same page size; the newsroom's
//! tools for those that write.

use anyhow::Context;
use masthead_newsroom::context::Newsroom;
use masthead_newsroom::mail::Mailer;
use masthead_newsroom::outbound::Outbound;
use masthead_store::Store;
use masthead_web::{AppState, DEFAULT_PAGE_SIZE, Theme};

use crate::cli::DataArgs;

pub(crate) fn state(data: &DataArgs, store: Store, allow_private: bool) -> anyhow::Result<AppState> {
    let theme = Theme::load(Some(&data.data.join("theme"))).context("could not load the theme")?;
    let outbound = Outbound::new(allow_private).context("could not set up the HTTP client")?;
    let mailer = Mailer::new(None, "Masthead <noreply@localhost>").context("could not set up e-mail")?;
    Ok(AppState::new(store, theme, data.media()?, DEFAULT_PAGE_SIZE, outbound, mailer))
}

/// The newsroom's tools for a command that writes (no mail server: what would be mailed is
/// logged).
pub(crate) fn newsroom(data: &DataArgs, store: Store, allow_private: bool) -> anyhow::Result<Newsroom> {
    let outbound = Outbound::new(allow_private).context("could not set up the HTTP client")?;
    let mailer = Mailer::new(None, "Masthead <noreply@localhost>").context("could not set up e-mail")?;
    Ok(Newsroom::new(store, data.media()?, outbound, mailer))
}
