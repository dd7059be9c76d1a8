//! The inspector's HTTP side: the page's three embedded files and the JSON API it is built on (documented in
//! docs/inspector.md). Bound to 127.0.0.1 only; a request whose Host is not this server's gets 403 (DNS
//! rebinding), and replaying needs the per-run token the page keeps in a `SameSite=Strict` cookie.
use std::convert::Infallible;
use std::pin::Pin;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::task::{Context as TaskContext, Poll};

use bytes::Bytes;
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::{Frame, Incoming};
use hyper::header::{HeaderValue, CACHE_CONTROL, CONTENT_TYPE, COOKIE, HOST, LOCATION, ORIGIN, SET_COOKIE};
use hyper::{Method, Request, Response, StatusCode};
use serde_json::{json, Value};
use tokio::sync::{broadcast, mpsc, Semaphore};

use super::priority::Priority;
use super::sources::Captures;
use super::store::{Query, Store};
use crate::capture::select::{self as select, Head, Verdict};
use crate::capture::{self, Captured};
use crate::captures::{curl, fixture, har};
use crate::catalog::Catalog;
use crate::schema::SchemaSet;
use crate::signing::Scheme;
use crate::signing::{self, Secret};

pub type Body = BoxBody<Bytes, Infallible>;

const INDEX_HTML: &str = include_str!("assets/index.html");
const APP_JS: &str = include_str!("assets/app.js");
const APP_CSS: &str = include_str!("assets/app.css");
const FAVICON: &str =
    "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 16 16'><circle cx='8' cy='8' r='7' fill='#0b63c9'/></svg>";

/// Page work that costs CPU in proportion to a record (fixture, diff, HAR, exports) running at once; more
/// are answered 503 (the page says to try again).
pub const JOBS_AT_ONCE: usize = 2;
/// The largest body the page builds a fixture, diff or HAR of (the command line has no such cap).
pub const JOB_BODY_LIMIT: usize = 16 << 20;
/// Open live streams (`/api/stream`) at once; more are answered 503.
pub const STREAMS_AT_ONCE: usize = 64;
/// Records one export carries at most (`limit` is clamped to it).
pub const EXPORT_RECORDS: usize = 10_000;
/// Body bytes one export entry carries at most (a longer one is cut, and the entry says so).
pub const EXPORT_BODY_BYTES: usize = 1 << 20;
/// Bytes one export carries at most (past it the export ends, and says so).
pub const EXPORT_BYTES: usize = 256 << 20;

/// Everything the API needs, shared by its connections.
pub struct Inspector {
    pub captures: Arc<Captures>,
    pub catalog: Catalog,
    pub schemas: SchemaSet,
    pub token: String,
    /// Set once the port is bound: the Host a request must carry.
    pub port: OnceLock<u16>,
    /// Where replays go by default: `--forward-to`, then the last URL used.
    pub default_url: Mutex<Option<String>>,
    pub signing: Option<(Scheme, Secret)>,
    /// Where the captures come from, for the page's header.
    pub source: String,
    /// Where webhooks are sent to be captured (`listen --ui`), for the page to show.
    pub capture_url: Option<String>,
    /// How replays trust an https receiver.
    pub client_tls: crate::tls::ClientTls,
    /// CPU-heavy page work running now (at most [`JOBS_AT_ONCE`]).
    jobs: Arc<Semaphore>,
    /// Live streams open now (at most [`STREAMS_AT_ONCE`]).
    streams: Arc<AtomicUsize>,
    /// One summary per new capture, made once and fanned out to every open stream.
    summaries: broadcast::Sender<Bytes>,
}

/// What an inspector is made of (the rest it makes itself).
pub struct Parts {
    pub captures: Captures,
    pub catalog: Catalog,
    pub schemas: SchemaSet,
    pub default_url: Option<String>,
    pub signing: Option<(Scheme, Secret)>,
    pub source: String,
    pub capture_url: Option<String>,
    pub client_tls: crate::tls::ClientTls,
}

impl Inspector {
    pub fn new(parts: Parts) -> Inspector {
        Inspector {
            captures: Arc::new(parts.captures),
            catalog: parts.catalog,
            schemas: parts.schemas,
            token: super::new_token(),
            port: OnceLock::new(),
            default_url: Mutex::new(parts.default_url),
            signing: parts.signing,
            source: parts.source,
            capture_url: parts.capture_url,
            client_tls: parts.client_tls,
            jobs: Arc::new(Semaphore::new(JOBS_AT_ONCE)),
            streams: Arc::new(AtomicUsize::new(0)),
            summaries: broadcast::channel(1024).0,
        }
    }

