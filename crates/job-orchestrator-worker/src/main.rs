//! `job-orchestrator-worker` binary: everything happens in the library.

fn main() -> std::process::ExitCode {
    exobrain_common::cli::main::<job_orchestrator_worker::JobOrchestratorWorker>()
}
