//! Hostile clients and bad receivers: malformed HTTP at `listen`, answers that redirect or never end at
//! `send`, capture files with torn and corrupt lines, inputs deep and huge. Nothing crashes, nothing is
//! lost, the server keeps answering.
use std::io::{BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::Value;

use crate::support::{hookctl, listen, post, raw_request, stderr_text, stdout_json_lines};

/// Sends raw bytes and reads what comes back until the server closes or goes quiet.
fn exchange(port: u16, bytes: &[u8]) -> String {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(3))).unwrap();
    let _ = stream.write_all(bytes);
    let mut answer = Vec::new();
    let _ = stream.read_to_end(&mut answer);
    String::from_utf8_lossy(&answer).into_owned()
}

fn status_of(answer: &str) -> u16 {
    answer.split_whitespace().nth(1).and_then(|s| s.parse().ok()).unwrap_or(0)
}

#[test]
fn malformed_requests_get_a_4xx_or_are_served_and_the_server_keeps_answering() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("caps.ndjson");
    let server = listen(&["-q", "--save", save.to_str().unwrap()]);
    let big_header =
        format!("POST / HTTP/1.1\r\nHost: x\r\nX-Big: {}\r\nContent-Length: 2\r\n\r\n{{}}", "a".repeat(100_000));
    let many_headers = format!(
        "POST / HTTP/1.1\r\nHost: x\r\n{}Content-Length: 2\r\n\r\n{{}}",
        (0..10_000).map(|i| format!("X-{i}: v\r\n")).collect::<String>()
    );
    let refused: Vec<(&str, Vec<u8>)> = vec![
        ("garbage request line", b"\x16\x03\x01 hello there\r\n\r\n".to_vec()),
        ("header without a colon", b"POST / HTTP/1.1\r\nHost: x\r\nno colon here\r\n\r\n".to_vec()),
        ("100 KB header", big_header.into_bytes()),
        ("10,000 headers", many_headers.into_bytes()),
        ("Content-Length not a number", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: abc\r\n\r\n{}".to_vec()),
        ("negative Content-Length", b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: -5\r\n\r\n{}".to_vec()),
        (
            "two different Content-Lengths",
            b"POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\nContent-Length: 3\r\n\r\n{}".to_vec(),
        ),
        (
            "bad chunk size",
            b"POST / HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n{}\r\n0\r\n\r\n".to_vec(),
        ),
    ];
    for (what, bytes) in &refused {
        let answer = exchange(server.port, bytes);
        let status = status_of(&answer);
        assert!((400..500).contains(&status) || answer.is_empty(), "{what}: {answer:.200}");
        let (probe, _) = raw_request(
            server.port,
            b"POST /probe HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: 2\r\n\r\n{}",
        );
        assert_eq!(probe, 200, "still serving after {what}");
    }
    // Served: HTTP/1.0 without Host, Expect: 100-continue, pipelined requests (each captured once, in order).
    assert_eq!(status_of(&exchange(server.port, b"POST /old HTTP/1.0\r\nContent-Length: 2\r\n\r\n{}")), 200);
    let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
    stream.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    stream
        .write_all(b"POST /expect HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 2\r\nConnection: close\r\n\r\n")
        .unwrap();
    let mut first = [0u8; 25];
    stream.read_exact(&mut first).unwrap();
    assert!(
        String::from_utf8_lossy(&first).starts_with("HTTP/1.1 100 Continue"),
        "{}",
        String::from_utf8_lossy(&first)
    );
    stream.write_all(b"{}").unwrap();
    let mut rest = String::new();
    let _ = stream.read_to_string(&mut rest);
    assert!(rest.contains("HTTP/1.1 200"), "{rest}");
    let pipelined = (1..=3)
        .map(|i| {
            format!(
                "POST /pipe/{i} HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n{}\r\n{{}}",
                if i == 3 { "Connection: close\r\n" } else { "" }
            )
        })
        .collect::<String>();
    let answers = exchange(server.port, pipelined.as_bytes());
    assert_eq!(answers.matches("HTTP/1.1 200").count(), 3, "{answers}");
    let (code, _, _) = server.stop();
    assert_eq!(code, Some(130));

    let records: Vec<Value> =
        std::fs::read_to_string(&save).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let paths: Vec<&str> = records.iter().map(|r| r["path"].as_str().unwrap()).collect();
    let mut expected = vec!["/probe"; refused.len()];
    expected.extend(["/old", "/expect", "/pipe/1", "/pipe/2", "/pipe/3"]);
    assert_eq!(paths, expected, "nothing malformed captured; pipelined ones once each, in order");
}

#[test]
fn connect_is_refused_not_answered_200() {
    let server = listen(&["-q"]);
    let answer = exchange(server.port, b"CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    assert_eq!(status_of(&answer), 405, "{answer}");
    assert_eq!(post(&server.url, &[], b"{}"), 200);
    let (_, _, stderr) = server.stop();
    assert!(stderr.contains("CONNECT (hookctl is not a proxy)"), "{stderr}");
}

#[test]
fn a_kill_9_under_load_loses_nothing_that_was_acknowledged() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("caps.ndjson");
    let mut server = listen(&["-q", "--save", save.to_str().unwrap()]);
    let port = server.port;
    let acknowledged = Arc::new(Mutex::new(Vec::new()));
    let clients: Vec<_> = (0..8)
        .map(|client| {
            let acknowledged = acknowledged.clone();
            std::thread::spawn(move || {
                for i in 0.. {
                    let tag = format!("{client}-{i}");
                    let body = format!(r#"{{"tag":"{tag}"}}"#);
                    let head = format!(
                        "POST /load HTTP/1.1\r\nHost: x\r\nConnection: close\r\nContent-Length: {}\r\n\r\n",
                        body.len()
                    );
                    let Ok(mut stream) = TcpStream::connect(("127.0.0.1", port)) else { return };
                    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
                    if stream.write_all(format!("{head}{body}").as_bytes()).is_err() {
                        return;
                    }
                    let mut answer = String::new();
                    let _ = stream.read_to_string(&mut answer);
                    if answer.starts_with("HTTP/1.1 200") {
                        acknowledged.lock().unwrap().push(tag);
                    } else {
                        return;
                    }
                }
            })
        })
        .collect();
    std::thread::sleep(Duration::from_millis(1500));
    server.child.kill().unwrap();
    for client in clients {
        client.join().unwrap();
    }
    let text = std::fs::read_to_string(&save).unwrap();
    let tags: std::collections::HashSet<String> = text
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).expect("every line parses after kill -9"))
        .map(|r| r["body"]["tag"].as_str().unwrap().to_string())
        .collect();
    let acknowledged = acknowledged.lock().unwrap();
    assert!(acknowledged.len() > 50, "the load ran: {}", acknowledged.len());
    let lost: Vec<&String> = acknowledged.iter().filter(|t| !tags.contains(*t)).collect();
    assert!(lost.is_empty(), "acknowledged but not saved: {lost:?}");
}

