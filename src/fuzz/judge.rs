//! One request to the receiver under test, and what its answer means for the case that sent it.
use std::time::{Duration, Instant};

use reqwest::{Client, Url};

use crate::headers::Headers;

/// What a finding is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Kind {
    /// A 5xx, or the connection closed without an answer.
    ServerError,
    /// No answer within `--timeout`.
    Timeout,
    /// A non-2xx to a schema-valid webhook: for the provider, a failed delivery.
    Rejected,
    AcceptedUnsigned,
    AcceptedForged,
    AcceptedStale,
    AcceptedReplayed,
}

impl Kind {
    pub fn name(self) -> &'static str {
        match self {
            Kind::ServerError => "server-error",
            Kind::Timeout => "timeout",
            Kind::Rejected => "rejected",
            Kind::AcceptedUnsigned => "accepted-unsigned",
            Kind::AcceptedForged => "accepted-forged",
            Kind::AcceptedStale => "accepted-stale",
            Kind::AcceptedReplayed => "accepted-replayed",
        }
    }
}

/// What a case's request must get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Expect {
    /// A 2xx: the webhook is one the provider may send.
    Accept,
    /// Anything but a 5xx, a dropped connection or a timeout: the receiver may refuse it.
    Survive,
    /// Anything but a 2xx (and no 5xx): accepting it is the finding named.
    Refuse(Kind),
}

/// A request as the receiver gets it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    pub headers: Headers,
    pub body: Vec<u8>,
}

/// The receiver's answer, or how it failed to give one.
#[derive(Debug, Clone)]
pub struct Outcome {
    pub status: Option<u16>,
    pub timed_out: bool,
    /// Why there is no status: the connection closed, was refused, …
    pub failure: Option<String>,
    /// The start of the answer's body (for the report).
    pub answer: String,
    pub elapsed: Duration,
    /// Nothing listens any more: the connection was refused.
    pub refused: bool,
}

impl Outcome {
    /// The answer in a few words: `HTTP 500`, `timeout after 2s`, `connection closed without an answer`.
    pub fn describe(&self) -> String {
        match (self.status, &self.failure) {
            (Some(status), _) => format!("HTTP {status}"),
            (None, Some(failure)) => failure.clone(),
            (None, None) => "no answer".into(),
        }
    }
}

/// The finding an outcome is for a case that expected `expect`, if any.
pub fn judge(expect: Expect, outcome: &Outcome) -> Option<Kind> {
    if outcome.timed_out {
        return Some(Kind::Timeout);
    }
    let Some(status) = outcome.status else {
        return Some(Kind::ServerError);
    };
    if status >= 500 {
        return Some(Kind::ServerError);
    }
    let accepted = (200..300).contains(&status);
    match expect {
        Expect::Accept if !accepted => Some(Kind::Rejected),
        Expect::Refuse(kind) if accepted => Some(kind),
        _ => None,
    }
}

/// Sends one request; never fails (the failure is in the outcome).
pub async fn send(client: &Client, url: &Url, request: &Request, timeout: Duration) -> Outcome {
    let start = Instant::now();
    let method = reqwest::Method::from_bytes(request.method.as_bytes()).unwrap_or(reqwest::Method::POST);
    let mut builder = client.request(method, url.clone()).timeout(timeout).body(request.body.clone());
    for (name, value) in request.headers.iter() {
        builder = builder.header(name.as_str(), value.as_str());
    }
    let mut outcome = Outcome {
        status: None,
        timed_out: false,
        failure: None,
        answer: String::new(),
        elapsed: Duration::ZERO,
        refused: false,
    };
    match builder.send().await {
        Ok(response) => {
            outcome.status = Some(response.status().as_u16());
            match crate::http_client::read_limited(response, 4096).await {
                Ok(answer) => {
                    outcome.answer = String::from_utf8_lossy(&answer.bytes[..answer.bytes.len().min(300)]).into_owned()
                }
                Err(err) if err.is_timeout() => outcome.timed_out = true,
                Err(_) => {}
            }
        }
        Err(err) => {
            let chain = crate::tls::chain_text(&err);
            if err.is_timeout() || chain.contains("timed out") {
                outcome.timed_out = true;
                outcome.failure = Some(format!("no answer within {}", humantime::format_duration(timeout)));
            } else if chain.contains("refused") {
                outcome.failure = Some("connection refused (the receiver is down?)".into());
                outcome.refused = true;
            } else if let Some(status) = early_answer(url, request, timeout).await {
                // The receiver answered before reading the whole body (a 413, then closed): an answer, not a
                // dropped connection. reqwest reports the write that failed; a plain socket reads the answer.
                outcome.status = Some(status);
            } else {
                outcome.failure = Some("connection closed without an answer".into());
            }
        }
    }
    outcome.elapsed = start.elapsed();
    outcome
}

