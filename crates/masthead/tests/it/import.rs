//! `masthead import wordpress|ghost` as a newsroom runs it, checked through a store opened on
//! the data folder afterwards.

use std::path::Path;

use masthead_core::{Article, ArticleStatus, Slug, TermKind};
use masthead_store::testing::TestDb;
use masthead_store::{Location, Store};

use crate::{masthead, run};

fn fixture(name: &str) -> String {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/import").join(name);
    path.to_str().unwrap().to_owned()
}

/// Runs `masthead import …`; returns (success, stdout, stderr).
fn import(args: &[&str]) -> (bool, String, String) {
    run(masthead().arg("import").args(args))
}

/// A folder of files as an old site kept them, each a few bytes.
fn files(paths: &[&str]) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for path in paths {
        let file = dir.path().join(path);
        std::fs::create_dir_all(file.parent().unwrap()).unwrap();
        std::fs::write(file, b"\xff\xd8\xff\xe0 not really a photograph").unwrap();
    }
    dir
}

/// The store of a data folder, with a runtime to ask it things.
struct Site {
    rt: tokio::runtime::Runtime,
    store: Store,
}

impl Site {
    fn open(data: &Path) -> Site {
        Site::at(&Location::Sqlite(data.join("masthead.db")))
    }

    fn at(location: &Location) -> Site {
        let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
        let store = rt.block_on(Store::open(location)).unwrap();
        Site { rt, store }
    }

    fn article(&self, slug: &str) -> Article {
        self.rt
            .block_on(self.store.article_by_slug(&Slug::parse(slug).unwrap()))
            .unwrap_or_else(|e| panic!("no article {slug}: {e}"))
    }

    fn count(&self) -> i64 {
        self.rt.block_on(self.store.article_count()).unwrap()
    }

    fn redirect(&self, from: &str) -> Option<String> {
        self.rt.block_on(self.store.redirect_for(from)).unwrap()
    }

    fn term_names(&self, kind: TermKind) -> Vec<String> {
        self.rt.block_on(self.store.terms(kind)).unwrap().into_iter().map(|t| t.name).collect()
    }

    fn close(self) {
        self.rt.block_on(self.store.close());
    }
}

fn names<T>(items: &[T], name: impl Fn(&T) -> &str) -> Vec<String> {
    items.iter().map(|i| name(i).to_owned()).collect()
}

fn at(s: &str) -> Option<jiff::Timestamp> {
    Some(s.parse().unwrap())
}

/// Imports the WordPress fixture into `data` with its one photograph in an uploads folder.
fn import_wordpress(data: &Path, extra: &[&str]) -> (bool, String, String) {
    let uploads = files(&["2024/03/ring-road.jpg"]);
    let mut args = vec![
        "wordpress".to_owned(),
        fixture("wordpress.xml"),
        "--data".into(),
        data.to_str().unwrap().into(),
        "--uploads".into(),
        uploads.path().to_str().unwrap().into(),
        "--time-zone".into(),
        "Europe/Belgrade".into(),
    ];
    args.extend(extra.iter().map(|s| (*s).to_owned()));
    import(&args.iter().map(String::as_str).collect::<Vec<_>>())
}

