//! Scenario 3, a journal page under load: one user's journal is filled by real chat turns (a
//! message and its reply each), then `GET /api/journal/today/messages?limit=50` is asked at an
//! open-loop rate, timed to the whole reply.

use std::time::Instant;

use anyhow::ensure;

use super::client::{Api, first_chunk_and_done};
use super::turns::{Outcome, open_loop};

/// Messages per page asked for.
pub const PAGE: usize = 50;

/// Fills the journal of `token`'s user with `turns` turns, one after another.
pub async fn fill(api: &Api, token: &str, turns: usize) -> anyhow::Result<()> {
    for n in 0..turns {
        let stream = api
            .send(token, &format!("Note number {n} of the day."))
            .await?;
        first_chunk_and_done(api, token, stream, Instant::now()).await?;
    }
    let page = api.today_messages(token, PAGE).await?;
    ensure!(page == PAGE, "a page of {PAGE} messages held {page}");
    Ok(())
}

/// Pages of today's journal at `rate` per second for `seconds`.
pub async fn pages(api: &Api, token: &str, rate: f64, seconds: f64) -> Outcome {
    open_loop(rate, seconds, |_| {
        let (api, token) = (api.clone(), token.to_owned());
        async move {
            let began = Instant::now();
            let page = api.today_messages(&token, PAGE).await?;
            let took = began.elapsed();
            ensure!(page == PAGE, "a page of {PAGE} messages held {page}");
            Ok(took)
        }
    })
    .await
}
