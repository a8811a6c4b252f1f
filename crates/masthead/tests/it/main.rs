//! The `masthead` binary as a newsroom runs it: real processes, a real listener, real signals.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use masthead_store::testing::TestDb;

mod architecture;
mod archive;
mod import;
mod mail;
mod members;
mod newsletter;
mod nodes;

fn masthead() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_masthead"));
    cmd.env_remove("MASTHEAD_DATABASE_URL").env_remove("MASTHEAD_DATA").env("RUST_LOG", "warn");
    cmd
}

/// Runs to completion and returns (success, stdout, stderr).
fn run(cmd: &mut Command) -> (bool, String, String) {
    let out = cmd.output().expect("the binary runs");
    (
        out.status.success(),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}

/// A plain HTTP/1.1 GET; returns the status line and the whole response.
fn http_get(addr: &str, path: &str) -> (String, String) {
    let mut stream = TcpStream::connect(addr).expect("connect to the server");
    stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\n\r\n").unwrap();
    let mut response = String::new();
    stream.read_to_string(&mut response).unwrap();
    let status = response.lines().next().unwrap_or_default().to_owned();
    (status, response)
}

struct Server {
    child: Child,
    addr: String,
}

impl Server {
    /// Starts `masthead serve` on a free port and waits for it to print its URL.
    fn start(args: &[&str]) -> Server {
        Server::start_reading(args, 1).0
    }

    /// Starts the server as `command` (the binary with its environment) says.
    fn start_with(command: Command, args: &[&str]) -> Server {
        Server::start_command(command, args, 1).0
    }

    /// Starts the server and returns it with the first `lines` lines it printed.
    fn start_reading(args: &[&str], lines: usize) -> (Server, Vec<String>) {
        Server::start_command(masthead(), args, lines)
    }

    fn start_command(mut command: Command, args: &[&str], lines: usize) -> (Server, Vec<String>) {
        let mut child = command
            .arg("serve")
            .args(["--addr", "127.0.0.1:0"])
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
        let printed: Vec<String> = (&mut out).take(lines).map(|l| l.expect("the server prints")).collect();
        let first = &printed[0];
        let url = first.split(" at ").nth(1).unwrap_or_else(|| panic!("a URL in {first:?}"));
        let addr = url.trim_start_matches("http://").trim_end_matches('/').to_owned();
        // Keep draining stdout so that the server never blocks on a full pipe.
        std::thread::spawn(move || for _ in out {});
        (Server { child, addr }, printed)
    }

    /// Sends SIGTERM and waits; true when the server exited cleanly.
    fn stop(mut self) -> bool {
        let stopped = self.terminate();
        std::mem::forget(self);
        stopped
    }

    fn terminate(&mut self) -> bool {
        let pid = self.child.id().to_string();
        assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
        for _ in 0..100 {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status.success();
            }
            std::thread::sleep(Duration::from_millis(100));
        }
        let _ = self.child.kill();
        false
    }
}

