//! Why a request failed before a whole answer came, and the one wording of each failure: the one classifier
//! for both transports (reqwest, hookctl's own HTTP/1.1 connection) and every command that sends (`send`,
//! `send --repeat`, `fuzz`, the inspector's replays, `listen --forward-to`).
use std::error::Error as _;
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
    /// An answer began and was cut off, reset, or is not HTTP.
    BrokenAnswer,
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
            FailKind::BrokenAnswer => "broken answer",
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
    (FailKind::BrokenAnswer, format!("reading the answer failed: {cause}"))
}

/// Plain HTTP sent to a port that speaks TLS.
pub fn speaks_tls() -> Failure {
    (FailKind::Connect, "the receiver speaks TLS: use https://".into())
}

/// A failure of hookctl's own connection, said as every other path says it.
pub fn of_connection(error: super::connection::Error) -> Failure {
    use super::connection::Error;
    match error {
        Error::Closed => closed_by_receiver(),
        Error::Write(e) => request(e),
        Error::Read(why) if why.contains("speaks TLS") => speaks_tls(),
        Error::Read(why) => reading_answer(why),
    }
}

/// A failure to connect on hookctl's own connection.
pub fn of_connect(address: impl Display, error: &std::io::Error) -> Failure {
    if error.kind() == std::io::ErrorKind::ConnectionRefused {
        refused(address)
    } else {
        connect(address, error)
    }
}

/// A reqwest failure, sorted into the reasons a user acts on, one clear line each (not an error dump).
pub fn of_reqwest(err: &reqwest::Error, url: &reqwest::Url, timeout: Duration) -> Failure {
    let host = url.host_str().unwrap_or("?");
    let port = url.port_or_known_default().unwrap_or(0);
    let chain = crate::tls::chain_text(err);
    if err.is_timeout() || chain.contains("timed out") {
        return self::timeout(timeout);
    }
    if let Some(message) = crate::tls::certificate_failure(err) {
        return (FailKind::Tls, message);
    }
    let mut source = err.source();
    while let Some(cause) = source {
        if let Some(io) = cause.downcast_ref::<std::io::Error>() {
            if io.kind() == std::io::ErrorKind::ConnectionRefused {
                return refused(format!("{host}:{port}"));
            }
        }
        source = cause.source();
    }
    if chain.contains("dns error") || chain.contains("failed to lookup address") {
        return dns(host);
    }
    if url.scheme() == "http" && chain.contains("invalid http version") {
        // A TLS record (an alert) where an HTTP status line should be.
        return speaks_tls();
    }
    if err.is_connect() {
        return connect(format!("{host}:{port}"), last_cause(err));
    }
    if err.is_body() || err.is_decode() || chain.contains("connection reset") || chain.contains("incomplete") {
        return reading_answer(last_cause(err));
    }
    other(last_cause(err))
}

fn last_cause(err: &reqwest::Error) -> String {
    let mut last = err.to_string();
    let mut source = err.source();
    while let Some(cause) = source {
        last = cause.to_string();
        source = cause.source();
    }
    last
}

/// Anything else, said as the cause says it.
pub fn other(cause: impl Display) -> Failure {
    (FailKind::Other, cause.to_string())
}
