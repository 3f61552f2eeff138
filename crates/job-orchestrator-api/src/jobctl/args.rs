//! The `jobctl` command line: global flags, the `jobs`, `batch` and `dlq` command groups, and
//! the parsers that turn raw words into checked values (target address, ids, user, job type,
//! state) before anything is sent. It owns the vocabulary operators type; it does no I/O.

use clap::{Parser, Subcommand, ValueEnum};
use exobrain_common::auth::ServiceToken;
use exobrain_jobs::domain::{BatchId, DeadLetterId, JobId, JobType, UserId};
use exobrain_jobs::store::MAX_PAGE_SIZE;
use exobrain_proto::job_orchestrator::JobLifecycleState;

/// Where jobctl connects when neither `--target` nor the variable says otherwise.
pub const DEFAULT_TARGET: &str = "http://127.0.0.1:50061";

/// Shown under `jobctl --help`; the values are [`super::exit`].
const EXIT_STATUSES: &str = "\
Exit status:
  0  done; a watched job or batch succeeded
  1  a watched job or batch ended failed or cancelled
  2  bad command line
  3  NOT_FOUND
  4  PERMISSION_DENIED (another user's record, or a refused job type)
  5  request refused as given (INVALID_ARGUMENT, FAILED_PRECONDITION, ...)
  6  API unreachable or unavailable; retrying later may help
  7  any other failure";

/// Operator CLI for the job orchestrator: read, watch and cancel jobs and batches, list and
/// replay dead letters, over gRPC.
#[derive(Debug, Clone, Parser)]
#[command(name = "jobctl", version, after_help = EXIT_STATUSES)]
pub struct Args {
    /// job-orchestrator-api gRPC address: http://host:port, or host:port
    #[arg(
        long,
        global = true,
        env = "JOB_ORCHESTRATOR_GRPC_TARGET",
        default_value = DEFAULT_TARGET,
        value_parser = Target::parse,
    )]
    pub target: Target,
    /// Print one JSON object per line instead of text
    #[arg(long, global = true)]
    pub json: bool,
    /// The credential jobctl presents (an entry of the API's EXOBRAIN_OPERATOR_CREDENTIALS, or
    /// of EXOBRAIN_SERVICE_CREDENTIALS for one user's records); not needed when the API runs
    /// locally without credentials
    #[arg(
        long,
        global = true,
        env = "JOBCTL_TOKEN",
        hide_env_values = true,
        value_parser = parse_token
    )]
    pub token: Option<ServiceToken>,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The command groups.
#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// List, show, watch and cancel jobs
    #[command(subcommand)]
    Jobs(JobsCommand),
    /// Show and watch batches
    #[command(subcommand)]
    Batch(BatchCommand),
    /// List and replay dead letters (jobs that failed for good)
    #[command(subcommand)]
    Dlq(DlqCommand),
}

/// `jobctl jobs …`
#[derive(Debug, Clone, Subcommand)]
pub enum JobsCommand {
    /// List a user's jobs, newest first
    List {
        #[command(flatten)]
        owner: Owner,
        /// Only jobs in this state
        #[arg(long)]
        state: Option<State>,
        #[command(flatten)]
        page: Page,
    },
    /// Show one job's current state
    Show {
        /// The job's id (a UUID)
        #[arg(value_parser = parse_job_id)]
        job_id: JobId,
        #[command(flatten)]
        owner: Owner,
    },
    /// Print a job's state changes until it ends; exit 0 only if it succeeded
    Watch {
        /// The job's id (a UUID)
        #[arg(value_parser = parse_job_id)]
        job_id: JobId,
        #[command(flatten)]
        owner: Owner,
    },
    /// Enqueue a job for a user from a JSON payload file and print it (for knowledge.update:
    /// {"journal_reference": "2026/12/06", "messages": [{"role": "user", "content": "…",
    /// "sequence": 1, "created_at": "…"}]})
    Enqueue {
        /// The job type, e.g. knowledge.update
        #[arg(long = "type", value_parser = parse_job_type)]
        job_type: JobType,
        /// The user the job runs for
        #[arg(long, env = "JOBCTL_USER", value_parser = parse_user)]
        user: UserId,
        /// The payload as a JSON file; `-` reads standard input
        #[arg(long)]
        payload: std::path::PathBuf,
        /// Same user and key return the job enqueued first instead of a new one
        #[arg(long)]
        idempotency_key: Option<String>,
    },
    /// Cancel a job that has not finished
    Cancel {
        /// The job's id (a UUID)
        #[arg(value_parser = parse_job_id)]
        job_id: JobId,
        #[command(flatten)]
        owner: Owner,
    },
}

