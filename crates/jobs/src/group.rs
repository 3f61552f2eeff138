//! Group commit: many concurrent callers' small writes run as one database transaction, so
//! the cost of a commit is shared by every job in it. A caller submits one request and waits
//! for its own answer; a few lanes take whatever requests are waiting (up to a maximum) and
//! run them together. When a group fails, each of its requests is run alone, so one bad
//! request gets its own error and never fails its neighbours.
//!
//! Nothing is answered before its group's transaction has committed, so grouping never
//! weakens a guarantee: it only makes callers that arrive together share one commit.

use std::future::Future;
use std::sync::Arc;

use tokio::sync::{Mutex, mpsc, oneshot};

type Entry<R, U, E> = (R, oneshot::Sender<Result<U, E>>);

/// Submits requests of type `R` to be run in groups, answering each with `Result<U, E>`.
#[derive(Debug)]
pub struct GroupCommit<R, U, E> {
    sender: mpsc::Sender<Entry<R, U, E>>,
}

impl<R, U, E> Clone for GroupCommit<R, U, E> {
    fn clone(&self) -> Self {
        Self {
            sender: self.sender.clone(),
        }
    }
}

/// The group runner is gone (the process is shutting down).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the {0} group commit has stopped")]
pub struct Stopped(pub &'static str);

impl<R, U, E> GroupCommit<R, U, E>
where
    R: Clone + Send + 'static,
    U: Send + 'static,
    E: Send + 'static,
{
    /// Starts `lanes` tasks that each take up to `max_group` waiting requests and run them
    /// with `run`, which must answer every request, in order. The tasks end once every
    /// handle is dropped.
    pub fn spawn<F, Fut>(name: &'static str, lanes: usize, max_group: usize, run: F) -> Self
    where
        F: Fn(Vec<R>) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<Vec<U>, E>> + Send + 'static,
    {
        let (sender, receiver) = mpsc::channel(max_group.max(1) * lanes.max(1) * 4);
        let receiver = Arc::new(Mutex::new(receiver));
        let run = Arc::new(run);
        for _ in 0..lanes.max(1) {
            let (receiver, run) = (receiver.clone(), run.clone());
            tokio::spawn(async move {
                while let Some(group) = next_group(&receiver, max_group.max(1)).await {
                    run_group(name, &*run, group).await;
                }
            });
        }
        Self { sender }
    }

    /// Runs `request` in the next group and returns its answer once that group committed.
    pub async fn submit(&self, request: R, name: &'static str) -> Result<Result<U, E>, Stopped> {
        let (reply, answer) = oneshot::channel();
        self.sender
            .send((request, reply))
            .await
            .map_err(|_| Stopped(name))?;
        answer.await.map_err(|_| Stopped(name))
    }
}

/// Waits for one request, then takes those already waiting, up to `max_group`.
async fn next_group<R, U, E>(
    receiver: &Mutex<mpsc::Receiver<Entry<R, U, E>>>,
    max_group: usize,
) -> Option<Vec<Entry<R, U, E>>> {
    let mut receiver = receiver.lock().await;
    let first = receiver.recv().await?;
    let mut group = vec![first];
    while group.len() < max_group {
        match receiver.try_recv() {
            Ok(entry) => group.push(entry),
            Err(_) => break,
        }
    }
    Some(group)
}

async fn run_group<R, U, E, F, Fut>(name: &'static str, run: &F, group: Vec<Entry<R, U, E>>)
where
    R: Clone,
    F: Fn(Vec<R>) -> Fut,
    Fut: Future<Output = Result<Vec<U>, E>>,
{
    metrics::histogram!("jobs_group_commit_size", "group" => name).record(group.len() as f64);
    let requests: Vec<R> = group.iter().map(|(request, _)| request.clone()).collect();
    match run(requests).await {
        Ok(answers) if answers.len() == group.len() => {
            for ((_, reply), answer) in group.into_iter().zip(answers) {
                let _ = reply.send(Ok(answer));
            }
        }
        Ok(answers) => {
            tracing::error!(
                group = name,
                requests = group.len(),
                answers = answers.len(),
                "a group commit answered the wrong number of requests; retrying them one by one"
            );
            run_alone(run, group).await;
        }
        Err(_) if group.len() > 1 => run_alone(run, group).await,
        Err(error) => {
            if let Some((_, reply)) = group.into_iter().next() {
                let _ = reply.send(Err(error));
            }
        }
    }
}

async fn run_alone<R, U, E, F, Fut>(run: &F, group: Vec<Entry<R, U, E>>)
where
    F: Fn(Vec<R>) -> Fut,
    Fut: Future<Output = Result<Vec<U>, E>>,
{
    for (request, reply) in group {
        // A runner that answers nothing drops the reply, which its caller sees as `Stopped`.
        match run(vec![request]).await {
            Ok(mut answers) => {
                if let Some(answer) = answers.pop() {
                    let _ = reply.send(Ok(answer));
                }
            }
            Err(error) => {
                let _ = reply.send(Err(error));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Answers each number doubled, failing any group that holds a negative number.
    fn doubler() -> GroupCommit<i32, i32, String> {
        GroupCommit::spawn("test", 2, 64, |numbers: Vec<i32>| async move {
            if numbers.iter().any(|n| *n < 0) {
                Err(format!("negative in a group of {}", numbers.len()))
            } else {
                Ok(numbers.into_iter().map(|n| n * 2).collect())
            }
        })
    }

    #[tokio::test]
    async fn concurrent_requests_each_get_their_own_answer() {
        let group = doubler();
        let calls = (0..200).map(|n| {
            let group = group.clone();
            async move { (n, group.submit(n, "test").await) }
        });
        for (n, answer) in futures::future::join_all(calls).await {
            assert_eq!(answer, Ok(Ok(n * 2)));
        }
    }

    #[tokio::test]
    async fn a_failing_request_gets_its_own_error_and_spares_its_group() {
        let group = doubler();
        let calls = [-1, 1, 2, 3].map(|n| {
            let group = group.clone();
            async move { group.submit(n, "test").await }
        });
        let answers = futures::future::join_all(calls).await;
        assert_eq!(answers[0], Ok(Err("negative in a group of 1".to_owned())));
        assert_eq!(&answers[1..], [Ok(Ok(2)), Ok(Ok(4)), Ok(Ok(6))]);
    }
}
