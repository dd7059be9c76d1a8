//! JSON Schemas: compile (jsonschema crate), validate with readable violations, tell which shape a
//! payload followed, find fields the provider never sends, and detect which event a body is.
//!
//! Everything here works on any JSON representation the jsonschema crate can validate: `listen` hands in
//! `serde_json::Value`s (small bodies, already parsed), `diff` the compact [`crate::doc::Doc`] (files of
//! any size).
use std::collections::HashMap;

use anyhow::Result;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::json::{Array as _, Json, JsonNumber as _, Node, Object as _, SerdeJson};
use jsonschema::{JsonType, ValidationError, Validator};
use serde_json::Value;

use crate::catalog::Catalog;
use crate::error::UserError;
use crate::headers::Headers;
use crate::output::short_json;
use crate::pointer;

pub use crate::problem::Violation;

#[derive(Debug, Clone)]
pub struct Verdict {
    pub valid: bool,
    /// The shape the payload followed (or came closest to), for schemas that offer several.
    pub shape: Option<String>,
    pub errors: Vec<Violation>,
}

/// A compiled schema; one whose root is `anyOf` of `$ref`s to `$defs` also has one validator per shape.
/// `F` is the JSON representation it validates.
pub struct CompiledSchema<F: Json = SerdeJson> {
    raw: Value,
    /// The whole schema's validator; none when it has shapes (each shape has its own).
    validator: Option<Validator<F>>,
    shapes: Vec<(String, Validator<F>)>,
}

fn build<F: Json>(schema: &Value) -> Result<Validator<F>, String> {
    jsonschema::options_for::<F>()
        .should_validate_formats(true)
        .build(schema)
        .map_err(|e| format!("not a valid JSON Schema: {e}"))
}

/// `[(title, $defs name)]` for a root `anyOf: [{"$ref": "#/$defs/X"}, …]`.
fn shape_refs(schema: &Value) -> Vec<(String, String)> {
    let Some(any_of) = schema.get("anyOf").and_then(Value::as_array) else {
        return Vec::new();
    };
    let defs: Vec<String> = any_of
        .iter()
        .filter_map(|branch| branch.get("$ref")?.as_str()?.strip_prefix("#/$defs/").map(String::from))
        .collect();
    if defs.len() != any_of.len() || defs.len() < 2 {
        return Vec::new();
    }
    defs.into_iter()
        .map(|def| {
            let title = schema["$defs"][&def]["title"].as_str().map_or_else(|| def.clone(), String::from);
            (title, def)
        })
        .collect()
}

impl<F: Json> CompiledSchema<F> {
    pub fn compile(schema: &Value) -> Result<CompiledSchema<F>, String> {
        let refs = shape_refs(schema);
        // With shapes, each is validated on its own (and each build checks the whole schema, `$defs` and all,
        // against its meta-schema): the root's `anyOf` validator would never be used.
        let validator = if refs.is_empty() { Some(build(schema)?) } else { None };
        let mut shapes = Vec::new();
        for (title, def) in refs {
            let mut only = schema.clone();
            if let Some(map) = only.as_object_mut() {
                map.remove("anyOf");
                map.insert("$ref".into(), Value::String(format!("#/$defs/{def}")));
            }
            shapes.push((title, build(&only)?));
        }
        Ok(CompiledSchema { raw: schema.clone(), validator, shapes })
    }

    pub fn check<'i>(&'i self, instance: F::Node<'i>) -> Verdict {
        if let Some(validator) = &self.validator {
            let errors = violations(validator, instance);
            return Verdict { valid: errors.is_empty(), shape: None, errors };
        }
        if let Some((title, _)) = self.shapes.iter().find(|(_, validator)| validator.is_valid(instance.clone())) {
            return Verdict { valid: true, shape: Some(title.clone()), errors: Vec::new() };
        }
        // None fits: report the closest, the shape with the fewest problems. Only its problems are described.
        let closest = self.shapes.iter().min_by_key(|(_, validator)| validator.iter_errors(instance.clone()).count());
        let (shape, errors) = match closest {
            Some((title, validator)) => (Some(title.clone()), violations(validator, instance)),
            None => (None, Vec::new()),
        };
        Verdict { valid: false, shape, errors }
    }

    /// Whether the schema offers several shapes (a root `anyOf` of `$ref`s), told apart by validating.
    pub fn has_shapes(&self) -> bool {
        !self.shapes.is_empty()
    }

    /// Pointers of fields in `instance` that the schema does not describe (the provider never sends them).
    pub fn extra_fields(&self, instance: F::Node<'_>) -> Vec<String> {
        let mut extra = Vec::new();
        walk_extra::<F>(&self.raw, &self.raw, &instance, String::new(), &mut extra, 0);
        extra.sort();
        extra.dedup();
        extra
    }
}

