//! The `match` rule each imported webhook gets, first that applies: a property whose schema is a `const`
//! (or a one-value `enum`); a shared `enum` that lists the webhook's own name; a header with a const or
//! one-value enum; a property the webhook's examples agree on and its siblings' do not (a discriminator only
//! the examples show), or a header example no sibling shares; else detection by validation (`$valid`, tried
//! after every other fixture). Rules that come out the same for several webhooks get one more condition each.
use serde_json::{json, Map, Value};

use super::description::HeaderParam;
use crate::generate::resolve::flatten;

/// A webhook as the rule chooser sees it.
pub struct Candidate<'a> {
    pub key: &'a str,
    pub schema: &'a Value,
    pub examples: &'a [(String, Value)],
    pub headers: &'a [HeaderParam],
}

/// The rule chosen, and how it was found.
#[derive(Debug, Clone)]
pub struct Choice {
    /// `const`, `enum-value`, `header`, `discriminator` or `validation`.
    pub kind: &'static str,
    /// A body pointer (`/type`) or `header:NAME`; empty for validation.
    pub at: String,
    pub value: Value,
    /// Conditions added when the rule alone is shared with sibling webhooks (`action: created` on many
    /// events): a header example, a property only this webhook requires, another one-value property.
    pub also: Vec<(String, Value)>,
    /// The rule's body property is optional: a body without it is still this webhook when it passes the
    /// schema (`match` gets a `$any` with a `$valid` branch for the property's absence).
    pub optional: bool,
}

impl Choice {
    /// The fixture file's `match` object.
    pub fn match_object(&self) -> Map<String, Value> {
        let mut rule = Map::new();
        if self.kind == "validation" {
            rule.insert("$valid".into(), Value::Bool(true));
        } else {
            rule.insert(self.at.clone(), self.value.clone());
        }
        for (at, value) in &self.also {
            rule.insert(at.clone(), value.clone());
        }
        if !self.optional {
            return rule;
        }
        let mut absent = Map::new();
        absent.insert(self.at.clone(), json!({"$present": false}));
        absent.insert("$valid".into(), Value::Bool(true));
        let mut any = Map::new();
        any.insert("$any".into(), json!([rule, absent]));
        any
    }

    pub fn fallback(&self) -> bool {
        self.kind == "validation"
    }

    /// The body pointer the rule reads, when it reads one.
    pub fn body_pointer(&self) -> Option<&str> {
        (self.at.starts_with('/')).then_some(self.at.as_str())
    }

    pub fn to_json(&self) -> Value {
        let mut out = match self.kind {
            "validation" => json!({"rule": self.kind}),
            _ => json!({"rule": self.kind, "at": self.at, "value": self.value}),
        };
        if !self.also.is_empty() {
            out["also"] = Value::Object(self.also.iter().cloned().collect());
        }
        if self.optional {
            out["optional"] = Value::Bool(true);
        }
        out
    }
}

/// Names that usually say the event, tried first.
const LIKELY: [&str; 8] = ["type", "event", "eventType", "event_type", "kind", "topic", "action", "name"];

/// A schema's properties as (pointer, flattened schema): every top-level one, and one level down only those
/// with a name that usually says the event (`/event/type`, `/meta/eventType`); likely names first.
fn properties(schema: &Value) -> Vec<(String, Value)> {
    let likely = |pointer: &str| {
        let last = pointer.rsplit('/').next().unwrap_or("");
        LIKELY.iter().position(|l| *l == last).unwrap_or(LIKELY.len())
    };
    let members = |node: &Value, at: &str| -> Vec<(String, Value)> {
        node.get("properties")
            .and_then(Value::as_object)
            .map(|m| {
                m.iter()
                    .map(|(k, v)| (format!("{at}/{}", crate::pointer::escape(k)), flatten(schema, v).into_owned()))
                    .collect()
            })
            .unwrap_or_default()
    };
    let root = flatten(schema, schema).into_owned();
    let top = members(&root, "");
    // One level down, only names that usually say the event.
    let nested: Vec<(String, Value)> = top
        .iter()
        .flat_map(|(pointer, sub)| members(sub, pointer))
        .filter(|(pointer, _)| likely(pointer) < LIKELY.len())
        .collect();
    // Likely names first at either level (`/type`, then `/event/type`), then the rest, top level first.
    let mut all: Vec<(usize, usize, String, Value)> = top
        .into_iter()
        .map(|(p, s)| (0, p, s))
        .chain(nested.into_iter().map(|(p, s)| (1, p, s)))
        .map(|(level, p, s)| (likely(&p), level, p, s))
        .collect();
    all.sort_by_key(|(rank, level, _, _)| (*rank, *level));
    all.into_iter().map(|(_, _, p, s)| (p, s)).collect()
}

