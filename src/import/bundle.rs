//! One self-contained draft 2020-12 schema per webhook: every `$ref` reachable from the request body copied
//! into `$defs` and rewritten to point there; OpenAPI 3.0's `nullable`, boolean `exclusiveMinimum` /
//! `exclusiveMaximum` and `example` translated; OpenAPI-only keywords (`discriminator`, `xml`,
//! `externalDocs`, `x-…`) dropped.
use std::collections::HashMap;

use serde_json::{json, Map, Value};

use crate::generate::resolve::follow;

/// Keywords whose value is a schema.
const SCHEMA_VALUED: [&str; 12] = [
    "items",
    "additionalProperties",
    "not",
    "contains",
    "propertyNames",
    "if",
    "then",
    "else",
    "unevaluatedProperties",
    "unevaluatedItems",
    "contentSchema",
    "additionalItems",
];
/// Keywords whose value is a list of schemas.
const SCHEMA_LISTS: [&str; 4] = ["allOf", "anyOf", "oneOf", "prefixItems"];
/// Keywords whose value maps names to schemas.
const SCHEMA_MAPS: [&str; 5] = ["properties", "patternProperties", "dependentSchemas", "$defs", "definitions"];
/// OpenAPI's own keywords, meaningless to a JSON Schema validator.
const DROPPED: [&str; 4] = ["discriminator", "xml", "externalDocs", "nullable"];

pub struct Bundler<'d> {
    doc: &'d Value,
    defs: Map<String, Value>,
    /// `$ref` → its name in `$defs`.
    names: HashMap<String, String>,
    pub unresolved: Vec<String>,
}

