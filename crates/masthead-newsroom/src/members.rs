//! Members: readers who sign up with their address, confirm it (double opt-in), sign in with a
//! link sent by e-mail, choose their newsletters, change their address, download what we hold
//! on them and leave; and the newsroom's side (list, find, add, change, label, import, export,
//! delete), for editors and up (`Action::ManageMembers`).
//!
//! Every link e-mailed is signed (`signing`): a confirmation lasts two days, a sign-in link an
//! hour and works once, an address change a day; an unsubscribe link never expires. Answers to
//! readers never say whether an address is a member's: signing up again, or asking for a link
//! for an unknown address, gets the same answer as a first sign-up. Mail to one address is
//! limited, so that nobody can use the forms to flood someone's inbox.

use jiff::{SignedDuration, Timestamp};
use masthead_core::account::normalize_email;
use masthead_core::{Action, Label, Member, MemberSource, MemberStatus, NewMember, Newsletter, Site};
use masthead_store::{
    AttemptLimit, ImportCount, MemberChange, MemberCursor, MemberFilter, MemberPage, StoreError,
};

use crate::context::Newsroom;
use crate::error::{Failure, Outcome};
use crate::mail::Delivery;
use crate::members_csv::{self, Shape};
use crate::secrets::{new_token, token_hash};
use crate::signing::{Purpose, TokenRefusal};
use crate::staff::Actor;

/// How long a confirmation link works.
pub const CONFIRM_HOURS: i64 = 48;
/// How long a sign-in link works (once).
pub const SIGN_IN_MINUTES: i64 = 60;
/// How long a link to confirm a new address works.
pub const CHANGE_EMAIL_HOURS: i64 = 24;
/// How long a member stays signed in.
pub const SESSION_DAYS: i64 = 30;
/// Messages the forms send to one address within [`MAIL_WINDOW_MINUTES`] (so that nobody floods a
/// stranger's inbox through them), and ask for from one client address, on every node together
/// (generous: a newsroom's event may sign many people up from one network).
pub const MAX_MAILS_PER_ADDRESS: i64 = 5;
pub const MAX_MAILS_PER_CLIENT: i64 = 200;
pub const MAIL_WINDOW_MINUTES: i64 = 60;
/// The longest name and note kept.
pub const MAX_NAME_CHARS: usize = 200;
pub const MAX_NOTE_CHARS: usize = 5_000;

/// What became of a message a reader asked for. Nothing here says whether the address is a
/// member's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mailed {
    /// On its way (or, past the limit for the address, quietly not: the same answer).
    Sent,
    /// No mail server is configured: the message is in the server's log.
    Logged,
    /// The mail server refused it; worth trying again later.
    NotSent,
}

/// A sign-up from the public form.
#[derive(Debug, Clone, Default)]
pub struct SignUp {
    pub email: String,
    pub name: String,
    /// The newsletters ticked; `None` when the form offered no choice (the defaults).
    pub newsletters: Option<Vec<i64>>,
}

/// A reader just signed in: `session` goes in their cookie.
#[derive(Debug)]
pub struct SignedIn {
    pub member: Member,
    pub session: String,
}

/// What an unsubscribe link stands for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unsubscribe {
    pub email: String,
    /// The newsletter it leaves; `None` for all of them.
    pub newsletter: Option<String>,
}

fn mail_failure(e: impl std::fmt::Display) -> Mailed {
    tracing::error!(error = %e, "could not send a message to a member");
    Mailed::NotSent
}

fn delivered(d: Delivery) -> Mailed {
    match d {
        Delivery::Sent => Mailed::Sent,
        Delivery::Logged => Mailed::Logged,
    }
}

/// A reader's address, normalised, or what to correct.
pub fn parse_email(raw: &str) -> Outcome<String> {
    normalize_email(raw)
        .filter(|e| e.len() <= 254 && e.parse::<lettre::Address>().is_ok())
        .ok_or_else(|| Failure::invalid("email", "Enter your e-mail address, like name@example.org."))
}

fn clean_name(raw: &str) -> Outcome<String> {
    let name: String = raw.trim().chars().filter(|c| !c.is_control()).collect();
    if name.chars().count() > MAX_NAME_CHARS {
        return Err(Failure::invalid("name", format!("A name has at most {MAX_NAME_CHARS} characters.")));
    }
    Ok(name)
}

