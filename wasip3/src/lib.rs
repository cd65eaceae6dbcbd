//! The WASIp3 entry point of http-caching-server: it exports
//! `wasi:http/handler@0.3.0` (spin-sdk 7), for Spin 4.1 or later and
//! `wasmtime serve` 48. Like the WASIp2 entry (`wasip2/`) it only
//! translates: the runtime's request into a `RequestHead` (`handler`),
//! `instance::handle` for the reply, the reply into a WASIp3 response whose
//! body is streamed from the kept bytes (`response`). Built for wasm only; on
//! the host it is empty.

#[cfg(all(target_arch = "wasm32", feature = "export"))]
mod handler;
#[cfg(target_arch = "wasm32")]
mod response;

#[cfg(target_arch = "wasm32")]
pub use response::into_wasi_response;