impl Drop for Server {
    /// A failed test must not leave a server running.
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

#[test]
fn demo_serves_on_sqlite_and_stops_cleanly_on_sigterm() {
    let data = tempfile::tempdir().unwrap();
    let (server, printed) = Server::start_reading(&["--demo", "--data", data.path().to_str().unwrap()], 3);
    let sign_in = printed.iter().find(|l| l.contains("sign in at")).expect("the demo prints how to sign in");
    let password = sign_in.rsplit(' ').next().unwrap().to_owned();
    assert!(sign_in.contains("/admin/ as owner@meridian.example"), "{sign_in}");
    let (status, body) = http_get(&server.addr, "/");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(body.contains("The Meridian"), "the demo outlet is served");
    assert!(body.matches("class=\"summary\"").count() >= 12, "with its articles");
    let (status, body) = http_get(&server.addr, "/article/no-such-article");
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    assert!(body.contains("Page not found"));
    assert!(data.path().join("masthead.db").exists(), "SQLite lives in the data folder");
    assert!(data.path().join("media/demo").is_dir(), "demo images live in the data folder");
    assert!(server.stop(), "SIGTERM stops the server with success");

    // The printed password opens the owner's account.
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let store = rt
        .block_on(masthead_store::Store::open(&masthead_store::Location::Sqlite(
            data.path().join("masthead.db"),
        )))
        .unwrap();
    let (owner, hash) = rt.block_on(store.user_credentials("owner@meridian.example")).unwrap().unwrap();
    assert_eq!(owner.role, masthead_core::Role::Owner);
    assert!(masthead_newsroom::secrets::verify_password(&password, &hash));
    rt.block_on(store.close());

    // The static export writes the lists as the server pages them: the same articles on each
    // page, and every older page the server links to.
    let out = tempfile::tempdir().unwrap();
    let (ok, _, err) =
        run(masthead().args(["export", "static", "--data", data.path().to_str().unwrap()]).arg(out.path()));
    assert!(ok, "{err}");

    // A second start keeps the content and does not seed twice.
    let server = Server::start(&["--demo", "--data", data.path().to_str().unwrap()]);
    let (_, body) = http_get(&server.addr, "/");
    assert!(body.contains("The Meridian"));
    let served_body = |path: &str| {
        let (status, response) = http_get(&server.addr, path);
        assert_eq!(status, "HTTP/1.1 200 OK", "{path}");
        response.split_once("\r\n\r\n").map(|(_, b)| b.to_owned()).unwrap_or_default()
    };
    let home = served_body("/");
    let exported = std::fs::read_to_string(out.path().join("index.html")).unwrap();
    assert!(home == exported, "the exported home page differs from the served one");
    let older = home.split("href=\"/page/").nth(1).expect("the demo's home page has an older page");
    let older = format!("/page/{}", older.split('"').next().unwrap());
    let file = std::fs::read_to_string(out.path().join(masthead_web::export::file_for(&older)))
        .unwrap_or_else(|e| panic!("{older} is exported: {e}"));
    assert!(served_body(&older) == file, "{older}: the exported page differs from the served one");
    assert!(server.stop());
}

#[test]
fn demo_serves_on_postgres() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let Some(db) = rt.block_on(TestDb::postgres()) else { return };
    let masthead_store::Location::Postgres { url, schema: Some(schema) } = &db.location else {
        unreachable!()
    };
    // Point the server at the test's own schema.
    let url = format!("{url}?options=-c%20search_path%3D{schema}");
    let data = tempfile::tempdir().unwrap();
    let server = Server::start(&["--demo", "--data", data.path().to_str().unwrap(), "--database-url", &url]);
    let (status, body) = http_get(&server.addr, "/");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(body.contains("The Meridian"));
    assert!(!data.path().join("masthead.db").exists(), "no SQLite file when PostgreSQL is used");
    assert!(server.stop());
    let count = rt.block_on(db.store.article_count()).unwrap();
    assert!(count >= 12, "the demo went into PostgreSQL: {count}");
    rt.block_on(db.finish());
}

#[test]
fn a_bad_flag_is_a_usage_error() {
    let (ok, _, stderr) = run(masthead().args(["serve", "--no-such-flag"]));
    assert!(!ok);
    assert!(stderr.contains("--no-such-flag"), "{stderr}");
    let (ok, _, stderr) = run(masthead().args(["serve", "--addr", "not-an-address"]));
    assert!(!ok);
    assert!(stderr.contains("not-an-address"), "{stderr}");
}

#[test]
fn an_unwritable_data_folder_is_one_clear_line() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("a-file");
    std::fs::write(&file, "not a folder").unwrap();
    let data = file.join("data");
    let (ok, stdout, stderr) = run(masthead().args(["serve", "--data", data.to_str().unwrap()]));
    assert!(!ok);
    assert!(stdout.is_empty(), "{stdout}");
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: the data folder"), "{stderr}");
    assert!(stderr.contains(data.to_str().unwrap()), "{stderr}");
}

#[test]
fn an_unreachable_database_is_one_clear_line() {
    let data = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = run(masthead().args([
        "serve",
        "--data",
        data.path().to_str().unwrap(),
        "--database-url",
        "postgres://masthead:secret@127.0.0.1:1/masthead",
    ]));
    assert!(!ok);
    assert_eq!(stderr.trim().lines().count(), 1, "{stderr}");
    assert!(stderr.starts_with("error: could not open the database"), "{stderr}");
    assert!(stderr.contains("127.0.0.1:1"), "{stderr}");
    assert!(!stderr.contains("secret"), "passwords never reach the terminal: {stderr}");

    let (ok, _, stderr) = run(masthead().args([
        "init",
        "--data",
        data.path().to_str().unwrap(),
        "--database-url",
        "mysql://x",
    ]));
    assert!(!ok);
    assert!(stderr.contains("unsupported database URL"), "{stderr}");
}

#[test]
fn init_creates_the_data_folder_and_database() {
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("site");
    let (ok, stdout, stderr) = run(masthead().args([
        "init",
        "--data",
        data.to_str().unwrap(),
        "--base-url",
        "https://news.example/",
    ]));
    assert!(ok, "{stderr}");
    assert!(stdout.contains("https://news.example/"), "{stdout}");
    assert!(data.join("masthead.db").is_file());
    assert!(data.join("media").is_dir());
}