fn link_refused(e: TokenRefusal) -> Failure {
    Failure::NotFound(match e {
        TokenRefusal::Invalid => "This link is not valid. Ask for a new one.".into(),
        TokenRefusal::Expired => "This link has expired. Ask for a new one.".into(),
    })
}

/// Whether one more message may go to `email` (asked from `address`); counts it if so. An
/// address on the suppression list (it bounced for good, or its owner marked our mail as spam)
/// gets nothing, and the reader is answered as always.
async fn may_mail(newsroom: &Newsroom, email: &str, address: &str) -> Outcome<bool> {
    if newsroom.store().is_suppressed(email).await? {
        return Ok(false);
    }
    let window = SignedDuration::from_mins(MAIL_WINDOW_MINUTES);
    let (to, from) = (format!("member-mail:{email}"), format!("member-mail-from:{address}"));
    let limits = [
        AttemptLimit { key: &to, max: MAX_MAILS_PER_ADDRESS, window },
        AttemptLimit { key: &from, max: MAX_MAILS_PER_CLIENT, window },
    ];
    Ok(matches!(
        newsroom.store().record_attempt(&limits, Timestamp::now()).await?,
        masthead_store::Attempt::Counted { .. }
    ))
}

async fn send(newsroom: &Newsroom, to: &str, subject: &str, body: &str) -> Mailed {
    match newsroom.mailer().send(to, subject, body).await {
        Ok(d) => delivered(d),
        Err(e) => mail_failure(e),
    }
}

async fn signed_link(
    newsroom: &Newsroom,
    site: &Site,
    path: &str,
    purpose: Purpose,
    payload: &str,
    expires: i64,
) -> Outcome<String> {
    let token = newsroom.signer().await?.sign(purpose, payload, expires);
    let query = url::form_urlencoded::Serializer::new(String::new()).append_pair("t", &token).finish();
    Ok(site.url(&format!("{path}?{query}")))
}

async fn send_confirmation(newsroom: &Newsroom, site: &Site, member: &Member) -> Outcome<Mailed> {
    let expires = (Timestamp::now() + SignedDuration::from_hours(CONFIRM_HOURS)).as_second();
    let link = signed_link(
        newsroom,
        site,
        "/subscribe/confirm",
        Purpose::ConfirmSignUp,
        &member.id.to_string(),
        expires,
    )
    .await?;
    let body = format!(
        "Someone, probably you, signed up to {title} with this address.\n\n\
         To confirm, follow this link within {CONFIRM_HOURS} hours:\n\n{link}\n\n\
         If it was not you, ignore this message: without confirmation we send you nothing more.\n",
        title = site.title
    );
    Ok(send(newsroom, &member.email, &format!("Confirm your subscription to {}", site.title), &body).await)
}

async fn send_sign_in(newsroom: &Newsroom, site: &Site, member: &Member) -> Outcome<Mailed> {
    let now = Timestamp::now();
    let expires = (now + SignedDuration::from_mins(SIGN_IN_MINUTES)).as_second();
    // Made to the microsecond, so that two links asked for in one second differ, and using
    // one voids the other.
    let payload = format!("{}:{}", member.id, now.as_microsecond());
    let link =
        signed_link(newsroom, site, "/account/sign-in/link", Purpose::SignIn, &payload, expires).await?;
    let body = format!(
        "Here is your link to sign in to {title}. It works once, within {SIGN_IN_MINUTES} minutes:\n\n{link}\n\n\
         If you did not ask for it, ignore this message.\n",
        title = site.title
    );
    Ok(send(newsroom, &member.email, &format!("Sign in to {}", site.title), &body).await)
}

/// The active newsletters `chosen` names, or, when nothing was offered, those new members get.
fn newsletters_for(all: &[Newsletter], chosen: Option<&[i64]>) -> Outcome<Vec<i64>> {
    match chosen {
        None => Ok(all.iter().filter(|n| n.active && n.subscribe_by_default).map(|n| n.id).collect()),
        Some(ids) => {
            for id in ids {
                if !all.iter().any(|n| n.id == *id && n.active) {
                    return Err(Failure::invalid("newsletters", "Choose among the newsletters offered."));
                }
            }
            let mut ids = ids.to_vec();
            ids.sort_unstable();
            ids.dedup();
            Ok(ids)
        }
    }
}

