//! Issue 37 (the first hour, second pass): what a new user tripped on, each reproduced here.
use std::io::Write;
use std::time::Duration;

use serde_json::Value;

use crate::support::{hookctl, listen, post, stderr_text, stdout_json};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

/// `sign --json` headers for `payload` under `scheme` (and `timestamp`, when given), as (name, value) pairs.
fn signed_headers(payload: &std::path::Path, scheme: &str, timestamp: Option<i64>) -> Vec<(String, String)> {
    let mut sign = hookctl();
    sign.args(["sign", "--secret", SECRET, "--scheme", scheme, "--json", payload.to_str().unwrap()]);
    if let Some(t) = timestamp {
        sign.args(["--timestamp", &t.to_string()]);
    }
    let out = sign.output().unwrap();
    assert!(out.status.success(), "{}", stderr_text(&out));
    let headers = stdout_json(&out);
    headers.as_object().unwrap().iter().map(|(n, v)| (n.clone(), v.as_str().unwrap().to_string())).collect()
}

#[test]
fn item1_verify_finds_the_scheme_by_its_header_and_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let payload = dir.path().join("payload.json");
    std::fs::write(&payload, br#"{"hello":"world"}"#).unwrap();
    for scheme in ["github", "stripe", "svix", "standard"] {
        let headers: serde_json::Map<String, Value> =
            signed_headers(&payload, scheme, None).into_iter().map(|(n, v)| (n, Value::String(v))).collect();
        let file = dir.path().join(format!("{scheme}.headers.json"));
        std::fs::write(&file, Value::Object(headers).to_string()).unwrap();
        let verify = |json: bool| {
            let mut cmd = hookctl();
            cmd.args(["verify", "--secret", SECRET, "--headers", file.to_str().unwrap(), payload.to_str().unwrap()]);
            if json {
                cmd.arg("--json");
            }
            cmd.output().unwrap()
        };
        let text = verify(false);
        assert_eq!(text.status.code(), Some(0), "{scheme}: {}", stderr_text(&text));
        let said = stderr_text(&text);
        assert!(said.contains(&format!("signature valid ({scheme})")), "{scheme}: {said}");
        if scheme != "standard" {
            assert!(said.contains(&format!("scheme {scheme}: its signature header is there")), "{said}");
        }
        let json = stdout_json(&verify(true));
        assert_eq!(json["scheme"], scheme);
        assert_eq!(json["valid"], true);
        assert_eq!(json["scheme_detected"], true);
        assert_eq!(json["judged_at"], "now");
    }
    // --scheme still decides when given: GitHub headers checked as Standard Webhooks are missing its headers.
    let github = dir.path().join("github.headers.json");
    let forced = hookctl()
        .args(["verify", "--secret", SECRET, "--scheme", "standard", "--headers", github.to_str().unwrap()])
        .arg(&payload)
        .output()
        .unwrap();
    assert_eq!(forced.status.code(), Some(1));
    assert!(stderr_text(&forced).contains("missing header webhook-id"), "{}", stderr_text(&forced));
}

#[test]
fn item1_listen_without_scheme_checks_each_request_under_the_scheme_it_carries() {
    let dir = tempfile::tempdir().unwrap();
    let payload = dir.path().join("payload.json");
    let body = br#"{"hello":"listen"}"#;
    std::fs::write(&payload, body).unwrap();
    let server = listen(&["--json", "--count", "2", "--timeout", "30s", "--secret", SECRET]);
    for scheme in ["github", "stripe"] {
        let mut headers = signed_headers(&payload, scheme, None);
        headers.push(("Content-Type".into(), "application/json".into()));
        let pairs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
        assert_eq!(post(&server.url, &pairs, body), 200);
    }
    let (code, stdout, stderr) = server.finish(Duration::from_secs(30));
    assert_eq!(code, Some(0), "{stderr}");
    let lines: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let checked: Vec<(&str, &str)> = lines
        .iter()
        .map(|l| (l["signature"]["scheme"].as_str().unwrap(), l["signature"]["status"].as_str().unwrap()))
        .collect();
    assert_eq!(checked, [("github", "valid"), ("stripe", "valid")], "{stdout}");
}

