//! What the drill feeds the system besides its load, each with the answer it must get:
//!
//! - poison: messages no job system wrote, published straight onto the request subject
//!   (garbage bytes, JSON of the wrong shape, a `job_id` that is not a UUID, an envelope naming
//!   no job); each must end as one `invalid-envelope` dead letter, and none may hold up a job.
//! - oversize: an `EnqueueJob` whose payload is over the API's limit and an `UpsertGraphDelta`
//!   with one record more than `KNOWLEDGE_DELTA_MAX_RECORDS`; both must be INVALID_ARGUMENT.
//! - trust: calls without a credential or with a wrong one must be UNAUTHENTICATED, a
//!   cross-user listing by a service PERMISSION_DENIED, and the same listing by the operator
//!   served.

use async_nats::jetstream::{self, message::PublishMessage};
use exobrain_common::auth::ServiceToken;
use exobrain_proto::job_orchestrator::enqueue_job_request::Payload;
use exobrain_proto::job_orchestrator::job_orchestrator_client::JobOrchestratorClient;
use exobrain_proto::job_orchestrator::{EnqueueJobRequest, ListJobsRequest};
use exobrain_proto::knowledge as pb;
use exobrain_proto::knowledge::knowledge_interface_client::KnowledgeInterfaceClient;
use tonic::Code;
use tonic::transport::Channel;

/// Bytes of padding in the oversize job payload (the API accepts 256 KiB).
const OVERSIZE_PAYLOAD: usize = 300 * 1024;

/// Answers the probes got, as counts.
#[derive(Debug, Default, Clone)]
pub struct Tally {
    /// Poison messages JetStream stored.
    pub poison_sent: usize,
    /// Oversize requests sent.
    pub oversize_sent: usize,
    /// Of those, answered INVALID_ARGUMENT.
    pub oversize_refused: usize,
    /// Trust checks made.
    pub auth_checks: usize,
    /// Of those, answered as they must be.
    pub auth_passed: usize,
    /// Every answer that was not the expected one.
    pub wrong_answers: Vec<String>,
}

/// The drill's handles for probing.
#[derive(Debug, Clone)]
pub struct Probes {
    /// JetStream on the drill's NATS.
    pub js: jetstream::Context,
    /// The request subject of `diagnostics.sleep`, with the services' prefix.
    pub subject: String,
    /// The job API.
    pub jobs: JobOrchestratorClient<Channel>,
    /// The knowledge interface.
    pub knowledge: KnowledgeInterfaceClient<Channel>,
    /// The drill's service credential.
    pub token: ServiceToken,
    /// The operator credential.
    pub operator: ServiceToken,
    /// The user the probes act for.
    pub user: String,
}

impl Probes {
    /// Publishes one message of each poison kind.
    pub async fn poison(&self, tally: &mut Tally) -> anyhow::Result<()> {
        let garbage: Vec<u8> = (0..64)
            .map(|_| fastrand::u8(..))
            .chain([0xff, 0xfe])
            .collect();
        let nobody = uuid::Uuid::new_v4();
        let messages: [Vec<u8>; 4] = [
            garbage,
            br#"{"hello":"not a job","n":[1,2,3]}"#.to_vec(),
            br#"{"job_id":"not-a-uuid","job_type":"diagnostics.sleep","payload":{}}"#.to_vec(),
            format!(
                r#"{{"schema_version":1,"job_id":"{nobody}","job_type":"diagnostics.sleep","correlation_id":"{}","payload":{{"ms":1}},"attempt":0,"created_at":"2026-01-01T00:00:00Z"}}"#,
                self.user
            )
            .into_bytes(),
        ];
        for body in messages {
            // One id per message: a publish retried after a lost ack is stored once.
            let publish = PublishMessage::build()
                .payload(body.into())
                .message_id(uuid::Uuid::new_v4().to_string());
            self.js
                .send_publish(self.subject.clone(), publish)
                .await?
                .await?;
            tally.poison_sent += 1;
        }
        Ok(())
    }

    /// Sends one oversize job and one oversize delta (`max_records` + 1 entities).
    pub async fn oversize(&self, max_records: usize, tally: &mut Tally) {
        let padding = "x".repeat(OVERSIZE_PAYLOAD);
        let job = EnqueueJobRequest {
            job_type: "diagnostics.sleep".into(),
            user_id: String::new(),
            payload: Some(Payload::PayloadJson(format!(
                r#"{{"ms":1,"pad":"{padding}"}}"#
            ))),
            idempotency_key: format!("oversize-{}", uuid::Uuid::new_v4()),
        };
        let answer = self
            .jobs
            .clone()
            .enqueue_job(self.token.request(job, Some(&self.user)))
            .await
            .map(drop);
        tally.oversize_sent += 1;
        if expect(tally, "oversize EnqueueJob", answer, Code::InvalidArgument) {
            tally.oversize_refused += 1;
        }
        let delta = pb::UpsertGraphDeltaRequest {
            entities: (0..=max_records)
                .map(|_| pb::EntityNode {
                    id: uuid::Uuid::new_v4().to_string(),
                    type_id: "node.entity".into(),
                    user_id: self.user.clone(),
                    ..Default::default()
                })
                .collect(),
            ..Default::default()
        };
        let answer = self
            .knowledge
            .clone()
            .upsert_graph_delta(self.token.request(delta, Some(&self.user)))
            .await
            .map(drop);
        tally.oversize_sent += 1;
        if expect(
            tally,
            "oversize UpsertGraphDelta",
            answer,
            Code::InvalidArgument,
        ) {
            tally.oversize_refused += 1;
        }
    }

    /// Checks that the job API authenticates its callers and keeps cross-user listings to
    /// the operator.
    pub async fn trust(&self, tally: &mut Tally) {
        let wrong = ServiceToken::new(&"0".repeat(64)).unwrap_or_default();
        let listing = || ListJobsRequest {
            page_size: 1,
            ..Default::default()
        };
        let mut jobs = self.jobs.clone();
        let checks = [
            (
                "ListJobs without a credential",
                ServiceToken::default(),
                Code::Unauthenticated,
            ),
            (
                "ListJobs with a wrong credential",
                wrong,
                Code::Unauthenticated,
            ),
            (
                "cross-user ListJobs by a service",
                self.token.clone(),
                Code::PermissionDenied,
            ),
            (
                "cross-user ListJobs by the operator",
                self.operator.clone(),
                Code::Ok,
            ),
        ];
        for (what, token, code) in checks {
            let answer = jobs
                .list_jobs(token.request(listing(), None))
                .await
                .map(drop);
            tally.auth_checks += 1;
            if expect(tally, what, answer, code) {
                tally.auth_passed += 1;
            }
        }
    }
}

/// Whether `answer` carries `code` (`Ok` for a served call); a wrong one is noted.
fn expect(tally: &mut Tally, what: &str, answer: Result<(), tonic::Status>, code: Code) -> bool {
    let got = answer.as_ref().err().map_or(Code::Ok, tonic::Status::code);
    if got == code {
        return true;
    }
    let detail = answer
        .err()
        .map(|status| status.message().to_owned())
        .unwrap_or_default();
    eprintln!("{what}: expected {code:?}, got {got:?} {detail}");
    tally
        .wrong_answers
        .push(format!("{what}: expected {code:?}, got {got:?}"));
    false
}
