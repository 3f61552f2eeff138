//! Web tools, offered only when a search API key is configured (`TAVILY_API_KEY`): `web_search`
//! finds candidate sources (Tavily `/search`), `web_fetch` reads one page's text (Tavily
//! `/extract`, so no HTML is parsed here). Labels and outcome texts are the original
//! assistant's. Results are trimmed to what a model needs: titles, URLs, snippets, and a page's
//! text capped at `max_chars`.

use std::time::Duration;

use exobrain_common::telemetry::http_client;
use serde_json::{Value, json};

use super::tools::{Labels, ToolOutput, bounded, collapse, text_argument};

/// `web_search`.
pub const WEB_SEARCH: &str = "web_search";
/// `web_fetch`.
pub const WEB_FETCH: &str = "web_fetch";

const MAX_TITLE_CHARS: usize = 180;
const MAX_SNIPPET_CHARS: usize = 320;
const DEFAULT_FETCH_CHARS: u64 = 4_000;
const MAX_FETCH_CHARS: u64 = 20_000;

/// Where the search API is and its key.
#[derive(Clone)]
pub struct WebSettings {
    /// `TAVILY_BASE_URL`.
    pub base_url: String,
    /// `TAVILY_API_KEY`.
    pub api_key: String,
}

impl std::fmt::Debug for WebSettings {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("WebSettings")
            .field("base_url", &self.base_url)
            .field("api_key", &"<redacted>")
            .finish()
    }
}

/// The web tools.
#[derive(Debug, Clone)]
pub struct WebTools {
    http: reqwest::Client,
    settings: WebSettings,
}

impl WebTools {
    /// Web tools over `settings`, each request bounded by `timeout`.
    pub fn new(settings: WebSettings, timeout: Duration) -> Self {
        let http = reqwest::Client::builder()
            .timeout(timeout)
            .build()
            .unwrap_or_default();
        Self { http, settings }
    }

    /// Whether `name` is a web tool.
    pub fn handles(name: &str) -> bool {
        matches!(name, WEB_SEARCH | WEB_FETCH)
    }

    /// Runs `name` with `arguments`.
    pub async fn run(&self, name: &str, arguments: &Value) -> Result<ToolOutput, String> {
        match name {
            WEB_SEARCH => {
                let query = text_argument(arguments, "query");
                let Some(query) = query else {
                    return Err(search_error(
                        None,
                        "`query` is required and must be a non-empty string",
                    ));
                };
                let max_results = bounded(arguments, "max_results", 5, 1, 10)
                    .map_err(|problem| search_error(Some(query), &problem))?;
                let reply = self
                    .post(
                        "search",
                        json!({ "query": query, "max_results": max_results, "search_depth": "basic" }),
                    )
                    .await
                    .map_err(|problem| search_error(Some(query), &problem))?;
                let results: Vec<Value> = reply
                    .get("results")
                    .and_then(Value::as_array)
                    .into_iter()
                    .flatten()
                    .filter_map(|item| {
                        let url = item.get("url").and_then(Value::as_str)?.trim();
                        (!url.is_empty()).then(|| {
                            json!({
                                "title": cap(&collapse(item.get("title").and_then(Value::as_str).unwrap_or_default()), MAX_TITLE_CHARS),
                                "url": url,
                                "snippet": cap(&collapse(item.get("content").or_else(|| item.get("snippet")).and_then(Value::as_str).unwrap_or_default()), MAX_SNIPPET_CHARS),
                                "published_at": item.get("published_date").or_else(|| item.get("published_at")).cloned().unwrap_or(Value::Null),
                            })
                        })
                    })
                    .take(max_results as usize)
                    .collect();
                let n = results.len();
                Ok(ToolOutput {
                    result: json!({ "results": results }).to_string(),
                    summary: format!(
                        "Found {n} candidate source{}",
                        if n == 1 { "" } else { "s" }
                    ),
                })
            }
            WEB_FETCH => {
                let Some(url) = text_argument(arguments, "url") else {
                    return Err(fetch_error(
                        None,
                        "`url` is required and must be a non-empty string",
                    ));
                };
                if !(url.starts_with("http://") || url.starts_with("https://")) {
                    return Err(fetch_error(
                        Some(url),
                        "only http and https URLs can be fetched",
                    ));
                }
                let max_chars = bounded(
                    arguments,
                    "max_chars",
                    DEFAULT_FETCH_CHARS,
                    100,
                    MAX_FETCH_CHARS,
                )
                .map_err(|problem| fetch_error(Some(url), &problem))?;
                let reply = self
                    .post(
                        "extract",
                        json!({ "urls": [url], "extract_depth": "basic" }),
                    )
                    .await
                    .map_err(|problem| fetch_error(Some(url), &problem))?;
                let page = reply
                    .get("results")
                    .and_then(Value::as_array)
                    .and_then(|results| results.first())
                    .cloned()
                    .unwrap_or(Value::Null);
                let text = collapse(
                    page.get("raw_content")
                        .or_else(|| page.get("content"))
                        .and_then(Value::as_str)
                        .unwrap_or_default(),
                );
                let content = cap(&text, max_chars as usize);
                let title = page
                    .get("title")
                    .and_then(Value::as_str)
                    .map(|title| cap(&collapse(title), MAX_TITLE_CHARS))
                    .filter(|title| !title.is_empty());
                Ok(ToolOutput {
                    result: json!({
                        "url": url,
                        "title": title,
                        "content_text": content,
                        "content_truncated": text.chars().count() > content.chars().count(),
                    })
                    .to_string(),
                    summary: format!("Summarized {}", title.as_deref().unwrap_or(url)),
                })
            }
            other => Err(format!("`{other}` is not a web tool")),
        }
    }

