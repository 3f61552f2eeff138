//! Lexical search and listings: entity names and aliases matched exactly, as whole words
//! (either way round) or fuzzily (trigram similarity, from the in-memory name index), case
//! and accent insensitive; block texts matched by words (full-text, any word); entities of
//! given types listed by relevance with keyset pages.

use std::collections::HashSet;

use chrono::{DateTime, Utc};
use sqlx::{PgPool, Row};
use uuid::Uuid;

use super::backend;
use super::names::{FuzzyQuery, NameCache};
use super::rows::{self, NODE_COLUMNS};
use crate::access::Viewer;
use crate::graph::StoreError;
use crate::graph::reads::{
    Cursor, EntityPage, ListedEntity, NameMatch, NameQuery, PageRequest, PageStart, TextMatch,
    fuzzy_threshold, word_runs,
};

/// Folds text the way the names table is folded (case, accents).
async fn fold(pool: &PgPool, text: &str) -> Result<String, StoreError> {
    sqlx::query_scalar("SELECT kg_fold($1)")
        .bind(text)
        .fetch_one(pool)
        .await
        .map_err(backend)
}

/// Visible entities whose names match, best first.
pub async fn match_names(
    pool: &PgPool,
    names: &NameCache,
    viewer: &Viewer,
    query: &NameQuery,
) -> Result<Vec<NameMatch>, StoreError> {
    let folded = fold(pool, query.text.trim()).await?;
    let folded = folded.split_whitespace().collect::<Vec<_>>().join(" ");
    if folded.is_empty() {
        return Ok(Vec::new());
    }
    let words = format!(r"\m{}\M", regex::escape(&folded));
    let runs = word_runs(&folded);
    let limit = query.limit as i64;
    // Exact and whole-word matches outrank every fuzzy one, so the fuzzy search (in memory,
    // see `names`) runs only when fewer than `fuzzy_below` of them were found. Whole-word
    // candidates come from the words index; the pattern then checks that the words are
    // adjacent and in order.
    let found = sqlx::query(&format!(
        "{NAME_MATCH}
            AND (m.folded = ANY($3)
                 OR (m.words @> array_remove(regexp_split_to_array($2, '\\W+'), '')
                     AND cardinality(array_remove(regexp_split_to_array($2, '\\W+'), '')) > 0
                     AND m.folded ~ $4))
          ORDER BY exact DESC, sim DESC, m.entity_id
          LIMIT $6"
    ))
    .bind(viewer.user_id())
    .bind(&folded)
    .bind(&runs)
    .bind(&words)
    .bind(&query.type_ids)
    .bind(limit)
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    let mut matches = found
        .iter()
        .map(|row| {
            Ok(NameMatch {
                entity_id: row.try_get("entity_id").map_err(backend)?,
                matched: row.try_get("name").map_err(backend)?,
                is_alias: row.try_get("is_alias").map_err(backend)?,
                exact: row.try_get("exact").map_err(backend)?,
                whole_words: row.try_get("whole_words").map_err(backend)?,
                similarity: row.try_get("sim").map_err(backend)?,
            })
        })
        .collect::<Result<Vec<_>, StoreError>>()?;
    if matches.len() < query.fuzzy_below.min(query.limit) {
        let fuzzy = FuzzyQuery {
            folded: &folded,
            threshold: fuzzy_threshold(&folded),
            type_ids: &query.type_ids,
            limit: query.limit - matches.len(),
        };
        let seen: HashSet<(Uuid, &str)> = matches
            .iter()
            .map(|m| (m.entity_id, m.matched.as_str()))
            .collect();
        let skip = |entity: Uuid, name: &str| seen.contains(&(entity, name));
        let fuzzy = names.fuzzy(pool, viewer, &fuzzy, skip).await?;
        drop(seen);
        matches.extend(fuzzy);
    }
    Ok(matches)
}

/// The name rows visible to `$1` of the types `$5` (all when empty), scored against the
/// folded query `$2`, its word runs `$3` and its whole-word pattern `$4`.
const NAME_MATCH: &str = "SELECT m.entity_id, m.name, m.is_alias, m.folded = $2 AS exact,
            (m.folded = ANY($3) OR m.folded ~ $4) AS whole_words,
            similarity(m.folded, $2)::float8 AS sim
       FROM kg_entity_names m
      WHERE (m.user_id = $1 OR m.visibility = 'SHARED')
        AND (cardinality($5::text[]) = 0 OR m.type_id = ANY($5))";

