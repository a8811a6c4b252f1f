//! `masthead`: the one binary. Parses the command line, builds the configuration once, and
//! hands it to the crates that do the work. Errors end here as one line on stderr.

use std::process::ExitCode;

use clap::Parser;

mod archive;
mod cli;
mod export;
mod import;
mod mail;
mod members;
mod newsletter;
mod progress;
mod search;
mod serve;
mod site;
mod sources;

/// mimalloc instead of the C library's allocator: a page is built from many short-lived
/// strings, and glibc's `malloc`/`free` were 15% of an uncached article page's time.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| "info,sqlx=warn,tower_http=info".into());
    let log = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    match cli.log_format {
        cli::LogFormat::Text => log.init(),
        cli::LogFormat::Json => log.json().with_current_span(true).init(),
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread().enable_all().build() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("error: could not start the async runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    match runtime.block_on(run(cli)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            // A mail server that piped us a message keeps it and tries again later.
            if e.downcast_ref::<mail::TryLater>().is_some() {
                ExitCode::from(mail::EX_TEMPFAIL)
            } else {
                ExitCode::FAILURE
            }
        }
    }
}

/// Hands each command to the module that does it.
async fn run(cli: cli::Cli) -> anyhow::Result<()> {
    match cli.command {
        cli::Command::Serve(args) => serve::serve(args).await,
        cli::Command::Jobs(args) => serve::jobs(args).await,
        cli::Command::Init(args) => cli::init(args).await,
        cli::Command::User(cli::UserCommand::Add(args)) => cli::user_add(args).await,
        cli::Command::User(cli::UserCommand::ResetPassword(args)) => cli::reset_password(args).await,
        cli::Command::Token(cli::TokenCommand::Create(args)) => cli::token_create(args).await,
        cli::Command::Sources(cli::SourcesCommand::Add(args)) => sources::add(args).await,
        cli::Command::Sources(cli::SourcesCommand::List(args)) => sources::list(args).await,
        cli::Command::Sources(cli::SourcesCommand::Pull(args)) => sources::pull(args).await,
        cli::Command::Export(cli::ExportCommand::Static(args)) => export::export_static(args).await,
        cli::Command::Export(cli::ExportCommand::Archive(args)) => archive::export_archive(args).await,
        cli::Command::Generate(args) => export::generate(args).await,
        cli::Command::Import(command) => import::run(command).await,
        cli::Command::Newsletter(cli::NewsletterCommand::Send(args)) => newsletter::send(args).await,
        cli::Command::Newsletter(cli::NewsletterCommand::Status(args)) => newsletter::status(args).await,
        cli::Command::Members(cli::MembersCommand::Import(args)) => members::import(args).await,
        cli::Command::Members(cli::MembersCommand::Export(args)) => members::export(args).await,
        cli::Command::Mail(command) => mail::run(command).await,
        cli::Command::Search(cli::SearchCommand::Reindex(args)) => search::reindex(args).await,
        cli::Command::Revisions(cli::RevisionsCommand::Pack(args)) => search::pack_revisions(args).await,
    }
}
