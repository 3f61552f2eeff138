//! `FindEntityCandidates`: which stored entities a mention may refer to. Lexical evidence
//! (each name against entity names and aliases: exact 1.0 / 0.95 for an alias, whole words
//! either way 0.85 / 0.75, otherwise trigram similarity × 0.7 / 0.65; averaged over the
//! names) and semantic evidence (the description against block vectors, cosine ×
//! 1/(1+block level), best block per entity) are combined as 0.55 × lexical + 0.45 ×
//! semantic. Type filters include subtypes and apply to both kinds of evidence. Trigram
//! matches are looked for only when exact and whole-word ones do not fill the page: they rank
//! below them, and at 100,000 names the trigram search of a long name cost up to 50 ms.

use std::collections::{HashMap, HashSet};

use uuid::Uuid;

use super::Knowledge;
use crate::access::Viewer;
use crate::graph::GraphStore;
use crate::graph::model::{Node, NodeKind};
use crate::graph::reads::{NameMatch, NameQuery};
use crate::grpc::error::KnowledgeError;
use crate::vectors::{BLOCKS, VectorStore};

/// Weight of name evidence.
const NAME_WEIGHT: f64 = 0.55;
/// Weight of description evidence.
const SEMANTIC_WEIGHT: f64 = 0.45;
/// How many more hits than asked for each source fetches before combining.
const OVERFETCH: usize = 8;

/// What the caller asks.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateQuery {
    /// Names (trimmed, non-blank).
    pub names: Vec<String>,
    /// Type ids to keep (subtypes included); empty = any.
    pub type_ids: Vec<String>,
    /// A short description, if any.
    pub description: Option<String>,
    /// How many candidates.
    pub limit: usize,
}

/// One candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    /// The entity.
    pub entity_id: Uuid,
    /// Its name.
    pub name: String,
    /// Its type.
    pub type_id: String,
    /// The best matching block's text, or its root block's text.
    pub described_by_text: String,
    /// Combined score.
    pub score: f64,
    /// The entity name that matched a queried name, if one did.
    pub matched_name: String,
    /// The alias that matched a queried name, if one did.
    pub matched_alias: String,
}

/// A block near the description, credited to the entity heading its tree.
struct SemanticHit {
    root_id: Uuid,
    /// Cosine similarity divided by 1 + the block's level.
    weighted: f64,
    level: u32,
    text: String,
}

#[derive(Default)]
struct Evidence {
    per_name: Vec<f64>,
    matched_name: Option<(f64, String)>,
    matched_alias: Option<(f64, String)>,
    semantic: f64,
    block_text: Option<(u32, String)>,
}

/// Rows and root-block texts read while gathering evidence, so composing the answer does not
/// read them again.
#[derive(Default)]
struct Known {
    rows: HashMap<Uuid, Node>,
    texts: HashMap<Uuid, String>,
    /// Entities whose root-block text was looked up (found or not).
    texts_read: HashSet<Uuid>,
}

impl Known {
    fn add_rows(&mut self, rows: Vec<Node>) {
        self.rows.extend(rows.into_iter().map(|row| (row.id, row)));
    }
}

fn name_score(found: &NameMatch) -> f64 {
    match (found.exact, found.whole_words, found.is_alias) {
        (true, _, false) => 1.0,
        (true, _, true) => 0.95,
        (false, true, false) => 0.85,
        (false, true, true) => 0.75,
        (false, false, false) => 0.7 * found.similarity,
        (false, false, true) => 0.65 * found.similarity,
    }
}

impl<G: GraphStore, V: VectorStore> Knowledge<G, V> {
    /// Ranks the entities `viewer` may see against `query`.
    pub async fn find_candidates(
        &self,
        viewer: &Viewer,
        query: CandidateQuery,
    ) -> Result<Vec<Candidate>, KnowledgeError> {
        if query.limit == 0 {
            return Ok(Vec::new());
        }
        let schema = self.schema().await?;
        let mut type_ids: Vec<String> = query
            .type_ids
            .iter()
            .flat_map(|t| schema.descendants(t))
            .collect();
        type_ids.sort_unstable();
        type_ids.dedup();
        if !query.type_ids.is_empty() && type_ids.is_empty() {
            return Ok(Vec::new());
        }
        let fetch = query.limit * OVERFETCH;
        // Names and meaning are looked up at the same time.
        let (named, (described, described_rows)) = tokio::join!(
            self.name_evidence(viewer, &query, &type_ids, fetch),
            self.semantic_evidence(viewer, query.description.as_deref(), fetch)
        );
        let (named, mut known) = named?;
        known.add_rows(described_rows);
        let mut evidence: HashMap<Uuid, Evidence> = HashMap::new();
        for (index, matches) in named.into_iter().enumerate() {
            for found in matches {
                let score = name_score(&found);
                let entry = evidence.entry(found.entity_id).or_default();
                entry.per_name.resize(query.names.len(), 0.0);
                if score > entry.per_name[index] {
                    entry.per_name[index] = score;
                }
                let slot = if found.is_alias {
                    &mut entry.matched_alias
                } else {
                    &mut entry.matched_name
                };
                if slot.as_ref().is_none_or(|(best, _)| score > *best) {
                    *slot = Some((score, found.matched.clone()));
                }
            }
        }
        for hit in described {
            let entry = evidence.entry(hit.root_id).or_default();
            entry.semantic = entry.semantic.max(hit.weighted);
            if entry
                .block_text
                .as_ref()
                .is_none_or(|(level, _)| hit.level < *level)
            {
                entry.block_text = Some((hit.level, hit.text));
            }
        }
        self.compose(viewer, &query, &type_ids, evidence, known)
            .await
    }

