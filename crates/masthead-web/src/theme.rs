//! The theme: minijinja templates and static assets, built into the binary and overridable
//! file by file from `<data>/theme/templates/` and `<data>/theme/assets/`.
//!
//! Templates are compiled once, at start; a syntax error in an override stops the server with
//! the file and line. Assets are served under fingerprinted names (`style.3fa9c2e1b0.css`) so
//! that browsers and CDNs may cache them for a year.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use minijinja::Environment;
use serde::Serialize;
use sha2::{Digest, Sha256};

/// Templates shipped with Masthead; an override file of the same name replaces one.
const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../theme/templates/base.html")),
    ("header.html", include_str!("../theme/templates/header.html")),
    ("footer.html", include_str!("../theme/templates/footer.html")),
    ("macros.html", include_str!("../theme/templates/macros.html")),
    ("home.html", include_str!("../theme/templates/home.html")),
    ("article.html", include_str!("../theme/templates/article.html")),
    ("archive.html", include_str!("../theme/templates/archive.html")),
    ("page.html", include_str!("../theme/templates/page.html")),
    ("search.html", include_str!("../theme/templates/search.html")),
    ("error.html", include_str!("../theme/templates/error.html")),
    ("republish.html", include_str!("../theme/templates/republish.html")),
    ("reuse.html", include_str!("../theme/templates/reuse.html")),
    ("republish-snippet.html", include_str!("../theme/templates/republish-snippet.html")),
    ("admin-base.html", include_str!("../theme/templates/admin-base.html")),
    ("admin-login.html", include_str!("../theme/templates/admin-login.html")),
    ("admin-dashboard.html", include_str!("../theme/templates/admin-dashboard.html")),
    ("admin-republications.html", include_str!("../theme/templates/admin-republications.html")),
    ("admin-audit.html", include_str!("../theme/templates/admin-audit.html")),
    ("admin-forgot.html", include_str!("../theme/templates/admin-forgot.html")),
    ("admin-articles.html", include_str!("../theme/templates/admin-articles.html")),
    ("admin-article.html", include_str!("../theme/templates/admin-article.html")),
    ("admin-conflict.html", include_str!("../theme/templates/admin-conflict.html")),
    ("admin-settings.html", include_str!("../theme/templates/admin-settings.html")),
    ("admin-records.html", include_str!("../theme/templates/admin-records.html")),
    ("admin-media.html", include_str!("../theme/templates/admin-media.html")),
    ("admin-revisions.html", include_str!("../theme/templates/admin-revisions.html")),
    ("admin-revision.html", include_str!("../theme/templates/admin-revision.html")),
    ("admin-tokens.html", include_str!("../theme/templates/admin-tokens.html")),
    ("admin-staff.html", include_str!("../theme/templates/admin-staff.html")),
    ("admin-sources.html", include_str!("../theme/templates/admin-sources.html")),
    ("admin-queue.html", include_str!("../theme/templates/admin-queue.html")),
    ("admin-reset.html", include_str!("../theme/templates/admin-reset.html")),
    ("subscribe.html", include_str!("../theme/templates/subscribe.html")),
    ("account.html", include_str!("../theme/templates/account.html")),
    ("account-sign-in.html", include_str!("../theme/templates/account-sign-in.html")),
    ("member-notice.html", include_str!("../theme/templates/member-notice.html")),
    ("comment-form.html", include_str!("../theme/templates/comment-form.html")),
    ("comment-own.html", include_str!("../theme/templates/comment-own.html")),
    ("admin-comments.html", include_str!("../theme/templates/admin-comments.html")),
    ("admin-members.html", include_str!("../theme/templates/admin-members.html")),
    ("admin-member.html", include_str!("../theme/templates/admin-member.html")),
    ("admin-newsletters.html", include_str!("../theme/templates/admin-newsletters.html")),
    ("admin-sends.html", include_str!("../theme/templates/admin-sends.html")),
    ("admin-send.html", include_str!("../theme/templates/admin-send.html")),
    ("admin-digests.html", include_str!("../theme/templates/admin-digests.html")),
    ("admin-digest-delete.html", include_str!("../theme/templates/admin-digest-delete.html")),
    ("admin-pages.html", include_str!("../theme/templates/admin-pages.html")),
    ("admin-page.html", include_str!("../theme/templates/admin-page.html")),
    ("admin-front.html", include_str!("../theme/templates/admin-front.html")),
    ("admin-media-item.html", include_str!("../theme/templates/admin-media-item.html")),
];

