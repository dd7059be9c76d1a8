//! Test helpers: the binary, a self-checking loopback receiver, a `hookctl listen` child process.
#![allow(dead_code)]
pub mod browser;

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::net::TcpStream;
use std::process::{Child, Command as StdCommand, Stdio};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc::{self, Receiver};
use std::sync::Arc;
use std::thread;
use std::time::{Duration, Instant};

use assert_cmd::Command;
use serde_json::Value;

pub const BIN: &str = env!("CARGO_BIN_EXE_hookctl");

/// The binary with a clean environment: no user fixtures, no colour.
pub fn hookctl() -> Command {
    let mut cmd = Command::new(BIN);
    cmd.env_remove("HOOKCTL_FIXTURES").env_remove("HOOKCTL_TEST_TTY").env("NO_COLOR", "1");
    cmd.timeout(Duration::from_secs(60));
    cmd
}

pub fn stdout_json(output: &std::process::Output) -> Value {
    let text = String::from_utf8_lossy(&output.stdout);
    serde_json::from_str(&text).unwrap_or_else(|e| panic!("stdout is not one JSON value ({e}): {text}"))
}

pub fn stdout_json_lines(output: &std::process::Output) -> Vec<Value> {
    String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not a JSON line ({e}): {l}")))
        .collect()
}

pub fn stderr_text(output: &std::process::Output) -> String {
    String::from_utf8_lossy(&output.stderr).into_owned()
}

/// A request the test receiver got.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub url: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)).map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("received body is JSON")
    }
}

/// A loopback HTTP/1.1 receiver on port 0, one thread per connection (keep-alive honoured, no pool that
/// could starve a connection), answering `status` after `delay` and handing every request back over a
/// channel. It stops accepting when dropped.
pub struct Receiver_ {
    pub url: String,
    rx: Receiver<Received>,
    stop: std::sync::Arc<std::sync::atomic::AtomicBool>,
    port: u16,
}

pub fn receiver(status: u16, delay: Duration) -> Receiver_ {
    receiver_with_body(status, delay, "{\"ok\":true}")
}

pub fn receiver_with_body(status: u16, delay: Duration, answer: &'static str) -> Receiver_ {
    receiver_answering(move |_| (status, delay, answer.to_string()))
}

/// What a programmable receiver answers a request: status, delay before answering, body.
pub type Answer = (u16, Duration, String);

/// A receiver whose answer to each request is computed by `answer` (a seeded bug, a strict checker).
pub fn receiver_answering(answer: impl Fn(&Received) -> Answer + Send + Sync + 'static) -> Receiver_ {
    let answer = std::sync::Arc::new(answer);
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind test receiver");
    let port = listener.local_addr().unwrap().port();
    let (tx, rx) = mpsc::channel();
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let stopped = stop.clone();
    thread::spawn(move || {
        for stream in listener.incoming() {
            if stopped.load(std::sync::atomic::Ordering::SeqCst) {
                break;
            }
            let Ok(stream) = stream else { continue };
            let tx = tx.clone();
            let answer = answer.clone();
            thread::spawn(move || serve_connection(stream, &tx, &*answer));
        }
    });
    Receiver_ { url: format!("http://127.0.0.1:{port}/hooks"), rx, stop, port }
}

fn serve_connection(
    stream: std::net::TcpStream,
    tx: &mpsc::Sender<Received>,
    answer: &(dyn Fn(&Received) -> Answer + Send + Sync),
) {
    use std::io::Write;
    let _ = stream.set_read_timeout(Some(Duration::from_secs(30)));
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    loop {
        let mut request_line = String::new();
        if reader.read_line(&mut request_line).unwrap_or(0) == 0 {
            return;
        }
        let mut parts = request_line.split_whitespace();
        let (method, url) = (parts.next().unwrap_or("").to_string(), parts.next().unwrap_or("").to_string());
        let mut headers = Vec::new();
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return;
            }
            let line = line.trim_end();
            if line.is_empty() {
                break;
            }
            if let Some((n, v)) = line.split_once(':') {
                headers.push((n.trim().to_string(), v.trim().to_string()));
            }
        }
        let length: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        let mut body = vec![0; length];
        if reader.read_exact(&mut body).is_err() {
            return;
        }
        let close =
            headers.iter().any(|(n, v)| n.eq_ignore_ascii_case("connection") && v.eq_ignore_ascii_case("close"));
        let received = Received { method, url, headers, body };
        let (status, delay, answer) = answer(&received);
        let _ = tx.send(received);
        thread::sleep(delay);
        let response = format!(
            "HTTP/1.1 {status} X\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n{answer}",
            answer.len()
        );
        if writer.write_all(response.as_bytes()).is_err() || close {
            return;
        }
    }
}