/// Visible blocks containing any word of `query`, best first.
pub async fn match_texts(
    pool: &PgPool,
    viewer: &Viewer,
    query: &str,
    limit: usize,
) -> Result<Vec<TextMatch>, StoreError> {
    let folded = fold(pool, query).await?;
    let words: Vec<&str> = folded
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    if words.is_empty() {
        return Ok(Vec::new());
    }
    // Ranked: blocks with every word (few), plus at most RANKED_PER_WORD_MATCH blocks with
    // any word; ranking every block that contains a common word cost 30 ms at 100,000
    // entities, and such blocks add little next to the vector half of the search.
    let found: Vec<(Uuid, f32)> = sqlx::query_as(&format!(
        "WITH q AS (SELECT to_tsquery('english', $2) AS any_word,
                           to_tsquery('english', $4) AS all_words),
              hits AS (
                  (SELECT n.id, n.text_search FROM kg_nodes n, q
                    WHERE n.kind = 'block' AND n.text_search @@ q.all_words
                      AND (n.user_id = $1 OR n.visibility = 'SHARED')
                    LIMIT {RANKED_PER_WORD_MATCH})
                  UNION ALL
                  (SELECT n.id, n.text_search FROM kg_nodes n, q
                    WHERE n.kind = 'block' AND n.text_search @@ q.any_word
                      AND (n.user_id = $1 OR n.visibility = 'SHARED')
                    LIMIT {RANKED_PER_WORD_MATCH}))
         SELECT DISTINCT ON (rank, h.id) h.id, ts_rank(h.text_search, q.any_word, 32) AS rank
           FROM hits h, q
          ORDER BY rank DESC, h.id
          LIMIT $3"
    ))
    .bind(viewer.user_id())
    .bind(words.join(" | "))
    .bind(limit as i64)
    .bind(words.join(" & "))
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    Ok(found
        .into_iter()
        .map(|(block_id, rank)| TextMatch {
            block_id,
            score: f64::from(rank),
        })
        .collect())
}

/// How many blocks matching the query's words are ranked at most, per kind of match (all
/// words, any word).
const RANKED_PER_WORD_MATCH: usize = 1000;

/// Relevance of an entity for `$1`: `0.30·log10(1+blocks) + 0.15·own + 0.10·log10(1+degree)`.
const RELEVANCE: &str = "(0.30 * log(1 + n.block_count) + 0.10 * log(1 + n.degree)
     + CASE WHEN n.user_id = $1 THEN 0.15 ELSE 0 END)::float8";

/// One page of visible entities of the requested types.
pub async fn list_entities(
    pool: &PgPool,
    viewer: &Viewer,
    request: &PageRequest,
) -> Result<EntityPage, StoreError> {
    let (after, offset) = match &request.start {
        PageStart::First => (None, 0),
        PageStart::After(cursor) => (Some(cursor), 0),
        PageStart::Offset(offset) => (None, *offset as i64),
    };
    let found = sqlx::query(&format!(
        "SELECT {NODE_COLUMNS}, r.relevance,
                (SELECT b.text FROM kg_edges e
                   JOIN kg_nodes b ON b.id = e.to_id AND (b.user_id = $1 OR b.visibility = 'SHARED')
                  WHERE e.from_id = n.id AND e.label = 'DESCRIBED_BY' AND e.superseded_at IS NULL
                  ORDER BY b.updated_at DESC LIMIT 1) AS description
           FROM kg_nodes n CROSS JOIN LATERAL (SELECT {RELEVANCE} AS relevance) r
          WHERE n.kind = 'entity' AND n.type_id = ANY($2)
            AND (n.user_id = $1 OR n.visibility = 'SHARED')
            AND ($3::float8 IS NULL OR r.relevance < $3 OR (r.relevance = $3 AND
                 (n.updated_at < $4 OR (n.updated_at = $4 AND n.id > $5))))
          ORDER BY r.relevance DESC, n.updated_at DESC, n.id
          LIMIT $6 OFFSET $7"
    ))
    .bind(viewer.user_id())
    .bind(&request.type_ids)
    .bind(after.map(|c| c.relevance))
    .bind(after.map(|c| c.updated_at))
    .bind(after.map(|c| c.id))
    .bind(request.page_size as i64 + 1)
    .bind(offset)
    .fetch_all(pool)
    .await
    .map_err(backend)?;
    let mut items = Vec::with_capacity(found.len());
    for row in &found {
        items.push(ListedEntity {
            node: rows::node(row)?,
            relevance: row.try_get("relevance").map_err(backend)?,
            description: row.try_get("description").map_err(backend)?,
        });
    }
    let more = items.len() > request.page_size;
    items.truncate(request.page_size);
    let next = more.then(|| items.last()).flatten().map(|last| Cursor {
        relevance: last.relevance,
        updated_at: last.node.updated_at.unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
        id: last.node.id,
    });
    let total: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM kg_nodes n
          WHERE n.kind = 'entity' AND n.type_id = ANY($2)
            AND (n.user_id = $1 OR n.visibility = 'SHARED')",
    )
    .bind(viewer.user_id())
    .bind(&request.type_ids)
    .fetch_one(pool)
    .await
    .map_err(backend)?;
    Ok(EntityPage {
        items,
        next,
        total: total as u64,
    })
}
