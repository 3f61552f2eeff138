//! Who a job RPC is made for: the service that proved itself to the credential check, and the
//! user it names in `x-user-id` metadata or, as the original's clients do, in the body's
//! `user_id` (both at once must agree). From these each RPC takes its [`Scope`]: a named user
//! sees only their own records; with no user named, a service may read and watch a job by its
//! id (the original's contract), and everything else across users needs the operator, or an
//! explicit `all_users` in the request (see [`CallFor::scope`]).

use exobrain_common::auth::{Caller, end_user};
use exobrain_jobs::domain::{InvalidField, UserId};
use exobrain_jobs::store::Scope;
use tonic::Request;

use super::error::ApiError;

/// The caller and the user of one request.
#[derive(Debug, Clone)]
pub struct CallFor {
    caller: Caller,
    user: Option<UserId>,
}

impl CallFor {
    /// Reads both from `request`, whose body names `body_user` in its `user_id`.
    pub fn of<T>(request: &Request<T>, body_user: &str) -> Result<Self, ApiError> {
        let user = end_user(request.metadata(), "user_id", body_user)?
            .map(|user| UserId::parse("user_id", &user))
            .transpose()?;
        Ok(Self {
            caller: Caller::of(request.extensions()),
            user,
        })
    }

    /// The named user, as the body's `user_id` should read (empty when none).
    pub fn user_id(&self) -> String {
        self.user
            .as_ref()
            .map(|user| user.as_str().to_owned())
            .unwrap_or_default()
    }

    /// The named user, required.
    pub fn user(&self) -> Result<&UserId, ApiError> {
        self.user.as_ref().ok_or_else(|| {
            ApiError::from(InvalidField::new(
                "user_id",
                "is required (send x-user-id metadata or the request's user_id)",
            ))
        })
    }

    /// Reading one job by its id: the named user's, or with none named any job.
    pub fn reader(&self) -> Scope {
        self.user.clone().map_or(Scope::Anyone, Scope::Owner)
    }

    /// Acting on records in bulk or changing them: the named user's, or with none named
    /// every user's, which only an operator may do (`action` names it in the refusal).
    pub fn actor(&self, action: &'static str) -> Result<Scope, ApiError> {
        match &self.user {
            Some(user) => Ok(Scope::Owner(user.clone())),
            None if self.caller.is_operator() => Ok(Scope::Anyone),
            None => Err(ApiError::OperatorOnly {
                action,
                caller: self.caller.name().to_owned(),
            }),
        }
    }

    /// Like [`CallFor::actor`], unless the request set `all_users`: then every user's records,
    /// for any caller that proved itself. A service sending it (assistant-backend's operator
    /// routes) decides who may ask; naming a user as well is refused, so a request never means
    /// two things.
    pub fn scope(&self, all_users: bool, action: &'static str) -> Result<Scope, ApiError> {
        match (all_users, &self.user) {
            (false, _) => self.actor(action),
            (true, None) => Ok(Scope::Anyone),
            (true, Some(_)) => Err(ApiError::from(InvalidField::new(
                "all_users",
                "cannot be combined with a user (send neither x-user-id nor user_id)",
            ))),
        }
    }
}