/// Answers every request with `answer` (raw bytes after the head) on each connection.
fn answering(
    head: &'static str,
    body: impl Fn(&mut TcpStream) + Send + Sync + 'static,
) -> (String, Arc<Mutex<Vec<String>>>) {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = seen.clone();
    let body = Arc::new(body);
    std::thread::spawn(move || {
        for stream in listener.incoming().take(20) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (request, _) = crate::support::read_request(&mut reader);
            log.lock().unwrap().push(request.clone());
            let path = request.split_whitespace().nth(1).unwrap_or("/").to_string();
            let head = head.replace("{path}", &path);
            let _ = stream.write_all(head.as_bytes());
            body(&mut stream);
        }
    });
    (base, seen)
}

#[test]
fn send_reads_at_most_a_bounded_answer_and_says_it_was_truncated() {
    // 200 MiB, never fully read: the answer stream is cut off after the limit.
    let (base, _) = answering("HTTP/1.1 200 OK\r\nContent-Length: 209715200\r\nConnection: close\r\n\r\n", |stream| {
        let chunk = vec![b'x'; 1 << 16];
        for _ in 0..3200 {
            if stream.write_all(&chunk).is_err() {
                return;
            }
        }
    });
    let url = format!("{base}/hooks");
    let started = std::time::Instant::now();
    let json = hookctl().args(["send", "pgyer.crashlog", "--to", &url, "--json"]).output().unwrap();
    let result = &stdout_json_lines(&json)[0];
    assert_eq!(
        (result["status"].as_u64(), result["response_truncated"].as_bool()),
        (Some(200), Some(true)),
        "{result}"
    );
    assert_eq!(result["response_bytes"], 1 << 20);
    let verbose = hookctl().args(["send", "pgyer.crashlog", "--to", &url, "-v"]).output().unwrap();
    let stderr = stderr_text(&verbose);
    assert!(
        stderr.contains("truncated: hookctl reads at most 1048576 bytes of an answer"),
        "{:.300}",
        &stderr[stderr.len().saturating_sub(300)..]
    );
    assert!(stderr.len() < 2 << 20, "-v prints the limit, not the answer: {} bytes", stderr.len());
    assert!(String::from_utf8_lossy(&verbose.stdout).contains("1048576+ B"));
    assert!(started.elapsed() < Duration::from_secs(20), "the rest was never read");
    // An app behind --forward-to that answers too much: the sender gets 502, not a truncated answer.
    let server = listen(&["-q", "--count", "1", "--timeout", "30s", "--forward-to", &base]);
    assert_eq!(post(&server.url, &[], b"{}"), 502);
    let (_, _, stderr) = server.finish(Duration::from_secs(20));
    assert!(stderr.contains("answered more than 10485760 bytes"), "{stderr}");
}

