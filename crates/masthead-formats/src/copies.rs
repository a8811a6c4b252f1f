//! Judging a republished copy of one of our articles, from the HTML of the page that carries
//! it: does it link back, name the original as canonical, keep the tracking image, and (under
//! terms that forbid edits) keep the text? No IO: the copy check job fetches the page.

use std::collections::HashSet;

use scraper::{Html, Selector};
use serde::{Deserialize, Serialize};

/// What a copy was found to be, the most serious problem first when there are several.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Compliant,
    /// The page answers 404 or 410.
    Gone,
    /// Under no-derivatives terms, the text is not ours any more.
    TextChanged,
    /// No link to the original.
    AttributionMissing,
    /// No `<link rel="canonical">` naming the original.
    CanonicalMissing,
    /// The tracking image of the snippet is not on the page.
    TrackingRemoved,
}

impl Verdict {
    pub const ALL: [Verdict; 6] = [
        Verdict::Compliant,
        Verdict::Gone,
        Verdict::TextChanged,
        Verdict::AttributionMissing,
        Verdict::CanonicalMissing,
        Verdict::TrackingRemoved,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Verdict::Compliant => "compliant",
            Verdict::Gone => "gone",
            Verdict::TextChanged => "text-changed",
            Verdict::AttributionMissing => "attribution-missing",
            Verdict::CanonicalMissing => "canonical-missing",
            Verdict::TrackingRemoved => "tracking-removed",
        }
    }

    pub fn from_key(key: &str) -> Option<Verdict> {
        Verdict::ALL.into_iter().find(|v| v.key() == key)
    }

    /// In words, for the newsroom.
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Compliant => "Compliant",
            Verdict::Gone => "Gone",
            Verdict::TextChanged => "Text changed",
            Verdict::AttributionMissing => "Attribution link missing",
            Verdict::CanonicalMissing => "Canonical missing",
            Verdict::TrackingRemoved => "Tracking image removed",
        }
    }
}

/// What a compliant copy of one article carries.
#[derive(Debug, Clone)]
pub struct Expected<'a> {
    /// Addresses that count as a link back: our page, its first address, the original's.
    pub links: &'a [String],
    /// The address `rel="canonical"` must name.
    pub canonical: &'a str,
    /// The tracking image's address without its query (`…/r/{id}.gif`); `None` for our own
    /// page of a partner's article, which carries none.
    pub beacon: Option<&'a str>,
    /// The article's text, when its terms forbid edits (`None`: edits are allowed).
    pub text: Option<&'a str>,
}

/// The judgement of one copy: the verdict, and every problem found, in words.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Judgement {
    pub verdict: Verdict,
    pub problems: Vec<String>,
}

/// A copy keeps the text when at least this share of the original's five-word runs appear in it.
pub const KEPT_TEXT: f64 = 0.9;

/// Judges the page `html` (a copy) against `expected`.
pub fn judge(html: &str, expected: &Expected<'_>) -> Judgement {
    let doc = Html::parse_document(html);
    let select = |css: &str| Selector::parse(css).expect("a fixed selector");
    let same = |a: &str, b: &str| a.trim_end_matches('/') == b.trim_end_matches('/');
    let mut found = Vec::new();
    if let Some(text) = expected.text {
        let page_text: String = doc.root_element().text().collect::<Vec<_>>().join(" ");
        let (kept, missing) = kept_share(text, &page_text);
        if kept < KEPT_TEXT {
            found.push((
                Verdict::TextChanged,
                format!(
                    "the text was changed ({:.0}% of it is as published); missing or changed: “{}”",
                    kept * 100.0,
                    missing.join("”, “")
                ),
            ));
        }
    }
    let links: Vec<String> =
        doc.select(&select("a[href]")).filter_map(|a| a.value().attr("href")).map(str::to_owned).collect();
    if !links.iter().any(|l| expected.links.iter().any(|e| same(l, e))) {
        found.push((Verdict::AttributionMissing, "no link to the original".to_owned()));
    }
    let canonical: Vec<&str> =
        doc.select(&select("link[rel~=canonical][href]")).filter_map(|l| l.value().attr("href")).collect();
    if !canonical.iter().any(|c| same(c, expected.canonical)) {
        let what = match canonical.first() {
            Some(other) => format!("its canonical names {other}, not the original"),
            None => "no canonical link to the original".to_owned(),
        };
        found.push((Verdict::CanonicalMissing, what));
    }
    let beacon = expected.beacon.is_none_or(|beacon| {
        doc.select(&select("img[src]"))
            .filter_map(|i| i.value().attr("src"))
            .any(|src| src.split('?').next() == Some(beacon))
    });
    if !beacon {
        found.push((Verdict::TrackingRemoved, "the tracking image was removed".to_owned()));
    }
    match found.first() {
        None => Judgement { verdict: Verdict::Compliant, problems: vec![] },
        Some((verdict, _)) => {
            Judgement { verdict: *verdict, problems: found.into_iter().map(|(_, p)| p).collect() }
        }
    }
}

