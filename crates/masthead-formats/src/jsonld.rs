//! schema.org `NewsArticle` as JSON-LD, for search engines and link previews.

use masthead_core::{Article, Site, TermKind};
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
        "inLanguage": site.language,
        "datePublished": a.published_at.map(|t| rfc3339_in(t, zone)),
        "dateModified": rfc3339_in(a.updated_at, zone),
        "author": a.authors.iter().map(|p| json!({
            "@type": "Person",
            "name": p.name,
            "url": site.url(&p.path()),
        })).collect::<Vec<_>>(),
        "publisher": {
            "@type": "NewsMediaOrganization",
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

/// JSON-LD safe to place inside `<script type="application/ld+json">`: no `<` can end the
/// element early.
pub fn to_script_text(doc: &Value) -> String {
    serde_json::to_string(doc).expect("JSON values serialise").replace('<', "\\u003c")
}
