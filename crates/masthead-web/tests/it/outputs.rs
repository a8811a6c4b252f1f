//! Every output of one article, written by an attacker: classic XSS vectors put in its
//! headline, standfirst, excerpt and body come out of no output as something a consumer would
//! run. Each output is parsed as its format (feed-rs for feeds, serde_json, an HTML parser),
//! and every place a consumer renders as HTML is parsed as HTML, after decoding it once.

use axum::http::StatusCode;
use masthead_core::Role;
use scraper::{Html, Selector};
use serde_json::{Value, json};

use crate::harness::api_call as call;
use crate::harness::{Reply, TestApp};

/// The vectors of `tests/fixtures/xss-vectors.txt`, with `\0` made a NUL.
fn vectors() -> Vec<String> {
    include_str!("../fixtures/xss-vectors.txt")
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| l.replace("\\0", "\0"))
        .collect()
}

/// What in `html` would run or take over the page, as "element: why". `json_ld` allows the
/// one `<script type="application/ld+json">` an article page carries, if it holds JSON.
fn executable(html: &Html, json_ld: bool) -> Vec<String> {
    const URL_ATTRIBUTES: [&str; 11] = [
        "href",
        "src",
        "action",
        "formaction",
        "data",
        "xlink:href",
        "poster",
        "background",
        "cite",
        "srcset",
        "ping",
    ];
    let mut found = Vec::new();
    for element in html.select(&Selector::parse("*").unwrap()) {
        let e = element.value();
        let name = e.name();
        let is_json_ld = name == "script"
            && json_ld
            && e.attr("type") == Some("application/ld+json")
            && e.attr("src").is_none()
            && serde_json::from_str::<Value>(&element.text().collect::<String>()).is_ok();
        if matches!(name, "script" | "iframe" | "frame" | "frameset" | "base" | "object" | "embed" | "applet")
            && !is_json_ld
        {
            found.push(format!("<{name}>"));
        }
        if name == "meta" && e.attr("http-equiv").is_some_and(|v| v.trim().eq_ignore_ascii_case("refresh")) {
            found.push("<meta http-equiv=refresh>".into());
        }
        for (attribute, value) in e.attrs() {
            let attribute = attribute.to_ascii_lowercase();
            if attribute.starts_with("on") {
                found.push(format!("<{name} {attribute}>"));
            }
            if attribute == "srcdoc" {
                found.push(format!("<{name} srcdoc>"));
            }
            // Browsers ignore whitespace and control characters inside a scheme.
            let url: String = value
                .chars()
                .filter(|c| !c.is_ascii_whitespace() && !c.is_control())
                .collect::<String>()
                .to_ascii_lowercase();
            if URL_ATTRIBUTES.contains(&attribute.as_str())
                && ["javascript:", "vbscript:", "data:text/html"].iter().any(|s| url.contains(s))
            {
                found.push(format!("<{name} {attribute}={value:?}>"));
            }
            if attribute == "style" && url.contains("expression(") {
                found.push(format!("<{name} style={value:?}>"));
            }
        }
    }
    found
}

fn assert_inert_fragment(html: &str, place: &str) {
    let found = executable(&Html::parse_fragment(html), false);
    assert!(found.is_empty(), "{place} holds {found:?}:\n{html}");
}

fn assert_inert_page(reply: &Reply, place: &str) {
    assert_eq!(reply.status, StatusCode::OK, "{place}: {}", reply.body);
    let found = executable(&reply.html(), true);
    assert!(found.is_empty(), "{place} holds {found:?}");
}

/// Every place of a feed-rs entry that a reader shows as HTML, decoded once by the parser.
fn assert_inert_feed(reply: &Reply, place: &str) {
    assert_eq!(reply.status, StatusCode::OK, "{place}");
    let feed = feed_rs::parser::parse(reply.body.as_bytes())
        .unwrap_or_else(|e| panic!("{place} does not parse: {e}\n{}", reply.body));
    assert!(!feed.entries.is_empty(), "{place} has entries");
    let is_html = |m: &feed_rs::model::Text| {
        matches!(m.content_type.essence().to_string().as_str(), "text/html" | "application/xhtml+xml")
    };
    for entry in &feed.entries {
        let texts = entry.title.iter().chain(entry.summary.iter()).chain(feed.description.iter());
        for text in texts.filter(|t| is_html(t)) {
            assert_inert_fragment(&text.content, &format!("{place}: {}", entry.id));
        }
        if let Some(body) = entry.content.as_ref().and_then(|c| c.body.as_deref()) {
            assert_inert_fragment(body, &format!("{place}: content of {}", entry.id));
        }
    }
}

