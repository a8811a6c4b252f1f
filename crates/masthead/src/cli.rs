//! The command line.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};

use anyhow::{Context, bail};
use clap::{Args, Parser, Subcommand, ValueEnum};
use masthead_newsroom::accounts;
use masthead_newsroom::context::Newsroom;
use masthead_newsroom::error::Failure;
use masthead_newsroom::mail::{Delivery, Mailer};
use masthead_newsroom::outbound::Outbound;
use masthead_newsroom::staff::{self, Actor, FirstPassword, NewColleague};
use masthead_newsroom::tokens;
use masthead_store::{Location, Store, redact_password};

const EXAMPLES: &str = "\
Examples:
  masthead serve --demo
      Serve a demo outlet at http://127.0.0.1:8080/ from ./masthead-data (SQLite).
  masthead init --data /srv/masthead --base-url https://news.example.org/
      Create a data folder and database for a new site.
  masthead serve --addr 0.0.0.0:8080 --database-url postgres://masthead@db/masthead
      Serve from PostgreSQL; run several of these behind a load balancer.";

/// Masthead: publishing and syndication for independent newsrooms.
#[derive(Debug, Parser)]
#[command(name = "masthead", version, about, after_help = EXAMPLES)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
    /// How the log on stderr is written: lines for people, or one JSON object per event for a
    /// log collector.
    #[arg(long, global = true, env = "MASTHEAD_LOG_FORMAT", default_value = "text")]
    pub log_format: LogFormat,
}

/// See [`Cli::log_format`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum LogFormat {
    Text,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Serve the site.
    #[command(after_help = EXAMPLES)]
    Serve(ServeArgs),
    /// Create the data folder and the database, and apply migrations.
    #[command(after_help = EXAMPLES)]
    Init(InitArgs),
    /// Manage staff accounts.
    #[command(subcommand)]
    User(UserCommand),
    /// Manage Admin API tokens.
    #[command(subcommand)]
    Token(TokenCommand),
    /// Partners' feeds that articles are taken in from.
    #[command(subcommand)]
    Sources(SourcesCommand),
    /// Run the background jobs only (scheduled publishing, partners' feeds, WebSub, Webmentions),
    /// for a worker node beside web nodes started with `serve --no-jobs`.
    Jobs(JobsArgs),
    /// Write the site out: as static files.
    #[command(subcommand)]
    Export(ExportCommand),
    /// Fill an empty site with a synthetic outlet, for benchmarks (see BENCHMARKS.md).
    Generate(GenerateArgs),
    /// Bring a WordPress or Ghost site in; running it again updates what it brought.
    #[command(subcommand, after_help = IMPORT_EXAMPLES)]
    Import(ImportCommand),
    /// E-mail articles to members, and follow sends.
    #[command(subcommand)]
    Newsletter(NewsletterCommand),
    /// Readers who gave their address: import them from, or export them to, a CSV file.
    #[command(subcommand, after_help = MEMBERS_EXAMPLES)]
    Members(MembersCommand),
    /// Mail: the DKIM key, and bounces and complaints piped in by the mail server.
    #[command(subcommand, after_help = MAIL_EXAMPLES)]
    Mail(MailCommand),
    /// The site's full-text search.
    #[command(subcommand)]
    Search(SearchCommand),
    /// The articles' revisions (every save is kept).
    #[command(subcommand)]
    Revisions(RevisionsCommand),
}

#[derive(Debug, Subcommand)]
pub enum RevisionsCommand {
    /// Store the revisions saved by earlier versions compactly, as every save is now (about a
    /// fifth of the size). Safe to stop and run again, and while the site serves.
    Pack(ReindexArgs),
}

#[derive(Debug, Subcommand)]
pub enum SearchCommand {
    /// Build the search index again from every article (a node does this by itself when it
    /// starts and finds the index built another way, for example after the site's language
    /// changed on PostgreSQL).
    Reindex(ReindexArgs),
}

#[derive(Debug, Args)]
pub struct ReindexArgs {
    #[command(flatten)]
    pub data: DataArgs,
}

