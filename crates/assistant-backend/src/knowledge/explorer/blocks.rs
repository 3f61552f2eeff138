//! The reading order of a page's blocks.
//!
//! knowledge-interface returns a page's blocks ordered by (tree level, block id), and block
//! ids are random UUIDs, so that order is neither the authoring order nor a tree walk. Here a
//! page reads depth-first from its root blocks, siblings in the order they were written
//! (created_at, then id for ties and blocks without a timestamp, which go last). A block whose
//! parent is not in the reply (cut off by the depth or size limit, or not visible) is not
//! dropped: it follows the tree, with its own subtree, in the same sibling order.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use exobrain_proto::knowledge as pb;

/// `blocks` in reading order, each exactly once.
pub fn reading_order(blocks: &[pb::EntityContextBlock]) -> Vec<&pb::EntityContextBlock> {
    let ids: HashSet<&str> = blocks.iter().map(|b| b.id.as_str()).collect();
    let mut children: HashMap<&str, Vec<&pb::EntityContextBlock>> = HashMap::new();
    let mut roots = Vec::new();
    let mut orphans = Vec::new();
    for block in blocks {
        match block.parent_block_id.as_deref() {
            None => roots.push(block),
            Some(parent) if ids.contains(parent) => children.entry(parent).or_default().push(block),
            Some(_) => orphans.push(block),
        }
    }
    for list in children.values_mut() {
        list.sort_by_key(|b| written(b));
    }
    roots.sort_by_key(|b| written(b));
    orphans.sort_by_key(|b| written(b));
    let mut ordered = Vec::with_capacity(blocks.len());
    let mut visited = HashSet::new();
    for start in roots.into_iter().chain(orphans) {
        walk(start, &children, &mut visited, &mut ordered);
    }
    // Blocks only reachable through a parent cycle: keep them too, in sibling order.
    let mut rest: Vec<&pb::EntityContextBlock> = blocks
        .iter()
        .filter(|b| !visited.contains(b.id.as_str()))
        .collect();
    rest.sort_by_key(|b| written(b));
    ordered.extend(rest);
    ordered
}

fn walk<'a>(
    block: &'a pb::EntityContextBlock,
    children: &HashMap<&str, Vec<&'a pb::EntityContextBlock>>,
    visited: &mut HashSet<&'a str>,
    ordered: &mut Vec<&'a pb::EntityContextBlock>,
) {
    if !visited.insert(block.id.as_str()) {
        return;
    }
    ordered.push(block);
    for child in children.get(block.id.as_str()).into_iter().flatten() {
        walk(child, children, visited, ordered);
    }
}

/// Sibling sort key: written first comes first; no timestamp sorts last; ties by id.
fn written(block: &pb::EntityContextBlock) -> (bool, Option<DateTime<Utc>>, String) {
    let at = block
        .created_at
        .as_deref()
        .and_then(|text| DateTime::parse_from_rfc3339(text).ok())
        .map(|at| at.with_timezone(&Utc));
    (at.is_none(), at, block.id.clone())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn block(id: &str, parent: Option<&str>, minute: Option<u32>) -> pb::EntityContextBlock {
        pb::EntityContextBlock {
            id: id.into(),
            parent_block_id: parent.map(Into::into),
            created_at: minute.map(|m| format!("2026-12-06T10:{m:02}:00Z")),
            ..Default::default()
        }
    }

    fn ids(blocks: &[pb::EntityContextBlock]) -> Vec<&str> {
        reading_order(blocks)
            .iter()
            .map(|b| b.id.as_str())
            .collect()
    }

    #[test]
    fn blocks_read_depth_first_in_the_order_they_were_written() {
        let blocks = [
            block("a-late-child", Some("root"), Some(5)),
            block("z-early-child", Some("root"), Some(1)),
            block("grandchild", Some("z-early-child"), Some(9)),
            block("root", None, Some(0)),
        ];
        assert_eq!(
            ids(&blocks),
            ["root", "z-early-child", "grandchild", "a-late-child"]
        );
    }

    #[test]
    fn orphans_follow_the_tree_and_untimed_blocks_go_last() {
        let blocks = [
            block("orphan", Some("missing"), Some(0)),
            block("untimed", None, None),
            block("root", None, Some(3)),
            block("orphan-child", Some("orphan"), Some(1)),
        ];
        assert_eq!(ids(&blocks), ["root", "untimed", "orphan", "orphan-child"]);
    }

    #[test]
    fn a_parent_cycle_loses_no_block() {
        let blocks = [
            block("a", Some("b"), Some(1)),
            block("b", Some("a"), Some(2)),
        ];
        assert_eq!(ids(&blocks), ["a", "b"]);
    }
}
