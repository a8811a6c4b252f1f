//! A newsletter send killed with SIGKILL halfway and started again: every member receives the
//! issue exactly once, counted per recipient in the log of a real SMTP sink (Postfix's
//! `smtp-sink`), except those in flight at the kill, which are on record as uncertain and
//! received it at most once.

use std::collections::HashMap;
use std::net::TcpListener;
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use masthead_core::{MemberSource, MemberStatus, NewMember};

use crate::masthead;

const MEMBERS: usize = 20_000;

struct Sink {
    child: Child,
    port: u16,
    dump: std::path::PathBuf,
    _dir: tempfile::TempDir,
}

impl Sink {
    fn start() -> Sink {
        let binary = ["/usr/sbin/smtp-sink", "/usr/lib/postfix/sbin/smtp-sink"]
            .into_iter()
            .find(|p| Path::new(p).exists())
            .expect("Postfix's smtp-sink is installed (Debian package postfix; .ci/run installs it)");
        let port = TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let dir = tempfile::tempdir().unwrap();
        let dump = dir.path().join("dump");
        let mut cmd = Command::new(binary);
        // smtp-sink refuses to run as root without a user to become; that user writes the dump.
        let root = Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0"));
        if root {
            use std::os::unix::fs::PermissionsExt;
            std::fs::set_permissions(dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
            cmd.args(["-u", "nobody"]);
        }
        let mut child = cmd
            .arg("-D")
            .arg(&dump)
            .args([&format!("127.0.0.1:{port}"), "256"])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        // Up to 30 s: a server starts slowly on a machine busy building and testing.
        for _ in 0..600 {
            if std::net::TcpStream::connect(("127.0.0.1", port)).is_ok() {
                return Sink { child, port, dump, _dir: dir };
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        let _ = child.kill();
        let _ = child.wait();
        panic!("smtp-sink did not start listening");
    }

    /// How many messages each recipient was handed, from the sink's dump.
    fn per_recipient(&self) -> HashMap<String, usize> {
        let dump = std::fs::read(&self.dump).unwrap_or_default();
        let mut counts = HashMap::new();
        for line in String::from_utf8_lossy(&dump).lines() {
            if let Some(rcpt) = line.strip_prefix("X-Rcpt-Args: <") {
                let rcpt = rcpt.split('>').next().unwrap_or_default().to_owned();
                *counts.entry(rcpt).or_insert(0) += 1;
            }
        }
        counts
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn member(i: usize, newsletter: i64) -> NewMember {
    NewMember {
        email: format!("reader{i}@example.org"),
        name: format!("Reader {i}"),
        status: MemberStatus::Active,
        source: MemberSource::Import,
        consent_at: Some(jiff::Timestamp::now()),
        note: String::new(),
        created_at: None,
        newsletters: vec![newsletter],
        labels: vec![],
    }
}

#[test]
fn a_send_killed_halfway_and_restarted_reaches_each_member_once() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let data = dir.path().join("site");
    std::fs::create_dir_all(&data).unwrap();
    let location = masthead_store::Location::Sqlite(data.join("masthead.db"));
    let store = rt.block_on(masthead_store::Store::open(&location)).unwrap();
    let newsletter = rt.block_on(store.newsletters()).unwrap()[0].id;
    let members: Vec<NewMember> = (0..MEMBERS).map(|i| member(i, newsletter)).collect();
    rt.block_on(store.import_members(&members, &|_| {})).unwrap();
    crate::create_published_article(&rt, &store, "the-weekly-briefing");
    rt.block_on(store.close());

    let sink = Sink::start();
    let smtp = format!("smtp://127.0.0.1:{}", sink.port);
    let send = || {
        masthead()
            .args(["newsletter", "send", "--article", "the-weekly-briefing", "--data"])
            .arg(&data)
            .args(["--smtp-url", &smtp, "--mail-from", "The Meridian <news@meridian.example>"])
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap()
    };

    // Kill it once a few thousand messages are through.
    let started = Instant::now();
    let mut first = send();
    let deadline = Instant::now() + Duration::from_secs(300);
    loop {
        let through: usize = sink.per_recipient().values().sum();
        if through >= MEMBERS / 5 {
            break;
        }
        if let Ok(Some(status)) = first.try_wait() {
            let mut err = String::new();
            std::io::Read::read_to_string(first.stderr.as_mut().unwrap(), &mut err).unwrap();
            panic!("the send ended before it could be killed ({status}): {err}");
        }
        assert!(Instant::now() < deadline, "the send made no progress");
        std::thread::sleep(Duration::from_millis(20));
    }
    first.kill().unwrap();
    first.wait().unwrap();
    eprintln!("killed after {:?}", started.elapsed());
    let at_kill: usize = sink.per_recipient().values().sum();
    assert!(at_kill < MEMBERS, "killed halfway, not at the end");

    // Started again, it finishes the send where it stopped.
    let restarted = Instant::now();
    let second = send().wait_with_output().unwrap();
    eprintln!("the restarted send took {:?}", restarted.elapsed());
    let stdout = String::from_utf8_lossy(&second.stdout);
    assert!(second.status.success(), "{stdout}\n{}", String::from_utf8_lossy(&second.stderr));
    assert!(stdout.contains(&format!("{MEMBERS} recipients")), "{stdout}");

    let store = rt.block_on(masthead_store::Store::open(&location)).unwrap();
    let send_id = rt.block_on(store.sends(None, 1)).unwrap()[0].id;
    let progress = rt.block_on(store.send_progress(send_id)).unwrap();
    let uncertain: Vec<String> = rt
        .block_on(store.send_recipients_in(send_id, "uncertain", 0, 1000))
        .unwrap()
        .into_iter()
        .map(|u| u.1)
        .collect();
    rt.block_on(store.close());

    let counts = sink.per_recipient();
    let twice: Vec<_> = counts.iter().filter(|(_, n)| **n > 1).collect();
    assert!(twice.is_empty(), "members sent the issue twice: {twice:?}");
    for i in 0..MEMBERS {
        let email = format!("reader{i}@example.org");
        let got = counts.get(&email).copied().unwrap_or(0);
        if !uncertain.contains(&email) {
            assert_eq!(got, 1, "{email} received the issue {got} times");
        }
    }
    // Only what was in flight at the kill is uncertain: a few messages per connection.
    assert!(uncertain.len() <= 8 * 4, "{} uncertain", uncertain.len());
    assert_eq!(progress.sent + progress.uncertain as i64, MEMBERS as i64, "{progress:?}");
    assert_eq!((progress.failed, progress.left, progress.sending), (0, 0, 0), "{progress:?}");
}
