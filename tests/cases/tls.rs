//! HTTPS end to end (issue 26): `listen --tls` reached by curl and openssl, `send` trusting a dev certificate
//! or not, mutual TLS against a Python `ssl` server, forwarding to an https app, and the same captures over
//! TLS as over plain HTTP.
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

use serde_json::Value;

use crate::support::{hookctl, listen, stderr_text, Listener};

/// `listen --tls ARGS…` and the PEM file it wrote (its third stderr line names it).
fn listen_tls(args: &[&str]) -> (Listener, PathBuf) {
    let mut all = vec!["--tls"];
    all.extend_from_slice(args);
    let server = listen(&all);
    assert!(server.url.starts_with("https://127.0.0."), "{}", server.url);
    let line = server.next_stderr_line(Duration::from_secs(10)).expect("the certificate line");
    let rest = line.strip_prefix("TLS certificate: ").unwrap_or_else(|| panic!("{line}"));
    let (path, fingerprint) = rest.split_once(" (SHA-256 ").unwrap();
    assert_eq!(fingerprint.trim_end_matches(')').split(':').count(), 32, "{line}");
    (server, PathBuf::from(path))
}

fn records(path: &Path) -> Vec<Value> {
    std::fs::read_to_string(path).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect()
}

fn have(program: &str) -> bool {
    let found =
        Command::new("sh").arg("-c").arg(format!("command -v {program}")).output().is_ok_and(|o| o.status.success());
    if !found {
        assert!(std::env::var_os("HOOKCTL_REQUIRE_TOOLS").is_none(), "{program} is missing");
        eprintln!("TLS check skipped: {program} is missing");
    }
    found
}

#[test]
fn curl_and_openssl_reach_listen_tls_and_plain_http_is_never_captured() {
    if !have("curl") || !have("openssl") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("caps.ndjson");
    let (server, pem) = listen_tls(&["-q", "--save", save.to_str().unwrap()]);
    for host in ["localhost", "127.0.0.1"] {
        let url = format!("https://{host}:{}/hooks", server.port);
        let out = Command::new("curl")
            .args([
                "-sS",
                "--cacert",
                pem.to_str().unwrap(),
                "-H",
                "Content-Type: application/json",
                "-d",
                r#"{"type":"crashlog"}"#,
                &url,
            ])
            .output()
            .unwrap();
        assert!(out.status.success(), "{host}: {}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("\"ok\":true"));
    }
    // Plain HTTP to the TLS port: no capture, a plain 400 that says to use https://.
    let plain = Command::new("curl")
        .args(["-sS", "-d", "{}", "-w", "%{http_code}", &format!("http://127.0.0.1:{}/plain", server.port)])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&plain.stdout);
    assert!(said.contains("speaks TLS") && said.ends_with("400"), "{said}");
    // TLS 1.3 negotiated; TLS 1.1 refused.
    let connect = format!("127.0.0.1:{}", server.port);
    let tls13 = Command::new("openssl")
        .args(["s_client", "-connect", &connect, "-tls1_3", "-CAfile", pem.to_str().unwrap()])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&tls13.stdout);
    assert!(text.contains("TLSv1.3"), "{text}");
    let tls11 = Command::new("openssl")
        .args(["s_client", "-connect", &connect, "-tls1_1"])
        .stdin(Stdio::null())
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&tls11.stdout) + String::from_utf8_lossy(&tls11.stderr);
    assert!(!tls11.status.success() && !text.contains("Protocol  : TLSv1.1\n    Cipher    : ECDHE"), "{text}");
    std::thread::sleep(Duration::from_millis(300));
    let saved = records(&save);
    assert_eq!(saved.len(), 2, "the two HTTPS requests, not the plain one");
    assert!(saved.iter().all(|r| r["path"] == "/hooks"));
}

