//! The capture server: hyper HTTP/1.1 on tokio. Each connection is its own task, so a slow or idle client
//! never blocks another; every request is examined, saved (flushed) *before* it is answered, shown, counted.
use std::convert::Infallible;
use std::fs::File;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use bytes::Bytes;
use http_body_util::{BodyExt, Full, Limited};
use hyper::body::Incoming;
use hyper::header::{HeaderName, HeaderValue, CONTENT_LENGTH, CONTENT_TYPE};
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper::{Request, Response, StatusCode};
use hyper_util::rt::{TokioIo, TokioTimer};
use serde_json::json;
use tokio::sync::watch;

use super::batch::BatchWriter;
use super::examine::Examiner;
use super::forward;
use super::show;
use super::tally::{Expectation, Outcome, Stop, Tally};
use crate::capture::{self, Arrived};
use crate::output::{errln, sanitize, Style};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    Full,
    Quiet,
    Json,
}

/// The answer every request gets unless forwarding or signature checks say otherwise.
pub struct Answer {
    pub status: StatusCode,
    pub delay: Option<Duration>,
    pub body: Bytes,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

pub struct Settings {
    pub max_body: u64,
    pub display: Display,
    pub stdout_color: bool,
    pub stderr_color: bool,
    pub answer: Answer,
    pub forward: Option<(reqwest::Client, reqwest::Url)>,
    pub count: Option<u64>,
    /// How long to listen, and what running out means (`TimedOut` with --count, `TimeUp` for --for).
    pub time_limit: Option<(Duration, Stop)>,
    pub expect: Vec<Expectation>,
    pub require_signature: bool,
}

/// What every connection task shares.
pub struct Shared {
    pub settings: Settings,
    pub examiner: Examiner,
    pub save: Option<BatchWriter<File>>,
    stdout: BatchWriter<std::io::Stdout>,
    next_id: AtomicU64,
    pub tally: Mutex<Tally>,
    stop: Mutex<Option<Stop>>,
    shutdown: watch::Sender<bool>,
}

impl Shared {
    pub fn new(settings: Settings, examiner: Examiner, save: Option<File>, first_id: u64) -> Arc<Shared> {
        let (shutdown, _) = watch::channel(false);
        Arc::new(Shared {
            settings,
            examiner,
            save: save.map(BatchWriter::new),
            stdout: BatchWriter::new(std::io::stdout()),
            next_id: AtomicU64::new(first_id),
            tally: Mutex::new(Tally::default()),
            stop: Mutex::new(None),
            shutdown,
        })
    }

    /// Records why the server stops (the first reason wins) and tells every task.
    fn stop(&self, why: Stop) {
        let mut stop = self.stop.lock().unwrap_or_else(|e| e.into_inner());
        if stop.is_none() {
            *stop = Some(why);
        }
        self.shutdown.send_replace(true);
    }

    pub fn stop_reason(&self) -> Stop {
        self.stop.lock().unwrap_or_else(|e| e.into_inner()).unwrap_or(Stop::Interrupted)
    }
}

/// Keeps a count of live connections, so shutdown can wait for in-flight answers.
struct Live(Arc<AtomicUsize>);

impl Drop for Live {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Serves until `--count` is reached, `--timeout` runs out, or SIGINT/SIGTERM arrives.
pub async fn serve(shared: Arc<Shared>, listener: std::net::TcpListener) -> std::io::Result<Stop> {
    listener.set_nonblocking(true)?;
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let live = Arc::new(AtomicUsize::new(0));
    let mut shutdown = shared.shutdown.subscribe();
    if let Some((limit, why)) = shared.settings.time_limit {
        let shared = shared.clone();
        tokio::spawn(async move {
            tokio::time::sleep(limit).await;
            shared.stop(why);
        });
    }
    tokio::spawn(watch_signals(shared.clone()));
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let Ok((stream, remote)) = accepted else { continue };
                let _ = stream.set_nodelay(true);
                live.fetch_add(1, Ordering::SeqCst);
                let guard = Live(live.clone());
                tokio::spawn(connection(shared.clone(), stream, remote, guard));
            }
            _ = shutdown.changed() => break,
        }
    }
    drop(listener);
    // Let in-flight requests be answered (their captures are already saved), then stop.
    let deadline = tokio::time::Instant::now() + Duration::from_secs(3);
    while live.load(Ordering::SeqCst) > 0 && tokio::time::Instant::now() < deadline {
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    Ok(shared.stop_reason())
}