    /// The name of the token cookie: one per inspector port, so that another inspector (or anything else
    /// on 127.0.0.1, where cookies are not port-scoped) never receives it by name.
    pub fn cookie_name(&self) -> String {
        format!("hookctl_token_{}", self.port.get().copied().unwrap_or_default())
    }

    /// Turns each new record into its list row once, for every open stream (runs on the inspector's own
    /// runtime, never on the capture path).
    pub async fn fan_out(self: Arc<Self>) {
        let each: Vec<_> =
            self.captures.stores().iter().map(|store| tokio::spawn(self.clone().fan_out_of(store.clone()))).collect();
        for task in each {
            let _ = task.await;
        }
    }

    /// Summarises what the store took in for the live streams, a window ([`COALESCE`]) at a time: at most
    /// [`SUMMARIES_PER_WINDOW`] summaries per window; past that the pages are told they lagged and refresh
    /// the list from the API once (no one reads 2,000 rows a second, and the summaries would cost capture).
    async fn fan_out_of(self: Arc<Self>, store: Arc<Store>) {
        let mut news = store.subscribe();
        loop {
            let first = match news.recv().await {
                Ok(line) => line,
                Err(broadcast::error::RecvError::Lagged(n)) => {
                    let _ = self.summaries.send(Bytes::from(format!("event: lagged\ndata: {n}\n\n")));
                    continue;
                }
                Err(broadcast::error::RecvError::Closed) => return,
            };
            if self.summaries.receiver_count() == 0 {
                continue;
            }
            tokio::time::sleep(COALESCE).await;
            let mut lines = vec![first];
            let mut lagged = 0;
            loop {
                match news.try_recv() {
                    Ok(line) => lines.push(line),
                    Err(broadcast::error::TryRecvError::Lagged(n)) => lagged += n,
                    Err(_) => break,
                }
            }
            let skipped = lagged + lines.len().saturating_sub(SUMMARIES_PER_WINDOW) as u64;
            if skipped > 0 {
                let _ = self.summaries.send(Bytes::from(format!("event: lagged\ndata: {skipped}\n\n")));
                continue;
            }
            for line in &lines {
                let row = summary(line, store.label.as_deref());
                let _ = self.summaries.send(Bytes::from(format!("event: capture\ndata: {row}\n\n")));
            }
        }
    }
}

/// The most captures a window's live summaries carry (see [`Inspector::fan_out_of`]).
const SUMMARIES_PER_WINDOW: usize = 64;

/// What arrives within [`COALESCE`] after `first`, in one write: each stream costs the inspector one wake-up
/// and one write per window, not one per capture (64 streams at 2,000 captures a second were 128,000 writes
/// a second).
async fn coalesce(first: Bytes, news: &mut broadcast::Receiver<Bytes>) -> Bytes {
    tokio::time::sleep(COALESCE).await;
    let mut batch = first.to_vec();
    for _ in 0..512 {
        match news.try_recv() {
            Ok(more) => batch.extend_from_slice(&more),
            // Lagged: the next `recv` says so; empty or closed: the batch is complete.
            Err(_) => break,
        }
    }
    Bytes::from(batch)
}

/// How long live news waits to go out with what follows it: a page's live list updates ten times a second
/// at most.
const COALESCE: std::time::Duration = std::time::Duration::from_millis(100);

fn full(body: impl Into<Bytes>) -> Body {
    Full::new(body.into()).map_err(|never| match never {}).boxed()
}

fn respond(status: StatusCode, content_type: &'static str, body: impl Into<Bytes>) -> Response<Body> {
    let mut response = Response::new(full(body));
    *response.status_mut() = status;
    let headers = response.headers_mut();
    headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
    headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
    headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
    headers.insert(
        "content-security-policy",
        HeaderValue::from_static(
            "default-src 'self'; img-src 'self' data:; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
        ),
    );
    headers.insert("referrer-policy", HeaderValue::from_static("no-referrer"));
    response
}

fn json_response(status: StatusCode, value: &Value) -> Response<Body> {
    let text = crate::output::json_safe(value.to_string());
    respond(status, "application/json", text)
}

fn error(status: StatusCode, message: impl Into<String>) -> Response<Body> {
    json_response(status, &json!({"error": message.into(), "status": status.as_u16()}))
}

fn download(value: String, content_type: &'static str, name: &str) -> Response<Body> {
    let mut response = respond(StatusCode::OK, content_type, value);
    if let Ok(header) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
        response.headers_mut().insert("content-disposition", header);
    }
    response
}

