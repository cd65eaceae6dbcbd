//! What is measured: the two sites and the kinds of request.

use http_caching_server::Encoding;
use serde::Serialize;

/// The page of about 20 KB and the file of 1 MiB.
pub(super) const SMALL_BYTES: usize = 20 * 1024;
pub(super) const LARGE_BYTES: usize = 1024 * 1024;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) enum Dataset {
    Small,
    Large,
}

/// Serialized as its label, which is written once, in `label()`.
impl Serialize for Dataset {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(self.label())
    }
}

impl Dataset {
    /// The size of its file.
    pub(super) fn bytes(self) -> usize {
        match self {
            Dataset::Small => SMALL_BYTES,
            Dataset::Large => LARGE_BYTES,
        }
    }

    pub(super) fn label(self) -> &'static str {
        match self {
            Dataset::Small => "20 KB",
            Dataset::Large => "1 MiB",
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Validator {
    None,
    IfNoneMatch,
    IfModifiedSince,
}

/// One kind of request, on one file, in one encoding (None: as it is).
/// Rows are keyed by the value itself; its name is for display only.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Workload {
    pub(super) dataset: Dataset,
    pub(super) validator: Validator,
    pub(super) encoding: Option<Encoding>,
}

/// Serialized as its name, which is written once, in `name()`.
impl Serialize for Workload {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.name())
    }
}

impl Workload {
    pub(super) fn name(self) -> String {
        let kind = match self.validator {
            Validator::None => "200",
            Validator::IfNoneMatch => "304 If-None-Match",
            Validator::IfModifiedSince => "304 If-Modified-Since",
        };
        match self.encoding {
            None => format!("{} {kind}", self.dataset.label()),
            Some(coding) => format!("{} {kind}, {}", self.dataset.label(), coding.token()),
        }
    }
}

const fn workload(dataset: Dataset, validator: Validator, encoding: Option<Encoding>) -> Workload {
    Workload {
        dataset,
        validator,
        encoding,
    }
}

/// The first five as they always were (identity); then the 1 MiB file's
/// precompressed variants, 200 and 304 each.
pub(super) const WORKLOADS: [Workload; 9] = [
    workload(Dataset::Small, Validator::None, None),
    workload(Dataset::Small, Validator::IfNoneMatch, None),
    workload(Dataset::Small, Validator::IfModifiedSince, None),
    workload(Dataset::Large, Validator::None, None),
    workload(Dataset::Large, Validator::IfNoneMatch, None),
    workload(Dataset::Large, Validator::None, Some(Encoding::Brotli)),
    workload(
        Dataset::Large,
        Validator::IfNoneMatch,
        Some(Encoding::Brotli),
    ),
    workload(Dataset::Large, Validator::None, Some(Encoding::Gzip)),
    workload(Dataset::Large, Validator::IfNoneMatch, Some(Encoding::Gzip)),
];

/// A page of `bytes` bytes of varied HTML text (so that nothing compresses it
/// away or special-cases it).
pub(super) fn page_of(bytes: usize) -> Vec<u8> {
    let mut page = b"<!doctype html><title>bench</title>\n".to_vec();
    let mut state: u64 = 0x2545_f491_4f6c_dd1d;
    while page.len() < bytes {
        page.extend_from_slice(b"<p>");
        for _ in 0..70 {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            page.push(b"abcdefghij klmnop"[(state % 17) as usize]);
        }
        page.extend_from_slice(b"</p>\n");
    }
    page.truncate(bytes);
    page
}
