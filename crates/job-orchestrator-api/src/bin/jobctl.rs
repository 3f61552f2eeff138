//! `jobctl` binary: parse the command line, run [`job_orchestrator_api::jobctl::run`] on a
//! small runtime, and turn the result into one stderr line and an exit status.

use std::process::ExitCode;

use clap::Parser;
use job_orchestrator_api::jobctl::{self, Args, exit};

fn main() -> ExitCode {
    let args = Args::parse();
    let runtime = match tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(error) => {
            eprintln!("jobctl: cannot start the runtime: {error}");
            return ExitCode::from(exit::FAILURE);
        }
    };
    match runtime.block_on(jobctl::run(args, &mut std::io::stdout())) {
        Ok(status) => ExitCode::from(status.code()),
        Err(error) => {
            if !error.is_broken_pipe() {
                eprintln!("jobctl: {error}");
            }
            ExitCode::from(error.exit_code())
        }
    }
}
