//! Sending e-mail through the SMTP server the site names with `--smtp-url` (TLS with
//! `smtps://`, STARTTLS with `smtp://…?tls=required`), over a pool of `--smtp-connections`
//! connections. Without a server, messages go to the log instead, and callers say so.
//!
//! Two ways in: [`Mailer::send`] for one plain message to a colleague (password resets), and
//! [`Mailer::deliver`] for newsletters: text and HTML, the list headers of RFC 2919 and RFC
//! 8058, a return path of our own (VERP, `bounces.rs`), a Message-ID the send chooses, and a
//! DKIM signature when the site has a key (`dkim.rs`). A refusal says whether the recipient is
//! refused for good, the message may go later, or it could not be made at all ([`SendFailure`]).
//!
//! Building and signing a message must stay cheap: a send calls [`Mailer::prepare`] thousands of
//! times a second. Nothing here touches the database.

use std::sync::Arc;
use std::time::Duration;

use lettre::address::Envelope;
use lettre::message::dkim::{DkimCanonicalization, DkimCanonicalizationType, DkimConfig};
use lettre::message::header::{ContentTransferEncoding, ContentType, HeaderName, HeaderValue};
use lettre::message::{Body, Mailbox, MultiPart, SinglePart};
use lettre::transport::smtp::PoolConfig;
use lettre::{Address, AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};
use masthead_core::AbsoluteUrl;
use masthead_formats::email::crlf;

use crate::dkim::DkimKey;

/// How many connections to the SMTP server a node keeps open, unless told otherwise.
pub const DEFAULT_CONNECTIONS: u32 = 8;

/// How long one SMTP command may take before the message counts as not sent (and is retried).
const SMTP_TIMEOUT: Duration = Duration::from_secs(30);

#[derive(Debug, thiserror::Error)]
pub enum MailError {
    #[error("the SMTP address is not usable: {0}")]
    Url(String),
    #[error("{0:?} is not an e-mail address: {1}")]
    Address(String, String),
    #[error("the mail server refused the message: {0}")]
    Send(String),
}

/// What happened to a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Delivery {
    Sent,
    /// No mail server is configured: the message is in the server's log.
    Logged,
}

/// Why a newsletter message was not handed over. The send decides from it: suppress the
/// address, try again later, or give up on this message.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SendFailure {
    /// The server refused this message for good (an SMTP 5xx reply, once per recipient since
    /// each message has one): record it as `refused` ([`crate::bounces::record_refusal`]) and
    /// do not send to the address again.
    #[error("the mail server refused the message for good ({code}): {reply}")]
    Permanent { code: u16, reply: String },
    /// The server said "later" (4xx), the connection was lost or timed out, or TLS failed (or is
    /// required and the server does not offer it): the message may be sent again, later.
    #[error("the message could not be sent now{}: {reason}", code.map(|c| format!(" ({c})")).unwrap_or_default())]
    Transient { code: Option<u16>, reason: String },
    /// The message could not be made (an address that is not one, a header that cannot be
    /// written): sending it again will not help.
    #[error("the message could not be made: {0}")]
    Unbuildable(String),
}

impl SendFailure {
    /// Whether trying the same message again later may work.
    pub fn is_transient(&self) -> bool {
        matches!(self, SendFailure::Transient { .. })
    }

    /// Whether the recipient is refused for good.
    pub fn is_permanent(&self) -> bool {
        matches!(self, SendFailure::Permanent { .. })
    }

    fn from_smtp(error: &lettre::transport::smtp::Error) -> SendFailure {
        let code = error.status().and_then(|c| c.to_string().parse::<u16>().ok());
        let reason = error.to_string();
        match code {
            Some(code) if error.is_permanent() => SendFailure::Permanent { code, reply: reason },
            // Everything else is about the connection, not this message: a 4xx, a lost or slow
            // connection, TLS that failed or that the server does not offer when it is required.
            code => SendFailure::Transient { code, reason },
        }
    }
}

