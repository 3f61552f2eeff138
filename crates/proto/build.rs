//! Compiles `proto/*.proto` with the pure-Rust `protox` compiler (no system `protoc`) and
//! writes one encoded descriptor set per contract for gRPC reflection.

use std::path::PathBuf;

use prost::Message;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    // Read at run time: a build script binary shared through one target dir by several
    // checkouts must look at the checkout being built. Canonical, so `rerun-if-changed`
    // watches the real files.
    let proto_dir = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR")?)
        .join("../../proto")
        .canonicalize()?;
    let files = ["job_orchestrator.proto", "knowledge.proto"];
    for file in files {
        println!("cargo:rerun-if-changed={}", proto_dir.join(file).display());
    }

    let out_dir = PathBuf::from(std::env::var("OUT_DIR")?);
    // One descriptor set per contract, so each server's reflection lists only its own service.
    for file in files {
        let single = protox::compile([file], [&proto_dir])?;
        let name = file.replace(".proto", "_descriptor.bin");
        std::fs::write(out_dir.join(name), single.encode_to_vec())?;
    }
    let descriptors = protox::compile(files, [&proto_dir])?;

    tonic_prost_build::configure()
        .build_client(true)
        .build_server(true)
        .compile_fds(descriptors)?;
    Ok(())
}
