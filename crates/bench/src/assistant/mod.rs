//! `exobrain-bench assistant`: the assistant backend as the web UI uses it. A fake upstream
//! model runs in this process ([`upstream`]); model-provider (alias `agent` → the fake) and the
//! backend run as child processes on a database of their own ([`services`]), so the backend's
//! memory is its own. Users sign in with bearer tokens ([`client`]).
//!
//! Scenarios, in the order they run (numbered as in issue 14):
//! - sign-in (4): every user signs in once, one at a time (`login_p50_ms`, `login_p99_ms`;
//!   the Argon2id cost is deliberate);
//! - time to first chunk (1): what the backend adds over model-provider at a steady rate of
//!   turns ([`turns`]; `ttfc_added_p50_ms`, `ttfc_added_p99_ms`, target p99 < 5 ms);
//! - journal page (3): 50 journal messages at 500 requests/s over a journal of 300 messages
//!   ([`journal`]; `messages_p50_ms`, `messages_p99_ms`, target p99 < 10 ms);
//! - open streams (2): many chat streams at once ([`streams`]; `streams_rss_mb`, target
//!   < 150 MB, and `stream_delivery_p99_ms`).

mod client;
mod journal;
mod services;
mod streams;
mod turns;
mod upstream;

use std::time::{Duration, Instant};

use anyhow::Context;
use serde_json::{Value, json};
use uuid::Uuid;

use crate::database::BenchDb;
use crate::gateway::load::percentile_ms;
use client::Api;
use services::{PASSWORD, Stack, email};
use turns::Outcome;
use upstream::FakeModel;

/// Turns per second of scenario 1.
const TURN_RATE: f64 = 50.0;
/// Users whose journals take scenario 1's turns (each answers one turn at a time).
const TURN_USERS: usize = 100;
/// Journal pages per second of scenario 3.
const PAGE_RATE: f64 = 500.0;
/// Turns filling scenario 3's journal (two messages each).
const JOURNAL_TURNS: usize = 150;
/// How often a held stream's model sends a token in scenario 2.
const TOKEN_INTERVAL: Duration = Duration::from_secs(1);
/// How long scenario 2 watches its open streams.
const STREAM_WINDOW: Duration = Duration::from_secs(10);

/// Options of the suite.
#[derive(Debug, Clone, Copy)]
pub struct Options {
    /// Length of each measured phase of scenarios 1 and 3, in seconds.
    pub seconds: f64,
    /// Streams open at once in scenario 2.
    pub streams: usize,
    /// The fake model's latency before every reply.
    pub latency: Duration,
}

/// Runs the suite.
pub async fn run(options: Options) -> anyhow::Result<Value> {
    let tag = Uuid::new_v4().simple().to_string()[..10].to_owned();
    let db = BenchDb::create(&format!("exobrain_bench_assistant_{tag}")).await?;
    let fake = FakeModel::start(options.latency, TOKEN_INTERVAL).await?;
    // Users 0..streams hold the streams (the first ones also take scenario 1's turns); the
    // last one keeps the journal of scenario 3.
    let users = options.streams.max(TURN_USERS) + 1;
    let figures = match Stack::start(&db, &fake, users, &tag).await {
        Ok(stack) => {
            let figures = measure(&stack, &fake, users, options).await;
            stack.stop().await;
            figures
        }
        Err(error) => Err(error),
    };
    db.drop_now().await;
    figures
}

