//! Provenance in the graph contract: a record's `source` is its own filled from the delta's,
//! `SearchBlocks` hits and `GetEntityContext` blocks return their block's, a message sequence
//! below one is refused naming its field, a redelivered delta reports zeros, and a later
//! delta restating the same facts from new messages replaces the provenance without counting
//! a change.

use crate::support::knowledge::{Backend, Client, block, edge, entity, spawn_on};
use exobrain_proto::knowledge as pb;
use tonic::Code;
use uuid::Uuid;

/// The delta-level source of the tests' first job.
fn journal_source() -> pb::Provenance {
    pb::Provenance {
        job_id: "job-7".into(),
        journal_reference: "2024-05-01".into(),
        extractor: "knowledge.update".into(),
        message_sequences: vec![1, 2, 3],
        ..Default::default()
    }
}

/// Only message sequences.
fn sequences(sequences: &[i64]) -> pb::Provenance {
    pb::Provenance {
        message_sequences: sequences.to_vec(),
        ..Default::default()
    }
}

fn sourced(mut node: pb::BlockNode, source: pb::Provenance) -> pb::BlockNode {
    node.source = Some(source);
    node
}

/// Ada's entity Zoe with a root block and a detail block, written by job-7: the root block
/// names its own messages (out of order, one twice), the detail block names none.
struct Zoe {
    id: Uuid,
    root: Uuid,
    detail: Uuid,
    delta: pb::UpsertGraphDeltaRequest,
}

fn zoe() -> Zoe {
    let (id, root, detail) = (Uuid::new_v4(), Uuid::new_v4(), Uuid::new_v4());
    let delta = pb::UpsertGraphDeltaRequest {
        entities: vec![entity(id, "node.person", "Zoe")],
        blocks: vec![
            sourced(
                block(root, "Zoe sells saffron at the Zanzibar spice market."),
                sequences(&[5, 4, 5]),
            ),
            block(detail, "Zoe learned the trade from her grandmother."),
        ],
        edges: vec![
            edge(id, "DESCRIBED_BY", root),
            edge(root, "SUMMARIZES", detail),
        ],
        source: Some(journal_source()),
        ..Default::default()
    };
    Zoe {
        id,
        root,
        detail,
        delta,
    }
}

/// The provenance of each of `entity`'s blocks, by block id.
async fn block_sources(client: &mut Client, entity: Uuid) -> Vec<(String, pb::Provenance)> {
    let context = client.context(entity, 5, false).await.expect("context");
    context
        .blocks
        .into_iter()
        .map(|b| (b.id, b.source.expect("every block carries a source")))
        .collect()
}

fn source_of(sources: &[(String, pb::Provenance)], block: Uuid) -> &pb::Provenance {
    &sources
        .iter()
        .find(|(id, _)| *id == block.to_string())
        .expect("block in the context")
        .1
}

async fn search(client: &mut Client, query: &str, entity: Uuid) -> Vec<pb::BlockHit> {
    let request = client.request(pb::SearchBlocksRequest {
        query: query.into(),
        entity_id: Some(entity.to_string()),
        limit: Some(10),
        ..Default::default()
    });
    client
        .inner
        .search_blocks(request)
        .await
        .expect("search")
        .into_inner()
        .hits
}

pub async fn search_hits_and_context_blocks_say_which_journal_job_and_messages_they_came_from(
    backend: Backend,
) {
    let service = spawn_on(&backend).await;
    let mut ada = service.client("ada").await;
    let zoe = zoe();
    ada.upsert(zoe.delta).await.expect("written");

    let sources = block_sources(&mut ada, zoe.id).await;
    let root = source_of(&sources, zoe.root);
    assert_eq!(root.journal_reference, "2024-05-01");
    assert_eq!(root.job_id, "job-7");
    assert_eq!(root.extractor, "knowledge.update");
    assert_eq!(
        root.message_sequences,
        [4, 5],
        "the block's own, sorted, once each"
    );
    let detail = source_of(&sources, zoe.detail);
    assert_eq!(
        detail,
        &journal_source(),
        "a block naming nothing takes the delta's"
    );

    service.vectors_settled().await;
    let hits = search(&mut ada, "saffron Zanzibar spice market", zoe.id).await;
    let hit = hits
        .iter()
        .find(|h| h.block_id == zoe.root.to_string())
        .expect("the root block is found");
    let source = hit.source.as_ref().expect("the hit carries a source");
    assert_eq!(
        (
            source.job_id.as_str(),
            source.journal_reference.as_str(),
            source.message_sequences.as_slice()
        ),
        ("job-7", "2024-05-01", [4, 5].as_slice())
    );
}

