//! `hookctl import`: real OpenAPI webhook descriptions (a payment provider's, MIT, in tests/specs/adyen)
//! and small ones written for the cases they lack, imported and then used by send, listen, diff and fuzz.
use std::path::{Path, PathBuf};
use std::time::Duration;

use serde_json::Value;

use crate::support::{hookctl, listen, receiver_answering, stdout_json};

fn data(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/specs").join(name)
}

/// The three shared descriptions: (file, provider name, webhooks, examples).
const SHARED: [(&str, &str, usize, usize); 3] = [
    ("adyen/BalancePlatformPaymentNotification-v1.json", "payment", 6, 11),
    ("adyen/BalancePlatformAccountingNotification-v3.json", "accounting", 2, 2),
    ("adyen/BalancePlatformDisputeNotification-v1.yaml", "dispute", 2, 0),
];

fn import(spec: &Path, provider: &str, out: &Path) -> Value {
    let output = hookctl()
        .arg("import")
        .arg(spec)
        .args(["--provider", provider, "--out"])
        .arg(out)
        .arg("--json")
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    stdout_json(&output)
}

/// A description written into a fresh folder for a test: the folder and the description's path.
fn spec_file(name: &str, text: &str) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    (dir, path)
}

/// Every example body the import kept: (fixture, example file).
fn example_files(folder: &Path) -> Vec<(String, PathBuf)> {
    let mut found = Vec::new();
    let Ok(fixtures) = std::fs::read_dir(folder.join("examples")) else { return found };
    for fixture in fixtures.flatten() {
        for example in std::fs::read_dir(fixture.path()).unwrap().flatten() {
            found.push((fixture.file_name().to_string_lossy().into_owned(), example.path()));
        }
    }
    found.sort();
    found
}

#[test]
fn each_shared_description_becomes_fixtures_that_listen_detects_as_themselves() {
    let dir = tempfile::tempdir().unwrap();
    let mut names = Vec::new();
    for (file, provider, webhooks, examples) in SHARED {
        let doc = import(&data(file), provider, dir.path());
        assert_eq!(doc["provider"], provider);
        assert_eq!(doc["webhooks"], webhooks, "{file}");
        assert_eq!(doc["examples"], examples, "{file}");
        let fixtures: Vec<String> =
            doc["fixtures"].as_array().unwrap().iter().map(|f| f.as_str().unwrap().to_string()).collect();
        assert_eq!(fixtures.len(), webhooks);
        for name in &fixtures {
            assert!(name.starts_with(&format!("{provider}.balancePlatform.")), "{name}");
            assert_eq!(doc["match"][name]["rule"], "enum-value", "{name}: {}", doc["match"][name]);
            assert_eq!(doc["match"][name]["at"], "/type");
        }
        names.extend(fixtures);
    }
    // Loaded without a warning, listed, and each sent to listen: detected as itself, and valid.
    let listed = hookctl().arg("--fixtures").arg(dir.path()).args(["fixtures", "--json"]).output().unwrap();
    assert!(listed.stderr.is_empty(), "{}", String::from_utf8_lossy(&listed.stderr));
    let fixtures_dir = dir.path().to_str().unwrap();
    let listener = listen(&["--fixtures", fixtures_dir, "--json"]);
    for name in &names {
        hookctl().args(["--fixtures", fixtures_dir, "send", name, "--to", &listener.url]).assert().code(0);
    }
    let (_, stdout, _) = listener.stop();
    let lines: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), names.len());
    for (line, name) in lines.iter().zip(&names) {
        assert_eq!(line["event"], name.as_str());
        assert_eq!(line["valid"], true, "{name}: {}", line["errors"]);
    }
}