const ASSETS: &[(&str, &[u8])] = &[
    ("style.css", include_bytes!("../theme/assets/style.css")),
    ("favicon.svg", include_bytes!("../theme/assets/favicon.svg")),
    ("admin.js", include_bytes!("../theme/assets/admin.js")),
    ("admin.css", include_bytes!("../theme/assets/admin.css")),
    ("embed.js", include_bytes!("../theme/assets/embed.js")),
    // The editor, built from `crates/masthead-web/editor/` (`npm run build`); committed, so
    // that building Masthead needs no Node.
    ("editor.js", include_bytes!("../theme/assets/editor.js")),
    ("editor.css", include_bytes!("../theme/assets/editor.css")),
];

#[derive(Debug, thiserror::Error)]
pub enum ThemeError {
    #[error("could not read theme file {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("template {name} has an error: {source:#}")]
    Template { name: String, source: minijinja::Error },
}

/// A static file of the theme.
#[derive(Debug, Clone)]
pub struct Asset {
    pub bytes: Arc<[u8]>,
    pub content_type: &'static str,
}

#[derive(Debug)]
pub struct Theme {
    env: Environment<'static>,
    /// By fingerprinted file name.
    assets: HashMap<String, Asset>,
    /// The parts of every page made from the site and its navigation alone, as last rendered
    /// for the last few of them (pages with sections and pages without), newest first.
    fixed: std::sync::Mutex<Vec<Kept>>,
    /// The length of the last page each template printed, by name.
    sizes: HashMap<String, AtomicUsize>,
}

/// How many renderings of the fixed parts a theme keeps.
const KEPT_PARTS: usize = 4;

/// [`FixedParts`] with the key of what they were rendered from, as the caller gave it, to
/// compare with.
#[derive(Clone)]
struct Kept {
    from: Arc<dyn std::any::Any + Send + Sync>,
    parts: Arc<FixedParts>,
}

impl std::fmt::Debug for Kept {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.parts.fmt(f)
    }
}

/// The header and footer of every page (`header.html`, `footer.html`), rendered from `from`
/// (the site and its navigation, as the pages' context holds them).
#[derive(Debug)]
pub struct FixedParts {
    pub from: minijinja::Value,
    pub header: minijinja::Value,
    pub footer: minijinja::Value,
}

