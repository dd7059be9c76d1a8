//! What goes on the wire and onto the disk is what was meant (issue 33): hostile fixtures are refused at load,
//! no command puts a byte of them on the wire, fuzz judges broken receivers in bounded time and delivers each
//! case once, Ctrl-C keeps what fuzz found, exports stay inert, and nothing is written through a link.
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{json, Value};

use crate::support::{hookctl, stderr_text, stdout_json};

/// What a raw receiver does after reading a request.
#[derive(Clone, Copy)]
enum Then {
    /// `200 OK`, and the connection is kept for the next request.
    Answer,
    /// These bytes, then a reset (RST): an answer cut off.
    Reset(&'static [u8]),
    /// These bytes, then a normal close.
    Close(&'static [u8]),
    /// Nothing, ever: the connection is held open.
    Hang,
    /// `500`, then the connection is closed.
    Fail,
}

/// A loopback receiver that logs every byte it reads and counts the requests it got (head, then a
/// Content-Length body), doing what `then(n)` says after the n-th (from 1).
struct RawReceiver {
    address: SocketAddr,
    log: Arc<Mutex<Vec<u8>>>,
    requests: Arc<AtomicUsize>,
}

impl RawReceiver {
    fn start(bind: &str, then: impl Fn(usize) -> Then + Send + Sync + 'static) -> RawReceiver {
        let listener = TcpListener::bind(bind).expect("bind the raw receiver");
        let address = listener.local_addr().unwrap();
        let (log, requests) = (Arc::new(Mutex::new(Vec::new())), Arc::new(AtomicUsize::new(0)));
        let then = Arc::new(then);
        let (log_, requests_) = (log.clone(), requests.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (log, requests, then) = (log_.clone(), requests_.clone(), then.clone());
                std::thread::spawn(move || serve(stream, &log, &requests, &*then));
            }
        });
        RawReceiver { address, log, requests }
    }

    fn url(&self) -> String {
        format!("http://{}/hooks", self.address)
    }

    fn log(&self) -> String {
        String::from_utf8_lossy(&self.log.lock().unwrap()).into_owned()
    }

    fn requests(&self) -> usize {
        self.requests.load(Ordering::SeqCst)
    }
}

fn serve(stream: TcpStream, log: &Mutex<Vec<u8>>, requests: &AtomicUsize, then: &(dyn Fn(usize) -> Then + Sync)) {
    let _ = stream.set_read_timeout(Some(Duration::from_secs(60)));
    let mut writer = stream.try_clone().unwrap();
    let mut reader = BufReader::new(stream);
    loop {
        let mut head = Vec::new();
        let mut length = 0usize;
        loop {
            let mut line = Vec::new();
            if reader.read_until(b'\n', &mut line).unwrap_or(0) == 0 {
                log.lock().unwrap().extend_from_slice(&head);
                return;
            }
            head.extend_from_slice(&line);
            let text = String::from_utf8_lossy(&line).to_ascii_lowercase();
            if let Some(v) = text.strip_prefix("content-length:") {
                length = v.trim().parse().unwrap_or(0);
            }
            if line == b"\r\n" || line == b"\n" {
                break;
            }
        }
        let mut body = vec![0; length];
        let _ = reader.read_exact(&mut body);
        {
            let mut log = log.lock().unwrap();
            log.extend_from_slice(&head);
            log.extend_from_slice(&body);
        }
        let n = requests.fetch_add(1, Ordering::SeqCst) + 1;
        match then(n) {
            Then::Answer => {
                if writer.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok").is_err() {
                    return;
                }
            }
            Then::Fail => {
                let _ = writer.write_all(b"HTTP/1.1 500 Oops\r\nConnection: close\r\nContent-Length: 4\r\n\r\noops");
                return;
            }
            Then::Close(bytes) => {
                let _ = writer.write_all(bytes);
                return;
            }
            Then::Reset(bytes) => {
                let _ = writer.write_all(bytes);
                reset(&writer);
                return;
            }
            Then::Hang => {
                std::thread::sleep(Duration::from_secs(120));
                return;
            }
        }
    }
}

