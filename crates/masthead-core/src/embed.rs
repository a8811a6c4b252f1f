//! Embeds: the third-party players and charts an article may show, and nothing else.
//!
//! An embed is stored in an article's body as
//! `<figure class="embed" data-embed="FRAME"><a href="PAGE">PAGE</a><figcaption>…</figcaption></figure>`:
//! the page a reader can always follow, and the address of the frame that is loaded only when the
//! reader asks for it (the public pages' one script, `embed.js`). [`recognise`] is the allowlist:
//! it turns a provider's page address (or its frame address) into the frame address we load, in
//! the form that tracks least (YouTube's privacy-enhanced host, Vimeo's "do not track"). The
//! sanitiser keeps a `data-embed` only as [`recognise`] rewrites it, so a frame from anywhere
//! else never reaches a page, and each article page allows exactly its embeds' origins as frames
//! (`crate::body::frame_origins`).

use url::Url;

/// A provider's embed, recognised from an address.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Embed {
    /// The provider's name, as readers know it: "YouTube", "Datawrapper".
    pub provider: &'static str,
    /// The frame loaded when the reader asks.
    pub frame: Url,
    /// The page a reader can follow without loading anything.
    pub page: Url,
}

/// Why an address is not an embed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmbedRefusal {
    #[error("this is not an http(s) address")]
    NotAnAddress,
    #[error(
        "{0} is not a provider we embed: YouTube, Vimeo, Datawrapper, Flourish, SoundCloud, Spotify, Apple Podcasts, Bluesky, the largest Mastodon servers and OpenStreetMap are; link to it instead"
    )]
    UnknownProvider(String),
    #[error("this {0} address does not name one video, chart, post or episode")]
    Incomplete(&'static str),
}

/// The providers, for the admin's help text.
pub const PROVIDERS: &[&str] = &[
    "YouTube",
    "Vimeo",
    "Datawrapper",
    "Flourish",
    "SoundCloud",
    "Spotify",
    "Apple Podcasts",
    "Bluesky",
    "Mastodon",
    "OpenStreetMap",
];

fn url(s: &str) -> Url {
    Url::parse(s).expect("a frame address made from checked parts parses")
}

fn segments(u: &Url) -> Vec<&str> {
    u.path_segments().map(|s| s.filter(|p| !p.is_empty()).collect()).unwrap_or_default()
}

