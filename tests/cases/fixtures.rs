//! The fixture catalog: listing, showing, schemas, user fixtures, completions.
use std::collections::BTreeSet;

use serde_json::Value;

use crate::support::{hookctl, stderr_text, stdout_json};

pub const BUILT_IN: [&str; 16] = [
    "obniz.oauth.create",
    "obniz.oauth.delete",
    "obniz.install.create",
    "obniz.install.update",
    "obniz.install.delete",
    "pgyer.updateVersion",
    "pgyer.feedback",
    "pgyer.crashlog",
    "pgyer.updateVersion.zh",
    "pgyer.feedback.zh",
    "pgyer.crashlog.zh",
    "ebriza.install",
    "ebriza.uninstall",
    "ebriza.configuration.changed",
    "ebriza.configuration",
    "ebriza.configuration.changed.example",
];

fn show_json(name: &str) -> Value {
    let output = hookctl().args(["fixtures", "show", name, "--json"]).output().unwrap();
    assert!(output.status.success(), "{name}: {}", stderr_text(&output));
    stdout_json(&output)
}

#[test]
fn fixtures_json_lists_every_built_in_name_with_its_fields() {
    let output = hookctl().args(["fixtures", "--json"]).output().unwrap();
    assert!(output.status.success());
    let list = stdout_json(&output);
    let items = list.as_array().expect("an array");
    let names: BTreeSet<&str> = items.iter().map(|i| i["name"].as_str().unwrap()).collect();
    assert_eq!(names, BUILT_IN.into_iter().collect());
    for item in items {
        for field in ["name", "provider", "event", "description"] {
            assert!(item[field].as_str().is_some_and(|s| !s.is_empty()), "{item} lacks {field}");
        }
        assert!(item["name"].as_str().unwrap().starts_with(item["provider"].as_str().unwrap()));
    }
}

#[test]
fn every_fixture_renders_a_body_valid_against_its_printed_schema() {
    for name in BUILT_IN {
        let request = show_json(name);
        assert_eq!(request["method"], "POST", "{name}");
        assert!(request["headers"]["Content-Type"].as_str().unwrap().starts_with("application/json"));
        let schema_out = hookctl().args(["schema", name]).output().unwrap();
        assert!(schema_out.status.success());
        let schema = stdout_json(&schema_out);
        assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
        let validator = validates_with_diff_schema(&schema, &request["body"]);
        assert!(validator, "{name} does not validate");
    }
}

/// The printed schema validated by the binary itself through `diff --schema` (the jsonschema crate).
fn validates_with_diff_schema(schema: &Value, body: &Value) -> bool {
    let dir = tempfile::tempdir().unwrap();
    let schema_path = dir.path().join("s.json");
    let body_path = dir.path().join("b.json");
    std::fs::write(&schema_path, schema.to_string()).unwrap();
    std::fs::write(&body_path, body.to_string()).unwrap();
    hookctl()
        .args(["diff", body_path.to_str().unwrap(), "--schema", schema_path.to_str().unwrap()])
        .output()
        .unwrap()
        .status
        .success()
}

#[test]
fn two_renders_differ_in_their_volatile_values_only() {
    for (name, volatile) in [
        ("ebriza.configuration.changed", "/EbrizaClientID"),
        ("obniz.install.create", "/data/id"),
        ("pgyer.crashlog", "/build_version"),
    ] {
        let a = show_json(name);
        let b = show_json(name);
        assert_ne!(a["body"].pointer(volatile), b["body"].pointer(volatile), "{name}{volatile} did not change");
        assert_eq!(a["body"]["type"], b["body"]["type"]);
    }
    let a = show_json("ebriza.install");
    assert_eq!(a["headers"]["ebriza-clientid"], a["body"]["EbrizaClientID"]);
    let pg = show_json("pgyer.feedback.zh");
    assert!(pg["body"]["timestamp"].is_i64());
    assert_eq!(pg["body"]["action"], "應用反饋");
}

#[test]
fn fixtures_show_text_has_method_headers_and_pretty_body() {
    let output = hookctl().args(["fixtures", "show", "ebriza.configuration"]).output().unwrap();
    let text = String::from_utf8(output.stdout).unwrap();
    assert!(text.starts_with("POST\n"), "{text}");
    assert!(text.contains("ebriza-clientid: "));
    assert!(text.contains("  \"stringFieldName\": \"string that is not sanitized. Robert'); DROP TABLE Students;--\""));
}

#[test]
fn an_unknown_name_exits_2_with_suggestions() {
    for args in [vec!["fixtures", "show", "pgyer.crash"], vec!["schema", "pgyer.crash"]] {
        let output = hookctl().args(&args).output().unwrap();
        assert_eq!(output.status.code(), Some(2));
        assert!(output.stdout.is_empty());
        let err = stderr_text(&output);
        assert!(err.contains("no fixture named `pgyer.crash`") && err.contains("pgyer.crashlog"), "{err}");
    }
}

