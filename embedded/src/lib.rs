//! The site of an embedded build: the table `build.rs` generated from the
//! built site named by `$HTTP_CACHING_SERVER_SITE`, or, built without one,
//! the site blob `http-caching-site embed` wrote into the component's
//! reserved region (`region.rs`). The entry crates' `embedded` feature
//! serves it instead of a mounted directory.

use http_caching_server::EmbeddedSite;

#[cfg(generated_table)]
include!(concat!(env!("OUT_DIR"), "/site.rs"));

#[cfg(not(generated_table))]
pub mod region;

/// The embedded site.
pub fn site() -> EmbeddedSite {
    #[cfg(generated_table)]
    return EmbeddedSite::new(FILES, DIRECTORIES);
    #[cfg(not(generated_table))]
    region::site()
}
