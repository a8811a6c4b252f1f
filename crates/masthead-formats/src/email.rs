//! Newsletter e-mails: an issue (one article in full, or a digest of several) rendered once per
//! send from the theme's templates (`email/newsletter.html` and `email/newsletter.txt`, built in
//! and overridable from `<data>/theme/email/`), with the CSS inlined for mail programs that
//! ignore `<style>`. What differs per reader (the unsubscribe link) is filled into the rendered
//! issue, so that a send to 100,000 members renders the templates once.

use std::path::{Path, PathBuf};

use minijinja::Environment;
use serde::{Deserialize, Serialize};

const HTML_TEMPLATE: &str = "newsletter.html";
const TEXT_TEMPLATE: &str = "newsletter.txt";
const TEMPLATES: &[(&str, &str)] = &[
    (HTML_TEMPLATE, include_str!("../theme/email/newsletter.html")),
    (TEXT_TEMPLATE, include_str!("../theme/email/newsletter.txt")),
];

/// Stands in for each reader's unsubscribe address until [`RenderedIssue::personalise`]. Neither
/// HTML escaping nor CSS inlining changes it.
const UNSUBSCRIBE_MARK: &str = "MASTHEAD-UNSUBSCRIBE-ADDRESS-MARK";

#[derive(Debug, thiserror::Error)]
pub enum EmailThemeError {
    #[error("could not read e-mail template {path}: {source}")]
    Read { path: PathBuf, source: std::io::Error },
    #[error("e-mail template {name} has an error: {source:#}")]
    Template { name: String, source: minijinja::Error },
    #[error("could not inline the e-mail's CSS: {0}")]
    Inline(String),
}

