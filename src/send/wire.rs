//! The load-mode transport for `http://` receivers: one keep-alive HTTP/1.1 connection per worker through
//! hyper's client connection API (as oha does), reconnecting when the receiver closes it. `https://`
//! receivers go through reqwest instead.
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::{self, SendRequest};
use hyper::header::{HeaderValue, HOST};
use hyper::{Request, Uri};
use hyper_util::rt::TokioIo;
use reqwest::Url;

use super::deliver::Delivery;
use super::failure;
use super::plan::Prepared;

/// Where a worker connects and what it writes in the request line.
#[derive(Clone)]
pub struct Target {
    pub url: Url,
    address: SocketAddr,
    host: HeaderValue,
    path: Uri,
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
        let path_and_query = match url.query() {
            Some(q) => format!("{}?{q}", url.path()),
            None => url.path().to_string(),
        };
        Ok(Target {
            url: url.clone(),
            address,
            host: HeaderValue::from_str(&authority).map_err(|e| e.to_string())?,
            path: path_and_query.parse().map_err(|e: hyper::http::uri::InvalidUri| e.to_string())?,
        })
    }
}

/// One worker's connection, opened on first use and again after the receiver closes it.
#[derive(Default)]
pub struct Connection {
    sender: Option<SendRequest<Full<Bytes>>>,
}

fn failed(url: &Url, start: Instant, (kind, message): failure::Failure) -> Delivery {
    Delivery::failed(url, start.elapsed(), kind, message)
}

async fn connect(target: &Target) -> Result<SendRequest<Full<Bytes>>, failure::Failure> {
    let stream = tokio::net::TcpStream::connect(target.address).await.map_err(|e| {
        if e.kind() == std::io::ErrorKind::ConnectionRefused {
            failure::refused(target.address)
        } else {
            failure::connect(target.address, e)
        }
    })?;
    let _ = stream.set_nodelay(true);
    let (sender, connection) =
        http1::handshake(TokioIo::new(stream)).await.map_err(|e| failure::handshake(target.address, e))?;
    tokio::spawn(connection);
    Ok(sender)
}

impl Connection {
    /// Sends one request; the failure, if any, is in the result.
    pub async fn deliver(&mut self, target: &Target, prepared: Prepared, timeout: Duration) -> Delivery {
        let start = Instant::now();
        match tokio::time::timeout(timeout, self.exchange(target, prepared, start)).await {
            Ok(delivery) => delivery,
            Err(_) => {
                self.sender = None;
                failed(&target.url, start, failure::timeout(timeout))
            }
        }
    }

    async fn exchange(&mut self, target: &Target, prepared: Prepared, start: Instant) -> Delivery {
        let request = match build(target, prepared) {
            Ok(request) => request,
            Err(message) => return failed(&target.url, start, failure::other(message)),
        };
        let sender = match &mut self.sender {
            Some(sender) if !sender.is_closed() => sender,
            _ => match connect(target).await {
                Ok(sender) => self.sender.insert(sender),
                Err(why) => return failed(&target.url, start, why),
            },
        };
        if sender.ready().await.is_err() {
            self.sender = None;
            return failed(&target.url, start, failure::closed_by_receiver());
        }
        let response = match sender.send_request(request).await {
            Ok(response) => response,
            Err(e) => {
                self.sender = None;
                return failed(&target.url, start, failure::request(e));
            }
        };
        let status = response.status().as_u16();
        let keep_alive = !response
            .headers()
            .get(hyper::header::CONNECTION)
            .is_some_and(|v| v.as_bytes().eq_ignore_ascii_case(b"close"));
        match count_body(response.into_body()).await {
            Ok((length, whole)) => {
                if !keep_alive || !whole {
                    self.sender = None;
                }
                Delivery {
                    url: target.url.to_string(),
                    status: Some(status),
                    elapsed: start.elapsed(),
                    response_bytes: length,
                    response_truncated: !whole,
                    failure: None,
                    response_headers: Default::default(),
                    response_body: Vec::new(),
                }
            }
            Err(e) => {
                self.sender = None;
                failed(&target.url, start, failure::reading_answer(e))
            }
        }
    }
}

/// Reads an answer's body only to count it (at most [`crate::http_client::ANSWER_LIMIT`] bytes; past that
/// the connection is dropped): the length, and whether it was read whole.
async fn count_body(mut body: hyper::body::Incoming) -> Result<(usize, bool), hyper::Error> {
    let mut length = 0;
    while let Some(frame) = body.frame().await {
        if let Ok(data) = frame?.into_data() {
            length += data.len();
            if length > crate::http_client::ANSWER_LIMIT {
                return Ok((length, false));
            }
        }
    }
    Ok((length, true))
}

fn build(target: &Target, prepared: Prepared) -> Result<Request<Full<Bytes>>, String> {
    let mut request = Request::builder().method(prepared.method.as_str()).uri(target.path.clone());
    let headers = request.headers_mut().ok_or("invalid request")?;
    headers.insert(HOST, target.host.clone());
    for (name, value) in &prepared.headers {
        let name = hyper::header::HeaderName::from_bytes(name.as_bytes()).map_err(|e| e.to_string())?;
        headers.append(name, HeaderValue::from_str(value).map_err(|e| e.to_string())?);
    }
    request.body(Full::new(Bytes::from(prepared.body))).map_err(|e| e.to_string())
}
