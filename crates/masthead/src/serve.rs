//! `masthead serve`: open the data, optionally fill it with the demo, and serve until Ctrl-C
//! or SIGTERM, finishing requests in flight and the jobs' turns in progress; `masthead jobs`:
//! the background jobs alone.

use std::io::Write;
use std::time::Duration;

use anyhow::Context;
use masthead_newsroom::context::Newsroom;
use masthead_newsroom::jobs::{self, Job};
use masthead_newsroom::outbound::Outbound;
use masthead_web::http::serve::Limits;
use masthead_web::{AppState, DEFAULT_PAGE_SIZE, Theme};
use tokio::net::TcpListener;

use crate::cli::{JobsArgs, ServeArgs};

/// The account `--demo` creates on a site without staff.
pub const DEMO_OWNER: &str = "owner@meridian.example";

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let limits = limits(&args);
    let store = args.data.open().await?;
    // Bind before seeding, so that the demo's links carry the real port when it is 0.
    let listener =
        TcpListener::bind(args.addr).await.with_context(|| format!("could not listen on {}", args.addr))?;
    let local = listener.local_addr().context("could not read the listening address")?;
    let local_url: url::Url =
        format!("http://{local}/").parse().context("the listening address is not a URL")?;

    let media_files = args.data.media()?;
    if args.demo {
        let base = args.base_url.clone().map(Into::into).unwrap_or_else(|| local_url.clone());
        let media = args.data.data.join("media");
        match masthead_demo::seed(&store, &media, base, jiff::Timestamp::now())
            .await
            .context("could not fill the site with demo content")?
        {
            masthead_demo::Seeded::Filled { articles, authors } => {
                // The illustrations are written to the data folder first; with a bucket, they
                // go there, so that every node serves them.
                media_files
                    .put_folder(&media.join("demo"), "demo")
                    .await
                    .context("could not store the demo's illustrations in the media bucket")?;
                tracing::info!(articles, authors, "filled the empty site with the demo outlet")
            }
            masthead_demo::Seeded::AlreadyHasContent => {
                tracing::info!("the site already has articles; the demo content was not added")
            }
        }
    }
    // A demo site gets an owner account, so that the newcomer can sign in straight away.
    let demo_login =
        if args.demo && store.user_count().await.context("could not read the staff accounts")? == 0 {
            let password: String = masthead_newsroom::secrets::new_token().chars().take(24).collect();
            let hash = masthead_newsroom::secrets::hash_password(&password)
                .map_err(|e| anyhow::anyhow!("could not hash a password: {e}"))?;
            store
                .create_user(&masthead_store::NewUser {
                    email: DEMO_OWNER.into(),
                    name: "Demo owner".into(),
                    role: masthead_core::Role::Owner,
                    password_hash: hash,
                    author_id: None,
                })
                .await
                .context("could not create the demo owner account")?;
            Some(password)
        } else {
            None
        };
    if let Some(base_url) = args.base_url {
        let mut site = store.site().await.context("could not read the site settings")?;
        if site.base_url != *base_url {
            site.base_url = base_url.into();
            store.save_site(&site).await.context("could not save the site settings")?;
        }
    }

    // With a bucket, theme overrides are kept there too (under `theme/`), so that every node
    // looks the same: they are fetched at start, as the folder's are read at start.
    let theme_dir = match media_files.folder() {
        Some(_) => args.data.data.join("theme"),
        None => {
            let fetched = args.data.data.join("theme-from-bucket");
            // What was removed from the bucket goes here too.
            if fetched.exists() {
                std::fs::remove_dir_all(&fetched).context("could not clear the fetched theme overrides")?;
            }
            let n = media_files
                .fetch_folder("theme", &fetched)
                .await
                .context("could not fetch the theme overrides from the media bucket")?;
            tracing::info!(files = n, "fetched the theme overrides from the media bucket");
            fetched
        }
    };
    let theme = Theme::load(Some(&theme_dir)).context("could not load the theme")?;
    let outbound = Outbound::new(args.allow_private_fetch).context("could not set up the HTTP client")?;
    let mailer = args.mail.mailer_for(&store).await?;
    if !mailer.is_configured() {
        tracing::warn!(
            "no mail server is configured (--smtp-url): password reset links will be written to this log"
        );
    }
    tracing::info!(media = %media_files.describe(), "media files");
    let state = AppState::new(store.clone(), theme, media_files, DEFAULT_PAGE_SIZE, outbound, mailer);
    state.page_cache().set_capacity(args.page_cache_mb * 1024 * 1024);
    state.page_cache().set_max_age(std::time::Duration::from_secs(args.page_cache_max_age_secs));
    state.metrics().set_token(args.metrics_token.clone());
    if let Some(url) = args.purge_url.clone() {
        let url: url::Url = url.into();
        masthead_newsroom::cdn::follow(&store, url.clone())
            .context("could not set up purging the cache in front")?;
        tracing::info!(%url, "purging the cache in front as things change");
    }
    state
        .newsroom()
        .load_email_theme(&theme_dir.join("email"))
        .context("could not load the e-mail templates")?;
    let (stop, stopped) = tokio::sync::watch::channel(false);
    // Views are counted in this node's memory, so it writes them even when it runs no other job.
    let own_jobs: &'static [Job] = if args.no_jobs { &[Job::FlushViews] } else { &Job::ALL };
    let background = tokio::spawn(jobs::run(state.newsroom().clone(), own_jobs, until(stopped)));
    let newsroom = state.newsroom().clone();
    tokio::spawn(async move {
        if let Err(e) = masthead_newsroom::search::reindex_if_stale(&newsroom).await {
            tracing::error!(error = %e, "the search index could not be built; `masthead search reindex` tries again");
        }
    });
    let site = store.site().await.context("could not read the site settings")?;

    // Whoever started us may have closed our stdout: that is no reason to stop serving.
    let mut out = std::io::stdout();
    let _ = writeln!(out, "Masthead is serving {} at {local_url}", site.title);
    let _ =
        writeln!(out, "  data: {}  database: {}", args.data.data.display(), args.data.describe_database());
    if let Some(password) = &demo_login {
        let _ = writeln!(out, "  sign in at {local_url}admin/ as {DEMO_OWNER} with the password {password}");
        let _ = writeln!(
            out,
            "  (shown once; add staff with: masthead user add --email … --name … --role editor)"
        );
    }
    let _ = writeln!(out, "  stop with Ctrl-C");
    let _ = out.flush();

    let newsroom = state.newsroom().clone();
    let signal = async move {
        shutdown_signal().await;
        let _ = stop.send(true);
    };
    let fast = Some(state.fast_path());
    masthead_web::http::serve::serve(listener, masthead_web::router(state), fast, limits, signal)
        .await
        .context("the server stopped with an error")?;
    // The jobs finish the turn they are in: nothing they claimed is left half-done.
    let _ = background.await;
    // Requests finished after the last turn may have counted views: write them too.
    if let Err(e) = masthead_newsroom::republications::flush_views(&newsroom).await {
        tracing::warn!(error = %e, "could not write the views counted before stopping");
    }
    store.close().await;
    let _ = writeln!(std::io::stdout(), "Masthead stopped.");
    Ok(())
}

