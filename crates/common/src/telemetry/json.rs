//! JSON log lines that name the trace: tracing-subscriber's JSON format with `trace_id` and
//! `span_id` of the current span (as OpenTelemetry knows them) added as top-level fields, so a
//! log search can jump to the trace and back. Events outside any span carry neither.

use std::fmt;

use tracing::{Event, Subscriber};
use tracing_opentelemetry::OtelData;
use tracing_subscriber::fmt::format::{Format, Json, JsonFields, Writer};
use tracing_subscriber::fmt::{FmtContext, FormatEvent, FormatFields};
use tracing_subscriber::registry::LookupSpan;

/// The JSON event format plus the OpenTelemetry ids of the current span.
#[derive(Debug)]
pub struct TraceJson {
    inner: Format<Json>,
}

impl Default for TraceJson {
    fn default() -> Self {
        Self {
            inner: tracing_subscriber::fmt::format()
                .json()
                .flatten_event(true)
                .with_current_span(true),
        }
    }
}

/// The trace and span id (lowercase hex, as in `traceparent`) of the span `ctx` is in.
fn current_ids<S, N>(ctx: &FmtContext<'_, S, N>) -> Option<(String, String)>
where
    S: Subscriber + for<'a> LookupSpan<'a>,
    N: for<'a> FormatFields<'a> + 'static,
{
    let span = ctx.lookup_current()?;
    let extensions = span.extensions();
    let data = extensions.get::<OtelData>()?;
    let (trace_id, span_id) = (data.trace_id()?, data.span_id()?);
    (trace_id != opentelemetry::TraceId::INVALID)
        .then(|| (trace_id.to_string(), span_id.to_string()))
}

impl<S> FormatEvent<S, JsonFields> for TraceJson
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn format_event(
        &self,
        ctx: &FmtContext<'_, S, JsonFields>,
        mut writer: Writer<'_>,
        event: &Event<'_>,
    ) -> fmt::Result {
        let Some((trace_id, span_id)) = current_ids(ctx) else {
            return self.inner.format_event(ctx, writer, event);
        };
        let mut line = String::with_capacity(256);
        self.inner
            .format_event(ctx, Writer::new(&mut line), event)?;
        match line.strip_prefix('{') {
            Some(rest) => write!(
                writer,
                "{{\"trace_id\":\"{trace_id}\",\"span_id\":\"{span_id}\",{rest}"
            ),
            None => writer.write_str(&line),
        }
    }
}

#[cfg(test)]
#[path = "json_tests.rs"]
mod tests;
