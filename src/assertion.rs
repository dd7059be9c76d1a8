//! `--assert 'QUERY PREDICATE [VALUE]'`: checks on what arrived, in hurl's vocabulary.
//!
//! Queries: `body /json/pointer` (or `jsonpath "$.a.b[0]"`), `header NAME`, `method`, `path`, `query NAME`,
//! `event`, `count`. Predicates: `==`, `!=`, `>`, `>=`, `<`, `<=`, `contains`, `startsWith`, `endsWith`,
//! `matches REGEX`, `exists`, `not exists`, `isString`, `isNumber`, `isBoolean`, `isDate`, `isUuid`. Values
//! are JSON (`"x"`, `2`, `true`, `null`).
use serde_json::{json, Value};

use crate::headers::Headers;
use crate::output::caret_snippet;

#[derive(Debug, Clone, PartialEq)]
pub enum Query {
    Body(String),
    Header(String),
    Method,
    Path,
    QueryParam(String),
    Event,
    Count,
}

#[derive(Debug, Clone)]
pub enum Predicate {
    Compare(&'static str, Value),
    Contains(Value),
    StartsWith(String),
    EndsWith(String),
    Matches(regex::Regex),
    Exists,
    NotExists,
    IsString,
    IsNumber,
    IsBoolean,
    IsDate,
    IsUuid,
}

#[derive(Debug, Clone)]
pub struct Assertion {
    /// As written, for messages and reports.
    pub text: String,
    pub query: Query,
    pub predicate: Predicate,
    /// `--assert-on EVENT`: only captures of this event (a glob) are checked.
    pub on: Option<String>,
}

/// What a request offers to queries.
pub struct Subject<'a> {
    pub body: Option<&'a Value>,
    pub headers: &'a Headers,
    pub method: &'a str,
    pub path: &'a str,
    pub query: Option<&'a str>,
    pub event: Option<&'a str>,
    pub count: u64,
}

/// The outcome of one assertion on one request.
#[derive(Debug, Clone)]
pub struct Checked {
    pub assertion: String,
    pub ok: bool,
    pub found: Value,
}

impl Checked {
    pub fn to_json(&self) -> Value {
        json!({"assertion": self.assertion, "ok": self.ok, "found": self.found})
    }
}

/// A parse error: the message, and the assertion with a caret under the bad token.
fn failure(text: &str, at: usize, message: &str) -> String {
    let column = text[..at.min(text.len())].chars().count() + 1;
    let [shown, caret] = caret_snippet(text, 1, column);
    format!("--assert: {message}\n  {shown}\n  {caret}")
}

/// Splits off the next whitespace-separated token (a JSON string or `"…"` stays whole); returns it and its
/// start.
fn token(text: &str, from: usize) -> Option<(&str, usize, usize)> {
    let start = from + text[from..].len() - text[from..].trim_start().len();
    if start >= text.len() {
        return None;
    }
    let rest = &text[start..];
    let end = if rest.starts_with('"') {
        let mut escaped = false;
        let mut end = rest.len();
        for (i, c) in rest.char_indices().skip(1) {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    end = i + 1;
                    break;
                }
                _ => escaped = false,
            }
        }
        end
    } else {
        rest.find(char::is_whitespace).unwrap_or(rest.len())
    };
    Some((&rest[..end], start, start + end))
}

/// `$.a.b[0]["c d"]` as a JSON pointer (`/a/b/0/c d`).
fn jsonpath_to_pointer(path: &str) -> Option<String> {
    let rest = path.strip_prefix('$')?;
    let mut pointer = String::new();
    let mut chars = rest.chars().peekable();
    while let Some(c) = chars.next() {
        match c {
            '.' => {
                let mut name = String::new();
                while let Some(&n) = chars.peek() {
                    if n == '.' || n == '[' {
                        break;
                    }
                    name.push(n);
                    chars.next();
                }
                if name.is_empty() {
                    return None;
                }
                pointer.push('/');
                pointer.push_str(&name.replace('~', "~0").replace('/', "~1"));
            }
            '[' => {
                let mut inside = String::new();
                for n in chars.by_ref() {
                    if n == ']' {
                        break;
                    }
                    inside.push(n);
                }
                let key = inside.trim_matches(|q| q == '"' || q == '\'');
                pointer.push('/');
                pointer.push_str(&key.replace('~', "~0").replace('/', "~1"));
            }
            _ => return None,
        }
    }
    Some(pointer)
}

