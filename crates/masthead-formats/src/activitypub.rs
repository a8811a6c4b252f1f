//! ActivityPub documents (Activity Streams 2.0 as JSON-LD with known contexts): the outlet and
//! its authors as actors, an article as an `Article` with a preview `Note` (FEP-b2b8), the
//! activities that carry it, collections, WebFinger and NodeInfo answers; and what other
//! servers send us, read as plain JSON.
//!
//! Documents from elsewhere are read as JSON by their property names, never expanded as
//! JSON-LD (which would fetch contexts from the network). Nothing here fetches, signs or
//! decides: the federation use cases do.

use masthead_core::{Article, Author, Site, TermKind};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::{article_url, portable_body, rfc3339};

/// The address everyone can read.
pub const PUBLIC: &str = "https://www.w3.org/ns/activitystreams#Public";
/// The media type of every document here.
pub const MEDIA_TYPE: &str = "application/activity+json";

/// Our actors by their key in the store (`outlet`, `author:<id>`), and their addresses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ActorKey {
    Outlet,
    Author(i64),
}

impl ActorKey {
    /// How the store names it.
    pub fn key(self) -> String {
        match self {
            ActorKey::Outlet => "outlet".into(),
            ActorKey::Author(id) => format!("author:{id}"),
        }
    }

    pub fn parse(key: &str) -> Option<ActorKey> {
        match key {
            "outlet" => Some(ActorKey::Outlet),
            _ => key.strip_prefix("author:")?.parse().ok().map(ActorKey::Author),
        }
    }

    /// The path of the actor's document.
    pub fn path(self) -> String {
        match self {
            ActorKey::Outlet => "/ap/outlet".into(),
            ActorKey::Author(id) => format!("/ap/authors/{id}"),
        }
    }

    pub fn id(self, site: &Site) -> String {
        site.url(&self.path())
    }

    /// The actor our address `id` names, if it is one of ours.
    pub fn from_id(site: &Site, id: &str) -> Option<ActorKey> {
        let path = id.strip_prefix(site.url("/").trim_end_matches('/'))?;
        match path {
            "/ap/outlet" => Some(ActorKey::Outlet),
            _ => path.strip_prefix("/ap/authors/")?.parse().ok().map(ActorKey::Author),
        }
    }

    /// The id of the actor's RSA key (`publicKey`).
    pub fn rsa_key_id(self, site: &Site) -> String {
        format!("{}#main-key", self.id(site))
    }

    /// The id of the actor's Ed25519 key (`assertionMethod`, FEP-521a).
    pub fn ed25519_key_id(self, site: &Site) -> String {
        format!("{}#ed25519-key", self.id(site))
    }
}

/// The shared inbox of every actor of ours.
pub fn shared_inbox(site: &Site) -> String {
    site.url("/ap/inbox")
}

/// The id of an article as an ActivityPub object (its page is its `url`).
pub fn object_id(site: &Site, article_id: i64) -> String {
    site.url(&format!("/ap/articles/{article_id}"))
}

/// The article whose object id is `id`, when it is one of ours.
pub fn article_of_object(site: &Site, id: &str) -> Option<i64> {
    id.strip_prefix(site.url("/").trim_end_matches('/'))?.strip_prefix("/ap/articles/")?.parse().ok()
}

/// An actor's public keys as its document shows them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKeys {
    /// SPKI PEM of the RSA key.
    pub rsa_pem: String,
    /// The Ed25519 key as a Multikey (`z…`).
    pub ed25519_multibase: String,
}

fn context() -> Value {
    json!([
        "https://www.w3.org/ns/activitystreams",
        "https://w3id.org/security/v1",
        "https://w3id.org/security/data-integrity/v1",
        {
            "schema": "http://schema.org#",
            "license": "schema:license",
            "isBasedOn": { "@id": "schema:isBasedOn", "@type": "@id" },
            "Hashtag": "as:Hashtag",
            "sensitive": "as:sensitive",
            "manuallyApprovesFollowers": "as:manuallyApprovesFollowers",
            "featured": { "@id": "http://joinmastodon.org/ns#featured", "@type": "@id" },
            "discoverable": "http://joinmastodon.org/ns#discoverable",
            "indexable": "http://joinmastodon.org/ns#indexable",
            "preview": "as:preview"
        }
    ])
}

