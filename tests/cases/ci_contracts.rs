//! CI contracts: assertions, in-order arrival, JUnit/JSON reports (read by an independent parser), the
//! CI recipes (docs/ci.md) run as written, and the delivery scenarios that break receivers.
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{hookctl, listen, stderr_text, stdout_json_lines, BIN};

const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

fn send(name: &str, url: &str, extra: &[&str]) -> std::process::Output {
    hookctl().args(["send", name, "--to", url]).args(extra).output().unwrap()
}

/// Reads a JUnit file with junitparser (PyPI): (tests, failures, case names, failure messages). Without
/// junitparser (see `python_module`) the file is read with a plain XML scan instead.
fn junit(path: &std::path::Path) -> (u64, u64, Vec<String>, Vec<String>) {
    if !crate::support::python_module("junitparser") {
        return junit_by_hand(path);
    }
    let script = r#"
import json, sys
from junitparser import JUnitXml, Failure
xml = JUnitXml.fromfile(sys.argv[1])
names, failures, tests, failed = [], [], 0, 0
for suite in xml:
    tests += suite.tests
    failed += suite.failures
    for case in suite:
        names.append(case.name)
        for result in case.result:
            if isinstance(result, Failure):
                failures.append(result.message)
print(json.dumps([tests, failed, names, failures]))
"#;
    let out = std::process::Command::new("python3").arg("-c").arg(script).arg(path).output().unwrap();
    assert!(
        out.status.success(),
        "junitparser (pip install junitparser; .ci/run installs it): {}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The same four facts read from the XML text (when junitparser is not installed).
fn junit_by_hand(path: &std::path::Path) -> (u64, u64, Vec<String>, Vec<String>) {
    let text = std::fs::read_to_string(path).unwrap();
    let attribute = |tag: &str, name: &str| -> Vec<String> {
        text.match_indices(&format!("<{tag} "))
            .filter_map(|(i, _)| {
                let rest = &text[i..];
                let at = rest.find(&format!(" {name}=\""))? + name.len() + 3;
                Some(rest[at..at + rest[at..].find('"')?].to_string())
            })
            .collect()
    };
    let unescape = |s: &String| {
        s.replace("&quot;", "\"").replace("&lt;", "<").replace("&gt;", ">").replace("&apos;", "'").replace("&amp;", "&")
    };
    let suite = |name: &str| attribute("testsuite", name).first().and_then(|v| v.parse().ok()).unwrap_or(0);
    (
        suite("tests"),
        suite("failures"),
        attribute("testcase", "name").iter().map(unescape).collect(),
        attribute("failure", "message").iter().map(unescape).collect(),
    )
}

#[test]
fn assertions_pass_and_fail_on_what_arrives_and_reports_say_so() {
    let dir = tempfile::tempdir().unwrap();
    let xml = dir.path().join("report.xml");
    let json_report = dir.path().join("report.json");
    let server = listen(&[
        "--json",
        "--count",
        "2",
        "--timeout",
        "30s",
        "--assert",
        "method == \"POST\"",
        "--assert-on",
        "obniz.*",
        "--assert",
        "body /data/id isString",
        "--assert",
        "body /data/os == \"android\"",
        "--assert",
        "count == 1",
        "--report",
        &format!("junit={}", xml.display()),
        "--report",
        &format!("json={}", json_report.display()),
    ]);
    assert!(send("obniz.install.create", &server.url, &[]).status.success());
    assert!(send("pgyer.crashlog", &server.url, &[]).status.success());
    let (code, stdout, stderr) = server.finish(Duration::from_secs(20));
    assert_eq!(code, Some(1), "{stderr}");
    let records: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let obniz = &records[0]["assertions"];
    assert_eq!(obniz.as_array().unwrap().len(), 3, "{obniz}");
    assert_eq!(
        (obniz[1]["assertion"].as_str(), obniz[1]["ok"].as_bool()),
        (Some("body /data/id isString"), Some(true))
    );
    assert_eq!((obniz[2]["ok"].as_bool(), obniz[2]["found"].as_str()), (Some(false), Some("obnizos")));
    assert_eq!(records[1]["assertions"].as_array().unwrap().len(), 1, "obniz-scoped ones skip Pgyer");
    assert!(stderr.contains("✗ assertion: #1 body /data/os == \"android\" (found \"obnizos\")"), "{stderr}");

    let (tests, failures, names, messages) = junit(&xml);
    assert_eq!((tests, failures), (3, 1), "{names:?}");
    assert!(names.contains(&"assert count == 1 (--assert-on obniz.*)".to_string()), "{names:?}");
    assert!(messages[0].contains("body /data/os == \"android\""), "{messages:?}");
    let report: Value = serde_json::from_str(&std::fs::read_to_string(&json_report).unwrap()).unwrap();
    assert_eq!(
        (report["ok"].as_bool(), report["exit_code"].as_u64(), report["failures"].as_u64()),
        (Some(false), Some(1), Some(1))
    );

    // A passing run: junit has no failures, exit 0.
    let server = listen(&[
        "-q",
        "--count",
        "1",
        "--timeout",
        "30s",
        "--assert",
        "body /type == \"crashlog\"",
        "--report",
        &format!("junit={}", xml.display()),
    ]);
    assert!(send("pgyer.crashlog", &server.url, &[]).status.success());
    assert_eq!(server.finish(Duration::from_secs(20)).0, Some(0));
    assert_eq!(junit(&xml).1, 0);

    // A run that times out still writes its report.
    let server = listen(&[
        "-q",
        "--count",
        "2",
        "--timeout",
        "1s",
        "--expect",
        "pgyer.crashlog",
        "--report",
        &format!("junit={}", xml.display()),
    ]);
    assert_eq!(server.finish(Duration::from_secs(20)).0, Some(3));
    let (_, failures, names, _) = junit(&xml);
    assert!(failures >= 2 && names.contains(&"listen finished".to_string()), "{names:?}");

    // A malformed assertion: exit 2 before listening, a caret under the bad token.
    let bad = hookctl().args(["listen", "0", "--assert", "body /data/id equals 5"]).output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    let stderr = stderr_text(&bad);
    assert!(!stderr.contains("Listening on"), "{stderr}");
    assert!(
        stderr.contains("\"equals\" is not a predicate") && stderr.contains("  body /data/id equals 5"),
        "{stderr}"
    );
    let lines: Vec<&str> = stderr.lines().collect();
    let snippet = lines.iter().position(|l| l.ends_with("body /data/id equals 5")).unwrap();
    assert_eq!(
        lines[snippet + 1].find('^'),
        lines[snippet].find("equals"),
        "the caret is under the bad token:\n{stderr}"
    );
}

#[test]
fn diff_asserts_on_a_capture_and_reports() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("caps.ndjson");
    let server = listen(&["-q", "--count", "1", "--timeout", "30s", "--save", save.to_str().unwrap()]);
    assert!(send("pgyer.crashlog", &server.url, &[]).status.success());
    server.finish(Duration::from_secs(20));
    let spec = format!("{}:1", save.display());
    let ok = hookctl()
        .args([
            "diff",
            &spec,
            "--json",
            "--assert",
            "body /type == \"crashlog\"",
            "--assert",
            "header content-type startsWith \"application/json\"",
        ])
        .output()
        .unwrap();
    assert_eq!(ok.status.code(), Some(0), "{}", String::from_utf8_lossy(&ok.stdout));
    let result = crate::support::stdout_json(&ok);
    assert_eq!(result["assertions"].as_array().unwrap().iter().filter(|a| a["ok"] == true).count(), 2);
    let xml = dir.path().join("diff.xml");
    let failing = hookctl()
        .args(["diff", &spec, "--assert", "body /appsize > 999999999", "--report", &format!("junit={}", xml.display())])
        .output()
        .unwrap();
    assert_eq!(failing.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&failing.stdout).contains("✗ assert body /appsize > 999999999"));
    let (tests, failures, _, messages) = junit(&xml);
    assert_eq!((tests, failures), (1, 1));
    assert!(messages[0].contains("assertion failed"), "{messages:?}");
}

