//! A request as the entry points hand it to the server: the parts that
//! decide the response, borrowed from the runtime's own request.

use http::{HeaderMap, Method};

/// The parts of a request that decide the response.
#[derive(Debug, Clone, Copy)]
pub struct RequestHead<'a> {
    pub method: &'a Method,
    /// The path of the request target, as received (percent-encoded).
    pub path: &'a str,
    /// The query of the request target, without the `?`.
    pub query: Option<&'a str>,
    /// The authority the runtime passed on (from the target's absolute form
    /// or the Host field; runtimes differ, see docs/runtimes.md), for the
    /// access log. Host lines the runtime passed on are in `headers`.
    pub authority: Option<&'a str>,
    /// The scheme the runtime reports the request came by (`http`,
    /// `https`), lower case; None when it reports none. Decides whether
    /// `Strict-Transport-Security` may be sent (RFC 6797 section 7.2).
    pub scheme: Option<&'a str>,
    pub headers: &'a HeaderMap,
    /// Whether Spin's route fields (`spin-component-route`,
    /// `spin-path-info`) say where the site sits: true only in the Spin
    /// build, which runs nowhere but under Spin, where Spin sets them
    /// (`crate::resolve::route`).
    pub route_from_spin: bool,
}
