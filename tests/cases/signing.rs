//! Signed webhooks: `sign`, `verify`, `send --secret`, `listen --secret` on loopback.
use std::time::Duration;

use serde_json::Value;

use crate::support::{hookctl, listen_env, receiver, stderr_text, stdout_json};

const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";
const SECRET_PART: &str = "C2FVsBQIhrscChlQIMV";
const BODY: &str = r#"{"email":"test@example.com","username":"test_user"}"#;
const VECTOR: &str = "v1,tZ1I4/hDygAJgO5TYxiSd6Sd0kDW6hPenDe+bTa3Kkw=";

fn body_file(dir: &tempfile::TempDir, content: &str) -> String {
    let path = dir.path().join("body.json");
    std::fs::write(&path, content).unwrap();
    path.to_str().unwrap().to_string()
}

fn verify(file: &str, headers: &[String], extra: &[&str]) -> std::process::Output {
    let mut cmd = hookctl();
    cmd.args(["verify", "--secret-env", "HOOK_SECRET", file]).args(extra).env("HOOK_SECRET", SECRET);
    for header in headers {
        cmd.args(["-H", header]);
    }
    cmd.output().unwrap()
}

fn vector_headers(signature: &str) -> Vec<String> {
    vec![
        "webhook-id: msg_27UH4WbU6Z5A5EzD8u03UvzRbpk".into(),
        "webhook-timestamp: 1649367553".into(),
        format!("webhook-signature: {signature}"),
    ]
}

#[test]
fn the_standard_webhooks_test_vector_signs_and_verifies() {
    let dir = tempfile::tempdir().unwrap();
    let file = body_file(&dir, BODY);
    let output = hookctl()
        .args([
            "sign",
            "--secret",
            SECRET,
            "--id",
            "msg_27UH4WbU6Z5A5EzD8u03UvzRbpk",
            "--timestamp",
            "1649367553",
            "--json",
            &file,
        ])
        .output()
        .unwrap();
    assert!(output.status.success());
    let headers = stdout_json(&output);
    assert_eq!(headers["webhook-signature"], VECTOR);
    assert_eq!(headers["webhook-timestamp"], "1649367553");

    let ok = verify(&file, &vector_headers(VECTOR), &["--tolerance", "0s", "--json"]);
    assert_eq!(ok.status.code(), Some(0), "{}", stderr_text(&ok));
    assert_eq!(stdout_json(&ok)["valid"], true);

    let multi = verify(&file, &vector_headers(&format!("v1,Zm9vYmFy v2,xyz {VECTOR}")), &["--tolerance", "0s"]);
    assert_eq!(multi.status.code(), Some(0), "one good v1 entry among several verifies");
}

