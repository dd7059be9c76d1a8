//! A schema node made ready to generate from: `$ref`s followed (local pointers, or the root's own `$id`),
//! `allOf` and `$ref` siblings merged into one node, the types it allows listed.
use std::borrow::Cow;

use serde_json::{Map, Value};

/// Follows a `$ref` inside `root`: `#/$defs/x`, `#/components/schemas/X`, or the root's `$id` + `#/…`.
pub fn follow<'r>(root: &'r Value, reference: &str) -> Option<&'r Value> {
    let id = root.get("$id").and_then(Value::as_str).unwrap_or("");
    let fragment = match reference.split_once('#') {
        Some((base, fragment)) if base.is_empty() || base == id || id.ends_with(base) => fragment,
        Some(_) => return None,
        None if reference == id => "",
        None => return None,
    };
    let decoded = percent_decode(fragment);
    if decoded.is_empty() {
        return Some(root);
    }
    root.pointer(&decoded)
}

fn percent_decode(text: &str) -> String {
    if !text.contains('%') {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(byte) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(byte);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// The node with its `$ref` (and the refs it leads to) and `allOf` merged in. A `$ref` already being
/// followed on the way here is not followed again (`X = allOf: [$ref X, $ref X]` is one step, not k^depth),
/// and one flattening merges at most [`FLATTEN_WORK`] nodes: the cost stays bounded whatever the schema.
pub fn flatten<'a>(root: &Value, schema: &'a Value) -> Cow<'a, Value> {
    let mut walk = Walk { path: Vec::new(), work: 0 };
    flatten_at(root, schema, &mut walk)
}

/// Nodes one flattening may merge.
const FLATTEN_WORK: usize = 4_096;

struct Walk {
    /// The `$ref`s being followed on the way to this node.
    path: Vec<String>,
    /// Nodes merged so far.
    work: usize,
}

fn flatten_at<'a>(root: &Value, schema: &'a Value, walk: &mut Walk) -> Cow<'a, Value> {
    let Some(map) = schema.as_object() else {
        return Cow::Borrowed(schema);
    };
    walk.work += 1;
    if walk.path.len() > 32 || walk.work > FLATTEN_WORK || (!map.contains_key("$ref") && !map.contains_key("allOf")) {
        return Cow::Borrowed(schema);
    }
    let mut rest = map.clone();
    let mut merged = Value::Object(Map::new());
    if let Some(Value::String(reference)) = rest.remove("$ref") {
        if !walk.path.contains(&reference) {
            if let Some(target) = follow(root, &reference) {
                walk.path.push(reference);
                merged = flatten_at(root, target, walk).into_owned();
                walk.path.pop();
            }
        }
    }
    if let Some(Value::Array(parts)) = rest.remove("allOf") {
        for part in &parts {
            let part = flatten_at(root, part, walk).into_owned();
            merged = merge(merged, part);
        }
    }
    Cow::Owned(merge(merged, Value::Object(rest)))
}

