//! What every clone of one `Store` shares: the channel that announces changes, the round-trip
//! count, and the address a static export presents.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicI64, AtomicU64};
use std::time::Duration;

use tokio::sync::broadcast;

/// The names of what one write changed.
pub type Changed = Arc<Vec<String>>;

pub(crate) struct Shared {
    pub(crate) sender: broadcast::Sender<Changed>,
    /// The same changes, but only those writes made: not the "all" a node announces to itself
    /// when it listens again after missing what others did (which other nodes heard).
    pub(crate) writes: broadcast::Sender<Changed>,
    /// The PostgreSQL channel: one per schema, so that sites (and tests) sharing a database
    /// do not hear each other.
    pub(crate) channel: String,
    pub(crate) listening: tokio::sync::OnceCell<()>,
    /// The tasks that hear other nodes and keep the listener honest, stopped when the store
    /// closes: the listener holds a connection of the pool, which closing would otherwise
    /// wait for without end.
    pub(crate) listener: std::sync::Mutex<Vec<tokio::task::AbortHandle>>,
    /// Whether the listener is connected and has heard something lately.
    pub(crate) hearing: AtomicBool,
    /// How often this node proves its listener alive and reads the changes it may have missed.
    pub(crate) heartbeat: Duration,
    /// The numbered changes heard lately (number → when, in seconds), so that reading the
    /// record purges only what was missed.
    pub(crate) heard: std::sync::Mutex<HashMap<i64, i64>>,
    /// When the listener last heard anything, in milliseconds since the epoch.
    pub(crate) last_heard_ms: AtomicI64,
    /// The last change numbered before the listener started: older ones are not looked for.
    pub(crate) listened_from: AtomicI64,
    /// How the listener connects (PostgreSQL only): straight to the server, never through a
    /// pooler, which cannot keep a LISTEN.
    pub(crate) listen_options: Option<sqlx::postgres::PgConnectOptions>,
    pub(crate) round_trips: AtomicU64,
    /// The public address this handle reports instead of the saved one (a static export made
    /// for another address).
    pub(crate) base_url: std::sync::RwLock<Option<url::Url>>,
}

impl Shared {
    pub(crate) fn new(
        schema: Option<&str>,
        heartbeat: Duration,
        listen_options: Option<sqlx::postgres::PgConnectOptions>,
    ) -> Arc<Shared> {
        let (sender, _) = broadcast::channel(1024);
        let (writes, _) = broadcast::channel(1024);
        let channel = match schema {
            Some(s) => format!("masthead_changes_{s}"),
            None => "masthead_changes".to_owned(),
        };
        Arc::new(Shared {
            sender,
            writes,
            channel,
            listening: tokio::sync::OnceCell::new(),
            listener: std::sync::Mutex::new(Vec::new()),
            hearing: AtomicBool::new(false),
            heartbeat,
            heard: std::sync::Mutex::new(HashMap::new()),
            last_heard_ms: AtomicI64::new(0),
            listened_from: AtomicI64::new(0),
            listen_options,
            round_trips: AtomicU64::new(0),
            base_url: std::sync::RwLock::new(None),
        })
    }
}
