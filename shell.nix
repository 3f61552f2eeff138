# Development shell for Exobrain: `nix-shell` gives the Rust toolchain, the
# native infrastructure (PostgreSQL 15, Redis, NATS), mprocs and the CLI tools
# the scripts in scripts/agent and scripts/local use.
{ pkgs ? import <nixpkgs> { } }:

pkgs.mkShell {
  packages = with pkgs; [
    # Rust
    rustc
    cargo
    rustfmt
    clippy
    cargo-nextest

    # infrastructure for the native profile
    postgresql_15
    redis
    nats-server
    natscli

    # process orchestration and probes
    mprocs
    grpcurl
    jq
    curl

    # scripts and the gRPC health client
    shellcheck
    python3

    # native dependencies of the crates
    pkg-config
    openssl
  ];

  shellHook = ''
    echo "exobrain dev shell: scripts/agent/run-backend-suite.sh (native) or scripts/local/run-backend-suite.sh (Compose + mprocs)"
  '';
}