impl Theme {
    /// The built-in theme with any overrides found in `override_dir` (`<data>/theme`).
    pub fn load(override_dir: Option<&Path>) -> Result<Theme, ThemeError> {
        let mut sources: HashMap<String, String> =
            TEMPLATES.iter().map(|(n, s)| ((*n).to_owned(), (*s).to_owned())).collect();
        let mut files: HashMap<String, Vec<u8>> =
            ASSETS.iter().map(|(n, b)| ((*n).to_owned(), b.to_vec())).collect();
        if let Some(dir) = override_dir {
            read_overrides(&dir.join("templates"), |name, bytes| {
                sources.insert(name, String::from_utf8_lossy(&bytes).into_owned());
            })?;
            read_overrides(&dir.join("assets"), |name, bytes| {
                files.insert(name, bytes);
            })?;
        }

        let mut urls = HashMap::new();
        let mut assets = HashMap::new();
        for (name, bytes) in files {
            let fingerprinted = fingerprint(&name, &bytes);
            urls.insert(name.clone(), format!("/assets/{fingerprinted}"));
            assets.insert(fingerprinted, Asset { bytes: bytes.into(), content_type: content_type(&name) });
        }

        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") || name.ends_with(".xml") {
                minijinja::AutoEscape::Html
            } else {
                minijinja::AutoEscape::None
            }
        });
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        env.set_formatter(escape_like_markupsafe);
        env.add_function("asset", move |name: &str| -> Result<String, minijinja::Error> {
            urls.get(name).cloned().ok_or_else(|| {
                minijinja::Error::new(
                    minijinja::ErrorKind::InvalidOperation,
                    format!("no theme asset named {name:?}"),
                )
            })
        });
        let names: Vec<String> = sources.keys().cloned().collect();
        for (name, source) in sources {
            env.add_template_owned(name.clone(), source)
                .map_err(|source| ThemeError::Template { name: name.clone(), source })?;
        }
        // Compile every template now, so that a broken override is found at start.
        for name in &names {
            env.get_template(name).map_err(|source| ThemeError::Template { name: name.clone(), source })?;
        }
        let sizes = names.iter().map(|name| (name.clone(), AtomicUsize::new(0))).collect();
        Ok(Theme { env, assets, fixed: std::sync::Mutex::new(Vec::new()), sizes })
    }

    pub fn render(&self, name: &str, ctx: impl Serialize) -> Result<String, minijinja::Error> {
        let template = self.env.get_template(name)?;
        // Printed into a buffer the size of this template's last page and a little more, so
        // that a page is not copied each time it outgrows its buffer (an article's page, with
        // its text and its header and footer printed whole, would be three times).
        let last = self.sizes.get(name);
        let hint = last.map_or(0, |size| size.load(Ordering::Relaxed));
        let mut page = Vec::with_capacity(hint + hint / 8);
        template.render_captured_to(ctx, &mut page)?;
        if let Some(size) = last {
            size.store(page.len(), Ordering::Relaxed);
        }
        String::from_utf8(page)
            .map_err(|e| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, e.to_string()))
    }

    /// The header and footer of every page, rendered once from what `make` gives (a key, and the
    /// `site` and `nav` to render them from) and kept while the key stays the same, so that
    /// pages print them instead of rendering them again. What they are rendered from may change
    /// (the settings, the sections): each call says whether a kept key is its own (`is_for`),
    /// as the caller's own type, which costs a comparison; `make` is called only when none is
    /// (making the template values and comparing those would cost a page many allocations).
    pub fn fixed_parts<K, F>(
        &self,
        is_for: impl Fn(&K) -> bool,
        make: impl FnOnce() -> (K, F),
    ) -> Result<Arc<FixedParts>, minijinja::Error>
    where
        K: Send + Sync + 'static,
        F: Serialize,
    {
        let kept = self
            .fixed
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .find(|k| k.from.downcast_ref::<K>().is_some_and(&is_for))
            .map(|k| k.parts.clone());
        if let Some(parts) = kept {
            return Ok(parts);
        }
        let (key, from) = make();
        let value = minijinja::Value::from_serialize(&from);
        let part = |name: &str| -> Result<minijinja::Value, minijinja::Error> {
            Ok(minijinja::Value::from_safe_string(self.env.get_template(name)?.render(&value)?))
        };
        let parts =
            Arc::new(FixedParts { header: part("header.html")?, footer: part("footer.html")?, from: value });
        let mut fixed = self.fixed.lock().unwrap_or_else(|e| e.into_inner());
        fixed.insert(0, Kept { from: Arc::new(key), parts: parts.clone() });
        fixed.truncate(KEPT_PARTS);
        Ok(parts)
    }

    /// What `{{ m.name(arg) }}` prints for each of `args`, where `m` is the template `template`
    /// imported: for a piece that pages show many times (a list's summaries), so that it is
    /// made once and not on every page that shows it. The macros are made once for all the
    /// calls. An error when the template has no such macro (a theme's own that lacks it).
    pub fn call_macro_each(
        &self,
        template: &str,
        name: &str,
        args: &[minijinja::Value],
    ) -> Result<Vec<String>, minijinja::Error> {
        let captured = self.env.get_template(template)?.render_captured(())?;
        let state = captured.state();
        let called = state.lookup(name).ok_or_else(|| {
            minijinja::Error::new(
                minijinja::ErrorKind::UnknownFunction,
                format!("{template} has no {name} macro, which the theme's pages call"),
            )
        })?;
        args.iter().map(|arg| called.call(state, std::slice::from_ref(arg)).map(String::from)).collect()
    }

    /// The address of every asset, as pages link to it.
    pub fn asset_paths(&self) -> Vec<String> {
        let mut paths: Vec<String> = self.assets.keys().map(|k| format!("/assets/{k}")).collect();
        paths.sort();
        paths
    }

    /// An asset by its fingerprinted name.
    pub fn asset(&self, fingerprinted: &str) -> Option<&Asset> {
        self.assets.get(fingerprinted)
    }
}