impl<'d> Bundler<'d> {
    pub fn new(doc: &'d Value) -> Bundler<'d> {
        Bundler { doc, defs: Map::new(), names: HashMap::new(), unresolved: Vec::new() }
    }

    /// The request body's schema as a standalone document (`$schema`, `$id`, `title`, `$defs`).
    pub fn bundle(mut self, schema: &Value, id: &str, title: &str) -> (Value, Vec<String>) {
        let body = self.rewrite(schema, 0);
        let mut root = Map::new();
        root.insert("$schema".into(), json!("https://json-schema.org/draft/2020-12/schema"));
        root.insert("$id".into(), json!(id));
        root.insert("title".into(), json!(title));
        match body {
            Value::Object(map) => {
                for (k, v) in map {
                    if k == "title" && root.contains_key("title") {
                        continue;
                    }
                    root.insert(k, v);
                }
            }
            Value::Bool(false) => {
                root.insert("not".into(), json!({}));
            }
            _ => {}
        }
        if !self.defs.is_empty() {
            root.insert("$defs".into(), Value::Object(self.defs));
        }
        (Value::Object(root), self.unresolved)
    }

    fn def_name(&self, reference: &str) -> String {
        let path = reference.trim_start_matches('#').trim_start_matches('/');
        let tail =
            path.strip_prefix("components/schemas/").or_else(|| path.strip_prefix("definitions/")).unwrap_or(path);
        let mut base: String = tail
            .split('/')
            .map(|s| crate::pointer::unescape(s).into_owned())
            .collect::<Vec<_>>()
            .join("_")
            .chars()
            .map(|c| if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.') { c } else { '_' })
            .collect();
        if base.is_empty() {
            base = "root".into();
        }
        let mut name = base.clone();
        let mut n = 2;
        while self.defs.contains_key(&name) || self.names.values().any(|v| *v == name) {
            name = format!("{base}_{n}");
            n += 1;
        }
        name
    }

    fn reference(&mut self, reference: &str, depth: usize) -> Value {
        if let Some(name) = self.names.get(reference) {
            return json!(format!("#/$defs/{name}"));
        }
        let Some(target) = reference.starts_with('#').then(|| follow(self.doc, reference)).flatten() else {
            self.unresolved.push(reference.to_string());
            return Value::Null;
        };
        let name = self.def_name(reference);
        self.names.insert(reference.to_string(), name.clone());
        // Reserved before rewriting: a schema that refers to itself finds its own name.
        self.defs.insert(name.clone(), json!({}));
        let rewritten = self.rewrite(target, depth + 1);
        self.defs.insert(name.clone(), rewritten);
        json!(format!("#/$defs/{name}"))
    }

    fn rewrite(&mut self, schema: &Value, depth: usize) -> Value {
        let Value::Object(map) = schema else {
            return schema.clone();
        };
        if depth > 64 {
            return json!({});
        }
        let mut out = Map::new();
        for (key, value) in map {
            if DROPPED.contains(&key.as_str()) || key.starts_with("x-") {
                continue;
            }
            let rewritten = match key.as_str() {
                "$ref" => match value.as_str() {
                    Some(reference) => match self.reference(reference, depth) {
                        Value::Null => continue,
                        target => target,
                    },
                    None => continue,
                },
                "example" => {
                    // OpenAPI's `example` is JSON Schema's `examples` (a list).
                    if !map.contains_key("examples") {
                        out.insert("examples".into(), json!([value]));
                    }
                    continue;
                }
                "exclusiveMinimum" | "exclusiveMaximum" if value.is_boolean() => {
                    // OpenAPI 3.0: a flag on minimum / maximum; 2020-12: the bound itself.
                    let bound = if key == "exclusiveMinimum" { "minimum" } else { "maximum" };
                    if value == &Value::Bool(true) {
                        if let Some(limit) = map.get(bound) {
                            out.insert(key.clone(), limit.clone());
                        }
                    }
                    continue;
                }
                "items" if value.is_array() => {
                    // A 3.0 / draft-4 tuple: 2020-12 writes it as prefixItems.
                    let list = value
                        .as_array()
                        .map(|l| l.iter().map(|s| self.rewrite(s, depth + 1)).collect())
                        .unwrap_or_default();
                    out.insert("prefixItems".into(), Value::Array(list));
                    continue;
                }
                k if SCHEMA_VALUED.contains(&k) => self.rewrite(value, depth + 1),
                k if SCHEMA_LISTS.contains(&k) => match value {
                    Value::Array(list) => Value::Array(list.iter().map(|s| self.rewrite(s, depth + 1)).collect()),
                    other => other.clone(),
                },
                k if SCHEMA_MAPS.contains(&k) => match value {
                    Value::Object(named) => {
                        Value::Object(named.iter().map(|(n, s)| (n.clone(), self.rewrite(s, depth + 1))).collect())
                    }
                    other => other.clone(),
                },
                _ => value.clone(),
            };
            out.insert(key.clone(), rewritten);
        }
        // Bounds OpenAPI 3.0 made exclusive were moved above; the inclusive one goes.
        for (flag, bound) in [("exclusiveMinimum", "minimum"), ("exclusiveMaximum", "maximum")] {
            if map.get(flag) == Some(&Value::Bool(true)) {
                out.remove(bound);
            }
        }
        if map.get("nullable") == Some(&Value::Bool(true)) {
            return nullable(out);
        }
        Value::Object(out)
    }
}

/// `nullable: true` as 2020-12 says it: `null` added to the type (and to an `enum`), or, for a schema
/// without a type, an `anyOf` with `null`.
fn nullable(mut schema: Map<String, Value>) -> Value {
    if let Some(Value::Array(values)) = schema.get_mut("enum") {
        if !values.contains(&Value::Null) {
            values.push(Value::Null);
        }
    }
    match schema.get("type").cloned() {
        Some(Value::String(t)) => {
            schema.insert("type".into(), json!([t, "null"]));
            Value::Object(schema)
        }
        Some(Value::Array(mut list)) => {
            if !list.contains(&json!("null")) {
                list.push(json!("null"));
            }
            schema.insert("type".into(), Value::Array(list));
            Value::Object(schema)
        }
        _ => json!({"anyOf": [Value::Object(schema), {"type": "null"}]}),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn refs_are_copied_and_openapi_30_translated() {
        let doc = json!({"components": {"schemas": {
            "Order": {"type": "object", "required": ["id"], "properties": {
                "id": {"type": "string", "example": "o_1"},
                "note": {"type": "string", "nullable": true},
                "amount": {"$ref": "#/components/schemas/Amount"},
                "parent": {"$ref": "#/components/schemas/Order"},
                "gone": {"$ref": "other.yaml#/X"}
            }, "discriminator": {"propertyName": "id"}, "x-internal": true},
            "Amount": {"type": "integer", "minimum": 0, "exclusiveMinimum": true}
        }}});
        let (schema, unresolved) = Bundler::new(&doc).bundle(&json!({"$ref": "#/components/schemas/Order"}), "id", "t");
        assert_eq!(unresolved, ["other.yaml#/X"]);
        assert_eq!(schema["$ref"], "#/$defs/Order");
        let order = &schema["$defs"]["Order"];
        assert_eq!(order["properties"]["note"]["type"], json!(["string", "null"]));
        assert_eq!(order["properties"]["id"]["examples"], json!(["o_1"]));
        assert_eq!(order["properties"]["parent"]["$ref"], "#/$defs/Order");
        assert!(order.get("discriminator").is_none() && order.get("x-internal").is_none());
        assert_eq!(schema["$defs"]["Amount"], json!({"type": "integer", "exclusiveMinimum": 0}));
        let validator = jsonschema::validator_for(&schema).unwrap();
        assert!(validator.is_valid(&json!({"id": "a", "note": null, "amount": 1, "parent": {"id": "b"}})));
        assert!(!validator.is_valid(&json!({"id": "a", "amount": 0})));
    }
}