async fn watch_signals(shared: Arc<Shared>) {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{signal, SignalKind};
        let Ok(mut term) = signal(SignalKind::terminate()) else {
            return;
        };
        tokio::select! {
            _ = tokio::signal::ctrl_c() => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    let _ = tokio::signal::ctrl_c().await;
    shared.stop(Stop::Interrupted);
}

async fn connection(shared: Arc<Shared>, stream: tokio::net::TcpStream, remote: SocketAddr, _live: Live) {
    let mut shutdown = shared.shutdown.subscribe();
    let service = {
        let shared = shared.clone();
        service_fn(move |request| handle(shared.clone(), remote, request))
    };
    let conn = http1::Builder::new()
        .timer(TokioTimer::new())
        .header_read_timeout(Duration::from_secs(30))
        .serve_connection(TokioIo::new(stream), service);
    let mut conn = std::pin::pin!(conn);
    if *shutdown.borrow_and_update() {
        conn.as_mut().graceful_shutdown();
    }
    tokio::select! {
        _ = conn.as_mut() => return,
        _ = shutdown.changed() => conn.as_mut().graceful_shutdown(),
    }
    let _ = tokio::time::timeout(Duration::from_secs(3), conn.as_mut()).await;
}

fn json_response(status: StatusCode, body: serde_json::Value) -> Response<Full<Bytes>> {
    let mut response = Response::new(Full::new(Bytes::from(body.to_string())));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    response
}

fn content_length(request: &Request<Incoming>) -> Option<u64> {
    request.headers().get(CONTENT_LENGTH)?.to_str().ok()?.trim().parse().ok()
}

async fn handle(
    shared: Arc<Shared>,
    remote: SocketAddr,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Infallible> {
    let max = shared.settings.max_body;
    let too_large = |shown: String| {
        let style = Style { color: shared.settings.stderr_color };
        errln(&format!(
            "{} 413: body {shown} over --max-body {max} bytes from {remote}, not captured",
            style.warn("rejected:")
        ));
        shared.tally.lock().unwrap_or_else(|e| e.into_inner()).rejected += 1;
        json_response(StatusCode::PAYLOAD_TOO_LARGE, json!({"ok": false, "error": format!("body over {max} bytes")}))
    };
    if let Some(length) = content_length(&request).filter(|l| *l > max) {
        return Ok(too_large(format!("of {length} bytes")));
    }
    let (parts, body) = request.into_parts();
    let body = match Limited::new(body, max as usize).collect().await {
        Ok(collected) => collected.to_bytes(),
        Err(err) if err.downcast_ref::<http_body_util::LengthLimitError>().is_some() => {
            return Ok(too_large("(chunked)".into()));
        }
        Err(err) => {
            return Ok(json_response(
                StatusCode::BAD_REQUEST,
                json!({"ok": false, "error": format!("could not read the body: {err}")}),
            ));
        }
    };
    let arrived = Arrived {
        id: shared.next_id.fetch_add(1, Ordering::SeqCst),
        received_at: chrono::Utc::now().to_rfc3339_opts(chrono::SecondsFormat::Millis, true),
        remote_addr: remote.to_string(),
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(String::from),
        headers: parts
            .headers
            .iter()
            .map(|(n, v)| (n.to_string(), String::from_utf8_lossy(v.as_bytes()).into_owned()))
            .collect(),
        body,
    };
    let examined = shared.examiner.examine(&arrived);
    let line = capture::record_line(&arrived, &examined.kind, &examined.findings);

    if let Err(err) = save(&shared, &line).await {
        errln(&format!(
            "hookctl: error: could not save request #{}: {err}; answering 500 so the sender knows",
            arrived.id
        ));
        return Ok(json_response(
            StatusCode::INTERNAL_SERVER_ERROR,
            json!({"ok": false, "error": "capture not saved"}),
        ));
    }
    let signature_ok = examined.signature.as_ref().map(|c| c.is_valid());
    let refused = shared.settings.require_signature && signature_ok != Some(true);
    let answering = match (&shared.settings.forward, refused) {
        (_, true) => show::Answering::Status(StatusCode::UNAUTHORIZED.as_u16()),
        (Some(_), false) => show::Answering::Forwarded,
        (None, false) => show::Answering::Status(shared.settings.answer.status.as_u16()),
    };
    display(&shared, &arrived, &examined, &line, answering);
    count(&shared, arrived.id, &examined.findings, signature_ok);

    if let Some(delay) = shared.settings.answer.delay {
        tokio::time::sleep(delay).await;
    }
    if refused {
        let reason = examined.signature.as_ref().and_then(|c| c.reason().map(String::from)).unwrap_or_default();
        return Ok(json_response(
            StatusCode::UNAUTHORIZED,
            json!({"ok": false, "error": format!("signature {reason}")}),
        ));
    }
    if let Some((client, base)) = &shared.settings.forward {
        return Ok(relay(&shared, client, base, &arrived).await);
    }
    Ok(answer(&shared.settings.answer, arrived.id))
}

/// Appends the record to `--save` and returns once it is written and flushed.
async fn save(shared: &Shared, line: &str) -> std::io::Result<()> {
    let Some(save) = &shared.save else { return Ok(()) };
    let mut bytes = Vec::with_capacity(line.len() + 1);
    bytes.extend_from_slice(line.as_bytes());
    bytes.push(b'\n');
    save.write_durable(&bytes).await
}

/// Shows text on stdout (batched with other requests' under load); a closed pipe ends `listen` quietly,
/// every capture up to here being saved already.
fn show_text(shared: &Shared, text: &str) {
    if let Err(err) = shared.stdout.write(text.as_bytes()) {
        if err.kind() == std::io::ErrorKind::BrokenPipe {
            std::process::exit(0);
        }
    }
}

fn display(
    shared: &Shared,
    arrived: &Arrived,
    examined: &super::examine::Examined,
    line: &str,
    answering: show::Answering,
) {
    let color = shared.settings.stdout_color;
    let text = match shared.settings.display {
        Display::Json => format!("{line}\n"),
        Display::Quiet => show::quiet(arrived, examined, answering, color),
        Display::Full => show::full(arrived, examined, answering, color),
    };
    show_text(shared, &text);
}

fn count(shared: &Shared, id: u64, findings: &capture::Findings, signature_ok: Option<bool>) {
    let broken_json = findings.broken_json();
    let label = match &findings.event {
        Some(event) => event.clone(),
        None if broken_json => "a body that is not valid JSON".to_string(),
        None => "an unrecognised request".to_string(),
    };
    let outcome = Outcome {
        event: findings.event.clone(),
        shape: findings.shape.clone(),
        label,
        valid: findings.valid,
        signature_ok,
    };
    let settings = &shared.settings;
    let mut tally = shared.tally.lock().unwrap_or_else(|e| e.into_inner());
    tally.add(id, &outcome, &settings.expect, settings.require_signature);
    if settings.count.is_some_and(|n| tally.received >= n) {
        drop(tally);
        shared.stop(Stop::CountReached);
    }
}

fn answer(answer: &Answer, id: u64) -> Response<Full<Bytes>> {
    let body = if answer.body.is_empty() {
        Bytes::from(json!({"ok": true, "id": id}).to_string())
    } else {
        answer.body.clone()
    };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = answer.status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    for (name, value) in &answer.headers {
        response.headers_mut().insert(name.clone(), value.clone());
    }
    response
}

async fn relay(
    shared: &Shared,
    client: &reqwest::Client,
    base: &reqwest::Url,
    arrived: &Arrived,
) -> Response<Full<Bytes>> {
    match forward::relay(client, base, arrived).await {
        Ok(app) => {
            if shared.settings.display != Display::Json {
                let target = forward::target(base, &arrived.path, arrived.query.as_deref());
                let ms = app.elapsed.as_secs_f64() * 1000.0;
                let color = shared.settings.stdout_color;
                show_text(shared, &show::forwarded(arrived.id, target.as_str(), app.status, ms, &app.body, color));
            }
            let mut response = Response::new(Full::new(app.body));
            *response.status_mut() = StatusCode::from_u16(app.status).unwrap_or(StatusCode::BAD_GATEWAY);
            for (name, value) in app.headers {
                if let (Ok(n), Ok(v)) = (HeaderName::from_bytes(name.as_bytes()), HeaderValue::from_str(&value)) {
                    response.headers_mut().append(n, v);
                }
            }
            response
        }
        Err(message) => {
            let style = Style { color: shared.settings.stderr_color };
            errln(&format!("{} #{}: {}; answered 502", style.bad("forward failed:"), arrived.id, sanitize(&message)));
            json_response(StatusCode::BAD_GATEWAY, json!({"ok": false, "error": message}))
        }
    }
}
