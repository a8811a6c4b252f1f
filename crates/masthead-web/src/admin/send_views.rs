//! What the send pages and the article editor's newsletter panel show of a send, shared so that
//! neither page module imports the other.

use jiff::Timestamp;
use masthead_core::{Action, Site};
use masthead_newsroom::sends::{self, SendStatus};
use masthead_newsroom::staff::Actor;
use masthead_newsroom::{members, newsletters};
use masthead_store::{SendKind, SendProgress};

use crate::admin::page::when;
use crate::http::auth::Staff;
use crate::http::error::Result;
use crate::state::AppState;

fn at(seconds: Option<i64>, site: &Site) -> Option<String> {
    seconds.and_then(|s| Timestamp::from_second(s).ok()).map(|t| when(t, site))
}

fn progress_view(p: &SendProgress) -> minijinja::Value {
    minijinja::context! {
        total => p.total, left => p.left, sending => p.sending, sent => p.sent, failed => p.failed,
        suppressed => p.suppressed, uncertain => p.uncertain,
    }
}

/// A send as the pages show it.
pub(crate) fn send_view(s: &SendStatus, site: &Site, title: Option<&str>) -> minijinja::Value {
    let send = &s.send;
    minijinja::context! {
        id => send.id,
        kind => match send.kind { SendKind::Article => "article", SendKind::Digest => "digest" },
        subject => if send.subject.is_empty() { title.unwrap_or_default().to_owned() } else { send.subject.clone() },
        title, article_id => send.article_id, digest_id => send.digest_id,
        status => send.status, waiting => send.status == "waiting",
        created => at(Some(send.created_at), site), due => at(Some(send.due_at).filter(|d| *d > 0), site),
        started => at(send.started_at, site), finished => at(send.finished_at, site),
        opens => send.opens, clicks => send.clicks,
        progress => progress_view(&s.progress),
    }
}

/// The "Newsletter" panel of an article's editor, for those who may send: the active
/// newsletters (those of a waiting send chosen, else the default ones), the labels, and the
/// send asked for, if any. `None` for everyone else.
pub(crate) async fn panel(
    state: &AppState,
    staff: &Staff,
    article_id: i64,
    published: bool,
) -> Result<Option<minijinja::Value>> {
    if !staff.user.may(Action::SendNewsletters) {
        return Ok(None);
    }
    let actor = Actor::Staff(&staff.user);
    let site = state.site().await?;
    let send = sends::for_article(state.newsroom(), actor, article_id).await?;
    let chosen = send.as_ref().filter(|s| s.send.status == "waiting").map(|s| &s.send);
    let all = newsletters::list(actor, state.newsroom()).await?;
    let newsletters: Vec<_> = all
        .iter()
        .filter(|n| n.active)
        .map(|n| {
            let checked = match chosen {
                Some(send) => send.newsletter_ids.contains(&n.id),
                None => n.subscribe_by_default,
            };
            minijinja::context! { id => n.id, name => n.name, checked }
        })
        .collect();
    let labels: Vec<_> = members::labels(actor, state.newsroom())
        .await?
        .iter()
        .map(|(l, count)| {
            let checked = chosen.is_some_and(|s| s.label_ids.contains(&l.id));
            minijinja::context! { id => l.id, name => l.name, count, checked }
        })
        .collect();
    // A send that started is not asked again; a withdrawn one may be.
    let may_ask = send.as_ref().is_none_or(|s| matches!(s.send.status.as_str(), "waiting" | "cancelled"));
    Ok(Some(minijinja::context! {
        newsletters, labels, published, may_ask, mail => state.newsroom().mailer().is_configured(),
        send => send.as_ref().map(|s| send_view(s, &site, None)),
        test_to => staff.user.email,
    }))
}