const MEMBERS_EXAMPLES: &str = "\
Examples:
  masthead members import members.csv
      Import a members export of Ghost, Substack or Mailchimp; consent is kept, nobody is e-mailed.
  masthead members export --output members.csv
      Write every member as CSV, in Ghost's columns.";

#[derive(Debug, Subcommand)]
pub enum MembersCommand {
    /// Import a CSV export of Ghost, Substack or Mailchimp, all or nothing: a bad row stops it
    /// (named by line and column) and nothing is kept. Known addresses are left as they are.
    /// Nobody is e-mailed.
    Import(MembersImportArgs),
    /// Write every member as CSV (Ghost's columns, then ours) to a file or standard output.
    Export(MembersExportArgs),
}

#[derive(Debug, Args)]
pub struct MembersImportArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The CSV file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct MembersExportArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The file to write; standard output when left out.
    #[arg(long, short, value_name = "FILE")]
    pub output: Option<PathBuf>,
}

#[derive(Debug, Subcommand)]
pub enum NewsletterCommand {
    /// E-mail a published article to the members of newsletters, now, and follow the send to
    /// its end (a send already started continues where it stopped).
    Send(NewsletterSendArgs),
    /// The newest sends and where each stands.
    Status(NewsletterStatusArgs),
}

#[derive(Debug, Args)]
pub struct NewsletterSendArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub mail: MailArgs,
    /// The article's slug.
    #[arg(long, value_name = "SLUG")]
    pub article: String,
    /// A newsletter's slug; repeat for more. Without it: the newsletters new members receive.
    #[arg(long = "newsletter", value_name = "SLUG")]
    pub newsletters: Vec<String>,
    /// Only members with this label (or any of several); repeat for more.
    #[arg(long = "label", value_name = "NAME")]
    pub labels: Vec<String>,
}

#[derive(Debug, Args)]
pub struct NewsletterStatusArgs {
    #[command(flatten)]
    pub data: DataArgs,
}

const MAIL_EXAMPLES: &str = "\
Examples:
  masthead mail dkim --domain news.example.org --selector m2026
      Make the site's DKIM key and print the DNS record to publish.
  masthead mail receive --bounce-address bounces@news.example.org --recipient bounces+1-2-ab…@news.example.org < report.eml
      Read one bounce or complaint (as Postfix pipes it) and suppress the address if need be.";

const IMPORT_EXAMPLES: &str = "\
Examples:
  masthead import wordpress export.xml --uploads wp-content/uploads --time-zone Europe/Belgrade
      Import a WordPress export (Tools → Export) with its images; old links redirect.
  masthead import ghost export.json --images content/images --base-url https://old.example
      Import a Ghost export (Settings → Labs → Export) with its feature images.
  masthead import wordpress export.xml --dry-run --report import.json
      Show what an import would do, and write it as JSON, without changing the site.";

#[derive(Debug, Subcommand)]
pub enum ImportCommand {
    /// A WordPress export (WXR, the .xml file Tools → Export writes).
    Wordpress(ImportWordpressArgs),
    /// A Ghost export (the .json file Settings → Labs → Export writes).
    Ghost(ImportGhostArgs),
    /// A Masthead archive (from `masthead export archive`), into an empty site.
    Archive(ImportArchiveArgs),
}

#[derive(Debug, Args)]
pub struct ImportArchiveArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The archive file.
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
}

#[derive(Debug, Args)]
pub struct ImportWordpressArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The export file.
    #[arg(value_name = "EXPORT.xml")]
    pub export: PathBuf,
    /// WordPress's uploads folder (wp-content/uploads): images are copied into the site's media;
    /// without it they stay at their old address.
    #[arg(long, value_name = "DIR")]
    pub uploads: Option<PathBuf>,
    /// What WordPress categories become: region, theme or tag.
    #[arg(long, value_name = "KIND", default_value = "theme")]
    pub categories_as: masthead_core::TermKind,
    /// Read everything and report what would be done, writing nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also write the summary to this file, as JSON.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// The WordPress site's time zone (Settings → General), for dates it wrote without one:
    /// an IANA name (Europe/Belgrade) or an offset (UTC+2).
    #[arg(long, value_name = "ZONE", default_value = "UTC")]
    pub time_zone: String,
    /// Download images that are not in the folder given (or all, without one) from their old
    /// addresses, through the same limits as every fetch (size, time, no private networks).
    /// Without it they are shown from their old addresses.
    #[arg(long)]
    pub fetch_media: bool,
    /// Let the downloads reach private and loopback addresses.
    #[arg(long, env = "MASTHEAD_ALLOW_PRIVATE_FETCH")]
    pub allow_private_fetch: bool,
}

