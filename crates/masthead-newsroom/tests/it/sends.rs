//! Newsletter sends through a real SMTP server on loopback (the recorder in `tests/smtp`), on
//! both backends: who receives an issue, what it carries, and what refusals do.

use jiff::{SignedDuration, Timestamp};
use mail_parser::MessageParser;
use masthead_core::{
    ArticleStatus, BodyFormat, MemberSource, MemberStatus, NewArticle, NewAuthor, NewMember, Role, Slug,
    render_body,
};
use masthead_newsroom::digests::{self, DigestRequest};
use masthead_newsroom::error::Failure;
use masthead_newsroom::mail::Mailer;
use masthead_newsroom::outbound::Outbound;
use masthead_newsroom::sends;
use masthead_newsroom::signing::Purpose;
use masthead_newsroom::staff::Actor;
use masthead_store::{Store, SuppressionReason, both_backends};

use crate::mail::Recorder;
use crate::person;

both_backends!(
    the_forms_send_nothing_to_a_suppressed_address,
    an_article_goes_to_each_member_once_with_its_credits_and_a_working_unsubscribe,
    a_digest_lists_the_period_s_articles_once
);

fn newsroom_mailing_to(store: Store, recorder: &Recorder) -> masthead_newsroom::context::Newsroom {
    let outbound = Outbound::new(false).unwrap();
    let mailer = Mailer::new(Some(&recorder.url()), "The Meridian <news@meridian.example>").unwrap();
    masthead_newsroom::context::Newsroom::new(
        store,
        std::env::temp_dir().join("masthead-send-tests"),
        outbound,
        mailer,
    )
}

fn member(email: &str, status: MemberStatus, newsletter: i64) -> NewMember {
    NewMember {
        email: email.into(),
        name: String::new(),
        status,
        source: MemberSource::Signup,
        consent_at: None,
        note: String::new(),
        created_at: None,
        newsletters: vec![newsletter],
        labels: vec![],
    }
}

async fn article(store: &Store, slug: &str, published_at: Timestamp) -> i64 {
    let author = store
        .create_author(&NewAuthor {
            slug: Slug::parse(&format!("ana-{slug}")).unwrap(),
            name: "Ana Petrović".into(),
            bio: String::new(),
            links: vec![],
            avatar_media_id: None,
            outlet_id: None,
        })
        .await
        .unwrap()
        .id;
    store
        .create_article(&NewArticle {
            slug: Slug::parse(slug).unwrap(),
            title: format!("Low water on the Danube ({slug})"),
            dek: "What it costs the barges".into(),
            body: render_body(
                BodyFormat::Markdown,
                "The river *fell* again, says [the report](/reports/low).",
            )
            .unwrap(),
            excerpt: String::new(),
            status: ArticleStatus::Published,
            published_at: Some(published_at),
            time_zone: "UTC".into(),
            author_ids: vec![author],
            term_ids: vec![],
            featured_media_id: None,
            featured_alt: String::new(),
            featured_credit: String::new(),
            reuse_policy: None,
            origins: vec![],
            language: String::new(),
            translation_of: None,
        })
        .await
        .unwrap()
        .id
}

/// Turns of the send job until nothing more happens.
async fn run_until_quiet(newsroom: &masthead_newsroom::context::Newsroom) {
    for _ in 0..20 {
        // The job's turn: digests that are due, then sends.
        if masthead_newsroom::jobs::Job::SendNewsletters.run_once(newsroom).await.unwrap() == 0 {
            return;
        }
    }
    panic!("the send job kept finding work");
}