#[test]
fn each_example_posted_as_it_is_gets_the_independent_validators_verdict() {
    if !crate::support::command_available("check-jsonschema", "pip install check-jsonschema") {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    for (file, provider, _, _) in SHARED {
        import(&data(file), provider, dir.path());
    }
    let mut examples = Vec::new();
    for (_, provider, _, _) in SHARED {
        examples.extend(example_files(&dir.path().join(provider)).into_iter().map(|(f, e)| (provider, f, e)));
    }
    assert_eq!(examples.len(), 13);
    let fixtures_dir = dir.path().to_str().unwrap();
    let listener = listen(&["--fixtures", fixtures_dir, "--json"]);
    let mut expected = Vec::new();
    for (provider, fixture, example) in &examples {
        let body = std::fs::read(example).unwrap();
        assert_eq!(crate::support::post(&listener.url, &[("Content-Type", "application/json")], &body), 200);
        let schema = dir.path().join(provider).join(format!("{fixture}.schema.json"));
        let oracle = std::process::Command::new("check-jsonschema")
            .arg("--schemafile")
            .arg(&schema)
            .arg(example)
            .output()
            .unwrap();
        expected.push((fixture.clone(), oracle.status.success()));
    }
    let (_, stdout, _) = listener.stop();
    let lines: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines.len(), expected.len());
    let mut invalid = 0;
    for (line, (fixture, valid)) in lines.iter().zip(&expected) {
        assert_eq!(line["event"], fixture.as_str(), "{line}");
        assert_eq!(line["valid"], *valid, "{fixture}: hookctl and check-jsonschema disagree: {}", line["errors"]);
        invalid += usize::from(!valid);
    }
    assert_eq!(invalid, 2, "the accounting description's two examples break their schema");
}

#[test]
fn examples_that_break_their_schema_are_reported_with_pointers() {
    let dir = tempfile::tempdir().unwrap();
    let doc = import(&data("adyen/BalancePlatformAccountingNotification-v3.json"), "accounting", dir.path());
    let invalid = doc["invalid_examples"].as_array().unwrap();
    assert_eq!(invalid.len(), 2);
    for entry in invalid {
        assert!(entry["webhook"].as_str().unwrap().starts_with("balancePlatform.transfer."));
        assert!(entry["example"].is_string());
        let errors: Vec<&str> = entry["errors"].as_array().unwrap().iter().map(|e| e.as_str().unwrap()).collect();
        assert!(errors.iter().any(|e| e.starts_with("/data/counterparty: ")), "{errors:?}");
    }
    // Neither example is valid, so both bodies come from the schema, and pass it.
    assert_eq!(doc["generated"].as_array().unwrap().len(), 2);
    for name in doc["fixtures"].as_array().unwrap() {
        let rendered = hookctl()
            .arg("--fixtures")
            .arg(dir.path())
            .args(["send", name.as_str().unwrap(), "--dry-run"])
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&rendered.stdout);
        let body = &text[text.find("\n\n").unwrap() + 2..];
        let file = dir.path().join("body.json");
        std::fs::write(&file, body).unwrap();
        hookctl()
            .arg("--fixtures")
            .arg(dir.path())
            .args(["diff", "--against", name.as_str().unwrap()])
            .arg(&file)
            .assert()
            .code(0);
        // And an independent validator agrees.
        if crate::support::command_available("check-jsonschema", "pip install check-jsonschema") {
            let schema = dir.path().join("accounting").join(format!("{}.schema.json", name.as_str().unwrap()));
            let checked = std::process::Command::new("check-jsonschema")
                .arg("--schemafile")
                .arg(&schema)
                .arg(&file)
                .output()
                .unwrap();
            assert!(checked.status.success(), "{name}: {}", String::from_utf8_lossy(&checked.stdout));
        }
    }
    // The text output names them too.
    let text = hookctl()
        .arg("import")
        .arg(data("adyen/BalancePlatformAccountingNotification-v3.json"))
        .args(["--provider", "accounting", "--out"])
        .arg(dir.path())
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&text.stdout);
    assert!(stdout.contains("invalid examples (2)"), "{stdout}");
    assert!(stdout.contains("/data/counterparty: expected required field"), "{stdout}");
}

