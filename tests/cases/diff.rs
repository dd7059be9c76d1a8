//! `hookctl diff`: verdicts, pointers, masked diffs, inputs.
use serde_json::{json, Value};

use crate::fixtures::BUILT_IN;
use crate::support::{hookctl, shared_doc, stderr_text, stdout_json};

fn render(name: &str) -> Value {
    let output = hookctl().args(["fixtures", "show", name, "--json"]).output().unwrap();
    stdout_json(&output)["body"].clone()
}

fn diff_json(body: &str, args: &[&str]) -> (Option<i32>, Value, String) {
    let output = hookctl().args(["diff", "-", "--json"]).args(args).write_stdin(body.to_string()).output().unwrap();
    let err = stderr_text(&output);
    let value = if output.stdout.is_empty() { Value::Null } else { stdout_json(&output) };
    (output.status.code(), value, err)
}

#[test]
fn every_rendered_fixture_matches_itself_with_an_empty_masked_diff() {
    for name in BUILT_IN {
        let body = render(name).to_string();
        // The flat Ebriza settings POST is only recognisable by its ebriza-clientid header.
        let detectable = name != "ebriza.configuration";
        let runs = if detectable { vec![vec!["--against", name], vec![]] } else { vec![vec!["--against", name]] };
        for args in runs {
            let (code, report, err) = diff_json(&body, &args);
            assert_eq!(code, Some(0), "{name} {args:?}: {err} {report}");
            // A shape fixture's payload is its event, in that shape.
            let event =
                if name == "ebriza.configuration.changed.example" { "ebriza.configuration.changed" } else { name };
            assert_eq!(report["event"], event, "{args:?}");
            assert_eq!(report["matches"], true);
            assert_eq!(report["errors"], json!([]));
            assert_eq!(report["extra_fields"], json!([]));
            assert_eq!(report["diff"], "", "{name}: {}", report["diff"]);
        }
    }
    let (code, _, err) = diff_json(&render("ebriza.configuration").to_string(), &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("likely: ebriza.configuration"), "{err}");
}

#[test]
fn documented_examples_match_their_events() {
    let cases = [
        ("pgyer-updateVersion-en.doc-fixed.json", "pgyer.updateVersion", None),
        ("pgyer-feedback-en.doc-fixed.json", "pgyer.feedback", None),
        ("pgyer-crashlog-en.doc-fixed.json", "pgyer.crashlog", None),
        ("pgyer-updateVersion-zh.doc-fixed.json", "pgyer.updateVersion.zh", None),
        ("pgyer-feedback-zh.doc-fixed.json", "pgyer.feedback.zh", None),
        ("pgyer-crashlog-zh.doc-fixed.json", "pgyer.crashlog.zh", None),
        ("ebriza-configuration-changed.doc.json", "ebriza.configuration.changed", Some("docs-example")),
        ("obniz-install-create.doc-fixed.json", "obniz.install.create", None),
    ];
    for (file, event, shape) in cases {
        let (code, report, err) = diff_json(&shared_doc(file), &[]);
        assert_eq!(code, Some(0), "{file}: {err} {report}");
        assert_eq!(report["event"], event);
        assert_eq!(report["shape"].as_str(), shape);
    }
    // Against the typed event, the docs example still validates (both shapes are accepted) and says which.
    let (code, report, _) =
        diff_json(&shared_doc("ebriza-configuration-changed.doc.json"), &["--against", "ebriza.configuration.changed"]);
    assert_eq!((code, report["shape"].as_str()), (Some(0), Some("docs-example")));
    // The event is the same, and the payload is compared with the fixture of the shape it followed.
    assert_eq!(report["event"], "ebriza.configuration.changed");
    assert_eq!(report["diff"], "", "{report}");
    // Against the docs-example fixture's own name, a typed payload is compared with the docs example: the
    // masks keep the type difference visible.
    let typed = render("ebriza.configuration.changed").to_string();
    let (code, report, _) = diff_json(&typed, &["--against", "ebriza.configuration.changed.example"]);
    assert_eq!(
        (code, report["event"].as_str(), report["shape"].as_str()),
        (Some(0), Some("ebriza.configuration.changed"), Some("typed"))
    );
    let diff = report["diff"].as_str().unwrap();
    assert!(diff.contains("-    \"booleanFieldName\": \"‹varies: string›\""), "{diff}");
    assert!(
        diff.contains("+    \"booleanFieldName\": \"‹varies: boolean›\""),
        "masks keep the type difference: {diff}"
    );
}