#[test]
fn item2_a_capture_is_judged_against_when_it_arrived() {
    let dir = tempfile::tempdir().unwrap();
    let payload = dir.path().join("payload.json");
    let body = br#"{"hello":"an hour ago"}"#;
    std::fs::write(&payload, body).unwrap();
    let an_hour_ago = chrono::Utc::now().timestamp() - 3600;
    let save = dir.path().join("caps.ndjson");
    let server = listen(&["-q", "--count", "1", "--timeout", "30s", "--save", save.to_str().unwrap()]);
    let headers = signed_headers(&payload, "standard", Some(an_hour_ago));
    let pairs: Vec<(&str, &str)> = headers.iter().map(|(n, v)| (n.as_str(), v.as_str())).collect();
    assert_eq!(post(&server.url, &pairs, body), 200);
    let (code, _, stderr) = server.finish(Duration::from_secs(30));
    assert_eq!(code, Some(0), "{stderr}");
    // The capture as listen would have saved it an hour ago: its received_at moved back to the signing time.
    let mut record: Value = serde_json::from_str(std::fs::read_to_string(&save).unwrap().trim()).unwrap();
    let then = chrono::DateTime::from_timestamp(an_hour_ago + 1, 0).unwrap();
    record["received_at"] = Value::String(then.to_rfc3339_opts(chrono::SecondsFormat::Millis, true));
    std::fs::write(&save, format!("{record}\n")).unwrap();
    let verify = hookctl().args(["verify", "--secret", SECRET, &format!("{}:1", save.display())]).output().unwrap();
    let said = stderr_text(&verify);
    assert_eq!(verify.status.code(), Some(0), "{said}");
    assert!(said.contains("judged against the capture's received_at"), "{said}");
    let json = stdout_json(
        &hookctl().args(["verify", "--secret", SECRET, "--json", &format!("{}:1", save.display())]).output().unwrap(),
    );
    assert_eq!(json["judged_at"], "received_at");
    // A live check of the same bytes is an hour too old.
    let mut live = hookctl();
    live.args(["verify", "--secret", SECRET, payload.to_str().unwrap()]);
    for (name, value) in &headers {
        live.args(["-H", &format!("{name}: {value}")]);
    }
    let live = live.output().unwrap();
    assert_eq!(live.status.code(), Some(1));
    assert!(stderr_text(&live).contains("too old"), "{}", stderr_text(&live));
}

/// `listen -q --save` for `count` requests with one fixture of the user's in `--fixtures`: `name`, matched by
/// `{"kind": kind}`. The listener and the save file's path.
fn listen_with_fixture(
    dir: &std::path::Path,
    name: &str,
    kind: &str,
    count: u32,
) -> (crate::support::Listener, std::path::PathBuf) {
    let fixtures = dir.join("fixtures");
    std::fs::create_dir_all(&fixtures).unwrap();
    let fixture =
        serde_json::json!({"name": name, "description": kind, "match": {"/kind": kind}, "body": {"kind": kind}});
    std::fs::write(fixtures.join(format!("{name}.json")), fixture.to_string()).unwrap();
    let save = dir.join("caps.ndjson");
    let count = count.to_string();
    let server = listen(&[
        "-q",
        "--count",
        &count,
        "--timeout",
        "30s",
        "--save",
        save.to_str().unwrap(),
        "--fixtures",
        fixtures.to_str().unwrap(),
    ]);
    (server, save)
}

