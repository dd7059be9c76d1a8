//! The requests each check sends for one event: the fixture as it is, generated variants, invalid bodies,
//! duplicate deliveries and broken signatures.
use serde_json::{json, Value};

use super::judge::{Expect, Kind, Request};
use super::settings::FuzzCheck;
use crate::catalog::placeholder::RenderClock;
use crate::catalog::Fixture;
use crate::generate::{edges, Generator};
use crate::headers::Headers;
use crate::pointer;
use crate::signing::{self, Scheme, Secret};

/// A body: JSON (generated, shrinkable) or exact bytes (broken on purpose).
#[derive(Debug, Clone)]
pub enum Body {
    Json(Value),
    Raw(Vec<u8>),
}

impl Body {
    pub fn bytes(&self) -> Vec<u8> {
        match self {
            Body::Json(value) => serde_json::to_vec(value).unwrap_or_default(),
            Body::Raw(bytes) => bytes.clone(),
        }
    }

    pub fn json(&self) -> Option<&Value> {
        match self {
            Body::Json(value) => Some(value),
            Body::Raw(_) => None,
        }
    }
}

/// Where a case came from: how it can be made smaller.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Origin {
    /// Not shrunk (a fixture, an invalid body, a signature case).
    Fixed,
    /// An edge case: shrunk by the schema-guided reducer.
    Edge,
    /// The n-th random body: shrunk by proptest's value tree, then the reducer.
    Random(usize),
}

#[derive(Debug, Clone)]
pub struct Case {
    pub check: FuzzCheck,
    /// What this case varies: `/data/user/name: null`, `required /type missing`.
    pub label: String,
    pub body: Body,
    pub expect: Expect,
    pub origin: Origin,
}

/// How a body becomes a request: the fixture's headers (rendered against the body), `-H`, and a fresh
/// signature when signing.
pub struct Dress {
    pub user_headers: Headers,
    pub signing: Option<(Scheme, Secret)>,
}

impl Dress {
    pub fn request(&self, fixture: &Fixture, body: &Body) -> Request {
        let clock = RenderClock::now();
        let bytes = body.bytes();
        let mut headers = fixture.render_headers(body.json().unwrap_or(&Value::Null), &clock);
        headers.set_all(self.user_headers.iter().cloned());
        if let Some((scheme, secret)) = &self.signing {
            let id = signing::new_message_id();
            headers.set_all(signing::sign(*scheme, secret, &bytes, &id, clock.now.timestamp()));
        }
        Request { method: fixture.method.clone(), headers, body: bytes }
    }

    /// A request signed at a chosen time with a chosen id (and, for a forgery, another key).
    pub fn signed_at(&self, fixture: &Fixture, body: &Body, id: &str, timestamp: i64, key: Option<&Secret>) -> Request {
        let mut request = self.unsigned(fixture, body);
        if let Some((scheme, secret)) = &self.signing {
            let key = key.unwrap_or(secret);
            request.headers.set_all(signing::sign(*scheme, key, &request.body, id, timestamp));
        }
        request
    }

    pub fn unsigned(&self, fixture: &Fixture, body: &Body) -> Request {
        let clock = RenderClock::now();
        let mut headers = fixture.render_headers(body.json().unwrap_or(&Value::Null), &clock);
        headers.set_all(self.user_headers.iter().cloned());
        Request { method: fixture.method.clone(), headers, body: body.bytes() }
    }
}

pub fn examples(base: &Value) -> Vec<Case> {
    vec![Case {
        check: FuzzCheck::Examples,
        label: "the fixture as it is".into(),
        body: Body::Json(base.clone()),
        expect: Expect::Accept,
        origin: Origin::Fixed,
    }]
}

/// The edge cases around `base` (all of them up to `budget`, spread evenly past it), then the random bodies.
pub fn generated(edges: Vec<edges::Edge>, random: &[Value]) -> Vec<Case> {
    let mut cases: Vec<Case> = edges
        .into_iter()
        .map(|edge| Case {
            check: FuzzCheck::Generated,
            label: edge.label,
            body: Body::Json(edge.value),
            expect: Expect::Accept,
            origin: Origin::Edge,
        })
        .collect();
    for (i, value) in random.iter().enumerate() {
        cases.push(Case {
            check: FuzzCheck::Generated,
            label: format!("random body {}", i + 1),
            body: Body::Json(value.clone()),
            expect: Expect::Accept,
            origin: Origin::Random(i),
        });
    }
    cases
}

/// A 10 MB body: past the size limits receivers (and their proxies) set.
pub const HUGE_BODY: usize = 10 << 20;

