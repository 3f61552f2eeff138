//! The in-memory trigram index of every entity name and alias: rows in slots, and for each
//! trigram the slots of the names that contain it. A search counts, for each name sharing a
//! trigram with the query, how many it shares, which gives pg_trgm's similarity without
//! touching names that share none. Replacing an entity's names leaves dead slots behind that
//! searches skip; the index rebuilds itself once they outnumber the live ones. Pure data
//! structure: no I/O, no locks.

use std::collections::HashMap;

use uuid::Uuid;

use crate::access::Visibility;
use crate::graph::trigrams::{Trigram, similarity_of_counts, trigrams};

/// One name or alias of an entity, as stored in `kg_entity_names`.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct NameRow {
    /// The entity.
    pub entity_id: Uuid,
    /// The name as written.
    pub name: String,
    /// The name folded (case and accents).
    pub folded: String,
    /// Whether it is an alias.
    pub is_alias: bool,
    /// The entity's owner.
    pub user_id: String,
    /// The entity's visibility.
    pub visibility: Visibility,
    /// The entity's type.
    pub type_id: String,
}

#[derive(Debug)]
struct Slot {
    row: NameRow,
    trigram_count: usize,
}

/// Every name, searchable by trigram similarity.
#[derive(Debug, Default)]
pub(crate) struct NameIndex {
    slots: Vec<Option<Slot>>,
    postings: HashMap<Trigram, Vec<u32>>,
    by_entity: HashMap<Uuid, Vec<u32>>,
    dead: usize,
}

/// Dead slots tolerated before a rebuild is considered.
const REBUILD_AFTER_DEAD: usize = 4096;

impl NameIndex {
    /// Replaces every name of `entity` with `names` (none: the entity has no names now).
    pub(crate) fn replace(&mut self, entity: Uuid, names: Vec<NameRow>) {
        if let Some(old) = self.by_entity.remove(&entity) {
            for slot in old {
                self.slots[slot as usize] = None;
                self.dead += 1;
            }
        }
        for row in names {
            self.push(row);
        }
        if self.dead > REBUILD_AFTER_DEAD && self.dead > self.len() {
            self.rebuild();
        }
    }

    /// Adds a name of an entity whose other names are added the same way.
    pub(crate) fn push(&mut self, row: NameRow) {
        let Ok(slot) = u32::try_from(self.slots.len()) else {
            tracing::error!("name index is full; rebuilding");
            self.rebuild();
            return self.push(row);
        };
        let found = trigrams(&row.folded);
        for trigram in &found {
            self.postings.entry(*trigram).or_default().push(slot);
        }
        self.by_entity.entry(row.entity_id).or_default().push(slot);
        self.slots.push(Some(Slot {
            row,
            trigram_count: found.len(),
        }));
    }

    /// Live names.
    pub(crate) fn len(&self) -> usize {
        self.slots.len() - self.dead
    }

    fn rebuild(&mut self) {
        let rows: Vec<NameRow> = std::mem::take(&mut self.slots)
            .into_iter()
            .flatten()
            .map(|slot| slot.row)
            .collect();
        *self = Self::default();
        for row in rows {
            self.push(row);
        }
    }

    /// The names whose similarity to `query` reaches `threshold` and that `keep` accepts,
    /// best first (ties by entity id), at most `limit`.
    pub(crate) fn search(
        &self,
        query: &str,
        threshold: f64,
        keep: impl Fn(&NameRow) -> bool,
        limit: usize,
    ) -> Vec<(&NameRow, f64)> {
        let wanted = trigrams(query);
        if wanted.is_empty() || limit == 0 {
            return Vec::new();
        }
        let mut shared = vec![0_u16; self.slots.len()];
        let mut touched: Vec<u32> = Vec::new();
        for trigram in &wanted {
            for &slot in self.postings.get(trigram).map_or(&[][..], Vec::as_slice) {
                let count = &mut shared[slot as usize];
                if *count == 0 {
                    touched.push(slot);
                }
                *count = count.saturating_add(1);
            }
        }
        let mut hits: Vec<(&NameRow, f64)> = touched
            .into_iter()
            .filter_map(|slot| {
                let entry = self.slots[slot as usize].as_ref()?;
                let similarity = similarity_of_counts(
                    usize::from(shared[slot as usize]),
                    wanted.len(),
                    entry.trigram_count,
                );
                (similarity >= threshold && keep(&entry.row)).then_some((&entry.row, similarity))
            })
            .collect();
        hits.sort_by(|a, b| {
            b.1.total_cmp(&a.1)
                .then_with(|| a.0.entity_id.cmp(&b.0.entity_id))
                .then_with(|| a.0.folded.cmp(&b.0.folded))
        });
        hits.truncate(limit);
        hits
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::graph::trigrams::similarity;

    fn row(entity: u128, name: &str) -> NameRow {
        NameRow {
            entity_id: Uuid::from_u128(entity),
            name: name.to_owned(),
            folded: name.to_lowercase(),
            is_alias: false,
            user_id: "ada".into(),
            visibility: Visibility::Private,
            type_id: "node.person".into(),
        }
    }

    fn names(index: &NameIndex, query: &str, threshold: f64) -> Vec<(String, f64)> {
        index
            .search(query, threshold, |_| true, 10)
            .into_iter()
            .map(|(row, sim)| (row.folded.clone(), sim))
            .collect()
    }

    #[test]
    fn a_search_finds_what_a_scan_of_every_name_finds() {
        let mut index = NameIndex::default();
        let all = [
            "jonas jorenmann",
            "jonas berg",
            "helga kelelini",
            "garenwick street",
            "zofia p. schmid",
            "jorenmouth",
        ];
        for (n, name) in all.iter().enumerate() {
            index.push(row(n as u128, name));
        }
        for query in [
            "jonas jorenman",
            "jorenm",
            "helga kelelni",
            "zofia schmid",
            "xyz",
        ] {
            let mut scanned: Vec<(String, f64)> = all
                .iter()
                .map(|name| (name.to_string(), similarity(name, query)))
                .filter(|(_, sim)| *sim >= 0.3)
                .collect();
            scanned.sort_by(|a, b| b.1.total_cmp(&a.1));
            let found = names(&index, query, 0.3);
            assert_eq!(found, scanned, "{query}");
        }
    }

    #[test]
    fn replaced_names_are_forgotten_and_rebuilds_keep_the_rest() {
        let mut index = NameIndex::default();
        index.push(row(1, "ada lovelace"));
        index.push(row(2, "alan turing"));
        index.replace(Uuid::from_u128(1), vec![row(1, "countess of lovelace")]);
        assert!(names(&index, "ada lovelace", 0.5).is_empty());
        assert_eq!(names(&index, "countess lovelace", 0.5).len(), 1);
        for round in 0..(2 * REBUILD_AFTER_DEAD) {
            index.replace(Uuid::from_u128(2), vec![row(2, &format!("alan {round}"))]);
        }
        assert_eq!(index.len(), 2);
        assert!(index.dead <= REBUILD_AFTER_DEAD.max(index.len()));
        assert_eq!(names(&index, "countess of lovelace", 0.9).len(), 1);
    }
}
