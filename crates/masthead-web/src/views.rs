//! View models: what templates see. Built from domain types, never from database rows, and
//! holding only what a page prints (URLs already absolute or rooted, dates already formatted).

use jiff::Timestamp;
use masthead_core::article::article_path;
use masthead_core::{
    Article, ArticleSummary, Author, FeaturedImage, Provenance, ReusePolicy, Site, Term, TermKind,
    time::{in_zone, rfc3339_in},
};
use percent_encoding::{NON_ALPHANUMERIC, utf8_percent_encode};
use serde::Serialize;

#[derive(Debug, Serialize, PartialEq)]
pub struct SiteView {
    pub title: String,
    pub tagline: String,
    pub language: String,
    pub home_url: String,
    pub copyright_holder: String,
    pub note_to_readers: String,
    pub membership_call: String,
    pub disclaimer: String,
    pub fair_use_notice: String,
    pub media_contact: String,
    /// The logo's address, if there is one.
    pub logo: Option<String>,
    /// The navigation menu and the footer's links, as the settings give them.
    pub menu: Vec<LinkView>,
    pub footer_links: Vec<LinkView>,
    /// The stylesheet of the site's own colours, when it has any.
    pub colors: Option<String>,
}

pub fn site_view(site: &Site) -> SiteView {
    SiteView {
        title: site.title.clone(),
        tagline: site.tagline.clone(),
        language: site.language.clone(),
        home_url: "/".into(),
        copyright_holder: site.copyright_holder.clone(),
        note_to_readers: site.note_to_readers.clone(),
        membership_call: site.membership_call.clone(),
        disclaimer: site.disclaimer.clone(),
        fair_use_notice: site.fair_use_notice.clone(),
        media_contact: site.media_contact.clone(),
        logo: site.logo_url(),
        menu: link_views(&site.menu),
        footer_links: link_views(&site.footer_links),
        colors: (!site.accent_color.is_empty())
            .then(|| format!("/site.css?accent={}", site.accent_color.trim_start_matches('#'))),
    }
}

/// The header and footer of a page as rendered once ([`fixed_parts`]).
#[derive(Debug, Serialize)]
pub struct Parts {
    pub header: minijinja::Value,
    pub footer: minijinja::Value,
}

/// What the header and footer are rendered from.
#[derive(Serialize)]
struct PartsFrom {
    site: SiteView,
    nav: Vec<LinkView>,
}

/// The site and the sections `nav` as template values, and the header and footer rendered
/// for them once (`Theme::fixed_parts`), for a page's `site`, `nav` and `parts`; no parts when
/// they cannot be rendered (logged; the page then renders them itself).
pub fn fixed_parts(
    theme: &crate::theme::Theme,
    site: &Site,
    nav: &[Term],
) -> (minijinja::Value, minijinja::Value, Option<Parts>) {
    let from = || PartsFrom { site: site_view(site), nav: nav.iter().map(term_link).collect() };
    // Kept for the site and sections they were rendered from; they come with that, as the
    // template values `from` makes.
    let is_for = |(kept_site, kept_nav): &(Site, Vec<Term>)| kept_site == site && kept_nav == nav;
    let (from, parts) = match theme.fixed_parts(is_for, || ((site.clone(), nav.to_vec()), from())) {
        Ok(parts) => {
            (parts.from.clone(), Some(Parts { header: parts.header.clone(), footer: parts.footer.clone() }))
        }
        Err(error) => {
            // The page renders them itself, and fails as they did if they fail there too.
            tracing::warn!(%error, "could not render header.html and footer.html for every page");
            (minijinja::Value::from_serialize(from()), None)
        }
    };
    let field = |name: &str| from.get_attr(name).unwrap_or_default();
    (field("site"), field("nav"), parts)
}

fn link_views(links: &[masthead_core::site::SiteLink]) -> Vec<LinkView> {
    links.iter().map(|l| LinkView { name: l.label.clone(), url: l.url.clone() }).collect()
}