/// Someone signs up from `address`. A new address becomes a pending member, who is sent a
/// confirmation link; a pending member's address gets the link again, an active member's a
/// sign-in link. The answer is the same in every case.
pub async fn sign_up(newsroom: &Newsroom, request: SignUp, address: &str) -> Outcome<Mailed> {
    let email = parse_email(&request.email)?;
    let name = clean_name(&request.name)?;
    let store = newsroom.store();
    let site = store.site().await?;
    let newsletters = newsletters_for(&store.newsletters().await?, request.newsletters.as_deref())?;
    if !may_mail(newsroom, &email, address).await? {
        return Ok(Mailed::Sent);
    }
    let member = match store.member_by_email(&email).await? {
        Some(member) => member,
        None => {
            let new = NewMember {
                email: email.clone(),
                name,
                status: MemberStatus::Pending,
                source: MemberSource::Signup,
                consent_at: None,
                note: String::new(),
                created_at: None,
                newsletters,
                labels: vec![],
            };
            match store.create_member(&new).await {
                Ok(member) => member,
                // Someone signed up with the same address at the same moment.
                Err(StoreError::Conflict { .. }) => store
                    .member_by_email(&email)
                    .await?
                    .ok_or_else(|| Failure::Internal("a member vanished while signing up".into()))?,
                Err(e) => return Err(e.into()),
            }
        }
    };
    match member.status {
        MemberStatus::Pending => send_confirmation(newsroom, &site, &member).await,
        MemberStatus::Active => send_sign_in(newsroom, &site, &member).await,
    }
}

fn member_id(payload: &str) -> Outcome<i64> {
    payload.parse().map_err(|_| link_refused(TokenRefusal::Invalid))
}

async fn start_session(newsroom: &Newsroom, member: Member) -> Outcome<SignedIn> {
    let session = new_token();
    let expires = Timestamp::now() + SignedDuration::from_hours(24 * SESSION_DAYS);
    newsroom.store().create_member_session(member.id, &token_hash(&session), &new_token(), expires).await?;
    Ok(SignedIn { member, session })
}

/// Whether `token` is a link of this site for `purpose` that still works (for the page that
/// shows its button: following a link only shows a page, so that mail scanners change nothing).
pub async fn check_link(newsroom: &Newsroom, purpose: Purpose, token: &str) -> Outcome<()> {
    newsroom.signer().await?.verify(purpose, token, Timestamp::now().as_second()).map_err(link_refused)?;
    Ok(())
}

/// The reader confirms their address with the link sent at sign-up: they become active, and
/// are signed in.
pub async fn confirm(newsroom: &Newsroom, token: &str) -> Outcome<SignedIn> {
    let payload = newsroom
        .signer()
        .await?
        .verify(Purpose::ConfirmSignUp, token, Timestamp::now().as_second())
        .map_err(link_refused)?;
    let member = match newsroom.store().activate_member(member_id(&payload)?, Timestamp::now()).await {
        Ok(member) => member,
        Err(StoreError::NotFound) => return Err(link_refused(TokenRefusal::Invalid)),
        Err(e) => return Err(e.into()),
    };
    start_session(newsroom, member).await
}

/// A reader asks for a sign-in link. Members get one (pending members their confirmation link
/// again); an unknown address gets nothing, and the same answer, in the same time: the message
/// is sent after the answer, so that how long the answer takes says nothing either. A message
/// the mail server refuses is logged.
pub async fn request_sign_in(newsroom: &Newsroom, email: &str, address: &str) -> Outcome<Mailed> {
    let email = parse_email(email)?;
    let answer = if newsroom.mailer().is_configured() { Mailed::Sent } else { Mailed::Logged };
    if !may_mail(newsroom, &email, address).await? {
        return Ok(answer);
    }
    let newsroom = newsroom.clone();
    tokio::spawn(async move {
        let sent = async {
            let store = newsroom.store();
            let Some(member) = store.member_by_email(&email).await? else { return Ok(Mailed::Sent) };
            let site = store.site().await?;
            match member.status {
                MemberStatus::Pending => send_confirmation(&newsroom, &site, &member).await,
                MemberStatus::Active => send_sign_in(&newsroom, &site, &member).await,
            }
        };
        match sent.await {
            Ok(_) => {}
            Err(e) => tracing::error!(error = %e, "could not send a sign-in link"),
        }
    });
    Ok(answer)
}