impl Receiver_ {
    /// The next request, failing the test when none arrives in 10 s.
    pub fn next(&self) -> Received {
        self.rx.recv_timeout(Duration::from_secs(10)).expect("the receiver was never hit")
    }

    /// Every request received so far (waiting briefly for stragglers).
    pub fn drain(&self, wait: Duration) -> Vec<Received> {
        let mut all = Vec::new();
        while let Ok(r) = self.rx.recv_timeout(wait) {
            all.push(r);
        }
        all
    }
}

impl Drop for Receiver_ {
    fn drop(&mut self) {
        self.stop.store(true, std::sync::atomic::Ordering::SeqCst);
        let _ = std::net::TcpStream::connect(("127.0.0.1", self.port));
    }
}

/// Reads one HTTP/1.1 request from a test server's connection: its head (request line and headers, as sent)
/// and its body (by Content-Length).
pub fn read_request(reader: &mut BufReader<std::net::TcpStream>) -> (String, Vec<u8>) {
    let mut head = String::new();
    let mut length = 0usize;
    loop {
        let mut line = String::new();
        if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
            break;
        }
        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
            length = v.trim().parse().unwrap_or(0);
        }
        head.push_str(&line);
    }
    let mut body = vec![0; length];
    let _ = reader.read_exact(&mut body);
    (head, body)
}

/// Tests that keep both cores busy for seconds (fuzzing the whole catalog, Locust's master and workers) and
/// the browser tests, whose inspector threads run at idle priority, take turns: one of them at a time.
static HEAVY: std::sync::Mutex<()> = std::sync::Mutex::new(());

pub fn heavy_turn() -> std::sync::MutexGuard<'static, ()> {
    HEAVY.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// A port nothing listens on (bound, then released).
///
/// Taken below the kernel's ephemeral range (32768 and up on Linux), where `listen 0` and every other
/// `bind(0)` pick theirs: a port freed here used to be handed straight to the next `listen 0`, which then
/// found itself named as the dead address (a rare failure on a busy machine).
pub fn closed_port() -> u16 {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    // 20000..32000, a different start per test process (several test binaries may run at once).
    let start = (std::process::id() as u64 % 60) * 200;
    for _ in 0..12_000 {
        let port = (20_000 + (start + NEXT.fetch_add(1, Ordering::SeqCst)) % 12_000) as u16;
        if TcpListener::bind(("127.0.0.1", port)).is_ok() {
            return port;
        }
    }
    panic!("no free port below the ephemeral range");
}

/// `hookctl listen 0 ARGS…` as a child process; killed when dropped.
pub struct Listener {
    pub child: Child,
    pub port: u16,
    pub url: String,
    stderr_rx: Receiver<String>,
    stdout: std::sync::Arc<std::sync::Mutex<Vec<u8>>>,
    stdout_reader: Option<thread::JoinHandle<()>>,
    unread_stdout: Option<std::process::ChildStdout>,
}

pub fn listen(args: &[&str]) -> Listener {
    listen_env(args, &[])
}

pub fn listen_env(args: &[&str], env: &[(&str, &str)]) -> Listener {
    let mut cmd = StdCommand::new(BIN);
    cmd.arg("listen").arg("0").args(args);
    spawn_listener(cmd, env, true)
}

/// `hookctl listen 0 ARGS…` whose stdout nobody reads (a full pipe, a pager, Ctrl-S): the pipe stays
/// open, and fills.
pub fn listen_unread(args: &[&str]) -> Listener {
    let mut cmd = StdCommand::new(BIN);
    cmd.arg("listen").arg("0").args(args);
    spawn_listener(cmd, &[], false)
}

/// `listen` started through `sh -c SCRIPT` (for ulimit and traps); the script must end in
/// `exec "$HOOKCTL" listen 0 …`.
pub fn listen_in_shell(script: &str) -> Listener {
    let mut cmd = StdCommand::new("sh");
    cmd.arg("-c").arg(script).env("HOOKCTL", BIN);
    spawn_listener(cmd, &[], true)
}

