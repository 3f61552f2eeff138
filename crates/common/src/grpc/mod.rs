//! Serving gRPC the same way everywhere: `grpc.health.v1`, reflection for the Exobrain
//! descriptor set, the [`guard`] (service credentials and call limits), a tracing span per call
//! that continues the caller's W3C trace and names the caller, request metrics, and graceful
//! shutdown bounded by a grace period.

pub mod guard;
pub mod trace;

use std::time::Duration;

use tokio::net::TcpListener;
use tokio_util::sync::CancellationToken;
use tonic::service::Routes;
use tonic::transport::server::TcpIncoming;

use crate::metrics::GrpcMetricsLayer;
use crate::shutdown::drain;
pub use guard::{CallLimits, Guard};
pub use trace::{ServerTraceLayer, TracedChannel, traced};

/// Adds reflection (v1, and v1alpha for older `grpcurl`) over `descriptor_set` and the health
/// protocol to `routes`.
pub fn with_reflection(
    routes: Routes,
    descriptor_set: &'static [u8],
) -> Result<Routes, tonic_reflection::server::Error> {
    let v1 = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(descriptor_set)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1()?;
    let v1alpha = tonic_reflection::server::Builder::configure()
        .register_encoded_file_descriptor_set(descriptor_set)
        .register_encoded_file_descriptor_set(tonic_health::pb::FILE_DESCRIPTOR_SET)
        .build_v1alpha()?;
    Ok(routes.add_service(v1).add_service(v1alpha))
}

/// Serves `routes` on `listener` (TCP_NODELAY on every connection) behind `guard` until
/// `token` is cancelled; open calls (e.g. watch streams) get at most `grace` to finish. The
/// call metrics take each method's streaming kind from `descriptor_set` (plus health and
/// reflection).
pub async fn serve(
    listener: TcpListener,
    routes: Routes,
    guard: Guard,
    descriptor_set: &'static [u8],
    token: CancellationToken,
    grace: Duration,
) -> Result<(), tonic::transport::Error> {
    let metrics = GrpcMetricsLayer::from_descriptor_sets(&[
        descriptor_set,
        tonic_health::pb::FILE_DESCRIPTOR_SET,
        tonic_reflection::pb::v1::FILE_DESCRIPTOR_SET,
        tonic_reflection::pb::v1alpha::FILE_DESCRIPTOR_SET,
    ]);
    // Outermost first: the span sees the whole call; the guard attaches the caller the
    // metrics label their calls with.
    let server = tonic::transport::Server::builder()
        .layer(ServerTraceLayer)
        .layer(guard.layer())
        .layer(metrics)
        .add_routes(routes)
        .serve_with_incoming_shutdown(
            // Without TCP_NODELAY a reply written in pieces waits for the client's delayed
            // ACK (about 40 ms on Linux) before its last piece leaves.
            TcpIncoming::from(listener).with_nodelay(Some(true)),
            token.clone().cancelled_owned(),
        );
    drain(server, &token, grace).await.unwrap_or(Ok(()))
}

/// The parts of a gRPC service process that are the same everywhere.
#[derive(Debug)]
pub struct GrpcProcess {
    /// Fully qualified names of the business services, reported in `grpc.health.v1`.
    pub services: &'static [&'static str],
    /// Encoded descriptor set for reflection.
    pub descriptor_set: &'static [u8],
    /// Dependency checks behind `/readyz` and gRPC health.
    pub readiness: crate::health::Readiness,
    /// How long in-flight calls may run after shutdown starts.
    pub grace: Duration,
    /// Credentials and call limits.
    pub guard: Guard,
}

/// Serves `routes` plus health and reflection on `grpc_listener`, and the admin endpoints on
/// `admin_listener`, until `token` is cancelled. gRPC health follows readiness.
pub async fn serve_with_admin(
    process: GrpcProcess,
    routes: Routes,
    grpc_listener: TcpListener,
    admin_listener: TcpListener,
    token: CancellationToken,
) -> Result<(), crate::startup::RunError> {
    use crate::startup::RunError;

    let (reporter, health) = crate::health::grpc_health(process.services).await;
    let routes =
        with_reflection(routes.add_service(health), process.descriptor_set).map_err(|error| {
            RunError::Serve {
                what: "gRPC reflection",
                cause: error.to_string(),
            }
        })?;
    let mirror = tokio::spawn(crate::health::mirror_readiness(
        reporter,
        process.services,
        process.readiness.clone(),
        Duration::from_secs(5),
        token.clone(),
    ));
    let admin = crate::admin::serve(
        admin_listener,
        crate::admin::with_metrics(crate::admin::router(process.readiness)),
        token.clone(),
        process.grace,
    );
    let grpc = serve(
        grpc_listener,
        routes,
        process.guard,
        process.descriptor_set,
        token.clone(),
        process.grace,
    );
    let (admin, grpc) = tokio::join!(admin, grpc);
    token.cancel();
    let _ = mirror.await;
    admin.map_err(|error| RunError::Serve {
        what: "admin HTTP server",
        cause: error.to_string(),
    })?;
    grpc.map_err(|error| RunError::Serve {
        what: "gRPC server",
        cause: error.to_string(),
    })
}