/// Both schemas' constraints in one node (approximate: what generating needs). Properties both describe are
/// kept as an `allOf` of the two, required lists are joined, types intersected.
pub fn merge(base: Value, extra: Value) -> Value {
    let (Value::Object(mut base), Value::Object(extra)) = (base, extra) else {
        return Value::Bool(true);
    };
    for (key, value) in extra {
        match (key.as_str(), base.remove(&key)) {
            (_, None) => {
                base.insert(key, value);
            }
            ("properties", Some(Value::Object(mut mine))) => {
                if let Value::Object(theirs) = value {
                    for (name, schema) in theirs {
                        let joined = match mine.remove(&name) {
                            Some(old) => both(old, schema),
                            None => schema,
                        };
                        mine.insert(name, joined);
                    }
                }
                base.insert(key, Value::Object(mine));
            }
            ("required", Some(Value::Array(mut mine))) => {
                if let Value::Array(theirs) = value {
                    for name in theirs {
                        if !mine.contains(&name) {
                            mine.push(name);
                        }
                    }
                }
                base.insert(key, Value::Array(mine));
            }
            ("type", Some(old)) => {
                let a = type_list(&old);
                let b = type_list(&value);
                let both: Vec<Value> = a
                    .iter()
                    .filter(|t| b.contains(t) || (**t == "integer" && b.contains(&"number")))
                    .chain(b.iter().filter(|t| **t == "integer" && a.contains(&"number")))
                    .map(|t| Value::String(t.to_string()))
                    .collect();
                base.insert(key, Value::Array(both));
            }
            ("minimum" | "minLength" | "minItems" | "minProperties" | "exclusiveMinimum", Some(old)) => {
                base.insert(key, max_number(old, value));
            }
            ("maximum" | "maxLength" | "maxItems" | "maxProperties" | "exclusiveMaximum", Some(old)) => {
                base.insert(key, min_number(old, value));
            }
            ("anyOf" | "oneOf", Some(old)) => {
                // Two alternatives lists: keep one, the other as an allOf so neither is lost.
                let all = serde_json::json!([{ key.clone(): old }, { key.clone(): value }]);
                base.insert("allOf".into(), all);
            }
            (_, Some(_)) => {
                base.insert(key, value);
            }
        }
    }
    Value::Object(base)
}

/// One property's two schemas as one: the same schema once (an `allOf` that repeats a part, met again at
/// every level of a recursive schema, would double the node at each level), else an `allOf` that lists each
/// distinct part once.
fn both(old: Value, new: Value) -> Value {
    if old == new {
        return old;
    }
    let mut parts = match old {
        Value::Object(map) if map.len() == 1 && map.get("allOf").is_some_and(Value::is_array) => {
            match map.into_iter().next() {
                Some((_, Value::Array(parts))) => parts,
                _ => Vec::new(),
            }
        }
        other => vec![other],
    };
    if !parts.contains(&new) {
        parts.push(new);
    }
    serde_json::json!({ "allOf": parts })
}

fn max_number(a: Value, b: Value) -> Value {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) if x >= y => a,
        _ => b,
    }
}

fn min_number(a: Value, b: Value) -> Value {
    match (a.as_f64(), b.as_f64()) {
        (Some(x), Some(y)) if x <= y => a,
        _ => b,
    }
}

fn type_list(value: &Value) -> Vec<&str> {
    match value {
        Value::String(t) => vec![t.as_str()],
        Value::Array(list) => list.iter().filter_map(Value::as_str).collect(),
        _ => Vec::new(),
    }
}

/// The JSON types a (flattened) node allows, in the order it lists them; inferred from its keywords when it
/// names none. OpenAPI 3.0's `nullable: true` adds `null`.
pub fn types(schema: &Value) -> Vec<&'static str> {
    const ALL: [&str; 7] = ["object", "array", "string", "integer", "number", "boolean", "null"];
    let named: Vec<&'static str> = match schema.get("type") {
        Some(t) => type_list(t).into_iter().filter_map(|t| ALL.iter().find(|a| **a == t).copied()).collect(),
        None => {
            let has = |keys: &[&str]| keys.iter().any(|k| schema.get(*k).is_some());
            if has(&["properties", "required", "additionalProperties", "patternProperties", "minProperties"]) {
                vec!["object"]
            } else if has(&["items", "prefixItems", "minItems", "maxItems", "uniqueItems", "contains"]) {
                vec!["array"]
            } else if has(&["minLength", "maxLength", "pattern", "format", "contentMediaType"]) {
                vec!["string"]
            } else if has(&["minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum", "multipleOf"]) {
                vec!["number"]
            } else {
                vec!["string", "integer", "boolean", "null", "object", "array"]
            }
        }
    };
    let mut named = named;
    if schema.get("nullable") == Some(&Value::Bool(true)) && !named.contains(&"null") {
        named.push("null");
    }
    named
}

