//! Requests Masthead makes to other sites (checking a Webmention's source; later, partners'
//! feeds and WebSub hubs): one HTTP client, with a timeout, a size limit, a redirect limit and,
//! unless told otherwise, no way into private networks (a sender could otherwise make us probe
//! addresses behind the firewall).

use std::net::{IpAddr, SocketAddr};
use std::sync::Arc;
use std::time::Duration;

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use reqwest::redirect::Policy;
use url::Url;

/// The most bytes read from one response.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FetchError {
    #[error("{0} is not an http or https address")]
    Scheme(String),
    #[error("{0} is on a private or local network")]
    Private(String),
    #[error("the server answered {0}")]
    Status(u16),
    #[error("the response is larger than {MAX_BODY_BYTES} bytes")]
    TooLarge,
    #[error("{0}")]
    Request(String),
}

/// A fetched page.
#[derive(Debug, Clone)]
pub struct Fetched {
    /// Where the page was found after redirects.
    pub url: Url,
    pub body: String,
}

#[derive(Debug, Clone)]
pub struct Outbound {
    client: reqwest::Client,
    allow_private: bool,
}

impl Outbound {
    /// `allow_private` lets requests reach loopback and private addresses: for tests and for
    /// sites whose partners live on the same private network.
    pub fn new(allow_private: bool) -> Result<Outbound, FetchError> {
        let mut builder = reqwest::Client::builder()
            .user_agent(concat!("Masthead/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(Duration::from_secs(5))
            .timeout(Duration::from_secs(15))
            .redirect(redirect_policy(allow_private));
        if !allow_private {
            builder = builder.dns_resolver(Arc::new(PublicOnly));
        }
        let client = builder.build().map_err(|e| FetchError::Request(e.to_string()))?;
        Ok(Outbound { client, allow_private })
    }

    /// GETs `url` as text, following at most five redirects and reading at most
    /// [`MAX_BODY_BYTES`].
    pub async fn get_text(&self, url: &Url) -> Result<Fetched, FetchError> {
        check_address(url, self.allow_private)?;
        let response = self
            .client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, "text/html, application/xhtml+xml;q=0.9, */*;q=0.1")
            .send()
            .await
            .map_err(describe)?;
        let (url, bytes) = self.read_body(response).await?;
        Ok(Fetched { url, body: String::from_utf8_lossy(&bytes).into_owned() })
    }
}

/// What a conditional GET of a feed found.
#[derive(Debug, Clone)]
pub enum FeedFetch {
    /// The feed has not changed since the validators given (HTTP 304).
    NotModified,
    Fetched {
        /// Where the feed was found after redirects.
        url: Url,
        bytes: Vec<u8>,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

impl Outbound {
    /// GETs a feed, sending the validators of the last fetch (`If-None-Match`,
    /// `If-Modified-Since`), with the same limits as every fetch.
    pub async fn get_feed(
        &self,
        url: &Url,
        etag: Option<&str>,
        last_modified: Option<&str>,
    ) -> Result<FeedFetch, FetchError> {
        check_address(url, self.allow_private)?;
        let mut request = self.client.get(url.clone()).header(
            reqwest::header::ACCEPT,
            "application/rss+xml, application/atom+xml, application/feed+json, application/json;q=0.9, \
             application/xml;q=0.8, text/xml;q=0.8, */*;q=0.1",
        );
        if let Some(etag) = etag {
            request = request.header(reqwest::header::IF_NONE_MATCH, etag);
        }
        if let Some(modified) = last_modified {
            request = request.header(reqwest::header::IF_MODIFIED_SINCE, modified);
        }
        let response = request.send().await.map_err(describe)?;
        if response.status() == reqwest::StatusCode::NOT_MODIFIED {
            return Ok(FeedFetch::NotModified);
        }
        let header = |name| {
            response
                .headers()
                .get(name)
                .and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok())
                .map(str::to_owned)
        };
        let (etag, last_modified) = (header(reqwest::header::ETAG), header(reqwest::header::LAST_MODIFIED));
        let (url, bytes) = self.read_body(response).await?;
        Ok(FeedFetch::Fetched { url, bytes, etag, last_modified })
    }

    /// GETs a file (a partner's image) as bytes, with the same limits as every fetch.
    pub async fn get_bytes(&self, url: &Url) -> Result<Vec<u8>, FetchError> {
        check_address(url, self.allow_private)?;
        let response = self.client.get(url.clone()).send().await.map_err(describe)?;
        Ok(self.read_body(response).await?.1)
    }

    async fn read_body(&self, response: reqwest::Response) -> Result<(Url, Vec<u8>), FetchError> {
        if !response.status().is_success() {
            return Err(FetchError::Status(response.status().as_u16()));
        }
        self.read_any(response).await
    }

    /// The body of `response`, at most [`MAX_BODY_BYTES`], whatever its status.
    async fn read_any(&self, mut response: reqwest::Response) -> Result<(Url, Vec<u8>), FetchError> {
        if response.content_length().is_some_and(|n| n as usize > MAX_BODY_BYTES) {
            return Err(FetchError::TooLarge);
        }
        let final_url = response.url().clone();
        let mut bytes = Vec::new();
        while let Some(chunk) = response.chunk().await.map_err(describe)? {
            if bytes.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(FetchError::TooLarge);
            }
            bytes.extend_from_slice(&chunk);
        }
        Ok((final_url, bytes))
    }