async fn measure(
    stack: &Stack,
    fake: &FakeModel,
    users: usize,
    options: Options,
) -> anyhow::Result<Value> {
    let api = Api::new(&stack.backend_url)?;
    let seconds = options.seconds;

    let mut tokens = Vec::with_capacity(users);
    let mut logins = Vec::with_capacity(users);
    for n in 0..users {
        let (token, took) = api.login(&email(n), PASSWORD).await?;
        tokens.push(token);
        logins.push(took);
    }
    let (login_p50, login_p99) = percentiles(&mut logins);
    eprintln!("login: p50 {login_p50:.1} ms, p99 {login_p99:.1} ms over {users} sign-ins");

    eprintln!("warm-up");
    let turn_tokens = &tokens[..TURN_USERS];
    check(
        "warm-up direct",
        turns::direct(&stack.model_url, TURN_RATE, 1.0).await?,
    )?;
    check(
        "warm-up backend",
        turns::through_backend(&api, turn_tokens, TURN_RATE, 1.0).await,
    )?;
    let mut direct = check(
        "direct",
        turns::direct(&stack.model_url, TURN_RATE, seconds).await?,
    )?;
    let mut backend = check(
        "backend",
        turns::through_backend(&api, turn_tokens, TURN_RATE, seconds).await,
    )?;
    let direct_p = percentiles(&mut direct.latencies);
    let backend_p = percentiles(&mut backend.latencies);
    eprintln!(
        "first chunk: direct p50 {:.2} / p99 {:.2} ms, through the backend p50 {:.2} / p99 {:.2} ms",
        direct_p.0, direct_p.1, backend_p.0, backend_p.1
    );

    let journal_token = &tokens[users - 1];
    let filled = Instant::now();
    journal::fill(&api, journal_token, JOURNAL_TURNS).await?;
    eprintln!(
        "journal: {} messages in {:.1} s",
        JOURNAL_TURNS * 2,
        filled.elapsed().as_secs_f64()
    );
    let mut pages = check(
        "journal pages",
        journal::pages(&api, journal_token, PAGE_RATE, seconds).await,
    )?;
    let pages_p = percentiles(&mut pages.latencies);
    eprintln!(
        "journal pages: p50 {:.2} ms, p99 {:.2} ms",
        pages_p.0, pages_p.1
    );

    let streams = streams::run(
        &api,
        &tokens[..options.streams],
        fake,
        &stack.backend,
        STREAM_WINDOW,
    )
    .await
    .context("open streams")?;
    eprintln!(
        "streams: {} open, backend RSS {:.1} MB (before {:.1} MB), delivery p50 {:.2} ms, p99 {:.2} ms over {} tokens",
        streams.streams,
        streams.rss_mb,
        streams.rss_before_mb,
        streams.delivery_p50_ms,
        streams.delivery_p99_ms,
        streams.tokens
    );

    let ttfc_added_p50 = backend_p.0 - direct_p.0;
    let ttfc_added_p99 = backend_p.1 - direct_p.1;
    Ok(json!({
        "suite": "assistant",
        "seconds_per_phase": seconds,
        "model_latency_ms": options.latency.as_secs_f64() * 1000.0,
        "turns_per_sec": TURN_RATE,
        "ttfc_direct_p50_ms": round(direct_p.0),
        "ttfc_direct_p99_ms": round(direct_p.1),
        "ttfc_backend_p50_ms": round(backend_p.0),
        "ttfc_backend_p99_ms": round(backend_p.1),
        "ttfc_added_p50_ms": round(ttfc_added_p50),
        "ttfc_added_p99_ms": round(ttfc_added_p99),
        "turns": backend.latencies.len(),
        "streams": streams.streams,
        "streams_open_s": round(streams.open_s),
        "streams_rss_mb": round(streams.rss_mb),
        "rss_before_streams_mb": round(streams.rss_before_mb),
        "backend_peak_rss_mb": round(stack.backend.peak_rss_mib()),
        "stream_tokens": streams.tokens,
        "stream_delivery_p50_ms": round(streams.delivery_p50_ms),
        "stream_delivery_p99_ms": round(streams.delivery_p99_ms),
        "journal_messages": JOURNAL_TURNS * 2,
        "messages_per_sec": PAGE_RATE,
        "messages_p50_ms": round(pages_p.0),
        "messages_p99_ms": round(pages_p.1),
        "logins": users,
        "login_p50_ms": round(login_p50),
        "login_p99_ms": round(login_p99),
        "login_note": "Argon2id with the argon2 crate's default cost (19 MiB, 2 passes) is deliberate: it is what makes a stolen hash slow to crack",
        "targets": {
            "ttfc_added_p99_ms": "< 5",
            "streams_rss_mb": "< 150",
            "messages_p99_ms": "< 10",
        },
        "targets_held": {
            "ttfc_added_p99_ms": ttfc_added_p99 < 5.0,
            "streams_rss_mb": streams.rss_mb < 150.0,
            "messages_p99_ms": pages_p.1 < 10.0,
        },
    }))
}

/// `outcome` when every call of phase `label` succeeded; the first failure otherwise.
fn check(label: &str, outcome: Outcome) -> anyhow::Result<Outcome> {
    if let Some(error) = &outcome.first_error {
        anyhow::bail!(
            "{label}: {} of {} calls failed, the first with: {error}",
            outcome.errors,
            outcome.errors + outcome.latencies.len()
        );
    }
    Ok(outcome)
}

/// p50 and p99 of `latencies`, in ms.
fn percentiles(latencies: &mut [Duration]) -> (f64, f64) {
    (
        percentile_ms(latencies, 0.5),
        percentile_ms(latencies, 0.99),
    )
}

fn round(value: f64) -> f64 {
    (value * 1000.0).round() / 1000.0
}