#[derive(Debug, Args)]
pub struct ImportGhostArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The export file.
    #[arg(value_name = "EXPORT.json")]
    pub export: PathBuf,
    /// Ghost's images folder (content/images): feature images are copied into the site's
    /// media; without it they stay at their old address.
    #[arg(long, value_name = "DIR")]
    pub images: Option<PathBuf>,
    /// The Ghost site's address, for the __GHOST_URL__ in its links (default: the export's,
    /// else this site's). Give the same one each time you import from that site.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<masthead_core::AbsoluteUrl>,
    /// Read everything and report what would be done, writing nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Also write the summary to this file, as JSON.
    #[arg(long, value_name = "FILE")]
    pub report: Option<PathBuf>,
    /// Download images that are not in the folder given (or all, without one) from their old
    /// addresses, through the same limits as every fetch (size, time, no private networks).
    /// Without it they are shown from their old addresses.
    #[arg(long)]
    pub fetch_media: bool,
    /// Let the downloads reach private and loopback addresses.
    #[arg(long, env = "MASTHEAD_ALLOW_PRIVATE_FETCH")]
    pub allow_private_fetch: bool,
}

#[derive(Debug, Args)]
pub struct GenerateArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// How many articles (of about a thousand words each).
    #[arg(long, default_value_t = 1000)]
    pub articles: usize,
    /// The same seed makes the same outlet.
    #[arg(long, default_value_t = 1)]
    pub seed: u64,
}

#[derive(Debug, Subcommand)]
pub enum ExportCommand {
    /// Write the whole public site as static files any web server can serve (a second run
    /// writes only what changed).
    Static(ExportStaticArgs),
    /// Write everything the site holds into one file that `masthead import archive` restores
    /// (works while the site is serving).
    Archive(ExportArchiveArgs),
}

#[derive(Debug, Args)]
pub struct ExportArchiveArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The archive file to write (a tar file).
    #[arg(value_name = "FILE")]
    pub file: PathBuf,
    /// Include password hashes and API tokens (keep such a file as safe as the database).
    #[arg(long)]
    pub with_credentials: bool,
}

#[derive(Debug, Args)]
pub struct ExportStaticArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The folder to write into.
    pub dir: PathBuf,
    /// The address the files will be served at, if not the site's own.
    #[arg(long, value_name = "URL")]
    pub base_url: Option<masthead_core::AbsoluteUrl>,
}

#[derive(Debug, Subcommand)]
pub enum SourcesCommand {
    /// Add a partner's feed (the outlet is added too when it is new).
    Add(SourcesAddArgs),
    /// List the feeds with their polling state.
    List(SourcesListArgs),
    /// Pull feeds now (all of them, or one), with a progress bar and a summary.
    Pull(SourcesPullArgs),
}

#[derive(Debug, Args)]
pub struct SourcesAddArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The partner outlet's name (or slug).
    #[arg(long, value_name = "NAME")]
    pub outlet: String,
    /// The feed's address.
    #[arg(long, value_name = "URL")]
    pub feed: masthead_core::AbsoluteUrl,
    /// auto, rss, atom, json-feed or ninjs.
    #[arg(long, default_value = "auto")]
    pub format: masthead_core::FeedFormat,
    /// The terms you have with the partner: a reuse policy (cc-by, cc-by-nd, cc-by-nc-nd,
    /// community-cross-post, all-rights-reserved) or "agreement" (a written agreement that
    /// allows commercial use). Until you say, nothing from them can be published.
    #[arg(long, default_value = "all-rights-reserved")]
    pub terms: masthead_core::SourceTerms,
    /// Publish new articles at once when the terms allow, instead of queueing them.
    #[arg(long)]
    pub auto_publish: bool,
    /// Minutes between two polls.
    #[arg(long, default_value_t = 30)]
    pub interval: i64,
    /// File every article under this region, theme or tag (its slug); repeat for more.
    #[arg(long = "term", value_name = "SLUG")]
    pub terms_to_apply: Vec<String>,
}

