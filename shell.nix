# Development shell for Exobrain: `nix-shell` gives the Rust toolchain, the
# native infrastructure (PostgreSQL 15, Redis, NATS), mprocs and the CLI tools
# the scripts in scripts/agent and scripts/local use.
#
# The package set is pinned to the nixpkgs release tag 25.11 (NixOS 25.11; rustc 1.91, at least
# the workspace's rust-version 1.89), not the caller's <nixpkgs> channel, so every workstation
# gets the same tools. A release tag does not move, so the tarball is the same on every fetch;
# its sha256 is left out only because it could not be computed where this file was written
# (no network): add `sha256 = "…";` from `nix-prefetch-url --unpack <url>` to make Nix verify
# it. Bump the tag (and rust-version in Cargo.toml, if needed) together. `--arg pkgs` still
# overrides it, e.g. `nix-shell --arg pkgs 'import <nixpkgs> {}'`.
{ pkgs ? import (fetchTarball {
    url = "https://github.com/NixOS/nixpkgs/archive/25.11.tar.gz";
  }) { }
}:

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