/// For `http://`: the request written on a plain socket while its answer is read, so that an answer sent
/// before the body was read whole (and the connection closed) is still seen. Its status, if one came.
async fn early_answer(url: &Url, request: &Request, timeout: Duration) -> Option<u16> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    if url.scheme() != "http" {
        return None;
    }
    let host = url.host_str()?.trim_start_matches('[').trim_end_matches(']').to_string();
    let port = url.port_or_known_default()?;
    let exchange = async {
        let stream = tokio::net::TcpStream::connect((host.as_str(), port)).await.ok()?;
        let (mut reader, mut writer) = stream.into_split();
        let target = match url.query() {
            Some(query) => format!("{}?{query}", url.path()),
            None => url.path().to_string(),
        };
        let authority = match url.port() {
            Some(p) => format!("{}:{p}", url.host_str().unwrap_or_default()),
            None => url.host_str().unwrap_or_default().to_string(),
        };
        let mut head = format!("{} {target} HTTP/1.1\r\nHost: {authority}\r\n", request.method);
        for (name, value) in request.headers.iter() {
            if !name.eq_ignore_ascii_case("content-length") && !name.eq_ignore_ascii_case("host") {
                head.push_str(&format!("{name}: {value}\r\n"));
            }
        }
        head.push_str(&format!("Content-Length: {}\r\nConnection: close\r\n\r\n", request.body.len()));
        let body = request.body.clone();
        let write = tokio::spawn(async move {
            let _ = writer.write_all(head.as_bytes()).await;
            let _ = writer.write_all(&body).await;
        });
        let mut answer = Vec::new();
        let mut chunk = [0u8; 1024];
        while !answer.windows(2).any(|w| w == b"\r\n") {
            let n = reader.read(&mut chunk).await.ok()?;
            if n == 0 {
                break;
            }
            answer.extend_from_slice(&chunk[..n]);
        }
        write.abort();
        let line = String::from_utf8_lossy(&answer);
        line.strip_prefix("HTTP/1.")?.get(2..5)?.parse().ok()
    };
    tokio::time::timeout(timeout, exchange).await.ok().flatten()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn answered(status: u16) -> Outcome {
        Outcome {
            status: Some(status),
            timed_out: false,
            failure: None,
            answer: String::new(),
            elapsed: Duration::ZERO,
            refused: false,
        }
    }

    #[test]
    fn each_expectation_judges_its_answers() {
        assert_eq!(judge(Expect::Accept, &answered(204)), None);
        assert_eq!(judge(Expect::Accept, &answered(422)), Some(Kind::Rejected));
        assert_eq!(judge(Expect::Survive, &answered(400)), None);
        assert_eq!(judge(Expect::Survive, &answered(502)), Some(Kind::ServerError));
        assert_eq!(judge(Expect::Refuse(Kind::AcceptedStale), &answered(200)), Some(Kind::AcceptedStale));
        assert_eq!(judge(Expect::Refuse(Kind::AcceptedStale), &answered(401)), None);
        let mut dropped = answered(0);
        dropped.status = None;
        assert_eq!(judge(Expect::Survive, &dropped), Some(Kind::ServerError));
        dropped.timed_out = true;
        assert_eq!(judge(Expect::Accept, &dropped), Some(Kind::Timeout));
    }
}
