//! Captures of one event turned into a fixture file and its inferred schema: how a user adds a provider
//! nobody wrote a fixture for (capture a few real webhooks, export, load with `--fixtures DIR`).
//!
//! The first body is the template. A value that looks volatile (a GUID, a timestamp, a long digit string, a
//! Unix time) or differs across the samples becomes the placeholder that renders one like it; a varying
//! value with no placeholder keeps the first sample's value and goes in `mask`. `match` takes the stable
//! values that name the event (`type`, `event`, `action`, …), else the stable short top-level strings.
use std::path::{Path, PathBuf};

use anyhow::Result;
use serde_json::{json, Map, Value};

use super::infer;
use crate::capture::Captured;
use crate::catalog::placeholder::{self, Placeholder};
use crate::catalog::Catalog;
use crate::error::UserError;
use crate::output::sanitize;
use crate::pointer;

/// Keys whose stable value names an event, in the order they are preferred for `match`.
const NAMING_KEYS: [&str; 10] =
    ["type", "event", "event_type", "eventType", "action", "kind", "topic", "ActionType", "EventType", "name"];

/// Request headers that belong to one delivery, not to the event: never kept in a fixture.
const DELIVERY_HEADERS: [&str; 16] = [
    "host",
    "content-length",
    "transfer-encoding",
    "connection",
    "keep-alive",
    "accept-encoding",
    "user-agent",
    "accept",
    "expect",
    "webhook-id",
    "webhook-timestamp",
    "webhook-signature",
    "svix-id",
    "svix-timestamp",
    "svix-signature",
    "stripe-signature",
];

struct Samples {
    bodies: Vec<Value>,
    /// Pointers whose value differs across the samples.
    varying: Vec<String>,
}

/// Every leaf of the template with the values the other samples have there.
fn template(samples: &mut Samples) -> Value {
    let first = samples.bodies[0].clone();
    let bodies = std::mem::take(&mut samples.bodies);
    let result = walk(&first, "", &bodies, &mut samples.varying);
    samples.bodies = bodies;
    result
}

fn walk(value: &Value, pointer: &str, bodies: &[Value], varying: &mut Vec<String>) -> Value {
    match value {
        Value::Object(map) => Value::Object(
            map.iter()
                .map(|(k, v)| (k.clone(), walk(v, &format!("{pointer}/{}", pointer::escape(k)), bodies, varying)))
                .collect(),
        ),
        Value::Array(items) => Value::Array(
            items.iter().enumerate().map(|(i, v)| walk(v, &format!("{pointer}/{i}"), bodies, varying)).collect(),
        ),
        leaf => {
            let seen: Vec<&Value> = bodies.iter().filter_map(|b| b.pointer(pointer)).collect();
            let differs = seen.iter().any(|v| *v != leaf);
            if differs {
                varying.push(pointer.to_string());
            }
            let placeholder =
                if differs { infer::placeholder_for_varying(&seen) } else { infer::placeholder_for(leaf) };
            match placeholder {
                Some(placeholder) => Value::String(placeholder.to_string()),
                None => leaf.clone(),
            }
        }
    }
}

/// `match` rules: the stable values that name the event, else (at most three) stable short top-level strings.
fn match_rules(template: &Value, varying: &[String]) -> Map<String, Value> {
    let Some(object) = template.as_object() else { return Map::new() };
    let varying: std::collections::HashSet<&str> = varying.iter().map(String::as_str).collect();
    let stable = |key: &str, value: &Value| {
        let pointer = format!("/{}", pointer::escape(key));
        let fixed = match value {
            Value::String(s) => placeholder::parse(s).is_none() && s.chars().count() <= 64,
            Value::Number(_) | Value::Bool(_) => true,
            _ => false,
        };
        (fixed && !varying.contains(pointer.as_str())).then_some(pointer)
    };
    let mut rules = Map::new();
    for key in NAMING_KEYS {
        if let Some((pointer, value)) = object.get(key).and_then(|v| stable(key, v).map(|p| (p, v))) {
            rules.insert(pointer, value.clone());
        }
    }
    if rules.is_empty() {
        for (key, value) in object.iter().filter(|(_, v)| v.is_string()) {
            if let Some(pointer) = stable(key, value) {
                rules.insert(pointer, value.clone());
                if rules.len() == 3 {
                    break;
                }
            }
        }
    }
    rules
}

/// The first capture's headers that belong to the event, with values copied from the body written as
/// `{{body:/pointer}}` and volatile ones as placeholders.
fn headers(first: &Captured, body: &Value) -> Map<String, Value> {
    let mut kept = Map::new();
    for (name, value) in first.record.headers.iter().cloned() {
        if DELIVERY_HEADERS.contains(&name.as_str()) || name.starts_with("x-forwarded-") {
            continue;
        }
        let text = Value::String(value.clone());
        let from_body = find_value(body, &text, "");
        let rendered = match (from_body, infer::placeholder_for(&text)) {
            (Some(pointer), _) => Placeholder::BodyRef(pointer).to_string(),
            (None, Some(placeholder)) => placeholder.to_string(),
            (None, None) => value,
        };
        kept.insert(name, Value::String(rendered));
    }
    kept
}

