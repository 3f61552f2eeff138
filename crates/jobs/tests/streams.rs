//! Stream setup against real JetStream: processes with different registries share the `JOBS`
//! stream, and none removes the request subjects another added.

use exobrain_common::nats::NatsConfig;
use exobrain_jobs::domain::Registry;
use exobrain_jobs::streams;
use exobrain_testkit::TestNats;

#[tokio::test]
async fn a_process_with_another_registry_keeps_the_request_subjects_of_the_first() {
    let nats = TestNats::new().await;
    let config = NatsConfig::new(nats.url.clone(), nats.prefix.clone());
    let with_diagnostics = Registry::standard(3, true);
    let names = streams::ensure(&nats.jetstream, &config, &with_diagnostics)
        .await
        .expect("first process");
    streams::ensure(&nats.jetstream, &config, &Registry::standard(3, false))
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
