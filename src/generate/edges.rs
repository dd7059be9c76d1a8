//! The typical instance of a schema, and the edge cases around a base instance: one change each, named by
//! where and what (`/data/user/name: null`), kept only when the schema still allows the result.
use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::TestRunner;
use serde_json::{Map, Value};

use super::resolve::{self, branches, count, flatten, required, types};
use super::{integer_bounds, integer_edges, is_json_media_type, text, Generator, OPTIONAL_DEPTH};
use crate::pointer;

/// How many items a long array gets.
pub const LONG_ARRAY: usize = 100;

/// One edge case: what changed, and the whole instance.
#[derive(Debug, Clone)]
pub struct Edge {
    pub label: String,
    pub value: Value,
}

pub(super) fn typical(generator: &Generator, schema: &Value, depth: usize) -> Value {
    let root = generator.root();
    if depth > super::HARD_DEPTH {
        return Value::Null;
    }
    let flat = flatten(root, schema).into_owned();
    if let Some(value) = flat.get("const") {
        return value.clone();
    }
    if let Some(first) = flat.get("enum").and_then(Value::as_array).and_then(|v| v.first()) {
        return first.clone();
    }
    for key in ["examples", "example", "default"] {
        let given = match flat.get(key) {
            Some(Value::Array(list)) if key == "examples" => list.first(),
            other => other,
        };
        if let Some(given) = given {
            if fits_alone(&flat, given) {
                return given.clone();
            }
        }
    }
    if let Some(list) = branches(&flat) {
        // The first branch that fits what the typical instance may still cost, else the cheapest (an array of
        // a thousand of itself, taken at every level, would be 1000^depth values).
        let costs: Vec<u64> = list.iter().map(|b| super::budget::minimum_of(root, b)).collect();
        let left = generator.typical_left.get();
        let fitting = costs.iter().position(|cost| *cost <= left);
        let cheapest = costs.iter().enumerate().min_by_key(|(_, cost)| **cost).map_or(0, |(i, _)| i);
        return typical(generator, &list[fitting.unwrap_or(cheapest)], depth + 1);
    }
    let kinds = types(&flat);
    let kind = kinds.iter().find(|k| **k != "null").or(kinds.first()).copied().unwrap_or("null");
    typical_of_type(generator, &flat, kind, depth)
}

/// Whether a value given in the schema (`example`, `default`) satisfies the node's own keywords, leaving out
/// `$ref`s (an OpenAPI 3.0 `example` is often stale).
fn fits_alone(flat: &Value, given: &Value) -> bool {
    let mut own = flat.clone();
    if let Some(map) = own.as_object_mut() {
        for key in ["$ref", "$defs", "definitions", "properties", "items", "anyOf", "oneOf", "allOf", "not"] {
            map.remove(key);
        }
        map.remove("nullable");
    }
    let types = types(flat);
    let type_ok = match given {
        Value::Null => types.contains(&"null"),
        Value::Bool(_) => types.contains(&"boolean"),
        Value::Number(n) => types.contains(&"number") || (types.contains(&"integer") && n.is_i64()),
        Value::String(_) => types.contains(&"string"),
        Value::Array(_) => types.contains(&"array"),
        Value::Object(_) => types.contains(&"object"),
    };
    if !type_ok || given.is_object() || given.is_array() {
        // Compound examples are rebuilt from their properties, each of which may carry its own example.
        return false;
    }
    jsonschema::options().should_validate_formats(true).build(&own).is_ok_and(|v| v.is_valid(given))
}

