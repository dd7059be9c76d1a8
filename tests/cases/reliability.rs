//! Findings from trying hookctl as an attacker and as an unlucky user would: each test failed before its fix.
use std::io::{BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{
    hookctl, listen, listen_in_shell, listen_unread, post, receiver, stderr_text, stdout_json, stdout_json_lines,
};

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
            crate::support::read_request(&mut reader);
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
    // A field the body lacks is added with --set-new (--set refuses it: issue 37 #6); an index past the end
    // is still an error.
    let output =
        hookctl().args(["send", "pgyer.crashlog", "--to", &rx.url, "--set-new", "extra[5]=1"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2), "{}", stderr_text(&output));
    assert!(stderr_text(&output).contains("index 5 is past the end"), "{}", stderr_text(&output));
    let appended =
        hookctl().args(["send", "pgyer.crashlog", "--dry-run", "--json", "--set-new", "extra[0]=1"]).output().unwrap();
    assert_eq!(stdout_json(&appended)["body"]["extra"], serde_json::json!([1]), "a missing array starts empty");
    assert!(rx.drain(Duration::from_millis(300)).is_empty());
}

/// POSTs over a fresh connection; the status and how long the answer took, or `None` when no answer came
/// within `limit`.
fn timed_post(port: u16, body: &[u8], limit: Duration) -> Option<(u16, Duration)> {
    let started = Instant::now();
    let mut stream = TcpStream::connect(("127.0.0.1", port)).ok()?;
    stream.set_read_timeout(Some(limit)).unwrap();
    let head = format!(
        "POST /hooks HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\n\r\n",
        body.len()
    );
    stream.write_all(head.as_bytes()).ok()?;
    stream.write_all(body).ok()?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).ok()?;
    let status = String::from_utf8_lossy(&answer).split_whitespace().nth(1)?.parse().ok()?;
    Some((status, started.elapsed()))
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

#[test]
fn a_stdout_nobody_reads_never_holds_up_capture_or_answers() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("caps.ndjson");
    // The default view prints each body in full: a few hundred requests fill any pipe.
    let server = listen_unread(&["--save", save.to_str().unwrap()]);
    let body = format!(r#"{{"type":"oauth.create","data":{{"note":"{}"}}}}"#, "x".repeat(20_000));
    for i in 0..200 {
        let answered = timed_post(server.port, body.as_bytes(), Duration::from_secs(5));
        assert!(matches!(answered, Some((200, _))), "request {i} was not answered: {answered:?}");
    }
    let probes: Vec<Duration> =
        (0..10).map(|_| timed_post(server.port, b"{}", Duration::from_secs(5)).expect("probe answered").1).collect();
    assert!(median(probes.clone()) < Duration::from_millis(100), "probes while stdout is blocked: {probes:?}");
    let (_, _, stderr) = server.stop();
    assert_eq!(stderr.matches("stdout is not keeping up").count(), 1, "said once: {stderr}");
    assert!(stderr.contains("display lines dropped"), "{stderr}");
    let saved = std::fs::read_to_string(&save).unwrap();
    assert_eq!(saved.lines().count(), 210, "every capture saved, none dropped");
}

/// The CPU time (user + system, in clock ticks) a process has used so far.
fn cpu_ticks(pid: u32) -> u64 {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).unwrap();
    let fields: Vec<&str> = stat.rsplit_once(')').unwrap().1.split_whitespace().collect();
    fields[11].parse::<u64>().unwrap() + fields[12].parse::<u64>().unwrap()
}