/// One e-mail as the templates see it (`issue.…`).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Issue {
    pub subject: String,
    pub language: String,
    pub site_title: String,
    pub site_url: String,
    pub account_url: String,
    pub newsletter_name: String,
    pub newsletter_description: String,
    /// A line above the articles (a digest's introduction).
    pub intro: Option<String>,
    /// One article in full (`true`), or a list of articles with their standfirsts.
    pub full: bool,
    pub articles: Vec<IssueArticle>,
    /// A first-party image counting opens of this send as a whole, when the outlet counts them.
    pub tracking_image: Option<String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssueArticle {
    pub id: i64,
    pub title: String,
    /// Absolute.
    pub url: String,
    /// Where the headline and "Read the article" lead: `url`, or a first-party address that
    /// counts the click for the send as a whole and then leads there.
    pub link: String,
    pub dek: String,
    pub authors: Vec<IssueAuthor>,
    /// As the article page prints it.
    pub date: String,
    /// Sanitised, with every address absolute.
    pub body_html: String,
    pub body_text: String,
    pub image: Option<IssueImage>,
    pub original: Option<IssueOriginal>,
    /// "Copyright © Author, Outlet, 2026".
    pub copyright: String,
    /// The reuse terms in a sentence.
    pub policy: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssueAuthor {
    pub name: String,
    pub url: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssueImage {
    pub url: String,
    pub alt: String,
    pub credit: String,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct IssueOriginal {
    pub outlet: String,
    pub url: String,
}

/// The e-mail templates, compiled once.
#[derive(Debug)]
pub struct EmailTheme {
    env: Environment<'static>,
}

impl EmailTheme {
    /// The built-in templates, with any found in `override_dir` (`<data>/theme/email`) in their
    /// place. A template with an error is refused here, with its name and line.
    pub fn load(override_dir: Option<&Path>) -> Result<EmailTheme, EmailThemeError> {
        let mut env = Environment::new();
        env.set_auto_escape_callback(|name| {
            if name.ends_with(".html") { minijinja::AutoEscape::Html } else { minijinja::AutoEscape::None }
        });
        env.set_undefined_behavior(minijinja::UndefinedBehavior::Chainable);
        for (name, builtin) in TEMPLATES {
            let path = override_dir.map(|d| d.join(name));
            let source = match path {
                Some(path) if path.is_file() => {
                    std::fs::read_to_string(&path).map_err(|source| EmailThemeError::Read { path, source })?
                }
                _ => (*builtin).to_owned(),
            };
            env.add_template_owned(*name, source)
                .map_err(|source| EmailThemeError::Template { name: (*name).to_owned(), source })?;
        }
        Ok(EmailTheme { env })
    }

    /// Renders `issue` once: HTML with its CSS inlined, and plain text.
    pub fn render(&self, issue: &Issue) -> Result<RenderedIssue, EmailThemeError> {
        let render = |name: &str| {
            let ctx = minijinja::context! { issue => issue, unsubscribe_url => UNSUBSCRIBE_MARK };
            self.env
                .get_template(name)
                .and_then(|t| t.render(ctx))
                .map_err(|source| EmailThemeError::Template { name: name.to_owned(), source })
        };
        let html = render(HTML_TEMPLATE)?;
        let inliner =
            css_inline::CSSInliner::options().keep_at_rules(true).load_remote_stylesheets(false).build();
        let html = inliner.inline(&html).map_err(|e| EmailThemeError::Inline(e.to_string()))?;
        let text = render(TEXT_TEMPLATE)?;
        Ok(RenderedIssue {
            subject: issue.subject.clone(),
            html: Pieces::split(&html),
            text: Pieces::split(&text),
        })
    }
}

/// An issue rendered for everyone, ready to be made personal.
#[derive(Debug, Clone)]
pub struct RenderedIssue {
    pub subject: String,
    html: Pieces,
    text: Pieces,
}

/// A rendered template cut where each reader's own address goes.
#[derive(Debug, Clone)]
struct Pieces(Vec<String>);

impl Pieces {
    /// Cut at each mark, with lines ending in CRLF as the message will carry them, so that this
    /// is done once per send rather than once per reader.
    fn split(rendered: &str) -> Pieces {
        Pieces(crlf(rendered).split(UNSUBSCRIBE_MARK).map(str::to_owned).collect())
    }

    fn join(&self, with: &str) -> String {
        let len = self.0.iter().map(String::len).sum::<usize>() + with.len() * self.0.len();
        let mut out = String::with_capacity(len);
        for (i, piece) in self.0.iter().enumerate() {
            if i > 0 {
                out.push_str(with);
            }
            out.push_str(piece);
        }
        out
    }
}

/// One reader's copy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PersonalCopy {
    pub html: String,
    pub text: String,
}

impl RenderedIssue {
    /// The issue for the reader whose unsubscribe address is `unsubscribe_url`.
    pub fn personalise(&self, unsubscribe_url: &str) -> PersonalCopy {
        PersonalCopy {
            html: self.html.join(&escape_html(unsubscribe_url)),
            text: self.text.join(unsubscribe_url),
        }
    }
}

/// `text` with every line ending in CRLF, as a MIME text part's canonical form has them;
/// borrowed when it already is (the check is a fast scan, made for every reader's message).
pub fn crlf(text: &str) -> std::borrow::Cow<'_, str> {
    let bytes = text.as_bytes();
    let canonical = memchr::memchr2_iter(b'\r', b'\n', bytes).all(|i| match bytes[i] {
        b'\r' => bytes.get(i + 1) == Some(&b'\n'),
        _ => i > 0 && bytes[i - 1] == b'\r',
    });
    if canonical {
        std::borrow::Cow::Borrowed(text)
    } else {
        std::borrow::Cow::Owned(text.replace("\r\n", "\n").replace('\r', "\n").replace('\n', "\r\n"))
    }
}

fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn issue() -> Issue {
        Issue {
            subject: "Freight on the Danube".into(),
            language: "en".into(),
            site_title: "The Meridian".into(),
            site_url: "https://news.example.org/".into(),
            account_url: "https://news.example.org/account".into(),
            newsletter_name: "The Weekly".into(),
            newsletter_description: String::new(),
            intro: None,
            full: true,
            articles: vec![IssueArticle {
                id: 1,
                title: "Freight on the <Danube>".into(),
                url: "https://news.example.org/articles/freight".into(),
                link: "https://news.example.org/articles/freight".into(),
                dek: "Volumes fell by a fifth".into(),
                authors: vec![
                    IssueAuthor {
                        name: "Ana Petrović".into(),
                        url: "https://news.example.org/authors/ana".into(),
                    },
                    IssueAuthor { name: "Li Wei".into(), url: "https://news.example.org/authors/li".into() },
                ],
                date: "2 December 2026".into(),
                body_html: "<p>The <a href=\"https://example.org/r\">report</a> says so.</p>".into(),
                body_text: "The report <https://example.org/r> says so.".into(),
                image: Some(IssueImage {
                    url: "https://news.example.org/media/barge.jpg".into(),
                    alt: "A barge".into(),
                    credit: "Photo: Ana Petrović".into(),
                }),
                original: Some(IssueOriginal {
                    outlet: "InfoBrics".into(),
                    url: "https://infobrics.example/freight".into(),
                }),
                copyright: "Copyright © Ana Petrović, InfoBrics, 2026".into(),
                policy: "Community sites may republish with a link back.".into(),
            }],
            tracking_image: None,
        }
    }

    #[test]
    fn an_issue_keeps_byline_provenance_credit_and_copyright_with_css_inlined() {
        let rendered = EmailTheme::load(None).unwrap().render(&issue()).unwrap();
        let copy = rendered.personalise("https://news.example.org/unsubscribe?t=a.b&c");
        for needle in [
            "Freight on the &lt;Danube&gt;",
            ">Ana Petrović</a> and <a",
            "originally published on <a href=\"https://infobrics.example/freight\"",
            "Photo: Ana Petrović",
            "Copyright © Ana Petrović, InfoBrics, 2026",
            "href=\"https://news.example.org/unsubscribe?t=a.b&amp;c\"",
            "@media (prefers-color-scheme: dark)",
        ] {
            assert!(copy.html.contains(needle), "{needle:?} missing from\n{}", copy.html);
        }
        assert!(copy.html.contains("<h1 style="), "CSS is inlined:\n{}", copy.html);
        assert!(!copy.html.contains(UNSUBSCRIBE_MARK));
        assert!(copy.text.contains("Unsubscribe: https://news.example.org/unsubscribe?t=a.b&c"));
        assert!(copy.text.contains("By Ana Petrović and Li Wei · 2 December 2026"));
        assert!(copy.text.contains("The report <https://example.org/r> says so."));
        assert!(copy.text.contains("originally published on InfoBrics <https://infobrics.example/freight>"));
    }

    #[test]
    fn an_override_replaces_the_built_in_template_and_a_broken_one_is_refused_by_name() {
        let dir = std::env::temp_dir().join(format!("masthead-email-theme-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(
            dir.join("newsletter.txt"),
            "{{ issue.site_title }} says hello. {{ unsubscribe_url }}",
        )
        .unwrap();
        let rendered = EmailTheme::load(Some(&dir)).unwrap().render(&issue()).unwrap();
        assert_eq!(rendered.personalise("U").text, "The Meridian says hello. U");
        std::fs::write(dir.join("newsletter.html"), "{% for %}").unwrap();
        let err = EmailTheme::load(Some(&dir)).unwrap_err().to_string();
        assert!(err.contains("newsletter.html"), "{err}");
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