/// `host` (a Host header, or an Origin without its scheme) names this inspector: 127.0.0.1, localhost or
/// [::1] at `port`. Host names are case-insensitive.
fn ours(host: &str, port: u16) -> bool {
    let Some((name, at)) = host.rsplit_once(':') else { return false };
    at.parse::<u16>().ok() == Some(port)
        && (name == "127.0.0.1" || name == "[::1]" || name.eq_ignore_ascii_case("localhost"))
}

/// `a=1&b=x%20y` as pairs, percent-decoded.
fn query_pairs(query: Option<&str>) -> Vec<(String, String)> {
    query
        .unwrap_or_default()
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (k, v) = p.split_once('=').unwrap_or((p, ""));
            (decode(k), decode(v))
        })
        .collect()
}

fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'+' => out.push(b' '),
            b'%' if i + 2 < bytes.len() => {
                let hex = |b: u8| (b as char).to_digit(16);
                match (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                    (Some(high), Some(low)) => {
                        out.push((high * 16 + low) as u8);
                        i += 2;
                    }
                    _ => out.push(b'%'),
                }
            }
            b => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The list filters from the query string (shared by the list, HAR and NDJSON).
/// The list's filters; `before` turns a `before_id` into where older records start.
fn list_query(
    pairs: &[(String, String)],
    before: impl Fn(&str) -> Result<super::store::Before, String>,
) -> Result<Query, String> {
    let mut query = Query { limit: 100, ..Query::default() };
    for (key, value) in pairs {
        if value.is_empty() {
            continue;
        }
        match key.as_str() {
            "event" => query.event = Some(value.clone()),
            "verdict" | "valid" => {
                query.verdict = Some(match value.as_str() {
                    "valid" | "true" => vec![Verdict::Valid],
                    "invalid" | "false" => vec![Verdict::Invalid, Verdict::BrokenJson],
                    "unrecognised" => vec![Verdict::Unrecognised, Verdict::NotJson, Verdict::Empty],
                    "not-json" => vec![Verdict::BrokenJson, Verdict::NotJson],
                    other => return Err(format!("{key}={other}: use valid, invalid, unrecognised or not-json")),
                })
            }
            "method" => query.method = Some(value.clone()),
            "path" => query.path = Some(value.clone()),
            "q" => query.q = Some(value.clone()),
            "status" => query.status = Some(value.parse().map_err(|_| format!("status={value}: not a number"))?),
            "since" => query.since = Some(select::parse_time(value)?.timestamp_millis()),
            "until" => query.until = Some(select::parse_time(value)?.timestamp_millis()),
            "before_id" => query.before = Some(before(value).map_err(|e| format!("before_id={value}: {e}"))?),
            "limit" => {
                query.limit = value.parse::<usize>().map_err(|_| format!("limit={value}: not a number"))?.clamp(1, 1000)
            }
            _ => {}
        }
    }
    Ok(query)
}

/// One row of the list: what the page shows without opening the record. `key` names it to the API (its id,
/// or `FILE:ID` when several files are inspected, `source` then naming the file).
pub fn summary(line: &str, source: Option<&str>) -> Value {
    let Ok(record) = serde_json::from_str::<crate::capture::Record>(line) else { return Value::Null };
    let verdict = Head::of(line).map(|h| h.verdict().label()).unwrap_or("unrecognised");
    let key = match source {
        Some(file) => format!("{file}:{}", record.id),
        None => record.id.to_string(),
    };
    json!({
        "id": record.id,
        "key": key,
        "source": source,
        "received_at": record.received_at,
        "method": record.method,
        "path": record.path,
        "query": record.query,
        "event": record.event,
        "shape": record.shape,
        "verdict": verdict,
        "answered": record.answered,
        "forward": record.forward.as_ref().map(|f| json!({"url": f["url"], "status": f["status"], "error": f.get("error")})),
        "body_bytes": record.body_bytes,
        "signature": record.signature_status(),
    })
}

impl Inspector {
    /// The Host header names this server: 127.0.0.1, localhost or [::1] at its port (any case).
    fn host_ok(&self, request: &Request<Incoming>) -> bool {
        let Some(port) = self.port.get() else { return false };
        let host = request.headers().get(HOST).and_then(|h| h.to_str().ok()).unwrap_or_default();
        ours(host, *port)
    }

    /// A state-changing request comes from this page or from no page at all: an `Origin` must be this
    /// server's, and a browser's `Sec-Fetch-Site` must say same-origin.
    fn origin_ok(&self, request: &Request<Incoming>) -> bool {
        let port = self.port.get().copied().unwrap_or_default();
        let origin = request.headers().get(ORIGIN).map(|o| o.to_str().unwrap_or("?"));
        let origin_ok = origin.is_none_or(|o| {
            o.strip_prefix("http://").or_else(|| o.strip_prefix("HTTP://")).is_some_and(|host| ours(host, port))
        });
        let site = request.headers().get("sec-fetch-site").and_then(|s| s.to_str().ok());
        origin_ok && site.is_none_or(|s| s == "same-origin" || s == "none")
    }

