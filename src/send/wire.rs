//! The load-mode transport for `http://` receivers: one keep-alive HTTP/1.1 connection per worker
//! ([`super::http1`]), reconnecting when the receiver closes it. `https://` receivers go through reqwest
//! instead.
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use reqwest::Url;

use super::deliver::Delivery;
use super::failure;
use super::http1::{self, Http1};
use super::plan::Prepared;

/// Where a worker connects and what it writes in the request line.
#[derive(Clone)]
pub struct Target {
    pub url: Url,
    address: SocketAddr,
    /// `Host:` (the authority as the URL has it).
    host: String,
    /// The request target: path and query.
    path: String,
}

impl Target {
    /// Resolves the host once, up front; `Err` is a DNS failure.
    pub async fn resolve(url: &Url) -> Result<Target, String> {
        let host = url.host_str().unwrap_or_default();
        let port = url.port_or_known_default().unwrap_or(80);
        let address = tokio::net::lookup_host((host, port))
            .await
            .ok()
            .and_then(|mut a| a.next())
            .ok_or_else(|| format!("DNS failure: cannot resolve host {host}"))?;
        let authority = match url.port() {
            Some(p) => format!("{host}:{p}"),
            None => host.to_string(),
        };
        let path = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        Ok(Target { url: url.clone(), address, host: authority, path })
    }
}

/// One worker's connection, opened on first use and again after the receiver closes it.
#[derive(Default)]
pub struct Connection {
    open: Option<Http1>,
    /// The request being written, kept to reuse its allocation.
    request: Vec<u8>,
}

fn failed(url: &Url, start: Instant, (kind, message): failure::Failure) -> Delivery {
    Delivery::failed(url, start.elapsed(), kind, message)
}

async fn connect(target: &Target) -> Result<Http1, failure::Failure> {
    Http1::connect(target.address).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::ConnectionRefused {
            failure::refused(target.address)
        } else {
            failure::connect(target.address, e)
        }
    })
}

impl Connection {
    /// Sends one request; the failure, if any, is in the result.
    pub async fn deliver(&mut self, target: &Target, prepared: Prepared, timeout: Duration) -> Delivery {
        let start = Instant::now();
        match tokio::time::timeout(timeout, self.exchange(target, prepared, start)).await {
            Ok(delivery) => delivery,
            Err(_) => {
                self.open = None;
                failed(&target.url, start, failure::timeout(timeout))
            }
        }
    }

    async fn exchange(&mut self, target: &Target, prepared: Prepared, start: Instant) -> Delivery {
        if let Err(message) = write_request(&mut self.request, target, &prepared) {
            return failed(&target.url, start, failure::other(message));
        }
        if self.open.as_mut().is_some_and(Http1::peer_closed) {
            self.open = None;
        }
        let head = prepared.method.eq_ignore_ascii_case("HEAD");
        let mut reused = self.open.is_some();
        let outcome = loop {
            let connection = match &mut self.open {
                Some(open) => open,
                None => match connect(target).await {
                    Ok(open) => self.open.insert(open),
                    Err(why) => return failed(&target.url, start, why),
                },
            };
            match connection.exchange(&self.request, head, crate::http_client::ANSWER_LIMIT).await {
                // A kept connection closed with no byte of an answer: nearly always an idle connection the
                // receiver closed as the request went out. Tried once more on a new connection, as curl
                // does; a new connection that closes so is a failure.
                Err(http1::Error::Closed) if reused => {
                    self.open = None;
                    reused = false;
                }
                outcome => break outcome,
            }
        };
        match outcome {
            Ok(answer) => {
                if !answer.keep_alive {
                    self.open = None;
                }
                Delivery {
                    url: target.url.to_string(),
                    status: Some(answer.status),
                    elapsed: start.elapsed(),
                    response_bytes: answer.length,
                    response_truncated: !answer.whole,
                    failure: None,
                    response_headers: Default::default(),
                    response_body: Vec::new(),
                }
            }
            Err(why) => {
                self.open = None;
                let why = match why {
                    http1::Error::Closed => failure::closed_by_receiver(),
                    http1::Error::Write(e) => failure::request(e),
                    http1::Error::Read(e) => failure::reading_answer(e),
                };
                failed(&target.url, start, why)
            }
        }
    }
}

