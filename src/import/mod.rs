//! `hookctl import SPEC --provider NAME --out DIR`: a provider folder from an OpenAPI description — one
//! fixture per webhook (its first valid example, else a body generated from its schema), its bundled draft
//! 2020-12 schema, a detection rule, the provider file, and every example kept for `send --body`. Examples
//! that break their own schema, or name another webhook, are reported, never fatal.
pub mod asyncapi;
pub mod bundle;
pub mod description;
mod external;
pub mod openapi;
pub mod rules;
mod settings;
pub mod yaml;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Result;
use jsonschema::json::SerdeJson;
use serde_json::{json, Map, Value};

use crate::catalog::placeholder::{self, Placeholder, RenderClock, TimeFormat};
use crate::context::Context;
use crate::error::{self, UserError};
use crate::generate::Generator;
use crate::output::{self, sanitize};
use crate::schema::CompiledSchema;
use description::{Description, Webhook};
use rules::{Candidate, Choice};
pub use settings::ImportSettings;

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
    /// The bundled schema, shared with every webhook whose schema is the same (`$id` and `title` are set
    /// per webhook when it is written).
    schema: std::rc::Rc<SharedSchema>,
    id: String,
    title: String,
    /// Each example and, when it breaks the schema, why.
    verdicts: Vec<(String, Vec<String>)>,
    choice: Option<Choice>,
    /// The example the fixture's body came from, or None (generated from the schema).
    body_from: Option<String>,
    body: Value,
    /// What the report says about this webhook besides (a schema nothing can be generated from, …).
    notes: Vec<String>,
}

/// One bundled schema, its validator and its generator, made once however many webhooks share it: the
/// cost of a description stays that of its distinct schemas, not of its webhooks.
struct SharedSchema {
    schema: Value,
    compiled: Option<CompiledSchema<SerdeJson>>,
    generator: std::cell::OnceCell<Generator>,
    typical: std::cell::OnceCell<Value>,
}

impl SharedSchema {
    fn generator(&self) -> &Generator {
        self.generator.get_or_init(|| Generator::new(&self.schema))
    }

    /// The schema's typical instance, made once.
    fn typical(&self) -> Value {
        self.typical.get_or_init(|| self.generator().typical()).clone()
    }
}

