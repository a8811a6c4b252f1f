//! schema.org as JSON-LD, for search engines and link previews: `NewsArticle` for an article,
//! `WebSite` with its outlet for the home page, `CollectionPage` for an archive and
//! `ProfilePage` for an author's page. Each names the site and the outlet by the same `@id`.

use masthead_core::{Article, Author, Site, TermKind};
use serde::Serialize;
use serde_json::{Value, json};

use crate::feeds::license_url;
use crate::{article_url, rfc3339_in};

/// An article as `NewsArticle`, as the text of its `<script>` (safe there as
/// [`to_script_text`]'s), written straight from its fields: what every article page carries.
pub fn news_article_script(site: &Site, a: &Article) -> String {
    script_safe(serde_json::to_string(&NewsArticle::of(site, a)).expect("JSON-LD serialises"))
}

/// An article as schema.org's `NewsArticle`. The fields of each object are declared in the
/// order of their names, as serde_json writes the keys of a JSON object, so that the text is
/// the same as that of its JSON value, like the other documents here (a test holds them to
/// it).
#[derive(Serialize)]
struct NewsArticle<'a> {
    #[serde(rename = "@context")]
    context: &'static str,
    #[serde(rename = "@id")]
    id: String,
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "articleSection")]
    article_section: Vec<&'a str>,
    author: Vec<Person<'a>>,
    #[serde(rename = "contentLocation")]
    content_location: Vec<Named<'a>>,
    #[serde(rename = "copyrightHolder")]
    copyright_holder: Named<'a>,
    #[serde(rename = "copyrightNotice")]
    copyright_notice: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    correction: Option<Vec<Correction<'a>>>,
    #[serde(rename = "dateModified")]
    date_modified: String,
    #[serde(rename = "datePublished")]
    date_published: Option<String>,
    description: &'a str,
    headline: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<Image<'a>>,
    #[serde(rename = "inLanguage")]
    in_language: &'a str,
    #[serde(rename = "isBasedOn", skip_serializing_if = "Option::is_none")]
    is_based_on: Option<BasedOn<'a>>,
    keywords: Vec<&'a str>,
    license: String,
    #[serde(rename = "mainEntityOfPage")]
    main_entity_of_page: WebPage,
    publisher: Publisher<'a>,
    #[serde(rename = "translationOfWork", skip_serializing_if = "Option::is_none")]
    translation_of_work: Option<Identified>,
    url: String,
    #[serde(rename = "workTranslation", skip_serializing_if = "Option::is_none")]
    work_translation: Option<Vec<Identified>>,
}

#[derive(Serialize)]
struct Person<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
    url: String,
}

/// A `Place` or an `Organization` by its name.
#[derive(Serialize)]
struct Named<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    name: &'a str,
}

#[derive(Serialize)]
struct Correction<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "datePublished")]
    date_published: String,
    text: &'a str,
}

#[derive(Serialize)]
struct Image<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    caption: &'a str,
    #[serde(rename = "creditText")]
    credit_text: &'a str,
    height: Option<i64>,
    url: String,
    width: Option<i64>,
}

#[derive(Serialize)]
struct BasedOn<'a> {
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(rename = "datePublished")]
    date_published: Option<String>,
    publisher: Named<'a>,
    url: String,
}

#[derive(Serialize)]
struct WebPage {
    #[serde(rename = "@id")]
    id: String,
    #[serde(rename = "@type")]
    kind: &'static str,
}

#[derive(Serialize)]
struct Publisher<'a> {
    #[serde(rename = "@id")]
    id: String,
    #[serde(rename = "@type")]
    kind: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    logo: Option<Logo>,
    name: &'a str,
    url: String,
}

#[derive(Serialize)]
struct Logo {
    #[serde(rename = "@type")]
    kind: &'static str,
    url: String,
}

#[derive(Serialize)]
struct Identified {
    #[serde(rename = "@id")]
    id: String,
}

