//! The pipeline with no model key: model-provider answers every alias with its built-in
//! `local` provider, so the `auto` strategy reads the transcript with the offline extractor,
//! and the graph the knowledge interface then holds is checked through its public reads.

use crate::support::{self, World};
use exobrain_knowledge_update::UpdateError;
use exobrain_knowledge_update::ports::MemoryCheckpoints;
use uuid::Uuid;

const JOURNAL: &str = "2026/12/06";
const LUNCH: &str = "I had lunch with my sister Anna at Café Central in Vienna.";

#[tokio::test]
async fn a_conversation_becomes_entities_blocks_and_relations_without_a_model() {
    let world = World::start(&[]).await;
    let user = "offline-alice";
    let summary = world
        .run(
            Uuid::new_v4(),
            user,
            JOURNAL,
            &[
                (1, "user", LUNCH),
                (2, "assistant", "That sounds lovely, Bob!"),
            ],
            &MemoryCheckpoints::default(),
        )
        .await
        .expect("update");
    assert_eq!(summary.strategy, "offline");
    assert!(summary.entities >= 3, "{summary:?}");
    assert!(summary.relations >= 1, "{summary:?}");

    let anna = world.entities_named(user, "Anna").await;
    assert_eq!(anna.len(), 1, "{anna:?}");
    assert_eq!(anna[0].entity_type_id, "node.person");
    assert!(
        world.entities_named(user, "Bob").await.is_empty(),
        "the assistant's words are not facts"
    );
    let vienna = world.entities_named(user, "Vienna").await;
    assert_eq!(vienna.len(), 1);

    let context = world.context(user, &anna[0].entity_id).await;
    let texts: Vec<&str> = context
        .blocks
        .iter()
        .filter_map(|b| b.text.as_deref())
        .collect();
    assert!(texts.iter().any(|t| t.contains("sister")), "{texts:?}");
    assert!(
        texts.iter().any(|t| t.contains(LUNCH)),
        "the fact is kept as said: {texts:?}"
    );
    let fact = context
        .blocks
        .iter()
        .find(|b| b.text.as_deref().is_some_and(|t| t.contains(LUNCH)))
        .unwrap();
    let source = fact.source.as_ref().expect("provenance");
    assert_eq!(source.journal_reference, JOURNAL);
    assert_eq!(source.message_sequences, [1]);

    let hits = world.search(user, "lunch with my sister").await;
    let hit = hits
        .iter()
        .find(|h| h.text.contains(LUNCH))
        .unwrap_or_else(|| panic!("the fact is found: {hits:?}"));
    let source = hit.source.as_ref().expect("provenance of the hit");
    assert_eq!(
        (
            source.journal_reference.as_str(),
            source.message_sequences.as_slice()
        ),
        (JOURNAL, &[1][..])
    );
}

#[tokio::test]
async fn running_the_same_job_again_changes_nothing() {
    let world = World::start(&[]).await;
    let user = "offline-bea";
    let job = Uuid::new_v4();
    let messages = [(1, "user", LUNCH)];
    let checkpoints = MemoryCheckpoints::default();
    let first = world
        .run(job, user, JOURNAL, &messages, &checkpoints)
        .await
        .expect("first");
    assert!(first.entities_upserted > 0 && first.blocks_upserted > 0);
    let again = world
        .run(job, user, JOURNAL, &messages, &checkpoints)
        .await
        .expect("again");
    assert_eq!(again.resumed_from, checkpoints.len());
    assert_eq!(
        (
            again.entities_upserted,
            again.blocks_upserted,
            again.edges_upserted
        ),
        (0, 0, 0)
    );
    let fresh = world
        .run(job, user, JOURNAL, &messages, &MemoryCheckpoints::default())
        .await
        .expect("fresh");
    assert_eq!(
        (
            fresh.entities_upserted,
            fresh.blocks_upserted,
            fresh.edges_upserted
        ),
        (0, 0, 0),
        "a redelivery without checkpoints writes nothing new either: {fresh:?}"
    );
}

#[tokio::test]
async fn a_later_update_of_the_same_journal_adds_to_the_entities_of_the_first() {
    let world = World::start(&[]).await;
    let user = "offline-carl";
    world
        .run(
            Uuid::new_v4(),
            user,
            JOURNAL,
            &[(1, "user", LUNCH)],
            &MemoryCheckpoints::default(),
        )
        .await
        .expect("first");
    let later = "In the evening Anna called me about her new job.";
    world
        .run(
            Uuid::new_v4(),
            user,
            JOURNAL,
            &[(2, "assistant", "How was your day?"), (3, "user", later)],
            &MemoryCheckpoints::default(),
        )
        .await
        .expect("second");
    let anna = world.entities_named(user, "Anna").await;
    assert_eq!(anna.len(), 1, "no twin of Anna: {anna:?}");
    let context = world.context(user, &anna[0].entity_id).await;
    let texts: Vec<&str> = context
        .blocks
        .iter()
        .filter_map(|b| b.text.as_deref())
        .collect();
    assert!(
        texts.iter().any(|t| t.contains(LUNCH)) && texts.iter().any(|t| t.contains(later)),
        "{texts:?}"
    );
    let roots = context
        .blocks
        .iter()
        .filter(|b| b.parent_block_id.as_deref().is_none_or(str::is_empty))
        .count();
    assert_eq!(roots, 1);
}

#[tokio::test]
async fn a_job_for_someone_else_is_refused_and_writes_nothing() {
    let world = World::start(&[]).await;
    let payload = support::payload("mallory", JOURNAL, &[(1, "user", LUNCH)]);
    let refused = world
        .run_payload(
            Uuid::new_v4(),
            "offline-dora",
            &payload,
            &MemoryCheckpoints::default(),
        )
        .await
        .expect_err("refused");
    assert!(
        matches!(refused, UpdateError::Refused(_)) && !refused.is_transient(),
        "{refused:?}"
    );
    assert!(
        world
            .entities_named("offline-dora", "Anna")
            .await
            .is_empty()
    );
    assert!(world.entities_named("mallory", "Anna").await.is_empty());
}