#[derive(Debug, Args)]
pub struct SourcesListArgs {
    #[command(flatten)]
    pub data: DataArgs,
}

#[derive(Debug, Args)]
pub struct SourcesPullArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Only this source (its number, as `sources list` shows it).
    #[arg(long, value_name = "ID")]
    pub source: Option<i64>,
    /// Let the fetches reach private and loopback addresses.
    #[arg(long, env = "MASTHEAD_ALLOW_PRIVATE_FETCH")]
    pub allow_private_fetch: bool,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a staff account; the password is asked for, or read from stdin with --password-stdin.
    Add(UserAddArgs),
    /// Send a staff member a one-time link to choose a new password (printed when no mail
    /// server is configured).
    ResetPassword(ResetPasswordArgs),
}

#[derive(Debug, Args)]
pub struct ResetPasswordArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[arg(long)]
    pub email: String,
    #[command(flatten)]
    pub mail: MailArgs,
}

#[derive(Debug, Args)]
pub struct UserAddArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[arg(long)]
    pub email: String,
    #[arg(long)]
    pub name: String,
    /// owner, administrator, editor, author or contributor.
    #[arg(long)]
    pub role: masthead_core::Role,
    /// Read the password from the first line of standard input instead of asking.
    #[arg(long)]
    pub password_stdin: bool,
    /// The byline this person writes under (an author's slug).
    #[arg(long, value_name = "SLUG")]
    pub author: Option<String>,
}

#[derive(Debug, Subcommand)]
pub enum TokenCommand {
    /// Create an Admin API token for a staff account and print it (it is shown only once).
    Create(TokenCreateArgs),
}

#[derive(Debug, Args)]
pub struct TokenCreateArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[arg(long)]
    pub email: String,
    /// What the token is for, as shown in the admin.
    #[arg(long, default_value = "command line")]
    pub name: String,
    /// How far the token reaches: read (GET only), write (also drafts and media) or publish
    /// (also publishing, deleting, authors, terms, outlets, partners, settings); never further
    /// than the account's role.
    #[arg(long, default_value = "read", value_parser = parse_scope)]
    pub scope: masthead_core::Scope,
    /// Days until the token stops working (1 to 365).
    #[arg(long, default_value_t = tokens::DEFAULT_DAYS)]
    pub expires_days: i64,
}

fn parse_scope(s: &str) -> Result<masthead_core::Scope, String> {
    s.parse().map_err(|e: masthead_core::account::UnknownScope| e.to_string())
}