/// The query an assertion starts with (`body /data/id`, `header X-Id`, `count`…), and where it ends.
fn parse_query(text: &str) -> Result<(Query, usize), String> {
    let (word, start, mut at) = token(text, 0).ok_or_else(|| failure(text, 0, "empty assertion"))?;
    let query = match word {
        "body" => {
            let (pointer, p_start, end) = token(text, at)
                .ok_or_else(|| failure(text, text.len(), "body needs a JSON pointer, like body /data/id"))?;
            if !pointer.is_empty() && !pointer.starts_with('/') {
                return Err(failure(text, p_start, "a JSON pointer starts with / (body /data/id)"));
            }
            at = end;
            Query::Body(pointer.to_string())
        }
        "jsonpath" => {
            let (path, p_start, end) = token(text, at)
                .ok_or_else(|| failure(text, text.len(), "jsonpath needs a path, like jsonpath \"$.data.id\""))?;
            let path: String = serde_json::from_str(path).unwrap_or_else(|_| path.to_string());
            let pointer = jsonpath_to_pointer(&path)
                .ok_or_else(|| failure(text, p_start, "not a path hookctl reads: use $.a.b[0]"))?;
            at = end;
            Query::Body(pointer)
        }
        "header" | "query" => {
            let (name, _, end) = token(text, at)
                .ok_or_else(|| failure(text, text.len(), &format!("{word} needs a name, like {word} X-Request-Id")))?;
            at = end;
            let name: String = serde_json::from_str(name).unwrap_or_else(|_| name.to_string());
            if word == "header" {
                Query::Header(name.to_ascii_lowercase())
            } else {
                Query::QueryParam(name)
            }
        }
        "method" => Query::Method,
        "path" => Query::Path,
        "event" => Query::Event,
        "count" => Query::Count,
        other => {
            return Err(failure(
                text,
                start,
                &format!("{other:?} is not a query: use body, jsonpath, header, method, path, query, event or count"),
            ))
        }
    };
    Ok((query, at))
}

/// The JSON value a predicate (`word`) compares with, from `at` to the end of `text`.
fn json_value(text: &str, at: usize, word: &str) -> Result<(Value, usize), String> {
    let rest = text[at..].trim();
    if rest.is_empty() {
        return Err(failure(text, text.len(), &format!("{word} needs a value (JSON: \"text\", 2, true, null)")));
    }
    let start = at + text[at..].len() - text[at..].trim_start().len();
    serde_json::from_str(rest).map(|v| (v, text.len())).map_err(|_| {
        failure(
            text,
            start,
            "not a JSON value: write strings in double quotes (\"text\"), numbers and true/false/null bare",
        )
    })
}