/// A header name: an RFC 9110 token.
fn valid_name(name: &[u8]) -> bool {
    !name.is_empty() && name.iter().all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A header value: visible ASCII, spaces and tabs (what hyper's `HeaderValue::from_str` takes); never a
/// CR or LF that would end the header early.
fn valid_value(value: &[u8]) -> bool {
    value.iter().all(|&b| (32..127).contains(&b) || b == b'\t')
}

/// Writes the request's bytes (request line, headers, Content-Length, body) into `out`.
fn write_request(out: &mut Vec<u8>, target: &Target, prepared: &Prepared) -> Result<(), String> {
    let method = prepared.method.as_bytes();
    if !valid_name(method) {
        return Err(format!("invalid method {:?}", prepared.method));
    }
    out.clear();
    out.reserve(256 + prepared.body.len());
    out.extend_from_slice(method);
    out.push(b' ');
    out.extend_from_slice(target.path.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\nhost: ");
    out.extend_from_slice(target.host.as_bytes());
    out.extend_from_slice(b"\r\n");
    for (name, value) in &prepared.headers {
        if !valid_name(name.as_bytes()) {
            return Err(format!("invalid header name {name:?}"));
        }
        if !valid_value(value.as_bytes()) {
            return Err(format!("invalid value for header {name}"));
        }
        out.extend(name.bytes().map(|b| b.to_ascii_lowercase()));
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    let bodiless = matches!(method, b"GET" | b"HEAD" | b"DELETE" | b"OPTIONS") && prepared.body.is_empty();
    if !bodiless {
        out.extend_from_slice(b"content-length: ");
        out.extend_from_slice(prepared.body.len().to_string().as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&prepared.body);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn target() -> Target {
        Target {
            url: Url::parse("http://127.0.0.1:9/hooks?x=1").unwrap(),
            address: "127.0.0.1:9".parse().unwrap(),
            host: "127.0.0.1:9".into(),
            path: "/hooks?x=1".into(),
        }
    }

    fn prepared(method: &str, headers: Vec<(&str, &str)>, body: &[u8]) -> Prepared {
        let headers: Vec<(String, String)> = headers.into_iter().map(|(n, v)| (n.into(), v.into())).collect();
        Prepared { method: method.into(), headers: headers.into(), body: body.to_vec() }
    }

    #[test]
    fn the_request_is_written_whole() {
        let mut out = Vec::new();
        let p = prepared("POST", vec![("Content-Type", "application/json"), ("X-Sig", "t=1,v1=ab")], b"{}");
        write_request(&mut out, &target(), &p).unwrap();
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            "POST /hooks?x=1 HTTP/1.1\r\nhost: 127.0.0.1:9\r\ncontent-type: application/json\r\nx-sig: t=1,v1=ab\r\ncontent-length: 2\r\n\r\n{}"
        );
        write_request(&mut out, &target(), &prepared("GET", vec![], b"")).unwrap();
        assert_eq!(out, b"GET /hooks?x=1 HTTP/1.1\r\nhost: 127.0.0.1:9\r\n\r\n");
    }

    #[test]
    fn a_header_that_would_break_the_request_is_refused() {
        let mut out = Vec::new();
        for p in [
            prepared("POST", vec![("X-A", "1\r\nX-Injected: 2")], b""),
            prepared("POST", vec![("X A", "1")], b""),
            prepared("POST", vec![("", "1")], b""),
            prepared("PO ST", vec![], b""),
            prepared("POST", vec![("X-A", "caf\u{e9}")], b""),
        ] {
            assert!(write_request(&mut out, &target(), &p).is_err(), "{p:?}");
        }
    }
}
