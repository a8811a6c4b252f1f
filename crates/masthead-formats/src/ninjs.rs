//! IPTC ninjs 2.2 ("News in JSON"): one published article as a news item for partners'
//! systems, with the reuse terms, the copyright and, for a republished article, the original
//! in `infosources` and `altids`. Checked against the official schema by the tests.

use masthead_core::{Article, Site, TermKind};
use serde::{Deserialize, Serialize};

use crate::feeds::license_url;
use crate::json_text::JsonText;
use crate::{article_url, portable_body, rfc3339_in};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Ninjs {
    pub uri: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub representationtype: String,
    pub profile: String,
    pub firstcreated: String,
    pub versioncreated: String,
    /// The article's revision: raised by every save, a correction included.
    pub version: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contentcreated: Option<String>,
    pub pubstatus: String,
    pub language: String,
    pub copyrightholder: String,
    pub copyrightnotice: String,
    pub usageterms: String,
    pub rightsinfo: RightsInfo,
    pub headlines: Vec<Text>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub descriptions: Vec<Text>,
    pub bodies: Vec<Body>,
    pub by: String,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub people: Vec<Concept>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub places: Vec<Concept>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub subjects: Vec<Concept>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub infosources: Vec<InfoSource>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub altids: Vec<AltId>,
    pub renditions: Vec<Rendition>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub associations: Vec<Association>,
}

/// What a withdrawn article's ninjs says (with 410 Gone): its identity, that it is withdrawn
/// (`pubstatus` "canceled", ninjs's word for an item taken back), since when, and the notice,
/// and nothing of its text.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Withdrawn {
    pub uri: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub version: String,
    pub versioncreated: String,
    pub pubstatus: String,
    pub copyrightholder: String,
    /// The notice, for the receiving newsroom.
    pub ednote: String,
}

