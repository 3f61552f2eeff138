//! `jobctl`, the job orchestrator's operator CLI, as a library: it reads, watches and cancels
//! jobs and batches and lists and replays dead letters through the public `JobOrchestrator`
//! gRPC API, presenting its own credential (`--token`) and naming the owning user (or, as an
//! operator, none), exactly like any other client. It must never reach around the
//! API to the database or NATS. The `jobctl` binary only parses the command line, runs
//! [`run`] and turns the result into an exit status.
//!
//! - [`args`]: the command line (clap) and the parsers of its values.
//! - [`commands`]: one RPC per command and how the command ended.
//! - [`output`]: text or JSON lines.
//! - [`error`]: failures as one stderr line and an exit status.

pub mod args;
pub mod commands;
mod enqueue;
pub mod error;
pub mod output;

use std::io::Write;
use std::time::Duration;

use exobrain_proto::job_orchestrator::job_orchestrator_client::JobOrchestratorClient;
use tonic::transport::{Channel, Endpoint};

pub use args::{Args, Target};
pub use error::{CliError, exit};

/// How long dialling the target may take before it counts as unreachable.
pub const CONNECT_TIMEOUT: Duration = Duration::from_secs(5);

/// How a command that ran to the end finished.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExitStatus {
    /// Done; for a watch, the job or batch succeeded.
    Success,
    /// A watched job failed for good or was cancelled, or a watched batch has such a job.
    Unsuccessful,
}

impl ExitStatus {
    /// The process exit status (see [`exit`]).
    pub fn code(self) -> u8 {
        match self {
            ExitStatus::Success => exit::SUCCESS,
            ExitStatus::Unsuccessful => exit::UNSUCCESSFUL,
        }
    }
}

/// Connects to `args.target` and runs the command, writing its output to `out`.
pub async fn run(args: Args, out: &mut impl Write) -> Result<ExitStatus, CliError> {
    let client = connect(&args.target).await?;
    run_with_client(client, args, out).await
}

/// Runs the command on an existing `client`; `args.target` is not used.
pub async fn run_with_client(
    mut client: JobOrchestratorClient<Channel>,
    args: Args,
    out: &mut impl Write,
) -> Result<ExitStatus, CliError> {
    let token = args.token.unwrap_or_default();
    let mut printer = output::Printer::new(out, args.json);
    commands::execute(&mut client, &token, args.command, &mut printer).await
}

/// Dials `target` now, so an unreachable API is reported before any request, naming the
/// target and how to change it.
pub async fn connect(target: &Target) -> Result<JobOrchestratorClient<Channel>, CliError> {
    let unreachable = |cause: String| CliError::Unreachable {
        target: target.to_string(),
        cause,
    };
    let channel = Endpoint::from_shared(target.as_str().to_owned())
        .map_err(|error| unreachable(error::cause_chain(&error)))?
        .connect_timeout(CONNECT_TIMEOUT)
        .connect()
        .await
        .map_err(|error| unreachable(error::cause_chain(&error)))?;
    Ok(JobOrchestratorClient::new(channel))
}
