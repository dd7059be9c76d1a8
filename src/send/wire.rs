//! The load-mode transport for `http://` receivers: one keep-alive HTTP/1.1 connection per worker
//! ([`crate::http::connection`]), reconnecting when the receiver closes it, each request written by the
//! one request writer ([`crate::http::request::write`]). `https://` receivers go through reqwest instead.
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use reqwest::Url;

use super::deliver::Delivery;
use super::plan::Prepared;
use crate::http::connection::{self, Http1};
use crate::http::failure;

/// Where a worker connects, resolved once, and what it writes in the request line.
#[derive(Clone)]
pub struct Target {
    pub target: crate::http::Target,
    address: SocketAddr,
}

impl Target {
    /// Resolves the host once, up front; `Err` is a DNS failure.
    pub async fn resolve(url: &Url) -> Result<Target, String> {
        let target = crate::http::Target::new(url);
        let address = target.resolve().await.map_err(|(_, why)| why)?;
        Ok(Target { target, address })
    }

    fn url(&self) -> &Url {
        &self.target.url
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
    Http1::connect(target.address).await.map_err(|e| failure::of_connect(target.address, &e))
}

impl Connection {
    /// Sends one request; the failure, if any, is in the result.
    pub async fn deliver(&mut self, target: &Target, prepared: Prepared, timeout: Duration) -> Delivery {
        let start = Instant::now();
        match tokio::time::timeout(timeout, self.exchange(target, prepared, start)).await {
            Ok(delivery) => delivery,
            Err(_) => {
                self.open = None;
                failed(target.url(), start, failure::timeout(timeout))
            }
        }
    }

    async fn exchange(&mut self, target: &Target, prepared: Prepared, start: Instant) -> Delivery {
        let written = crate::http::request::write(
            &mut self.request,
            &target.target,
            &prepared.method,
            &prepared.headers,
            &prepared.body,
        );
        if let Err(message) = written {
            return failed(target.url(), start, failure::other(message));
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
                    Err(why) => return failed(target.url(), start, why),
                },
            };
            match connection.exchange(&self.request, head, crate::http::ANSWER_LIMIT).await {
                // A kept connection closed with no byte of an answer: nearly always an idle connection the
                // receiver closed as the request went out. Tried once more on a new connection, as curl
                // does; a new connection that closes so is a failure.
                Err(connection::Error::Closed) if reused => {
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
                    url: target.url().to_string(),
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
                failed(target.url(), start, failure::of_connection(why))
            }
        }
    }
}
