//! `send --export locust`: the generated locustfile, run by Locust in distributed mode (one master, two
//! workers, headless, on loopback) against `listen --save --secret-env … --require-signature`: every request
//! arrives, is detected, validates and verifies.
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::Value;

use crate::support::{hookctl, listen_env, python_module};

const SECRET: &str = "whsec_c2VjcmV0LWZvci1sb2N1c3QtdGVzdHM=";

fn wait(mut child: std::process::Child, limit: Duration) -> Option<i32> {
    let start = Instant::now();
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return status.code();
        }
        if start.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            return None;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
}

#[test]
fn a_generated_locustfile_runs_distributed_and_every_request_validates_and_verifies() {
    if !python_module("locust") {
        return;
    }
    let _turn = crate::support::heavy_turn();
    let dir = tempfile::tempdir().unwrap();
    let capture = dir.path().join("captures.ndjson");
    let listener = listen_env(
        &["-q", "--save", capture.to_str().unwrap(), "--secret-env", "LOCUST_TEST_SECRET", "--require-signature"],
        &[("LOCUST_TEST_SECRET", SECRET)],
    );
    let locustfile = dir.path().join("locustfile.py");
    let output = hookctl()
        .args(["send", "ebriza.configuration.changed", "--to", &listener.url, "--repeat", "240", "--concurrency", "4"])
        .args(["--secret-env", "LOCUST_TEST_SECRET", "--scheme", "standard", "--export", "locust"])
        .env("LOCUST_TEST_SECRET", SECRET)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(!text.contains(SECRET) && !text.contains("c2VjcmV0"), "the secret never goes into the file");
    assert!(text.contains("SECRET_ENV = \"LOCUST_TEST_SECRET\"") && text.contains("REQUESTS = 240"));
    std::fs::write(&locustfile, &text).unwrap();

    let port = crate::support::closed_port().to_string();
    let locust = |args: &[&str]| {
        Command::new("python3")
            .args(["-m", "locust", "-f"])
            .arg(&locustfile)
            .args(args)
            .current_dir(dir.path())
            .env("LOCUST_TEST_SECRET", SECRET)
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("python3 -m locust")
    };
    let master = locust(&["--headless", "--master", "--expect-workers", "2", "--master-bind-port", &port, "-t", "60s"]);
    std::thread::sleep(Duration::from_millis(500));
    let workers = [locust(&["--worker", "--master-port", &port]), locust(&["--worker", "--master-port", &port])];
    assert_eq!(wait(master, Duration::from_secs(90)), Some(0), "the master failed or timed out");
    for worker in workers {
        wait(worker, Duration::from_secs(20));
    }
    let (_, _, stderr) = listener.stop();
    let records: Vec<Value> =
        std::fs::read_to_string(&capture).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(records.len(), 240, "{stderr}");
    let mut ids = std::collections::HashSet::new();
    for record in &records {
        assert_eq!(record["event"], "ebriza.configuration.changed", "{record}");
        assert_eq!(record["valid"], true, "{}", record["errors"]);
        assert_eq!(record["signature"]["status"], "valid", "{}", record["signature"]);
        assert_eq!(record["answered"], 200);
        // Placeholders filled per request: every delivery has its own client id, and the header follows it.
        let body = &record["body"];
        let client = body["EbrizaClientID"].as_str().unwrap().to_string();
        assert_eq!(record["headers"]["ebriza-clientid"].as_str(), Some(client.as_str()));
        assert!(ids.insert(client), "a client id repeated");
    }
}

#[test]
fn export_refuses_what_a_locustfile_cannot_reproduce() {
    let out = hookctl().args(["send", "pgyer.crashlog", "--export", "locust"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    let out = hookctl()
        .args([
            "send",
            "pgyer.crashlog",
            "--to",
            "http://127.0.0.1:1/a",
            "--to",
            "http://127.0.0.1:2/b",
            "--export",
            "locust",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("exactly one --to"));
    let out = hookctl()
        .args([
            "send",
            "pgyer.crashlog",
            "--to",
            "http://127.0.0.1:1/",
            "--secret",
            "hunter2-secret",
            "--export",
            "locust",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        !text.contains("hunter2-secret") && text.contains("--secret '***'") || text.contains("--secret ***"),
        "{}",
        &text[..600]
    );
    assert!(text.contains("SECRET_ENV = \"HOOKCTL_SECRET\""));
}
