//! `masthead serve`: open the data, optionally fill it with the demo, and serve until Ctrl-C
//! or SIGTERM, finishing requests in flight.

use std::io::Write;

use anyhow::Context;
use masthead_web::{AppState, DEFAULT_PAGE_SIZE, Outbound, Theme};
use tokio::net::TcpListener;

use crate::cli::ServeArgs;

/// The account `--demo` creates on a site without staff.
pub const DEMO_OWNER: &str = "owner@meridian.example";

pub async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let store = args.data.open().await?;
    // Bind before seeding, so that the demo's links carry the real port when it is 0.
    let listener =
        TcpListener::bind(args.addr).await.with_context(|| format!("could not listen on {}", args.addr))?;
    let local = listener.local_addr().context("could not read the listening address")?;
    let local_url: url::Url =
        format!("http://{local}/").parse().context("the listening address is not a URL")?;

    if args.demo {
        let base = args.base_url.clone().unwrap_or_else(|| local_url.clone());
        let media = args.data.data.join("media");
        match masthead_demo::seed(&store, &media, base, jiff::Timestamp::now())
            .await
            .context("could not fill the site with demo content")?
        {
            masthead_demo::Seeded::Filled { articles, authors } => {
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
            let password: String = masthead_web::auth::new_token().chars().take(24).collect();
            let hash = masthead_web::auth::hash_password(&password)
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
        if site.base_url != base_url {
            site.base_url = base_url;
            store.save_site(&site).await.context("could not save the site settings")?;
        }
    }

    let theme_dir = args.data.data.join("theme");
    let theme = Theme::load(Some(&theme_dir)).context("could not load the theme")?;
    let outbound = Outbound::new(args.allow_private_fetch).context("could not set up the HTTP client")?;
    let mailer = args.mail.mailer()?;
    if !mailer.is_configured() {
        tracing::warn!(
            "no mail server is configured (--smtp-url): password reset links will be written to this log"
        );
    }
    let state = AppState::new(
        store.clone(),
        theme,
        args.data.data.join("media"),
        DEFAULT_PAGE_SIZE,
        outbound,
        mailer,
    );
    state.page_cache().set_capacity(args.page_cache_mb * 1024 * 1024);
    let background = tokio::spawn(background_work(state.clone()));
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

    let app = masthead_web::router(state).into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, app)
        .with_graceful_shutdown(shutdown_signal())
        .await
        .context("the server stopped with an error")?;
    background.abort();
    store.close().await;
    let _ = writeln!(std::io::stdout(), "Masthead stopped.");
    Ok(())
}

/// Work that happens away from requests: publishing scheduled articles (exactly once, however
/// many nodes run this), announcing changed feeds to the WebSub hub, checking the sources of
/// received Webmentions, and polling partners' feeds that are due (each by one node).
async fn background_work(state: AppState) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(10));
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        match state.store().publish_due(jiff::Timestamp::now()).await {
            Ok(published) if !published.is_empty() => {
                tracing::info!(?published, "published scheduled articles")
            }
            Ok(_) => {}
            Err(e) => tracing::warn!(error = %e, "could not publish scheduled articles; will retry"),
        }
        if let Err(e) = masthead_web::announce_changes(&state).await {
            tracing::warn!(error = %e, "could not announce changes to the WebSub hub; will retry");
        }
        if let Err(e) = masthead_web::check_pending_webmentions(&state).await {
            tracing::warn!(error = %e, "could not check pending Webmentions");
        }
        match masthead_web::ingest::poll_due_sources(&state).await {
            Ok(reports) => {
                for report in reports.iter().filter(|r| r.created + r.updated > 0 || r.error.is_some()) {
                    tracing::info!(source = report.source_id, "{report}");
                }
            }
            Err(e) => tracing::warn!(error = %e, "could not poll partners' feeds; will retry"),
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