/// Who a message is from: a newsletter's sender.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sender {
    pub name: String,
    pub address: String,
}

/// The list a message belongs to (RFC 2919): `List-Id: Name <id>`, where `id` is the
/// newsletter's slug and the site's host, `weekly.news.example.org`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListId {
    pub name: String,
    pub id: String,
}

/// One newsletter message to one reader.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Outgoing {
    pub from: Sender,
    pub reply_to: Option<String>,
    pub to: String,
    pub subject: String,
    /// The plain-text part (multipart/alternative with `html`).
    pub text: String,
    pub html: String,
    pub list_id: Option<ListId>,
    /// This reader's signed unsubscribe address: `List-Unsubscribe: <…>` with
    /// `List-Unsubscribe-Post: List-Unsubscribe=One-Click` (RFC 8058; a POST to it unsubscribes).
    pub unsubscribe_url: Option<AbsoluteUrl>,
    /// The envelope sender (where bounces go): the VERP address from
    /// [`crate::bounces::verp_address`]. `None`: the From address.
    pub return_path: Option<String>,
    /// Without angle brackets, the same every time this message is made, so that a message sent
    /// twice is known as one: [`message_id`].
    pub message_id: String,
}

/// A stable Message-ID (without angle brackets) for one send to one member.
pub fn message_id(send_id: i64, member_id: i64, domain: &str) -> String {
    format!("send-{send_id}.member-{member_id}@{domain}")
}

/// A message ready for the wire: who it goes to and its bytes (signed when the site has a key).
#[derive(Debug, Clone)]
pub struct Prepared {
    envelope: Envelope,
    bytes: Vec<u8>,
}

impl Prepared {
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The envelope sender (MAIL FROM), when there is one.
    pub fn return_path(&self) -> Option<String> {
        self.envelope.from().map(ToString::to_string)
    }
}

#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
    dkim: Option<Arc<Dkim>>,
    bounce_address: Option<Address>,
    connections: u32,
    /// Where a send's own connections go (`Mailer::connection`); holds the SMTP password.
    target: Option<Arc<SmtpTarget>>,
}

/// A site's DKIM key, ready to sign.
struct Dkim {
    config: DkimConfig,
    domain: String,
    selector: String,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the SMTP password; the DKIM key is secret too.
        f.debug_struct("Mailer")
            .field("smtp", &self.transport.is_some())
            .field("from", &self.from.to_string())
            .field("dkim", &self.dkim.as_ref().map(|d| format!("{}._domainkey.{}", d.selector, d.domain)))
            .field("bounce_address", &self.bounce_address.as_ref().map(ToString::to_string))
            .finish()
    }
}

/// The headers a DKIM signature covers. Those a message lacks are signed as absent, so that
/// nobody can add them on the way. Not the top-level `Content-Type` of a multipart message:
/// lettre writes it with the body, after signing, so it cannot be listed; the body hash covers
/// the parts, their own headers and their boundaries.
const SIGNED_HEADERS: &[&str] = &[
    "From",
    "Reply-To",
    "To",
    "Subject",
    "Date",
    "Message-ID",
    "List-Id",
    "List-Unsubscribe",
    "List-Unsubscribe-Post",
    "MIME-Version",
    "Content-Transfer-Encoding",
];

impl Mailer {
    /// `smtp_url`: `smtps://user:pass@host` (TLS), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS), or `smtp://127.0.0.1:25` (unencrypted: only for a server on the same machine).
    pub fn new(smtp_url: Option<&str>, from: &str) -> Result<Mailer, MailError> {
        Mailer::with_connections(smtp_url, from, DEFAULT_CONNECTIONS)
    }