#[test]
fn openapi_30_callbacks_nullable_and_header_discriminators() {
    let dir = tempfile::tempdir().unwrap();
    let doc = import(&data("callbacks-30.yaml"), "shop", dir.path());
    assert_eq!(doc["openapi"], "3.0.3");
    assert_eq!(doc["fixtures"], serde_json::json!(["shop.orderShipped", "shop.refundIssued"]));
    assert_eq!(
        doc["match"]["shop.orderShipped"],
        serde_json::json!({"rule": "header", "at": "header:X-Shop-Event", "value": "order.shipped"})
    );
    assert_eq!(doc["match"]["shop.refundIssued"]["value"], "refund.issued");
    assert_eq!(doc["invalid_examples"], serde_json::json!([]), "nullable and exclusiveMinimum are translated");
    let folder = dir.path().join("shop");
    let provider: Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("provider.json")).unwrap()).unwrap();
    assert_eq!(provider["title"], "Shop callbacks");
    assert_eq!(provider["delivery_timeout"], "5s");
    let schema: Value =
        serde_json::from_str(&std::fs::read_to_string(folder.join("shop.orderShipped.schema.json")).unwrap()).unwrap();
    assert_eq!(schema["$schema"], "https://json-schema.org/draft/2020-12/schema");
    assert_eq!(schema["$defs"]["Order"]["properties"]["carrier"]["type"], serde_json::json!(["string", "null"]));
    assert_eq!(schema["$defs"]["Item"]["properties"]["quantity"]["exclusiveMinimum"], 0);
    // The header rule detects it; the documented delivery header gets a placeholder.
    let fixtures_dir = dir.path().to_str().unwrap();
    let listener = listen(&["--fixtures", fixtures_dir, "--json"]);
    for name in ["shop.orderShipped", "shop.refundIssued"] {
        hookctl().args(["--fixtures", fixtures_dir, "send", name, "--to", &listener.url]).assert().code(0);
    }
    let (_, stdout, _) = listener.stop();
    let lines: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(lines[0]["event"], "shop.orderShipped");
    assert_eq!(lines[1]["event"], "shop.refundIssued");
    assert!(lines.iter().all(|l| l["valid"] == true), "{lines:?}");
    let delivery = lines[0]["headers"]["x-shop-delivery"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(delivery).is_ok(), "{delivery}");
}

#[test]
fn slash_keys_example_only_discriminators_and_misnamed_examples() {
    let dir = tempfile::tempdir().unwrap();
    let doc = import(&data("webhooks-slash.json"), "acct", dir.path());
    assert_eq!(
        doc["fixtures"],
        serde_json::json!(["acct.ACCOUNT_CLOSED", "acct.ACCOUNT_OPENED", "acct.orders_created", "acct.NOTE"])
    );
    assert_eq!(
        doc["match"]["acct.ACCOUNT_CLOSED"],
        serde_json::json!({"rule": "discriminator", "at": "/event", "value": "ACCOUNT_CLOSED"})
    );
    assert_eq!(doc["match"]["acct.ACCOUNT_OPENED"]["value"], "ACCOUNT_OPENED");
    assert_eq!(doc["match"]["acct.orders_created"]["rule"], "const");
    assert_eq!(doc["match"]["acct.NOTE"]["rule"], "validation");
    assert_eq!(
        doc["examples_naming_another_webhook"],
        serde_json::json!([{"webhook": "/ACCOUNT_OPENED", "example": "copied-from-closed", "at": "/event", "names": "/ACCOUNT_CLOSED"}])
    );
    assert_eq!(doc["without_request_body"], serde_json::json!(["/PING"]));
    assert_eq!(doc["generated"], serde_json::json!(["acct.orders_created", "acct.NOTE"]));
    assert!(dir.path().join("acct/acct.orders_created.schema.json").is_file());
    // Every fixture, the one detected by validation included, is detected as itself.
    let fixtures_dir = dir.path().to_str().unwrap();
    let listener = listen(&["--fixtures", fixtures_dir, "--json"]);
    let names = ["acct.ACCOUNT_CLOSED", "acct.ACCOUNT_OPENED", "acct.orders_created", "acct.NOTE"];
    for name in names {
        hookctl().args(["--fixtures", fixtures_dir, "send", name, "--to", &listener.url]).assert().code(0);
    }
    let (_, stdout, _) = listener.stop();
    let events: Vec<Value> =
        stdout.lines().map(|l| serde_json::from_str::<Value>(l).unwrap()["event"].clone()).collect();
    assert_eq!(events, names.map(Value::from));
}

