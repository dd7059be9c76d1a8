//! JSON Schemas: compile (jsonschema crate), validate with readable violations, tell which shape a
//! payload followed, find fields the provider never sends, and detect which event a body is.
use std::collections::HashMap;

use anyhow::Result;
use jsonschema::error::{TypeKind, ValidationErrorKind};
use jsonschema::{ValidationError, Validator};
use serde::Serialize;
use serde_json::{Map, Value};

use crate::error::UserError;
use crate::fixtures::placeholder::escape_pointer;
use crate::fixtures::Catalog;
use crate::output::short_json;

/// One schema violation: where, what the schema wants, what came.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Violation {
    pub pointer: String,
    pub expected: String,
    pub found: String,
    pub keyword: String,
}

impl std::fmt::Display for Violation {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let at = if self.pointer.is_empty() { "/" } else { &self.pointer };
        write!(f, "{at}: expected {}, found {}", self.expected, self.found)
    }
}

#[derive(Debug, Clone)]
pub struct Verdict {
    pub valid: bool,
    /// The shape the payload followed (or came closest to), for schemas that offer several.
    pub shape: Option<String>,
    pub errors: Vec<Violation>,
}

/// A compiled schema; one whose root is `anyOf` of `$ref`s to `$defs` also has one validator per shape.
pub struct CompiledSchema {
    raw: Value,
    validator: Validator,
    shapes: Vec<(String, Validator)>,
}

