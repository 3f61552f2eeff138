//! Lexical search and listings in Memgraph. Memgraph's text search (Tantivy) is an
//! experimental server flag, so names and texts are matched without it: entities keep their
//! folded name and aliases (`names_folded`), blocks their folded text (`text_folded`); a
//! Cypher pre-filter fetches the visible candidates sharing a probe substring with the query
//! (equality, containment, a word run, a trigram or a word start, see
//! [`super::text::probes`]), and Rust scores them like the PostgreSQL store (exact, whole
//! words both ways, trigram similarity ≥ `fuzzy_threshold`).
//!
//! Limits: the pre-filter scans the viewer's visible entities (or blocks) of the requested
//! types, with no index behind `CONTAINS`, so its cost grows with the graph; a fuzzy match
//! must share a three-letter sequence or a word's first two letters with the query; block
//! scores count query words found as whole words (`n / (n + 10)`), an approximation of
//! PostgreSQL's `ts_rank`.

use std::cmp::Ordering;

use chrono::{DateTime, Utc};
use neo4rs::{Graph, query};

use super::records::{self, column, fetch};
use super::text::{fold, probes, similarity, whole_words, word_runs, words};
use crate::access::Viewer;
use crate::graph::StoreError;
use crate::graph::reads::{
    Cursor, EntityPage, ListedEntity, NameMatch, NameQuery, PageRequest, PageStart, TextMatch,
    fuzzy_threshold,
};

const VISIBLE_N: &str = "(n.user_id = $viewer OR n.visibility = 'SHARED')";

/// Visible entities whose names match, best first.
pub async fn match_names(
    graph: &Graph,
    viewer: &Viewer,
    request: &NameQuery,
) -> Result<Vec<NameMatch>, StoreError> {
    let folded = fold(&request.text);
    if folded.is_empty() {
        return Ok(Vec::new());
    }
    let runs = word_runs(&folded);
    let found = fetch(
        graph,
        query(&format!(
            "MATCH (n:Entity)
             WHERE {VISIBLE_N} AND (size($types) = 0 OR n.type_id IN $types)
               AND any(f IN n.names_folded WHERE f = $q OR f IN $runs OR f CONTAINS $q
                       OR any(p IN $probes WHERE f CONTAINS p))
             RETURN n.id AS id, n.name AS name, n.aliases AS aliases"
        ))
        .param("viewer", viewer.user_id())
        .param("types", request.type_ids.clone())
        .param("q", folded.as_str())
        .param("runs", runs.clone())
        .param("probes", probes(&folded)),
    )
    .await?;
    let mut matches = Vec::new();
    for row in &found {
        let entity_id = records::uuid(&column::<String>(row, "id")?)?;
        let name: Option<String> = column(row, "name")?;
        let aliases: Vec<String> =
            column::<Option<Vec<String>>>(row, "aliases")?.unwrap_or_default();
        let names = name.into_iter().map(|n| (n, false));
        for (matched, is_alias) in names.chain(aliases.into_iter().map(|a| (a, true))) {
            let candidate = fold(&matched);
            let exact = candidate == folded;
            let whole = runs.contains(&candidate) || whole_words(&candidate, &folded);
            let score = similarity(&candidate, &folded);
            if exact || whole || score >= fuzzy_threshold(&folded) {
                matches.push(NameMatch {
                    entity_id,
                    matched,
                    is_alias,
                    exact,
                    whole_words: whole,
                    similarity: score,
                });
            }
        }
    }
    matches.sort_by(|a, b| {
        (b.exact, b.whole_words)
            .cmp(&(a.exact, a.whole_words))
            .then(
                b.similarity
                    .partial_cmp(&a.similarity)
                    .unwrap_or(Ordering::Equal),
            )
            .then(a.entity_id.cmp(&b.entity_id))
    });
    matches.truncate(request.limit);
    Ok(matches)
}

/// Visible blocks containing any word of `text`, best first.
pub async fn match_texts(
    graph: &Graph,
    viewer: &Viewer,
    text: &str,
    limit: usize,
) -> Result<Vec<TextMatch>, StoreError> {
    let folded = fold(text);
    let mut wanted: Vec<&str> = words(&folded);
    wanted.sort_unstable();
    wanted.dedup();
    if wanted.is_empty() {
        return Ok(Vec::new());
    }
    let found = fetch(
        graph,
        query(&format!(
            "MATCH (n:Block)
             WHERE {VISIBLE_N} AND any(w IN $words WHERE n.text_folded CONTAINS w)
             RETURN n.id AS id, n.text_folded AS text"
        ))
        .param("viewer", viewer.user_id())
        .param(
            "words",
            wanted.iter().map(|w| w.to_string()).collect::<Vec<_>>(),
        ),
    )
    .await?;
    let mut matches = Vec::new();
    for row in &found {
        let body: String = column(row, "text")?;
        let hits = words(&body).iter().filter(|w| wanted.contains(w)).count();
        if hits > 0 {
            matches.push(TextMatch {
                block_id: records::uuid(&column::<String>(row, "id")?)?,
                score: hits as f64 / (hits as f64 + 10.0),
            });
        }
    }
    matches.sort_by(|a, b| {
        b.score
            .partial_cmp(&a.score)
            .unwrap_or(Ordering::Equal)
            .then(a.block_id.cmp(&b.block_id))
    });
    matches.truncate(limit);
    Ok(matches)
}

