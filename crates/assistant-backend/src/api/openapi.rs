//! The OpenAPI 3.1 document of `/api`, served at `GET /api/openapi.json` without sign-in so the
//! web UI can generate its API types from it.
//!
//! Each area documents its handlers with `#[utoipa::path]` and lists them in one
//! `#[derive(OpenApi)]` struct next to its router (`AuthApi`, `UsersApi`, `JournalsApi`,
//! `UserConfigsApi`, `ChatApi`, `KnowledgeApi`, `OpsApi`); [`document`] merges those areas. A new area adds its struct to
//! [`AREAS`] — `tests/openapi.rs` fails when a served route is missing from the document.
//! Schemas come from `ToSchema` derives on the request and response types; the error body
//! `{"detail"}` is [`ErrorBody`], defined once. The two event streams describe their events
//! with [`EventStream`].

use std::sync::LazyLock;

use axum::Json;
use axum::Router;
use axum::routing::get;
use utoipa::openapi::schema::{ObjectBuilder, Type};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{RefOr, Schema};
use utoipa::{Modify, OpenApi};

use crate::app::AppState;
use crate::error::ErrorBody;

/// The areas whose paths make up the document.
const AREAS: &[fn() -> utoipa::openapi::OpenApi] = &[
    crate::auth::AuthApi::openapi,
    crate::users::UsersApi::openapi,
    super::journals::JournalsApi::openapi,
    super::user_configs::UserConfigsApi::openapi,
    super::chat::ChatApi::openapi,
    super::knowledge::KnowledgeApi::openapi,
    super::ops::OpsApi::openapi,
];

/// The route serving the document.
pub fn routes() -> Router<AppState> {
    Router::new().route("/openapi.json", get(openapi_json))
}

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Exobrain assistant API",
        description = "The HTTP API of the assistant backend: sign-in, users, journals, user configs, chat, knowledge, operations."
    ),
    paths(openapi_json),
    components(schemas(ErrorBody)),
    modifiers(&SecuritySchemes)
)]
struct ApiDoc;

/// The whole document: the base (info, security schemes, [`ErrorBody`]) and every area.
pub fn document() -> utoipa::openapi::OpenApi {
    AREAS.iter().fold(ApiDoc::openapi(), |document, area| {
        document.merge_from(area())
    })
}

static DOCUMENT: LazyLock<utoipa::openapi::OpenApi> = LazyLock::new(document);

#[utoipa::path(
    get, path = "/api/openapi.json", operation_id = "get_openapi", tag = "meta",
    responses((status = 200, description = "This document (OpenAPI 3.1)", content_type = "application/json", body = Object)),
)]
async fn openapi_json() -> Json<&'static utoipa::openapi::OpenApi> {
    Json(&DOCUMENT)
}

/// Adds the two ways a protected route accepts a caller: a bearer access token (JWT) and the
/// session cookie (named by `AUTH_COOKIE_NAME`; `exobrain_session` by default).
struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        components.add_security_scheme(
            "session_cookie",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("exobrain_session"))),
        );
    }
}

/// The schema of each event of the `text/event-stream` answer (200) of `GET path`:
/// `{id, event, data}`, `event` one of `events`, `data` JSON text (the route's description
/// names each event's fields). Clients and fuzzers validate every received event against it.
pub(super) struct EventStream {
    pub path: &'static str,
    pub events: &'static [&'static str],
}

impl EventStream {
    fn schema(&self) -> Schema {
        let text = || ObjectBuilder::new().schema_type(Type::String);
        ObjectBuilder::new()
            .property("id", text().min_length(Some(1)))
            .property(
                "event",
                text().enum_values(Some(self.events.iter().copied())),
            )
            .property(
                "data",
                text().description(Some("The event's fields as a JSON object")),
            )
            .required("id")
            .required("event")
            .required("data")
            .into()
    }
}

impl Modify for EventStream {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let content = openapi
            .paths
            .paths
            .get_mut(self.path)
            .and_then(|item| item.get.as_mut())
            .and_then(|operation| operation.responses.responses.get_mut("200"))
            .and_then(|response| match response {
                RefOr::T(response) => response.content.get_mut("text/event-stream"),
                RefOr::Ref(_) => None,
            });
        let Some(content) = content else {
            panic!("GET {} documents no text/event-stream 200", self.path);
        };
        content.schema = Some(RefOr::T(self.schema()));
    }
}
