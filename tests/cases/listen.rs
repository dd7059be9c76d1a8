//! `hookctl listen` with real clients on loopback.
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::fixtures::BUILT_IN;
use crate::support::{hookctl, listen, post, raw_request, receiver, shared_doc, stderr_text};

fn records(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}")))
        .collect()
}

fn lines_of(stdout: &str) -> Vec<Value> {
    stdout.lines().map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("not JSON ({e}): {l}"))).collect()
}

#[test]
fn every_fixture_and_documented_example_is_captured_matched_and_validated() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("c.ndjson");
    let docs: Vec<(&str, &str)> = vec![
        ("pgyer-updateVersion-en.doc-fixed.json", "pgyer.updateVersion"),
        ("pgyer-feedback-en.doc-fixed.json", "pgyer.feedback"),
        ("pgyer-crashlog-en.doc-fixed.json", "pgyer.crashlog"),
        ("pgyer-updateVersion-zh.doc-fixed.json", "pgyer.updateVersion.zh"),
        ("pgyer-feedback-zh.doc-fixed.json", "pgyer.feedback.zh"),
        ("pgyer-crashlog-zh.doc-fixed.json", "pgyer.crashlog.zh"),
        ("ebriza-configuration-changed.doc.json", "ebriza.configuration.changed"),
        ("obniz-install-create.doc-fixed.json", "obniz.install.create"),
    ];
    let total = (BUILT_IN.len() + docs.len()).to_string();
    let server = listen(&["--json", "--save", save.to_str().unwrap(), "--count", &total, "--timeout", "60s"]);
    for name in BUILT_IN {
        let sent = hookctl().args(["send", name, "--to", &format!("{}/hooks", server.url)]).output().unwrap();
        assert!(sent.status.success(), "{name}: {}", stderr_text(&sent));
    }
    for (file, _) in &docs {
        let headers: &[(&str, &str)] = if file.starts_with("ebriza") {
            &[("Content-Type", "application/json"), ("ebriza-clientid", "D9707F3B-3BC9-4D45-B03E-A1ECC38A9EE9")]
        } else {
            &[("Content-Type", "application/json")]
        };
        assert_eq!(post(&format!("{}/docs", server.url), headers, shared_doc(file).as_bytes()), 200);
    }
    let (code, stdout, stderr) = server.finish(Duration::from_secs(30));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(
        stderr.contains(&format!("received {total} ({total} schema-valid, 0 invalid, 0 unrecognised)")),
        "{stderr}"
    );
    let printed = lines_of(&stdout);
    let saved = records(&save);
    assert_eq!(printed, saved, "--json prints exactly the saved records");
    let events: Vec<&str> = saved.iter().map(|r| r["event"].as_str().unwrap_or("-")).collect();
    for name in BUILT_IN.iter().chain(docs.iter().map(|(_, n)| n)) {
        // A shape fixture is recorded as its event (the record's `shape` says which).
        let name = if *name == "ebriza.configuration.changed.example" { "ebriza.configuration.changed" } else { name };
        assert!(events.contains(&name), "{name} not matched: {events:?}");
    }
    for record in &saved {
        assert_eq!(record["valid"], true, "{record}");
        assert_eq!(record["errors"], Value::Array(vec![]));
        for field in [
            "id",
            "received_at",
            "remote_addr",
            "method",
            "path",
            "query",
            "headers",
            "body",
            "body_text",
            "body_base64",
        ] {
            assert!(record.get(field).is_some(), "record lacks {field}");
        }
        assert!(record["body"].is_object());
        assert!(chrono_like(record["received_at"].as_str().unwrap()));
    }
    let example = saved.iter().find(|r| r["path"] == "/docs" && r["body"]["ActionType"] == 2).unwrap();
    assert_eq!(example["shape"], "docs-example");
}

fn chrono_like(text: &str) -> bool {
    text.len() >= 20 && text.as_bytes()[4] == b'-' && text.contains('T') && text.ends_with('Z')
}

