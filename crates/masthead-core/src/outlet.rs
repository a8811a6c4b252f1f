//! Outlets: the partner publications whose articles we republish, or who republish ours.

use crate::AbsoluteUrl;
use serde::{Deserialize, Serialize};

use crate::Slug;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Outlet {
    pub id: i64,
    pub slug: Slug,
    pub name: String,
    pub homepage: Option<AbsoluteUrl>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewOutlet {
    pub slug: Slug,
    pub name: String,
    pub homepage: Option<AbsoluteUrl>,
}