pub(super) fn typical_of_type(generator: &Generator, flat: &Value, kind: &str, depth: usize) -> Value {
    // Past the typical instance's budget only what the schema requires is made (which fits: checked first).
    let roomy = generator.spend_typical(super::budget::NODE_COST);
    match kind {
        "object" => {
            let mut map = Map::new();
            let required = required(flat);
            if let Some(properties) = flat.get("properties").and_then(Value::as_object) {
                for (name, sub) in properties {
                    // An optional property goes in only when it can be made within the budget.
                    let optional_fits = roomy && depth < OPTIONAL_DEPTH - 2 && generator.typical_affords(sub, 1);
                    if required.contains(name) || optional_fits {
                        map.insert(name.clone(), typical(generator, sub, depth + 1));
                    }
                }
            }
            for name in required {
                map.entry(name).or_insert_with(|| match flat.get("additionalProperties") {
                    Some(s @ Value::Object(_)) => typical(generator, s, depth + 1),
                    _ => Value::String("value".into()),
                });
            }
            Value::Object(map)
        }
        "array" => {
            let min = count(flat, "minItems").unwrap_or(0);
            let max = count(flat, "maxItems").unwrap_or(usize::MAX);
            let item = flat.get("items").cloned().unwrap_or(Value::Bool(true));
            // One item where the schema allows none, when it can be afforded; else just what is required.
            let n = if roomy && min == 0 && max > 0 && generator.typical_affords(&item, 1) { 1 } else { min };
            // No item is made when none is wanted, or when none can be (it requires itself forever).
            if n == 0 || !super::budget::fits(generator.root(), &item) {
                return Value::Array(Vec::new());
            }
            let one = generator.typical_copies(n, || typical(generator, &item, depth + 1));
            let mut items = vec![one; n];
            if flat.get("uniqueItems") == Some(&Value::Bool(true)) && n > 1 {
                items = distinct_samples(generator, &item, n).unwrap_or(items);
            }
            Value::Array(items)
        }
        "string" => Value::String(typical_string(generator, flat, depth)),
        "integer" | "number" => {
            let (lo, hi, multiple) = integer_bounds(flat);
            let mut n = 0i64.clamp(lo, hi);
            if let Some(m) = multiple {
                n = (n + m - 1) / m * m;
            }
            Value::from(n)
        }
        "boolean" => Value::Bool(true),
        _ => Value::Null,
    }
}

fn typical_string(generator: &Generator, flat: &Value, depth: usize) -> String {
    let min = count(flat, "minLength").unwrap_or(0);
    let max = count(flat, "maxLength");
    if flat.get("contentMediaType").and_then(Value::as_str).is_some_and(is_json_media_type) {
        return match flat.get("contentSchema") {
            Some(inner) => typical(generator, inner, depth + 1).to_string(),
            None => "{}".into(),
        };
    }
    let format = flat.get("format").and_then(Value::as_str);
    if let Some(typical) = format.and_then(text::typical_format) {
        if fits_alone(flat, &Value::String(typical.into())) {
            return typical.into();
        }
    }
    if flat.get("pattern").is_some() || format.is_some_and(|f| text::format(f).is_some()) {
        if let Some(Value::String(s)) = sample_of(generator, flat, 0) {
            return s;
        }
    }
    text::fit("text".into(), min, max)
}

/// A valid value of the node from a fixed seed (`nth` picks another seed): the same every run.
pub fn sample_of(generator: &Generator, schema: &Value, nth: u64) -> Option<Value> {
    let strategy = generator.build(schema, super::budget::Room::whole());
    let mut runner = TestRunner::new_with_rng(
        super::budget::runner_config(),
        proptest::test_runner::TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &seed_bytes(nth)),
    );
    (0..64).find_map(|_| strategy.new_tree(&mut runner).ok().map(|t| t.current()))
}

fn seed_bytes(nth: u64) -> [u8; 32] {
    let mut seed = [7u8; 32];
    seed[..8].copy_from_slice(&nth.to_le_bytes());
    seed
}

fn distinct_samples(generator: &Generator, item: &Value, n: usize) -> Option<Vec<Value>> {
    // One strategy, one seeded runner, a set of what was seen: linear in the tries, which are capped.
    let strategy = generator.build(item, super::budget::Room::whole().split(n as u64));
    let mut runner = TestRunner::new_with_rng(
        super::budget::runner_config(),
        proptest::test_runner::TestRng::from_seed(proptest::test_runner::RngAlgorithm::ChaCha, &seed_bytes(0)),
    );
    let mut seen = std::collections::HashSet::new();
    let mut distinct = Vec::with_capacity(n);
    // Bounded in bytes too: a pattern with one long match (`^(a{1000}){1000}$`) makes the same megabyte
    // string every try.
    let mut spent = 0u64;
    for _ in 0..(n * 8).min(super::budget::UNIQUE_ITEMS * 8) {
        if spent > super::budget::INSTANCE_BYTES {
            break;
        }
        let Ok(tree) = strategy.new_tree(&mut runner) else { continue };
        let value = tree.current();
        let text = value.to_string();
        spent += text.len() as u64;
        if seen.insert(text) {
            distinct.push(value);
            if distinct.len() == n {
                return Some(distinct);
            }
        }
    }
    None
}

