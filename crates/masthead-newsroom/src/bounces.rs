//! What comes back after a newsletter goes out: bounces and complaints.
//!
//! Each message's envelope sender is a signed variant of the site's bounce address (VERP):
//! `bounces+<send>-<member>-<tag>@news.example.org` (ids in base 36), where the tag is a short
//! HMAC of the send and member under the site's shared secret ([`Purpose::Bounce`]). A report that comes back to
//! it names its send and member, and nobody can make one that names somebody else.
//!
//! [`receive`] reads one message as a mail server pipes it to `masthead mail receive`: a
//! delivery status notification (RFC 3464: `multipart/report; report-type=delivery-status`) or
//! a complaint (RFC 5965 ARF: `report-type=feedback-report`). Hard bounces and complaints
//! suppress the address; soft bounces are recorded with their send and member, for the send to
//! try again. Anything else is left alone, and said so.

use std::borrow::Cow;

use mail_parser::{Header, Message, MessageParser, MimeHeaders};
use masthead_store::{BounceKind, NewBounce, SuppressionReason};

use crate::context::Newsroom;
use crate::error::Outcome;
use crate::mail::SendFailure;
use crate::signing::{Purpose, Signer};

/// How many times a send tries one member (temporary refusals and soft bounces together).
pub const MAX_SEND_ATTEMPTS: i64 = 5;
/// How long a member whose message came back as a soft bounce waits to be tried again.
pub const SOFT_BOUNCE_RETRY_SECONDS: i64 = 3600;

/// A local part longer than this is refused by some mail servers (RFC 5321 §4.5.3.1.1).
const MAX_LOCAL_PART: usize = 64;

/// The largest report read: real ones are a few kilobytes, with the original message cut.
pub const MAX_REPORT_BYTES: usize = 10 * 1024 * 1024;

/// Makes and reads the signed return paths of one site.
#[derive(Debug, Clone)]
pub struct Verp {
    signer: Signer,
    local: String,
    domain: String,
}

/// What a recipient address says about a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VerpMatch {
    /// Not one of our tagged bounce addresses.
    NotOurs,
    /// Ours, signed by us: the send and member it was made for.
    Tagged { send_id: i64, member_id: i64 },
    /// Looks like ours, but the tag is not ours: forged or damaged.
    Forged,
}

impl Verp {
    /// `bounce_address` is `local@domain`, the address `--bounce-address` names.
    pub fn new(signer: Signer, local: &str, domain: &str) -> Verp {
        Verp { signer, local: local.to_ascii_lowercase(), domain: domain.to_ascii_lowercase() }
    }

    /// The return path of the message of `send_id` to `member_id`. `None` when it would be
    /// longer than a mail server takes (a very long bounce address): send with the plain one.
    pub fn address(&self, send_id: i64, member_id: i64) -> Option<String> {
        let ids = format!("{}-{}", base36(send_id)?, base36(member_id)?);
        let tag = self.signer.short_tag(Purpose::Bounce, &format!("{send_id}-{member_id}"));
        let local = format!("{}+{ids}-{tag}", self.local);
        (local.len() <= MAX_LOCAL_PART).then(|| format!("{local}@{}", self.domain))
    }

    /// What `address` (an envelope recipient, or a header naming one) says.
    pub fn parse(&self, address: &str) -> VerpMatch {
        let address = address.trim().trim_start_matches('<').trim_end_matches('>').to_ascii_lowercase();
        let Some((local, domain)) = address.rsplit_once('@') else { return VerpMatch::NotOurs };
        if domain != self.domain {
            return VerpMatch::NotOurs;
        }
        let Some(rest) = local.strip_prefix(&self.local).and_then(|r| r.strip_prefix('+')) else {
            return VerpMatch::NotOurs;
        };
        let mut parts = rest.splitn(3, '-');
        let (Some(send), Some(member), Some(tag)) = (parts.next(), parts.next(), parts.next()) else {
            return VerpMatch::Forged;
        };
        let number = |s: &str| {
            (!s.is_empty() && s.len() <= 13 && s.bytes().all(|b| b.is_ascii_alphanumeric()))
                .then(|| i64::from_str_radix(s, 36).ok())
                .flatten()
        };
        let (Some(send_id), Some(member_id)) = (number(send), number(member)) else {
            return VerpMatch::Forged;
        };
        if self.signer.verify_short_tag(Purpose::Bounce, &format!("{send_id}-{member_id}"), tag) {
            VerpMatch::Tagged { send_id, member_id }
        } else {
            VerpMatch::Forged
        }
    }
}