/// A published article with a byline, `slug`, in `store`; returns its id.
pub(crate) fn create_published_article(
    rt: &tokio::runtime::Runtime,
    store: &masthead_store::Store,
    slug: &str,
) -> i64 {
    let author = rt
        .block_on(store.create_author(&masthead_core::NewAuthor {
            slug: masthead_core::Slug::parse("ana-petrovic").unwrap(),
            name: "Ana Petrović".into(),
            bio: String::new(),
            links: vec![],
            avatar_media_id: None,
            outlet_id: None,
        }))
        .unwrap()
        .id;
    let new = masthead_core::NewArticle {
        slug: masthead_core::Slug::parse(slug).unwrap(),
        title: "The Weekly Briefing".into(),
        dek: "What moved on the Danube this week".into(),
        body: masthead_core::render_body(
            masthead_core::BodyFormat::Markdown,
            "## Freight\n\nVolumes fell by a fifth, says [the report](https://example.org/report).",
        )
        .unwrap(),
        excerpt: String::new(),
        status: masthead_core::ArticleStatus::Published,
        published_at: Some(jiff::Timestamp::now() - jiff::SignedDuration::from_secs(60)),
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
    };
    rt.block_on(store.create_article(&new)).unwrap().id
}

/// A scheduled article that is already due, in a new site in `data`; returns its id.
fn due_article(rt: &tokio::runtime::Runtime, data: &std::path::Path) -> i64 {
    let (ok, _, err) = run(masthead().args(["init", "--data", data.to_str().unwrap()]));
    assert!(ok, "{err}");
    let store = rt
        .block_on(masthead_store::Store::open(&masthead_store::Location::Sqlite(data.join("masthead.db"))))
        .unwrap();
    let new = masthead_core::NewArticle {
        slug: masthead_core::Slug::parse("due").unwrap(),
        title: "Due".into(),
        dek: String::new(),
        body: masthead_core::render_body(masthead_core::BodyFormat::Markdown, "Text.").unwrap(),
        excerpt: String::new(),
        status: masthead_core::ArticleStatus::Scheduled,
        published_at: Some(jiff::Timestamp::now() - jiff::SignedDuration::from_secs(5)),
        time_zone: "UTC".into(),
        author_ids: vec![],
        term_ids: vec![],
        featured_media_id: None,
        featured_alt: String::new(),
        featured_credit: String::new(),
        reuse_policy: None,
        origins: vec![],
        language: String::new(),
        translation_of: None,
    };
    let id = rt.block_on(store.create_article(&new)).unwrap().id;
    rt.block_on(store.close());
    id
}

fn status_of(rt: &tokio::runtime::Runtime, data: &std::path::Path, id: i64) -> masthead_core::ArticleStatus {
    let store = rt
        .block_on(masthead_store::Store::open(&masthead_store::Location::Sqlite(data.join("masthead.db"))))
        .unwrap();
    let status = rt.block_on(store.article(id)).unwrap().status;
    rt.block_on(store.close());
    status
}

#[test]
fn web_nodes_can_leave_the_jobs_to_a_worker_node() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("site");
    let id = due_article(&rt, &data);

    // A web node started with --no-jobs serves, and publishes nothing.
    let server = Server::start(&["--no-jobs", "--data", data.to_str().unwrap()]);
    std::thread::sleep(Duration::from_secs(4));
    assert_eq!(status_of(&rt, &data, id), masthead_core::ArticleStatus::Scheduled, "--no-jobs runs no job");
    assert!(server.stop());

    // A worker node runs the jobs alone, and stops cleanly on SIGTERM.
    let mut worker =
        masthead().args(["jobs", "--data", data.to_str().unwrap()]).stdout(Stdio::piped()).spawn().unwrap();
    let mut published = false;
    for _ in 0..100 {
        if status_of(&rt, &data, id) == masthead_core::ArticleStatus::Published {
            published = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(200));
    }
    let pid = worker.id().to_string();
    assert!(Command::new("kill").args(["-TERM", &pid]).status().unwrap().success());
    let status = worker.wait().unwrap();
    assert!(published, "masthead jobs published the due article");
    assert!(status.success(), "masthead jobs stops with success on SIGTERM");
}

#[test]
fn a_base_url_that_is_not_http_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    for bad in ["ftp://x", "javascript:alert(1)", "/relative"] {
        let (ok, _, stderr) =
            run(masthead().args(["init", "--data", dir.path().to_str().unwrap(), "--base-url", bad]));
        assert!(!ok, "{bad} was accepted");
        assert!(stderr.contains("http"), "{bad}: {stderr}");
    }
}

