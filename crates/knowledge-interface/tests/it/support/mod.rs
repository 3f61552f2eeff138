//! Helpers shared by the knowledge-interface tests. Each test binary declares `mod support;`
//! and uses a subset, hence `dead_code` is allowed here.
#![allow(dead_code)]

pub mod fake_provider;
pub mod knowledge;
pub mod model_provider;

/// Set by `scripts/local/contract-tests.sh`: the Qdrant and Memgraph halves of the contract
/// suites must run, so an absent server fails them instead of skipping them.
pub const CONTRACT_SERVERS_REQUIRED: &str = "EXOBRAIN_CONTRACT_SERVERS_REQUIRED";

/// Reports that a contract half cannot run (`reason` says which server and why): a note on
/// stderr normally, a failure when [`CONTRACT_SERVERS_REQUIRED`] is set.
pub fn contract_server_absent(reason: &str) {
    if std::env::var(CONTRACT_SERVERS_REQUIRED).is_ok_and(|value| value == "1") {
        panic!("{reason}, and {CONTRACT_SERVERS_REQUIRED}=1 requires it");
    }
    eprintln!("SKIPPED: {reason}; run scripts/local/contract-tests.sh");
}