/// [`Withdrawn`] for the withdrawn article `a`.
pub fn withdrawn(site: &Site, a: &Article) -> Withdrawn {
    let (at, notice) = match &a.withdrawal {
        Some(w) => (w.at, w.notice.clone()),
        None => (a.updated_at, String::new()),
    };
    Withdrawn {
        uri: a.id_url(site),
        kind: "text".into(),
        version: a.revision.to_string(),
        versioncreated: rfc3339_in(at, &a.time_zone),
        pubstatus: "canceled".into(),
        copyrightholder: a.copyright_outlet(site).to_owned(),
        ednote: notice,
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RightsInfo {
    pub linkedrights: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Text {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub role: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub contenttype: Option<String>,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Body {
    pub role: String,
    pub contenttype: String,
    pub wordcount: u64,
    /// Escaped for JSON once: the same body is in the republish document too.
    pub value: JsonText,
}

/// A person, place, subject or source: ninjs gives them one shape.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Concept {
    pub name: String,
    pub rel: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub literal: Option<String>,
}

/// A party that originated, republished or supplied the content.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct InfoSource {
    pub name: String,
    pub role: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub literal: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AltId {
    pub role: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Rendition {
    pub name: String,
    pub href: String,
    pub contenttype: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub width: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub height: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sizeinbytes: Option<i64>,
}

/// The featured picture, as an associated news object.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Association {
    pub name: String,
    pub uri: String,
    #[serde(rename = "type")]
    pub kind: String,
    pub descriptions: Vec<Text>,
    pub by: String,
    pub renditions: Vec<Rendition>,
}

/// The URL of an article's ninjs document.
pub fn ninjs_path(article: &Article) -> String {
    format!("{}.ninjs.json", article.path())
}

pub fn ninjs(site: &Site, a: &Article) -> Ninjs {
    ninjs_with_body(site, a, JsonText::new(portable_body(site, a)))
}

/// [`ninjs`] with the article's [`portable_body`] as made already, for a caller that needs it
/// for other documents too.
pub fn ninjs_with_body(site: &Site, a: &Article, body: JsonText) -> Ninjs {
    let url = article_url(site, a);
    let policy = a.effective_policy(site);
    let zone = &a.time_zone;
    let concept = |t: &masthead_core::Term, rel: &str| Concept {
        name: t.name.clone(),
        rel: rel.into(),
        uri: Some(site.url(&t.path())),
        literal: Some(t.slug.to_string()),
    };
    let mut infosources = Vec::new();
    let mut altids = vec![AltId { role: "masthead-id".into(), value: a.id.to_string() }];
    if let Some(original) = a.provenance.original() {
        infosources.push(InfoSource {
            name: original.outlet.name.clone(),
            role: "originatingparty".into(),
            uri: Some(original.url.to_string()),
            literal: Some(original.outlet.slug.to_string()),
        });
        for via in a.provenance.intermediaries() {
            infosources.push(InfoSource {
                name: via.outlet.name.clone(),
                role: "republisher".into(),
                uri: Some(via.url.to_string()),
                literal: Some(via.outlet.slug.to_string()),
            });
        }
        altids.push(AltId { role: "original-url".into(), value: original.url.to_string() });
    }
    infosources.push(InfoSource {
        name: site.title.clone(),
        role: "publisher".into(),
        uri: Some(site.url("/")),
        literal: None,
    });
    let mut descriptions = Vec::new();
    if !a.dek.is_empty() {
        descriptions.push(Text {
            role: Some("dek".into()),
            contenttype: Some("text/plain".into()),
            value: a.dek.clone(),
        });
    }
    descriptions.push(Text {
        role: Some("summary".into()),
        contenttype: Some("text/plain".into()),
        value: a.excerpt.clone(),
    });
    Ninjs {
        uri: a.id_url(site),
        kind: "text".into(),
        representationtype: "full".into(),
        profile: if a.featured_for_copies().is_some() { "text-photo".into() } else { "text-only".into() },
        // The item's first version is its first publication, here or at the source (an
        // imported or republished article was saved here after it; a draft was saved here
        // before, but no one outside saw it). Partners' systems read it as the publication date.
        firstcreated: rfc3339_in(
            [a.published_at, a.provenance.original().and_then(|o| o.published_at)]
                .into_iter()
                .flatten()
                .min()
                .unwrap_or(a.created_at),
            zone,
        ),
        versioncreated: rfc3339_in(a.updated_at, zone),
        version: a.revision.to_string(),
        contentcreated: a
            .provenance
            .original()
            .and_then(|o| o.published_at)
            .or(a.published_at)
            .map(|t| rfc3339_in(t, zone)),
        pubstatus: "usable".into(),
        language: a.language_in(site).to_owned(),
        copyrightholder: a.copyright_outlet(site).to_owned(),
        copyrightnotice: a.copyright_line(site),
        usageterms: policy.text().into(),
        rightsinfo: RightsInfo { linkedrights: license_url(site, a) },
        headlines: vec![Text {
            role: Some("main".into()),
            contenttype: Some("text/plain".into()),
            value: a.title.clone(),
        }],
        descriptions,
        bodies: vec![Body {
            role: "main".into(),
            contenttype: "text/html".into(),
            wordcount: a.words() as u64,
            value: body,
        }],
        by: a.authors.iter().map(|p| p.name.as_str()).collect::<Vec<_>>().join(", "),
        people: a
            .authors
            .iter()
            .map(|p| Concept {
                name: p.name.clone(),
                rel: "author".into(),
                uri: Some(site.url(&p.path())),
                literal: Some(p.slug.to_string()),
            })
            .collect(),
        places: a.terms_of(TermKind::Region).map(|t| concept(t, "about")).collect(),
        subjects: a
            .terms_of(TermKind::Theme)
            .map(|t| concept(t, "theme"))
            .chain(a.terms_of(TermKind::Tag).map(|t| concept(t, "tag")))
            .collect(),
        infosources,
        altids,
        renditions: vec![Rendition {
            name: "html".into(),
            href: url,
            contenttype: "text/html".into(),
            width: None,
            height: None,
            sizeinbytes: None,
        }],
        associations: a
            .featured_for_copies()
            .into_iter()
            .map(|f| {
                let href = site.url(&f.media.public_path());
                Association {
                    name: "featureimage".into(),
                    uri: href.clone(),
                    kind: "picture".into(),
                    descriptions: vec![Text {
                        role: Some("alt".into()),
                        contenttype: None,
                        value: f.alt.clone(),
                    }],
                    by: f.credit.clone(),
                    renditions: vec![Rendition {
                        name: "original".into(),
                        href,
                        contenttype: f.media.mime_type.clone(),
                        width: f.media.width,
                        height: f.media.height,
                        sizeinbytes: Some(f.media.size_bytes),
                    }],
                }
            })
            .collect(),
    }
}

/// A page of the partners' listing (`/ninjs/items`): items and where the next page starts.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NinjsListing {
    pub items: Vec<Ninjs>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}
