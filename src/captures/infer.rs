//! A JSON Schema (draft 2020-12) inferred from sample bodies: the types seen at each place, the fields every
//! sample has as `required`, small value sets that repeat across samples as `enum`, and `date-time` / `uuid`
//! formats where every sample's string fits. What volatile values look like is decided here too, for the
//! fixture's placeholders.
use std::collections::BTreeSet;

use serde_json::{json, Map, Value};

use crate::catalog::placeholder::{Placeholder, TimeFormat};

/// What a volatile value is, by its look: the placeholder that renders one like it.
pub fn placeholder_for(value: &Value) -> Option<Placeholder> {
    match value {
        Value::String(text) => {
            let t = text.as_str();
            if is_uuid(t) {
                return Some(if t.chars().any(|c| c.is_ascii_uppercase()) {
                    Placeholder::Guid
                } else {
                    Placeholder::Uuid
                });
            }
            if chrono::DateTime::parse_from_rfc3339(t).is_ok() && t.ends_with('Z') {
                return Some(Placeholder::Now(if t.contains('.') {
                    TimeFormat::Rfc3339Millis
                } else {
                    TimeFormat::Rfc3339
                }));
            }
            if chrono::NaiveDateTime::parse_from_str(t, "%Y-%m-%d %H:%M:%S").is_ok() {
                return Some(Placeholder::Now(TimeFormat::UtcPlus8));
            }
            if chrono::NaiveDateTime::parse_from_str(t, "%m/%d/%Y %H:%M:%S").is_ok() {
                return Some(Placeholder::Now(TimeFormat::MonthDayYear));
            }
            let digits = t.len() >= 6 && t.bytes().all(|b| b.is_ascii_digit());
            if digits {
                return Some(Placeholder::Digits(t.len()));
            }
            None
        }
        Value::Number(n) => n
            .as_i64()
            .filter(|s| (1_000_000_000..20_000_000_000).contains(s))
            .map(|_| Placeholder::Now(TimeFormat::Unix)),
        _ => None,
    }
}

/// A placeholder for a value that differs across samples, when its kind has one.
pub fn placeholder_for_varying(values: &[&Value]) -> Option<Placeholder> {
    // Digit strings that vary are ids, however short: the same length every time renders like them.
    let digits =
        |v: &Value| v.as_str().filter(|s| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit())).map(str::len);
    if let Some(length) = digits(values[0]) {
        if values.iter().all(|v| digits(v) == Some(length)) {
            return Some(Placeholder::Digits(length));
        }
    }
    let first = placeholder_for(values[0])?;
    values.iter().all(|v| placeholder_for(v).as_ref() == Some(&first)).then_some(first)
}

