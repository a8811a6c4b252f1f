//! The newsroom's domain: what an article, an author, a term, an outlet, a reuse policy and a
//! provenance chain *are*, and how an article's body becomes safe HTML.
//!
//! This crate must never do IO: no database, no HTTP, no files, no clock reads outside the
//! explicit `now` parameters callers pass in. Everything here is plain data and pure functions,
//! so that the store, the web edge and the importers agree on one meaning of each word.

pub mod absolute_url;
pub mod account;
pub mod article;
pub mod author;
pub mod body;
pub mod comment;
pub mod embed;
pub mod media;
pub mod media_cards;
pub mod member;
pub mod outlet;
pub mod page;
pub mod policy;
pub mod provenance;
pub mod republication;
pub mod search;
pub mod site;
pub mod slug;
pub mod source;
pub mod term;
pub mod text;
pub mod time;

pub use absolute_url::{AbsoluteUrl, UrlRefusal};
pub use account::{Action, Role, Scope, User};
pub use article::{
    Article, ArticleStatus, ArticleSummary, BodyFormat, Correction, Cursor, FeaturedImage, NewArticle,
    Revision, Standing, Translation, Withdrawal, WithheldImage,
};
pub use author::{Author, AuthorLink, NewAuthor};
pub use body::{BodyRefusal, RenderedBody, render_body};
pub use comment::{Comment, CommentRefusal, CommentStatus};
pub use media::{Media, NewMedia};
pub use member::{
    Label, Member, MemberSource, MemberStatus, NewMember, NewNewsletter, Newsletter, label_slug,
};
pub use outlet::{NewOutlet, Outlet};
pub use page::{NewPage, StaticPage};
pub use policy::ReusePolicy;
pub use provenance::{Origin, Provenance};
pub use republication::{
    CopyState, MentionKind, MentionStatus, Republication, RepublicationCursor, ViewTally, Webmention,
};
pub use search::{SearchQuery, SearchTerm};
pub use site::Site;
pub use slug::{Slug, SlugError};
pub use source::{FeedFormat, NewSource, Source, SourceTerms};
pub use term::{NewTerm, Term, TermKind};
