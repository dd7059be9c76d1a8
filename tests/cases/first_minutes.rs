//! What a new user trips on in the first ten minutes: each case here failed before its fix.
use std::process::Command as StdCommand;
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{hookctl, listen, post, receiver, stderr_text, stdout_json, stdout_json_lines, BIN};

fn send_to(listener_url: &str, name: &str) {
    let sent = hookctl().args(["send", name, "--to", &format!("{listener_url}/hooks")]).output().unwrap();
    assert!(sent.status.success(), "{name}: {}", stderr_text(&sent));
}

#[test]
fn expect_takes_either_ebriza_shape_and_records_name_the_event_and_shape() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("c.ndjson");
    let server = listen(&[
        "--count",
        "1",
        "--timeout",
        "30s",
        "--expect",
        "ebriza.configuration.changed",
        "--save",
        save.to_str().unwrap(),
    ]);
    send_to(&server.url, "ebriza.configuration.changed.example");
    let (code, stdout, stderr) = server.finish(Duration::from_secs(20));
    assert_eq!(code, Some(0), "{stderr}");
    assert!(stdout.contains("✓ ebriza.configuration.changed (docs-example shape)"), "{stdout}");
    let record: Value = serde_json::from_str(std::fs::read_to_string(&save).unwrap().lines().next().unwrap()).unwrap();
    assert_eq!(
        (record["event"].as_str(), record["shape"].as_str()),
        (Some("ebriza.configuration.changed"), Some("docs-example"))
    );

    // Both names listed: one arrival in the docs-example shape meets both.
    let server = listen(&[
        "--count",
        "1",
        "--timeout",
        "30s",
        "--expect",
        "ebriza.configuration.changed",
        "--expect",
        "ebriza.configuration.changed.example",
    ]);
    send_to(&server.url, "ebriza.configuration.changed.example");
    let (code, _, stderr) = server.finish(Duration::from_secs(20));
    assert_eq!(code, Some(0), "{stderr}");

    // The shape fixture's name asks for that shape: a typed payload is not it.
    let server = listen(&["--count", "1", "--timeout", "30s", "--expect", "ebriza.configuration.changed.example"]);
    send_to(&server.url, "ebriza.configuration.changed");
    let (code, _, stderr) = server.finish(Duration::from_secs(20));
    assert_eq!(code, Some(1), "{stderr}");
    assert!(stderr.contains("ebriza.configuration.changed (typed shape) was not expected"), "{stderr}");

    // diff agrees with listen on the same body.
    let body = stdout_json(
        &hookctl().args(["fixtures", "show", "ebriza.configuration.changed.example", "--json"]).output().unwrap(),
    )["body"]
        .to_string();
    let diffed = hookctl().args(["diff", "-", "--json"]).write_stdin(body).output().unwrap();
    let report = stdout_json(&diffed);
    assert_eq!(
        (report["event"].as_str(), report["shape"].as_str()),
        (Some("ebriza.configuration.changed"), Some("docs-example"))
    );
}