    /// [`Mailer::new`] keeping up to `connections` connections open to the server.
    pub fn with_connections(
        smtp_url: Option<&str>,
        from: &str,
        connections: u32,
    ) -> Result<Mailer, MailError> {
        let from: Mailbox = from
            .parse()
            .map_err(|e: lettre::address::AddressError| MailError::Address(from.to_owned(), e.to_string()))?;
        if connections == 0 {
            return Err(MailError::Url("at least one SMTP connection is needed".into()));
        }
        let transport = smtp_url
            .map(|url| {
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map(|b| {
                        b.timeout(Some(SMTP_TIMEOUT))
                            .pool_config(PoolConfig::new().max_size(connections))
                            .build()
                    })
                    .map_err(|e| MailError::Url(e.to_string()))
            })
            .transpose()?;
        let target = smtp_url.map(SmtpTarget::parse).transpose()?.map(Arc::new);
        Ok(Mailer { transport, from, dkim: None, bounce_address: None, connections, target })
    }

    /// A mailer that only logs: for sites without a mail server.
    pub fn log_only() -> Mailer {
        Mailer {
            transport: None,
            from: "Masthead <noreply@localhost>".parse().expect("a valid literal address"),
            dkim: None,
            bounce_address: None,
            connections: 1,
            target: None,
        }
    }

    /// The site's own sending address (`--mail-from`), for messages whose newsletter names none.
    pub fn from_address(&self) -> String {
        self.from.email.to_string()
    }

    /// How many connections the mailer keeps open to the server: how many messages a send
    /// hands over at once.
    pub fn connections(&self) -> usize {
        self.connections as usize
    }

    /// This mailer, signing every message with `key`.
    pub fn with_dkim(mut self, key: &DkimKey) -> Result<Mailer, MailError> {
        let signing_key = key.signing_key().map_err(MailError::Send)?;
        let headers = SIGNED_HEADERS.iter().map(|h| HeaderName::new_from_ascii_str(h)).collect();
        let config = DkimConfig::new(
            key.selector.clone(),
            key.domain.clone(),
            signing_key,
            headers,
            // `c=relaxed/simple`, as Amazon SES signs: relays rewrap and re-case headers, which
            // relaxed forgives; a newsletter's body is encoded here (base64 and quoted-printable
            // lines, none ending in a space), where relaxed would forgive nothing more and cost
            // a pass over every byte of every message (BENCHMARKS.md).
            DkimCanonicalization {
                header: DkimCanonicalizationType::Relaxed,
                body: DkimCanonicalizationType::Simple,
            },
        );
        self.dkim =
            Some(Arc::new(Dkim { config, domain: key.domain.clone(), selector: key.selector.clone() }));
        Ok(self)
    }

    /// This mailer, with newsletters' bounces going to `address` (`--bounce-address`), each
    /// message's to its own signed variant of it (VERP).
    pub fn with_bounce_address(mut self, address: &str) -> Result<Mailer, MailError> {
        let parsed: Address = address.parse().map_err(|e: lettre::address::AddressError| {
            MailError::Address(address.to_owned(), e.to_string())
        })?;
        if parsed.user().contains('+') {
            return Err(MailError::Address(
                address.to_owned(),
                "a bounce address cannot contain '+': Masthead adds its own tag after one".into(),
            ));
        }
        self.bounce_address = Some(parsed);
        Ok(self)
    }

    pub fn is_configured(&self) -> bool {
        self.transport.is_some()
    }

    /// Whether messages are DKIM-signed, and under which `selector._domainkey.domain`.
    pub fn dkim_record_name(&self) -> Option<String> {
        self.dkim.as_ref().map(|d| format!("{}._domainkey.{}", d.selector, d.domain))
    }

    /// The address bounces go to (`--bounce-address`), as `(local part, domain)`.
    pub fn bounce_address(&self) -> Option<(&str, &str)> {
        self.bounce_address.as_ref().map(|a| (a.user(), a.domain()))
    }

