//! http-caching-server: a Spin HTTP component that serves one page with
//! correct HTTP validators (RFC 9110 sections 8.8 and 13).
//!
//! The tree shows the layers:
//! - `component` (wasm only): the Spin entry point; receives and sends.
//! - `wasi_response` (wasm only): a reply as a WASIp3 response.
//! - [`server`]: one request from start to end, without the runtime.
//! - [`routes`]: which fixed file a path names.
//! - [`file_store`]: reading the mounted files, with change detection.
//! - [`response_plan`]: the pure HTTP decision: status, fields, body.
//! - [`preconditions`], [`range`], [`validators`]: the RFC 9110 rules.
//! - [`site_manifest`]: the times and hashes the build step recorded.
//! - [`config`], [`access_log`]: environment variables and the log line.

pub mod access_log;
pub mod config;
pub mod file_store;
pub mod preconditions;
pub mod range;
pub mod response_plan;
pub mod routes;
pub mod server;
pub mod site_manifest;
pub mod validators;

#[cfg(all(target_arch = "wasm32", feature = "export"))]
mod component;
#[cfg(target_arch = "wasm32")]
pub mod wasi_response;
