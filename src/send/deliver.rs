//! One delivery over HTTP (reqwest, rustls), with failures sorted into the reasons a user acts on.
use std::time::{Duration, Instant};

use anyhow::Result;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use reqwest::{Client, Method, Url};

use super::plan::Prepared;
use crate::catalog::Provider;
use crate::error::UserError;
use crate::headers::Headers;
pub use crate::http::failure::FailKind;
use crate::output::sanitize;

/// What came back (or did not).
#[derive(Debug, Clone)]
pub struct Delivery {
    pub url: String,
    pub status: Option<u16>,
    pub elapsed: Duration,
    pub response_bytes: usize,
    /// The answer was longer than [`crate::http::ANSWER_LIMIT`]: `response_bytes` is what was read.
    pub response_truncated: bool,
    pub failure: Option<(FailKind, String)>,
    pub response_headers: Headers,
    pub response_body: Vec<u8>,
}

impl Delivery {
    /// A delivery that got no answer.
    pub fn failed(url: &Url, elapsed: Duration, kind: FailKind, message: String) -> Delivery {
        Delivery {
            url: url.to_string(),
            status: None,
            elapsed,
            response_bytes: 0,
            response_truncated: false,
            failure: Some((kind, message)),
            response_headers: Headers::new(),
            response_body: Vec::new(),
        }
    }

    pub fn ok(&self) -> bool {
        self.failure.is_none() && self.status.is_some_and(|s| (200..300).contains(&s))
    }
}

pub use crate::http::USER_AGENT;

/// The headers that go on the wire (see [`crate::http::request::each_wire_header`]); `--dry-run` shows them.
pub fn wire_headers(headers: &Headers, body_len: usize, url: Option<&Url>) -> Headers {
    let authority = url.map(|url| crate::http::Target::new(url).authority);
    crate::http::request::wire_headers(headers, body_len, authority.as_deref())
}

pub fn client(timeout: Duration, pool: usize, tls: &crate::tls::ClientTls) -> Result<Client> {
    client_following(timeout, pool, false, tls)
}

/// A client that, with `follow`, takes redirects to the same origin (at most 10), printing each hop on
/// stderr, and stops at a redirect to anywhere else (its 3xx is then the answer).
pub fn client_following(timeout: Duration, pool: usize, follow: bool, tls: &crate::tls::ClientTls) -> Result<Client> {
    let mut builder = crate::http::builder_with(tls)?;
    if follow {
        builder = builder.redirect(reqwest::redirect::Policy::custom(|attempt| {
            let origin = |url: &Url| (url.scheme().to_string(), url.host_str().map(str::to_string), url.port_or_known_default());
            let first = attempt.previous().first().map(origin);
            let next = attempt.url().clone();
            let status = attempt.status().as_u16();
            if attempt.previous().len() > 10 {
                crate::output::errln(&format!("redirect: {status} → {}: more than 10 hops, stopped", sanitize(next.as_str())));
                attempt.stop()
            } else if first == Some(origin(&next)) {
                let method = if matches!(status, 301..=303) { " (as GET, without the body: HTTP says so for 301/302/303)" } else { "" };
                crate::output::errln(&format!("redirect: {status} → {}{method}", sanitize(next.as_str())));
                attempt.follow()
            } else {
                crate::output::errln(&format!(
                    "redirect: {status} → {}: another host, not followed (it would get the signed body and its headers)",
                    sanitize(next.as_str())
                ));
                attempt.stop()
            }
        }));
    }
    builder
        .timeout(timeout)
        .connect_timeout(timeout)
        .pool_max_idle_per_host(pool)
        .tcp_nodelay(true)
        .user_agent(USER_AGENT)
        .build()
        .map_err(|e| UserError::new(format!("cannot start the HTTP client: {e}")).into())
}