#[test]
fn plain_http_past_the_limit_and_half_open_handshakes_on_a_tls_port() {
    if !have("curl") {
        return;
    }
    let (server, pem) = listen_tls(&["--max-connections", "1", "--idle-timeout", "120s"]);
    // Plain HTTP from send: told to use https://, and listen says so once on stderr.
    let plain = hookctl()
        .args(["send", "pgyer.crashlog", "--to", &format!("http://127.0.0.1:{}/", server.port)])
        .output()
        .unwrap();
    let said = String::from_utf8_lossy(&plain.stdout);
    assert_eq!(plain.status.code(), Some(1), "{said}");
    assert!(said.contains("400 Bad Request"), "{said}");
    let line = std::iter::from_fn(|| server.next_stderr_line(Duration::from_secs(10)))
        .find(|line| line.contains("plain HTTP"))
        .expect("a line about plain HTTP");
    assert!(line.contains("plain HTTP from 127.0.0.1:") && line.contains("on a TLS port"), "{line}");
    // A half-open connection (no handshake) holds the one slot: the next client gets a 503 over TLS, which
    // curl reads as an answer (not "wrong version number").
    let half_open = std::net::TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    std::thread::sleep(Duration::from_millis(200));
    let curl = |path: &str| {
        let out = Command::new("curl")
            .args(["-sS", "--cacert", pem.to_str().unwrap(), "-o", "/dev/null", "-w", "%{http_code}", "-d", "{}"])
            .arg(format!("https://localhost:{}{path}", server.port))
            .output()
            .unwrap();
        (String::from_utf8_lossy(&out.stdout).into_owned(), String::from_utf8_lossy(&out.stderr).into_owned())
    };
    let (code, err) = curl("/busy");
    assert_eq!(code, "503", "{err}");
    // The handshake has a timeout of its own (10 s), far under --idle-timeout: the slot comes back.
    let started = std::time::Instant::now();
    loop {
        let (code, err) = curl("/later");
        if code == "200" {
            break;
        }
        assert!(
            started.elapsed() < Duration::from_secs(40),
            "the half-open connection still holds the slot: {code} {err}"
        );
        std::thread::sleep(Duration::from_millis(500));
    }
    drop(half_open);
}

#[test]
fn send_says_why_an_untrusted_certificate_fails_then_trusts_it_with_cacert_or_insecure() {
    let (server, pem) = listen_tls(&["-q"]);
    let url = format!("https://localhost:{}/hooks", server.port);
    let untrusted = hookctl().args(["send", "pgyer.crashlog", "--to", &url]).output().unwrap();
    assert_eq!(untrusted.status.code(), Some(1));
    let line = String::from_utf8_lossy(&untrusted.stdout);
    assert!(
        line.contains("TLS certificate was refused") && line.contains("--cacert") && line.contains("--insecure"),
        "{line}"
    );
    assert_eq!(line.lines().count(), 1, "one line, not a chain of library errors: {line}");
    let json = hookctl().args(["send", "pgyer.crashlog", "--to", &url, "--json"]).output().unwrap();
    assert_eq!(crate::support::stdout_json(&json)["error_kind"], "tls");
    let trusted =
        hookctl().args(["send", "pgyer.crashlog", "--to", &url, "--cacert", pem.to_str().unwrap()]).output().unwrap();
    assert!(trusted.status.success(), "{}", String::from_utf8_lossy(&trusted.stdout));
    let insecure = hookctl().args(["send", "pgyer.crashlog", "--to", &url, "-k"]).output().unwrap();
    assert!(insecure.status.success());
    assert!(stderr_text(&insecure).contains("--insecure: receivers' TLS certificates are not verified"));
    // Load mode too.
    let load = hookctl()
        .args([
            "send",
            "pgyer.crashlog",
            "--to",
            &url,
            "--cacert",
            pem.to_str().unwrap(),
            "--repeat",
            "20",
            "--concurrency",
            "2",
        ])
        .output()
        .unwrap();
    assert!(load.status.success(), "{}", String::from_utf8_lossy(&load.stdout));
    // An address the certificate is not for (it names localhost, 127.0.0.1 and ::1).
    let (elsewhere, its_pem) = listen_tls(&["-q", "--host", "127.0.0.2"]);
    let wrong_name = hookctl()
        .args([
            "send",
            "pgyer.crashlog",
            "--to",
            &format!("https://127.0.0.2:{}/h", elsewhere.port),
            "--cacert",
            its_pem.to_str().unwrap(),
        ])
        .output()
        .unwrap();
    let line = String::from_utf8_lossy(&wrong_name.stdout);
    assert!(wrong_name.status.code() == Some(1) && line.contains("not valid for this host name"), "{line}");
    // Trusting another listener's certificate is not trusting this one.
    let other = hookctl()
        .args(["send", "pgyer.crashlog", "--to", &url, "--cacert", its_pem.to_str().unwrap()])
        .output()
        .unwrap();
    let line = String::from_utf8_lossy(&other.stdout);
    assert!(other.status.code() == Some(1) && line.contains("is --cacert the receiver's own?"), "{line}");
}