/// The predicate after the query (`== 3`, `exists`, `matches "^a"`…), from `at`, and where it ends.
fn parse_predicate(text: &str, at: usize) -> Result<(Predicate, usize), String> {
    let (word, p_start, mut at) = token(text, at)
        .ok_or_else(|| failure(text, text.len(), "a predicate is missing: ==, !=, contains, exists, isUuid, …"))?;
    let value = |at: usize| json_value(text, at, word);
    let predicate = match word {
        "==" | "!=" | ">" | ">=" | "<" | "<=" => {
            let op = ["==", "!=", ">", ">=", "<", "<="].into_iter().find(|op| *op == word).unwrap_or("<=");
            let (v, end) = value(at)?;
            at = end;
            Predicate::Compare(op, v)
        }
        "contains" => {
            let (v, end) = value(at)?;
            at = end;
            Predicate::Contains(v)
        }
        "startsWith" | "endsWith" => {
            let (v, end) = value(at)?;
            let Value::String(s) = v else {
                return Err(failure(text, at + 1, &format!("{word} takes a string (\"…\")")));
            };
            at = end;
            if word == "startsWith" {
                Predicate::StartsWith(s)
            } else {
                Predicate::EndsWith(s)
            }
        }
        "matches" => {
            let (v, end) = value(at)?;
            let Value::String(pattern) = v else {
                return Err(failure(text, at + 1, "matches takes a regular expression as a string (\"^a.*\")"));
            };
            let regex = regex::Regex::new(&pattern)
                .map_err(|e| failure(text, at + 1, &format!("not a regular expression: {}", e.to_string().lines().last().unwrap_or(""))))?;
            at = end;
            Predicate::Matches(regex)
        }
        "exists" => Predicate::Exists,
        "not" => {
            let (next, n_start, end) = token(text, at).ok_or_else(|| failure(text, text.len(), "not what? (not exists)"))?;
            if next != "exists" {
                return Err(failure(text, n_start, "only `not exists` is known"));
            }
            at = end;
            Predicate::NotExists
        }
        "isString" => Predicate::IsString,
        "isNumber" => Predicate::IsNumber,
        "isBoolean" => Predicate::IsBoolean,
        "isDate" => Predicate::IsDate,
        "isUuid" => Predicate::IsUuid,
        other => {
            return Err(failure(
                text,
                p_start,
                &format!("{other:?} is not a predicate: use ==, !=, >, >=, <, <=, contains, startsWith, endsWith, matches, exists, not exists, isString, isNumber, isBoolean, isDate, isUuid"),
            ))
        }
    };
    Ok((predicate, at))
}

impl Assertion {
    pub fn parse(text: &str, on: Option<String>) -> Result<Assertion, String> {
        let (query, at) = parse_query(text)?;
        let (predicate, at) = parse_predicate(text, at)?;
        if let Some((extra, e_start, _)) = token(text, at) {
            return Err(failure(text, e_start, &format!("unexpected {extra:?} after the predicate")));
        }
        Ok(Assertion { text: text.to_string(), query, predicate, on })
    }

    /// Whether this assertion looks at this event (`--assert-on`).
    pub fn applies_to(&self, event: Option<&str>) -> bool {
        match &self.on {
            None => true,
            Some(glob) => event.is_some_and(|e| crate::glob::glob_matches(glob, e)),
        }
    }

    fn value_of(&self, subject: &Subject) -> Option<Value> {
        match &self.query {
            Query::Body(pointer) => subject.body.and_then(|b| b.pointer(pointer)).cloned(),
            Query::Header(name) => {
                let values: Vec<&str> = subject
                    .headers
                    .iter()
                    .filter(|(n, _)| n.eq_ignore_ascii_case(name))
                    .map(|(_, v)| v.as_str())
                    .collect();
                (!values.is_empty()).then(|| Value::String(values.join(", ")))
            }
            Query::Method => Some(Value::String(subject.method.to_string())),
            Query::Path => Some(Value::String(subject.path.to_string())),
            Query::QueryParam(name) => subject.query.and_then(|q| {
                q.split('&').find_map(|pair| {
                    let (k, v) = pair.split_once('=').unwrap_or((pair, ""));
                    (k == name).then(|| Value::String(v.to_string()))
                })
            }),
            Query::Event => subject.event.map(|e| Value::String(e.to_string())),
            Query::Count => Some(Value::from(subject.count)),
        }
    }