#[test]
fn help_shows_examples() {
    let (ok, stdout, _) = run(masthead().arg("--help"));
    assert!(ok);
    assert!(stdout.contains("Examples:") && stdout.contains("masthead serve --demo"), "{stdout}");
    let (ok, stdout, _) = run(masthead().args(["serve", "--help"]));
    assert!(ok);
    assert!(stdout.contains("--database-url") && stdout.contains("--demo"), "{stdout}");
}

#[test]
fn staff_accounts_and_api_tokens_from_the_command_line() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    let add = |email: &str, password: &str| {
        let mut child = masthead()
            .args([
                "user",
                "add",
                "--data",
                dir,
                "--email",
                email,
                "--name",
                "Ana Petrović",
                "--role",
                "editor",
                "--password-stdin",
            ])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(format!("{password}\n").as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (ok, stdout, stderr) = add("Ana@Meridian.example", "a long enough passphrase");
    assert!(ok, "{stderr}");
    assert!(stdout.contains("ana@meridian.example") && stdout.contains("editor"), "{stdout}");
    let (ok, _, stderr) = add("ana@meridian.example", "a long enough passphrase");
    assert!(!ok && stderr.contains("exists already"), "{stderr}");
    let (ok, _, stderr) = add("bo@meridian.example", "short");
    assert!(!ok && stderr.contains("at least 12 characters"), "{stderr}");
    let (ok, _, stderr) =
        run(masthead()
            .args(["user", "add", "--data", dir, "--email", "x@y.z", "--name", "X", "--role", "chief"]));
    assert!(!ok && stderr.contains("chief"), "{stderr}");

    let (ok, stdout, stderr) =
        run(masthead().args(["token", "create", "--data", dir, "--email", "ana@meridian.example"]));
    assert!(ok, "{stderr}");
    let token = stdout.trim();
    assert_eq!(token.len(), 64, "{stdout}");
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let store = rt
        .block_on(masthead_store::Store::open(&masthead_store::Location::Sqlite(
            data.path().join("masthead.db"),
        )))
        .unwrap();
    let user = rt
        .block_on(
            store.user_by_api_token(&masthead_newsroom::secrets::token_hash(token), jiff::Timestamp::now()),
        )
        .unwrap()
        .unwrap();
    assert_eq!(user.email, "ana@meridian.example");
    assert_eq!(user.scope, Some(masthead_core::Scope::Read), "read unless asked for more");
    let tokens = rt.block_on(store.api_tokens(user.id)).unwrap();
    let hours = tokens[0].expires_at.duration_since(tokens[0].created_at).as_hours();
    assert!((89 * 24..=90 * 24).contains(&hours), "90 days unless asked otherwise: {hours} hours");
    rt.block_on(store.close());
    let (ok, _, stderr) =
        run(masthead().args(["token", "create", "--data", dir, "--email", "nobody@meridian.example"]));
    assert!(!ok && stderr.contains("no staff account"), "{stderr}");
}

/// A partner's server on loopback that answers every request with `body`; returns its address.
fn feed_server(body: &'static str) -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let _ = stream.read(&mut request);
            let _ = write!(
                stream,
                "HTTP/1.1 200 OK\r\nContent-Type: application/feed+json\r\nContent-Length: {}\r\nConnection: close\r\n\r\n{body}",
                body.len()
            );
        }
    });
    addr
}

const PARTNER_FEED: &str = r#"{"version": "https://jsonfeed.org/version/1.1", "title": "Sahel Notes", "items": [
  {"id": "sahel-1", "url": "https://sahel.example/notes/1", "title": "Water tankers in Niamey",
   "content_html": "<p>The tankers come at dawn.</p>", "date_published": "2026-11-06T06:00:00Z",
   "authors": [{"name": "Leila Haddad"}]}]}"#;

