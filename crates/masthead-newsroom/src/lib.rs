//! The newsroom's use cases: one function for each thing a person or a job does. Each takes
//! the acting user (or the system, for jobs), decides with `Role::may`, validates its input,
//! and writes through `Store`, in one transaction where several tables change.
//!
//! This crate never knows HTTP, templates or the command line: the admin's pages, the Admin
//! API, the CLI and the jobs all call the same functions here, and render the outcome their own
//! way.

pub mod accounts;
pub mod archive;
pub mod articles;
pub mod bounces;
pub mod catalogue;
pub mod cdn;
pub mod comments;
pub mod context;
pub mod copies;
pub mod digests;
pub mod dkim;
pub mod error;
pub mod federation;
pub mod files;
pub mod images;
pub mod import;
pub mod ingest;
pub mod jobs;
pub mod mail;
pub mod media;
pub mod members;
pub mod members_csv;
pub mod mentions;
pub mod newsletters;
pub mod originals;
pub mod outbound;
pub mod pages;
pub mod passwords;
pub mod previews;
pub mod republications;
pub mod republishers;
pub mod search;
pub mod secrets;
pub mod sends;
pub mod settings;
pub mod signing;
pub mod sources;
pub mod staff;
pub mod tokens;
pub mod views;
pub mod websub;
pub mod work;
