//! `hookctl send` against real loopback receivers.
use std::time::Duration;

use serde_json::{json, Value};

use crate::fixtures::BUILT_IN;
use crate::support::{closed_port, hookctl, receiver, stderr_text, stdout_json, stdout_json_lines};

/// Removes the values a fixture fills fresh, so two renders compare equal.
fn without_volatile(mut body: Value, name: &str) -> Value {
    let pointers: &[&str] = match name.split('.').next().unwrap() {
        "obniz" => &["/data/id", "/data/createdAt", "/data/updatedAt", "/data/user/id", "/data/user/createdAt"],
        "pgyer" => &["/build_version", "/created", "/updated", "/timestamp"],
        _ => &[
            "/EbrizaClientID",
            "/LocationID",
            "/Configuration/dateFieldName",
            "/Configuration/singleUsersSelectFieldName",
            "/Configuration/singleLocationsSelectFieldName",
            "/Configuration/singleRoomSelectFieldName",
            "/dateFieldName",
            "/singleUsersSelectFieldName",
            "/singleLocationsSelectFieldName",
            "/singleRoomSelectFieldName",
        ],
    };
    for pointer in pointers {
        if let Some(v) = body.pointer_mut(pointer) {
            *v = Value::Null;
        }
    }
    body
}

#[test]
fn every_fixture_arrives_as_the_dry_run_shows_it() {
    let rx = receiver(200, Duration::ZERO);
    for name in BUILT_IN {
        let dry = hookctl().args(["send", name, "--to", &rx.url, "--dry-run", "--json"]).output().unwrap();
        assert!(dry.status.success());
        let shown = stdout_json(&dry);
        assert_eq!(shown["url"], rx.url.as_str());

        let sent = hookctl().args(["send", name, "--to", &rx.url, "--json"]).output().unwrap();
        assert_eq!(sent.status.code(), Some(0), "{name}: {}", stderr_text(&sent));
        let line = stdout_json(&sent);
        assert_eq!((line["status"].as_u64(), line["ok"].as_bool()), (Some(200), Some(true)));
        assert_eq!(line["response_bytes"], 11);
        assert!(line["error"].is_null() && line["elapsed_ms"].as_f64().unwrap() >= 0.0);

        let got = rx.next();
        assert_eq!(got.method, "POST");
        assert_eq!(got.url, "/hooks");
        assert_eq!(got.header("Content-Type"), Some("application/json"), "{name}");
        let body = got.json();
        assert_eq!(without_volatile(body.clone(), name), without_volatile(shown["body"].clone(), name), "{name}");
        if name.starts_with("ebriza.") {
            assert_eq!(got.header("Cache-Control"), Some("no-cache"));
            let client = got.header("ebriza-clientid").expect("ebriza-clientid header");
            if let Some(id) = body.get("EbrizaClientID") {
                assert_eq!(id.as_str(), Some(client), "{name}: header and body agree");
            }
        }
    }
}

#[test]
fn set_header_and_body_file_change_what_is_sent() {
    let rx = receiver(200, Duration::ZERO);
    let output = hookctl()
        .args(["send", "obniz.install.update", "--to", &rx.url])
        .args([
            "--set",
            r##"data.configs={"channel":"#ops"}"##,
            "--set",
            "data.user.plan=pro",
            "--set-new",
            "data.extra[0]=1",
        ])
        .args(["--set-str", "data.os=42", "-H", "X-Trace: abc", "-H", "content-type: application/json; charset=utf-8"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", stderr_text(&output));
    let got = rx.next();
    let body = got.json();
    assert_eq!(body["data"]["configs"], json!({"channel": "#ops"}));
    assert_eq!(body["data"]["user"]["plan"], "pro");
    assert_eq!(body["data"]["os"], "42");
    assert_eq!(got.header("x-trace"), Some("abc"));
    assert_eq!(got.header("content-type"), Some("application/json; charset=utf-8"));

    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("mine.json");
    std::fs::write(&file, r#"{"ActionType": 1, "EbrizaClientID": "AAAAAAAA-AAAA-AAAA-AAAA-AAAAAAAAAAAA"}"#).unwrap();
    let output = hookctl()
        .args(["send", "ebriza.uninstall", "--body", file.to_str().unwrap(), "--to", &rx.url])
        .output()
        .unwrap();
    assert!(output.status.success());
    let got = rx.next();
    assert_eq!(got.json()["ActionType"], 1);
    assert_eq!(
        got.header("ebriza-clientid"),
        Some("AAAAAAAA-AAAA-AAAA-AAAA-AAAAAAAAAAAA"),
        "headers from NAME follow the body"
    );

    let stdin =
        hookctl().args(["send", "--body", "-", "--to", &rx.url]).write_stdin("{\"from\": \"stdin\"}").output().unwrap();
    assert!(stdin.status.success());
    assert_eq!(rx.next().json(), json!({"from": "stdin"}));
}

#[test]
fn bad_input_exits_2_and_sends_nothing() {
    let rx = receiver(200, Duration::ZERO);
    let dir = tempfile::tempdir().unwrap();
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"a\": 'x'}").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["pgyer.feedback", "--set", "title.sub=1"], "`title` is a string"),
        (vec!["pgyer.feedback", "--set", "novalue"], "is not PATH=VALUE"),
        (vec!["pgyer.feedback", "--set", "m[x]=1"], "not an array index"),
        (vec!["pgyer.feedback", "-H", "no colon"], "is not `Name: value`"),
        (vec!["--body", "/nonexistent/file.json"], "no such file"),
        (vec!["--body", broken.to_str().unwrap()], "is not valid JSON"),
        (vec!["pgyer.nope"], "no fixture named"),
        (vec!["pgyer.feedback", "--to", "localhost:3000"], "did you mean http://localhost:3000?"),
        (vec!["pgyer.feedback", "--to", "ftp://host/x"], "only http and https"),
    ];
    for (args, message) in cases {
        let mut cmd = hookctl();
        cmd.arg("send").args(&args);
        if !args.contains(&"--to") {
            cmd.args(["--to", &rx.url]);
        }
        let output = cmd.output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{args:?}");
        let err = stderr_text(&output);
        assert!(err.contains(message), "{args:?}: {err}");
        assert!(err.starts_with("hookctl: error:") && !err.contains("panicked"), "{err}");
        assert!(output.stdout.is_empty());
    }
    assert!(rx.drain(Duration::from_millis(300)).is_empty(), "nothing was sent");
}