    /// Replaying needs the token: in this inspector's cookie from this page (an `Origin` of ours is then
    /// required, as every browser sends it on a POST), or in `X-Hookctl-Token` (a script).
    fn token_ok(&self, request: &Request<Incoming>) -> bool {
        if !self.origin_ok(request) {
            return false;
        }
        let name = self.cookie_name();
        let from_page = request.headers().contains_key(ORIGIN);
        let cookie = from_page
            && request.headers().get_all(COOKIE).iter().filter_map(|c| c.to_str().ok()).any(|c| {
                c.split(';')
                    .any(|pair| pair.trim().split_once('=').is_some_and(|(n, v)| n == name && v == self.token.as_str()))
            });
        let header =
            request.headers().get("x-hookctl-token").and_then(|t| t.to_str().ok()) == Some(self.token.as_str());
        cookie || header
    }

    fn captured(&self, id: &str) -> Result<(Arc<str>, Captured), Box<Response<Body>>> {
        let missing = || Box::new(error(StatusCode::NOT_FOUND, format!("no capture with id {id}")));
        let line = self.captures.get(id).ok_or_else(missing)?;
        let captured = capture::from_line(&line).map_err(|e| Box::new(error(StatusCode::INTERNAL_SERVER_ERROR, e)))?;
        Ok((line, captured))
    }

    /// A capture for CPU-heavy page work: no larger than [`JOB_BODY_LIMIT`].
    fn captured_for_job(&self, id: &str) -> Result<Captured, Box<Response<Body>>> {
        let (_, captured) = self.captured(id)?;
        if captured.body.len() > JOB_BODY_LIMIT {
            return Err(Box::new(error(
                StatusCode::PAYLOAD_TOO_LARGE,
                format!(
                    "capture {id}'s body is {} bytes; the page works on bodies up to {} MiB: use `hookctl captures export {selection}` or `hookctl diff {selection}`",
                    captured.body.len(),
                    JOB_BODY_LIMIT >> 20,
                    selection = if self.captures.merged() { id.to_string() } else { format!("FILE:{id}") },
                ),
            )));
        }
        Ok(captured)
    }

    /// Runs CPU-heavy page work on a blocking thread of the inspector's own runtime, at most
    /// [`JOBS_AT_ONCE`] at a time (more: 503, try again).
    async fn job(
        self: &Arc<Self>,
        priority: Priority,
        work: impl FnOnce(&Inspector) -> Response<Body> + Send + 'static,
    ) -> Response<Body> {
        let Ok(permit) = self.jobs.clone().try_acquire_owned() else {
            let mut busy = error(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("the inspector is busy with {JOBS_AT_ONCE} exports or diffs; try again in a moment"),
            );
            busy.headers_mut().insert("retry-after", HeaderValue::from_static("1"));
            return busy;
        };
        let inspector = self.clone();
        let done = tokio::task::spawn_blocking(move || {
            super::priority::set(priority);
            let response = work(&inspector);
            drop(permit);
            response
        })
        .await;
        done.unwrap_or_else(|_| error(StatusCode::INTERNAL_SERVER_ERROR, "the job failed"))
    }

