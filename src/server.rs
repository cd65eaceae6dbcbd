//! One request from start to end, without the runtime, as a straight
//! pipeline of four steps, each in one place:
//!
//! 1. **resolve** (`crate::resolve`, I/O): what the site answers with:
//!    which file, in which encoding, or which page, redirect or refusal; the
//!    bytes of a file are not read when the site manifest vouches for them.
//! 2. **decide** (`crate::decision::decide`, pure): status, fields and
//!    which part of the body, by RFC 9110's preconditions and ranges; Date,
//!    Vary and HEAD's empty body are added there, once, last.
//! 3. **read the body** (`Resolver::read_body`, I/O only when a body is due): the
//!    bytes of the body. A file known from the manifest alone is read now,
//!    and a file too large to keep is opened, to be sent from the file
//!    ([`ReplyBody`]); if the bytes read are not those decided on (the file
//!    changed since it was looked at), the decision is made again for them,
//!    so an ETag always names the bytes sent.
//! 4. **reply** (`into_reply`): the reply, with the lines for the error log.
//!
//! One [`Clock`] value, read when the request arrives, is carried through.
//! The runtime entry points (the `wasip3` and `wasip2` crates) only receive
//! the request and send the reply.

use bytes::{Bytes, BytesMut};

use crate::reply_body::{FileBody, Part, ReplyBody};

use crate::access_log::{AccessLogLine, escaped};
use crate::clock::Clock;
use crate::config::Config;
use crate::decision::range::ByteRange;
use crate::decision::{Body, ResponsePlan, Segment, decide};
use crate::log_lines::LogLines;
use crate::resolve::{Content, Resolution, Resolver, Settings};
use crate::site::SiteSource;
use crate::site::mounted::{FileStore, StoreLimits};

use crate::request::RequestHead;

/// The response to send, and what to log about it.
#[derive(Debug)]
pub struct Reply {
    pub plan: ResponsePlan,
    /// The body; empty for HEAD, 204 and 304.
    pub body: ReplyBody,
    /// Lines for the error log: why a path was refused, why a file could not
    /// be served.
    pub log_lines: LogLines,
}

impl Reply {
    /// The header fields as both WASI versions' `fields.from-list` take
    /// them: names and values as bytes, in order.
    pub fn field_list(&self) -> Vec<(String, Vec<u8>)> {
        self.plan
            .headers
            .iter()
            .map(|(name, value)| (name.as_str().to_string(), value.as_bytes().to_vec()))
            .collect()
    }

    /// The access-log line of this reply to `request`.
    pub fn access_log<'a>(&'a self, request: &RequestHead<'a>) -> AccessLogLine<'a> {
        AccessLogLine {
            method: request.method.as_str(),
            path: request.path,
            status: self.plan.status.as_u16(),
            bytes: self.body.len(),
            decided_by: self.plan.decided_by,
            authority: request.authority,
        }
    }
}

/// A site: the configuration and the files it serves.
pub struct Server {
    config: Config,
    resolver: Resolver,
}

impl Server {
    /// A server of the files under `config.document_root`. Nothing is read
    /// yet: the site manifest is read when a request first needs it, the
    /// site's `_headers` and `_redirects` with the first request for a path
    /// of the site, and what is wrong with them goes with that request's
    /// error lines.
    pub fn new(config: Config) -> Server {
        let limits = StoreLimits {
            check_interval: config.check_interval,
            // A file that would never be kept is never read whole either.
            max_kept_file_bytes: config.max_kept_file_bytes.min(config.cache_max_bytes),
            max_cached_bytes: config.cache_max_bytes,
        };
        let site = FileStore::new(&config.document_root, limits);
        Server::with_source(config, Box::new(site))
    }

    /// A server of the files `source` gives (an embedded site, say), with
    /// the configuration's settings.
    pub fn with_source(config: Config, source: Box<dyn SiteSource>) -> Server {
        let settings = Settings {
            cache_control: config.cache_control.clone(),
            clean_urls: config.clean_urls,
            html_handling: config.html_handling,
            index_files: config.index_files.clone(),
            base_path: config.base_path.clone(),
            not_found_page: config.not_found_page.clone(),
            fallback_page: config.fallback_page.clone(),
            variables: config.variables.clone(),
        };
        let resolver = Resolver {
            source,
            settings,
            rules: Default::default(),
        };
        Server { config, resolver }
    }