#[test]
fn listening_for_a_while_then_judging_is_success_when_all_was_valid() {
    let server = listen(&["--for", "2s"]);
    send_to(&server.url, "pgyer.crashlog");
    let (code, _, stderr) = server.finish(Duration::from_secs(20));
    assert_eq!(code, Some(0), "--for: everything valid is success: {stderr}");
    assert!(stderr.contains("time's up: received 1 (1 schema-valid"), "{stderr}");

    // --timeout without --count means the same.
    let server = listen(&["--timeout", "1s"]);
    send_to(&server.url, "obniz.install.create");
    let (code, _, stderr) = server.finish(Duration::from_secs(20));
    assert_eq!(code, Some(0), "{stderr}");

    // An invalid arrival, or an expected event that never came, is a failure.
    let server = listen(&["--for", "1s"]);
    assert_eq!(post(&server.url, &[], br#"{"type":"install.create","data":7}"#), 200);
    assert_eq!(server.finish(Duration::from_secs(20)).0, Some(1));
    let server = listen(&["--for", "1s", "--expect", "pgyer.feedback"]);
    let (code, _, stderr) = server.finish(Duration::from_secs(20));
    assert_eq!(code, Some(1));
    assert!(stderr.contains("expected pgyer.feedback never arrived"), "{stderr}");

    // With --count, running out of time before N arrived is still exit 3.
    let server = listen(&["--count", "2", "--timeout", "1s"]);
    send_to(&server.url, "pgyer.crashlog");
    assert_eq!(server.finish(Duration::from_secs(20)).0, Some(3));
}

#[test]
fn the_schema_hint_for_a_user_fixture_names_a_file_that_works() {
    let dir = tempfile::tempdir().unwrap();
    let fixture = r#"{"name": "acme.order.created", "description": "An order", "match": {"/event": "order.created"},
        "body": {"event": "order.created", "id": 7}}"#;
    std::fs::write(dir.path().join("order.json"), fixture).unwrap();
    let fixtures = dir.path().to_str().unwrap();
    let output = hookctl().args(["--fixtures", fixtures, "schema", "acme.order.created"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let hint = stderr_text(&output);
    let by_name = dir.path().join("acme.order.created.schema.json");
    assert!(hint.contains(&by_name.display().to_string()), "{hint}");
    assert!(hint.contains(&dir.path().join("order.schema.json").display().to_string()), "{hint}");

    // Do what the hint says, by the fixture's name: the schema is used.
    let schema = r#"{"type": "object", "required": ["event", "id"], "properties": {"id": {"type": "integer"}}}"#;
    std::fs::write(&by_name, schema).unwrap();
    let printed = hookctl().args(["--fixtures", fixtures, "schema", "acme.order.created"]).output().unwrap();
    assert!(printed.status.success(), "{}", stderr_text(&printed));
    let bad = hookctl()
        .args(["--fixtures", fixtures, "diff", "-", "--against", "acme.order.created", "--json"])
        .write_stdin(r#"{"event": "order.created", "id": "seven"}"#)
        .output()
        .unwrap();
    assert_eq!(bad.status.code(), Some(1), "{}", stderr_text(&bad));
    assert_eq!(stdout_json(&bad)["errors"][0]["pointer"], "/id");
}

#[test]
fn dry_run_prints_the_exact_bytes_that_are_signed_and_sent() {
    let dir = tempfile::tempdir().unwrap();
    let body = dir.path().join("body.json");
    std::fs::write(&body, r#"{"type": "install.create", "data": {"id": "0000-0000", "note": "spaced  out"}}"#).unwrap();
    let body = body.to_str().unwrap();
    let rx = receiver(200, Duration::ZERO);
    let sent = hookctl().args(["send", "--body", body, "--to", &rx.url]).output().unwrap();
    assert!(sent.status.success());
    let wire = rx.next().body;
    let dry = hookctl().args(["send", "--body", body, "--dry-run"]).output().unwrap();
    let text = String::from_utf8(dry.stdout).unwrap();
    let printed_body = text.split("\n\n").nth(1).unwrap().strip_suffix('\n').unwrap();
    assert_eq!(printed_body.as_bytes(), wire.as_slice(), "{text}");
    let pretty = hookctl().args(["send", "--body", body, "--dry-run", "--pretty"]).output().unwrap();
    assert!(String::from_utf8_lossy(&pretty.stdout).contains("\n  \"type\": \"install.create\",\n"));

    // The printed headers verify against the printed body: they are what a receiver would check.
    let json = stdout_json(
        &hookctl()
            .args([
                "send",
                "pgyer.crashlog",
                "--dry-run",
                "--json",
                "--secret",
                "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD",
            ])
            .output()
            .unwrap(),
    );
    let exact = json["body_text"].as_str().unwrap();
    assert_eq!(json["body_bytes"].as_u64(), Some(exact.len() as u64));
    let payload = dir.path().join("payload.json");
    std::fs::write(&payload, exact).unwrap();
    let mut verify = hookctl();
    verify.args(["verify", "--secret", "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", payload.to_str().unwrap()]);
    for (name, value) in json["headers"].as_object().unwrap() {
        verify.args(["-H", &format!("{name}: {}", value.as_str().unwrap())]);
    }
    let verified = verify.output().unwrap();
    assert!(verified.status.success(), "{}", stderr_text(&verified));
}

#[test]
fn help_examples_are_whole_at_any_width_and_every_command_is_compact() {
    for command in ["send", "listen", "sign", "verify", "diff"] {
        let help = hookctl().args([command, "--help"]).env("COLUMNS", "60").output().unwrap();
        let text = String::from_utf8(help.stdout).unwrap();
        let examples = text.split("Examples:\n").nth(1).unwrap_or_else(|| panic!("{command}: no examples"));
        for line in examples.lines().take_while(|l| l.starts_with("  ")) {
            assert!(
                line.starts_with("  hookctl ") || line.starts_with("  curl ") || line.starts_with("  check-"),
                "{command}: a wrapped example line {line:?}"
            );
        }
        assert!(text.contains("\n      --"), "{command}");
        assert!(!text.contains("\n\n      --"), "{command} --help has a blank line between flags:\n{text}");
    }
    let send =
        String::from_utf8(hookctl().args(["send", "--help"]).env("COLUMNS", "60").output().unwrap().stdout).unwrap();
    assert!(send.contains("  hookctl send ebriza.configuration.changed --to http://localhost:3000/hook --set Configuration.booleanFieldName=false\n"), "{send}");
    let verify =
        String::from_utf8(hookctl().args(["verify", "--help"]).env("COLUMNS", "60").output().unwrap().stdout).unwrap();
    assert!(verify.contains("-H 'webhook-timestamp: 1649367553' -H"), "{verify}");
}

#[test]
fn port_file_and_ready_line_let_a_script_find_the_port() {
    let dir = tempfile::tempdir().unwrap();
    let port_file = dir.path().join("port");
    let mut child = StdCommand::new(BIN)
        .args(["listen", "0", "--count", "1", "--timeout", "30s", "-q", "--port-file", port_file.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .stdout(std::process::Stdio::null())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let start = Instant::now();
    let port = loop {
        if let Ok(text) = std::fs::read_to_string(&port_file) {
            break text;
        }
        assert!(start.elapsed() < Duration::from_secs(20), "no port file");
        std::thread::sleep(Duration::from_millis(10));
    };
    assert!(port.ends_with('\n'), "{port:?}");
    let port: u16 = port.trim().parse().unwrap();
    assert_ne!(port, 0);
    // Sent the moment the file exists: the server is already accepting.
    send_to(&format!("http://127.0.0.1:{port}"), "obniz.oauth.create");
    assert_eq!(child.wait().unwrap().code(), Some(0));
}

#[test]
fn small_messages_say_what_to_do() {
    let zero = hookctl().args(["listen", "0", "--count", "0"]).output().unwrap();
    assert_eq!(zero.status.code(), Some(2));
    assert!(stderr_text(&zero).contains("must be at least 1"), "{}", stderr_text(&zero));
    assert!(!stderr_text(&zero).contains("18446744073709551615"));
    let zero = hookctl().args(["send", "pgyer.crashlog", "--to", "http://a", "--repeat", "0"]).output().unwrap();
    assert!(stderr_text(&zero).contains("must be at least 1"), "{}", stderr_text(&zero));

    let schemeless = hookctl().args(["send", "pgyer.crashlog", "--to", "localhost:8080"]).output().unwrap();
    assert_eq!(schemeless.status.code(), Some(2));
    assert!(stderr_text(&schemeless).contains("did you mean http://localhost:8080?"), "{}", stderr_text(&schemeless));

    let missing = hookctl().args(["listen", "0", "--response-body", "/nonexistent/answer.json"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(
        stderr_text(&missing).contains("--response-body file /nonexistent/answer.json"),
        "{}",
        stderr_text(&missing)
    );

    // The result line names what was sent.
    let rx = receiver(200, Duration::ZERO);
    let sent = hookctl().args(["send", "pgyer.crashlog", "--to", &rx.url]).output().unwrap();
    let line = String::from_utf8_lossy(&sent.stdout).into_owned();
    assert!(line.contains(&format!("pgyer.crashlog → {}", rx.url)), "{line}");
    let json =
        stdout_json_lines(&hookctl().args(["send", "obniz.oauth.create", "--to", &rx.url, "--json"]).output().unwrap());
    assert_eq!(json[0]["event"], "obniz.oauth.create");

    // Signature ages read as durations.
    let dir = tempfile::tempdir().unwrap();
    let payload = dir.path().join("p.json");
    std::fs::write(&payload, "{}").unwrap();
    let stale = hookctl()
        .args(["verify", "--secret", "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", payload.to_str().unwrap()])
        .args(["-H", "webhook-id: msg_1", "-H", "webhook-timestamp: 1649367553", "-H", "webhook-signature: v1,x"])
        .output()
        .unwrap();
    let reason = stderr_text(&stale);
    assert!(reason.contains("years ago (timestamp 1649367553, tolerance 5m)"), "{reason}");
}

#[test]
fn listen_says_verdicts_answers_and_near_misses_up_front() {
    let server = listen(&["--count", "3", "--timeout", "30s", "--status", "202"]);
    assert_eq!(post(&server.url, &[], br#"{"type":"install.crate","data":{}}"#), 202);
    assert_eq!(post(&format!("{}/empty", server.url), &[], b""), 202);
    assert_eq!(post(&format!("{}/text", server.url), &[], b"hello"), 202);
    let (code, stdout, stderr) = server.finish(Duration::from_secs(20));
    assert_eq!(code, Some(0), "{stderr}");
    let headers: Vec<&str> = stdout.lines().filter(|l| l.starts_with('#')).collect();
    assert_eq!(headers.len(), 3, "{stdout}");
    assert!(headers[0].ends_with("? unrecognised  → 202"), "{}", headers[0]);
    assert!(headers[1].ends_with("· empty body (nothing to check)  → 202"), "{}", headers[1]);
    assert!(headers[2].ends_with("· text, not JSON (nothing to check)  → 202"), "{}", headers[2]);
    assert!(stdout.contains("hint: closest event: obniz.install.create (its `type` is \"install.create\", this one's is \"install.crate\")"), "{stdout}");
    assert!(stderr.contains("received 3 (0 schema-valid, 0 invalid, 3 unrecognised)"), "{stderr}");
}

#[test]
fn sign_prints_what_verify_reads_and_curl_lines_that_work() {
    let dir = tempfile::tempdir().unwrap();
    let payload = dir.path().join("it's a payload.json");
    std::fs::write(&payload, r#"{"type":"oauth.create","data":{}}"#).unwrap();
    let payload = payload.to_str().unwrap();
    let secret = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
    let headers = hookctl().args(["sign", "--secret", secret, payload]).output().unwrap();
    let file = dir.path().join("headers.txt");
    std::fs::write(&file, &headers.stdout).unwrap();
    let verified =
        hookctl().args(["verify", "--secret", secret, "--headers", file.to_str().unwrap(), payload]).output().unwrap();
    assert!(verified.status.success(), "{}", stderr_text(&verified));
    let as_json = hookctl().args(["sign", "--secret", secret, "--json", payload]).output().unwrap();
    std::fs::write(&file, &as_json.stdout).unwrap();
    let verified =
        hookctl().args(["verify", "--secret", secret, "--headers", file.to_str().unwrap(), payload]).output().unwrap();
    assert!(verified.status.success(), "a JSON object of headers too: {}", stderr_text(&verified));

    let args = hookctl().args(["sign", "--secret", secret, "--format", "args", payload]).output().unwrap();
    let args = String::from_utf8(args.stdout).unwrap();
    assert!(args.starts_with("-H 'webhook-id: msg_"), "{args}");

    // The curl line, run by a real shell, delivers a request that verifies.
    let rx = receiver(200, Duration::ZERO);
    let curl =
        hookctl().args(["sign", "--secret", secret, "--format", "curl", "--url", &rx.url, payload]).output().unwrap();
    let line = String::from_utf8(curl.stdout).unwrap();
    let run = StdCommand::new("sh").arg("-c").arg(line.trim()).output().unwrap();
    assert!(run.status.success(), "{line}: {}", String::from_utf8_lossy(&run.stderr));
    let got = rx.next();
    assert_eq!(got.body, std::fs::read(payload).unwrap());
    let mut verify = hookctl();
    verify.args(["verify", "--secret", secret, payload]);
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        verify.args(["-H", &format!("{name}: {}", got.header(name).unwrap())]);
    }
    assert!(verify.output().unwrap().status.success());
}

#[test]
fn completions_offer_fixture_names_including_the_users() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("acme.json"),
        r#"{"name": "acme.order.created", "description": "An order", "body": {"event": "order.created"}}"#,
    )
    .unwrap();
    let bin_dir = std::path::Path::new(BIN).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let script = hookctl().args(["completions", "bash"]).output().unwrap().stdout;
    let script_file = dir.path().join("hookctl.bash");
    std::fs::write(&script_file, script).unwrap();
    let complete = |line: &str, env: &[(&str, &str)]| {
        let words: Vec<&str> = line.split(' ').collect();
        let shell = format!(
            "source {}; COMP_WORDS=({}); COMP_CWORD={}; COMP_TYPE=9; _clap_complete_hookctl hookctl '{}' hookctl; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            script_file.display(),
            words.join(" "),
            words.len() - 1,
            words.last().unwrap()
        );
        let mut cmd = StdCommand::new("bash");
        cmd.arg("-c").arg(shell).env("PATH", &path).env_remove("HOOKCTL_FIXTURES");
        for (k, v) in env {
            cmd.env(k, v);
        }
        String::from_utf8(cmd.output().unwrap().stdout).unwrap()
    };
    let got = complete("hookctl send pgyer.cr", &[]);
    assert_eq!(got.lines().collect::<Vec<_>>(), ["pgyer.crashlog", "pgyer.crashlog.zh"], "{got}");
    assert!(complete("hookctl schema obniz.oauth.", &[]).contains("obniz.oauth.delete"));
    assert!(complete("hookctl diff x.json --against ebriza.install", &[]).contains("ebriza.install"));
    assert!(complete("hookctl listen 0 --expect pgyer.feed", &[]).contains("pgyer.feedback.zh"));
    let fixtures = dir.path().to_str().unwrap();
    assert!(complete(&format!("hookctl --fixtures {fixtures} send acme."), &[]).contains("acme.order.created"));
    assert!(complete("hookctl send acme.", &[("HOOKCTL_FIXTURES", fixtures)]).contains("acme.order.created"));
}

#[test]
fn the_progress_bar_draws_on_a_terminal_with_a_whole_number_rate_and_never_otherwise() {
    let rx = receiver(200, Duration::ZERO);
    let args = ["send", "pgyer.feedback", "--to", &rx.url, "--repeat", "40", "--rate", "50"];
    let on_tty = hookctl().args(args).env("HOOKCTL_TEST_TTY", "1").output().unwrap();
    let drawn = stderr_text(&on_tty);
    assert!(drawn.contains("/40 sent"), "the bar is drawn on a terminal: {drawn:?}");
    let rate = drawn.split("sent  ").nth(1).and_then(|r| r.split("/s").next()).unwrap_or_default();
    assert!(!rate.is_empty() && rate.chars().all(|c| c.is_ascii_digit() || c == ','), "rate {rate:?} in {drawn:?}");
    let piped = hookctl().args(args).output().unwrap();
    assert!(!stderr_text(&piped).contains("sent  "), "no bar when stderr is not a terminal");
    assert!(!stderr_text(&piped).contains('\r'));
}

#[test]
fn a_reader_that_goes_away_ends_the_command_quietly_with_exit_0() {
    // `true` exits before hookctl writes: every write meets a pipe with no reader (EPIPE).
    for args in ["fixtures", "fixtures --json", "schema pgyer.crashlog", "man send"] {
        let script = format!("(sleep 0.3; exec \"$HOOKCTL\" {args} 2>\"$ERR\") | true; echo ${{PIPESTATUS[0]}}");
        let dir = tempfile::tempdir().unwrap();
        let err = dir.path().join("stderr");
        let output =
            StdCommand::new("bash").arg("-c").arg(&script).env("HOOKCTL", BIN).env("ERR", &err).output().unwrap();
        assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "0", "{args}");
        assert_eq!(std::fs::read_to_string(&err).unwrap(), "", "{args}: nothing said on stderr");
    }
}
