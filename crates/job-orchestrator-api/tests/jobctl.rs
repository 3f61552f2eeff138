//! `jobctl`, the operator CLI, against the real API (in-process, port 0) on real PostgreSQL
//! and JetStream: each command prints exactly the owner's records, a watch follows a job or a
//! batch to its end and exits with its outcome, a dead letter replays into a readable job, API
//! errors become distinct exit statuses, and the binary itself explains a bad target in one
//! line.

mod support;

use std::process::{Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use clap::Parser;
use exobrain_jobs::store::Outcome;
use exobrain_proto::job_orchestrator::{EnqueueJobRequest, EnqueueJobsReply, EnqueueJobsRequest};
use exobrain_testkit::free_port;
use job_orchestrator_api::jobctl::{self, Args, CliError, ExitStatus, exit};
use serde_json::Value;
use support::{Api, echo, failing, fatal, run_attempt, spawn_api, unknown_id};
use tokio::task::JoinHandle;

const BINARY: &str = env!("CARGO_BIN_EXE_jobctl");

/// Parses `jobctl <line>` (words split on whitespace) as the binary would.
fn parse(line: &str) -> Args {
    Args::try_parse_from(std::iter::once("jobctl").chain(line.split_whitespace()))
        .unwrap_or_else(|error| panic!("jobctl {line}: {error}"))
}

/// Runs `jobctl <line>` on `api`'s client; returns how it ended and what it printed.
async fn jobctl(api: &Api, line: &str) -> (Result<ExitStatus, CliError>, String) {
    let mut out = Vec::new();
    let result = jobctl::run_with_client(api.client.clone(), parse(line), &mut out).await;
    (result, String::from_utf8(out).expect("utf-8 output"))
}

/// Runs `jobctl <line>`, expecting success; returns what it printed.
async fn ok(api: &Api, line: &str) -> String {
    let (result, out) = jobctl(api, line).await;
    let status = result.unwrap_or_else(|error| panic!("jobctl {line}: {error}"));
    assert_eq!(status, ExitStatus::Success, "jobctl {line}:\n{out}");
    out
}

/// Runs `jobctl <line>`, expecting an error; returns it.
async fn fails(api: &Api, line: &str) -> CliError {
    let (result, out) = jobctl(api, line).await;
    assert!(out.is_empty(), "nothing on stdout when it fails: {out}");
    result.expect_err(line)
}

/// Asserts `text` contains `part`, showing `text` when it does not.
#[track_caller]
fn assert_contains(text: &str, part: &str) {
    assert!(text.contains(part), "`{part}` missing from:\n{text}");
}

/// Each output line as JSON.
fn json_lines(out: &str) -> Vec<Value> {
    out.lines()
        .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
        .collect()
}

fn succeeded() -> Outcome {
    Outcome::Succeeded(serde_json::json!({}))
}

/// Enqueues `jobs` as one batch of alice's.
async fn enqueue_batch(api: &mut Api, jobs: Vec<EnqueueJobRequest>) -> EnqueueJobsReply {
    let request = EnqueueJobsRequest {
        user_id: "alice".into(),
        jobs,
        idempotency_key: String::new(),
    };
    api.client
        .enqueue_jobs(request)
        .await
        .expect("batch")
        .into_inner()
}

/// Output that a running command is still writing.
#[derive(Clone, Default)]
struct SharedOut(Arc<Mutex<Vec<u8>>>);

impl std::io::Write for SharedOut {
    fn write(&mut self, bytes: &[u8]) -> std::io::Result<usize> {
        self.0.lock().expect("lock").extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl SharedOut {
    fn text(&self) -> String {
        String::from_utf8(self.0.lock().expect("lock").clone()).expect("utf-8 output")
    }
}

/// A watch started in the background, once it printed the current state.
struct Watch {
    out: SharedOut,
    task: JoinHandle<Result<ExitStatus, CliError>>,
}

impl Watch {
    async fn start(api: &Api, line: &str) -> Watch {
        let out = SharedOut::default();
        let (client, args, mut sink) = (api.client.clone(), parse(line), out.clone());
        let task =
            tokio::spawn(async move { jobctl::run_with_client(client, args, &mut sink).await });
        let first_line = async {
            while !out.text().contains('\n') {
                tokio::time::sleep(Duration::from_millis(20)).await;
            }
        };
        tokio::time::timeout(Duration::from_secs(10), first_line)
            .await
            .expect("the watch prints the current state first");
        Watch { out, task }
    }

    /// How the watch ended, and everything it printed.
    async fn end(self) -> (ExitStatus, String) {
        let status = tokio::time::timeout(Duration::from_secs(10), self.task)
            .await
            .expect("the watch ends with the job")
            .expect("task")
            .expect("watch");
        (status, self.out.text())
    }
}

#[tokio::test]
async fn jobs_list_pages_through_exactly_the_users_jobs() {
    let mut api = spawn_api().await;
    let mut mine = Vec::new();
    for _ in 0..3 {
        mine.push(api.enqueue(echo("alice", "")).await);
    }
    let theirs = api.enqueue(echo("bob", "")).await;

    let first = json_lines(&ok(&api, "jobs list --user alice --limit 2 --json").await);
    let [newest, second, next] = first.as_slice() else {
        panic!("two jobs and a token expected: {first:?}");
    };
    let token = next["next_page_token"].as_str().expect("next page token");
    let rest = ok(
        &api,
        &format!("--json jobs list --user alice --page-token {token}"),
    )
    .await;
    let id = |job: &Value| job["job_id"].as_str().expect("job_id").to_owned();
    let mut listed: Vec<String> = [newest, second].into_iter().map(id).collect();
    listed.extend(json_lines(&rest).iter().map(id));
    let newest_first: Vec<String> = mine.iter().rev().cloned().collect();
    assert_eq!(listed, newest_first, "newest first, once each");
    assert_eq!(newest["state"], "ENQUEUED_OR_PENDING");
    assert_eq!(newest["job_type"], "diagnostics.echo");

    let text = ok(&api, "jobs list --user alice").await;
    assert!(text.starts_with("JOB ID"), "{text}");
    assert_eq!(text.lines().count(), 4, "a header and three jobs: {text}");
    assert!(mine.iter().all(|id| text.contains(id.as_str())), "{text}");
    assert!(!text.contains(&theirs), "never another user's job: {text}");
    assert!(!text.contains("next page"), "{text}");

    run_attempt(&api.store(), &mine[0], fatal()).await;
    let failed = ok(&api, "jobs list --user alice --state failed").await;
    assert_eq!(failed.lines().count(), 2, "{failed}");
    assert_contains(&failed, &format!("{}  diagnostics.echo  failed", mine[0]));
    let none = ok(&api, "jobs list --user alice --type diagnostics.fail").await;
    assert_eq!(none, "(no jobs)\n");
}

#[tokio::test]
async fn jobs_show_prints_the_state_and_errors_map_to_distinct_exits() {
    let mut api = spawn_api().await;
    let job_id = api.enqueue(echo("alice", "")).await;

    let shown = ok(&api, &format!("jobs show {job_id} --user alice")).await;
    assert!(
        shown.starts_with(&format!("job      {job_id}\n")),
        "{shown}"
    );
    assert_contains(&shown, "\nstate    pending\n");
    run_attempt(&api.store(), &job_id, succeeded()).await;
    let shown = json_lines(&ok(&api, &format!("jobs show {job_id} --user alice --json")).await);
    assert_eq!(shown[0]["state"], "SUCCEEDED");
    assert_eq!(
        (shown[0]["terminal"].as_bool(), shown[0]["seq"].as_i64()),
        (Some(true), Some(3))
    );

    let error = fails(&api, &format!("jobs show {} --user alice", unknown_id())).await;
    assert_eq!(error.exit_code(), exit::NOT_FOUND);
    assert!(error.to_string().starts_with("NOT_FOUND: "), "{error}");

    let error = fails(&api, &format!("jobs show {job_id} --user mallory")).await;
    assert_eq!(error.exit_code(), exit::PERMISSION_DENIED);
    assert!(
        error.to_string().starts_with("PERMISSION_DENIED: "),
        "{error}"
    );

    let error = fails(&api, &format!("jobs cancel {job_id} --user alice")).await;
    assert_eq!(error.exit_code(), exit::REJECTED);
    assert!(
        error.to_string().starts_with("FAILED_PRECONDITION: "),
        "{error}"
    );
}

#[tokio::test]
async fn jobs_watch_prints_each_change_in_seq_order_and_succeeds_with_the_job() {
    let mut api = spawn_api().await;
    let job_id = api.enqueue(echo("alice", "")).await;
    let watch = Watch::start(&api, &format!("jobs watch {job_id} --user alice --json")).await;

    run_attempt(&api.store(), &job_id, succeeded()).await;
    let (status, out) = watch.end().await;
    assert_eq!(status, ExitStatus::Success);
    let events = json_lines(&out);
    let seqs: Vec<i64> = events
        .iter()
        .map(|e| e["seq"].as_i64().expect("seq"))
        .collect();
    let states: Vec<&str> = events
        .iter()
        .map(|e| e["state"].as_str().expect("state"))
        .collect();
    assert_eq!(seqs, [1, 2, 3], "{events:?}");
    assert_eq!(states, ["ENQUEUED_OR_PENDING", "STARTED", "SUCCEEDED"]);
    assert!(events.iter().all(|e| e["job_id"] == job_id.as_str()));
}

#[tokio::test]
async fn jobs_watch_fails_when_the_job_fails_for_good_or_is_cancelled() {
    let mut api = spawn_api().await;
    let doomed = api.enqueue(failing("alice")).await;
    let watch = Watch::start(&api, &format!("jobs watch {doomed} --user alice")).await;
    run_attempt(&api.store(), &doomed, fatal()).await;
    let (status, out) = watch.end().await;
    assert_eq!(
        (status, status.code()),
        (ExitStatus::Unsuccessful, exit::UNSUCCESSFUL)
    );
    let last = out.lines().last().unwrap_or_default();
    assert_contains(last, "  seq 3  failed  attempt 1  handler gave up");

    let job_id = api.enqueue(echo("alice", "")).await;
    let cancelled = ok(&api, &format!("jobs cancel {job_id} --user alice")).await;
    assert_contains(&cancelled, "\nstate    cancelled (terminal)\n");
    let (result, out) = jobctl(&api, &format!("jobs watch {job_id} --user alice")).await;
    assert_eq!(result.expect("watch"), ExitStatus::Unsuccessful, "{out}");
    assert_contains(&out, "  seq 2  cancelled");
}

#[tokio::test]
async fn batch_show_and_watch_report_progress_and_the_batchs_outcome() {
    let mut api = spawn_api().await;
    let good = enqueue_batch(&mut api, vec![echo("", ""), echo("", "")]).await;
    let mixed = enqueue_batch(&mut api, vec![echo("", ""), failing("")]).await;

    let shown = ok(&api, &format!("batch show {} --user alice", good.batch_id)).await;
    assert_contains(&shown, "\nprogress 0/2 done: 2 pending, 0 running");
    assert!(
        good.job_ids.iter().all(|id| shown.contains(id.as_str())),
        "{shown}"
    );

    let watch = Watch::start(
        &api,
        &format!("batch watch {} --user alice --json", good.batch_id),
    )
    .await;
    for job_id in &good.job_ids {
        run_attempt(&api.store(), job_id, succeeded()).await;
    }
    let (status, out) = watch.end().await;
    assert_eq!(status, ExitStatus::Success, "{out}");
    let last = json_lines(&out).pop().expect("an event");
    assert_eq!(last["status"]["succeeded"], 2);
    assert_eq!(last["status"]["terminal"], true);

    run_attempt(&api.store(), &mixed.job_ids[0], succeeded()).await;
    run_attempt(&api.store(), &mixed.job_ids[1], fatal()).await;
    let (result, out) = jobctl(
        &api,
        &format!("batch watch {} --user alice", mixed.batch_id),
    )
    .await;
    assert_eq!(result.expect("watch"), ExitStatus::Unsuccessful, "{out}");
    assert_contains(
        &out,
        "2/2 done: 0 pending, 0 running, 1 succeeded, 1 failed",
    );

    let error = fails(&api, &format!("batch show {} --user bob", mixed.batch_id)).await;
    assert_eq!(error.exit_code(), exit::PERMISSION_DENIED);
}

#[tokio::test]
async fn dlq_list_and_replay_print_a_new_job_that_is_then_readable() {
    let mut api = spawn_api().await;
    let failed = api.enqueue(failing("alice")).await;
    run_attempt(&api.store(), &failed, fatal()).await;

    let letters = json_lines(&ok(&api, "dlq list --user alice --json").await);
    let [letter] = letters.as_slice() else {
        panic!("one dead letter expected: {letters:?}");
    };
    assert_eq!(letter["job_id"], failed.as_str());
    assert_eq!(letter["reason"], "not-retryable");
    let letter_id = letter["id"].as_str().expect("id").to_owned();
    assert_eq!(ok(&api, "dlq list --user bob").await, "(no dead letters)\n");
    let text = ok(&api, "dlq list --user alice --type diagnostics.fail").await;
    assert_contains(
        &text,
        &format!("{letter_id}  {failed}  diagnostics.fail  not-retryable"),
    );

    let replay = format!("dlq replay {letter_id} --user alice");
    let replayed = json_lines(&ok(&api, &format!("{replay} --json")).await);
    let new_job = replayed[0]["job_id"].as_str().expect("new job id");
    assert_ne!(new_job, failed);
    let shown = json_lines(&ok(&api, &format!("jobs show {new_job} --user alice --json")).await);
    assert_eq!(shown[0]["state"], "ENQUEUED_OR_PENDING");
    assert_eq!(shown[0]["job_type"], "diagnostics.fail");

    let error = fails(&api, &replay).await;
    assert_eq!(error.exit_code(), exit::REJECTED);
    assert_contains(&error.to_string(), new_job);
}

/// Runs the built binary with only `PATH` and `env`; returns status, stdout and stderr.
fn binary(line: &str, env: &[(&str, &str)]) -> (Option<i32>, String, String) {
    let output = Command::new(BINARY)
        .args(line.split_whitespace())
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env.iter().copied())
        .stdin(Stdio::null())
        .output()
        .expect("run jobctl");
    let text = |bytes: Vec<u8>| String::from_utf8(bytes).expect("utf-8");
    (
        output.status.code(),
        text(output.stdout),
        text(output.stderr),
    )
}

#[test]
fn the_binary_explains_usage_and_an_unreachable_target_in_one_line() {
    let (code, help, _) = binary("--help", &[]);
    assert_eq!(code, Some(0));
    for word in ["jobs", "batch", "dlq", "--target", "--json", "Exit status"] {
        assert_contains(&help, word);
    }
    assert_contains(&help, "JOB_ORCHESTRATOR_GRPC_TARGET");
    let (code, help, _) = binary("jobs watch --help", &[]);
    assert_eq!(code, Some(0));
    assert_contains(&help, "--user <USER>");
    assert_contains(&help, "JOBCTL_USER");

    let (code, _, stderr) = binary("jobs show 42 --user alice", &[]);
    assert_eq!(code, Some(i32::from(exit::USAGE)), "{stderr}");
    assert_contains(&stderr, "`42` is not a UUID");
    assert!(!stderr.contains("panicked"), "{stderr}");

    let target = format!("127.0.0.1:{}", free_port());
    let env = [
        ("JOB_ORCHESTRATOR_GRPC_TARGET", &*target),
        ("JOBCTL_USER", "alice"),
    ];
    let (code, stdout, stderr) = binary("jobs list", &env);
    assert_eq!(code, Some(i32::from(exit::UNAVAILABLE)), "{stderr}");
    assert!(stdout.is_empty(), "{stdout}");
    let [line] = stderr.lines().collect::<Vec<_>>()[..] else {
        panic!("one error line expected:\n{stderr}");
    };
    let reach = format!("jobctl: cannot reach job-orchestrator-api at http://{target} (");
    assert!(line.starts_with(&reach), "{line}");
    assert_contains(line, "(set --target or JOB_ORCHESTRATOR_GRPC_TARGET)");
}
