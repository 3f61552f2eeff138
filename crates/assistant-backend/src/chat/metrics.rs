//! Chat metrics (Prometheus, through the `metrics` facade): turns by outcome and how long they
//! took, time to the first streamed text, turns running, and tool calls by tool and outcome.

use std::time::Duration;

use exobrain_common::metrics::Description;
use metrics::Unit;

const TURNS: &str = "assistant_chat_turns_total";
const TURN_SECONDS: &str = "assistant_chat_turn_duration_seconds";
const FIRST_CHUNK_SECONDS: &str = "assistant_chat_first_chunk_seconds";
const RUNNING: &str = "assistant_chat_turns_running";
const TOOL_CALLS: &str = "assistant_chat_tool_calls_total";

/// Every chat metric.
pub const METRICS: &[Description] = &[
    Description::counter(TURNS, Unit::Count, "Chat turns ended, by outcome."),
    Description::histogram(
        TURN_SECONDS,
        Unit::Seconds,
        "Duration of chat turns, by outcome.",
    ),
    Description::histogram(
        FIRST_CHUNK_SECONDS,
        Unit::Seconds,
        "Time from a turn's start to its first streamed text.",
    ),
    Description::gauge(RUNNING, Unit::Count, "Chat turns running in this process."),
    Description::counter(TOOL_CALLS, Unit::Count, "Tool calls, by tool and outcome."),
];

/// Registers the descriptions (installing the recorder first, so none is lost).
pub fn describe() {
    exobrain_common::metrics::describe(METRICS);
}

/// A turn started.
pub fn turn_started() {
    metrics::gauge!(RUNNING).increment(1.0);
}

/// A turn ended with `outcome` (`complete`, `error`, `cancelled`) after `elapsed`.
pub fn turn_ended(outcome: &'static str, elapsed: Duration) {
    metrics::gauge!(RUNNING).decrement(1.0);
    metrics::counter!(TURNS, "outcome" => outcome).increment(1);
    metrics::histogram!(TURN_SECONDS, "outcome" => outcome).record(elapsed.as_secs_f64());
}

/// The first text of a turn was streamed `elapsed` after it started.
pub fn first_chunk(elapsed: Duration) {
    metrics::histogram!(FIRST_CHUNK_SECONDS).record(elapsed.as_secs_f64());
}

/// A call of `tool` ended.
pub fn tool_call(tool: &str, failed: bool) {
    let tool = match tool {
        super::agent::tools::SEARCH_KNOWLEDGE => super::agent::tools::SEARCH_KNOWLEDGE,
        super::agent::tools::GET_ENTITY_CONTEXT => super::agent::tools::GET_ENTITY_CONTEXT,
        _ => "unknown",
    };
    let outcome = if failed { "error" } else { "ok" };
    metrics::counter!(TOOL_CALLS, "tool" => tool, "outcome" => outcome).increment(1);
}