fn token(s: &str, max: usize) -> bool {
    !s.is_empty() && s.len() <= max && s.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

fn digits(s: &str) -> bool {
    !s.is_empty() && s.len() <= 20 && s.bytes().all(|b| b.is_ascii_digit())
}

/// The embed an address names, or why it is not one.
pub fn recognise(address: &str) -> Result<Embed, EmbedRefusal> {
    let u = Url::parse(address.trim()).map_err(|_| EmbedRefusal::NotAnAddress)?;
    if !matches!(u.scheme(), "http" | "https") || !u.username().is_empty() || u.password().is_some() {
        return Err(EmbedRefusal::NotAnAddress);
    }
    let host = u.host_str().ok_or(EmbedRefusal::NotAnAddress)?.to_ascii_lowercase();
    let host = host.strip_prefix("www.").unwrap_or(&host).to_owned();
    let path = segments(&u);
    let query = |key: &str| u.query_pairs().find(|(k, _)| k == key).map(|(_, v)| v.into_owned());
    match host.as_str() {
        "youtube.com" | "m.youtube.com" | "youtube-nocookie.com" | "youtu.be" => {
            let id = match (host.as_str(), path.as_slice()) {
                ("youtu.be", [id]) => Some((*id).to_owned()),
                (_, ["watch"]) => query("v"),
                (_, ["embed" | "shorts" | "live", id]) => Some((*id).to_owned()),
                _ => None,
            }
            .filter(|id| token(id, 11) && id.len() == 11)
            .ok_or(EmbedRefusal::Incomplete("YouTube"))?;
            Ok(Embed {
                provider: "YouTube",
                frame: url(&format!("https://www.youtube-nocookie.com/embed/{id}")),
                page: url(&format!("https://www.youtube.com/watch?v={id}")),
            })
        }
        "vimeo.com" | "player.vimeo.com" => {
            let id = match path.as_slice() {
                ["video", id] => *id,
                [.., id] => *id,
                [] => "",
            };
            if !digits(id) {
                return Err(EmbedRefusal::Incomplete("Vimeo"));
            }
            Ok(Embed {
                provider: "Vimeo",
                frame: url(&format!("https://player.vimeo.com/video/{id}?dnt=1")),
                page: url(&format!("https://vimeo.com/{id}")),
            })
        }
        "datawrapper.dwcdn.net" | "datawrapper.de" => {
            let (id, version) = match path.as_slice() {
                ["_", id, ..] => (*id, None),
                [id, v, ..] if digits(v) => (*id, Some(*v)),
                [id, ..] => (*id, None),
                [] => ("", None),
            };
            if !token(id, 12) {
                return Err(EmbedRefusal::Incomplete("Datawrapper"));
            }
            let frame = match version {
                Some(v) => format!("https://datawrapper.dwcdn.net/{id}/{v}/"),
                None => format!("https://datawrapper.dwcdn.net/{id}/"),
            };
            Ok(Embed { provider: "Datawrapper", page: url(&frame), frame: url(&frame) })
        }
        "flo.uri.sh" | "public.flourish.studio" => {
            let (kind, id) = match path.as_slice() {
                [kind @ ("visualisation" | "story"), id, ..] => (*kind, *id),
                _ => ("", ""),
            };
            if !digits(id) {
                return Err(EmbedRefusal::Incomplete("Flourish"));
            }
            Ok(Embed {
                provider: "Flourish",
                frame: url(&format!("https://flo.uri.sh/{kind}/{id}/embed")),
                page: url(&format!("https://public.flourish.studio/{kind}/{id}/")),
            })
        }
        "soundcloud.com" | "w.soundcloud.com" => {
            let page = if host == "w.soundcloud.com" {
                query("url")
                    .and_then(|p| Url::parse(&p).ok())
                    .filter(|p| matches!(p.host_str(), Some("soundcloud.com" | "api.soundcloud.com")))
            } else {
                Some(u.clone())
            };
            let page = page.ok_or(EmbedRefusal::Incomplete("SoundCloud"))?;
            // WordPress's SoundCloud embeds name the track by number, through SoundCloud's API.
            if page.host_str() == Some("api.soundcloud.com") {
                return match segments(&page).as_slice() {
                    [kind @ ("tracks" | "playlists"), id]
                        if !id.is_empty() && id.chars().all(|c| c.is_ascii_digit()) =>
                    {
                        let page = url(&format!("https://api.soundcloud.com/{kind}/{id}"));
                        let mut frame = url("https://w.soundcloud.com/player/");
                        frame.query_pairs_mut().append_pair("url", page.as_str());
                        Ok(Embed { provider: "SoundCloud", frame, page })
                    }
                    _ => Err(EmbedRefusal::Incomplete("SoundCloud")),
                };
            }
            let parts = segments(&page);
            if !(2..=3).contains(&parts.len()) || !parts.iter().all(|p| token(p, 100)) {
                return Err(EmbedRefusal::Incomplete("SoundCloud"));
            }
            let page = url(&format!("https://soundcloud.com/{}", parts.join("/")));
            let mut frame = url("https://w.soundcloud.com/player/");
            frame.query_pairs_mut().append_pair("url", page.as_str());
            Ok(Embed { provider: "SoundCloud", frame, page })
        }
        "open.spotify.com" => {
            let rest: Vec<&str> = path.iter().copied().skip_while(|p| *p == "embed").collect();
            match rest.as_slice() {
                [kind @ ("episode" | "show" | "track" | "album" | "playlist"), id] if token(id, 40) => {
                    Ok(Embed {
                        provider: "Spotify",
                        frame: url(&format!("https://open.spotify.com/embed/{kind}/{id}")),
                        page: url(&format!("https://open.spotify.com/{kind}/{id}")),
                    })
                }
                _ => Err(EmbedRefusal::Incomplete("Spotify")),
            }
        }
        "podcasts.apple.com" | "embed.podcasts.apple.com" => {
            if path.len() < 3
                || !path.iter().all(|p| token(p, 120))
                || !path.iter().any(|p| p.starts_with("id"))
            {
                return Err(EmbedRefusal::Incomplete("Apple Podcasts"));
            }
            let mut tail = path.join("/");
            if let Some(i) = query("i").filter(|i| digits(i)) {
                tail.push_str(&format!("?i={i}"));
            }
            Ok(Embed {
                provider: "Apple Podcasts",
                frame: url(&format!("https://embed.podcasts.apple.com/{tail}")),
                page: url(&format!("https://podcasts.apple.com/{tail}")),
            })
        }
        "bsky.app" | "embed.bsky.app" => {
            let (who, post) = match path.as_slice() {
                ["profile", who, "post", post] => (*who, *post),
                ["embed", who, "app.bsky.feed.post", post] => (*who, *post),
                _ => ("", ""),
            };
            let who_ok = !who.is_empty()
                && who.len() <= 253
                && who.bytes().all(|b| b.is_ascii_alphanumeric() || b"-.:_".contains(&b));
            if !who_ok || !token(post, 20) {
                return Err(EmbedRefusal::Incomplete("Bluesky"));
            }
            Ok(Embed {
                provider: "Bluesky",
                frame: url(&format!("https://embed.bsky.app/embed/{who}/app.bsky.feed.post/{post}")),
                page: url(&format!("https://bsky.app/profile/{who}/post/{post}")),
            })
        }
        "openstreetmap.org" => openstreetmap(&u),
        _ => mastodon(&u, &host).ok_or_else(|| EmbedRefusal::UnknownProvider(host.clone())),
    }
}

/// The Mastodon servers whose posts may be embedded: a frame from any server would let anyone
/// who can write a body frame a page of their choosing in it, so the list is closed (the largest
/// general servers and those of journalists).
pub const MASTODON_SERVERS: &[&str] = &[
    "mastodon.social",
    "mastodon.online",
    "mstdn.social",
    "mas.to",
    "mastodon.world",
    "journa.host",
    "newsie.social",
    "mediapart.social",
    "hachyderm.io",
    "fosstodon.org",
    "infosec.exchange",
    "social.coop",
    "mastodon.green",
    "mastodon.art",
    "chaos.social",
];

/// A Mastodon post (`https://host/@name/123`, or its `/embed`) on one of [`MASTODON_SERVERS`].
fn mastodon(u: &Url, host: &str) -> Option<Embed> {
    if !MASTODON_SERVERS.contains(&host) {
        return None;
    }
    let (name, id) = match segments(u).as_slice() {
        [name, id] | [name, id, "embed"] if name.starts_with('@') => ((*name).to_owned(), (*id).to_owned()),
        _ => return None,
    };
    let name_ok = name.len() > 1
        && name.len() <= 64
        && name[1..].bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'.' || b == b'-');
    if !name_ok || !digits(&id) || u.scheme() != "https" || u.port().is_some() || !host.contains('.') {
        return None;
    }
    Some(Embed {
        provider: "Mastodon",
        frame: url(&format!("https://{host}/{name}/{id}/embed")),
        page: url(&format!("https://{host}/{name}/{id}")),
    })
}