/// Who an actor is, for its document.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ActorProfile {
    pub key: ActorKey,
    /// `preferredUsername`: the part before the `@` of its handle.
    pub username: String,
    pub name: String,
    /// Plain text.
    pub summary: String,
    /// Its page on the site (absolute).
    pub url: String,
    /// Absolute address of its picture, if it has one.
    pub icon: Option<String>,
    pub published: Option<jiff::Timestamp>,
}

impl ActorProfile {
    /// The outlet, named `username` on the fediverse.
    pub fn outlet(site: &Site, username: &str) -> ActorProfile {
        ActorProfile {
            key: ActorKey::Outlet,
            username: username.into(),
            name: site.title.clone(),
            summary: site.tagline.clone(),
            url: site.url("/"),
            icon: (!site.logo.is_empty()).then(|| site.url(&site.logo)),
            published: None,
        }
    }

    /// One of the outlet's authors, named by their slug.
    pub fn author(site: &Site, author: &Author, icon: Option<String>) -> ActorProfile {
        ActorProfile {
            key: ActorKey::Author(author.id),
            username: author.slug.to_string(),
            name: author.name.clone(),
            summary: author.bio.clone(),
            url: site.url(&author.path()),
            icon,
            published: None,
        }
    }
}

/// An actor's document: `Organization` for the outlet, `Person` for an author.
pub fn actor(site: &Site, profile: &ActorProfile, keys: &PublicKeys) -> Value {
    let id = profile.key.id(site);
    let kind = match profile.key {
        ActorKey::Outlet => "Organization",
        ActorKey::Author(_) => "Person",
    };
    let mut doc = json!({
        "@context": context(),
        "id": id,
        "type": kind,
        "preferredUsername": profile.username,
        "name": profile.name,
        "summary": escape_text(&profile.summary),
        "url": profile.url,
        "inbox": format!("{id}/inbox"),
        "outbox": format!("{id}/outbox"),
        "followers": format!("{id}/followers"),
        "following": format!("{id}/following"),
        "featured": format!("{id}/featured"),
        "endpoints": { "sharedInbox": shared_inbox(site) },
        "manuallyApprovesFollowers": false,
        "discoverable": true,
        "indexable": true,
        "publicKey": {
            "id": profile.key.rsa_key_id(site),
            "owner": id,
            "publicKeyPem": keys.rsa_pem,
        },
        "assertionMethod": [{
            "id": profile.key.ed25519_key_id(site),
            "type": "Multikey",
            "controller": id,
            "publicKeyMultibase": keys.ed25519_multibase,
        }],
    });
    if let Some(icon) = &profile.icon {
        doc["icon"] = json!({ "type": "Image", "url": icon });
    }
    if let Some(at) = profile.published {
        doc["published"] = json!(rfc3339(at));
    }
    doc
}

/// Text made safe to show as HTML, in a paragraph; empty stays empty.
fn escape_text(text: &str) -> String {
    if text.is_empty() {
        return String::new();
    }
    format!("<p>{}</p>", quick_xml::escape::escape(text))
}

/// A term's name as a hashtag: words joined, each capitalised ("Western Balkans" →
/// "#WesternBalkans"); none when nothing of it is a letter or digit.
pub fn hashtag(name: &str) -> Option<String> {
    let tag: String = name
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            chars.next().map(|c| c.to_uppercase().chain(chars).collect::<String>()).unwrap_or_default()
        })
        .collect();
    (!tag.is_empty()).then(|| format!("#{tag}"))
}

/// The authors an article is attributed to on the fediverse: its own authors' actors, or the
/// outlet's when none of its authors is ours (a partner's piece).
pub fn attributed_to(a: &Article) -> Vec<ActorKey> {
    let own: Vec<ActorKey> =
        a.authors.iter().filter(|p| p.outlet_id.is_none()).map(|p| ActorKey::Author(p.id)).collect();
    if own.is_empty() { vec![ActorKey::Outlet] } else { own }
}