#[test]
fn follow_takes_same_host_redirects_only_and_prints_each_hop() {
    let other = crate::support::receiver(200, Duration::ZERO);
    let elsewhere = other.url.clone();
    // A server whose /start redirects to /end on itself, and /away to another host.
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let own = format!("http://{}", listener.local_addr().unwrap());
    let requests = Arc::new(Mutex::new(Vec::<String>::new()));
    let log = requests.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().take(10) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let (head, _) = crate::support::read_request(&mut reader);
            log.lock().unwrap().push(head.clone());
            let answer = if head.starts_with("POST /start") {
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: /end\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
                    .to_string()
            } else if head.starts_with("POST /away") {
                format!("HTTP/1.1 307 Temporary Redirect\r\nLocation: {elsewhere}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            } else {
                "HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}".to_string()
            };
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    let args = |path: &str| {
        vec![
            "send".to_string(),
            "pgyer.crashlog".into(),
            "--to".into(),
            format!("{own}{path}"),
            "--follow".into(),
            "-H".into(),
            "X-Api-Key: k".into(),
            "--json".into(),
        ]
    };
    let followed = hookctl().args(args("/start")).output().unwrap();
    assert_eq!(stdout_json_lines(&followed)[0]["status"], 200, "{}", stderr_text(&followed));
    assert!(stderr_text(&followed).contains(&format!("redirect: 307 → {own}/end")), "{}", stderr_text(&followed));
    let log = requests.lock().unwrap().clone();
    assert!(log[1].starts_with("POST /end") && log[1].to_ascii_lowercase().contains("x-api-key: k"), "{log:?}");

    let stopped = hookctl().args(args("/away")).output().unwrap();
    assert_eq!(stopped.status.code(), Some(1));
    assert_eq!(stdout_json_lines(&stopped)[0]["status"], 307);
    assert!(stderr_text(&stopped).contains("another host, not followed"), "{}", stderr_text(&stopped));
    assert!(other.drain(Duration::from_millis(300)).is_empty(), "nothing went to the other host");
}

#[test]
fn capture_readers_skip_torn_and_corrupt_lines_naming_them() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("caps.ndjson");
    let server = listen(&["--count", "2", "--timeout", "30s", "-q", "--save", save.to_str().unwrap()]);
    assert_eq!(post(&server.url, &[], br#"{"type":"oauth.create","data":{}}"#), 200);
    assert_eq!(post(&server.url, &[], br#"{"type":"oauth.delete","data":{}}"#), 200);
    server.finish(Duration::from_secs(20));
    let text = std::fs::read_to_string(&save).unwrap();
    let mut lines: Vec<&str> = text.lines().collect();
    lines.insert(1, "{\"id\":7,\"garbage");
    let damaged = format!("{}\n{{\"id\":3,\"received_at\":\"2026", lines.join("\n"));
    std::fs::write(&save, damaged).unwrap();
    let file = save.to_str().unwrap();
    for args in [
        vec!["diff", file, "--json"],
        vec!["verify", "--secret", "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", file],
        vec!["send", "--capture", file, "--dry-run"],
    ] {
        let output = hookctl().args(&args).output().unwrap();
        let stderr = stderr_text(&output);
        assert!(stderr.contains("line 4: a torn record"), "{args:?}: {stderr}");
        assert_ne!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(!stderr.contains("panicked"));
    }
    let last = hookctl().args(["diff", file, "--json"]).output().unwrap();
    assert_eq!(crate::support::stdout_json(&last)["event"], "obniz.oauth.delete", "the last complete record");
    // Reading the whole file names every line it skips.
    let listed = hookctl().args(["captures", file]).output().unwrap();
    let stderr = stderr_text(&listed);
    assert!(stderr.contains("line 2: a torn record") && stderr.contains("line 4: a torn record"), "{stderr}");
    assert_eq!(String::from_utf8_lossy(&listed.stdout).lines().count(), 2);
}

#[test]
fn deep_and_huge_inputs_give_a_clear_answer_never_a_crash() {
    let dir = tempfile::tempdir().unwrap();
    let deep = dir.path().join("deep.json");
    std::fs::write(&deep, "[".repeat(100_000)).unwrap();
    for args in [
        vec!["diff", deep.to_str().unwrap()],
        vec!["verify", "--secret", "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", deep.to_str().unwrap()],
    ] {
        let output = hookctl().args(&args).output().unwrap();
        assert!(matches!(output.status.code(), Some(1 | 2)), "{args:?}: {:?} {}", output.status, stderr_text(&output));
        let stderr = stderr_text(&output);
        assert!(!stderr.contains("panicked") && (1..=5).contains(&stderr.lines().count()), "{args:?}: {stderr}");
    }
    let huge = dir.path().join("huge.json");
    std::fs::write(&huge, format!(r#"{{"{}":"{}"}}"#, "k".repeat(20 << 20), "v".repeat(20 << 20))).unwrap();
    let output =
        hookctl().args(["diff", huge.to_str().unwrap(), "--against", "pgyer.crashlog", "--json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1), "{}", stderr_text(&output));
    let server = listen(&["-q"]);
    let mut deep_body = "[".repeat(100_000).into_bytes();
    deep_body.extend_from_slice(&[b']'; 100_000]);
    assert_eq!(post(&server.url, &[], &deep_body), 200);
    assert_eq!(post(&server.url, &[], b"{}"), 200, "still serving");
    let (_, stdout, _) = server.stop();
    assert_eq!(stdout.lines().count(), 2, "{stdout:.300}");
}

#[test]
fn fixtures_json_escapes_c1_and_bidi_characters() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("acme.json"),
        "{\"name\":\"acme.tricky\",\"description\":\"csi \u{9b}31m and \u{202e}reversed\",\"body\":{\"a\":1}}",
    )
    .unwrap();
    let output = hookctl().args(["fixtures", "--json", "--fixtures", dir.path().to_str().unwrap()]).output().unwrap();
    let stdout = String::from_utf8(output.stdout.clone()).unwrap();
    assert!(!stdout.contains('\u{9b}') && !stdout.contains('\u{202e}'), "raw C1/bidi on stdout");
    assert!(stdout.contains("\\u009b") && stdout.contains("\\u202e"), "{stdout:.500}");
    let listed: Value = serde_json::from_str(&stdout).unwrap();
    let tricky = listed.as_array().unwrap().iter().find(|f| f["name"] == "acme.tricky").expect("listed");
    assert_eq!(tricky["description"], "csi \u{9b}31m and \u{202e}reversed", "the same value, escaped");
}

#[test]
fn a_receiver_that_closes_mid_answer_or_never_answers_is_a_clear_failure() {
    let (base, _) =
        answering("HTTP/1.1 200 OK\r\nContent-Length: 100\r\nConnection: close\r\n\r\n{\"ok\":", |stream| {
            let _ = stream.shutdown(std::net::Shutdown::Both);
        });
    let cut = hookctl().args(["send", "pgyer.crashlog", "--to", &format!("{base}/hooks"), "--json"]).output().unwrap();
    assert_eq!(cut.status.code(), Some(1), "{}", stderr_text(&cut));
    let result = &stdout_json_lines(&cut)[0];
    assert_eq!(result["ok"], false);
    assert!(result["error"].as_str().is_some_and(|e| !e.is_empty()), "{result}");

    let silent = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks", silent.local_addr().unwrap());
    let never = hookctl().args(["send", "pgyer.crashlog", "--to", &url, "--timeout", "500ms"]).output().unwrap();
    assert_eq!(never.status.code(), Some(1));
    let stdout = String::from_utf8_lossy(&never.stdout);
    assert!(stdout.contains("no answer within 500ms (--timeout)"), "{stdout}");
    drop(silent);
}