fn is_uuid(text: &str) -> bool {
    text.len() == 36 && uuid::Uuid::parse_str(text).is_ok()
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

/// The schema of the values found at one place in the samples (`count`: how many samples there are).
fn infer(values: &[&Value], samples: usize) -> Value {
    let mut types: BTreeSet<&str> = values.iter().map(|v| type_name(v)).collect();
    if types.contains("number") {
        types.remove("integer");
    }
    let mut schema = Map::new();
    schema.insert(
        "type".into(),
        match types.len() {
            1 => json!(types.iter().next()),
            _ => json!(types.iter().collect::<Vec<_>>()),
        },
    );
    let strings: Vec<&str> = values.iter().filter_map(|v| v.as_str()).collect();
    if !strings.is_empty() && strings.len() == values.len() {
        if strings.iter().all(|s| is_uuid(s)) {
            schema.insert("format".into(), json!("uuid"));
        } else if strings.iter().all(|s| chrono::DateTime::parse_from_rfc3339(s).is_ok()) {
            schema.insert("format".into(), json!("date-time"));
        }
    }
    if let Some(values) = enumeration(values, samples) {
        schema.insert("enum".into(), Value::Array(values));
    }
    let objects: Vec<&Map<String, Value>> = values.iter().filter_map(|v| v.as_object()).collect();
    if !objects.is_empty() {
        // Every key once, in the order first seen: one pass (linear in the keys, however many a sender sends).
        let mut seen = std::collections::HashSet::new();
        let mut keys: Vec<&String> = Vec::new();
        for object in &objects {
            keys.extend(object.keys().filter(|key| seen.insert(*key)));
        }
        let mut properties = Map::new();
        let mut required = Vec::new();
        for key in keys {
            let found: Vec<&Value> = objects.iter().filter_map(|o| o.get(key)).collect();
            if found.len() == objects.len() {
                required.push(json!(key));
            }
            properties.insert(key.clone(), infer(&found, objects.len()));
        }
        schema.insert("properties".into(), Value::Object(properties));
        if !required.is_empty() {
            schema.insert("required".into(), Value::Array(required));
        }
    }
    let items: Vec<&Value> = values.iter().filter_map(|v| v.as_array()).flatten().collect();
    if values.iter().any(|v| v.is_array()) && !items.is_empty() {
        schema.insert("items".into(), infer(&items, items.len()));
    }
    Value::Object(schema)
}

/// The fewest samples an `enum` is inferred from: with fewer, one value seen twice (two copies of the same
/// crash log) says nothing about what else the provider sends.
pub const ENUM_MIN_SAMPLES: usize = 5;

/// A small set of short values that repeats across samples (so it is a set, not a coincidence): at least
/// [`ENUM_MIN_SAMPLES`] samples, at most 3 distinct strings or integers, each seen at least twice, none of them
/// volatile-looking.
fn enumeration(values: &[&Value], samples: usize) -> Option<Vec<Value>> {
    let settled = values.iter().all(|v| match v {
        Value::String(s) => s.chars().count() <= 32 && placeholder_for(v).is_none(),
        Value::Number(n) => (n.is_i64() || n.is_u64()) && placeholder_for(v).is_none(),
        _ => false,
    });
    if !settled || values.len() != samples || samples < ENUM_MIN_SAMPLES {
        return None;
    }
    let mut distinct: Vec<(Value, usize)> = Vec::new();
    for value in values {
        match distinct.iter_mut().find(|(seen, _)| seen == *value) {
            Some((_, count)) => *count += 1,
            None => distinct.push(((*value).clone(), 1)),
        }
    }
    let repeated = distinct.len() <= 3 && distinct.iter().all(|(_, count)| *count >= 2);
    repeated.then(|| distinct.into_iter().map(|(value, _)| value).collect())
}

/// The schema of an event, from its sample bodies.
pub fn schema(name: &str, bodies: &[Value]) -> Value {
    let values: Vec<&Value> = bodies.iter().collect();
    let mut schema = json!({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "title": name,
        "description": format!("Inferred by hookctl from {} captured sample(s)", bodies.len()),
    });
    if let (Value::Object(head), Value::Object(body)) = (&mut schema, infer(&values, bodies.len())) {
        head.extend(body);
    }
    schema
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_enum_and_formats_come_from_every_sample() {
        let bodies = vec![
            json!({"kind": "a", "id": "7f1c2b1e-0c59-4a7e-8b7a-0f6f1e2d3c4b", "at": "2026-01-01T00:00:00Z", "n": 1, "opt": 1}),
            json!({"kind": "a", "id": "1b2c3d4e-0c59-4a7e-8b7a-0f6f1e2d3c4b", "at": "2026-01-02T00:00:00Z", "n": 2.5}),
            json!({"kind": "b", "id": "2c3d4e5f-0c59-4a7e-8b7a-0f6f1e2d3c4b", "at": "2026-01-03T00:00:00Z", "n": 3}),
            json!({"kind": "b", "id": "3d4e5f6a-0c59-4a7e-8b7a-0f6f1e2d3c4b", "at": "2026-01-04T00:00:00Z", "n": 4}),
            json!({"kind": "a", "id": "4e5f6a7b-0c59-4a7e-8b7a-0f6f1e2d3c4b", "at": "2026-01-05T00:00:00Z", "n": 5}),
        ];
        let schema = schema("acme.thing", &bodies);
        assert_eq!(schema["required"], json!(["kind", "id", "at", "n"]));
        assert_eq!(schema["properties"]["kind"]["enum"], json!(["a", "b"]));
        assert_eq!(schema["properties"]["id"]["format"], "uuid");
        assert!(schema["properties"]["id"].get("enum").is_none(), "a GUID is never an enum");
        assert_eq!(schema["properties"]["at"]["format"], "date-time");
        assert_eq!(schema["properties"]["n"]["type"], "number");
        assert!(schema["properties"]["n"].get("enum").is_none());
    }

    #[test]
    fn no_enum_from_a_few_samples_or_from_a_value_seen_once() {
        let copy = json!({"title": "OooPlay", "device_type": "iOS"});
        let schema = schema("acme.crash", &[copy.clone(), copy.clone()]);
        assert!(schema["properties"]["device_type"].get("enum").is_none(), "two copies of one body: {schema}");
        let mut bodies = vec![copy.clone(); 4];
        bodies.push(json!({"title": "OooPlay", "device_type": "Android"}));
        let schema = super::schema("acme.crash", &bodies);
        assert!(schema["properties"]["device_type"].get("enum").is_none(), "Android seen once: {schema}");
        assert_eq!(super::schema("acme.crash", &vec![copy; 5])["properties"]["title"]["enum"], json!(["OooPlay"]));
    }

    #[test]
    fn volatile_values_get_their_placeholder() {
        assert_eq!(placeholder_for(&json!("7F1C2B1E-0C59-4A7E-8B7A-0F6F1E2D3C4B")).unwrap().to_string(), "{{guid}}");
        assert_eq!(placeholder_for(&json!("2015-10-09 11:25:16")).unwrap().to_string(), "{{now:pgyer}}");
        assert_eq!(placeholder_for(&json!("2018-07-10T11:14:06.123Z")).unwrap().to_string(), "{{now:rfc3339ms}}");
        assert_eq!(placeholder_for(&json!("123456789")).unwrap().to_string(), "{{digits:9}}");
        assert_eq!(placeholder_for(&json!(1_767_225_600)).unwrap().to_string(), "{{now:unix}}");
        assert!(placeholder_for(&json!("crashlog")).is_none());
        assert!(placeholder_for(&json!(42)).is_none());
    }
}