/// An article as an `Article` object: headline, summary, the body as copies carry it (absolute
/// links, images that may not travel replaced, corrections after it), its page, its authors,
/// hashtags from its regions, themes and tags, its image if that may travel, its dates, its
/// licence, and for a republished piece the original outlet and address; with a `Note` for
/// servers that show only short posts (FEP-b2b8).
pub fn article_object(site: &Site, a: &Article) -> Value {
    let url = article_url(site, a);
    let id = object_id(site, a.id);
    let attributed: Vec<String> = attributed_to(a).into_iter().map(|k| k.id(site)).collect();
    let summary = if a.dek.is_empty() { &a.excerpt } else { &a.dek };
    let mut content = portable_body(site, a);
    if let Some(original) = a.provenance.original() {
        content.push_str(&format!(
            "\n<p class=\"provenance\">This article was originally published on <a href=\"{}\">{}</a>.</p>",
            quick_xml::escape::escape(original.url.as_str()),
            quick_xml::escape::escape(&original.outlet.name)
        ));
    }
    let tags: Vec<Value> = [TermKind::Region, TermKind::Theme, TermKind::Tag]
        .into_iter()
        .flat_map(|kind| a.terms_of(kind))
        .filter_map(|t| {
            hashtag(&t.name)
                .map(|name| json!({ "type": "Hashtag", "name": name, "href": site.url(&t.path()) }))
        })
        .collect();
    let published = a.published_at.map(rfc3339);
    let preview_text = format!(
        "<p><strong>{}</strong></p>{}<p><a href=\"{url}\">{url}</a></p>",
        quick_xml::escape::escape(&a.title),
        escape_text(summary),
        url = quick_xml::escape::escape(&url)
    );
    let mut doc = json!({
        "@context": context(),
        "id": id,
        "type": "Article",
        "name": a.title,
        "summary": escape_text(summary),
        "content": &content,
        "mediaType": "text/html",
        "url": url,
        "attributedTo": attributed,
        "to": [PUBLIC],
        "cc": [format!("{}/followers", ActorKey::Outlet.id(site))],
        "published": published,
        "updated": rfc3339(a.updated_at),
        "tag": tags,
        "sensitive": false,
        "license": crate::feeds::license_url(site, a),
        "contentMap": { a.language_in(site): content },
        "preview": {
            "type": "Note",
            "attributedTo": attributed.first(),
            "content": preview_text,
        },
    });
    if let Some(original) = a.provenance.original() {
        doc["isBasedOn"] = json!(original.url.as_str());
        doc["source"] = json!({ "name": original.outlet.name, "url": original.url.as_str() });
    }
    if let Some(f) = &a.featured {
        let travels = !a.withheld_images.iter().any(|w| w.media_id == f.media.id);
        if travels {
            doc["image"] = json!({
                "type": "Image",
                "url": site.url(&f.media.public_path()),
                "name": f.alt,
                "mediaType": f.media.mime_type,
                "width": f.media.width,
                "height": f.media.height,
            });
        }
    }
    doc
}

/// An activity of `actor` about `object`, addressed to everyone and the actor's followers.
/// `kind` is `Create` or `Update`.
pub fn activity(
    site: &Site,
    kind: &str,
    id: &str,
    actor: ActorKey,
    object: Value,
    at: jiff::Timestamp,
) -> Value {
    let actor_id = actor.id(site);
    let mut object = object;
    if let Some(map) = object.as_object_mut() {
        map.remove("@context");
        // Each actor's copy is addressed to its own followers.
        map.insert("cc".into(), json!([format!("{actor_id}/followers")]));
    }
    json!({
        "@context": context(),
        "id": id,
        "type": kind,
        "actor": actor_id,
        "published": rfc3339(at),
        "to": [PUBLIC],
        "cc": [format!("{actor_id}/followers")],
        "object": object,
    })
}

/// `Delete` of an article that is no longer public, with a `Tombstone` in its place.
pub fn delete(site: &Site, id: &str, actor: ActorKey, article_id: i64, at: jiff::Timestamp) -> Value {
    let actor_id = actor.id(site);
    json!({
        "@context": context(),
        "id": id,
        "type": "Delete",
        "actor": actor_id,
        "published": rfc3339(at),
        "to": [PUBLIC],
        "cc": [format!("{actor_id}/followers")],
        "object": {
            "id": object_id(site, article_id),
            "type": "Tombstone",
            "formerType": "Article",
            "deleted": rfc3339(at),
        },
    })
}

/// The Tombstone an article's object id answers with once it is gone.
pub fn tombstone(site: &Site, article_id: i64) -> Value {
    json!({
        "@context": context(),
        "id": object_id(site, article_id),
        "type": "Tombstone",
        "formerType": "Article",
    })
}

/// Our answer to a Follow: `Accept` (or `Reject`) with the Follow as received.
pub fn answer_follow(site: &Site, kind: &str, id: &str, actor: ActorKey, follow: &Value) -> Value {
    // The Follow named by what identifies it, not copied whole: it is the sender's text, and
    // this answer is kept and served on our site.
    let follow = json!({
        "id": follow.get("id").cloned().unwrap_or(Value::Null),
        "type": "Follow",
        "actor": follow.get("actor").and_then(first_id),
        "object": follow.get("object").and_then(first_id),
    });
    json!({
        "@context": context(),
        "id": id,
        "type": kind,
        "actor": actor.id(site),
        "to": [follow.get("actor").cloned().unwrap_or(Value::Null)],
        "object": follow,
    })
}

