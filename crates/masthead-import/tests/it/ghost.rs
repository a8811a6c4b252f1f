//! Danube Review's Ghost exports: Ghost 5 with Lexical bodies, Ghost 3 with Mobiledoc.

use masthead_import::{
    GhostAuthor, GhostBody, GhostPost, GhostStatus, GhostTag, parse_ghost, parse_ghost_with_base,
};

use crate::fixture;

const BASE: &str = "https://danube-review.example";

fn post<'a>(posts: &'a [GhostPost], slug: &str) -> &'a GhostPost {
    posts.iter().find(|p| p.slug == slug).unwrap_or_else(|| panic!("no post {slug}"))
}

fn time(p: &Option<jiff::Timestamp>) -> Option<String> {
    p.map(|t| t.to_string())
}

#[test]
fn lexical_export_authors_and_public_tags() {
    let site = parse_ghost_with_base(&fixture("ghost-lexical.json"), "ghost-lexical.json", BASE).unwrap();
    assert_eq!(site.base_url.as_deref(), Some(BASE));
    assert_eq!(
        site.authors,
        [
            GhostAuthor {
                id: "1".into(),
                name: "Mara Jovanović".into(),
                slug: "mara".into(),
                email: Some("mara@danube-review.example".into()),
                bio: Some("Editor. Covers Serbia and the region.".into()),
                website: Some("https://mara.example".into()),
            },
            GhostAuthor {
                id: "6650a1f0c1d2e3f4a5b6c7b2".into(),
                name: "Tobias Keller".into(),
                slug: "tobias".into(),
                email: Some("tobias@danube-review.example".into()),
                bio: None,
                website: None,
            },
        ]
    );
    let tags: Vec<(&str, &str)> = site.tags.iter().map(|t| (t.slug.as_str(), t.name.as_str())).collect();
    assert_eq!(tags, [("europe", "Europe"), ("balkans", "Balkans"), ("infrastructure", "Infrastructure")]);
    assert_eq!(
        site.tags[1],
        GhostTag {
            id: "6650a1f0c1d2e3f4a5b6c7c2".into(),
            name: "Balkans".into(),
            slug: "balkans".into(),
            description: Some("The Western Balkans, from Ljubljana to Skopje.".into()),
        }
    );
    assert_eq!(site.skipped_internal_tags, 1, "#hidden is Ghost's, not the newsroom's");
}

#[test]
fn lexical_post_is_rendered_with_its_cards_and_resolved_urls() {
    let site = parse_ghost_with_base(&fixture("ghost-lexical.json"), "ghost-lexical.json", BASE).unwrap();
    let p = post(&site.posts, "danube-bridges-funding");
    assert_eq!(p.body_from, GhostBody::Lexical);
    assert_eq!(
        p.html,
        "<p>Three new bridges will cross the Danube by 2027, and <strong>none</strong> of them is <em>fully</em> funded, \
         according to <a href=\"https://mgsi.example.gov.rs/plan-2027?lang=en&amp;page=2\">the ministry&#39;s own plan</a>.</p>\
         <h2>Where the money comes from</h2>\
         <ul><li>EU pre-accession funds</li><li>loans from the EIB &amp; EBRD</li><li>the state budget</li></ul>\
         <figure><img src=\"https://danube-review.example/content/images/2024/05/zezelj-bridge.jpg\" alt=\"The Žeželj bridge at dusk\">\
         <figcaption><span style=\"white-space: pre-wrap;\">The Žeželj bridge, rebuilt in 2018</span></figcaption></figure>\
         <p>Costs in <strong>million euros</strong>:</p>\n<ul>\n<li>Novi Sad: 120</li>\n<li>Smederevo: 85</li>\n</ul>\n\
         <table class=\"costs\"><tr><th>Bridge</th><th>Opens</th></tr><tr><td>Novi Sad</td><td>2026</td></tr></table>\
         <p>Read our <a href=\"https://danube-review.example/danube-ports/\">earlier analysis</a>.</p>"
    );
    assert_eq!(p.title, "Who pays for the Danube's new bridges");
    assert_eq!(p.status, GhostStatus::Published);
    assert!(!p.is_page);
    assert_eq!(p.excerpt.as_deref(), Some("Three bridges, one budget, no money yet."));
    assert_eq!(
        p.feature_image.as_deref(),
        Some("https://danube-review.example/content/images/2024/05/novi-sad-bridge.jpg")
    );
    assert_eq!(p.feature_image_alt.as_deref(), Some("The new bridge at Novi Sad under construction"));
    assert_eq!(
        p.feature_image_caption.as_deref(),
        Some("Photo: <a href=\"https://danube-review.example/about/\">Danube Review</a>")
    );
    assert_eq!(p.meta_title.as_deref(), Some("Who pays for the Danube bridges? | Danube Review"));
    assert_eq!(p.canonical_url.as_deref(), Some("https://partner-weekly.example/analysis/danube-bridges"));
    assert_eq!(time(&p.published_at).as_deref(), Some("2024-05-24T08:00:00Z"));
    assert_eq!(time(&p.created_at).as_deref(), Some("2024-05-22T14:03:11Z"));
    assert_eq!(time(&p.updated_at).as_deref(), Some("2024-05-24T09:12:40Z"));
    // In sort order, without the internal #hidden tag.
    assert_eq!(p.tag_ids, ["6650a1f0c1d2e3f4a5b6c7c2", "6650a1f0c1d2e3f4a5b6c7c4"]);
    assert_eq!(p.author_ids, ["1", "6650a1f0c1d2e3f4a5b6c7b2"]);
}

