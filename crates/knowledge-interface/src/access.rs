//! Who may see what: record visibility and the caller a request is served for. A record is
//! visible to a caller when the caller owns it or it is SHARED.

use std::fmt;

/// The system user that owns the common root graph (Real World, Exobrain).
pub const SYSTEM_USER: &str = "exobrain";

/// Who can see a record besides its owner.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Visibility {
    /// Only the owner.
    Private,
    /// Every user.
    Shared,
}

impl Visibility {
    /// The stored spelling (`PRIVATE` / `SHARED`).
    pub fn as_str(self) -> &'static str {
        match self {
            Visibility::Private => "PRIVATE",
            Visibility::Shared => "SHARED",
        }
    }

    /// Reads the stored spelling.
    pub fn parse(text: &str) -> Option<Self> {
        match text {
            "PRIVATE" => Some(Visibility::Private),
            "SHARED" => Some(Visibility::Shared),
            _ => None,
        }
    }
}

impl fmt::Display for Visibility {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The caller a request is served for; reads see its records and SHARED ones.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Viewer(String);

impl Viewer {
    /// A caller with a non-blank id.
    pub fn new(user_id: impl Into<String>) -> Option<Self> {
        let id = user_id.into();
        (!id.trim().is_empty()).then(|| Viewer(id.trim().to_owned()))
    }

    /// The caller's user id.
    pub fn user_id(&self) -> &str {
        &self.0
    }

    /// Whether a record owned by `owner` with `visibility` is visible to this caller.
    pub fn can_see(&self, owner: &str, visibility: Visibility) -> bool {
        owner == self.0 || visibility == Visibility::Shared
    }
}
