//! Stream setup against real JetStream: processes with different registries share the `JOBS`
//! stream, none removes the request subjects another added, and every stream has the configured
//! replica count or setup fails naming `JOBS_STREAM_REPLICAS`.

use exobrain_common::nats::NatsConfig;
use exobrain_jobs::domain::Registry;
use exobrain_jobs::streams;
use exobrain_testkit::TestNats;

#[tokio::test]
async fn a_process_with_another_registry_keeps_the_request_subjects_of_the_first() {
    let nats = TestNats::new().await;
    let config = NatsConfig::new(nats.url.clone(), nats.prefix.clone());
    let with_diagnostics = Registry::standard(3, true);
    let names = streams::ensure(&nats.jetstream, &config, &with_diagnostics, 1)
        .await
        .expect("first process");
    streams::ensure(&nats.jetstream, &config, &Registry::standard(3, false), 1)
        .await
        .expect("second process");

    let mut stream = nats
        .jetstream
        .get_stream(&names.jobs)
        .await
        .expect("stream");
    let subjects = stream.info().await.expect("info").config.subjects.clone();
    for spec in with_diagnostics.specs() {
        let subject = config.subject(&format!("jobs.{}.requested", spec.job_type));
        assert!(subjects.contains(&subject), "{subject} lost: {subjects:?}");
    }
}

#[tokio::test]
async fn streams_keep_the_configured_replica_count() {
    let nats = TestNats::new().await;
    let config = NatsConfig::new(nats.url.clone(), nats.prefix.clone());
    let names = streams::ensure(&nats.jetstream, &config, &Registry::standard(3, false), 1)
        .await
        .expect("one replica on a single server");

    for name in [&names.jobs, &names.status, &names.events, &names.dlq] {
        let mut stream = nats.jetstream.get_stream(name).await.expect("stream");
        let replicas = stream.info().await.expect("info").config.num_replicas;
        assert_eq!(replicas, 1, "{name}");
    }
}

#[tokio::test]
async fn more_replicas_than_a_single_server_has_is_an_error_naming_the_variable() {
    let nats = TestNats::new().await;
    let config = NatsConfig::new(nats.url.clone(), nats.prefix.clone());
    let registry = Registry::standard(3, false);

    let fresh = streams::ensure(&nats.jetstream, &config, &registry, 3)
        .await
        .expect_err("three replicas need a cluster");
    assert!(fresh.contains("JOBS_STREAM_REPLICAS=3"), "{fresh}");

    // Streams created with one replica are reconciled to the new count, which fails the same
    // way here instead of leaving them quietly at one.
    streams::ensure(&nats.jetstream, &config, &registry, 1)
        .await
        .expect("one replica");
    let existing = streams::ensure(&nats.jetstream, &config, &registry, 3)
        .await
        .expect_err("cannot raise to three on one server");
    assert!(existing.contains("JOBS_STREAM_REPLICAS=3"), "{existing}");
    assert!(existing.contains(&config.stream("JOBS")), "{existing}");
}
