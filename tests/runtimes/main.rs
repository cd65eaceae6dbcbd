//! The runtime tests, one binary with a module per area (as ripgrep's
//! tests): the component built for wasm and served by real runtimes, over
//! real HTTP, with real clients (Chromium, nginx, an OCI registry). Each
//! test of `runtime_tests!` runs under wasmtime and Spin with each artifact,
//! and under Spin 4.0.x with the WASIp2 one; the runs of a runtime that was
//! not found when the tests were built are ignored, with the reason
//! (`build.rs`).

#[macro_use]
#[path = "../support/mod.rs"]
mod support;

mod adoption;
mod artifacts;
mod browser;
mod checkouts;
mod deploy;
mod encodings;
mod faults;
mod hostile;
mod http;
mod replicas;
mod routes;
mod shared_cache;
mod site;
mod site_rules;
