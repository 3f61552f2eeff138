//! Knowledge routes under `/api/knowledge`: the update and its job watch (SSE), the category
//! tree, a category's pages, one page (read, block patch), search by name and meaning, and a
//! page's neighbourhood graph. The texts and status codes of failures are the original
//! service's (reference §1.6); they are mapped here, once.
//!
//! Page ids may contain `/`, so the page routes take everything after `/knowledge/page/` as
//! the id; a GET of `<id>/graph` is the graph of page `<id>` (page ids are UUIDs, so none
//! ends in `/graph`). [`KnowledgeApi`] documents the routes.

use std::convert::Infallible;

use axum::extract::rejection::PathRejection;
use axum::extract::{Path, State};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use futures::StreamExt;
use http::{HeaderMap, HeaderValue, Uri, header};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, OpenApi, ToSchema};
use uuid::Uuid;

use super::openapi::EventStream;
use super::query::{check_range, parse_query};
use super::{ApiJson, ApiQuery, Text, path_text};
use crate::app::AppState;
use crate::auth::CurrentUser;
use crate::error::{ApiError, ErrorBody};
use crate::knowledge::{
    BlockEdit, Call, Category, CategoryPages, Failure, Graph, KnowledgeError, Page, Patched,
    SearchResults, WatchEvent,
};

const DEFAULT_PAGE_SIZE: i64 = 20;
const MAX_PAGE_SIZE: i64 = 100;
const DEFAULT_SEARCH_LIMIT: i64 = 20;
const MAX_SEARCH_LIMIT: i64 = 50;
/// Longest search query, in characters (after trimming).
pub const MAX_QUERY_CHARS: usize = 200;
/// What ends a page path asking for the page's graph.
const GRAPH_SUFFIX: &str = "/graph";

/// Routes under `/api/knowledge`.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/knowledge/update", post(update))
        .route("/knowledge/update/{job_id}/watch", get(watch))
        .route("/knowledge/category", get(categories))
        .route("/knowledge/category/{category_id}/pages", get(pages))
        .route("/knowledge/search", get(search))
        .route(
            "/knowledge/page/{*page_id}",
            get(page_or_graph).patch(patch_page),
        )
}

/// The OpenAPI paths of [`routes`].
#[derive(Debug, OpenApi)]
#[openapi(
    paths(update, watch, categories, pages, page, patch_page, search, graph),
    modifiers(&WATCH_EVENT_NAMES)
)]
pub struct KnowledgeApi;

const WATCH_EVENT_NAMES: EventStream = EventStream {
    path: "/api/knowledge/update/{job_id}/watch",
    events: &["status", "done", "error"],
};

/// The events of a job watch, as the SSE route documents them.
const WATCH_EVENTS: &str = "The job's lifecycle as server-sent events (`text/event-stream`), \
each with an `id`, an `event` name and JSON `data`:\n\
- `status` `{\"job_id\", \"state\", \"attempt\", \"detail\", \"terminal\", \"emitted_at\"}`: the \
current state first, then each transition (`state` is `ENQUEUED_OR_PENDING`, `STARTED`, \
`RETRYING`, `SUCCEEDED`, `FAILED_FINAL` or `CANCELLED`; the id is the transition's sequence \
number);\n\
- `done` `{\"job_id\", \"state\", \"terminal\": true}`: the job reached its terminal state; the \
last event (id `<seq>.done`);\n\
- `error` `{\"job_id\", \"code\", \"message\", \"retryable\"}`: the watch failed upstream \
(`code` `unavailable`, `upstream_error`, `not_found` or `forbidden`); the last event (id \
`error`).\n\n\
Lines starting with `:` are keep-alive comments.";

/// The 502 and 503 of routes that call knowledge-interface or job-orchestrator.
const UPSTREAM_DOWN: &str = "The knowledge service is unreachable";
const UPSTREAM_FAILED: &str = "The knowledge service failed";

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
        (Call::Search, Invalid) => {
            ApiError::Validation("invalid knowledge search query".to_owned())
        }
        (Call::Search, Unavailable) => ApiError::Unavailable("knowledge search unavailable"),
        (Call::Search, _) => ApiError::BadGateway("knowledge search upstream failure"),
        (Call::Graph, NotFound | Denied) => page_not_found(),
        (Call::Graph, Unavailable) => ApiError::Unavailable("knowledge page unavailable"),
        (Call::Graph, Invalid) => bad_request("invalid knowledge page request"),
        (Call::Graph, _) => ApiError::BadGateway("knowledge page graph upstream failure"),
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