fn json(reply: &Reply, place: &str) -> Value {
    assert_eq!(reply.status, StatusCode::OK, "{place}");
    serde_json::from_str(&reply.body).unwrap_or_else(|e| panic!("{place} is not JSON: {e}\n{}", reply.body))
}

#[tokio::test]
async fn xss_vectors_in_an_article_come_out_of_no_output_as_markup() {
    let app = TestApp::demo().await;
    let editor = app.api_token(Role::Editor, None).await;
    let author = app.store().authors().await.unwrap()[0].id;
    let vectors = vectors();
    assert!(vectors.len() >= 20, "the fixture holds the vectors");
    let inline = vectors.join(" ");
    // One article with a standfirst (which RSS uses as the description), one without (the
    // excerpt is used instead); one body in HTML, one in Markdown.
    let cases = [("xss-in-html", "html", inline.as_str()), ("xss-in-markdown", "markdown", "")];
    for (slug, format, dek) in cases {
        let request = json!({
            "title": format!("Headline {inline}"),
            "slug": slug,
            "dek": dek,
            "excerpt": inline,
            "body": vectors.join("\n\n"),
            "body_format": format,
            "author_ids": [author],
        });
        let (status, created) = call(&app, &editor, "POST", "/api/admin/articles", Some(request)).await;
        assert_eq!(status, StatusCode::CREATED, "{created}");
        let id = created["id"].as_i64().unwrap();
        let (status, published) =
            call(&app, &editor, "POST", &format!("/api/admin/articles/{id}/publish"), None).await;
        assert_eq!(status, StatusCode::OK, "{published}");
    }

    for path in ["/feed.xml", "/atom.xml", "/feed.json"] {
        assert_inert_feed(&app.get(path).await, path);
    }
    let feed = json(&app.get("/feed.json").await, "JSON Feed");
    for item in feed["items"].as_array().unwrap() {
        if let Some(html) = item["content_html"].as_str() {
            assert_inert_fragment(html, "JSON Feed content_html");
        }
    }

    for (slug, _, _) in cases {
        let page = app.get(&format!("/article/{slug}")).await;
        assert_inert_page(&page, slug);
        let scripts: Vec<String> =
            page.html().select(&Selector::parse("script").unwrap()).map(|s| s.text().collect()).collect();
        assert_eq!(scripts.len(), 1, "{slug}: only the JSON-LD script, which no vector ends early");
        let ld: Value = serde_json::from_str(&scripts[0]).expect("the JSON-LD parses");
        assert!(ld["headline"].as_str().unwrap().contains("<script>"), "the headline is data, kept whole");

        let ninjs = json(&app.get(&format!("/article/{slug}.ninjs.json")).await, "ninjs");
        for body in ninjs["bodies"].as_array().unwrap() {
            if body["contenttype"].as_str().is_some_and(|t| t.contains("html")) {
                assert_inert_fragment(body["value"].as_str().unwrap(), &format!("{slug}: ninjs body"));
            }
        }

        assert_inert_page(
            &app.get(&format!("/article/{slug}/republish")).await,
            &format!("{slug}/republish"),
        );
        let republish = json(&app.get(&format!("/article/{slug}/republish.json")).await, "republish.json");
        for key in ["html", "body_html", "canonical_tag"] {
            if let Some(html) = republish[key].as_str() {
                assert_inert_fragment(html, &format!("{slug}: republish.json {key}"));
            }
        }
    }
    app.finish().await;
}