#[test]
fn in_order_catches_an_event_that_overtakes_another() {
    let server = listen(&[
        "-q",
        "--count",
        "2",
        "--timeout",
        "30s",
        "--expect",
        "obniz.install.create",
        "--expect",
        "pgyer.crashlog",
        "--in-order",
    ]);
    assert!(send("pgyer.crashlog", &server.url, &[]).status.success());
    assert!(send("obniz.install.create", &server.url, &[]).status.success());
    let (code, _, stderr) = server.finish(Duration::from_secs(20));
    assert_eq!(code, Some(1));
    assert!(stderr.contains("pgyer.crashlog arrived before obniz.install.create (--in-order)"), "{stderr}");
}

#[test]
fn the_ci_recipes_run_as_written() {
    let readme = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/ci.md")).unwrap();
    let block = |name: &str| -> String {
        let start = readme.find(&format!("<!-- ci-recipe: {name} -->")).expect("recipe marker");
        let code = &readme[start..];
        let code = &code[code.find("```yaml").unwrap() + 7..];
        code[..code.find("```").unwrap()].to_string()
    };
    // GitHub: the `run: |` block of the contract step, as written.
    let github = block("github");
    let run_at = github.find("run: |").expect("a run block");
    let indent =
        github[run_at..].lines().nth(1).unwrap().len() - github[run_at..].lines().nth(1).unwrap().trim_start().len();
    let script: String = github[run_at..]
        .lines()
        .skip(1)
        .take_while(|l| l.trim().is_empty() || l.len() - l.trim_start().len() >= indent)
        .map(|l| format!("{}\n", l.get(indent..).unwrap_or("")))
        .collect();
    // GitLab: each `script:` entry, in order.
    let gitlab = block("gitlab");
    let script_lines: String = gitlab
        .lines()
        .skip_while(|l| l.trim() != "script:")
        .skip(1)
        .take_while(|l| l.trim_start().starts_with("- "))
        .map(|l| format!("{}\n", l.trim_start().strip_prefix("- ").unwrap()))
        .collect();
    let bin_dir = std::path::Path::new(BIN).parent().unwrap().to_path_buf();
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let run = |script: &str| {
        let dir = tempfile::tempdir().unwrap();
        let run = std::process::Command::new("sh")
            .arg("-ec")
            .arg(script)
            .current_dir(dir.path())
            .env("PATH", &path)
            .env("NO_COLOR", "1")
            .output()
            .unwrap();
        let report = dir.path().join("webhooks.xml");
        (run, report.exists().then(|| junit(&report)))
    };
    // The webhook the recipe checks, sent wrong: the job must fail (a bare `wait` would pass it).
    let broken = [
        ("obniz.install.create --to", "obniz.install.create --set data.id=5 --to"),
        ("pgyer.crashlog --to", "pgyer.crashlog --set device_type=5 --to"),
    ];
    for (name, script) in [("github", script), ("gitlab", script_lines)] {
        let (passed, report) = run(&script);
        assert!(passed.status.success(), "{name} recipe:\n{script}\n{}", String::from_utf8_lossy(&passed.stderr));
        let (tests, failures, _, _) = report.expect("a report");
        assert!(tests >= 1 && failures == 0, "{name}: {tests} tests, {failures} failures");
        let failing = broken.iter().fold(script.clone(), |s, (from, to)| s.replacen(from, to, 1));
        assert_ne!(failing, script);
        let (failed, report) = run(&failing);
        assert!(!failed.status.success(), "{name} recipe passed a failing webhook:\n{failing}");
        let (_, failures, _, _) = report.expect("a report, on failure too");
        assert!(failures >= 1, "{name}: the report names the failure");
    }
}

