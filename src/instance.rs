//! What one component instance keeps between the requests it serves, and
//! what it does with each: the [`Server`] built from the environment on the
//! first request, the error lines on stderr, the access-log line on stdout.
//! Both runtime entry points (the `http-caching-server-wasip3` and
//! `http-caching-server-wasip2` crate) only translate their runtime's types
//! and call [`handle`].

use std::cell::RefCell;
use std::io::Write;

use crate::clock::Clock;
use crate::config::{Config, Variables};
use crate::request::RequestHead;
use crate::server::{Reply, Server};
use crate::site::embedded::EmbeddedSite;

thread_local! {
    // A wasm instance is single-threaded; nothing awaits while this is
    // borrowed.
    static SERVER: RefCell<Option<Server>> = const { RefCell::new(None) };
}

/// The configuration of this instance: each setting from the Spin variable
/// named as its environment variable in lower case (`cache_control`) where
/// `variables` (the Spin build's `get-all` of `wasi:config/store`) has one
/// that is not empty, else from the environment. What is wrong with it goes
/// to stderr, once per instance.
pub fn configuration(variables: Result<Vec<(String, String)>, String>) -> Config {
    let variables = variables.unwrap_or_else(|err| {
        eprintln!("config: the Spin variables could not be read ({err}); using the environment");
        Vec::new()
    });
    let variables = Variables::new(variables);
    let (mut config, log_lines) =
        Config::from_lookup(|name| variables.get(&name.to_ascii_lowercase()));
    if !log_lines.is_empty() {
        eprintln!("{log_lines}");
    }
    config.variables = variables;
    config
}

/// The server of this instance, serving the mounted directory, configured
/// by the environment alone.
fn mounted_server() -> Server {
    Server::new(configuration(Ok(Vec::new())))
}

/// The server of this instance, serving the site the build embedded in the
/// component, with `config`.
pub fn embedded_server(config: Config, site: EmbeddedSite) -> Server {
    Server::with_source(config, Box::new(site))
}

/// Answers one request with this instance's server of the mounted
/// directory, and logs it.
pub fn handle(head: &RequestHead<'_>) -> Reply {
    handle_with(head, mounted_server)
}

/// Answers one request with this instance's server, made by `make` on the
/// instance's first request, and logs it.
pub fn handle_with(head: &RequestHead<'_>, make: impl FnOnce() -> Server) -> Reply {
    let clock = Clock::now();
    let (reply, access_log) = SERVER.with(|cell| {
        let mut cell = cell.borrow_mut();
        let server = cell.get_or_insert_with(make);
        let reply = server.handle(head, clock);
        (reply, server.config().access_log)
    });
    if !reply.log_lines.is_empty() {
        eprintln!("{}", reply.log_lines);
    }
    if access_log {
        // One write per line, so that lines of concurrent requests never mix.
        let line = format!("{}\n", reply.access_log(head));
        let _ = std::io::stdout().lock().write_all(line.as_bytes());
    }
    reply
}
