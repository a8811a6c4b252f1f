//! Frames, audio and video written into an imported post's HTML (`<iframe>`, `<audio>`,
//! `<video>`, `<object>`, `<embed>`), which the sanitiser would otherwise remove without a word,
//! turned into what the stored body format has for them (see docs/body-format.md): a frame of a
//! provider the embed allowlist knows becomes its embed card; audio and video in the media
//! library become the media card; anything else becomes a link to where it was, and each such
//! loss is named. A figure holding one of them and its caption becomes one card with that
//! caption.
//!
//! Read with html5ever's tokenizer and written out again; the result still goes through the
//! sanitiser when it is saved.

use std::cell::RefCell;

use html5ever::tokenizer::{Tag, TagKind, Token, TokenSink, TokenSinkResult};

use crate::body::tokenize;
use crate::embed::{EmbedRefusal, figure_html, recognise};

/// An imported body with its frames and players made cards or links, and what could not come in
/// as it was.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct MediaCards {
    pub html: String,
    /// One sentence per frame, player or object that is now a link or left out.
    pub notes: Vec<String>,
}

/// See the module's documentation. A body without frames, players or objects is returned as it
/// is.
pub fn media_cards(html: &str) -> MediaCards {
    let lower = html.to_ascii_lowercase();
    if !["<iframe", "<audio", "<video", "<object", "<embed"].iter().any(|t| lower.contains(t)) {
        return MediaCards { html: html.to_owned(), notes: Vec::new() };
    }
    let sink = CardSink(RefCell::new(State::default()));
    let state = tokenize(html, sink).0.into_inner();
    MediaCards { html: state.out, notes: state.notes }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Player {
    Audio,
    Video,
}

/// What a frame, player or object becomes.
#[derive(Debug, Clone)]
enum Card {
    Embed(crate::embed::Embed),
    /// Audio or video from the media library (`/media/…`).
    Played(Player, String),
    /// A link to where it was (its address, the words of the link).
    Link(String, String),
    Nothing,
}

impl Card {
    fn html(&self, caption: &str) -> String {
        let caption = caption.trim();
        let figcaption = if caption.is_empty() {
            String::new()
        } else {
            format!("<figcaption>{}</figcaption>", escape(caption))
        };
        match self {
            Card::Embed(embed) => figure_html(embed, caption),
            Card::Played(player, src) => {
                let tag = match player {
                    Player::Audio => "audio",
                    Player::Video => "video",
                };
                format!(
                    r#"<figure class="embed"><{tag} controls src="{}"></{tag}>{figcaption}</figure>"#,
                    escape(src)
                )
            }
            Card::Link(href, words) => {
                let caption =
                    if caption.is_empty() { String::new() } else { format!(" {}", escape(caption)) };
                format!(r#"<p><a href="{}">{}</a>{caption}</p>"#, escape(href), escape(words))
            }
            Card::Nothing if caption.is_empty() => String::new(),
            Card::Nothing => format!("<p>{}</p>", escape(caption)),
        }
    }
}

/// A frame, player or object being read: its tag, attributes and (for players) its sources.
#[derive(Debug)]
struct Open {
    name: String,
    src: Option<String>,
    sources: Vec<String>,
    /// The same element opened inside it, not yet closed.
    depth: u32,
}

/// The figure being read (the outermost one): where it began in the output, the card it holds,
/// its caption's text, and whether it holds anything else.
#[derive(Debug, Default)]
struct Figure {
    start: usize,
    nested: u32,
    card: Option<Card>,
    caption: String,
    in_caption: bool,
    other: bool,
}

#[derive(Debug, Default)]
struct State {
    out: String,
    notes: Vec<String>,
    open: Option<Open>,
    figure: Option<Figure>,
    /// The paragraph open outside any figure: where it began, and whether it holds anything yet.
    paragraph: Option<(usize, bool)>,
    /// A card took the place of an open paragraph: what follows it in that paragraph opens a new
    /// one, and line breaks and blank space right after it go.
    after_card: bool,
}

struct CardSink(RefCell<State>);

impl TokenSink for CardSink {
    type Handle = ();

    fn process_token(&self, token: Token, _line: u64) -> TokenSinkResult<()> {
        let mut state = self.0.borrow_mut();
        state.token(token);
        TokenSinkResult::Continue
    }
}

fn attribute(tag: &Tag, name: &str) -> Option<String> {
    tag.attrs
        .iter()
        .find(|a| &*a.name.local == name)
        .map(|a| a.value.trim().to_owned())
        .filter(|v| !v.is_empty())
}

impl State {
    fn token(&mut self, token: Token) {
        // Inside a frame, player or object: only its end and its sources matter. One left open
        // (HTML that never closes its `<video>`) ends where the document goes on with anything
        // but its own sources and fallback words, and at the end of the text: what follows is
        // never swallowed.
        if let Some(open) = &mut self.open {
            match &token {
                Token::TagToken(tag) => {
                    let name: &str = &tag.name;
                    if matches!(name, "source" | "track" | "param") {
                        if name == "source" && tag.kind == TagKind::StartTag {
                            open.sources.extend(attribute(tag, "src"));
                        }
                        return;
                    }
                    if name == open.name {
                        match tag.kind {
                            TagKind::StartTag if !tag.self_closing => open.depth += 1,
                            TagKind::EndTag if open.depth > 0 => open.depth -= 1,
                            TagKind::EndTag => {
                                let open = self.open.take().expect("an open element");
                                self.close(&open);
                            }
                            TagKind::StartTag => {}
                        }
                        return;
                    }
                    // Fallback markup inside the element (`<a>`, `<p>` of "your browser cannot…")
                    // is its own; anything that closes what holds it, or a block, ends it.
                    let fallback = tag.kind == TagKind::StartTag
                        && matches!(name, "a" | "em" | "strong" | "b" | "i" | "span" | "br")
                        || tag.kind == TagKind::EndTag
                            && matches!(name, "a" | "em" | "strong" | "b" | "i" | "span");
                    if fallback {
                        return;
                    }
                    let open = self.open.take().expect("an open element");
                    self.close(&open);
                }
                Token::EOFToken => {
                    let open = self.open.take().expect("an open element");
                    self.close(&open);
                    return;
                }
                _ => return,
            }
        }
        match token {
            Token::TagToken(tag) => self.tag(&tag),
            Token::CharacterTokens(text) => {
                if self.after_card {
                    if text.trim().is_empty() {
                        return;
                    }
                    self.reopen_paragraph();
                }
                if let Some((_, empty)) = &mut self.paragraph
                    && !text.trim().is_empty()
                {
                    *empty = false;
                }
                if let Some(figure) = &mut self.figure {
                    if figure.in_caption {
                        figure.caption.push_str(&text);
                    } else if !text.trim().is_empty() {
                        figure.other = true;
                    }
                }
                self.out.push_str(&escape_text(&text));
            }
            _ => {}
        }
    }

    /// The rest of a paragraph a card was placed in, as a paragraph of its own.
    fn reopen_paragraph(&mut self) {
        self.after_card = false;
        self.paragraph = Some((self.out.len(), false));
        self.out.push_str("<p>");
    }

    fn tag(&mut self, tag: &Tag) {
        let name: &str = &tag.name;
        if self.figure.is_none() {
            match (name, tag.kind) {
                ("p", TagKind::StartTag) => {
                    self.after_card = false;
                    self.paragraph = Some((self.out.len(), true));
                }
                ("p", TagKind::EndTag) => {
                    self.paragraph = None;
                    if std::mem::take(&mut self.after_card) {
                        return;
                    }
                }
                ("br", _) if self.after_card => return,
                ("iframe" | "audio" | "video" | "object" | "embed", _) => {}
                (_, TagKind::StartTag) if self.after_card => self.reopen_paragraph(),
                (_, TagKind::StartTag) if name != "br" => {
                    if let Some((_, empty)) = &mut self.paragraph {
                        *empty = false;
                    }
                }
                _ => {}
            }
        }
        match (name, tag.kind) {
            ("iframe" | "audio" | "video" | "object" | "embed", TagKind::StartTag) => {
                let src = match name {
                    "object" => attribute(tag, "data"),
                    _ => attribute(tag, "src"),
                };
                let open = Open { name: name.to_owned(), src, sources: Vec::new(), depth: 0 };
                // `<embed>` is a void element, and a self-closed one has nothing inside.
                if name == "embed" || tag.self_closing {
                    self.close(&open);
                } else {
                    self.open = Some(open);
                }
                return;
            }
            ("figure", TagKind::StartTag) => match &mut self.figure {
                Some(figure) => {
                    figure.nested += 1;
                    figure.other = true;
                }
                None => self.figure = Some(Figure { start: self.out.len(), ..Figure::default() }),
            },
            ("figure", TagKind::EndTag) => {
                if let Some(figure) = &mut self.figure {
                    if figure.nested > 0 {
                        figure.nested -= 1;
                    } else {
                        let figure = self.figure.take().expect("an open figure");
                        if let (Some(card), false) = (&figure.card, figure.other) {
                            // The figure was the card's, with its caption: one card.
                            self.out.truncate(figure.start);
                            self.out.push_str(&card.html(&figure.caption));
                            return;
                        }
                    }
                }
            }
            ("figcaption", kind) => {
                if let Some(figure) = self.figure.as_mut().filter(|f| f.nested == 0) {
                    figure.in_caption = kind == TagKind::StartTag;
                }
            }
            (_, TagKind::StartTag) => {
                if let Some(figure) = self.figure.as_mut().filter(|f| !f.in_caption) {
                    figure.other = true;
                }
            }
            _ => {}
        }
        write_tag(&mut self.out, tag);
    }

    /// A frame, player or object read whole: its card in the output, and a note when it is not
    /// what it was.
    fn close(&mut self, open: &Open) {
        let src = open.src.clone().or_else(|| open.sources.first().cloned());
        let card = match (open.name.as_str(), &src) {
            ("iframe", Some(src)) => match recognise(src) {
                Ok(embed) => Card::Embed(embed),
                Err(EmbedRefusal::UnknownProvider(_)) if is_web_address(src) => {
                    self.notes.push(format!(
                        "a frame from {} is not one the embed allowlist knows: it is a link to it now",
                        host(src)
                    ));
                    Card::Link(src.clone(), src.clone())
                }
                Err(refusal) if is_web_address(src) => {
                    self.notes.push(format!(
                        "a frame of {src} cannot be embedded ({refusal}): it is a link to it now"
                    ));
                    Card::Link(src.clone(), src.clone())
                }
                Err(_) => {
                    self.notes.push(format!("a frame of {src:?} cannot be shown: it is left out"));
                    Card::Nothing
                }
            },
            ("audio" | "video", Some(src)) => {
                let player = if open.name == "audio" { Player::Audio } else { Player::Video };
                if src.starts_with("/media/") {
                    Card::Played(player, src.clone())
                } else if is_web_address(src) {
                    let (kind, verb) = match player {
                        Player::Audio => ("audio", "Listen"),
                        Player::Video => ("video", "Watch"),
                    };
                    self.notes.push(format!(
                        "the {kind} {src} is not in the media library (import with the site's files, or --fetch-media): it is a link to it now"
                    ));
                    let file = src.split(['?', '#']).next().unwrap_or_default();
                    let file = file.rsplit('/').next().filter(|f| !f.is_empty()).unwrap_or(src);
                    Card::Link(src.clone(), format!("{verb}: {file}"))
                } else {
                    self.notes.push(format!("the {} at {src:?} cannot be played: it is left out", open.name));
                    Card::Nothing
                }
            }
            (name, Some(src)) if is_web_address(src) => {
                self.notes.push(format!("an <{name}> cannot be shown: it is a link to {src} now"));
                Card::Link(src.clone(), src.clone())
            }
            (name, _) => {
                self.notes
                    .push(format!("an <{name}> that names no web address cannot be shown: it is left out"));
                Card::Nothing
            }
        };
        let html = card.html("");
        match &mut self.figure {
            Some(figure) if figure.nested == 0 && figure.card.is_none() && !figure.in_caption => {
                figure.card = Some(card);
            }
            Some(figure) => figure.other = true,
            // A card is a block: it closes the paragraph it was written in (or takes its place
            // when the paragraph held nothing else).
            None if !html.is_empty() => {
                match self.paragraph.take() {
                    Some((start, true)) => self.out.truncate(start),
                    Some((_, false)) => self.out.push_str("</p>"),
                    None if self.after_card => {}
                    None => {
                        self.out.push_str(&html);
                        return;
                    }
                }
                self.after_card = true;
            }
            None => {}
        }
        self.out.push_str(&html);
    }
}

fn is_web_address(src: &str) -> bool {
    url::Url::parse(src).is_ok_and(|u| matches!(u.scheme(), "http" | "https"))
}

fn host(src: &str) -> String {
    url::Url::parse(src).ok().and_then(|u| u.host_str().map(str::to_owned)).unwrap_or_else(|| src.to_owned())
}

fn write_tag(out: &mut String, tag: &Tag) {
    match tag.kind {
        TagKind::StartTag => {
            out.push('<');
            out.push_str(&tag.name);
            for a in &tag.attrs {
                out.push(' ');
                out.push_str(&a.name.local);
                out.push_str("=\"");
                out.push_str(&escape(&a.value));
                out.push('"');
            }
            out.push_str(if tag.self_closing { " />" } else { ">" });
        }
        TagKind::EndTag => {
            out.push_str("</");
            out.push_str(&tag.name);
            out.push('>');
        }
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;")
}

fn escape_text(s: &str) -> String {
    s.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_body_without_frames_or_players_is_left_as_it_is() {
        let html = "<p>Fish &amp; chips <!-- a note --></p>";
        assert_eq!(media_cards(html), MediaCards { html: html.to_owned(), notes: Vec::new() });
    }

    #[test]
    fn a_known_frame_becomes_its_embed_card_with_its_figure_caption() {
        let cards = media_cards(
            r#"<p>Intro &amp; more.</p><iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ" width="560"></iframe>
<figure class="wp-block-embed"><iframe src="https://player.vimeo.com/video/76979871"></iframe><figcaption>The <em>walk</em></figcaption></figure>"#,
        );
        assert!(cards.notes.is_empty(), "{:?}", cards.notes);
        assert!(cards.html.starts_with("<p>Intro &amp; more.</p><figure class=\"embed\" data-embed=\"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ\">"), "{}", cards.html);
        assert!(
            cards.html.contains("data-embed=\"https://player.vimeo.com/video/76979871?dnt=1\""),
            "{}",
            cards.html
        );
        assert!(cards.html.ends_with("<figcaption>The walk</figcaption></figure>"), "{}", cards.html);
        assert_eq!(cards.html.matches("<figure").count(), 2, "no figure in a figure: {}", cards.html);
    }

    #[test]
    fn players_play_from_the_library_and_are_links_otherwise() {
        let cards = media_cards(
            r#"<figure class="embed wp-block-audio"><audio controls src="/media/uploads/2024/03/talk.mp3"></audio><figcaption>The talk</figcaption></figure>
<audio controls src="https://old.example/talk2.mp3"></audio>
<video controls><source src="https://old.example/clip.webm" type="video/webm">Your browser…</video>"#,
        );
        assert!(
            cards.html.starts_with(
                r#"<figure class="embed"><audio controls src="/media/uploads/2024/03/talk.mp3"></audio><figcaption>The talk</figcaption></figure>"#
            ),
            "{}",
            cards.html
        );
        assert!(
            cards.html.contains(r#"<p><a href="https://old.example/talk2.mp3">Listen: talk2.mp3</a></p>"#)
        );
        assert!(
            cards.html.contains(r#"<p><a href="https://old.example/clip.webm">Watch: clip.webm</a></p>"#)
        );
        assert!(!cards.html.contains("Your browser"), "{}", cards.html);
        assert_eq!(cards.notes.len(), 2, "{:?}", cards.notes);
        assert!(
            cards.notes[0].starts_with("the audio https://old.example/talk2.mp3 is not in the media library")
        );
    }

    #[test]
    fn what_the_allowlist_does_not_know_is_a_link_and_named() {
        let cards = media_cards(
            r#"<figure><iframe src="https://player.example-podcasts.com/e/123"></iframe><figcaption>Episode 4</figcaption></figure><object data="https://old.example/map.swf"></object><embed src="javascript:alert(1)"><iframe></iframe>"#,
        );
        assert_eq!(
            cards.html,
            r#"<p><a href="https://player.example-podcasts.com/e/123">https://player.example-podcasts.com/e/123</a> Episode 4</p><p><a href="https://old.example/map.swf">https://old.example/map.swf</a></p>"#
        );
        assert_eq!(cards.notes.len(), 4, "{:?}", cards.notes);
        assert!(cards.notes[0].contains("player.example-podcasts.com is not one the embed allowlist knows"));
        assert!(
            cards.notes[2].contains("cannot be shown: it is left out") || cards.notes[2].contains("left out")
        );
    }

    #[test]
    fn a_card_takes_the_place_of_the_paragraph_it_was_written_in() {
        let cards = media_cards(
            "<p>Before</p>\n<p><iframe src=\"https://www.youtube.com/embed/dQw4w9WgXcQ\"></iframe></p>\n\
             <p>Listen:<br />\n<audio src=\"/media/a.mp3\"></audio><br />\nafter <em>it</em></p>",
        );
        assert_eq!(
            cards.html,
            "<p>Before</p>\n<figure class=\"embed\" data-embed=\"https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ\">\
             <a href=\"https://www.youtube.com/watch?v=dQw4w9WgXcQ\">https://www.youtube.com/watch?v=dQw4w9WgXcQ</a></figure>\n\
             <p>Listen:<br />\n</p><figure class=\"embed\"><audio controls src=\"/media/a.mp3\"></audio></figure><p>after <em>it</em></p>"
        );
    }

    #[test]
    fn a_player_left_open_ends_where_the_text_goes_on() {
        let cards = media_cards(
            "<video controls src=\"/media/a.mp4\">Your browser <a href=\"/media/a.mp4\">cannot</a>\n<p>The rest of the story.</p><p>And more.</p>",
        );
        assert!(
            cards
                .html
                .starts_with(r#"<figure class="embed"><video controls src="/media/a.mp4"></video></figure>"#),
            "{}",
            cards.html
        );
        assert!(cards.html.contains("<p>The rest of the story.</p><p>And more.</p>"), "{}", cards.html);
        let cards = media_cards("<p>Before</p><audio src=\"/media/a.mp3\">");
        assert!(
            cards
                .html
                .ends_with(r#"<figure class="embed"><audio controls src="/media/a.mp3"></audio></figure>"#),
            "{}",
            cards.html
        );
    }

    #[test]
    fn a_figure_with_more_than_the_frame_keeps_its_other_parts() {
        let cards = media_cards(
            r#"<figure><img src="/media/a.jpg" alt="A"><iframe src="https://www.youtube.com/embed/dQw4w9WgXcQ"></iframe></figure>"#,
        );
        assert!(
            cards.html.starts_with(r#"<figure><img src="/media/a.jpg" alt="A"><figure class="embed""#),
            "{}",
            cards.html
        );
        assert!(cards.html.ends_with("</figure></figure>"), "{}", cards.html);
    }
}
