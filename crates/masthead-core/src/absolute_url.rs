//! `AbsoluteUrl`: an address that may be written into a page, a feed, a snippet others paste,
//! or an e-mail: absolute, `http` or `https`, with a host. Every URL that comes in (the editor,
//! the Admin API, partners' feeds, imports, settings, the command line) is parsed into one, so
//! that `javascript:`, `data:`, `file:` or `ftp:` addresses are refused at the door and nothing
//! inside has to check again.

use std::fmt;
use std::ops::Deref;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};
use url::Url;

/// An absolute `http`/`https` address with a host.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct AbsoluteUrl(Url);

/// Why an address was refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum UrlRefusal {
    #[error("{0:?} is not an absolute http or https address ({1})")]
    Unreadable(String, String),
    #[error("{0:?} is not an http or https address")]
    Scheme(String),
    #[error("{0:?} names no host")]
    NoHost(String),
}

impl AbsoluteUrl {
    pub fn parse(raw: &str) -> Result<AbsoluteUrl, UrlRefusal> {
        let trimmed = raw.trim();
        let url =
            Url::parse(trimmed).map_err(|e| UrlRefusal::Unreadable(trimmed.to_owned(), e.to_string()))?;
        AbsoluteUrl::try_from(url)
    }

    pub fn as_url(&self) -> &Url {
        &self.0
    }

    pub fn into_url(self) -> Url {
        self.0
    }
}

impl TryFrom<Url> for AbsoluteUrl {
    type Error = UrlRefusal;

    fn try_from(url: Url) -> Result<AbsoluteUrl, UrlRefusal> {
        if !matches!(url.scheme(), "http" | "https") {
            return Err(UrlRefusal::Scheme(url.to_string()));
        }
        if url.host_str().is_none_or(str::is_empty) {
            return Err(UrlRefusal::NoHost(url.to_string()));
        }
        Ok(AbsoluteUrl(url))
    }
}

impl FromStr for AbsoluteUrl {
    type Err = UrlRefusal;

    fn from_str(raw: &str) -> Result<AbsoluteUrl, UrlRefusal> {
        AbsoluteUrl::parse(raw)
    }
}

impl Deref for AbsoluteUrl {
    type Target = Url;

    fn deref(&self) -> &Url {
        &self.0
    }
}

impl From<AbsoluteUrl> for Url {
    fn from(url: AbsoluteUrl) -> Url {
        url.0
    }
}

impl fmt::Display for AbsoluteUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.fmt(f)
    }
}

impl Serialize for AbsoluteUrl {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.0.as_str())
    }
}

impl<'de> Deserialize<'de> for AbsoluteUrl {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<AbsoluteUrl, D::Error> {
        let raw = String::deserialize(d)?;
        AbsoluteUrl::parse(&raw).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_absolute_http_addresses_with_a_host_are_taken() {
        for good in ["https://news.example/a?b=c#d", "http://127.0.0.1:8080/", " HTTPS://Danube.example/x "] {
            assert!(AbsoluteUrl::parse(good).is_ok(), "{good}");
        }
        for bad in [
            "javascript:alert(1)",
            "JaVaScRiPt:alert(1)",
            " javascript:alert(document.domain)",
            "data:text/html,<script>alert(1)</script>",
            "vbscript:msgbox(1)",
            "file:///etc/passwd",
            "ftp://x",
            "mailto:a@b.example",
            "/relative/path",
            "//news.example/protocol-relative",
            "http://",
            "",
        ] {
            assert!(AbsoluteUrl::parse(bad).is_err(), "{bad}");
        }
        let json: Result<AbsoluteUrl, _> = serde_json::from_str("\"javascript:alert(1)\"");
        assert!(json.is_err(), "refused when read from JSON too");
    }
}