#[test]
fn without_a_terminal_a_missing_name_or_url_is_a_usage_error_not_a_hang() {
    let output = hookctl().args(["send", "--to", "http://127.0.0.1:9/"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_text(&output).contains("no webhook given"));
    let output = hookctl().args(["send", "pgyer.feedback"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_text(&output).contains("--to URL"));
    let output =
        hookctl().args(["send", "ebriza.install", "--interactive", "--to", "http://127.0.0.1:9/"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_text(&output).contains("needs a terminal"));
    // Prompts come from the provider's file: a provider without them says which ones have them.
    let output =
        hookctl().args(["send", "pgyer.crashlog", "--interactive", "--to", "http://127.0.0.1:9/"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let said = stderr_text(&output);
    assert!(said.contains("`pgyer.crashlog`'s provider describes none") && said.contains("ebriza.*"), "{said}");
}

#[test]
fn fan_out_reaches_three_receivers_and_pgyer_warns_past_three() {
    let receivers = [receiver(200, Duration::ZERO), receiver(200, Duration::ZERO), receiver(200, Duration::ZERO)];
    let mut cmd = hookctl();
    cmd.args(["send", "pgyer.updateVersion", "--json"]);
    for rx in &receivers {
        cmd.args(["--to", &rx.url]);
    }
    let output = cmd.output().unwrap();
    assert!(output.status.success());
    let lines = stdout_json_lines(&output);
    assert_eq!(lines.len(), 3);
    for (line, rx) in lines.iter().zip(&receivers) {
        assert_eq!(line["url"], rx.url.as_str());
        assert_eq!(rx.next().json()["type"], "updateVersion");
    }
    assert!(!stderr_text(&output).contains("at most 3"));

    let mut cmd = hookctl();
    cmd.args(["send", "pgyer.updateVersion"]);
    for rx in receivers.iter().chain(std::iter::once(&receivers[0])) {
        cmd.args(["--to", &rx.url]);
    }
    let output = cmd.output().unwrap();
    assert!(output.status.success());
    assert!(stderr_text(&output).contains("Pgyer allows at most 3 webhooks per app"));
    assert_eq!(String::from_utf8_lossy(&output.stdout).lines().count(), 4, "still sent to all four");
}

#[test]
fn non_2xx_refused_and_timeout_fail_with_exit_1_and_the_providers_consequence() {
    let failing = receiver(500, Duration::ZERO);
    let output = hookctl().args(["send", "obniz.install.create", "--to", &failing.url]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&output.stdout).starts_with("500 Internal Server Error"));
    assert!(stderr_text(&output).contains("obniz does not retry"), "{}", stderr_text(&output));

    let output = hookctl().args(["send", "ebriza.configuration.changed", "--to", &failing.url]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr_text(&output).contains("would revert the user's configuration change"));

    let output = hookctl().args(["send", "pgyer.crashlog", "--to", &failing.url]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr_text(&output).contains("Pgyer's delivery failed with HTTP 500"));

    let refused = format!("http://127.0.0.1:{}/hooks", closed_port());
    let output = hookctl().args(["send", "pgyer.crashlog", "--to", &refused, "--json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let line = stdout_json(&output);
    assert_eq!((line["ok"].as_bool(), line["error_kind"].as_str()), (Some(false), Some("refused")));
    assert!(line["error"].as_str().unwrap().starts_with("connection refused"));

    let slow = receiver(200, Duration::from_secs(3));
    let output = hookctl().args(["send", "ebriza.install", "--to", &slow.url, "--timeout", "300ms"]).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let out = String::from_utf8_lossy(&output.stdout);
    assert!(out.starts_with("ERR") && out.contains("no answer within 300ms"), "{out}");
    let err = stderr_text(&output);
    assert!(err.contains("timeout") && err.contains("revert"), "{err}");
    assert_eq!(err.lines().count(), 1, "one clear line, not an error dump: {err}");
}

#[test]
fn repeat_delivers_exactly_n_with_fresh_placeholders() {
    let rx = receiver(200, Duration::ZERO);
    let output = hookctl()
        .args(["send", "ebriza.install", "--to", &rx.url, "--repeat", "200", "--concurrency", "8", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stdout));
    let summary = stdout_json(&output);
    assert_eq!(
        (summary["sent"].as_u64(), summary["ok"].as_u64(), summary["failed"].as_u64()),
        (Some(200), Some(200), Some(0))
    );
    let lat = &summary["latency_ms"];
    assert!(lat["min"].as_f64() <= lat["p50"].as_f64() && lat["p50"].as_f64() <= lat["p99"].as_f64());
    assert!(lat["p99"].as_f64() <= lat["max"].as_f64());
    assert!(summary["requests_per_second"].as_f64().unwrap() > 0.0);
    let got = rx.drain(Duration::from_millis(500));
    assert_eq!(got.len(), 200);
    let ids: std::collections::HashSet<String> =
        got.iter().map(|r| r.json()["EbrizaClientID"].as_str().unwrap().to_string()).collect();
    assert_eq!(ids.len(), 200, "every delivery has fresh placeholders");
    // Whether the progress bar is drawn (on a terminal) or not (here, stderr is a pipe) is tested under the
    // real condition in first_minutes::the_progress_bar_draws_on_a_terminal_…
}

#[test]
fn repeat_counts_failures_by_reason_and_rate_caps_the_pace() {
    let failing = receiver(503, Duration::ZERO);
    let output = hookctl()
        .args(["send", "pgyer.feedback", "--to", &failing.url, "--repeat", "10", "--rate", "20", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let summary = stdout_json(&output);
    assert_eq!(summary["failures"]["http_503"], 10);
    assert!(summary["elapsed_ms"].as_u64().unwrap() >= 400, "10 at 20/s take at least 0.45 s: {summary}");
}

/// A receiver that answers the way real servers do besides Content-Length: chunked bodies, `Connection:
/// close` after every second answer, an HTTP/1.0 answer that ends when the connection closes, and an idle
/// connection closed between requests. Every request it reads is counted.
fn awkward_receiver() -> (String, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use std::io::{BufReader, Write};
    use std::sync::atomic::{AtomicUsize, Ordering};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://127.0.0.1:{}/hooks", listener.local_addr().unwrap().port());
    let seen = std::sync::Arc::new(AtomicUsize::new(0));
    let counted = seen.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming().flatten() {
            let counted = counted.clone();
            std::thread::spawn(move || {
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                for turn in 0.. {
                    let (head, body) = crate::support::read_request(&mut reader);
                    if head.is_empty() {
                        return;
                    }
                    assert!(!body.is_empty(), "the body arrives whole: {head}");
                    let n = counted.fetch_add(1, Ordering::SeqCst);
                    let answer = match n % 4 {
                        0 => "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\n{\"ok\"\r\n6\r\n:true}\r\n0\r\n\r\n".to_string(),
                        1 => "HTTP/1.1 202 Accepted\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok".to_string(),
                        2 => "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nuntil close".to_string(),
                        _ => "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\n\r\n".to_string(),
                    };
                    let _ = writer.write_all(answer.as_bytes());
                    // After a closing answer, or every third answer on a kept one (an idle timeout), close.
                    if n % 4 == 1 || n % 4 == 2 || turn % 3 == 2 {
                        let _ = writer.shutdown(std::net::Shutdown::Both);
                        return;
                    }
                }
            });
        }
    });
    (url, seen)
}

#[test]
fn repeat_survives_chunked_closing_and_http10_answers_and_closed_idle_connections() {
    let (url, seen) = awkward_receiver();
    let output = hookctl()
        .args(["send", "pgyer.crashlog", "--to", &url, "--repeat", "60", "--concurrency", "3", "--json"])
        .output()
        .unwrap();
    let summary = stdout_json(&output);
    assert_eq!(
        (summary["sent"].as_u64(), summary["ok"].as_u64(), summary["failed"].as_u64()),
        (Some(60), Some(60), Some(0)),
        "{summary}"
    );
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(seen.load(std::sync::atomic::Ordering::SeqCst), 60, "each delivery sent once, none twice");
}

#[test]
fn verbose_shows_every_copy_of_a_duplicate() {
    // Issue 37 #9: `-v --duplicate 2` printed the request of the first copy only.
    let rx = crate::support::receiver(200, Duration::ZERO);
    let out = hookctl().args(["send", "pgyer.crashlog", "--to", &rx.url, "-v", "--duplicate", "2"]).output().unwrap();
    assert!(out.status.success(), "{}", stderr_text(&out));
    let said = stderr_text(&out);
    assert_eq!(said.matches("> POST ").count(), 2, "{said}");
    assert!(said.contains("(copy 1/2") && said.contains("(copy 2/2"), "{said}");
    assert_eq!(rx.drain(Duration::from_millis(300)).len(), 2);
}
