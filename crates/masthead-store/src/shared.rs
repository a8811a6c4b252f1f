//! What every clone of one `Store` shares: the channel that announces changes, the round-trip
//! count, and the address a static export presents.

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

use tokio::sync::broadcast;

/// The names of what one write changed.
pub type Changed = Arc<Vec<String>>;

pub(crate) struct Shared {
    pub(crate) sender: broadcast::Sender<Changed>,
    /// The PostgreSQL channel: one per schema, so that sites (and tests) sharing a database
    /// do not hear each other.
    pub(crate) channel: String,
    pub(crate) listening: tokio::sync::OnceCell<()>,
    /// The task that hears other nodes, stopped when the store closes: it holds a connection
    /// of the pool, which closing would otherwise wait for without end.
    pub(crate) listener: std::sync::Mutex<Option<tokio::task::AbortHandle>>,
    pub(crate) round_trips: AtomicU64,
    /// The public address this handle reports instead of the saved one (a static export made
    /// for another address).
    pub(crate) base_url: std::sync::RwLock<Option<url::Url>>,
}

impl Shared {
    pub(crate) fn new(schema: Option<&str>) -> Arc<Shared> {
        let (sender, _) = broadcast::channel(1024);
        let channel = match schema {
            Some(s) => format!("masthead_changes_{s}"),
            None => "masthead_changes".to_owned(),
        };
        Arc::new(Shared {
            sender,
            channel,
            listening: tokio::sync::OnceCell::new(),
            listener: std::sync::Mutex::new(None),
            round_trips: AtomicU64::new(0),
            base_url: std::sync::RwLock::new(None),
        })
    }
}