#[test]
fn user_fixtures_load_override_and_survive_a_broken_neighbour() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("order.json"),
        r#"{"name": "acme.order.created", "description": "An order", "headers": {"Content-Type": "application/json", "X-Acme-Event": "order.created"},
            "match": {"/event": "order.created"}, "body": {"event": "order.created", "id": "{{uuid}}", "at": "{{now:unix}}"}}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("order.schema.json"), r#"{"type": "object", "required": ["event", "id"]}"#).unwrap();
    std::fs::write(
        dir.path().join("override.json"),
        r#"{"name": "pgyer.crashlog", "description": "my own crashlog", "body": {"type": "crashlog"}}"#,
    )
    .unwrap();
    std::fs::write(dir.path().join("broken.json"), r#"{"name": "acme.broken", "body": "#).unwrap();
    std::fs::write(
        dir.path().join("badplaceholder.json"),
        r#"{"name": "acme.bad", "description": "x", "body": {"a": "{{nope}}"}}"#,
    )
    .unwrap();

    let output = hookctl().args(["fixtures", "--json"]).env("HOOKCTL_FIXTURES", dir.path()).output().unwrap();
    assert!(output.status.success());
    let err = stderr_text(&output);
    assert!(err.contains("broken.json") && err.contains("not a fixture"), "{err}");
    assert!(err.contains("badplaceholder.json") && err.contains("/a: unknown placeholder {{nope}}"), "{err}");
    let list = stdout_json(&output);
    let find = |n: &str| list.as_array().unwrap().iter().find(|i| i["name"] == n).cloned();
    let order = find("acme.order.created").expect("user fixture listed");
    assert_eq!((order["provider"].as_str(), order["builtin"].as_bool()), (Some("acme"), Some(false)));
    assert_eq!(find("pgyer.crashlog").unwrap()["description"], "my own crashlog");
    assert!(find("pgyer.feedback").is_some(), "built-ins still there");

    let shown = hookctl()
        .args(["--fixtures", dir.path().to_str().unwrap(), "fixtures", "show", "acme.order.created", "--json"])
        .output()
        .unwrap();
    let shown = stdout_json(&shown);
    assert_eq!(shown["headers"]["X-Acme-Event"], "order.created");
    assert!(shown["body"]["at"].is_i64());
}

#[test]
fn a_missing_fixtures_directory_is_an_input_error() {
    let output = hookctl().args(["--fixtures", "/nonexistent/hookctl", "fixtures"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(stderr_text(&output).contains("does not exist"));
}

#[test]
fn committed_completions_match_the_cli() {
    let manifest = env!("CARGO_MANIFEST_DIR");
    for (shell, file) in [
        ("bash", "hookctl.bash"),
        ("zsh", "_hookctl"),
        ("fish", "hookctl.fish"),
        ("powershell", "_hookctl.ps1"),
        ("elvish", "hookctl.elv"),
    ] {
        let output = hookctl().args(["completions", shell]).output().unwrap();
        assert!(output.status.success());
        let path = format!("{manifest}/completions/{file}");
        if std::env::var_os("HOOKCTL_UPDATE_COMPLETIONS").is_some() {
            std::fs::write(&path, &output.stdout).unwrap();
        }
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == output.stdout,
            "completions/{file} is stale: run `HOOKCTL_UPDATE_COMPLETIONS=1 cargo test completions` and commit it"
        );
    }
}

#[test]
fn help_and_version_work_and_every_command_has_an_example() {
    let version = hookctl().arg("--version").output().unwrap();
    assert!(String::from_utf8_lossy(&version.stdout).starts_with("hookctl "));
    for command in ["fixtures", "schema", "send", "listen", "diff", "sign", "verify", "completions"] {
        let output = hookctl().args([command, "--help"]).output().unwrap();
        assert!(output.status.success());
        assert!(String::from_utf8_lossy(&output.stdout).contains("Examples:"), "{command} --help");
    }
}

#[test]
fn color_always_colours_and_no_color_does_not() {
    let coloured = hookctl().args(["--color", "always", "fixtures", "show", "pgyer.feedback"]).output().unwrap();
    assert!(coloured.stdout.contains(&0x1b));
    let plain = hookctl().args(["fixtures", "show", "pgyer.feedback"]).env("HOOKCTL_TEST_TTY", "1").output().unwrap();
    assert!(!plain.stdout.contains(&0x1b), "NO_COLOR=1 wins over a terminal");
    let tty = hookctl()
        .args(["fixtures", "show", "pgyer.feedback"])
        .env("HOOKCTL_TEST_TTY", "1")
        .env_remove("NO_COLOR")
        .env("TERM", "xterm")
        .output()
        .unwrap();
    assert!(tty.stdout.contains(&0x1b), "auto colours a terminal");
}
