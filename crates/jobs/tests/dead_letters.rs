//! Dead letters against a real database: listed per owner newest first across pages, replayed
//! once as a fresh job with the same type, owner and payload, and refused when already
//! replayed or when the job behind them is gone.

mod support;

use exobrain_jobs::domain::{DeadLetterId, JobId, JobState};
use exobrain_jobs::store::{DeadLetter, JobStore, PageRequest, RequestError};
use serde_json::json;
use support::{PREFIX, enqueue, fail_for_good, job, job_type, outbox, setup, user};

/// A `diagnostics.fail` job of `owner` that failed for good, and its dead letter.
async fn dead_job(store: &JobStore, owner: &str) -> (JobId, DeadLetter) {
    let failing = job("diagnostics.fail", owner, json!({ "fail_attempts": 9 }));
    let job_id = enqueue(store, failing).await;
    fail_for_good(store, job_id).await;
    let letters = store
        .list_dead_letters(&user(owner), None, PageRequest::new(500, None))
        .await
        .expect("list");
    let letter = letters
        .items
        .into_iter()
        .find(|letter| letter.job_id == Some(job_id))
        .expect("the job's dead letter");
    (job_id, letter)
}

#[tokio::test]
async fn dead_letters_are_listed_per_owner_newest_first_across_pages() {
    let (_db, store) = setup().await;
    let mut created = Vec::new();
    for _ in 0..3 {
        created.push(dead_job(&store, "alice").await.1.id);
    }
    dead_job(&store, "bob").await;

    let first = store
        .list_dead_letters(&user("alice"), None, PageRequest::new(2, None))
        .await
        .expect("first page");
    let second = store
        .list_dead_letters(&user("alice"), None, PageRequest::new(2, first.next))
        .await
        .expect("second page");
    assert_eq!(second.next, None);
    let listed: Vec<DeadLetterId> = first
        .items
        .iter()
        .chain(&second.items)
        .map(|letter| letter.id)
        .collect();
    created.reverse();
    assert_eq!(listed, created, "alice's three, newest first");
    assert!(first.items.iter().all(|letter| letter.owner == "alice"
        && letter.reason == "not-retryable"
        && letter.job_type == "diagnostics.fail"));

    let other_type = store
        .list_dead_letters(
            &user("alice"),
            Some(&job_type("diagnostics.echo")),
            PageRequest::new(10, None),
        )
        .await
        .expect("filtered");
    assert!(other_type.items.is_empty());
}

#[tokio::test]
async fn a_replay_is_a_fresh_job_and_happens_once() {
    let (db, store) = setup().await;
    let (old_job, letter) = dead_job(&store, "alice").await;

    let new_job = store
        .replay_dead_letter(letter.id, &user("alice"), 5)
        .await
        .expect("replay");
    assert_ne!(new_job, old_job);
    let snapshot = store.snapshot(new_job, &user("alice")).await.expect("read");
    assert_eq!(
        (snapshot.state, snapshot.attempt, snapshot.seq),
        (JobState::Pending, 0, 1)
    );
    assert_eq!(snapshot.job_type, "diagnostics.fail");
    let (payload, max_attempts): (serde_json::Value, i32) =
        sqlx::query_as("SELECT payload, max_attempts FROM orchestrator_jobs WHERE job_id = $1")
            .bind(new_job.as_uuid())
            .fetch_one(&db.pool)
            .await
            .expect("row");
    assert_eq!(payload, json!({ "fail_attempts": 9 }));
    assert_eq!(max_attempts, 5);
    assert!(outbox(&db).await.contains(&(
        format!("{PREFIX}.jobs.diagnostics.fail.requested"),
        new_job.to_string()
    )));

    let replayed = store
        .find_dead_letter(letter.id, &user("alice"))
        .await
        .expect("read");
    assert!(replayed.replayed_at.is_some());
    assert_eq!(replayed.replayed_job_id, Some(new_job));

    let error = store
        .replay_dead_letter(letter.id, &user("alice"), 5)
        .await
        .expect_err("twice");
    assert!(
        matches!(error, RequestError::AlreadyReplayed { .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains(&new_job.to_string()), "{error}");
}

#[tokio::test]
async fn a_dead_letter_without_its_job_or_payload_cannot_be_replayed() {
    let (db, store) = setup().await;
    let (gone_job, gone) = dead_job(&store, "alice").await;
    let (emptied_job, emptied) = dead_job(&store, "alice").await;
    sqlx::query("DELETE FROM orchestrator_jobs WHERE job_id = $1")
        .bind(gone_job.as_uuid())
        .execute(&db.pool)
        .await
        .expect("delete");
    sqlx::query("UPDATE orchestrator_jobs SET payload = 'null'::jsonb WHERE job_id = $1")
        .bind(emptied_job.as_uuid())
        .execute(&db.pool)
        .await
        .expect("empty");

    for (letter, why) in [(gone.id, "no longer exists"), (emptied.id, "payload")] {
        let error = store
            .replay_dead_letter(letter, &user("alice"), 3)
            .await
            .expect_err("not replayable");
        assert!(
            matches!(error, RequestError::NotReplayable { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains(why), "{error}");
    }
    let replayed: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM orchestrator_dead_letters WHERE replayed_at IS NOT NULL",
    )
    .fetch_one(&db.pool)
    .await
    .expect("count");
    assert_eq!(replayed, 0);
}

#[tokio::test]
async fn another_users_dead_letter_is_refused() {
    let (_db, store) = setup().await;
    let (_, letter) = dead_job(&store, "alice").await;
    let error = store
        .replay_dead_letter(letter.id, &user("mallory"), 3)
        .await
        .expect_err("not mallory's");
    assert!(matches!(error, RequestError::NotOwner { .. }), "{error:?}");
    let error = store
        .find_dead_letter(DeadLetterId::from(uuid::Uuid::new_v4()), &user("alice"))
        .await
        .expect_err("missing");
    assert!(matches!(error, RequestError::NotFound { .. }), "{error:?}");
    assert!(error.to_string().starts_with("dead letter"), "{error}");
}