    /// Sends a plain-text message to `to`.
    pub async fn send(&self, to: &str, subject: &str, body: &str) -> Result<Delivery, MailError> {
        let to_box: Mailbox = to
            .parse()
            .map_err(|e: lettre::address::AddressError| MailError::Address(to.to_owned(), e.to_string()))?;
        let Some(transport) = &self.transport else {
            tracing::warn!(%to, %subject, %body, "no mail server is configured (--smtp-url); the message was not sent");
            return Ok(Delivery::Logged);
        };
        let mut message = Message::builder()
            .from(self.from.clone())
            .to(to_box)
            .subject(one_line(subject))
            .body(body.to_owned())
            .map_err(|e| MailError::Send(e.to_string()))?;
        if let Some(dkim) = &self.dkim {
            message.sign(&dkim.config);
        }
        transport.send(message).await.map_err(|e| MailError::Send(e.to_string()))?;
        Ok(Delivery::Sent)
    }

    /// Makes `outgoing` into the bytes that go on the wire, signed when the site has a key.
    pub fn prepare(&self, outgoing: &Outgoing) -> Result<Prepared, SendFailure> {
        let unbuildable =
            |what: &str, e: &dyn std::fmt::Display| SendFailure::Unbuildable(format!("{what}: {e}"));
        let from_address: Address =
            outgoing.from.address.parse().map_err(|e| unbuildable("the sender's address", &e))?;
        let to: Address = outgoing.to.parse().map_err(|e| unbuildable("the recipient's address", &e))?;
        let return_path: Address = match &outgoing.return_path {
            Some(path) => path.parse().map_err(|e| unbuildable("the return path", &e))?,
            None => from_address.clone(),
        };
        let envelope = Envelope::new(Some(return_path), vec![to.clone()])
            .map_err(|e| unbuildable("the envelope", &e))?;
        let mut builder = Message::builder()
            .from(Mailbox::new(Some(one_line(&outgoing.from.name)), from_address))
            .to(Mailbox::new(None, to))
            .subject(one_line(&outgoing.subject))
            .message_id(Some(format!("<{}>", one_line(&outgoing.message_id))))
            .envelope(envelope);
        if let Some(reply_to) = &outgoing.reply_to {
            let reply_to: Mailbox = reply_to.parse().map_err(|e| unbuildable("the reply-to address", &e))?;
            builder = builder.reply_to(reply_to);
        }
        if let Some(list) = &outgoing.list_id {
            builder = builder.raw_header(HeaderValue::new(
                HeaderName::new_from_ascii_str("List-Id"),
                format!("{} <{}>", phrase(&list.name), one_line(&list.id)),
            ));
        }
        if let Some(url) = &outgoing.unsubscribe_url {
            builder = builder
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe"),
                    format!("<{}>", url.as_url()),
                ))
                .raw_header(HeaderValue::new(
                    HeaderName::new_from_ascii_str("List-Unsubscribe-Post"),
                    "List-Unsubscribe=One-Click".to_owned(),
                ));
        }
        let body = MultiPart::alternative()
            .singlepart(SinglePart::builder().header(ContentType::TEXT_PLAIN).body(text_body(&outgoing.text)))
            .singlepart(SinglePart::builder().header(ContentType::TEXT_HTML).body(html_body(&outgoing.html)));
        let mut message = builder.multipart(body).map_err(|e| unbuildable("the message", &e))?;
        if let Some(dkim) = &self.dkim {
            message.sign(&dkim.config);
        }
        Ok(Prepared { envelope: message.envelope().clone(), bytes: message.formatted() })
    }

    /// Hands `outgoing` to the mail server over one of the pool's connections.
    pub async fn deliver(&self, outgoing: &Outgoing) -> Result<Delivery, SendFailure> {
        let prepared = self.prepare(outgoing)?;
        self.deliver_prepared(&prepared).await
    }

    /// Hands a message made by [`Mailer::prepare`] to the mail server.
    pub async fn deliver_prepared(&self, prepared: &Prepared) -> Result<Delivery, SendFailure> {
        let Some(transport) = &self.transport else {
            tracing::info!(
                to = ?prepared.envelope.to(),
                "no mail server is configured (--smtp-url); the newsletter message was not sent"
            );
            return Ok(Delivery::Logged);
        };
        match transport.send_raw(&prepared.envelope, &prepared.bytes).await {
            Ok(_) => Ok(Delivery::Sent),
            Err(e) => Err(SendFailure::from_smtp(&e)),
        }
    }
}