    pub fn config(&self) -> &Config {
        &self.config
    }

    /// The bytes of file content this server keeps now (bounded by
    /// `CACHE_MAX_BYTES`): zero after answers that read no file.
    pub fn cached_bytes(&self) -> u64 {
        self.resolver.source.cached_bytes()
    }

    /// Answers one request, at `clock`: resolve, decide, read the body,
    /// reply.
    pub fn handle(&mut self, request: &RequestHead<'_>, clock: Clock) -> Reply {
        let mut resolution = self.resolver.resolve(request, clock);
        let mut plan = self.decide(request, &resolution, clock);
        if plan.body.sends_content() && self.resolver.read_body(&mut resolution, clock) {
            plan = self.decide(request, &resolution, clock);
        }
        into_reply(request, resolution, plan)
    }

    /// Step 2: the pure decision.
    fn decide(
        &self,
        request: &RequestHead<'_>,
        resolution: &Resolution,
        clock: Clock,
    ) -> ResponsePlan {
        decide(
            request.method,
            request.headers,
            &resolution.outcome,
            resolution.vary.as_ref(),
            &resolution.site_fields,
            &self.config.policy,
            clock.wall,
        )
    }
}

/// The body `body` of `content`, the whole of what a file's plan sends (a
/// plan that sends a file's bytes always has them, or the file opened: step
/// 3).
fn reply_body(body: &Body, content: Content) -> ReplyBody {
    match (body, content) {
        (Body::Text(_) | Body::Empty, _) => ReplyBody::Bytes(body_bytes(body, Bytes::new())),
        (_, Content::File { file, len, path }) => {
            let range = |range: &ByteRange| Part::Range {
                first: range.first,
                last: range.last,
            };
            let parts = match body {
                Body::Whole if len > 0 => vec![Part::Range {
                    first: 0,
                    last: len - 1,
                }],
                Body::Part(part) => vec![range(part)],
                Body::Multipart(segments) => segments
                    .iter()
                    .map(|segment| match segment {
                        Segment::Framing(text) => Part::Bytes(Bytes::from(text.clone())),
                        Segment::Bytes(part) => range(part),
                    })
                    .collect(),
                _ => Vec::new(),
            };
            ReplyBody::File(FileBody::new(file, parts, path))
        }
        (_, Content::Bytes(bytes)) => ReplyBody::Bytes(body_bytes(body, bytes)),
        (_, Content::Unread(_) | Content::None) => ReplyBody::empty(),
    }
}

/// The bytes of `body` from `content`, at hand.
fn body_bytes(body: &Body, content: Bytes) -> Bytes {
    let slice = |range: &ByteRange| content.slice(range.first as usize..=range.last as usize);
    match body {
        Body::Whole => content,
        Body::Part(range) => slice(range),
        Body::Multipart(segments) => {
            let len = segments.iter().map(Segment::byte_len).sum::<u64>() as usize;
            let mut bytes = BytesMut::with_capacity(len);
            for segment in segments {
                match segment {
                    Segment::Framing(text) => bytes.extend_from_slice(text.as_bytes()),
                    Segment::Bytes(range) => bytes.extend_from_slice(&slice(range)),
                }
            }
            bytes.freeze()
        }
        Body::Text(text) => Bytes::from_static(text.as_bytes()),
        Body::Empty => Bytes::new(),
    }
}

/// Step 4: the reply, with the error-log lines: why the request was refused,
/// with the status it got, then what else went wrong answering it.
fn into_reply(request: &RequestHead<'_>, resolution: Resolution, plan: ResponsePlan) -> Reply {
    let mut log_lines = resolution.log_lines;
    if let Some(reason) = resolution.refusal {
        let path = escaped(request.path);
        let status = plan.status.as_u16();
        log_lines.prepend(LogLines::of(format!(
            "refused: path={path}: {reason} ({status})"
        )));
    }
    let body = reply_body(&plan.body, resolution.content);
    Reply {
        plan,
        body,
        log_lines,
    }
}
