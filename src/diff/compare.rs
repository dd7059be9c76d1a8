//! Normalise, mask and compare two JSON values: pure functions, no I/O.
use serde_json::{Map, Value};
use similar::TextDiff;

/// Keys sorted at every level, so both sides print in one stable order.
pub fn normalize(value: &Value) -> Value {
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(keys.into_iter().map(|k| (k.clone(), normalize(&map[k]))).collect::<Map<_, _>>())
        }
        Value::Array(items) => Value::Array(items.iter().map(normalize).collect()),
        other => other.clone(),
    }
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

/// Replaces the value at each pointer (when present) with a label that keeps its JSON type, so a masked
/// `true` against a masked `"true"` still shows as a difference.
pub fn mask(value: &mut Value, pointers: &[String]) {
    for pointer in pointers {
        if let Some(slot) = value.pointer_mut(pointer) {
            *slot = Value::String(format!("‹varies: {}›", kind(slot)));
        }
    }
}

/// Removes the value at each pointer (when present): `--ignore` leaves a field out of the comparison.
pub fn remove(value: &mut Value, pointers: &[String]) {
    for pointer in pointers {
        let Some((parent, last)) = pointer.rsplit_once('/') else {
            continue;
        };
        let key = last.replace("~1", "/").replace("~0", "~");
        match value.pointer_mut(parent) {
            Some(Value::Object(map)) => {
                map.shift_remove(&key);
            }
            Some(Value::Array(items)) => {
                if let Ok(i) = key.parse::<usize>() {
                    if i < items.len() {
                        items.remove(i);
                    }
                }
            }
            _ => {}
        }
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
    fn normalising_sorts_keys_at_every_level() {
        let value = normalize(&json!({"b": 1, "a": {"d": [{"z": 1, "y": 2}], "c": 0}}));
        assert_eq!(serde_json::to_string(&value).unwrap(), r#"{"a":{"c":0,"d":[{"y":2,"z":1}]},"b":1}"#);
    }

    #[test]
    fn masking_keeps_the_type_visible() {
        let mut a = json!({"id": "X", "flag": true, "n": {"t": 5}});
        mask(&mut a, &["/id".into(), "/flag".into(), "/n/t".into(), "/absent".into()]);
        assert_eq!(a, json!({"id": "‹varies: string›", "flag": "‹varies: boolean›", "n": {"t": "‹varies: number›"}}));
    }

    #[test]
    fn removing_drops_fields_and_items() {
        let mut a = json!({"a": {"b/c": 1, "d": 2}, "l": [1, 2, 3]});
        remove(&mut a, &["/a/b~1c".into(), "/l/1".into(), "/missing/x".into()]);
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
