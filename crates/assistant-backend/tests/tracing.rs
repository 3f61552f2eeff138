//! One trace per request, across the services: the `traceparent` a browser (or a proxy in
//! front of the backend) sends is continued by the backend's request span, carried to
//! job-orchestrator-api, through JetStream to the worker's `job.run` and its pipeline steps,
//! and on to knowledge-interface's `UpsertGraphDelta` (and the embedding calls it makes to
//! model-provider on the way); a chat turn's model-provider call
//! continues the trace of the chat message that started it. Every service runs in this
//! process, so one subscriber (installed once per test binary) records the spans of all.

#[path = "support/mod.rs"]
mod app;
#[path = "../../job-orchestrator-worker/tests/support/services.rs"]
mod services;
#[path = "knowledge_support/mod.rs"]
mod support;

use std::future::Future;
use std::sync::{Arc, Mutex, OnceLock, PoisonError};
use std::time::Duration;

use app::TestApp;
use assistant_backend::journals::Role;
use opentelemetry::trace::{SpanId, TraceId, TracerProvider as _};
use opentelemetry_sdk::error::OTelSdkResult;
use opentelemetry_sdk::propagation::TraceContextPropagator;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use serde_json::{Value, json};
use support::updates::{DAY, LUNCH, frames, say, watch};
use support::{Jobs, World, read, test_user};
use tracing_subscriber::filter::LevelFilter;
use tracing_subscriber::layer::SubscriberExt;
use uuid::Uuid;

/// The caller's span: the parent every trace here starts from.
const CALLER_SPAN: &str = "00f067aa0ba902b7";

