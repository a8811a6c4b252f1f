//! `masthead mail`: the site's DKIM key, and the reports a mail server pipes back (the
//! arguments are in `cli.rs`).

use std::io::{Read, Write};

use anyhow::Context;
use masthead_newsroom::bounces::{self, MAX_REPORT_BYTES, Received};
use masthead_newsroom::context::Newsroom;
use masthead_newsroom::dkim::{self, DkimAlgorithm};
use masthead_newsroom::outbound::Outbound;

use crate::cli::{Algorithm, DkimArgs, MailCommand, ReceiveArgs};

/// What a mail server takes as "try again later" from a program it pipes mail to (sysexits.h).
pub const EX_TEMPFAIL: u8 = 75;

/// A failure after which the mail server should keep the message and pipe it again later.
#[derive(Debug)]
pub struct TryLater(String);

impl std::fmt::Display for TryLater {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for TryLater {}

pub async fn run(command: MailCommand) -> anyhow::Result<()> {
    match command {
        MailCommand::Dkim(args) => make_dkim_key(args).await,
        MailCommand::Receive(args) => receive(args).await,
    }
}

async fn make_dkim_key(args: DkimArgs) -> anyhow::Result<()> {
    let store = args.data.open().await?;
    let algorithm = match args.algorithm {
        Algorithm::Rsa => DkimAlgorithm::Rsa,
        Algorithm::Ed25519 => DkimAlgorithm::Ed25519,
    };
    let made = dkim::make_key(&store, &args.domain, &args.selector, algorithm).await;
    store.close().await;
    let record = made.context("could not make the DKIM key")?;
    let mut out = std::io::stdout();
    writeln!(out, "Publish this DNS TXT record, then restart `masthead serve` and `masthead jobs`:")?;
    writeln!(out, "  name:  {}", record.name)?;
    writeln!(out, "  value: {}", record.value)?;
    // A TXT string holds 255 characters at most; a zone file takes the value in pieces.
    let chunks: Vec<String> =
        record.value.as_bytes().chunks(255).map(|c| format!("\"{}\"", String::from_utf8_lossy(c))).collect();
    writeln!(out, "In a zone file:\n  {}. IN TXT ( {} )", record.name, chunks.join(" "))?;
    if algorithm == DkimAlgorithm::Ed25519 {
        writeln!(
            out,
            "Ed25519: fast to sign, but not every receiver verifies it yet; `--algorithm rsa` makes an \
             RSA-2048 key instead, at about fifteen times the CPU per message."
        )?;
    }
    Ok(())
}

async fn receive(args: ReceiveArgs) -> anyhow::Result<()> {
    let mut raw = Vec::new();
    std::io::stdin()
        .take(MAX_REPORT_BYTES as u64 + 1)
        .read_to_end(&mut raw)
        .map_err(|e| TryLater(format!("could not read the message on standard input: {e}")))?;
    let mailer = args.mail.mailer()?;
    let store = args.data.open().await.map_err(|e| TryLater(format!("{e:#}")))?;
    let outbound = Outbound::new(false).context("could not set up the HTTP client")?;
    let newsroom = Newsroom::new(store, args.data.media()?, outbound, mailer);
    if newsroom.mailer().bounce_address().is_none() {
        tracing::warn!("no --bounce-address: reports are matched by the addresses they name only");
    }
    let received = bounces::receive(&newsroom, &raw, args.recipient.as_deref()).await;
    newsroom.store().close().await;
    let received = received.map_err(|e| TryLater(format!("could not record the report: {e}")))?;
    let mut err = std::io::stderr();
    match received {
        Received::Recorded(entries) => {
            for entry in entries {
                let send = match (entry.send_id, entry.member_id) {
                    (Some(send), Some(member)) => format!(" (send {send}, member {member})"),
                    _ => String::new(),
                };
                let what = if entry.suppressed { ", suppressed" } else { "" };
                writeln!(err, "{} bounce recorded for {}{send}{what}", entry.kind.key(), entry.email)?;
            }
        }
        Received::NotAReport(why) => writeln!(err, "not a bounce or a complaint, left alone: {why}")?,
        Received::Forged(why) => writeln!(err, "ignored: {why}")?,
    }
    Ok(())
}