/// Reads `xml` to its end with quick-xml, as a strict consumer would.
fn assert_well_formed(xml: &str, place: &str) {
    let mut reader = quick_xml::Reader::from_str(xml);
    loop {
        match reader.read_event() {
            Ok(quick_xml::events::Event::Eof) => break,
            Ok(quick_xml::events::Event::Text(t)) => {
                let text = t.decode().unwrap_or_else(|e| panic!("{place}: {e}"));
                let bad: Vec<char> = text.chars().filter(|c| !is_xml_char(*c)).collect();
                assert!(bad.is_empty(), "{place} holds characters XML forbids: {bad:?}");
            }
            Ok(_) => {}
            Err(e) => panic!("{place} is not XML: {e}\n{xml}"),
        }
    }
    assert!(!xml.chars().any(|c| !is_xml_char(c)), "{place} holds characters XML forbids");
}

/// XML 1.0's `Char` production.
fn is_xml_char(c: char) -> bool {
    matches!(c, '\t' | '\n' | '\r' | '\u{20}'..='\u{D7FF}' | '\u{E000}'..='\u{FFFD}' | '\u{10000}'..)
}

#[tokio::test]
async fn control_characters_saved_through_the_api_never_break_feeds_or_sitemaps() {
    let app = TestApp::demo().await;
    let editor = app.api_token(Role::Editor, None).await;
    let author = app.store().authors().await.unwrap()[0].id;
    // What Word and broken exports paste: a vertical tab for a line break, C0 and C1
    // controls, noncharacters.
    let dirty = "Floods\u{0B}in the \u{1}valley\u{0}\u{8}\u{1F}\u{7F}\u{85}\u{FFFE}\u{FFFF} \u{0C}today";
    let request = json!({
        "title": dirty,
        "slug": "control-characters",
        "dek": dirty,
        "excerpt": dirty,
        "body": format!("{dirty}\n\nSecond {dirty}"),
        "author_ids": [author],
        "featured_alt": dirty,
    });
    let (status, created) = call(&app, &editor, "POST", "/api/admin/articles", Some(request)).await;
    assert_eq!(status, StatusCode::CREATED, "{created}");
    let id = created["id"].as_i64().unwrap();
    let (status, published) =
        call(&app, &editor, "POST", &format!("/api/admin/articles/{id}/publish"), None).await;
    assert_eq!(status, StatusCode::OK, "{published}");

    for path in ["/feed.xml", "/atom.xml", "/sitemap.xml", "/news-sitemap.xml"] {
        let reply = app.get(path).await;
        assert_eq!(reply.status, StatusCode::OK, "{path}");
        assert_well_formed(&reply.body, path);
        let body = if path == "/sitemap.xml" { crate::harness::all_sitemaps(&app).await } else { reply.body };
        assert!(body.contains("control-characters"), "{path} carries the article");
    }
    for path in ["/feed.xml", "/atom.xml", "/feed.json"] {
        let feed = feed_rs::parser::parse(app.get(path).await.body.as_bytes())
            .unwrap_or_else(|e| panic!("{path} does not parse: {e}"));
        assert!(feed.entries.iter().any(|e| e.id.ends_with("/control-characters")), "{path}");
    }
    assert_eq!(published["title"], "Floods in the valley   today", "replaced when saved");
    assert_eq!(published["dek"], "Floods in the valley   today");
    app.finish().await;
}

#[tokio::test]
async fn sitemaps_list_only_the_articles_whose_page_is_the_original() {
    let app = TestApp::demo().await;
    let ids: Vec<i64> = app.published().await.iter().map(|s| s.id).collect();
    let articles = app.store().articles(&ids).await.unwrap();
    let (republished, own): (Vec<_>, Vec<_>) = articles.iter().partition(|a| a.provenance.is_republished());
    assert!(!republished.is_empty() && !own.is_empty(), "the demo has both");
    for path in ["/sitemap.xml", "/news-sitemap.xml"] {
        let body = if path == "/sitemap.xml" {
            crate::harness::all_sitemaps(&app).await
        } else {
            app.get(path).await.body
        };
        // (The news sitemap holds the last two days only.)
        for a in own.iter().filter(|_| path == "/sitemap.xml") {
            assert!(body.contains(&format!("/article/{}</loc>", a.slug)), "{path} lists {}", a.slug);
        }
        // Search engines are told to find the original's page instead (its canonical).
        for a in &republished {
            assert!(!body.contains(&format!("/article/{}</loc>", a.slug)), "{path} lists {}", a.slug);
        }
    }
    app.finish().await;
}