#[test]
fn a_second_import_says_what_changed() {
    let dir = tempfile::tempdir().unwrap();
    let spec_dir = tempfile::tempdir().unwrap();
    let spec = spec_dir.path().join("shop.yaml");
    std::fs::copy(data("callbacks-30.yaml"), &spec).unwrap();
    let first = import(&spec, "shop", dir.path());
    assert_eq!(first["files"]["created"].as_array().unwrap().len(), 7);
    let again = import(&spec, "shop", dir.path());
    assert_eq!(again["files"]["created"], serde_json::json!([]));
    assert_eq!(again["files"]["updated"], serde_json::json!([]));
    let text =
        std::fs::read_to_string(&spec).unwrap().replace("summary: A refund was issued", "summary: A refund went out");
    std::fs::write(&spec, text).unwrap();
    let changed = import(&spec, "shop", dir.path());
    let updated: Vec<&str> =
        changed["files"]["updated"].as_array().unwrap().iter().map(|p| p.as_str().unwrap()).collect();
    assert_eq!(updated.len(), 2, "{updated:?}");
    assert!(updated.iter().all(|p| p.contains("shop.refundIssued")), "{updated:?}");
}

#[test]
fn imported_providers_work_with_schema_diff_and_fuzz() {
    let dir = tempfile::tempdir().unwrap();
    import(&data("adyen/BalancePlatformDisputeNotification-v1.yaml"), "dispute", dir.path());
    let fixtures_dir = dir.path().to_str().unwrap();
    let schema = hookctl()
        .args(["--fixtures", fixtures_dir, "schema", "dispute.balancePlatform.dispute.created"])
        .output()
        .unwrap();
    assert_eq!(schema.status.code(), Some(0));
    assert!(String::from_utf8_lossy(&schema.stdout).contains("\"$defs\""));
    let receiver = receiver_answering(|_| (200, Duration::ZERO, "{}".into()));
    let output = hookctl()
        .args(["--fixtures", fixtures_dir, "fuzz", "dispute.*", "--to", &receiver.url, "--budget", "40", "--json"])
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0), "{}", String::from_utf8_lossy(&output.stderr));
    let doc = stdout_json(&output);
    assert_eq!(doc["events"], 2);
    assert!(doc["requests"].as_u64().unwrap() >= 80);
}