/// The pointer of the first leaf equal to `wanted` (only for values long enough to be an identifier).
fn find_value(value: &Value, wanted: &Value, pointer: &str) -> Option<String> {
    if wanted.as_str().is_none_or(|s| s.len() < 8) {
        return None;
    }
    match value {
        Value::Object(map) => {
            map.iter().find_map(|(k, v)| find_value(v, wanted, &format!("{pointer}/{}", pointer::escape(k))))
        }
        Value::Array(items) => {
            items.iter().enumerate().find_map(|(i, v)| find_value(v, wanted, &format!("{pointer}/{i}")))
        }
        leaf => (leaf == wanted).then(|| pointer.to_string()),
    }
}

/// A file the export wrote, and whether it replaced one that was there.
pub struct Written {
    pub path: PathBuf,
    pub replaced: bool,
}

/// Writes `NAME.json` and `NAME.schema.json` into `out`; returns what it wrote. Each file is written under a
/// fresh temporary name (created new: never through a link someone left there) and renamed into place, so
/// a symbolic link at the target is replaced, not followed.
pub fn export(captures: &[Captured], name: Option<&str>, out: &Path, catalog: &Catalog) -> Result<Vec<Written>> {
    let (name, fixture, schema) = build(captures, name, catalog)?;
    std::fs::create_dir_all(out).map_err(|e| UserError::new(format!("cannot create --out {}: {e}", out.display())))?;
    let mut written = Vec::new();
    for (file_name, value) in [(format!("{name}.json"), &fixture), (format!("{name}.schema.json"), &schema)] {
        let text = crate::output::json_safe(serde_json::to_string_pretty(value)?) + "\n";
        let wrote = crate::files::write_inside(out, &file_name, text.as_bytes())?;
        written.push(Written { path: out.join(file_name), replaced: wrote != crate::files::Wrote::Created });
    }
    Ok(written)
}

/// A fixture name is `provider.event`: parts of letters, digits, `_` and `-`, joined by dots (it becomes
/// a file name, so nothing that could climb out of `--out` or mean something to a shell).
pub fn check_name(name: &str) -> Result<(), UserError> {
    if crate::catalog::check_fixture_name(name).is_ok() {
        return Ok(());
    }
    Err(UserError::with_hint(
        format!("fixture name {}: not provider.event", sanitize(name)),
        "name it with letters, digits, `_` and `-` in dot-separated parts (--name acme.order.created)",
    ))
}

/// The fixture and its inferred schema, with the fixture's name.
pub fn build(captures: &[Captured], name: Option<&str>, catalog: &Catalog) -> Result<(String, Value, Value)> {
    let Some(first) = captures.first() else {
        return Err(UserError::new("no captures selected: nothing to make a fixture from").into());
    };
    let mut events: Vec<&str> = captures.iter().filter_map(|c| c.record.event.as_deref()).collect();
    events.dedup();
    events.sort_unstable();
    events.dedup();
    if events.len() > 1 && name.is_none() {
        return Err(UserError::with_hint(
            format!("the captures are of different events ({})", events.join(", ")),
            "a fixture is one event: pick one with --event NAME",
        )
        .into());
    }
    let name = name.or(events.first().copied()).unwrap_or("custom.webhook").to_string();
    check_name(&name)?;
    let mut bodies = Vec::new();
    for captured in captures {
        let id = captured.record.id;
        let body: Value = serde_json::from_slice(&captured.body)
            .map_err(|_| UserError::new(format!("capture #{id} is not JSON: a fixture's body must be")))?;
        bodies.push(body);
    }
    let mut samples = Samples { bodies, varying: Vec::new() };
    let body = template(&mut samples);
    let schema = infer::schema(&name, &samples.bodies);
    let rules = match_rules(&body, &samples.varying);
    let description = match catalog.get(&name) {
        Some(known) => known.description.clone(),
        None => format!("Made by `hookctl captures export` from {} captured request(s)", captures.len()),
    };
    let method = if first.record.method.is_empty() { "POST" } else { first.record.method.as_str() };
    let fixture = json!({
        "name": name,
        "description": description,
        "method": method,
        "headers": headers(first, &samples.bodies[0]),
        "match": rules,
        "mask": samples.varying,
        "body": body,
    });
    Ok((name, fixture, schema))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn volatile_and_varying_values_become_placeholders_and_stable_names_match() {
        let bodies = vec![
            json!({"event": "order.created", "id": "7f1c2b1e-0c59-4a7e-8b7a-0f6f1e2d3c4b", "n": 1, "at": 1767225600}),
            json!({"event": "order.created", "id": "1b2c3d4e-0c59-4a7e-8b7a-0f6f1e2d3c4b", "n": 2, "at": 1767225700}),
        ];
        let mut samples = Samples { bodies, varying: Vec::new() };
        let template = template(&mut samples);
        assert_eq!(template["id"], "{{uuid}}");
        assert_eq!(template["at"], "{{now:unix}}");
        assert_eq!(template["n"], 1, "no placeholder for a plain number: the first value, masked");
        assert_eq!(samples.varying, ["/id", "/n", "/at"]);
        let rules = match_rules(&template, &samples.varying);
        assert_eq!(Value::Object(rules), json!({"/event": "order.created"}));
    }
}
