//! The site of an embedded build: the table `build.rs` generated from the
//! built site named by `$HTTP_CACHING_SERVER_SITE` (empty without one). The
//! entry crates' `embedded` feature serves it instead of a mounted
//! directory.

use http_caching_server::EmbeddedSite;

include!(concat!(env!("OUT_DIR"), "/site.rs"));

/// The embedded site.
pub fn site() -> EmbeddedSite {
    EmbeddedSite::new(FILES, DIRECTORIES)
}