/// The reader follows a sign-in link: each works once, and a newer one makes older ones void.
pub async fn sign_in(newsroom: &Newsroom, token: &str) -> Outcome<SignedIn> {
    let payload = newsroom
        .signer()
        .await?
        .verify(Purpose::SignIn, token, Timestamp::now().as_second())
        .map_err(link_refused)?;
    let (id, issued) = payload.split_once(':').ok_or_else(|| link_refused(TokenRefusal::Invalid))?;
    let (id, issued): (i64, i64) = match (id.parse(), issued.parse()) {
        (Ok(id), Ok(issued)) => (id, issued),
        _ => return Err(link_refused(TokenRefusal::Invalid)),
    };
    let store = newsroom.store();
    if !store.use_sign_in_link(id, issued).await? {
        return Err(Failure::NotFound("This link has been used already. Ask for a new one.".into()));
    }
    let member = match store.member(id).await {
        Ok(member) => member,
        Err(StoreError::NotFound) => return Err(link_refused(TokenRefusal::Invalid)),
        Err(e) => return Err(e.into()),
    };
    start_session(newsroom, member).await
}

/// The member signed in with `session`, and the CSRF token their forms carry.
pub async fn signed_in(newsroom: &Newsroom, session: &str) -> Outcome<Option<(Member, String)>> {
    Ok(newsroom.store().member_session(&token_hash(session), Timestamp::now()).await?)
}

pub async fn sign_out(newsroom: &Newsroom, session: &str) -> Outcome<()> {
    Ok(newsroom.store().delete_member_session(&token_hash(session)).await?)
}

/// A member changes their name and the newsletters they receive.
pub async fn change_own(
    newsroom: &Newsroom,
    member: &Member,
    name: &str,
    newsletters: &[i64],
) -> Outcome<Member> {
    let store = newsroom.store();
    let newsletters = newsletters_for(&store.newsletters().await?, Some(newsletters))?;
    let change = MemberChange {
        name: clean_name(name)?,
        note: member.note.clone(),
        newsletters,
        labels: member.labels.iter().map(|l| l.id).collect(),
    };
    Ok(store.update_member(member.id, &change).await?)
}

/// A member asks to use `new_email`: a link to confirm it goes to the new address; nothing
/// changes until it is followed.
pub async fn request_email_change(
    newsroom: &Newsroom,
    member: &Member,
    new_email: &str,
    address: &str,
) -> Outcome<Mailed> {
    let email = parse_email(new_email)?;
    if email == member.email {
        return Err(Failure::invalid("email", "That is already your address."));
    }
    if !may_mail(newsroom, &email, address).await? {
        return Ok(Mailed::Sent);
    }
    let site = newsroom.store().site().await?;
    let expires = (Timestamp::now() + SignedDuration::from_hours(CHANGE_EMAIL_HOURS)).as_second();
    let payload = format!("{}:{email}", member.id);
    let link =
        signed_link(newsroom, &site, "/account/email/confirm", Purpose::ChangeEmail, &payload, expires)
            .await?;
    let body = format!(
        "Someone, probably you, asked to receive {title} at this address instead of {old}.\n\n\
         To confirm, follow this link within {CHANGE_EMAIL_HOURS} hours:\n\n{link}\n\n\
         If it was not you, ignore this message: nothing changes.\n",
        title = site.title,
        old = member.email
    );
    Ok(send(newsroom, &email, &format!("Confirm your new address for {}", site.title), &body).await)
}

/// The member follows the link sent to their new address: it becomes theirs.
pub async fn change_email(newsroom: &Newsroom, token: &str) -> Outcome<Member> {
    let payload = newsroom
        .signer()
        .await?
        .verify(Purpose::ChangeEmail, token, Timestamp::now().as_second())
        .map_err(link_refused)?;
    let (id, email) = payload.split_once(':').ok_or_else(|| link_refused(TokenRefusal::Invalid))?;
    match newsroom.store().set_member_email(member_id(id)?, email).await {
        Ok(member) => Ok(member),
        Err(StoreError::Conflict { .. }) => Err(Failure::Taken {
            field: "email",
            message: "Another member has this address; it cannot be yours too.".into(),
        }),
        Err(StoreError::NotFound) => Err(link_refused(TokenRefusal::Invalid)),
        Err(e) => Err(e.into()),
    }
}