#[test]
fn bad_descriptions_are_input_errors_in_one_line() {
    let dir = tempfile::tempdir().unwrap();
    let write = |name: &str, text: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        path
    };
    let cases = [
        (write("swagger.json", r#"{"swagger": "2.0", "paths": {}}"#), "Swagger 2.0"),
        (write("plain.yaml", "name: not a spec\n"), "not an OpenAPI description"),
        (write("async-1.yaml", "asyncapi: 1.2.0\n"), "AsyncAPI 1.2.0 is not supported"),
        (write("broken.yaml", "openapi: 3.1.0\nwebhooks: [a, b\n"), "not YAML"),
        (write("broken.json", "{\"openapi\": \"3.1.0\", "), "not valid JSON"),
        (write("empty.json", r#"{"openapi": "3.1.0", "info": {"title": "x", "version": "1"}}"#), "no webhook"),
        (write("Cargo.toml", "[package]\nname = \"x\"\nversion = \"0.1.0\"\n"), "neither JSON nor YAML"),
        (dir.path().join("nosuch.json"), "nosuch.json: no such file"),
    ];
    for (path, wanted) in cases {
        let output =
            hookctl().arg("import").arg(&path).args(["--provider", "x", "--out"]).arg(dir.path()).output().unwrap();
        assert_eq!(output.status.code(), Some(2), "{}", path.display());
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(wanted), "{}: {stderr}", path.display());
        assert!(!stderr.contains("panicked") && !stderr.contains("os error"), "{stderr}");
    }
    let output = hookctl()
        .arg("import")
        .arg(data("callbacks-30.yaml"))
        .args(["--provider", "a.b", "--out"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(2));
    // Read from stdin too.
    let output = hookctl()
        .args(["import", "-", "--provider", "shop", "--json", "--out"])
        .arg(dir.path())
        .write_stdin(std::fs::read(data("callbacks-30.yaml")).unwrap())
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(0));
    assert_eq!(stdout_json(&output)["webhooks"], 2);
}

#[test]
fn asyncapi_messages_import_as_webhooks_too() {
    let dir = tempfile::tempdir().unwrap();
    let doc = import(&data("asyncapi-2.yaml"), "parcels", dir.path());
    assert_eq!((doc["format"].as_str(), doc["openapi"].as_str()), (Some("AsyncAPI"), Some("2.6.0")));
    assert_eq!(doc["fixtures"], serde_json::json!(["parcels.parcel.shipped", "parcels.parcel.delivered"]));
    assert_eq!(doc["examples"], 1);
    assert_eq!(doc["generated"], serde_json::json!(["parcels.parcel.delivered"]));
    let fixtures_dir = dir.path().to_str().unwrap();
    let listener = listen(&["--fixtures", fixtures_dir, "--json"]);
    for name in ["parcels.parcel.shipped", "parcels.parcel.delivered"] {
        hookctl().args(["--fixtures", fixtures_dir, "send", name, "--to", &listener.url]).assert().code(0);
    }
    let (_, stdout, _) = listener.stop();
    let lines: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    assert_eq!(
        lines.iter().map(|l| l["event"].clone()).collect::<Vec<_>>(),
        ["parcels.parcel.shipped", "parcels.parcel.delivered"]
    );
    assert!(lines.iter().all(|l| l["valid"] == true), "{lines:?}");
}

/// Issue 36 #6: a `const` on an optional property was the whole `match`, so schema-valid bodies without the
/// property went unrecognised (12 of 50 generated bodies for one description), and `diff` could not detect
/// by validation what `listen` did. Now the rule says: the const when present, else the schema; `listen` and
/// `diff` agree.
#[test]
fn a_const_on_an_optional_property_falls_back_to_validation_when_the_property_is_absent() {
    let (dir, spec) = spec_file(
        "optional-const.yaml",
        r#"openapi: 3.1.0
info: {title: Optional const, version: "1"}
webhooks:
  order:
    post:
      requestBody: {content: {application/json: {schema: {type: object, required: [id, total], additionalProperties: false,
        properties: {kind: {const: order}, id: {type: string}, total: {type: integer}}}}}}
      responses: {"200": {description: ok}}
  refund:
    post:
      requestBody: {content: {application/json: {schema: {type: object, required: [kind, refund_id],
        properties: {kind: {const: refund}, refund_id: {type: string}}}}}}
      responses: {"200": {description: ok}}
"#,
    );
    let out = dir.path().join("out");
    let doc = import(&spec, "acme", &out);
    assert_eq!(doc["match"]["acme.order"]["optional"], true, "{}", doc["match"]);
    assert!(doc["match"]["acme.refund"].get("optional").is_none(), "refund requires its kind");
    let fixtures = out.to_str().unwrap();
    let bodies = [
        (r#"{"id":"a1","total":5}"#, "acme.order"),
        (r#"{"kind":"order","id":"a2","total":6}"#, "acme.order"),
        (r#"{"kind":"refund","refund_id":"r1"}"#, "acme.refund"),
    ];
    let listener = listen(&["--fixtures", fixtures, "--json"]);
    for (body, expected) in bodies {
        let file = dir.path().join("body.json");
        std::fs::write(&file, body).unwrap();
        let diffed = hookctl().args(["--fixtures", fixtures, "diff"]).arg(&file).arg("--json").output().unwrap();
        let result = stdout_json(&diffed);
        assert_eq!((result["event"].as_str(), result["errors"].as_array().map(Vec::len)), (Some(expected), Some(0)));
        let sent = hookctl().args(["send", "--body"]).arg(&file).args(["--to", &listener.url]).output().unwrap();
        assert!(sent.status.success(), "{}", String::from_utf8_lossy(&sent.stderr));
    }
    let (_, stdout, _) = listener.stop();
    let lines: Vec<Value> = stdout.lines().map(|l| serde_json::from_str(l).unwrap()).collect();
    let seen: Vec<(&str, bool)> = lines.iter().map(|l| (l["event"].as_str().unwrap(), l["valid"] == true)).collect();
    assert_eq!(seen, [("acme.order", true), ("acme.order", true), ("acme.refund", true)]);
}

/// Issue 36 #2: one provider's signature header example holds raw control bytes; copied into every fixture, it
/// made `send` refuse all of them. Now such an example is replaced by a value HTTP can carry, said in a note.
#[test]
fn a_header_example_http_cannot_carry_is_replaced_and_said() {
    let (dir, spec) = spec_file(
        "control-header.yaml",
        "openapi: 3.1.0\ninfo: {title: Control header, version: \"1\"}\nwebhooks:\n  ping:\n    post:\n      \
         parameters:\n        - {name: X-Acme-Signature, in: header, required: true, schema: {type: string}, \
         example: \"t=1,v1=\\x01\\x1b[2J\\x7f\"}\n        - {name: X-Acme-Topic, in: header, schema: {type: string}, \
         example: ping}\n      requestBody:\n        content:\n          application/json:\n            schema: \
         {type: object, required: [type], properties: {type: {const: ping}}}\n      responses: {\"200\": \
         {description: ok}}\n",
    );
    let out = dir.path().join("out");
    let text = hookctl()
        .args(["import", spec.to_str().unwrap(), "--provider", "acme", "--out", out.to_str().unwrap()])
        .env("NO_COLOR", "1")
        .output()
        .unwrap();
    assert_eq!(text.status.code(), Some(0), "{}", String::from_utf8_lossy(&text.stderr));
    let report = String::from_utf8_lossy(&text.stdout);
    assert!(
        report.contains("note: acme.ping: the example of header X-Acme-Signature is not a valid header value"),
        "{report}"
    );
    assert!(report.contains("sign for real with --secret and --scheme"), "{report}");
    assert!(!report.contains('\u{1b}'), "the report itself carries no raw escape: {report:?}");
    let fixture: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("acme/acme.ping.json")).unwrap()).unwrap();
    assert_eq!(fixture["headers"]["X-Acme-Topic"], "ping", "a good example is kept");
    let signature = fixture["headers"]["X-Acme-Signature"].as_str().unwrap();
    assert!(signature.bytes().all(|b| (0x20..0x7f).contains(&b)), "{signature:?}");
    // The fixture sends, and the receiver gets the replacement.
    let rx = receiver_answering(|_| (200, Duration::ZERO, "{}".into()));
    let fixtures = out.to_str().unwrap();
    hookctl().args(["--fixtures", fixtures, "send", "acme.ping", "--to", &rx.url]).assert().code(0);
    let got = rx.next();
    assert_eq!(got.header("x-acme-signature"), Some(signature));
    let doc = import(&spec, "acme", &dir.path().join("again"));
    assert!(
        doc["notes"]
            .as_array()
            .unwrap()
            .iter()
            .any(|n| n["fixture"] == "acme.ping" && n["note"].as_str().unwrap().contains("X-Acme-Signature")),
        "{}",
        doc["notes"]
    );
}

/// Issue 36 #8: a second description imported into the same provider folder overwrote `provider.json` with
/// its own title and description. Now the first title stays and every source is listed, once.
#[test]
fn several_descriptions_in_one_provider_folder_keep_the_first_title_and_list_every_source() {
    let dir = tempfile::tempdir().unwrap();
    let first = data("callbacks-30.yaml");
    let second = data("webhooks-slash.json");
    import(&first, "acme", dir.path());
    import(&second, "acme", dir.path());
    import(&first, "acme", dir.path());
    let provider: Value =
        serde_json::from_str(&std::fs::read_to_string(dir.path().join("acme/provider.json")).unwrap()).unwrap();
    let title_of = |spec: &Path| -> String {
        let text = std::fs::read_to_string(spec).unwrap();
        let line = text.lines().find(|l| l.trim_start().starts_with("title:") || l.contains("\"title\"")).unwrap();
        line.split(':').nth(1).unwrap().trim().trim_matches(|c| c == '"' || c == ',').to_string()
    };
    assert_eq!(provider["title"], title_of(&first).as_str(), "{provider}");
    let description = provider["description"].as_str().unwrap();
    for name in ["callbacks-30.yaml", "webhooks-slash.json"] {
        assert_eq!(description.matches(&format!("Imported from {name}")).count(), 1, "{description}");
    }
}

/// Issue 36 #3: `value: {$ref: examples/json/x.json}` (a file beside the description) was kept as the literal
/// `{"$ref": …}`, reported as breaking its schema, with `unresolved_refs` empty. Now files inside the
/// description's folder are read (schemas, example values, `externalValue`); one outside it is refused and
/// listed.
#[test]
fn relative_file_refs_are_read_inside_the_description_folder_and_others_listed() {
    let dir = tempfile::tempdir().unwrap();
    let spec_dir = dir.path().join("spec");
    std::fs::create_dir_all(spec_dir.join("examples/json")).unwrap();
    std::fs::create_dir_all(spec_dir.join("schemas")).unwrap();
    std::fs::write(dir.path().join("secret.json"), r#"{"kind":"order","id":"stolen","total":1}"#).unwrap();
    std::fs::write(spec_dir.join("examples/json/order.json"), r#"{"kind":"order","id":"o-1","total":12}"#).unwrap();
    std::fs::write(spec_dir.join("examples/json/big.json"), r#"{"kind":"order","id":"o-2","total":99}"#).unwrap();
    std::fs::write(
        spec_dir.join("schemas/order.yaml"),
        "Order:\n  type: object\n  required: [kind, id, total]\n  properties:\n    kind: {const: order}\n    \
         id: {type: string}\n    total: {type: integer}\n  additionalProperties: false\n",
    )
    .unwrap();
    let spec = spec_dir.join("webhooks.yaml");
    std::fs::write(
        &spec,
        "openapi: 3.1.0\ninfo: {title: Files, version: \"1\"}\nwebhooks:\n  order:\n    post:\n      requestBody:\n        \
         content:\n          application/json:\n            schema: {$ref: 'schemas/order.yaml#/Order'}\n            \
         examples:\n              small: {value: {$ref: examples/json/order.json}}\n              \
         big: {externalValue: examples/json/big.json}\n              \
         stolen: {value: {$ref: ../secret.json}}\n      responses: {\"200\": {description: ok}}\n",
    )
    .unwrap();
    let out = dir.path().join("out");
    let doc = import(&spec, "acme", &out);
    let unresolved = doc["unresolved_refs"].as_array().unwrap();
    assert!(
        unresolved.iter().any(|r| r.as_str().unwrap().contains("../secret.json (outside the description's folder)")),
        "{unresolved:?}"
    );
    let example = |name: &str| -> Value {
        let path = out.join(format!("acme/examples/acme.order/{name}.body.json"));
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{}: {e}", path.display())))
            .unwrap()
    };
    assert_eq!(example("small")["id"], "o-1");
    assert_eq!(example("big")["total"], 99);
    let invalid: Vec<&Value> = doc["invalid_examples"].as_array().unwrap().iter().collect();
    assert!(invalid.iter().all(|i| i["example"] != "small" && i["example"] != "big"), "{invalid:?}");
    let fixture: Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("acme/acme.order.json")).unwrap()).unwrap();
    assert_eq!(fixture["body"]["kind"], "order");
    assert_ne!(fixture["body"]["id"], "stolen", "nothing read from outside the folder");
}
