//! `model-provider` binary: everything happens in the library.

fn main() -> std::process::ExitCode {
    exobrain_common::cli::main::<model_provider::ModelProvider>()
}
