//! The command line every service binary shares: `serve` (default), `migrate`, `seed`,
//! `users …` (account administration, with arguments of its own), `print-config [--vars]` and
//! `help`;
//! [`main`] drives a [`Service`] through them and turns the outcome
//! into one error line and an exit code, so each `main.rs` is a single call.

use std::fmt::{Debug, Display};
use std::future::Future;
use std::process::ExitCode;

use tokio_util::sync::CancellationToken;

use crate::config::{ConfigError, Env};
use crate::startup::RunError;
use crate::telemetry::TelemetryConfig;

/// What a service binary offers to [`main`].
pub trait Service {
    /// Binary name, also the `service.name` in telemetry.
    const NAME: &'static str;
    /// Commands besides `help`.
    const COMMANDS: &'static [Command];
    /// Typed configuration; its `Debug` must redact secrets.
    type Config: Debug + Send + 'static;

    /// Reads the configuration from the environment.
    fn load(env: Env) -> Result<Self::Config, ConfigError>;
    /// Telemetry settings inside the configuration.
    fn telemetry(config: &Self::Config) -> &TelemetryConfig;
    /// Binds the configured listeners and runs until `shutdown` is cancelled.
    fn serve(
        config: Self::Config,
        shutdown: CancellationToken,
    ) -> impl Future<Output = Result<(), RunError>> + Send;
    /// Applies the embedded migrations (only called when `COMMANDS` lists `migrate`; services
    /// without a database keep this default).
    fn migrate(config: Self::Config) -> impl Future<Output = Result<(), RunError>> + Send {
        drop(config);
        async { Ok(()) }
    }
    /// Applies the service's idempotent starter data (only called when `COMMANDS` lists
    /// `seed`; services without seed data keep this default).
    fn seed(config: Self::Config) -> impl Future<Output = Result<(), RunError>> + Send {
        drop(config);
        async { Ok(()) }
    }
    /// Administers accounts; `args` are the words after `users` (only called when `COMMANDS`
    /// lists `users`; services without accounts keep this default).
    fn users(
        config: Self::Config,
        args: Vec<String>,
    ) -> impl Future<Output = Result<(), RunError>> + Send {
        drop((config, args));
        async { Ok(()) }
    }
}

/// What the binary was asked to do.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Command {
    /// Run the service until a shutdown signal.
    Serve,
    /// Apply the embedded database migrations and exit.
    Migrate,
    /// Apply the idempotent starter data and exit.
    Seed,
    /// Administer accounts (`users <subcommand> …`) and exit; takes further arguments.
    Users,
    /// Print the effective configuration (secrets redacted) and exit.
    PrintConfig,
    /// Print usage and exit.
    Help,
}

impl Command {
    fn word(self) -> &'static str {
        match self {
            Command::Serve => "serve",
            Command::Migrate => "migrate",
            Command::Seed => "seed",
            Command::Users => "users",
            Command::PrintConfig => "print-config",
            Command::Help => "help",
        }
    }
}

/// Parses the first argument; `supported` lists the commands this binary offers besides help.
/// Only `users` and `print-config` accept further arguments (left in `args`; see
/// [`print_config_mode`]).
pub fn parse(
    binary: &str,
    mut args: impl Iterator<Item = String>,
    supported: &[Command],
) -> Result<Command, String> {
    let Some(word) = args.next() else {
        return Ok(Command::Serve);
    };
    let command = match word.as_str() {
        "help" | "--help" | "-h" => Command::Help,
        other => supported
            .iter()
            .copied()
            .find(|command| command.word() == other)
            .ok_or_else(|| format!("unknown command `{other}`\n{}", usage(binary, supported)))?,
    };
    if !matches!(command, Command::Users | Command::PrintConfig)
        && let Some(extra) = args.next()
    {
        return Err(format!(
            "unexpected argument `{extra}`\n{}",
            usage(binary, supported)
        ));
    }
    Ok(command)
}

/// What `print-config` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PrintConfig {
    /// The effective configuration, secrets redacted.
    Values,
    /// `--vars`: the names of the variables the binary reads with this environment, one a
    /// line, whether set or not; printed even when a value is invalid (the problems go to
    /// stderr), since the names do not depend on the values being right.
    Names,
}

/// Parses the arguments after `print-config`: none, or `--vars`.
pub fn print_config_mode(
    binary: &str,
    args: impl Iterator<Item = String>,
    supported: &[Command],
) -> Result<PrintConfig, String> {
    let args: Vec<String> = args.collect();
    match args.as_slice() {
        [] => Ok(PrintConfig::Values),
        [flag] if flag == "--vars" => Ok(PrintConfig::Names),
        [.., extra] => Err(format!(
            "unexpected argument `{extra}` (print-config takes only --vars)\n{}",
            usage(binary, supported)
        )),
    }
}

/// One line per command.
pub fn usage(binary: &str, supported: &[Command]) -> String {
    let mut text = format!("usage: {binary} [command]\ncommands:");
    for command in supported {
        let about = match command {
            Command::Serve => "run the service (default)",
            Command::Migrate => "apply the embedded database migrations and exit",
            Command::Seed => "apply the idempotent starter data and exit",
            Command::Users => "administer accounts (`users help` lists the subcommands)",
            Command::PrintConfig => {
                "print the effective configuration (secrets redacted); --vars: the variables read"
            }
            Command::Help => "print this help",
        };
        text.push_str(&format!("\n  {:<13} {about}", command.word()));
    }
    text.push_str(
        "\nconfiguration comes from environment variables; see the service's .env.example",
    );
    text
}

