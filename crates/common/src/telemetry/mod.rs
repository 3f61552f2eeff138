//! Telemetry from one call: `tracing` with `RUST_LOG`/`LOG_LEVEL` filtering, pretty or JSON
//! logs (`LOG_FORMAT`; JSON lines carry `trace_id`/`span_id`, see [`json`]), and OpenTelemetry
//! spans, always on so every span has ids, exported over OTLP (gRPC or HTTP/protobuf, see
//! [`OtlpProtocol`]) when `OTEL_EXPORTER_OTLP_ENDPOINT` is set. Span shapes live in [`spans`],
//! W3C trace context helpers in [`propagation`], traced HTTP calls in [`http_client`].

pub mod http_client;
pub mod json;
pub mod propagation;
pub mod spans;

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_otlp::WithExportConfig;
use opentelemetry_sdk::trace::SdkTracerProvider;
use tracing::Level;
use tracing_subscriber::EnvFilter;
use tracing_subscriber::filter::filter_fn;
use tracing_subscriber::layer::{Layer as _, SubscriberExt};
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

/// How spans travel to the OTLP collector (`OTEL_EXPORTER_OTLP_PROTOCOL`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OtlpProtocol {
    /// `grpc` (the default): OTLP/gRPC, usually on port 4317.
    Grpc,
    /// `http/protobuf`: OTLP/HTTP, `POST <endpoint>/v1/traces`, usually on port 4318.
    HttpProtobuf,
}

impl OtlpProtocol {
    /// The protocol named `value`, as the OpenTelemetry specification spells it.
    pub fn parse(value: &str) -> Option<Self> {
        match value.trim().to_ascii_lowercase().as_str() {
            "grpc" => Some(Self::Grpc),
            "http/protobuf" => Some(Self::HttpProtobuf),
            _ => None,
        }
    }
}

/// Telemetry settings, read from the environment.
#[derive(Debug, Clone)]
pub struct TelemetryConfig {
    /// Filter directives (`RUST_LOG`, else `LOG_LEVEL`, else `info`).
    pub filter: String,
    /// `LOG_FORMAT`: `pretty` or `json` (default pretty locally, json elsewhere).
    pub format: LogFormat,
    /// `OTEL_EXPORTER_OTLP_ENDPOINT`: the OTLP collector, export disabled when unset.
    pub otlp_endpoint: Option<String>,
    /// `OTEL_EXPORTER_OTLP_PROTOCOL`: `grpc` (default) or `http/protobuf`.
    pub otlp_protocol: OtlpProtocol,
    /// `OTEL_SERVICE_NAME`: the `service.name` of exported spans (default: the binary's name).
    pub service_name: Option<String>,
}

