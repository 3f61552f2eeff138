//! JSON log lines carry the ids of the span they were written in.

use std::io;
use std::sync::{Arc, Mutex, PoisonError};

use opentelemetry::trace::{TraceContextExt, TracerProvider as _};
use serde_json::Value;
use tracing_opentelemetry::OpenTelemetrySpanExt;
use tracing_subscriber::layer::SubscriberExt;

use super::TraceJson;

/// Log lines written into memory.
#[derive(Debug, Clone, Default)]
struct Buffer(Arc<Mutex<Vec<u8>>>);

impl io::Write for Buffer {
    fn write(&mut self, bytes: &[u8]) -> io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend_from_slice(bytes);
        Ok(bytes.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl Buffer {
    fn lines(&self) -> Vec<Value> {
        let bytes = self.0.lock().unwrap_or_else(PoisonError::into_inner);
        String::from_utf8_lossy(&bytes)
            .lines()
            .map(|line| serde_json::from_str(line).unwrap_or_else(|e| panic!("{e}: {line}")))
            .collect()
    }
}

#[test]
fn log_lines_in_a_span_carry_its_trace_and_span_id() {
    let buffer = Buffer::default();
    // As `telemetry::init` sets it up without an exporter.
    let provider = opentelemetry_sdk::trace::SdkTracerProvider::builder().build();
    let writer = buffer.clone();
    let subscriber = tracing_subscriber::registry()
        .with(tracing_opentelemetry::layer().with_tracer(provider.tracer("test")))
        .with(
            tracing_subscriber::fmt::layer()
                .json()
                .event_format(TraceJson::default())
                .with_writer(move || writer.clone()),
        );
    let (outer, inner) = tracing::subscriber::with_default(subscriber, || {
        tracing::info!("outside any span");
        let outer = tracing::info_span!("job.run");
        let inner = tracing::info_span!(parent: &outer, "embedding.embed");
        outer.in_scope(|| tracing::info!(job = 7, "started"));
        inner.in_scope(|| tracing::warn!("slow"));
        let ids = |span: &tracing::Span| {
            let context = span.context();
            let span_context = context.span().span_context().clone();
            (
                span_context.trace_id().to_string(),
                span_context.span_id().to_string(),
            )
        };
        (ids(&outer), ids(&inner))
    });

    let lines = buffer.lines();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].get("trace_id").is_none(), "{}", lines[0]);
    assert!(lines[0].get("span_id").is_none(), "{}", lines[0]);
    assert_eq!(lines[1]["trace_id"], outer.0.as_str(), "{}", lines[1]);
    assert_eq!(lines[1]["span_id"], outer.1.as_str(), "{}", lines[1]);
    assert_eq!(lines[1]["job"], 7, "the event's own fields stay at the top");
    assert_eq!(lines[1]["message"], "started");
    assert_eq!(lines[2]["trace_id"], outer.0.as_str(), "one trace");
    assert_eq!(lines[2]["span_id"], inner.1.as_str(), "{}", lines[2]);
    assert_ne!(outer.1, inner.1);
    assert_eq!(outer.0.len(), 32);
    assert_eq!(outer.1.len(), 16);
}
