//! Journal writes: race-free order, idempotent appends, replies that keep their place, and
//! the knowledge bookkeeping.

use std::collections::BTreeSet;

use assistant_backend::journals::{JournalError, MessageStatus, Role};
use uuid::Uuid;

use crate::support::Fixture;

const DAY: &str = "2025/03/14";

#[tokio::test]
async fn concurrent_appends_take_sequences_one_to_fifty_without_gaps() {
    let fixture = Fixture::new().await;
    let user = fixture.user().await;
    let mut tasks = tokio::task::JoinSet::new();
    for n in 0..50 {
        let journals = fixture.journals.clone();
        tasks.spawn(async move {
            journals
                .append_message(user, DAY, Role::User, &format!("note {n}"), Uuid::new_v4())
                .await
                .expect("append")
                .message
                .sequence
        });
    }
    let sequences: Vec<i32> = tasks.join_all().await;

    let distinct: BTreeSet<i32> = sequences.iter().copied().collect();
    assert_eq!(sequences.len(), 50);
    assert_eq!(distinct, (1..=50).collect::<BTreeSet<i32>>());
    let entry = fixture
        .journals
        .get(user, DAY)
        .await
        .unwrap()
        .expect("journal");
    assert_eq!(entry.message_count, 50);
}

#[tokio::test]
async fn a_reply_reserved_before_a_later_user_message_sorts_before_it() {
    let fixture = Fixture::new().await;
    let user = fixture.user().await;
    let journals = &fixture.journals;
    journals
        .append_message(user, DAY, Role::User, "question", Uuid::new_v4())
        .await
        .unwrap();
    let reply = journals.reserve_reply(user, DAY).await.unwrap();
    assert_eq!(
        (reply.sequence, reply.status, reply.content.as_deref()),
        (2, MessageStatus::Streaming, None)
    );

    let meanwhile = journals
        .append_message(user, DAY, Role::User, "and also", Uuid::new_v4())
        .await
        .unwrap();
    let done = journals
        .complete_reply(user, reply.id, "answer")
        .await
        .unwrap();

    assert_eq!(meanwhile.message.sequence, 3);
    assert_eq!(
        (done.sequence, done.status, done.content.as_deref()),
        (2, MessageStatus::Complete, Some("answer"))
    );
    let page = journals.messages(user, DAY, 10, None).await.unwrap();
    let order: Vec<_> = page
        .iter()
        .map(|m| m.content.as_deref().unwrap_or(""))
        .collect();
    assert_eq!(order, ["and also", "answer", "question"]);
}

#[tokio::test]
async fn a_failed_reply_keeps_its_partial_text_and_error_and_cannot_finish_twice() {
    let fixture = Fixture::new().await;
    let user = fixture.user().await;
    let reply = fixture.journals.reserve_reply(user, DAY).await.unwrap();

    let failed = fixture
        .journals
        .fail_reply(user, reply.id, Some("half an ans"), "model timed out")
        .await
        .unwrap();

    assert_eq!(failed.status, MessageStatus::Failed);
    assert_eq!(failed.content.as_deref(), Some("half an ans"));
    assert_eq!(
        failed.metadata,
        Some(serde_json::json!({ "error": "model timed out" }))
    );
    let again = fixture
        .journals
        .complete_reply(user, reply.id, "late")
        .await;
    assert!(
        matches!(again, Err(JournalError::ReplyNotStreaming { .. })),
        "{again:?}"
    );
}

#[tokio::test]
async fn a_repeated_client_message_id_returns_the_original_message() {
    let fixture = Fixture::new().await;
    let user = fixture.user().await;
    let client_id = Uuid::new_v4();

    let first = fixture
        .journals
        .append_message(user, DAY, Role::User, "hello", client_id)
        .await
        .unwrap();
    let second = fixture
        .journals
        .append_message(user, DAY, Role::User, "hello (retry)", client_id)
        .await
        .unwrap();

    assert!(!first.duplicate && second.duplicate);
    assert_eq!(second.message, first.message);
    let next = fixture
        .journals
        .append_message(user, DAY, Role::User, "next", Uuid::new_v4())
        .await
        .unwrap();
    assert_eq!(next.message.sequence, 2, "a duplicate takes no sequence");
    assert_eq!(
        fixture
            .journals
            .get(user, DAY)
            .await
            .unwrap()
            .unwrap()
            .message_count,
        2
    );
}

#[tokio::test]
async fn concurrent_retries_of_one_client_message_id_store_one_message() {
    let fixture = Fixture::new().await;
    let user = fixture.user().await;
    let client_id = Uuid::new_v4();
    let mut tasks = tokio::task::JoinSet::new();
    for _ in 0..10 {
        let journals = fixture.journals.clone();
        tasks.spawn(async move {
            journals
                .append_message(user, DAY, Role::User, "retried", client_id)
                .await
                .expect("append")
        });
    }
    let results = tasks.join_all().await;

    let ids: BTreeSet<_> = results.iter().map(|r| r.message.id.0).collect();
    assert_eq!(ids.len(), 1, "{results:?}");
    assert_eq!(results.iter().filter(|r| !r.duplicate).count(), 1);
    assert_eq!(results[0].message.sequence, 1);
    let entry = fixture
        .journals
        .get(user, DAY)
        .await
        .unwrap()
        .expect("journal");
    assert_eq!(entry.message_count, 1);
}
