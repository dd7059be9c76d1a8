//! Normalise, mask and compare two JSON values: pure functions, no I/O.
use serde_json::{Map, Value};
use similar::TextDiff;

use crate::fixtures::placeholder::escape_pointer;

/// A copy for comparison: keys sorted at every level, fields at the `ignore` pointers left out, and values
/// at the `mask` pointers replaced by a label that keeps their JSON type (so a masked `true` against a
/// masked `"true"` still shows). Masked and ignored subtrees are never copied: a 5 MB crash stack that
/// varies costs nothing here.
pub fn prepare(value: &Value, mask: &[String], ignore: &[String]) -> Value {
    let mut at = String::new();
    prepare_at(value, mask, ignore, &mut at)
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "boolean",
        Value::Number(_) => "number",
        Value::String(_) => "string",
        Value::Array(_) => "array",
        Value::Object(_) => "object",
    }
}

fn prepare_at(value: &Value, mask: &[String], ignore: &[String], at: &mut String) -> Value {
    if mask.iter().any(|m| m == at) {
        return Value::String(format!("‹varies: {}›", kind(value)));
    }
    let len = at.len();
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            let mut out = Map::with_capacity(keys.len());
            for key in keys {
                at.push('/');
                at.push_str(&escape_pointer(key));
                if !ignore.iter().any(|i| i == at) {
                    out.insert(key.clone(), prepare_at(&map[key], mask, ignore, at));
                }
                at.truncate(len);
            }
            Value::Object(out)
        }
        Value::Array(items) => {
            let mut out = Vec::with_capacity(items.len());
            for (i, item) in items.iter().enumerate() {
                at.push('/');
                at.push_str(&i.to_string());
                if !ignore.iter().any(|p| p == at) {
                    out.push(prepare_at(item, mask, ignore, at));
                }
                at.truncate(len);
            }
            Value::Array(out)
        }
        other => other.clone(),
    }
}

/// A unified diff of the two values pretty-printed; empty when they are equal.
pub fn unified(expected: &Value, actual: &Value, expected_label: &str, actual_label: &str, context: usize) -> String {
    let left = pretty(expected);
    let right = pretty(actual);
    if left == right {
        return String::new();
    }
    TextDiff::from_lines(&left, &right)
        .unified_diff()
        .context_radius(context)
        .header(expected_label, actual_label)
        .to_string()
}

fn pretty(value: &Value) -> String {
    let mut text = serde_json::to_string_pretty(value).unwrap_or_default();
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn preparing_sorts_keys_at_every_level() {
        let value = prepare(&json!({"b": 1, "a": {"d": [{"z": 1, "y": 2}], "c": 0}}), &[], &[]);
        assert_eq!(serde_json::to_string(&value).unwrap(), r#"{"a":{"c":0,"d":[{"y":2,"z":1}]},"b":1}"#);
    }

    #[test]
    fn masking_keeps_the_type_visible() {
        let mask = ["/id".to_string(), "/flag".into(), "/n/t".into(), "/absent".into()];
        let a = prepare(&json!({"id": "X", "flag": true, "n": {"t": 5}}), &mask, &[]);
        assert_eq!(a, json!({"flag": "‹varies: boolean›", "id": "‹varies: string›", "n": {"t": "‹varies: number›"}}));
    }

    #[test]
    fn ignoring_drops_fields_and_items() {
        let ignore = ["/a/b~1c".to_string(), "/l/1".into(), "/missing/x".into()];
        let a = prepare(&json!({"a": {"b/c": 1, "d": 2}, "l": [1, 2, 3]}), &[], &ignore);
        assert_eq!(a, json!({"a": {"d": 2}, "l": [1, 3]}));
    }

    #[test]
    fn equal_values_give_an_empty_diff_and_changes_show_both_lines() {
        let a = json!({"a": 1, "b": "x"});
        assert_eq!(unified(&a, &a, "expected", "received", 3), "");
        let diff = unified(&a, &json!({"a": 2, "b": "x"}), "expected", "received", 1);
        assert!(diff.contains("--- expected") && diff.contains("+++ received"), "{diff}");
        assert!(diff.contains("-  \"a\": 1,") && diff.contains("+  \"a\": 2,"), "{diff}");
    }
}
