//! Findings from trying hookctl as an attacker and as an unlucky user would: each test failed before its fix.
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::time::Duration;

use serde_json::Value;

use crate::support::{hookctl, listen, post, receiver, stderr_text, stdout_json, stdout_json_lines};

#[test]
fn a_torn_last_line_is_fenced_and_ids_go_on_after_the_last_record() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("caps.ndjson");
    let server = listen(&["--count", "1", "--timeout", "30s", "-q", "--save", save.to_str().unwrap()]);
    assert_eq!(post(&server.url, &[], br#"{"type":"oauth.create","data":{}}"#), 200);
    server.finish(Duration::from_secs(20));
    // A crash (or a full disk) tore the next record half-way.
    let mut file = std::fs::OpenOptions::new().append(true).open(&save).unwrap();
    file.write_all(br#"{"id":99999,"received_at":"2026-11-2"#).unwrap();
    drop(file);

    let server = listen(&["--count", "1", "--timeout", "30s", "-q", "--save", save.to_str().unwrap()]);
    assert_eq!(post(&server.url, &[], br#"{"type":"oauth.delete","data":{}}"#), 200);
    let (_, _, stderr) = server.finish(Duration::from_secs(20));
    assert!(stderr.contains("ended in a torn record"), "{stderr}");

    let text = std::fs::read_to_string(&save).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[1], r#"{"id":99999,"received_at":"2026-11-2"#, "the torn line is left alone, on its own line");
    let new: Value = serde_json::from_str(lines[2]).expect("the new record is a line of its own");
    assert_eq!(new["id"], 2, "ids continue after the last complete record");
    assert_eq!(new["event"], "obniz.oauth.delete");

    // Readers take the new record as the last one, and FILE:ID is unambiguous.
    let last = hookctl().args(["diff", save.to_str().unwrap(), "--json"]).output().unwrap();
    assert_eq!(stdout_json(&last)["event"], "obniz.oauth.delete", "{}", stderr_text(&last));
    let first = hookctl().args(["diff", &format!("{}:1", save.display()), "--json"]).output().unwrap();
    assert_eq!(stdout_json(&first)["event"], "obniz.oauth.create");
}

/// A one-shot server that answers every request with `307` to `location`.
fn redirecting(location: String) -> String {
    let listener = TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/hooks", listener.local_addr().unwrap());
    std::thread::spawn(move || {
        for stream in listener.incoming().take(4) {
            let Ok(mut stream) = stream else { continue };
            let mut reader = BufReader::new(stream.try_clone().unwrap());
            let mut length = 0usize;
            loop {
                let mut line = String::new();
                if reader.read_line(&mut line).unwrap_or(0) == 0 || line == "\r\n" {
                    break;
                }
                if let Some(v) = line.to_ascii_lowercase().strip_prefix("content-length:") {
                    length = v.trim().parse().unwrap_or(0);
                }
            }
            let mut body = vec![0; length];
            let _ = reader.read_exact(&mut body);
            let answer = format!(
                "HTTP/1.1 307 Temporary Redirect\r\nLocation: {location}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
            );
            let _ = stream.write_all(answer.as_bytes());
        }
    });
    url
}

#[test]
fn send_and_forward_never_follow_a_redirect_with_the_signed_body() {
    let elsewhere = receiver(200, Duration::ZERO);
    let redirector = redirecting(elsewhere.url.clone());
    let sent = hookctl()
        .args([
            "send",
            "obniz.install.create",
            "--to",
            &redirector,
            "--json",
            "--secret",
            "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
        ])
        .args(["-H", "X-Api-Key: do-not-leak"])
        .output()
        .unwrap();
    assert_eq!(sent.status.code(), Some(1), "a 307 is not a delivery");
    let result = &stdout_json_lines(&sent)[0];
    assert_eq!(result["status"], 307, "{result}");
    assert_eq!(result["ok"], false);

    let server = listen(&["--count", "1", "--timeout", "30s", "-q", "--forward-to", &redirector]);
    assert_eq!(post(&server.url, &[("X-Api-Key", "do-not-leak")], br#"{"type":"oauth.create","data":{}}"#), 307);
    server.finish(Duration::from_secs(20));
    assert!(elsewhere.drain(Duration::from_millis(300)).is_empty(), "nothing was re-sent to the other host");
}

#[test]
fn empty_secrets_and_impossible_sets_are_usage_errors() {
    let rx = receiver(200, Duration::ZERO);
    for secret in ["", "   ", "whsec_"] {
        let output = hookctl().args(["send", "pgyer.crashlog", "--to", &rx.url, "--secret", secret]).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{secret:?}");
        assert!(stderr_text(&output).contains("the signing secret is empty"), "{}", stderr_text(&output));
    }
    let output = hookctl().args(["send", "pgyer.crashlog", "--to", &rx.url, "--set", "extra[5]=1"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr_text(&output));
    assert!(stderr_text(&output).contains("index 5 is past the end"), "{}", stderr_text(&output));
    let appended =
        hookctl().args(["send", "pgyer.crashlog", "--dry-run", "--json", "--set", "extra[0]=1"]).output().unwrap();
    assert_eq!(stdout_json(&appended)["body"]["extra"], serde_json::json!([1]), "a missing array starts empty");
    assert!(rx.drain(Duration::from_millis(300)).is_empty());
}
