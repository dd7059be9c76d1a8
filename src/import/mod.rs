//! `hookctl import SPEC --provider NAME --out DIR`: a provider folder from an OpenAPI description — one
//! fixture per webhook (its first valid example, else a body generated from its schema), its bundled draft
//! 2020-12 schema, a detection rule, the provider file, and every example kept for `send --body`. Examples
//! that break their own schema, or name another webhook, are reported, never fatal.
pub mod asyncapi;
pub mod bundle;
pub mod openapi;
pub mod rules;
pub mod yaml;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use jsonschema::json::SerdeJson;
use serde_json::{json, Map, Value};

use crate::catalog::placeholder::{self, RenderClock};
use crate::cli::ImportArgs;
use crate::context::Context;
use crate::error::{self, UserError};
use crate::generate::Generator;
use crate::output::{self, sanitize};
use crate::schema::CompiledSchema;
use openapi::{Description, Webhook};
use rules::{Candidate, Choice};

/// Where a webhook's examples go inside the provider folder, one file each.
pub const EXAMPLES_DIR: &str = "examples";
/// The suffix of an example body file (the catalog does not read these as fixtures).
pub const BODY_SUFFIX: &str = ".body.json";

/// One webhook, ready to write.
struct Imported {
    webhook: Webhook,
    /// The fixture's name (`acme.order.created`) and file stem (no `/`).
    name: String,
    stem: String,
    schema: Value,
    compiled: Option<CompiledSchema<SerdeJson>>,
    /// Each example and, when it breaks the schema, why.
    verdicts: Vec<(String, Vec<String>)>,
    choice: Option<Choice>,
    /// The example the fixture's body came from, or None (generated from the schema).
    body_from: Option<String>,
    body: Value,
}

pub fn run(args: &ImportArgs, ctx: &Context) -> Result<ExitCode> {
    check_provider_name(&args.provider)?;
    let (text, label) = read_spec(&args.spec)?;
    let doc = parse_spec(&text, &label)?;
    let description = openapi::read(doc).map_err(|e| UserError::new(format!("{}: {e}", sanitize(&label))))?;
    if description.webhooks.is_empty() {
        let hint = if description.without_body.is_empty() {
            "hookctl imports OpenAPI 3.1 `webhooks:` and OpenAPI 3.0 `callbacks`".to_string()
        } else {
            format!("{} declared without a request body", description.without_body.join(", "))
        };
        return Err(UserError::with_hint(
            format!("{}: no webhook with a request body to import", sanitize(&label)),
            hint,
        )
        .into());
    }
    let provider = &args.provider;
    let mut unresolved = description.unresolved.clone();
    let mut imported: Vec<Imported> = Vec::new();
    for webhook in &description.webhooks {
        let event = webhook.key.trim_start_matches('/').to_string();
        let name = fixture_name(provider, &event);
        let stem = name.clone();
        let id = format!("https://hookctl.invalid/schemas/{stem}.json");
        let title = webhook.summary.clone().unwrap_or_else(|| format!("{provider} {event} webhook"));
        let source = webhook.schema.clone().unwrap_or_else(|| json!({}));
        let (schema, missing) = bundle::Bundler::new(&description.doc).bundle(&source, &id, &title);
        unresolved.extend(missing);
        let compiled = CompiledSchema::<SerdeJson>::compile(&schema).ok();
        let verdicts = webhook
            .examples
            .iter()
            .map(|(example, value)| {
                let errors = compiled
                    .as_ref()
                    .map(|c| c.check(value).errors.iter().map(ToString::to_string).collect())
                    .unwrap_or_default();
                (example.clone(), errors)
            })
            .collect();
        imported.push(Imported {
            webhook: webhook.clone(),
            name,
            stem,
            schema,
            compiled,
            verdicts,
            choice: None,
            body_from: None,
            body: Value::Null,
        });
    }
    unresolved.sort();
    unresolved.dedup();
    let choices = {
        let candidates: Vec<Candidate> = imported
            .iter()
            .map(|i| Candidate {
                key: &i.webhook.key,
                schema: &i.schema,
                examples: &i.webhook.examples,
                headers: &i.webhook.headers,
            })
            .collect();
        rules::choose(&candidates)
    };
    for (item, choice) in imported.iter_mut().zip(choices) {
        item.choice = Some(choice);
        choose_body(item);
    }
    let wrong_webhook = misnamed_examples(&imported);
    let out = args.out.join(provider);
    std::fs::create_dir_all(&args.out)
        .map_err(|e| UserError::new(format!("cannot create --out {}: {e}", args.out.display())))?;
    let changes = write_folder(&out, provider, &label, &description, &imported)?;
    let report = Report {
        provider,
        label: &label,
        description: &description,
        imported: &imported,
        wrong_webhook: &wrong_webhook,
        unresolved: &unresolved,
        changes: &changes,
        out: &out,
        dir: &args.out,
    };
    if args.json {
        output::json_line(&report.to_json())?;
    } else {
        report.print(&ctx.printer())?;
    }
    Ok(error::exit(error::EXIT_OK))
}