#[test]
fn lexical_export_page_and_draft() {
    let site = parse_ghost_with_base(&fixture("ghost-lexical.json"), "ghost-lexical.json", BASE).unwrap();
    assert_eq!(site.posts.len(), 3);
    let about = post(&site.posts, "about");
    assert!(about.is_page);
    assert_eq!(about.body_from, GhostBody::Html, "html wins over lexical when present");
    assert!(about.html.starts_with("<p>We are an independent analysis outlet based in Novi Sad."));

    let draft = post(&site.posts, "energy-prices-may");
    assert_eq!(draft.status, GhostStatus::Draft);
    assert_eq!(draft.published_at, None);
    assert_eq!(time(&draft.updated_at).as_deref(), Some("2024-06-02T16:45:12.345Z"));
    assert_eq!(draft.body_from, GhostBody::Lexical, "an empty html is no body");
    assert_eq!(
        draft.html,
        "<p>Prices for households rose again in May.</p>\
         <figure class=\"embed\" data-embed=\"https://www.youtube-nocookie.com/embed/Zk3xQ9Vb1Ts\"><a href=\"https://www.youtube.com/watch?v=Zk3xQ9Vb1Ts\">https://www.youtube.com/watch?v=Zk3xQ9Vb1Ts</a></figure>"
    );
    assert_eq!(
        site.notes,
        ["energy-prices-may: a \"signup\" node cannot be shown and was left out"],
        "an embed of a provider we embed is kept, click-to-load"
    );
}

#[test]
fn without_a_base_ghost_url_stays_and_is_noted() {
    let site = parse_ghost(&fixture("ghost-lexical.json"), "ghost-lexical.json").unwrap();
    assert_eq!(site.base_url, None);
    let p = post(&site.posts, "danube-bridges-funding");
    assert_eq!(p.feature_image.as_deref(), Some("__GHOST_URL__/content/images/2024/05/novi-sad-bridge.jpg"));
    assert!(p.html.contains("src=\"__GHOST_URL__/content/images/2024/05/zezelj-bridge.jpg\""));
    assert_eq!(
        site.notes.last().map(String::as_str),
        Some(
            "__GHOST_URL__ is left in 1 post: the export does not say the site's address; read it with parse_ghost_with_base"
        )
    );
}

#[test]
fn mobiledoc_export_without_wrapper() {
    let site = parse_ghost(&fixture("ghost-mobiledoc.json"), "ghost-mobiledoc.json").unwrap();
    assert!(site.notes.is_empty(), "{:?}", site.notes);
    assert_eq!(site.skipped_internal_tags, 0);
    let slugs: Vec<(&str, bool)> = site.posts.iter().map(|p| (p.slug.as_str(), p.is_page)).collect();
    assert_eq!(slugs, [("rivers-and-borders", false), ("contact", true), ("notes-from-vukovar", false)]);

    let rivers = post(&site.posts, "rivers-and-borders");
    assert_eq!(rivers.body_from, GhostBody::Mobiledoc);
    assert_eq!(
        rivers.html,
        "<p>The Danube is a border for <strong>a third</strong> of its length, says the \
         <a href=\"https://www.icpdr.example/danube-basin?year=2020&amp;lang=en\">river commission</a>.</p>\
         <h2>Borders that move</h2>\
         <p>Islands shift with the current.<br><em>Maps</em> do not.</p>\
         <ul><li>Vukovar island</li><li>Šarengrad island</li></ul>\
         <figure><img src=\"https://danube-review.example/content/images/2020/11/iron-gates.jpg\" alt=\"The Iron Gates gorge\">\
         <figcaption>The Iron Gates, where Serbia meets Romania</figcaption></figure>\
         <blockquote>A river is a poor border &amp; a good road.</blockquote>"
    );
    assert_eq!(rivers.meta_title.as_deref(), Some("Rivers and borders on the Danube"));
    assert_eq!(time(&rivers.published_at).as_deref(), Some("2020-11-03T07:00:00Z"));

    let vukovar = post(&site.posts, "notes-from-vukovar");
    assert_eq!(
        vukovar.html,
        "<p>Notes from a week in Vukovar.</p><p>Figures from the <strong>2021 census</strong>.</p>\n<hr><p>More next week.</p>"
    );
    // Ordered by sort_order, not by their place in the file.
    assert_eq!(vukovar.author_ids, ["5fa2b3c4d5e6f7a8b9c0d202", "5fa2b3c4d5e6f7a8b9c0d201"]);
    assert_eq!(vukovar.tag_ids, ["5fa2b3c4d5e6f7a8b9c0d302", "5fa2b3c4d5e6f7a8b9c0d301"]);
    assert_eq!(post(&site.posts, "contact").html, "<p>Write to desk@danube-review.example.</p>");
}

#[test]
fn malformed_json_names_file_line_and_column() {
    let e = parse_ghost(&fixture("ghost-malformed.json"), "ghost-malformed.json").unwrap_err();
    assert_eq!((e.line, e.column), (Some(7), Some(76)));
    assert_eq!(e.to_string(), "ghost-malformed.json:7:76: this is not valid JSON: expected `,` or `}`");
}