/// Runs a service binary: parses the command, reads the configuration, starts telemetry and
/// the runtime, and reports failure as one `<binary>: error: …` line with exit status 1
/// (2 for a bad command line).
pub fn main<S: Service>() -> ExitCode {
    main_with_args::<S>(std::env::args().skip(1))
}

/// [`main`] with the command line given (without the program name), for a binary that hosts
/// a service under a subcommand of its own (the benchmark runs services as child processes
/// of itself).
pub fn main_with_args<S: Service>(args: impl Iterator<Item = String>) -> ExitCode {
    let mut args = args;
    let command = match parse(S::NAME, args.by_ref(), S::COMMANDS) {
        Ok(command) => command,
        Err(message) => {
            eprintln!("{}: error: {message}", S::NAME);
            return ExitCode::from(2);
        }
    };
    if command == Command::Help {
        println!("{}", usage(S::NAME, S::COMMANDS));
        return ExitCode::SUCCESS;
    }
    let print = if command == Command::PrintConfig {
        match print_config_mode(S::NAME, args.by_ref(), S::COMMANDS) {
            Ok(mode) => Some(mode),
            Err(message) => {
                eprintln!("{}: error: {message}", S::NAME);
                return ExitCode::from(2);
            }
        }
    } else {
        None
    };
    let env = Env::from_process();
    let names = env.names_read();
    let loaded = S::load(env);
    if print == Some(PrintConfig::Names) {
        for name in names.names() {
            println!("{name}");
        }
        if let Err(error) = loaded {
            eprintln!("{}: warning: {error}", S::NAME);
        }
        return ExitCode::SUCCESS;
    }
    let config = match loaded {
        Ok(config) => config,
        Err(error) => return exit_code(S::NAME, Err(error)),
    };
    if print == Some(PrintConfig::Values) {
        println!("{config:#?}");
        return ExitCode::SUCCESS;
    }
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => return exit_code(S::NAME, Err(format!("cannot start the runtime: {error}"))),
    };
    let result = runtime.block_on(async {
        let _telemetry = crate::telemetry::init(S::NAME, S::telemetry(&config));
        crate::metrics::record_build_info(S::NAME);
        match command {
            Command::Migrate => S::migrate(config).await,
            Command::Seed => S::seed(config).await,
            Command::Users => S::users(config, args.collect()).await,
            _ => {
                let shutdown = crate::shutdown::on_signal();
                tracing::info!(service = S::NAME, "starting");
                let outcome = S::serve(config, shutdown).await;
                tracing::info!(service = S::NAME, ok = outcome.is_ok(), "stopped");
                outcome
            }
        }
    });
    runtime.shutdown_timeout(std::time::Duration::from_millis(500));
    exit_code(S::NAME, result)
}

/// Prints a failure as a single `error: …` line on stderr and picks the exit code.
pub fn exit_code<E: Display>(binary: &str, result: Result<(), E>) -> ExitCode {
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("{binary}: error: {error}");
            ExitCode::FAILURE
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const ALL: &[Command] = &[Command::Serve, Command::Migrate, Command::PrintConfig];

    fn args(words: &[&str]) -> impl Iterator<Item = String> {
        words
            .iter()
            .map(|word| word.to_string())
            .collect::<Vec<_>>()
            .into_iter()
    }

    #[test]
    fn no_argument_means_serve() {
        assert_eq!(parse("svc", args(&[]), ALL), Ok(Command::Serve));
    }

    #[test]
    fn known_commands_parse() {
        assert_eq!(parse("svc", args(&["migrate"]), ALL), Ok(Command::Migrate));
        assert_eq!(parse("svc", args(&["--help"]), ALL), Ok(Command::Help));
    }

    #[test]
    fn only_users_takes_further_arguments() {
        let with_users = &[Command::Serve, Command::Users];
        let mut rest = args(&["users", "create", "--email", "a@b"]);
        assert_eq!(parse("svc", rest.by_ref(), with_users), Ok(Command::Users));
        assert_eq!(rest.collect::<Vec<_>>(), ["create", "--email", "a@b"]);
        let error = parse("svc", args(&["serve", "now"]), with_users).expect_err("extra");
        assert!(error.starts_with("unexpected argument `now`"), "{error}");
    }

    #[test]
    fn print_config_takes_only_vars() {
        let mut rest = args(&["print-config", "--vars"]);
        assert_eq!(parse("svc", rest.by_ref(), ALL), Ok(Command::PrintConfig));
        assert_eq!(print_config_mode("svc", rest, ALL), Ok(PrintConfig::Names));
        assert_eq!(
            print_config_mode("svc", args(&[]), ALL),
            Ok(PrintConfig::Values)
        );
        let error = print_config_mode("svc", args(&["--all"]), ALL).expect_err("unknown flag");
        assert!(error.starts_with("unexpected argument `--all`"), "{error}");
    }

    #[test]
    fn unsupported_commands_are_rejected_with_usage() {
        let error = parse("svc", args(&["migrate"]), &[Command::Serve]).expect_err("no migrate");
        assert!(error.starts_with("unknown command `migrate`"));
        assert!(error.contains("usage: svc"));
    }
}