/// Every span that ended in this test binary, kept by a [`SpanExporter`] of our own.
#[derive(Debug, Clone, Default)]
struct Recorded(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for Recorded {
    fn export(&self, batch: Vec<SpanData>) -> impl Future<Output = OTelSdkResult> + Send {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(batch);
        std::future::ready(Ok(()))
    }
}

impl Recorded {
    /// What `telemetry::init` installs when traces are exported (info and above, the W3C
    /// propagator), exporting here; once per test binary.
    fn install() -> &'static Self {
        static RECORDED: OnceLock<Recorded> = OnceLock::new();
        RECORDED.get_or_init(|| {
            let recorded = Recorded::default();
            opentelemetry::global::set_text_map_propagator(TraceContextPropagator::new());
            let provider = SdkTracerProvider::builder()
                .with_simple_exporter(recorded.clone())
                .build();
            let subscriber = tracing_subscriber::registry()
                .with(LevelFilter::INFO)
                .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
            tracing::subscriber::set_global_default(subscriber)
                .expect("one subscriber per test binary");
            recorded
        })
    }

    /// The ended spans of `trace`.
    fn trace(&self, trace: &str) -> Trace {
        let id = TraceId::from_hex(trace).expect("trace id");
        let spans = self
            .0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .filter(|span| span.span_context.trace_id() == id)
            .cloned()
            .collect();
        Trace { spans }
    }

    /// Waits (up to 10 s) until the first span of `trace` labelled `hops[0]` (see [`label`])
    /// leads back to the caller's span, then asserts that its ancestry passes through `hops`
    /// in order; `what` says why it should.
    async fn assert_chain(&self, trace: &str, hops: &[&str], what: &str) {
        let mut chain = Chain {
            labels: Vec::new(),
            root: SpanId::INVALID,
        };
        for _ in 0..200 {
            let spans = self.trace(trace);
            if let Some(span) = spans.spans.iter().find(|span| label(span) == hops[0]) {
                chain = spans.ancestry(span);
                if chain.root == caller_span() {
                    break;
                }
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        assert!(
            chain.root == caller_span() && chain.passes(hops),
            "{what}: {chain:?}\nspans of the trace: {:?}",
            self.trace(trace).labels()
        );
    }
}

/// Ended spans of one trace.
struct Trace {
    spans: Vec<SpanData>,
}

/// A span and its ancestors, labelled, nearest first; `root` is the parent of the farthest
/// one (the caller's span when the chain is whole).
#[derive(Debug)]
struct Chain {
    labels: Vec<String>,
    root: SpanId,
}

impl Chain {
    /// Whether `hops` appear in this chain in this order (nearest first), other spans
    /// allowed between them.
    fn passes(&self, hops: &[&str]) -> bool {
        let mut rest = self.labels.iter();
        hops.iter().all(|hop| rest.any(|label| label == hop))
    }
}

impl Trace {
    fn ancestry(&self, span: &SpanData) -> Chain {
        let mut chain = Chain {
            labels: vec![label(span)],
            root: span.parent_span_id,
        };
        while let Some(parent) = self
            .spans
            .iter()
            .find(|candidate| candidate.span_context.span_id() == chain.root)
        {
            chain.labels.push(label(parent));
            chain.root = parent.parent_span_id;
        }
        chain
    }

    fn labels(&self) -> Vec<String> {
        self.spans.iter().map(label).collect()
    }
}

/// A span's name: the route (`POST /api/chat/message`) or RPC (`pkg.Service/Method`) it
/// served or called, or the operation of an internal span.
fn label(span: &SpanData) -> String {
    span.name.to_string()
}

fn caller_span() -> SpanId {
    SpanId::from_hex(CALLER_SPAN).expect("span id")
}

/// `POST path` with `body`, sent from the caller's span of `trace`.
async fn post_in_trace(
    client: &reqwest::Client,
    app: &TestApp,
    path: &str,
    trace: &str,
    body: Value,
) -> (u16, Value) {
    let request = client
        .post(app.url(path))
        .header("traceparent", format!("00-{trace}-{CALLER_SPAN}-01"))
        .json(&body);
    read(request.send().await.expect("request")).await
}

#[tokio::test]
async fn a_knowledge_update_is_one_trace_from_the_request_to_the_graph_write() {
    const TRACE: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
    let recorded = Recorded::install();
    let world = World::start(Jobs::Offline).await;
    let app = &world.app;
    say(app, DAY, Role::User, LUNCH).await;
    say(app, DAY, Role::Assistant, "Lovely! How is Anna?").await;
    let client = test_user(app).await;

    let (status, body) =
        post_in_trace(&client, app, "/api/knowledge/update", TRACE, json!({})).await;
    assert_eq!(status, 200, "{body}");
    let job_id = body["job_id"].as_str().expect("job id");
    let (_, _, stream) = watch(&client, app, job_id).await;
    let frames = frames(&stream);
    let (last, done) = frames.last().expect("frames");
    assert_eq!(
        (last.as_str(), &done["state"]),
        ("done", &json!("SUCCEEDED")),
        "{stream}"
    );

    recorded
        .assert_chain(
            TRACE,
            &[
                "exobrain.knowledge.v1.KnowledgeInterface/UpsertGraphDelta",
                "knowledge_update.write",
                "job.run",
                "exobrain.job_orchestrator.v1.JobOrchestrator/EnqueueJobs",
                "POST /api/knowledge/update",
            ],
            "the graph write leads back to the caller, each hop's span a child of the previous hop's",
        )
        .await;
    recorded
        .assert_chain(
            TRACE,
            &["knowledge_update.parts", "job.run"],
            "the pipeline's steps run in the job's trace",
        )
        .await;
    recorded
        .assert_chain(
            TRACE,
            &["POST /v1/embeddings", "embedding.embed", "job.run"],
            "knowledge-interface's embedding calls continue the job's trace",
        )
        .await;
}

#[tokio::test]
async fn a_chat_turn_calls_model_provider_in_the_trace_of_its_message() {
    const TRACE: &str = "0af7651916cd43dd8448eb211c80319c";
    let recorded = Recorded::install();
    let world = World::explorer().await;
    let app = &world.app;
    let client = test_user(app).await;

    let body = json!({ "message": "Where is Anna?", "client_message_id": Uuid::new_v4() });
    let (status, body) = post_in_trace(&client, app, "/api/chat/message", TRACE, body).await;
    assert_eq!(status, 200, "{body}");
    let stream_id = body["stream_id"].as_str().expect("stream id");
    let stream = tokio::time::timeout(
        Duration::from_secs(60),
        client
            .get(app.url(&format!("/api/chat/stream/{stream_id}")))
            .send()
            .await
            .expect("stream")
            .text(),
    )
    .await
    .expect("the turn ends")
    .expect("body");
    assert!(stream.contains("event: done"), "{stream}");

    recorded
        .assert_chain(
            TRACE,
            &["GET /v1/models", "chat.turn", "POST /api/chat/message"],
            "the turn asks model-provider in the trace of the message that started it",
        )
        .await;
}