/// Everything the site holds on a member, for them to download.
pub async fn own_data(newsroom: &Newsroom, member: &Member) -> Outcome<serde_json::Value> {
    let store = newsroom.store();
    let newsletters = store.newsletters().await?;
    let member = store.member(member.id).await?;
    let receives: Vec<_> = newsletters
        .iter()
        .filter(|n| member.newsletters.contains(&n.id))
        .map(|n| serde_json::json!({ "id": n.id, "slug": n.slug, "name": n.name }))
        .collect();
    let sessions = store.member_session_count(member.id, Timestamp::now()).await?;
    let comments: Vec<_> = store
        .member_comments(member.id, 10_000)
        .await?
        .into_iter()
        .map(|q| {
            serde_json::json!({
                "id": q.comment.id, "article": q.article_title, "status": q.comment.status,
                "created_at": q.comment.created_at, "edited_at": q.comment.edited_at,
                "name": q.comment.author_name, "text": q.comment.body_source,
                "email_replies": q.comment.notify_replies,
            })
        })
        .collect();
    Ok(serde_json::json!({
        "id": member.id,
        "email": member.email,
        "name": member.name,
        "status": member.status,
        "source": member.source,
        "consent_at": member.consent_at,
        "note": member.note,
        "created_at": member.created_at,
        "updated_at": member.updated_at,
        "newsletters": receives,
        "labels": member.labels.iter().map(|l| &l.name).collect::<Vec<_>>(),
        "signed_in_sessions": sessions,
        "comments": comments,
    }))
}

/// A member deletes their account: everything of theirs goes at once.
pub async fn delete_own(newsroom: &Newsroom, member: &Member) -> Outcome<()> {
    match newsroom.store().delete_member(member.id).await {
        Ok(()) | Err(StoreError::NotFound) => Ok(()),
        Err(e) => Err(e.into()),
    }
}

/// The link that takes `member_id` off `newsletter_id` (or off every newsletter): an absolute
/// address under the site's, `/unsubscribe?t=…`, that never expires. For the footer of every
/// newsletter and its `List-Unsubscribe` header; a POST to it unsubscribes (RFC 8058).
pub async fn unsubscribe_url(
    newsroom: &Newsroom,
    member_id: i64,
    newsletter_id: Option<i64>,
) -> Outcome<String> {
    let site = newsroom.store().site().await?;
    unsubscribe_url_for(newsroom, &site, member_id, newsletter_id).await
}

/// [`unsubscribe_url`] with the site already read, for a send that makes many.
pub async fn unsubscribe_url_for(
    newsroom: &Newsroom,
    site: &Site,
    member_id: i64,
    newsletter_id: Option<i64>,
) -> Outcome<String> {
    let payload = match newsletter_id {
        Some(n) => format!("{member_id}:{n}"),
        None => member_id.to_string(),
    };
    signed_link(newsroom, site, "/unsubscribe", Purpose::Unsubscribe, &payload, i64::MAX).await
}

async fn unsubscribe_target(newsroom: &Newsroom, token: &str) -> Outcome<(i64, Option<i64>, Unsubscribe)> {
    let payload = newsroom
        .signer()
        .await?
        .verify(Purpose::Unsubscribe, token, Timestamp::now().as_second())
        .map_err(link_refused)?;
    let (member, newsletter) = match payload.split_once(':') {
        Some((m, n)) => (member_id(m)?, Some(member_id(n)?)),
        None => (member_id(&payload)?, None),
    };
    let store = newsroom.store();
    let gone =
        || Failure::NotFound("This address is no longer on our lists: there is nothing to leave.".into());
    let member = match store.member(member).await {
        Ok(m) => m,
        Err(StoreError::NotFound) => return Err(gone()),
        Err(e) => return Err(e.into()),
    };
    let name = match newsletter {
        Some(n) => match store.newsletter(n).await {
            Ok(n) => Some(n.name),
            Err(StoreError::NotFound) => return Err(gone()),
            Err(e) => return Err(e.into()),
        },
        None => None,
    };
    Ok((member.id, newsletter, Unsubscribe { email: member.email, newsletter: name }))
}

