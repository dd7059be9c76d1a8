//! A provider as data: a user's folder (provider.json beside its fixtures) says everything a built-in
//! provider says, with no Rust: detection rules, what a failed answer costs, how far one event fans out.
use std::path::Path;
use std::time::Duration;

use serde_json::{json, Value};

use crate::support::{hookctl, listen_env, post, receiver, stderr_text, stdout_json};

fn write_json(path: &Path, value: &Value) {
    std::fs::write(path, serde_json::to_string_pretty(value).unwrap()).unwrap();
}

/// `acme/`: a provider file, an event detected by a value in a set plus a header, a Chinese variant told
/// apart by a field holding CJK text, and a schema.
fn acme_folder(root: &Path) {
    let dir = root.join("acme");
    std::fs::create_dir_all(&dir).unwrap();
    write_json(
        &dir.join("provider.json"),
        &json!({
            "name": "acme",
            "title": "Acme",
            "on_failure": "Acme cancels the order after {answer}",
            "max_webhooks": 2
        }),
    );
    let body = json!({"kind": "order", "status": "created", "id": "{{digits:6}}", "note": "thanks"});
    write_json(
        &dir.join("order.created.json"),
        &json!({
            "name": "acme.order.created",
            "description": "An order was placed",
            "headers": {"Content-Type": "application/json", "X-Acme-Shop": "{{digits:4}}"},
            "mask": ["/note"],
            "match": {
                "/kind": "order",
                "/status": {"$in": ["created", "new"]},
                "/note": {"$cjk": false},
                "header:x-acme-shop": {"$present": true}
            },
            "body": body
        }),
    );
    write_json(
        &dir.join("order.created.schema.json"),
        &json!({
            "type": "object",
            "required": ["kind", "status", "id"],
            "properties": {
                "kind": {"const": "order"},
                "status": {"enum": ["created", "new"]},
                "id": {"type": "string", "pattern": "^[0-9]+$"},
                "note": {"type": "string"}
            }
        }),
    );
    write_json(
        &dir.join("order.created.zh.json"),
        &json!({
            "name": "acme.order.created.zh",
            "description": "An order was placed, with a note in Chinese",
            "headers": {"Content-Type": "application/json", "X-Acme-Shop": "{{digits:4}}"},
            "match": {
                "/kind": "order",
                "/status": {"$in": ["created", "new"]},
                "$any": [{"/note": {"$cjk": true}}],
                "header:x-acme-shop": {"$present": true}
            },
            "body": {"kind": "order", "status": "new", "id": "{{digits:6}}", "note": "謝謝"}
        }),
    );
}

