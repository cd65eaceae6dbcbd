//! The region a generic embedded component reserves for its site, and the
//! locator that says where it is and how much of it holds a site blob
//! (`http_caching_server::decode_site_blob`).
//!
//! The component is built once without a site. `http-caching-site embed`
//! finds the locator in the core module's data by its magic bytes, reads
//! the region's address and capacity from it, writes the blob as one more
//! data segment at that address, and sets the locator's length: the
//! component then carries the site in its data, mapped copy-on-write by the
//! runtimes as a compiled-in one is, with no compiler involved.
//!
//! The region is zero-initialised (`.bss`), so it costs the unembedded
//! component no bytes; it sits below the heap, so the allocator never
//! hands it out. Reads go through volatile loads of the locator, so that
//! the compiler, which never sees the region written, cannot assume it is
//! empty.

use http_caching_server::EmbeddedSite;

// The most bytes of site blob the region holds: 56 MiB (Akamai Functions'
// 50 MiB per application, and the table's own bytes), or what
// $HTTP_CACHING_SERVER_REGION_MIB said when it was built (build.rs).
include!(concat!(env!("OUT_DIR"), "/region.rs"));

/// The locator's first bytes, for the tool to find it.
pub const MAGIC: [u8; 16] = *b"HCS-SITE-REGION\0";

/// Where the region is and how much of it is a blob. `repr(C)`, 28 bytes
/// on wasm32: the magic, then the region's address, the capacity and the
/// blob's length as little-endian u32.
#[repr(C)]
pub struct Locator {
    magic: [u8; 16],
    region: *const u8,
    capacity: u32,
    len: u32,
}

// Read only, and only by this instance's one thread.
unsafe impl Sync for Locator {}

struct Region(std::cell::UnsafeCell<[u8; CAPACITY]>);

// Never written by this code: the tool's data segment fills it when the
// instance starts.
unsafe impl Sync for Region {}

static REGION: Region = Region(std::cell::UnsafeCell::new([0; CAPACITY]));

#[used]
static LOCATOR: Locator = Locator {
    magic: MAGIC,
    region: REGION.0.get() as *const u8,
    capacity: CAPACITY as u32,
    len: 0,
};

/// The site the region holds: empty when no blob was written; empty too,
/// with a line on stderr, when it cannot be read.
pub fn site() -> EmbeddedSite {
    // SAFETY: the locator is a static, read whole; volatile so that the
    // length and address the tool wrote are read, not the initializer's.
    let (region, len) = unsafe {
        (
            std::ptr::read_volatile(&raw const LOCATOR.region),
            std::ptr::read_volatile(&raw const LOCATOR.len) as usize,
        )
    };
    if len == 0 {
        return EmbeddedSite::new(&[], &[]);
    }
    if len > CAPACITY {
        eprintln!("error: the embedded site's length {len} is over the region's {CAPACITY}");
        return EmbeddedSite::new(&[], &[]);
    }
    // SAFETY: `region` is REGION's address and `len` within it; nothing
    // writes to it.
    let blob: &'static [u8] = unsafe { std::slice::from_raw_parts(region, len) };
    http_caching_server::decode_site_blob(blob).unwrap_or_else(|err| {
        eprintln!("error: the embedded site cannot be read: {err}");
        EmbeddedSite::new(&[], &[])
    })
}