pub async fn a_records_own_source_overrides_the_deltas_part_by_part(backend: Backend) {
    let service = spawn_on(&backend).await;
    let mut ada = service.client("ada").await;
    let zoe = zoe();
    let mut delta = zoe.delta;
    delta.blocks[1].source = Some(pb::Provenance {
        journal_reference: "2024-05-02".into(),
        message_ids: vec![" m9 ".into()],
        ..Default::default()
    });
    let yan = Uuid::new_v4();
    delta.entities.push(entity(yan, "node.person", "Yan"));
    let mut knows = edge(zoe.id, "KNOWS", yan);
    knows.source = Some(pb::Provenance {
        job_id: "job-edge".into(),
        ..Default::default()
    });
    delta.edges.push(knows);
    ada.upsert(delta).await.expect("written");

    let sources = block_sources(&mut ada, zoe.id).await;
    assert_eq!(
        source_of(&sources, zoe.detail),
        &pb::Provenance {
            job_id: "job-7".into(),
            journal_reference: "2024-05-02".into(),
            message_ids: vec!["m9".into()],
            extractor: "knowledge.update".into(),
            message_sequences: vec![1, 2, 3],
        },
        "its own journal and message ids; the rest from the delta"
    );
    let context = ada.context(zoe.id, 0, false).await.expect("context");
    let knows = context
        .neighbors
        .iter()
        .find(|n| n.edge_type == "KNOWS")
        .expect("the edge");
    assert_eq!(knows.properties["source_job_id"], "job-edge");
}

pub async fn a_message_sequence_below_one_is_refused_naming_its_field(backend: Backend) {
    let service = spawn_on(&backend).await;
    let mut ada = service.client("ada").await;
    let zoe = zoe();
    let mut delta = zoe.delta.clone();
    delta.blocks[1].source = Some(sequences(&[3, 0]));
    delta.source = Some(sequences(&[-1]));
    let status = ada.upsert(delta).await.expect_err("refused");
    assert_eq!(status.code(), Code::InvalidArgument);
    for field in [
        "blocks[1].source.message_sequences[1]: 0",
        "source.message_sequences[0]: -1",
    ] {
        assert!(status.message().contains(field), "{}", status.message());
    }

    let mut delta = zoe.delta;
    let too_many: Vec<i64> = (1..=1001).collect();
    delta.blocks[0].source = Some(sequences(&too_many));
    let status = ada.upsert(delta).await.expect_err("refused");
    assert_eq!(status.code(), Code::InvalidArgument);
    assert!(
        status
            .message()
            .contains("blocks[0].source.message_sequences: 1001 sequences given; at most 1000"),
        "{}",
        status.message()
    );
    let missing = ada
        .context(zoe.id, 0, false)
        .await
        .expect_err("nothing written");
    assert_eq!(missing.code(), Code::NotFound);
}

pub async fn a_redelivered_delta_with_provenance_reports_zeros(backend: Backend) {
    let service = spawn_on(&backend).await;
    let mut ada = service.client("ada").await;
    let zoe = zoe();
    let first = ada.upsert(zoe.delta.clone()).await.expect("first");
    assert_eq!((first.entities_upserted, first.blocks_upserted), (1, 2));
    let before = block_sources(&mut ada, zoe.id).await;
    let again = ada.upsert(zoe.delta).await.expect("again");
    assert_eq!(again, pb::UpsertGraphDeltaReply::default());
    assert_eq!(block_sources(&mut ada, zoe.id).await, before);
}

pub async fn the_same_facts_from_a_later_job_replace_the_provenance_without_counting_a_change(
    backend: Backend,
) {
    let service = spawn_on(&backend).await;
    let mut ada = service.client("ada").await;
    let zoe = zoe();
    let yan = Uuid::new_v4();
    let mut delta = zoe.delta;
    delta.entities.push(entity(yan, "node.person", "Yan"));
    delta.edges.push(edge(zoe.id, "KNOWS", yan));
    ada.upsert(delta.clone()).await.expect("first");
    let written = ada.context(zoe.id, 5, false).await.expect("context");

    let later = pb::Provenance {
        job_id: "job-8".into(),
        journal_reference: "2024-05-09".into(),
        extractor: "knowledge.update".into(),
        message_sequences: vec![11, 10],
        ..Default::default()
    };
    delta.source = Some(later.clone());
    delta.blocks[0].source = None;
    let reply = ada.upsert(delta.clone()).await.expect("later");
    assert_eq!(
        reply,
        pb::UpsertGraphDeltaReply::default(),
        "the facts did not change"
    );
    let context = ada.context(zoe.id, 5, false).await.expect("context");
    for block in &context.blocks {
        let source = block.source.as_ref().expect("source");
        assert_eq!(
            (source.job_id.as_str(), source.journal_reference.as_str()),
            ("job-8", "2024-05-09")
        );
        assert_eq!(source.message_sequences, [10, 11]);
        let old = written.blocks.iter().find(|b| b.id == block.id).unwrap();
        assert_eq!(block.updated_at, old.updated_at, "the facts' time stays");
    }
    let knows = context
        .neighbors
        .iter()
        .find(|n| n.edge_type == "KNOWS")
        .expect("the edge");
    assert_eq!(knows.properties["source_job_id"], "job-8");
    let history = ada.context(zoe.id, 0, true).await.expect("history");
    assert_eq!(history.neighbors.len(), 1, "no new version of the claim");

    delta.source = None;
    let silent = ada.upsert(delta).await.expect("no provenance");
    assert_eq!(silent, pb::UpsertGraphDeltaReply::default());
    let sources = block_sources(&mut ada, zoe.id).await;
    assert_eq!(
        source_of(&sources, zoe.root).job_id,
        "job-8",
        "a delta stating no provenance leaves the stored one"
    );
}
