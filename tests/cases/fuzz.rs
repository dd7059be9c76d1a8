//! `hookctl fuzz` against receivers written for the tests, one per seeded bug: each bug is found as the
//! right kind, shrunk, and reproduced by its `reproduce` command; a strict but correct receiver gets none.
use std::collections::HashSet;
use std::sync::Mutex;
use std::time::Duration;

use serde_json::Value;

use crate::support::{hookctl, receiver_answering, stdout_json, Answer, Received, Receiver_};

const SECRET: &str = "whsec_c2VjcmV0LWZvci1mdXp6LXRlc3Rz";

fn ok() -> Answer {
    (200, Duration::ZERO, "{\"ok\":true}".into())
}

fn boom() -> Answer {
    (500, Duration::ZERO, "Internal Server Error".into())
}

fn bad_request() -> Answer {
    (400, Duration::ZERO, "{\"error\":\"bad request\"}".into())
}

struct Run {
    doc: Value,
    code: i32,
    stderr: String,
    dir: tempfile::TempDir,
}

/// `hookctl fuzz ARGS --to URL --json --seed 7 --save-failures DIR`.
fn fuzz(receiver: &Receiver_, args: &[&str]) -> Run {
    // Fuzzing keeps both cores busy: not while a browser test's idle-priority inspector is being watched.
    let _turn = crate::support::heavy_turn();
    let dir = tempfile::tempdir().unwrap();
    let output = hookctl()
        .args(["fuzz", "--to", &receiver.url, "--json", "--seed", "7", "--save-failures"])
        .arg(dir.path())
        .args(args)
        .env("HOOKCTL_FUZZ_TEST_SECRET", SECRET)
        .timeout(Duration::from_secs(240))
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
    assert!(!output.stdout.is_empty(), "no JSON on stdout; stderr: {stderr}");
    Run { doc: stdout_json(&output), code: output.status.code().unwrap_or(-1), stderr, dir }
}

impl Run {
    fn findings(&self) -> &Vec<Value> {
        self.doc["findings"].as_array().expect("findings is an array")
    }

    fn finding(&self, check: &str, kind: &str) -> &Value {
        self.findings()
            .iter()
            .find(|f| f["check"] == check && f["kind"] == kind)
            .unwrap_or_else(|| panic!("no {check}/{kind} finding in {:#}\n{}", self.doc["findings"], self.stderr))
    }

    fn kinds(&self) -> HashSet<(String, String)> {
        self.findings()
            .iter()
            .map(|f| (f["check"].as_str().unwrap().to_string(), f["kind"].as_str().unwrap().to_string()))
            .collect()
    }
}

/// Every field of a finding is there and typed as the contract says.
fn assert_shape(finding: &Value, event: &str) {
    assert_eq!(finding["event"], event);
    for key in ["check", "kind", "reproduce", "case"] {
        assert!(finding[key].is_string(), "{key} in {finding:#}");
    }
    assert!(finding["status"].is_u64() || finding["status"].is_null());
    assert!(finding["headers"].is_object());
    assert!(finding.get("body").is_some());
}

/// Runs a finding's `reproduce` command (with `--json`) and returns the statuses the receiver answered.
fn reproduce(finding: &Value) -> Vec<Option<u64>> {
    let command = finding["reproduce"].as_str().unwrap();
    let binary = assert_cmd::cargo::cargo_bin("hookctl");
    let line = command.replacen("hookctl", &format!("'{}'", binary.display()), 1) + " --json";
    let output = std::process::Command::new("sh")
        .arg("-c")
        .arg(&line)
        .env("HOOKCTL_SECRET", SECRET)
        .env("HOOKCTL_FUZZ_TEST_SECRET", SECRET)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let statuses: Vec<Option<u64>> =
        text.lines().filter_map(|l| serde_json::from_str::<Value>(l).ok()).map(|v| v["status"].as_u64()).collect();
    assert!(!statuses.is_empty(), "{line}: {}", String::from_utf8_lossy(&output.stderr));
    statuses
}