impl TelemetryConfig {
    /// Reads `RUST_LOG`, `LOG_LEVEL`, `LOG_FORMAT`, `OTEL_EXPORTER_OTLP_ENDPOINT`,
    /// `OTEL_EXPORTER_OTLP_PROTOCOL` and `OTEL_SERVICE_NAME`.
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
        let protocol = env.string("OTEL_EXPORTER_OTLP_PROTOCOL", "grpc");
        let otlp_protocol = OtlpProtocol::parse(&protocol).unwrap_or_else(|| {
            env.problem(
                "OTEL_EXPORTER_OTLP_PROTOCOL",
                format!("`{protocol}` is not grpc or http/protobuf"),
            );
            OtlpProtocol::Grpc
        });
        Self {
            filter,
            format,
            otlp_endpoint: env.optional("OTEL_EXPORTER_OTLP_ENDPOINT"),
            otlp_protocol,
            service_name: env
                .optional("OTEL_SERVICE_NAME")
                .filter(|name| !name.trim().is_empty()),
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
/// Spans always get OpenTelemetry ids (for propagation and log correlation); they are exported
/// only when an endpoint is set.
pub fn init(service_name: &'static str, config: &TelemetryConfig) -> TelemetryGuard {
    opentelemetry::global::set_text_map_propagator(
        opentelemetry_sdk::propagation::TraceContextPropagator::new(),
    );
    let resource = opentelemetry_sdk::Resource::builder()
        .with_service_name(
            config
                .service_name
                .clone()
                .unwrap_or_else(|| service_name.to_owned()),
        )
        .build();
    let mut builder = SdkTracerProvider::builder().with_resource(resource);
    if let Some(endpoint) = config.otlp_endpoint.as_deref() {
        match otlp_exporter(endpoint, config.otlp_protocol) {
            Ok(exporter) => builder = builder.with_batch_exporter(exporter),
            Err(error) => eprintln!(
                "warning: OTLP export disabled, cannot set up exporter to {endpoint}: {error}"
            ),
        }
    }
    let provider = builder.build();
    opentelemetry::global::set_tracer_provider(provider.clone());
    // Traces keep their own level: `LOG_LEVEL=warn` quiets the logs, not the spans. Only
    // warnings and errors become span events: an info line in a long-lived span would otherwise
    // be kept with it until it closes, and copied for every request.
    let otel_layer = tracing_opentelemetry::layer()
        .with_tracer(provider.tracer(service_name))
        .with_filter(filter_fn(|metadata| {
            let level = *metadata.level();
            if metadata.is_span() {
                level <= Level::INFO
            } else {
                level <= Level::WARN
            }
        }));
    let filter = EnvFilter::try_new(&config.filter).unwrap_or_else(|_| EnvFilter::new("info"));
    let logs = match config.format {
        LogFormat::Pretty => tracing_subscriber::fmt::layer().with_target(true).boxed(),
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .event_format(json::TraceJson::default())
            .boxed(),
    };
    let _ = tracing_subscriber::registry()
        .with(otel_layer)
        .with(logs.with_filter(filter))
        .try_init();
    TelemetryGuard {
        provider: Some(provider),
    }
}

/// The span exporter for `endpoint` over `protocol`. For OTLP/HTTP the endpoint is the
/// collector's base URL (as `OTEL_EXPORTER_OTLP_ENDPOINT` is defined) and `/v1/traces` is
/// appended.
fn otlp_exporter(
    endpoint: &str,
    protocol: OtlpProtocol,
) -> Result<opentelemetry_otlp::SpanExporter, opentelemetry_otlp::ExporterBuildError> {
    match protocol {
        OtlpProtocol::Grpc => opentelemetry_otlp::SpanExporter::builder()
            .with_tonic()
            .with_endpoint(endpoint)
            .build(),
        OtlpProtocol::HttpProtobuf => opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .with_protocol(opentelemetry_otlp::Protocol::HttpBinary)
            .with_endpoint(format!("{}/v1/traces", endpoint.trim_end_matches('/')))
            .build(),
    }
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
    fn the_otlp_protocol_is_grpc_unless_http_protobuf_is_asked_for() {
        let mut env = Env::from_map(Vec::<(String, String)>::new());
        let config = TelemetryConfig::from_env(&mut env, AppEnv::Local);
        assert_eq!(config.otlp_protocol, OtlpProtocol::Grpc);
        assert_eq!(config.service_name, None);

        let mut env = Env::from_map([
            ("OTEL_EXPORTER_OTLP_PROTOCOL", "http/protobuf"),
            ("OTEL_SERVICE_NAME", "backend-eu"),
        ]);
        let config = TelemetryConfig::from_env(&mut env, AppEnv::Local);
        assert_eq!(config.otlp_protocol, OtlpProtocol::HttpProtobuf);
        assert_eq!(config.service_name.as_deref(), Some("backend-eu"));
        assert!(env.finish().is_ok());
    }

    #[test]
    fn an_unknown_otlp_protocol_is_a_config_error() {
        let mut env = Env::from_map([("OTEL_EXPORTER_OTLP_PROTOCOL", "http/json")]);
        let _ = TelemetryConfig::from_env(&mut env, AppEnv::Local);
        let error = env.finish().expect_err("unsupported protocol");
        assert_eq!(error.problems[0].var, "OTEL_EXPORTER_OTLP_PROTOCOL");
        assert!(error.problems[0].problem.contains("http/json"), "{error}");
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
