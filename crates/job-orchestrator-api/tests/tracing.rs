//! Trace context through the job system: the `traceparent` a gRPC caller sends reaches the
//! headers of the job's request message in JetStream, where the worker picks it up as the
//! parent of its `job.run` span.

mod support;

use opentelemetry::trace::TracerProvider;
use support::{echo, spawn_api};
use tracing_subscriber::layer::SubscriberExt;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";

#[tokio::test]
async fn the_callers_trace_reaches_the_request_message() {
    // What `telemetry::init` installs when traces are exported.
    opentelemetry::global::set_text_map_propagator(
        opentelemetry_sdk::propagation::TraceContextPropagator::new(),
    );
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")));
    tracing::subscriber::set_global_default(subscriber).expect("one subscriber per test process");

    let mut api = spawn_api().await;
    let mut request = tonic::Request::new(echo("alice", ""));
    request.metadata_mut().insert(
        "traceparent",
        format!("00-{TRACE_ID}-00f067aa0ba902b7-01")
            .parse()
            .expect("metadata"),
    );
    api.client.enqueue_job(request).await.expect("enqueue");

    let stream = api
        .nats
        .jetstream
        .get_stream(api.nats.stream("JOBS"))
        .await
        .expect("stream");
    let mut message = None;
    for _ in 0..100 {
        if let Ok(found) = stream.get_raw_message(1).await {
            message = Some(found);
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    let message = message.expect("the request was published");
    let traceparent = message
        .headers
        .get("traceparent")
        .map(|value| value.as_str().to_owned())
        .expect("a traceparent header");
    assert!(
        traceparent.contains(TRACE_ID),
        "{traceparent} continues the caller's trace"
    );
    assert!(message.headers.get("Nats-Msg-Id").is_some());
}