/// The words of `text`, lower case, without punctuation around them.
fn words(text: &str) -> Vec<String> {
    text.split_whitespace()
        .map(|w| w.trim_matches(|c: char| !c.is_alphanumeric()).to_lowercase())
        .filter(|w| !w.is_empty())
        .collect()
}

const RUN: usize = 5;

/// The share of the original's five-word runs found in `copy`, and (at most five) passages
/// of the original that are not there.
fn kept_share(original: &str, copy: &str) -> (f64, Vec<String>) {
    let ours = words(original);
    if ours.len() < RUN {
        let copy = words(copy).join(" ");
        let whole = ours.join(" ");
        return if copy.contains(&whole) { (1.0, vec![]) } else { (0.0, vec![whole]) };
    }
    let theirs: HashSet<String> = words(copy).windows(RUN).map(|w| w.join(" ")).collect();
    let runs: Vec<String> = ours.windows(RUN).map(|w| w.join(" ")).collect();
    let present: Vec<bool> = runs.iter().map(|r| theirs.contains(r)).collect();
    let kept = present.iter().filter(|p| **p).count() as f64 / runs.len() as f64;
    // Passages: the original's words covered by missing runs, joined where they touch.
    let mut missing_word = vec![false; ours.len()];
    for (i, here) in present.iter().enumerate() {
        if !here {
            for flag in &mut missing_word[i..i + RUN] {
                *flag = true;
            }
        }
    }
    let mut passages = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for (word, missing) in ours.iter().zip(&missing_word) {
        if *missing {
            current.push(word);
        } else if !current.is_empty() {
            passages.push(current.join(" "));
            current.clear();
        }
    }
    if !current.is_empty() {
        passages.push(current.join(" "));
    }
    passages.truncate(5);
    (kept, passages)
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "The terminal loaded 1.2m tonnes in October, half of its capacity. Dockers blame the war \
                        risk premium that insurers add to every ship bound for the Black Sea.";

    fn page(canonical: bool, link: bool, beacon: bool, text: &str) -> String {
        format!(
            "<html><head><title>x</title>{}</head><body><nav>Home News</nav><article><h1>Terminal</h1><p>{text}</p>\
             {}{}</article></body></html>",
            if canonical {
                r#"<link rel="canonical" href="https://meridian.example/article/terminal">"#
            } else {
                ""
            },
            if link {
                r#"<p>Originally published on <a href="https://meridian.example/article/terminal/">The Meridian</a>.</p>"#
            } else {
                ""
            },
            if beacon {
                r#"<img src="https://meridian.example/r/7.gif?site=radio.example.org" width="1" height="1" alt="">"#
            } else {
                ""
            },
        )
    }

    fn expected(nd: bool) -> Expected<'static> {
        static LINKS: std::sync::LazyLock<Vec<String>> =
            std::sync::LazyLock::new(|| vec!["https://meridian.example/article/terminal".to_owned()]);
        Expected {
            links: &LINKS,
            canonical: "https://meridian.example/article/terminal",
            beacon: Some("https://meridian.example/r/7.gif"),
            text: nd.then_some(TEXT),
        }
    }

    #[test]
    fn each_kind_of_copy_is_told_apart() {
        assert_eq!(judge(&page(true, true, true, TEXT), &expected(true)).verdict, Verdict::Compliant);
        assert_eq!(
            judge(&page(true, false, true, TEXT), &expected(true)).verdict,
            Verdict::AttributionMissing
        );
        assert_eq!(judge(&page(false, true, true, TEXT), &expected(true)).verdict, Verdict::CanonicalMissing);
        assert_eq!(judge(&page(true, true, false, TEXT), &expected(true)).verdict, Verdict::TrackingRemoved);
        let edited = TEXT.replace("war risk premium that insurers add to every ship", "fees");
        let judged = judge(&page(true, true, true, &edited), &expected(true));
        assert_eq!(judged.verdict, Verdict::TextChanged);
        assert!(
            judged.problems[0].contains("war risk premium that insurers add to every ship"),
            "{judged:?}"
        );
        // Edits are fine where the terms allow them.
        assert_eq!(judge(&page(true, true, true, &edited), &expected(false)).verdict, Verdict::Compliant);
        // Several problems: the most serious named, all listed.
        let bare = judge(&page(false, false, false, TEXT), &expected(true));
        assert_eq!(bare.verdict, Verdict::AttributionMissing);
        assert_eq!(bare.problems.len(), 3);
        for v in Verdict::ALL {
            assert_eq!(Verdict::from_key(v.key()), Some(v));
        }
    }
}