#[test]
fn wordpress_export_becomes_articles_authors_terms_comments_and_redirects() {
    let data = tempfile::tempdir().unwrap();
    let report = data.path().join("report.json");
    let (ok, stdout, stderr) = import_wordpress(data.path(), &["--report", report.to_str().unwrap()]);
    assert!(ok, "{stdout}\n{stderr}");
    for expected in [
        "authors    2 new, 0 updated, 0 unchanged",
        "terms      8 new, 0 updated, 0 unchanged",
        "articles   8 new, 0 updated, 0 unchanged",
        "comments   2 new, 0 updated, 0 unchanged",
        "media      1 copied, 1 left at their old address",
        "nav_menu_item 301: a menu entry",
        "comment:13: not approved",
        "sticky in WordPress",
        "page 106 (About us): a page: Masthead has no pages, so it is an article",
        "post 104 (Budget & the IMF: internal notes): private in WordPress: a draft here",
        "its slug šabac-zürich became sabac-zurich",
        "category балкани: its slug балкани became balkani",
        "it had no slug; one was made from its title: draft-the-gas-interconnector",
        "the shortcode [contact-form-7] is kept as text",
        "attachment 202: https://danube-review.example/wp-content/uploads/2024/04/polling-station.jpg",
    ] {
        assert!(stdout.contains(expected), "{expected:?} in\n{stdout}");
    }

    let site = Site::open(data.path());
    assert_eq!(site.count(), 8, "six posts and two pages; attachments and menu entries are not articles");
    let ring = site.article("belgrade-ring-road");
    assert_eq!((ring.status, ring.published_at), (ArticleStatus::Published, at("2024-03-05T09:30:00Z")));
    assert_eq!(ring.title, "Belgrade's ring road: late, and dearer");
    assert_eq!(ring.excerpt, "Why the ring road is late.");
    assert_eq!(ring.time_zone, "Europe/Belgrade");
    assert_eq!(names(&ring.authors, |a| &a.name), ["Mara Jovanović"]);
    assert_eq!(names(&ring.terms, |t| &t.name), ["Serbia", "infrastructure", "rule of law"]);
    assert_eq!(ring.terms[0].kind, TermKind::Theme, "categories are themes unless told otherwise");
    let featured = ring.featured.as_ref().expect("the featured image was copied");
    assert_eq!(featured.media.path, "uploads/2024/03/ring-road.jpg");
    assert_eq!(featured.alt, "Ring road construction near Belgrade");
    assert!(data.path().join("media/uploads/2024/03/ring-road.jpg").is_file());
    assert!(
        ring.body.html.contains("<img src=\"/media/uploads/2024/03/ring-road.jpg\""),
        "{}",
        ring.body.html
    );
    assert!(ring.body.html.contains("<h2>What the budget says</h2>"));
    assert!(!ring.body.html.contains("[caption"), "shortcodes WordPress renders are rendered");

    let votes = site.article("novi-sad-votes");
    assert_eq!(names(&votes.authors, |a| &a.name), ["Tobias Keller"]);
    assert_eq!(
        votes.featured.as_ref().map(|f| f.media.path.as_str()),
        Some("https://danube-review.example/wp-content/uploads/2024/04/polling-station.jpg"),
        "its photograph is not in the uploads folder: it is shown from its old address"
    );
    assert!(
        votes
            .body
            .html
            .contains("https://danube-review.example/wp-content/uploads/2024/04/polling-station.jpg")
    );
    assert!(!votes.body.html.contains("<!-- wp:"));

    let status = |slug: &str| {
        let a = site.article(slug);
        (a.status, a.published_at)
    };
    assert_eq!(status("draft-the-gas-interconnector"), (ArticleStatus::Draft, None));
    assert_eq!(status("budget-imf-notes"), (ArticleStatus::Draft, None), "private posts stay unseen");
    assert_eq!(
        status("winters-energy-bill"),
        (ArticleStatus::Scheduled, at("2024-12-01T07:00:00Z")),
        "future posts are scheduled at their time"
    );
    assert_eq!(status("about"), (ArticleStatus::Published, at("2023-11-10T11:00:00Z")));
    assert_eq!(status("corrections").0, ArticleStatus::Published);
    assert_eq!(site.article("winters-energy-bill").title, "Winter’s energy bill", "its <em> is not printed");
    let sabac = site.article("sabac-zurich");
    assert_eq!(sabac.title, "Roads & Rails: from Šabac to Zürich");
    assert!(sabac.body.html.contains("a list ends with ]]&gt; and that must survive"), "{}", sabac.body.html);

    let authors = site.rt.block_on(site.store.authors()).unwrap();
    assert_eq!(names(&authors, |a| &a.name), ["Mara Jovanović", "Tobias Keller"]);
    assert_eq!(
        site.term_names(TermKind::Theme),
        ["Balkans", "Europe", "Serbia", "Trade & Energy", "Балкани"],
        "the nav menu is not a theme"
    );
    assert_eq!(site.term_names(TermKind::Tag), ["elections", "infrastructure", "rule of law"]);
    let path: Vec<String> = site
        .rt
        .block_on(site.store.term_path(ring.terms[0].id))
        .unwrap()
        .into_iter()
        .map(|t| t.name)
        .collect();
    assert_eq!(path, ["Europe", "Balkans", "Serbia"], "the hierarchy is kept");

    let comments = site.rt.block_on(site.store.comments_of(ring.id)).unwrap();
    assert_eq!(names(&comments, |c| &c.author_name), ["Jelena P.", "Mara Jovanović"], "approved ones only");
    assert_eq!(comments[1].parent_id, Some(comments[0].id), "a reply answers its comment");
    assert_eq!(
        comments[0].body_html,
        "<p>Thanks for the numbers. Is the 2023 figure <em>before</em> VAT?</p>\n"
    );

    for (from, to) in [
        ("/2024/03/05/belgrade-ring-road/", "/article/belgrade-ring-road"),
        ("https://danube-review.example/2024/03/05/belgrade-ring-road/", "/article/belgrade-ring-road"),
        ("/?p=101", "/article/belgrade-ring-road"),
        ("/index.php?p=102", "/article/novi-sad-votes"),
        ("/?p=103", "/article/draft-the-gas-interconnector"),
        ("/about/", "/article/about"),
        ("/?page_id=106", "/article/about"),
        ("/about/corrections/", "/article/corrections"),
        ("/2024/06/14/%C5%A1abac-z%C3%BCrich/", "/article/sabac-zurich"),
        ("/category/europe/balkans/", "/theme/balkans"),
    ] {
        assert_eq!(site.redirect(from).as_deref(), Some(to), "{from}");
    }
    assert_eq!(site.redirect("/tag/elections"), None, "tags keep their address");
    site.close();

    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(report["articles"]["created"], 8);
    assert_eq!(report["source"], "wordpress:https://danube-review.example");
    assert_eq!(report["complete"], true);
    let skipped = report["skipped"].as_array().unwrap();
    assert!(skipped.iter().any(|n| n["item"] == "nav_menu_item 301"), "{skipped:?}");
}