    pub fn check(&self, subject: &Subject) -> Checked {
        let found = self.value_of(subject);
        let ok = match (&self.predicate, &found) {
            (Predicate::Exists, found) => found.is_some(),
            (Predicate::NotExists, found) => found.is_none(),
            (_, None) => false,
            (Predicate::Compare(op, want), Some(have)) => compare(op, have, want),
            (Predicate::Contains(want), Some(have)) => match (have, want) {
                (Value::String(h), Value::String(w)) => h.contains(w.as_str()),
                (Value::Array(items), w) => items.contains(w),
                (Value::Object(map), Value::String(key)) => map.contains_key(key),
                _ => false,
            },
            (Predicate::StartsWith(w), Some(Value::String(h))) => h.starts_with(w.as_str()),
            (Predicate::EndsWith(w), Some(Value::String(h))) => h.ends_with(w.as_str()),
            (Predicate::Matches(re), Some(Value::String(h))) => re.is_match(h),
            (Predicate::IsString, Some(v)) => v.is_string(),
            (Predicate::IsNumber, Some(v)) => v.is_number(),
            (Predicate::IsBoolean, Some(v)) => v.is_boolean(),
            (Predicate::IsDate, Some(Value::String(h))) => chrono::DateTime::parse_from_rfc3339(h).is_ok(),
            (Predicate::IsUuid, Some(Value::String(h))) => h.len() == 36 && uuid::Uuid::parse_str(h).is_ok(),
            _ => false,
        };
        Checked { assertion: self.text.clone(), ok, found: found.unwrap_or(Value::Null) }
    }
}