/// An `OrderedCollection` of `total` items whose first page is `first` (or whose items are
/// given whole).
pub fn collection(id: &str, total: i64, first: Option<&str>, items: Option<Vec<Value>>) -> Value {
    let mut doc = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id,
        "type": "OrderedCollection",
        "totalItems": total,
    });
    if let Some(first) = first {
        doc["first"] = json!(first);
    }
    if let Some(items) = items {
        doc["orderedItems"] = json!(items);
    }
    doc
}

/// One page of an `OrderedCollection`.
pub fn collection_page(id: &str, part_of: &str, items: Vec<Value>, next: Option<&str>) -> Value {
    let mut doc = json!({
        "@context": "https://www.w3.org/ns/activitystreams",
        "id": id,
        "type": "OrderedCollectionPage",
        "partOf": part_of,
        "orderedItems": items,
    });
    if let Some(next) = next {
        doc["next"] = json!(next);
    }
    doc
}

/// The WebFinger answer (RFC 7033) for `acct:{username}@{host}`.
pub fn webfinger(subject: &str, actor_id: &str, profile_url: &str) -> Value {
    json!({
        "subject": subject,
        "aliases": [actor_id, profile_url],
        "links": [
            { "rel": "self", "type": MEDIA_TYPE, "href": actor_id },
            { "rel": "http://webfinger.net/rel/profile-page", "type": "text/html", "href": profile_url },
        ],
    })
}

/// `/.well-known/nodeinfo`: where the NodeInfo document is.
pub fn nodeinfo_links(site: &Site) -> Value {
    json!({
        "links": [{
            "rel": "http://nodeinfo.diaspora.software/ns/schema/2.1",
            "href": site.url("/nodeinfo/2.1"),
        }]
    })
}

/// NodeInfo 2.1: the software, the protocol, and counts.
pub fn nodeinfo(site: &Site, authors: i64, articles: i64) -> Value {
    json!({
        "version": "2.1",
        "software": {
            "name": "masthead",
            "version": env!("CARGO_PKG_VERSION"),
            "homepage": "https://github.com/masthead-news/masthead",
        },
        "protocols": ["activitypub"],
        "services": { "inbound": [], "outbound": ["rss2.0", "atom1.0"] },
        "openRegistrations": false,
        "usage": { "users": { "total": authors + 1 }, "localPosts": articles },
        "metadata": { "nodeName": site.title, "nodeDescription": site.tagline },
    })
}

/// A reference in an activity: an id, or an object with one.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(untagged)]
pub enum Reference {
    Id(String),
    Object(Value),
}

impl Reference {
    /// The id it names, if any.
    pub fn id(&self) -> Option<&str> {
        match self {
            Reference::Id(id) => Some(id),
            Reference::Object(v) => v.get("id").and_then(Value::as_str),
        }
    }

    /// The object's `type`, when the reference carries the object.
    pub fn kind(&self) -> Option<&str> {
        match self {
            Reference::Id(_) => None,
            Reference::Object(v) => type_of(v),
        }
    }

    pub fn object(&self) -> Option<&Value> {
        match self {
            Reference::Id(_) => None,
            Reference::Object(v) => Some(v),
        }
    }
}

/// A document's `type`: a string, or the first of a list.
pub fn type_of(v: &Value) -> Option<&str> {
    match v.get("type")? {
        Value::String(s) => Some(s),
        Value::Array(list) => list.iter().find_map(Value::as_str),
        _ => None,
    }
}

/// The first id of a property that may be an id, an object or a list of either.
pub fn first_id(v: &Value) -> Option<&str> {
    match v {
        Value::String(s) => Some(s),
        Value::Object(_) => v.get("id").and_then(Value::as_str),
        Value::Array(list) => list.iter().find_map(first_id),
        _ => None,
    }
}

/// An activity from another server, as far as we read it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct Activity {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: Value,
    pub actor: Reference,
    #[serde(default)]
    pub object: Option<Reference>,
}

impl Activity {
    /// The activity's type (the first, when it has several).
    pub fn kind(&self) -> &str {
        match &self.kind {
            Value::String(s) => s,
            Value::Array(list) => list.iter().find_map(Value::as_str).unwrap_or(""),
            _ => "",
        }
    }
}