#[test]
fn a_second_wordpress_import_duplicates_nothing_and_updates_what_changed() {
    let data = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = import_wordpress(data.path(), &[]);
    assert!(ok, "{stderr}");
    let (ok, stdout, stderr) = import_wordpress(data.path(), &[]);
    assert!(ok, "{stderr}");
    for expected in [
        "authors    0 new, 0 updated, 2 unchanged",
        "terms      0 new, 0 updated, 8 unchanged",
        "articles   0 new, 0 updated, 8 unchanged",
        "comments   0 new, 0 updated, 2 unchanged",
        "media      0 copied",
        "redirects  0 new or changed, 21 unchanged",
    ] {
        assert!(stdout.contains(expected), "{expected:?} in\n{stdout}");
    }
    let site = Site::open(data.path());
    assert_eq!(site.count(), 8);
    let ring = site.article("belgrade-ring-road");
    assert_eq!(ring.revision, 1, "nothing changed, so no new revision");
    assert_eq!(site.rt.block_on(site.store.comments_of(ring.id)).unwrap().len(), 2);
    assert_eq!(site.rt.block_on(site.store.authors()).unwrap().len(), 2);
    assert_eq!(
        site.rt.block_on(site.store.media_library(None, 50)).unwrap().len(),
        2,
        "the copied photograph and the one left at its old address"
    );
    assert_eq!(site.rt.block_on(site.store.redirects(100)).unwrap().len(), 21);
    site.close();

    // The newsroom fixed a sentence in WordPress and exported again.
    let changed = data.path().join("changed.xml");
    let xml = std::fs::read_to_string(fixture("wordpress.xml")).unwrap();
    let xml =
        xml.replace("Households will pay more this winter.", "Households will pay a third more this winter.");
    std::fs::write(&changed, xml).unwrap();
    let uploads = files(&[]);
    let (ok, stdout, stderr) = import(&[
        "wordpress",
        changed.to_str().unwrap(),
        "--data",
        data.path().to_str().unwrap(),
        "--uploads",
        uploads.path().to_str().unwrap(),
        "--time-zone",
        "Europe/Belgrade",
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("articles   0 new, 1 updated, 7 unchanged"), "{stdout}");
    let site = Site::open(data.path());
    let winter = site.article("winters-energy-bill");
    assert_eq!(winter.revision, 2);
    assert!(winter.body.html.contains("a third more"));
    assert_eq!(
        site.article("belgrade-ring-road").featured.map(|f| f.media.path).as_deref(),
        Some("uploads/2024/03/ring-road.jpg"),
        "a file copied before stays"
    );
    assert_eq!(site.count(), 8);
    site.close();
}

#[test]
fn a_wordpress_post_nested_too_deep_is_left_out_alone_with_its_reason_in_the_report() {
    let data = tempfile::tempdir().unwrap();
    let deep = data.path().join("deep.xml");
    let xml = std::fs::read_to_string(fixture("wordpress.xml")).unwrap();
    let xml = xml.replace("Households will pay more this winter.", &"<div>".repeat(40_000));
    std::fs::write(&deep, xml).unwrap();
    let (ok, stdout, stderr) =
        import(&["wordpress", deep.to_str().unwrap(), "--data", data.path().to_str().unwrap()]);
    assert!(ok, "{stderr}");
    assert!(
        stdout.contains("left out: the text nests `<div>` elements more than 100 levels deep"),
        "{stdout}"
    );
    let site = Site::open(data.path());
    assert_eq!(site.count(), 7, "the other articles came in");
    site.close();
}

#[test]
fn a_malformed_wordpress_export_stops_before_writing_anything() {
    let data = tempfile::tempdir().unwrap();
    let report = data.path().join("report.json");
    std::fs::write(&report, "{\"created\": 12}").unwrap();
    let (ok, stdout, stderr) = import(&[
        "wordpress",
        &fixture("wordpress-malformed.xml"),
        "--data",
        data.path().to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    // The report says it failed, and where, instead of last run's.
    let written: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!(written["completed"], false, "{written}");
    assert!(written["error"].as_str().unwrap().contains("wordpress-malformed.xml:20:3"), "{written}");
    assert!(!ok, "{stdout}");
    assert!(
        stderr.contains("wordpress-malformed.xml:20:3: expected </item> but found </channel>"),
        "{stderr}"
    );
    assert!(stderr.contains("nothing was imported"), "{stderr}");
    assert_eq!(stderr.trim().lines().count(), 1, "one line: {stderr}");
    let site = Site::open(data.path());
    assert_eq!(site.count(), 0);
    site.close();
}

#[test]
fn a_dry_run_reports_everything_and_writes_nothing() {
    let data = tempfile::tempdir().unwrap();
    let report = data.path().join("report.json");
    let (ok, stdout, stderr) =
        import_wordpress(data.path(), &["--dry-run", "--report", report.to_str().unwrap()]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("nothing was written"), "{stdout}");
    assert!(stdout.contains("articles   8 new, 0 updated, 0 unchanged"), "{stdout}");
    assert!(stdout.contains("redirects  21 new or changed"), "{stdout}");
    let site = Site::open(data.path());
    assert_eq!(site.count(), 0);
    assert!(site.rt.block_on(site.store.authors()).unwrap().is_empty());
    assert!(site.term_names(TermKind::Theme).is_empty());
    assert!(site.rt.block_on(site.store.redirects(10)).unwrap().is_empty());
    assert!(site.rt.block_on(site.store.media_library(None, 10)).unwrap().is_empty());
    site.close();
    assert!(!data.path().join("media/uploads").exists(), "no file copied");
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
    assert_eq!((report["dry_run"].clone(), report["articles"]["created"].clone()), (true.into(), 8.into()));
}

#[test]
fn ghost_exports_become_articles_with_tags_authors_pages_and_redirects() {
    let data = tempfile::tempdir().unwrap();
    let images = files(&["2024/05/novi-sad-bridge.jpg"]);
    let lexical = |extra: &[&str]| {
        let mut args = vec![
            "ghost",
            "--data",
            data.path().to_str().unwrap(),
            "--base-url",
            "https://danube-review.example",
            "--images",
            images.path().to_str().unwrap(),
        ];
        let file = fixture("ghost-lexical.json");
        args.push(&file);
        args.extend(extra);
        import(&args)
    };
    let mobiledoc =
        || import(&["ghost", &fixture("ghost-mobiledoc.json"), "--data", data.path().to_str().unwrap()]);

    let (ok, stdout, stderr) = lexical(&[]);
    assert!(ok, "{stderr}");
    for expected in [
        "articles   3 new, 0 updated, 0 unchanged",
        "internal tags: 1 left out",
        "page about: a page: Masthead has no pages, so it is an article",
        "its canonical address is https://partner-weekly.example/analysis/danube-bridges",
        "energy-prices-may: a \"signup\" node cannot be shown and was left out",
    ] {
        assert!(stdout.contains(expected), "{expected:?} in\n{stdout}");
    }
    let (ok, stdout, stderr) = mobiledoc();
    assert!(ok, "{stderr}");
    assert!(stdout.contains("articles   3 new, 0 updated, 0 unchanged"), "{stdout}");
    assert!(stdout.contains("is the author already at /author/mara"), "one Mara: {stdout}");

    let site = Site::open(data.path());
    assert_eq!(site.count(), 6);
    let bridges = site.article("danube-bridges-funding");
    assert_eq!(
        (bridges.status, bridges.published_at),
        (ArticleStatus::Published, at("2024-05-24T08:00:00Z"))
    );
    assert_eq!(names(&bridges.authors, |a| &a.name), ["Mara Jovanović", "Tobias Keller"], "in byline order");
    assert_eq!(names(&bridges.terms, |t| &t.name), ["Balkans", "Infrastructure"], "public tags, in order");
    assert!(bridges.body.html.contains("<strong>none</strong> of them is <em>fully</em> funded"));
    assert!(
        bridges.body.html.contains("href=\"https://danube-review.example/danube-ports/\""),
        "{}",
        bridges.body.html
    );
    assert!(!bridges.body.html.contains("__GHOST_URL__"));
    assert_eq!(bridges.excerpt, "Three bridges, one budget, no money yet.");
    let featured = bridges.featured.as_ref().expect("the feature image was copied");
    assert_eq!(featured.media.path, "uploads/2024/05/novi-sad-bridge.jpg");
    assert_eq!(featured.alt, "The new bridge at Novi Sad under construction");
    assert_eq!(featured.credit, "Photo: Danube Review");
    assert!(data.path().join("media/uploads/2024/05/novi-sad-bridge.jpg").is_file());
    assert_eq!(site.article("about").status, ArticleStatus::Published, "pages are articles");
    assert_eq!(site.article("energy-prices-may").status, ArticleStatus::Draft);

    let vukovar = site.article("notes-from-vukovar");
    assert_eq!(names(&vukovar.authors, |a| &a.name), ["Ivo Perić", "Mara Jovanović"]);
    assert_eq!(names(&vukovar.terms, |t| &t.name), ["Croatia", "Borders"]);
    assert!(site.article("rivers-and-borders").body.html.contains("<em>Maps</em> do not."));
    assert_eq!(site.article("contact").status, ArticleStatus::Published);
    let authors = site.rt.block_on(site.store.authors()).unwrap();
    assert_eq!(names(&authors, |a| &a.name), ["Ivo Perić", "Mara Jovanović", "Tobias Keller"]);
    assert_eq!(authors[1].bio, "Editor. Covers Serbia and the region.");
    assert_eq!(
        site.term_names(TermKind::Tag),
        ["Balkans", "Borders", "Croatia", "Europe", "Infrastructure"],
        "#hidden is Ghost's own"
    );
    assert_eq!(site.redirect("/danube-bridges-funding/").as_deref(), Some("/article/danube-bridges-funding"));
    assert_eq!(site.redirect("/rivers-and-borders").as_deref(), Some("/article/rivers-and-borders"));
    site.close();

    let (ok, stdout, _) = lexical(&[]);
    assert!(ok);
    assert!(stdout.contains("articles   0 new, 0 updated, 3 unchanged"), "{stdout}");
    assert!(stdout.contains("authors    0 new, 0 updated, 2 unchanged"), "{stdout}");
    let (ok, stdout, _) = mobiledoc();
    assert!(ok);
    assert!(stdout.contains("articles   0 new, 0 updated, 3 unchanged"), "{stdout}");
    let site = Site::open(data.path());
    assert_eq!(site.count(), 6);
    assert_eq!(site.article("danube-bridges-funding").revision, 1);
    // The site moves to its public address (`serve --base-url …`): the export that names no
    // address of its own is still the same site's, and nothing is made twice.
    let mut settings = site.rt.block_on(site.store.site()).unwrap();
    settings.base_url = "https://news.example.org".parse().unwrap();
    site.rt.block_on(site.store.save_site(&settings)).unwrap();
    site.close();
    let (ok, stdout, stderr) = mobiledoc();
    assert!(ok, "{stderr}");
    assert!(stdout.contains("articles   0 new, "), "{stdout}");
    assert!(stdout.contains("authors    0 new, "), "{stdout}");
    let site = Site::open(data.path());
    assert_eq!(site.count(), 6);
    assert_eq!(site.redirect("/rivers-and-borders").as_deref(), Some("/article/rivers-and-borders"));
    site.close();
}

#[test]
fn wordpress_import_on_postgres_runs_twice_to_the_same_site() {
    let rt = tokio::runtime::Builder::new_current_thread().enable_all().build().unwrap();
    let Some(db) = rt.block_on(TestDb::postgres()) else { return };
    let Location::Postgres { url, schema: Some(schema) } = &db.location else { unreachable!() };
    let url = format!("{url}?options=-c%20search_path%3D{schema}");
    let data = tempfile::tempdir().unwrap();
    for expected in ["articles   8 new, 0 updated, 0 unchanged", "articles   0 new, 0 updated, 8 unchanged"] {
        let (ok, stdout, stderr) = import_wordpress(data.path(), &["--database-url", &url]);
        assert!(ok, "{stderr}");
        assert!(stdout.contains(expected), "{expected:?} in\n{stdout}");
    }
    assert!(!data.path().join("masthead.db").exists(), "no SQLite file when PostgreSQL is used");
    assert_eq!(rt.block_on(db.store.article_count()).unwrap(), 8);
    let ring = rt.block_on(db.store.article_by_slug(&Slug::parse("belgrade-ring-road").unwrap())).unwrap();
    assert_eq!(rt.block_on(db.store.comments_of(ring.id)).unwrap().len(), 2);
    assert_eq!(
        rt.block_on(db.store.redirect_for("/?p=101")).unwrap().as_deref(),
        Some("/article/belgrade-ring-road")
    );
    rt.block_on(db.finish());
}

#[test]
fn an_imported_site_answers_its_old_links_with_redirects() {
    let data = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = import_wordpress(data.path(), &[]);
    assert!(ok, "{stderr}");
    let server = crate::Server::start(&["--data", data.path().to_str().unwrap()]);
    for (old, new) in [
        ("/2024/03/05/belgrade-ring-road/", "/article/belgrade-ring-road"),
        ("/?p=102", "/article/novi-sad-votes"),
        ("/category/europe/balkans/serbia/", "/theme/serbia"),
    ] {
        let (status, response) = crate::http_get(&server.addr, old);
        assert_eq!(status, "HTTP/1.1 301 Moved Permanently", "{old}");
        assert!(response.to_ascii_lowercase().contains(&format!("location: {new}\r\n")), "{old}: {response}");
    }
    let (status, body) = crate::http_get(&server.addr, "/article/belgrade-ring-road");
    assert_eq!(status, "HTTP/1.1 200 OK");
    assert!(body.contains("Construction near Ostružnica"), "the imported body is served");
    let (status, _) = crate::http_get(&server.addr, "/theme/serbia");
    assert_eq!(status, "HTTP/1.1 200 OK");
    let (status, _) = crate::http_get(&server.addr, "/2024/03/05/no-such-post/");
    assert_eq!(status, "HTTP/1.1 404 Not Found");
    assert!(server.stop());
}

#[test]
fn an_export_with_nothing_to_import_is_a_failure_not_a_success() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    // A Ghost export whose posts are not where Ghost puts them.
    let other = data.path().join("posts.json");
    std::fs::write(&other, r#"{"data": {"tags": [], "post": [{"title": "A post in another shape"}]}}"#)
        .unwrap();
    let (ok, stdout, stderr) = import(&["ghost", other.to_str().unwrap(), "--data", dir]);
    assert!(!ok, "{stdout}");
    assert!(stderr.contains("has no posts or pages to import"), "{stderr}");
    let empty = data.path().join("empty.xml");
    std::fs::write(
        &empty,
        "<?xml version=\"1.0\"?>\n<rss version=\"2.0\" xmlns:wp=\"http://wordpress.org/export/1.2/\"><channel>\
         <title>Empty</title><wp:wxr_version>1.2</wp:wxr_version></channel></rss>",
    )
    .unwrap();
    let (ok, stdout, stderr) = import(&["wordpress", empty.to_str().unwrap(), "--data", dir]);
    assert!(!ok, "{stdout}");
    assert!(stderr.contains("has no posts or pages to import"), "{stderr}");
}

#[test]
fn co_authors_plus_bylines_come_in_whole_and_in_order() {
    let data = tempfile::tempdir().unwrap();
    let export = data.path().join("coauthors.xml");
    std::fs::write(
        &export,
        r#"<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:content="http://purl.org/rss/1.0/modules/content/" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:wp="http://wordpress.org/export/1.2/">
<channel>
  <title>Danube Review</title>
  <link>https://danube-review.example</link>
  <wp:wxr_version>1.2</wp:wxr_version>
  <wp:author><wp:author_id>1</wp:author_id><wp:author_login><![CDATA[mara]]></wp:author_login><wp:author_display_name><![CDATA[Mara Jovanović]]></wp:author_display_name></wp:author>
  <item>
    <title>Three bylines</title>
    <link>https://danube-review.example/2024/three-bylines/</link>
    <dc:creator><![CDATA[mara]]></dc:creator>
    <content:encoded><![CDATA[<p>Written by three.</p>]]></content:encoded>
    <wp:post_id>7</wp:post_id>
    <wp:post_date><![CDATA[2024-03-01 09:00:00]]></wp:post_date>
    <wp:post_date_gmt><![CDATA[2024-03-01 08:00:00]]></wp:post_date_gmt>
    <wp:post_name><![CDATA[three-bylines]]></wp:post_name>
    <wp:status><![CDATA[publish]]></wp:status>
    <wp:post_type><![CDATA[post]]></wp:post_type>
    <category domain="author" nicename="cap-ana-petrovic"><![CDATA[Ana Petrović]]></category>
    <category domain="author" nicename="cap-mara"><![CDATA[mara]]></category>
    <category domain="author" nicename="cap-ivo-horvat"><![CDATA[Ivo Horvat]]></category>
  </item>
</channel>
</rss>"#,
    )
    .unwrap();
    let (ok, stdout, stderr) =
        import(&["wordpress", export.to_str().unwrap(), "--data", data.path().to_str().unwrap()]);
    assert!(ok, "{stdout}{stderr}");
    let site = Site::open(data.path());
    let article = site.article("three-bylines");
    let names: Vec<&str> = article.authors.iter().map(|a| a.name.as_str()).collect();
    assert_eq!(names, ["Ana Petrović", "Mara Jovanović", "Ivo Horvat"], "every byline, in its order");
    site.close();
}

#[test]
fn a_second_import_keeps_what_the_newsroom_changed_and_reports_a_clash() {
    let data = tempfile::tempdir().unwrap();
    let (ok, _, stderr) = import_wordpress(data.path(), &[]);
    assert!(ok, "{stderr}");
    // An editor corrects the headline here after the import.
    let site = Site::open(data.path());
    let winter = site.article("winters-energy-bill");
    let mut edited = site.rt.block_on(site.store.revision_snapshot(winter.id, winter.revision)).unwrap();
    edited.title = "Winter's energy bill, corrected here".to_owned();
    site.rt.block_on(site.store.update_article(winter.id, winter.revision, &edited, None)).unwrap();
    site.close();

    // The same export again: the correction stays, and nothing is reported as updated.
    let (ok, stdout, stderr) = import_wordpress(data.path(), &[]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("articles   0 new, 0 updated, 8 unchanged"), "{stdout}");
    assert!(!stdout.contains("Kept as changed here"), "{stdout}");
    let site = Site::open(data.path());
    assert_eq!(site.article("winters-energy-bill").title, "Winter's energy bill, corrected here");
    site.close();

    // WordPress changed the text and the headline: the text comes in, our headline stays, and
    // the clash is named.
    let changed = data.path().join("changed.xml");
    let xml = std::fs::read_to_string(fixture("wordpress.xml")).unwrap();
    let xml = xml
        .replace("Households will pay more this winter.", "Households will pay a third more this winter.")
        .replace(
            "<title>Winter&#8217;s &lt;em&gt;energy&lt;/em&gt; bill</title>",
            "<title>Winter bills rise</title>",
        );
    assert!(xml.contains("Winter bills rise"), "the fixture's headline was found");
    std::fs::write(&changed, xml).unwrap();
    let report = data.path().join("report.json");
    let uploads = files(&[]);
    let (ok, stdout, stderr) = import(&[
        "wordpress",
        "--uploads",
        uploads.path().to_str().unwrap(),
        changed.to_str().unwrap(),
        "--data",
        data.path().to_str().unwrap(),
        "--time-zone",
        "Europe/Belgrade",
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("articles   0 new, 1 updated, 7 unchanged"), "{stdout}");
    assert!(stdout.contains("Kept as changed here (1):"), "{stdout}");
    assert!(stdout.contains("changed here since the last import and in the export (headline)"), "{stdout}");
    let site = Site::open(data.path());
    let winter = site.article("winters-energy-bill");
    assert_eq!(winter.title, "Winter's energy bill, corrected here");
    assert!(winter.body.html.contains("a third more"), "{}", winter.body.html);
    site.close();
    let report: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(report).unwrap()).unwrap();
    assert_eq!(report["conflicts"].as_array().map(Vec::len), Some(1), "{report}");

    // Run again: what the last import wrote is now the base, so nothing changes.
    let (ok, stdout, stderr) = import(&[
        "wordpress",
        "--uploads",
        uploads.path().to_str().unwrap(),
        changed.to_str().unwrap(),
        "--data",
        data.path().to_str().unwrap(),
        "--time-zone",
        "Europe/Belgrade",
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("articles   0 new, 0 updated, 8 unchanged"), "{stdout}");
}

#[test]
fn a_lenient_wordpress_export_comes_in_whole() {
    // What WordPress's own importer takes: a bare `&` in an address, an item without
    // <wp:post_id>, an id without its prefix, and HTML written without CDATA.
    let data = tempfile::tempdir().unwrap();
    let export = fixture("wordpress-lenient.xml");
    let run_import = || import(&["wordpress", &export, "--data", data.path().to_str().unwrap()]);
    let (ok, stdout, stderr) = run_import();
    assert!(ok, "{stderr}");
    assert!(stdout.contains("articles   2 new, 0 updated, 0 unchanged"), "{stdout}");
    let site = Site::open(data.path());
    assert_eq!(site.article("salt-and-pepper").title, "Salt & pepper");
    assert_eq!(site.redirect("/?p=7").as_deref(), Some("/article/salt-and-pepper"), "the id in its guid");
    let unprefixed = site.article("unprefixed");
    assert!(unprefixed.body.html.contains("Written <em>without</em> CDATA."), "{}", unprefixed.body.html);
    site.close();
    let (ok, stdout, stderr) = run_import();
    assert!(ok, "{stderr}");
    assert!(stdout.contains("articles   0 new, 0 updated, 2 unchanged"), "{stdout}");
}

/// An old site's server on loopback: every path answers with a small JPEG, except paths with
/// "missing" in them (404); returns its address and the count of requests it answered.
fn image_server() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap().to_string();
    let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = served.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            let Ok(mut stream) = stream else { continue };
            let mut request = [0u8; 4096];
            let n = stream.read(&mut request).unwrap_or(0);
            let line = String::from_utf8_lossy(&request[..n]).lines().next().unwrap_or_default().to_owned();
            count.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
            let body: &[u8] = b"\xff\xd8\xff\xe0\x00\x10JFIF a small photograph";
            if line.contains("missing") {
                let _ = stream
                    .write_all(b"HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n");
            } else {
                let _ = write!(
                    stream,
                    "HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(body);
            }
        }
    });
    (addr, served)
}

#[test]
fn lead_images_not_copied_stay_at_their_old_address_with_their_credit() {
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    let (ok, stdout, stderr) = import(&[
        "ghost",
        &fixture("ghost-lexical.json"),
        "--data",
        dir,
        "--base-url",
        "https://danube-review.example",
    ]);
    assert!(ok, "{stderr}");
    assert!(stdout.contains("its feature image, shown from there"), "{stdout}");
    let site = Site::open(data.path());
    let bridges = site.article("danube-bridges-funding");
    let featured = bridges.featured.expect("the lead image is kept");
    assert_eq!(
        featured.media.path,
        "https://danube-review.example/content/images/2024/05/novi-sad-bridge.jpg"
    );
    assert_eq!(featured.media.public_path(), featured.media.path, "shown from its old address");
    assert_eq!(featured.alt, "The new bridge at Novi Sad under construction");
    assert_eq!(featured.credit, "Photo: Danube Review");
    site.close();

    // The WordPress export without its uploads folder: the lead image stays where it was.
    let (ok, _, stderr) =
        import(&["wordpress", &fixture("wordpress.xml"), "--data", dir, "--time-zone", "Europe/Belgrade"]);
    assert!(ok, "{stderr}");
    let site = Site::open(data.path());
    let ring = site.article("belgrade-ring-road");
    assert_eq!(
        ring.featured.map(|f| f.media.path).as_deref(),
        Some("https://danube-review.example/wp-content/uploads/2024/03/ring-road.jpg")
    );
    site.close();
}

#[test]
fn fetch_media_downloads_what_the_folders_lack_once() {
    let (addr, served) = image_server();
    let data = tempfile::tempdir().unwrap();
    let dir = data.path().to_str().unwrap();
    let base = format!("http://{addr}");
    let ghost = || {
        import(&[
            "ghost",
            &fixture("ghost-lexical.json"),
            "--data",
            dir,
            "--base-url",
            &base,
            "--fetch-media",
            "--allow-private-fetch",
        ])
    };
    let (ok, stdout, stderr) = ghost();
    assert!(ok, "{stderr}");
    assert!(stdout.contains("downloaded"), "{stdout}");
    let site = Site::open(data.path());
    let bridges = site.article("danube-bridges-funding");
    let featured = bridges.featured.expect("the lead image was downloaded");
    assert_eq!(featured.media.path, "uploads/fetched/127.0.0.1/content/images/2024/05/novi-sad-bridge.jpg");
    assert_eq!(featured.media.mime_type, "image/jpeg", "judged by its content");
    assert_eq!(featured.credit, "Photo: Danube Review");
    assert!(data.path().join("media").join(&featured.media.path).is_file());
    assert!(
        !bridges.body.html.contains(&format!("{base}/content/images/")),
        "the text's images point at their copies: {}",
        bridges.body.html
    );
    site.close();
    let fetched = served.load(std::sync::atomic::Ordering::SeqCst);
    assert!(fetched >= 1);

    // Again: nothing is downloaded twice.
    let (ok, stdout, stderr) = ghost();
    assert!(ok, "{stderr}");
    assert!(stdout.contains("articles   0 new, 0 updated, 3 unchanged"), "{stdout}");
    assert_eq!(served.load(std::sync::atomic::Ordering::SeqCst), fetched, "{stdout}");
}

#[test]
fn frames_and_players_in_an_export_become_cards_or_named_links() {
    let data = tempfile::tempdir().unwrap();
    let report = data.path().join("report.json");
    let (ok, stdout, stderr) = import(&[
        "wordpress",
        &fixture("wordpress-media.xml"),
        "--data",
        data.path().to_str().unwrap(),
        "--report",
        report.to_str().unwrap(),
    ]);
    assert!(ok, "{stderr}");
    for expected in [
        "a frame from player.example-podcasts.com is not one the embed allowlist knows: it is a link to it now",
        "the audio https://old.example/wp-content/uploads/2024/03/talk.mp3 is not in the media library",
        "the video https://old.example/clip.webm is not in the media library",
    ] {
        assert!(stdout.contains(expected), "{expected:?} in\n{stdout}");
    }
    let report = std::fs::read_to_string(report).unwrap();
    assert!(report.contains("player.example-podcasts.com"), "the report names it too: {report}");
    let site = Site::open(data.path());
    let body = site.article("sounds").body.html;
    assert!(
        body.contains(
            r#"<figure class="embed" data-embed="https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ">"#
        ),
        "{body}"
    );
    assert!(body.contains(r#"<a href="https://player.example-podcasts.com/e/123""#), "{body}");
    assert!(body.contains(">Listen: talk.mp3</a>"), "{body}");
    assert!(body.contains(">Watch: clip.webm</a>"), "{body}");
    assert!(!body.contains("[audio"), "{body}");
    site.close();
}

/// What one export of the corpus gives: the counts of what it makes (authors, terms,
/// articles, comments), or where it is refused, and a distinctive part of each note the
/// summary must carry.
struct Expected {
    file: &'static str,
    args: &'static [&'static str],
    made: Result<[u64; 4], &'static str>,
    notes: &'static [&'static str],
}

/// Every export in `tests/fixtures/import/` (written for the project to WordPress's and
/// Ghost's published shapes) is imported into an empty site, and its report must say what the
/// table says; an export without an entry, or an entry without its export, fails.
#[test]
fn every_export_of_the_corpus_gives_what_the_table_says() {
    let table = [
        Expected {
            file: "wordpress.xml",
            args: &["--time-zone", "Europe/Belgrade"],
            made: Ok([2, 8, 8, 2]),
            notes: &[
                "comment:13: not approved",
                "a menu entry",
                "its slug балкани became balkani",
                "its gallery names attachment 299, which is not in the export",
                "the shortcode [contact-form-7] is kept as text",
                "private in WordPress: a draft here",
                "https://danube-review.example/wp-content/uploads/2024/04/polling-station.jpg",
            ],
        },
        Expected {
            file: "wordpress-malformed.xml",
            args: &[],
            made: Err("wordpress-malformed.xml:20:3: expected </item> but found </channel>"),
            notes: &[],
        },
        Expected {
            file: "wordpress-lenient.xml",
            args: &[],
            made: Ok([1, 0, 2, 0]),
            notes: &["posts name this login, but the export does not list it", "it names no author"],
        },
        Expected {
            file: "wordpress-media.xml",
            args: &[],
            made: Ok([0, 0, 1, 0]),
            notes: &[
                "a frame from player.example-podcasts.com is not one the embed allowlist knows",
                "the audio https://old.example/wp-content/uploads/2024/03/talk.mp3 is not in the media library",
                "the video https://old.example/clip.webm is not in the media library",
            ],
        },
        Expected {
            file: "ghost-lexical.json",
            args: &["--base-url", "https://danube-review.example"],
            made: Ok([2, 3, 3, 0]),
            notes: &[
                "1 left out: Ghost's own switches",
                "a \"signup\" node cannot be shown and was left out",
                "its canonical address is https://partner-weekly.example/analysis/danube-bridges",
                "novi-sad-bridge.jpg (its feature image, shown from there)",
            ],
        },
        Expected {
            file: "ghost-mobiledoc.json",
            args: &[],
            made: Ok([2, 2, 3, 0]),
            notes: &["a page: Masthead has no pages", "danube-map.png (its feature image, shown from there)"],
        },
        Expected {
            file: "ghost-malformed.json",
            args: &[],
            made: Err("ghost-malformed.json:7:76: this is not valid JSON"),
            notes: &[],
        },
    ];
    let folder = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/fixtures/import");
    let mut on_disk: Vec<String> = std::fs::read_dir(&folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = table.iter().map(|e| e.file.to_owned()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "every export of the corpus has its line in the table, and only those");

    for expected in &table {
        let data = tempfile::tempdir().unwrap();
        let report = data.path().join("report.json");
        let kind = if expected.file.starts_with("ghost") { "ghost" } else { "wordpress" };
        let file = fixture(expected.file);
        let mut args = vec![
            kind,
            file.as_str(),
            "--data",
            data.path().to_str().unwrap(),
            "--report",
            report.to_str().unwrap(),
        ];
        args.extend(expected.args);
        let (ok, stdout, stderr) = import(&args);
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&report).unwrap()).unwrap();
        match expected.made {
            Ok(counts) => {
                assert!(ok, "{}: {stderr}", expected.file);
                let made: Vec<u64> = ["authors", "terms", "articles", "comments"]
                    .iter()
                    .map(|k| json[k]["created"].as_u64().unwrap())
                    .collect();
                assert_eq!(
                    made, counts,
                    "{}: authors, terms, articles, comments made\n{stdout}",
                    expected.file
                );
                assert_eq!(json["complete"], true, "{}", expected.file);
            }
            Err(refusal) => {
                assert!(!ok, "{} must be refused", expected.file);
                assert_eq!(json["completed"], false, "{}", expected.file);
                let error = json["error"].as_str().unwrap();
                assert!(error.contains(refusal), "{}: {error}", expected.file);
            }
        }
        let notes = ["skipped", "altered", "remote_media", "conflicts"]
            .iter()
            .flat_map(|k| json[k].as_array().cloned().unwrap_or_default())
            .map(|n| {
                format!(
                    "{}: {}",
                    n["item"].as_str().unwrap_or_default(),
                    n["reason"].as_str().unwrap_or_default()
                )
            })
            .collect::<Vec<_>>();
        for note in expected.notes {
            assert!(notes.iter().any(|n| n.contains(note)), "{}: {note:?} in {notes:#?}", expected.file);
        }
    }
}

