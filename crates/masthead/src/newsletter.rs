//! `masthead newsletter send|status`: e-mailing an article to members from the command line,
//! with a progress bar, and where the sends stand.

use anyhow::{Context, bail};
use masthead_core::Slug;
use masthead_newsroom::context::Newsroom;
use masthead_newsroom::sends;
use masthead_newsroom::staff::Actor;
use masthead_store::SendProgress;

use crate::cli::{DataArgs, MailArgs, NewsletterSendArgs as SendArgs, NewsletterStatusArgs as StatusArgs};

/// The newsroom with the mailer and the e-mail templates `serve` would use.
pub(crate) async fn newsroom(data: &DataArgs, mail: &MailArgs) -> anyhow::Result<Newsroom> {
    let store = data.open().await?;
    let outbound =
        masthead_newsroom::outbound::Outbound::new(false).context("could not set up the HTTP client")?;
    let mailer = mail.mailer_for(&store).await?;
    let newsroom = Newsroom::new(store, data.media()?, outbound, mailer);
    newsroom
        .load_email_theme(&data.data.join("theme").join("email"))
        .context("could not load the e-mail templates")?;
    Ok(newsroom)
}

pub async fn send(args: SendArgs) -> anyhow::Result<()> {
    let newsroom = newsroom(&args.data, &args.mail).await?;
    let store = newsroom.store();
    let slug = Slug::parse(&args.article).with_context(|| format!("{:?} is not a slug", args.article))?;
    let article =
        store.article_by_slug(&slug).await.with_context(|| format!("there is no article {slug}"))?;
    let all = store.newsletters().await?;
    let newsletters: Vec<i64> = if args.newsletters.is_empty() {
        all.iter().filter(|n| n.active && n.subscribe_by_default).map(|n| n.id).collect()
    } else {
        args.newsletters
            .iter()
            .map(|s| {
                all.iter()
                    .find(|n| n.slug == *s)
                    .map(|n| n.id)
                    .with_context(|| format!("there is no newsletter {s}"))
            })
            .collect::<anyhow::Result<_>>()?
    };
    let known = store.labels().await?;
    let labels: Vec<i64> = args
        .labels
        .iter()
        .map(|name| {
            known
                .iter()
                .find(|(l, _)| l.name == *name || l.slug == *name)
                .map(|(l, _)| l.id)
                .with_context(|| format!("there is no label {name}"))
        })
        .collect::<anyhow::Result<_>>()?;
    let send = match store.article_send(article.id).await? {
        Some(send) if send.status == "sending" => {
            println!("The send of {:?} has started already; following it to its end.", article.title);
            send
        }
        _ => sends::request_article(&newsroom, Actor::Operator, article.id, &newsletters, &labels)
            .await
            .with_context(|| format!("could not send {:?}", article.title))?,
    };
    if !matches!(article.status, masthead_core::ArticleStatus::Published) {
        println!(
            "The article is not published yet: it will go out when it is (`masthead serve` or `masthead jobs` sends it)."
        );
        return Ok(());
    }
    let bar = crate::progress::bar("Sending");
    let progress = sends::run_until_done(&newsroom, send.id, sends::node(), |p: &SendProgress| {
        if let Some(bar) = &bar {
            bar.set_length(p.total as u64);
            bar.set_position((p.total - p.left - p.sending) as u64);
        }
    })
    .await?;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    println!("{}", summary(&progress));
    if progress.uncertain > 0 {
        println!(
            "{} messages were being handed to the mail server when a node stopped: they may or may not have \
             arrived, and were not sent again (their addresses are in the send's record).",
            progress.uncertain
        );
    }
    if progress.failed > 0 {
        bail!("{} members did not receive the e-mail (see `masthead newsletter status`)", progress.failed);
    }
    Ok(())
}

fn summary(p: &SendProgress) -> String {
    format!(
        "{} recipients: {} sent, {} failed, {} suppressed, {} uncertain (in flight when a node stopped), {} left",
        p.total,
        p.sent,
        p.failed,
        p.suppressed,
        p.uncertain,
        p.left + p.sending
    )
}

pub async fn status(args: StatusArgs) -> anyhow::Result<()> {
    let store = args.data.open().await?;
    let newsroom = crate::site::newsroom(&args.data, store, false)?;
    let sends = sends::list(&newsroom, Actor::Operator, None).await?;
    if sends.is_empty() {
        println!("No newsletter has been sent yet.");
    }
    for s in sends {
        println!("send {} · {} · {:?} · {}", s.send.id, s.send.status, s.send.subject, summary(&s.progress));
    }
    Ok(())
}