#[test]
fn a_user_provider_folder_is_detected_by_listen_checked_by_diff_and_its_failure_note_said_by_send() {
    let root = tempfile::tempdir().unwrap();
    acme_folder(root.path());
    let fixtures = root.path().to_str().unwrap();
    let save = root.path().join("captures.ndjson");

    // listen: detection by value-in-set + header, the CJK variant, a bad body, and one without the header.
    let server = listen_env(
        &["--json", "--count", "4", "--timeout", "30s", "--save", save.to_str().unwrap()],
        &[("HOOKCTL_FIXTURES", fixtures)],
    );
    let shop = [("Content-Type", "application/json"), ("X-Acme-Shop", "0042")];
    let order = br#"{"kind":"order","status":"new","id":"123","note":"thanks"}"#;
    assert_eq!(post(&format!("{}/hooks", server.url), &shop, order), 200);
    assert_eq!(
        post(
            &format!("{}/hooks", server.url),
            &shop,
            "{\"kind\":\"order\",\"status\":\"created\",\"id\":\"7\",\"note\":\"謝謝\"}".as_bytes()
        ),
        200
    );
    assert_eq!(post(&format!("{}/hooks", server.url), &shop, br#"{"kind":"order","status":"new","id":"abc"}"#), 200);
    assert_eq!(post(&format!("{}/hooks", server.url), &[("Content-Type", "application/json")], order), 200);
    let (code, stdout, stderr) = server.finish(Duration::from_secs(20));
    assert_eq!(code, Some(1), "one invalid order: {stderr}");
    let records: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let seen: Vec<(Value, Value)> = records.iter().map(|r| (r["event"].clone(), r["valid"].clone())).collect();
    assert_eq!(
        seen,
        [
            (json!("acme.order.created"), json!(true)),
            (json!("acme.order.created.zh"), json!(null)),
            (json!("acme.order.created"), json!(false)),
            (json!(null), json!(null)),
        ],
        "the zh variant has no schema; without its header the body is not Acme's"
    );
    assert_eq!(records[2]["errors"][0]["pointer"], "/id");

    // diff: the saved capture (with its headers) is detected and checked; the bare body is not Acme's.
    let diff =
        |target: &str| hookctl().env("HOOKCTL_FIXTURES", fixtures).args(["diff", target, "--json"]).output().unwrap();
    let first = diff(&format!("{}:1", save.display()));
    assert_eq!(first.status.code(), Some(0), "{}", stderr_text(&first));
    let report = stdout_json(&first);
    assert_eq!((report["event"].as_str(), report["matches"].as_bool()), (Some("acme.order.created"), Some(true)));
    let bad = diff(&format!("{}:3", save.display()));
    assert_eq!(bad.status.code(), Some(1));
    assert_eq!(stdout_json(&bad)["errors"][0]["pointer"], "/id");
    let body_only = root.path().join("order.json");
    std::fs::write(&body_only, order).unwrap();
    let undetected = diff(body_only.to_str().unwrap());
    assert_eq!(undetected.status.code(), Some(2));
    assert!(stderr_text(&undetected).contains("cannot tell which event"), "{}", stderr_text(&undetected));

    // send: the fan-out limit warns, the provider's failure note follows a failed answer.
    let failing = receiver(500, Duration::ZERO);
    let sent = hookctl()
        .env("HOOKCTL_FIXTURES", fixtures)
        .args(["send", "acme.order.created", "--to", &failing.url, "--to", &failing.url, "--to", &failing.url])
        .output()
        .unwrap();
    assert_eq!(sent.status.code(), Some(1));
    let said = stderr_text(&sent);
    assert!(said.contains("warning: Acme allows at most 2 webhooks per app; sending to all 3 URLs anyway"), "{said}");
    assert_eq!(said.matches("note: Acme cancels the order after HTTP 500").count(), 3, "{said}");
    let delivered = failing.drain(Duration::from_millis(500));
    assert_eq!(delivered.len(), 3);
    assert!(delivered.iter().all(|r| r.header("x-acme-shop").is_some_and(|v| v.len() == 4)));
    let results = String::from_utf8_lossy(&sent.stdout).into_owned();
    assert_eq!(results.lines().filter(|l| l.starts_with("500 ") && l.contains("acme.order.created")).count(), 3);
}

#[test]
fn a_broken_provider_file_or_match_rule_is_skipped_with_a_warning_naming_it() {
    let root = tempfile::tempdir().unwrap();
    acme_folder(root.path());
    write_json(&root.path().join("acme/provider.json"), &json!({"name": "acme", "on_failure": "no placeholder"}));
    write_json(
        &root.path().join("acme/refund.json"),
        &json!({"name": "acme.refund", "description": "x", "match": {"/amount": {"$near": 3}}, "body": {"amount": 1}}),
    );
    let output = hookctl().args(["--fixtures", root.path().to_str().unwrap(), "fixtures"]).output().unwrap();
    assert_eq!(output.status.code(), Some(0));
    let said = stderr_text(&output);
    assert!(said.contains("skipped provider file") && said.contains("{answer}"), "{said}");
    assert!(said.contains("skipped fixture") && said.contains("unknown match operator $near"), "{said}");
    let listed = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(listed.contains("acme.order.created") && !listed.contains("acme.refund"), "{listed}");
}

/// Provider knowledge lives in `fixtures/<provider>/`: outside tests, comments, the help text's examples and the
/// named placeholder aliases (`{{now:pgyer}}` is a time format with a zone), no source line names a provider.
#[test]
fn no_source_line_outside_tests_and_comments_names_a_provider() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let files = crate::support::rust_files(&src);
    let aliases = [
        "{{now:pgyer}}",
        "{{now:ebriza-example}}",
        "{{obniz-id}}",
        "\"obniz-id\" =>",
        // The placeholder table: `{{now:pgyer}}`'s and `{{now:ebriza-example}}`'s names.
        ", \"pgyer\"),",
        ", \"ebriza-example\"),",
    ];
    let mut found = Vec::new();
    for file in files {
        let relative = file.strip_prefix(&src).unwrap().to_string_lossy().replace('\\', "/");
        // The help pages' examples are the user's documentation (`hookctl send pgyer.crashlog …`); the property
        // tests are tests.
        if relative == "cli/help.rs" || relative == "properties.rs" {
            continue;
        }
        let text = std::fs::read_to_string(&file).unwrap();
        for (number, line) in text.lines().enumerate() {
            if line.trim_start().starts_with("#[cfg(test)]") {
                break;
            }
            let code = line.trim_start();
            if code.starts_with("//") || aliases.iter().any(|a| code.contains(a)) {
                continue;
            }
            let lower = code.to_lowercase();
            if ["obniz", "pgyer", "ebriza"].iter().any(|p| lower.contains(p)) {
                found.push(format!("src/{relative}:{}: {code}", number + 1));
            }
        }
    }
    assert!(found.is_empty(), "provider knowledge outside fixtures/:\n{}", found.join("\n"));
}