async fn an_article_goes_to_each_member_once_with_its_credits_and_a_working_unsubscribe(store: Store) {
    let Some(recorder) = Recorder::start() else { return };
    let newsroom = newsroom_mailing_to(store.clone(), &recorder);
    let weekly = store.newsletters().await.unwrap()[0].id;
    let reader =
        store.create_member(&member("reader@example.org", MemberStatus::Active, weekly)).await.unwrap();
    for email in ["later@example.org", "refuse@example.org", "bounced@example.org"] {
        store.create_member(&member(email, MemberStatus::Active, weekly)).await.unwrap();
    }
    store.create_member(&member("pending@example.org", MemberStatus::Pending, weekly)).await.unwrap();
    store.suppress("bounced@example.org", SuppressionReason::Bounced, "550 5.1.1").await.unwrap();
    let id = article(&store, "low-water", Timestamp::now() - SignedDuration::from_mins(5)).await;

    let contributor = person(&store, Role::Contributor).await;
    assert!(matches!(
        sends::request_article(&newsroom, Actor::Staff(&contributor), id, &[weekly], &[]).await,
        Err(Failure::Forbidden(_))
    ));
    let editor = person(&store, Role::Editor).await;
    let send = sends::request_article(&newsroom, Actor::Staff(&editor), id, &[weekly], &[]).await.unwrap();
    run_until_quiet(&newsroom).await;

    let messages = recorder.messages();
    assert_eq!(messages.len(), 1, "only the active, deliverable member: {messages:?}");
    let received = &messages[0];
    assert_eq!(received.rcpt_tos, ["reader@example.org"]);
    let parsed = MessageParser::default().parse(received.data.as_bytes()).unwrap();
    assert_eq!(parsed.subject(), Some("Low water on the Danube (low-water)"));
    let unsubscribe =
        parsed.header_raw("List-Unsubscribe").unwrap().trim().trim_matches(['<', '>']).to_owned();
    assert_eq!(parsed.header_raw("List-Unsubscribe-Post").map(str::trim), Some("List-Unsubscribe=One-Click"));
    let token =
        url::Url::parse(&unsubscribe).unwrap().query_pairs().find(|(k, _)| k == "t").unwrap().1.into_owned();
    let payload =
        newsroom.signer().await.unwrap().verify(Purpose::Unsubscribe, &token, i64::MAX - 1).unwrap();
    assert!(payload.starts_with(&reader.id.to_string()), "the link names this member: {payload}");
    let html = parsed.body_html(0).unwrap();
    assert!(html.contains("Ana Petrović"), "the byline");
    assert!(html.contains("Copyright ©"), "the copyright line");
    assert!(
        html.contains("http://127.0.0.1:8080/reports/low") || html.contains("/reports/low\""),
        "links kept"
    );
    assert!(
        html.contains(&unsubscribe.replace('&', "&amp;")),
        "the reader's own unsubscribe link in the body"
    );
    let text = parsed.body_text(0).unwrap();
    assert!(text.contains("The river fell again"), "{text}");

    let status = sends::status(&newsroom, Actor::Staff(&editor), send.id).await.unwrap();
    let p = status.progress;
    assert_eq!((p.total, p.sent, p.failed, p.suppressed, p.left), (4, 1, 1, 1, 1), "{p:?}");
    assert!(store.is_suppressed("refuse@example.org").await.unwrap(), "a permanent refusal suppresses");
    assert_eq!(status.send.status, "sending", "one waits to be tried again");
    assert!(matches!(
        sends::request_article(&newsroom, Actor::Staff(&editor), id, &[weekly], &[]).await,
        Err(Failure::Refused(_))
    ));
}

async fn a_digest_lists_the_period_s_articles_once(store: Store) {
    let Some(recorder) = Recorder::start() else { return };
    let newsroom = newsroom_mailing_to(store.clone(), &recorder);
    let weekly = store.newsletters().await.unwrap()[0].id;
    store.create_member(&member("reader@example.org", MemberStatus::Active, weekly)).await.unwrap();
    let editor = person(&store, Role::Editor).await;
    let now = Timestamp::now();
    let hour = i64::from(now.to_zoned(jiff::tz::TimeZone::UTC).hour());
    let request = DigestRequest {
        name: "The Daily".into(),
        newsletter_id: weekly,
        term_id: None,
        every: "day".into(),
        weekday: 0,
        hour,
        active: true,
    };
    let digest = digests::save(&newsroom, Actor::Staff(&editor), None, &request).await.unwrap();
    // The digest started a day ago; two articles came out before this hour, one after.
    let due = digests::last_occurrence(&digest, "UTC", now);
    store.claim_digest_period(digest.id, digest.covered_until, due.as_second() - 86_400).await.unwrap();
    article(&store, "first", due - SignedDuration::from_hours(3)).await;
    article(&store, "second", due - SignedDuration::from_mins(1)).await;
    if due + SignedDuration::from_secs(1) < now {
        article(&store, "after", due + SignedDuration::from_secs(1)).await;
    }
    run_until_quiet(&newsroom).await;
    run_until_quiet(&newsroom).await;
    let messages = recorder.messages();
    assert_eq!(messages.len(), 1, "one issue for the period");
    let parsed = MessageParser::default().parse(messages[0].data.as_bytes()).unwrap();
    assert!(parsed.subject().unwrap().starts_with("The Daily: "), "{:?}", parsed.subject());
    let html = parsed.body_html(0).unwrap();
    assert!(
        html.contains("Low water on the Danube (first)") && html.contains("Low water on the Danube (second)")
    );
    assert!(!html.contains("(after)"), "an article of the next period waits for it");
    let bad = DigestRequest { hour: 24, ..request };
    assert!(matches!(
        digests::save(&newsroom, Actor::Staff(&editor), None, &bad).await,
        Err(Failure::Invalid { .. })
    ));
}

async fn the_forms_send_nothing_to_a_suppressed_address(store: Store) {
    let Some(recorder) = Recorder::start() else { return };
    let newsroom = newsroom_mailing_to(store.clone(), &recorder);
    store.suppress("gone@example.org", SuppressionReason::Complained, "feedback report").await.unwrap();
    for email in ["gone@example.org", "new@example.org"] {
        let request = masthead_newsroom::members::SignUp { email: email.into(), ..Default::default() };
        let answer = masthead_newsroom::members::sign_up(&newsroom, request, "192.0.2.1").await.unwrap();
        assert_eq!(answer, masthead_newsroom::members::Mailed::Sent, "the same answer for {email}");
    }
    let messages = recorder.messages();
    let to: Vec<&str> = messages.iter().flat_map(|m| m.rcpt_tos.iter().map(String::as_str)).collect();
    assert_eq!(to, ["new@example.org"], "nothing to the suppressed address");
}