/// OpenStreetMap: the "Share → HTML" frame (`/export/embed.html?bbox=…`), or a map address
/// (`/#map=zoom/lat/lon`) turned into one.
fn openstreetmap(u: &Url) -> Result<Embed, EmbedRefusal> {
    let number = |s: &str| s.parse::<f64>().ok().filter(|n| n.is_finite());
    let (bbox, marker) = if u.path() == "/export/embed.html" {
        let pairs: Vec<(String, String)> =
            u.query_pairs().map(|(k, v)| (k.into_owned(), v.into_owned())).collect();
        let get = |k: &str| pairs.iter().find(|(key, _)| key == k).map(|(_, v)| v.clone());
        let bbox: Vec<f64> = get("bbox").unwrap_or_default().split(',').filter_map(number).collect();
        let marker: Vec<f64> = get("marker").unwrap_or_default().split(',').filter_map(number).collect();
        (bbox, (marker.len() == 2).then_some(marker))
    } else {
        let map = u.fragment().and_then(|f| f.strip_prefix("map=")).unwrap_or_default();
        let parts: Vec<f64> = map.split('/').filter_map(number).collect();
        match parts.as_slice() {
            [zoom, lat, lon] if (0.0..=20.0).contains(zoom) => {
                let span = 360.0 / 2f64.powf(*zoom);
                (vec![lon - span, lat - span / 2.0, lon + span, lat + span / 2.0], Some(vec![*lat, *lon]))
            }
            _ => (Vec::new(), None),
        }
    };
    let [west, south, east, north] = bbox.as_slice() else {
        return Err(EmbedRefusal::Incomplete("OpenStreetMap"));
    };
    let inside = (-180.0..=180.0).contains(west)
        && (-180.0..=180.0).contains(east)
        && (-90.0..=90.0).contains(south)
        && (-90.0..=90.0).contains(north);
    if !inside {
        return Err(EmbedRefusal::Incomplete("OpenStreetMap"));
    }
    let mut frame = url("https://www.openstreetmap.org/export/embed.html");
    frame
        .query_pairs_mut()
        .append_pair("bbox", &format!("{west:.5},{south:.5},{east:.5},{north:.5}"))
        .append_pair("layer", "mapnik");
    if let Some([lat, lon]) = marker.as_deref() {
        frame.query_pairs_mut().append_pair("marker", &format!("{lat:.5},{lon:.5}"));
    }
    let (lat, lon) = ((south + north) / 2.0, (west + east) / 2.0);
    let page = url(&format!("https://www.openstreetmap.org/#map=12/{lat:.5}/{lon:.5}"));
    Ok(Embed { provider: "OpenStreetMap", frame, page })
}