fn violations<'i, F: Json>(validator: &'i Validator<F>, instance: F::Node<'i>) -> Vec<Violation> {
    validator.iter_errors(instance.clone()).map(|e| violation::<F>(&e, &instance)).collect()
}

fn type_name<'a, F: Json>(node: &F::Node<'a>) -> &'static str {
    match node.json_type() {
        JsonType::Null => "null",
        JsonType::Boolean => "boolean",
        JsonType::String => "string",
        JsonType::Array => "array",
        JsonType::Object => "object",
        _ if node.as_number().is_some_and(|n| n.as_u64().is_some() || n.as_i64().is_some()) => "integer",
        _ => "number",
    }
}

/// What was found: its type and a short preview. A large container is summarised, not copied.
fn found<'a, F: Json>(node: Option<F::Node<'a>>) -> String {
    const PREVIEWED: usize = 16;
    let Some(node) = node else {
        return "nothing".into();
    };
    let preview = match (node.as_object(), node.as_array()) {
        (Some(object), _) if object.len() > PREVIEWED => format!("{{…{} fields}}", object.len()),
        (_, Some(items)) if items.len() > PREVIEWED => format!("[…{} items]", items.len()),
        _ => short_json(&node.to_value(), 60),
    };
    format!("{} {preview}", type_name::<F>(&node))
}

fn violation<'a, F: Json>(error: &ValidationError<'_>, root: &F::Node<'a>) -> Violation {
    let at = error.instance_path().to_string();
    let kind = error.kind();
    let here = || found::<F>(pointer::find::<F>(root, &at));
    let (expected, found) = match kind {
        ValidationErrorKind::Required { .. } => ("required field".to_string(), "nothing (missing)".to_string()),
        ValidationErrorKind::Type { kind } => {
            let wanted = match kind {
                TypeKind::Single(t) => t.to_string(),
                TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(" or "),
            };
            (format!("type {wanted}"), here())
        }
        ValidationErrorKind::Enum { options } => (format!("one of {}", short_json(options, 80)), here()),
        ValidationErrorKind::Constant { expected_value } => (short_json(expected_value, 80), here()),
        ValidationErrorKind::Pattern { pattern } => (format!("a string matching {pattern}"), here()),
        ValidationErrorKind::Format { format } => (format!("{format} format"), here()),
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            ("no other fields".into(), format!("unexpected {}", unexpected.join(", ")))
        }
        // Masked: the message names no value (the found column shows it), so a large one is never copied.
        _ => (error.masked_with("the value").to_string(), here()),
    };
    // A missing field is reported where it belongs, not at the object that lacks it.
    let pointer = match kind {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().map_or_else(|| property.to_string(), String::from);
            format!("{at}/{}", pointer::escape(&name))
        }
        _ => at,
    };
    Violation { pointer, expected, found, keyword: kind.keyword().to_string() }
}

/// Resolves a local `$ref` (`#/$defs/x`, `#/…`) against the schema root.
fn resolve<'a>(root: &'a Value, node: &'a Value) -> &'a Value {
    let mut node = node;
    for _ in 0..16 {
        match node.get("$ref").and_then(Value::as_str).and_then(|r| r.strip_prefix('#')) {
            Some(pointer) => match root.pointer(pointer) {
                Some(target) => node = target,
                None => return node,
            },
            None => return node,
        }
    }
    node
}

/// Every subschema that applies to the same instance: the node itself and its anyOf/oneOf/allOf branches.
fn branches<'a>(root: &'a Value, node: &'a Value, out: &mut Vec<&'a Value>, depth: usize) {
    if depth > 16 {
        return;
    }
    let node = resolve(root, node);
    out.push(node);
    for key in ["anyOf", "oneOf", "allOf"] {
        for branch in node.get(key).and_then(Value::as_array).into_iter().flatten() {
            branches(root, branch, out, depth + 1);
        }
    }
}

