//! Knowledge routes under `/api/knowledge`: the update and its job watch (SSE), the category
//! tree, a category's pages, and one page (read, block patch). The texts and status codes of
//! failures are the original service's (reference §1.6); they are mapped here, once.
//!
//! Page ids may contain `/`, so the page routes take everything after `/knowledge/page/` as
//! the id.

use std::convert::Infallible;

use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::StreamExt;
use http::{HeaderMap, HeaderValue, header};
use serde::{Deserialize, Serialize};
use serde_json::json;
use uuid::Uuid;

use super::query::check_range;
use super::{ApiJson, ApiQuery};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::ApiError;
use crate::knowledge::{BlockEdit, Call, Failure, KnowledgeError, WatchEvent};

const DEFAULT_PAGE_SIZE: i64 = 20;
const MAX_PAGE_SIZE: i64 = 100;

/// Routes under `/api/knowledge`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/knowledge/update", post(update))
        .route("/knowledge/update/{job_id}/watch", get(watch))
        .route("/knowledge/category", get(categories))
        .route("/knowledge/category/{category_id}/pages", get(pages))
        .route("/knowledge/page/{*page_id}", get(page).patch(patch_page))
}

impl From<KnowledgeError> for ApiError {
    fn from(error: KnowledgeError) -> Self {
        match error {
            KnowledgeError::NothingToUpdate => ApiError::Conflict(error.to_string()),
            KnowledgeError::JobNotFound => job_not_found(),
            KnowledgeError::PageAccessDenied => ApiError::Forbidden("knowledge page access denied"),
            KnowledgeError::PageChanged => ApiError::Conflict(error.to_string()),
            KnowledgeError::Invalid(text) => ApiError::BadRequest(text),
            KnowledgeError::Upstream { call, failure, .. } => {
                tracing::warn!(%error, "knowledge upstream call failed");
                upstream(call, failure)
            }
            KnowledgeError::Store(_) => ApiError::internal("knowledge", error),
        }
    }
}

/// The response to a failed upstream `call`.
fn upstream(call: Call, failure: Failure) -> ApiError {
    use Failure::{Denied, Invalid, NotFound, Unavailable};
    match (call, failure) {
        (Call::Enqueue, Unavailable) => {
            ApiError::Unavailable("knowledge update enqueue unavailable")
        }
        (Call::Enqueue, _) => ApiError::BadGateway("knowledge update enqueue failed"),
        (Call::Categories, Invalid) => bad_request("invalid knowledge categories request"),
        (Call::Categories, Unavailable) => {
            ApiError::Unavailable("knowledge categories unavailable")
        }
        (Call::Categories, _) => ApiError::BadGateway("knowledge categories upstream failure"),
        (Call::CategoryPages, Invalid) => bad_request("invalid knowledge category pages request"),
        (Call::CategoryPages, Unavailable) => {
            ApiError::Unavailable("knowledge category pages unavailable")
        }
        (Call::CategoryPages, _) => {
            ApiError::BadGateway("knowledge category pages upstream failure")
        }
        (Call::Page | Call::BlockPatch, NotFound) => page_not_found(),
        (Call::Page | Call::BlockPatch, Denied) => {
            ApiError::Forbidden("knowledge page access denied")
        }
        (Call::Page | Call::BlockPatch, Unavailable) => {
            ApiError::Unavailable("knowledge page unavailable")
        }
        (Call::Page, Invalid) => bad_request("invalid knowledge page request"),
        (Call::Page, _) => ApiError::BadGateway("knowledge page upstream failure"),
        (Call::BlockPatch, Invalid) => bad_request("invalid knowledge page block update request"),
        (Call::BlockPatch, _) => ApiError::BadGateway("knowledge page block patch failed"),
    }
}

fn bad_request(text: &str) -> ApiError {
    ApiError::BadRequest(text.to_owned())
}

fn job_not_found() -> ApiError {
    ApiError::NotFound {
        what: "knowledge update job",
    }
}

fn page_not_found() -> ApiError {
    ApiError::NotFound {
        what: "knowledge page",
    }
}

#[derive(Debug, Deserialize)]
struct UpdateRequest {
    #[serde(default)]
    journal_reference: Option<String>,
}

#[derive(Debug, Serialize)]
struct UpdateResponse {
    job_id: Uuid,
    status: &'static str,
    job_ids: Vec<Uuid>,
    batch_id: Uuid,
}

/// `POST /api/knowledge/update`: enqueues the user's pending messages.
async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(request): ApiJson<UpdateRequest>,
) -> Result<Json<UpdateResponse>, ApiError> {
    if request.journal_reference.as_deref() == Some("") {
        return Err(ApiError::Validation(
            "journal_reference must not be empty (send null for every journal)".to_owned(),
        ));
    }
    let enqueued = state
        .knowledge_updates
        .enqueue(user.id, request.journal_reference.as_deref())
        .await?;
    let Some(&job_id) = enqueued.job_ids.first() else {
        return Err(ApiError::internal(
            "knowledge update",
            "a batch without jobs",
        ));
    };
    Ok(Json(UpdateResponse {
        job_id,
        status: "queued",
        job_ids: enqueued.job_ids,
        batch_id: enqueued.batch_id,
    }))
}

