//! The inspector: its JSON API over real sockets, and the page in a real headless Chromium.
use std::io::{Read, Write};
use std::net::TcpStream;
use std::time::Duration;

use serde_json::Value;

use crate::support::browser::Browser;
use crate::support::{hookctl, listen, listen_ui, post, receiver, stderr_text};

const SECRET: &str = "whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD";

/// One HTTP exchange with the inspector: (status, headers, body as text).
fn http(port: u16, method: &str, path: &str, extra: &[(&str, &str)], body: &str) -> (u16, String, String) {
    let (status, head, body) = crate::support::http(port, method, path, extra, body.as_bytes());
    (status, head, String::from_utf8_lossy(&body).into_owned())
}

fn get_json(port: u16, path: &str) -> Value {
    let (status, _, body) = http(port, "GET", path, &[], "");
    assert_eq!(status, 200, "{path}: {body}");
    serde_json::from_str(&body).unwrap_or_else(|e| panic!("{path}: {e}: {body:.300}"))
}

fn ids(page: &Value) -> Vec<u64> {
    page["captures"].as_array().unwrap().iter().map(|c| c["id"].as_u64().unwrap()).collect()
}

#[test]
fn the_api_pages_filters_exports_and_replays_and_guards_itself() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("caps.ndjson");
    let (server, port, token) = listen_ui(&["-q", "--save", save.to_str().unwrap(), "--secret", SECRET]);
    for args in [
        vec!["send", "pgyer.crashlog"],
        vec!["send", "obniz.install.create", "--set", "data.id=5"],
        vec!["send", "pgyer.feedback"],
    ] {
        assert!(hookctl().args(&args).args(["--to", &server.url]).output().unwrap().status.success());
    }
    assert_eq!(post(&server.url, &[("X-Trace", "needle-7")], br#"{"hello":"world"}"#), 200);
    std::thread::sleep(Duration::from_millis(300));

    let all = get_json(port, "/api/captures");
    assert_eq!(ids(&all), [4, 3, 2, 1], "newest first");
    assert_eq!(all["total"], 4);
    let first = &all["captures"][3];
    assert_eq!(
        (first["event"].as_str(), first["verdict"].as_str(), first["answered"].as_u64()),
        (Some("pgyer.crashlog"), Some("valid"), Some(200))
    );
    let page = get_json(port, "/api/captures?limit=2");
    assert_eq!((ids(&page), page["next_before_id"].as_u64()), (vec![4, 3], Some(3)));
    assert_eq!(ids(&get_json(port, "/api/captures?limit=2&before_id=3")), [2, 1]);
    assert_eq!(ids(&get_json(port, "/api/captures?event=pgyer.*")), [3, 1]);
    assert_eq!(ids(&get_json(port, "/api/captures?verdict=invalid")), [2]);
    assert_eq!(ids(&get_json(port, "/api/captures?verdict=unrecognised")), [4]);
    assert_eq!(ids(&get_json(port, "/api/captures?q=needle-7")), [4]);

    let record = get_json(port, "/api/captures/2");
    assert_eq!(record["errors"][0]["pointer"], "/data/id");
    let diff = get_json(port, "/api/captures/2/diff");
    assert_eq!((diff["event"].as_str(), diff["matches"].as_bool()), (Some("obniz.install.create"), Some(false)));

    // HAR of a filtered set, field by field.
    let har = get_json(port, "/api/captures.har?event=pgyer.*");
    let entries = har["log"]["entries"].as_array().unwrap();
    assert_eq!(har["log"]["version"], "1.2");
    assert_eq!(entries.len(), 2);
    assert_eq!(entries[0]["request"]["method"], "POST");
    assert!(entries[0]["request"]["url"].as_str().unwrap().ends_with("/"));
    assert_eq!(entries[0]["response"]["status"], 200);
    assert_eq!(entries[0]["_hookctl"]["event"], "pgyer.crashlog");
    let original: Value = serde_json::from_str(entries[0]["request"]["postData"]["text"].as_str().unwrap()).unwrap();
    assert_eq!(original["type"], "crashlog");

    // The curl command, run, sends the same bytes (to the capture port it came to).
    let (status, _, curl) = http(port, "GET", "/api/captures/4/curl", &[], "");
    assert_eq!(status, 200);
    let run = std::process::Command::new("sh").arg("-c").arg(&curl).output().unwrap();
    assert!(run.status.success(), "{}", String::from_utf8_lossy(&run.stderr));

    // Replay: 403 without the token, exact bytes with it, re-signed on request.
    let rx = receiver(200, Duration::ZERO);
    let request = format!(r#"{{"url":"{}"}}"#, rx.url);
    let (status, _, body) = http(port, "POST", "/api/captures/1/replay", &[], &request);
    assert_eq!(status, 403, "{body}");
    let (status, _, body) =
        http(port, "POST", "/api/captures/1/replay", &[("Cookie", "hookctl_token=wrong")], &request);
    assert_eq!(status, 403, "{body}");
    let cookie = format!("hookctl_token_{port}={token}");
    let origin = format!("http://127.0.0.1:{port}");
    let (status, _, body) =
        http(port, "POST", "/api/captures/1/replay", &[("Cookie", &cookie), ("Origin", &origin)], &request);
    assert_eq!(status, 200, "{body}");
    let delivery: Value = serde_json::from_str(&body).unwrap();
    assert_eq!((delivery["status"].as_u64(), delivery["ok"].as_bool()), (Some(200), Some(true)));
    let saved: Vec<Value> =
        std::fs::read_to_string(&save).unwrap().lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let replayed = rx.next();
    assert_eq!(replayed.json(), saved[0]["body"], "the original body");
    assert_eq!(replayed.body.len() as u64, saved[0]["body_bytes"].as_u64().unwrap(), "the exact bytes");
    let signed = format!(r#"{{"url":"{}/signed","sign":true}}"#, server.url);
    let (status, _, body) = http(port, "POST", "/api/captures/1/replay", &[("X-Hookctl-Token", &token)], &signed);
    assert_eq!(status, 200, "{body}");
    std::thread::sleep(Duration::from_millis(300));
    let last_id = std::fs::read_to_string(&save).unwrap().lines().count();
    let verified =
        hookctl().args(["verify", "--secret", SECRET, &format!("{}:{last_id}", save.display())]).output().unwrap();
    assert_eq!(verified.status.code(), Some(0), "{}", String::from_utf8_lossy(&verified.stdout));

    // Guards and errors: a foreign Host, a cross-site Origin, bad ids, bad JSON; the server keeps answering.
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    stream.write_all(b"GET /api/captures HTTP/1.1\r\nHost: evil.example:80\r\nConnection: close\r\n\r\n").unwrap();
    let mut answer = String::new();
    stream.read_to_string(&mut answer).unwrap();
    assert!(answer.starts_with("HTTP/1.1 403"), "{answer}");
    let (status, _, _) = http(
        port,
        "POST",
        "/api/captures/1/replay",
        &[("Cookie", &cookie), ("Origin", "http://evil.example")],
        &request,
    );
    assert_eq!(status, 403);
    for (method, path, body, expected) in [
        ("GET", "/api/captures/999", "", 404),
        ("GET", "/api/captures/abc", "", 400),
        ("GET", "/api/captures?limit=x", "", 400),
        ("POST", "/api/captures/1/replay", "{not json", 400),
        ("GET", "/api/nothing", "", 404),
    ] {
        let (status, _, answer) = http(port, method, path, &[("Cookie", &cookie), ("Origin", &origin)], body);
        assert_eq!(status, expected, "{method} {path}: {answer}");
        let error: Value = serde_json::from_str(&answer).unwrap_or_else(|_| panic!("{path}: not JSON: {answer}"));
        assert!(error["error"].as_str().is_some_and(|m| !m.is_empty()));
    }
    assert_eq!(get_json(port, "/api/captures?limit=1")["captures"].as_array().unwrap().len(), 1);
    let (status, head, _) = http(port, "GET", "/", &[], "");
    assert_eq!(status, 200);
    assert!(head.to_ascii_lowercase().contains("content-security-policy: default-src 'self'"), "{head}");
    drop(server);
}

#[test]
fn inspect_opens_a_saved_file_and_follows_it_as_it_grows() {
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("caps.ndjson");
    let server = listen(&["-q", "--save", save.to_str().unwrap()]);
    assert!(hookctl().args(["send", "pgyer.crashlog", "--to", &server.url]).output().unwrap().status.success());
    let inspect = crate::support::inspect(&save, &[]);
    let port = inspect.port;
    assert_eq!(ids(&get_json(port, "/api/captures")), [1]);
    // Another listen appending to the same file shows up live.
    assert!(hookctl().args(["send", "obniz.oauth.create", "--to", &server.url]).output().unwrap().status.success());
    let mut seen = Vec::new();
    for _ in 0..40 {
        seen = ids(&get_json(port, "/api/captures"));
        if seen.len() == 2 {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    assert_eq!(seen, [2, 1], "followed within a second");
    drop(inspect);
    let missing = hookctl().args(["inspect", "/nonexistent/caps.ndjson"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr_text(&missing).contains("no such capture file"));
}

#[test]
fn the_page_works_in_headless_chromium() {
    let Some(browser) = Browser::start() else { return };
    let dir = tempfile::tempdir().unwrap();
    let save = dir.path().join("caps.ndjson");
    let (server, port, token) = listen_ui(&["-q", "--save", save.to_str().unwrap()]);
    assert!(hookctl().args(["send", "pgyer.crashlog", "--to", &server.url]).output().unwrap().status.success());

    browser.open(&format!("http://127.0.0.1:{port}/?token={token}"));
    assert!(
        browser.wait_for("return document.querySelectorAll('#rows tr').length === 1", Duration::from_secs(10)),
        "the list loads"
    );
    assert_eq!(browser.script("return location.search"), "", "the token is not left in the URL");

    // A capture posted after load appears without a reload, within 200 ms of being saved (give CI slack).
    assert!(hookctl()
        .args(["send", "obniz.install.create", "--set", "data.id=5", "--to", &server.url])
        .output()
        .unwrap()
        .status
        .success());
    assert!(
        browser.wait_for("return document.querySelectorAll('#rows tr').length === 2", Duration::from_secs(2)),
        "live"
    );

    // Filtering (and the filter is in the URL).
    browser.type_into("input[name=event]", "pgyer.*");
    assert!(browser.wait_for(
        "return document.querySelectorAll('#rows tr').length === 1 && location.search.includes('event=pgyer.')",
        Duration::from_secs(5)
    ));
    browser.type_into("input[name=event]", "");
    assert!(browser.wait_for("return document.querySelectorAll('#rows tr').length === 2", Duration::from_secs(5)));
    browser.screenshot(&target_dir().join("inspector-list.png"));

    // The invalid capture's detail: its problem, and the field highlighted.
    browser.click("#rows tr[data-id='2']");
    assert!(browser.wait_for("return document.querySelector('#problems li.bad') !== null", Duration::from_secs(5)));
    let problem = browser.script("return document.querySelector('#problems li').textContent");
    assert!(problem.as_str().unwrap().starts_with("/data/id: expected"), "{problem}");
    assert_eq!(
        browser.script("return document.querySelector('#body .flagged').getAttribute('data-pointer')"),
        "/data/id"
    );
    browser.click("#problems li");
    assert_eq!(
        browser.script("return document.querySelector('#body .highlight').getAttribute('data-pointer')"),
        "/data/id"
    );
    assert!(browser.wait_for("return document.querySelector('#diff').textContent.length > 3", Duration::from_secs(5)));
    browser.screenshot(&target_dir().join("inspector-detail.png"));

    // Keyboard: k moves up the list (to the newer capture), / focuses the search.
    browser.keys("body", "k");
    assert!(browser.wait_for("return location.hash === '#id=2' || location.hash === '#id=1'", Duration::from_secs(2)));

    // Replay from the page reaches a receiver.
    let rx = receiver(200, Duration::ZERO);
    browser.type_into("#replay-url", &rx.url);
    browser.click("#replay button[type=submit]");
    assert!(browser.wait_for(
        "return document.querySelector('#replay-status').textContent.startsWith('200')",
        Duration::from_secs(10)
    ));
    assert_eq!(rx.next().json()["data"]["id"], 5);

    // Edit and replay: the editor validates as you type, and the edited body is what arrives.
    browser.click("#edit-toggle");
    assert!(browser.wait_for(
        "return document.querySelector('#edit-check').textContent.includes('/data/id')",
        Duration::from_secs(5)
    ));
    browser.script(
        "const b = document.querySelector('#edit-body'); const v = JSON.parse(b.value); v.data.id = '1234-5678'; \
         b.value = JSON.stringify(v); b.dispatchEvent(new Event('input')); return true",
    );
    let valid = browser.wait_for(
        "return document.querySelector('#edit-check').textContent.startsWith('valid obniz.install.create')",
        Duration::from_secs(5),
    );
    assert!(valid, "{}", browser.script("return document.querySelector('#edit-check').textContent"));
    browser.click("#edit-send");
    assert!(browser.wait_for(
        "return document.querySelector('#replay-status').textContent.startsWith('200')",
        Duration::from_secs(10)
    ));
    assert_eq!(rx.next().json()["data"]["id"], "1234-5678");

    // Attacker-controlled text renders as text: nothing runs, no element is added.
    let evil = r#"{"<img src=x onerror=window.__xss=1>": "<script>window.__xss=2</script>", "link": "javascript:window.__xss=3", "type": "<b>bold</b>"}"#;
    assert_eq!(
        post(
            &format!("{}/%3Cscript%3Ewindow.__xss=4%3C/script%3E", server.url),
            &[("X-Evil", "<img src=x onerror=window.__xss=5>")],
            evil.as_bytes()
        ),
        200
    );
    assert!(browser.wait_for("return document.querySelectorAll('#rows tr').length === 3", Duration::from_secs(3)));
    browser.click("#rows tr[data-id='3']");
    assert!(browser
        .wait_for("return document.querySelector('#body').textContent.includes('onerror')", Duration::from_secs(5)));
    assert_eq!(browser.script("return window.__xss === undefined"), true, "no script ran");
    assert_eq!(browser.script("return document.querySelectorAll('img, b, script:not([src=\"/app.js\"])').length"), 0);
    assert!(browser
        .script("return document.querySelector('#headers').textContent")
        .as_str()
        .unwrap()
        .contains("<img src=x onerror"));

    let errors: Vec<String> = browser.console_errors();
    assert!(errors.is_empty(), "console errors: {errors:?}");
    drop(server);
}

fn target_dir() -> std::path::PathBuf {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("target");
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

/// Keys of the rows of a page (`FILE:ID` over several files).
fn keys(page: &Value) -> Vec<String> {
    page["captures"].as_array().unwrap().iter().map(|c| c["key"].as_str().unwrap().to_string()).collect()
}

#[test]
fn inspect_merges_several_files_in_received_at_order_with_file_ids() {
    let dir = tempfile::tempdir().unwrap();
    let (a, b) = (dir.path().join("a.ndjson"), dir.path().join("b.ndjson"));
    let shard_a = listen(&["-q", "--save", a.to_str().unwrap()]);
    let shard_b = listen(&["-q", "--save", b.to_str().unwrap()]);
    // Alternating between the two listeners: a1 b1 a2 b2 in time.
    for (server, args) in [
        (&shard_a, vec!["send", "pgyer.crashlog"]),
        (&shard_b, vec!["send", "obniz.install.create", "--set", "data.id=5"]),
        (&shard_a, vec!["send", "pgyer.feedback"]),
        (&shard_b, vec!["send", "obniz.oauth.create"]),
    ] {
        assert!(hookctl().args(&args).args(["--to", &server.url]).output().unwrap().status.success());
        std::thread::sleep(Duration::from_millis(5));
    }
    let inspect = crate::support::inspect_in(dir.path(), &["a.ndjson", "b.ndjson"], &[]);
    let port = inspect.port;
    let all = get_json(port, "/api/captures");
    assert_eq!(keys(&all), ["b.ndjson:2", "a.ndjson:2", "b.ndjson:1", "a.ndjson:1"], "newest first, across files");
    assert_eq!((all["total"].as_u64(), ids(&all)), (Some(4), vec![2, 2, 1, 1]));
    assert_eq!(all["captures"][0]["source"], "b.ndjson");
    assert_eq!(get_json(port, "/api/info")["source"], "a.ndjson, b.ndjson");

    // Paging goes on below a FILE:ID.
    let first = get_json(port, "/api/captures?limit=2");
    assert_eq!(first["next_before_id"], "a.ndjson:2");
    let next = get_json(port, "/api/captures?limit=2&before_id=a.ndjson%3A2");
    assert_eq!(keys(&next), ["b.ndjson:1", "a.ndjson:1"]);
    assert_eq!(keys(&get_json(port, "/api/captures?event=pgyer.*")), ["a.ndjson:2", "a.ndjson:1"]);

    // A record, its diff and its curl by FILE:ID; a bare id or another file names nothing.
    let record = get_json(port, "/api/captures/b.ndjson%3A1");
    assert_eq!((record["id"].as_u64(), record["event"].as_str()), (Some(1), Some("obniz.install.create")));
    let diff = get_json(port, "/api/captures/b.ndjson%3A1/diff");
    assert_eq!((diff["event"].as_str(), diff["matches"].as_bool()), (Some("obniz.install.create"), Some(false)));
    let (status, _, curl) = http(port, "GET", "/api/captures/a.ndjson%3A2/curl", &[], "");
    assert_eq!(status, 200);
    assert!(curl.contains("\n  curl ") && curl.contains("App Feedback"), "{curl}");
    for (path, said) in [("/api/captures/1", "FILE:ID"), ("/api/captures/c.ndjson%3A1", "FILE:ID")] {
        let (status, _, body) = http(port, "GET", path, &[], "");
        assert_eq!(status, 400, "{path}");
        assert!(body.contains(said), "{path}: {body}");
    }
    assert_eq!(http(port, "GET", "/api/captures/a.ndjson%3A9", &[], "").0, 404);
    let (status, _, body) = http(port, "GET", "/api/captures?before_id=a.ndjson%3A9", &[], "");
    assert!(status == 400 && body.contains("no such capture"), "{status} {body}");

    // The export is in time order across the files.
    let (status, _, ndjson) = http(port, "GET", "/api/captures.ndjson", &[], "");
    assert_eq!(status, 200);
    let events: Vec<String> = ndjson
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap()["event"].as_str().unwrap().to_string())
        .collect();
    assert_eq!(events, ["pgyer.crashlog", "obniz.install.create", "pgyer.feedback", "obniz.oauth.create"]);

    // Each file is followed: a third capture on shard A shows on top.
    assert!(hookctl().args(["send", "pgyer.crashlog", "--to", &shard_a.url]).output().unwrap().status.success());
    let mut seen = Vec::new();
    for _ in 0..40 {
        seen = keys(&get_json(port, "/api/captures?limit=1"));
        if seen == ["a.ndjson:3"] {
            break;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    assert_eq!(seen, ["a.ndjson:3"], "followed within a second");

    // The page shows FILE:ID and opens a record of the second file.
    if let Some(browser) = Browser::start() {
        browser.open(&format!("http://127.0.0.1:{port}/"));
        assert!(browser.wait_for("return document.querySelectorAll('#rows tr').length === 5", Duration::from_secs(10)));
        assert_eq!(browser.script("return document.querySelector('#rows tr td').textContent"), "a.ndjson:3");
        browser.click("#rows tr[data-id='b.ndjson:1']");
        assert!(browser.wait_for("return document.querySelector('#problems li.bad') !== null", Duration::from_secs(5)));
        assert_eq!(browser.script("return location.hash"), "#id=b.ndjson%3A1");
        assert!(browser
            .script("return document.querySelector('#detail-meta').textContent")
            .as_str()
            .unwrap()
            .starts_with("#b.ndjson:1 "));
        assert!(
            browser.wait_for("return document.querySelector('#diff').textContent.length > 3", Duration::from_secs(5))
        );
        browser.screenshot(&target_dir().join("inspector-merged.png"));
        // Reloading with the hash opens the same record.
        browser.open(&format!("http://127.0.0.1:{port}/#id=a.ndjson%3A2"));
        assert!(browser.wait_for(
            "return document.querySelector('#request-line').textContent.length > 0 && \
             document.querySelector('#detail-meta').textContent.startsWith('#a.ndjson:2 ')",
            Duration::from_secs(5)
        ));
        let errors = browser.console_errors();
        assert!(errors.is_empty(), "console errors: {errors:?}");
    }
    drop(inspect);
    let twice = hookctl().current_dir(dir.path()).args(["inspect", "a.ndjson", "a.ndjson"]).output().unwrap();
    assert_eq!(twice.status.code(), Some(2));
    assert!(stderr_text(&twice).contains("given twice"), "{}", stderr_text(&twice));
    let missing = hookctl().current_dir(dir.path()).args(["inspect", "a.ndjson", "nope.ndjson"]).output().unwrap();
    assert_eq!(missing.status.code(), Some(2));
    assert!(stderr_text(&missing).contains("nope.ndjson: no such capture file"));
}

/// Reads a live stream until `wanted` holds for what has arrived (or 60 s pass): the text read.
fn read_stream_until(stream: &mut TcpStream, wanted: impl Fn(&str) -> bool) -> String {
    stream.set_read_timeout(Some(Duration::from_millis(200))).unwrap();
    let started = std::time::Instant::now();
    let mut got = Vec::new();
    let mut buf = [0u8; 64 * 1024];
    while !wanted(&String::from_utf8_lossy(&got)) && started.elapsed() < Duration::from_secs(60) {
        if let Ok(n) = stream.read(&mut buf) {
            got.extend_from_slice(&buf[..n]);
        }
    }
    String::from_utf8_lossy(&got).into_owned()
}

#[test]
fn the_live_stream_carries_each_row_and_past_a_window_full_says_the_page_lagged() {
    let (server, ui, _) = listen_ui(&["-q"]);
    let mut stream = TcpStream::connect(("127.0.0.1", ui)).unwrap();
    stream.write_all(format!("GET /api/stream HTTP/1.1\r\nHost: 127.0.0.1:{ui}\r\n\r\n").as_bytes()).unwrap();
    read_stream_until(&mut stream, |t| t.contains(": hookctl"));
    // A few webhooks: one row each, in order, with the capture's id and event.
    for _ in 0..3 {
        assert_eq!(post(&server.url, &[("Content-Type", "application/json")], b"{\"a\":1}"), 200);
    }
    let text = read_stream_until(&mut stream, |t| t.matches("event: capture").count() >= 3);
    let rows: Vec<Value> =
        text.lines().filter_map(|l| l.strip_prefix("data: ")).map(|d| serde_json::from_str(d).unwrap()).collect();
    assert_eq!(rows.iter().map(|r| r["id"].as_u64().unwrap()).collect::<Vec<_>>(), [1, 2, 3], "{text}");
    // A burst: past 64 in a window (100 ms) word that the page lagged (it then reads the list afresh), not
    // the rows; a machine too busy to send that fast gets every row. Never a row silently lost.
    let url = server.url.clone();
    let senders: Vec<_> = (0..4)
        .map(|_| {
            let url = url.clone();
            std::thread::spawn(move || {
                for _ in 0..75 {
                    post(&url, &[("Content-Type", "application/json")], b"{\"a\":2}");
                }
            })
        })
        .collect();
    senders.into_iter().for_each(|s| s.join().unwrap());
    let text =
        read_stream_until(&mut stream, |t| t.contains("event: lagged") || t.matches("event: capture").count() == 300);
    assert!(text.contains("event: lagged") || text.matches("event: capture").count() == 300, "{text:.2000}");
    let started = std::time::Instant::now();
    while get_json(ui, "/api/captures?limit=1")["total"] != 303 {
        assert!(started.elapsed() < Duration::from_secs(60), "the list never reached 303");
        std::thread::sleep(Duration::from_millis(100));
    }
}