#[test]
fn item4_a_provider_that_is_not_loaded_is_named_with_where_its_fixtures_come_from() {
    let sent =
        hookctl().args(["send", "stripe.charge.succeeded", "--to", "http://127.0.0.1:9/hooks"]).output().unwrap();
    assert_eq!(sent.status.code(), Some(2));
    let said = stderr_text(&sent);
    assert!(said.contains("no fixture named `stripe.charge.succeeded`: no provider `stripe` is loaded"), "{said}");
    assert!(said.contains("--fixtures DIR") && said.contains("hookctl import"), "{said}");
    // A loaded provider's typo still gets its did-you-mean.
    let typo = hookctl().args(["send", "pgyer.crashlogg", "--to", "http://127.0.0.1:9/hooks"]).output().unwrap();
    assert!(stderr_text(&typo).contains("did you mean pgyer.crashlog"), "{}", stderr_text(&typo));

    // A capture recorded as an imported event, diffed without its fixtures.
    let dir = tempfile::tempdir().unwrap();
    let (server, save) = listen_with_fixture(dir.path(), "acme.order", "order", 1);
    assert_eq!(post(&server.url, &[("Content-Type", "application/json")], br#"{"kind":"order","id":7}"#), 200);
    server.finish(Duration::from_secs(30));
    let diff = hookctl().args(["diff", &format!("{}:1", save.display())]).output().unwrap();
    let said = stderr_text(&diff);
    assert!(said.contains("this capture was recorded as acme.order, which is not loaded"), "{said}");
    assert!(said.contains("--fixtures DIR"), "{said}");
}

#[test]
fn item7_diff_names_the_record_and_a_broken_capture_is_a_failed_check() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("caps.ndjson");
    let server = listen(&["-q", "--count", "2", "--timeout", "30s", "--save", save.to_str().unwrap()]);
    let sent = hookctl().args(["send", "pgyer.crashlog", "--to", &server.url]).output().unwrap();
    assert!(sent.status.success(), "{}", stderr_text(&sent));
    assert_eq!(post(&server.url, &[("Content-Type", "application/json")], br#"{"a":"#), 200);
    server.finish(Duration::from_secs(30));
    let first = hookctl().args(["diff", &format!("{}:1", save.display())]).output().unwrap();
    assert_eq!(first.status.code(), Some(0), "{}", stderr_text(&first));
    // The file alone: its last record, and diff says which.
    let last = hookctl().args(["diff", save.to_str().unwrap()]).output().unwrap();
    let said = stderr_text(&last);
    assert!(said.contains(&format!("comparing {}:2, the file's last record", save.display())), "{said}");
    // Its body is not JSON: the capture failed its check (1), not a usage error (2); said in one line and a hint.
    assert_eq!(last.status.code(), Some(1), "{said}");
    assert!(said.contains("is not valid JSON"), "{said}");
    // A file of the user's that is not JSON stays an input error.
    let broken = dir.path().join("broken.json");
    std::fs::write(&broken, "{\"a\":").unwrap();
    let file = hookctl().args(["diff", broken.to_str().unwrap(), "--against", "pgyer.crashlog"]).output().unwrap();
    assert_eq!(file.status.code(), Some(2), "{}", stderr_text(&file));
}

#[test]
fn item11_clap_errors_read_like_hookctls_own() {
    for args in [&["send", "--nosuch"][..], &["listen", "-q", "--json"], &["diff"], &["fuzz", "--checks", "nope"]] {
        let out = hookctl().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        let said = stderr_text(&out);
        assert!(said.starts_with("hookctl: error: "), "{args:?}: {said}");
        assert!(said.contains("Usage: hookctl") || said.contains("try '--help'"), "{args:?}: {said}");
    }
    // Help is still help, on stdout with exit 0.
    let help = hookctl().args(["send", "--help"]).output().unwrap();
    assert_eq!(help.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&help.stdout).contains("Usage: hookctl send"));
}

#[test]
fn item6_a_set_path_the_body_lacks_is_an_error_and_set_new_adds_it() {
    let rx = crate::support::receiver(200, Duration::ZERO);
    let typo =
        hookctl().args(["send", "pgyer.crashlog", "--set", "devicetype=Android", "--to", &rx.url]).output().unwrap();
    assert_eq!(typo.status.code(), Some(2), "{}", stderr_text(&typo));
    let said = stderr_text(&typo);
    assert!(said.starts_with("hookctl: error: --set devicetype: the body has no field devicetype"), "{said}");
    assert!(said.contains("did you mean device_type?"), "{said}");
    let fixed =
        hookctl().args(["send", "pgyer.crashlog", "--set", "device_type=Android", "--to", &rx.url]).output().unwrap();
    assert!(fixed.status.success(), "{}", stderr_text(&fixed));
    assert_eq!(rx.next().json()["device_type"], "Android", "the first request that arrives is the fixed one");
    let added = hookctl().args(["send", "pgyer.crashlog", "--set-new", "extra=1", "--to", &rx.url]).output().unwrap();
    assert!(added.status.success(), "{}", stderr_text(&added));
    assert_eq!(rx.next().json()["extra"], 1);
}

#[test]
fn item12_listen_quiet_with_forward_to_is_one_line_per_request() {
    let app = crate::support::receiver_with_body(201, Duration::ZERO, "{\"made\":true}");
    let server = listen(&["-q", "--count", "2", "--timeout", "30s", "--forward-to", &app.url]);
    for name in ["pgyer.crashlog", "pgyer.feedback"] {
        let sent = hookctl().args(["send", name, "--to", &server.url]).output().unwrap();
        assert!(sent.status.success(), "{}", stderr_text(&sent));
    }
    let (code, stdout, stderr) = server.finish(Duration::from_secs(30));
    assert_eq!(code, Some(0), "{stderr}");
    let lines: Vec<&str> = stdout.lines().collect();
    assert_eq!(lines.len(), 2, "one line per request:\n{stdout}");
    assert!(lines.iter().all(|l| l.ends_with("→ app 201")), "{stdout}");
}

#[test]
fn item10_help_groups_options_under_headings_with_the_global_ones_last() {
    let cases: [(&str, &[&str]); 3] = [
        ("send", &["Target:", "Body:", "Replaying captures:", "Delivery:", "Load:", "Output:", "CI:", "Signing:"]),
        ("listen", &["Address:", "Output:", "Answering:", "Forwarding:", "HTTPS:", "Inspector:", "CI:", "Signing:"]),
        ("fuzz", &["Target:", "What to send:", "Output:", "Signing:"]),
    ];
    for (command, headings) in cases {
        let out = hookctl().args([command, "--help"]).env("NO_COLOR", "1").output().unwrap();
        assert!(out.status.success());
        let help = String::from_utf8_lossy(&out.stdout).into_owned();
        let global =
            help.find("\nGlobal options:\n").unwrap_or_else(|| panic!("{command}: no Global options:\n{help}"));
        for heading in headings {
            let at = help.find(&format!("\n{heading}\n")).unwrap_or_else(|| panic!("{command}: no {heading}\n{help}"));
            assert!(at < global, "{command}: {heading} comes before the global options");
        }
        for flag in ["--color", "--fixtures"] {
            assert!(help.find(&format!("      {flag} ")).is_some_and(|at| at > global), "{command}: {flag} is global");
        }
        // Nothing is left in the catch-all list but --help.
        if let Some(rest) = help.split("\nOptions:\n").nth(1) {
            let listed: Vec<&str> =
                rest.lines().take_while(|l| !l.is_empty()).filter(|l| l.trim_start().starts_with('-')).collect();
            assert!(listed.iter().all(|l| l.contains("--help")), "{command}: ungrouped options: {listed:?}");
        }
    }
}

#[test]
fn item12_captures_list_keeps_its_columns_and_send_capture_names_the_record() {
    let dir = tempfile::tempdir().unwrap();
    let long = "acme.balancePlatform.accountHolder.paymentInstrument.created";
    let (server, save) = listen_with_fixture(dir.path(), long, "long", 2);
    assert_eq!(post(&server.url, &[("Content-Type", "application/json")], br#"{"kind":"long"}"#), 200);
    let sent = hookctl().args(["send", "pgyer.crashlog", "--to", &server.url]).output().unwrap();
    assert!(sent.status.success(), "{}", stderr_text(&sent));
    server.finish(Duration::from_secs(30));
    let list = hookctl().args(["captures", save.to_str().unwrap()]).env("NO_COLOR", "1").output().unwrap();
    let text = String::from_utf8_lossy(&list.stdout).into_owned();
    let columns: Vec<usize> = text.lines().filter_map(|l| l.find('→').map(|at| l[..at].chars().count())).collect();
    assert_eq!(columns.len(), 2, "{text}");
    assert_eq!(columns[0], columns[1], "the columns after the event line up:\n{text}");
    assert!(text.contains("acme.balancePlat") && text.contains("ument.created"), "start and end kept:\n{text}");

    // `send --capture FILE` (its last record) says which record it sent, as a range replay does.
    let rx = crate::support::receiver(200, Duration::ZERO);
    let again = hookctl().args(["send", "--capture", save.to_str().unwrap(), "--to", &rx.url]).output().unwrap();
    assert!(again.status.success(), "{}", stderr_text(&again));
    assert!(
        String::from_utf8_lossy(&again.stdout).contains("#2 pgyer.crashlog"),
        "{}",
        String::from_utf8_lossy(&again.stdout)
    );
}

#[test]
fn item13_file_arguments_complete_file_names_in_bash_zsh_and_fish() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("caps.ndjson"), "").unwrap();
    std::fs::write(dir.path().join("spec.yaml"), "").unwrap();
    let bin_dir = std::path::Path::new(crate::support::BIN).parent().unwrap();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let script = |shell: &str, file: &str| {
        let text = hookctl().args(["completions", shell]).output().unwrap().stdout;
        let at = dir.path().join(file);
        std::fs::write(&at, text).unwrap();
        at
    };
    let cases = [
        ("diff ca", "caps.ndjson"),
        ("captures ca", "caps.ndjson"),
        ("send --capture ca", "caps.ndjson"),
        ("verify ca", "caps.ndjson"),
        ("import sp", "spec.yaml"),
        ("sign sp", "spec.yaml"),
    ];
    let run = |program: &str, code: String| {
        let out = std::process::Command::new(program)
            .args(if program == "zsh" { vec!["-fc", &code] } else { vec!["-c", &code] })
            .current_dir(dir.path())
            .env("PATH", &path)
            .output()
            .unwrap();
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let bash = script("bash", "hookctl.bash");
    for (line, file) in cases {
        let words: Vec<&str> = line.split(' ').collect();
        let code = format!(
            "source {}; COMP_WORDS=(hookctl {line}); COMP_CWORD={}; COMP_TYPE=9; _clap_complete_hookctl hookctl {} hookctl; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
            bash.display(),
            words.len(),
            words.last().unwrap()
        );
        assert_eq!(run("bash", code).trim(), file, "bash: hookctl {line}");
    }
    // zsh and fish, through the functions hookctl writes for them (zsh's `_describe` stands in for the widget).
    if crate::support::command_available("zsh", "apt-get install -y zsh") {
        let zsh = script("zsh", "_hookctl");
        for (line, file) in cases {
            let words = line.split(' ').count() + 1;
            let code = format!(
                "compdef() {{ : }}; source {}; _describe() {{ local arr=$3; print -rl -- ${{(P)arr}}; }}; words=(hookctl {line}); CURRENT={words}; _clap_dynamic_completer_hookctl",
                zsh.display()
            );
            assert_eq!(run("zsh", code).trim(), file, "zsh: hookctl {line}");
        }
    }
    if crate::support::command_available("fish", "apt-get install -y fish") {
        let fish = script("fish", "hookctl.fish");
        for (line, file) in cases {
            let code = format!("source {}; complete -C 'hookctl {line}'", fish.display());
            assert_eq!(run("fish", code).trim(), file, "fish: hookctl {line}");
        }
    }
}

#[test]
fn item8_one_bug_on_several_events_is_told_once_and_json_keeps_each_with_its_group() {
    let rx = crate::support::receiver(500, Duration::ZERO);
    let args = ["fuzz", "pgyer.*", "--to", &rx.url, "--checks", "examples", "--seed", "1"];
    let out = hookctl().args(args).env("NO_COLOR", "1").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}", stderr_text(&out));
    let text = String::from_utf8_lossy(&out.stdout).into_owned();
    assert_eq!(text.matches("the same finding on 6 events").count(), 1, "{text}");
    assert_eq!(text.matches("reproduce: ").count(), 1, "one body and one reproduce line:\n{text}");
    assert_eq!(text.matches("shown once below").count(), 6, "{text}");
    let json = hookctl().args(args).arg("--json").output().unwrap();
    let doc = stdout_json(&json);
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 6, "--json keeps one entry per event");
    let groups: std::collections::BTreeSet<&str> = findings.iter().map(|f| f["group"].as_str().unwrap()).collect();
    assert_eq!(groups.len(), 1, "{groups:?}");
    assert!(groups.iter().next().unwrap().starts_with("examples/server-error/500/"), "{groups:?}");
}

/// The peak resident memory of a process (VmHWM), in MiB.
fn peak_mib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    let line = status.lines().find(|l| l.starts_with("VmHWM:")).unwrap();
    line.split_whitespace().nth(1).unwrap().parse::<u64>().unwrap() / 1024
}

