//! Golden output: `listen`'s terminal view and `--json` lines, and `diff`'s text and JSON, over the
//! documented payloads (tests/data) and a few mutations of them (tests/golden/inputs); `import`'s report on
//! the descriptions in tests/specs; `fuzz`'s report on a receiver with planted bugs. Compared byte for
//! byte with the files in tests/golden. A change in output shows as a file diff; when it is meant, rewrite
//! the files with `HOOKCTL_BLESS=1 cargo test golden` and commit them.
//!
//! Only what varies per run is normalised: the clock (`HH:MM:SS.mmm`, `received_at`, rendered times), the
//! listener's port, elapsed seconds and temporary folders.
use std::path::{Path, PathBuf};
use std::time::Duration;

use crate::support::{hookctl, raw_request};

fn manifest() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// The documented payloads and the mutations, in a fixed order.
fn inputs() -> Vec<PathBuf> {
    let mut files = Vec::new();
    for dir in ["tests/data", "tests/golden/inputs"] {
        let mut found: Vec<PathBuf> =
            std::fs::read_dir(manifest().join(dir)).unwrap().map(|e| e.unwrap().path()).collect();
        found.sort();
        files.extend(found);
    }
    files
}

fn stem(path: &Path) -> String {
    path.file_name().unwrap().to_string_lossy().trim_end_matches(".json").trim_end_matches(".txt").to_string()
}

/// Compares `actual` with tests/golden/NAME, or rewrites it under HOOKCTL_BLESS=1.
fn golden(name: &str, actual: &str) {
    let path = manifest().join("tests/golden").join(name);
    if std::env::var_os("HOOKCTL_BLESS").is_some() {
        std::fs::write(&path, actual).unwrap();
        return;
    }
    let expected = std::fs::read_to_string(&path)
        .unwrap_or_else(|_| panic!("{} is missing: run HOOKCTL_BLESS=1 cargo test golden", path.display()));
    if expected != actual {
        let first = expected.lines().zip(actual.lines()).position(|(a, b)| a != b);
        panic!(
            "{name} differs from tests/golden/{name} (first differing line: {first:?})\n--- expected\n{expected}\n--- actual\n{actual}"
        );
    }
}

/// Replaces every run of `digits(len)` shaped like `pattern` ('9' = a digit, anything else literal).
fn mask_shape(text: &str, pattern: &str, with: &str) -> String {
    let shape = pattern.as_bytes();
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let fits = bytes.len() - i >= shape.len()
            && shape.iter().zip(&bytes[i..]).all(|(p, b)| if *p == b'9' { b.is_ascii_digit() } else { p == b });
        if fits {
            out.extend_from_slice(with.as_bytes());
            i += shape.len();
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).unwrap()
}

/// `127.0.0.1:PORT` for every address on loopback (the listener's and the client's ports vary).
fn mask_ports(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find("127.0.0.1:") {
        out.push_str(&rest[..at + "127.0.0.1:".len()]);
        rest = &rest[at + "127.0.0.1:".len()..];
        let digits = rest.bytes().take_while(u8::is_ascii_digit).count();
        if digits > 0 {
            out.push_str("PORT");
        }
        rest = &rest[digits..];
    }
    out.push_str(rest);
    out
}

/// `in 4.8s` → `in Ns`: how long a run took.
fn mask_elapsed(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find(" in ") {
        out.push_str(&rest[..at + 4]);
        rest = &rest[at + 4..];
        let number = rest.bytes().take_while(|b| b.is_ascii_digit() || *b == b'.').count();
        if number > 0 && rest[number..].starts_with('s') {
            out.push('N');
            rest = &rest[number..];
        }
    }
    out.push_str(rest);
    out
}

fn normalise(text: &str) -> String {
    let text = mask_shape(text, "9999-99-99T99:99:99.999Z", "YYYY-MM-DDTHH:MM:SS.mmmZ");
    let text = mask_shape(&text, "99:99:99.999", "HH:MM:SS.mmm");
    let text = mask_shape(&text, " 99:99:99 ", " HH:MM:SS ");
    mask_ports(&text)
}

/// Each input POSTed in order over its own connection, with fixed headers (Ebriza's with its client id).
fn post_all(port: u16) {
    for path in inputs() {
        let body = std::fs::read(&path).unwrap();
        let name = stem(&path);
        let client =
            if name.starts_with("ebriza") { "ebriza-clientid: D9707F3B-3BC9-4D45-B03E-A1ECC38A9EE9\r\n" } else { "" };
        let head = format!(
            "POST /hooks/{name} HTTP/1.1\r\nHost: golden.test\r\nContent-Type: application/json\r\n{client}Content-Length: {}\r\nConnection: close\r\n\r\n",
            body.len()
        );
        let mut request = head.into_bytes();
        request.extend_from_slice(&body);
        let (status, _) = raw_request(port, &request);
        assert_eq!(status, 200, "{name}");
    }
}