    async fn post(&self, path: &str, body: Value) -> Result<Value, String> {
        let url = format!("{}/{path}", self.settings.base_url.trim_end_matches('/'));
        let request = self
            .http
            .post(url)
            .bearer_auth(&self.settings.api_key)
            .json(&body);
        let response = http_client::send(request).await.map_err(|error| {
            format!(
                "the search service did not answer ({})",
                error.without_url()
            )
        })?;
        let status = response.status();
        if !status.is_success() {
            return Err(format!("the search service answered {status}"));
        }
        response
            .json()
            .await
            .map_err(|_| "the search service sent an unreadable reply".to_owned())
    }
}

/// The definitions of the web tools (native format).
pub fn definitions() -> Vec<Value> {
    vec![
        json!({
            "type": "function",
            "name": WEB_SEARCH,
            "description": "Search the web for candidate sources on current events, niche topics or claims worth checking. Returns titles, URLs and snippets; fetch at most one to three of them with web_fetch.",
            "parameters": {
                "type": "object",
                "properties": {
                    "query": { "type": "string", "minLength": 1, "description": "What to search the web for." },
                    "max_results": { "type": "integer", "minimum": 1, "maximum": 10, "description": "Maximum number of results (default 5)." }
                },
                "required": ["query"],
                "additionalProperties": false
            }
        }),
        json!({
            "type": "function",
            "name": WEB_FETCH,
            "description": "Fetch one web page by URL and extract its readable text. Only fetch URLs from web_search results or given by the user.",
            "parameters": {
                "type": "object",
                "properties": {
                    "url": { "type": "string", "minLength": 1, "description": "The http(s) URL to fetch." },
                    "max_chars": { "type": "integer", "minimum": 100, "maximum": MAX_FETCH_CHARS, "description": "Maximum characters of text to return (default 4000)." }
                },
                "required": ["url"],
                "additionalProperties": false
            }
        }),
    ]
}

/// Labels of a web tool call, as the original assistant showed them.
pub fn labels(name: &str, arguments: &Value) -> Option<Labels> {
    match name {
        WEB_SEARCH => Some(Labels {
            title: "Web search".into(),
            description: format!(
                "Searching the web for {}",
                text_argument(arguments, "query").unwrap_or("the web")
            ),
        }),
        WEB_FETCH => Some(Labels {
            title: "Web fetch".into(),
            description: format!(
                "Looking at {}",
                text_argument(arguments, "url").unwrap_or("web content")
            ),
        }),
        _ => None,
    }
}

fn search_error(query: Option<&str>, problem: &str) -> String {
    format!(
        "Couldn't complete web search for {}: {problem}",
        query.unwrap_or("requested query")
    )
}

fn fetch_error(url: Option<&str>, problem: &str) -> String {
    format!("Couldn't reach {}: {problem}", url.unwrap_or("website"))
}

/// `text` cut to `max` characters, ending in `…` when cut.
fn cap(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let kept: String = text.chars().take(max.saturating_sub(1)).collect();
    format!("{}…", kept.trim_end())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn labels_and_errors_use_the_original_texts() {
        let search = labels(WEB_SEARCH, &json!({ "query": "rust" })).expect("labels");
        assert_eq!(
            (search.title.as_str(), search.description.as_str()),
            ("Web search", "Searching the web for rust")
        );
        let fetch = labels(WEB_FETCH, &json!({})).expect("labels");
        assert_eq!(fetch.description, "Looking at web content");
        assert_eq!(
            search_error(None, "x"),
            "Couldn't complete web search for requested query: x"
        );
        assert_eq!(
            fetch_error(Some("https://a"), "x"),
            "Couldn't reach https://a: x"
        );
        assert!(labels("search_knowledge", &json!({})).is_none());
    }

    #[test]
    fn long_text_is_capped_with_an_ellipsis() {
        assert_eq!(cap("abcdef", 6), "abcdef");
        assert_eq!(cap("abc def", 5), "abc…");
        assert_eq!(collapse(" a \n b  "), "a b");
        assert_eq!(bounded(&json!({ "n": 3 }), "n", 5, 1, 10), Ok(3));
        assert!(bounded(&json!({ "n": 11 }), "n", 5, 1, 10).is_err());
    }
}
