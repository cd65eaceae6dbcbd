//! The test harness of http-caching-server, shared by the integration tests
//! (`tests/`) and the benchmark (`cargo xtask bench`): finding and building
//! the component, serving it under a real runtime on a loopback port, and
//! the real peers the tests talk to. It installs nothing: the commands do
//! (`cargo xtask test`, `xtask/src/install.rs`).
//!
//! Its modules depend on each other in one direction only:
//! `spec` <- `tools` <- `spin` <- `runtime`; `process` <- `runtime`, `nginx`,
//! `registry`; `trees` stands alone.

pub mod dist;
pub mod nginx;
pub mod process;
pub mod registry;
pub mod runtime;
pub mod spec;
pub mod spin;
pub mod tools;
pub mod trees;