    pub async fn handle(self: Arc<Self>, request: Request<Incoming>) -> Result<Response<Body>, Infallible> {
        if !self.host_ok(&request) {
            return Ok(error(
                StatusCode::FORBIDDEN,
                "this page answers only at 127.0.0.1 or localhost (its Host header)",
            ));
        }
        let path = request.uri().path().to_string();
        let pairs = query_pairs(request.uri().query());
        let method = request.method().clone();
        if method != Method::GET && method != Method::HEAD && !self.origin_ok(&request) {
            return Ok(error(StatusCode::FORBIDDEN, "this request comes from another site (its Origin)"));
        }
        let segments: Vec<&str> = path.trim_matches('/').split('/').collect();
        let response = match (&method, segments.as_slice()) {
            (&Method::GET, [""]) => self.page(&pairs),
            (&Method::GET, ["app.js"]) => respond(StatusCode::OK, "text/javascript; charset=utf-8", APP_JS),
            (&Method::GET, ["app.css"]) => respond(StatusCode::OK, "text/css; charset=utf-8", APP_CSS),
            (&Method::GET, ["favicon.svg" | "favicon.ico"]) => respond(StatusCode::OK, "image/svg+xml", FAVICON),
            (&Method::GET, ["api", "info"]) => self.info(),
            (&Method::GET, ["api", "captures"]) => {
                let pairs = pairs.clone();
                self.job(Priority::Page, move |inspector| inspector.list(&pairs)).await
            }
            (&Method::GET, ["api", "captures.har"]) => self.export(&pairs, true),
            (&Method::GET, ["api", "captures.ndjson"]) => self.export(&pairs, false),
            (&Method::GET, ["api", "stream"]) => self.stream(),
            (&Method::POST, ["api", "validate"]) => self.validate(request).await,
            (_, ["api", "captures", id, rest @ ..]) => {
                let id = decode(id);
                match self.captures.resolve(&id) {
                    Err(message) => error(StatusCode::BAD_REQUEST, message),
                    Ok(_) => match (&method, rest) {
                        (&Method::GET, []) => self.record(&id),
                        (&Method::GET, ["diff"]) => {
                            self.job(Priority::HeavyJob, move |inspector| inspector.diff(&id)).await
                        }
                        (&Method::GET, ["curl"]) => {
                            self.job(Priority::HeavyJob, move |inspector| inspector.curl(&id)).await
                        }
                        (&Method::GET, ["har"]) => {
                            self.job(Priority::HeavyJob, move |inspector| inspector.one_har(&id)).await
                        }
                        (&Method::GET, ["fixture"]) => {
                            self.job(Priority::HeavyJob, move |inspector| inspector.fixture(&id)).await
                        }
                        (&Method::POST, ["replay"]) if !self.token_ok(&request) => error(
                            StatusCode::FORBIDDEN,
                            "replaying needs the token from the URL hookctl printed; open that URL",
                        ),
                        (&Method::POST, ["replay"]) => self.replay(&id, request).await,
                        _ => error(StatusCode::NOT_FOUND, format!("no such endpoint: {method} {path}")),
                    },
                }
            }
            _ => error(StatusCode::NOT_FOUND, format!("no such endpoint: {method} {path}")),
        };
        Ok(response)
    }

    /// The page. Opened with `?token=…` (the URL printed on stderr), it sets the token cookie and redirects
    /// to itself without the token, keeping the rest of the query (the filters).
    fn page(&self, pairs: &[(String, String)]) -> Response<Body> {
        if let Some((_, token)) = pairs.iter().find(|(k, _)| k == "token") {
            let rest: Vec<String> = pairs
                .iter()
                .filter(|(k, _)| k != "token")
                .map(|(k, v)| format!("{}={}", encode(k), encode(v)))
                .collect();
            let location = if rest.is_empty() { "/".to_string() } else { format!("/?{}", rest.join("&")) };
            let mut response = respond(StatusCode::SEE_OTHER, "text/plain", "");
            if let Ok(value) = HeaderValue::from_str(&location) {
                response.headers_mut().insert(LOCATION, value);
            }
            if token == &self.token {
                let cookie = format!("{}={}; Path=/; SameSite=Strict; HttpOnly", self.cookie_name(), self.token);
                if let Ok(value) = HeaderValue::from_str(&cookie) {
                    response.headers_mut().insert(SET_COOKIE, value);
                }
            }
            return response;
        }
        respond(StatusCode::OK, "text/html; charset=utf-8", INDEX_HTML)
    }

    fn info(&self) -> Response<Body> {
        json_response(
            StatusCode::OK,
            &json!({
                "source": self.source,
                "version": env!("CARGO_PKG_VERSION"),
                "default_url": *self.default_url.lock().unwrap_or_else(|e| e.into_inner()),
                "capture_url": self.capture_url,
                "signing": self.signing.as_ref().map(|(scheme, _)| signing::scheme_name(*scheme)),
                "events": self.catalog.iter().map(|f| f.name.clone()).collect::<Vec<_>>(),
            }),
        )
    }

    fn list(&self, pairs: &[(String, String)]) -> Response<Body> {
        let query = match list_query(pairs, |key| self.captures.before(key)) {
            Ok(query) => query,
            Err(message) => return error(StatusCode::BAD_REQUEST, message),
        };
        let page = self.captures.query(&query);
        let rows: Vec<Value> = page.entries.iter().map(|e| summary(&e.line, e.source.as_deref())).collect();
        // Alone, the next page starts below an id (a number); among several files, below a FILE:ID.
        let next = page.entries.last().filter(|_| rows.len() == query.limit).map(|last| match last.source {
            Some(_) => Value::String(last.key.clone()),
            None => rows.last().map_or(Value::Null, |r| r["id"].clone()),
        });
        json_response(
            StatusCode::OK,
            &json!({
                "captures": rows,
                "total": page.total,
                "indexing": !page.complete,
                "dropped": page.dropped,
                "next_before_id": next,
            }),
        )
    }