/// `POST /api/knowledge/update` body.
#[derive(Debug, Deserialize, ToSchema)]
struct UpdateRequest {
    /// One journal (`YYYY/MM/DD`, not empty); `null` or absent for every journal.
    #[serde(default)]
    journal_reference: Option<Text>,
}

/// The enqueued batch.
#[derive(Debug, Serialize, ToSchema)]
struct UpdateResponse {
    /// The first job of the batch (watch it at `/api/knowledge/update/{job_id}/watch`).
    job_id: Uuid,
    /// Always `queued`.
    #[schema(value_type = String, pattern = "^queued$")]
    status: &'static str,
    /// Every job of the batch, `job_id` first.
    job_ids: Vec<Uuid>,
    batch_id: Uuid,
}

/// `POST /api/knowledge/update`: enqueues the user's pending messages.
#[utoipa::path(
    post, path = "/api/knowledge/update", operation_id = "start_knowledge_update", tag = "knowledge",
    request_body = UpdateRequest,
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The user's finished, uncommitted messages are enqueued as jobs", body = UpdateResponse),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Cookie-authenticated write from a foreign `Origin`", body = ErrorBody),
        (status = 409, description = "No uncommitted messages of the user (in that journal)", body = ErrorBody),
        (status = 422, description = "The body is not JSON, or `journal_reference` is empty or holds a NUL character", body = ErrorBody),
        (status = 502, description = UPSTREAM_FAILED, body = ErrorBody),
        (status = 503, description = UPSTREAM_DOWN, body = ErrorBody),
    ),
)]
async fn update(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiJson(request): ApiJson<UpdateRequest>,
) -> Result<Json<UpdateResponse>, ApiError> {
    let reference = request.journal_reference.as_ref().map(Text::as_str);
    if reference == Some("") {
        return Err(ApiError::Validation(
            "journal_reference must not be empty (send null for every journal)".to_owned(),
        ));
    }
    let enqueued = state
        .knowledge_updates
        .enqueue(user.id, &user.name, reference)
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
#[utoipa::path(
    get, path = "/api/knowledge/update/{job_id}/watch", operation_id = "watch_knowledge_update", tag = "knowledge",
    description = WATCH_EVENTS,
    params(("job_id" = Uuid, Path, description = "A `job_ids` entry of `POST /api/knowledge/update`")),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The event stream", content_type = "text/event-stream"),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No job with that id for this user (unknown or another user's)", body = ErrorBody),
        (status = 503, description = UPSTREAM_DOWN, body = ErrorBody),
    ),
)]
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

/// The category tree.
#[derive(Debug, Serialize, ToSchema)]
struct Categories {
    /// The top categories, each with its subcategories.
    categories: Vec<Category>,
}