/// HTML-escapes `& < > " '`, as Jinja2's MarkupSafe does. minijinja's own escaper also writes
/// `/` as `&#x2f;`, which is valid but leaves URLs unreadable in page source and in the HTML that
/// republishers copy; attributes here are always quoted, so these five are what safety needs.
fn escape_like_markupsafe(
    out: &mut minijinja::Output<'_>,
    state: &minijinja::State<'_, '_>,
    value: &minijinja::Value,
) -> Result<(), minijinja::Error> {
    if state.auto_escape() != minijinja::AutoEscape::Html
        || value.is_safe()
        || value.is_undefined()
        || value.is_none()
    {
        return minijinja::escape_formatter(out, state, value);
    }
    let failed = |_| minijinja::Error::new(minijinja::ErrorKind::WriteFailure, "could not write the page");
    let owned;
    let text = match value.as_str() {
        Some(text) => text,
        None => {
            owned = value.to_string();
            &owned
        }
    };
    // Most text (names, addresses, dates, the words between a body's tags) holds none of the
    // five: it is scanned a block of bytes at a time, comparing without stopping at each byte,
    // and a value with none of them goes out whole. Text that holds some (HTML shown as code,
    // hundreds of tags) is escaped into one buffer and written once: every write to the output
    // is a call through it. Only a block that holds one is looked at byte by byte; the text
    // between the characters to escape is copied in one piece (they are all ASCII, so every
    // cut is on a character boundary).
    let special = |b: u8| matches!(b, b'&' | b'<' | b'>' | b'"' | b'\'');
    let has_special = |block: &[u8]| block.iter().fold(false, |any, &b| any | special(b));
    let bytes = text.as_bytes();
    let Some(first) = bytes.chunks(BLOCK).position(has_special) else {
        return out.write_str(text).map_err(failed);
    };
    let mut escaped = String::with_capacity(text.len() + text.len() / 4);
    let mut from = 0;
    for (n, block) in bytes.chunks(BLOCK).enumerate().skip(first) {
        if !has_special(block) {
            continue;
        }
        for (k, byte) in block.iter().enumerate() {
            let replacement = match byte {
                b'&' => "&amp;",
                b'<' => "&lt;",
                b'>' => "&gt;",
                b'"' => "&#34;",
                b'\'' => "&#39;",
                _ => continue,
            };
            let i = n * BLOCK + k;
            escaped.push_str(&text[from..i]);
            escaped.push_str(replacement);
            from = i + 1;
        }
    }
    escaped.push_str(&text[from..]);
    out.write_str(&escaped).map_err(failed)
}

/// Bytes the escaper compares at a time.
const BLOCK: usize = 32;

fn read_overrides(dir: &Path, mut put: impl FnMut(String, Vec<u8>)) -> Result<(), ThemeError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(source) => return Err(ThemeError::Read { path: dir.to_owned(), source }),
    };
    for entry in entries {
        let entry = entry.map_err(|source| ThemeError::Read { path: dir.to_owned(), source })?;
        let path = entry.path();
        if !path.is_file() {
            continue;
        }
        let Some(name) = path.file_name().and_then(|n| n.to_str()).map(str::to_owned) else { continue };
        let bytes = std::fs::read(&path).map_err(|source| ThemeError::Read { path: path.clone(), source })?;
        put(name, bytes);
    }
    Ok(())
}

/// `style.css` → `style.<10 hex digits of SHA-256>.css`
fn fingerprint(name: &str, bytes: &[u8]) -> String {
    let digest = Sha256::digest(bytes);
    let hex: String = digest.iter().take(5).map(|b| format!("{b:02x}")).collect();
    match name.rsplit_once('.') {
        Some((stem, ext)) => format!("{stem}.{hex}.{ext}"),
        None => format!("{name}.{hex}"),
    }
}