/// `n` in lower-case base 36 (ids in return paths: at most 13 characters for any id).
fn base36(n: i64) -> Option<String> {
    let mut n = u64::try_from(n).ok()?;
    let mut digits = Vec::new();
    loop {
        digits.push(char::from_digit((n % 36) as u32, 36)?);
        n /= 36;
        if n == 0 {
            break;
        }
    }
    Some(digits.iter().rev().collect())
}

/// The site's VERP, or `None` without `--bounce-address`.
pub async fn verp(newsroom: &Newsroom) -> Outcome<Option<Verp>> {
    let Some((local, domain)) = newsroom.mailer().bounce_address() else { return Ok(None) };
    Ok(Some(Verp::new(newsroom.signer().await?, local, domain)))
}

/// The return path for the message of `send_id` to `member_id`, or `None` (no bounce address:
/// bounces go to the sender). A send should take [`verp`] once and call [`Verp::address`].
pub async fn verp_address(newsroom: &Newsroom, send_id: i64, member_id: i64) -> Outcome<Option<String>> {
    Ok(verp(newsroom).await?.and_then(|v| v.address(send_id, member_id)))
}

/// The send and member a return path names, if it is one of ours and its tag is.
pub async fn parse_verp(newsroom: &Newsroom, address: &str) -> Outcome<Option<(i64, i64)>> {
    Ok(match verp(newsroom).await?.map(|v| v.parse(address)) {
        Some(VerpMatch::Tagged { send_id, member_id }) => Some((send_id, member_id)),
        _ => None,
    })
}

/// One recipient's line in a report.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecipientReport {
    /// The address as we sent to it (`Original-Recipient`), else as the server knew it
    /// (`Final-Recipient`), else the original message's `To`; empty when the report hides it.
    pub email: String,
    pub kind: BounceKind,
    pub status: String,
    pub diagnostic: String,
    /// The server gave up on the message (`Action: failed`); a `delayed` report means it is
    /// still trying, and the message may yet arrive.
    pub gave_up: bool,
}

/// What a message turned out to be.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Report {
    pub recipients: Vec<RecipientReport>,
    /// Addresses that may carry our return path: the report's own recipients (`To`,
    /// `Delivered-To`, `X-Original-To`) and the returned message's `Return-Path`.
    pub return_paths: Vec<String>,
}

/// Reads `raw` as a report. `Err` says, in words, why it is not one.
pub fn read_report(raw: &[u8]) -> Result<Report, String> {
    if raw.len() > MAX_REPORT_BYTES {
        return Err(format!("the message is larger than {MAX_REPORT_BYTES} bytes"));
    }
    let message = MessageParser::default().parse(raw).ok_or("it is not an e-mail message")?;
    let root = message.root_part();
    let report_type = match root.content_type() {
        Some(ct)
            if ct.ctype().eq_ignore_ascii_case("multipart")
                && ct.subtype().is_some_and(|s| s.eq_ignore_ascii_case("report")) =>
        {
            ct.attribute("report-type").unwrap_or_default().to_ascii_lowercase()
        }
        _ => return Err("it is not a delivery report or a complaint (not multipart/report)".into()),
    };
    let mut return_paths = Vec::new();
    for name in ["Delivered-To", "X-Original-To", "To"] {
        return_paths.extend(fields(&message.raw_message, &root.headers, name).into_iter().map(address_in));
    }
    // The message that bounced, whole or its headers only, and the machine-readable part.
    let mut original_to = None;
    let mut status_part = None;
    for part in &message.parts {
        let Some(ct) = part.content_type() else { continue };
        let kind = format!("{}/{}", ct.ctype(), ct.subtype().unwrap_or_default()).to_ascii_lowercase();
        match kind.as_str() {
            "message/delivery-status" | "message/global-delivery-status" | "message/feedback-report" => {
                status_part.get_or_insert(part.contents());
            }
            "message/rfc822" | "message/global" => {
                if let Some(original) = part.message() {
                    original_headers(original, &mut return_paths, &mut original_to);
                }
            }
            "text/rfc822-headers" => {
                if let Some(original) = MessageParser::default().parse_headers(part.contents()) {
                    original_headers(&original, &mut return_paths, &mut original_to);
                }
            }
            _ => {}
        }
    }
    let status_part = status_part.ok_or("the report has no delivery-status or feedback-report part")?;
    let groups = field_groups(status_part);
    let recipients = match report_type.as_str() {
        "delivery-status" => delivery_status(&groups, original_to.as_deref()),
        "feedback-report" => feedback_report(&groups, original_to.as_deref()),
        other => return Err(format!("it is a report of a kind not read here ({other:?})")),
    };
    return_paths.retain(|a| !a.is_empty());
    Ok(Report { recipients, return_paths })
}