    /// The filtered captures as one HAR document or NDJSON, streamed record by record from a blocking
    /// thread (memory stays one record deep, whatever the file's size): at most [`EXPORT_RECORDS`]
    /// records, [`EXPORT_BODY_BYTES`] of each body in HAR and [`EXPORT_BYTES`] in all; what is cut is said
    /// (in the entry, and in the log's comment).
    fn export(self: &Arc<Self>, pairs: &[(String, String)], as_har: bool) -> Response<Body> {
        let mut query = match list_query(pairs, |key| self.captures.before(key)) {
            Ok(query) => query,
            Err(message) => return error(StatusCode::BAD_REQUEST, message),
        };
        query.limit = match pairs.iter().find(|(k, _)| k == "limit") {
            Some((_, v)) => match v.parse::<usize>() {
                Ok(n) => n.clamp(1, EXPORT_RECORDS),
                Err(_) => return error(StatusCode::BAD_REQUEST, format!("limit={v}: not a number")),
            },
            None => EXPORT_RECORDS,
        };
        let Ok(permit) = self.jobs.clone().try_acquire_owned() else {
            return error(StatusCode::SERVICE_UNAVAILABLE, "the inspector is busy with other exports; try again");
        };
        // One chunk waits while the next is made: a record of tens of MB is in memory two or three times at most.
        let (sender, receiver) = mpsc::channel::<Bytes>(1);
        let captures = self.captures.clone();
        tokio::task::spawn_blocking(move || {
            super::priority::set(Priority::HeavyJob);
            let _permit = permit;
            export_records(&captures, &query, as_har, &sender);
        });
        let mut response = Response::new(BodyExt::boxed(EventStream(receiver)));
        let (content_type, name) =
            if as_har { ("application/json", "captures.har") } else { ("application/x-ndjson", "captures.ndjson") };
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static(content_type));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        headers.insert("x-content-type-options", HeaderValue::from_static("nosniff"));
        if let Ok(value) = HeaderValue::from_str(&format!("attachment; filename=\"{name}\"")) {
            headers.insert("content-disposition", value);
        }
        response
    }

    fn record(&self, id: &str) -> Response<Body> {
        match self.captured(id) {
            Ok((line, _)) => respond(StatusCode::OK, "application/json", capture::scrub_line(&line).into_owned()),
            Err(response) => *response,
        }
    }

    fn diff(&self, id: &str) -> Response<Body> {
        let captured = match self.captured_for_job(id) {
            Ok(found) => found,
            Err(response) => return *response,
        };
        match crate::diff::json_report(&self.catalog, &captured.body, Some(&captured.record)) {
            Ok(bytes) => respond(StatusCode::OK, "application/json", bytes),
            // Not a failed request: this capture has nothing to compare with (no event, not JSON).
            Err(err) => json_response(
                StatusCode::OK,
                &json!({"event": null, "matches": null, "errors": [], "extra_fields": [], "diff": "", "note": format!("{err:#}")}),
            ),
        }
    }

    fn curl(&self, id: &str) -> Response<Body> {
        match self.captured(id) {
            Ok((_, captured)) => match curl::command(&captured, None) {
                Ok(command) => respond(StatusCode::OK, "text/plain; charset=utf-8", command + "\n"),
                Err(err) => error(StatusCode::UNPROCESSABLE_ENTITY, err.to_string()),
            },
            Err(response) => *response,
        }
    }

    fn one_har(&self, id: &str) -> Response<Body> {
        match self.captured_for_job(id) {
            Ok(captured) => {
                let text = crate::output::json_safe(har::document(&[captured], None).to_string());
                let name: String = id
                    .chars()
                    .map(|c| if c.is_ascii_alphanumeric() || c == '.' || c == '-' { c } else { '_' })
                    .collect();
                download(text, "application/json", &format!("capture-{name}.har"))
            }
            Err(response) => *response,
        }
    }

    fn fixture(&self, id: &str) -> Response<Body> {
        let captured = match self.captured_for_job(id) {
            Ok(found) => found,
            Err(response) => return *response,
        };
        match fixture::build(&[captured], None, &self.catalog) {
            Ok((name, fixture, _)) => {
                let text = crate::output::json_safe(serde_json::to_string_pretty(&fixture).unwrap_or_default());
                download(text + "\n", "application/json", &format!("{name}.json"))
            }
            Err(err) => error(StatusCode::UNPROCESSABLE_ENTITY, format!("{err:#}")),
        }
    }

    async fn read_json(request: Request<Incoming>) -> Result<Value, Box<Response<Body>>> {
        let body = Limited::new(request.into_body(), 16 << 20)
            .collect()
            .await
            .map_err(|e| Box::new(error(StatusCode::BAD_REQUEST, format!("cannot read the request: {e}"))))?
            .to_bytes();
        serde_json::from_slice(&body)
            .map_err(|e| Box::new(error(StatusCode::BAD_REQUEST, format!("the request is not JSON: {e}"))))
    }

    /// `{event?, body}` → the verdict of `body` (text) against the event's schema (for the editor).
    async fn validate(&self, request: Request<Incoming>) -> Response<Body> {
        let input = match Self::read_json(request).await {
            Ok(input) => input,
            Err(response) => return *response,
        };
        let text = input["body"].as_str().unwrap_or_default();
        let body: Value = match serde_json::from_str(text) {
            Ok(body) => body,
            Err(err) => {
                return json_response(
                    StatusCode::OK,
                    &json!({"json": false, "error": err.to_string(), "line": err.line(), "column": err.column()}),
                )
            }
        };
        let event = match input["event"].as_str() {
            Some(event) => Some(event.to_string()),
            None => crate::schema::detect(&self.catalog, &self.schemas, &body, &Default::default()),
        };
        let Some(schema) = event.as_deref().and_then(|e| self.schemas.get(e)) else {
            return json_response(StatusCode::OK, &json!({"json": true, "event": event, "valid": null, "errors": []}));
        };
        let verdict = schema.check(&body);
        json_response(
            StatusCode::OK,
            &json!({"json": true, "event": event, "valid": verdict.valid, "errors": verdict.errors}),
        )
    }

    /// `{url?, body?, headers?, sign?}` → the delivery, as `send --json` prints it. Without `body` and
    /// `headers` the original bytes go; `sign` re-signs with a fresh id and timestamp (needs `--secret`).
    async fn replay(&self, id: &str, request: Request<Incoming>) -> Response<Body> {
        let (_, captured) = match self.captured(id) {
            Ok(found) => found,
            Err(response) => return *response,
        };
        let input = match Self::read_json(request).await {
            Ok(input) => input,
            Err(response) => return *response,
        };
        let url = input["url"]
            .as_str()
            .map(String::from)
            .or_else(|| self.default_url.lock().unwrap_or_else(|e| e.into_inner()).clone());
        let Some(url) = url else {
            return error(StatusCode::BAD_REQUEST, "no url: say where to replay to");
        };
        let url = match crate::send::deliver_url(&url) {
            Ok(url) => url,
            Err(err) => return error(StatusCode::BAD_REQUEST, format!("{err:#}")),
        };
        let sign = input["sign"].as_bool().unwrap_or(false);
        if sign && self.signing.is_none() {
            return error(StatusCode::BAD_REQUEST, "sign: listen or inspect was started without --secret");
        }
        let mut source = crate::send::plan::from_capture(captured);
        if let crate::send::plan::Source::Capture { body, headers, .. } = &mut source {
            if let Some(text) = input["body"].as_str() {
                *body = text.as_bytes().to_vec();
            }
            match &input["headers"] {
                Value::Null => {}
                Value::Object(map) => {
                    let mut edited = crate::headers::Headers::new();
                    for (name, value) in map {
                        let Some(value) = value.as_str() else {
                            return error(StatusCode::BAD_REQUEST, format!("headers: {name}'s value is not a string"));
                        };
                        edited.append(name.clone(), value.to_string());
                    }
                    *headers = edited;
                }
                _ => return error(StatusCode::BAD_REQUEST, "headers: write them as a JSON object of strings"),
            }
        }
        let plan = crate::send::plan::Plan {
            source,
            sets: Vec::new(),
            headers: Default::default(),
            signing: if sign { self.signing.clone() } else { None },
            message_id: None,
        };
        let result = crate::send::replay_once(&plan, &url, &self.client_tls).await;
        *self.default_url.lock().unwrap_or_else(|e| e.into_inner()) = Some(url.to_string());
        match result {
            Ok(value) => json_response(StatusCode::OK, &value),
            Err(err) => error(StatusCode::BAD_REQUEST, format!("{err:#}")),
        }
    }

    /// Server-sent events: one `capture` event (the row) per new capture, the same bytes for every open
    /// stream (made once by [`Inspector::fan_out`]); at most [`STREAMS_AT_ONCE`] streams (more: 503).
    fn stream(&self) -> Response<Body> {
        let open = self.streams.fetch_add(1, Ordering::SeqCst);
        let guard = StreamGuard(self.streams.clone());
        if open >= STREAMS_AT_ONCE {
            drop(guard);
            let mut full = error(
                StatusCode::SERVICE_UNAVAILABLE,
                format!("{STREAMS_AT_ONCE} pages are already following this inspector live; close one"),
            );
            full.headers_mut().insert("retry-after", HeaderValue::from_static("10"));
            return full;
        }
        let (sender, receiver) = mpsc::channel::<Bytes>(256);
        let mut news = self.summaries.subscribe();
        tokio::spawn(async move {
            let _guard = guard;
            let _ = sender.send(Bytes::from_static(b": hookctl\n\n")).await;
            loop {
                let event = tokio::time::timeout(std::time::Duration::from_secs(15), news.recv()).await;
                let message = match event {
                    Err(_) => Bytes::from_static(b": keep-alive\n\n"),
                    Ok(Ok(first)) => coalesce(first, &mut news).await,
                    Ok(Err(broadcast::error::RecvError::Lagged(n))) => {
                        Bytes::from(format!("event: lagged\ndata: {n}\n\n"))
                    }
                    Ok(Err(_)) => return,
                };
                if sender.send(message).await.is_err() {
                    return;
                }
            }
        });
        let mut response = Response::new(BodyExt::boxed(EventStream(receiver)));
        let headers = response.headers_mut();
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("text/event-stream"));
        headers.insert(CACHE_CONTROL, HeaderValue::from_static("no-store"));
        response
    }
}