/// `openssl` run in `dir` with `args`, failing the test when it fails.
fn openssl(dir: &Path, args: &[&str]) {
    let out = Command::new("openssl").args(args).current_dir(dir).output().unwrap();
    assert!(out.status.success(), "openssl {args:?}: {}", String::from_utf8_lossy(&out.stderr));
}

#[test]
fn mutual_tls_a_receiver_that_requires_a_client_certificate_accepts_send_with_one_and_refuses_it_without() {
    if !have("openssl") || !have("python3") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("server.cnf"), "subjectAltName=DNS:localhost,IP:127.0.0.1\n").unwrap();
    std::fs::write(d.join("client.cnf"), "basicConstraints=CA:FALSE\nextendedKeyUsage=clientAuth\n").unwrap();
    openssl(
        d,
        &[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-keyout",
            "ca.key",
            "-out",
            "ca.pem",
            "-days",
            "2",
            "-subj",
            "/CN=hookctl test CA",
        ],
    );
    for name in ["server", "client", "classic"] {
        openssl(
            d,
            &[
                "req",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-keyout",
                &format!("{name}.key"),
                "-out",
                &format!("{name}.csr"),
                "-subj",
                &format!("/CN={name}"),
            ],
        );
        let (csr, out, extensions) = (format!("{name}.csr"), format!("{name}.pem"), format!("{name}.cnf"));
        let mut args = vec!["x509", "-req", "-in", &csr, "-CA", "ca.pem", "-CAkey", "ca.key", "-CAcreateserial"];
        args.extend(["-out", &out, "-days", "2"]);
        // `classic` is made the classic way, with no extensions file: an X.509 v1 certificate.
        if name != "classic" {
            args.extend(["-extfile", &extensions]);
        }
        openssl(d, &args);
    }
    let port = crate::support::closed_port();
    let script = format!(
        r#"
import http.server, ssl, sys
class H(http.server.BaseHTTPRequestHandler):
    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        body = b'{{"who":"' + self.connection.getpeercert()["subject"][0][0][1].encode() + b'"}}'
        self.send_response(200); self.send_header("Content-Length", str(len(body))); self.end_headers(); self.wfile.write(body)
    def log_message(self, *a): pass
server = http.server.HTTPServer(("127.0.0.1", {port}), H)
context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
context.load_cert_chain("server.pem", "server.key")
context.load_verify_locations("ca.pem")
context.verify_mode = ssl.CERT_REQUIRED
server.socket = context.wrap_socket(server.socket, server_side=True)
print("ready", flush=True)
server.timeout = 20
for _ in range(8): server.handle_request()
"#
    );
    let mut python = Command::new("python3")
        .arg("-c")
        .arg(&script)
        .current_dir(d)
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut ready = String::new();
    std::io::BufRead::read_line(&mut std::io::BufReader::new(python.stdout.as_mut().unwrap()), &mut ready).unwrap();
    assert_eq!(ready.trim(), "ready");
    let url = format!("https://localhost:{port}/hooks");
    let ca = d.join("ca.pem");
    let with = hookctl()
        .args(["send", "pgyer.crashlog", "--to", &url, "--cacert", ca.to_str().unwrap(), "-v"])
        .args(["--cert", d.join("client.pem").to_str().unwrap(), "--key", d.join("client.key").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(with.status.success(), "{} {}", String::from_utf8_lossy(&with.stdout), stderr_text(&with));
    assert!(
        stderr_text(&with).contains("\"who\": \"client\""),
        "the receiver saw the client certificate: {}",
        stderr_text(&with)
    );
    // A v1 client certificate (as `openssl x509 -req` makes by default) works too, as with curl and Python.
    let text =
        Command::new("openssl").args(["x509", "-noout", "-text", "-in"]).arg(d.join("classic.pem")).output().unwrap();
    assert!(String::from_utf8_lossy(&text.stdout).contains("Version: 1"), "the classic certificate is X.509 v1");
    let classic = hookctl()
        .args(["send", "pgyer.crashlog", "--to", &url, "--cacert", ca.to_str().unwrap(), "-v"])
        .args(["--cert", d.join("classic.pem").to_str().unwrap(), "--key", d.join("classic.key").to_str().unwrap()])
        .output()
        .unwrap();
    assert!(classic.status.success(), "{} {}", String::from_utf8_lossy(&classic.stdout), stderr_text(&classic));
    assert!(stderr_text(&classic).contains("\"who\": \"classic\""), "{}", stderr_text(&classic));
    // A key that is not the certificate's: one line that says so, before anything is sent.
    let mismatched = hookctl()
        .args(["send", "pgyer.crashlog", "--to", &url, "--cacert", ca.to_str().unwrap()])
        .args(["--cert", d.join("classic.pem").to_str().unwrap(), "--key", d.join("client.key").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(mismatched.status.code(), Some(2), "{}", stderr_text(&mismatched));
    assert!(stderr_text(&mismatched).contains("the key is not the certificate's"), "{}", stderr_text(&mismatched));
    let without =
        hookctl().args(["send", "pgyer.crashlog", "--to", &url, "--cacert", ca.to_str().unwrap()]).output().unwrap();
    assert_eq!(without.status.code(), Some(1), "refused without a client certificate");
    let said = String::from_utf8_lossy(&without.stdout);
    assert!(said.contains("--cert"), "says what to pass: {said}");
    let cert_only = hookctl()
        .args(["send", "pgyer.crashlog", "--to", &url, "--cert", d.join("client.pem").to_str().unwrap()])
        .output()
        .unwrap();
    assert_eq!(cert_only.status.code(), Some(2), "--cert needs --key");
    let _ = python.kill();
    let _ = python.wait();

    // The same CA's server certificate served by listen itself (--tls-cert/--tls-key, as mkcert's would be).
    let server = listen(&[
        "-q",
        "--tls-cert",
        d.join("server.pem").to_str().unwrap(),
        "--tls-key",
        d.join("server.key").to_str().unwrap(),
    ]);
    let line = server.next_stderr_line(Duration::from_secs(10)).unwrap();
    assert!(line.starts_with(&format!("TLS certificate: {}", d.join("server.pem").display())), "{line}");
    let url = format!("https://localhost:{}/hooks", server.port);
    let sent =
        hookctl().args(["send", "pgyer.crashlog", "--to", &url, "--cacert", ca.to_str().unwrap()]).output().unwrap();
    assert!(sent.status.success(), "{}", String::from_utf8_lossy(&sent.stdout));
    let mismatched = hookctl()
        .args([
            "listen",
            "0",
            "--tls-cert",
            d.join("server.pem").to_str().unwrap(),
            "--tls-key",
            d.join("client.key").to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert_eq!(mismatched.status.code(), Some(2), "{}", stderr_text(&mismatched));
    assert!(stderr_text(&mismatched).contains("do not go together"), "{}", stderr_text(&mismatched));
}

#[test]
fn forwarding_to_an_https_app_relays_its_answer_and_captures_match_plain_http() {
    let dir = tempfile::tempdir().unwrap();
    let (app_save, front_save, plain_save) =
        (dir.path().join("app.ndjson"), dir.path().join("front.ndjson"), dir.path().join("plain.ndjson"));
    let (app, pem) = listen_tls(&["-q", "--save", app_save.to_str().unwrap(), "--status", "201"]);
    let app_url = format!("https://localhost:{}/app", app.port);
    let refused = listen(&["-q", "--forward-to", &app_url]);
    assert_eq!(crate::support::post(&refused.url, &[], b"{}"), 502, "untrusted without --forward-cacert");
    let front = listen(&[
        "-q",
        "--save",
        front_save.to_str().unwrap(),
        "--forward-to",
        &app_url,
        "--forward-cacert",
        pem.to_str().unwrap(),
    ]);
    let sent = hookctl().args(["send", "pgyer.crashlog", "--to", &front.url, "--json"]).output().unwrap();
    let delivery = crate::support::stdout_json(&sent);
    assert_eq!(delivery["status"], 201, "the app's answer, relayed: {delivery}");
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(records(&front_save)[0]["forward"]["status"], 201);

    // The same webhook captured over TLS and over plain HTTP makes the same record (but for when and who).
    let plain = listen(&["-q", "--save", plain_save.to_str().unwrap()]);
    let body = dir.path().join("body.json");
    std::fs::write(&body, r#"{"type":"install.create","data":{"id":"x"}}"#).unwrap();
    let tls_url = format!("https://localhost:{}/app?x=1", app.port);
    for (url, extra) in [(plain.url.clone() + "/app?x=1", vec![]), (tls_url, vec!["--cacert", pem.to_str().unwrap()])] {
        let out =
            hookctl().args(["send", "--body", body.to_str().unwrap(), "--to", &url]).args(&extra).output().unwrap();
        assert!(String::from_utf8_lossy(&out.stdout).starts_with("20"), "{}", String::from_utf8_lossy(&out.stdout));
    }
    std::thread::sleep(Duration::from_millis(300));
    let over_tls = records(&app_save).pop().unwrap();
    let over_http = records(&plain_save).pop().unwrap();
    for field in ["method", "path", "query", "body", "event", "shape", "valid", "errors", "body_bytes"] {
        assert_eq!(over_tls[field], over_http[field], "{field}");
    }
}

#[test]
fn inspector_replays_reach_an_https_receiver_it_was_told_to_trust() {
    let (receiver, pem) = listen_tls(&["-q"]);
    let target = format!("https://localhost:{}/replayed", receiver.port);
    let (front, ui, token) = crate::support::listen_ui(&["-q", "--cacert", pem.to_str().unwrap()]);
    assert_eq!(crate::support::post(&front.url, &[], b"{}"), 200);
    std::thread::sleep(Duration::from_millis(200));
    let request = format!(r#"{{"url":"{target}"}}"#);
    let (status, _, body) =
        crate::support::http(ui, "POST", "/api/captures/1/replay", &[("X-Hookctl-Token", &token)], request.as_bytes());
    let delivery: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!((status, delivery["status"].as_u64()), (200, Some(200)), "{delivery}");
    // Without the trust: the same one-line reason, in the page's answer.
    let (untrusting, ui, token) = crate::support::listen_ui(&["-q"]);
    assert_eq!(crate::support::post(&untrusting.url, &[], b"{}"), 200);
    std::thread::sleep(Duration::from_millis(200));
    let (_, _, body) =
        crate::support::http(ui, "POST", "/api/captures/1/replay", &[("X-Hookctl-Token", &token)], request.as_bytes());
    let delivery: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(delivery["error_kind"], "tls", "{delivery}");
    assert!(delivery["error"].as_str().unwrap().contains("--cacert"), "{delivery}");
}