/// Whether a property holds identifiers or times rather than a name of the event (`/id`, `/createdAt`).
fn looks_volatile(pointer: &str, value: &Value) -> bool {
    let last = pointer.rsplit('/').next().unwrap_or("").to_ascii_lowercase();
    let original = pointer.rsplit('/').next().unwrap_or("");
    last == "id"
        || last.ends_with("_id")
        || original.ends_with("Id")
        || crate::captures::infer::placeholder_for(value).is_some()
}

fn one_value(schema: &Value) -> Option<Value> {
    if let Some(value) = schema.get("const") {
        return Some(value.clone());
    }
    match schema.get("enum").and_then(Value::as_array) {
        Some(values) if values.len() == 1 => Some(values[0].clone()),
        _ => None,
    }
}

fn example_values<'a>(examples: &'a [(String, Value)], pointer: &str) -> Vec<&'a Value> {
    examples.iter().filter_map(|(_, v)| v.pointer(pointer)).collect()
}

/// The string value a webhook's examples give a property: the webhook's own key when one example says it,
/// else the value most of its examples say (the first on a tie). An example that names another webhook is
/// outvoted, not obeyed.
fn preferred(candidate: &Candidate<'_>, pointer: &str) -> Option<Value> {
    let seen: Vec<&Value> = example_values(candidate.examples, pointer).into_iter().filter(|v| v.is_string()).collect();
    let key = candidate.key.trim_start_matches('/');
    if let Some(own) = seen.iter().find(|v| v.as_str() == Some(key)) {
        return Some((*own).clone());
    }
    let count = |v: &Value| seen.iter().filter(|s| **s == v).count();
    let best = seen.iter().map(|v| count(v)).max()?;
    seen.iter().find(|v| count(v) == best).map(|v| (*v).clone())
}

