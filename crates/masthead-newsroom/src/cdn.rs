//! Purging a cache in front of the nodes (Varnish, a CDN) by surrogate key: with
//! `--purge-url`, every change a write made (on this node or another) is sent there as
//! `PURGE <url>` with the names of what it touched in an `xkey-purge` header: the names every
//! cacheable page carries in `Surrogate-Key` (`masthead_web`'s page cache: "article-12
//! listing", the store's change names with `-` for `:`); "all" means
//! everything. `contrib/varnish/masthead.vcl` is a Varnish configuration that does this with
//! the `xkey` module.
//!
//! Every node sends every change it hears, so that a change is purged while any node is up;
//! purging is idempotent. The "all" a node tells itself after its listener missed changes is
//! not sent: the other nodes heard those changes and purged them.

use std::time::Duration;

use masthead_store::Store;
use reqwest::Method;
use reqwest::header::HeaderValue;
use tokio::sync::broadcast::error::RecvError;

/// The header that names what to purge.
pub const PURGE_HEADER: &str = "xkey-purge";

/// Starts sending this node's purges to `url`, for as long as the process runs.
pub fn follow(store: &Store, url: url::Url) -> Result<(), reqwest::Error> {
    let client = reqwest::Client::builder()
        .timeout(Duration::from_secs(5))
        .connect_timeout(Duration::from_secs(2))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let mut changes = store.written_changes();
    tokio::spawn(async move {
        loop {
            let keys: Vec<String> = match changes.recv().await {
                Ok(keys) => keys.iter().map(|k| k.replace(':', "-")).collect(),
                // More changes than could be kept while a purge was slow: purge everything.
                Err(RecvError::Lagged(_)) => vec!["all".to_owned()],
                Err(RecvError::Closed) => return,
            };
            send(&client, &url, &keys.join(" ")).await;
        }
    });
    Ok(())
}

/// One purge, tried three times.
async fn send(client: &reqwest::Client, url: &url::Url, keys: &str) {
    let Ok(value) = HeaderValue::from_str(keys) else { return };
    let purge = Method::from_bytes(b"PURGE").expect("PURGE is a method name");
    let mut wait = Duration::from_millis(200);
    for attempt in 1..=3 {
        let sent =
            client.request(purge.clone(), url.clone()).header(PURGE_HEADER, value.clone()).send().await;
        match sent {
            Ok(answer) if answer.status().is_success() => return,
            Ok(answer) => {
                tracing::warn!(status = %answer.status(), %keys, attempt, "the cache in front refused a purge")
            }
            Err(e) => {
                tracing::warn!(error = %e, %keys, attempt, "could not reach the cache in front to purge")
            }
        }
        tokio::time::sleep(wait).await;
        wait *= 4;
    }
}
