//! Helpers shared by `cargo xtask`, the integration tests and the benchmark:
//! finding and installing the tools, building the component, and running it
//! under a real runtime.

pub mod install;
pub mod nginx;
pub mod process;
pub mod registry;
pub mod runtime;
pub mod site;
pub mod spin;
pub mod tools;
pub mod variants;
