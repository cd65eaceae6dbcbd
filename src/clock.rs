//! The one clock value of a request, read once when it arrives and carried
//! through every step: the monotonic clock for intervals (how long a file's
//! snapshot is served before it is looked at again), the wall clock for
//! everything a response states or compares (Date, Last-Modified never later
//! than now, If-Modified-Since, the racy window of a file's time).

use std::time::{Instant, SystemTime};

/// When a request is answered.
#[derive(Debug, Clone, Copy)]
pub struct Clock {
    /// For intervals only.
    pub monotonic: Instant,
    /// For dates (RFC 9110 section 5.6.7) and file times.
    pub wall: SystemTime,
}

impl Clock {
    /// The clock now.
    pub fn now() -> Clock {
        Clock {
            monotonic: Instant::now(),
            wall: SystemTime::now(),
        }
    }
}