    /// GETs `url` and answers its status, final address and body whatever the status (a 410's
    /// page says why), with the same limits as every fetch. For checking that an original still
    /// stands.
    pub async fn get_any(&self, url: &Url, accept: &str) -> Result<(u16, Url, Vec<u8>), FetchError> {
        check_address(url, self.allow_private)?;
        let response = self
            .client
            .get(url.clone())
            .header(reqwest::header::ACCEPT, accept)
            .send()
            .await
            .map_err(describe)?;
        let status = response.status().as_u16();
        let (url, bytes) = self.read_any(response).await?;
        Ok((status, url, bytes))
    }

    /// POSTs `body` as JSON to `url` and succeeds on any 2xx answer (the body is not read).
    pub async fn post_json<T: serde::Serialize + ?Sized>(
        &self,
        url: &Url,
        body: &T,
    ) -> Result<(), FetchError> {
        check_address(url, self.allow_private)?;
        let body = serde_json::to_vec(body).map_err(|e| FetchError::Request(e.to_string()))?;
        let response = self
            .client
            .post(url.clone())
            .header(reqwest::header::CONTENT_TYPE, "application/json")
            .body(body)
            .send()
            .await
            .map_err(describe)?;
        if !response.status().is_success() {
            return Err(FetchError::Status(response.status().as_u16()));
        }
        Ok(())
    }