#[test]
fn duplicates_carry_the_same_id_and_a_signed_retry_schedule_runs_until_it_succeeds() {
    let server = listen(&["--json", "--count", "3", "--timeout", "30s", "--secret", SECRET]);
    let sent = send("pgyer.crashlog", &server.url, &["--duplicate", "3", "--secret", SECRET, "--json"]);
    assert!(sent.status.success(), "{}", stderr_text(&sent));
    let copies: Vec<u64> = stdout_json_lines(&sent).iter().map(|d| d["copy"].as_u64().unwrap()).collect();
    assert_eq!(copies, [1, 2, 3]);
    let (_, stdout, _) = server.finish(Duration::from_secs(20));
    let records: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let ids: Vec<&str> = records.iter().map(|r| r["headers"]["webhook-id"].as_str().unwrap()).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
    assert!(records.iter().all(|r| r["signature"]["status"] == "valid"));

    let server = listen(&["--json", "--count", "4", "--timeout", "60s", "--status", "500x3,200", "--secret", SECRET]);
    let started = Instant::now();
    let sent = send(
        "obniz.install.create",
        &server.url,
        &["--retry", "standard", "--time-scale", "0.001", "--secret", SECRET, "--json"],
    );
    assert_eq!(sent.status.code(), Some(0), "{}", stderr_text(&sent));
    let attempts = stdout_json_lines(&sent);
    let summary: Vec<(u64, u64, u64)> = attempts
        .iter()
        .map(|a| (a["attempt"].as_u64().unwrap(), a["delay_ms"].as_u64().unwrap(), a["status"].as_u64().unwrap()))
        .collect();
    assert_eq!(
        summary,
        [(1, 0, 500), (2, 0, 500), (3, 5_000, 500), (4, 300_000, 200)],
        "the Standard Webhooks schedule"
    );
    assert!(started.elapsed() < Duration::from_secs(20), "scaled by 0.001");
    let (_, stdout, _) = server.finish(Duration::from_secs(20));
    let records: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), 4);
    let ids: Vec<&str> = records.iter().map(|r| r["headers"]["webhook-id"].as_str().unwrap()).collect();
    assert!(ids.iter().all(|id| *id == ids[0]), "a retry keeps the webhook id: {ids:?}");
    assert!(records.iter().all(|r| r["signature"]["status"] == "valid"), "each with a fresh valid signature");
    let answered: Vec<u64> = records.iter().map(|r| r["answered"].as_u64().unwrap()).collect();
    assert_eq!(answered, [500, 500, 500, 200]);

    let never = send("obniz.install.create", "http://127.0.0.1:1/hooks", &["--retry", "1ms,1ms"]);
    assert_eq!(never.status.code(), Some(1));
    assert!(stderr_text(&never).contains("gave up after 3 attempts"), "{}", stderr_text(&never));
}