/// Where a send's own connections go, read from the `--smtp-url` as lettre reads it.
struct SmtpTarget {
    host: String,
    port: u16,
    tls: TargetTls,
    credentials: Option<lettre::transport::smtp::authentication::Credentials>,
    hello: lettre::transport::smtp::extension::ClientId,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum TargetTls {
    None,
    Opportunistic,
    Required,
    /// `smtps://`: TLS from the first byte.
    Wrapper,
}

impl SmtpTarget {
    fn parse(url: &str) -> Result<SmtpTarget, MailError> {
        let bad = |what: &str| MailError::Url(what.to_owned());
        let parsed = url::Url::parse(url).map_err(|e| MailError::Url(e.to_string()))?;
        let host = parsed.host_str().ok_or_else(|| bad("the SMTP address names no host"))?.to_owned();
        let tls = parsed.query_pairs().find(|(k, _)| k == "tls").map(|(_, v)| v.into_owned());
        let (tls, default_port) = match (parsed.scheme(), tls.as_deref()) {
            ("smtp", None) => (TargetTls::None, 25),
            ("smtp", Some("required")) => (TargetTls::Required, 587),
            ("smtp", Some("opportunistic")) => (TargetTls::Opportunistic, 587),
            ("smtps", _) => (TargetTls::Wrapper, 465),
            (scheme, tls) => return Err(MailError::Url(format!("unknown scheme {scheme:?} or tls={tls:?}"))),
        };
        let decode = |s: &str| percent_encoding::percent_decode_str(s).decode_utf8_lossy().into_owned();
        let credentials = parsed.password().map(|password| {
            lettre::transport::smtp::authentication::Credentials::new(
                decode(parsed.username()),
                decode(password),
            )
        });
        let hello = if parsed.path().len() > 1 {
            lettre::transport::smtp::extension::ClientId::Domain(parsed.path().trim_matches('/').to_owned())
        } else {
            lettre::transport::smtp::extension::ClientId::default()
        };
        Ok(SmtpTarget { port: parsed.port().unwrap_or(default_port), host, tls, credentials, hello })
    }
}

/// A connection of a send's own to the mail server, kept open from message to message.
///
/// lettre writes a message's end (`.`) separately from the message, and with Nagle's algorithm
/// on, that second small write waits for the server's delayed acknowledgement: about 40 ms per
/// message, whatever the network. A send's connections turn Nagle off (`TCP_NODELAY`), which
/// lettre's pool does not offer. Over `smtps://` (TLS from the first byte) lettre makes the
/// connection itself, so sends go through the pool there, at the slower pace.
pub struct Connection {
    mailer: Mailer,
    open: Option<lettre::transport::smtp::client::AsyncSmtpConnection>,
}

impl std::fmt::Debug for Connection {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Connection").field("open", &self.open.is_some()).finish()
    }
}

impl Mailer {
    /// A connection of the caller's own for a run of messages (one per send worker).
    pub fn connection(&self) -> Connection {
        Connection { mailer: self.clone(), open: None }
    }
}

