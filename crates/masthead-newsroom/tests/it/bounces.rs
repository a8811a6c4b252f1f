//! `masthead mail receive`'s use case: bounce and complaint reports (fixtures in
//! `tests/fixtures/mail/`, written to the RFCs' published shapes) read and recorded, on both
//! backends.

use std::path::Path;

use masthead_newsroom::bounces::{self, Received, Recorded};
use masthead_newsroom::context::Newsroom;
use masthead_newsroom::mail::{Mailer, SendFailure};
use masthead_newsroom::outbound::Outbound;
use masthead_store::{BounceKind, Store, SuppressionReason, both_backends};

both_backends!(
    a_hard_bounce_to_a_signed_return_path_suppresses_the_address,
    a_soft_bounce_is_recorded_for_the_send_to_retry,
    a_complaint_suppresses_and_names_its_send_from_the_returned_message,
    a_forged_tag_is_ignored,
    a_report_without_our_tag_is_known_by_its_recipient,
    what_is_not_a_report_is_left_alone_without_a_fault,
    a_refusal_for_good_at_send_time_suppresses,
);

fn newsroom(store: Store) -> Newsroom {
    let mailer = Mailer::log_only().with_bounce_address("bounces@meridian.example").unwrap();
    let outbound = Outbound::new(false).unwrap();
    Newsroom::new(store, std::env::temp_dir().join("masthead-newsroom-tests"), outbound, mailer)
}

/// The fixture `name`, with `return_path` where it says `{{RETURN_PATH}}`.
fn fixture(name: &str, return_path: &str) -> Vec<u8> {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/mail").join(name);
    std::fs::read_to_string(path).unwrap().replace("{{RETURN_PATH}}", return_path).into_bytes()
}

async fn return_path(newsroom: &Newsroom, send_id: i64, member_id: i64) -> String {
    bounces::verp_address(newsroom, send_id, member_id).await.unwrap().expect("a bounce address is set")
}

async fn a_hard_bounce_to_a_signed_return_path_suppresses_the_address(store: Store) {
    let newsroom = newsroom(store.clone());
    let path = return_path(&newsroom, 7, 70).await;
    assert_eq!(bounces::parse_verp(&newsroom, &path).await.unwrap(), Some((7, 70)));
    let received = bounces::receive(&newsroom, &fixture("dsn-hard.eml", &path), Some(&path)).await.unwrap();
    assert_eq!(
        received,
        Received::Recorded(vec![Recorded {
            email: "gone@example.org".into(),
            kind: BounceKind::Hard,
            send_id: Some(7),
            member_id: Some(70),
            suppressed: true,
        }])
    );
    let suppression = store.suppression("GONE@example.org").await.unwrap().expect("suppressed");
    assert_eq!(suppression.reason, SuppressionReason::Bounced);
    assert!(suppression.detail.contains("5.1.1"), "{suppression:?}");
    let recorded = store.bounces_for_send(7).await.unwrap();
    assert_eq!(recorded.len(), 1);
    assert!(recorded[0].diagnostic.contains("User unknown"), "{recorded:?}");

    // The same report piped twice suppresses once and is recorded twice.
    let again = bounces::receive(&newsroom, &fixture("dsn-hard.eml", &path), Some(&path)).await.unwrap();
    assert!(matches!(&again, Received::Recorded(r) if !r[0].suppressed), "{again:?}");
}

async fn a_soft_bounce_is_recorded_for_the_send_to_retry(store: Store) {
    let newsroom = newsroom(store.clone());
    let path = return_path(&newsroom, 7, 71).await;
    // No envelope recipient given: the tag is found in the report's To.
    let report = String::from_utf8(fixture("dsn-soft.eml", &path)).unwrap();
    // A comment after the action is still the action (RFC 5322 comments are allowed there).
    let report = report.replace("action: delayed", "action: delayed (will retry)");
    let received = bounces::receive(&newsroom, report.as_bytes(), None).await.unwrap();
    assert!(
        matches!(&received, Received::Recorded(r) if r[0].kind == BounceKind::Soft && !r[0].suppressed),
        "{received:?}"
    );
    assert!(!store.is_suppressed("full@example.net").await.unwrap());
    let retries = store.soft_bounces(7).await.unwrap();
    assert_eq!(retries.len(), 1);
    assert_eq!(
        (retries[0].member_id, retries[0].email.as_str(), retries[0].status.as_str()),
        (Some(71), "full@example.net", "4.2.2")
    );
}

async fn a_complaint_suppresses_and_names_its_send_from_the_returned_message(store: Store) {
    let newsroom = newsroom(store.clone());
    let path = return_path(&newsroom, 8, 80).await;
    // Feedback loops report to their own address; the tag is in the returned message.
    let report = String::from_utf8(fixture("arf-complaint.eml", &path)).unwrap().replacen(
        &format!("To: {path}"),
        "To: abuse-reports@meridian.example",
        1,
    );
    let received =
        bounces::receive(&newsroom, report.as_bytes(), Some("abuse-reports@meridian.example")).await.unwrap();
    assert_eq!(
        received,
        Received::Recorded(vec![Recorded {
            email: "angry@example.com".into(),
            kind: BounceKind::Complaint,
            send_id: Some(8),
            member_id: Some(80),
            suppressed: true,
        }])
    );
    assert_eq!(
        store.suppression("angry@example.com").await.unwrap().map(|s| s.reason),
        Some(SuppressionReason::Complained)
    );
    // A feedback loop that hides the address: the tag still names the send and the member.
    let redacted =
        report.replace("<Angry@Example.com>", "redacted").replace("To: Angry@Example.com", "To: redacted");
    let received = bounces::receive(&newsroom, redacted.as_bytes(), None).await.unwrap();
    assert_eq!(
        received,
        Received::Recorded(vec![Recorded {
            email: String::new(),
            kind: BounceKind::Complaint,
            send_id: Some(8),
            member_id: Some(80),
            suppressed: false,
        }]),
        "the send unsubscribes member 80; no address is suppressed"
    );
    assert!(!store.is_suppressed("redacted").await.unwrap());
    assert_eq!(store.bounces_for_send(8).await.unwrap().len(), 2);
    // "Not spam" is no complaint.
    let not_spam = report.replace("Feedback-Type: abuse", "Feedback-Type: not-spam");
    let received = bounces::receive(&newsroom, not_spam.as_bytes(), None).await.unwrap();
    assert!(matches!(received, Received::NotAReport(_)), "{received:?}");
}

