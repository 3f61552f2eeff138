//! Descriptions of the metrics model-provider emits: model calls by alias, provider and
//! outcome, their latency and time to the first streamed token, tokens in and out, and retries
//! of upstream calls.

use exobrain_common::metrics::Description;
use metrics::Unit;

/// Every metric model-provider emits.
pub const METRICS: &[Description] = &[
    Description::counter(
        "model_provider_requests_total",
        Unit::Count,
        "Model calls (chat and embeddings) ended, by alias, provider and outcome (ok, error).",
    ),
    Description::histogram(
        "model_provider_request_duration_seconds",
        Unit::Seconds,
        "Duration of chat model calls until their last token, by alias and provider.",
    ),
    Description::histogram(
        "model_provider_time_to_first_token_seconds",
        Unit::Seconds,
        "Time from a streamed chat call's start to its first event, by alias and provider.",
    ),
    Description::counter(
        "model_provider_tokens_total",
        Unit::Count,
        "Tokens the providers reported, by alias, provider and direction (in: prompt, out: completion).",
    ),
    Description::counter(
        "model_provider_upstream_retries_total",
        Unit::Count,
        "Upstream provider calls retried after a retryable error (rate limit, timeout, 5xx), by provider.",
    ),
];