/// The frame address the sanitiser keeps for a stored `data-embed`: the allowlist's own form
/// of it, or nothing.
pub fn kept_frame(value: &str) -> Option<String> {
    recognise(value).ok().map(|e| e.frame.to_string())
}

/// The Markdown form of an embed: a paragraph that is nothing but an address the allowlist
/// knows becomes its figure (as WordPress and Ghost do with a pasted link on its own line).
pub fn figure_html(embed: &Embed, caption: &str) -> String {
    let esc =
        |s: &str| s.replace('&', "&amp;").replace('"', "&quot;").replace('<', "&lt;").replace('>', "&gt;");
    let caption = if caption.trim().is_empty() {
        String::new()
    } else {
        format!("<figcaption>{}</figcaption>", esc(caption.trim()))
    };
    format!(
        r#"<figure class="embed" data-embed="{frame}"><a href="{page}">{page_text}</a>{caption}</figure>"#,
        frame = esc(embed.frame.as_str()),
        page = esc(embed.page.as_str()),
        page_text = esc(embed.page.as_str()),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn frame(address: &str) -> String {
        recognise(address).unwrap_or_else(|e| panic!("{address}: {e}")).frame.to_string()
    }

    #[test]
    fn each_provider_s_page_becomes_its_least_tracking_frame() {
        for (page, expected) in [
            (
                "https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=4",
                "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
            ),
            ("https://youtu.be/dQw4w9WgXcQ", "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ"),
            (
                "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
                "https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ",
            ),
            ("https://vimeo.com/76979871", "https://player.vimeo.com/video/76979871?dnt=1"),
            ("https://datawrapper.dwcdn.net/AbC12/3/", "https://datawrapper.dwcdn.net/AbC12/3/"),
            ("https://www.datawrapper.de/_/AbC12/", "https://datawrapper.dwcdn.net/AbC12/"),
            (
                "https://public.flourish.studio/visualisation/1234567/",
                "https://flo.uri.sh/visualisation/1234567/embed",
            ),
            (
                "https://soundcloud.com/outlet/episode-12",
                "https://w.soundcloud.com/player/?url=https%3A%2F%2Fsoundcloud.com%2Foutlet%2Fepisode-12",
            ),
            (
                "https://w.soundcloud.com/player/?url=https%3A//api.soundcloud.com/tracks/123456&color=ff5500",
                "https://w.soundcloud.com/player/?url=https%3A%2F%2Fapi.soundcloud.com%2Ftracks%2F123456",
            ),
            (
                "https://open.spotify.com/episode/4rOoJ6Egrf8K2IrywzwOMk",
                "https://open.spotify.com/embed/episode/4rOoJ6Egrf8K2IrywzwOMk",
            ),
            (
                "https://podcasts.apple.com/us/podcast/the-week/id1234567?i=1000600",
                "https://embed.podcasts.apple.com/us/podcast/the-week/id1234567?i=1000600",
            ),
            (
                "https://bsky.app/profile/did:plc:abc123/post/3kxyz",
                "https://embed.bsky.app/embed/did:plc:abc123/app.bsky.feed.post/3kxyz",
            ),
            ("https://mastodon.social/@meridian/112233", "https://mastodon.social/@meridian/112233/embed"),
            (
                "https://www.openstreetmap.org/export/embed.html?bbox=19.8,44.7,20.6,44.9&layer=mapnik",
                "https://www.openstreetmap.org/export/embed.html?bbox=19.80000%2C44.70000%2C20.60000%2C44.90000&layer=mapnik",
            ),
        ] {
            assert_eq!(frame(page), expected, "{page}");
            // The frame is recognised as itself: what the sanitiser keeps is stable.
            assert_eq!(frame(expected), expected, "{expected}");
        }
        let map = recognise("https://www.openstreetmap.org/#map=12/44.8/20.46").unwrap();
        assert!(map.frame.as_str().contains("marker=44.80000%2C20.46000"), "{}", map.frame);
    }

    #[test]
    fn anything_else_is_refused_saying_why() {
        assert_eq!(
            recognise("https://evil.example/player?x=1").unwrap_err(),
            EmbedRefusal::UnknownProvider("evil.example".into())
        );
        assert_eq!(recognise("javascript:alert(1)").unwrap_err(), EmbedRefusal::NotAnAddress);
        assert_eq!(
            recognise("https://www.youtube.com/feed/trending").unwrap_err(),
            EmbedRefusal::Incomplete("YouTube")
        );
        assert_eq!(
            recognise("https://www.youtube.com/watch?v=short").unwrap_err(),
            EmbedRefusal::Incomplete("YouTube")
        );
        assert!(recognise("https://user:pw@vimeo.com/1").is_err());
        // A Mastodon-shaped address must be https on a real host name, on the default port.
        assert!(recognise("http://mastodon.social/@a/1").is_err());
        assert!(recognise("https://localhost/@a/1").is_err());
        assert!(recognise("https://mastodon.social:8443/@a/1").is_err());
        // A post-shaped address on a server not on the list: anyone can run one.
        assert_eq!(
            recognise("https://evil.example/@a/1").unwrap_err(),
            EmbedRefusal::UnknownProvider("evil.example".into())
        );
        assert!(recognise("https://www.openstreetmap.org/export/embed.html?bbox=1,2,3,400").is_err());
    }
}
