//! Detection rules: how a received request is recognised as an event. Every fixture's `match` (built-in
//! or the user's) is read into [`Rules`] and evaluated here, against any JSON representation the validator
//! reads, so a user's provider folder can say everything a built-in one says.
//!
//! A `match` object maps a JSON pointer (or `header:NAME`, or `$any`) to a test:
//! - a plain value: the field equals it;
//! - an object of operators: `{"$in": [..]}`, `{"$not_in": [..]}`, `{"$present": bool}`,
//!   `{"$type": "object"|"array"|"string"|"number"|"boolean"|"null"}`, `{"$cjk": bool}` (a string holding
//!   Chinese, Japanese or Korean text); several operators must all hold;
//! - `"header:NAME": {"$present": bool}`: the request has (or lacks) that header;
//! - `"$any": [{…}, {…}]`: at least one of the nested `match` objects holds.
use jsonschema::json::{Json, Node};
use jsonschema::JsonType;
use serde_json::{Map, Value};

use crate::pointer;

/// What must hold of one field.
#[derive(Debug, Clone, PartialEq)]
enum Test {
    Equals(Value),
    In(Vec<Value>),
    NotIn(Vec<Value>),
    Present(bool),
    Type(JsonType),
    Cjk(bool),
}

#[derive(Debug, Clone, PartialEq)]
enum Condition {
    Body { pointer: String, test: Test },
    Header { name: String, present: bool },
    Any(Vec<Rules>),
}

/// Conditions that must all hold. Empty rules never match (a fixture without `match` is never detected).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Rules {
    conditions: Vec<Condition>,
}

const OPERATORS: &str = "$in, $not_in, $present, $type, $cjk";

fn parse_type(name: &str) -> Result<JsonType, String> {
    Ok(match name {
        "object" => JsonType::Object,
        "array" => JsonType::Array,
        "string" => JsonType::String,
        "number" => JsonType::Number,
        "boolean" => JsonType::Boolean,
        "null" => JsonType::Null,
        other => return Err(format!("$type {other:?} is not one of object, array, string, number, boolean, null")),
    })
}

fn list(value: &Value, operator: &str) -> Result<Vec<Value>, String> {
    value.as_array().cloned().ok_or_else(|| format!("{operator} takes a list of values"))
}

fn flag(value: &Value, operator: &str) -> Result<bool, String> {
    value.as_bool().ok_or_else(|| format!("{operator} takes true or false"))
}

/// The tests an operator object asks for, or `None` when the value is a plain value to compare with.
fn operator_tests(value: &Value) -> Result<Option<Vec<Test>>, String> {
    let Some(map) = value.as_object().filter(|m| !m.is_empty() && m.keys().all(|k| k.starts_with('$'))) else {
        return Ok(None);
    };
    let mut tests = Vec::new();
    for (operator, argument) in map {
        tests.push(match operator.as_str() {
            "$in" => Test::In(list(argument, operator)?),
            "$not_in" => Test::NotIn(list(argument, operator)?),
            "$present" => Test::Present(flag(argument, operator)?),
            "$cjk" => Test::Cjk(flag(argument, operator)?),
            "$type" => Test::Type(parse_type(argument.as_str().unwrap_or_default())?),
            other => return Err(format!("unknown match operator {other} (known: {OPERATORS})")),
        });
    }
    Ok(Some(tests))
}

impl Rules {
    /// Reads a `match` object; the error names the key at fault.
    pub fn parse(map: &Map<String, Value>) -> Result<Rules, String> {
        let mut conditions = Vec::new();
        for (key, value) in map {
            if key == "$any" {
                let branches = value.as_array().ok_or("`match` $any takes a list of match objects")?;
                let rules = branches
                    .iter()
                    .map(|b| b.as_object().ok_or("`match` $any takes match objects").map_err(String::from))
                    .map(|b| b.and_then(Rules::parse))
                    .collect::<Result<Vec<_>, _>>()?;
                conditions.push(Condition::Any(rules));
            } else if let Some(name) = key.strip_prefix("header:") {
                let present = match operator_tests(value)?.as_deref() {
                    Some([Test::Present(present)]) => *present,
                    _ => return Err(format!("`match` {key}: a header takes {{\"$present\": true|false}}")),
                };
                conditions.push(Condition::Header { name: name.to_string(), present });
            } else if pointer::is_pointer(key) {
                match operator_tests(value)? {
                    Some(tests) => {
                        conditions.extend(tests.into_iter().map(|test| Condition::Body { pointer: key.clone(), test }))
                    }
                    None => {
                        conditions.push(Condition::Body { pointer: key.clone(), test: Test::Equals(value.clone()) })
                    }
                }
            } else {
                return Err(format!("`match` key {key:?} is not a JSON pointer (/field), header:NAME or $any"));
            }
        }
        Ok(Rules { conditions })
    }

    pub fn is_empty(&self) -> bool {
        self.conditions.is_empty()
    }