#[derive(Debug, Clone, Serialize, PartialEq)]
pub struct LinkView {
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct DateView {
    /// RFC 3339 with the zone's offset, for `<time datetime>`.
    pub iso: String,
    /// "29 November 2026"
    pub human: String,
}

pub fn date_view(at: Timestamp, zone: &str) -> DateView {
    DateView { iso: rfc3339_in(at, zone), human: in_zone(at, zone).strftime("%-d %B %Y").to_string() }
}

#[derive(Debug, Clone, Serialize)]
pub struct AuthorView {
    pub name: String,
    pub url: String,
    pub bio: String,
}

fn author_view(a: &Author) -> AuthorView {
    AuthorView { name: a.name.clone(), url: a.path(), bio: a.bio.clone() }
}

pub fn author_url(a: &Author) -> String {
    a.path()
}

pub fn term_url(t: &Term) -> String {
    format!("/{}/{}", t.kind.key(), t.slug)
}

pub fn term_link(t: &Term) -> LinkView {
    LinkView { name: t.name.clone(), url: t.path() }
}

#[derive(Debug, Clone, Serialize)]
pub struct ImageView {
    pub src: String,
    /// The resized copies and the original, for browsers to pick from.
    pub srcset: Option<String>,
    pub alt: String,
    pub credit: String,
    pub width: Option<i64>,
    pub height: Option<i64>,
}

fn image_view(f: &FeaturedImage) -> ImageView {
    let srcset = (!f.media.variant_widths.is_empty()).then(|| {
        let mut set: Vec<String> = f
            .media
            .variant_widths
            .iter()
            .map(|w| format!("{} {w}w", f.media.variant_public_path(*w)))
            .collect();
        if let Some(w) = f.media.width {
            set.push(format!("{} {w}w", f.media.public_path()));
        }
        set.join(", ")
    });
    ImageView {
        src: f.media.public_path(),
        srcset,
        alt: f.alt.clone(),
        credit: f.credit.clone(),
        width: f.media.width,
        height: f.media.height,
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct SummaryView {
    pub title: String,
    pub url: String,
    pub dek: String,
    pub excerpt: String,
    pub published: DateView,
    pub authors: Vec<AuthorView>,
    /// Regions then themes, for the kicker above the headline.
    pub terms: Vec<LinkView>,
    pub featured: Option<ImageView>,
    pub original_outlet: Option<String>,
    pub comments: i64,
}

/// Summaries as lists show them: each view's fields, and `html`, the summary as the theme's
/// `summary` macro (`macros.html`) writes it, made for all of them in one go. A list page
/// prints `item.html`; a static export makes each article's once for every list it is in.
pub fn list_items(
    theme: &crate::theme::Theme,
    views: &[&SummaryView],
) -> Result<Vec<minijinja::Value>, minijinja::Error> {
    use minijinja::Value;
    let args: Vec<Value> = views.iter().map(Value::from_serialize).collect();
    let made = theme.call_macro_each("macros.html", "summary", &args)?;
    Ok(args
        .into_iter()
        .zip(made)
        .map(|(fields, html)| Value::from_object(ListItem { fields, html: Value::from_safe_string(html) }))
        .collect())
}

/// A list's item: the view's fields as the macro saw them, and `html`, the summary it wrote.
/// The fields are not copied into a map of their own (a static export keeps an item for every
/// article).
#[derive(Debug)]
struct ListItem {
    fields: minijinja::Value,
    html: minijinja::Value,
}

impl minijinja::value::Object for ListItem {
    fn get_value(self: &std::sync::Arc<Self>, key: &minijinja::Value) -> Option<minijinja::Value> {
        if key.as_str() == Some("html") {
            return Some(self.html.clone());
        }
        self.fields.get_item(key).ok().filter(|value| !value.is_undefined())
    }

    fn enumerate(self: &std::sync::Arc<Self>) -> minijinja::value::Enumerator {
        let keys = self.fields.try_iter().into_iter().flatten();
        minijinja::value::Enumerator::Values(keys.chain([minijinja::Value::from("html")]).collect())
    }
}

pub fn summary_view(s: &ArticleSummary) -> SummaryView {
    SummaryView {
        title: s.title.clone(),
        url: article_path(&s.slug),
        dek: s.dek.clone(),
        excerpt: s.excerpt.clone(),
        published: date_view(s.published_at, &s.time_zone),
        authors: s.authors.iter().map(author_view).collect(),
        terms: [TermKind::Region, TermKind::Theme]
            .iter()
            .flat_map(|k| s.terms.iter().filter(move |t| t.kind == *k))
            .map(term_link)
            .collect(),
        featured: s.featured.as_ref().map(image_view),
        original_outlet: s.original_outlet.clone(),
        comments: s.comments,
    }
}

#[derive(Debug, Serialize)]
pub struct ShareLink {
    pub key: &'static str,
    pub label: &'static str,
    pub url: String,
}

#[derive(Debug, Serialize)]
pub struct OriginView {
    pub outlet: String,
    pub url: String,
    pub date: Option<DateView>,
}

#[derive(Debug, Serialize)]
pub struct ProvenanceView {
    pub original: OriginView,
    pub via: Vec<OriginView>,
}

#[derive(Debug, Serialize)]
pub struct PolicyView {
    pub key: &'static str,
    pub name: &'static str,
    pub text: &'static str,
    /// The public licence, or the site's page of the terms.
    pub url: String,
}

impl PolicyView {
    pub fn of(site: &Site, policy: ReusePolicy) -> PolicyView {
        PolicyView {
            key: policy.key(),
            name: policy.name(),
            text: policy.text(),
            url: policy.license_url().map(str::to_owned).unwrap_or_else(|| site.url(&policy.terms_path())),
        }
    }
}

#[derive(Debug, Serialize)]
pub struct ArticleView {
    pub title: String,
    pub dek: String,
    pub excerpt: String,
    /// Our absolute URL for the article.
    pub url: String,
    pub body_html: String,
    pub published: Option<DateView>,
    /// The outlet named beside the date: the original's for a republished article.
    pub outlet: String,
    pub authors: Vec<AuthorView>,
    pub regions: Vec<LinkView>,
    pub themes: Vec<LinkView>,
    pub tags: Vec<LinkView>,
    pub featured: Option<ImageView>,
    pub provenance: Option<ProvenanceView>,
    /// "The original source of this article is …"
    pub source: LinkView,
    pub copyright: String,
    pub policy: PolicyView,
    pub share: Vec<ShareLink>,
    pub forward_mailto: String,
    pub republish_path: String,
    /// What the newsroom corrected, oldest first.
    pub corrections: Vec<CorrectionView>,
    /// When its words changed after it was first published: the "Updated" stamp.
    pub updated: Option<DateView>,
    /// Its language (the site's when it has none of its own).
    pub language: String,
    /// The other languages it is published in, for the switcher and `hreflang` alternates.
    pub translations: Vec<TranslationView>,
}

/// Another language's version of an article.
#[derive(Debug, Serialize)]
pub struct TranslationView {
    /// A BCP 47 tag.
    pub language: String,
    pub url: String,
    pub title: String,
}

/// "Correction, 2 December 2026: …"
#[derive(Debug, Serialize)]
pub struct CorrectionView {
    pub date: DateView,
    pub text: String,
}

fn enc(s: &str) -> String {
    utf8_percent_encode(s, NON_ALPHANUMERIC).to_string()
}

/// Plain share links: no scripts, no counters, nothing loaded from the networks.
fn share_links(title: &str, url: &str) -> Vec<ShareLink> {
    let (t, u) = (enc(title), enc(url));
    let text = enc(&format!("{title} {url}"));
    vec![
        ShareLink { key: "email", label: "E-mail", url: format!("mailto:?subject={t}&body={text}") },
        ShareLink {
            key: "mastodon",
            label: "Mastodon",
            url: format!("https://mastodonshare.com/?text={t}&url={u}"),
        },
        ShareLink {
            key: "bluesky",
            label: "Bluesky",
            url: format!("https://bsky.app/intent/compose?text={text}"),
        },
        ShareLink { key: "x", label: "X", url: format!("https://x.com/intent/post?text={t}&url={u}") },
        ShareLink {
            key: "facebook",
            label: "Facebook",
            url: format!("https://www.facebook.com/sharer/sharer.php?u={u}"),
        },
        ShareLink {
            key: "linkedin",
            label: "LinkedIn",
            url: format!("https://www.linkedin.com/sharing/share-offsite/?url={u}"),
        },
        ShareLink {
            key: "telegram",
            label: "Telegram",
            url: format!("https://t.me/share/url?url={u}&text={t}"),
        },
        ShareLink { key: "whatsapp", label: "WhatsApp", url: format!("https://wa.me/?text={text}") },
    ]
}

pub fn article_view(site: &Site, a: &Article) -> ArticleView {
    let url = site.url(&a.path());
    let policy = a.effective_policy(site);
    let terms = |kind| a.terms_of(kind).map(term_link).collect::<Vec<_>>();
    let origin_view = |o: &masthead_core::Origin| OriginView {
        outlet: o.outlet.name.clone(),
        url: o.url.to_string(),
        date: o.published_at.map(|t| date_view(t, &a.time_zone)),
    };
    let provenance = match &a.provenance {
        Provenance::Own => None,
        Provenance::Republished { chain } => chain.first().map(|original| ProvenanceView {
            original: origin_view(original),
            via: a.provenance.intermediaries().iter().map(origin_view).collect(),
        }),
    };
    let source = match a.provenance.original() {
        Some(o) => LinkView { name: o.outlet.name.clone(), url: o.url.to_string() },
        None => LinkView { name: site.title.clone(), url: url.clone() },
    };
    let summary = if a.dek.is_empty() { &a.excerpt } else { &a.dek };
    let forward_body = format!("{}\n\n{}\n\nRead the full article: {}\n", a.title, summary, url);
    ArticleView {
        title: a.title.clone(),
        dek: a.dek.clone(),
        excerpt: a.excerpt.clone(),
        body_html: a.body.html.clone(),
        published: a.published_at.map(|t| date_view(t, &a.time_zone)),
        outlet: a.copyright_outlet(site).to_owned(),
        authors: a.authors.iter().map(author_view).collect(),
        regions: terms(TermKind::Region),
        themes: terms(TermKind::Theme),
        tags: terms(TermKind::Tag),
        featured: a.featured.as_ref().map(image_view),
        provenance,
        source,
        copyright: a.copyright_line(site),
        policy: PolicyView::of(site, policy),
        share: share_links(&a.title, &url),
        forward_mailto: format!("mailto:?subject={}&body={}", enc(&a.title), enc(&forward_body)),
        republish_path: format!("{}/republish", a.path()),
        corrections: a
            .corrections
            .iter()
            .map(|c| CorrectionView { date: date_view(c.made_at, &a.time_zone), text: c.text.clone() })
            .collect(),
        updated: a.revised_at.map(|t| date_view(t, &a.time_zone)),
        language: a.language_in(site).to_owned(),
        translations: a
            .translations
            .iter()
            .map(|t| TranslationView {
                language: if t.language.is_empty() { site.language.clone() } else { t.language.clone() },
                url: site.url(&masthead_core::article::article_path(&t.slug)),
                title: t.title.clone(),
            })
            .collect(),
        url,
    }
}

/// Links between pages of a newest-first list.
#[derive(Debug, Serialize, Default)]
pub struct PagerView {
    /// The first page, when this is not it.
    pub newest: Option<String>,
    pub older: Option<String>,
}

/// What an article page tells machines in its `<head>`: Open Graph and Twitter cards,
/// schema.org JSON-LD, the licence, and whether search engines should index this copy.
#[derive(Debug, Serialize)]
pub struct ArticleMeta {
    pub description: String,
    pub url: String,
    pub image: Option<String>,
    pub image_alt: String,
    pub image_width: Option<i64>,
    pub image_height: Option<i64>,
    /// `og:locale`, in Open Graph's `language_TERRITORY` form.
    pub locale: Option<String>,
    pub published: Option<String>,
    pub modified: String,
    pub authors: Vec<String>,
    pub sections: Vec<String>,
    pub tags: Vec<String>,
    pub license: String,
    /// JSON-LD, escaped for a `<script type="application/ld+json">` element.
    pub json_ld: String,
    pub noindex: bool,
    pub ninjs: String,
    /// The article as an ActivityPub object, for servers that look it up by its page.
    pub activitypub: String,
}

/// What a list page (the home page, an archive) tells machines in its `<head>`: Open Graph,
/// a Twitter card and schema.org JSON-LD.
#[derive(Debug, Serialize)]
pub struct PageMeta {
    /// `website`, or `profile` for an author's page.
    pub og_type: &'static str,
    pub title: String,
    pub description: String,
    pub url: String,
    pub locale: Option<String>,
    /// JSON-LD, escaped for a `<script type="application/ld+json">` element.
    pub json_ld: String,
}

impl PageMeta {
    pub fn new(
        site: &Site,
        og_type: &'static str,
        title: String,
        description: String,
        path: &str,
        json_ld: &serde_json::Value,
    ) -> PageMeta {
        PageMeta {
            og_type,
            description: if description.is_empty() { site.tagline.clone() } else { description },
            title,
            url: site.url(path),
            locale: og_locale(&site.language),
            json_ld: masthead_formats::jsonld::to_script_text(json_ld),
        }
    }
}

/// The site's language (a BCP 47 tag: `en`, `en-GB`, `sr-Latn-RS`) in Open Graph's
/// `language_TERRITORY` form (`en_US`, `en_GB`, `sr_RS`). A bare language takes the territory
/// where it is chiefly written; `None` for one this does not know, since a wrong territory
/// would say more than none (Open Graph's default is `en_US`).
pub fn og_locale(language: &str) -> Option<String> {
    let mut parts = language.split(['-', '_']);
    let lang = parts.next()?.to_ascii_lowercase();
    if !(2..=3).contains(&lang.len()) || !lang.bytes().all(|b| b.is_ascii_lowercase()) {
        return None;
    }
    if let Some(region) = parts.find(|p| p.len() == 2 && p.bytes().all(|b| b.is_ascii_alphabetic())) {
        return Some(format!("{lang}_{}", region.to_ascii_uppercase()));
    }
    const LOCALES: &str = "ar_AR az_AZ bg_BG bs_BA cs_CZ da_DK de_DE el_GR en_US es_ES et_EE fa_IR fi_FI \
        fr_FR he_IL hr_HR hu_HU hy_AM it_IT ja_JP ka_GE kk_KZ ko_KR ky_KG lt_LT lv_LV mk_MK nb_NO nl_NL pl_PL \
        pt_PT ro_RO ru_RU sk_SK sl_SI sq_AL sr_RS sv_SE tr_TR uk_UA uz_UZ zh_CN";
    LOCALES.split_whitespace().find(|l| l.split('_').next() == Some(lang.as_str())).map(str::to_owned)
}

pub fn article_meta(site: &Site, a: &Article) -> ArticleMeta {
    let iso = |t: Timestamp| rfc3339_in(t, &a.time_zone);
    let policy = a.effective_policy(site);
    ArticleMeta {
        description: if a.dek.is_empty() { a.excerpt.clone() } else { a.dek.clone() },
        url: site.url(&a.path()),
        image: a.featured.as_ref().map(|f| site.url(&f.media.public_path())),
        image_alt: a.featured.as_ref().map(|f| f.alt.clone()).unwrap_or_default(),
        image_width: a.featured.as_ref().and_then(|f| f.media.width),
        image_height: a.featured.as_ref().and_then(|f| f.media.height),
        locale: og_locale(a.language_in(site)),
        published: a.published_at.map(iso),
        modified: iso(a.updated_at),
        authors: a.authors.iter().map(|p| site.url(&p.path())).collect(),
        sections: a.terms_of(TermKind::Theme).map(|t| t.name.clone()).collect(),
        tags: a.terms_of(TermKind::Tag).map(|t| t.name.clone()).collect(),
        license: masthead_formats::feeds::license_url(site, a),
        json_ld: masthead_formats::jsonld::news_article_script(site, a),
        noindex: a.provenance.is_republished() && site.noindex_republished.contains(&policy),
        ninjs: masthead_formats::ninjs::ninjs_path(a),
        activitypub: masthead_formats::activitypub::object_id(site, a.id),
    }
}

#[cfg(test)]
mod tests {
    use super::{AuthorView, DateView, LinkView, SummaryView, list_items, og_locale};
    use crate::theme::Theme;

    fn a_summary() -> SummaryView {
        let author =
            |name: &str| AuthorView { name: name.into(), url: "/author/x".into(), bio: String::new() };
        SummaryView {
            title: "Gas & the \"Balkans\"".into(),
            url: "/article/gas".into(),
            dek: "Who pays <and when>".into(),
            excerpt: "The pipeline's second winter.".into(),
            published: DateView { iso: "2026-11-29T09:00:00+01:00".into(), human: "29 November 2026".into() },
            authors: vec![author("Ana Petrović"), author("Bo Lindqvist")],
            terms: vec![LinkView { name: "Balkans".into(), url: "/region/balkans".into() }],
            featured: None,
            original_outlet: Some("Partner Weekly".into()),
            comments: 2,
        }
    }

    fn theme_with(templates: &[(&str, &str)]) -> (Theme, tempfile::TempDir) {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("templates")).unwrap();
        for (name, source) in templates {
            std::fs::write(dir.path().join("templates").join(name), source).unwrap();
        }
        (Theme::load(Some(dir.path())).unwrap(), dir)
    }

    #[test]
    fn a_list_item_carries_the_summary_that_the_theme_s_macro_writes() {
        let view = a_summary();
        // What a list printed when it called the macro itself, item by item.
        let (theme, _dir) =
            theme_with(&[("inline.html", "{% import \"macros.html\" as m %}{{ m.summary(item) }}")]);
        let inline = theme.render("inline.html", minijinja::context! { item => &view }).unwrap();
        let items = list_items(&theme, &[&view, &view]).unwrap();
        assert_eq!(items.len(), 2);
        assert_eq!(items[0].get_attr("html").unwrap().as_str(), Some(inline.as_str()));
        assert!(
            inline.contains("Gas &amp; the &#34;Balkans&#34;") && inline.contains("Bo Lindqvist"),
            "{inline}"
        );
        // The view's own fields stay, for themes that write their lists themselves.
        assert_eq!(items[0].get_attr("title").unwrap().as_str(), Some(view.title.as_str()));
        assert_eq!(items[1].get_attr("authors").unwrap().len(), Some(2));
        // As a map: every field of the view and the summary, as a theme may loop over them.
        let keys: Vec<String> = items[0].try_iter().unwrap().map(|k| k.to_string()).collect();
        let fields = minijinja::Value::from_serialize(&view);
        let view_keys: Vec<String> = fields.try_iter().unwrap().map(|k| k.to_string()).collect();
        assert_eq!(keys, [view_keys, vec!["html".to_string()]].concat());
        assert!(items[0].get_attr("no_such_field").unwrap().is_undefined());
        let (theme, _dir) = theme_with(&[(
            "list.html",
            "{% for item in items %}{{ item.title }}|{{ item.html|length > 0 }}|{{ item|length }};{% endfor %}",
        )]);
        let written = theme.render("list.html", minijinja::context! { items => &items }).unwrap();
        assert_eq!(
            written,
            format!("{0}|True|{1};{0}|True|{1};", "Gas &amp; the &#34;Balkans&#34;", keys.len())
        );

        // A theme's own summary is the one every list shows.
        let (theme, _dir) =
            theme_with(&[("macros.html", "{% macro summary(item) %}<p>{{ item.title }}</p>{% endmacro %}")]);
        let items = list_items(&theme, &[&view]).unwrap();
        assert_eq!(
            items[0].get_attr("html").unwrap().as_str(),
            Some("<p>Gas &amp; the &#34;Balkans&#34;</p>")
        );
        // A theme without one is told, rather than shown lists of nothing.
        let (theme, _dir) = theme_with(&[("macros.html", "{% macro other() %}{% endmacro %}")]);
        let error = list_items(&theme, &[&view]).unwrap_err().to_string();
        assert!(error.contains("no summary macro"), "{error}");
    }

    #[test]
    fn the_site_language_becomes_an_open_graph_locale() {
        assert_eq!(og_locale("en").as_deref(), Some("en_US"));
        assert_eq!(og_locale("en-GB").as_deref(), Some("en_GB"));
        assert_eq!(og_locale("sr-Latn-RS").as_deref(), Some("sr_RS"));
        assert_eq!(og_locale("SR").as_deref(), Some("sr_RS"));
        assert_eq!(og_locale("pt_br").as_deref(), Some("pt_BR"));
        // Unknown or malformed: no tag rather than a wrong territory.
        assert_eq!(og_locale("xx"), None);
        assert_eq!(og_locale(""), None);
        assert_eq!(og_locale("e1"), None);
    }
}
