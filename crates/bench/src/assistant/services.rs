//! What the suite measures, started by itself as child processes of this binary: a
//! model-provider whose alias `agent` is the fake model (an `openai_compatible` alias file), and
//! the assistant backend on a database of its own (migrated by `assistant-backend migrate`),
//! with Redis keys under a prefix of the run that expire within minutes. Users are made by
//! `assistant-backend users create` once; the others get copies of that user's password hash
//! in SQL, since hashing a thousand passwords would only measure Argon2id.

use std::collections::HashMap;
use std::process::Stdio;

use anyhow::{Context, bail, ensure};
use exobrain_testkit::openai_compatible_aliases;
use tokio::io::AsyncWriteExt;
use tokio::process::Command;

use super::upstream::FakeModel;
use crate::database::BenchDb;
use crate::knowledge::services::owned;
use crate::process::ServiceProcess;

/// The password of every bench user.
pub const PASSWORD: &str = "bench-password-1";
/// Redis, as the native profile runs it.
const REDIS_URL: &str = "redis://127.0.0.1:6379/0";

/// The email of bench user `n`.
pub fn email(n: usize) -> String {
    format!("bench-{n}@exobrain.bench")
}

/// model-provider and the backend, running.
#[derive(Debug)]
pub struct Stack {
    model_provider: ServiceProcess,
    /// The backend, for its memory.
    pub backend: ServiceProcess,
    /// The backend's base URL, `http://host:port`.
    pub backend_url: String,
    /// model-provider's base URL, ending in `/v1`.
    pub model_url: String,
    aliases: std::path::PathBuf,
}

impl Stack {
    /// Starts model-provider over `fake`, migrates `db`, creates `users` users and starts the
    /// backend; `tag` names the run's files and keys.
    pub async fn start(
        db: &BenchDb,
        fake: &FakeModel,
        users: usize,
        tag: &str,
    ) -> anyhow::Result<Self> {
        let aliases = std::env::temp_dir().join(format!("exobrain-bench-assistant-{tag}.yaml"));
        std::fs::write(
            &aliases,
            openai_compatible_aliases(&fake.base_url, "fake", &["agent"]),
        )
        .context("alias file")?;
        let provider_env = owned([
            ("APP_ENV", "test".to_owned()),
            ("RUST_LOG", "warn".to_owned()),
            ("MODEL_PROVIDER_CONFIG_PATH", aliases.display().to_string()),
            // Every open chat stream holds one upstream request; the default allows 64.
            (
                "MODEL_PROVIDER_OPENAI_COMPATIBLE_MAX_CONCURRENT_REQUESTS",
                "4096".to_owned(),
            ),
        ]);
        let model_provider = ServiceProcess::start(
            "model-provider",
            &provider_env,
            "MODEL_PROVIDER_BIND_ADDRESS",
        )
        .await?;
        let model_url = format!("http://{}/v1", model_provider.address());
        let env = backend_env(&db.dsn, &model_url, tag);
        backend_command(&env, &["migrate"], None).await?;
        backend_command(
            &env,
            &[
                "users",
                "create",
                "--email",
                &email(0),
                "--name",
                "Bench 0",
                "--password-stdin",
            ],
            Some(PASSWORD),
        )
        .await?;
        copy_user(db, users).await?;
        let backend =
            ServiceProcess::start("assistant-backend", &env, "ASSISTANT_BACKEND_BIND_ADDRESS")
                .await?;
        let backend_url = format!("http://{}", backend.address());
        Ok(Self {
            model_provider,
            backend,
            backend_url,
            model_url,
            aliases,
        })
    }

    /// Stops both services and removes the alias file.
    pub async fn stop(self) {
        self.backend.stop().await;
        self.model_provider.stop().await;
        let _ = std::fs::remove_file(&self.aliases);
    }
}

/// The backend's environment (its listener is added by [`ServiceProcess`]).
fn backend_env(dsn: &str, model_url: &str, tag: &str) -> HashMap<String, String> {
    let prefix = format!("bench:{tag}");
    owned([
        ("APP_ENV", "test".to_owned()),
        ("RUST_LOG", "warn".to_owned()),
        ("ASSISTANT_DB_DSN", dsn.to_owned()),
        ("ASSISTANT_CACHE_REDIS_URL", REDIS_URL.to_owned()),
        ("ASSISTANT_CACHE_KEY_PREFIX", format!("{prefix}:sessions")),
        (
            "ASSISTANT_JOURNAL_CACHE_KEY_PREFIX",
            format!("{prefix}:journal-cache"),
        ),
        ("ASSISTANT_CHAT_KEY_PREFIX", format!("{prefix}:chat")),
        // The run's keys expire soon after it (the shortest lifetimes allowed).
        ("ASSISTANT_CHAT_STREAM_TTL_SECONDS", "600".to_owned()),
        ("AUTH_REFRESH_TOKEN_TTL_SECONDS", "600".to_owned()),
        ("AUTH_ACCESS_TOKEN_TTL_SECONDS", "600".to_owned()),
        ("MODEL_PROVIDER_BASE_URL", model_url.to_owned()),
        // Every sign-in of the run comes from 127.0.0.1.
        ("AUTH_LOGIN_MAX_ATTEMPTS_PER_ADDRESS", "1000000".to_owned()),
        ("KNOWLEDGE_RECONCILE_INTERVAL_SECONDS", "86400".to_owned()),
    ])
}

/// Runs `assistant-backend <args>` to its end, with `stdin` as its standard input.
async fn backend_command(
    env: &HashMap<String, String>,
    args: &[&str],
    stdin: Option<&str>,
) -> anyhow::Result<()> {
    let mut child = Command::new(std::env::current_exe()?)
        .args(["__service", "assistant-backend"])
        .args(args)
        .env_clear()
        .env("PATH", std::env::var("PATH").unwrap_or_default())
        .envs(env)
        .stdin(Stdio::piped())
        .stdout(std::io::stderr())
        .kill_on_drop(true)
        .spawn()
        .with_context(|| format!("cannot run assistant-backend {}", args[0]))?;
    if let Some(mut pipe) = child.stdin.take() {
        pipe.write_all(format!("{}\n", stdin.unwrap_or_default()).as_bytes())
            .await?;
    }
    let status = child.wait().await?;
    if !status.success() {
        bail!("assistant-backend {} failed ({status})", args[0]);
    }
    Ok(())
}

/// Users 1..`users` with user 0's password hash.
async fn copy_user(db: &BenchDb, users: usize) -> anyhow::Result<()> {
    let mut tx = db.pool.begin().await?;
    sqlx::query(
        "INSERT INTO users (name, email)
         SELECT 'Bench ' || n, 'bench-' || n || '@exobrain.bench' FROM generate_series(1, $1 - 1) n",
    )
    .bind(i64::try_from(users)?)
    .execute(&mut *tx)
    .await?;
    let copied = sqlx::query(
        "INSERT INTO identities (user_id, provider, provider_subject, password_hash)
         SELECT u.id, i.provider, u.email, i.password_hash
         FROM users u, identities i JOIN users first ON first.id = i.user_id
         WHERE first.email = $1 AND u.email <> $1",
    )
    .bind(email(0))
    .execute(&mut *tx)
    .await?
    .rows_affected();
    tx.commit().await?;
    ensure!(
        copied as usize + 1 == users,
        "made {} users instead of {users}",
        copied + 1
    );
    Ok(())
}
