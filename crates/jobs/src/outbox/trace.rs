//! The producer span of one outbox message: when the row was stored with a trace context
//! (the request that enqueued the job), publishing it is a `<subject> publish` span in that
//! trace, and the message carries the span's own context so the consumer's span is its child.
//! Messages stored without a trace context are published without a span.

use exobrain_common::telemetry::propagation;
use exobrain_common::telemetry::spans::{self, Messaging};
use tracing_opentelemetry::OpenTelemetrySpanExt;

use super::Outgoing;

/// The headers to publish `message` with, and its producer span when it has a trace.
pub fn traced_headers(message: &Outgoing) -> (async_nats::HeaderMap, Option<tracing::Span>) {
    let mut headers = message.nats_headers();
    if !message.headers.contains_key("traceparent") {
        return (headers, None);
    }
    let span = spans::nats(Messaging::Publish, &message.subject);
    let _ = span.set_parent(propagation::extract_map(&message.headers));
    span.record("messaging.message.id", message.msg_id.as_str());
    {
        let _entered = span.enter();
        propagation::inject_nats(&mut headers);
    }
    (headers, Some(span))
}