/// Where the site's data lives.
#[derive(Debug, Clone, Args)]
pub struct DataArgs {
    /// The data folder: the SQLite database, media files and theme overrides.
    #[arg(long, env = "MASTHEAD_DATA", default_value = "./masthead-data", value_name = "DIR")]
    pub data: PathBuf,
    /// Use this PostgreSQL database instead of the SQLite file in the data folder.
    #[arg(long, env = "MASTHEAD_DATABASE_URL", value_name = "postgres://…", hide_env_values = true)]
    pub database_url: Option<String>,
    /// Seconds a request waits for a database connection before it is answered 503.
    #[arg(long, env = "MASTHEAD_DATABASE_ACQUIRE_TIMEOUT_SECS", default_value_t = 3, value_parser = clap::value_parser!(u64).range(1..))]
    pub database_acquire_timeout_secs: u64,
    /// The most connections this node opens to PostgreSQL; every node counts against the
    /// server's `max_connections` (100 by default). Unused ones are closed after a minute.
    #[arg(long, env = "MASTHEAD_DATABASE_MAX_CONNECTIONS", default_value_t = 16, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub database_max_connections: u32,
    /// Where this node listens for the other nodes' changes, when `--database-url` goes
    /// through a connection pooler (which cannot keep a LISTEN): the same database, reached
    /// directly.
    #[arg(long, env = "MASTHEAD_DATABASE_LISTEN_URL", value_name = "postgres://…", hide_env_values = true)]
    pub database_listen_url: Option<String>,
    /// Milliseconds between the heartbeats by which a node checks that it still hears the
    /// other nodes (and reads the record of changes for any it missed). A listener silent for
    /// four heartbeats is replaced and every cached page dropped.
    #[arg(long, env = "MASTHEAD_DATABASE_HEARTBEAT_MS", default_value_t = 1000, value_parser = clap::value_parser!(u64).range(50..=60_000))]
    pub database_heartbeat_ms: u64,
    /// Keep media files (and theme overrides, under `theme/`) in this bucket of an
    /// S3-compatible object store instead of the data folder, so that every node serves every
    /// upload. Keys and region come from `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and
    /// `AWS_REGION`.
    #[arg(long, env = "MASTHEAD_MEDIA_BUCKET", value_name = "NAME")]
    pub media_bucket: Option<String>,
    /// The object store's address, for S3-compatible services other than Amazon's.
    #[arg(long, env = "MASTHEAD_MEDIA_ENDPOINT", value_name = "URL", requires = "media_bucket")]
    pub media_endpoint: Option<String>,
}

#[derive(Debug, Args)]
pub struct ServeArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Address to listen on; port 0 picks a free port.
    #[arg(long, env = "MASTHEAD_ADDR", default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Fill an empty site with demo content (an outlet with authors, regions, themes and articles).
    #[arg(long)]
    pub demo: bool,
    /// The site's public address, for canonical links and feeds (saved in the site settings).
    #[arg(long, env = "MASTHEAD_BASE_URL", value_name = "URL")]
    pub base_url: Option<masthead_core::AbsoluteUrl>,
    /// Let requests to other sites (partners' feeds, Webmention checks) reach private and
    /// loopback addresses.
    #[arg(long, env = "MASTHEAD_ALLOW_PRIVATE_FETCH")]
    pub allow_private_fetch: bool,
    /// Memory for cached public pages, in MB; 0 renders every request.
    #[arg(long, env = "MASTHEAD_PAGE_CACHE_MB", default_value_t = 64)]
    pub page_cache_mb: usize,
    /// The longest a cached page is kept, in seconds, should a change never be heard (every
    /// change purges what it touched as it is made).
    #[arg(long, env = "MASTHEAD_PAGE_CACHE_MAX_AGE_SECS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    pub page_cache_max_age_secs: u64,
    /// The bearer token a scrape of `/metrics` must carry. Without one, `/metrics` answers only
    /// requests from this machine that no proxy forwarded.
    #[arg(long, env = "MASTHEAD_METRICS_TOKEN", hide_env_values = true)]
    pub metrics_token: Option<String>,
    /// A cache in front of the nodes (Varnish, a CDN) to purge as things change: each change is
    /// sent as `PURGE` to this address, naming what it touched in an `xkey-purge` header (see
    /// `contrib/varnish/masthead.vcl`).
    #[arg(long, env = "MASTHEAD_PURGE_URL", value_name = "URL")]
    pub purge_url: Option<masthead_core::AbsoluteUrl>,
    /// Only serve: leave the background jobs to nodes running `masthead jobs` (or `serve`).
    #[arg(long, env = "MASTHEAD_NO_JOBS")]
    pub no_jobs: bool,
    /// Connections served at once; past them a client is answered 503 with Retry-After.
    /// Lowered to fit the open-file limit if that is smaller.
    #[arg(long, env = "MASTHEAD_MAX_CONNECTIONS", default_value_t = 1024, value_parser = clap::value_parser!(u32).range(1..))]
    pub max_connections: u32,
    /// Seconds a client has to send a request's head once it has begun.
    #[arg(long, env = "MASTHEAD_HEADER_TIMEOUT_SECS", default_value_t = 10, value_parser = clap::value_parser!(u64).range(1..))]
    pub header_timeout_secs: u64,
    /// Seconds a connection may stay open with no request begun (new, or kept alive).
    #[arg(long, env = "MASTHEAD_IDLE_TIMEOUT_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub idle_timeout_secs: u64,
    /// Seconds from a request's head to its response: reading the body and handling it (408).
    #[arg(long, env = "MASTHEAD_REQUEST_TIMEOUT_SECS", default_value_t = 60, value_parser = clap::value_parser!(u64).range(1..))]
    pub request_timeout_secs: u64,
    #[command(flatten)]
    pub mail: MailArgs,
}

