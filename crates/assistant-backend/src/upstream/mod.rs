//! The services the backend calls: knowledge-interface and job-orchestrator over gRPC, and
//! model-provider over HTTP. Every call carries the backend's service credential, the signed-in
//! user (`x-user-id`, and the body's `user_id` where the message has one; none for the
//! operator routes' every-user job calls), and a deadline; gRPC calls run in client spans that
//! carry the W3C trace context of the request being served. Connections open on first use, so the backend
//! starts (and serves sign-in and journals) while those services are still coming up.

use std::time::Duration;

use exobrain_common::auth::ServiceToken;
use exobrain_common::config::{AppEnv, Env};
use exobrain_common::grpc::{TracedChannel, traced};
use exobrain_proto::job_orchestrator::job_orchestrator_client::JobOrchestratorClient;
use exobrain_proto::knowledge::knowledge_interface_client::KnowledgeInterfaceClient;
use tonic::transport::{Channel, Endpoint};
use uuid::Uuid;

/// Largest gRPC reply accepted (entity contexts of busy pages run to a few megabytes).
const MAX_REPLY_BYTES: usize = 64 * 1024 * 1024;

/// Where the other services are and how long a call may take.
#[derive(Debug, Clone)]
pub struct UpstreamSettings {
    /// `KNOWLEDGE_INTERFACE_GRPC_TARGET`.
    pub knowledge_target: String,
    /// `KNOWLEDGE_INTERFACE_CONNECT_TIMEOUT_SECONDS`: deadline of each knowledge call.
    pub knowledge_timeout: Duration,
    /// `JOB_ORCHESTRATOR_GRPC_TARGET`.
    pub jobs_target: String,
    /// `JOB_ORCHESTRATOR_CONNECT_TIMEOUT_SECONDS`: deadline of each unary job call.
    pub jobs_timeout: Duration,
    /// `MODEL_PROVIDER_BASE_URL`, normalised to end in `/v1`.
    pub model_base_url: String,
    /// `EXOBRAIN_SERVICE_TOKEN`: the backend's credential towards the other services.
    pub service_token: ServiceToken,
    /// `MODEL_PROVIDER_API_TOKEN` (else the service token): the credential towards
    /// model-provider.
    pub model_token: ServiceToken,
}

impl UpstreamSettings {
    /// Reads the targets, deadlines and credentials.
    pub fn from_env(env: &mut Env, app_env: AppEnv) -> Self {
        let service_token =
            ServiceToken::from_env(env, &[exobrain_common::auth::SERVICE_TOKEN_VAR], app_env);
        let model_token = if env.optional("MODEL_PROVIDER_API_TOKEN").is_some() {
            ServiceToken::from_env(env, &["MODEL_PROVIDER_API_TOKEN"], app_env)
        } else {
            service_token.clone()
        };
        Self {
            knowledge_target: env
                .string("KNOWLEDGE_INTERFACE_GRPC_TARGET", "http://127.0.0.1:50051"),
            knowledge_timeout: env.seconds(
                "KNOWLEDGE_INTERFACE_CONNECT_TIMEOUT_SECONDS",
                Duration::from_secs(5),
            ),
            jobs_target: env.string("JOB_ORCHESTRATOR_GRPC_TARGET", "http://127.0.0.1:50061"),
            jobs_timeout: env.seconds(
                "JOB_ORCHESTRATOR_CONNECT_TIMEOUT_SECONDS",
                Duration::from_secs(5),
            ),
            model_base_url: normalise_model_base(
                &env.string("MODEL_PROVIDER_BASE_URL", "http://127.0.0.1:8010/v1"),
            ),
            service_token,
            model_token,
        }
    }
}

/// `http://host:8010`, `http://host:8010/` and `http://host:8010/v1` all mean the same base.
pub fn normalise_model_base(raw: &str) -> String {
    let trimmed = raw.trim().trim_end_matches('/');
    if trimmed.ends_with("/v1") {
        trimmed.to_owned()
    } else {
        format!("{trimmed}/v1")
    }
}

/// A target that is not a URI.
#[derive(Debug, thiserror::Error)]
#[error("{var} `{target}` is not a gRPC target: {cause}")]
pub struct TargetError {
    var: &'static str,
    target: String,
    cause: String,
}

/// Clients of the other services, cheap to clone.
#[derive(Debug, Clone)]
pub struct Upstreams {
    knowledge: Channel,
    jobs: Channel,
    settings: UpstreamSettings,
    http: reqwest::Client,
}

impl Upstreams {
    /// Lazily connecting clients for `settings`.
    pub fn new(settings: UpstreamSettings) -> Result<Self, TargetError> {
        let knowledge = lazy_channel(
            "KNOWLEDGE_INTERFACE_GRPC_TARGET",
            &settings.knowledge_target,
        )?;
        let jobs = lazy_channel("JOB_ORCHESTRATOR_GRPC_TARGET", &settings.jobs_target)?;
        let http = reqwest::Client::builder()
            .connect_timeout(Duration::from_secs(5))
            .build()
            .unwrap_or_default();
        Ok(Self {
            knowledge,
            jobs,
            settings,
            http,
        })
    }