    /// POSTs `body` to `url` with the headers given (a signature's, made for exactly this
    /// body and address) and answers the status, whatever it is (the body is not read).
    pub async fn post_with(
        &self,
        url: &Url,
        content_type: &str,
        headers: &[(&'static str, String)],
        body: Vec<u8>,
    ) -> Result<u16, FetchError> {
        check_address(url, self.allow_private)?;
        let mut request =
            self.client.post(url.clone()).header(reqwest::header::CONTENT_TYPE, content_type).body(body);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.map_err(describe)?;
        Ok(response.status().as_u16())
    }

    /// GETs `url` with the headers given (a signature's) and answers the status, the address
    /// the answer came from (after redirects) and the body, whatever the status, with the same
    /// limits as every fetch.
    pub async fn get_with(
        &self,
        url: &Url,
        accept: &str,
        headers: &[(&'static str, String)],
    ) -> Result<(u16, Url, Vec<u8>), FetchError> {
        check_address(url, self.allow_private)?;
        let mut request = self.client.get(url.clone()).header(reqwest::header::ACCEPT, accept);
        for (name, value) in headers {
            request = request.header(*name, value);
        }
        let response = request.send().await.map_err(describe)?;
        let status = response.status().as_u16();
        let (final_url, bytes) = self.read_any(response).await?;
        Ok((status, final_url, bytes))
    }

    /// POSTs a form to `url` and succeeds on any 2xx answer (the body is not read).
    pub async fn post_form(&self, url: &Url, fields: &[(&str, &str)]) -> Result<(), FetchError> {
        check_address(url, self.allow_private)?;
        let response = self.client.post(url.clone()).form(fields).send().await.map_err(describe)?;
        if !response.status().is_success() {
            return Err(FetchError::Status(response.status().as_u16()));
        }
        Ok(())
    }
}

fn describe(e: reqwest::Error) -> FetchError {
    if e.is_timeout() {
        return FetchError::Request("the server did not answer in time".into());
    }
    if e.is_redirect() {
        return FetchError::Request("too many redirects, or a redirect to a private address".into());
    }
    // The innermost cause says what happened ("connection refused", "dns error").
    let mut source: &dyn std::error::Error = &e;
    while let Some(next) = source.source() {
        source = next;
    }
    FetchError::Request(format!("could not fetch it: {source}"))
}

fn redirect_policy(allow_private: bool) -> Policy {
    Policy::custom(move |attempt| {
        if attempt.previous().len() >= 5 {
            attempt.error("too many redirects")
        } else if check_address(attempt.url(), allow_private).is_err() {
            attempt.error("a redirect to a private address")
        } else {
            attempt.follow()
        }
    })
}

fn check_address(url: &Url, allow_private: bool) -> Result<(), FetchError> {
    if !matches!(url.scheme(), "http" | "https") {
        return Err(FetchError::Scheme(url.to_string()));
    }
    if allow_private {
        return Ok(());
    }
    let private = match url.host() {
        Some(url::Host::Ipv4(ip)) => !is_public(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => !is_public(IpAddr::V6(ip)),
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost") || d.ends_with(".localhost"),
        None => true,
    };
    if private { Err(FetchError::Private(url.host_str().unwrap_or_default().to_owned())) } else { Ok(()) }
}

/// Whether an address is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                // 100.64.0.0/10, carrier-grade NAT
                || (v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64))
        }
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_public(IpAddr::V4(v4)),
            None => {
                !(v6.is_loopback()
                    || v6.is_unspecified()
                    || v6.is_multicast()
                    || v6.is_unique_local()
                    || v6.is_unicast_link_local())
            }
        },
    }
}

/// Resolves names like the system does, then drops every non-public address.
struct PublicOnly;

impl Resolve for PublicOnly {
    fn resolve(&self, name: Name) -> Resolving {
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.filter(|a| is_public(a.ip())).collect();
            if addrs.is_empty() {
                return Err(format!("{host} has no public address").into());
            }
            Ok(Box::new(addrs.into_iter()) as Addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_public_addresses_are_public() {
        for private in [
            "127.0.0.1",
            "10.1.2.3",
            "192.168.0.1",
            "172.16.5.4",
            "169.254.1.1",
            "100.64.0.1",
            "0.0.0.0",
            "::1",
            "fd00::1",
            "fe80::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(!is_public(private.parse().unwrap()), "{private}");
        }
        for public in ["93.184.216.34", "2606:4700::1111", "::ffff:93.184.216.34"] {
            assert!(is_public(public.parse().unwrap()), "{public}");
        }
    }

    #[tokio::test]
    async fn private_addresses_are_refused_unless_allowed() {
        let outbound = Outbound::new(false).unwrap();
        for url in ["http://127.0.0.1:9/", "http://localhost/", "http://[::1]/", "http://10.0.0.1/"] {
            let err = outbound.get_text(&url.parse().unwrap()).await.unwrap_err();
            assert!(matches!(err, FetchError::Private(_)), "{url}: {err}");
        }
        let err = outbound.get_text(&"ftp://example.org/".parse().unwrap()).await.unwrap_err();
        assert!(matches!(err, FetchError::Scheme(_)));
    }
}