#[test]
fn odd_bodies_are_captured_raw_and_reported() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("c.ndjson");
    let server = listen(&["--save", save.to_str().unwrap(), "--count", "4", "--timeout", "30s"]);
    let doc = shared_doc("pgyer-crashlog-en.doc.txt");
    assert_eq!(post(&server.url, &[("Content-Type", "application/json")], doc.as_bytes()), 200);
    assert_eq!(post(&format!("{}/bin", server.url), &[], &[0xff, 0xfe, 0x00, 0x01]), 200);
    assert_eq!(post(&format!("{}/empty", server.url), &[], b""), 200);
    let (status, _) = raw_request(server.port, b"GET /health?x=1 HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n");
    assert_eq!(status, 200);
    let (code, stdout, _) = server.finish(Duration::from_secs(20));
    assert_eq!(code, Some(1), "the invalid Pgyer doc example fails CI mode");
    // The verdict on the header line and again under the body; the position said once, with the line
    // and a caret under the break, and the note that this is the docs' own bug.
    assert!(stdout.lines().next().unwrap().contains("✗ not valid JSON  → 200"), "{stdout}");
    assert!(stdout.contains("\n  ✗ line 13 column 18: expected value\n"), "{stdout}");
    assert_eq!(stdout.matches("line 13 column 18").count(), 1, "{stdout}");
    let snippet = format!("      \"device_type\": 'iOS',\n{}^\n", " ".repeat(4 + 17));
    assert!(stdout.contains(&snippet), "{stdout}");
    assert!(stdout.contains("note: single-quoted strings are not JSON; Pgyer's docs example"), "{stdout}");
    assert!(stdout.contains("· binary, not JSON (nothing to check)"), "{stdout}");
    assert!(stdout.contains("· empty body (nothing to check)"), "{stdout}");
    assert!(stdout.contains("(binary, 4 bytes) ff fe 00 01"), "{stdout}");
    assert!(stdout.contains("(empty body)") && stdout.contains("GET /health?x=1"), "{stdout}");
    let saved = records(&save);
    assert_eq!(saved.len(), 4);
    let by_path = |p: &str| saved.iter().find(|r| r["path"] == p).unwrap().clone();
    let invalid = by_path("/");
    assert_eq!((invalid["valid"].as_bool(), invalid["body"].is_null()), (Some(false), true));
    assert_eq!(invalid["body_text"].as_str(), Some(doc.as_str()), "captured raw");
    assert_eq!(by_path("/bin")["body_base64"], "//4AAQ==");
    assert_eq!(by_path("/health")["query"], "x=1");
    assert_eq!(by_path("/health")["method"], "GET");
    assert!(by_path("/empty")["valid"].is_null());
}

#[test]
fn escape_sequences_from_a_sender_never_reach_stdout_raw() {
    let evil_body = "{\"title\": \"\\u001b]0;pwned\\u0007\\u001b[2J\\u009b31m\\u202e\", \"k\\u001b[1m\": 1}";
    // Raw C0 bytes in a header are refused by the HTTP parser (RFC 9110): 400, and the server goes on.
    let server = listen(&["-q"]);
    let (status, _) = raw_request(
        server.port,
        b"POST /h HTTP/1.1\r\nHost: a\r\nX-Evil: a\x1b]0;t\x07\r\nConnection: close\r\nContent-Length: 0\r\n\r\n",
    );
    assert_eq!(status, 400);
    assert_eq!(post(&server.url, &[], b"{}"), 200);
    let (_, stdout, _) = server.stop();
    assert!(!stdout.contains('\u{1b}'));
    for mode in [&[][..], &["-q"][..], &["--json"][..]] {
        let mut args = mode.to_vec();
        args.extend(["--count", "2", "--timeout", "20s"]);
        let server = listen(&args);
        let status = post(
            &format!("{}/p%1b%5B31m", server.url),
            &[("X-Evil", "a\u{9b}2;title\u{202e}b"), ("Content-Type", "application/json")],
            evil_body.as_bytes(),
        );
        assert_eq!(status, 200);
        let mut raw = b"POST /raw HTTP/1.1\r\nHost: a\r\nConnection: close\r\nContent-Length: 9\r\n\r\n".to_vec();
        raw.extend_from_slice(b"\x1b[2Jab\x07\xc2\x9b");
        raw_request(server.port, &raw);
        let (code, stdout, _) = server.finish(Duration::from_secs(20));
        assert!(code.is_some());
        assert!(!stdout.contains('\u{1b}'), "{mode:?}: raw ESC on stdout: {stdout:?}");
        assert!(!stdout.contains('\u{7}') && !stdout.contains('\u{9b}') && !stdout.contains('\u{202e}'), "{mode:?}");
        if mode.is_empty() {
            assert!(stdout.contains("a\\u{9b}2;title\\u{202e}b"), "header escaped visibly: {stdout}");
            assert!(stdout.contains("\\x1b[2Jab\\x07\\u{9b}"), "text body escaped visibly: {stdout}");
        }
    }
}

