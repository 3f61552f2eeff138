//! `assistant-frontend` binary: everything happens in the library.

fn main() -> std::process::ExitCode {
    exobrain_common::cli::main::<assistant_frontend::AssistantFrontend>()
}