#[test]
fn bad_signatures_fail_with_the_reason() {
    let dir = tempfile::tempdir().unwrap();
    let changed = body_file(&dir, &BODY.replace("test_user", "test_usex"));
    let out = verify(&changed, &vector_headers(VECTOR), &["--tolerance", "0s", "--json"]);
    assert_eq!(out.status.code(), Some(1));
    let verdict = stdout_json(&out);
    assert_eq!(verdict["status"], "invalid");
    assert!(verdict["reason"].as_str().unwrap().starts_with("mismatch"));

    let file = body_file(&dir, BODY);
    let stale = verify(&file, &vector_headers(VECTOR), &[]);
    assert_eq!(stale.status.code(), Some(1));
    assert!(stderr_text(&stale).contains("too old"), "{}", stderr_text(&stale));

    let future = chrono_now() + 3600;
    let ahead = hookctl()
        .args(["sign", "--secret", SECRET, "--timestamp", &future.to_string(), "--json", &file])
        .output()
        .unwrap();
    let h = stdout_json(&ahead);
    let headers: Vec<String> =
        h.as_object().unwrap().iter().map(|(k, v)| format!("{k}: {}", v.as_str().unwrap())).collect();
    let out = verify(&file, &headers, &[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(stderr_text(&out).contains("too new"));

    let missing = verify(&file, &[], &["--json"]);
    assert_eq!(missing.status.code(), Some(1));
    assert_eq!(stdout_json(&missing)["status"], "missing");

    let wrong = hookctl()
        .args(["verify", "--secret", "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAA", "--tolerance", "0s", &file])
        .args(vector_headers(VECTOR).iter().flat_map(|h| ["-H".to_string(), h.clone()]))
        .output()
        .unwrap();
    assert_eq!(wrong.status.code(), Some(1));
    assert!(stderr_text(&wrong).contains("mismatch"));
}

fn chrono_now() -> i64 {
    std::time::SystemTime::now().duration_since(std::time::UNIX_EPOCH).unwrap().as_secs() as i64
}

#[test]
fn every_scheme_round_trips_send_to_listen() {
    for scheme in ["standard", "svix", "github", "stripe"] {
        let dir = tempfile::tempdir().unwrap();
        let save = dir.path().join("c.ndjson");
        let server = listen_env(
            &[
                "--secret-env",
                "HOOK_SECRET",
                "--scheme",
                scheme,
                "--save",
                save.to_str().unwrap(),
                "--count",
                "2",
                "--timeout",
                "30s",
            ],
            &[("HOOK_SECRET", SECRET)],
        );
        let signed = hookctl()
            .args(["send", "pgyer.crashlog", "--to", &server.url, "--secret-env", "HOOK_SECRET", "--scheme", scheme])
            .args(["--set", "title=Signed"])
            .env("HOOK_SECRET", SECRET)
            .output()
            .unwrap();
        assert!(signed.status.success(), "{scheme}: {}", stderr_text(&signed));
        let wrong = hookctl()
            .args([
                "send",
                "pgyer.crashlog",
                "--to",
                &server.url,
                "--secret",
                "whsec_AAAAAAAAAAAAAAAAAAAAAAAAAAAA",
                "--scheme",
                scheme,
            ])
            .output()
            .unwrap();
        assert!(wrong.status.success(), "without --require-signature the sender still gets 200");
        let (code, stdout, stderr) = server.finish(Duration::from_secs(20));
        assert_eq!(code, Some(0), "{scheme}: {stderr}");
        assert!(
            stdout.contains("signature ✓") && stdout.contains("signature ✗ invalid: mismatch"),
            "{scheme}: {stdout}"
        );
        let records: Vec<Value> =
            std::fs::read_to_string(&save).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
        assert_eq!(records[0]["signature"]["status"], "valid", "{scheme}");
        assert_eq!(records[0]["signature"]["scheme"], scheme);
        assert_eq!(records[1]["signature"]["status"], "invalid");

        // The saved capture verifies offline too.
        let spec = format!("{}:{}", save.display(), records[0]["id"]);
        let offline = hookctl().args(["verify", "--secret", SECRET, "--scheme", scheme, &spec]).output().unwrap();
        assert_eq!(offline.status.code(), Some(0), "{scheme}: {}", stderr_text(&offline));
    }
}

#[test]
fn require_signature_answers_401_and_fails_ci_mode() {
    let server = listen_env(
        &["--secret-env", "HOOK_SECRET", "--require-signature", "--count", "2", "--timeout", "30s", "-q"],
        &[("HOOK_SECRET", SECRET)],
    );
    let unsigned = hookctl().args(["send", "obniz.oauth.create", "--to", &server.url, "--json"]).output().unwrap();
    assert_eq!(unsigned.status.code(), Some(1));
    assert_eq!(stdout_json(&unsigned)["status"], 401);
    let signed =
        hookctl().args(["send", "obniz.oauth.create", "--to", &server.url, "--secret", SECRET]).output().unwrap();
    assert!(signed.status.success());
    let (code, _, stderr) = server.finish(Duration::from_secs(20));
    assert_eq!(code, Some(1));
    assert!(stderr.contains("is not correctly signed"), "{stderr}");
}

#[test]
fn forwarding_keeps_the_signature_valid_at_the_app() {
    let app = receiver(200, Duration::ZERO);
    let base = app.url.trim_end_matches("/hooks").to_string();
    let server = listen_env(&["--forward-to", &base, "--count", "1", "--timeout", "30s", "-q"], &[]);
    let dir = tempfile::tempdir().unwrap();
    // A body with spacing a re-serialising relay would lose.
    let file = body_file(&dir, "{ \"type\" : \"oauth.create\",\n  \"data\": {\"id\": \"1\", \"n\": 1.50} }");
    let headers = hookctl().args(["sign", "--secret", SECRET, "--json", &file]).output().unwrap();
    let headers = stdout_json(&headers);
    let pairs: Vec<(String, String)> =
        headers.as_object().unwrap().iter().map(|(k, v)| (k.clone(), v.as_str().unwrap().to_string())).collect();
    let refs: Vec<(&str, &str)> = pairs.iter().map(|(k, v)| (k.as_str(), v.as_str())).collect();
    let raw = std::fs::read(&file).unwrap();
    assert_eq!(crate::support::post(&format!("{}/hooks", server.url), &refs, &raw), 200);
    server.finish(Duration::from_secs(20));
    let got = app.next();
    assert_eq!(got.body, raw, "relayed byte for byte");
    let relayed = body_file(&dir, &String::from_utf8(got.body.clone()).unwrap());
    let args: Vec<String> =
        got.headers.iter().filter(|(n, _)| n.starts_with("webhook-")).map(|(n, v)| format!("{n}: {v}")).collect();
    assert_eq!(args.len(), 3);
    assert_eq!(verify(&relayed, &args, &[]).status.code(), Some(0), "the app can verify what was forwarded");
}

#[test]
fn secrets_never_appear_in_any_output() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("c.ndjson");
    let server = listen_env(
        &["--secret", SECRET, "--save", save.to_str().unwrap(), "--count", "1", "--timeout", "30s", "--json"],
        &[],
    );
    let mut outputs = Vec::new();
    let send =
        hookctl().args(["send", "ebriza.install", "--to", &server.url, "--secret", SECRET, "-v"]).output().unwrap();
    outputs.push(send.stdout.clone());
    outputs.push(send.stderr.clone());
    let dry = hookctl()
        .args(["send", "ebriza.install", "--to", &server.url, "--secret-env", "S", "--dry-run"])
        .env("S", SECRET)
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&dry.stdout).contains("webhook-signature: v1,"),
        "dry run shows the signature headers"
    );
    outputs.push(dry.stdout);
    outputs.push(dry.stderr);
    let bad = hookctl().args(["sign", "--secret", "whsec_!!notbase64secret", "-"]).write_stdin("{}").output().unwrap();
    assert_eq!(bad.status.code(), Some(2));
    assert!(!String::from_utf8_lossy(&bad.stderr).contains("notbase64secret"));
    let (_, stdout, stderr) = server.finish(Duration::from_secs(20));
    outputs.push(stdout.into_bytes());
    outputs.push(stderr.into_bytes());
    outputs.push(std::fs::read(&save).unwrap());
    for output in outputs {
        let text = String::from_utf8_lossy(&output);
        assert!(!text.contains(SECRET_PART), "secret leaked: {text}");
    }
}
