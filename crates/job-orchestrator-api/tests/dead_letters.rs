//! Dead letters through real gRPC, PostgreSQL and JetStream: a job that failed for good is
//! listed for its owner, replays once as a fresh pending job, and a second replay names the
//! job the first one created.

mod support;

use exobrain_proto::job_orchestrator::{
    GetJobStatusRequest, JobLifecycleState, ListDeadLettersRequest, ReplayDeadLetterRequest,
};
use support::{failing, fatal, run_attempt, spawn_api};
use tonic::Code;

#[tokio::test]
async fn a_dead_letter_is_listed_and_replayed_once_as_a_fresh_job() {
    let mut api = spawn_api().await;
    let failed = api.enqueue(failing("alice")).await;
    run_attempt(&api.store(), &failed, fatal()).await;

    let list = ListDeadLettersRequest {
        user_id: "alice".into(),
        ..Default::default()
    };
    let letters = api
        .client
        .list_dead_letters(list.clone())
        .await
        .expect("list")
        .into_inner();
    assert!(letters.next_page_token.is_empty());
    let [letter] = letters.dead_letters.as_slice() else {
        panic!("one dead letter expected: {letters:?}");
    };
    assert_eq!(
        (letter.job_id.as_str(), letter.job_type.as_str()),
        (failed.as_str(), "diagnostics.fail")
    );
    assert_eq!(
        (letter.reason.as_str(), letter.attempts),
        ("not-retryable", 1)
    );
    assert!(letter.replayed_at.is_empty());

    let replay = ReplayDeadLetterRequest {
        dead_letter_id: letter.id.clone(),
        user_id: "alice".into(),
        all_users: false,
    };
    let new_job = api
        .client
        .replay_dead_letter(replay.clone())
        .await
        .expect("replay")
        .into_inner()
        .job_id;
    assert_ne!(new_job, failed);
    let status = api
        .client
        .get_job_status(GetJobStatusRequest {
            job_id: new_job.clone(),
            user_id: "alice".into(),
        })
        .await
        .expect("status")
        .into_inner();
    assert_eq!(status.state, JobLifecycleState::EnqueuedOrPending as i32);
    assert_eq!((status.attempt, status.seq), (0, 1));
    assert_eq!(status.job_type, "diagnostics.fail");

    let error = api
        .client
        .replay_dead_letter(replay)
        .await
        .expect_err("twice");
    assert_eq!(error.code(), Code::FailedPrecondition);
    assert!(error.message().contains(&new_job), "{}", error.message());

    let letters = api
        .client
        .list_dead_letters(list)
        .await
        .expect("list")
        .into_inner();
    assert!(!letters.dead_letters[0].replayed_at.is_empty());
}

#[tokio::test]
async fn a_dead_letter_whose_job_is_gone_cannot_be_replayed() {
    let mut api = spawn_api().await;
    let failed = api.enqueue(failing("alice")).await;
    run_attempt(&api.store(), &failed, fatal()).await;
    sqlx::query("DELETE FROM orchestrator_jobs WHERE job_id = $1::uuid")
        .bind(&failed)
        .execute(&api.db.pool)
        .await
        .expect("delete");
    let letter = api
        .client
        .list_dead_letters(ListDeadLettersRequest {
            user_id: "alice".into(),
            ..Default::default()
        })
        .await
        .expect("list")
        .into_inner()
        .dead_letters
        .remove(0);
    assert!(letter.job_id.is_empty());

    let error = api
        .client
        .replay_dead_letter(ReplayDeadLetterRequest {
            dead_letter_id: letter.id,
            user_id: "alice".into(),
            all_users: false,
        })
        .await
        .expect_err("gone");
    assert_eq!(error.code(), Code::FailedPrecondition);
    assert!(
        error.message().contains("no longer exists"),
        "{}",
        error.message()
    );
}