/// A node's alternatives (`anyOf` / `oneOf`), each merged with the node's other keywords.
pub fn branches(schema: &Value) -> Option<Vec<Value>> {
    let map = schema.as_object()?;
    let key = ["oneOf", "anyOf"].into_iter().find(|k| map.get(*k).is_some_and(Value::is_array))?;
    let list = map[key].as_array()?;
    if list.is_empty() {
        return None;
    }
    let mut rest = map.clone();
    rest.remove(key);
    Some(list.iter().map(|branch| merge(Value::Object(rest.clone()), wrap(branch))).collect())
}

/// A boolean schema as an object one (`true` → `{}`), so it can be merged.
fn wrap(schema: &Value) -> Value {
    match schema {
        Value::Bool(true) => Value::Object(Map::new()),
        Value::Bool(false) => serde_json::json!({"not": {}}),
        other => other.clone(),
    }
}

pub fn number(schema: &Value, key: &str) -> Option<f64> {
    schema.get(key).and_then(Value::as_f64)
}

pub fn count(schema: &Value, key: &str) -> Option<usize> {
    schema.get(key).and_then(Value::as_u64).map(|n| n.min(1 << 20) as usize)
}

/// The property names a node requires.
pub fn required(schema: &Value) -> Vec<String> {
    schema
        .get("required")
        .and_then(Value::as_array)
        .map(|list| list.iter().filter_map(Value::as_str).map(String::from).collect())
        .unwrap_or_default()
}

/// Whether an object may carry keys its `properties` do not name.
pub fn allows_extra_keys(schema: &Value) -> bool {
    let closed = |key: &str| schema.get(key) == Some(&Value::Bool(false));
    !closed("additionalProperties") && !closed("unevaluatedProperties") && schema.get("propertyNames").is_none()
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn refs_and_all_of_merge() {
        let root = json!({
            "$defs": {"a": {"type": "object", "properties": {"x": {"type": "string"}}, "required": ["x"]}},
            "allOf": [{"$ref": "#/$defs/a"}, {"properties": {"y": {"type": "integer"}}, "required": ["y"]}]
        });
        let flat = flatten(&root, &root);
        assert_eq!(required(&flat), ["x", "y"]);
        assert_eq!(types(&flat), ["object"]);
    }

    #[test]
    fn pointers_with_escapes_resolve() {
        let root = json!({"components": {"schemas": {"a/b": {"type": "string"}, "c d": {"type": "integer"}}}});
        assert_eq!(follow(&root, "#/components/schemas/a~1b"), Some(&json!({"type": "string"})));
        assert_eq!(follow(&root, "#/components/schemas/c%20d"), Some(&json!({"type": "integer"})));
        assert_eq!(follow(&root, "other.json#/x"), None);
    }

    #[test]
    fn a_ref_cycle_through_all_of_flattens_at_once() {
        let root = json!({
            "$defs": {"X": {"allOf": [{"$ref": "#/$defs/X"}, {"$ref": "#/$defs/X"}, {"$ref": "#/$defs/X"}, {"$ref": "#/$defs/X"}],
                            "properties": {"a": {"type": "string"}}}},
            "$ref": "#/$defs/X"
        });
        let started = std::time::Instant::now();
        let flat = flatten(&root, &root);
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
        assert_eq!(flat["properties"]["a"]["type"], "string");
        // Distinct refs that each double the work: capped, not 2^30.
        let mut defs = serde_json::Map::new();
        for i in 0..30 {
            defs.insert(
                format!("D{i}"),
                json!({"allOf": [{"$ref": format!("#/$defs/D{}", i + 1)}, {"$ref": format!("#/$defs/D{}", i + 1)}]}),
            );
        }
        defs.insert("D30".into(), json!({"type": "string"}));
        let root = json!({"$defs": defs, "$ref": "#/$defs/D0"});
        let started = std::time::Instant::now();
        let _ = flatten(&root, &root);
        assert!(started.elapsed() < std::time::Duration::from_secs(30));
    }

    #[test]
    fn nullable_adds_null() {
        assert_eq!(types(&json!({"type": "string", "nullable": true})), ["string", "null"]);
    }
}