#[test]
fn item14_the_live_tail_reads_what_was_appended_in_bounded_chunks() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("caps.ndjson");
    let (server, ui, _) = crate::support::listen_ui(&["-q", "--save", save.to_str().unwrap()]);
    let sent = hookctl().args(["send", "pgyer.crashlog", "--to", &server.url]).output().unwrap();
    assert!(sent.status.success(), "{}", stderr_text(&sent));
    let total = || {
        let (status, _, body) = crate::support::http(ui, "GET", "/api/captures?limit=1", &[], b"");
        assert_eq!(status, 200);
        serde_json::from_slice::<Value>(&body).unwrap()["total"].as_u64().unwrap()
    };
    let started = std::time::Instant::now();
    while total() < 1 {
        assert!(started.elapsed() < Duration::from_secs(30), "the first record never showed");
        std::thread::sleep(Duration::from_millis(50));
    }
    let before = peak_mib(server.child.id());
    // 60,000 more records (about 100 MB) appended at once, as another writer would.
    let line = std::fs::read_to_string(&save).unwrap();
    let rest = line.trim_end().strip_prefix("{\"id\":1,").expect("a record starts with its id").to_string();
    let mut appended = String::new();
    for id in 2..=60_001 {
        appended.push_str(&format!("{{\"id\":{id},{rest}\n"));
    }
    let appended_mib = appended.len() as u64 >> 20;
    std::fs::OpenOptions::new().append(true).open(&save).unwrap().write_all(appended.as_bytes()).unwrap();
    drop(appended);
    while total() < 60_001 {
        assert!(started.elapsed() < Duration::from_secs(120), "the inspector never caught up ({})", total());
        std::thread::sleep(Duration::from_millis(100));
    }
    let after = peak_mib(server.child.id());
    assert!(after < before + 48, "peak RSS went from {before} to {after} MiB after {appended_mib} MiB were appended");
    server.finish(Duration::from_secs(10));
}