/// `jobctl batch …`
#[derive(Debug, Clone, Subcommand)]
pub enum BatchCommand {
    /// Show a batch's progress and each of its jobs
    Show {
        /// The batch's id (a UUID)
        #[arg(value_parser = parse_batch_id)]
        batch_id: BatchId,
        #[command(flatten)]
        owner: Owner,
    },
    /// Print a batch's progress until every job ended; exit 0 only if all succeeded
    Watch {
        /// The batch's id (a UUID)
        #[arg(value_parser = parse_batch_id)]
        batch_id: BatchId,
        #[command(flatten)]
        owner: Owner,
    },
}

/// `jobctl dlq …`
#[derive(Debug, Clone, Subcommand)]
pub enum DlqCommand {
    /// List a user's dead letters, newest first
    List {
        #[command(flatten)]
        owner: Owner,
        #[command(flatten)]
        page: Page,
    },
    /// Enqueue a dead letter's job again as a new job (once) and print its id
    Replay {
        /// The dead letter's id (a UUID)
        #[arg(value_parser = parse_dead_letter_id)]
        dead_letter_id: DeadLetterId,
        #[command(flatten)]
        owner: Owner,
    },
}

/// The user a request is made for: the API scopes records to their owner. Without one, the
/// request covers every user, which needs the operator credential (batches always need one).
#[derive(Debug, Clone, clap::Args)]
pub struct Owner {
    /// The user who owns the records (omit, with the operator credential, for every user)
    #[arg(long, env = "JOBCTL_USER", value_parser = parse_user)]
    pub user: Option<UserId>,
}

/// Filters and cursor of a listing.
#[derive(Debug, Clone, clap::Args)]
pub struct Page {
    /// Only this job type, e.g. knowledge.update
    #[arg(long = "type", value_parser = parse_job_type)]
    pub job_type: Option<JobType>,
    /// Items per page [server default: 50]
    #[arg(long, value_parser = clap::value_parser!(u32).range(1..=i64::from(MAX_PAGE_SIZE)))]
    pub limit: Option<u32>,
    /// Continue after a previous page (the token it printed)
    #[arg(long)]
    pub page_token: Option<String>,
}

/// A job state as operators spell it; `failed` is the wire's FAILED_FINAL.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum State {
    /// Accepted, waiting for a worker.
    Pending,
    /// An attempt is running.
    Started,
    /// An attempt failed; another is scheduled.
    Retrying,
    /// Finished successfully.
    Succeeded,
    /// Failed for good.
    #[value(alias = "failed-final", alias = "failed_final")]
    Failed,
    /// Cancelled by its owner.
    Cancelled,
}

impl State {
    /// The word used on the command line and in text output.
    pub fn word(self) -> &'static str {
        match self {
            State::Pending => "pending",
            State::Started => "started",
            State::Retrying => "retrying",
            State::Succeeded => "succeeded",
            State::Failed => "failed",
            State::Cancelled => "cancelled",
        }
    }

    /// The wire enum.
    pub fn wire(self) -> JobLifecycleState {
        match self {
            State::Pending => JobLifecycleState::EnqueuedOrPending,
            State::Started => JobLifecycleState::Started,
            State::Retrying => JobLifecycleState::Retrying,
            State::Succeeded => JobLifecycleState::Succeeded,
            State::Failed => JobLifecycleState::FailedFinal,
            State::Cancelled => JobLifecycleState::Cancelled,
        }
    }

    /// The state a wire value names; `None` for a value this build does not know.
    pub fn from_wire(raw: i32) -> Option<State> {
        State::value_variants()
            .iter()
            .copied()
            .find(|state| state.wire() as i32 == raw)
    }
}

/// A gRPC address jobctl can dial: `http://host:port`; a bare `host:port` gets `http://`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target(String);

