//! Reading other systems' exports into plain data: WordPress eXtended RSS (WXR 1.0–1.2) as a
//! stream, and Ghost's JSON export. Bodies come out as HTML (WordPress's paragraphs and
//! shortcodes, Ghost's Lexical and Mobiledoc documents rendered), not yet sanitised: the caller
//! sanitises once, when it saves.
//!
//! No IO beyond the reader it is given, no database, no HTTP. Every error names the file, the
//! line and column where it can, and what was expected.

pub mod error;
pub mod ghost;
mod html;
pub mod shortcodes;
pub mod wpautop;
pub mod wxr;

pub use error::ImportError;
pub use ghost::{
    GhostAuthor, GhostBody, GhostPost, GhostSite, GhostStatus, GhostTag, parse_ghost, parse_ghost_with_base,
    resolve_ghost_url,
};
pub use shortcodes::{Attachment, Attachments, Expanded, expand, wordpress_body};
pub use wpautop::wpautop;
pub use wxr::{
    ItemTerm, TermKind, WxrAuthor, WxrComment, WxrEvent, WxrItem, WxrReader, WxrSite, WxrTerm, wp_time,
};