fn content_type(name: &str) -> &'static str {
    match name.rsplit_once('.').map(|(_, ext)| ext.to_ascii_lowercase()).as_deref() {
        Some("css") => "text/css; charset=utf-8",
        Some("js") => "text/javascript; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("webp") => "image/webp",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        Some("txt") => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn built_in_theme_compiles_and_fingerprints_assets() {
        let theme = Theme::load(None).unwrap();
        let css = theme.assets.keys().find(|k| k.starts_with("style.")).unwrap();
        assert!(css.ends_with(".css") && css.len() == "style..css".len() + 10, "{css}");
        assert_eq!(theme.asset(css).unwrap().content_type, "text/css; charset=utf-8");
    }

    #[test]
    fn text_is_escaped_and_urls_stay_readable() {
        let theme = Theme::load(None).unwrap();
        let mut env = theme.env.clone();
        env.add_template("t.html", r#"<a href="{{ u }}" title="{{ t }}">{{ t }}</a>{{ h|safe }}"#).unwrap();
        let out = env
            .get_template("t.html")
            .unwrap()
            .render(minijinja::context! { u => "https://x.example/a?b=1&c=2", t => "<\"O'Neil\" & co>", h => "<b>ok</b>" })
            .unwrap();
        assert_eq!(
            out,
            r#"<a href="https://x.example/a?b=1&amp;c=2" title="&lt;&#34;O&#39;Neil&#34; &amp; co&gt;">&lt;&#34;O&#39;Neil&#34; &amp; co&gt;</a><b>ok</b>"#
        );
        // Long values, with and without a character to escape past the first blocks of bytes.
        let plain = "Pipeline politics in the Balkans: who pays for the gas, and when — ".repeat(3);
        let late = format!("{plain}<b>");
        let out = env
            .get_template("t.html")
            .unwrap()
            .render(minijinja::context! { u => plain, t => late })
            .unwrap();
        assert_eq!(out, format!(r#"<a href="{plain}" title="{plain}&lt;b&gt;">{plain}&lt;b&gt;</a>"#));
        // Characters to escape at the edges of the blocks the scan reads, beside characters of
        // several bytes, and at both ends: as a plain replacement escapes them.
        let plain_escape = |t: &str| {
            t.replace('&', "&amp;")
                .replace('<', "&lt;")
                .replace('>', "&gt;")
                .replace('"', "&#34;")
                .replace('\'', "&#39;")
        };
        env.add_template("v.html", "{{ v }}").unwrap();
        for text in [
            format!("{}<{}>", "a".repeat(31), "é".repeat(16)),
            format!("&{}\"{}'", "b".repeat(30), "—".repeat(11)),
            format!("{}&&{}<p>x</p>", "c".repeat(63), "ü".repeat(40)),
            "<".repeat(70),
        ] {
            let out = env.get_template("v.html").unwrap().render(minijinja::context! { v => text }).unwrap();
            assert_eq!(out, plain_escape(&text), "{text}");
        }
    }

    #[test]
    fn a_page_prints_the_kept_header_and_footer_as_it_would_render_them() {
        #[derive(Serialize, PartialEq)]
        struct From {
            site: std::collections::BTreeMap<&'static str, minijinja::Value>,
            nav: Vec<std::collections::BTreeMap<&'static str, &'static str>>,
        }
        let from = |title: &str| From {
            site: [
                ("title", title.into()),
                ("tagline", "News & analysis".into()),
                ("home_url", "/".into()),
                ("media_contact", "press@example.org".into()),
                ("copyright_holder", "The Outlet".into()),
                ("menu", vec![minijinja::context! { name => "About", url => "/about" }].into()),
                ("footer_links", vec![minijinja::context! { name => "Contact", url => "/contact" }].into()),
            ]
            .into_iter()
            .collect(),
            nav: vec![[("name", "Balkans"), ("url", "/region/balkans")].into_iter().collect()],
        };
        let theme = Theme::load(None).unwrap();
        let page = |from: From, parts: Option<&FixedParts>| {
            let parts =
                parts.map(|p| minijinja::context! { header => p.header.clone(), footer => p.footer.clone() });
            let from = minijinja::Value::from_serialize(&from);
            theme
                .render("base.html", minijinja::context! { ..from, ..minijinja::context! { parts } })
                .unwrap()
        };
        let fixed = |title: &'static str| {
            theme.fixed_parts(|kept: &&str| *kept == title, || (title, from(title))).unwrap()
        };
        let parts = fixed("The <Outlet>");
        let printed = page(from("The <Outlet>"), Some(&parts));
        assert_eq!(printed, page(from("The <Outlet>"), None), "the same bytes as rendering them in the page");
        assert!(
            printed.contains("The &lt;Outlet&gt;</a></p>") && printed.contains(r#"href="/region/balkans""#)
        );
        assert!(printed.contains(r#"href="/about""#) && printed.contains(r#"href="/contact""#), "{printed}");
        assert_eq!(printed.matches("<header class=\"masthead\">").count(), 1);
        assert_eq!(printed.matches("<footer class=\"site-footer\">").count(), 1);
        // Kept while the site and sections stay the same; made again when they change.
        assert!(Arc::ptr_eq(&parts, &fixed("The <Outlet>")));
        let renamed = fixed("The Weekly");
        assert!(renamed.header.as_str().unwrap().contains("The Weekly"));
        assert_eq!(page(from("The Weekly"), Some(&renamed)), page(from("The Weekly"), None));
    }

    #[test]
    fn overrides_replace_templates_and_assets() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("templates")).unwrap();
        std::fs::create_dir_all(dir.path().join("assets")).unwrap();
        std::fs::write(dir.path().join("templates/error.html"), "custom {{ status }}").unwrap();
        std::fs::write(dir.path().join("assets/style.css"), "body{color:red}").unwrap();
        let theme = Theme::load(Some(dir.path())).unwrap();
        assert_eq!(theme.render("error.html", minijinja::context! { status => 404 }).unwrap(), "custom 404");
        let css = theme.assets.iter().find(|(k, _)| k.starts_with("style.")).unwrap().1;
        assert_eq!(&*css.bytes, b"body{color:red}");
    }

    #[test]
    fn a_broken_override_is_reported_with_its_name() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir_all(dir.path().join("templates")).unwrap();
        std::fs::write(dir.path().join("templates/home.html"), "{% for x in %}").unwrap();
        let err = Theme::load(Some(dir.path())).unwrap_err().to_string();
        assert!(err.contains("home.html"), "{err}");
    }
}