fn check_provider_name(name: &str) -> Result<()> {
    if !name.is_empty() && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-') {
        return Ok(());
    }
    Err(UserError::with_hint(
        format!("--provider {}: not one word", sanitize(name)),
        "name it with letters, digits, `_` and `-` (it is every fixture name's first part: acme → acme.order.created)",
    )
    .into())
}

/// The fixture name for a webhook key, by the one fixture-name rule ([`crate::catalog::check_fixture_name`]):
/// `provider.` then the key's dot-separated parts, anything but letters, digits, `_` and `-` made `_`, empty
/// parts dropped (`/orders/{id}` → `acme.orders__id_`).
fn fixture_name(provider: &str, key: &str) -> String {
    let parts: Vec<String> = key
        .split('.')
        .map(|part| {
            part.chars().map(|c| if c.is_ascii_alphanumeric() || c == '-' { c } else { '_' }).collect::<String>()
        })
        .filter(|part| !part.is_empty())
        .collect();
    if parts.is_empty() {
        return format!("{provider}.webhook");
    }
    format!("{provider}.{}", parts.join("."))
}

/// A fixture name made safe as a file name: `/` and anything unusual become `_`.
fn file_stem(name: &str) -> String {
    name.chars().map(|c| if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') { c } else { '_' }).collect()
}

/// The largest description `import` reads (a file or stdin alike).
const DESCRIPTION_LIMIT: u64 = 64 << 20;

fn read_spec(spec: &str) -> Result<(String, String)> {
    let limit = DESCRIPTION_LIMIT;
    let (bytes, label) = if spec == "-" {
        let mut bytes = Vec::new();
        std::io::Read::read_to_end(&mut std::io::Read::take(std::io::stdin().lock(), limit + 1), &mut bytes)
            .map_err(|e| UserError::new(format!("cannot read stdin: {e}")))?;
        if bytes.len() as u64 > limit {
            return Err(UserError::new(format!(
                "stdin is over {limit} bytes (64 MiB): a description is not that large"
            ))
            .into());
        }
        (bytes, "stdin".to_string())
    } else {
        let bytes = crate::files::read_regular(Path::new(spec), limit, &sanitize(spec), true).map_err(|e| {
            if e.message.contains(" is over ") {
                UserError::new(format!(
                    "{} is over {limit} bytes (64 MiB): a description is not that large",
                    sanitize(spec)
                ))
            } else {
                e
            }
        })?;
        (bytes, spec.to_string())
    };
    let text = String::from_utf8(bytes).map_err(|_| UserError::new(format!("{}: not UTF-8 text", sanitize(&label))))?;
    Ok((text, label))
}

/// JSON when it starts like JSON, else YAML (told apart by content, not by name).
fn parse_spec(text: &str, label: &str) -> Result<Value> {
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    if trimmed.starts_with('{') {
        return crate::input::parse_json(trimmed.as_bytes(), label);
    }
    yaml::parse(trimmed).map_err(|e| UserError::new(format!("{}: {e}", sanitize(label))).into())
}

impl Imported {
    fn is_valid(&self, value: &Value) -> bool {
        self.compiled.as_ref().is_none_or(|c| c.check(value).valid)
    }

    fn rule_pointer(&self) -> Option<(&str, &Value)> {
        let choice = self.choice.as_ref()?;
        choice.body_pointer().map(|p| (p, &choice.value))
    }
}

/// The fixture's body: the first example that validates (its discriminator set to the webhook's own
/// value), else one generated from the schema; volatile values become placeholders.
fn choose_body(item: &mut Imported) {
    let with_rule = |item: &Imported, mut value: Value| {
        if let Some((pointer, wanted)) = item.rule_pointer() {
            if let Some(slot) = value.pointer_mut(pointer) {
                *slot = wanted.clone();
            } else if let (Some(map), Some(key)) = (value.as_object_mut(), pointer.strip_prefix('/')) {
                if !key.contains('/') {
                    map.insert(crate::pointer::unescape(key).into_owned(), wanted.clone());
                }
            }
        }
        value
    };
    let valid_examples: Vec<(String, Value)> = item
        .webhook
        .examples
        .iter()
        .filter(|(name, _)| item.verdicts.iter().any(|(n, errors)| n == name && errors.is_empty()))
        .cloned()
        .collect();
    // An example that already carries the webhook's own value comes first.
    let agrees = |value: &Value| item.rule_pointer().is_none_or(|(p, wanted)| value.pointer(p) == Some(wanted));
    let ordered =
        valid_examples.iter().filter(|(_, v)| agrees(v)).chain(valid_examples.iter().filter(|(_, v)| !agrees(v)));
    for (name, value) in ordered {
        let body = with_rule(item, value.clone());
        if item.is_valid(&body) {
            item.body_from = Some(name.clone());
            item.body = with_placeholders(item, body);
            return;
        }
    }
    let generator = Generator::new(&item.schema);
    let body = with_rule(item, generator.typical());
    item.body = with_placeholders(item, body);
}

/// Volatile-looking values (ids, timestamps) as placeholders, as `captures export --as fixture` makes
/// them — each kept only when the rendered body still passes the schema and the rule.
fn with_placeholders(item: &Imported, body: Value) -> Value {
    let mut leaves = Vec::new();
    collect_leaves(&body, String::new(), &mut leaves);
    let rule = item.rule_pointer().map(|(p, _)| p.to_string());
    let clock = RenderClock::now();
    let mut current = body;
    for pointer in leaves {
        if Some(&pointer) == rule.as_ref() {
            continue;
        }
        let Some(value) = current.pointer(&pointer) else { continue };
        let Some(placeholder) = crate::captures::infer::placeholder_for(value) else { continue };
        let mut candidate = current.clone();
        if let Some(slot) = candidate.pointer_mut(&pointer) {
            *slot = Value::String(placeholder);
        }
        let mut rendered = candidate.clone();
        placeholder::fill_all(&mut rendered, &clock);
        if item.is_valid(&rendered) {
            current = candidate;
        }
    }
    current
}

fn collect_leaves(value: &Value, at: String, out: &mut Vec<String>) {
    match value {
        Value::Object(map) => map.iter().for_each(|(k, v)| collect_leaves(v, crate::pointer::child(&at, k), out)),
        Value::Array(items) => items.iter().enumerate().for_each(|(i, v)| collect_leaves(v, format!("{at}/{i}"), out)),
        _ => out.push(at),
    }
}

/// An example whose discriminator names another webhook of the description.
struct Misnamed {
    webhook: String,
    example: String,
    at: String,
    names: String,
}

fn misnamed_examples(imported: &[Imported]) -> Vec<Misnamed> {
    let mut found = Vec::new();
    for item in imported {
        let Some((pointer, own)) = item.rule_pointer() else { continue };
        for (example, value) in &item.webhook.examples {
            let Some(said) = value.pointer(pointer) else { continue };
            if said == own {
                continue;
            }
            let other = imported.iter().find(|o| o.rule_pointer().is_some_and(|(p, v)| p == pointer && v == said));
            if let Some(other) = other {
                found.push(Misnamed {
                    webhook: item.webhook.key.clone(),
                    example: example.clone(),
                    at: pointer.to_string(),
                    names: other.webhook.key.clone(),
                });
            }
        }
    }
    found
}

/// What writing the folder changed.
#[derive(Default)]
struct Changes {
    created: Vec<PathBuf>,
    updated: Vec<PathBuf>,
    unchanged: Vec<PathBuf>,
}

impl Changes {
    /// Writes `name` into `folder` (inside `--out`, never through a link: see [`crate::files`]).
    fn write(&mut self, folder: &Path, name: &str, value: &Value) -> Result<()> {
        let text = serde_json::to_string_pretty(value)? + "\n";
        let path = folder.join(name);
        match crate::files::write_inside(folder, name, text.as_bytes())? {
            crate::files::Wrote::Created => self.created.push(path),
            crate::files::Wrote::Replaced => self.updated.push(path),
            crate::files::Wrote::Unchanged => self.unchanged.push(path),
        }
        Ok(())
    }
}

fn first_paragraph(text: &str) -> String {
    text.split("\n\n").next().unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ")
}

fn write_folder(
    out: &Path,
    provider: &str,
    label: &str,
    description: &Description,
    imported: &[Imported],
) -> Result<Changes> {
    let mut changes = Changes::default();
    let info = description.doc.get("info").cloned().unwrap_or(Value::Null);
    let title = info.get("title").and_then(Value::as_str).unwrap_or(provider);
    let mut provider_file = Map::new();
    provider_file.insert("name".into(), json!(provider));
    provider_file.insert("title".into(), json!(title));
    let about = info.get("description").and_then(Value::as_str).map(first_paragraph).unwrap_or_default();
    let source = Path::new(label).file_name().map_or_else(|| label.to_string(), |n| n.to_string_lossy().into_owned());
    let version = info.get("version").and_then(Value::as_str).map(|v| format!(", version {v}")).unwrap_or_default();
    provider_file.insert(
        "description".into(),
        json!(format!("Imported from {source} (OpenAPI {}{version}). {about}", description.version)
            .trim_end()
            .to_string()),
    );
    let timeout = ["x-webhook-timeout", "x-timeout"].iter().find_map(|k| info.get(*k)).map(|v| match v {
        Value::Number(n) => format!("{n}s"),
        other => other.as_str().unwrap_or_default().to_string(),
    });
    if let Some(timeout) = timeout.or_else(|| imported.iter().find_map(|i| i.webhook.timeout.clone())) {
        if crate::units::parse_duration(&timeout).is_ok() {
            provider_file.insert("delivery_timeout".into(), json!(timeout));
        }
    }
    let (dir, provider_dir) = split_out(out);
    let folder = crate::files::folder_inside(dir, &[provider_dir])?;
    changes.write(&folder, crate::catalog::provider::FILE_NAME, &Value::Object(provider_file))?;
    for item in imported {
        changes.write(&folder, &format!("{}.json", item.stem), &fixture_file(item))?;
        changes.write(&folder, &format!("{}.schema.json", item.stem), &item.schema)?;
        if item.webhook.examples.is_empty() {
            continue;
        }
        let examples = crate::files::folder_inside(&folder, &[EXAMPLES_DIR, &item.stem])?;
        for (example, value) in &item.webhook.examples {
            changes.write(&examples, &format!("{}{BODY_SUFFIX}", file_stem(example)), value)?;
        }
    }
    Ok(changes)
}

/// `--out DIR` joined with the provider: DIR (created if need be: the user named it) and the provider's
/// folder name, created inside it without following a link.
fn split_out(out: &Path) -> (&Path, &str) {
    let dir = out.parent().unwrap_or(Path::new("."));
    let name = out.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    (dir, name)
}

fn fixture_file(item: &Imported) -> Value {
    let webhook = &item.webhook;
    let mut headers = Map::new();
    headers.insert("Content-Type".into(), json!(webhook.media_type));
    for header in &webhook.headers {
        // Only what HTTP can carry goes into a fixture (it would not load otherwise).
        if crate::http::request::is_token(header.name.as_bytes()) {
            headers.insert(header.name.clone(), json!(sendable_header_value(header)));
        }
    }
    if let Some(Choice { kind: "header", at, value, .. }) = &item.choice {
        let name = at.trim_start_matches("header:");
        headers.insert(name.to_string(), json!(value.as_str().map_or_else(|| value.to_string(), String::from)));
    }
    let mut description = webhook.summary.clone().unwrap_or_else(|| format!("The {} webhook", webhook.key));
    if item.body_from.is_none() {
        description.push_str(" (body generated from the schema: the description gives no valid example)");
    }
    let mut file = Map::new();
    file.insert("name".into(), json!(item.name));
    file.insert("event".into(), json!(webhook.key.trim_start_matches('/')));
    file.insert("description".into(), json!(description));
    file.insert("method".into(), json!(webhook.method));
    file.insert("headers".into(), Value::Object(headers));
    if let Some(choice) = &item.choice {
        file.insert("match".into(), Value::Object(choice.match_object()));
        if choice.fallback() {
            file.insert("fallback".into(), json!(true));
        }
    }
    file.insert("body".into(), item.body.clone());
    Value::Object(file)
}

/// A header's value in the fixture: its example, else one its schema allows (a placeholder for ids and
/// times).
/// The header's value, or (when its example holds what a header cannot, such as raw control bytes) one
/// made from its schema, else a clearly fake one.
fn sendable_header_value(header: &openapi::HeaderParam) -> String {
    let value = header_value(header);
    if crate::http::check_header(&header.name, &value).is_ok() {
        return value;
    }
    let typical = header.schema.as_ref().map(|schema| Generator::new(schema).typical());
    match typical.as_ref().and_then(Value::as_str) {
        Some(text) if crate::http::check_header(&header.name, text).is_ok() => text.to_string(),
        _ => "hookctl-example-not-sendable".to_string(),
    }
}

fn header_value(header: &openapi::HeaderParam) -> String {
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), String::from);
    if let Some(example) = &header.example {
        return text(example);
    }
    let Some(schema) = &header.schema else { return String::new() };
    match schema.get("format").and_then(Value::as_str) {
        Some("uuid") => return "{{uuid}}".into(),
        Some("date-time") => return "{{now:rfc3339}}".into(),
        _ => {}
    }
    text(&Generator::new(schema).typical())
}