fn walk_extra<'a, F: Json>(
    root: &Value,
    node: &Value,
    instance: &F::Node<'a>,
    at: String,
    extra: &mut Vec<String>,
    depth: usize,
) {
    if depth > 32 {
        return;
    }
    let mut nodes = Vec::new();
    branches(root, node, &mut nodes, 0);
    if let Some(map) = instance.as_object() {
        let open = nodes.iter().any(|n| n.get("additionalProperties").is_some_and(|a| a.is_object()));
        let describes_objects = nodes.iter().any(|n| n.get("properties").is_some());
        let patterned = nodes.iter().any(|n| n.get("patternProperties").is_some());
        // Looked up once, not once per key of the instance (a 20,000-key object).
        let properties: Vec<&serde_json::Map<String, Value>> =
            nodes.iter().filter_map(|n| n.get("properties")?.as_object()).collect();
        for (key, value) in map.members() {
            let key: &str = key.as_ref();
            let subs: Vec<&Value> = properties.iter().filter_map(|p| serde_json::Map::get(p, key)).collect();
            if subs.is_empty() {
                if describes_objects && !open && !patterned {
                    extra.push(format!("{at}/{}", pointer::escape(key)));
                }
                continue;
            }
            let here = format!("{at}/{}", pointer::escape(key));
            for sub in subs {
                walk_extra::<F>(root, sub, &value, here.clone(), extra, depth + 1);
            }
        }
    } else if let Some(items) = instance.as_array() {
        for items_schema in nodes.iter().filter_map(|n| n.get("items")).filter(|i| i.is_object()) {
            for (i, item) in items.elements().enumerate() {
                walk_extra::<F>(root, items_schema, &item, format!("{at}/{i}"), extra, depth + 1);
            }
        }
    }
}

/// Compiled schemas of the catalog, by fixture name, for the JSON representation `F`.
pub struct SchemaSet<F: Json = SerdeJson> {
    compiled: HashMap<String, CompiledSchema<F>>,
}

impl<F: Json> SchemaSet<F> {
    /// Compiles every fixture's schema (a user schema that does not compile is reported, not fatal).
    pub fn compile(catalog: &Catalog) -> (SchemaSet<F>, Vec<String>) {
        Self::compile_where(catalog, |_| true)
    }

    /// Compiles only the named fixtures' schemas (a one-shot command needs one or two, not all).
    pub fn compile_only(catalog: &Catalog, names: &[&str]) -> (SchemaSet<F>, Vec<String>) {
        Self::compile_where(catalog, |name| names.contains(&name))
    }

    /// Compiles only the schemas detection itself validates with: those that offer shapes, and those of the
    /// fixtures detected by validation.
    pub fn compile_shaped(catalog: &Catalog) -> (SchemaSet<F>, Vec<String>) {
        // Also the fixtures detected by validation (`$valid`, at any depth of their `match`): without their
        // schemas `diff` could not detect what `listen` detects.
        Self::compile_where(catalog, |name| {
            catalog.get(name).is_some_and(|f| {
                f.match_rules.needs_schema() || f.schema.as_ref().is_some_and(|s| !shape_refs(s).is_empty())
            })
        })
    }

    fn compile_where(catalog: &Catalog, wanted: impl Fn(&str) -> bool) -> (SchemaSet<F>, Vec<String>) {
        let mut compiled = HashMap::new();
        let mut problems = Vec::new();
        for fixture in catalog.iter().filter(|f| wanted(&f.name)) {
            let Some(schema) = &fixture.schema else {
                continue;
            };
            match CompiledSchema::compile(schema) {
                Ok(c) => {
                    compiled.insert(fixture.name.clone(), c);
                }
                Err(e) => problems.push(format!("schema of `{}`: {e}", fixture.name)),
            }
        }
        (SchemaSet { compiled }, problems)
    }

    pub fn get(&self, name: &str) -> Option<&CompiledSchema<F>> {
        self.compiled.get(name)
    }
}