fn listen_output(args: &[&str]) -> (String, String) {
    let count = inputs().len().to_string();
    let mut all = vec!["--count", &count, "--timeout", "60s"];
    all.extend_from_slice(args);
    // Times are said in the local zone: UTC here, so the files are the same on every machine.
    let listener = crate::support::listen_env(&all, &[("TZ", "UTC")]);
    post_all(listener.port);
    let (code, stdout, stderr) = listener.finish(Duration::from_secs(30));
    assert_eq!(code, Some(1), "some inputs are invalid on purpose: {stderr}");
    (normalise(&stdout), normalise(&stderr))
}

#[test]
fn listen_terminal_view_is_unchanged() {
    let (stdout, stderr) = listen_output(&[]);
    golden("listen.stdout", &stdout);
    golden("listen.stderr", &stderr);
}

#[test]
fn listen_json_lines_are_unchanged() {
    let (stdout, stderr) = listen_output(&["--json"]);
    golden("listen-json.stdout", &stdout);
    golden("listen-json.stderr", &stderr);
}

#[test]
fn diff_text_and_json_are_unchanged() {
    let mut text = String::new();
    let mut json = String::new();
    for path in inputs() {
        let name = stem(&path);
        let against: &[&str] =
            if name == "ebriza-flat-configuration" { &["--against", "ebriza.configuration"] } else { &[] };
        for (flag, into) in [(None, &mut text), (Some("--json"), &mut json)] {
            let output =
                hookctl().env("NO_COLOR", "1").arg("diff").arg(&path).args(against).args(flag).output().unwrap();
            into.push_str(&format!("=== {name} (exit {:?})\n", output.status.code()));
            into.push_str(&String::from_utf8_lossy(&output.stdout));
            into.push_str("--- stderr\n");
            into.push_str(&String::from_utf8_lossy(&output.stderr).replace(&*manifest().to_string_lossy(), "."));
        }
    }
    golden("diff.txt", &text);
    golden("diff-json.txt", &json);
}

#[test]
fn listen_quiet_lines_are_unchanged() {
    let (stdout, stderr) = listen_output(&["-q"]);
    golden("listen-quiet.stdout", &stdout);
    golden("listen-quiet.stderr", &stderr);
}

/// `import` of every description in tests/specs (and its Adyen folder), each into a fresh folder.
#[test]
fn import_reports_are_unchanged() {
    let mut specs: Vec<PathBuf> = ["tests/specs", "tests/specs/adyen"]
        .iter()
        .flat_map(|dir| std::fs::read_dir(manifest().join(dir)).unwrap().map(|e| e.unwrap().path()))
        .filter(|p| p.extension().is_some_and(|e| e == "json" || e == "yaml"))
        .collect();
    specs.sort();
    let mut text = String::new();
    for spec in specs {
        let out = tempfile::tempdir().unwrap();
        let output = hookctl()
            .env("NO_COLOR", "1")
            .args(["import", spec.to_str().unwrap(), "--provider", "acme", "--out", out.path().to_str().unwrap()])
            .output()
            .unwrap();
        let shown = spec.strip_prefix(manifest()).unwrap().display().to_string();
        text.push_str(&format!("=== {shown} (exit {:?})\n", output.status.code()));
        for stream in [&output.stdout, &output.stderr] {
            text.push_str(&String::from_utf8_lossy(stream).replace(&*out.path().to_string_lossy(), "OUT"));
            text.push_str("---\n");
        }
    }
    golden("import.txt", &text.replace(&*manifest().to_string_lossy(), "."));
}

/// `fuzz` on a receiver with two planted bugs: a 500 for a body without a string `title` (so the schema's
/// negative cases find it on every event, told once), and a 500 for a `title` beyond ASCII (which the
/// generated cases find and shrink).
#[test]
fn fuzz_report_is_unchanged() {
    let rx = crate::support::receiver_answering(|request| {
        let body: serde_json::Value = serde_json::from_slice(&request.body).unwrap_or_default();
        let buggy = !body["title"].as_str().is_some_and(|t| t.is_ascii());
        (if buggy { 500 } else { 200 }, Duration::ZERO, "{\"ok\":true}".into())
    });
    let saved = tempfile::tempdir().unwrap();
    let output = hookctl()
        .env("NO_COLOR", "1")
        .env("TZ", "UTC")
        .args(["fuzz", "pgyer.crashlog", "pgyer.feedback", "--to", &rx.url, "--seed", "7", "--budget", "40"])
        .args(["--checks", "examples,generated,negative", "--concurrency", "1"])
        .args(["--save-failures", saved.path().to_str().unwrap()])
        .timeout(Duration::from_secs(300))
        .output()
        .unwrap();
    let mut text = format!("exit {:?}\n", output.status.code());
    for stream in [&output.stdout, &output.stderr] {
        text.push_str(&String::from_utf8_lossy(stream).replace(&*saved.path().to_string_lossy(), "SAVED"));
        text.push_str("---\n");
    }
    let text = mask_shape(&normalise(&mask_elapsed(&text)), "9999-99-99 99:99:99", "YYYY-MM-DD HH:MM:SS");
    golden("fuzz.txt", &mask_shape(&text, "\"timestamp\": 9999999999", "\"timestamp\": UNIX"));
}