struct Report<'a> {
    provider: &'a str,
    label: &'a str,
    description: &'a Description,
    imported: &'a [Imported],
    wrong_webhook: &'a [Misnamed],
    unresolved: &'a [String],
    changes: &'a Changes,
    out: &'a Path,
    dir: &'a Path,
}

impl Report<'_> {
    fn invalid(&self) -> Vec<(&Imported, &String, &Vec<String>)> {
        self.imported
            .iter()
            .flat_map(|i| i.verdicts.iter().filter(|(_, e)| !e.is_empty()).map(move |(n, e)| (i, n, e)))
            .collect()
    }

    fn to_json(&self) -> Value {
        let paths = |list: &[PathBuf]| list.iter().map(|p| p.display().to_string()).collect::<Vec<_>>();
        json!({
            "provider": self.provider,
            "spec": self.label,
            "format": self.description.flavor.name(),
            "openapi": self.description.version,
            "out": self.out.display().to_string(),
            "webhooks": self.imported.len(),
            "fixtures": self.imported.iter().map(|i| i.name.clone()).collect::<Vec<_>>(),
            "examples": self.imported.iter().map(|i| i.webhook.examples.len()).sum::<usize>(),
            "invalid_examples": self.invalid().iter().map(|(i, n, e)| json!({"webhook": i.webhook.key, "fixture": i.name, "example": n, "errors": e})).collect::<Vec<_>>(),
            "generated": self.imported.iter().filter(|i| i.body_from.is_none()).map(|i| i.name.clone()).collect::<Vec<_>>(),
            "match": self.imported.iter().map(|i| (i.name.clone(), i.choice.as_ref().map_or(Value::Null, Choice::to_json))).collect::<Map<_, _>>(),
            "body_from": self.imported.iter().map(|i| (i.name.clone(), json!(i.body_from))).collect::<Map<_, _>>(),
            "examples_naming_another_webhook": self.wrong_webhook.iter().map(|m| json!({"webhook": m.webhook, "example": m.example, "at": m.at, "names": m.names})).collect::<Vec<_>>(),
            "without_request_body": self.description.without_body,
            "unresolved_refs": self.unresolved,
            "files": {"created": paths(&self.changes.created), "updated": paths(&self.changes.updated), "unchanged": paths(&self.changes.unchanged)},
        })
    }

    fn print(&self, printer: &output::Printer) -> Result<()> {
        let style = printer.out;
        let examples: usize = self.imported.iter().map(|i| i.webhook.examples.len()).sum();
        output::outln(&format!(
            "{} {} from {} ({} {}): {} webhook{}, {} example{}",
            style.ok("imported"),
            style.bold(self.provider),
            sanitize(self.label),
            self.description.flavor.name(),
            sanitize(&self.description.version),
            self.imported.len(),
            if self.imported.len() == 1 { "" } else { "s" },
            examples,
            if examples == 1 { "" } else { "s" }
        ))?;
        for item in self.imported {
            let rule = match &item.choice {
                Some(c) if c.kind == "validation" => "detected by its schema (fallback)".to_string(),
                Some(c) => format!("match {} = {} ({})", c.at, c.value, c.kind),
                None => String::new(),
            };
            let body = match &item.body_from {
                Some(example) => format!("body from example {example}"),
                None => "body generated from the schema".into(),
            };
            output::outln(&format!("  {}  {}  {}", sanitize(&item.name), sanitize(&body), sanitize(&rule)))?;
        }
        let invalid = self.invalid();
        if !invalid.is_empty() {
            output::outln(&format!(
                "{} ({}): they break their own schema",
                style.warn("invalid examples"),
                invalid.len()
            ))?;
            for (item, example, errors) in invalid {
                output::outln(&format!("  {} / {}", sanitize(&item.webhook.key), sanitize(example)))?;
                for error in errors.iter().take(10) {
                    output::outln(&format!("    {}", sanitize(error)))?;
                }
                if errors.len() > 10 {
                    output::outln(&format!("    … and {} more", errors.len() - 10))?;
                }
            }
        }
        for m in self.wrong_webhook {
            output::outln(&format!(
                "{} {} / {}: its {} names {}",
                style.warn("example for another webhook:"),
                sanitize(&m.webhook),
                sanitize(&m.example),
                sanitize(&m.at),
                sanitize(&m.names)
            ))?;
        }
        if !self.description.without_body.is_empty() {
            output::outln(&format!(
                "{} {}",
                style.warn("no request body, skipped:"),
                sanitize(&self.description.without_body.join(", "))
            ))?;
        }
        if !self.unresolved.is_empty() {
            output::outln(&format!(
                "{} {}",
                style.warn("$refs that point nowhere (left open):"),
                sanitize(&self.unresolved.join(", "))
            ))?;
        }
        let c = self.changes;
        output::outln(&format!(
            "wrote {}: {} created, {} updated, {} unchanged",
            sanitize(&self.out.display().to_string()),
            c.created.len(),
            c.updated.len(),
            c.unchanged.len()
        ))?;
        for path in &c.updated {
            output::outln(&format!("  updated {}", sanitize(&path.display().to_string())))?;
        }
        let dir = crate::shell::quote(&self.dir.display().to_string());
        if let Some(first) = self.imported.first() {
            output::outln(&format!(
                "next: hookctl --fixtures {dir} send {} --to http://localhost:3000/hooks",
                crate::shell::quote(&first.name)
            ))?;
            if let Some((example, _)) = first.webhook.examples.get(1).or(first.webhook.examples.first()) {
                let path =
                    self.out.join(EXAMPLES_DIR).join(&first.stem).join(format!("{}{BODY_SUFFIX}", file_stem(example)));
                output::outln(&format!(
                    "      another example: hookctl --fixtures {dir} send {} --body {} --to URL",
                    crate::shell::quote(&first.name),
                    crate::shell::quote(&path.display().to_string())
                ))?;
            }
        }
        Ok(())
    }
}