impl<'a> NewsArticle<'a> {
    fn of(site: &'a Site, a: &'a Article) -> NewsArticle<'a> {
        let url = article_url(site, a);
        let zone = &a.time_zone;
        // The original of a group of translations, and its translations.
        let url_of = |t: &masthead_core::Translation| Identified {
            id: site.url(&masthead_core::article::article_path(&t.slug)),
        };
        let original = a.translation_of.and_then(|id| a.translations.iter().find(|t| t.id == id));
        let work_translation = (a.translation_of.is_none() && !a.translations.is_empty())
            .then(|| a.translations.iter().map(url_of).collect());
        NewsArticle {
            context: "https://schema.org",
            id: url.clone(),
            kind: "NewsArticle",
            article_section: a.terms_of(TermKind::Theme).map(|t| t.name.as_str()).collect(),
            author: a
                .authors
                .iter()
                .map(|p| Person { kind: "Person", name: &p.name, url: site.url(&p.path()) })
                .collect(),
            content_location: a
                .terms_of(TermKind::Region)
                .map(|t| Named { kind: "Place", name: &t.name })
                .collect(),
            copyright_holder: Named { kind: "Organization", name: a.copyright_outlet(site) },
            copyright_notice: a.copyright_line(site),
            correction: (!a.corrections.is_empty()).then(|| {
                a.corrections
                    .iter()
                    .map(|c| Correction {
                        kind: "CorrectionComment",
                        date_published: rfc3339_in(c.made_at, zone),
                        text: &c.text,
                    })
                    .collect()
            }),
            date_modified: rfc3339_in(a.updated_at, zone),
            date_published: a.published_at.map(|t| rfc3339_in(t, zone)),
            description: if a.dek.is_empty() { &a.excerpt } else { &a.dek },
            headline: &a.title,
            image: a.featured.as_ref().map(|f| Image {
                kind: "ImageObject",
                caption: &f.alt,
                credit_text: &f.credit,
                height: f.media.height,
                url: site.url(&f.media.public_path()),
                width: f.media.width,
            }),
            in_language: a.language_in(site),
            is_based_on: a.provenance.original().map(|original| BasedOn {
                kind: "NewsArticle",
                date_published: original.published_at.map(|t| rfc3339_in(t, zone)),
                publisher: Named { kind: "NewsMediaOrganization", name: &original.outlet.name },
                url: original.url.to_string(),
            }),
            keywords: a.terms_of(TermKind::Tag).map(|t| t.name.as_str()).collect(),
            license: license_url(site, a),
            main_entity_of_page: WebPage { id: url.clone(), kind: "WebPage" },
            publisher: Publisher {
                id: outlet_id(site),
                kind: "NewsMediaOrganization",
                logo: logo(site),
                name: &site.title,
                url: site.url("/"),
            },
            translation_of_work: original.map(url_of),
            url,
            work_translation,
        }
    }
}

/// The `@id` of the site as a `WebSite`, and of the outlet behind it.
fn website_id(site: &Site) -> String {
    format!("{}#website", site.url("/"))
}

fn outlet_id(site: &Site) -> String {
    format!("{}#outlet", site.url("/"))
}

/// The home page: the site, with its search, and the outlet that publishes it.
pub fn website(site: &Site) -> Value {
    let home = site.url("/");
    let mut doc = json!({
        "@context": "https://schema.org",
        "@graph": [
            {
                "@type": "WebSite",
                "@id": website_id(site),
                "url": home,
                "name": site.title,
                "description": site.tagline,
                "inLanguage": site.language,
                "publisher": { "@id": outlet_id(site) },
                "potentialAction": {
                    "@type": "SearchAction",
                    "target": { "@type": "EntryPoint", "urlTemplate": format!("{}?q={{search_term_string}}", site.url("/search")) },
                    "query-input": "required name=search_term_string",
                },
            },
            {
                "@type": "NewsMediaOrganization",
                "@id": outlet_id(site),
                "name": site.title,
                "url": home,
            },
        ],
    });
    if let Some(logo) = logo(site) {
        doc["@graph"][1]["logo"] = json!(logo);
    }
    doc
}

/// The outlet's logo as an `ImageObject`, when it has one.
fn logo(site: &Site) -> Option<Logo> {
    site.logo_url().map(|url| Logo { kind: "ImageObject", url })
}