impl Target {
    /// Parses an address as typed by an operator. Blank means unset, as everywhere in
    /// Exobrain's configuration, so an empty variable gives [`DEFAULT_TARGET`].
    pub fn parse(raw: &str) -> Result<Target, String> {
        let raw = raw.trim();
        if raw.is_empty() {
            return Target::parse(DEFAULT_TARGET);
        }
        let uri = match raw.split_once("://") {
            Some((scheme, _)) if scheme.eq_ignore_ascii_case("http") => raw.to_owned(),
            Some((scheme, _)) => {
                return Err(format!(
                    "`{raw}`: scheme `{scheme}` is not supported; jobctl speaks plain http:// (no TLS)"
                ));
            }
            None => format!("http://{raw}"),
        };
        match tonic::transport::Endpoint::from_shared(uri.clone()) {
            Ok(endpoint) if endpoint.uri().host().is_some_and(|host| !host.is_empty()) => {
                Ok(Target(uri))
            }
            _ => Err(format!("`{raw}` is not a host:port address")),
        }
    }

    /// The address with its scheme.
    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Display for Target {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

fn parse_job_id(raw: &str) -> Result<JobId, String> {
    JobId::parse("job_id", raw).map_err(|invalid| invalid.problem)
}

fn parse_batch_id(raw: &str) -> Result<BatchId, String> {
    BatchId::parse("batch_id", raw).map_err(|invalid| invalid.problem)
}

fn parse_dead_letter_id(raw: &str) -> Result<DeadLetterId, String> {
    DeadLetterId::parse("dead_letter_id", raw).map_err(|invalid| invalid.problem)
}

fn parse_token(raw: &str) -> Result<ServiceToken, String> {
    ServiceToken::new(raw.trim())
        .ok_or_else(|| "holds characters not allowed in a header".to_owned())
}

fn parse_user(raw: &str) -> Result<UserId, String> {
    UserId::parse("user", raw).map_err(|invalid| invalid.problem)
}

fn parse_job_type(raw: &str) -> Result<JobType, String> {
    JobType::parse("type", raw).map_err(|invalid| invalid.problem)
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;

    #[test]
    fn the_command_line_definition_is_consistent() {
        Args::command().debug_assert();
    }

    #[test]
    fn the_help_lists_every_exit_status() {
        use crate::jobctl::exit;
        for code in [
            exit::SUCCESS,
            exit::UNSUCCESSFUL,
            exit::USAGE,
            exit::NOT_FOUND,
            exit::PERMISSION_DENIED,
            exit::REJECTED,
            exit::UNAVAILABLE,
            exit::FAILURE,
        ] {
            assert!(EXIT_STATUSES.contains(&format!("\n  {code}  ")), "{code}");
        }
    }

    #[test]
    fn targets_get_a_scheme_and_refuse_what_cannot_be_dialled() {
        assert_eq!(
            Target::parse("10.0.0.5:50061").expect("bare").as_str(),
            "http://10.0.0.5:50061"
        );
        assert_eq!(
            Target::parse(" http://jobs.internal:50061 ")
                .expect("http")
                .as_str(),
            "http://jobs.internal:50061"
        );
        assert!(Target::parse("https://jobs:443").is_err());
        assert_eq!(Target::parse(" ").expect("blank").as_str(), DEFAULT_TARGET);
        assert!(Target::parse("http://").is_err());
        assert!(Target::parse("not a host").is_err());
    }

    #[test]
    fn every_state_word_parses_back_to_its_state_and_wire_value() {
        for state in State::value_variants() {
            assert_eq!(State::from_str(state.word(), false), Ok(*state));
            assert_eq!(State::from_wire(state.wire() as i32), Some(*state));
        }
        assert_eq!(State::from_str("failed_final", false), Ok(State::Failed));
        assert_eq!(State::from_wire(99), None);
    }

    #[test]
    fn bad_ids_and_users_are_usage_errors_not_panics() {
        for words in [
            &["jobctl", "jobs", "show", "42", "--user", "alice"][..],
            &["jobctl", "jobs", "list", "--user", " alice"],
            &["jobctl", "jobs", "list", "--user", "alice", "--limit", "0"],
            &["jobctl", "dlq", "list", "--user", "alice", "--type", "Bad"],
            &[
                "jobctl", "jobs", "list", "--user", "alice", "--state", "done",
            ],
        ] {
            let error = Args::try_parse_from(words).expect_err("must be refused");
            assert_eq!(error.exit_code(), 2, "{words:?}: {error}");
        }
    }
}