/// `GET /api/knowledge/category`: the category tree with page counts.
#[utoipa::path(
    get, path = "/api/knowledge/category", operation_id = "list_knowledge_categories", tag = "knowledge",
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The category tree with the user's page counts", body = Categories),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 502, description = UPSTREAM_FAILED, body = ErrorBody),
        (status = 503, description = UPSTREAM_DOWN, body = ErrorBody),
    ),
)]
async fn categories(
    State(state): State<AppState>,
    user: CurrentUser,
) -> Result<Json<Categories>, ApiError> {
    let categories = state.knowledge_explorer.categories(user.id).await?;
    Ok(Json(Categories { categories }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct PagesQuery {
    /// Pages per page, 1 to 100 (default 20).
    #[param(minimum = 1, maximum = 100)]
    page_size: Option<i64>,
    /// The `next_page_token` of the previous page (not empty; omit it for the first page).
    #[param(value_type = Option<String>, min_length = 1, pattern = "^[^\\u0000]*$")]
    page_token: Option<Text>,
}

/// `GET /api/knowledge/category/{category_id}/pages?page_size&page_token`.
#[utoipa::path(
    get, path = "/api/knowledge/category/{category_id}/pages", operation_id = "list_knowledge_pages", tag = "knowledge",
    params(
        ("category_id" = Text, Path, description = "A `category_id` of the category tree"),
        PagesQuery,
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The user's pages of that category", body = CategoryPages),
        (status = 400, description = "The knowledge service refused the category or page token", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "A parameter is out of range, empty or holds a NUL character", body = ErrorBody),
        (status = 502, description = UPSTREAM_FAILED, body = ErrorBody),
        (status = 503, description = UPSTREAM_DOWN, body = ErrorBody),
    ),
)]
async fn pages(
    State(state): State<AppState>,
    user: CurrentUser,
    category_id: Result<Path<Text>, PathRejection>,
    ApiQuery(query): ApiQuery<PagesQuery>,
) -> Result<Json<CategoryPages>, ApiError> {
    let category_id = path_text(category_id, "category id")?;
    let page_size = check_range(
        "page_size",
        query.page_size.unwrap_or(DEFAULT_PAGE_SIZE),
        MAX_PAGE_SIZE,
    )?;
    let page_token = query.page_token.map(|token| token.as_str().to_owned());
    if page_token.as_deref() == Some("") {
        return Err(ApiError::Validation(
            "page_token must not be empty (omit it for the first page)".to_owned(),
        ));
    }
    let pages = state
        .knowledge_explorer
        .pages(
            user.id,
            category_id.as_str(),
            u32::try_from(page_size).unwrap_or(MAX_PAGE_SIZE as u32),
            page_token,
        )
        .await?;
    Ok(Json(pages))
}

/// `GET /api/knowledge/page/{page_id}` and `GET /api/knowledge/page/{page_id}/graph`.
async fn page_or_graph(
    State(state): State<AppState>,
    user: CurrentUser,
    page_id: Result<Path<Text>, PathRejection>,
    uri: Uri,
) -> Result<Response, ApiError> {
    let page_id = path_text(page_id, "page id")?;
    match page_id.as_str().strip_suffix(GRAPH_SUFFIX) {
        Some(center) if !center.is_empty() => {
            let params = parse_query(&uri)?;
            graph(state, user, center, params).await
        }
        _ => page(state, user, page_id).await,
    }
}

/// `GET /api/knowledge/page/{page_id}`: the page, with its version also as `ETag`.
#[utoipa::path(
    get, path = "/api/knowledge/page/{page_id}", operation_id = "get_knowledge_page", tag = "knowledge",
    params(("page_id" = Text, Path, description = "A page id (it may contain `/`)")),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The page", body = Page,
            headers(("ETag" = String, description = "The page's `version`, quoted; send it back as `If-Match`"))),
        (status = 400, description = "The knowledge service refused the page id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The page is not the user's", body = ErrorBody),
        (status = 404, description = "No page with that id", body = ErrorBody),
        (status = 422, description = "The page id is not UTF-8 or holds a NUL character", body = ErrorBody),
        (status = 502, description = UPSTREAM_FAILED, body = ErrorBody),
        (status = 503, description = UPSTREAM_DOWN, body = ErrorBody),
    ),
)]
async fn page(state: AppState, user: CurrentUser, page_id: Text) -> Result<Response, ApiError> {
    let page = state
        .knowledge_explorer
        .page(user.id, page_id.as_str())
        .await?;
    let etag = etag(&page.version);
    let mut response = Json(page).into_response();
    if let Some(etag) = etag {
        response.headers_mut().insert(header::ETAG, etag);
    }
    Ok(response)
}

/// `PATCH /api/knowledge/page/{page_id}` body.
#[derive(Debug, Deserialize, ToSchema)]
struct PatchRequest {
    /// The blocks to rewrite.
    content_blocks: Vec<PatchBlock>,
}

/// A block's new text.
#[derive(Debug, Deserialize, ToSchema)]
struct PatchBlock {
    /// A `block_id` of the page's `content_blocks`.
    block_id: Text,
    /// Its new Markdown text.
    markdown_content: Text,
}

