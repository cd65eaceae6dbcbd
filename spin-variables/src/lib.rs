//! The component's Spin variables, for the Spin build of both entry crates
//! (`wasip3-spin/`, `wasip2-spin/`): all of them in one host call per
//! instance (`get-all` of `wasi:config/store@0.2.0-draft-2024-09-27`, the
//! interface Spin 4.0.1 and 4.1 provide for both WASI versions). The import
//! is why this is a build of its own: `wasmtime serve` provides no such
//! interface (`-Sconfig` gives another version), and a component whose
//! import a host lacks does not start there. On the host (tests, tools) it
//! reads nothing.

#[cfg(target_arch = "wasm32")]
wit_bindgen::generate!({ path: "wit", world: "spin-variables", generate_all });

/// Every variable of the component (`[component.NAME.variables]`, names in
/// lower case) with its value; the host's message when it could not read
/// them.
pub fn all() -> Result<Vec<(String, String)>, String> {
    #[cfg(target_arch = "wasm32")]
    {
        use wasi::config::store::{Error, get_all};
        get_all().map_err(|err| match err {
            Error::Upstream(message) | Error::Io(message) => message,
        })
    }
    #[cfg(not(target_arch = "wasm32"))]
    Ok(Vec::new())
}
