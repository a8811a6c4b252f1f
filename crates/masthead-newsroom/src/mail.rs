//! Sending e-mail (password reset links; later, newsletters) through the SMTP server the site
//! names with `--smtp-url`. Without one, messages go to the log instead, and callers say so.

use lettre::message::Mailbox;
use lettre::{AsyncSmtpTransport, AsyncTransport, Message, Tokio1Executor};

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

#[derive(Clone)]
pub struct Mailer {
    transport: Option<AsyncSmtpTransport<Tokio1Executor>>,
    from: Mailbox,
}

impl std::fmt::Debug for Mailer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The transport holds the SMTP password.
        f.debug_struct("Mailer")
            .field("smtp", &self.transport.is_some())
            .field("from", &self.from.to_string())
            .finish()
    }
}

impl Mailer {
    /// `smtp_url`: `smtps://user:pass@host` (TLS), `smtp://user:pass@host:587?tls=required`
    /// (STARTTLS), or `smtp://127.0.0.1:25` (unencrypted: only for a server on the same machine).
    pub fn new(smtp_url: Option<&str>, from: &str) -> Result<Mailer, MailError> {
        let from: Mailbox = from
            .parse()
            .map_err(|e: lettre::address::AddressError| MailError::Address(from.to_owned(), e.to_string()))?;
        let transport = smtp_url
            .map(|url| {
                AsyncSmtpTransport::<Tokio1Executor>::from_url(url)
                    .map(|b| b.build())
                    .map_err(|e| MailError::Url(e.to_string()))
            })
            .transpose()?;
        Ok(Mailer { transport, from })
    }

    /// A mailer that only logs: for sites without a mail server.
    pub fn log_only() -> Mailer {
        Mailer {
            transport: None,
            from: "Masthead <noreply@localhost>".parse().expect("a valid literal address"),
        }
    }

    pub fn is_configured(&self) -> bool {
        self.transport.is_some()
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
        let message = Message::builder()
            .from(self.from.clone())
            .to(to_box)
            .subject(subject)
            .body(body.to_owned())
            .map_err(|e| MailError::Send(e.to_string()))?;
        transport.send(message).await.map_err(|e| MailError::Send(e.to_string()))?;
        Ok(Delivery::Sent)
    }
}