/// Invalid bodies: each required field missing, wrong types, broken JSON, single quotes, empty, not an
/// object, 10 MB. A receiver may refuse each; none may make it fail.
pub fn negative(generator: Option<&Generator>, base: &Value) -> Vec<Case> {
    let mut cases = Vec::new();
    let mut add = |label: String, body: Body| {
        cases.push(Case { check: FuzzCheck::Negative, label, body, expect: Expect::Survive, origin: Origin::Fixed });
    };
    if let Some(generator) = generator {
        let mut places = Vec::new();
        places_in(base, String::new(), 0, &mut places);
        let mut missing = 0;
        for at in &places {
            let mut copy = base.clone();
            let (parent, key) = pointer::split_last(at);
            let removed = copy.pointer_mut(&parent).and_then(Value::as_object_mut).and_then(|m| m.remove(&key));
            if removed.is_some() && !generator.is_valid(&copy) && missing < 12 {
                missing += 1;
                add(format!("required {at} missing"), Body::Json(copy));
            }
        }
        let mut wrong = 0;
        for at in &places {
            let Some(current) = base.pointer(at) else { continue };
            let (what, other) = wrong_type(current);
            let mut copy = base.clone();
            if let Some(slot) = copy.pointer_mut(at) {
                *slot = other;
            }
            if !generator.is_valid(&copy) && wrong < 12 {
                wrong += 1;
                add(format!("{at}: {what}"), Body::Json(copy));
            }
        }
        let wrapped = json!([base]);
        if !generator.is_valid(&wrapped) {
            add("an array instead of an object".into(), Body::Json(wrapped));
        }
    }
    let text = serde_json::to_string(base).unwrap_or_default();
    let half: String = text.chars().take(text.chars().count() / 2).collect();
    add("broken JSON (cut in half)".into(), Body::Raw(half.into_bytes()));
    if text.contains('"') {
        add(
            "single-quoted strings (a JSON quirk some providers' docs examples have)".into(),
            Body::Raw(text.replace('"', "'").into_bytes()),
        );
    }
    add("empty body".into(), Body::Raw(Vec::new()));
    let mut huge = base.clone();
    match huge.as_object_mut() {
        Some(map) => {
            map.insert("x_hookctl_padding".into(), Value::String("x".repeat(HUGE_BODY)));
            add("10 MB body".into(), Body::Json(huge));
        }
        None => add("10 MB body".into(), Body::Raw(vec![b' '; HUGE_BODY])),
    }
    cases
}

fn places_in(value: &Value, at: String, depth: usize, out: &mut Vec<String>) {
    if depth > 4 {
        return;
    }
    match value {
        Value::Object(map) => {
            for (k, v) in map {
                let child = pointer::child(&at, k);
                out.push(child.clone());
                places_in(v, child, depth + 1, out);
            }
        }
        Value::Array(items) => {
            if let Some(first) = items.first() {
                let child = format!("{at}/0");
                out.push(child.clone());
                places_in(first, child, depth + 1, out);
            }
        }
        _ => {}
    }
}

fn wrong_type(value: &Value) -> (&'static str, Value) {
    match value {
        Value::String(_) => ("a number instead of a string", json!(12345)),
        Value::Number(_) => ("a string instead of a number", json!("12345")),
        Value::Bool(_) => ("a string instead of a boolean", json!("true")),
        Value::Null => ("a number instead of null", json!(0)),
        Value::Array(_) => ("an object instead of an array", json!({})),
        Value::Object(_) => ("a string instead of an object", json!("[object Object]")),
    }
}

/// A signature case: its request (built when sent: timestamps are the send time's) and the finding its
/// acceptance is.
pub struct SignatureCase {
    pub label: &'static str,
    pub kind: Kind,
}

/// Which signature cases a scheme can express: GitHub signs the body alone (no timestamp, no id).
pub fn signature_cases(scheme: Scheme) -> Vec<SignatureCase> {
    let mut cases = vec![
        SignatureCase { label: "no signature", kind: Kind::AcceptedUnsigned },
        SignatureCase { label: "a signature made with another secret", kind: Kind::AcceptedForged },
        SignatureCase { label: "the body changed after signing", kind: Kind::AcceptedForged },
    ];
    if scheme != Scheme::Github {
        cases.push(SignatureCase { label: "a timestamp 10 minutes old", kind: Kind::AcceptedStale });
        cases.push(SignatureCase { label: "a timestamp 10 minutes in the future", kind: Kind::AcceptedStale });
        cases.push(SignatureCase { label: "a replay of an accepted request", kind: Kind::AcceptedReplayed });
    }
    cases
}

/// The body with one value changed (after signing: the forgery a man in the middle makes).
pub fn tampered(base: &Value) -> Value {
    let mut copy = base.clone();
    match copy.as_object_mut() {
        Some(map) => {
            map.insert("x_hookctl_tampered".into(), Value::Bool(true));
        }
        None => copy = json!({"x_hookctl_tampered": true}),
    }
    copy
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn negative_cases_are_all_invalid() {
        let fixture = crate::catalog::Catalog::builtin().get("pgyer.crashlog").unwrap().clone();
        let generator = Generator::new(fixture.schema.as_ref().unwrap());
        let base = fixture.render().body;
        let cases = negative(Some(&generator), &base);
        assert!(cases.iter().any(|c| c.label.starts_with("required")));
        assert!(cases.iter().any(|c| c.label.contains("single-quoted")));
        for case in cases {
            if let Body::Json(v) = &case.body {
                if case.label != "10 MB body" {
                    assert!(!generator.is_valid(v), "{} is valid", case.label);
                }
            }
        }
    }
}
