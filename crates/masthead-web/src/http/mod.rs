//! The HTTP plumbing every edge stands on: who is asking (`auth`), the page cache, conditional
//! requests, errors and the themed error pages, old addresses' redirects, security headers.
//! Nothing here knows a page, a feed or a form.

pub mod auth;
pub mod conditional;
pub mod error;
pub mod headers;
pub mod health;
pub mod media;
pub mod metrics;
pub mod origin;
pub mod page_cache;
pub mod rate_limit;
pub mod redirects;
pub mod serve;
mod wordpress;