/// The edge cases around `base` that the schema allows, in a fixed order: all of them, or `limit` spread
/// evenly over them (each is a whole body: a large body's thousands of edges are not all kept in memory).
pub fn around(generator: &Generator, base: &Value, limit: usize) -> Vec<Edge> {
    let mut found = Vec::new();
    let root = generator.root().clone();
    walk(generator, &root, base, "", 0, &mut found);
    // Changes that would give the same body (a value replaced by itself) are dropped when applied; over the
    // limit, every n-th change is tried, then the rest in turn until `limit` valid edges are kept.
    let order: Vec<usize> = if found.len() > limit {
        let step = found.len() as f64 / limit as f64;
        let picked: Vec<usize> = (0..limit).map(|i| (i as f64 * step) as usize).collect();
        let rest = (0..found.len()).filter(|i| !picked.contains(i));
        picked.iter().copied().chain(rest).collect()
    } else {
        (0..found.len()).collect()
    };
    let mut slots: Vec<Option<(String, Change)>> = found.into_iter().map(Some).collect();
    let mut kept: Vec<(usize, Edge)> = Vec::new();
    let mut seen = std::collections::HashSet::new();
    for index in order {
        if kept.len() >= limit {
            break;
        }
        let Some((label, change)) = slots[index].take() else { continue };
        let mut value = base.clone();
        if !change.apply(&mut value) || value == *base {
            continue;
        }
        if !seen.insert(value.to_string()) {
            continue;
        }
        if generator.is_valid(&value) {
            kept.push((index, Edge { label, value }));
        }
    }
    kept.sort_by_key(|(index, _)| *index);
    kept.into_iter().map(|(_, edge)| edge).collect()
}

enum Change {
    Replace(String, Value),
    Remove(String),
    Add(String, String, Value),
}

impl Change {
    fn apply(self, value: &mut Value) -> bool {
        match self {
            Change::Replace(at, new) => match value.pointer_mut(&at) {
                Some(slot) => {
                    *slot = new;
                    true
                }
                None => false,
            },
            Change::Remove(at) => {
                let (parent, key) = pointer::split_last(&at);
                value.pointer_mut(&parent).and_then(Value::as_object_mut).and_then(|m| m.remove(&key)).is_some()
            }
            Change::Add(at, key, new) => match value.pointer_mut(&at).and_then(Value::as_object_mut) {
                Some(map) if !map.contains_key(&key) => {
                    map.insert(key, new);
                    true
                }
                _ => false,
            },
        }
    }
}

fn show(at: &str) -> &str {
    if at.is_empty() {
        "(root)"
    } else {
        at
    }
}

fn walk(generator: &Generator, schema: &Value, value: &Value, at: &str, depth: usize, out: &mut Vec<(String, Change)>) {
    if depth > OPTIONAL_DEPTH + 2 {
        return;
    }
    let root = generator.root();
    let flat = flatten(root, schema).into_owned();
    let replace = |out: &mut Vec<(String, Change)>, what: String, new: Value| {
        out.push((format!("{}: {what}", show(at)), Change::Replace(at.to_string(), new)));
    };
    // Alternatives at this node.
    if let Some(values) = flat.get("enum").and_then(Value::as_array) {
        for v in values {
            replace(out, format!("enum value {}", crate::output::short_json(v, 40)), v.clone());
        }
    }
    let node = match branches(&flat) {
        Some(list) => {
            for (i, branch) in list.iter().enumerate() {
                replace(
                    out,
                    format!("branch {} of {}", i + 1, list.len()),
                    generator.with_fresh_typical(|| typical(generator, branch, depth + 1)),
                );
            }
            // Walk into the branch the value follows.
            list.into_iter().find(|b| generator.fits_branch(b, value)).unwrap_or(flat.clone())
        }
        None => flat.clone(),
    };
    let node = flatten(root, &node).into_owned();
    let kinds = types(&node);
    if kinds.contains(&"null") && !value.is_null() {
        replace(out, "null".into(), Value::Null);
    }
    for kind in &kinds {
        if *kind != "null" && !same_kind(kind, value) {
            let value = generator.with_fresh_typical(|| typical_of_type(generator, &node, kind, depth + 1));
            replace(out, format!("a {kind} instead"), value);
        }
    }
    if flat.get("enum").is_some() || flat.get("const").is_some() {
        return;
    }
    match value {
        Value::String(_) => {
            for (what, s) in string_edges(generator, &node) {
                replace(out, what, Value::String(s));
            }
        }
        Value::Number(_) if kinds.contains(&"integer") || kinds.contains(&"number") => {
            for n in integer_edges(&node) {
                replace(out, format!("{n}"), Value::from(n));
            }
            if kinds.contains(&"number") {
                replace(out, "0.5".into(), serde_json::json!(0.5));
            }
        }
        Value::Array(items) => {
            let item_schema = node.get("items").cloned().unwrap_or(Value::Bool(true));
            replace(out, "empty array".into(), Value::Array(Vec::new()));
            if let Some(first) = items.first() {
                let n = count(&node, "maxItems").unwrap_or(LONG_ARRAY).min(LONG_ARRAY);
                let long: Vec<Value> = if node.get("uniqueItems") == Some(&Value::Bool(true)) {
                    distinct_samples(generator, &item_schema, n).unwrap_or_default()
                } else {
                    vec![first.clone(); n]
                };
                if long.len() > items.len() {
                    replace(out, format!("{} items", long.len()), Value::Array(long));
                }
                walk(generator, &item_schema, first, &format!("{at}/0"), depth + 1, out);
            }
        }
        Value::Object(map) => object_edges(generator, &node, map, at, depth, out),
        _ => {}
    }
}