    /// The settings the clients were made with.
    pub fn settings(&self) -> &UpstreamSettings {
        &self.settings
    }

    /// knowledge-interface.
    pub fn knowledge(&self) -> KnowledgeInterfaceClient<TracedChannel> {
        KnowledgeInterfaceClient::new(traced(self.knowledge.clone()))
            .max_decoding_message_size(MAX_REPLY_BYTES)
    }

    /// job-orchestrator-api.
    pub fn jobs(&self) -> JobOrchestratorClient<TracedChannel> {
        JobOrchestratorClient::new(traced(self.jobs.clone()))
            .max_decoding_message_size(MAX_REPLY_BYTES)
    }

    /// `message` as a knowledge-interface call made for `user`, with its deadline.
    pub fn knowledge_request<T>(&self, user: Uuid, message: T) -> tonic::Request<T> {
        self.request(Some(user), message, Some(self.settings.knowledge_timeout))
    }

    /// `message` as a job-orchestrator call made for `user`; `deadline` is `None` for
    /// server streams that live as long as the job.
    pub fn jobs_request<T>(
        &self,
        user: Uuid,
        message: T,
        deadline: Option<Duration>,
    ) -> tonic::Request<T> {
        self.request(Some(user), message, deadline)
    }

    /// `message` as a job-orchestrator call made for no one user (every user's records, for
    /// the operator routes, which check the role first), with the unary deadline.
    pub fn jobs_request_for_operator<T>(&self, message: T) -> tonic::Request<T> {
        self.request(None, message, Some(self.settings.jobs_timeout))
    }

    /// The default deadline of unary job calls.
    pub fn jobs_timeout(&self) -> Duration {
        self.settings.jobs_timeout
    }

    fn request<T>(
        &self,
        user: Option<Uuid>,
        message: T,
        deadline: Option<Duration>,
    ) -> tonic::Request<T> {
        let user = user.map(|user| user.to_string());
        let mut request = self
            .settings
            .service_token
            .request(message, user.as_deref());
        if let Some(deadline) = deadline {
            request.set_timeout(deadline);
        }
        request
    }

    /// A model-provider request to `path` (below `/v1`) with the credential and the user; send
    /// it with [`exobrain_common::telemetry::http_client::send`], which adds the trace context.
    pub fn model_request(
        &self,
        method: reqwest::Method,
        path: &str,
        user: Uuid,
    ) -> reqwest::RequestBuilder {
        let url = format!(
            "{}/{}",
            self.settings.model_base_url,
            path.trim_start_matches('/')
        );
        let mut headers = http::HeaderMap::new();
        if let Ok(value) = http::HeaderValue::from_str(&user.to_string()) {
            headers.insert(exobrain_common::auth::USER_HEADER, value);
        }
        if let Some(token) = self.settings.model_token.header() {
            headers.insert(http::header::AUTHORIZATION, token.clone());
        }
        self.http.request(method, url).headers(headers)
    }
}

fn lazy_channel(var: &'static str, target: &str) -> Result<Channel, TargetError> {
    let endpoint = Endpoint::from_shared(target.to_owned()).map_err(|error| TargetError {
        var,
        target: target.to_owned(),
        cause: error.to_string(),
    })?;
    Ok(endpoint
        .connect_timeout(Duration::from_secs(5))
        .tcp_nodelay(true)
        .connect_lazy())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn model_base_urls_end_in_v1_once() {
        assert_eq!(normalise_model_base("http://h:1"), "http://h:1/v1");
        assert_eq!(normalise_model_base("http://h:1/"), "http://h:1/v1");
        assert_eq!(normalise_model_base("http://h:1/v1/"), "http://h:1/v1");
    }

    #[test]
    fn deadlines_must_be_positive_seconds() {
        let mut env = Env::from_map([("KNOWLEDGE_INTERFACE_CONNECT_TIMEOUT_SECONDS", "0")]);
        let _ = UpstreamSettings::from_env(&mut env, AppEnv::Local);
        let error = env.finish().expect_err("zero is refused");
        assert!(
            error
                .to_string()
                .contains("KNOWLEDGE_INTERFACE_CONNECT_TIMEOUT_SECONDS")
        );

        let mut env = Env::from_map([("JOB_ORCHESTRATOR_CONNECT_TIMEOUT_SECONDS", "2.5")]);
        let settings = UpstreamSettings::from_env(&mut env, AppEnv::Local);
        env.finish().expect("valid");
        assert_eq!(settings.jobs_timeout, Duration::from_millis(2500));
    }
}