/// What we keep of an actor's document from another server.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RemoteActorDocument {
    pub id: String,
    pub inbox: String,
    pub shared_inbox: String,
    pub name: String,
    pub username: String,
    pub url: String,
    /// `(key id, SPKI PEM or Multikey multibase)`, each owned by this actor.
    pub keys: Vec<(String, String)>,
}

/// Why a document from elsewhere was not taken as an actor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ActorRefusal {
    #[error("the document has no {0}")]
    Missing(&'static str),
    #[error("its {0} is not an http(s) address")]
    NotAnAddress(&'static str),
    #[error("its {0} is on another server")]
    NotOnItsServer(&'static str),
}

/// Reads an actor's document: its id, inboxes, names and the keys it owns (`publicKey`, and
/// `assertionMethod` Multikeys), ignoring keys that name another owner.
pub fn read_actor(doc: &Value) -> Result<RemoteActorDocument, ActorRefusal> {
    let text = |name: &str| doc.get(name).and_then(Value::as_str).unwrap_or_default().to_string();
    let id = text("id");
    if id.is_empty() {
        return Err(ActorRefusal::Missing("id"));
    }
    let inbox = text("inbox");
    if inbox.is_empty() {
        return Err(ActorRefusal::Missing("inbox"));
    }
    for (name, value) in [("id", &id), ("inbox", &inbox)] {
        if !is_http(value) {
            return Err(ActorRefusal::NotAnAddress(name));
        }
    }
    // Deliveries go where the actor's own server says, never to another origin it names.
    if origin_of(&inbox) != origin_of(&id) {
        return Err(ActorRefusal::NotOnItsServer("inbox"));
    }
    let shared_inbox = doc
        .get("endpoints")
        .and_then(|e| e.get("sharedInbox"))
        .and_then(Value::as_str)
        .filter(|s| is_http(s) && origin_of(s) == origin_of(&id))
        .unwrap_or_default()
        .to_string();
    let mut keys = Vec::new();
    let listed = |v: Option<&Value>| -> Vec<Value> {
        match v {
            Some(Value::Array(list)) => list.clone(),
            Some(v @ Value::Object(_)) => vec![v.clone()],
            _ => Vec::new(),
        }
    };
    for key in listed(doc.get("publicKey")) {
        let owner = key.get("owner").and_then(Value::as_str).unwrap_or(&id);
        if let (Some(key_id), Some(pem), true) = (
            key.get("id").and_then(Value::as_str),
            key.get("publicKeyPem").and_then(Value::as_str),
            owner == id,
        ) {
            keys.push((key_id.to_string(), pem.to_string()));
        }
    }
    for key in listed(doc.get("assertionMethod")) {
        let controller = key.get("controller").and_then(Value::as_str).unwrap_or_default();
        if let (Some(key_id), Some(multibase), true) = (
            key.get("id").and_then(Value::as_str),
            key.get("publicKeyMultibase").and_then(Value::as_str),
            controller == id,
        ) {
            keys.push((key_id.to_string(), multibase.to_string()));
        }
    }
    let url = match doc.get("url") {
        Some(v) => first_href(v).unwrap_or_default(),
        None => String::new(),
    };
    Ok(RemoteActorDocument {
        id,
        inbox,
        shared_inbox,
        name: text("name"),
        username: text("preferredUsername"),
        url,
        keys,
    })
}

fn first_href(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(_) => v.get("href").and_then(Value::as_str).map(str::to_string),
        Value::Array(list) => list.iter().find_map(first_href),
        _ => None,
    }
}

/// Why a WebFinger answer was not taken as naming an actor.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum WebfingerRefusal {
    #[error("the answer names another account ({0})")]
    NamesAnother(String),
    #[error("the answer names no account")]
    NoAccount,
}

/// The handle (`name@domain`, from the answer's `acct:` subject) that a WebFinger answer gives
/// the actor `actor_id`; refused when its `self` link names another account, since anyone can
/// serve a WebFinger answer claiming a handle.
pub fn handle_from_webfinger(jrd: &Value, actor_id: &str) -> Result<String, WebfingerRefusal> {
    let links = jrd.get("links").and_then(Value::as_array).map(Vec::as_slice).unwrap_or_default();
    let own = links.iter().find(|l| {
        l.get("rel").and_then(Value::as_str) == Some("self")
            && l.get("type")
                .and_then(Value::as_str)
                .is_some_and(|t| t == MEDIA_TYPE || t.starts_with("application/ld+json"))
    });
    let href = own.and_then(|l| l.get("href")).and_then(Value::as_str).ok_or(WebfingerRefusal::NoAccount)?;
    if href != actor_id {
        return Err(WebfingerRefusal::NamesAnother(href.to_string()));
    }
    let subject = jrd.get("subject").and_then(Value::as_str).unwrap_or_default();
    let handle = subject.strip_prefix("acct:").ok_or(WebfingerRefusal::NoAccount)?;
    match handle.split_once('@') {
        Some((name, domain)) if !name.is_empty() && !domain.is_empty() => Ok(handle.to_string()),
        _ => Err(WebfingerRefusal::NoAccount),
    }
}

