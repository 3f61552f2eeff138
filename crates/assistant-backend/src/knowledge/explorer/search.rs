//! Finding the user's pages by name and by meaning: `FindEntityCandidates` (names and aliases)
//! first, then `SearchBlocks` (the blocks' text, by meaning and words), one result per page in
//! that order. knowledge-interface reads as the user, so only their pages and shared ones come
//! back. A meaning search that fails (other than unreachable or refused) leaves the name
//! matches: some queries (seen with private-use characters) make `SearchBlocks` fail.

use std::collections::HashSet;

use exobrain_proto::knowledge as pb;
use serde::Serialize;
use utoipa::ToSchema;
use uuid::Uuid;

use super::KnowledgeExplorer;
use crate::knowledge::error::{Call, Failure, KnowledgeError};

/// Longest excerpt of a block's text in a meaning match, in characters.
const SNIPPET_CHARS: usize = 200;

/// How a result matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum MatchKind {
    /// Its name or an alias matches the query.
    Name,
    /// One of its blocks is about the query.
    Meaning,
}

/// One page found.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SearchResult {
    pub page_id: String,
    pub title: String,
    /// The page's description, where the match carries one.
    #[schema(required = true)]
    pub summary: Option<String>,
    #[schema(required = true)]
    pub category_id: Option<String>,
    #[serde(rename = "match")]
    pub matched: MatchKind,
    /// The knowledge service's score of the match (higher is closer; name and meaning
    /// scores are not comparable).
    pub score: f64,
    /// For a meaning match: an excerpt of the block that matched.
    #[schema(required = true)]
    pub snippet: Option<String>,
}

/// The pages found for a query.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
pub struct SearchResults {
    /// The query, trimmed.
    pub query: String,
    /// Name matches first, then meaning matches; one per page.
    pub results: Vec<SearchResult>,
}

impl KnowledgeExplorer {
    /// At most `limit` of `user`'s pages matching `query` by name, then by meaning.
    pub async fn search(
        &self,
        user: Uuid,
        query: &str,
        limit: u32,
    ) -> Result<SearchResults, KnowledgeError> {
        let by_name = self.upstreams.knowledge_request(
            user,
            pb::FindEntityCandidatesRequest {
                names: vec![query.to_owned()],
                user_id: user.to_string(),
                limit: Some(limit),
                ..Default::default()
            },
        );
        let by_meaning = self.upstreams.knowledge_request(
            user,
            pb::SearchBlocksRequest {
                user_id: user.to_string(),
                query: query.to_owned(),
                limit: Some(limit),
                entity_id: None,
            },
        );
        let mut knowledge = self.upstreams.knowledge();
        let mut second = self.upstreams.knowledge();
        let (names, blocks) = tokio::join!(
            knowledge.find_entity_candidates(by_name),
            second.search_blocks(by_meaning)
        );
        let names = names.map_err(KnowledgeError::upstream(Call::Search))?;
        let hits = match blocks.map_err(KnowledgeError::upstream(Call::Search)) {
            Ok(blocks) => blocks.into_inner().hits,
            // A meaning search that failed (not refused, not unreachable) still leaves the name
            // matches worth showing; the failure is logged.
            Err(
                error @ KnowledgeError::Upstream {
                    failure: Failure::Failed,
                    ..
                },
            ) => {
                tracing::warn!(%error, "meaning search failed; answering with name matches only");
                Vec::new()
            }
            Err(error) => return Err(error),
        };
        Ok(SearchResults {
            query: query.to_owned(),
            results: merge(names.into_inner().candidates, hits, limit as usize),
        })
    }
}

/// Name matches, then meaning matches of pages not yet listed, at most `limit`.
fn merge(
    candidates: Vec<pb::EntityCandidate>,
    hits: Vec<pb::BlockHit>,
    limit: usize,
) -> Vec<SearchResult> {
    let by_name = candidates.into_iter().map(|candidate| SearchResult {
        page_id: candidate.entity_id,
        title: candidate.entity_name,
        summary: nonempty(candidate.described_by_text),
        category_id: nonempty(candidate.entity_type_id),
        matched: MatchKind::Name,
        score: candidate.score,
        snippet: None,
    });
    let by_meaning = hits
        .into_iter()
        .filter(|hit| !hit.root_entity_id.is_empty())
        .map(|hit| SearchResult {
            snippet: nonempty(excerpt(&hit.text)),
            page_id: hit.root_entity_id,
            title: hit.root_entity_name,
            summary: None,
            category_id: nonempty(hit.root_entity_type_id),
            matched: MatchKind::Meaning,
            score: hit.score,
        });
    let mut seen = HashSet::new();
    by_name
        .chain(by_meaning)
        .filter(|result| seen.insert(result.page_id.clone()))
        .take(limit)
        .collect()
}

/// The first [`SNIPPET_CHARS`] characters of `text`, whitespace collapsed, `…` when cut.
fn excerpt(text: &str) -> String {
    let collapsed = text.split_whitespace().collect::<Vec<_>>().join(" ");
    match collapsed.char_indices().nth(SNIPPET_CHARS) {
        Some((cut, _)) => format!("{}…", &collapsed[..cut]),
        None => collapsed,
    }
}

fn nonempty(text: String) -> Option<String> {
    let trimmed = text.trim();
    (!trimmed.is_empty()).then(|| trimmed.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate(id: &str, name: &str) -> pb::EntityCandidate {
        pb::EntityCandidate {
            entity_id: id.into(),
            entity_name: name.into(),
            score: 0.9,
            ..Default::default()
        }
    }

    fn hit(root: &str, text: &str) -> pb::BlockHit {
        pb::BlockHit {
            root_entity_id: root.into(),
            root_entity_name: root.to_uppercase(),
            text: text.into(),
            score: 0.5,
            ..Default::default()
        }
    }

    #[test]
    fn names_come_first_and_each_page_once() {
        let results = merge(
            vec![candidate("a", "Anna")],
            vec![hit("a", "again"), hit("b", "about  Ben"), hit("", "orphan")],
            10,
        );
        let listed: Vec<(&str, MatchKind, Option<&str>)> = results
            .iter()
            .map(|r| (r.page_id.as_str(), r.matched, r.snippet.as_deref()))
            .collect();
        assert_eq!(
            listed,
            [
                ("a", MatchKind::Name, None),
                ("b", MatchKind::Meaning, Some("about Ben"))
            ]
        );
        assert_eq!(
            merge(vec![candidate("a", "A")], vec![hit("b", "x")], 1).len(),
            1
        );
    }

    #[test]
    fn long_blocks_are_cut_on_a_character_boundary() {
        let text = "é".repeat(SNIPPET_CHARS + 5);
        let cut = excerpt(&text);
        assert_eq!(cut.chars().count(), SNIPPET_CHARS + 1);
        assert!(cut.ends_with('…'));
    }
}