fn spawn_listener(mut cmd: StdCommand, env: &[(&str, &str)], read_stdout: bool) -> Listener {
    cmd.env_remove("HOOKCTL_FIXTURES").env("NO_COLOR", "1");
    for (k, v) in env {
        cmd.env(k, v);
    }
    let mut child = cmd.stdin(Stdio::null()).stdout(Stdio::piped()).stderr(Stdio::piped()).spawn().expect("spawn");
    let stdout = std::sync::Arc::new(std::sync::Mutex::new(Vec::new()));
    let mut pipe = child.stdout.take().unwrap();
    let sink = stdout.clone();
    let (unread_stdout, stdout_reader) = if read_stdout {
        (
            None,
            Some(thread::spawn(move || {
                let mut buf = [0u8; 65536];
                while let Ok(n) = pipe.read(&mut buf) {
                    if n == 0 {
                        break;
                    }
                    sink.lock().unwrap().extend_from_slice(&buf[..n]);
                }
            })),
        )
    } else {
        // Held open, never read.
        (Some(pipe), None)
    };
    let stderr = child.stderr.take().unwrap();
    let (tx, stderr_rx) = mpsc::channel();
    thread::spawn(move || {
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let first = stderr_rx.recv_timeout(Duration::from_secs(20)).expect("listen printed nothing on stderr");
    let url = first.strip_prefix("Listening on ").unwrap_or_else(|| panic!("first stderr line: {first}")).to_string();
    let port = url.rsplit(':').next().unwrap().parse().expect("port");
    Listener { child, port, url, stderr_rx, stdout, stdout_reader, unread_stdout }
}

impl Listener {
    /// Waits for the process to exit (at most `limit`) and returns (code, stdout, stderr).
    pub fn finish(mut self, limit: Duration) -> (Option<i32>, String, String) {
        let start = Instant::now();
        let status = loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                break Some(status);
            }
            if start.elapsed() > limit {
                break None;
            }
            thread::sleep(Duration::from_millis(20));
        };
        if status.is_none() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
        if let Some(reader) = self.stdout_reader.take() {
            let _ = reader.join();
        }
        let stdout = String::from_utf8_lossy(&self.stdout.lock().unwrap()).into_owned();
        // The reader hangs up at end of stream (the process has exited): read until then, not for a guessed time.
        let deadline = Instant::now() + Duration::from_secs(10);
        let mut stderr = Vec::new();
        while let Ok(line) = self.stderr_rx.recv_timeout(deadline.saturating_duration_since(Instant::now())) {
            stderr.push(line);
        }
        (status.and_then(|s| s.code()), stdout, stderr.join("\n"))
    }

    /// The next line listen writes to stderr, waiting at most `limit` for it.
    pub fn next_stderr_line(&self, limit: Duration) -> Option<String> {
        self.stderr_rx.recv_timeout(limit).ok()
    }

    /// Sends SIGTERM and collects the output.
    pub fn stop(self) -> (Option<i32>, String, String) {
        let _ = StdCommand::new("kill").arg("-TERM").arg(self.child.id().to_string()).status();
        self.finish(Duration::from_secs(10))
    }
}