/// The schema of a named fixture, or a usage error.
pub fn schema_of<'a>(catalog: &'a Catalog, name: &str) -> Result<&'a Value> {
    let fixture = catalog.require(name)?;
    fixture.schema.as_ref().ok_or_else(|| {
        UserError::with_hint(
            format!("fixture `{name}` has no schema"),
            match &fixture.origin {
                crate::catalog::Origin::User(path) => {
                    let [by_stem, by_name] = crate::catalog::schema_paths(path, &fixture.name);
                    format!("put a JSON Schema beside it as {} (or {})", by_stem.display(), by_name.display())
                }
                crate::catalog::Origin::BuiltIn => "pass --schema FILE to validate against your own".to_string(),
            },
        )
        .into()
    })
}

/// A detected event, with the verdict when detection had to validate to decide (an event whose schema
/// offers shapes: which one the body followed).
pub struct Detected {
    pub name: String,
    pub verdict: Option<Verdict>,
}

/// Which event a received request is, as far as its body and header names tell: the first fixture whose
/// `match` rules hold (see [`crate::catalog::rules`]; the user's fixtures are tried first, fallbacks last).
/// A shape fixture is reported as its event; the verdict says which shape.
pub fn detect<'a, F: Json>(
    catalog: &Catalog,
    schemas: &'a SchemaSet<F>,
    body: F::Node<'a>,
    headers: &Headers,
) -> Option<String> {
    detect_checked(catalog, schemas, body, headers).map(|d| d.name)
}

/// [`detect`], keeping the verdict it computed, so a caller never validates the same body twice.
pub fn detect_checked<'a, F: Json>(
    catalog: &Catalog,
    schemas: &'a SchemaSet<F>,
    body: F::Node<'a>,
    headers: &Headers,
) -> Option<Detected> {
    let header = |name: &str| headers.get(name);
    let fixture = catalog.detectable().find(|f| {
        let valid = || schemas.get(&f.name).is_some_and(|s| s.check(body.clone()).valid);
        f.match_rules.hold::<F>(&body, &header, &valid)
    })?;
    let verdict = schemas.get(&fixture.name).filter(|s| s.has_shapes()).map(|s| s.check(body));
    Some(Detected { name: fixture.name.clone(), verdict })
}

/// For a body no event matched: the event whose identifying value it almost has (`"type": "install.crate"`
/// is one letter from obniz's `install.create`), said as a hint. Compares the body's top-level strings with
/// each fixture's fixed top-level strings (placeholders aside).
pub fn near_miss(catalog: &Catalog, body: &Value) -> Option<String> {
    let body = body.as_object()?;
    let mut best: Option<(f64, String)> = None;
    for fixture in catalog.iter() {
        let Some(template) = fixture.template().as_object() else { continue };
        for (key, sent) in body {
            let (Some(sent), Some(wanted)) = (sent.as_str(), template.get(key).and_then(Value::as_str)) else {
                continue;
            };
            if sent == wanted || wanted.starts_with("{{") {
                continue;
            }
            let score = strsim::jaro_winkler(&sent.to_lowercase(), &wanted.to_lowercase());
            if score >= 0.9 && best.as_ref().is_none_or(|(b, _)| score > *b) {
                let text = format!(
                    "closest event: {} (its `{key}` is {wanted:?}, this one's is {sent:?})",
                    fixture.shape_of.as_ref().map_or(fixture.name.as_str(), |s| s.of.as_str())
                );
                best = Some((score, text));
            }
        }
    }
    best.map(|(_, text)| text)
}