/// `PATCH /api/knowledge/page/{page_id}`: replaces the text of some of the page's blocks;
/// with `If-Match`, only if the page still has that version.
#[utoipa::path(
    patch, path = "/api/knowledge/page/{page_id}", operation_id = "patch_knowledge_page", tag = "knowledge",
    request_body = PatchRequest,
    params(
        ("page_id" = Text, Path, description = "A page id (it may contain `/`)"),
        ("If-Match" = Option<String>, Header, description = "The `ETag` (page `version`) the edit is based on; `*` or absent: any version"),
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The blocks were rewritten", body = Patched,
            headers(("ETag" = String, description = "The page's new `version`, quoted"))),
        (status = 400, description = "No blocks, a block that is not the page's, or text the knowledge service refused", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "The page is not the user's, or a cookie-authenticated write from a foreign `Origin`", body = ErrorBody),
        (status = 404, description = "No page with that id", body = ErrorBody),
        (status = 409, description = "The page changed since the `If-Match` version: read it again", body = ErrorBody),
        (status = 422, description = "The body is not JSON, or the page id or a text holds a NUL character", body = ErrorBody),
        (status = 502, description = UPSTREAM_FAILED, body = ErrorBody),
        (status = 503, description = UPSTREAM_DOWN, body = ErrorBody),
    ),
)]
async fn patch_page(
    State(state): State<AppState>,
    user: CurrentUser,
    page_id: Result<Path<Text>, PathRejection>,
    headers: HeaderMap,
    ApiJson(request): ApiJson<PatchRequest>,
) -> Result<Response, ApiError> {
    let page_id = path_text(page_id, "page id")?;
    let expected = if_match(&headers);
    let edits = request
        .content_blocks
        .into_iter()
        .map(|block| BlockEdit {
            block_id: block.block_id.as_str().to_owned(),
            markdown_content: block.markdown_content.as_str().to_owned(),
        })
        .collect();
    let patched = state
        .knowledge_explorer
        .patch(user.id, page_id.as_str(), edits, expected.as_deref())
        .await?;
    let etag = etag(&patched.version);
    let mut response = Json(patched).into_response();
    if let Some(etag) = etag {
        response.headers_mut().insert(header::ETAG, etag);
    }
    Ok(response)
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct SearchQuery {
    /// What to look for: a name, or words about it (1 to 200 characters after trimming).
    #[param(value_type = String, min_length = 1, max_length = 200, pattern = "^[^\\u0000]*$")]
    q: Option<Text>,
    /// Results, 1 to 50 (default 20).
    #[param(minimum = 1, maximum = 50)]
    limit: Option<i64>,
}

/// `GET /api/knowledge/search?q&limit`: the user's pages by name, then by meaning.
#[utoipa::path(
    get, path = "/api/knowledge/search", operation_id = "search_knowledge", tag = "knowledge",
    params(SearchQuery),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "Pages whose name matches (`match: name`, from FindEntityCandidates) first, then pages with a block about the query (`match: meaning`, from SearchBlocks, with the block's text as `snippet`); one result per page, only the user's pages and shared ones", body = SearchResults),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "`q` is missing, empty or longer than 200 characters, or `limit` is out of range", body = ErrorBody),
        (status = 502, description = UPSTREAM_FAILED, body = ErrorBody),
        (status = 503, description = UPSTREAM_DOWN, body = ErrorBody),
    ),
)]
async fn search(
    State(state): State<AppState>,
    user: CurrentUser,
    ApiQuery(query): ApiQuery<SearchQuery>,
) -> Result<Json<SearchResults>, ApiError> {
    let q = query.q.as_ref().map_or("", |q| q.as_str().trim());
    if q.is_empty() || q.chars().count() > MAX_QUERY_CHARS {
        return Err(ApiError::Validation(format!(
            "q must be 1 to {MAX_QUERY_CHARS} characters"
        )));
    }
    let limit = check_range(
        "limit",
        query.limit.unwrap_or(DEFAULT_SEARCH_LIMIT),
        MAX_SEARCH_LIMIT,
    )?;
    let results = state
        .knowledge_explorer
        .search(user.id, q, u32::try_from(limit).unwrap_or(20))
        .await?;
    Ok(Json(results))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
struct GraphQuery {
    /// 1: the page and its linked pages (default); 2: also their linked pages.
    #[param(minimum = 1, maximum = 2)]
    depth: Option<i64>,
}

/// `GET /api/knowledge/page/{page_id}/graph?depth`: the page's neighbourhood.
#[utoipa::path(
    get, path = "/api/knowledge/page/{page_id}/graph", operation_id = "get_knowledge_page_graph", tag = "knowledge",
    params(
        ("page_id" = Text, Path, description = "A page id"),
        GraphQuery,
    ),
    security(("bearer" = []), ("session_cookie" = [])),
    responses(
        (status = 200, description = "The page (distance 0), the pages linked with it (1) and at depth 2 theirs (2), at most 40 pages, and the links between them", body = Graph),
        (status = 400, description = "The knowledge service refused the page id", body = ErrorBody),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 404, description = "No page with that id that the user can see", body = ErrorBody),
        (status = 422, description = "`depth` is not 1 or 2, or the page id holds a NUL character", body = ErrorBody),
        (status = 502, description = UPSTREAM_FAILED, body = ErrorBody),
        (status = 503, description = UPSTREAM_DOWN, body = ErrorBody),
    ),
)]
async fn graph(
    state: AppState,
    user: CurrentUser,
    page_id: &str,
    query: GraphQuery,
) -> Result<Response, ApiError> {
    let depth = check_range("depth", query.depth.unwrap_or(1), 2)?;
    let graph = state
        .knowledge_explorer
        .graph(user.id, page_id, u8::try_from(depth).unwrap_or(1))
        .await?;
    Ok(Json(graph).into_response())
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