impl Drop for Listener {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A raw HTTP/1.1 request over a fresh connection; returns (status, body).
pub fn raw_request(port: u16, request: &[u8]) -> (u16, Vec<u8>) {
    use std::io::Write;
    let mut stream = std::net::TcpStream::connect(("127.0.0.1", port)).expect("connect");
    stream.set_read_timeout(Some(Duration::from_secs(15))).unwrap();
    stream.write_all(request).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let text = String::from_utf8_lossy(&response);
    let status = text.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = match response.windows(4).position(|w| w == b"\r\n\r\n") {
        Some(i) => response[i + 4..].to_vec(),
        None => Vec::new(),
    };
    (status, body)
}

/// POSTs `body` to `url` with a blocking client; returns the status.
pub fn post(url: &str, headers: &[(&str, &str)], body: &[u8]) -> u16 {
    let url = url.strip_prefix("http://").unwrap();
    let (host, path) = url.split_once('/').map_or((url, "/".to_string()), |(h, p)| (h, format!("/{p}")));
    let port: u16 = host.rsplit(':').next().unwrap().parse().unwrap();
    let mut request =
        format!("POST {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\nContent-Length: {}\r\n", body.len());
    for (name, value) in headers {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    raw_request(port, &bytes).0
}

/// Whether an independent checker (a Python module such as haralyzer or junitparser) is here. Without it the
/// check is skipped with a line saying how to install it; with `HOOKCTL_REQUIRE_TOOLS=1` (as `.ci/run` sets)
/// its absence fails the test instead.
pub fn python_module(name: &str) -> bool {
    let found =
        StdCommand::new("python3").arg("-c").arg(format!("import {name}")).output().is_ok_and(|o| o.status.success());
    if !found {
        let message = format!("independent check skipped: the Python module {name} is missing (pip install {name})");
        if std::env::var_os("HOOKCTL_REQUIRE_TOOLS").is_some() {
            panic!("{message}");
        }
        eprintln!("{message}");
    }
    found
}

/// Whether an independent command-line checker (check-jsonschema) is here; skipped with a line saying how to
/// install it when not, a failure under `HOOKCTL_REQUIRE_TOOLS=1` (as `.ci/run` sets).
pub fn command_available(name: &str, install: &str) -> bool {
    let found = StdCommand::new(name).arg("--version").output().is_ok_and(|o| o.status.success());
    if !found {
        let message = format!("independent check skipped: {name} is missing ({install})");
        if std::env::var_os("HOOKCTL_REQUIRE_TOOLS").is_some() {
            panic!("{message}");
        }
        eprintln!("{message}");
    }
    found
}

/// The documented provider examples, from ../shared/provider-docs when present, else the copies in tests/data.
pub fn shared_doc(name: &str) -> String {
    let manifest = env!("CARGO_MANIFEST_DIR");
    std::fs::read_to_string(format!("{manifest}/tests/data/{name}")).expect("test data file")
}

// The inspector, raw HTTP, and capture throughput (shared by the attack and load tests).

/// `hookctl inspect FILE ARGS…` as a child process (killed when dropped) and the port it serves on.
pub struct Inspect {
    pub child: Child,
    pub port: u16,
    /// Its stderr after the first line.
    pub stderr: BufReader<std::process::ChildStderr>,
}

pub fn inspect(file: &std::path::Path, args: &[&str]) -> Inspect {
    inspect_in(std::path::Path::new("."), &[file.to_str().unwrap()], args)
}

/// `hookctl inspect FILES… ARGS…` run in `dir` (so that files are named as a user names them there).
pub fn inspect_in(dir: &std::path::Path, files: &[&str], args: &[&str]) -> Inspect {
    let mut child = StdCommand::new(BIN)
        .current_dir(dir)
        .arg("inspect")
        .args(files)
        .args(args)
        .env("NO_COLOR", "1")
        // A test never opens a real browser window (`--open` is tested as "no display here").
        .env_remove("DISPLAY")
        .env_remove("WAYLAND_DISPLAY")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn inspect");
    let mut stderr = BufReader::new(child.stderr.take().unwrap());
    let mut line = String::new();
    stderr.read_line(&mut line).unwrap();
    let port = line.split("127.0.0.1:").nth(1).unwrap_or_else(|| panic!("{line}")).split('/').next().unwrap();
    Inspect { child, port: port.parse().unwrap(), stderr }
}

impl Drop for Inspect {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// `listen --ui ARGS…`: the server, the inspector's port and its token.
pub fn listen_ui(args: &[&str]) -> (Listener, u16, String) {
    let mut all = vec!["--ui"];
    all.extend_from_slice(args);
    let server = listen(&all);
    let line = server.next_stderr_line(Duration::from_secs(10)).expect("the inspector line");
    let url = line.strip_prefix("Inspector on ").unwrap_or_else(|| panic!("second stderr line: {line}"));
    let (address, token) = url.split_once("/?token=").expect("a token in the URL");
    let port = address.rsplit(':').next().unwrap().parse().unwrap();
    (server, port, token.to_string())
}

/// One exchange with a server on 127.0.0.1: (status, head, body; a chunked body put back together).
pub fn http(port: u16, method: &str, path: &str, extra: &[(&str, &str)], body: &[u8]) -> (u16, String, Vec<u8>) {
    http_waiting(port, method, path, extra, body, Duration::from_secs(60))
}

/// [`http`], waiting up to `wait` for each read (a scan of a gigabyte on a machine busy with other work).
pub fn http_waiting(
    port: u16,
    method: &str,
    path: &str,
    extra: &[(&str, &str)],
    body: &[u8],
    wait: Duration,
) -> (u16, String, Vec<u8>) {
    let mut request = format!(
        "{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nConnection: close\r\nContent-Length: {}\r\n",
        body.len()
    );
    for (name, value) in extra {
        request.push_str(&format!("{name}: {value}\r\n"));
    }
    request.push_str("\r\n");
    let mut bytes = request.into_bytes();
    bytes.extend_from_slice(body);
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(wait)).unwrap();
    stream.write_all(&bytes).unwrap();
    let mut response = Vec::new();
    let _ = stream.read_to_end(&mut response);
    let split = response.windows(4).position(|w| w == b"\r\n\r\n").unwrap_or(response.len());
    let head = String::from_utf8_lossy(&response[..split]).into_owned();
    let body = response.get(split + 4..).unwrap_or_default().to_vec();
    let status = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0);
    let body = if head.to_ascii_lowercase().contains("transfer-encoding: chunked") { dechunk(&body) } else { body };
    (status, head, body)
}

/// A chunked body's bytes.
pub fn dechunk(mut body: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    loop {
        let Some(end) = body.windows(2).position(|w| w == b"\r\n") else { return out };
        let size = usize::from_str_radix(std::str::from_utf8(&body[..end]).unwrap().trim(), 16).unwrap();
        if size == 0 {
            return out;
        }
        out.extend_from_slice(&body[end + 2..end + 2 + size]);
        body = &body[end + 2 + size + 2..];
    }
}

/// A body of `keys` distinct keys (about 18 bytes each).
pub fn wide_body(keys: usize) -> Vec<u8> {
    let mut text = String::with_capacity(keys * 20);
    text.push('{');
    for i in 0..keys {
        if i > 0 {
            text.push(',');
        }
        text.push_str(&format!("\"key{i:07}\":{i}"));
    }
    text.push('}');
    text.into_bytes()
}

/// Requests `listen` answered in `span`, from `clients` threads each posting one small webhook after
/// another (one keep-alive connection each).
pub fn throughput(port: u16, clients: usize, span: Duration) -> u64 {
    let answered = Arc::new(AtomicU64::new(0));
    let threads: Vec<_> = (0..clients)
        .map(|_| {
            let answered = answered.clone();
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
                stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
                let body = br#"{"type":"crashlog","id":1}"#;
                let request = format!(
                    "POST /load HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
                    body.len()
                );
                let mut bytes = request.into_bytes();
                bytes.extend_from_slice(body);
                let mut reader = BufReader::new(stream.try_clone().unwrap());
                let end = Instant::now() + span;
                while Instant::now() < end {
                    if stream.write_all(&bytes).is_err() {
                        return;
                    }
                    let mut length = 0;
                    loop {
                        let mut line = String::new();
                        if reader.read_line(&mut line).unwrap_or(0) == 0 {
                            return;
                        }
                        if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                            length = v.trim().parse().unwrap_or(0);
                        }
                        if line == "\r\n" {
                            break;
                        }
                    }
                    let mut answer = vec![0; length];
                    if reader.read_exact(&mut answer).is_err() {
                        return;
                    }
                    answered.fetch_add(1, Ordering::Relaxed);
                }
            })
        })
        .collect();
    for thread in threads {
        let _ = thread.join();
    }
    answered.load(Ordering::Relaxed)
}

/// Capture throughput under load against without it: five rounds, each a quiet half-second, then `start`
/// (which begins the load on threads of its own and returns them), a half-second under it, then the load
/// is let finish. The median of the five rounds' ratios: neighbours in time are compared, so whatever
/// else the machine does weighs on both sides.
pub fn ratio_under(port: u16, start: impl Fn() -> Vec<thread::JoinHandle<()>>) -> f64 {
    let mut ratios = Vec::new();
    for _ in 0..5 {
        let quiet = throughput(port, 2, Duration::from_millis(500));
        let load = start();
        thread::sleep(Duration::from_millis(100));
        let loaded = throughput(port, 2, Duration::from_millis(500));
        for worker in load {
            worker.join().expect("the load's thread");
        }
        eprintln!("round: quiet {quiet}, loaded {loaded}");
        ratios.push(loaded as f64 / quiet.max(1) as f64);
    }
    ratios.sort_by(f64::total_cmp);
    ratios[2]
}

/// Every `.rs` file under `dir`, however deep (the source-reading tests: floors, provider names).
pub fn rust_files(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out
}