fn compare(op: &str, have: &Value, want: &Value) -> bool {
    let ordering = match (have, want) {
        (Value::Number(a), Value::Number(b)) => a.as_f64().zip(b.as_f64()).and_then(|(a, b)| a.partial_cmp(&b)),
        (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
        _ => None,
    };
    match op {
        "==" => have == want || ordering == Some(std::cmp::Ordering::Equal),
        "!=" => !(have == want || ordering == Some(std::cmp::Ordering::Equal)),
        ">" => ordering == Some(std::cmp::Ordering::Greater),
        ">=" => matches!(ordering, Some(std::cmp::Ordering::Greater | std::cmp::Ordering::Equal)),
        "<" => ordering == Some(std::cmp::Ordering::Less),
        _ => matches!(ordering, Some(std::cmp::Ordering::Less | std::cmp::Ordering::Equal)),
    }
}

/// `--assert` texts with the `--assert-on` scope each falls under (by their places on the command line).
pub fn parse_all(asserts: &[(usize, String)], scopes: &[(usize, String)]) -> Result<Vec<Assertion>, String> {
    asserts
        .iter()
        .map(|(at, text)| {
            let on = scopes.iter().filter(|(s, _)| s < at).max_by_key(|(s, _)| *s).map(|(_, e)| e.clone());
            Assertion::parse(text, on)
        })
        .collect()
}

/// Each value of a repeatable flag with where it stood on the command line (`--assert-on` scopes the
/// `--assert` flags after it): worked out once, where the command line is parsed.
#[derive(Debug, Clone, Default)]
pub struct Placed {
    pub assert: Vec<(usize, String)>,
    pub assert_on: Vec<(usize, String)>,
}

/// `--assert` flags with their `--assert-on` scopes; a parse error is a usage error with a caret.
pub fn from_flags(asserts: &[(usize, String)], scopes: &[(usize, String)]) -> anyhow::Result<Vec<Assertion>> {
    parse_all(asserts, scopes).map_err(|message| {
        let (first, rest) = message.split_once('\n').unwrap_or((&message, ""));
        crate::error::UserError::with_hint(first.to_string(), format!("the bad token is marked:\n{rest}")).into()
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn subject<'a>(body: &'a Value, headers: &'a Headers) -> Subject<'a> {
        Subject {
            body: Some(body),
            headers,
            method: "POST",
            path: "/hooks/obniz",
            query: Some("a=1&b=two"),
            event: Some("obniz.install.create"),
            count: 3,
        }
    }

    #[test]
    fn every_predicate_holds_and_fails() {
        let body = json!({"data": {"id": "7f1c2b1e-0c59-4a7e-8b7a-0f6f1e2d3c4b", "n": 5, "ok": true, "at": "2026-01-01T00:00:00Z",
            "tags": ["a", "b"], "name": "Taro Yamada", "none": null}});
        let headers = Headers::from(vec![("X-Request-Id".to_string(), "req-42".to_string())]);
        let s = subject(&body, &headers);
        let cases: &[(&str, bool)] = &[
            ("body /data/n == 5", true),
            ("body /data/n == 6", false),
            ("body /data/n != 6", true),
            ("body /data/n != 5", false),
            ("body /data/n > 4", true),
            ("body /data/n > 5", false),
            ("body /data/n >= 5", true),
            ("body /data/n >= 6", false),
            ("body /data/n < 6", true),
            ("body /data/n < 5", false),
            ("body /data/n <= 5", true),
            ("body /data/n <= 4", false),
            ("body /data/name contains \"Yama\"", true),
            ("body /data/name contains \"Suzuki\"", false),
            ("body /data/tags contains \"b\"", true),
            ("body /data/tags contains \"c\"", false),
            ("body /data/name startsWith \"Taro\"", true),
            ("body /data/name startsWith \"Yamada\"", false),
            ("body /data/name endsWith \"Yamada\"", true),
            ("body /data/name endsWith \"Taro\"", false),
            ("body /data/name matches \"^T.*a$\"", true),
            ("body /data/name matches \"^Y\"", false),
            ("body /data/none exists", true),
            ("body /data/missing exists", false),
            ("body /data/missing not exists", true),
            ("body /data/n not exists", false),
            ("body /data/name isString", true),
            ("body /data/n isString", false),
            ("body /data/n isNumber", true),
            ("body /data/name isNumber", false),
            ("body /data/ok isBoolean", true),
            ("body /data/n isBoolean", false),
            ("body /data/at isDate", true),
            ("body /data/name isDate", false),
            ("body /data/id isUuid", true),
            ("body /data/name isUuid", false),
            ("jsonpath \"$.data.tags[1]\" == \"b\"", true),
            ("jsonpath \"$.data.tags[0]\" == \"b\"", false),
            ("header x-request-id == \"req-42\"", true),
            ("header X-Missing exists", false),
            ("method == \"POST\"", true),
            ("path startsWith \"/hooks\"", true),
            ("query b == \"two\"", true),
            ("query c exists", false),
            ("event == \"obniz.install.create\"", true),
            ("event startsWith \"pgyer\"", false),
            ("count == 3", true),
            ("count > 3", false),
        ];
        for (text, expected) in cases {
            let assertion = Assertion::parse(text, None).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(assertion.check(&s).ok, *expected, "{text}");
        }
    }

    #[test]
    fn parse_errors_put_a_caret_under_the_bad_token() {
        let err = Assertion::parse("body /data/id equals 5", None).unwrap_err();
        assert!(err.contains("\"equals\" is not a predicate"), "{err}");
        let caret_line = err.lines().last().unwrap();
        assert_eq!(caret_line.find('^'), Some(2 + "body /data/id ".len()), "{err}");
        let err = Assertion::parse("body /data/id == Taro", None).unwrap_err();
        assert!(err.contains("not a JSON value"), "{err}");
        assert!(Assertion::parse("bodyx /a exists", None).unwrap_err().contains("not a query"));
        assert!(Assertion::parse("body data exists", None).unwrap_err().contains("starts with /"));
        assert!(Assertion::parse("body /a matches \"(\"", None).unwrap_err().contains("not a regular expression"));
        assert!(Assertion::parse("body /a exists extra", None).unwrap_err().contains("unexpected"));
    }

    #[test]
    fn scopes_follow_their_place_on_the_command_line() {
        let asserts = vec![(1, "method == \"POST\"".to_string()), (5, "count == 1".to_string())];
        let scopes = vec![(3, "pgyer.*".to_string())];
        let parsed = parse_all(&asserts, &scopes).unwrap();
        assert_eq!((parsed[0].on.as_deref(), parsed[1].on.as_deref()), (None, Some("pgyer.*")));
        assert!(parsed[1].applies_to(Some("pgyer.crashlog")) && !parsed[1].applies_to(Some("obniz.oauth.create")));
    }
}