/// Closes with a RST (SO_LINGER 0) rather than a FIN.
fn reset(stream: &TcpStream) {
    use std::os::fd::AsRawFd;
    let linger = libc::linger { l_onoff: 1, l_linger: 0 };
    // SAFETY: a valid socket descriptor and a correctly sized linger struct.
    unsafe {
        libc::setsockopt(
            stream.as_raw_fd(),
            libc::SOL_SOCKET,
            libc::SO_LINGER,
            (&linger as *const libc::linger).cast(),
            std::mem::size_of::<libc::linger>() as libc::socklen_t,
        );
    }
}

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

/// A fixture folder with one plain event (`acme.ping`, a schema with a string and a number) and one whose
/// header is filled from its body, which holds a CR/LF (`acme.echo`).
fn fixtures() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    let schema = json!({
        "type": "object",
        "required": ["event", "n"],
        "properties": {"event": {"const": "ping"}, "n": {"type": "integer"}, "note": {"type": "string"}}
    });
    write_json(
        &dir.path().join("acme.ping.json"),
        &json!({"name": "acme.ping", "description": "a ping", "body": {"event": "ping", "n": 1}}),
    );
    write_json(&dir.path().join("acme.ping.schema.json"), &schema);
    write_json(
        &dir.path().join("acme.echo.json"),
        &json!({
            "name": "acme.echo",
            "description": "a header filled from the body",
            "headers": {"X-Note": "{{body:/note}}"},
            "body": {"event": "echo", "n": 1, "note": "ok\r\nX-Injected: yes"}
        }),
    );
    dir
}