/// Whether `s` is an absolute http(s) address with a host.
pub fn is_http(s: &str) -> bool {
    url::Url::parse(s).is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some())
}

/// The origin (`scheme://host[:port]`) of an address.
pub fn origin_of(s: &str) -> Option<String> {
    let u = url::Url::parse(s).ok()?;
    Some(u.origin().ascii_serialization()).filter(|o| o != "null")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hashtags_join_capitalised_words() {
        assert_eq!(hashtag("Western Balkans").as_deref(), Some("#WesternBalkans"));
        assert_eq!(hashtag("energy & gas").as_deref(), Some("#EnergyGas"));
        assert_eq!(hashtag("Škoda-Vrbas").as_deref(), Some("#ŠkodaVrbas"));
        assert_eq!(hashtag(" — "), None);
    }

    #[test]
    fn an_actor_document_is_read_with_only_the_keys_it_owns() {
        let doc = json!({
            "id": "https://social.example/users/ana",
            "type": "Person",
            "inbox": "https://social.example/users/ana/inbox",
            "endpoints": { "sharedInbox": "https://social.example/inbox" },
            "preferredUsername": "ana",
            "name": "Ana",
            "url": "https://social.example/@ana",
            "publicKey": { "id": "https://social.example/users/ana#main-key", "owner": "https://social.example/users/ana", "publicKeyPem": "PEM" },
            "assertionMethod": [
                { "id": "https://social.example/users/ana#ed", "type": "Multikey", "controller": "https://social.example/users/ana", "publicKeyMultibase": "z6Mk" },
                { "id": "https://evil.example/k", "type": "Multikey", "controller": "https://evil.example/u", "publicKeyMultibase": "z6Mx" }
            ]
        });
        let actor = read_actor(&doc).unwrap();
        assert_eq!(actor.shared_inbox, "https://social.example/inbox");
        assert_eq!(actor.keys.len(), 2);
        assert!(actor.keys.iter().all(|(id, _)| id.starts_with("https://social.example/")));
        let no_inbox = json!({ "id": "https://social.example/users/bo" });
        assert_eq!(read_actor(&no_inbox), Err(ActorRefusal::Missing("inbox")));
        let bad = json!({ "id": "javascript:alert(1)", "inbox": "https://x.example/i" });
        assert_eq!(read_actor(&bad), Err(ActorRefusal::NotAnAddress("id")));
    }

    #[test]
    fn a_webfinger_answer_naming_another_account_is_refused() {
        let jrd = |href: &str| {
            json!({
                "subject": "acct:ana@example.org",
                "links": [
                    { "rel": "http://webfinger.net/rel/profile-page", "href": "https://social.example.org/@ana" },
                    { "rel": "self", "type": "application/activity+json", "href": href }
                ]
            })
        };
        let actor = "https://social.example.org/users/ana";
        assert_eq!(handle_from_webfinger(&jrd(actor), actor).as_deref(), Ok("ana@example.org"));
        assert_eq!(
            handle_from_webfinger(&jrd("https://evil.example/users/ana"), actor),
            Err(WebfingerRefusal::NamesAnother("https://evil.example/users/ana".into()))
        );
        assert_eq!(
            handle_from_webfinger(&json!({ "subject": "acct:ana@example.org" }), actor),
            Err(WebfingerRefusal::NoAccount)
        );
    }

    #[test]
    fn references_are_ids_or_objects() {
        let a: Activity = serde_json::from_value(json!({
            "id": "https://s.example/1", "type": ["Create"], "actor": { "id": "https://s.example/u" },
            "object": "https://news.example/ap/articles/3"
        }))
        .unwrap();
        assert_eq!(a.kind(), "Create");
        assert_eq!(a.actor.id(), Some("https://s.example/u"));
        assert_eq!(a.object.unwrap().id(), Some("https://news.example/ap/articles/3"));
    }
}
