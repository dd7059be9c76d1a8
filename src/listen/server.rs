//! The capture server: hyper HTTP/1.1 on tokio. Each connection is its own task, so a slow or idle client
//! never blocks another; every request is examined, saved (flushed) *before* it is answered, shown, counted.
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicU64, AtomicUsize, Ordering};
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

use super::batch::{BatchWriter, SaveFile};
use super::display::{DisplayQueue, Queued, QUEUE_BYTES};
use super::forward;
use super::tally::{Expectation, Outcome, Stop, Tally};
use crate::capture::{self, Arrived};
use crate::examine::show;
use crate::examine::Examiner;
use crate::glob::glob_matches;
use crate::output::{errln, Printer};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Display {
    Full,
    Quiet,
    Json,
}

/// The answer every request gets unless forwarding or signature checks say otherwise.
pub struct Answer {
    pub status: super::script::StatusScript,
    pub delay: Option<super::script::Delay>,
    pub body: Bytes,
    pub headers: Vec<(HeaderName, HeaderValue)>,
}

pub struct Settings {
    pub max_body: u64,
    pub display: Display,
    pub printer: Printer,
    pub answer: Answer,
    pub forward: Option<forward::Routes>,
    /// `--only` / `--ignore`: which events are shown (all are saved and counted).
    pub only: Vec<String>,
    pub ignore: Vec<String>,
    pub count: Option<u64>,
    /// How long to listen, and what running out means (`TimedOut` with --count, `TimeUp` for --for).
    pub time_limit: Option<(Duration, Stop)>,
    pub expect: Vec<Expectation>,
    pub require_signature: bool,
    /// Idle keep-alive connections and slow headers are closed after this.
    pub idle_timeout: Duration,
    /// A body that has not all arrived this long after its headers gets 408.
    pub body_timeout: Duration,
    /// Connections served at once (already lowered to fit the open-files limit).
    pub max_connections: usize,
    /// `--assert` (with their `--assert-on` scopes).
    pub assertions: Vec<crate::assertion::Assertion>,
    /// `--in-order`.
    pub in_order: bool,
    /// `--drop` and a `--delay` range, seeded.
    pub chance: Option<super::script::Chance>,
    /// `--report`: keep a test case per request.
    pub keep_cases: bool,
    /// A forward that failed (the app unreachable, too slow, or answering 5xx) fails the run:
    /// `--fail-on-forward-error`, and by default in CI mode (`--count`, `--expect`, `--assert`).
    pub judge_forward: bool,
}

impl Settings {
    /// Whether `--only` / `--ignore` let a request of this event be shown.
    pub fn shows(&self, event: Option<&str>) -> bool {
        let listed = |globs: &[String]| event.is_some_and(|e| globs.iter().any(|g| glob_matches(g, e)));
        (self.only.is_empty() || listed(&self.only)) && !listed(&self.ignore)
    }
}

/// Why the server stops, shared with the display thread (which stops it when stdout is closed).
pub struct StopSignal {
    reason: Mutex<Option<Stop>>,
    shutdown: watch::Sender<bool>,
}

impl StopSignal {
    /// Records why the server stops (the first reason wins) and tells every task.
    pub fn stop(&self, why: Stop) {
        let mut reason = self.reason.lock().unwrap_or_else(|e| e.into_inner());
        if reason.is_none() {
            *reason = Some(why);
        }
        self.shutdown.send_replace(true);
    }
}

/// Where `--save` goes, and whether saving is failing right now (said once when it starts, once when it
/// ends).
pub struct Store {
    pub path: PathBuf,
    writer: BatchWriter<SaveFile>,
    failing: AtomicBool,
}

/// What every connection task shares.
pub struct Shared {
    pub settings: Settings,
    pub examiner: Examiner,
    pub store: Option<Store>,
    pub display: DisplayQueue,
    next_id: AtomicU64,
    pub tally: Mutex<Tally>,
    signal: Arc<StopSignal>,
    /// Said once: the open-files or --max-connections limit was reached.
    full_warned: AtomicBool,
    /// When (seconds since start) plain HTTP on the TLS port was last said: at most one line in 10 s.
    plain_said: AtomicU64,
    started: std::time::Instant,
    /// `--ui` without `--save`: the inspector's memory, fed each record.
    ui_memory: Option<Arc<crate::inspect::store::Store>>,
}