fn original_headers(original: &Message<'_>, return_paths: &mut Vec<String>, to: &mut Option<String>) {
    let headers = &original.root_part().headers;
    return_paths.extend(fields(&original.raw_message, headers, "Return-Path").into_iter().map(address_in));
    if to.is_none() {
        *to = original.to().and_then(|a| a.first()).and_then(|a| a.address()).map(str::to_owned);
    }
}

/// Per-recipient fields of a DSN: `Action: failed` with a 5.x.x status is hard, a 4.x.x status
/// or `Action: delayed` soft; delivered, relayed and expanded are no bounce.
fn delivery_status(groups: &[Vec<(String, String)>], original_to: Option<&str>) -> Vec<RecipientReport> {
    // The first group is about the message; the rest, one per recipient.
    groups
        .iter()
        .skip(1)
        .filter_map(|group| {
            let get = |name: &str| {
                group.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
            };
            // "failed", or "failed (comment)".
            let action = get("Action")?.split([' ', '(']).next().unwrap_or_default().to_ascii_lowercase();
            let status =
                get("Status").map(|s| s.split_whitespace().next().unwrap_or_default()).unwrap_or_default();
            let kind = match (action.as_str(), status.as_bytes().first()) {
                ("failed", Some(b'5')) => BounceKind::Hard,
                ("failed" | "delayed", _) => BounceKind::Soft,
                _ => return None,
            };
            let email = ["Original-Recipient", "Final-Recipient"]
                .iter()
                .find_map(|name| get(name).and_then(rfc822_address))
                .or_else(|| original_to.map(str::to_owned))
                .unwrap_or_default();
            Some(RecipientReport {
                email,
                kind,
                status: status.to_owned(),
                diagnostic: get("Diagnostic-Code").unwrap_or_default().to_owned(),
                gave_up: action == "failed",
            })
        })
        .collect()
}

/// An ARF complaint; `Feedback-Type: not-spam` is the opposite of one.
fn feedback_report(groups: &[Vec<(String, String)>], original_to: Option<&str>) -> Vec<RecipientReport> {
    let fields: Vec<&(String, String)> = groups.iter().flatten().collect();
    let get = |name: &str| fields.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str());
    let feedback_type = get("Feedback-Type").unwrap_or("abuse").trim().to_ascii_lowercase();
    if feedback_type == "not-spam" {
        return Vec::new();
    }
    let email = get("Original-Rcpt-To")
        .map(address_in)
        .filter(|a| a.contains('@'))
        .or_else(|| original_to.map(str::to_owned))
        .unwrap_or_default();
    vec![RecipientReport {
        email,
        kind: BounceKind::Complaint,
        status: String::new(),
        diagnostic: format!("feedback type {feedback_type}"),
        gave_up: false,
    }]
}

/// The address of an `rfc822; addr` field (any other address type is not an e-mail address).
fn rfc822_address(value: &str) -> Option<String> {
    let (kind, address) = value.split_once(';')?;
    let address = address_in(address);
    (kind.trim().eq_ignore_ascii_case("rfc822") && address.contains('@')).then_some(address)
}

/// The bare address in `value`: `<a@b>`, `Name <a@b>` or `a@b`.
fn address_in(value: impl AsRef<str>) -> String {
    let value = value.as_ref().trim();
    let inner = match (value.rfind('<'), value.rfind('>')) {
        (Some(open), Some(close)) if open < close => &value[open + 1..close],
        _ => value,
    };
    inner.trim().to_owned()
}