/// The body is one the event's schema accepts (`hookctl diff` is the judge: exit 0).
fn assert_valid(body: &Value, event: &str) {
    let file = tempfile::NamedTempFile::new().unwrap();
    std::fs::write(file.path(), serde_json::to_vec(body).unwrap()).unwrap();
    let output = hookctl().args(["diff", "--against", event]).arg(file.path()).output().unwrap();
    assert_eq!(output.status.code(), Some(0), "{body}: {}", String::from_utf8_lossy(&output.stdout));
}

fn strings(value: &Value, out: &mut Vec<String>) {
    match value {
        Value::String(s) => out.push(s.clone()),
        Value::Array(items) => items.iter().for_each(|v| strings(v, out)),
        Value::Object(map) => map.values().for_each(|v| strings(v, out)),
        _ => {}
    }
}

fn json_of(r: &Received) -> Option<Value> {
    serde_json::from_slice(&r.body).ok()
}

/// A receiver that fails on `bug` and accepts every other JSON body (refuses what is not JSON).
fn buggy(bug: impl Fn(&Value) -> bool + Send + Sync + 'static) -> Receiver_ {
    receiver_answering(move |r| match json_of(r) {
        Some(body) if bug(&body) => boom(),
        Some(_) => ok(),
        None => bad_request(),
    })
}