pub fn choose(all: &[Candidate<'_>]) -> Vec<Choice> {
    // Each distinct schema's properties, worked out once: webhooks that share one schema share them.
    let mut known: std::collections::HashMap<*const Value, std::rc::Rc<Vec<(String, Value)>>> = Default::default();
    let props: Vec<std::rc::Rc<Vec<(String, Value)>>> = all
        .iter()
        .map(|c| known.entry(c.schema as *const Value).or_insert_with(|| properties(c.schema).into()).clone())
        .collect();
    let mut chosen: Vec<Choice> =
        all.iter().enumerate().map(|(i, candidate)| choose_one(all, i, candidate, &props[i])).collect();
    disambiguate(all, &props, &mut chosen);
    chosen
}

/// Webhooks whose rules came out the same (many events saying `action: created`) each get one more condition
/// that only they meet: a header whose example differs (GitHub's `X-GitHub-Event`), a property only they
/// require, or another one-value property.
fn disambiguate(all: &[Candidate<'_>], props: &[std::rc::Rc<Vec<(String, Value)>>], chosen: &mut [Choice]) {
    for i in 0..chosen.len() {
        if chosen[i].kind == "validation" {
            continue;
        }
        let rule = |c: &Choice| (c.at.clone(), c.value.clone());
        let twins: Vec<usize> = (0..chosen.len())
            .filter(|j| *j != i && chosen[*j].kind != "validation" && rule(&chosen[*j]) == rule(&chosen[i]))
            .collect();
        if twins.is_empty() {
            continue;
        }
        if let Some(extra) = distinguishing(all, props, i, &twins) {
            chosen[i].also.push(extra);
        }
    }
}

fn distinguishing(
    all: &[Candidate<'_>],
    props: &[std::rc::Rc<Vec<(String, Value)>>],
    me: usize,
    twins: &[usize],
) -> Option<(String, Value)> {
    let example_of = |c: &Candidate<'_>, name: &str| {
        c.headers
            .iter()
            .find(|h| h.name.eq_ignore_ascii_case(name))
            .and_then(|h| h.example.clone())
            .filter(Value::is_string)
    };
    for header in all[me].headers {
        let Some(mine) = header.example.clone().filter(Value::is_string) else { continue };
        if twins.iter().all(|t| example_of(&all[*t], &header.name).is_some_and(|theirs| theirs != mine)) {
            return Some((format!("header:{}", header.name), mine));
        }
    }
    let declared = |t: usize| props[t].iter().map(|(n, _)| n.as_str()).collect::<std::collections::HashSet<_>>();
    let root = flatten(all[me].schema, all[me].schema).into_owned();
    let required = crate::generate::resolve::required(&root);
    let twins_declared: Vec<_> = twins.iter().map(|t| declared(*t)).collect();
    for name in required {
        let pointer = format!("/{}", crate::pointer::escape(&name));
        if twins_declared.iter().all(|d| !d.contains(pointer.as_str())) {
            return Some((pointer, json!({"$present": true})));
        }
    }
    let mine: Vec<(String, Value)> =
        props[me].iter().filter_map(|(n, s)| one_value(s).map(|v| (n.clone(), v))).collect();
    for (name, value) in mine {
        let differs = |t: &usize| {
            props[*t].iter().find(|(n, _)| *n == name).and_then(|(_, s)| one_value(s)).is_some_and(|v| v != value)
        };
        if twins.iter().all(differs) {
            return Some((name, value));
        }
    }
    None
}

/// Whether the body property at `pointer` (`/a/b`) must be there: every step named in its level's
/// `required`.
fn required_at(schema: &Value, pointer: &str) -> bool {
    let mut level = flatten(schema, schema).into_owned();
    for step in pointer.split('/').skip(1).map(|s| crate::pointer::unescape(s).into_owned()) {
        if !crate::generate::resolve::required(&level).contains(&step) {
            return false;
        }
        let Some(next) = level.get("properties").and_then(|p| p.get(step.as_str())) else { return false };
        level = flatten(schema, next).into_owned();
    }
    true
}

fn choose_one(all: &[Candidate<'_>], index: usize, me: &Candidate<'_>, props: &[(String, Value)]) -> Choice {
    let key = me.key.trim_start_matches('/');
    for (name, schema) in props {
        if let Some(value) = one_value(schema) {
            let optional = !required_at(me.schema, name);
            return Choice { kind: "const", at: name.clone(), value, also: Vec::new(), optional };
        }
    }
    for (name, schema) in props {
        let Some(values) = schema.get("enum").and_then(Value::as_array) else { continue };
        let own = values.iter().find(|v| v.as_str().is_some_and(|s| s == key || s == me.key)).cloned().or_else(|| {
            // The examples agree on one value the enum lists.
            let seen = example_values(me.examples, name);
            let first = seen.first().copied()?;
            (seen.iter().all(|v| *v == first) && values.contains(first)).then(|| first.clone())
        });
        if let Some(value) = own {
            return Choice { kind: "enum-value", at: name.clone(), value, also: Vec::new(), optional: false };
        }
    }
    for header in me.headers {
        if let Some(value) = header.schema.as_ref().and_then(one_value) {
            return Choice {
                kind: "header",
                at: format!("header:{}", header.name),
                value,
                also: Vec::new(),
                optional: false,
            };
        }
    }
    for (name, schema) in props {
        if schema.get("enum").is_some() {
            continue;
        }
        let Some(mine) = preferred(me, name).filter(|v| !looks_volatile(name, v)) else { continue };
        let siblings_show_it = all.iter().enumerate().any(|(j, other)| j != index && preferred(other, name).is_some());
        let taken =
            all.iter().enumerate().any(|(j, other)| j != index && preferred(other, name).as_ref() == Some(&mine));
        if !taken && (siblings_show_it || all.len() == 1) {
            return Choice { kind: "discriminator", at: name.clone(), value: mine, also: Vec::new(), optional: false };
        }
    }
    // A header whose documented example no sibling shares (GitHub's `X-GitHub-Event: push`).
    for header in me.headers {
        let Some(mine) = header.example.clone().filter(Value::is_string) else { continue };
        let shared = all.iter().enumerate().any(|(j, other)| {
            j != index
                && other
                    .headers
                    .iter()
                    .any(|h| h.name.eq_ignore_ascii_case(&header.name) && h.example.as_ref() == Some(&mine))
        });
        let siblings_have_it = all
            .iter()
            .enumerate()
            .any(|(j, other)| j != index && other.headers.iter().any(|h| h.name.eq_ignore_ascii_case(&header.name)));
        if !shared && siblings_have_it {
            return Choice {
                kind: "discriminator",
                at: format!("header:{}", header.name),
                value: mine,
                also: Vec::new(),
                optional: false,
            };
        }
    }
    Choice { kind: "validation", at: String::new(), value: Value::Null, also: Vec::new(), optional: false }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn candidate<'a>(key: &'a str, schema: &'a Value, examples: &'a [(String, Value)]) -> Candidate<'a> {
        Candidate { key, schema, examples, headers: &[] }
    }

    #[test]
    fn each_rule_in_its_turn() {
        let constant = json!({"properties": {"type": {"const": "a.created"}}});
        let shared = json!({"properties": {"type": {"enum": ["b.created", "b.updated"]}}});
        let free = json!({"properties": {"event": {"type": "string"}}});
        let ex_c = [("x".to_string(), json!({"event": "C_CLOSED"}))];
        let ex_d = [("y".to_string(), json!({"event": "D_OPENED"}))];
        let all = [
            candidate("a.created", &constant, &[]),
            candidate("b.updated", &shared, &[]),
            candidate("/c", &free, &ex_c),
            candidate("/d", &free, &ex_d),
            candidate("e", &free, &[]),
        ];
        let chosen = choose(&all);
        assert_eq!((chosen[0].kind, chosen[0].at.as_str()), ("const", "/type"));
        assert_eq!((chosen[1].kind, &chosen[1].value), ("enum-value", &json!("b.updated")));
        assert_eq!((chosen[2].kind, &chosen[2].value), ("discriminator", &json!("C_CLOSED")));
        assert_eq!(chosen[3].value, json!("D_OPENED"));
        assert_eq!(chosen[4].kind, "validation");
        assert_eq!(chosen[4].match_object().get("$valid"), Some(&json!(true)));
    }

    #[test]
    fn a_nested_event_name_counts_when_no_top_level_property_says_it() {
        let schema = json!({"properties": {"event": {"type": "object", "properties": {"type": {"type": "string"}}}, "id": {"type": "string"}}});
        let a = [("a".to_string(), json!({"event": {"type": "order.paid"}, "id": "1"}))];
        let b = [("b".to_string(), json!({"event": {"type": "order.refunded"}, "id": "2"}))];
        let all = [candidate("paid", &schema, &a), candidate("refunded", &schema, &b)];
        let chosen = choose(&all);
        assert_eq!(
            (chosen[0].kind, chosen[0].at.as_str(), &chosen[0].value),
            ("discriminator", "/event/type", &json!("order.paid"))
        );
        assert_eq!(chosen[1].value, json!("order.refunded"));
    }

    #[test]
    fn shared_rules_get_a_condition_only_one_webhook_meets() {
        // Two events whose bodies both say action: created, told apart by the event header's example and by
        // the property only one requires.
        let issues = json!({"required": ["action", "issue"], "properties": {"action": {"enum": ["created"]}, "issue": {"type": "object"}}});
        let comment = json!({"required": ["action", "comment"], "properties": {"action": {"enum": ["created"]}, "comment": {"type": "object"}}});
        let header = |event: &str| HeaderParam {
            name: "X-GitHub-Event".into(),
            schema: None,
            example: Some(json!(event)),
            required: true,
        };
        let (h1, h2) = ([header("issues")], [header("issue_comment")]);
        let all = [
            Candidate { key: "issues-created", schema: &issues, examples: &[], headers: &h1 },
            Candidate { key: "issue-comment-created", schema: &comment, examples: &[], headers: &h2 },
        ];
        let chosen = choose(&all);
        assert_eq!(
            chosen[0].match_object(),
            json!({"/action": "created", "header:X-GitHub-Event": "issues"}).as_object().unwrap().clone()
        );
        assert_eq!(chosen[1].also, [("header:X-GitHub-Event".to_string(), json!("issue_comment"))]);
        let (none1, none2): ([HeaderParam; 0], [HeaderParam; 0]) = ([], []);
        let all = [
            Candidate { key: "a", schema: &issues, examples: &[], headers: &none1 },
            Candidate { key: "b", schema: &comment, examples: &[], headers: &none2 },
        ];
        let chosen = choose(&all);
        assert_eq!(chosen[0].also, [("/issue".to_string(), json!({"$present": true}))]);
    }
}
