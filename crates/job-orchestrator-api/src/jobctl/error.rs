//! What can go wrong in a `jobctl` command after its arguments parsed, each cause rendered as
//! one line for stderr and mapped once to an exit status. Usage errors are clap's (status 2)
//! and never reach this module.

use tonic::Code;

/// Exit statuses; docs/operations.md lists them for operators.
pub mod exit {
    /// The command did what was asked; a watched job or batch succeeded.
    pub const SUCCESS: u8 = 0;
    /// A watched job or batch ended failed or cancelled.
    pub const UNSUCCESSFUL: u8 = 1;
    /// Bad command line (clap's own status).
    pub const USAGE: u8 = 2;
    /// NOT_FOUND: no such job, batch or dead letter.
    pub const NOT_FOUND: u8 = 3;
    /// PERMISSION_DENIED or UNAUTHENTICATED: another user's record, or a refused job type.
    pub const PERMISSION_DENIED: u8 = 4;
    /// The request was refused as given (INVALID_ARGUMENT, FAILED_PRECONDITION, OUT_OF_RANGE,
    /// ALREADY_EXISTS): retrying it unchanged will not help.
    pub const REJECTED: u8 = 5;
    /// The API is unreachable or temporarily unable to answer: retrying later may help.
    pub const UNAVAILABLE: u8 = 6;
    /// Anything else: a server fault, or stdout could not be written.
    pub const FAILURE: u8 = 7;
}

/// A command that could not finish.
#[derive(Debug, thiserror::Error)]
pub enum CliError {
    /// No connection to the target could be made.
    #[error(
        "cannot reach job-orchestrator-api at {target} (set --target or JOB_ORCHESTRATOR_GRPC_TARGET): {cause}"
    )]
    Unreachable {
        /// The address dialled.
        target: String,
        /// Why, as one line.
        cause: String,
    },
    /// The API answered with an error status.
    #[error("{}: {}", code_name(*.code), one_line(.message))]
    Rpc {
        /// The gRPC status code.
        code: Code,
        /// The server's message.
        message: String,
    },
    /// A watch stream ended before the job or batch did (the server restarted, say).
    #[error("the watch of {what} ended before it finished; run the command again to resume")]
    WatchInterrupted {
        /// `job <id>` or `batch <id>`.
        what: String,
    },
    /// Writing to the output failed.
    #[error("cannot write output: {0}")]
    Output(#[from] std::io::Error),
    /// A payload file that cannot be read or is not the payload of its job type.
    #[error("{0}")]
    Payload(String),
}

impl From<tonic::Status> for CliError {
    fn from(status: tonic::Status) -> Self {
        CliError::Rpc {
            code: status.code(),
            message: status.message().to_owned(),
        }
    }
}

impl CliError {
    /// The process exit status for this error (see [`exit`]).
    pub fn exit_code(&self) -> u8 {
        match self {
            CliError::Rpc { code, .. } => match code {
                Code::NotFound => exit::NOT_FOUND,
                Code::PermissionDenied | Code::Unauthenticated => exit::PERMISSION_DENIED,
                Code::InvalidArgument
                | Code::FailedPrecondition
                | Code::OutOfRange
                | Code::AlreadyExists => exit::REJECTED,
                Code::Unavailable
                | Code::DeadlineExceeded
                | Code::ResourceExhausted
                | Code::Aborted => exit::UNAVAILABLE,
                _ => exit::FAILURE,
            },
            CliError::Unreachable { .. } | CliError::WatchInterrupted { .. } => exit::UNAVAILABLE,
            CliError::Output(_) => exit::FAILURE,
            CliError::Payload(_) => exit::REJECTED,
        }
    }

    /// True when the reader of stdout went away (`jobctl … | head`): nothing to report.
    pub fn is_broken_pipe(&self) -> bool {
        matches!(self, CliError::Output(error) if error.kind() == std::io::ErrorKind::BrokenPipe)
    }
}

/// The canonical gRPC name of `code`, as in the gRPC spec and other tools' output.
pub fn code_name(code: Code) -> &'static str {
    match code {
        Code::Ok => "OK",
        Code::Cancelled => "CANCELLED",
        Code::Unknown => "UNKNOWN",
        Code::InvalidArgument => "INVALID_ARGUMENT",
        Code::DeadlineExceeded => "DEADLINE_EXCEEDED",
        Code::NotFound => "NOT_FOUND",
        Code::AlreadyExists => "ALREADY_EXISTS",
        Code::PermissionDenied => "PERMISSION_DENIED",
        Code::ResourceExhausted => "RESOURCE_EXHAUSTED",
        Code::FailedPrecondition => "FAILED_PRECONDITION",
        Code::Aborted => "ABORTED",
        Code::OutOfRange => "OUT_OF_RANGE",
        Code::Unimplemented => "UNIMPLEMENTED",
        Code::Internal => "INTERNAL",
        Code::Unavailable => "UNAVAILABLE",
        Code::DataLoss => "DATA_LOSS",
        Code::Unauthenticated => "UNAUTHENTICATED",
    }
}

/// `error` and its causes joined on one line, repeated messages dropped.
pub fn cause_chain(error: &(dyn std::error::Error + 'static)) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut next = Some(error);
    while let Some(error) = next {
        let text = one_line(&error.to_string());
        if !parts.iter().any(|seen| seen.contains(&text)) {
            parts.push(text);
        }
        next = error.source();
    }
    parts.join(": ")
}

fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rpc_errors_print_the_code_name_and_one_line_of_message() {
        let error = CliError::from(tonic::Status::not_found("job x\nnot found"));
        assert_eq!(error.to_string(), "NOT_FOUND: job x not found");
        assert_eq!(error.exit_code(), exit::NOT_FOUND);
    }

    #[test]
    fn exit_codes_separate_what_to_fix_from_what_to_retry() {
        let code = |status: tonic::Status| CliError::from(status).exit_code();
        assert_eq!(
            code(tonic::Status::permission_denied("")),
            exit::PERMISSION_DENIED
        );
        assert_eq!(code(tonic::Status::invalid_argument("")), exit::REJECTED);
        assert_eq!(code(tonic::Status::unavailable("")), exit::UNAVAILABLE);
        assert_eq!(code(tonic::Status::internal("")), exit::FAILURE);
    }
}
