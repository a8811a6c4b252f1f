//! A full disk, for real: the SQLite database on a tmpfs of a few MiB, filled by another file.
//! The save that finds the disk full is refused in words ("the disk is full"), and once space
//! is freed the next save works, without reopening the store.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::Command;

use masthead_store::{Location, Store, StoreError};

/// A tmpfs of `size`, mounted for one test and unmounted when dropped. `None` where mounting
/// is not allowed (not root).
struct TinyDisk {
    dir: tempfile::TempDir,
}

impl TinyDisk {
    fn mount(size: &str) -> Option<TinyDisk> {
        let dir = tempfile::tempdir().unwrap();
        let mounted = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(dir.path())
            .status();
        match mounted {
            Ok(status) if status.success() => Some(TinyDisk { dir }),
            _ if std::env::var("CI").as_deref() == Ok("true") => {
                panic!("CI=true and a tmpfs cannot be mounted for the disk-full test")
            }
            _ => {
                eprintln!("\n!!! SKIPPED the disk-full test: cannot mount a tmpfs (run as root)\n");
                None
            }
        }
    }

    fn path(&self) -> &Path {
        self.dir.path()
    }

    /// Writes a file until the disk is full.
    fn fill(&self) -> PathBuf {
        let path = self.path().join("filler");
        let mut file = std::fs::File::create(&path).unwrap();
        let chunk = vec![0u8; 4096];
        while file.write_all(&chunk).and_then(|()| file.flush()).is_ok() {}
        path
    }
}

impl Drop for TinyDisk {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(self.dir.path()).status();
    }
}

fn big_article(n: usize, author: i64) -> masthead_core::NewArticle {
    let mut article = crate::article(&format!("big-{n}"), None, vec![author], vec![]);
    article.dek = "A standfirst that takes room. ".repeat(10_000);
    article
}

#[tokio::test]
async fn a_full_disk_is_named_and_saves_work_again_once_space_is_freed_on_sqlite() {
    // Room, once freed, for three large saves with their revisions and search index rows.
    let Some(disk) = TinyDisk::mount("16m") else { return };
    let store = Store::open(&Location::Sqlite(disk.path().join("masthead.db"))).await.unwrap();
    let author = crate::author(&store, "Ana Writer").await;
    let filler = disk.fill();
    let mut refused = None;
    for n in 0..20 {
        if let Err(e) = store.create_article(&big_article(n, author)).await {
            refused = Some(e);
            break;
        }
    }
    let refused = refused.expect("the full disk refuses a save");
    assert!(matches!(refused, StoreError::DiskFull(_)), "{refused:?}");
    assert!(refused.to_string().contains("the disk is full"), "{refused}");

    std::fs::remove_file(filler).unwrap();
    for n in 100..103 {
        let saved = store.create_article(&big_article(n, author)).await;
        assert!(saved.is_ok(), "after space is freed, save {n} works without a restart: {saved:?}");
        let small = crate::article(&format!("small-{n}"), None, vec![author], vec![]);
        store.create_article(&small).await.unwrap();
    }
    store.close().await;
}
