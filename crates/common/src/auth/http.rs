//! The credential check in front of an HTTP API (model-provider's `/v1` routes): an axum
//! middleware that proves the caller from `authorization: Bearer <token>` and attaches the
//! [`Caller`] to the request. The response to a refusal is the service's own (each API has its
//! error shape), built by the function it passes in.

use axum::extract::{Request, State};
use axum::middleware::Next;
use axum::response::Response;

use super::{Credentials, Refusal};

/// What a router needs for [`require_caller`]: the credentials and how to answer a refusal.
#[derive(Debug, Clone)]
pub struct CallerCheck {
    /// The callers accepted.
    pub credentials: Credentials,
    /// The response to a refused call.
    pub refuse: fn(Refusal) -> Response,
}

/// Axum middleware: the request goes on with its [`super::Caller`] attached, or is answered
/// with `check.refuse`.
pub async fn require_caller(
    State(check): State<CallerCheck>,
    mut request: Request,
    next: Next,
) -> Response {
    let sent = request
        .headers()
        .get(http::header::AUTHORIZATION)
        .map(http::HeaderValue::as_bytes);
    match check.credentials.authenticate(sent) {
        Ok(caller) => {
            tracing::Span::current().record("caller", caller.name());
            request.extensions_mut().insert(caller);
            next.run(request).await
        }
        Err(refusal) => {
            tracing::warn!(path = %request.uri().path(), reason = refusal.label(), "request refused: no valid service credential");
            metrics::counter!(crate::grpc::guard::REFUSED, "reason" => refusal.label())
                .increment(1);
            (check.refuse)(refusal)
        }
    }
}
