//! Why a delivery failed before an answer came, and the one wording of each failure, shared by both
//! transports (reqwest for `send`, hookctl's own HTTP/1.1 connection for `send --repeat`).
use std::fmt::Display;
use std::time::Duration;

use serde::Serialize;

/// Why a delivery failed before an answer came.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Hash, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum FailKind {
    Refused,
    Dns,
    Timeout,
    Connect,
    /// The receiver's TLS certificate was refused (or it wanted one from us).
    Tls,
    Other,
}

impl FailKind {
    pub fn label(self) -> &'static str {
        match self {
            FailKind::Refused => "connection refused",
            FailKind::Dns => "DNS failure",
            FailKind::Timeout => "timeout",
            FailKind::Connect => "connection failed",
            FailKind::Tls => "TLS certificate refused",
            FailKind::Other => "request failed",
        }
    }
}

/// A failure and the one line that says it.
pub type Failure = (FailKind, String);

pub fn timeout(limit: Duration) -> Failure {
    (FailKind::Timeout, format!("no answer within {} (--timeout)", humantime::format_duration(limit)))
}

pub fn refused(address: impl Display) -> Failure {
    (FailKind::Refused, format!("connection refused: nothing is listening on {address}"))
}

pub fn dns(host: impl Display) -> Failure {
    (FailKind::Dns, format!("DNS failure: cannot resolve host {host}"))
}

pub fn connect(address: impl Display, cause: impl Display) -> Failure {
    (FailKind::Connect, format!("cannot connect to {address}: {cause}"))
}

pub fn closed_by_receiver() -> Failure {
    (FailKind::Connect, "the receiver closed the connection".into())
}

pub fn request(cause: impl Display) -> Failure {
    (FailKind::Other, format!("request failed: {cause}"))
}

pub fn reading_answer(cause: impl Display) -> Failure {
    (FailKind::Other, format!("reading the answer failed: {cause}"))
}

/// Anything else, said as the cause says it.
pub fn other(cause: impl Display) -> Failure {
    (FailKind::Other, cause.to_string())
}