    /// The matches of each queried name, with the matched entities' rows and root-block
    /// texts (read here, while the vectors are still being scanned, rather than after).
    async fn name_evidence(
        &self,
        viewer: &Viewer,
        query: &CandidateQuery,
        type_ids: &[String],
        fetch: usize,
    ) -> Result<(Vec<Vec<NameMatch>>, Known), KnowledgeError> {
        let mut all = Vec::with_capacity(query.names.len());
        for name in &query.names {
            let lookup = NameQuery {
                text: name.clone(),
                type_ids: type_ids.to_vec(),
                limit: fetch,
                fuzzy_below: query.limit,
            };
            all.push(self.graph.match_names(viewer, &lookup).await?);
        }
        let mut ids: Vec<Uuid> = all.iter().flatten().map(|m| m.entity_id).collect();
        ids.sort_unstable();
        ids.dedup();
        let mut known = Known::default();
        if !ids.is_empty() {
            let (rows, texts) = tokio::try_join!(
                self.graph.nodes(viewer, &ids),
                self.graph.root_texts(viewer, &ids)
            )?;
            known.add_rows(rows);
            known.texts.extend(texts);
            known.texts_read.extend(ids);
        }
        Ok((all, known))
    }

    /// Block-vector evidence for `description`, with the rows read on the way (the blocks
    /// and the entities heading their trees); a failing embedder or vector store degrades
    /// the search to names only.
    async fn semantic_evidence(
        &self,
        viewer: &Viewer,
        description: Option<&str>,
        fetch: usize,
    ) -> (Vec<SemanticHit>, Vec<Node>) {
        let Some(description) = description else {
            return (Vec::new(), Vec::new());
        };
        // The vector index catches up while the description is embedded.
        let vector = async {
            self.embed_one(description)
                .await
                .inspect_err(|error| {
                    tracing::warn!(%error, "description not embedded; ranking by names only")
                })
                .ok()
        };
        let hits = self
            .vectors
            .nearest_to_pending(BLOCKS, vector, Some(viewer), fetch)
            .await;
        let hits = match hits {
            Ok(hits) => hits,
            Err(error) => {
                tracing::warn!(%error, "vector search failed; ranking by names only");
                return (Vec::new(), Vec::new());
            }
        };
        // The block rows are read for the viewer, which also checks the points' visibility.
        let ids: Vec<Uuid> = hits.iter().map(|(id, _)| *id).collect();
        let (roots, rows) = match self.graph.blocks_and_roots(viewer, &ids).await {
            Ok(found) => found,
            Err(error) => {
                tracing::warn!(%error, "block lookup failed; ranking by names only");
                return (Vec::new(), Vec::new());
            }
        };
        let texts: HashMap<Uuid, &str> = rows
            .iter()
            .filter(|row| row.kind == NodeKind::Block)
            .filter_map(|block| Some((block.id, block.text.as_deref()?)))
            .collect();
        let found = hits
            .into_iter()
            .filter_map(|(id, score)| {
                let root = roots.iter().find(|r| r.block_id == id)?;
                let text = (*texts.get(&id)?).to_owned();
                Some(SemanticHit {
                    root_id: root.root_id,
                    weighted: f64::from(score).max(0.0) / f64::from(1 + root.level),
                    level: root.level,
                    text,
                })
            })
            .collect();
        (found, rows)
    }

    async fn compose(
        &self,
        viewer: &Viewer,
        query: &CandidateQuery,
        type_ids: &[String],
        evidence: HashMap<Uuid, Evidence>,
        mut known: Known,
    ) -> Result<Vec<Candidate>, KnowledgeError> {
        let missing: Vec<Uuid> = evidence
            .keys()
            .filter(|id| !known.rows.contains_key(id))
            .copied()
            .collect();
        if !missing.is_empty() {
            known.add_rows(self.graph.nodes(viewer, &missing).await?);
        }
        let names = query.names.len().max(1) as f64;
        let mut candidates: Vec<Candidate> = evidence
            .keys()
            .filter_map(|id| known.rows.get(id))
            .filter(|e| e.kind == NodeKind::Entity)
            .filter(|e| type_ids.is_empty() || type_ids.contains(&e.type_id))
            .filter_map(|entity| {
                let found = evidence.get(&entity.id)?;
                let lexical = found.per_name.iter().sum::<f64>() / names;
                let score = NAME_WEIGHT * lexical + SEMANTIC_WEIGHT * found.semantic;
                Some(Candidate {
                    entity_id: entity.id,
                    name: entity.name.clone().unwrap_or_default(),
                    type_id: entity.type_id.clone(),
                    described_by_text: found
                        .block_text
                        .as_ref()
                        .map(|(_, text)| text.clone())
                        .unwrap_or_default(),
                    score,
                    matched_name: found.matched_name.clone().map(|m| m.1).unwrap_or_default(),
                    matched_alias: found.matched_alias.clone().map(|m| m.1).unwrap_or_default(),
                })
            })
            .collect();
        candidates.sort_by(|a, b| {
            b.score
                .total_cmp(&a.score)
                .then_with(|| a.entity_id.cmp(&b.entity_id))
        });
        candidates.truncate(query.limit);
        // Root-block texts for the candidates kept that no matching block described (read
        // already for the entities matched by name).
        let unread: Vec<Uuid> = candidates
            .iter()
            .filter(|c| c.described_by_text.is_empty() && !known.texts_read.contains(&c.entity_id))
            .map(|c| c.entity_id)
            .collect();
        if !unread.is_empty() {
            known
                .texts
                .extend(self.graph.root_texts(viewer, &unread).await?);
        }
        for candidate in &mut candidates {
            if candidate.described_by_text.is_empty()
                && let Some(text) = known.texts.get(&candidate.entity_id)
            {
                candidate.described_by_text = text.clone();
            }
        }
        Ok(candidates)
    }
}