#[test]
fn item12_the_inspector_says_the_providers_note_and_its_replay_box_fits_its_hint() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("caps.ndjson");
    let (server, ui, token) = crate::support::listen_ui(&["-q", "--save", save.to_str().unwrap()]);
    // Pgyer's docs example quotes a value with single quotes: the terminal adds Pgyer's note; so does the page.
    let body = br#"{"action": "Crash log", "device_type": 'iOS'}"#;
    assert_eq!(post(&server.url, &[("Content-Type", "application/json")], body), 200);
    let started = std::time::Instant::now();
    let record = loop {
        let (status, _, text) = crate::support::http(ui, "GET", "/api/captures/1", &[], b"");
        if status == 200 {
            break serde_json::from_slice::<Value>(&text).unwrap();
        }
        assert!(started.elapsed() < Duration::from_secs(30), "the capture never showed: {status}");
        std::thread::sleep(Duration::from_millis(50));
    };
    let found = record["errors"][0]["found"].as_str().unwrap_or_default().to_string();
    assert!(found.contains("single-quoted strings are not JSON"), "{record}");
    assert!(found.contains("Pgyer's docs example has this bug"), "{record}");
    // The replay box's placeholder is an example URL that fits the box; the longer hint is its tooltip.
    let (status, head, _) = crate::support::http(ui, "GET", &format!("/?token={token}"), &[], b"");
    assert_eq!(status, 303, "the token is traded for a cookie");
    let cookie = head
        .lines()
        .find_map(|l| l.strip_prefix("set-cookie: ").or_else(|| l.strip_prefix("Set-Cookie: ")))
        .and_then(|c| c.split(';').next())
        .expect("a cookie")
        .to_string();
    let (status, _, page) = crate::support::http(ui, "GET", "/", &[("Cookie", &cookie)], b"");
    assert_eq!(status, 200);
    let page = String::from_utf8_lossy(&page).into_owned();
    let replay = page.split("id=\"replay-url\"").nth(1).expect("the replay box").split('>').next().unwrap().to_string();
    let placeholder = replay.split("placeholder=\"").nth(1).unwrap().split('"').next().unwrap();
    assert!(placeholder.chars().count() <= 30, "{placeholder:?} is cut off in the box");
    assert!(replay.contains("title=\""), "the hint stays reachable: {replay}");
    server.finish(Duration::from_secs(10));
}
