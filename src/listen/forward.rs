//! `--forward-to URL`: relay each request to the developer's app, byte for byte, and bring back its answer.
use std::time::{Duration, Instant};

use bytes::Bytes;
use reqwest::{Client, Method, Url};

use crate::capture::Arrived;

/// Headers that belong to one hop and are never relayed.
const HOP_BY_HOP: [&str; 9] = [
    "connection",
    "keep-alive",
    "proxy-connection",
    "transfer-encoding",
    "te",
    "trailer",
    "upgrade",
    "host",
    "content-length",
];

pub fn is_hop_by_hop(name: &str) -> bool {
    HOP_BY_HOP.iter().any(|h| name.eq_ignore_ascii_case(h))
}

/// The most of the app's answer relayed back to the sender (a larger one is answered 502).
pub const ANSWER_LIMIT: usize = 10 << 20;

/// The app's answer.
pub struct Answer {
    pub status: u16,
    pub headers: Vec<(String, String)>,
    pub body: Bytes,
    pub elapsed: Duration,
}

/// The target URL for a request: the base URL's path joined with the request's path and query.
pub fn target(base: &Url, path: &str, query: Option<&str>) -> Url {
    let mut url = base.clone();
    let joined = format!("{}/{}", base.path().trim_end_matches('/'), path.trim_start_matches('/'));
    url.set_path(&joined);
    url.set_query(query);
    url
}

pub async fn relay(client: &Client, base: &Url, arrived: &Arrived) -> Result<Answer, String> {
    let url = target(base, &arrived.path, arrived.query.as_deref());
    let method = Method::from_bytes(arrived.method.as_bytes()).map_err(|e| e.to_string())?;
    let mut request = client.request(method, url.clone()).body(arrived.body.clone());
    for (name, value) in arrived.headers.iter().filter(|(n, _)| !is_hop_by_hop(n)) {
        request = request.header(name, value);
    }
    let start = Instant::now();
    let response = request.send().await.map_err(|e| describe(&e, &url))?;
    let status = response.status().as_u16();
    let headers = response
        .headers()
        .iter()
        .filter(|(n, _)| !is_hop_by_hop(n.as_str()))
        .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
        .collect();
    let answer = crate::http_client::read_limited(response, ANSWER_LIMIT).await.map_err(|e| describe(&e, &url))?;
    if answer.truncated {
        return Err(format!("{url} answered more than {ANSWER_LIMIT} bytes, which listen does not relay"));
    }
    let body = Bytes::from(answer.bytes);
    Ok(Answer { status, headers, body, elapsed: start.elapsed() })
}

fn describe(err: &reqwest::Error, url: &Url) -> String {
    if err.is_timeout() {
        format!("{url} did not answer in time")
    } else if err.is_connect() {
        format!("cannot connect to {url}: is your app running?")
    } else {
        format!("forwarding to {url} failed: {err}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_and_queries_are_joined_onto_the_base() {
        let base = Url::parse("http://127.0.0.1:3000/app/").unwrap();
        assert_eq!(target(&base, "/hooks/x", Some("a=1")).as_str(), "http://127.0.0.1:3000/app/hooks/x?a=1");
        let root = Url::parse("http://127.0.0.1:3000").unwrap();
        assert_eq!(target(&root, "/hooks", None).as_str(), "http://127.0.0.1:3000/hooks");
    }
}
