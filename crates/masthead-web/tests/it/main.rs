//! The public site through the real router: every page, its anatomy, and its failures.

mod admin;
mod api;
mod cache;
mod export;
mod harness;
mod health;
mod ingest;
mod limits;
mod listing;
mod media;
mod members;
mod newsroom;
mod outage;
mod outputs;
mod pages;
mod permissions;
mod redirects;
mod republish;
mod reset;
mod search;
mod sends;
mod serving;
mod syndication;
mod tokens;
mod webmention;
mod websub;
