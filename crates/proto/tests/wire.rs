//! Wire compatibility with the original services: names, field numbers and enum values of
//! the messages clients depend on, read back from the compiled descriptor set.

use prost::Message;
use prost_types::FileDescriptorSet;

fn descriptors() -> FileDescriptorSet {
    let mut set = FileDescriptorSet::default();
    for bytes in [
        exobrain_proto::JOB_ORCHESTRATOR_DESCRIPTOR_SET,
        exobrain_proto::KNOWLEDGE_DESCRIPTOR_SET,
    ] {
        set.file.extend(
            FileDescriptorSet::decode(bytes)
                .expect("descriptor set decodes")
                .file,
        );
    }
    set
}

fn fields(package: &str, message: &str) -> Vec<(String, i32)> {
    let set = descriptors();
    let file = set
        .file
        .iter()
        .find(|file| file.package() == package)
        .unwrap_or_else(|| panic!("package {package} missing"));
    let message = file
        .message_type
        .iter()
        .find(|m| m.name() == message)
        .unwrap_or_else(|| panic!("message {message} missing"));
    message
        .field
        .iter()
        .map(|f| (f.name().to_owned(), f.number()))
        .collect()
}

fn assert_fields(package: &str, message: &str, expected: &[(&str, i32)]) {
    let actual = fields(package, message);
    for (name, number) in expected {
        assert!(
            actual.iter().any(|(n, num)| n == name && num == number),
            "{package}.{message}: expected field {name} = {number}, found {actual:?}"
        );
    }
}

const JOBS: &str = "exobrain.job_orchestrator.v1";
const KNOWLEDGE: &str = "exobrain.knowledge.v1";

#[test]
fn job_orchestrator_messages_keep_their_numbers() {
    assert_fields(
        JOBS,
        "EnqueueJobRequest",
        &[
            ("job_type", 1),
            ("user_id", 2),
            ("knowledge_update", 3),
            ("payload_json", 4),
        ],
    );
    assert_fields(
        JOBS,
        "KnowledgeUpdatePayload",
        &[
            ("journal_reference", 1),
            ("messages", 2),
            ("requested_by_user_id", 3),
        ],
    );
    assert_fields(
        JOBS,
        "KnowledgeUpdateMessage",
        &[
            ("role", 1),
            ("content", 2),
            ("sequence", 3),
            ("created_at", 4),
        ],
    );
    assert_fields(
        JOBS,
        "JobStatusEvent",
        &[
            ("job_id", 1),
            ("state", 2),
            ("attempt", 3),
            ("detail", 4),
            ("terminal", 5),
            ("emitted_at", 6),
        ],
    );
    assert_fields(
        JOBS,
        "WatchJobStatusRequest",
        &[("job_id", 1), ("include_current", 2)],
    );
    assert_fields(
        JOBS,
        "GetJobStatusReply",
        &[
            ("job_id", 1),
            ("state", 2),
            ("attempt", 3),
            ("detail", 4),
            ("terminal", 5),
            ("updated_at", 6),
        ],
    );
}

#[test]
fn job_lifecycle_states_keep_their_values() {
    use exobrain_proto::job_orchestrator::JobLifecycleState as State;
    let expected = [
        (State::EnqueuedOrPending, 0),
        (State::Started, 1),
        (State::Retrying, 2),
        (State::Succeeded, 3),
        (State::FailedFinal, 4),
        (State::Cancelled, 5),
    ];
    for (state, value) in expected {
        assert_eq!(state as i32, value, "{state:?}");
    }
}

#[test]
fn knowledge_messages_keep_their_numbers() {
    assert_fields(
        KNOWLEDGE,
        "PropertyValue",
        &[
            ("key", 1),
            ("string_value", 2),
            ("float_value", 3),
            ("int_value", 4),
            ("bool_value", 5),
            ("datetime_value", 6),
            ("json_value", 7),
        ],
    );
    assert_fields(
        KNOWLEDGE,
        "EntityNode",
        &[
            ("id", 1),
            ("type_id", 2),
            ("universe_id", 3),
            ("properties", 4),
            ("user_id", 5),
            ("visibility", 6),
        ],
    );
    assert_fields(
        KNOWLEDGE,
        "GetEntityExtractionSchemaContextRequest",
        &[("include_inactive", 2), ("user_id", 3)],
    );
    assert_fields(
        KNOWLEDGE,
        "EntityContextBlock",
        &[
            ("id", 1),
            ("type_id", 2),
            ("block_level", 3),
            ("properties", 4),
            ("parent_block_id", 5),
            ("text", 6),
            ("neighbors", 9),
        ],
    );
    assert_fields(
        KNOWLEDGE,
        "GetEntityContextReply",
        &[
            ("entity", 1),
            ("entity_properties", 2),
            ("blocks", 3),
            ("neighbors", 4),
        ],
    );
}

#[test]
fn both_services_expose_every_rpc_of_the_original() {
    let set = descriptors();
    let rpcs = |service: &str| -> Vec<String> {
        set.file
            .iter()
            .flat_map(|file| file.service.iter())
            .find(|s| s.name() == service)
            .map(|s| s.method.iter().map(|m| m.name().to_owned()).collect())
            .unwrap_or_default()
    };
    let jobs = rpcs("JobOrchestrator");
    assert_eq!(
        jobs[..3],
        ["EnqueueJob", "GetJobStatus", "WatchJobStatus"],
        "the original RPCs keep their place"
    );
    let knowledge = rpcs("KnowledgeInterface");
    assert_eq!(
        knowledge[14..],
        ["SearchBlocks", "ReindexUser", "ReindexAll"],
        "additions come after the original 14"
    );
    for rpc in [
        "UpsertGraphDelta",
        "GetEntityContext",
        "FindEntityCandidates",
        "ListEntitiesByType",
    ] {
        assert!(knowledge.iter().any(|r| r == rpc), "{rpc} missing");
    }
}