/// `GET /api/knowledge/update/{job_id}/watch`: the job's lifecycle as SSE. Ownership is
/// checked before the response starts; the response then starts at once, and upstream
/// failures become a last `error` event.
async fn watch(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(job_id): Path<String>,
) -> Result<Response, ApiError> {
    let job_id = Uuid::parse_str(&job_id).map_err(|_| job_not_found())?;
    state.knowledge_updates.check_owner(user.id, job_id).await?;
    let events = state
        .knowledge_updates
        .watch(user.id, job_id)
        .map(|event| Ok::<_, Infallible>(frame(&event)));
    let keep_alive = KeepAlive::new().interval(state.config.knowledge.watch_keep_alive);
    let mut response = Sse::new(events).keep_alive(keep_alive).into_response();
    let headers = response.headers_mut();
    headers.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-cache"));
    headers.insert("x-accel-buffering", HeaderValue::from_static("no"));
    Ok(response)
}

/// The SSE frame of `event`; ids are the job's transition sequence numbers.
fn frame(event: &WatchEvent) -> Event {
    let (name, id, data) = match event {
        WatchEvent::Status(update) => ("status", update.seq.to_string(), json!(update)),
        WatchEvent::Done { last } => (
            "done",
            format!("{}.done", last.seq),
            json!({ "job_id": last.job_id, "state": last.state, "terminal": true }),
        ),
        WatchEvent::Error(error) => ("error", "error".to_owned(), json!(error)),
    };
    Event::default().event(name).id(id).data(data.to_string())
}

/// `GET /api/knowledge/category`: the category tree with page counts.
async fn categories(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Response, ApiError> {
    let categories = state.knowledge_explorer.categories(user.id).await?;
    Ok(Json(json!({ "categories": categories })).into_response())
}

#[derive(Debug, Deserialize)]
struct PagesQuery {
    page_size: Option<i64>,
    page_token: Option<String>,
}

/// `GET /api/knowledge/category/{category_id}/pages?page_size&page_token`.
async fn pages(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(category_id): Path<String>,
    ApiQuery(query): ApiQuery<PagesQuery>,
) -> Result<Response, ApiError> {
    let page_size = check_range(
        "page_size",
        query.page_size.unwrap_or(DEFAULT_PAGE_SIZE),
        MAX_PAGE_SIZE,
    )?;
    if query.page_token.as_deref() == Some("") {
        return Err(ApiError::Validation(
            "page_token must not be empty (omit it for the first page)".to_owned(),
        ));
    }
    let pages = state
        .knowledge_explorer
        .pages(
            user.id,
            &category_id,
            u32::try_from(page_size).unwrap_or(MAX_PAGE_SIZE as u32),
            query.page_token,
        )
        .await?;
    Ok(Json(pages).into_response())
}

/// `GET /api/knowledge/page/{page_id}`: the page, with its version also as `ETag`.
async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(page_id): Path<String>,
) -> Result<Response, ApiError> {
    let page = state.knowledge_explorer.page(user.id, &page_id).await?;
    let etag = etag(&page.version);
    let mut response = Json(page).into_response();
    if let Some(etag) = etag {
        response.headers_mut().insert(header::ETAG, etag);
    }
    Ok(response)
}

#[derive(Debug, Deserialize)]
struct PatchRequest {
    content_blocks: Vec<PatchBlock>,
}

#[derive(Debug, Deserialize)]
struct PatchBlock {
    block_id: String,
    markdown_content: String,
}

/// `PATCH /api/knowledge/page/{page_id}`: replaces the text of some of the page's blocks;
/// with `If-Match`, only if the page still has that version.
async fn patch_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Path(page_id): Path<String>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<PatchRequest>,
) -> Result<Response, ApiError> {
    let expected = if_match(&headers);
    let edits = request
        .content_blocks
        .into_iter()
        .map(|block| BlockEdit {
            block_id: block.block_id,
            markdown_content: block.markdown_content,
        })
        .collect();
    let patched = state
        .knowledge_explorer
        .patch(user.id, &page_id, edits, expected.as_deref())
        .await?;
    let etag = etag(&patched.version);
    let mut response = Json(patched).into_response();
    if let Some(etag) = etag {
        response.headers_mut().insert(header::ETAG, etag);
    }
    Ok(response)
}

fn etag(version: &str) -> Option<HeaderValue> {
    HeaderValue::from_str(&format!("\"{version}\"")).ok()
}

/// The version named by `If-Match` (quoted or not, weak or not); `None` without one or for
/// `*`.
fn if_match(headers: &HeaderMap) -> Option<String> {
    let value = headers.get(header::IF_MATCH)?.to_str().ok()?.trim();
    let version = value.trim_start_matches("W/").trim_matches('"');
    (value != "*" && !version.is_empty()).then(|| version.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn with_if_match(value: &str) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::IF_MATCH,
            HeaderValue::from_str(value).expect("value"),
        );
        headers
    }

    #[test]
    fn if_match_takes_the_version_quoted_weak_or_bare_and_star_means_any() {
        assert_eq!(if_match(&with_if_match("\"abc\"")).as_deref(), Some("abc"));
        assert_eq!(
            if_match(&with_if_match("W/\"abc\"")).as_deref(),
            Some("abc")
        );
        assert_eq!(if_match(&with_if_match(" abc ")).as_deref(), Some("abc"));
        assert_eq!(if_match(&with_if_match("*")), None);
        assert_eq!(if_match(&HeaderMap::new()), None);
    }
}