#[derive(Debug, Args)]
pub struct JobsArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// Let requests to other sites (partners' feeds, Webmention checks) reach private and
    /// loopback addresses.
    #[arg(long, env = "MASTHEAD_ALLOW_PRIVATE_FETCH")]
    pub allow_private_fetch: bool,
    #[command(flatten)]
    pub mail: MailArgs,
}

#[derive(Debug, Subcommand)]
pub enum MailCommand {
    /// Make the site's DKIM key (replacing any earlier one), keep it in the database so that
    /// every node signs with it, and print the DNS TXT record to publish.
    Dkim(DkimArgs),
    /// Read one message on standard input, as a mail server pipes it: a bounce (RFC 3464) or a
    /// complaint (RFC 5965). Hard bounces and complaints suppress the address; soft bounces are
    /// recorded for the send to retry. Exits 0 when handled or when it is no report, 75 (the
    /// server retries) when the database cannot be reached.
    Receive(ReceiveArgs),
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum Algorithm {
    /// RSA-2048: verified by every receiver, but about fifteen times the CPU per message
    /// (a few hundred messages a second per core; see BENCHMARKS.md).
    Rsa,
    /// Ed25519 (RFC 8463): thousands of messages a second per core; not every receiver
    /// verifies it yet (to those, the message is unsigned).
    Ed25519,
}

#[derive(Debug, Args)]
pub struct DkimArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The domain messages are signed for (the From address's, or its parent).
    #[arg(long)]
    pub domain: String,
    /// The selector: the record is published at SELECTOR._domainkey.DOMAIN.
    #[arg(long)]
    pub selector: String,
    #[arg(long, value_enum, default_value = "ed25519")]
    pub algorithm: Algorithm,
}

#[derive(Debug, Args)]
pub struct ReceiveArgs {
    #[command(flatten)]
    pub data: DataArgs,
    #[command(flatten)]
    pub mail: MailArgs,
    /// The envelope recipient, as the mail server knows it (Postfix: ${recipient}).
    #[arg(long, value_name = "ADDRESS")]
    pub recipient: Option<String>,
}

/// How Masthead sends e-mail.
#[derive(Debug, Clone, Args)]
pub struct MailArgs {
    /// The SMTP server: smtps://user:pass@host (TLS), smtp://user:pass@host:587?tls=required
    /// (STARTTLS), or smtp://127.0.0.1:25 (unencrypted: only for a server on this machine).
    /// Without it, mail goes to the log.
    #[arg(long, env = "MASTHEAD_SMTP_URL", value_name = "URL", hide_env_values = true)]
    pub smtp_url: Option<String>,
    /// The sender of Masthead's e-mail.
    #[arg(long, env = "MASTHEAD_MAIL_FROM", default_value = "Masthead <noreply@localhost>")]
    pub mail_from: String,
    /// How many connections to the SMTP server this node keeps open for sending.
    #[arg(long, env = "MASTHEAD_SMTP_CONNECTIONS", default_value_t = masthead_newsroom::mail::DEFAULT_CONNECTIONS,
          value_parser = clap::value_parser!(u32).range(1..=256))]
    pub smtp_connections: u32,
    /// Where newsletters' bounces go: each message's return path is this address with a signed
    /// tag (bounces+TAG@news.example.org), which `masthead mail receive` reads back.
    #[arg(long, env = "MASTHEAD_BOUNCE_ADDRESS", value_name = "ADDRESS")]
    pub bounce_address: Option<String>,
}

