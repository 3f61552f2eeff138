//! `exobrain-bench <suite>`: runs one benchmark suite against the local infrastructure and
//! prints its figures, ending with one JSON line. Suites isolate themselves (own streams,
//! subjects, databases), so they can run beside a running backend suite.
//!
//! Suites: `jetstream` (the raw floor: JetStream publish, then pull-consume + ack), `jobs`
//! (the job orchestrator end to end; see [`jobs`]), `gateway` (model-provider's added latency,
//! memory and local embedding throughput; see [`gateway`]), `knowledge` (the knowledge
//! interface at 10,000 and 100,000 entities; see [`knowledge`]), `chaos` (the fault drill: jobs
//! under worker kills, NATS and PostgreSQL restarts, poison and oversize requests; see
//! [`chaos`]; exits 1 when a guarantee did not hold), `pipeline` (the `knowledge.update`
//! pipeline with a scripted model of fixed latency; see [`pipeline`]), `assistant` (the
//! assistant backend: time to first chunk, open streams, journal pages, sign-in; see
//! [`assistant`]).
//!
//! `exobrain-bench __service <api|worker|model-provider|knowledge-interface|assistant-backend>
//! <command>` runs a service in this process; the suites start their services that way, as
//! child processes of their own.

mod assistant;
mod chaos;
mod database;
mod gateway;
mod jetstream;
mod jobs;
mod knowledge;
mod pipeline;
mod process;

use std::process::ExitCode;

const USAGE: &str = "usage: exobrain-bench <suite> [--messages N] [--concurrency C]\n\
       exobrain-bench knowledge [--entities N[,N...]] [--quick]\n\
       exobrain-bench chaos [--quick] [--seed N] [--shared-infra]\n\
       exobrain-bench pipeline [--latency-ms L]\n\
       exobrain-bench assistant [--seconds S] [--streams N] [--latency-ms L]\n\
suites: jetstream, jobs, gateway, knowledge, chaos, pipeline, assistant (--messages: messages or jobs per phase, or\n\
seconds per phase for gateway; --concurrency: worker slots; --entities: graph sizes, default\n\
10000,100000; --quick: a smoke run (2,000 entities; for chaos three worker kills and one of\n\
every other fault); --seed: the chaos plan's seed; --shared-infra: chaos restarts this\n\
machine's own PostgreSQL and NATS instead of private ones, never on a shared machine; for\n\
assistant --seconds: length of the timed phases, default 10, --streams: chat streams open at\n\
once, default 1000, --latency-ms: the fake model's latency, default 20)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    if args.first().map(String::as_str) == Some("__service") {
        let rest = args.iter().skip(2).cloned();
        return match args.get(1).map(String::as_str) {
            Some("api") => exobrain_common::cli::main_with_args::<
                job_orchestrator_api::JobOrchestratorApi,
            >(rest),
            Some("worker") => exobrain_common::cli::main_with_args::<
                job_orchestrator_worker::JobOrchestratorWorker,
            >(rest),
            Some("model-provider") => {
                exobrain_common::cli::main_with_args::<model_provider::ModelProvider>(rest)
            }
            Some("knowledge-interface") => exobrain_common::cli::main_with_args::<
                knowledge_interface::KnowledgeInterface,
            >(rest),
            Some("assistant-backend") => {
                exobrain_common::cli::main_with_args::<assistant_backend::AssistantBackend>(rest)
            }
            _ => {
                eprintln!(
                    "__service takes api, worker, model-provider, knowledge-interface or \
                     assistant-backend"
                );
                ExitCode::from(2)
            }
        };
    }
    let Some(suite) = args.first() else {
        eprintln!("{USAGE}");
        return ExitCode::from(2);
    };
    let Some(messages) = number_flag(&args, "--messages", 100_000) else {
        return ExitCode::from(2);
    };
    let Some(concurrency) = number_flag(&args, "--concurrency", 1024) else {
        return ExitCode::from(2);
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
        "gateway" => {
            let seconds = if args.iter().any(|arg| arg == "--messages") {
                messages as f64
            } else {
                5.0
            };
            runtime.block_on(gateway::run(seconds))
        }
        "jobs" => {
            let jobs = if args.iter().any(|arg| arg == "--messages") {
                messages
            } else {
                20_000
            };
            runtime.block_on(jobs::run(jobs::Options { jobs, concurrency }))
        }
        "chaos" => match chaos::Options::from_args(&args) {
            Ok(options) => runtime.block_on(chaos::run(options)),
            Err(problem) => {
                eprintln!("{problem}\n{USAGE}");
                return ExitCode::from(2);
            }
        },
        "pipeline" => {
            let Some(latency) = number_flag(&args, "--latency-ms", 50) else {
                return ExitCode::from(2);
            };
            runtime.block_on(pipeline::run(pipeline::Options {
                latency: std::time::Duration::from_millis(latency as u64),
            }))
        }
        "assistant" => {
            let (Some(seconds), Some(streams), Some(latency)) = (
                number_flag(&args, "--seconds", 10),
                number_flag(&args, "--streams", 1000),
                number_flag(&args, "--latency-ms", 20),
            ) else {
                return ExitCode::from(2);
            };
            runtime.block_on(assistant::run(assistant::Options {
                seconds: seconds as f64,
                streams,
                latency: std::time::Duration::from_millis(latency as u64),
            }))
        }
        "knowledge" => match knowledge::Options::from_args(&args) {
            Ok(options) => runtime.block_on(knowledge::run(options)),
            Err(problem) => {
                eprintln!("{problem}\n{USAGE}");
                return ExitCode::from(2);
            }
        },
        other => {
            eprintln!("unknown suite `{other}`\n{USAGE}");
            return ExitCode::from(2);
        }
    };
    match outcome {
        Ok(figures) => {
            println!("{figures}");
            // A suite that checks guarantees (chaos) says whether they held.
            if figures["passed"] == serde_json::Value::Bool(false) {
                ExitCode::FAILURE
            } else {
                ExitCode::SUCCESS
            }
        }
        Err(error) => {
            eprintln!("exobrain-bench: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// The positive number after `flag`, `default` without the flag; `None` (reported) when bad.
fn number_flag(args: &[String], flag: &str, default: usize) -> Option<usize> {
    let Some(index) = args.iter().position(|arg| arg == flag) else {
        return Some(default);
    };
    match args.get(index + 1).and_then(|n| n.parse::<usize>().ok()) {
        Some(n) if n > 0 => Some(n),
        _ => {
            eprintln!("{flag} needs a positive number\n{USAGE}");
            None
        }
    }
}