fn build(schema: &Value) -> Result<Validator, String> {
    jsonschema::options()
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

impl CompiledSchema {
    pub fn compile(schema: &Value) -> Result<CompiledSchema, String> {
        let validator = build(schema)?;
        let mut shapes = Vec::new();
        for (title, def) in shape_refs(schema) {
            let mut only = schema.clone();
            if let Some(map) = only.as_object_mut() {
                map.remove("anyOf");
                map.insert("$ref".into(), Value::String(format!("#/$defs/{def}")));
            }
            shapes.push((title, build(&only)?));
        }
        Ok(CompiledSchema { raw: schema.clone(), validator, shapes })
    }

    pub fn check(&self, instance: &Value) -> Verdict {
        if self.shapes.is_empty() {
            let errors = violations(&self.validator, instance);
            return Verdict { valid: errors.is_empty(), shape: None, errors };
        }
        let mut closest: Option<(String, Vec<Violation>)> = None;
        for (title, validator) in &self.shapes {
            let errors = violations(validator, instance);
            if errors.is_empty() {
                return Verdict { valid: true, shape: Some(title.clone()), errors };
            }
            if closest.as_ref().is_none_or(|(_, best)| errors.len() < best.len()) {
                closest = Some((title.clone(), errors));
            }
        }
        let (shape, errors) = closest.unwrap_or_default();
        Verdict { valid: false, shape: Some(shape), errors }
    }

    /// Pointers of fields in `instance` that the schema does not describe (the provider never sends them).
    pub fn extra_fields(&self, instance: &Value) -> Vec<String> {
        let mut extra = Vec::new();
        walk_extra(&self.raw, &self.raw, instance, String::new(), &mut extra, 0);
        extra.sort();
        extra.dedup();
        extra
    }
}

fn violations(validator: &Validator, instance: &Value) -> Vec<Violation> {
    validator.iter_errors(instance).map(|e| violation(&e)).collect()
}

fn type_name(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(n) if n.is_i64() || n.is_u64() => "integer",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn found(value: &Value) -> String {
    format!("{} {}", type_name(value), short_json(value, 60))
}

fn violation(error: &ValidationError<'_>) -> Violation {
    let pointer = error.instance_path().to_string();
    let instance = error.instance();
    let kind = error.kind();
    let keyword = kind.keyword().to_string();
    let (pointer, expected, found) = match kind {
        ValidationErrorKind::Required { property } => {
            let name = property.as_str().map_or_else(|| property.to_string(), String::from);
            (format!("{pointer}/{}", escape_pointer(&name)), "required field".to_string(), "nothing (missing)".into())
        }
        ValidationErrorKind::Type { kind } => {
            let wanted = match kind {
                TypeKind::Single(t) => t.to_string(),
                TypeKind::Multiple(set) => set.iter().map(|t| t.to_string()).collect::<Vec<_>>().join(" or "),
            };
            (pointer, format!("type {wanted}"), found(instance))
        }
        ValidationErrorKind::Enum { options } => {
            (pointer, format!("one of {}", short_json(options, 80)), found(instance))
        }
        ValidationErrorKind::Constant { expected_value } => (pointer, short_json(expected_value, 80), found(instance)),
        ValidationErrorKind::Pattern { pattern } => (pointer, format!("a string matching {pattern}"), found(instance)),
        ValidationErrorKind::Format { format } => (pointer, format!("{format} format"), found(instance)),
        ValidationErrorKind::AdditionalProperties { unexpected } => {
            (pointer, "no other fields".into(), format!("unexpected {}", unexpected.join(", ")))
        }
        _ => (pointer, error.to_string(), found(instance)),
    };
    Violation { pointer, expected, found, keyword }
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

fn walk_extra(root: &Value, node: &Value, instance: &Value, at: String, extra: &mut Vec<String>, depth: usize) {
    if depth > 32 {
        return;
    }
    let mut nodes = Vec::new();
    branches(root, node, &mut nodes, 0);
    match instance {
        Value::Object(map) => {
            let open = nodes.iter().any(|n| n.get("additionalProperties").is_some_and(|a| a.is_object()));
            let describes_objects = nodes.iter().any(|n| n.get("properties").is_some());
            for (key, value) in map {
                let here = format!("{at}/{}", escape_pointer(key));
                let subs: Vec<&Value> = nodes.iter().filter_map(|n| n.get("properties")?.get(key)).collect();
                if subs.is_empty() {
                    let patterned = nodes.iter().any(|n| n.get("patternProperties").is_some());
                    if describes_objects && !open && !patterned {
                        extra.push(here);
                    }
                    continue;
                }
                for sub in subs {
                    walk_extra(root, sub, value, here.clone(), extra, depth + 1);
                }
            }
        }
        Value::Array(items) => {
            for items_schema in nodes.iter().filter_map(|n| n.get("items")).filter(|i| i.is_object()) {
                for (i, item) in items.iter().enumerate() {
                    walk_extra(root, items_schema, item, format!("{at}/{i}"), extra, depth + 1);
                }
            }
        }
        _ => {}
    }
}

/// Compiled schemas of the catalog, by fixture name, compiled once on first use.
pub struct SchemaSet {
    compiled: HashMap<String, CompiledSchema>,
}

impl SchemaSet {
    /// Compiles every fixture's schema (a user schema that does not compile is reported, not fatal).
    pub fn compile(catalog: &Catalog) -> (SchemaSet, Vec<String>) {
        let mut compiled = HashMap::new();
        let mut problems = Vec::new();
        for fixture in catalog.iter() {
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

    pub fn get(&self, name: &str) -> Option<&CompiledSchema> {
        self.compiled.get(name)
    }
}

/// The schema of a named fixture, or a usage error.
pub fn schema_of<'a>(catalog: &'a Catalog, name: &str) -> Result<&'a Value> {
    let fixture = catalog.require(name)?;
    fixture.schema.as_ref().ok_or_else(|| {
        UserError::with_hint(
            format!("fixture `{name}` has no schema"),
            format!("put a JSON Schema beside it as {name}.schema.json"),
        )
        .into()
    })
}

const OBNIZ_EVENTS: [&str; 5] = ["oauth.create", "oauth.delete", "install.create", "install.update", "install.delete"];
const PGYER_EVENTS: [&str; 3] = ["updateVersion", "feedback", "crashlog"];

fn has_cjk(text: &str) -> bool {
    text.chars().any(|c| matches!(c, '\u{3000}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{ff00}'..='\u{ffef}'))
}

/// A detected event, with the verdict when detection had to validate to decide (the Ebriza shapes).
pub struct Detected {
    pub name: String,
    pub verdict: Option<Verdict>,
}

/// Which event a received body is, as far as its fields (and the `ebriza-clientid` header) tell.
/// User fixtures with `match` rules are tried first; the Ebriza docs-example shape is named as such.
pub fn detect(catalog: &Catalog, schemas: &SchemaSet, body: &Value, ebriza_client_header: bool) -> Option<String> {
    detect_checked(catalog, schemas, body, ebriza_client_header).map(|d| d.name)
}

/// [`detect`], keeping the verdict it computed, so a caller never validates the same body twice.
pub fn detect_checked(
    catalog: &Catalog,
    schemas: &SchemaSet,
    body: &Value,
    ebriza_client_header: bool,
) -> Option<Detected> {
    let by_rules = catalog.iter().find(|f| {
        !f.match_rules.is_empty() && f.match_rules.iter().all(|(pointer, want)| body.pointer(pointer) == Some(want))
    });
    if let Some(fixture) = by_rules {
        return Some(Detected { name: fixture.name.clone(), verdict: None });
    }
    let name = detect_builtin(body.as_object()?, ebriza_client_header)?;
    if name == "ebriza.configuration.changed" {
        if let Some(verdict) = schemas.get(&name).map(|s| s.check(body)) {
            let example = verdict.shape.as_deref() == Some("docs-example");
            let name = if example { "ebriza.configuration.changed.example" } else { "ebriza.configuration.changed" };
            // Both names share the shapes; the verdict stands for either.
            return catalog.get(name).map(|f| Detected { name: f.name.clone(), verdict: Some(verdict) });
        }
    }
    catalog.get(&name).map(|f| Detected { name: f.name.clone(), verdict: None })
}

fn detect_builtin(map: &Map<String, Value>, ebriza_client_header: bool) -> Option<String> {
    let kind = map.get("type").and_then(Value::as_str);
    if let Some(kind) = kind.filter(|k| OBNIZ_EVENTS.contains(k)) {
        return Some(format!("obniz.{kind}"));
    }
    if let Some(kind) = kind.filter(|k| PGYER_EVENTS.contains(k)) {
        if map.contains_key("action") {
            let localised =
                [map.get("message"), map.get("action")].into_iter().flatten().filter_map(Value::as_str).any(has_cjk);
            return Some(format!("pgyer.{kind}{}", if localised { ".zh" } else { "" }));
        }
    }
    if map.contains_key("ActionType") && map.contains_key("EbrizaClientID") {
        let name = match map.get("ActionType").and_then(Value::as_i64) {
            Some(0) => "ebriza.install",
            Some(1) => "ebriza.uninstall",
            _ => "ebriza.configuration.changed",
        };
        return Some(name.to_string());
    }
    if ebriza_client_header {
        return Some("ebriza.configuration".to_string());
    }
    None
}

/// The likeliest names for a body that could not be detected: fixtures sharing the most top-level keys.
pub fn likely_names(catalog: &Catalog, body: &Value, n: usize) -> Vec<String> {
    let keys: Vec<&String> = body.as_object().map(|m| m.keys().collect()).unwrap_or_default();
    let mut scored: Vec<(usize, &str)> = catalog
        .iter()
        .map(|f| {
            let shared = f.template().as_object().map_or(0, |t| keys.iter().filter(|k| t.contains_key(**k)).count());
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
            let header = rendered.header("ebriza-clientid").is_some();
            let detected = detect(&catalog, &schemas, &rendered.body, header);
            assert_eq!(detected.as_deref(), Some(fixture.name.as_str()));
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
        assert_eq!(detect(&catalog, &schemas, &json!({"hello": "world"}), false), None);
        assert_eq!(detect(&catalog, &schemas, &json!([1, 2]), false), None);
        assert_eq!(detect(&catalog, &schemas, &json!({"any": "thing"}), true).as_deref(), Some("ebriza.configuration"));
    }
}