/// An archive of articles (a region, theme or tag) at `path`, part of the site.
pub fn collection_page(site: &Site, path: &str, name: &str, description: &str) -> Value {
    let url = site.url(path);
    json!({
        "@context": "https://schema.org",
        "@type": "CollectionPage",
        "@id": url,
        "url": url,
        "name": name,
        "description": description,
        "inLanguage": site.language,
        "isPartOf": { "@type": "WebSite", "@id": website_id(site), "url": site.url("/"), "name": site.title },
    })
}

/// An author's page: a profile of the person, with the addresses they gave as theirs.
pub fn profile_page(site: &Site, author: &Author) -> Value {
    let url = site.url(&author.path());
    json!({
        "@context": "https://schema.org",
        "@type": "ProfilePage",
        "@id": url,
        "url": url,
        "inLanguage": site.language,
        "isPartOf": { "@type": "WebSite", "@id": website_id(site), "url": site.url("/"), "name": site.title },
        "mainEntity": {
            "@type": "Person",
            "name": author.name,
            "url": url,
            "description": author.bio,
            "sameAs": author.links.iter().map(|l| l.url.to_string()).collect::<Vec<_>>(),
        },
    })
}

/// JSON-LD safe to place inside `<script type="application/ld+json">`: no `<` can end the
/// element early.
pub fn to_script_text(doc: &Value) -> String {
    script_safe(serde_json::to_string(doc).expect("JSON values serialise"))
}

/// JSON text with each `<` written as an escape (copied only when it has one).
fn script_safe(json: String) -> String {
    if json.contains('<') { json.replace('<', "\\u003c") } else { json }
}

#[cfg(test)]
mod order_tests {
    use super::*;

    /// Every field present: the text written from the struct is the text of its JSON value,
    /// whose object keys serde_json sorts; so the fields are in the order of their names.
    #[test]
    fn a_news_article_is_written_as_its_json_value_is() {
        let named = |name| Named { kind: "Place", name };
        let full = NewsArticle {
            context: "https://schema.org",
            id: "https://example.org/article/a".into(),
            kind: "NewsArticle",
            article_section: vec!["Economy"],
            author: vec![Person {
                kind: "Person",
                name: "Ana",
                url: "https://example.org/author/ana".into(),
            }],
            content_location: vec![named("Balkans")],
            copyright_holder: named("The Outlet"),
            copyright_notice: "Copyright".into(),
            correction: Some(vec![Correction {
                kind: "CorrectionComment",
                date_published: "2026-11-01T08:00:00+01:00".into(),
                text: "Fixed.",
            }]),
            date_modified: "2026-11-01T08:00:00+01:00".into(),
            date_published: Some("2026-11-01T08:00:00+01:00".into()),
            description: "What happened",
            headline: "Port volumes <fall>",
            image: Some(Image {
                kind: "ImageObject",
                caption: "A port",
                credit_text: "Photo: Ana",
                height: Some(600),
                url: "https://example.org/media/port.jpg".into(),
                width: Some(800),
            }),
            in_language: "en",
            is_based_on: Some(BasedOn {
                kind: "NewsArticle",
                date_published: Some("2026-10-31T08:00:00Z".into()),
                publisher: named("Partner"),
                url: "https://partner.example/a".into(),
            }),
            keywords: vec!["ports"],
            license: "https://example.org/terms".into(),
            main_entity_of_page: WebPage { id: "https://example.org/article/a".into(), kind: "WebPage" },
            publisher: Publisher {
                id: "https://example.org/#outlet".into(),
                kind: "NewsMediaOrganization",
                logo: Some(Logo { kind: "ImageObject", url: "https://example.org/logo.png".into() }),
                name: "The Outlet",
                url: "https://example.org/".into(),
            },
            translation_of_work: Some(Identified { id: "https://example.org/article/b".into() }),
            url: "https://example.org/article/a".into(),
            work_translation: Some(vec![Identified { id: "https://example.org/article/c".into() }]),
        };
        let written = serde_json::to_string(&full).unwrap();
        assert_eq!(written, serde_json::to_string(&serde_json::to_value(&full).unwrap()).unwrap());
        assert_eq!(script_safe(written.clone()), to_script_text(&serde_json::to_value(&full).unwrap()));
        assert!(script_safe(written).contains("Port volumes \\u003cfall>"));
    }
}
