//! Telemetry from one call: `tracing` with `RUST_LOG`/`LOG_LEVEL` filtering, pretty or JSON
//! logs (`LOG_FORMAT`), and OpenTelemetry trace export over OTLP/gRPC when
//! `OTEL_EXPORTER_OTLP_ENDPOINT` is set. W3C trace context helpers live in [`propagation`].

pub mod propagation;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

use crate::config::{AppEnv, Env};

/// Log output shape.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Human-readable, coloured when attached to a terminal.
    Pretty,
    /// One JSON object per line, for log shippers.
    Json,
}

/// Telemetry settings, read from the environment.
#[derive(Debug, Clone)]
pub struct TelemetryConfig {
    /// Filter directives (`RUST_LOG`, else `LOG_LEVEL`, else `info`).
    pub filter: String,
    /// `LOG_FORMAT`: `pretty` or `json` (default pretty locally, json elsewhere).
    pub format: LogFormat,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`: OTLP/gRPC collector, export disabled when unset.
    pub otlp_endpoint: Option<String>,
}

impl TelemetryConfig {
    /// Reads `RUST_LOG`, `LOG_LEVEL`, `LOG_FORMAT` and `OTEL_EXPORTER_OTLP_ENDPOINT`.
    pub fn from_env(env: &mut Env, app_env: AppEnv) -> Self {
        let (source, filter) = match (env.optional("RUST_LOG"), env.optional("LOG_LEVEL")) {
            (Some(filter), _) => ("RUST_LOG", filter),
            (None, Some(level)) => ("LOG_LEVEL", level.to_ascii_lowercase()),
            (None, None) => ("RUST_LOG", "info,sqlx::postgres::notice=warn".to_owned()),
        };
        if EnvFilter::try_new(&filter).is_err() {
            env.problem(source, format!("`{filter}` is not a valid log filter"));
        }
        let default_format = if app_env.allows_dev_defaults() {
            "pretty"
        } else {
            "json"
        };
        let format = match env
            .string("LOG_FORMAT", default_format)
            .to_ascii_lowercase()
            .as_str()
        {
            "json" => LogFormat::Json,
            "pretty" | "text" => LogFormat::Pretty,
            other => {
                env.problem("LOG_FORMAT", format!("`{other}` is not pretty or json"));
                LogFormat::Pretty
            }
        };
        Self {
            filter,
            format,
            otlp_endpoint: env.optional("OTEL_EXPORTER_OTLP_ENDPOINT"),
        }
    }
}

/// Keeps the trace exporter alive; dropping it flushes pending spans.
#[derive(Debug)]
pub struct TelemetryGuard {
    provider: Option<SdkTracerProvider>,
}

impl Drop for TelemetryGuard {
    fn drop(&mut self) {
        if let Some(provider) = self.provider.take() {
            let _ = provider.shutdown();
        }
    }
}

/// Installs the global subscriber and the W3C propagator. Safe to call more than once (later
/// calls keep the first subscriber). Must run inside a Tokio runtime when OTLP export is on.
pub fn init(service_name: &'static str, config: &TelemetryConfig) -> TelemetryGuard {
    opentelemetry::global::set_text_map_propagator(
        opentelemetry_sdk::propagation::TraceContextPropagator::new(),
    );
    let provider = config.otlp_endpoint.as_deref().and_then(|endpoint| {
        match otlp_provider(service_name, endpoint) {
            Ok(provider) => Some(provider),
            Err(error) => {
                eprintln!(
                    "warning: OTLP export disabled, cannot set up exporter to {endpoint}: {error}"
                );
                None
            }
        }
    });
    let otel_layer = provider.as_ref().map(|provider| {
        opentelemetry::global::set_tracer_provider(provider.clone());
        tracing_opentelemetry::layer().with_tracer(provider.tracer(service_name))
    });
    let filter = EnvFilter::try_new(&config.filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let (pretty, json) = match config.format {
        LogFormat::Pretty => (
            Some(tracing_subscriber::fmt::layer().with_target(true)),
            None,
        ),
        LogFormat::Json => (
            None,
            Some(
                tracing_subscriber::fmt::layer()
                    .json()
                    .flatten_event(true)
                    .with_current_span(true),
            ),
        ),
    };
    let _ = tracing_subscriber::registry()
        .with(filter)
        .with(pretty)
        .with(json)
        .with(otel_layer)
        .try_init();
    TelemetryGuard { provider }
}

fn otlp_provider(
    service_name: &'static str,
    endpoint: &str,
) -> Result<SdkTracerProvider, opentelemetry_otlp::ExporterBuildError> {
    let exporter = opentelemetry_otlp::SpanExporter::builder()
        .with_tonic()
        .with_endpoint(endpoint)
        .build()?;
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name(service_name)
        .build();
    Ok(SdkTracerProvider::builder()
        .with_batch_exporter(exporter)
        .with_resource(resource)
        .build())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bad_log_level_is_reported_under_its_own_name() {
        let mut env = Env::from_map([("LOG_LEVEL", "lou[d")]);
        let _ = TelemetryConfig::from_env(&mut env, AppEnv::Local);
        let error = env.finish().expect_err("invalid filter");
        assert_eq!(error.problems[0].var, "LOG_LEVEL");
    }

    #[test]
    fn json_logs_are_the_default_outside_local() {
        let mut env = Env::from_map(Vec::<(String, String)>::new());
        assert_eq!(
            TelemetryConfig::from_env(&mut env, AppEnv::Cluster).format,
            LogFormat::Json
        );
        assert_eq!(
            TelemetryConfig::from_env(&mut env, AppEnv::Local).format,
            LogFormat::Pretty
        );
    }
}
