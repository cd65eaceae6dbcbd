//! The WASIp2 entry point of http-caching-server: it exports
//! `wasi:http/incoming-handler@0.2.0` (the `wasi` crate's bindings of WASI
//! 0.2.0), for Spin 2.x and 3.x, the SpinKube shim, and `wasmtime serve
//! -Sp3=n`. Like the WASIp3 entry (`wasip3/`) it only translates:
//! the request into a `RequestHead` (`handler`), `instance::handle` for the
//! reply, the reply into an outgoing response whose body is written with
//! back-pressure (`response`). Built for wasm only; on the host it is empty.

#[cfg(all(target_arch = "wasm32", feature = "export"))]
mod handler;
#[cfg(target_arch = "wasm32")]
mod response;

#[cfg(target_arch = "wasm32")]
pub use response::send;