pub fn run(args: &ImportSettings, ctx: &Context) -> Result<ExitCode> {
    check_provider_name(&args.provider)?;
    let (text, label) = read_spec(&args.spec)?;
    let mut doc = parse_spec(&text, &label)?;
    // Files beside the description that its `$ref`s name, put in place (stdin has no folder to read them from).
    let beside = match args.spec.as_str() {
        "-" => external::Outside::default(),
        spec => {
            let folder = Path::new(spec).parent().filter(|p| !p.as_os_str().is_empty()).unwrap_or(Path::new("."));
            external::inline(&mut doc, folder)
        }
    };
    let description = read_description(doc).map_err(|e| UserError::new(format!("{}: {e}", sanitize(&label))))?;
    refuse_empty(&description, &label)?;
    let provider = &args.provider;
    let mut unresolved = description.unresolved.clone();
    unresolved.extend(beside.unresolved);
    let mut imported = bundle_each(&description, provider, &mut unresolved);
    unresolved.sort();
    unresolved.dedup();
    name_apart(&mut imported)?;
    let choices = {
        let candidates: Vec<Candidate> = imported
            .iter()
            .map(|i| Candidate {
                key: &i.webhook.key,
                schema: &i.schema.schema,
                examples: &i.webhook.examples,
                headers: &i.webhook.headers,
            })
            .collect();
        rules::choose(&candidates)
    };
    let out = args.out.join(provider);
    std::fs::create_dir_all(&args.out)
        .map_err(|e| UserError::new(format!("cannot create --out {}: {e}", args.out.display())))?;
    // Each webhook's body is chosen and its files staged in turn, then its body dropped: memory holds one
    // body at a time, whatever the number of webhooks.
    let mut staged = Staged::for_out(&out)?;
    for (item, choice) in imported.iter_mut().zip(choices) {
        item.choice = Some(choice);
        choose_body(item);
        staged.item(item)?;
        item.body = Value::Null;
    }
    let wrong_webhook = misnamed_examples(&imported);
    let changes = write_folder(staged, provider, &label, &description, &imported)?;
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

/// A description with no webhook that has a request body: nothing to import, and why.
fn refuse_empty(description: &Description, label: &str) -> Result<()> {
    if !description.webhooks.is_empty() {
        return Ok(());
    }
    let hint = if description.without_body.is_empty() {
        "hookctl imports OpenAPI 3.1 `webhooks:` and OpenAPI 3.0 `callbacks`".to_string()
    } else {
        format!("{} declared without a request body", description.without_body.join(", "))
    };
    Err(UserError::with_hint(format!("{}: no webhook with a request body to import", sanitize(label)), hint).into())
}

/// Each webhook with its schema bundled (once per distinct schema: webhooks that share one share it) and its
/// examples checked against it.
fn bundle_each(description: &Description, provider: &str, unresolved: &mut Vec<String>) -> Vec<Imported> {
    let mut imported: Vec<Imported> = Vec::new();
    let mut bundles: std::collections::HashMap<String, std::rc::Rc<SharedSchema>> = Default::default();
    for webhook in &description.webhooks {
        let event = webhook.key.trim_start_matches('/').to_string();
        let name = fixture_name(provider, &event);
        let stem = name.clone();
        let id = format!("https://hookctl.invalid/schemas/{stem}.json");
        let title = webhook.summary.clone().unwrap_or_else(|| format!("{provider} {event} webhook"));
        let source = webhook.schema.clone().unwrap_or_else(|| json!({}));
        let shared = bundles.entry(source.to_string()).or_insert_with(|| {
            let (schema, missing) = bundle::Bundler::new(&description.doc).bundle(&source, &id, &title);
            unresolved.extend(missing);
            let compiled = CompiledSchema::<SerdeJson>::compile(&schema).ok();
            std::rc::Rc::new(SharedSchema {
                schema,
                compiled,
                generator: Default::default(),
                typical: Default::default(),
            })
        });
        let verdicts = webhook
            .examples
            .iter()
            .map(|(example, value)| {
                let errors = shared
                    .compiled
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
            schema: shared.clone(),
            id,
            title,
            verdicts,
            choice: None,
            body_from: None,
            body: Value::Null,
            notes: substituted_headers(&webhook.headers),
        });
    }
    imported
}

/// Notes for header examples HTTP cannot carry (raw control bytes in a signature example): what the fixture
/// sends instead, so every fixture still sends (issue 36 #2).
fn substituted_headers(headers: &[description::HeaderParam]) -> Vec<String> {
    headers
        .iter()
        .filter(|h| crate::http::request::is_token(h.name.as_bytes()))
        .filter(|h| crate::http::check_header(&h.name, &header_value(h)).is_err())
        .map(|h| {
            format!(
                "the example of header {} is not a valid header value (control or non-ASCII bytes): the fixture sends {:?}{}",
                h.name,
                sendable_header_value(h),
                if h.name.to_ascii_lowercase().contains("signature") {
                    " (a signature: sign for real with --secret and --scheme)"
                } else {
                    ""
                }
            )
        })
        .collect()
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

/// The longest fixture name import writes (its files are `NAME.schema.json`: under any file system's 255).
const MAX_NAME: usize = 200;

/// Checked before anything is written: a name over [`MAX_NAME`] is refused (exit 2, nothing written), and
/// webhooks whose keys make the same name are told apart by a numeric suffix, said in both reports.
fn name_apart(imported: &mut [Imported]) -> Result<()> {
    if let Some(long) = imported.iter().find(|i| i.name.len() > MAX_NAME) {
        let key: String = long.webhook.key.chars().take(40).collect();
        return Err(UserError::with_hint(
            format!(
                "webhook `{}…` ({} characters) makes a fixture name over {MAX_NAME} characters: nothing was written",
                sanitize(&key),
                long.webhook.key.chars().count()
            ),
            "shorten the key in the description (hookctl names each fixture provider.KEY)",
        )
        .into());
    }
    let mut taken: std::collections::HashMap<String, String> = std::collections::HashMap::new();
    for item in imported.iter_mut() {
        let wanted = item.name.clone();
        let mut name = wanted.clone();
        let mut n = 1;
        while taken.contains_key(&name) {
            n += 1;
            name = format!("{wanted}-{n}");
        }
        if name != wanted {
            let first = &taken[&wanted];
            item.notes.push(format!(
                "webhook keys `{first}` and `{}` both make the name {wanted}: this one is written as {name}",
                item.webhook.key
            ));
            item.name = name.clone();
            item.stem = name.clone();
        }
        taken.insert(name, item.webhook.key.clone());
    }
    Ok(())
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
    yaml::parse(trimmed).map_err(|e| {
        let what = if e.starts_with("not YAML") {
            "neither JSON nor YAML (hookctl imports OpenAPI and AsyncAPI descriptions): "
        } else {
            ""
        };
        UserError::new(format!("{}: {what}{e}", sanitize(label))).into()
    })
}

impl Imported {
    fn is_valid(&self, value: &Value) -> bool {
        self.schema.compiled.as_ref().is_none_or(|c| c.check(value).valid)
    }

    /// The schema as this webhook's file holds it: its own `$id` and `title`.
    fn schema_file(&self) -> Value {
        let mut schema = self.schema.schema.clone();
        if let Some(map) = schema.as_object_mut() {
            map.insert("$id".into(), json!(self.id));
            map.insert("title".into(), json!(self.title));
        }
        schema
    }

    /// Where `value` breaks the schema: each violation's pointer (`""`: the whole body).
    fn violations(&self, value: &Value) -> Vec<String> {
        match &self.schema.compiled {
            Some(compiled) => {
                let verdict = compiled.check(value);
                if verdict.valid {
                    Vec::new()
                } else if verdict.errors.is_empty() {
                    vec![String::new()]
                } else {
                    verdict.errors.into_iter().map(|v| v.pointer).collect()
                }
            }
            None => Vec::new(),
        }
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
    let shared = item.schema.clone();
    let generator = shared.generator();
    if let Some(problem) = generator.problem() {
        let (from, body) = match item.webhook.examples.first() {
            Some((name, value)) => (format!("its example {name}"), value.clone()),
            None => ("{}".to_string(), json!({})),
        };
        item.notes.push(format!("{problem}: body left as {from}"));
        item.body = body;
        return;
    }
    let body = with_rule(item, shared.typical());
    item.body = with_placeholders(item, body);
}

/// Volatile-looking values (ids, timestamps) as placeholders, as `captures export --as fixture` makes
/// them — kept only where the rendered body still passes the schema and the rule. All are tried at once
/// and the body validated once; those the validator points at are dropped and the rest tried again (a few
/// rounds at most): linear in the body, not one whole-body validation per leaf.
fn with_placeholders(item: &Imported, body: Value) -> Value {
    let mut leaves = Vec::new();
    collect_leaves(&body, String::new(), &mut leaves);
    let rule = item.rule_pointer().map(|(p, _)| p.to_string());
    let mut candidates: Vec<(String, String)> = leaves
        .into_iter()
        .filter(|pointer| Some(pointer) != rule.as_ref())
        .filter_map(|pointer| {
            let placeholder = crate::captures::infer::placeholder_for(body.pointer(&pointer)?)?;
            Some((pointer, placeholder.to_string()))
        })
        .collect();
    let clock = RenderClock::now();
    for _ in 0..4 {
        if candidates.is_empty() {
            break;
        }
        let mut candidate = body.clone();
        for (pointer, placeholder) in &candidates {
            if let Some(slot) = candidate.pointer_mut(pointer) {
                *slot = Value::String(placeholder.clone());
            }
        }
        let mut rendered = candidate.clone();
        placeholder::fill_all(&mut rendered, &clock);
        let broken = item.violations(&rendered);
        if broken.is_empty() {
            return candidate;
        }
        let before = candidates.len();
        let touches = |pointer: &str, at: &str| {
            at.is_empty()
                || pointer == at
                || pointer.starts_with(&format!("{at}/"))
                || at.starts_with(&format!("{pointer}/"))
        };
        candidates.retain(|(pointer, _)| !broken.iter().any(|at| touches(pointer, at)));
        if candidates.len() == before {
            break;
        }
    }
    body
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

/// Files written first into a private staging folder beside `--out`; moved into place only once every one
/// was written, so a failed import leaves the folder as it was (the staging folder goes when dropped).
struct Staged {
    staging: crate::files::PrivateFolder,
    /// Each staged file: its folders under `--out` and its name.
    files: Vec<(Vec<String>, String)>,
    /// `--out` and the provider's folder in it.
    dir: PathBuf,
    provider_dir: String,
}

impl Staged {
    /// Staging for `--out DIR/PROVIDER`; a provider folder that is a link (or a file) is refused first.
    fn for_out(out: &Path) -> Result<Staged> {
        let (dir, provider_dir) = split_out(out);
        let existing = std::fs::symlink_metadata(out).ok().map(|m| m.file_type());
        if existing.is_some_and(|kind| !kind.is_dir()) {
            return Err(UserError::with_hint(
                format!("{} is a symbolic link or a file, not a folder: nothing is written through it", out.display()),
                "remove it (or choose another --out folder)",
            )
            .into());
        }
        let staging = crate::files::PrivateFolder::create(dir, ".hookctl-import-")
            .map_err(|e| UserError::new(format!("cannot write into --out {}: {e}", dir.display())))?;
        Ok(Staged { staging, files: Vec::new(), dir: dir.to_path_buf(), provider_dir: provider_dir.to_string() })
    }

    /// A webhook's fixture, schema and example bodies.
    fn item(&mut self, item: &Imported) -> Result<()> {
        let provider_dir = self.provider_dir.clone();
        self.write(&[&provider_dir], &format!("{}.json", item.stem), &fixture_file(item))?;
        self.write(&[&provider_dir], &format!("{}.schema.json", item.stem), &item.schema_file())?;
        for (example, value) in &item.webhook.examples {
            let folders = [provider_dir.as_str(), EXAMPLES_DIR, item.stem.as_str()];
            self.write(&folders, &format!("{}{BODY_SUFFIX}", file_stem(example)), value)?;
        }
        Ok(())
    }

    fn write(&mut self, folders: &[&str], name: &str, value: &Value) -> Result<()> {
        let text = serde_json::to_string_pretty(value)? + "\n";
        let folder = crate::files::folder_inside(&self.staging.path, folders)?;
        self.staging
            .write_new_in(&folder, name, text.as_bytes())
            .map_err(|e| UserError::new(format!("cannot write {}: {e}", folder.join(name).display())))?;
        self.files.push((folders.iter().map(|f| f.to_string()).collect(), name.to_string()));
        Ok(())
    }

    /// Moves every staged file into `--out` (never through a link), saying what changed.
    fn commit(self) -> Result<Changes> {
        let dir = self.dir.clone();
        let mut changes = Changes::default();
        for (folders, name) in &self.files {
            let parts: Vec<&str> = folders.iter().map(String::as_str).collect();
            let staged = self.staging.path.join(folders.iter().collect::<PathBuf>()).join(name);
            let folder = crate::files::folder_inside(&dir, &parts)?;
            let path = folder.join(name);
            match crate::files::move_inside(&staged, &folder, name)? {
                crate::files::Wrote::Created => changes.created.push(path),
                crate::files::Wrote::Replaced => changes.updated.push(path),
                crate::files::Wrote::Unchanged => changes.unchanged.push(path),
            }
        }
        Ok(changes)
    }
}

fn first_paragraph(text: &str) -> String {
    text.split("\n\n").next().unwrap_or("").split_whitespace().collect::<Vec<_>>().join(" ")
}

fn write_folder(
    mut staged: Staged,
    provider: &str,
    label: &str,
    description: &Description,
    imported: &[Imported],
) -> Result<Changes> {
    let info = description.doc.get("info").cloned().unwrap_or(Value::Null);
    let title = info.get("title").and_then(Value::as_str).unwrap_or(provider);
    let about = info.get("description").and_then(Value::as_str).map(first_paragraph).unwrap_or_default();
    let source = Path::new(label).file_name().map_or_else(|| label.to_string(), |n| n.to_string_lossy().into_owned());
    let version = info.get("version").and_then(Value::as_str).map(|v| format!(", version {v}")).unwrap_or_default();
    let imported_from = format!("Imported from {source} (OpenAPI {}{version}).", description.version);
    let mut provider_file = Map::new();
    provider_file.insert("name".into(), json!(provider));
    provider_file.insert("title".into(), json!(title));
    provider_file.insert("description".into(), json!(format!("{imported_from} {about}").trim_end().to_string()));
    // Another description imported into the same folder before: its title stays, and the description
    // lists every source (issue 36 #8: the last import used to overwrite the first's).
    let earlier = staged.dir.join(&staged.provider_dir).join(crate::catalog::provider::FILE_NAME);
    let earlier: Option<Value> = crate::files::read_regular(&earlier, 1 << 20, "provider.json", false)
        .ok()
        .and_then(|bytes| serde_json::from_slice(&bytes).ok());
    if let Some(earlier) = earlier.as_ref().and_then(Value::as_object) {
        let before = earlier.get("description").and_then(Value::as_str).unwrap_or_default();
        if let Some(first_title) = earlier.get("title").filter(|t| t.is_string()) {
            provider_file.insert("title".into(), first_title.clone());
        }
        let merged = match before.contains(&imported_from) {
            true => before.to_string(),
            false => format!("{before} {imported_from}").trim().to_string(),
        };
        if !merged.is_empty() {
            provider_file.insert("description".into(), json!(merged));
        }
    }
    let timeout = ["x-webhook-timeout", "x-timeout"].iter().find_map(|k| info.get(*k)).map(|v| match v {
        Value::Number(n) => format!("{n}s"),
        other => other.as_str().unwrap_or_default().to_string(),
    });
    if let Some(timeout) = timeout.or_else(|| imported.iter().find_map(|i| i.webhook.timeout.clone())) {
        if crate::units::parse_duration(&timeout).is_ok() {
            provider_file.insert("delivery_timeout".into(), json!(timeout));
        }
    }
    let provider_dir = staged.provider_dir.clone();
    staged.write(&[&provider_dir], crate::catalog::provider::FILE_NAME, &Value::Object(provider_file))?;
    staged.commit()
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
fn sendable_header_value(header: &description::HeaderParam) -> String {
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

fn header_value(header: &description::HeaderParam) -> String {
    let text = |v: &Value| v.as_str().map_or_else(|| v.to_string(), String::from);
    if let Some(example) = &header.example {
        return text(example);
    }
    let Some(schema) = &header.schema else { return String::new() };
    match schema.get("format").and_then(Value::as_str) {
        Some("uuid") => return Placeholder::Uuid.to_string(),
        Some("date-time") => return Placeholder::Now(TimeFormat::Rfc3339).to_string(),
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
            "notes": self.imported.iter().flat_map(|i| i.notes.iter().map(|n| json!({"fixture": i.name, "note": n}))).collect::<Vec<_>>(),
            "files": {"created": paths(&self.changes.created), "updated": paths(&self.changes.updated), "unchanged": paths(&self.changes.unchanged)},
        })
    }

    /// The report's warnings: invalid examples, examples naming another webhook, webhooks without a body,
    /// notes, `$ref`s that point nowhere.
    fn print_problems(&self, style: &output::Style) -> Result<()> {
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
        for item in self.imported {
            for note in &item.notes {
                output::outln(&format!("{} {}: {}", style.warn("note:"), sanitize(&item.name), sanitize(note)))?;
            }
        }
        if !self.unresolved.is_empty() {
            output::outln(&format!(
                "{} {}",
                style.warn("$refs that point nowhere (left open):"),
                sanitize(&self.unresolved.join(", "))
            ))?;
        }
        Ok(())
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
                Some(c) if c.optional => {
                    format!(
                        "match {} = {} ({}; {} is optional: without it, by its schema)",
                        c.at, c.value, c.kind, c.at
                    )
                }
                Some(c) => format!("match {} = {} ({})", c.at, c.value, c.kind),
                None => String::new(),
            };
            let body = match &item.body_from {
                Some(example) => format!("body from example {example}"),
                None => "body generated from the schema".into(),
            };
            output::outln(&format!("  {}  {}  {}", sanitize(&item.name), sanitize(&body), sanitize(&rule)))?;
        }
        self.print_problems(&style)?;
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
            // Another example to try: one that passes its schema (never one just reported invalid), the second
            // such when there are two (the first is often the fixture's own body).
            let valid: Vec<&String> =
                first.verdicts.iter().filter(|(_, errors)| errors.is_empty()).map(|(example, _)| example).collect();
            if let Some(example) = valid.get(1).or(valid.first()) {
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

/// The webhooks of an OpenAPI 3.0 / 3.1 or AsyncAPI 2.x / 3.0 document: the reader its top-level key names.
fn read_description(doc: Value) -> Result<Description, String> {
    if doc.get("openapi").is_none() && doc.get("asyncapi").is_some() {
        return asyncapi::read(doc);
    }
    openapi::read(doc)
}
