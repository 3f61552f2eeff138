//! One function per `jobctl` command: build the request from the parsed arguments, make the
//! RPC, hand the reply to the [`Printer`], and decide how the command ended (a watch ends with
//! its job's or batch's outcome). No formatting and no argument parsing here.

use std::io::{self, Write};

use exobrain_common::auth::ServiceToken;
use exobrain_proto::job_orchestrator::job_orchestrator_client::JobOrchestratorClient;
use exobrain_proto::job_orchestrator::{
    BatchStatusEvent, CancelJobRequest, GetBatchStatusRequest, GetJobStatusRequest,
    JobLifecycleState, JobStatusEvent, ListDeadLettersRequest, ListJobsRequest,
    ReplayDeadLetterRequest, WatchBatchStatusRequest, WatchJobStatusRequest,
};
use tonic::Streaming;
use tonic::transport::Channel;

use super::ExitStatus;
use super::args::{BatchCommand, Command, DlqCommand, JobsCommand, Owner, Page};
use super::error::CliError;
use super::output::Printer;

type Client = JobOrchestratorClient<Channel>;

/// Runs `command` on `client` presenting `token`, printing through `printer`.
pub async fn execute<W: Write>(
    client: &mut Client,
    token: &ServiceToken,
    command: Command,
    printer: &mut Printer<'_, W>,
) -> Result<ExitStatus, CliError> {
    match command {
        Command::Jobs(command) => jobs(client, token, command, printer).await,
        Command::Batch(command) => batch(client, token, command, printer).await,
        Command::Dlq(command) => dlq(client, token, command, printer).await,
    }
}

async fn jobs<W: Write>(
    client: &mut Client,
    token: &ServiceToken,
    command: JobsCommand,
    printer: &mut Printer<'_, W>,
) -> Result<ExitStatus, CliError> {
    match command {
        JobsCommand::List { owner, state, page } => {
            let request = ListJobsRequest {
                user_id: user(&owner),
                state: state.map(|state| state.wire() as i32),
                job_type: job_type(&page),
                page_size: page.limit.unwrap_or_default(),
                page_token: page.page_token.unwrap_or_default(),
                all_users: false,
            };
            let reply = client
                .list_jobs(token.request(request, None))
                .await?
                .into_inner();
            printer.jobs(&reply.jobs, &reply.next_page_token)?;
        }
        JobsCommand::Show { job_id, owner } => {
            let request = GetJobStatusRequest {
                job_id: job_id.to_string(),
                user_id: user(&owner),
            };
            printer.job(
                &client
                    .get_job_status(token.request(request, None))
                    .await?
                    .into_inner(),
            )?;
        }
        JobsCommand::Watch { job_id, owner } => {
            let request = WatchJobStatusRequest {
                job_id: job_id.to_string(),
                include_current: true,
                user_id: user(&owner),
            };
            let events = client
                .watch_job_status(token.request(request, None))
                .await?
                .into_inner();
            let what = format!("job {job_id}");
            return follow(events, printer, Printer::job_event, job_ended, what).await;
        }
        JobsCommand::Enqueue {
            job_type,
            user,
            payload,
            idempotency_key,
        } => {
            let request = super::enqueue::request(
                job_type.as_str(),
                user.as_str(),
                &payload,
                idempotency_key,
            )?;
            let job_id = client
                .enqueue_job(token.request(request, Some(user.as_str())))
                .await?
                .into_inner()
                .job_id;
            let request = GetJobStatusRequest {
                job_id,
                user_id: user.as_str().to_owned(),
            };
            printer.job(
                &client
                    .get_job_status(token.request(request, None))
                    .await?
                    .into_inner(),
            )?;
        }
        JobsCommand::Cancel { job_id, owner } => {
            let request = CancelJobRequest {
                job_id: job_id.to_string(),
                user_id: user(&owner),
            };
            let reply = client
                .cancel_job(token.request(request, None))
                .await?
                .into_inner();
            printer.job(&reply.job.unwrap_or_default())?;
        }
    }
    Ok(ExitStatus::Success)
}

async fn batch<W: Write>(
    client: &mut Client,
    token: &ServiceToken,
    command: BatchCommand,
    printer: &mut Printer<'_, W>,
) -> Result<ExitStatus, CliError> {
    match command {
        BatchCommand::Show { batch_id, owner } => {
            let request = GetBatchStatusRequest {
                batch_id: batch_id.to_string(),
                user_id: user(&owner),
            };
            let reply = client
                .get_batch_status(token.request(request, None))
                .await?
                .into_inner();
            printer.batch(&reply.status.unwrap_or_default())?;
            Ok(ExitStatus::Success)
        }
        BatchCommand::Watch { batch_id, owner } => {
            let request = WatchBatchStatusRequest {
                batch_id: batch_id.to_string(),
                user_id: user(&owner),
            };
            let events = client
                .watch_batch_status(token.request(request, None))
                .await?
                .into_inner();
            let what = format!("batch {batch_id}");
            follow(events, printer, Printer::batch_event, batch_ended, what).await
        }
    }
}

