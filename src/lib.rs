//! http-caching-server: a Spin HTTP component that serves a static site with
//! correct HTTP validators (RFC 9110 sections 8.8 and 13).
//!
//! A plain library: the runtime entry points are crates of their own,
//! `wasip3/` (`wasi:http/handler@0.3.0`) and `wasip2/`
//! (`wasi:http/incoming-handler@0.2.0`), and each only translates its
//! runtime's types. The tree shows the layers:
//! - [`instance`]: what an instance keeps, and answering and logging a
//!   request: all that both entry points share.
//! - [`server`]: one request from start to end, without the runtime: what a
//!   path serves (files, directories, the 404 page, the app shell).
//! - [`site_path`]: a request path checked and decoded once.
//! - [`negotiation`]: what the request's Accept and Accept-Encoding allow.
//! - [`site_rules`]: the site's `_headers` ([`headers_file`]) and
//!   `_redirects` ([`redirects_file`]), by [`url_pattern`];
//!   [`cache_defaults`]: the Cache-Control of a file no rule names.
//! - [`file_store`]: the site's files remembered between requests, with
//!   change detection and a byte bound; [`file_read`]: reading one whole
//!   version of a file; [`confined_path`]: never leaving the document root.
//! - [`response_plan`]: the pure HTTP decision: status, fields, body.
//! - [`preconditions`], [`range`], [`validators`]: the RFC 9110 rules.
//! - [`content_type`]: Content-Type from a file name.
//! - [`site_manifest`]: the times and hashes the build step recorded.
//! - [`config`], [`access_log`]: environment variables and the log line.

pub(crate) mod access_log;
pub mod cache_defaults;
pub mod clock;
pub mod config;
pub mod confined_path;
pub mod content_type;
pub mod embedded_site;
pub mod file_read;
pub mod file_store;
pub mod headers_file;
pub mod instance;
pub mod mounted_site;
pub mod negotiation;
pub mod preconditions;
pub mod range;
pub mod redirects_file;
pub mod request;
pub(crate) mod resolve;
pub mod response_plan;
pub mod server;
pub mod site_manifest;
pub mod site_path;
pub mod site_rules;
pub mod site_source;
pub mod url_pattern;
pub mod validators;