/// What an unsubscribe link would do, to show on its page (which changes nothing).
pub async fn check_unsubscribe(newsroom: &Newsroom, token: &str) -> Outcome<Unsubscribe> {
    Ok(unsubscribe_target(newsroom, token).await?.2)
}

/// Takes the link's member off its newsletter (or all of them). They stay a member. Doing it
/// twice is no error.
pub async fn unsubscribe(newsroom: &Newsroom, token: &str) -> Outcome<Unsubscribe> {
    let (member, newsletter, what) = unsubscribe_target(newsroom, token).await?;
    newsroom.store().unsubscribe_member(member, newsletter).await?;
    Ok(what)
}

// ---- the newsroom's side ----

fn manager(actor: Actor<'_>) -> Outcome<()> {
    match actor {
        Actor::Staff(user) if !user.may(Action::ManageMembers) => {
            Err(crate::error::refused(user, "see or change members"))
        }
        _ => Ok(()),
    }
}

/// A page of members, newest first.
pub async fn list(
    actor: Actor<'_>,
    newsroom: &Newsroom,
    filter: &MemberFilter,
    after: Option<MemberCursor>,
    limit: u32,
) -> Outcome<(MemberPage, i64)> {
    manager(actor)?;
    let store = newsroom.store();
    Ok((store.members(filter, after, limit.clamp(1, 500)).await?, store.count_members(filter).await?))
}

pub async fn find(actor: Actor<'_>, newsroom: &Newsroom, id: i64) -> Outcome<Member> {
    manager(actor)?;
    match newsroom.store().member(id).await {
        Err(StoreError::NotFound) => Err(Failure::NotFound("There is no such member.".into())),
        other => Ok(other?),
    }
}

/// A member added by hand.
#[derive(Debug, Clone, Default)]
pub struct MemberRequest {
    pub email: String,
    pub name: String,
    pub note: String,
    pub newsletters: Vec<i64>,
    pub labels: Vec<i64>,
    /// Whether the person consented to receive the newsletters (then they are active now);
    /// otherwise they stay pending, and are sent nothing.
    pub consented: bool,
}

fn clean_note(raw: &str) -> Outcome<String> {
    let note = raw.trim().to_owned();
    if note.chars().count() > MAX_NOTE_CHARS {
        return Err(Failure::invalid("note", format!("A note has at most {MAX_NOTE_CHARS} characters.")));
    }
    Ok(note)
}

async fn check_labels(newsroom: &Newsroom, ids: &[i64]) -> Outcome<Vec<Label>> {
    let all = newsroom.store().labels().await?;
    ids.iter()
        .map(|id| {
            all.iter()
                .find(|(l, _)| l.id == *id)
                .map(|(l, _)| l.clone())
                .ok_or_else(|| Failure::invalid("labels", "Choose among the labels there are."))
        })
        .collect()
}

fn taken_email(e: StoreError) -> Failure {
    match e {
        StoreError::Conflict { .. } => {
            Failure::Taken { field: "email", message: "A member has this address already.".into() }
        }
        e => e.into(),
    }
}

/// Someone on staff adds a member. Nobody is e-mailed.
pub async fn add(actor: Actor<'_>, newsroom: &Newsroom, request: MemberRequest) -> Outcome<Member> {
    manager(actor)?;
    let store = newsroom.store();
    let labels = check_labels(newsroom, &request.labels).await?;
    let new = NewMember {
        email: parse_email(&request.email)?,
        name: clean_name(&request.name)?,
        status: if request.consented { MemberStatus::Active } else { MemberStatus::Pending },
        source: MemberSource::Admin,
        consent_at: request.consented.then(Timestamp::now),
        note: clean_note(&request.note)?,
        created_at: None,
        newsletters: newsletters_for(&store.newsletters().await?, Some(&request.newsletters))?,
        labels: labels.into_iter().map(|l| l.name).collect(),
    };
    let member = store.create_member(&new).await.map_err(taken_email)?;
    store.audit(actor.user_id(), "member added", &member.email).await?;
    Ok(member)
}