/// Checks a `--to` URL up front, so a typo is a usage error and nothing is sent.
pub fn parse_url(text: &str) -> Result<Url> {
    let url = Url::parse(text)
        .map_err(|e| UserError::with_hint(format!("--to {}: not a URL ({e})", sanitize(text)), url_hint(text)))?;
    if url.cannot_be_a_base() || url.host().is_none() {
        // `localhost:8080` parses as the scheme `localhost`; `127.0.0.1:8080` does not parse at all.
        return Err(UserError::with_hint(format!("--to {}: not an http:// URL", sanitize(text)), url_hint(text)).into());
    }
    if !matches!(url.scheme(), "http" | "https") {
        return Err(
            UserError::new(format!("--to {}: only http and https URLs can receive webhooks", sanitize(text))).into()
        );
    }
    Ok(url)
}

/// `did you mean http://localhost:8080?` for a URL written without its scheme.
fn url_hint(text: &str) -> String {
    if !text.contains("://") && !text.trim().is_empty() {
        format!("did you mean http://{}?", sanitize(text.trim()))
    } else {
        "write it in full, like http://localhost:3000/hooks".to_string()
    }
}

/// Converts prepared headers for reqwest; a header that HTTP cannot carry is a usage error.
pub fn header_map(headers: &[(String, String)]) -> Result<HeaderMap> {
    let mut map = HeaderMap::new();
    for (name, value) in headers {
        crate::http::check_header(name, value).map_err(|why| UserError::new(sanitize(&why).into_owned()))?;
        let header = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| UserError::new(format!("header name {:?} is not valid in HTTP", sanitize(name))))?;
        let value = HeaderValue::from_str(value)
            .map_err(|_| UserError::new(format!("header {} has a value HTTP cannot carry", sanitize(name))))?;
        map.append(header, value);
    }
    Ok(map)
}

pub fn method(text: &str) -> Result<Method> {
    crate::http::check_method(text).map_err(|why| UserError::new(sanitize(&why).into_owned()))?;
    Method::from_bytes(text.as_bytes())
        .map_err(|_| UserError::new(format!("{:?} is not an HTTP method", sanitize(text))).into())
}

/// Sends one request; never fails, the failure is in the result. `keep_body` keeps the answer for `-v`.
pub async fn deliver(
    client: &Client,
    url: &Url,
    method: Method,
    headers: HeaderMap,
    prepared: Prepared,
    timeout: Duration,
    keep_body: bool,
) -> Delivery {
    let start = Instant::now();
    let result = client.request(method, url.clone()).headers(headers).body(prepared.body).send().await;
    let mut delivery = Delivery {
        url: url.to_string(),
        status: None,
        elapsed: Duration::ZERO,
        response_bytes: 0,
        response_truncated: false,
        failure: None,
        response_headers: Headers::new(),
        response_body: Vec::new(),
    };
    match result {
        Ok(response) => {
            delivery.status = Some(response.status().as_u16());
            if keep_body {
                delivery.response_headers = response
                    .headers()
                    .iter()
                    .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
                    .collect();
            }
            match crate::http::read_limited(response, crate::http::ANSWER_LIMIT).await {
                Ok(answer) => {
                    delivery.response_bytes = answer.bytes.len();
                    delivery.response_truncated = answer.truncated;
                    if keep_body {
                        delivery.response_body = answer.bytes;
                    }
                }
                Err(err) => delivery.failure = Some(classify(&err, url, timeout)),
            }
        }
        Err(err) => delivery.failure = Some(classify(&err, url, timeout)),
    }
    delivery.elapsed = start.elapsed();
    delivery
}

fn classify(err: &reqwest::Error, url: &Url, timeout: Duration) -> (FailKind, String) {
    crate::http::failure::of_reqwest(err, url, timeout)
}

/// What the provider itself would do with this answer, for the user to know (its `on_failure`).
pub fn provider_note(provider: Option<&Provider>, delivery: &Delivery) -> Option<String> {
    if delivery.ok() {
        return None;
    }
    let answer = match (delivery.status, &delivery.failure) {
        (_, Some((kind, _))) => kind.label().to_string(),
        (Some(status), None) => format!("HTTP {status}"),
        (None, None) => "no answer".to_string(),
    };
    provider?.failure_note(&answer)
}
