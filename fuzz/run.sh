#!/usr/bin/env bash
# Fuzzes the HTTP decision for a bounded time: fuzz/run.sh [SECONDS] (default 60).
# Installs cargo-fuzz when missing. Uses a nightly toolchain when one is
# installed, else stable with RUSTC_BOOTSTRAP=1 (cargo fuzz needs nightly flags).
# A crash is saved under fuzz/artifacts/plan/; turn it into a case of
# tests/in_process/properties.rs or src/decision/tests.rs.
set -euo pipefail
cd "$(dirname "$0")"
seconds="${1:-60}"
command -v cargo-fuzz >/dev/null 2>&1 || cargo install cargo-fuzz --locked
if rustup toolchain list | grep -q '^nightly'; then
  toolchain=(+nightly)
else
  export RUSTC_BOOTSTRAP=1
  toolchain=()
fi
mkdir -p corpus/plan
cargo "${toolchain[@]}" fuzz run plan corpus/plan -- -max_total_time="$seconds" -max_len=4096
