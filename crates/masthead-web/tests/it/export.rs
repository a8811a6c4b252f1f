//! The static export: the same bytes as the server, and a second run that writes only changes.

use std::sync::Arc;

use crate::harness::TestApp;

#[tokio::test]
async fn the_static_export_is_the_served_site_and_rewrites_only_what_changed() {
    // Short pages, so that every list has older pages to write.
    let app = TestApp::demo_on(crate::harness::Backend::Sqlite, 3).await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let progress = Arc::new(|_: usize, _: usize| {});
    let first = masthead_web::export::export_static(&app.state, dir.path(), progress.clone()).await.unwrap();
    let addresses = masthead_web::export::public_addresses(&app.state).await.unwrap();
    assert_eq!(first.pages, addresses.len());
    assert_eq!((first.written, first.unchanged, first.removed), (first.pages, 0, 0));
    assert!(first.media > 0, "the images come along");
    assert!(
        addresses.iter().any(|a| a.ends_with(".ninjs.json"))
            && addresses.iter().any(|a| a.starts_with("/assets/"))
    );
    let mut pagers = 0;
    for address in &addresses {
        let file = std::fs::read(dir.path().join(masthead_web::export::file_for(address))).unwrap();
        let served = masthead_web::export::render(&app.router, address).await.unwrap();
        assert!(file == served, "{address}: the file differs from what the server answers");
        // Every older page a pager links to was written too.
        let text = String::from_utf8_lossy(&file);
        for link in text.split("href=\"").skip(1).filter_map(|rest| rest.split('"').next()) {
            if link.starts_with('/') && link.contains("/page/") {
                let older = dir.path().join(masthead_web::export::file_for(link));
                assert!(older.exists(), "{address} links to {link}, which was not exported");
                pagers += 1;
            }
        }
    }
    assert!(pagers > 10, "the lists link to their older pages ({pagers} links)");
    let page = std::fs::read_to_string(dir.path().join("index.html")).unwrap();
    let image = page.split("src=\"/media/").nth(1).map(|rest| rest.split('"').next().unwrap().to_owned());
    if let Some(image) = image {
        assert!(dir.path().join("media").join(&image).exists(), "{image} is exported");
    }

    let again = masthead_web::export::export_static(&app.state, dir.path(), progress.clone()).await.unwrap();
    assert_eq!((again.written, again.unchanged, again.media), (0, again.pages, 0), "nothing changed");

    // One article withdrawn: its files go, and the pages that listed it are rewritten.
    let gone = app.published().await.last().unwrap().clone();
    app.store().set_status(gone.id, masthead_core::ArticleStatus::Unpublished, None, None).await.unwrap();
    let third = masthead_web::export::export_static(&app.state, dir.path(), progress).await.unwrap();
    // Its page, ninjs, republish page and JSON; and the last pages of lists that held only it.
    assert!(third.removed >= 4, "{third:?}");
    let base = masthead_core::article::article_path(&gone.slug);
    for address in [
        base.clone(),
        format!("{base}.ninjs.json"),
        format!("{base}/republish"),
        format!("{base}/republish.json"),
    ] {
        assert!(
            !dir.path().join(masthead_web::export::file_for(&address)).exists(),
            "{address} is still there"
        );
    }
    let now = masthead_web::export::public_addresses(&app.state).await.unwrap();
    assert_eq!(third.removed, addresses.len() - now.len(), "exactly what is no longer published");
    assert!(third.written > 0 && third.written < third.pages / 2, "{third:?}");
    app.finish().await;
}