#[test]
fn mutations_fail_with_exit_1_at_the_right_pointer() {
    let mut no_title = render("pgyer.crashlog");
    no_title.as_object_mut().unwrap().remove("title");
    let mut string_ts = render("pgyer.feedback");
    string_ts["timestamp"] = json!("1444361118");
    let mut action7 = render("ebriza.configuration.changed");
    action7["ActionType"] = json!(7);
    let mut bad_guid = render("ebriza.install");
    bad_guid["LocationID"] = json!("not-a-guid");
    let mut bad_date = render("ebriza.configuration.changed");
    bad_date["Configuration"]["dateFieldName"] = json!("10/07/2018 11:14");
    let cases = [
        (no_title, "pgyer.crashlog", "/title", "required"),
        (string_ts, "pgyer.feedback", "/timestamp", "type"),
        (action7, "ebriza.configuration.changed", "/ActionType", "const"),
        (bad_guid, "ebriza.install", "/LocationID", "pattern"),
        (bad_date, "ebriza.configuration.changed", "/Configuration/dateFieldName", "pattern"),
    ];
    for (body, event, pointer, keyword) in cases {
        let (code, report, err) = diff_json(&body.to_string(), &["--against", event]);
        assert_eq!(code, Some(1), "{event} {pointer}: {err}");
        assert_eq!(report["matches"], false);
        let errors = report["errors"].as_array().unwrap();
        let hit =
            errors.iter().find(|e| e["pointer"] == pointer).unwrap_or_else(|| panic!("{pointer} not in {errors:?}"));
        assert_eq!(hit["keyword"], keyword, "{hit}");
        assert!(hit["expected"].as_str().is_some_and(|s| !s.is_empty()) && hit["found"].as_str().is_some());
    }
}

#[test]
fn text_output_has_verdict_problems_notes_and_a_unified_diff() {
    let mut body = render("pgyer.crashlog");
    body["timestamp"] = json!("x");
    body["surprise"] = json!(true);
    let output =
        hookctl().args(["diff", "-", "--against", "pgyer.crashlog"]).write_stdin(body.to_string()).output().unwrap();
    assert_eq!(output.status.code(), Some(1));
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("✗ does not match pgyer.crashlog (1 problem)\n"), "{text}");
    assert!(text.contains("✗ /timestamp: expected type integer, found string \"x\""), "{text}");
    assert!(text.contains("note: /surprise: not in the schema"), "{text}");
    assert!(text.contains("--- expected (pgyer.crashlog)\n+++ received\n"), "{text}");
    assert!(text.contains("+  \"surprise\": true"), "{text}");

    let coloured = hookctl()
        .args(["diff", "-", "--against", "pgyer.crashlog", "--color", "always"])
        .write_stdin(body.to_string())
        .output()
        .unwrap();
    let coloured = String::from_utf8(coloured.stdout).unwrap();
    assert!(coloured.contains("\u{1b}[32m+  \"surprise\": true,\u{1b}[0m\n"), "inserts in green: {coloured}");
    assert!(coloured.contains("\u{1b}[31m-  \"timestamp\": "), "deletes in red: {coloured}");
    assert!(coloured.lines().any(|l| l.starts_with("\u{1b}[90m@@ -")), "hunk headers dimmed: {coloured}");

    let strict = hookctl()
        .args(["diff", "-", "--strict", "--json"])
        .write_stdin(render("pgyer.feedback").to_string().replace("{", "{\"extra\":1,"))
        .output()
        .unwrap();
    assert_eq!(strict.status.code(), Some(1), "--strict makes extra fields failures");
    assert_eq!(stdout_json(&strict)["extra_fields"], json!(["/extra"]));
}