async fn dlq<W: Write>(
    client: &mut Client,
    token: &ServiceToken,
    command: DlqCommand,
    printer: &mut Printer<'_, W>,
) -> Result<ExitStatus, CliError> {
    match command {
        DlqCommand::List { owner, page } => {
            let request = ListDeadLettersRequest {
                user_id: user(&owner),
                job_type: job_type(&page),
                page_size: page.limit.unwrap_or_default(),
                page_token: page.page_token.unwrap_or_default(),
                all_users: false,
            };
            let reply = client
                .list_dead_letters(token.request(request, None))
                .await?
                .into_inner();
            printer.dead_letters(&reply.dead_letters, &reply.next_page_token)?;
        }
        DlqCommand::Replay {
            dead_letter_id,
            owner,
        } => {
            let dead_letter_id = dead_letter_id.to_string();
            let request = ReplayDeadLetterRequest {
                dead_letter_id: dead_letter_id.clone(),
                user_id: user(&owner),
                all_users: false,
            };
            let reply = client
                .replay_dead_letter(token.request(request, None))
                .await?
                .into_inner();
            printer.replayed(&dead_letter_id, &reply.job_id)?;
        }
    }
    Ok(ExitStatus::Success)
}

/// Prints each event of a watch until `ended` says how the watched job or batch finished. A
/// stream that closes before that was cut off (the server restarted, say).
async fn follow<'p, T, W: Write>(
    mut events: Streaming<T>,
    printer: &mut Printer<'p, W>,
    print: fn(&mut Printer<'p, W>, &T) -> io::Result<()>,
    ended: fn(&T) -> Option<ExitStatus>,
    what: String,
) -> Result<ExitStatus, CliError> {
    while let Some(event) = events.message().await? {
        print(printer, &event)?;
        if let Some(status) = ended(&event) {
            return Ok(status);
        }
    }
    Err(CliError::WatchInterrupted { what })
}

/// A job has ended once an event is terminal; only SUCCEEDED is a success.
fn job_ended(event: &JobStatusEvent) -> Option<ExitStatus> {
    if !event.terminal {
        None
    } else if event.state == JobLifecycleState::Succeeded as i32 {
        Some(ExitStatus::Success)
    } else {
        Some(ExitStatus::Unsuccessful)
    }
}

/// A batch has ended once every job has; it succeeded only if none failed or was cancelled.
fn batch_ended(event: &BatchStatusEvent) -> Option<ExitStatus> {
    let status = event.status.as_ref().filter(|status| status.terminal)?;
    Some(if status.failed == 0 && status.cancelled == 0 {
        ExitStatus::Success
    } else {
        ExitStatus::Unsuccessful
    })
}

fn user(owner: &Owner) -> String {
    owner
        .user
        .as_ref()
        .map(|user| user.as_str().to_owned())
        .unwrap_or_default()
}

/// The type filter on the wire: empty means any.
fn job_type(page: &Page) -> String {
    page.job_type
        .as_ref()
        .map(|job_type| job_type.as_str().to_owned())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;
    use exobrain_proto::job_orchestrator::BatchStatus;

    fn job_event(state: JobLifecycleState, terminal: bool) -> JobStatusEvent {
        JobStatusEvent {
            state: state as i32,
            terminal,
            ..Default::default()
        }
    }

    #[test]
    fn a_job_watch_ends_at_the_first_terminal_event_with_its_outcome() {
        use JobLifecycleState::*;
        assert_eq!(job_ended(&job_event(Started, false)), None);
        assert_eq!(
            job_ended(&job_event(Succeeded, true)),
            Some(ExitStatus::Success)
        );
        for state in [FailedFinal, Cancelled] {
            assert_eq!(
                job_ended(&job_event(state, true)),
                Some(ExitStatus::Unsuccessful)
            );
        }
    }

    #[test]
    fn a_batch_watch_succeeds_only_when_no_job_failed_or_was_cancelled() {
        let event = |terminal, failed, cancelled| BatchStatusEvent {
            status: Some(BatchStatus {
                total: 3,
                succeeded: 3 - failed - cancelled,
                failed,
                cancelled,
                terminal,
                ..Default::default()
            }),
            job_event: None,
        };
        assert_eq!(batch_ended(&event(false, 1, 0)), None);
        assert_eq!(batch_ended(&event(true, 0, 0)), Some(ExitStatus::Success));
        assert_eq!(
            batch_ended(&event(true, 0, 1)),
            Some(ExitStatus::Unsuccessful)
        );
        assert_eq!(
            batch_ended(&event(true, 1, 0)),
            Some(ExitStatus::Unsuccessful)
        );
    }
}
