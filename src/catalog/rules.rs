//! Detection rules: how a received request is recognised as an event. Every fixture's `match` (built-in
//! or the user's) is read into [`Rules`] and evaluated here, against any JSON representation the validator
//! reads, so a user's provider folder can say everything a built-in one says.
//!
//! A `match` object maps a JSON pointer (or `header:NAME`, or `$any`) to a test:
//! - a plain value: the field equals it;
//! - an object of operators: `{"$in": [..]}`, `{"$not_in": [..]}`, `{"$present": bool}`,
//!   `{"$type": "object"|"array"|"string"|"number"|"boolean"|"null"}`, `{"$cjk": bool}` (a string holding
//!   Chinese, Japanese or Korean text); several operators must all hold;
//! - `"header:NAME": {"$present": bool}`: the request has (or lacks) that header; `"header:NAME": "value"`
//!   or `{"$in": [..]}`: the header has that value (compared exactly);
//! - `"$any": [{…}, {…}]`: at least one of the nested `match` objects holds;
//! - `"$valid": true`: the body passes the fixture's own schema (detection by validation, for a webhook
//!   nothing else tells apart; checked by the caller, which holds the compiled schemas).
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
    Body {
        pointer: String,
        test: Test,
    },
    Header {
        name: String,
        test: HeaderTest,
    },
    Any(Vec<Rules>),
    /// The body passes the fixture's schema.
    Valid,
}

#[derive(Debug, Clone, PartialEq)]
enum HeaderTest {
    Present(bool),
    OneOf(Vec<String>),
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
            } else if key == "$valid" {
                if value != &Value::Bool(true) {
                    return Err("`match` $valid takes true (detect by the fixture's schema)".into());
                }
                conditions.push(Condition::Valid);
            } else if let Some(name) = key.strip_prefix("header:") {
                let strings =
                    |values: &[Value]| values.iter().map(|v| v.as_str().map(String::from)).collect::<Option<Vec<_>>>();
                let test = match (value, operator_tests(value)?.as_deref()) {
                    (Value::String(text), _) => HeaderTest::OneOf(vec![text.clone()]),
                    (_, Some([Test::Present(present)])) => HeaderTest::Present(*present),
                    (_, Some([Test::In(values)])) if strings(values).is_some() => {
                        HeaderTest::OneOf(strings(values).unwrap_or_default())
                    }
                    _ => {
                        return Err(format!(
                            "`match` {key}: a header takes a string value, {{\"$in\": [strings]}} or {{\"$present\": true|false}}"
                        ))
                    }
                };
                conditions.push(Condition::Header { name: name.to_string(), test });
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
                return Err(format!("`match` key {key:?} is not a JSON pointer (/field), header:NAME, $any or $valid"));
            }
        }
        Ok(Rules { conditions })
    }

    pub fn is_empty(&self) -> bool {
        self.conditions.is_empty()
    }

    /// Whether the rules ask for the body to pass the fixture's schema (`$valid`): the caller checks that.
    pub fn needs_schema(&self) -> bool {
        self.conditions.iter().any(|c| match c {
            Condition::Valid => true,
            Condition::Any(branches) => branches.iter().any(Rules::needs_schema),
            _ => false,
        })
    }

    /// Whether a request with this body and these headers (`header` gives a header's value by name) meets
    /// every condition; `valid` says whether the body passes the fixture's schema, asked only for a `$valid`
    /// whose other conditions (at its level, or in its `$any` branch) hold.
    pub fn hold<'a, 'h, F: Json>(
        &self,
        body: &F::Node<'a>,
        header: &dyn Fn(&str) -> Option<&'h str>,
        valid: &dyn Fn() -> bool,
    ) -> bool {
        !self.is_empty() && self.all_hold::<F>(body, header, valid)
    }

    fn all_hold<'a, 'h, F: Json>(
        &self,
        body: &F::Node<'a>,
        header: &dyn Fn(&str) -> Option<&'h str>,
        valid: &dyn Fn() -> bool,
    ) -> bool {
        let cheap =
            self.conditions.iter().filter(|c| !matches!(c, Condition::Valid)).all(|condition| match condition {
                Condition::Body { pointer, test } => passes::<F>(test, pointer::find::<F>(body, pointer)),
                Condition::Header { name, test: HeaderTest::Present(present) } => header(name).is_some() == *present,
                Condition::Header { name, test: HeaderTest::OneOf(values) } => {
                    header(name).is_some_and(|v| values.iter().any(|wanted| wanted == v))
                }
                Condition::Any(branches) => branches.iter().any(|rules| rules.all_hold::<F>(body, header, valid)),
                Condition::Valid => true,
            });
        cheap && (!self.conditions.contains(&Condition::Valid) || valid())
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
        // Each entry is NAME or NAME=VALUE.
        let header = |name: &str| {
            headers.iter().find_map(|h| {
                let (n, v) = h.split_once('=').unwrap_or((h, ""));
                n.eq_ignore_ascii_case(name).then_some(v)
            })
        };
        rules.hold::<SerdeJson>(&&body, &header, &|| true)
    }

    #[test]
    fn header_values_and_valid_marker() {
        let r = rules(json!({"header:X-Event": "order.created"}));
        assert!(holds(&r, json!({}), &["x-event=order.created"]));
        assert!(!holds(&r, json!({}), &["x-event=order.updated"]));
        assert!(!holds(&r, json!({}), &[]));
        let r = rules(json!({"header:X-Event": {"$in": ["a", "b"]}}));
        assert!(holds(&r, json!({}), &["X-EVENT=b"]) && !holds(&r, json!({}), &["x-event=c"]));
        let valid = rules(json!({"$valid": true}));
        assert!(valid.needs_schema() && holds(&valid, json!({}), &[]));
        assert!(Rules::parse(json!({"$valid": false}).as_object().unwrap()).is_err());
    }

    /// Issue 36 #6: a `const` on an optional property names the event when present; without it, the body's
    /// schema decides (only that branch asks for validation).
    #[test]
    fn valid_inside_any_is_asked_only_for_its_own_branch() {
        let r = rules(json!({"$any": [{"/kind": "order"}, {"/kind": {"$present": false}, "$valid": true}]}));
        assert!(r.needs_schema());
        let asked = &std::cell::Cell::new(0);
        let judge = move |verdict: bool| {
            move || {
                asked.set(asked.get() + 1);
                verdict
            }
        };
        let none: &dyn Fn(&str) -> Option<&'static str> = &|_| None;
        assert!(r.hold::<SerdeJson>(&&json!({"kind": "order"}), none, &judge(false)));
        assert_eq!(asked.get(), 0, "the const decided: no validation");
        assert!(r.hold::<SerdeJson>(&&json!({"id": 1}), none, &judge(true)));
        assert!(!r.hold::<SerdeJson>(&&json!({"id": 1}), none, &judge(false)));
        assert!(!r.hold::<SerdeJson>(&&json!({"kind": "refund"}), none, &judge(true)));
        assert_eq!(asked.get(), 2);
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
