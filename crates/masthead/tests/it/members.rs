//! `masthead members import|export` as a newsroom runs them.

use std::path::Path;

use crate::{masthead, run};

fn fixture(name: &str) -> String {
    let path =
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../masthead-newsroom/tests/fixtures/members").join(name);
    path.to_str().unwrap().to_owned()
}

fn members(data: &Path, args: &[&str]) -> (bool, String, String) {
    run(masthead().arg("members").args(args).arg("--data").arg(data))
}

#[test]
fn members_come_in_from_csv_with_a_summary_and_go_out_again() {
    let data = tempfile::tempdir().unwrap();
    let (ok, _, err) = members(data.path(), &["import", &fixture("ghost-bad-row.csv")]);
    assert!(!ok, "a bad row fails the command");
    assert!(err.contains("line 3, column created_at"), "{err}");

    let (ok, out_ok, err_ok) = members(data.path(), &["import", &fixture("ghost.csv")]);
    assert!(ok, "{out_ok}{err_ok}");
    assert!(out_ok.contains("Ghost export, 3 rows"), "{out_ok}");
    assert!(out_ok.contains("members added:   3 (2 subscribed, 1 pending)"), "{out_ok}");
    assert!(out_ok.contains("e-mails sent:    0"), "{out_ok}");

    let file = data.path().join("out.csv");
    let (ok, _, err) = members(data.path(), &["export", "--output", file.to_str().unwrap()]);
    assert!(ok, "{err}");
    assert!(err.contains("Wrote 3 members"), "{err}");
    let csv = std::fs::read_to_string(&file).unwrap();
    assert_eq!(csv.lines().count(), 4);
    assert!(csv.contains("ada@example.org"));
    let (ok, stdout, _) = members(data.path(), &["export"]);
    assert!(ok);
    assert_eq!(stdout, csv, "the same to standard output");
}