    /// Whether a request with this body and these header names meets every condition.
    pub fn hold<'a, F: Json>(&self, body: &F::Node<'a>, has_header: &dyn Fn(&str) -> bool) -> bool {
        !self.is_empty() && self.all_hold::<F>(body, has_header)
    }

    fn all_hold<'a, F: Json>(&self, body: &F::Node<'a>, has_header: &dyn Fn(&str) -> bool) -> bool {
        self.conditions.iter().all(|condition| match condition {
            Condition::Body { pointer, test } => passes::<F>(test, pointer::find::<F>(body, pointer)),
            Condition::Header { name, present } => has_header(name) == *present,
            Condition::Any(branches) => branches.iter().any(|rules| rules.all_hold::<F>(body, has_header)),
        })
    }
}

fn passes<F: Json>(test: &Test, node: Option<F::Node<'_>>) -> bool {
    match (test, node) {
        (Test::Present(present), node) => node.is_some() == *present,
        (Test::Cjk(wanted), node) => node.and_then(|n| n.as_string()).is_some_and(|t| has_cjk(&t)) == *wanted,
        (Test::NotIn(values), None) => !values.is_empty(),
        (_, None) => false,
        (Test::Equals(value), Some(node)) => node.equals_value(value),
        (Test::In(values), Some(node)) => values.iter().any(|v| node.equals_value(v)),
        (Test::NotIn(values), Some(node)) => !values.iter().any(|v| node.equals_value(v)),
        (Test::Type(kind), Some(node)) => match node.json_type() {
            JsonType::Integer => *kind == JsonType::Number || *kind == JsonType::Integer,
            found => found == *kind,
        },
    }
}

/// Chinese, Japanese or Korean text: CJK symbols and ideographs, compatibility ideographs, full-width forms.
fn has_cjk(text: &str) -> bool {
    text.chars().any(|c| matches!(c, '\u{3000}'..='\u{9fff}' | '\u{f900}'..='\u{faff}' | '\u{ff00}'..='\u{ffef}'))
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonschema::json::SerdeJson;
    use serde_json::json;

    fn rules(value: Value) -> Rules {
        Rules::parse(value.as_object().unwrap()).unwrap()
    }

    fn holds(rules: &Rules, body: Value, headers: &[&str]) -> bool {
        let has = |name: &str| headers.iter().any(|h| h.eq_ignore_ascii_case(name));
        rules.hold::<SerdeJson>(&&body, &has)
    }

    #[test]
    fn every_operator_holds_and_fails() {
        let r = rules(json!({
            "/type": {"$in": ["a", "b"]},
            "/n": {"$not_in": [0, 1]},
            "/action": {"$present": true},
            "/gone": {"$present": false},
            "/obj": {"$type": "object"},
            "/text": {"$cjk": false},
        }));
        let good = json!({"type": "b", "n": 2, "action": "x", "obj": {}, "text": "plain"});
        assert!(holds(&r, good.clone(), &[]));
        for (pointer, bad) in [
            ("/type", json!("c")),
            ("/n", json!(1)),
            ("/obj", json!([])),
            ("/text", json!("應用")),
            ("/gone", json!(1)),
        ] {
            let mut body = good.clone();
            body[&pointer[1..]] = bad;
            assert!(!holds(&r, body, &[]), "{pointer}");
        }
        let mut no_action = good;
        no_action.as_object_mut().unwrap().remove("action");
        assert!(!holds(&r, no_action, &[]));
    }

    #[test]
    fn any_headers_and_plain_values() {
        let r = rules(
            json!({"/k": 1, "header:X-Client": {"$present": true}, "$any": [{"/a": {"$cjk": true}}, {"/b": {"$cjk": true}}]}),
        );
        assert!(holds(&r, json!({"k": 1, "b": "中文"}), &["x-client"]));
        assert!(!holds(&r, json!({"k": 1, "b": "中文"}), &[]), "header missing");
        assert!(!holds(&r, json!({"k": 1, "a": "en", "b": "en"}), &["x-client"]), "no branch holds");
        assert!(
            holds(&r, json!({"k": 1.0, "a": "中"}), &["x-client"]),
            "numbers compare as JSON Schema does: 1.0 is 1"
        );
        assert!(!holds(&Rules::default(), json!({}), &[]), "no rules never match");
    }

    #[test]
    fn bad_rules_say_what_is_wrong() {
        for (value, wanted) in [
            (json!({"type": 1}), "not a JSON pointer"),
            (json!({"/a": {"$near": 1}}), "unknown match operator $near"),
            (json!({"/a": {"$in": 1}}), "$in takes a list"),
            (json!({"header:x": 1}), "a header takes"),
            (json!({"/a": {"$type": "date"}}), "$type \"date\""),
            (json!({"$any": {}}), "$any takes a list"),
        ] {
            let err = Rules::parse(value.as_object().unwrap()).unwrap_err();
            assert!(err.contains(wanted), "{err}");
        }
    }
}
