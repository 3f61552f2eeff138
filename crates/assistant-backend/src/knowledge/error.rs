//! What the knowledge endpoints fail with, in domain terms: the HTTP mapping (and the exact
//! texts of the original service) live in `api::knowledge`. Upstream failures keep which call
//! failed and how, never the upstream's message, which goes to the log only.

/// The call to another service that failed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Call {
    /// `EnqueueJobs` of a knowledge update.
    Enqueue,
    /// `GetSchema` or the per-category counts of the category tree.
    Categories,
    /// `ListEntitiesByType` of one category.
    CategoryPages,
    /// `GetEntityContext` of a page (read or before a patch).
    Page,
    /// `UpsertGraphDelta` of a block patch.
    BlockPatch,
    /// `FindEntityCandidates` or `SearchBlocks` of a search.
    Search,
    /// `GetEntityContext` of a page graph.
    Graph,
}

/// How an upstream call failed, from its gRPC status.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Failure {
    /// `INVALID_ARGUMENT`: the user's input was refused.
    Invalid,
    /// `NOT_FOUND`.
    NotFound,
    /// `PERMISSION_DENIED` / `UNAUTHENTICATED`.
    Denied,
    /// `UNAVAILABLE` / `DEADLINE_EXCEEDED`: worth retrying.
    Unavailable,
    /// Anything else.
    Failed,
}

impl Failure {
    /// The class of `status`.
    pub fn of(status: &tonic::Status) -> Self {
        use tonic::Code;
        match status.code() {
            Code::InvalidArgument => Failure::Invalid,
            Code::NotFound => Failure::NotFound,
            Code::PermissionDenied | Code::Unauthenticated => Failure::Denied,
            Code::Unavailable | Code::DeadlineExceeded => Failure::Unavailable,
            _ => Failure::Failed,
        }
    }
}

/// Everything a knowledge endpoint can fail with.
#[derive(Debug, thiserror::Error)]
pub enum KnowledgeError {
    /// Nothing to send: every finished message is committed or in a running job.
    #[error("no uncommitted messages available for knowledge update")]
    NothingToUpdate,
    /// No knowledge update job of this user has this id.
    #[error("knowledge update job not found")]
    JobNotFound,
    /// The user may read the page but does not own it.
    #[error("knowledge page access denied")]
    PageAccessDenied,
    /// `If-Match` named a version the page no longer has.
    #[error("knowledge page changed since it was read")]
    PageChanged,
    /// The request is invalid; the text says what to fix.
    #[error("{0}")]
    Invalid(String),
    /// Another service refused or failed a call.
    #[error("{call:?} failed ({failure:?}): {detail}")]
    Upstream {
        /// Which call.
        call: Call,
        /// How.
        failure: Failure,
        /// The upstream status, for the log.
        detail: String,
    },
    /// The database failed.
    #[error("knowledge jobs store: {0}")]
    Store(String),
}

impl KnowledgeError {
    /// `status` of `call`, classified.
    pub fn upstream(call: Call) -> impl Fn(tonic::Status) -> KnowledgeError {
        move |status| KnowledgeError::Upstream {
            call,
            failure: Failure::of(&status),
            detail: format!("{:?}: {}", status.code(), status.message()),
        }
    }

    /// A database error while doing `what`.
    pub fn store(what: &'static str) -> impl Fn(sqlx::Error) -> KnowledgeError {
        move |error| KnowledgeError::Store(format!("{what}: {error}"))
    }
}