#[test]
fn stalled_bodies_are_cut_off_and_running_out_of_descriptors_never_spins() {
    let server =
        listen_in_shell(r#"ulimit -n 256 && exec "$HOOKCTL" listen 0 -q --body-timeout 5s --max-connections 100000"#);
    let first_stalled = Instant::now();
    // 300 clients promise 100 bytes of body and send one: more than the descriptors the server has.
    let mut stalled = Vec::new();
    for _ in 0..300 {
        let mut stream = TcpStream::connect(("127.0.0.1", server.port)).unwrap();
        stream.write_all(b"POST /hooks HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{").unwrap();
        stalled.push(stream);
    }
    std::thread::sleep(Duration::from_millis(500));
    let pid = server.child.id();
    let before = cpu_ticks(pid);
    std::thread::sleep(Duration::from_secs(1));
    let used = cpu_ticks(pid) - before;
    assert!(used < 30, "the server burnt {used} ticks in a second with every descriptor taken");
    // A normal client gets a clear answer now (503 past the cap, which follows `ulimit -n`), …
    let answered = timed_post(server.port, b"{}", Duration::from_secs(2));
    assert!(matches!(answered, Some((503, _))), "at the cap: {answered:?}");
    // … and is served once the stalled bodies are cut off.
    std::thread::sleep((first_stalled + Duration::from_millis(5500)).saturating_duration_since(Instant::now()));
    let (status, took) = timed_post(server.port, b"{}", Duration::from_secs(5)).expect("served again");
    assert_eq!(status, 200, "after the body timeout");
    assert!(took < Duration::from_millis(500), "{took:?}");
    let mut cut = stalled.pop().unwrap();
    cut.set_read_timeout(Some(Duration::from_secs(5))).unwrap();
    let mut answer = String::new();
    let _ = cut.read_to_string(&mut answer);
    assert!(answer.starts_with("HTTP/1.1 408") || answer.starts_with("HTTP/1.1 503"), "{answer}");
    let (_, _, stderr) = server.stop();
    assert!(stderr.contains("--body-timeout") && stderr.contains("--max-connections"), "{stderr}");
    assert!(stderr.contains("rejected (408)") && stderr.contains("turned away (503)"), "{stderr}");
}

#[test]
fn a_full_disk_answers_500_says_so_once_and_recovers_when_space_returns() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("caps.ndjson");
    // A file size limit (16 blocks) stands in for a small disk; SIGXFSZ is ignored so a write past it fails
    // with EFBIG as it would with ENOSPC.
    let server = listen_in_shell(&format!(
        r#"trap '' XFSZ; ulimit -S -f 16 && exec "$HOOKCTL" listen 0 -q --save '{}'"#,
        save.display()
    ));
    let body = format!(r#"{{"type":"oauth.create","data":{{"note":"{}"}}}}"#, "x".repeat(700));
    let mut statuses = Vec::new();
    for _ in 0..40 {
        statuses.push(timed_post(server.port, body.as_bytes(), Duration::from_secs(5)).expect("answered").0);
    }
    let saved_ok = statuses.iter().filter(|s| **s == 200).count();
    assert!(saved_ok > 0 && statuses.iter().skip(saved_ok).all(|s| *s == 500), "{statuses:?}");
    let text = std::fs::read_to_string(&save).unwrap();
    assert_eq!(text.lines().count(), saved_ok, "exactly the acknowledged ones are in the file");
    assert!(text.ends_with('\n'), "no half record left at the end");
    for line in text.lines() {
        serde_json::from_str::<Value>(line).expect("every line parses");
    }
    // Space returns.
    let lifted = std::process::Command::new("prlimit")
        .args(["--pid", &server.child.id().to_string(), "--fsize=unlimited"])
        .status()
        .expect("prlimit (util-linux)");
    assert!(lifted.success());
    for _ in 0..5 {
        assert_eq!(timed_post(server.port, body.as_bytes(), Duration::from_secs(5)).expect("answered").0, 200);
    }
    let (code, _, stderr) = server.stop();
    let unsaved = 40 - saved_ok;
    assert_eq!(stderr.matches("cannot save to").count(), 1, "said once: {stderr}");
    assert!(stderr.contains("saving to") && stderr.contains("again"), "{stderr}");
    assert!(stderr.contains(&format!("{unsaved} NOT SAVED (answered 500)")), "{stderr}");
    assert!(stderr.contains("received 45 ("), "every request received is counted: {stderr}");
    assert_eq!(code, Some(1), "captures were lost: the exit code says so");
    let text = std::fs::read_to_string(&save).unwrap();
    assert_eq!(text.lines().count(), saved_ok + 5);
    let ids: Vec<u64> =
        text.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()["id"].as_u64().unwrap()).collect();
    assert!(ids.windows(2).all(|w| w[0] < w[1]), "{ids:?}");
}