async fn a_forged_tag_is_ignored(store: Store) {
    let newsroom = newsroom(store.clone());
    let real = return_path(&newsroom, 7, 70).await;
    // The tag of member 70, put on member 71.
    let forged = real.replacen("+7-1y-", "+7-1z-", 1);
    assert_ne!(forged, real, "the ids are in base 36: {real}");
    assert_eq!(bounces::parse_verp(&newsroom, &forged).await.unwrap(), None);
    let received =
        bounces::receive(&newsroom, &fixture("dsn-hard.eml", &forged), Some(&forged)).await.unwrap();
    assert!(matches!(received, Received::Forged(_)), "{received:?}");
    assert!(!store.is_suppressed("gone@example.org").await.unwrap(), "a forged bounce suppresses nobody");
    assert!(store.bounces_for_email("gone@example.org").await.unwrap().is_empty());
    // A tag made under another site's secret is no better.
    let elsewhere = newsroom_with_other_secret().await;
    let foreign = return_path(&elsewhere, 7, 70).await;
    let received =
        bounces::receive(&newsroom, &fixture("dsn-hard.eml", &foreign), Some(&foreign)).await.unwrap();
    assert!(matches!(received, Received::Forged(_)), "{received:?}");
    assert!(!store.is_suppressed("gone@example.org").await.unwrap());
}

async fn newsroom_with_other_secret() -> Newsroom {
    let dir = tempfile::tempdir().unwrap();
    let store = Store::open(&masthead_store::Location::Sqlite(dir.path().join("other.db"))).await.unwrap();
    std::mem::forget(dir);
    newsroom(store)
}

async fn a_report_without_our_tag_is_known_by_its_recipient(store: Store) {
    let newsroom = newsroom(store.clone());
    let report = fixture("dsn-hard.eml", "bounces@meridian.example");
    let received = bounces::receive(&newsroom, &report, Some("bounces@meridian.example")).await.unwrap();
    assert_eq!(
        received,
        Received::Recorded(vec![Recorded {
            email: "gone@example.org".into(),
            kind: BounceKind::Hard,
            send_id: None,
            member_id: None,
            suppressed: true,
        }]),
        "the Original-Recipient, as we sent to it"
    );
}

async fn what_is_not_a_report_is_left_alone_without_a_fault(store: Store) {
    let newsroom = newsroom(store.clone());
    let letter = fixture("not-a-report.eml", "");
    let received = bounces::receive(&newsroom, &letter, Some("bounces@meridian.example")).await.unwrap();
    assert!(
        matches!(&received, Received::NotAReport(why) if why.contains("not multipart/report")),
        "{received:?}"
    );
    let mut garbage: Vec<Vec<u8>> = vec![
        Vec::new(),
        b"\r\n\r\n".to_vec(),
        (0..=255u8).cycle().take(70_000).collect(),
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\nContent-Type: message/delivery-status\r\n\r\nAction: failed\r\n".to_vec(),
        b"Content-Type: multipart/report; report-type=delivery-status; boundary=x\r\n\r\n--x\r\n--x--".to_vec(),
    ];
    let hard = fixture("dsn-hard.eml", "bounces@meridian.example");
    for cut in [10, 200, 900, 1300, hard.len() - 20] {
        garbage.push(hard[..cut].to_vec());
    }
    for raw in garbage {
        match bounces::receive(&newsroom, &raw, None).await {
            Ok(Received::NotAReport(_)) => {}
            // A report cut after its recipient's fields still says what it says, no more.
            Ok(Received::Recorded(entries)) => {
                assert!(
                    entries.iter().all(|e| e.email == "gone@example.org" && e.kind == BounceKind::Hard),
                    "{entries:?}"
                )
            }
            other => panic!("{other:?}"),
        }
    }
    let cut_short = store.bounces_for_email("gone@example.org").await.unwrap().len();
    assert!(cut_short < 5, "the reports cut before their recipient's fields recorded nothing ({cut_short})");
}

async fn a_refusal_for_good_at_send_time_suppresses(store: Store) {
    let newsroom = newsroom(store.clone());
    let refused = SendFailure::Permanent { code: 550, reply: "5.1.1 no such user".into() };
    assert!(bounces::record_refusal(&newsroom, "Nobody@example.org", &refused).await.unwrap());
    let suppression = store.suppression("nobody@example.org").await.unwrap().unwrap();
    assert_eq!(suppression.reason, SuppressionReason::Refused);
    assert!(suppression.detail.contains("550"));
    let later = SendFailure::Transient { code: Some(450), reason: "busy".into() };
    assert!(!bounces::record_refusal(&newsroom, "busy@example.org", &later).await.unwrap());
    assert!(!store.is_suppressed("busy@example.org").await.unwrap());
}