/// The hostile table: each file is refused with one line naming it, and nothing of it loads.
const HOSTILE: [(&str, &str); 9] = [
    ("crlf-value.json", r#"{"name":"acme.a","description":"d","headers":{"X-A":"1\r\nX-Injected: yes"},"body":{}}"#),
    ("lf-value.json", r#"{"name":"acme.b","description":"d","headers":{"X-A":"1\nX-Injected: yes"},"body":{}}"#),
    ("nul-value.json", r#"{"name":"acme.c","description":"d","headers":{"X-A":"a\u0000b"},"body":{}}"#),
    ("crlf-name.json", r#"{"name":"acme.d","description":"d","headers":{"X-A\r\nX-Injected":"yes"},"body":{}}"#),
    ("nul-name.json", r#"{"name":"acme.e","description":"d","headers":{"X\u0000A":"1"},"body":{}}"#),
    (
        "crlf-method.json",
        r#"{"name":"acme.f","description":"d","method":"POST /smuggled HTTP/1.1\r\nX-Injected: yes\r\nX:","body":{}}"#,
    ),
    ("nul-method.json", r#"{"name":"acme.g","description":"d","method":"PO\u0000ST","body":{}}"#),
    ("climbing-name.json", r#"{"name":"../../../x","description":"d","body":{}}"#),
    ("absolute-name.json", r#"{"name":"/abs/x","description":"d","body":{}}"#),
];

#[test]
fn hostile_fixtures_are_refused_at_load_one_line_each() {
    let dir = fixtures();
    for (file, text) in HOSTILE {
        std::fs::write(dir.path().join(file), text).unwrap();
    }
    let out = hookctl().arg("--fixtures").arg(dir.path()).args(["fixtures", "--json"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_text(&out));
    let stderr = stderr_text(&out);
    for (file, _) in HOSTILE {
        let lines: Vec<&str> = stderr.lines().filter(|l| l.contains(&format!("/{file}:"))).collect();
        assert_eq!(lines.len(), 1, "{file}: one line each:\n{stderr}");
        assert!(!lines[0].contains('\r') && !lines[0].contains('\0'), "{:?}", lines[0]);
    }
    let listed = String::from_utf8_lossy(&out.stdout);
    assert!(listed.contains("acme.ping") && listed.contains("acme.echo"), "the good ones load: {listed}");
    for name in ["acme.a", "acme.d", "acme.f", "acme.g", "../../../x", "/abs/x"] {
        assert!(!listed.contains(&format!("\"{name}\"")), "{name} must not load: {listed}");
    }
}

#[test]
fn no_command_puts_a_header_break_on_the_wire() {
    let dir = fixtures();
    let receiver = RawReceiver::start("127.0.0.1:0", |_| Then::Answer);
    let fx = dir.path().to_str().unwrap();
    // send (reqwest), send --repeat (hookctl's own connection), --dry-run: refused, exit 2, one line.
    for extra in [&[][..], &["--repeat", "3"][..]] {
        let out = hookctl()
            .args(["--fixtures", fx, "send", "acme.echo", "--to", &receiver.url()])
            .args(extra)
            .output()
            .unwrap();
        let said = stderr_text(&out);
        assert_eq!(out.status.code(), Some(2), "{extra:?}: {said}");
        assert!(said.contains("X-Note") && said.contains("cannot carry"), "{said}");
    }
    // -H with a line break, on both paths.
    let out = hookctl()
        .args(["--fixtures", fx, "send", "acme.ping", "--to", &receiver.url(), "-H", "X-A: 1\rX-Injected: yes"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2), "{}", stderr_text(&out));
    // A hand-edited capture record whose header holds a line break: refused when replayed.
    let caps = dir.path().join("caps.ndjson");
    let record = json!({
        "id": 1, "received_at": "2026-12-01T00:00:00Z", "method": "POST", "path": "/hooks", "query": null,
        "headers": {"content-type": "application/json", "x-a": "1\r\nX-Injected: yes"},
        "body": {"event": "ping", "n": 1},
    });
    std::fs::write(&caps, format!("{record}\n")).unwrap();
    let out = hookctl().args(["send", "--capture", caps.to_str().unwrap(), "--to", &receiver.url()]).output().unwrap();
    assert_ne!(out.status.code(), Some(0), "{}", stderr_text(&out));
    // fuzz: its cases for acme.echo carry the header filled from the body: none is written.
    let out = hookctl()
        .args(["--fixtures", fx, "fuzz", "--to", &receiver.url(), "acme.echo", "--json", "--seed", "3"])
        .args(["--checks", "examples,negative", "--save-failures"])
        .arg(dir.path().join("found"))
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    assert!(out.status.code().is_some_and(|c| c <= 1), "{}", stderr_text(&out));
    // listen --forward-to relays what arrives: a request can only arrive already parsed, so send one
    // through a forwarding listener and check what the app got.
    let front = crate::support::listen(&["-q", "--forward-to", &receiver.url()]);
    let out = hookctl().args(["--fixtures", fx, "send", "acme.ping", "--to", &front.url]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_text(&out));
    // The bodies hold the text `X-Injected` (JSON-escaped, harmless); no line of a head does.
    let log = receiver.log();
    assert!(receiver.requests() > 0, "the sendable requests arrived");
    for line in log.split("\r\n") {
        assert!(!line.starts_with("X-Injected"), "a header break reached the wire:\n{log}");
        assert!(!line.contains('\n') && !line.contains('\r') && !line.contains('\0'), "{line:?}");
    }
    assert!(!log.contains("/smuggled"), "{log}");
}

/// `fuzz … --json` against `url` on acme.ping, a few cases, with `args`; (exit code, JSON, stderr, seconds).
fn fuzz_ping(url: &str, args: &[&str]) -> (i32, Value, String, f64) {
    let dir = fixtures();
    let started = Instant::now();
    let out = hookctl()
        .arg("--fixtures")
        .arg(dir.path())
        .args(["fuzz", "--to", url, "acme.ping", "--json", "--seed", "5", "--budget", "12"])
        .args(["--checks", "examples,generated", "--save-failures"])
        .arg(dir.path().join("found"))
        .args(args)
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    let seconds = started.elapsed().as_secs_f64();
    let stderr = stderr_text(&out);
    assert!(!out.stdout.is_empty(), "no JSON; stderr: {stderr}");
    (out.status.code().unwrap_or(-1), stdout_json(&out), stderr, seconds)
}

#[test]
fn fuzz_finds_answers_reset_or_cut_off_or_not_http_and_sends_each_case_once() {
    let broken: [(&str, Then); 4] = [
        ("a reset in the middle of the head", Then::Reset(b"HTTP/1.1 200 OK\r\nContent-Le")),
        ("a reset in the middle of the body", Then::Reset(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nshort")),
        ("no HTTP at all", Then::Close(b"SSH-2.0-OpenSSH_9.2\r\n")),
        ("a head that never ends", Then::Close(b"HTTP/1.1 200 OK\r\nX-Long: aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa")),
    ];
    for (what, then) in broken {
        let receiver = RawReceiver::start("127.0.0.1:0", move |_| then);
        let (code, doc, stderr, _) = fuzz_ping(&receiver.url(), &["--timeout", "5s"]);
        assert_eq!(code, 1, "{what}: {stderr}");
        let findings = doc["findings"].as_array().unwrap();
        assert!(!findings.is_empty(), "{what}: {doc}");
        for finding in findings {
            assert_eq!(finding["kind"], "server-error", "{what}: {finding:#}");
        }
        // Every case went out once: what the receiver counted is what fuzz says it sent.
        let sent = doc["requests"].as_u64().unwrap() as usize;
        assert_eq!(receiver.requests(), sent, "{what}: a case was delivered twice");
    }
}

#[test]
fn fuzz_stops_an_event_after_eight_timeouts_in_a_row() {
    let receiver = RawReceiver::start("127.0.0.1:0", |_| Then::Hang);
    let (code, doc, stderr, seconds) = fuzz_ping(&receiver.url(), &["--timeout", "1s", "--concurrency", "2"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(stderr.contains("8 requests in a row got no answer within 1s"), "{stderr}");
    assert!(doc["findings"].as_array().unwrap().iter().all(|f| f["kind"] == "timeout"), "{doc}");
    assert!(receiver.requests() <= 10, "{} requests reached a receiver that never answers", receiver.requests());
    assert!(seconds < 60.0, "took {seconds}s");
}

#[test]
fn ctrl_c_reports_and_saves_what_fuzz_found_and_exits_130() {
    // The first three requests get a 500; the fourth hangs until fuzz is interrupted.
    let receiver = RawReceiver::start("127.0.0.1:0", |n| if n <= 3 { Then::Fail } else { Then::Hang });
    let dir = fixtures();
    let save = dir.path().join("found");
    let mut child = Command::new(crate::support::BIN)
        .arg("--fixtures")
        .arg(dir.path())
        .args(["fuzz", "--to", &receiver.url(), "acme.ping", "--json", "--seed", "5"])
        .args(["--checks", "examples,generated", "--concurrency", "1", "--timeout", "60s", "--save-failures"])
        .arg(&save)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while receiver.requests() < 4 && Instant::now() < deadline {
        std::thread::sleep(Duration::from_millis(20));
    }
    assert_eq!(receiver.requests(), 4, "the hanging request was sent");
    assert!(Command::new("kill").args(["-INT", &child.id().to_string()]).status().unwrap().success());
    let interrupted = Instant::now();
    let mut stdout = String::new();
    child.stdout.take().unwrap().read_to_string(&mut stdout).unwrap();
    let mut stderr = String::new();
    child.stderr.take().unwrap().read_to_string(&mut stderr).unwrap();
    let status = child.wait().unwrap();
    assert!(interrupted.elapsed() < Duration::from_secs(30), "took {:?} to stop", interrupted.elapsed());
    assert_eq!(status.code(), Some(130), "{stderr}");
    let doc: Value = serde_json::from_str(stdout.trim()).unwrap_or_else(|e| panic!("{e}: {stdout}"));
    assert_eq!(doc["interrupted"], true);
    let findings = doc["findings"].as_array().unwrap();
    assert!(findings.iter().any(|f| f["kind"] == "server-error"), "{doc}");
    let saved: Vec<_> = std::fs::read_dir(&save).unwrap().flatten().collect();
    assert_eq!(saved.len(), findings.len(), "every finding is saved");
    assert!(stderr.contains("interrupted"), "{stderr}");
}

#[test]
fn send_fuzz_and_load_mode_reach_an_ipv6_literal() {
    if TcpListener::bind("[::1]:0").is_err() {
        eprintln!("no IPv6 loopback here: skipped");
        return;
    }
    let receiver = RawReceiver::start("[::1]:0", |_| Then::Answer);
    let url = receiver.url();
    assert!(url.starts_with("http://[::1]:"), "{url}");
    let out = hookctl().args(["send", "pgyer.crashlog", "--to", &url]).output().unwrap();
    assert!(out.status.success(), "send: {}", stderr_text(&out));
    let out = hookctl().args(["send", "pgyer.crashlog", "--to", &url, "--repeat", "5", "--json"]).output().unwrap();
    assert!(out.status.success(), "load mode: {}", stderr_text(&out));
    assert_eq!(stdout_json(&out)["ok"], 5);
    let (code, doc, stderr, _) = fuzz_ping(&url, &[]);
    assert_eq!(code, 0, "fuzz: {stderr} {doc}");
    assert!(receiver.log().contains(&format!("Host: [::1]:{}", receiver.address.port())), "{}", receiver.log());
}

#[test]
fn plain_http_to_a_tls_receiver_is_told_to_use_https_on_every_path() {
    // What a TLS server (rustls, OpenSSL) answers a plain HTTP request with: a protocol_version alert record.
    let receiver = RawReceiver::start("127.0.0.1:0", |_| Then::Close(b"\x15\x03\x03\x00\x02\x02\x46"));
    let out = hookctl().args(["send", "pgyer.crashlog", "--to", &receiver.url()]).output().unwrap();
    let said = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{said}");
    assert!(said.contains("the receiver speaks TLS: use https://") && !said.contains("invalid HTTP version"), "{said}");
    let load = hookctl()
        .args(["send", "pgyer.crashlog", "--to", &receiver.url(), "--repeat", "2", "--json"])
        .output()
        .unwrap();
    assert_eq!(load.status.code(), Some(1), "{}", stderr_text(&load));
    let (code, doc, stderr, _) = fuzz_ping(&receiver.url(), &["--checks", "examples"]);
    assert_eq!(code, 1, "{stderr}");
    assert!(doc["findings"][0]["answer"].as_str().unwrap().contains("speaks TLS"), "{doc}");
}

#[test]
fn dry_run_shows_the_headers_load_mode_writes_byte_for_byte() {
    let dir = fixtures();
    let receiver = RawReceiver::start("127.0.0.1:0", |_| Then::Answer);
    let fx = dir.path().to_str().unwrap();
    let args = ["--fixtures", fx, "send", "acme.ping", "--to", &receiver.url(), "-H", "X-Trace: 7"];
    let dry = hookctl().args(args).arg("--dry-run").env("NO_COLOR", "1").output().unwrap();
    assert!(dry.status.success(), "{}", stderr_text(&dry));
    let shown = String::from_utf8_lossy(&dry.stdout);
    let shown_headers: Vec<&str> = shown.lines().skip(1).take_while(|l| !l.is_empty()).collect();
    let out = hookctl().args(args).args(["--repeat", "1"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_text(&out));
    let log = receiver.log();
    let head = log.split("\r\n\r\n").next().unwrap();
    let wire_headers: Vec<&str> = head.split("\r\n").skip(1).collect();
    assert_eq!(shown_headers, wire_headers, "dry run:\n{shown}\nwire:\n{log}");
    assert!(
        wire_headers.iter().any(|h| h.starts_with("User-Agent: hookctl/")) && wire_headers.contains(&"Accept: */*")
    );
}

#[test]
fn the_locustfile_stays_inert_whatever_the_command_line_holds() {
    if !crate::support::command_available("python3", "apt-get install python3") {
        return;
    }
    let statements = |url: &str, env: &str| -> Result<usize, String> {
        let out = hookctl()
            .args(["send", "pgyer.crashlog", "--to", url, "--export", "locust", "--scheme", "github"])
            .args(["--secret-env", env])
            .env_remove(env)
            .output()
            .unwrap();
        if !out.status.success() {
            return Err(stderr_text(&out));
        }
        let count = Command::new("python3")
            .args(["-c", "import ast,sys; print(len(ast.parse(sys.stdin.read()).body))"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .and_then(|mut child| {
                child.stdin.take().unwrap().write_all(&out.stdout)?;
                child.wait_with_output()
            })
            .unwrap();
        assert!(count.status.success(), "not Python: {}", String::from_utf8_lossy(&out.stdout));
        Ok(String::from_utf8_lossy(&count.stdout).trim().parse().unwrap())
    };
    // Generating needs no secret: the variable is read on each worker.
    let baseline = statements("http://127.0.0.1:9/hooks", "HOOKCTL_SECRET").expect("generated without the secret set");
    for separator in ["\r", "\n", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e", "\u{85}", "\u{2028}", "\u{2029}"] {
        let url = format!("http://127.0.0.1:9/x{separator}import os; os.system('touch /tmp/hookctl-pwned')");
        match statements(&url, "HOOKCTL_SECRET") {
            Ok(count) => assert_eq!(count, baseline, "{separator:?} in --to added statements"),
            Err(refused) => assert!(refused.contains("--to"), "{separator:?}: {refused}"),
        }
    }
    for env in ["A\nimport os", "A B", "1A", "A;B", "A$(id)"] {
        let refused = statements("http://127.0.0.1:9/hooks", env).expect_err(env);
        assert!(refused.contains("not an environment variable name"), "{refused}");
    }
}

#[test]
fn a_curl_export_replays_a_body_starting_with_a_dash_in_bash_and_dash() {
    let dir = tempfile::tempdir().unwrap();
    for body in ["-n hello", "--help", "-\u{1}binary", "-e \\x41"] {
        let caps = dir.path().join("caps.ndjson");
        let record = json!({
            "id": 1, "received_at": "2026-12-01T00:00:00Z", "method": "POST", "path": "/hooks", "query": null,
            "headers": {"host": "127.0.0.1:9", "content-type": "text/plain"},
            "body": null, "body_text": body,
        });
        std::fs::write(&caps, format!("{record}\n")).unwrap();
        let out = hookctl().args(["captures", "export", caps.to_str().unwrap(), "--as", "curl"]).output().unwrap();
        assert!(out.status.success(), "{}", stderr_text(&out));
        let command = String::from_utf8_lossy(&out.stdout).into_owned();
        for shell in ["bash", "dash", "sh"] {
            if Command::new("sh")
                .arg("-c")
                .arg(format!("command -v {shell}"))
                .output()
                .map_or(true, |o| !o.status.success())
            {
                continue;
            }
            // curl stands in as a function that keeps what it was fed.
            let script = format!("curl() {{ cat > \"$OUT\"; }}\n{command}\n");
            let sink = dir.path().join(format!("{shell}.out"));
            let ran = Command::new(shell).arg("-c").arg(&script).env("OUT", &sink).output().unwrap();
            assert!(ran.status.success(), "{shell}: {}", String::from_utf8_lossy(&ran.stderr));
            assert_eq!(std::fs::read(&sink).unwrap(), body.as_bytes(), "{shell} replayed {body:?} as:\n{command}");
        }
    }
}

#[test]
fn arguments_that_are_not_utf8_are_a_clear_error_not_a_panic() {
    use std::ffi::OsStr;
    use std::os::unix::ffi::OsStrExt;
    let bad = OsStr::from_bytes(b"fx\xff");
    for args in [vec![OsStr::new("send"), bad, OsStr::new("--dry-run")], vec![OsStr::new("diff"), bad]] {
        let out = hookctl().args(&args).output().unwrap();
        let said = stderr_text(&out);
        assert_eq!(out.status.code(), Some(2), "{args:?}: {said}");
        assert!(said.contains("invalid UTF-8") && !said.contains("panicked"), "{args:?}: {said}");
    }
    // A folder whose name is not UTF-8 works where a path is taken, the locust export included (its
    // command-line comment is written lossily).
    let dir = tempfile::tempdir().unwrap();
    let odd = dir.path().join(OsStr::from_bytes(b"fx\xff"));
    std::fs::create_dir(&odd).unwrap();
    let out = hookctl().arg("--fixtures").arg(&odd).args(["fixtures"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_text(&out));
    let out = hookctl()
        .arg("--fixtures")
        .arg(&odd)
        .args(["send", "pgyer.crashlog", "--to", "http://127.0.0.1:9/", "--export", "locust"])
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", stderr_text(&out));
    assert!(!stderr_text(&out).contains("panicked"));
}

#[cfg(unix)]
#[test]
fn import_never_writes_through_a_link_or_reads_a_device_or_fifo() {
    let dir = tempfile::tempdir().unwrap();
    let spec = dir.path().join("spec.json");
    write_json(
        &spec,
        &json!({
            "openapi": "3.1.0", "info": {"title": "Acme", "version": "1"},
            "webhooks": {"order.created": {"post": {"requestBody": {"content": {"application/json": {
                "schema": {"type": "object", "properties": {"id": {"type": "string"}}}}}}}}}
        }),
    );
    let outside = dir.path().join("outside");
    std::fs::create_dir(&outside).unwrap();
    std::fs::write(outside.join("victim.json"), "keep me").unwrap();
    let import = |out: &Path| {
        hookctl().args(["import", spec.to_str().unwrap(), "--provider", "acme", "--out"]).arg(out).output().unwrap()
    };

    // A link at DIR/acme/provider.json: replaced, its target untouched.
    let out1 = dir.path().join("out1");
    std::fs::create_dir_all(out1.join("acme")).unwrap();
    std::os::unix::fs::symlink(outside.join("victim.json"), out1.join("acme/provider.json")).unwrap();
    // A link to /dev/zero and a FIFO where fixture files go: never read (no hang, no 1 GB read).
    std::os::unix::fs::symlink("/dev/zero", out1.join("acme/acme.order.created.json")).unwrap();
    assert!(Command::new("mkfifo").arg(out1.join("acme/acme.order.created.schema.json")).status().unwrap().success());
    let started = Instant::now();
    let out = import(&out1);
    assert!(out.status.success(), "{}", stderr_text(&out));
    assert!(started.elapsed() < Duration::from_secs(60));
    assert_eq!(std::fs::read_to_string(outside.join("victim.json")).unwrap(), "keep me");
    for name in ["provider.json", "acme.order.created.json", "acme.order.created.schema.json"] {
        let kind = std::fs::symlink_metadata(out1.join("acme").join(name)).unwrap().file_type();
        assert!(kind.is_file(), "{name} is now a regular file");
    }

    // A linked DIR/acme: refused, nothing written outside.
    let out2 = dir.path().join("out2");
    std::fs::create_dir(&out2).unwrap();
    std::os::unix::fs::symlink(&outside, out2.join("acme")).unwrap();
    let out = import(&out2);
    assert_eq!(out.status.code(), Some(2), "{}", stderr_text(&out));
    assert!(stderr_text(&out).contains("symbolic link"), "{}", stderr_text(&out));
    let names: Vec<_> = std::fs::read_dir(&outside).unwrap().flatten().map(|e| e.file_name()).collect();
    assert_eq!(names, ["victim.json"], "nothing written outside");
}

#[cfg(unix)]
#[test]
fn listen_tls_writes_its_certificate_into_a_private_folder_and_removes_it() {
    use std::os::unix::fs::PermissionsExt;
    let tmp = tempfile::tempdir().unwrap();
    // A link pre-placed where the old name was: never followed.
    let victim = tmp.path().join("victim.txt");
    std::fs::write(&victim, "keep me").unwrap();
    let server = crate::support::listen_env(&["--tls", "-q"], &[("TMPDIR", tmp.path().to_str().unwrap())]);
    let line = server.next_stderr_line(Duration::from_secs(10)).expect("the certificate line");
    let path = line.strip_prefix("TLS certificate: ").unwrap().split(" (SHA-256").next().unwrap().to_string();
    let pem = std::path::PathBuf::from(&path);
    assert!(pem.starts_with(tmp.path()), "{path}");
    let folder = pem.parent().unwrap().to_path_buf();
    assert_eq!(std::fs::metadata(&folder).unwrap().permissions().mode() & 0o777, 0o700);
    assert!(std::fs::read_to_string(&pem).unwrap().contains("BEGIN CERTIFICATE"));
    assert_eq!(std::fs::read_to_string(&victim).unwrap(), "keep me");
    let (code, _, stderr) = server.stop();
    assert_eq!(code, Some(130), "stopped by its signal handler, not killed: {stderr}");
    assert!(!folder.exists(), "the certificate's folder is removed on exit");
}

#[cfg(unix)]
#[test]
fn tls_files_name_their_flag_and_a_device_or_fifo_is_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let fifo = dir.path().join("cert.fifo");
    assert!(Command::new("mkfifo").arg(&fifo).status().unwrap().success());
    let cases = [
        (vec!["--tls-cert", fifo.to_str().unwrap(), "--tls-key", "/dev/urandom"], "--tls-cert"),
        (
            vec!["--tls-cert", "/dev/urandom", "--tls-key", "/dev/urandom"],
            "--tls-cert /dev/urandom: not a regular file",
        ),
    ];
    for (args, expected) in cases {
        let started = Instant::now();
        let out = hookctl().args(["listen", "0"]).args(&args).timeout(Duration::from_secs(20)).output().unwrap();
        let said = stderr_text(&out);
        assert_eq!(out.status.code(), Some(2), "{said}");
        assert!(said.contains(expected) && !said.contains("--max-body"), "{said}");
        assert!(started.elapsed() < Duration::from_secs(30));
    }
    let big = dir.path().join("big.pem");
    std::fs::write(&big, vec![b'a'; 2 << 20]).unwrap();
    let out = hookctl()
        .args(["send", "pgyer.crashlog", "--to", "https://127.0.0.1:9", "--cacert"])
        .arg(&big)
        .output()
        .unwrap();
    let said = stderr_text(&out);
    assert!(said.contains("--cacert") && said.contains("over") && !said.contains("--max-body"), "{said}");
}