#[test]
fn items_known_alike_each_keep_their_own_article() {
    // Two items without id, guid, link, date or title (and the same comment): each is its own
    // article, and a second run finds both again.
    let item = "<item><content:encoded><![CDATA[<p>Twice.</p>]]></content:encoded><wp:status>publish</wp:status>\
                <wp:post_type>post</wp:post_type><wp:comment><wp:comment_id>1</wp:comment_id>\
                <wp:comment_content>Same</wp:comment_content><wp:comment_approved>1</wp:comment_approved>\
                <wp:comment_date_gmt>2024-01-01 10:00:00</wp:comment_date_gmt></wp:comment></item>";
    let xml = format!(
        "<rss version=\"2.0\" xmlns:content=\"http://purl.org/rss/1.0/modules/content/\" \
         xmlns:wp=\"http://wordpress.org/export/1.2/\"><channel><wp:wxr_version>1.2</wp:wxr_version>{item}{item}</channel></rss>"
    );
    let data = tempfile::tempdir().unwrap();
    let export = data.path().join("twice.xml");
    std::fs::write(&export, xml).unwrap();
    let run_import =
        || import(&["wordpress", export.to_str().unwrap(), "--data", data.path().to_str().unwrap()]);
    let (ok, stdout, stderr) = run_import();
    assert!(ok, "{stderr}");
    assert!(stdout.contains("articles   2 new"), "{stdout}");
    assert!(stdout.contains("another item of the export is known as item::"), "{stdout}");
    let (ok, stdout, stderr) = run_import();
    assert!(ok, "{stderr}");
    assert!(stdout.contains("articles   0 new, 0 updated, 2 unchanged"), "{stdout}");
}