/// The serving limits from the flags, with the open-file limit raised as far as the system
/// lets us: every connection is a file, and so is every database connection and media file.
/// The connection cap is lowered, with a warning, if it would not leave room for those.
fn limits(args: &ServeArgs) -> Limits {
    /// Files kept for the database pool, the listener, media and logs.
    const RESERVED_FILES: u64 = 128;
    let mut max_connections = args.max_connections as usize;
    match rlimit::increase_nofile_limit(u64::MAX) {
        Ok(files) => {
            let room = files.saturating_sub(RESERVED_FILES).max(1);
            if (max_connections as u64) > room {
                tracing::warn!(
                    files,
                    asked = max_connections,
                    serving = room,
                    "the open-file limit is too low for --max-connections; serving fewer at once \
                     (raise the hard limit, e.g. LimitNOFILE= in the systemd unit)"
                );
                max_connections = room as usize;
            }
        }
        Err(e) => tracing::warn!(error = %e, "could not raise the open-file limit"),
    }
    Limits {
        max_connections,
        header_timeout: Duration::from_secs(args.header_timeout_secs),
        idle_timeout: Duration::from_secs(args.idle_timeout_secs),
        request_timeout: Duration::from_secs(args.request_timeout_secs),
    }
}

/// `masthead jobs`: the background jobs without the web server, until Ctrl-C or SIGTERM.
pub async fn jobs(args: JobsArgs) -> anyhow::Result<()> {
    let store = args.data.open().await?;
    let outbound = Outbound::new(args.allow_private_fetch).context("could not set up the HTTP client")?;
    let mailer = args.mail.mailer_for(&store).await?;
    let newsroom = Newsroom::new(store.clone(), args.data.media()?, outbound, mailer);
    newsroom
        .load_email_theme(&args.data.data.join("theme").join("email"))
        .context("could not load the e-mail templates")?;
    let names: Vec<&str> = Job::SHARED.iter().map(|j| j.name()).collect();
    let _ =
        writeln!(std::io::stdout(), "Masthead is running its jobs: {}; stop with Ctrl-C", names.join(", "));
    jobs::run(newsroom, &Job::SHARED, shutdown_signal()).await;
    store.close().await;
    let _ = writeln!(std::io::stdout(), "Masthead stopped.");
    Ok(())
}

/// Completes once `stopped` turns true.
async fn until(mut stopped: tokio::sync::watch::Receiver<bool>) {
    while !*stopped.borrow_and_update() {
        if stopped.changed().await.is_err() {
            return;
        }
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; stop with Ctrl-C");
                std::future::pending::<()>().await
            }
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = term => {},
    }
    tracing::info!("shutting down");
}