/// The groups of `Name: value` fields of a delivery-status or feedback-report part, separated
/// by blank lines, each read by the mail parser's header reader.
fn field_groups(contents: &[u8]) -> Vec<Vec<(String, String)>> {
    let text = String::from_utf8_lossy(contents).replace("\r\n", "\n");
    text.split("\n\n")
        .filter(|block| !block.trim().is_empty())
        .filter_map(|block| {
            let block = format!("{}\n\n", block.trim_start_matches('\n'));
            let parsed = MessageParser::default().parse_headers(block.as_bytes())?;
            let headers = &parsed.root_part().headers;
            let group: Vec<(String, String)> = headers
                .iter()
                .map(|h| (h.name.as_str().to_owned(), raw_value(block.as_bytes(), h).into_owned()))
                .collect();
            (!group.is_empty()).then_some(group)
        })
        .collect()
}

/// Every value of the header `name`, unfolded.
fn fields<'a>(raw: &'a [u8], headers: &[Header<'_>], name: &str) -> Vec<Cow<'a, str>> {
    headers.iter().filter(|h| h.name.as_str().eq_ignore_ascii_case(name)).map(|h| raw_value(raw, h)).collect()
}

fn raw_value<'a>(raw: &'a [u8], header: &Header<'_>) -> Cow<'a, str> {
    let (start, end) = (header.offset_start as usize, header.offset_end as usize);
    let bytes = raw.get(start..end.max(start)).unwrap_or_default();
    let text = String::from_utf8_lossy(bytes);
    Cow::Owned(text.split_whitespace().collect::<Vec<_>>().join(" "))
}

/// What `masthead mail receive` did with a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Received {
    /// A report, recorded: one entry per recipient it named.
    Recorded(Vec<Recorded>),
    /// Not a bounce or a complaint (why, in words): nothing was done.
    NotAReport(String),
    /// It came to one of our tagged addresses with a tag we did not make: ignored.
    Forged(String),
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Recorded {
    /// Lower-cased; empty when the report hid it (then only `send_id` and `member_id` name the
    /// reader, and nothing is suppressed by address).
    pub email: String,
    pub kind: BounceKind,
    pub send_id: Option<i64>,
    pub member_id: Option<i64>,
    pub suppressed: bool,
}

/// Reads one message `raw` that a mail server delivered to `envelope_recipient` (what Postfix
/// passes as `${recipient}`, when it does) and records what it reports.
pub async fn receive(newsroom: &Newsroom, raw: &[u8], envelope_recipient: Option<&str>) -> Outcome<Received> {
    let report = match read_report(raw) {
        Ok(report) => report,
        Err(why) => return Ok(Received::NotAReport(why)),
    };
    let mut tagged = None;
    let mut forged = None;
    if let Some(verp) = verp(newsroom).await? {
        for address in
            envelope_recipient.into_iter().map(str::to_owned).chain(report.return_paths.iter().cloned())
        {
            match verp.parse(&address) {
                VerpMatch::Tagged { send_id, member_id } => {
                    tagged.get_or_insert((send_id, member_id));
                }
                VerpMatch::Forged => {
                    forged.get_or_insert(address);
                }
                VerpMatch::NotOurs => {}
            }
        }
    }
    if let (None, Some(address)) = (tagged, &forged) {
        return Ok(Received::Forged(format!("{address} carries a tag this site did not sign")));
    }
    if report.recipients.is_empty() {
        return Ok(Received::NotAReport("the report names no failed or delayed recipient".into()));
    }
    let store = newsroom.store();
    let mut recorded = Vec::new();
    for recipient in report.recipients {
        // Feedback loops often hide the address ("redacted"): then only the tag names the reader.
        let email =
            Some(recipient.email.trim().to_lowercase()).filter(|e| e.contains('@')).unwrap_or_default();
        let (send_id, member_id) = tagged.map_or((None, None), |(s, m)| (Some(s), Some(m)));
        if email.is_empty() && tagged.is_none() {
            continue; // Nobody we could name.
        }
        let suppressed_before = !email.is_empty() && store.is_suppressed(&email).await?;
        let gave_up = recipient.gave_up;
        store
            .record_bounce(&NewBounce {
                email: email.clone(),
                send_id,
                member_id,
                kind: recipient.kind,
                status: recipient.status,
                diagnostic: recipient.diagnostic,
            })
            .await?;
        if let (Some(send), Some(member)) = (send_id, member_id) {
            match recipient.kind {
                // Not delivered after all: the send tries this member again, later. (A delay
                // report is not: the server is still trying, and a second copy could arrive.)
                BounceKind::Soft if gave_up => {
                    let at = jiff::Timestamp::now().as_second() + SOFT_BOUNCE_RETRY_SECONDS;
                    store.retry_after_soft_bounce(send, member, at, MAX_SEND_ATTEMPTS).await?;
                }
                // A reader who marked the newsletter as spam gets no more of it, even when the
                // report hides their address.
                BounceKind::Complaint => {
                    if let Err(e) = store.unsubscribe_member(member, None).await
                        && !matches!(e, masthead_store::StoreError::NotFound)
                    {
                        return Err(e.into());
                    }
                }
                BounceKind::Soft | BounceKind::Hard => {}
            }
        }
        let suppressed = recipient.kind.suppression().is_some() && !email.is_empty() && !suppressed_before;
        recorded.push(Recorded { email, kind: recipient.kind, send_id, member_id, suppressed });
    }
    if recorded.is_empty() {
        return Ok(Received::NotAReport("the report names no recipient we can tell".into()));
    }
    Ok(Received::Recorded(recorded))
}

/// Records a refusal at send time: a permanent one suppresses `email` (reason `refused`);
/// others are for the send to retry. Returns whether the address is now suppressed by it.
pub async fn record_refusal(newsroom: &Newsroom, email: &str, failure: &SendFailure) -> Outcome<bool> {
    match failure {
        SendFailure::Permanent { code, reply } => Ok(newsroom
            .store()
            .suppress(email, SuppressionReason::Refused, &format!("{code} {reply}"))
            .await?),
        _ => Ok(false),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn verp() -> Verp {
        Verp::new(Signer::new(b"site secret"), "Bounces", "News.Example.org")
    }

    #[test]
    fn a_return_path_names_its_send_and_member_and_nothing_else() {
        let verp = verp();
        let address = verp.address(12, 3456).unwrap();
        assert!(address.starts_with("bounces+c-2o0-"), "ids in base 36: {address}");
        assert!(address.ends_with("@news.example.org"));
        assert_eq!(address, address.to_lowercase());
        let local = address.split('@').next().unwrap();
        assert!(local.len() <= MAX_LOCAL_PART);
        assert_eq!(verp.parse(&address), VerpMatch::Tagged { send_id: 12, member_id: 3456 });
        assert_eq!(
            verp.parse(&format!("<{}>", address.to_uppercase())),
            VerpMatch::Tagged { send_id: 12, member_id: 3456 }
        );
        let other_member = address.replace("-2o0-", "-2o1-");
        assert_eq!(verp.parse(&other_member), VerpMatch::Forged);
        assert_eq!(verp.parse("bounces+c-2o0@news.example.org"), VerpMatch::Forged);
        assert_eq!(verp.parse(&address.replace("+c-", "+-c-")), VerpMatch::Forged);
        assert_eq!(verp.parse("bounces@news.example.org"), VerpMatch::NotOurs);
        assert_eq!(verp.parse(&address.replace("news.example.org", "example.com")), VerpMatch::NotOurs);
        assert_eq!(verp.parse("garbage"), VerpMatch::NotOurs);
        let largest = verp.address(i64::MAX, i64::MAX).expect("the largest ids still fit in 64 characters");
        assert_eq!(verp.parse(&largest), VerpMatch::Tagged { send_id: i64::MAX, member_id: i64::MAX });
        assert_eq!(
            verp.address(0, 1).map(|a| verp.parse(&a)),
            Some(VerpMatch::Tagged { send_id: 0, member_id: 1 })
        );
        assert_eq!(verp.address(-1, 1), None);
        assert!(Verp::new(Signer::new(b"k"), &"b".repeat(30), "x.org").address(i64::MAX, i64::MAX).is_none());
    }

    #[test]
    fn addresses_are_found_in_their_usual_spellings() {
        assert_eq!(address_in(" Ann <ann@example.org> "), "ann@example.org");
        assert_eq!(address_in("<ann@example.org>"), "ann@example.org");
        assert_eq!(rfc822_address("rfc822; Ann@Example.org"), Some("Ann@Example.org".into()));
        assert_eq!(rfc822_address("x400; whatever"), None);
    }
}
