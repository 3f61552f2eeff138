//! Independent calls of a step, run at once under a bound, their results in order. The calls
//! arrive built (a `Vec` of futures), so no closure is held across an await: the futures of
//! the pipeline stay `Send` for every lifetime, as the worker's runtime needs.

use std::future::Future;

use futures::{StreamExt, TryStreamExt};

/// Runs `calls`, at most `bound` at a time; the first error ends the rest.
pub async fn try_all<T, E, F>(calls: Vec<F>, bound: usize) -> Result<Vec<T>, E>
where
    F: Future<Output = Result<T, E>>,
{
    futures::stream::iter(calls)
        .buffered(bound.max(1))
        .try_collect()
        .await
}