/// Someone on staff changes a member's name, note, newsletters and labels.
pub async fn change(
    actor: Actor<'_>,
    newsroom: &Newsroom,
    id: i64,
    request: MemberRequest,
) -> Outcome<Member> {
    manager(actor)?;
    let store = newsroom.store();
    check_labels(newsroom, &request.labels).await?;
    let all = store.newsletters().await?;
    for n in &request.newsletters {
        if !all.iter().any(|x| x.id == *n) {
            return Err(Failure::invalid("newsletters", "Choose among the newsletters there are."));
        }
    }
    let change = MemberChange {
        name: clean_name(&request.name)?,
        note: clean_note(&request.note)?,
        newsletters: request.newsletters,
        labels: request.labels,
    };
    match store.update_member(id, &change).await {
        Err(StoreError::NotFound) => Err(Failure::NotFound("There is no such member.".into())),
        other => Ok(other?),
    }
}

pub async fn delete(actor: Actor<'_>, newsroom: &Newsroom, id: i64) -> Outcome<()> {
    let member = find(actor, newsroom, id).await?;
    newsroom.store().delete_member(id).await?;
    newsroom.store().audit(actor.user_id(), "member deleted", &member.email).await?;
    Ok(())
}

pub async fn labels(actor: Actor<'_>, newsroom: &Newsroom) -> Outcome<Vec<(Label, i64)>> {
    manager(actor)?;
    Ok(newsroom.store().labels().await?)
}

pub async fn create_label(actor: Actor<'_>, newsroom: &Newsroom, name: &str) -> Outcome<Label> {
    manager(actor)?;
    let name = clean_name(name)?;
    let slug = masthead_core::label_slug(&name);
    if slug.is_empty() {
        return Err(Failure::invalid("name", "Give the label a name with letters or digits."));
    }
    match newsroom.store().create_label(&name, &slug).await {
        Err(StoreError::Conflict { .. }) => Err(Failure::Taken {
            field: "name",
            message: format!("There is a label called {name:?} already."),
        }),
        other => Ok(other?),
    }
}

pub async fn delete_label(actor: Actor<'_>, newsroom: &Newsroom, id: i64) -> Outcome<()> {
    manager(actor)?;
    match newsroom.store().delete_label(id).await {
        Err(StoreError::NotFound) => Err(Failure::NotFound("There is no such label.".into())),
        other => Ok(other?),
    }
}

/// What an import did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct ImportSummary {
    pub shape: Shape,
    pub rows: u64,
    pub created: u64,
    /// Already members, or twice in the file: left as they were.
    pub skipped: u64,
    /// Of those created, how many the file says consented (active).
    pub active: u64,
}

impl std::fmt::Display for ImportSummary {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        writeln!(f, "{} export, {} rows", self.shape, self.rows)?;
        writeln!(
            f,
            "  members added:   {} ({} subscribed, {} pending)",
            self.created,
            self.active,
            self.created - self.active
        )?;
        writeln!(f, "  already members: {}", self.skipped)?;
        writeln!(f, "  e-mails sent:    0")
    }
}

/// Imports a CSV export of Ghost, Substack or Mailchimp: all of it in one transaction, or,
/// at the first bad row, nothing (the refusal names its line and column). Nobody is e-mailed.
/// Subscribed rows receive the newsletters new members get by default.
pub async fn import_csv(
    actor: Actor<'_>,
    newsroom: &Newsroom,
    bytes: &[u8],
    progress: &(dyn Fn(u64, u64) + Sync),
) -> Outcome<ImportSummary> {
    manager(actor)?;
    let (shape, rows) =
        members_csv::read(bytes).map_err(|e| Failure::Invalid { field: "file", message: e.to_string() })?;
    let store = newsroom.store();
    let defaults = newsletters_for(&store.newsletters().await?, None)?;
    let new: Vec<NewMember> = rows
        .into_iter()
        .map(|r| NewMember {
            status: if r.subscribed { MemberStatus::Active } else { MemberStatus::Pending },
            source: MemberSource::Import,
            consent_at: r.consent_at,
            newsletters: if r.subscribed { defaults.clone() } else { vec![] },
            note: r.note.chars().take(MAX_NOTE_CHARS).collect(),
            name: r.name.chars().take(MAX_NAME_CHARS).collect(),
            email: r.email,
            created_at: r.created_at,
            labels: r.labels,
        })
        .collect();
    let total = new.len() as u64;
    let count: ImportCount = store.import_members(&new, &|done| progress(done, total)).await?;
    store
        .audit(
            actor.user_id(),
            "members imported",
            &format!("{} added, {} skipped", count.created, count.skipped),
        )
        .await?;
    Ok(ImportSummary {
        shape,
        rows: total,
        created: count.created,
        skipped: count.skipped,
        active: count.active,
    })
}