/// Relevance of `n` for `$viewer`: `0.30·log10(1+blocks) + 0.15·own + 0.10·log10(1+degree)`,
/// from the counters every write keeps current.
const RELEVANCE: &str = "0.30 * log10(1 + coalesce(n.block_count, 0))
     + 0.10 * log10(1 + coalesce(n.degree, 0))
     + CASE WHEN n.user_id = $viewer THEN 0.15 ELSE 0.0 END";

/// One page of visible entities of the requested types.
pub async fn list_entities(
    graph: &Graph,
    viewer: &Viewer,
    request: &PageRequest,
) -> Result<EntityPage, StoreError> {
    let (after, offset) = match &request.start {
        PageStart::First => (None, 0),
        PageStart::After(cursor) => (Some(cursor), 0),
        PageStart::Offset(offset) => (None, *offset as i64),
    };
    // Keyset: strictly after the cursor in (relevance desc, updated_at desc, id asc) order.
    let found = fetch(
        graph,
        query(&format!(
            "MATCH (n:Entity) WHERE n.type_id IN $types AND {VISIBLE_N}
             WITH n, {RELEVANCE} AS relevance
             WHERE $relevance IS NULL OR relevance < $relevance OR (relevance = $relevance AND
                   (n.updated_at < $updated OR (n.updated_at = $updated AND n.id > $id)))
             WITH n, relevance ORDER BY relevance DESC, n.updated_at DESC, n.id
             SKIP $offset LIMIT $limit
             OPTIONAL MATCH (n)-[d:DESCRIBED_BY]->(b:Block)
             WHERE d.superseded_at IS NULL AND (b.user_id = $viewer OR b.visibility = 'SHARED')
             RETURN properties(n) AS n, relevance, b.text AS description,
                    b.updated_at AS described_at"
        ))
        .param("viewer", viewer.user_id())
        .param("types", request.type_ids.clone())
        .param("relevance", after.map(|c| c.relevance))
        .param("updated", after.map(|c| records::time(&c.updated_at)))
        .param("id", after.map(|c| c.id.to_string()))
        .param("offset", offset)
        .param("limit", request.page_size as i64 + 1),
    )
    .await?;
    let mut items: Vec<(ListedEntity, Option<String>)> = Vec::with_capacity(found.len());
    for row in &found {
        let item = ListedEntity {
            node: records::node(row, "n")?,
            relevance: column(row, "relevance")?,
            description: column(row, "description")?,
        };
        let described_at: Option<String> = column(row, "described_at")?;
        // Two root blocks would give two rows: keep the latest description.
        match items.iter_mut().find(|(i, _)| i.node.id == item.node.id) {
            Some((kept, at)) if *at < described_at => {
                kept.description = item.description;
                *at = described_at;
            }
            Some(_) => {}
            None => items.push((item, described_at)),
        }
    }
    let mut items: Vec<ListedEntity> = items.into_iter().map(|(item, _)| item).collect();
    // The OPTIONAL MATCH may reorder rows; restore the page order.
    items.sort_by(|a, b| {
        b.relevance
            .partial_cmp(&a.relevance)
            .unwrap_or(Ordering::Equal)
            .then(b.node.updated_at.cmp(&a.node.updated_at))
            .then(a.node.id.cmp(&b.node.id))
    });
    let more = items.len() > request.page_size;
    items.truncate(request.page_size);
    let next = more.then(|| items.last()).flatten().map(|last| Cursor {
        relevance: last.relevance,
        updated_at: last.node.updated_at.unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
        id: last.node.id,
    });
    let total = fetch(
        graph,
        query(&format!(
            "MATCH (n:Entity) WHERE n.type_id IN $types AND {VISIBLE_N} RETURN count(n) AS total"
        ))
        .param("viewer", viewer.user_id())
        .param("types", request.type_ids.clone()),
    )
    .await?;
    let total: i64 = match total.first() {
        Some(row) => column(row, "total")?,
        None => 0,
    };
    Ok(EntityPage {
        items,
        next,
        total: total.max(0) as u64,
    })
}