/// Counts an open stream down when it ends.
struct StreamGuard(Arc<AtomicUsize>);

impl Drop for StreamGuard {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Writes the export into `sender` one record at a time (see [`Inspector::export`]).
fn export_records(captures: &Captures, query: &Query, as_har: bool, sender: &mpsc::Sender<Bytes>) {
    let mut sent = 0usize;
    let mut cut_short = None;
    let mut first = true;
    if as_har {
        let head = format!(
            "{{\"log\":{{\"version\":\"1.2\",\"creator\":{{\"name\":\"hookctl\",\"version\":\"{}\"}},\"entries\":[",
            env!("CARGO_PKG_VERSION")
        );
        if sender.blocking_send(Bytes::from(head)).is_err() {
            return;
        }
    }
    let mut records = 0usize;
    captures.scan_in_order(query, |line| {
        let chunk = if as_har {
            let Ok(captured) = capture::from_line(&line) else { return true };
            let entry = har::entry_capped(&captured, None, EXPORT_BODY_BYTES);
            let text = crate::output::json_safe(entry.to_string());
            if first {
                text
            } else {
                format!(",{text}")
            }
        } else {
            format!("{}\n", capture::scrub_line(&line))
        };
        if sent + chunk.len() > EXPORT_BYTES {
            cut_short = Some(format!("export cut at {records} records: it reached {} MiB", EXPORT_BYTES >> 20));
            return false;
        }
        first = false;
        sent += chunk.len();
        records += 1;
        sender.blocking_send(Bytes::from(chunk)).is_ok()
    });
    if records == query.limit && cut_short.is_none() {
        cut_short = Some(format!("export limited to {} records (limit=…, at most {EXPORT_RECORDS})", query.limit));
    }
    if as_har {
        let tail = match cut_short {
            Some(note) => format!("],\"comment\":{}}}}}", Value::String(note)),
            None => "]}}".to_string(),
        };
        let _ = sender.blocking_send(Bytes::from(tail));
    }
}

fn encode(text: &str) -> String {
    text.bytes()
        .map(|b| match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' | b'*' => (b as char).to_string(),
            _ => format!("%{b:02X}"),
        })
        .collect()
}