#[test]
fn partners_feeds_from_the_command_line() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    let addr = feed_server(PARTNER_FEED);
    let feed = format!("http://{addr}/feed.json");
    let (ok, stdout, stderr) = run(masthead().args([
        "sources",
        "add",
        "--data",
        dir,
        "--outlet",
        "Sahel Notes",
        "--feed",
        &feed,
        "--terms",
        "cc-by",
    ]));
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Added the outlet Sahel Notes") && stdout.contains("Added source 1"), "{stdout}");
    let (ok, _, stderr) =
        run(masthead().args(["sources", "add", "--data", dir, "--outlet", "Sahel Notes", "--feed", &feed]));
    assert!(!ok && stderr.contains("is already a source"), "{stderr}");
    let (ok, _, stderr) = run(masthead()
        .args(["sources", "add", "--data", dir, "--outlet", "X", "--feed", &feed, "--terms", "cc0"]));
    assert!(!ok && stderr.contains("unknown terms"), "{stderr}");

    let (ok, stdout, stderr) =
        run(masthead().args(["sources", "pull", "--data", dir, "--allow-private-fetch"]));
    assert!(ok, "{stderr}");
    assert!(stdout.contains("Sahel Notes: 1 new (0 published)"), "{stdout}");
    assert!(stdout.contains("In all: 1 new, 0 updated, 0 source(s) failed."), "{stdout}");
    let (ok, stdout, _) =
        run(masthead().args(["sources", "pull", "--data", dir, "--source", "1", "--allow-private-fetch"]));
    assert!(ok && stdout.contains("0 new (0 published), 0 updated, 1 unchanged"), "{stdout}");
    let (ok, stdout, _) = run(masthead().args(["sources", "list", "--data", dir]));
    assert!(ok && stdout.contains("Sahel Notes") && stdout.contains("CC BY 4.0"), "{stdout}");

    // Without --allow-private-fetch the loopback partner is refused, and the pull says so.
    let (ok, stdout, stderr) = run(masthead().args(["sources", "pull", "--data", dir]));
    assert!(!ok, "{stdout}");
    assert!(
        stdout.contains("private or local network") && stderr.contains("1 source(s) could not be pulled"),
        "{stdout}{stderr}"
    );
    let (ok, stdout, _) = run(masthead().args(["sources", "list", "--data", dir]));
    assert!(ok && stdout.contains("last error (1 in a row)"), "{stdout}");
}

/// The newsroom in a real browser: runs `tests/e2e/` (node's test runner, playwright-core,
/// Debian's Chromium) against this build of the binary. `.ci/run` installs what it needs;
/// elsewhere it is skipped, loudly, when they are missing.
#[test]
fn browser_newsroom() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let missing: Vec<&str> = [
        (root.join("node_modules/playwright-core").exists(), "npm packages (npm ci)"),
        (std::path::Path::new("/usr/bin/chromium").exists(), "Debian's chromium"),
        (Command::new("node").arg("--version").output().is_ok(), "node"),
    ]
    .into_iter()
    .filter(|(present, _)| !present)
    .map(|(_, what)| what)
    .collect();
    if !missing.is_empty() {
        if std::env::var("CI").as_deref() == Ok("true") {
            panic!("CI=true and the browser tests cannot run: missing {missing:?}");
        }
        eprintln!("\n!!! SKIPPED the browser tests: missing {missing:?}\n");
        return;
    }
    let out = Command::new("node")
        .args(["--test", "tests/e2e/"])
        .current_dir(&root)
        .env("MASTHEAD_BIN", env!("CARGO_BIN_EXE_masthead"))
        .output()
        .expect("node runs");
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "the browser tests failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(stdout.contains("# fail 0") && !stdout.contains("# pass 0"), "{stdout}");
}

#[test]
fn the_log_can_be_json_for_a_log_collector() {
    let data = tempfile::tempdir().unwrap();
    let mut child = masthead()
        .args(["--log-format", "json", "serve", "--addr", "127.0.0.1:0", "--data"])
        .arg(data.path())
        .env("RUST_LOG", "info")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut out = BufReader::new(child.stdout.take().unwrap()).lines();
    let first = out.next().expect("the server prints its address").unwrap();
    let url = first.split(" at ").nth(1).unwrap_or_else(|| panic!("a URL in {first:?}"));
    let addr = url.trim_start_matches("http://").trim_end_matches('/').to_owned();
    std::thread::spawn(move || for _ in out {});
    assert_eq!(http_get(&addr, "/healthz").0, "HTTP/1.1 200 OK");
    assert!(Command::new("kill").args(["-TERM", &child.id().to_string()]).status().unwrap().success());
    let output = child.wait_with_output().unwrap();
    assert!(output.status.success());
    let log = String::from_utf8_lossy(&output.stderr);
    let events: Vec<&str> = log.lines().filter(|l| !l.trim().is_empty()).collect();
    assert!(!events.is_empty(), "the server logged something");
    for event in events {
        assert!(event.starts_with('{') && event.ends_with('}'), "one JSON object per line: {event}");
        assert!(event.contains("\"level\":") && event.contains("\"timestamp\":"), "{event}");
    }
    assert!(log.contains("no mail server is configured"), "{log}");
}