impl Shared {
    pub fn new(
        settings: Settings,
        examiner: Examiner,
        save: Option<(PathBuf, SaveFile)>,
        first_id: u64,
        ui_memory: Option<Arc<crate::inspect::store::Store>>,
    ) -> Arc<Shared> {
        let (shutdown, _) = watch::channel(false);
        let signal = Arc::new(StopSignal { reason: Mutex::new(None), shutdown });
        let closed = signal.clone();
        // Nobody reads stdout any more: everything up to here is saved; stop as if interrupted, quietly.
        let display =
            DisplayQueue::start(crate::output::gated_stdout(), QUEUE_BYTES, move || closed.stop(Stop::OutputClosed));
        Arc::new(Shared {
            settings,
            examiner,
            store: save.map(|(path, file)| Store {
                path,
                writer: BatchWriter::new(file),
                failing: AtomicBool::new(false),
            }),
            display,
            next_id: AtomicU64::new(first_id),
            tally: Mutex::new(Tally::default()),
            signal,
            full_warned: AtomicBool::new(false),
            plain_said: AtomicU64::new(u64::MAX),
            started: std::time::Instant::now(),
            ui_memory,
        })
    }

    /// Turns true when the server stops (for the tasks that run beside it).
    pub fn shutdown_signal(&self) -> watch::Receiver<bool> {
        self.signal.shutdown.subscribe()
    }

    fn stop(&self, why: Stop) {
        self.signal.stop(why);
    }

