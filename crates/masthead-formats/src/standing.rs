//! The status image that travels in the republish snippet: a small SVG badge, served by the
//! original's site, that tells the readers of every copy whether the article still stands as
//! published, was corrected, or was withdrawn. A copy shows the state without any script,
//! because the copy's page loads the image from us each time it is read.

use jiff::Timestamp;
use masthead_core::{Article, ArticleStatus, Site, Standing};

/// The width of the badge, in pixels (its height is [`HEIGHT`]); the snippet's `<img>` names
/// both so that the copy's layout does not move.
pub const WIDTH: u32 = 440;
pub const HEIGHT: u32 = 28;

/// What the badge says, and in which tone.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Badge {
    /// "Current as of 30 November 2026 · The Meridian"
    pub text: String,
    pub tone: Tone,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Tone {
    Current,
    Corrected,
    Gone,
}

/// What the badge of `a` says at `now`, in the article's time zone.
pub fn badge(site: &Site, a: &Article, now: Timestamp) -> Badge {
    let day = |t: Timestamp| masthead_core::time::in_zone(t, &a.time_zone).strftime("%-d %B %Y").to_string();
    let outlet = &site.title;
    match (a.status, a.standing()) {
        (_, Standing::Withdrawn(at)) => {
            Badge { text: format!("Withdrawn by {outlet} on {}", day(at)), tone: Tone::Gone }
        }
        (ArticleStatus::Published, Standing::Corrected(at)) => Badge {
            text: format!("Corrected on {} · see the correction at {outlet}", day(at)),
            tone: Tone::Corrected,
        },
        (ArticleStatus::Published, Standing::Current) => {
            Badge { text: format!("Current as of {} · {outlet}", day(now)), tone: Tone::Current }
        }
        _ => Badge { text: format!("No longer published by {outlet}"), tone: Tone::Gone },
    }
}

/// The badge as an SVG document. Text is escaped; no script, no external reference.
pub fn svg(badge: &Badge) -> String {
    let (fill, ink) = match badge.tone {
        Tone::Current => ("#eef6ee", "#1d4d1f"),
        Tone::Corrected => ("#fff4d6", "#5c4000"),
        Tone::Gone => ("#fbe4e4", "#7a1010"),
    };
    let text = quick_xml::escape::escape(badge.text.as_str());
    crate::xml_document(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         viewBox=\"0 0 {WIDTH} {HEIGHT}\" role=\"img\" aria-label=\"{text}\">\
         <title>{text}</title>\
         <rect width=\"{WIDTH}\" height=\"{HEIGHT}\" rx=\"4\" fill=\"{fill}\"/>\
         <text x=\"10\" y=\"18.5\" font-family=\"system-ui, sans-serif\" font-size=\"13\" fill=\"{ink}\" \
         textLength=\"{}\" lengthAdjust=\"spacingAndGlyphs\">{text}</text></svg>\n",
        text_length(&badge.text),
    ))
}

/// What a copy shows in place of an image that may not travel with it: a plain box of the
/// image's proportions (at most 1200 px wide) that names its credit and says where to see it.
pub fn withheld_svg(width: Option<i64>, height: Option<i64>, credit: &str, outlet: &str) -> String {
    let (w, h) = match (width, height) {
        (Some(w), Some(h)) if w > 0 && h > 0 => {
            let w2 = w.min(1200);
            (w2, (h * w2 / w).clamp(120, 1200))
        }
        _ => (800, 450),
    };
    let line1 = "This image may not be republished";
    let line2 = if credit.trim().is_empty() { String::new() } else { credit.trim().to_owned() };
    let line3 = format!("See it in the original at {outlet}");
    let e = |s: &str| quick_xml::escape::escape(s).into_owned();
    let (cx, cy) = (w / 2, h / 2);
    crate::xml_document(format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{w}\" height=\"{h}\" viewBox=\"0 0 {w} {h}\" \
         role=\"img\" aria-label=\"{l1}. {l2} {l3}\"><rect width=\"{w}\" height=\"{h}\" fill=\"#e9e9ec\"/>\
         <g font-family=\"system-ui, sans-serif\" fill=\"#33363c\" text-anchor=\"middle\">\
         <text x=\"{cx}\" y=\"{y1}\" font-size=\"20\">{l1}</text>\
         <text x=\"{cx}\" y=\"{cy}\" font-size=\"16\">{l2}</text>\
         <text x=\"{cx}\" y=\"{y3}\" font-size=\"16\">{l3}</text></g></svg>\n",
        l1 = e(line1),
        l2 = e(&line2),
        l3 = e(&line3),
        y1 = cy - 30,
        y3 = cy + 30,
    ))
}

/// How wide the text may run: its natural width at about 7 px a character, squeezed to fit
/// the badge when it is longer (a long outlet name).
fn text_length(text: &str) -> u32 {
    let natural = text.chars().count() as u32 * 7;
    natural.min(WIDTH - 20)
}

#[cfg(test)]
mod tests {
    use super::*;
    use masthead_core::{Correction, Withdrawal};

    fn article() -> Article {
        crate::tests::article()
    }

    #[test]
    fn the_badge_follows_the_article() {
        let site = Site { title: "The <Meridian>".into(), ..Site::default() };
        let now: Timestamp = "2026-11-30T23:30:00Z".parse().unwrap();
        let mut a = article();
        let current = badge(&site, &a, now);
        // Midnight has passed in Belgrade.
        assert_eq!(current.text, "Current as of 1 December 2026 · The <Meridian>");
        assert_eq!(current.tone, Tone::Current);
        a.corrections.push(Correction { made_at: "2026-12-02T10:00:00Z".parse().unwrap(), text: "x".into() });
        let corrected = badge(&site, &a, now);
        assert!(corrected.text.starts_with("Corrected on 2 December 2026"), "{}", corrected.text);
        a.status = ArticleStatus::Unpublished;
        assert_eq!(badge(&site, &a, now).text, "No longer published by The <Meridian>");
        a.withdrawal = Some(Withdrawal { at: "2026-12-03T10:00:00Z".parse().unwrap(), notice: "n".into() });
        let gone = badge(&site, &a, now);
        assert_eq!(gone.text, "Withdrawn by The <Meridian> on 3 December 2026");
        let doc = svg(&gone);
        assert!(doc.contains("The &lt;Meridian&gt;"), "{doc}");
        assert!(!doc.contains("<Meridian>"), "{doc}");
        assert!(doc.contains("#fbe4e4"));
    }
}
