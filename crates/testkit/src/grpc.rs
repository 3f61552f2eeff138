//! Standard gRPC clients for checking a running service from a test: `grpc.health.v1` and
//! server reflection.

use tonic_health::pb::HealthCheckRequest;
use tonic_health::pb::health_check_response::ServingStatus;
use tonic_health::pb::health_client::HealthClient;
use tonic_reflection::pb::v1::ServerReflectionRequest;
use tonic_reflection::pb::v1::server_reflection_client::ServerReflectionClient;
use tonic_reflection::pb::v1::server_reflection_request::MessageRequest;
use tonic_reflection::pb::v1::server_reflection_response::MessageResponse;

/// Asks `grpc.health.v1.Health/Check` at `endpoint` (e.g. `http://127.0.0.1:50051`) about
/// `service` (`""` for the whole server).
pub async fn grpc_health(endpoint: &str, service: &str) -> Result<ServingStatus, tonic::Status> {
    let mut client = HealthClient::new(channel(endpoint).await?);
    let reply = client
        .check(HealthCheckRequest {
            service: service.to_owned(),
        })
        .await?
        .into_inner();
    Ok(ServingStatus::try_from(reply.status).unwrap_or(ServingStatus::Unknown))
}

/// Lists the services a server announces through reflection (v1).
pub async fn reflected_services(endpoint: &str) -> Result<Vec<String>, tonic::Status> {
    let mut client = ServerReflectionClient::new(channel(endpoint).await?);
    let request = ServerReflectionRequest {
        host: String::new(),
        message_request: Some(MessageRequest::ListServices(String::new())),
    };
    let mut replies = client
        .server_reflection_info(tokio_stream::once(request))
        .await?
        .into_inner();
    let mut names = Vec::new();
    while let Some(reply) = replies.message().await? {
        if let Some(MessageResponse::ListServicesResponse(list)) = reply.message_response {
            names.extend(list.service.into_iter().map(|service| service.name));
        }
    }
    Ok(names)
}

async fn channel(endpoint: &str) -> Result<tonic::transport::Channel, tonic::Status> {
    tonic::transport::Endpoint::from_shared(endpoint.to_owned())
        .map_err(|error| tonic::Status::invalid_argument(error.to_string()))?
        .connect()
        .await
        .map_err(|error| tonic::Status::unavailable(error.to_string()))
}