#[test]
fn shuffles_and_drops_repeat_with_their_seed() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("caps.ndjson");
    let server = listen(&["-q", "--count", "6", "--timeout", "30s", "--save", save.to_str().unwrap()]);
    for name in [
        "pgyer.crashlog",
        "pgyer.feedback",
        "pgyer.updateVersion",
        "obniz.oauth.create",
        "obniz.oauth.delete",
        "ebriza.install",
    ] {
        assert!(send(name, &server.url, &[]).status.success());
    }
    server.finish(Duration::from_secs(20));
    let order = |seed: &str| -> Vec<String> {
        let rx = crate::support::receiver(200, Duration::ZERO);
        let sent = hookctl()
            .args([
                "send",
                "--capture",
                &format!("{}:1..6", save.display()),
                "--to",
                &rx.url,
                "--shuffle",
                "--seed",
                seed,
                "--json",
            ])
            .output()
            .unwrap();
        assert!(sent.status.success(), "{}", stderr_text(&sent));
        stdout_json_lines(&sent).iter().map(|d| d["event"].as_str().unwrap().to_string()).collect()
    };
    assert_eq!(order("42"), order("42"), "the same seed, the same order");
    assert_ne!(order("42"), order("43"));
    assert_ne!(order("42").len(), 0);

    let dropped = |seed: &str| -> Vec<bool> {
        let server = listen(&["-q", "--drop", "0.5", "--seed", seed]);
        let answered = (0..12).map(|_| crate::support::post(&server.url, &[], b"{}") == 0).collect();
        drop(server);
        answered
    };
    let first = dropped("7");
    assert_eq!(first, dropped("7"), "the same requests are dropped on a rerun");
    assert!(first.iter().any(|d| *d) && first.iter().any(|d| !*d), "{first:?}");
}