#[test]
fn oversize_bodies_get_413_and_the_server_keeps_answering() {
    let server = listen(&["--max-body", "1KiB", "-q"]);
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    let head = "POST /big HTTP/1.1\r\nHost: a\r\nContent-Type: application/json\r\nContent-Length: 50000000\r\n\r\n";
    stream.write_all(head.as_bytes()).unwrap();
    let _ = stream.write_all(&vec![b'a'; 4096]);
    let mut answer = vec![0; 512];
    let n = stream.read(&mut answer).unwrap();
    assert!(
        String::from_utf8_lossy(&answer[..n]).starts_with("HTTP/1.1 413"),
        "{}",
        String::from_utf8_lossy(&answer[..n])
    );

    let chunked =
        b"POST /chunked HTTP/1.1\r\nHost: a\r\nConnection: close\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n";
    let mut request = chunked.to_vec();
    request.extend(vec![b'x'; 0x800]);
    request.extend_from_slice(b"\r\n0\r\n\r\n");
    assert_eq!(raw_request(server.port, &request).0, 413);
    assert_eq!(post(&server.url, &[], b"{\"small\": true}"), 200, "still answering");
    let (_, stdout, stderr) = server.stop();
    assert!(stderr.contains("413") && stderr.contains("over --max-body 1024 bytes"), "{stderr}");
    assert!(stderr.contains("received 1 (0 schema-valid, 0 invalid, 1 unrecognised, 2 rejected (413))"), "{stderr}");
    assert_eq!(stdout.lines().count(), 1);
}

#[test]
fn many_concurrent_clients_are_all_saved_exactly_once() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("c.ndjson");
    let server = listen(&["-q", "--save", save.to_str().unwrap()]);
    let port = server.port;
    let clients: Vec<_> = (0..32)
        .map(|client| {
            std::thread::spawn(move || {
                let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
                stream.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
                let mut acked = 0;
                for i in 0..50 {
                    let body = format!("{{\"client\":{client},\"i\":{i}}}");
                    let req = format!("POST /c HTTP/1.1\r\nHost: a\r\nContent-Length: {}\r\n\r\n{body}", body.len());
                    stream.write_all(req.as_bytes()).unwrap();
                    let mut buf = [0u8; 1024];
                    let n = stream.read(&mut buf).unwrap();
                    if String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200") {
                        acked += 1;
                    }
                }
                acked
            })
        })
        .collect();
    let acked: usize = clients.into_iter().map(|c| c.join().unwrap()).sum();
    assert_eq!(acked, 32 * 50);
    let (_, stdout, stderr) = server.stop();
    assert!(stderr.contains("received 1600"), "{stderr}");
    assert_eq!(stdout.lines().count(), 1600);
    let saved = records(&save);
    assert_eq!(saved.len(), 1600);
    let mut seen = std::collections::HashSet::new();
    for record in &saved {
        assert!(seen.insert((record["body"]["client"].as_u64(), record["body"]["i"].as_u64())), "duplicate {record}");
    }
    let ids: std::collections::HashSet<u64> = saved.iter().map(|r| r["id"].as_u64().unwrap()).collect();
    assert_eq!(ids.len(), 1600, "ids are unique");
}