/// The likeliest names for a body that could not be detected: fixtures sharing the most top-level keys.
pub fn likely_names<'a, F: Json>(catalog: &Catalog, body: F::Node<'a>, n: usize) -> Vec<String> {
    let keys: Vec<String> =
        body.as_object().map(|m| m.members().map(|(k, _)| k.as_ref().to_string()).collect()).unwrap_or_default();
    let mut scored: Vec<(usize, &str)> = catalog
        .iter()
        .map(|f| {
            let shared = f.template().as_object().map_or(0, |t| keys.iter().filter(|k| t.contains_key(*k)).count());
            (shared, f.name.as_str())
        })
        .filter(|(shared, _)| *shared > 0)
        .collect();
    scored.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(b.1)));
    scored.into_iter().take(n).map(|(_, name)| name.to_string()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn set() -> (Catalog, SchemaSet) {
        let catalog = Catalog::builtin();
        let (schemas, problems) = SchemaSet::compile(&catalog);
        assert!(problems.is_empty(), "{problems:?}");
        (catalog, schemas)
    }

    #[test]
    fn every_rendered_fixture_validates_against_its_schema() {
        let (catalog, schemas) = set();
        for fixture in catalog.iter() {
            let body = fixture.render().body;
            let verdict = schemas.get(&fixture.name).unwrap().check(&body);
            assert!(verdict.valid, "{}: {:?}", fixture.name, verdict.errors);
            assert!(schemas.get(&fixture.name).unwrap().extra_fields(&body).is_empty(), "{}", fixture.name);
        }
    }

    #[test]
    fn every_rendered_fixture_is_detected_as_itself() {
        let (catalog, schemas) = set();
        for fixture in catalog.iter() {
            let rendered = fixture.render();
            let detected = detect(&catalog, &schemas, &rendered.body, &rendered.headers);
            let event = fixture.shape_of.as_ref().map_or(fixture.name.as_str(), |s| s.of.as_str());
            assert_eq!(detected.as_deref(), Some(event), "{}", fixture.name);
        }
    }

    #[test]
    fn ebriza_shapes_are_told_apart() {
        let (catalog, schemas) = set();
        let schema = schemas.get("ebriza.configuration.changed").unwrap();
        let typed = catalog.get("ebriza.configuration.changed").unwrap().render().body;
        let example = catalog.get("ebriza.configuration.changed.example").unwrap().render().body;
        assert_eq!(schema.check(&typed).shape.as_deref(), Some("typed"));
        assert_eq!(schema.check(&example).shape.as_deref(), Some("docs-example"));
    }

    #[test]
    fn violations_name_pointer_expectation_and_value() {
        let (catalog, schemas) = set();
        let schema = schemas.get("pgyer.crashlog").unwrap();
        let mut body = catalog.get("pgyer.crashlog").unwrap().render().body;
        body["timestamp"] = json!("1444361118");
        body.as_object_mut().unwrap().remove("title");
        let verdict = schema.check(&body);
        assert!(!verdict.valid);
        let pointers: Vec<&str> = verdict.errors.iter().map(|v| v.pointer.as_str()).collect();
        assert!(pointers.contains(&"/timestamp") && pointers.contains(&"/title"), "{pointers:?}");
        let ts = verdict.errors.iter().find(|v| v.pointer == "/timestamp").unwrap();
        assert_eq!((ts.keyword.as_str(), ts.expected.as_str()), ("type", "type integer"));
    }

    #[test]
    fn a_bad_typed_date_points_at_the_field() {
        let (catalog, schemas) = set();
        let mut body = catalog.get("ebriza.configuration.changed").unwrap().render().body;
        body["Configuration"]["dateFieldName"] = json!("2018/07/10");
        let verdict = schemas.get("ebriza.configuration.changed").unwrap().check(&body);
        assert_eq!(verdict.shape.as_deref(), Some("typed"));
        assert!(verdict.errors.iter().all(|v| v.pointer == "/Configuration/dateFieldName"), "{:?}", verdict.errors);
    }

    #[test]
    fn extra_fields_are_found_where_the_schema_lists_properties() {
        let (catalog, schemas) = set();
        let mut body = catalog.get("pgyer.feedback").unwrap().render().body;
        body["surprise"] = json!(1);
        assert_eq!(schemas.get("pgyer.feedback").unwrap().extra_fields(&body), ["/surprise"]);
        let mut eb = catalog.get("ebriza.install").unwrap().render().body;
        eb["Configuration"]["appOwnField"] = json!(true);
        assert!(schemas.get("ebriza.install").unwrap().extra_fields(&eb).is_empty(), "app fields are described");
    }

    #[test]
    fn unknown_bodies_are_not_detected() {
        let (catalog, schemas) = set();
        let client = Headers::from(vec![("Ebriza-ClientId".to_string(), "1".to_string())]);
        let none = Headers::new();
        assert_eq!(detect(&catalog, &schemas, &json!({"hello": "world"}), &none), None);
        assert_eq!(detect(&catalog, &schemas, &json!([1, 2]), &none), None);
        assert_eq!(detect(&catalog, &schemas, &json!([1, 2]), &client), None, "the flat configuration is an object");
        assert_eq!(
            detect(&catalog, &schemas, &json!({"any": "thing"}), &client).as_deref(),
            Some("ebriza.configuration")
        );
    }
}