impl Connection {
    async fn open(
        target: &SmtpTarget,
    ) -> Result<lettre::transport::smtp::client::AsyncSmtpConnection, SendFailure> {
        use lettre::transport::smtp::client::{AsyncSmtpConnection, TlsParameters};
        let transient =
            |e: &dyn std::fmt::Display| SendFailure::Transient { code: None, reason: e.to_string() };
        let tcp = tokio::time::timeout(
            SMTP_TIMEOUT,
            tokio::net::TcpStream::connect((target.host.as_str(), target.port)),
        )
        .await
        .map_err(|_| transient(&"connecting to the mail server timed out"))?
        .map_err(|e| transient(&e))?;
        tcp.set_nodelay(true).map_err(|e| transient(&e))?;
        let mut conn = AsyncSmtpConnection::connect_with_transport(Box::new(tcp), &target.hello)
            .await
            .map_err(|e| SendFailure::from_smtp(&e))?;
        if matches!(target.tls, TargetTls::Required | TargetTls::Opportunistic) {
            let wanted = target.tls == TargetTls::Required;
            if conn.can_starttls() {
                let params = TlsParameters::new(target.host.clone()).map_err(|e| transient(&e))?;
                conn.starttls(params, &target.hello).await.map_err(|e| SendFailure::from_smtp(&e))?;
            } else if wanted {
                return Err(transient(&"the mail server does not offer STARTTLS, which --smtp-url requires"));
            }
        }
        if let Some(credentials) = &target.credentials {
            use lettre::transport::smtp::authentication::Mechanism;
            conn.auth(&[Mechanism::Plain, Mechanism::Login], credentials)
                .await
                .map_err(|e| SendFailure::from_smtp(&e))?;
        }
        Ok(conn)
    }

    /// Hands a message made by [`Mailer::prepare`] to the server, opening the connection when
    /// it is not open (or broke).
    pub async fn deliver(&mut self, prepared: &Prepared) -> Result<Delivery, SendFailure> {
        let target = match &self.mailer.target {
            Some(target) if target.tls != TargetTls::Wrapper => target.clone(),
            _ => return self.mailer.deliver_prepared(prepared).await,
        };
        if self.open.as_ref().is_none_or(|c| c.has_broken()) {
            self.open = Some(Connection::open(&target).await?);
        }
        let conn = self.open.as_mut().expect("opened above");
        let sent = tokio::time::timeout(SMTP_TIMEOUT, conn.send(&prepared.envelope, &prepared.bytes)).await;
        match sent {
            Ok(Ok(_)) => Ok(Delivery::Sent),
            Ok(Err(e)) => {
                if conn.has_broken() {
                    self.open = None;
                }
                Err(SendFailure::from_smtp(&e))
            }
            Err(_) => {
                self.open = None;
                Err(SendFailure::Transient {
                    code: None,
                    reason: "the mail server did not answer in time".into(),
                })
            }
        }
    }

    /// Says goodbye to the server.
    pub async fn close(mut self) {
        if let Some(mut conn) = self.open.take() {
            let _ = tokio::time::timeout(Duration::from_secs(5), conn.quit()).await;
        }
    }
}

// The parts are encoded here, each in the one way that suits it, rather than by `Body::new`:
// lettre would scan every part to choose an encoding and rewrite its line endings, for every
// reader of every send (see BENCHMARKS.md). The rendered issue's lines already end in CRLF, so
// the check in `email::crlf` is all that most messages cost before encoding.

/// The plain-text part in quoted-printable: readable in the message's source, 7-bit safe for
/// any text.
fn text_body(text: &str) -> Body {
    Body::dangerous_pre_encoded(
        quoted_printable::encode(crlf(text).as_bytes()),
        ContentTransferEncoding::QuotedPrintable,
    )
}

/// The HTML part in base64, in lines of 76 characters (RFC 2045): quoted-printable costs
/// several times as much to make for HTML with long lines.
fn html_body(html: &str) -> Body {
    use base64::Engine as _;
    const LINE_BYTES: usize = 57; // 76 characters of base64
    let html = crlf(html);
    let bytes = html.as_bytes();
    let mut out = Vec::with_capacity(bytes.len().div_ceil(LINE_BYTES) * 78);
    let mut line = [0u8; 76];
    for chunk in bytes.chunks(LINE_BYTES) {
        let n = base64::engine::general_purpose::STANDARD
            .encode_slice(chunk, &mut line)
            .expect("57 bytes fit in 76 characters of base64");
        out.extend_from_slice(&line[..n]);
        out.extend_from_slice(b"\r\n");
    }
    Body::dangerous_pre_encoded(out, ContentTransferEncoding::Base64)
}