#[test]
fn masking_can_be_turned_off_or_extended() {
    let body = render("obniz.install.create").to_string();
    let (_, unmasked, _) = diff_json(&body, &["--no-mask"]);
    assert!(unmasked["diff"].as_str().unwrap().contains("\"id\""), "ids differ between renders when unmasked");
    let mut changed = render("obniz.install.create");
    changed["type"] = json!("install.create");
    changed["data"]["extra"] = json!("x");
    let (_, masked, _) = diff_json(&changed.to_string(), &["--ignore", "/data/extra"]);
    assert_eq!(masked["diff"], "", "--ignore masks a pointer on both sides");
    let (code, _, err) = diff_json(&body, &["--ignore", "data.extra"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("not a JSON pointer"));
}

#[test]
fn inputs_files_captures_by_id_and_user_schemas() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("in.json");
    std::fs::write(&file, render("pgyer.feedback").to_string()).unwrap();
    hookctl().args(["diff", file.to_str().unwrap()]).assert().success();

    let mut first = render("obniz.oauth.create");
    first["type"] = json!("oauth.create");
    let record = |id: u64, body: &Value| {
        json!({"id": id, "received_at": "2026-01-01T00:00:00.000Z", "remote_addr": "127.0.0.1:1", "method": "POST",
               "path": "/", "query": null, "headers": {"content-type": "application/json"}, "body": body,
               "body_text": null, "body_base64": null, "event": null, "valid": null, "errors": []})
    };
    let mut broken = render("pgyer.crashlog");
    broken["appsize"] = json!(12);
    let captures = dir.path().join("c.ndjson");
    std::fs::write(&captures, format!("{}\n{}\n", record(1, &first), record(2, &broken))).unwrap();
    let (code, report) = {
        let out = hookctl().args(["diff", &format!("{}:1", captures.display()), "--json"]).output().unwrap();
        (out.status.code(), stdout_json(&out))
    };
    assert_eq!((code, report["event"].as_str()), (Some(0), Some("obniz.oauth.create")));
    let last = hookctl().args(["diff", captures.to_str().unwrap(), "--json"]).output().unwrap();
    assert_eq!(last.status.code(), Some(1), "the last record is the default");
    assert_eq!(stdout_json(&last)["errors"][0]["pointer"], "/appsize");

    let schema = dir.path().join("order.schema.json");
    std::fs::write(
        &schema,
        r#"{"type":"object","required":["order_id"],"properties":{"order_id":{"type":"integer"}}}"#,
    )
    .unwrap();
    let (code, report, _) = diff_json(r#"{"order_id": 5, "note": "x"}"#, &["--schema", schema.to_str().unwrap()]);
    assert_eq!((code, report["matches"].as_bool()), (Some(0), Some(true)));
    assert_eq!(report["extra_fields"], json!(["/note"]));
    let (code, report, _) = diff_json(r#"{"order_id": "5"}"#, &["--schema", schema.to_str().unwrap()]);
    assert_eq!(code, Some(1));
    assert_eq!(report["errors"][0]["pointer"], "/order_id");
}

#[test]
fn invalid_json_and_undetectable_input_are_input_errors() {
    let output = hookctl().args(["diff", "-"]).write_stdin(shared_doc("pgyer-crashlog-en.doc.txt")).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    let err = stderr_text(&output);
    assert!(err.contains("stdin is not valid JSON") && err.contains("line 13 column 18"), "{err}");
    assert!(err.contains("\"device_type\": 'iOS',") && err.contains("^"), "the offending line is shown: {err}");

    let (code, _, err) = diff_json(r#"{"title": "OooPlay", "notes": "x"}"#, &[]);
    assert_eq!(code, Some(2));
    assert!(err.contains("cannot tell which event") && err.contains("likely: pgyer."), "{err}");
    let output = hookctl().args(["diff", "/nonexistent.json"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_text(&output).contains("no such file"));
}

#[test]
fn a_20000_field_configuration_is_validated_and_diffed_whole() {
    let mut body = render("ebriza.configuration.changed");
    let config = body["Configuration"].as_object_mut().unwrap();
    for i in 0..20_000 {
        config.insert(format!("field{i:05}"), if i % 2 == 0 { json!(true) } else { json!(["opt1", "opt2"]) });
    }
    config.insert("evil".into(), json!("a\u{202e}b\u{1b}[2J"));
    body["ActionType"] = json!("2");
    let text = body.to_string();

    let (code, report, err) = diff_json(&text, &["--against", "ebriza.configuration.changed"]);
    assert_eq!(code, Some(1), "{err}");
    assert_eq!(report["shape"], "typed");
    let pointers: Vec<&str> =
        report["errors"].as_array().unwrap().iter().map(|e| e["pointer"].as_str().unwrap()).collect();
    assert_eq!(pointers, ["/ActionType", "/ActionType"], "{}", report["errors"]);
    let diff = report["diff"].as_str().unwrap();
    assert!(diff.contains("\n-  \"ActionType\": 2,\n+  \"ActionType\": \"2\",\n"), "{}", &diff[..400]);
    assert_eq!(diff.lines().filter(|l| l.starts_with("+    \"field")).count(), 20_000);
    assert!(diff.contains("+    \"evil\": \"a\u{202e}b\\u001b[2J\",\n"), "JSON keeps the exact text");

    let output = hookctl()
        .args(["diff", "-", "--against", "ebriza.configuration.changed", "--context", "0"])
        .write_stdin(text)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    let shown = String::from_utf8(output.stdout).unwrap();
    assert!(shown.contains("+    \"evil\": \"a\\u{202e}b\\u001b[2J\",\n"), "the terminal gets no raw bidi control");
    assert!(!shown.contains('\u{202e}'));
    assert!(shown.contains("\n@@ -2 +2 @@\n-  \"ActionType\": 2,\n+  \"ActionType\": \"2\",\n"), "{}", &shown[..600]);
}

#[test]
fn the_last_of_duplicate_keys_counts_as_other_json_readers_do() {
    let body = r#"{"type": "install.create", "type": "oauth.delete", "data": {"token": "x"}}"#;
    let (_, report, err) = diff_json(body, &[]);
    assert_eq!(report["event"], "obniz.oauth.delete", "{err} {report}");
}
