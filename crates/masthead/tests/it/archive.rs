//! `masthead export archive` and `masthead import archive`: a site with the demo outlet and an
//! imported WordPress export goes into one file and comes back into a new folder identical.

use std::path::Path;

use masthead_store::{Location, Store};

use crate::{masthead, run};

fn store_at(rt: &tokio::runtime::Runtime, data: &Path) -> Store {
    rt.block_on(Store::open(&Location::Sqlite(data.join("masthead.db")))).unwrap()
}

/// Every file below `dir` with its bytes.
fn files(dir: &Path) -> Vec<(String, Vec<u8>)> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_owned()];
    while let Some(next) = stack.pop() {
        for entry in std::fs::read_dir(&next).into_iter().flatten().flatten() {
            if entry.file_type().unwrap().is_dir() {
                stack.push(entry.path());
            } else {
                let name = entry.path().strip_prefix(dir).unwrap().to_string_lossy().into_owned();
                out.push((name, std::fs::read(entry.path()).unwrap()));
            }
        }
    }
    out.sort();
    out
}

#[test]
fn an_archive_restores_the_whole_site_into_a_new_folder() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let (old, new) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let store = store_at(&rt, old.path());
    rt.block_on(masthead_demo::seed(
        &store,
        &old.path().join("media"),
        "https://meridian.example/".parse().unwrap(),
        jiff::Timestamp::now(),
    ))
    .unwrap();
    rt.block_on(store.close());
    let wxr = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/import/wordpress.xml");
    let dir = old.path().to_str().unwrap();
    let (ok, _, stderr) = run(masthead().args(["import", "wordpress", wxr.to_str().unwrap(), "--data", dir]));
    assert!(ok, "{stderr}");

    let file = old.path().join("site.masthead.tar");
    let (ok, stdout, stderr) =
        run(masthead().args(["export", "archive", "--data", dir, file.to_str().unwrap()]));
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("Archived "), "{stdout}");
    let target = new.path().to_str().unwrap();
    let (ok, stdout, stderr) =
        run(masthead().args(["import", "archive", "--data", target, file.to_str().unwrap()]));
    assert!(ok, "{stderr}");
    assert!(stdout.starts_with("Restored "), "{stdout}");

    let (a, b) = (store_at(&rt, old.path()), store_at(&rt, new.path()));
    let (before, after) = (rt.block_on(a.dump(false)).unwrap(), rt.block_on(b.dump(false)).unwrap());
    assert!(
        before.iter().any(|t| t.name == "comments" && !t.rows.is_empty()),
        "the imported comments came along"
    );
    assert!(before.iter().any(|t| t.name == "redirects" && !t.rows.is_empty()));
    for (x, y) in before.iter().zip(&after) {
        assert_eq!(x, y, "table {} differs after the round trip", x.name);
    }
    assert_eq!(before.len(), after.len());
    assert_eq!(
        files(&old.path().join("media")),
        files(&new.path().join("media")),
        "every media file, byte for byte"
    );

    // A second import into the now full site is refused and changes nothing.
    let (ok, _, stderr) =
        run(masthead().args(["import", "archive", "--data", target, file.to_str().unwrap()]));
    assert!(!ok && stderr.contains("not empty"), "{stderr}");
    // Something that is not an archive says so.
    let bogus = old.path().join("bogus.tar");
    std::fs::write(&bogus, b"not a tar file at all").unwrap();
    let fresh = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = run(masthead().args([
        "import",
        "archive",
        "--data",
        fresh.path().to_str().unwrap(),
        bogus.to_str().unwrap(),
    ]));
    assert!(!ok, "{stderr}");
    rt.block_on(a.close());
    rt.block_on(b.close());
}
