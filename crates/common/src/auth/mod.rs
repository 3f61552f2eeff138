//! Trust between services. People sign in only at assistant-backend; between services every
//! caller proves which service it is with a credential of its own (`authorization: Bearer
//! <token>`), and the end user a call is made for travels as `x-user-id` metadata, which a
//! service honours only because the caller proved itself first.
//!
//! - [`Credentials`]: the callers a server accepts, from `EXOBRAIN_SERVICE_CREDENTIALS` and
//!   `EXOBRAIN_OPERATOR_CREDENTIALS`. Required outside `APP_ENV=local|test`; with none
//!   configured locally, every caller is served as [`Caller::local`].
//! - [`crate::grpc::guard`] and [`http::require_caller`]: the checks in front of a gRPC server
//!   and an HTTP router (health, reflection and the admin endpoints stay open).
//! - [`ServiceToken`]: the credential a process presents when it calls another service.
//! - [`end_user`]: the user a call is made for, from metadata and the request body.
//!
//! Each caller's name labels its requests in logs (`caller` on the request span) and metrics,
//! and one leaked credential is revoked by removing that caller's entry alone.

mod client;
mod credentials;
pub mod http;
mod user;

use std::sync::Arc;

pub use client::{SERVICE_TOKEN_VAR, ServiceToken};
pub use credentials::{
    Credentials, OPERATOR_CREDENTIALS_VAR, Refusal, SERVICE_CREDENTIALS_VAR, hash_token,
};
pub use user::{USER_HEADER, UserConflict, end_user, with_user};

/// What a caller may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    /// A service acting for the users it names.
    Service,
    /// An operator: also cross-user listings, schema changes, reindexing.
    Operator,
}

/// A caller that proved who it is (or, with no credentials configured locally, anyone).
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Caller {
    name: Arc<str>,
    role: Role,
}

impl Caller {
    /// A caller named `name` with `role`.
    pub fn new(name: impl Into<Arc<str>>, role: Role) -> Self {
        Self {
            name: name.into(),
            role,
        }
    }

    /// The caller of a local or test process with no credentials configured: trusted with
    /// everything, as every process on a developer's machine is.
    pub fn local() -> Self {
        Self::new("local", Role::Operator)
    }

    /// The caller's name (`assistant-backend`, `job-orchestrator-worker`, `jobctl`, …).
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its role.
    pub fn role(&self) -> Role {
        self.role
    }

    /// Whether it holds the operator credential.
    pub fn is_operator(&self) -> bool {
        self.role == Role::Operator
    }

    /// The caller a server's check attached to a request; [`Caller::local`] for a request
    /// that never passed one (a handler called directly in a unit test).
    pub fn of(extensions: &::http::Extensions) -> Self {
        extensions
            .get::<Caller>()
            .cloned()
            .unwrap_or_else(Self::local)
    }

    /// The name of the caller attached to a request, for labels; `none` where no check ran
    /// (health, reflection).
    pub fn label(extensions: &::http::Extensions) -> String {
        extensions
            .get::<Caller>()
            .map_or_else(|| "none".to_owned(), |caller| caller.name().to_owned())
    }

    /// `Ok` for an operator; otherwise PERMISSION_DENIED naming `action`.
    pub fn require_operator(&self, action: &str) -> Result<(), tonic::Status> {
        if self.is_operator() {
            return Ok(());
        }
        Err(tonic::Status::permission_denied(format!(
            "{action} needs the operator credential (caller `{}` is a service; see \
             {OPERATOR_CREDENTIALS_VAR})",
            self.name
        )))
    }
}