#[test]
fn ci_mode_exit_codes() {
    // 0: the expected event arrived valid.
    let server = listen(&["--count", "1", "--timeout", "30s", "--expect", "pgyer.crashlog", "-q"]);
    hookctl().args(["send", "pgyer.crashlog", "--to", &server.url]).assert().success();
    let (code, _, stderr) = server.finish(Duration::from_secs(20));
    assert_eq!(code, Some(0), "{stderr}");

    // 1: an unexpected event.
    let server = listen(&["--count", "1", "--timeout", "30s", "--expect", "pgyer.crashlog", "-q"]);
    hookctl().args(["send", "pgyer.feedback", "--to", &server.url]).assert().success();
    let (code, _, stderr) = server.finish(Duration::from_secs(20));
    assert_eq!(code, Some(1));
    assert!(stderr.contains("#1 pgyer.feedback was not expected (expected pgyer.crashlog)"), "{stderr}");

    // 1: an invalid one.
    let server = listen(&["--count", "1", "--timeout", "30s", "-q"]);
    hookctl().args(["send", "pgyer.feedback", "--to", &server.url, "--set", "timestamp=\"x\""]).assert().success();
    let (code, _, stderr) = server.finish(Duration::from_secs(20));
    assert_eq!(code, Some(1));
    assert!(stderr.contains("#1 pgyer.feedback is invalid"), "{stderr}");

    // 3: nothing arrived in time.
    let start = Instant::now();
    let server = listen(&["--count", "2", "--timeout", "500ms", "-q"]);
    let (code, _, stderr) = server.finish(Duration::from_secs(20));
    assert_eq!(code, Some(3));
    assert!(stderr.contains("timed out before 2 requests arrived"), "{stderr}");
    assert!(start.elapsed() < Duration::from_secs(10));

    // 2: an unknown --expect name and a port in use.
    let output = hookctl().args(["listen", "0", "--expect", "pgyer.crash"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let busy = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = busy.local_addr().unwrap().port().to_string();
    let output = hookctl().args(["listen", &port]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_text(&output).contains(&format!("port {port} on 127.0.0.1 is already in use")));
}

#[test]
fn status_delay_response_body_and_headers_answer_as_told() {
    let dir = tempfile::tempdir().unwrap();
    let answer = dir.path().join("answer.json");
    std::fs::write(&answer, "{\"custom\": true}").unwrap();
    let server = listen(&[
        "--status",
        "503",
        "--delay",
        "300ms",
        "--response-body",
        answer.to_str().unwrap(),
        "--response-header",
        "X-Test: yes",
        "-q",
    ]);
    let start = Instant::now();
    let output = hookctl().args(["send", "ebriza.configuration.changed", "--to", &server.url, "-v"]).output().unwrap();
    assert!(start.elapsed() >= Duration::from_millis(300));
    assert_eq!(output.status.code(), Some(1));
    let err = stderr_text(&output);
    assert!(err.contains("< HTTP 503") && err.contains("< x-test: yes") && err.contains("\"custom\": true"), "{err}");
    assert!(err.contains("would revert"), "{err}");
    let (code, _, _) = server.stop();
    assert_eq!(code, Some(130));
}

#[test]
fn forwarding_relays_the_request_and_answers_with_the_apps_reply() {
    let app = crate::support::receiver_with_body(201, Duration::ZERO, "{\"app\":\"yes\"}");
    let base = app.url.trim_end_matches("/hooks").to_string();
    let server = listen(&["--forward-to", &base, "--count", "1", "--timeout", "30s"]);
    let body = b"{ \"type\": \"oauth.create\",   \"data\": {\"id\": \"1\"} }";
    let status = post(
        &format!("{}/hooks/obniz?src=test", server.url),
        &[("Content-Type", "application/json"), ("X-Custom", "kept")],
        body,
    );
    assert_eq!(status, 201);
    let got = app.next();
    assert_eq!(got.url, "/hooks/obniz?src=test");
    assert_eq!(got.method, "POST");
    assert_eq!(got.body, body, "byte for byte");
    assert_eq!(got.header("x-custom"), Some("kept"));
    let (code, stdout, _) = server.finish(Duration::from_secs(20));
    assert_eq!(code, Some(0));
    assert!(stdout.contains("answered 201") && stdout.contains("\"app\": \"yes\""), "{stdout}");
}

#[test]
fn send_capture_replays_a_saved_request() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("c.ndjson");
    let server = listen(&["--save", save.to_str().unwrap(), "--count", "2", "--timeout", "30s", "-q"]);
    hookctl().args(["send", "obniz.install.create", "--to", &server.url]).assert().success();
    hookctl().args(["send", "pgyer.feedback.zh", "--to", &server.url]).assert().success();
    server.finish(Duration::from_secs(20));
    let saved = records(&save);

    let rx = receiver(200, Duration::ZERO);
    let spec = format!("{}:1", save.display());
    hookctl().args(["send", "--capture", &spec, "--to", &rx.url]).assert().success();
    let got = rx.next();
    assert_eq!(got.json(), saved[0]["body"]);
    assert_eq!(got.header("user-agent"), saved[0]["headers"]["user-agent"].as_str());
    hookctl().args(["send", "--capture", save.to_str().unwrap(), "--to", &rx.url]).assert().success();
    assert_eq!(rx.next().json()["action"], "應用反饋", "the last record when no id is given");
    let output =
        hookctl().args(["send", "--capture", &format!("{}:9", save.display()), "--to", &rx.url]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_text(&output).contains("no record with id 9"));
}

#[test]
fn json_output_is_one_record_per_line_and_nothing_else() {
    let server = listen(&["--json", "--count", "3", "--timeout", "30s"]);
    for name in ["pgyer.crashlog", "obniz.oauth.delete", "ebriza.uninstall"] {
        hookctl().args(["send", name, "--to", &server.url]).assert().success();
    }
    let (code, stdout, _) = server.finish(Duration::from_secs(20));
    assert_eq!(code, Some(0));
    let lines = lines_of(&stdout);
    assert_eq!(lines.len(), 3);
    let mut events: Vec<&str> = lines.iter().map(|l| l["event"].as_str().unwrap()).collect();
    events.sort_unstable();
    assert_eq!(events, ["ebriza.uninstall", "obniz.oauth.delete", "pgyer.crashlog"]);
}

#[test]
fn binding_every_interface_warns_that_it_is_exposed() {
    let server = listen(&["--host", "0.0.0.0"]);
    assert!(server.url.starts_with("http://0.0.0.0:"), "{}", server.url);
    // Read it before stopping: a SIGTERM sent right after the first line could land before the second.
    let warning = server.next_stderr_line(Duration::from_secs(10)).unwrap_or_default();
    assert_eq!(warning, "warning: bound to 0.0.0.0: anyone who can reach this machine can send to it");
    server.stop();
    let loopback = listen(&[]);
    let (_, _, stderr) = loopback.stop();
    assert!(!stderr.contains("warning"), "{stderr}");
}