#[test]
fn non_ascii_text_is_found_shrunk_and_reproduced() {
    let receiver = buggy(|body| {
        let mut all = Vec::new();
        strings(body, &mut all);
        all.iter().any(|s| !s.is_ascii())
    });
    let run = fuzz(&receiver, &["pgyer.crashlog"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let finding = run.finding("generated", "server-error");
    assert_shape(finding, "pgyer.crashlog");
    assert_eq!(finding["status"], 500);
    let body = &finding["body"];
    assert_valid(body, "pgyer.crashlog");
    let mut all = Vec::new();
    strings(body, &mut all);
    let non_ascii: Vec<&String> = all.iter().filter(|s| !s.is_ascii()).collect();
    assert_eq!(non_ascii.len(), 1, "one non-ASCII string is enough: {body}");
    assert!(non_ascii[0].chars().count() <= 8, "shrunk: {:?}", non_ascii[0]);
    for free in ["title", "message", "os_version", "build_version", "notes"] {
        let text = body[free].as_str().unwrap();
        assert!(text.is_empty() || !text.is_ascii(), "{free} was not cut: {text:?}");
    }
    assert!(finding["body_bytes"].as_u64() < finding["original_body_bytes"].as_u64());
    assert_eq!(reproduce(finding), [Some(500)]);
}

#[test]
fn an_int32_overflow_shrinks_to_two_to_the_31() {
    let receiver = buggy(|body| body["timestamp"].as_i64().is_some_and(|t| t > i32::MAX as i64));
    let run = fuzz(&receiver, &["pgyer.crashlog", "--checks", "generated"]);
    let finding = run.finding("generated", "server-error");
    assert_eq!(finding["body"]["timestamp"], 2_147_483_648_i64, "{:#}", finding["body"]);
    assert_eq!(reproduce(finding), [Some(500)]);
}

#[test]
fn a_string_over_255_characters_shrinks_to_256() {
    let receiver = buggy(|body| {
        let mut all = Vec::new();
        strings(body, &mut all);
        all.iter().any(|s| s.chars().count() > 255)
    });
    let run = fuzz(&receiver, &["obniz.install.create", "--checks", "generated"]);
    let finding = run.finding("generated", "server-error");
    let mut all = Vec::new();
    strings(&finding["body"], &mut all);
    let longest = all.iter().map(|s| s.chars().count()).max().unwrap();
    assert_eq!(longest, 256, "{:#}", finding["body"]);
    assert_valid(&finding["body"], "obniz.install.create");
    assert_eq!(reproduce(finding), [Some(500)]);
}

#[test]
fn an_enum_value_the_fixtures_never_show_is_sent() {
    // Every Pgyer example says iOS; the schema allows Android too.
    let receiver = buggy(|body| body["device_type"] == "Android");
    let run = fuzz(&receiver, &["pgyer.crashlog", "--checks", "examples,generated"]);
    let finding = run.finding("generated", "server-error");
    assert_eq!(finding["body"]["device_type"], "Android");
    assert!(!run.kinds().contains(&("examples".into(), "server-error".into())));
    assert_eq!(reproduce(finding), [Some(500)]);
}

#[test]
fn a_missing_optional_object_shrinks_to_the_required_fields() {
    // obniz requires only `type`; this receiver reads data.id unguarded.
    let receiver = buggy(|body| body.get("data").is_none());
    let run = fuzz(&receiver, &["obniz.install.create", "--checks", "generated"]);
    let finding = run.finding("generated", "server-error");
    assert_eq!(finding["body"], serde_json::json!({"type": "install.create"}));
    assert_eq!(reproduce(finding), [Some(500)]);
}

#[test]
fn a_null_where_allowed_is_found() {
    let receiver = buggy(|body| body.pointer("/data/user/name").is_some_and(Value::is_null));
    let run = fuzz(&receiver, &["obniz.install.create", "--checks", "generated"]);
    let finding = run.finding("generated", "server-error");
    assert_eq!(finding["body"].pointer("/data/user/name"), Some(&Value::Null));
    assert_valid(&finding["body"], "obniz.install.create");
    assert_eq!(reproduce(finding), [Some(500)]);
}

#[test]
fn a_number_where_a_string_usually_is_is_found() {
    let receiver = buggy(|body| body.pointer("/data/user/credit").is_some_and(Value::is_number));
    let run = fuzz(&receiver, &["obniz.install.create", "--checks", "generated"]);
    let finding = run.finding("generated", "server-error");
    assert!(finding["body"].pointer("/data/user/credit").unwrap().is_number());
    assert_eq!(reproduce(finding), [Some(500)]);
}

#[test]
fn an_empty_array_indexed_is_found() {
    let receiver = buggy(|body| {
        body.pointer("/Configuration/multiCustomSelectFieldName").and_then(Value::as_array).is_some_and(Vec::is_empty)
    });
    let run = fuzz(&receiver, &["ebriza.configuration.changed", "--checks", "generated"]);
    let finding = run.finding("generated", "server-error");
    assert_eq!(finding["body"].pointer("/Configuration/multiCustomSelectFieldName"), Some(&serde_json::json!([])));
    assert_valid(&finding["body"], "ebriza.configuration.changed");
    assert_eq!(reproduce(finding), [Some(500)]);
}

#[test]
fn an_unknown_extra_key_refused_is_a_rejected_delivery() {
    // obniz's schema allows fields beyond the documented ones; this receiver answers 400 to them.
    let receiver = receiver_answering(|r| match json_of(r) {
        Some(body) if body.as_object().is_some_and(|m| m.keys().any(|k| k != "type" && k != "data")) => bad_request(),
        Some(_) => ok(),
        None => bad_request(),
    });
    let run = fuzz(&receiver, &["obniz.install.create"]);
    let finding = run.finding("generated", "rejected");
    assert_eq!(finding["status"], 400);
    let keys: Vec<&String> = finding["body"].as_object().unwrap().keys().collect();
    assert_eq!(keys.len(), 2, "type and one extra key: {keys:?}");
    assert!(keys.iter().any(|k| *k == "type"));
    // Invalid bodies may be refused: the negative check has nothing to say about a 400.
    assert!(run.findings().iter().all(|f| f["check"] != "negative"));
    assert_eq!(reproduce(finding), [Some(400)]);
}

#[test]
fn a_slow_answer_for_large_bodies_is_a_timeout() {
    let receiver = receiver_answering(|r| {
        if r.body.len() > 8192 && json_of(r).is_some() {
            (200, Duration::from_millis(2500), "{}".into())
        } else {
            ok()
        }
    });
    let run = fuzz(&receiver, &["pgyer.crashlog", "--checks", "generated", "--timeout", "1s"]);
    let finding = run.finding("generated", "timeout");
    assert!(finding["status"].is_null());
    let size = finding["body_bytes"].as_u64().unwrap();
    assert!(size > 8192 && size < finding["original_body_bytes"].as_u64().unwrap(), "{size}");
    assert!(run.stderr.contains("seed 7"), "{}", run.stderr);
}

#[test]
fn a_500_on_the_second_identical_delivery_is_found() {
    let seen = Mutex::new(HashSet::new());
    let receiver = receiver_answering(move |r| match json_of(r) {
        Some(_) if !seen.lock().unwrap().insert(r.body.clone()) => boom(),
        Some(_) => ok(),
        None => bad_request(),
    });
    let run = fuzz(&receiver, &["pgyer.feedback"]);
    let finding = run.finding("delivery", "server-error");
    assert!(finding["case"].as_str().unwrap().contains("twice"), "{finding:#}");
    assert!(finding["reproduce"].as_str().unwrap().ends_with("--duplicate 2"));
    assert!(reproduce(finding).contains(&Some(500)));
    assert!(!run.kinds().contains(&("generated".into(), "server-error".into())), "{:?}", run.kinds());
}

#[test]
fn a_receiver_that_checks_no_signature_accepts_every_forgery() {
    let receiver = receiver_answering(|_| ok());
    let run = fuzz(
        &receiver,
        &[
            "pgyer.crashlog",
            "--checks",
            "signatures",
            "--secret-env",
            "HOOKCTL_FUZZ_TEST_SECRET",
            "--scheme",
            "standard",
        ],
    );
    assert_eq!(run.code, 1);
    for kind in ["accepted-unsigned", "accepted-forged", "accepted-stale", "accepted-replayed"] {
        let finding = run.finding("signatures", kind);
        assert_eq!(finding["status"], 200);
        assert_shape(finding, "pgyer.crashlog");
    }
    // The forged request is saved with its forged signature: sent again, it is accepted again.
    let forged = run.finding("signatures", "accepted-forged");
    assert!(forged["headers"]["webhook-signature"].is_string());
    assert_eq!(reproduce(forged), [Some(200)]);
    let unsigned = run.finding("signatures", "accepted-unsigned");
    assert!(unsigned["headers"].get("webhook-signature").is_none());
}

/// Verifies Standard Webhooks signatures: `tolerance` seconds for the timestamp, and (when `replays`)
/// refuses a signature it has seen.
fn verifying(tolerance: u64, replays: bool) -> impl Fn(&Received) -> Option<Answer> + Send + Sync {
    let secret = hookctl::signing::Secret::for_scheme(SECRET, hookctl::signing::Scheme::Standard).unwrap();
    let seen = Mutex::new(HashSet::new());
    move |r: &Received| {
        let headers: hookctl::headers::Headers = r.headers.clone().into();
        let now = chrono::Utc::now().timestamp();
        let check = hookctl::signing::verify(
            hookctl::signing::Scheme::Standard,
            &secret,
            &headers,
            &r.body,
            now,
            Duration::from_secs(tolerance),
        );
        if !check.is_valid() {
            return Some((401, Duration::ZERO, "{\"error\":\"bad signature\"}".into()));
        }
        let signature = r.header("webhook-signature").unwrap_or_default().to_string();
        if replays && !seen.lock().unwrap().insert(signature) {
            return Some((409, Duration::ZERO, "{\"error\":\"replayed\"}".into()));
        }
        None
    }
}

#[test]
fn a_receiver_that_ignores_timestamps_accepts_stale_and_replayed_requests() {
    let verify = verifying(10 * 365 * 24 * 3600, false);
    let receiver = receiver_answering(move |r| verify(r).unwrap_or_else(ok));
    let run =
        fuzz(&receiver, &["pgyer.crashlog", "--checks", "signatures", "--secret-env", "HOOKCTL_FUZZ_TEST_SECRET"]);
    let kinds = run.kinds();
    assert!(kinds.contains(&("signatures".into(), "accepted-stale".into())), "{kinds:?}");
    assert!(kinds.contains(&("signatures".into(), "accepted-replayed".into())), "{kinds:?}");
    assert!(!kinds.contains(&("signatures".into(), "accepted-unsigned".into())), "{kinds:?}");
    assert!(!kinds.contains(&("signatures".into(), "accepted-forged".into())), "{kinds:?}");
    let stale = run.finding("signatures", "accepted-stale");
    assert_eq!(reproduce(stale), [Some(200)]);
    let replayed = run.finding("signatures", "accepted-replayed");
    assert_eq!(reproduce(replayed), [Some(200), Some(200)]);
}

/// What a careful receiver does with a body: it validates it against the event schemas (any one), then
/// parses every field the schema promises a format, a pattern or a JSON text for, itself.
fn strictly_valid(body: &Value, schemas: &[(Value, jsonschema::Validator)]) -> bool {
    schemas.iter().any(|(schema, validator)| validator.is_valid(body) && parses(schema, schema, body, 0))
}

fn resolve<'a>(root: &'a Value, schema: &'a Value) -> &'a Value {
    match schema.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) {
        Some(pointer) => root.pointer(pointer).unwrap_or(schema),
        None => schema,
    }
}

fn parses(root: &Value, schema: &Value, value: &Value, depth: usize) -> bool {
    if depth > 20 {
        return true;
    }
    let schema = resolve(root, schema);
    if let Some(branches) = schema.get("anyOf").or(schema.get("oneOf")).and_then(Value::as_array) {
        return branches.iter().any(|b| parses(root, b, value, depth + 1));
    }
    match value {
        Value::String(text) => {
            let format_ok = match schema.get("format").and_then(Value::as_str) {
                Some("date-time") => chrono::DateTime::parse_from_rfc3339(text).is_ok(),
                Some("uuid") => uuid::Uuid::parse_str(text).is_ok(),
                _ => true,
            };
            let pattern_ok = schema
                .get("pattern")
                .and_then(Value::as_str)
                .is_none_or(|p| regex::Regex::new(p).unwrap().is_match(text));
            let json_ok = schema.get("contentMediaType").is_none() || serde_json::from_str::<Value>(text).is_ok();
            format_ok && pattern_ok && json_ok
        }
        Value::Object(map) => map.iter().all(|(k, v)| {
            match schema.get("properties").and_then(|p| p.get(k)).or(schema.get("additionalProperties")) {
                Some(sub) if sub.is_object() => parses(root, sub, v, depth + 1),
                _ => true,
            }
        }),
        Value::Array(items) => match schema.get("items") {
            Some(sub) => items.iter().all(|v| parses(root, sub, v, depth + 1)),
            None => true,
        },
        _ => true,
    }
}

#[test]
fn a_strict_but_correct_receiver_gets_no_finding() {
    let schemas: Vec<(Value, jsonschema::Validator)> = hookctl::catalog::Catalog::builtin()
        .iter()
        .map(|f| {
            let schema = f.schema.clone().unwrap();
            let validator = jsonschema::options().should_validate_formats(true).build(&schema).unwrap();
            (schema, validator)
        })
        .collect();
    let verify = verifying(300, true);
    let receiver = receiver_answering(move |r| {
        if let Some(refused) = verify(r) {
            return refused;
        }
        match json_of(r) {
            Some(body) if strictly_valid(&body, &schemas) => ok(),
            _ => (422, Duration::ZERO, "{\"error\":\"not a webhook we know\"}".into()),
        }
    });
    let run = fuzz(&receiver, &["--secret-env", "HOOKCTL_FUZZ_TEST_SECRET", "--concurrency", "8"]);
    assert_eq!(run.findings().len(), 0, "{:#}", run.doc["findings"]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert_eq!(run.doc["events"], 16);
    assert_eq!(run.doc["seed"], 7);
    assert!(run.doc["requests"].as_u64().unwrap() > 16 * 100, "{}", run.doc["requests"]);
    assert_eq!(run.doc["checks"], serde_json::json!(["examples", "generated", "negative", "delivery", "signatures"]));
    assert!(std::fs::read_dir(run.dir.path()).unwrap().next().is_none(), "nothing saved without findings");
}

#[test]
fn the_same_seed_sends_the_same_bodies() {
    let _turn = crate::support::heavy_turn();
    let bodies = |seed: &str| {
        let receiver = receiver_answering(|_| ok());
        hookctl()
            .args([
                "fuzz",
                "pgyer.crashlog",
                "--checks",
                "generated",
                "--budget",
                "60",
                "--seed",
                seed,
                "--to",
                &receiver.url,
            ])
            .assert()
            .code(0);
        let mut all: Vec<String> = receiver
            .drain(Duration::from_millis(200))
            .iter()
            .filter_map(json_of)
            .map(|mut v| {
                // The fixture's clock placeholders are the send time's.
                for key in ["created", "updated", "timestamp"] {
                    v.as_object_mut().unwrap().remove(key);
                }
                v.to_string()
            })
            .collect();
        all.sort();
        all
    };
    let first = bodies("42");
    assert_eq!(first.len(), 60);
    assert_eq!(first, bodies("42"));
    assert_ne!(first, bodies("43"));
}

#[test]
fn findings_go_to_a_junit_report_and_the_text_output() {
    let _turn = crate::support::heavy_turn();
    let receiver = buggy(|body| body["device_type"] == "Android");
    let dir = tempfile::tempdir().unwrap();
    let report = dir.path().join("fuzz.xml");
    let output = hookctl()
        .args(["fuzz", "pgyer.crashlog", "--checks", "examples,generated", "--seed", "3", "--to", &receiver.url])
        .arg("--report")
        .arg(format!("junit={}", report.display()))
        .arg("--save-failures")
        .arg(dir.path().join("found"))
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8_lossy(&output.stdout);
    assert!(text.contains("✗ pgyer.crashlog: 1 finding"), "{text}");
    assert!(text.contains("generated · server-error · HTTP 500"), "{text}");
    assert!(text.contains("\"device_type\": \"Android\""), "{text}");
    assert!(text.contains("reproduce: hookctl --fixtures"), "{text}");
    let xml = std::fs::read_to_string(report).unwrap();
    assert!(xml.contains("tests=\"2\" failures=\"1\""), "{xml}");
    assert!(xml.contains("name=\"pgyer.crashlog generated\""), "{xml}");
    let saved = dir.path().join("found/pgyer.crashlog.fuzz-generated-server-error.json");
    let fixture: Value = serde_json::from_str(&std::fs::read_to_string(saved).unwrap()).unwrap();
    assert_eq!(fixture["body"]["device_type"], "Android");
}

#[test]
fn usage_errors_and_an_absent_receiver_are_said_plainly() {
    let receiver = receiver_answering(|_| ok());
    let out = hookctl().args(["fuzz", "--to", &receiver.url, "--checks", "signatures"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("needs the receiver's signing secret"));
    let out = hookctl().args(["fuzz", "pgyer.crashlgo", "--to", &receiver.url]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("did you mean pgyer.crashlog"));
    let out = hookctl().args(["fuzz", "nothing.*", "--to", &receiver.url]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let port = crate::support::closed_port();
    let out =
        hookctl().args(["fuzz", "pgyer.crashlog", "--to", &format!("http://127.0.0.1:{port}/")]).output().unwrap();
    assert_eq!(out.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("nothing answers at 127.0.0.1") && stderr.lines().count() <= 3, "{stderr}");
}

#[test]
fn invalid_bodies_that_crash_the_receiver_are_negative_findings() {
    // A receiver that parses without checking: broken JSON and missing fields make it fail.
    let receiver = receiver_answering(|r| match json_of(r) {
        Some(body) if body.get("title").is_some_and(Value::is_string) => ok(),
        _ => boom(),
    });
    let run = fuzz(&receiver, &["pgyer.crashlog", "--checks", "negative"]);
    let finding = run.finding("negative", "server-error");
    assert!(finding["cases"].as_u64().unwrap() >= 3, "{finding:#}");
    assert!(reproduce(finding).contains(&Some(500)));
}

#[test]
fn a_receiver_that_dies_is_one_finding_naming_the_request_that_killed_it() {
    let _turn = crate::support::heavy_turn();
    use std::io::{BufReader, Write};
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::sync::Arc;
    // A receiver process that crashes on non-ASCII text: the connection closes unanswered, and nothing
    // listens on its port afterwards.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = listener.local_addr().unwrap().port();
    let dead = Arc::new(AtomicBool::new(false));
    let flag = dead.clone();
    std::thread::spawn(move || {
        for stream in listener.incoming() {
            if flag.load(Ordering::SeqCst) {
                return; // the listener goes with the thread: connections are refused from now on
            }
            let Ok(stream) = stream else { continue };
            let flag = flag.clone();
            std::thread::spawn(move || {
                let mut writer = stream.try_clone().unwrap();
                let mut reader = BufReader::new(stream);
                loop {
                    let (head, body) = crate::support::read_request(&mut reader);
                    if head.is_empty() || flag.load(Ordering::SeqCst) {
                        return;
                    }
                    if !body.is_ascii() {
                        flag.store(true, Ordering::SeqCst);
                        let _ = std::net::TcpStream::connect(("127.0.0.1", port)); // wake the accept loop
                        return; // crashed: no answer
                    }
                    if writer.write_all(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n{}").is_err() {
                        return;
                    }
                }
            });
        }
    });
    let dir = tempfile::tempdir().unwrap();
    let output = hookctl()
        .args(["fuzz", "pgyer.crashlog", "pgyer.feedback", "--checks", "generated", "--concurrency", "1", "--json"])
        .args(["--seed", "3", "--to", &format!("http://127.0.0.1:{port}/hooks"), "--save-failures"])
        .arg(dir.path())
        .timeout(Duration::from_secs(120))
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("the receiver stopped answering during pgyer.crashlog"), "{stderr}");
    let doc = stdout_json(&output);
    let findings = doc["findings"].as_array().unwrap();
    assert_eq!(findings.len(), 1, "{findings:#?}");
    assert_eq!(findings[0]["kind"], "server-error");
    assert!(findings[0]["case"].as_str().unwrap().contains("the receiver went down here"));
    assert!(
        !serde_json::to_string(&findings[0]["body"]).unwrap().is_ascii(),
        "the body that killed it: {}",
        findings[0]["body"]
    );
    assert!(dead.load(Ordering::SeqCst));
}

#[test]
fn every_generated_body_passes_an_independent_validator() {
    if !crate::support::command_available("check-jsonschema", "pip install check-jsonschema") {
        return;
    }
    let _turn = crate::support::heavy_turn();
    let dir = tempfile::tempdir().unwrap();
    // Events with formats, patterns, a JSON-text field, unions and shapes.
    for event in ["obniz.install.create", "pgyer.crashlog", "ebriza.configuration.changed"] {
        let receiver = receiver_answering(|_| ok());
        hookctl()
            .args(["fuzz", event, "--checks", "generated", "--budget", "300", "--seed", "11", "--to", &receiver.url])
            .current_dir(dir.path())
            .assert()
            .code(0);
        let bodies = receiver.drain(Duration::from_millis(200));
        assert_eq!(bodies.len(), 300, "{event}");
        let schema = dir.path().join(format!("{event}.schema.json"));
        std::fs::write(&schema, hookctl().args(["schema", event]).output().unwrap().stdout).unwrap();
        let files: Vec<std::path::PathBuf> = bodies
            .iter()
            .enumerate()
            .map(|(i, r)| {
                let path = dir.path().join(format!("{event}.{i}.json"));
                std::fs::write(&path, &r.body).unwrap();
                path
            })
            .collect();
        let checked = std::process::Command::new("check-jsonschema")
            .arg("--schemafile")
            .arg(&schema)
            .args(&files)
            .output()
            .unwrap();
        assert!(checked.status.success(), "{event}: {}", String::from_utf8_lossy(&checked.stdout));
    }
}

#[test]
fn an_early_413_to_a_large_invalid_body_is_an_answer_not_a_dropped_connection() {
    // listen refuses a body over its --max-body (10 MiB) with a 413 before reading it and closes; the 10 MB case
    // must count that as the receiver's answer (reqwest alone reports the write it could not finish).
    let _turn = crate::support::heavy_turn();
    let listener = crate::support::listen(&["-q"]);
    let cwd = tempfile::tempdir().unwrap();
    let output = hookctl()
        .args(["fuzz", "pgyer.crashlog", "--checks", "negative", "--json", "--to", &listener.url])
        .current_dir(cwd.path())
        .output()
        .unwrap();
    let doc = stdout_json(&output);
    assert_eq!(doc["findings"], serde_json::json!([]), "{}", String::from_utf8_lossy(&output.stderr));
    assert_eq!(output.status.code(), Some(0));
}