    pub fn stop_reason(&self) -> Stop {
        self.signal.reason.lock().unwrap_or_else(|e| e.into_inner()).unwrap_or(Stop::Interrupted)
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
pub async fn serve(
    shared: Arc<Shared>,
    listener: std::net::TcpListener,
    tls: Option<tokio_rustls::TlsAcceptor>,
    signals: Signals,
) -> std::io::Result<Stop> {
    listener.set_nonblocking(true)?;
    let listener = tokio::net::TcpListener::from_std(listener)?;
    let live = Arc::new(AtomicUsize::new(0));
    let mut shutdown = shared.signal.shutdown.subscribe();
    if let Some((limit, why)) = shared.settings.time_limit {
        let shared = shared.clone();
        tokio::spawn(async move {
            tokio::time::sleep(limit).await;
            shared.stop(why);
        });
    }
    tokio::spawn(watch_signals(shared.clone(), signals));
    loop {
        tokio::select! {
            accepted = listener.accept() => {
                let (stream, remote) = match accepted {
                    Ok(accepted) => accepted,
                    Err(err) => {
                        accept_failed(&shared, &err).await;
                        continue;
                    }
                };
                let _ = stream.set_nodelay(true);
                if live.load(Ordering::SeqCst) >= shared.settings.max_connections {
                    tokio::spawn(turn_away(shared.clone(), stream, tls.clone(), remote));
                    continue;
                }
                live.fetch_add(1, Ordering::SeqCst);
                let guard = Live(live.clone());
                match &tls {
                    Some(acceptor) => tokio::spawn(tls_connection(shared.clone(), acceptor.clone(), stream, remote, guard)),
                    None => tokio::spawn(connection(shared.clone(), stream, remote, guard)),
                };
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

/// SIGINT and SIGTERM, caught from before the ready line on: a script that stops listen as soon as it
/// has read `Listening on …` still gets a clean stop (records flushed, the certificate folder removed).
pub struct Signals {
    #[cfg(unix)]
    interrupt: tokio::signal::unix::Signal,
    #[cfg(unix)]
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    /// Must run inside the runtime that will serve.
    pub fn catch() -> std::io::Result<Signals> {
        #[cfg(unix)]
        {
            use tokio::signal::unix::{signal, SignalKind};
            Ok(Signals { interrupt: signal(SignalKind::interrupt())?, terminate: signal(SignalKind::terminate())? })
        }
        #[cfg(not(unix))]
        Ok(Signals {})
    }
}

async fn watch_signals(shared: Arc<Shared>, mut signals: Signals) {
    #[cfg(unix)]
    tokio::select! {
        _ = signals.interrupt.recv() => {}
        _ = signals.terminate.recv() => {}
    }
    #[cfg(not(unix))]
    {
        let _ = &mut signals;
        let _ = tokio::signal::ctrl_c().await;
    }
    shared.stop(Stop::Interrupted);
}

/// The largest request head (request line and headers) read; past it the answer is 431.
const HEAD_LIMIT: usize = 64 << 10;

/// An accept that failed. Out of descriptors (EMFILE/ENFILE), accepting again at once would fail again and
/// spin the CPU: wait for connections to close instead, and say so once.
async fn accept_failed(shared: &Shared, err: &std::io::Error) {
    let out_of_files = matches!(err.raw_os_error(), Some(code) if code == EMFILE || code == ENFILE);
    if out_of_files {
        if !shared.full_warned.swap(true, Ordering::SeqCst) {
            shared.settings.printer.warn(&format!(
                "out of file descriptors ({err}); new connections wait until some close (raise `ulimit -n` or lower --max-connections)"
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    } else {
        // A connection reset before it was accepted, or a transient error: try again shortly.
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
}

#[cfg(unix)]
const EMFILE: i32 = libc::EMFILE;
#[cfg(unix)]
const ENFILE: i32 = libc::ENFILE;
#[cfg(not(unix))]
const EMFILE: i32 = 24;
#[cfg(not(unix))]
const ENFILE: i32 = 23;

/// Past --max-connections: a 503 that says why (over TLS on a TLS port, after the handshake: a client
/// would read a plain answer as a broken TLS record), then the connection is closed.
async fn turn_away(
    shared: Arc<Shared>,
    stream: tokio::net::TcpStream,
    tls: Option<tokio_rustls::TlsAcceptor>,
    remote: SocketAddr,
) {
    match tls {
        None => answer_busy(shared, stream).await,
        Some(acceptor) => {
            if let Some(stream) = handshake(&shared, &acceptor, stream, remote).await {
                answer_busy(shared, stream).await;
            }
        }
    }
}

/// The 503 past --max-connections.
async fn answer_busy<S>(shared: Arc<Shared>, stream: S)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let max = shared.settings.max_connections;
    if !shared.full_warned.swap(true, Ordering::SeqCst) {
        shared
            .settings
            .printer
            .warn(&format!("{max} connections open (--max-connections); answering 503 to new ones until some close"));
    }
    shared.tally.lock().unwrap_or_else(|e| e.into_inner()).turned_away += 1;
    let body =
        json!({"ok": false, "error": format!("too many open connections (over {max}); retry shortly")}).to_string();
    let answer = format!(
        "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    answer_and_close(stream, answer.as_bytes()).await;
}

/// Writes a whole answer and closes. Whatever the client sent is read (briefly) first, so closing does not
/// reset the connection before the answer is read.
async fn answer_and_close<S>(mut stream: S, answer: &[u8])
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let mut scratch = [0u8; 4096];
    let _ = tokio::time::timeout(Duration::from_millis(50), stream.read(&mut scratch)).await;
    let _ = tokio::time::timeout(Duration::from_secs(1), async {
        stream.write_all(answer).await?;
        stream.shutdown().await?;
        while stream.read(&mut scratch).await? > 0 {}
        Ok::<(), std::io::Error>(())
    })
    .await;
}

/// How long a TLS handshake may take (a half-open one would otherwise hold a connection slot for the whole
/// --idle-timeout).
const HANDSHAKE_TIMEOUT: Duration = Duration::from_secs(10);

/// `--tls`: the handshake, then the connection as any other.
async fn tls_connection(
    shared: Arc<Shared>,
    acceptor: tokio_rustls::TlsAcceptor,
    stream: tokio::net::TcpStream,
    remote: SocketAddr,
    live: Live,
) {
    if let Some(stream) = handshake(&shared, &acceptor, stream, remote).await {
        connection(shared, stream, remote, live).await;
    }
}

/// The TLS handshake, within [`HANDSHAKE_TIMEOUT`] (and --idle-timeout). A client that speaks plain HTTP to
/// the TLS port gets a plain 400 that says to use https:// and one stderr line (at most one in 10 s);
/// nothing it sent is captured.
async fn handshake(
    shared: &Shared,
    acceptor: &tokio_rustls::TlsAcceptor,
    stream: tokio::net::TcpStream,
    remote: SocketAddr,
) -> Option<tokio_rustls::server::TlsStream<tokio::net::TcpStream>> {
    let limit = HANDSHAKE_TIMEOUT.min(shared.settings.idle_timeout);
    let deadline = tokio::time::Instant::now() + limit;
    let mut first = [0u8; 1];
    let peeked = tokio::time::timeout_at(deadline, stream.peek(&mut first)).await;
    if let Ok(Ok(1)) = peeked {
        // A TLS connection starts with a handshake record (0x16); a letter is an HTTP method.
        if first[0].is_ascii_alphabetic() {
            refuse_plain_http(shared, stream, remote).await;
            return None;
        }
    }
    match tokio::time::timeout_at(deadline, acceptor.accept(stream)).await {
        Ok(Ok(stream)) => Some(stream),
        _ => None,
    }
}

async fn refuse_plain_http(shared: &Shared, stream: tokio::net::TcpStream, remote: SocketAddr) {
    let now = shared.started.elapsed().as_secs();
    let last = shared.plain_said.load(Ordering::SeqCst);
    if (last == u64::MAX || now >= last + 10) && shared.plain_said.swap(now, Ordering::SeqCst) == last {
        shared.settings.printer.warn(&format!(
            "plain HTTP from {} on a TLS port: not captured (the sender should use https://)",
            super::display_addr(remote)
        ));
    }
    let body = "this port speaks TLS: send to https:// instead\n";
    let answer = format!(
        "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain\r\nConnection: close\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    );
    answer_and_close(stream, answer.as_bytes()).await;
}

async fn connection<S>(shared: Arc<Shared>, stream: S, remote: SocketAddr, _live: Live)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin + Send + 'static,
{
    let mut shutdown = shared.signal.shutdown.subscribe();
    let service = {
        let shared = shared.clone();
        service_fn(move |request| handle(shared.clone(), remote, request))
    };
    let conn = http1::Builder::new()
        // A request head (request line and headers) over 64 KiB is answered 431; so are more than 100 headers.
        .max_header_size(HEAD_LIMIT)
        .timer(TokioTimer::new())
        .header_read_timeout(shared.settings.idle_timeout)
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

/// A request that is not captured: said on stderr, counted, answered with `status`.
fn reject(shared: &Shared, status: StatusCode, why: &str, remote: SocketAddr) -> Response<Full<Bytes>> {
    let style = shared.settings.printer.err;
    errln(&format!("{} {}: {why} from {remote}, not captured", style.warn("rejected:"), status.as_u16()));
    shared.tally.lock().unwrap_or_else(|e| e.into_inner()).reject(status.as_u16());
    json_response(status, json!({"ok": false, "error": why}))
}

/// Reads the whole body: at most --max-body bytes, within --body-timeout of the headers.
async fn read_body(
    shared: &Shared,
    request: Request<Incoming>,
    remote: SocketAddr,
) -> Result<(hyper::http::request::Parts, Bytes), Response<Full<Bytes>>> {
    let max = shared.settings.max_body;
    if request.method() == hyper::Method::CONNECT {
        let mut refused = reject(shared, StatusCode::METHOD_NOT_ALLOWED, "CONNECT (hookctl is not a proxy)", remote);
        refused
            .headers_mut()
            .insert(hyper::header::ALLOW, HeaderValue::from_static("GET, HEAD, POST, PUT, PATCH, DELETE, OPTIONS"));
        return Err(refused);
    }
    if let Some(length) = content_length(&request).filter(|l| *l > max) {
        return Err(reject(
            shared,
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("body of {length} bytes over --max-body {max} bytes"),
            remote,
        ));
    }
    let (parts, body) = request.into_parts();
    let limit = shared.settings.body_timeout;
    match tokio::time::timeout(limit, Limited::new(body, max as usize).collect()).await {
        Ok(Ok(collected)) => Ok((parts, collected.to_bytes())),
        Ok(Err(err)) if err.downcast_ref::<http_body_util::LengthLimitError>().is_some() => Err(reject(
            shared,
            StatusCode::PAYLOAD_TOO_LARGE,
            &format!("body (chunked) over --max-body {max} bytes"),
            remote,
        )),
        Ok(Err(err)) => Err(json_response(
            StatusCode::BAD_REQUEST,
            json!({"ok": false, "error": format!("could not read the body: {err}")}),
        )),
        Err(_) => {
            let why =
                format!("body not complete {} after its headers (--body-timeout)", humantime::format_duration(limit));
            let mut cut = reject(shared, StatusCode::REQUEST_TIMEOUT, &why, remote);
            cut.headers_mut().insert(hyper::header::CONNECTION, HeaderValue::from_static("close"));
            Err(cut)
        }
    }
}

/// One request, as a pipeline: read, examine, save, show and count, answer.
/// One request, step by step: receive it, examine it, decide the answer, keep the record (saved before
/// anything is answered), show and count it, then answer (or relay, or drop).
async fn handle(
    shared: Arc<Shared>,
    remote: SocketAddr,
    request: Request<Incoming>,
) -> Result<Response<Full<Bytes>>, Dropped> {
    let arrived = match receive(&shared, request, remote).await {
        Ok(arrived) => arrived,
        Err(refused) => return Ok(refused),
    };
    let mut examined = shared.examiner.examine(&arrived);
    let mut decision = decide(&shared, &arrived, &examined);
    if let show::Answering::Status(status) = decision.answering {
        examined.findings.answered = Some(status);
    }
    // A forwarded request is relayed before it is recorded, so that its record says what the app answered
    // (it is still saved before the sender gets that answer).
    let relayed = match decision.answering {
        show::Answering::Forwarded => Some(relay_first(&shared, &decision, &arrived).await),
        _ => None,
    };
    if let Some(relayed) = &relayed {
        examined.findings.answered = Some(relayed.status());
        examined.findings.forward = Some(relayed.to_json());
        decision.answering = show::Answering::Relayed(relayed.status());
    }
    let failed_assertions = check_assertions(&shared, &arrived, &mut examined);
    let line = capture::record_line(&arrived, &examined.kind, &examined.findings);
    if let Err(refused) = keep(&shared, arrived.id, &line).await {
        return Ok(refused);
    }
    let shown = shared.settings.shows(examined.findings.event.as_deref());
    if shown {
        if shared.settings.display == Display::Full {
            examined = shared.examiner.with_hint(examined);
        }
        display(&shared, &arrived, &examined, &line, decision.answering);
    }
    let forward_error = relayed.as_ref().and_then(Relayed::failure);
    count(&shared, &arrived, &examined.findings, decision.signature_ok, failed_assertions, forward_error);
    respond(&shared, arrived, &examined, decision, relayed, shown).await
}

/// Reads the request whole (or answers it with why not) and stamps it with its id and time.
async fn receive(
    shared: &Shared,
    request: Request<Incoming>,
    remote: SocketAddr,
) -> Result<Arrived, Response<Full<Bytes>>> {
    let (parts, body) = read_body(shared, request, remote).await?;
    let mut header_bytes = Vec::new();
    let mut headers: crate::headers::Headers = parts
        .headers
        .iter()
        .map(|(n, v)| {
            let value = v.to_str().map_or_else(
                |_| {
                    header_bytes.push((n.as_str().to_string(), v.as_bytes().to_vec()));
                    String::from_utf8_lossy(v.as_bytes()).into_owned()
                },
                String::from,
            );
            (n.as_str().to_string(), value)
        })
        .collect();
    if parts.headers.contains_key(hyper::header::COOKIE) {
        // The inspector's token cookie, sent here by a browser that opened it, is never kept.
        headers.scrub_own_cookie();
        header_bytes.retain(|(name, _)| name != "cookie");
    }
    Ok(Arrived {
        id: shared.next_id.fetch_add(1, Ordering::SeqCst),
        received_at: received_at(),
        remote_addr: remote.to_string(),
        method: parts.method.to_string(),
        path: parts.uri.path().to_string(),
        query: parts.uri.query().map(String::from),
        headers,
        header_bytes,
        body,
    })
}

thread_local! {
    /// (Unix second, `2026-12-01T10:00:00.`): the part of a timestamp that changes once a second.
    static SECOND: std::cell::RefCell<(i64, String)> = const { std::cell::RefCell::new((i64::MIN, String::new())) };
}

/// Now, as a record's `received_at` (RFC 3339, UTC, milliseconds: `2026-12-01T10:00:00.123Z`), formatted
/// in full once a second, not once a request.
fn received_at() -> String {
    let now = chrono::Utc::now();
    let second = now.timestamp();
    SECOND.with(|cached| {
        let mut cached = cached.borrow_mut();
        if cached.0 != second {
            let mut prefix = now.to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
            prefix.pop(); // the `Z`
            prefix.push('.');
            *cached = (second, prefix);
        }
        let millis = now.timestamp_subsec_millis().min(999);
        format!("{}{millis:03}Z", cached.1)
    })
}

/// How a request will be answered, decided before it is recorded (the record says the status).
struct Decision<'a> {
    signature_ok: Option<bool>,
    /// `--require-signature` and the signature did not verify: 401.
    refused: bool,
    /// `--forward-to` routes this request takes.
    routes: Vec<&'a forward::Route>,
    /// The scripted status (`--status`), when hookctl answers itself.
    status: StatusCode,
    /// `--drop`: no answer at all.
    dropped: bool,
    /// Not forwarded, and why: a path that climbs out of the forward URL's (400), or a request that has
    /// come round through this listener before (508).
    unforwardable: Option<(StatusCode, &'static str)>,
    /// `--delay`: wait this long before answering.
    delay: Option<Duration>,
    answering: show::Answering,
}

fn decide<'a>(shared: &'a Shared, arrived: &Arrived, examined: &crate::examine::Examined) -> Decision<'a> {
    let settings = &shared.settings;
    let signature_ok = examined.signature.as_ref().map(|c| c.is_valid());
    let refused = settings.require_signature && signature_ok != Some(true);
    let mut routes = match &settings.forward {
        Some(forward) if !refused => forward.for_event(examined.findings.event.as_deref()),
        _ => Vec::new(),
    };
    let mut unforwardable = None;
    if let (Some(forward), false) = (&settings.forward, routes.is_empty()) {
        if forward::looped(&arrived.headers, &forward.self_id) {
            unforwardable = Some((
                StatusCode::LOOP_DETECTED,
                "this request has been forwarded by this listener before (a forwarding loop)",
            ));
        } else if !forward::stays_under_base(&arrived.path) {
            unforwardable =
                Some((StatusCode::BAD_REQUEST, "the path climbs out of the forward URL's path (`..`), not forwarded"));
        }
        if unforwardable.is_some() {
            routes.clear();
        }
    }
    let status = settings.answer.status.next();
    let (dropped, delay) = match &settings.chance {
        Some(chance) => chance.draw(settings.answer.delay),
        None => (false, fixed_delay(settings.answer.delay)),
    };
    let answering = match (routes.is_empty(), refused) {
        _ if dropped => show::Answering::Dropped,
        (_, true) => show::Answering::Status(StatusCode::UNAUTHORIZED.as_u16()),
        _ if unforwardable.is_some() => show::Answering::Status(unforwardable.map_or(0, |(s, _)| s.as_u16())),
        (false, false) => show::Answering::Forwarded,
        (true, false) => show::Answering::Status(status.as_u16()),
    };
    Decision { signature_ok, refused, routes, status, dropped, delay, unforwardable, answering }
}

/// The record saved (before any answer, so nothing acknowledged is lost) and handed to the inspector.
async fn keep(shared: &Shared, id: u64, line: &str) -> Result<(), Response<Full<Bytes>>> {
    save(shared, id, line).await?;
    if let Some(memory) = &shared.ui_memory {
        memory.push(line);
    }
    Ok(())
}

/// How much of the app's answer a record keeps (the sender gets all of it).
const FORWARD_BODY_KEPT: usize = 4096;

/// What the first `--forward-to` route's app answered (or why it could not be asked).
pub struct Relayed {
    url: reqwest::Url,
    answer: Result<forward::Answer, String>,
}

impl Relayed {
    /// The status the sender gets: the app's, or 502 when it could not be reached.
    fn status(&self) -> u16 {
        self.answer.as_ref().map_or(502, |a| a.status)
    }

    /// Why this delivery to the app failed: unreachable, too slow, too large, or a 5xx answer.
    fn failure(&self) -> Option<String> {
        match &self.answer {
            Err(message) => Some(message.clone()),
            Ok(answer) if answer.status >= 500 => Some(format!("{} answered {}", self.url, answer.status)),
            Ok(_) => None,
        }
    }

    fn to_json(&self) -> serde_json::Value {
        match &self.answer {
            Ok(answer) => {
                let kept = &answer.body[..answer.body.len().min(FORWARD_BODY_KEPT)];
                json!({
                    "url": self.url.as_str(),
                    "status": answer.status,
                    "ms": (answer.elapsed.as_secs_f64() * 1000.0 * 10.0).round() / 10.0,
                    "headers": answer.headers.to_json(),
                    "body": String::from_utf8_lossy(kept),
                    "body_bytes": answer.body.len(),
                })
            }
            Err(message) => json!({"url": self.url.as_str(), "status": 502, "error": message}),
        }
    }
}

/// Relays to the first route (the others get copies once the record is kept).
async fn relay_first(shared: &Shared, decision: &Decision<'_>, arrived: &Arrived) -> Relayed {
    let (forward, first) = match (&shared.settings.forward, decision.routes.first()) {
        (Some(forward), Some(first)) => (forward, first),
        _ => unreachable!("Answering::Forwarded comes only with a route"),
    };
    let url = forward::target(&first.url, &arrived.path, arrived.query.as_deref());
    let answer = forward::relay(&forward.client, &first.url, arrived, &forward.self_id).await;
    Relayed { url, answer }
}

/// The answer the decision calls for: dropped, 401, relayed to the app(s), or the scripted status.
async fn respond(
    shared: &Arc<Shared>,
    arrived: Arrived,
    examined: &crate::examine::Examined,
    decision: Decision<'_>,
    relayed: Option<Relayed>,
    shown: bool,
) -> Result<Response<Full<Bytes>>, Dropped> {
    if let Some(delay) = decision.delay {
        tokio::time::sleep(delay).await;
    }
    if decision.dropped {
        // hyper closes the connection when the service fails: the sender gets no answer at all.
        return Err(Dropped);
    }
    if decision.refused {
        let reason = examined.signature.as_ref().and_then(|c| c.reason().map(String::from)).unwrap_or_default();
        return Ok(json_response(
            StatusCode::UNAUTHORIZED,
            json!({"ok": false, "error": format!("signature {reason}")}),
        ));
    }
    if let Some((status, why)) = decision.unforwardable {
        shared
            .settings
            .printer
            .failure("not forwarded:", &format!("#{}: {why}; answered {}", arrived.id, status.as_u16()));
        return Ok(json_response(status, json!({"ok": false, "error": why})));
    }
    if let Some(relayed) = relayed {
        let arrived = Arc::new(arrived);
        for copy in decision.routes.iter().skip(1) {
            let (shared, arrived, url) = (shared.clone(), arrived.clone(), copy.url.clone());
            tokio::spawn(async move {
                let forward = shared.settings.forward.as_ref().expect("routes come from --forward-to");
                let answer = forward::relay(&forward.client, &url, &arrived, &forward.self_id).await;
                let relayed = Relayed { url: forward::target(&url, &arrived.path, arrived.query.as_deref()), answer };
                relay_answer(&shared, &arrived, relayed, shown)
            });
        }
        return Ok(relay_answer(shared, &arrived, relayed, shown));
    }
    Ok(answer(&shared.settings.answer, decision.status, arrived.id))
}

fn fixed_delay(delay: Option<super::script::Delay>) -> Option<Duration> {
    match delay {
        Some(super::script::Delay::Fixed(d)) => Some(d),
        _ => None,
    }
}

/// `--drop`: this request's connection is closed without an answer.
#[derive(Debug)]
pub struct Dropped;

impl std::fmt::Display for Dropped {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("dropped by --drop")
    }
}

impl std::error::Error for Dropped {}

/// Appends the record to `--save` and returns once it is written. A capture that cannot be saved is
/// answered 500 (never a 2xx for something not kept); stderr says so when saving starts failing and again
/// when it works again, not once per request.
async fn save(shared: &Shared, id: u64, line: &str) -> Result<(), Response<Full<Bytes>>> {
    let Some(store) = &shared.store else { return Ok(()) };
    let style = shared.settings.printer.err;
    match store.writer.write_durable(&[line.as_bytes(), b"\n"]).await {
        Ok(()) => {
            if store.failing.swap(false, Ordering::SeqCst) {
                let unsaved = shared.tally.lock().unwrap_or_else(|e| e.into_inner()).unsaved;
                errln(&format!(
                    "{} saving to {} again (from #{id}); {unsaved} so far were not saved and were answered 500",
                    style.ok("recovered:"),
                    store.path.display()
                ));
            }
            Ok(())
        }
        Err(err) => {
            {
                // Received (and answered 500): the summary's count of what arrived includes it.
                let mut tally = shared.tally.lock().unwrap_or_else(|e| e.into_inner());
                tally.unsaved += 1;
                tally.received += 1;
            }
            if !store.failing.swap(true, Ordering::SeqCst) {
                errln(&format!(
                    "{} cannot save to {} (#{id}): {err}; answering 500 until saving works again",
                    style.bad("error:"),
                    store.path.display()
                ));
            }
            Err(json_response(StatusCode::INTERNAL_SERVER_ERROR, json!({"ok": false, "error": "capture not saved"})))
        }
    }
}

/// Hands text to the display thread; never waits for stdout.
fn show_text(shared: &Shared, text: String) {
    if let Queued::Dropped { first: true } = shared.display.push(text.into_bytes()) {
        shared.settings.printer.warn(
            "stdout is not keeping up: display lines are being dropped (captures are still saved and answered; the count is in the summary)",
        );
    }
}

fn display(
    shared: &Shared,
    arrived: &Arrived,
    examined: &crate::examine::Examined,
    line: &str,
    answering: show::Answering,
) {
    let color = shared.settings.printer.out.color;
    let text = match shared.settings.display {
        Display::Json => format!("{line}\n"),
        Display::Quiet => show::quiet(arrived, examined, answering, color),
        Display::Full => show::full(arrived, examined, answering, color),
    };
    show_text(shared, text);
}

/// Runs the `--assert` checks that apply to this request (`count` ones wait for the end of the run),
/// keeps their results in the record and says each failure on stderr; returns the failures.
fn check_assertions(shared: &Shared, arrived: &Arrived, examined: &mut crate::examine::Examined) -> Vec<String> {
    use crate::assertion::{Query, Subject};
    if shared.settings.assertions.is_empty() {
        return Vec::new();
    }
    let event = examined.findings.event.clone();
    let body = match &examined.kind {
        capture::BodyKind::Json(value) => Some(value),
        _ => None,
    };
    let subject = Subject {
        body,
        headers: &arrived.headers,
        method: &arrived.method,
        path: &arrived.path,
        query: arrived.query.as_deref(),
        event: event.as_deref(),
        count: 0,
    };
    let mut failed = Vec::new();
    let mut results = Vec::new();
    for assertion in &shared.settings.assertions {
        if assertion.query == Query::Count || !assertion.applies_to(event.as_deref()) {
            continue;
        }
        let checked = assertion.check(&subject);
        if !checked.ok {
            let line = format!("{} (found {})", checked.assertion, checked.found);
            shared.settings.printer.failure("✗ assertion:", &format!("#{} {line}", arrived.id));
            failed.push(line);
        }
        results.push(checked.to_json());
    }
    examined.findings.assertions = results;
    failed
}

fn count(
    shared: &Shared,
    arrived: &Arrived,
    findings: &capture::Findings,
    signature_ok: Option<bool>,
    failed_assertions: Vec<String>,
    forward_error: Option<String>,
) {
    let id = arrived.id;
    let broken_json = findings.broken_json();
    let label = match &findings.event {
        Some(event) => event.as_str(),
        None if broken_json => "a body that is not valid JSON",
        None => "an unrecognised request",
    };
    let settings = &shared.settings;
    let outcome = Outcome {
        event: findings.event.as_deref(),
        shape: findings.shape.as_deref(),
        label,
        valid: findings.valid,
        signature_ok,
        failed_assertions,
        problems: &findings.violations,
        json_problem: findings.json_problem.as_ref().map(|p| p.to_string()),
        forward_error,
        judge_forward: settings.judge_forward,
        // Named for a --report only: no string per request otherwise.
        case: if settings.keep_cases {
            format!("{} {} {}", arrived.method, arrived.path, findings.event.as_deref().unwrap_or("(unrecognised)"))
        } else {
            String::new()
        },
    };
    let settings = &shared.settings;
    let mut tally = shared.tally.lock().unwrap_or_else(|e| e.into_inner());
    tally.add_in_order(id, &outcome, &settings.expect, settings.require_signature, settings.in_order);
    if settings.count.is_some_and(|n| tally.received >= n) {
        drop(tally);
        shared.stop(Stop::CountReached);
    }
}

fn answer(answer: &Answer, status: StatusCode, id: u64) -> Response<Full<Bytes>> {
    let body =
        if answer.body.is_empty() { Bytes::from(format!("{{\"ok\":true,\"id\":{id}}}")) } else { answer.body.clone() };
    let mut response = Response::new(Full::new(body));
    *response.status_mut() = status;
    response.headers_mut().insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
    for (name, value) in &answer.headers {
        response.headers_mut().insert(name.clone(), value.clone());
    }
    response
}

/// Says what the app answered (or why it could not be reached) and hands its answer back to the sender.
fn relay_answer(shared: &Shared, arrived: &Arrived, relayed: Relayed, shown: bool) -> Response<Full<Bytes>> {
    match relayed.answer {
        Ok(app) => {
            // `-q` is one line per request, and that line already says what the app answered.
            if shown && !matches!(shared.settings.display, Display::Json | Display::Quiet) {
                let ms = app.elapsed.as_secs_f64() * 1000.0;
                let color = shared.settings.printer.out.color;
                show_text(shared, show::forwarded(arrived.id, relayed.url.as_str(), app.status, ms, &app.body, color));
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
            shared.settings.printer.failure("forward failed:", &format!("#{}: {message}; answered 502", arrived.id));
            json_response(StatusCode::BAD_GATEWAY, json!({"ok": false, "error": message}))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn received_at_is_rfc3339_utc_with_milliseconds_as_chrono_writes_it() {
        for _ in 0..3 {
            let before = chrono::Utc::now();
            let stamp = received_at();
            let after = chrono::Utc::now();
            assert_eq!(stamp.len(), "2026-12-01T10:00:00.123Z".len(), "{stamp}");
            let parsed = chrono::DateTime::parse_from_rfc3339(&stamp).unwrap();
            assert_eq!(parsed.to_rfc3339_opts(chrono::SecondsFormat::Millis, true), stamp);
            let millis = |t: chrono::DateTime<chrono::Utc>| t.timestamp_millis();
            assert!(millis(before) <= parsed.timestamp_millis() && parsed.timestamp_millis() <= millis(after));
            std::thread::sleep(std::time::Duration::from_millis(400));
        }
    }
}
