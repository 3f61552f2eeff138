//! Whose records a read or a change may touch: one user's (a call made for that user), or
//! anyone's (a service reading a job by its id, as the original's clients do, or an operator).
//! The transport decides which applies; the store only enforces it.

use crate::domain::UserId;

/// The owners a store call may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Only this user's records; another user's is refused as not theirs.
    Owner(UserId),
    /// Every user's records.
    Anyone,
}

impl From<&UserId> for Scope {
    fn from(user: &UserId) -> Self {
        Scope::Owner(user.clone())
    }
}

impl From<&Scope> for Scope {
    fn from(scope: &Scope) -> Self {
        scope.clone()
    }
}

impl Scope {
    /// Whether a record owned by `owner` is in scope.
    pub fn permits(&self, owner: &str) -> bool {
        match self {
            Scope::Owner(user) => user.as_str() == owner,
            Scope::Anyone => true,
        }
    }

    /// The one owner, when the scope has one.
    pub fn owner(&self) -> Option<&UserId> {
        match self {
            Scope::Owner(user) => Some(user),
            Scope::Anyone => None,
        }
    }

    /// The SQL condition on `correlation_id` for this scope, with [`Scope::bound`] as
    /// parameter `$n`. Two statements rather than one `IS NULL OR` condition, so the per-user
    /// statement keeps its index plan.
    pub(super) fn condition(&self, n: usize) -> String {
        match self {
            Scope::Owner(_) => format!("correlation_id = ${n}"),
            Scope::Anyone => format!("${n}::text IS NULL"),
        }
    }

    /// The value bound for [`Scope::condition`].
    pub(super) fn bound(&self) -> Option<&str> {
        self.owner().map(UserId::as_str)
    }
}
