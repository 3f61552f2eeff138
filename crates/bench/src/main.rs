//! `exobrain-bench <suite>`: runs one benchmark suite against the local infrastructure and
//! prints its figures, ending with one JSON line. Suites isolate themselves (own streams,
//! subjects, databases), so they can run beside a running backend suite.
//!
//! Suites: `jetstream` (the raw floor: JetStream publish, then pull-consume + ack).

mod jetstream;

use std::process::ExitCode;

const USAGE: &str = "usage: exobrain-bench <suite> [--messages N]\nsuites: jetstream";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let Some(suite) = args.first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let messages = match args.iter().position(|arg| arg == "--messages") {
        Some(index) => match args.get(index + 1).and_then(|n| n.parse::<usize>().ok()) {
            Some(n) if n > 0 => n,
            _ => {
                eprintln!("--messages needs a positive number\n{USAGE}");
                return ExitCode::from(2);
            }
        },
        None => 100_000,
    };
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("cannot start the runtime: {error}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = match suite.as_str() {
        "jetstream" => runtime.block_on(jetstream::run(messages)),
        other => {
            eprintln!("unknown suite `{other}`\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(figures) => {
            println!("{figures}");
            ExitCode::SUCCESS
        }
        Err(error) => {
            eprintln!("exobrain-bench: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}