/// A response body fed by a channel: the event stream.
struct EventStream(mpsc::Receiver<Bytes>);

impl hyper::body::Body for EventStream {
    type Data = Bytes;
    type Error = Infallible;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut TaskContext<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, Infallible>>> {
        self.0.poll_recv(cx).map(|next| next.map(|bytes| Ok(Frame::data(bytes))))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_strings_decode_and_bad_filters_say_why() {
        assert_eq!(decode("a%20b+c%2Fd%"), "a b c/d%");
        let id = |key: &str| key.parse().map(super::super::store::Before::Id).map_err(|_| "not an id".to_string());
        let query =
            list_query(&query_pairs(Some("event=pgyer.%2A&verdict=invalid&limit=5000&before_id=9")), id).unwrap();
        assert_eq!(
            (query.event.as_deref(), query.limit, query.before),
            (Some("pgyer.*"), 1000, Some(super::super::store::Before::Id(9)))
        );
        assert!(list_query(&query_pairs(Some("verdict=maybe")), id).unwrap_err().contains("verdict=maybe"));
        assert_eq!(list_query(&query_pairs(Some("before_id=x")), id).unwrap_err(), "before_id=x: not an id");
        assert_eq!(encode("a b/é"), "a%20b%2F%C3%A9");
    }
}