/// `text` on one line: a header never carries a line break of the caller's.
fn one_line(text: &str) -> String {
    if text.contains(['\r', '\n']) {
        text.split(['\r', '\n']).filter(|part| !part.is_empty()).collect::<Vec<_>>().join(" ")
    } else {
        text.to_owned()
    }
}

/// A display name as an RFC 5322 phrase: as it is when it is plain words, quoted otherwise.
fn phrase(name: &str) -> String {
    let name = one_line(name);
    let plain = name.chars().all(|c| c.is_alphanumeric() || c == ' ' || "!#$%&'*+-/=?^_`{|}~".contains(c));
    if plain && !name.trim().is_empty() {
        name
    } else {
        format!("\"{}\"", name.replace('\\', "\\\\").replace('"', "\\\""))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn outgoing() -> Outgoing {
        Outgoing {
            from: Sender { name: "The Meridian".into(), address: "news@meridian.example".into() },
            reply_to: Some("Letters <letters@meridian.example>".into()),
            to: "reader@example.org".into(),
            subject: "This week\r\nBcc: everyone@example.org".into(),
            text: "Hello".into(),
            html: "<p>Hello</p>".into(),
            list_id: Some(ListId {
                name: "The Weekly, from \"Meridian\"".into(),
                id: "weekly.meridian.example".into(),
            }),
            unsubscribe_url: Some(AbsoluteUrl::parse("https://meridian.example/unsubscribe?t=abc").unwrap()),
            return_path: Some("bounces+1-2-abcd@meridian.example".into()),
            message_id: message_id(1, 2, "meridian.example"),
        }
    }

    #[test]
    fn a_newsletter_message_carries_the_list_headers_and_its_own_return_path() {
        let prepared = Mailer::log_only().prepare(&outgoing()).unwrap();
        let text = String::from_utf8(prepared.bytes().to_vec()).unwrap();
        assert!(
            text.contains("List-Unsubscribe: <https://meridian.example/unsubscribe?t=abc>\r\n"),
            "{text}"
        );
        assert!(text.contains("List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"), "{text}");
        assert!(
            text.contains("List-Id: \"The Weekly, from \\\"Meridian\\\"\" <weekly.meridian.example>"),
            "{text}"
        );
        assert!(text.contains("Message-ID: <send-1.member-2@meridian.example>\r\n"), "{text}");
        assert!(text.contains("multipart/alternative"), "{text}");
        assert!(!text.contains("\r\nBcc:"), "a line break in the subject cannot add a header: {text}");
        assert_eq!(prepared.return_path().as_deref(), Some("bounces+1-2-abcd@meridian.example"));
    }

    #[test]
    fn a_message_that_cannot_be_made_says_so() {
        let mut bad = outgoing();
        bad.to = "not an address".into();
        assert!(matches!(Mailer::log_only().prepare(&bad), Err(SendFailure::Unbuildable(_))));
        let mut bad = outgoing();
        bad.return_path = Some("@".into());
        assert!(matches!(Mailer::log_only().prepare(&bad), Err(SendFailure::Unbuildable(_))));
    }

    #[test]
    fn a_bounce_address_is_a_plain_address() {
        assert!(Mailer::log_only().with_bounce_address("bounces+x@example.org").is_err());
        assert!(Mailer::log_only().with_bounce_address("nobody").is_err());
        let mailer = Mailer::log_only().with_bounce_address("bounces@news.example.org").unwrap();
        assert_eq!(mailer.bounce_address(), Some(("bounces", "news.example.org")));
    }
}
