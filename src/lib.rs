//! http-caching-server: a WASI HTTP component that serves a static site with
//! correct HTTP validators (RFC 9110 sections 8.8 and 13).
//!
//! A plain library: the runtime entry points are crates of their own,
//! `wasip3/` (`wasi:http/handler@0.3.0`) and `wasip2/`
//! (`wasi:http/incoming-handler@0.2.0`), and each only translates its
//! runtime's types. The folders are the layers, each using only those
//! below it and the leaf helpers beside `server` (`clock`, `log_lines`,
//! `request`, `access_log::escaped`), which `decision/` does not use either:
//! - `instance`, `server`: what an instance keeps; one request as four
//!   steps (resolve, decide, read the body, reply), with `request`, `clock`,
//!   `config`, `access_log` and `log_lines` beside them.
//! - `resolve/`: step 1, what the site answers a request with (a file in an
//!   encoding, a redirect, a page, a refusal), from a path checked once
//!   (`site_path`).
//! - `rules/`: the site's `_headers` and `_redirects`, their URL patterns,
//!   and the Cache-Control of a file no rule names.
//! - `site/`: where files come from, a trait beside its two
//!   implementations: `mounted/` (the file store, reading, confinement, the
//!   build's site manifest) and `embedded` (the table the build made).
//! - `decision/`: the pure HTTP decision of RFC 9110 (preconditions,
//!   ranges, validators, negotiation, content types); it imports nothing
//!   else of the crate and does no I/O.
//!
//! Modules are private; what the entry points, the build step, the tests
//! and the tools use is re-exported here.

mod access_log;
mod clock;
mod config;
mod decision;
mod instance;
mod log_lines;
mod reply_body;
mod request;
mod resolve;
mod rules;
mod server;
mod site;

// The runtime entry points: one request in, one reply out.
pub use clock::Clock;
pub use config::{Config, DOCUMENT_ROOT, SETTINGS, Setting, Variables};
pub use instance::{configuration, embedded_server, handle, handle_with};
pub use log_lines::LogLines;
pub use reply_body::{CutShort, PIECE_BYTES, Pieces, ReplyBody};
pub use request::RequestHead;
pub use server::{Reply, Server};

// The pure decision, for the fuzz target and the property tests.
pub use decision::content_type::{
    UNKNOWN as UNKNOWN_CONTENT_TYPE, for_file_name as content_type_of_name, is_compressible,
};
pub use decision::negotiation::Encoding;
pub use decision::preconditions::{Precondition, evaluate_preconditions};
pub use decision::range::{ByteRange, MAX_PARTS};
pub use decision::range::{RangeSpec, parse_range};
pub use decision::validators::{
    EntityTagList, Validators, date_now_header, md5_hex, parse_http_date, strong_etag,
    whole_seconds,
};
pub use decision::{Body, Outcome, Representation, ResponsePlan, ResponsePolicy, Segment, decide};

// The site's files and rules as the build step writes and checks them.
pub use resolve::site_path::SitePath;
pub use rules::cache_defaults::{IMMUTABLE, OLD_RULES_FILE, old_rules_message};
pub use rules::headers_file::{FILE_NAME as HEADERS_FILE, HeaderRules};
pub use rules::is_rules_file;
pub use rules::redirects_file::{FILE_NAME as REDIRECTS_FILE, RedirectRules};
pub use site::FileError;
pub use site::embedded::{EmbeddedFile, EmbeddedSite};
pub use site::mounted::confined_path::resolve_under;
pub use site::mounted::manifest::{FILE_NAME as MANIFEST_FILE, Recorded, SiteManifest};
pub use site::site_blob::{BlobWriter, decode as decode_site_blob, encode as encode_site_blob};
