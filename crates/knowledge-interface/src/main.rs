//! `knowledge-interface` binary: everything happens in the library.

fn main() -> std::process::ExitCode {
    exobrain_common::cli::main::<knowledge_interface::KnowledgeInterface>()
}