impl MailArgs {
    /// The mailer, without the site's DKIM key (see [`MailArgs::mailer_for`]).
    pub fn mailer(&self) -> anyhow::Result<Mailer> {
        let mailer =
            Mailer::with_connections(self.smtp_url.as_deref(), &self.mail_from, self.smtp_connections)
                .context("could not set up e-mail")?;
        match &self.bounce_address {
            Some(address) => mailer.with_bounce_address(address).context("--bounce-address is not usable"),
            None => Ok(mailer),
        }
    }

    /// The mailer, signing with the site's DKIM key when `masthead mail dkim` made one.
    pub async fn mailer_for(&self, store: &Store) -> anyhow::Result<Mailer> {
        let mailer = self.mailer()?;
        match masthead_newsroom::dkim::stored_key(store).await.context("could not read the DKIM key")? {
            Some(key) => mailer.with_dkim(&key).context("could not use the DKIM key"),
            None => Ok(mailer),
        }
    }
}

#[derive(Debug, Args)]
pub struct InitArgs {
    #[command(flatten)]
    pub data: DataArgs,
    /// The site's public address, for canonical links and feeds.
    #[arg(long, env = "MASTHEAD_BASE_URL", value_name = "URL")]
    pub base_url: Option<masthead_core::AbsoluteUrl>,
}

/// The data folder, created if needed and checked to be writable.
pub fn prepare_data_folder(dir: &Path) -> anyhow::Result<()> {
    let media = dir.join("media");
    std::fs::create_dir_all(&media)
        .with_context(|| format!("the data folder {} cannot be created", dir.display()))?;
    let probe = dir.join(".masthead-write-check");
    std::fs::write(&probe, b"ok")
        .with_context(|| format!("the data folder {} is not writable", dir.display()))?;
    let _ = std::fs::remove_file(probe);
    Ok(())
}

impl DataArgs {
    /// Where media files live: the bucket, when one is named, or `<data>/media`.
    pub fn media(&self) -> anyhow::Result<masthead_newsroom::files::MediaFiles> {
        match &self.media_bucket {
            None => Ok(self.data.join("media").into()),
            Some(bucket) => {
                masthead_newsroom::files::MediaFiles::bucket(&masthead_newsroom::files::BucketConfig {
                    bucket: bucket.clone(),
                    endpoint: self.media_endpoint.clone(),
                })
                .context("could not set up the media bucket")
            }
        }
    }

    pub fn location(&self) -> anyhow::Result<Location> {
        match &self.database_url {
            None => Ok(Location::Sqlite(self.data.join("masthead.db"))),
            Some(url) if url.starts_with("postgres://") || url.starts_with("postgresql://") => {
                Ok(Location::Postgres { url: url.clone(), schema: None })
            }
            Some(url) => bail!(
                "unsupported database URL {}: expected postgres://… (leave it out to use SQLite in the data folder)",
                redact_password(url)
            ),
        }
    }

    /// Prepares the data folder and opens the database, applying migrations.
    pub async fn open(&self) -> anyhow::Result<Store> {
        let location = self.location()?;
        prepare_data_folder(&self.data)?;
        let options = masthead_store::StoreOptions {
            acquire_timeout: std::time::Duration::from_secs(self.database_acquire_timeout_secs),
            max_connections: self.database_max_connections,
            heartbeat: std::time::Duration::from_millis(self.database_heartbeat_ms),
            listen_url: self.database_listen_url.clone(),
            ..masthead_store::StoreOptions::default()
        };
        Store::open_with(&location, &options).await.context("could not open the database")
    }

    pub fn describe_database(&self) -> String {
        match &self.database_url {
            None => format!("SQLite {}", self.data.join("masthead.db").display()),
            Some(url) => format!("PostgreSQL {}", redact_password(url)),
        }
    }
}

pub async fn init(args: InitArgs) -> anyhow::Result<()> {
    let store = args.data.open().await?;
    let mut site = store.site().await.context("could not read the site settings")?;
    if let Some(base_url) = args.base_url {
        site.base_url = base_url.into();
    }
    store.save_site(&site).await.context("could not save the site settings")?;
    store.close().await;
    println!("Masthead is ready.");
    println!("  data folder: {}", args.data.data.display());
    println!("  database:    {}", args.data.describe_database());
    println!("  site:        {} at {}", site.title, site.base_url);
    println!("Start it with: masthead serve --data {}", args.data.data.display());
    Ok(())
}

