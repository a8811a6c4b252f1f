//! schema.org as JSON-LD, for search engines and link previews: `NewsArticle` for an article,
//! `WebSite` with its outlet for the home page, `CollectionPage` for an archive and
//! `ProfilePage` for an author's page. Each names the site and the outlet by the same `@id`.

use masthead_core::{Article, Author, Site, TermKind};
use serde_json::{Value, json};

use crate::feeds::license_url;
use crate::{article_url, rfc3339_in};

pub fn news_article(site: &Site, a: &Article) -> Value {
    let url = article_url(site, a);
    let zone = &a.time_zone;
    let mut doc = json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "@id": url,
        "url": url,
        "mainEntityOfPage": { "@type": "WebPage", "@id": url },
        "headline": a.title,
        "description": if a.dek.is_empty() { &a.excerpt } else { &a.dek },
        "inLanguage": a.language_in(site),
        "datePublished": a.published_at.map(|t| rfc3339_in(t, zone)),
        "dateModified": rfc3339_in(a.updated_at, zone),
        "author": a.authors.iter().map(|p| json!({
            "@type": "Person",
            "name": p.name,
            "url": site.url(&p.path()),
        })).collect::<Vec<_>>(),
        "publisher": {
            "@type": "NewsMediaOrganization",
            "@id": outlet_id(site),
            "name": site.title,
            "url": site.url("/"),
        },
        "copyrightHolder": { "@type": "Organization", "name": a.copyright_outlet(site) },
        "copyrightNotice": a.copyright_line(site),
        "license": license_url(site, a),
        "articleSection": a.terms_of(TermKind::Theme).map(|t| t.name.clone()).collect::<Vec<_>>(),
        "keywords": a.terms_of(TermKind::Tag).map(|t| t.name.clone()).collect::<Vec<_>>(),
        "contentLocation": a.terms_of(TermKind::Region).map(|t| json!({ "@type": "Place", "name": t.name })).collect::<Vec<_>>(),
    });
    if let Some(f) = &a.featured {
        doc["image"] = json!({
            "@type": "ImageObject",
            "url": site.url(&f.media.public_path()),
            "width": f.media.width,
            "height": f.media.height,
            "caption": f.alt,
            "creditText": f.credit,
        });
    }
    // The original of a group of translations, and its translations.
    let url_of = |t: &masthead_core::Translation| site.url(&masthead_core::article::article_path(&t.slug));
    if let Some(original) = a.translation_of.and_then(|id| a.translations.iter().find(|t| t.id == id)) {
        doc["translationOfWork"] = json!({ "@id": url_of(original) });
    } else if a.translation_of.is_none() && !a.translations.is_empty() {
        doc["workTranslation"] = a.translations.iter().map(|t| json!({ "@id": url_of(t) })).collect();
    }
    if let Some(logo) = logo(site) {
        doc["publisher"]["logo"] = logo;
    }
    if !a.corrections.is_empty() {
        doc["correction"] = a
            .corrections
            .iter()
            .map(|c| json!({ "@type": "CorrectionComment", "text": c.text, "datePublished": rfc3339_in(c.made_at, zone) }))
            .collect();
    }
    if let Some(original) = a.provenance.original() {
        doc["isBasedOn"] = json!({
            "@type": "NewsArticle",
            "url": original.url.to_string(),
            "publisher": { "@type": "NewsMediaOrganization", "name": original.outlet.name },
            "datePublished": original.published_at.map(|t| rfc3339_in(t, zone)),
        });
    }
    doc
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
        doc["@graph"][1]["logo"] = logo;
    }
    doc
}

/// The outlet's logo as an `ImageObject`, when it has one.
fn logo(site: &Site) -> Option<Value> {
    site.logo_url().map(|url| json!({ "@type": "ImageObject", "url": url }))
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
    serde_json::to_string(doc).expect("JSON values serialise").replace('<', "\\u003c")
}