fn object_edges(
    generator: &Generator,
    node: &Value,
    map: &Map<String, Value>,
    at: &str,
    depth: usize,
    out: &mut Vec<(String, Change)>,
) {
    let required = required(node);
    let empty = Map::new();
    let properties = node.get("properties").and_then(Value::as_object).unwrap_or(&empty);
    for (name, sub) in properties {
        let child = format!("{at}/{}", pointer::escape(name));
        match map.get(name) {
            Some(_) if !required.contains(name) => {
                out.push((format!("{child}: absent"), Change::Remove(child.clone())));
            }
            None => {
                let value = generator.with_fresh_typical(|| typical(generator, sub, depth + 1));
                out.push((format!("{child}: present"), Change::Add(at.to_string(), name.clone(), value)));
            }
            _ => {}
        }
    }
    if resolve::allows_extra_keys(node) {
        let extra = match node.get("additionalProperties") {
            Some(s @ Value::Object(_)) => generator.with_fresh_typical(|| typical(generator, s, depth + 1)),
            _ => Value::String("an unexpected field".into()),
        };
        let key = "x_hookctl_extra".to_string();
        out.push((format!("{}: extra key {key}", show(at)), Change::Add(at.to_string(), key, extra)));
    }
    for (name, child_value) in map {
        let child = format!("{at}/{}", pointer::escape(name));
        let sub = match properties.get(name) {
            Some(s) => s.clone(),
            None => match node.get("additionalProperties") {
                Some(s @ Value::Object(_)) => s.clone(),
                _ => continue,
            },
        };
        walk(generator, &sub, child_value, &child, depth + 1, out);
    }
}

fn same_kind(kind: &str, value: &Value) -> bool {
    match value {
        Value::Null => kind == "null",
        Value::Bool(_) => kind == "boolean",
        Value::Number(n) => kind == "number" || (kind == "integer" && (n.is_i64() || n.is_u64())),
        Value::String(_) => kind == "string",
        Value::Array(_) => kind == "array",
        Value::Object(_) => kind == "object",
    }
}

/// Strings at a node's edges: empty, over 10,000 characters, non-ASCII; for a format or pattern, other
/// well-formed spellings and a few generated ones.
fn string_edges(generator: &Generator, node: &Value) -> Vec<(String, String)> {
    let min = count(node, "minLength").unwrap_or(0);
    let max = count(node, "maxLength");
    let mut edges = Vec::new();
    if node.get("contentMediaType").and_then(Value::as_str).is_some_and(is_json_media_type) {
        edges.push(("JSON text {}".into(), "{}".into()));
        edges.push(("JSON text with non-ASCII".into(), serde_json::json!({"名前": "値 😀"}).to_string()));
        return edges;
    }
    let format = node.get("format").and_then(Value::as_str);
    if node.get("pattern").is_some() || format.is_some() {
        for variant in format.map(text::format_variants).unwrap_or(&[]) {
            edges.push((format!("{} {variant}", format.unwrap_or("")), (*variant).to_string()));
        }
        for nth in 1..4 {
            if let Some(Value::String(s)) = sample_of(generator, node, nth) {
                edges.push((format!("generated {}", crate::output::short_json(&Value::String(s.clone()), 40)), s));
            }
        }
        return edges;
    }
    edges.push(("empty string".into(), text::fit(String::new(), min, max)));
    let long = text::fit(text::long_text(), min, max);
    edges.push((format!("{} characters", long.chars().count()), long));
    for sample in text::NON_ASCII {
        edges.push((format!("non-ASCII {sample:?}"), text::fit((*sample).into(), min, max)));
    }
    edges
}