/// The newsroom's tools for a command that only reads and writes the site (no fetching of
/// other sites); `mailer` for the commands that send mail.
pub(crate) async fn newsroom(data: &DataArgs, mailer: Mailer) -> anyhow::Result<Newsroom> {
    let store = data.open().await?;
    let outbound = Outbound::new(false).context("could not set up the HTTP client")?;
    Ok(Newsroom::new(store, data.media()?, outbound, mailer))
}

/// `masthead user add`: the operator at the server adds an account with a password they type.
pub async fn user_add(args: UserAddArgs) -> anyhow::Result<()> {
    let password = if args.password_stdin {
        let mut line = String::new();
        std::io::stdin().read_line(&mut line).context("could not read the password from standard input")?;
        line.trim_end_matches(['\r', '\n']).to_owned()
    } else {
        let first = rpassword::prompt_password(format!("Password for {}: ", args.email.trim()))
            .context("could not read the password")?;
        let again = rpassword::prompt_password("Again: ").context("could not read the password")?;
        if first != again {
            bail!("the two passwords differ");
        }
        first
    };
    let newsroom = newsroom(&args.data, Mailer::log_only()).await?;
    let author_id = match &args.author {
        None => None,
        Some(slug) => {
            let slug = masthead_core::Slug::parse(slug)
                .with_context(|| format!("{slug:?} is not an author's slug"))?;
            let author = newsroom.store().author_by_slug(&slug).await;
            Some(author.with_context(|| format!("there is no author {slug}"))?.id)
        }
    };
    let new = NewColleague { email: args.email, name: args.name, role: args.role, author_id };
    let added = staff::add(&newsroom, Actor::Operator, new, FirstPassword::Chosen(password)).await;
    newsroom.store().close().await;
    let user = added?.user;
    println!("Added {} <{}> as {}.", user.name, user.email, user.role);
    Ok(())
}

/// `masthead token create`: the operator makes an Admin API token for an account.
pub async fn token_create(args: TokenCreateArgs) -> anyhow::Result<()> {
    let newsroom = newsroom(&args.data, Mailer::log_only()).await?;
    let made = async {
        let user = staff::account(&newsroom, Actor::Operator, &args.email).await?;
        let new = tokens::NewToken { name: args.name.clone(), scope: args.scope, days: args.expires_days };
        let token = tokens::create(&newsroom, Actor::Operator, &user, &new).await?;
        Ok::<_, Failure>((user, token))
    }
    .await;
    newsroom.store().close().await;
    let (user, token) = made?;
    println!("{token}");
    eprintln!(
        "Token for {} ({}, scope {}, for {} days); it is shown only this once. Send it as \
         'Authorization: Bearer <token>'.",
        user.email, user.role, args.scope, args.expires_days
    );
    Ok(())
}

/// `masthead user reset-password`: sends an account a link to choose a new password.
pub async fn reset_password(args: ResetPasswordArgs) -> anyhow::Result<()> {
    let store = args.data.open().await?;
    let mailer = args.mail.mailer_for(&store).await?;
    let outbound = Outbound::new(false).context("could not set up the HTTP client")?;
    let newsroom = Newsroom::new(store, args.data.media()?, outbound, mailer);
    let sent = async {
        let user = staff::account(&newsroom, Actor::Operator, &args.email).await?;
        let sent =
            accounts::send_password_reset(&newsroom, &user).await.context("could not send the link")?;
        Ok::<_, anyhow::Error>((user, sent))
    }
    .await;
    newsroom.store().close().await;
    let (user, (link, delivery)) = sent?;
    match delivery {
        Delivery::Sent => println!("Sent {} a link to choose a new password.", user.email),
        Delivery::Logged => {
            println!(
                "No mail server is configured (--smtp-url); give {} this link, valid for an hour, once:",
                user.email
            );
            println!("{link}");
        }
    }
    Ok(())
}