/// Members as CSV (Ghost's columns, then ours), read a page at a time and handed out a chunk
/// at a time, so that memory stays bounded whatever their number: for a download that streams
/// and for a file.
#[derive(Debug)]
pub struct CsvExport {
    newsroom: Newsroom,
    filter: MemberFilter,
    newsletters: Vec<Newsletter>,
    after: Option<MemberCursor>,
    started: bool,
    done: bool,
    count: u64,
}

/// Members read per chunk of an export.
pub const EXPORT_PAGE: u32 = 1000;

fn csv_failure(e: impl std::fmt::Display) -> Failure {
    Failure::Internal(format!("could not write the CSV file: {e}"))
}

impl CsvExport {
    /// An export of the members `filter` finds, once `actor` may see them.
    pub async fn start(actor: Actor<'_>, newsroom: &Newsroom, filter: &MemberFilter) -> Outcome<CsvExport> {
        manager(actor)?;
        Ok(CsvExport {
            newsletters: newsroom.store().newsletters().await?,
            newsroom: newsroom.clone(),
            filter: filter.clone(),
            after: None,
            started: false,
            done: false,
            count: 0,
        })
    }

    /// How many members have been handed out so far.
    pub fn count(&self) -> u64 {
        self.count
    }

    /// The next chunk of the file (the header comes with the first), or `None` at the end.
    pub async fn next_chunk(&mut self) -> Outcome<Option<Vec<u8>>> {
        if self.done {
            return Ok(None);
        }
        let mut writer = csv::Writer::from_writer(Vec::new());
        if !self.started {
            writer.write_record(members_csv::EXPORT_HEADER).map_err(csv_failure)?;
            self.started = true;
        }
        let page = self.newsroom.store().members(&self.filter, self.after, EXPORT_PAGE).await?;
        for m in &page.members {
            let names: Vec<&str> = self
                .newsletters
                .iter()
                .filter(|x| m.newsletters.contains(&x.id))
                .map(|x| x.slug.as_str())
                .collect();
            let labels: Vec<&str> = m.labels.iter().map(|l| l.name.as_str()).collect();
            let subscribed = m.status == MemberStatus::Active && !m.newsletters.is_empty();
            writer
                .write_record([
                    m.id.to_string(),
                    m.email.clone(),
                    members_csv::safe_cell(&m.name),
                    members_csv::safe_cell(&m.note),
                    subscribed.to_string(),
                    members_csv::safe_cell(&labels.join(",")),
                    m.created_at.to_string(),
                    m.status.key().to_owned(),
                    names.join(","),
                    m.consent_at.map(|t| t.to_string()).unwrap_or_default(),
                ])
                .map_err(csv_failure)?;
            self.count += 1;
        }
        match page.next {
            Some(next) => self.after = Some(next),
            None => self.done = true,
        }
        writer.into_inner().map(Some).map_err(csv_failure)
    }
}

/// Writes every member `filter` finds as CSV to `out` ([`CsvExport`] chunk by chunk); returns
/// how many.
pub async fn export_csv<W: std::io::Write>(
    actor: Actor<'_>,
    newsroom: &Newsroom,
    filter: &MemberFilter,
    mut out: W,
    progress: &(dyn Fn(u64) + Sync),
) -> Outcome<u64> {
    let mut export = CsvExport::start(actor, newsroom, filter).await?;
    while let Some(chunk) = export.next_chunk().await? {
        out.write_all(&chunk).map_err(csv_failure)?;
        progress(export.count());
    }
    out.flush().map_err(csv_failure)?;
    Ok(export.count())
}
