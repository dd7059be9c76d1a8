//! The capture record: one JSON line per request that `listen --save` writes and `diff`, `send --capture`
//! and `verify` read back. Its fields are documented in docs/listen.md.
pub mod collect;
pub mod select;

use std::fs;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use anyhow::Result;
use base64::Engine as _;
use serde::ser::{SerializeMap, SerializeSeq};
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use serde_json::Value;

use crate::error::UserError;
use crate::headers::Headers;
use crate::problem::Violation;

/// A request as it arrived, before it becomes a record.
#[derive(Debug, Clone)]
pub struct Arrived {
    pub id: u64,
    pub received_at: String,
    pub remote_addr: String,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Headers,
    /// Header values that are not UTF-8, as their exact bytes (`headers` holds them with U+FFFD); the
    /// record keeps them as `header_bytes` (base64) so that exports send the bytes that came.
    pub header_bytes: Vec<(String, Vec<u8>)>,
    /// The body as received (shared, never copied: forwarding hands the same buffer on).
    pub body: bytes::Bytes,
}

/// How the body was understood.
#[derive(Debug, Clone)]
pub enum BodyKind {
    Empty,
    Json(Value),
    /// UTF-8 but not JSON; where parsing broke, when it looked like JSON.
    Text {
        text: String,
        json_error: Option<JsonProblem>,
    },
    Binary,
}

pub use crate::problem::JsonProblem;

pub fn classify(body: &[u8]) -> BodyKind {
    classify_checked(body).0
}

/// What the body is, and (for JSON) the pointers of keys it holds more than once in one object.
pub fn classify_checked(body: &[u8]) -> (BodyKind, Vec<String>) {
    if body.is_empty() {
        return (BodyKind::Empty, Vec::new());
    }
    match crate::json_checked::parse(body) {
        Ok((value, duplicates)) => (BodyKind::Json(value), duplicates),
        Err(err) => (classify_failed(body, &err), Vec::new()),
    }
}

/// A body that did not parse as JSON: text (with where it broke, when it looked like JSON) or binary.
fn classify_failed(body: &[u8], err: &serde_json::Error) -> BodyKind {
    match std::str::from_utf8(body) {
        Ok(text) => {
            let looks_json = text.trim_start().starts_with(['{', '[']);
            let json_error = looks_json.then(|| JsonProblem::new(err, text));
            BodyKind::Text { text: text.to_string(), json_error }
        }
        Err(_) => BodyKind::Binary,
    }
}

/// The checks done on a request, stored in its record.
#[derive(Debug, Clone, Default)]
pub struct Findings {
    pub event: Option<String>,
    pub shape: Option<String>,
    pub valid: Option<bool>,
    /// Where the schema's expectations were not met.
    pub violations: Vec<Violation>,
    /// A body that looks like JSON and is not: where it breaks (a property of the body, not of a schema).
    pub json_problem: Option<JsonProblem>,
    pub signature: Option<Value>,
    /// The status `listen` answered with; `None` when relayed to `--forward-to` (the app answered).
    pub answered: Option<u16>,
    /// `--assert` results: `{assertion, ok, found}`.
    pub assertions: Vec<Value>,
    /// `--forward-to`: where it went and what the app answered, `{url, status, ms}` or `{url, status: 502,
    /// error}` when it could not be reached.
    pub forward: Option<Value>,
}

impl Findings {
    /// Whether the body was not valid JSON.
    pub fn broken_json(&self) -> bool {
        self.json_problem.is_some()
    }
}

/// The record's `errors` field: the schema violations, then (for a body that is not JSON) its parse
/// problem as an entry with keyword `json`, the one list readers of the NDJSON format know.
struct Errors<'a>(&'a Findings);

impl Serialize for Errors<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let parse = self.0.json_problem.as_ref().map(JsonProblem::record_entry);
        let mut list = serializer.serialize_seq(Some(self.0.violations.len() + usize::from(parse.is_some())))?;
        for violation in self.0.violations.iter().chain(parse.as_ref()) {
            list.serialize_element(violation)?;
        }
        list.end()
    }
}

/// The record's fields before its body, borrowed from the request.
#[derive(Serialize)]
struct RecordFront<'a> {
    id: u64,
    received_at: &'a str,
    remote_addr: &'a str,
    method: &'a str,
    path: &'a str,
    query: Option<&'a str>,
    headers: RecordHeaders<'a>,
}

/// The record's fields after its body, borrowed from the request and its findings.
#[derive(Serialize)]
struct RecordBack<'a> {
    body_text: Option<&'a str>,
    body_base64: Option<String>,
    body_bytes: usize,
    #[serde(skip_serializing_if = "Option::is_none")]
    body_raw: Option<&'a str>,
    event: Option<&'a str>,
    shape: Option<&'a str>,
    valid: Option<bool>,
    errors: Errors<'a>,
    #[serde(skip_serializing_if = "Option::is_none")]
    signature: Option<&'a Value>,
    answered: Option<u16>,
    #[serde(skip_serializing_if = "<[Value]>::is_empty")]
    assertions: &'a [Value],
    #[serde(skip_serializing_if = "Option::is_none")]
    header_bytes: Option<serde_json::Map<String, Value>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    forward: Option<&'a Value>,
}

/// Header names lower-cased, repeated headers joined with ", " (as HTTP allows).
struct RecordHeaders<'a>(&'a Headers);

impl Serialize for RecordHeaders<'_> {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let headers: &[(String, String)] = self.0;
        // The usual case (names already lower-case, as HTTP/1 servers give them, none repeated) is written
        // straight from the list; otherwise the merged copy.
        let plain = headers.iter().enumerate().all(|(i, (name, _))| {
            !name.bytes().any(|b| b.is_ascii_uppercase()) && !headers[..i].iter().any(|(seen, _)| seen == name)
        });
        let merged;
        let entries = if plain {
            headers
        } else {
            merged = self.0.merged();
            &merged[..]
        };
        let mut map = serializer.serialize_map(Some(entries.len()))?;
        for (k, v) in entries {
            map.serialize_entry(k, v)?;
        }
        map.end()
    }
}

/// The `body` field: the exact JSON text when it can stand in one NDJSON line as is, else the value.
enum Body<'a> {
    Exact(&'a str),
    Value(&'a Value),
    Null,
}

/// The text of a body that parsed as JSON, when writing it verbatim keeps the record one line and
/// byte-exact: no newline, no surrounding whitespace, nothing `json_safe` would escape, and not a bare
/// `null`. (It parsed already: it is not parsed again.)
fn verbatim(body: &[u8]) -> Option<&str> {
    let (first, last) = (body.first()?, body.last()?);
    if crate::output::printable_ascii(body) && *first != b' ' && *last != b' ' {
        // One pass decides the usual compact body: no control character, nothing to escape, plain UTF-8.
        return std::str::from_utf8(body).ok().filter(|text| *text != "null");
    }
    if matches!(first, b' ' | b'\t') || matches!(last, b' ' | b'\t') || body.contains(&b'\n') || body.contains(&b'\r') {
        return None;
    }
    let text = std::str::from_utf8(body).ok()?;
    (text != "null" && !crate::output::has_unsafe_chars(text)).then_some(text)
}

/// The record as one NDJSON line (without the newline), safe for a terminal. Written in three pieces so
/// that a body kept verbatim is copied in as it is, never parsed or re-serialised: the fields before the
/// body, the body, the fields after it.
pub fn record_line(arrived: &Arrived, kind: &BodyKind, findings: &Findings) -> String {
    let (body, body_text, body_base64, body_raw) = match kind {
        BodyKind::Empty => (Body::Null, None, None, None),
        BodyKind::Json(value) => match verbatim(&arrived.body) {
            Some(text) => (Body::Exact(text), None, None, None),
            // Signatures cover exact bytes: keep them beside the value.
            None => (Body::Value(value), None, None, std::str::from_utf8(&arrived.body).ok()),
        },
        BodyKind::Text { text, .. } => (Body::Null, Some(text.as_str()), None, None),
        BodyKind::Binary => {
            (Body::Null, None, Some(base64::engine::general_purpose::STANDARD.encode(&arrived.body)), None)
        }
    };
    let head = RecordFront {
        id: arrived.id,
        received_at: &arrived.received_at,
        remote_addr: &arrived.remote_addr,
        method: &arrived.method,
        path: &arrived.path,
        query: arrived.query.as_deref(),
        headers: RecordHeaders(&arrived.headers),
    };
    let tail = RecordBack {
        body_text,
        body_base64,
        body_bytes: arrived.body.len(),
        body_raw,
        event: findings.event.as_deref(),
        shape: findings.shape.as_deref(),
        valid: findings.valid,
        errors: Errors(findings),
        signature: findings.signature.as_ref(),
        answered: findings.answered,
        assertions: &findings.assertions,
        forward: findings.forward.as_ref(),
        header_bytes: (!arrived.header_bytes.is_empty()).then(|| {
            let encode = |bytes: &[u8]| Value::String(base64::engine::general_purpose::STANDARD.encode(bytes));
            arrived.header_bytes.iter().map(|(name, bytes)| (name.to_ascii_lowercase(), encode(bytes))).collect()
        }),
    };
    let mut line = Vec::with_capacity(arrived.body.len() + 512);
    // Serialising these borrowed fields into memory cannot fail: every map key is a string.
    let _ = serde_json::to_writer(&mut line, &head);
    line.pop(); // the head's closing brace
    line.extend_from_slice(b",\"body\":");
    match body {
        Body::Exact(text) => line.extend_from_slice(text.as_bytes()),
        Body::Value(value) => {
            let _ = serde_json::to_writer(&mut line, value);
        }
        Body::Null => line.extend_from_slice(b"null"),
    }
    let tail_at = line.len();
    let _ = serde_json::to_writer(&mut line, &tail);
    line[tail_at] = b','; // the tail's opening brace
    let text = String::from_utf8(line).unwrap_or_default();
    crate::output::json_safe(text)
}

/// A capture record read back: every field but the body (whose exact bytes are [`Captured::body`]).
/// Fields a record lacks (an older or hand-written one) read as empty.
#[derive(Debug, Clone, Default, PartialEq, Deserialize)]
#[serde(default, from = "WireRecord")]
pub struct Record {
    pub id: u64,
    pub received_at: String,
    pub remote_addr: String,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Headers,
    pub body_bytes: usize,
    pub event: Option<String>,
    pub shape: Option<String>,
    pub valid: Option<bool>,
    /// Where the schema's expectations were not met.
    pub violations: Vec<Violation>,
    /// For a body that looked like JSON and was not: where it broke (`invalid JSON at line 2 column 18: …`).
    pub broken_json: Option<String>,
    /// `{status, reason, scheme}` when `listen` checked a signature.
    pub signature: Option<Value>,
    pub answered: Option<u16>,
    /// `--assert` results: `{assertion, ok, found}`.
    pub assertions: Vec<Value>,
    /// Header values that were not UTF-8: their exact bytes.
    pub header_bytes: Vec<(String, Vec<u8>)>,
    /// `--forward-to`: `{url, status, ms}` (or `error`), what the app answered.
    pub forward: Option<Value>,
}

impl Record {
    /// A header's exact bytes: as captured when they were not UTF-8, else its text.
    pub fn header_value_bytes(&self, name: &str, text: &str) -> Vec<u8> {
        match self.header_bytes.iter().find(|(n, _)| n.eq_ignore_ascii_case(name)) {
            Some((_, bytes)) => bytes.clone(),
            None => text.as_bytes().to_vec(),
        }
    }

    /// The signature check's status (`valid`, `invalid`, `missing`, …), when there was one.
    pub fn signature_status(&self) -> Option<&str> {
        self.signature.as_ref()?.get("status")?.as_str()
    }
}

/// The record as the NDJSON line spells it: one `errors` list holding both kinds of finding, headers as
/// an object. Body fields are skipped (their bytes are read exactly by [`exact_body`]).
#[derive(Deserialize, Default)]
#[serde(default)]
struct WireRecord {
    id: Option<u64>,
    received_at: Option<String>,
    remote_addr: Option<String>,
    method: Option<String>,
    path: Option<String>,
    query: Option<String>,
    headers: Option<serde_json::Map<String, Value>>,
    body_bytes: Option<usize>,
    event: Option<String>,
    shape: Option<String>,
    valid: Option<bool>,
    errors: Option<Vec<Violation>>,
    signature: Option<Value>,
    answered: Option<u16>,
    assertions: Option<Vec<Value>>,
    header_bytes: Option<serde_json::Map<String, Value>>,
    forward: Option<Value>,
    #[serde(rename = "body")]
    _body: Present,
    #[serde(rename = "body_raw")]
    _body_raw: Present,
    #[serde(rename = "body_text")]
    _body_text: Present,
    #[serde(rename = "body_base64")]
    _body_base64: Present,
}

impl From<WireRecord> for Record {
    fn from(wire: WireRecord) -> Record {
        let (broken, violations): (Vec<Violation>, Vec<Violation>) =
            wire.errors.unwrap_or_default().into_iter().partition(|v| v.keyword == JsonProblem::KEYWORD);
        let headers = wire.headers.unwrap_or_default();
        let mut headers: Headers =
            headers.into_iter().map(|(k, v)| (k, v.as_str().unwrap_or_default().to_string())).collect();
        headers.scrub_own_cookie();
        Record {
            id: wire.id.unwrap_or_default(),
            received_at: wire.received_at.unwrap_or_default(),
            remote_addr: wire.remote_addr.unwrap_or_default(),
            method: wire.method.unwrap_or_default(),
            path: wire.path.unwrap_or_default(),
            query: wire.query,
            headers,
            body_bytes: wire.body_bytes.unwrap_or_default(),
            event: wire.event,
            shape: wire.shape,
            valid: wire.valid,
            violations,
            broken_json: broken.into_iter().next().map(|v| v.found),
            signature: wire.signature,
            answered: wire.answered,
            assertions: wire.assertions.unwrap_or_default(),
            forward: wire.forward,
            header_bytes: wire
                .header_bytes
                .unwrap_or_default()
                .into_iter()
                .filter_map(|(name, v)| {
                    let bytes = base64::engine::general_purpose::STANDARD.decode(v.as_str()?).ok()?;
                    Some((name, bytes))
                })
                .collect(),
        }
    }
}

/// A record line without the inspector's own token cookie in its `Cookie` header (records written before
/// `listen` dropped it at capture time may hold one); borrowed as it is when there is none.
pub fn scrub_line(line: &str) -> std::borrow::Cow<'_, str> {
    if !line.contains(crate::headers::OWN_COOKIE) {
        return std::borrow::Cow::Borrowed(line);
    }
    let Ok(mut value) = serde_json::from_str::<Value>(line) else { return std::borrow::Cow::Borrowed(line) };
    if let Some(cookie) = value.pointer_mut("/headers/cookie") {
        let kept = crate::headers::without_own_cookie(cookie.as_str().unwrap_or_default());
        if kept.is_empty() {
            if let Some(headers) = value["headers"].as_object_mut() {
                headers.remove("cookie");
            }
        } else {
            *cookie = Value::String(kept);
        }
    }
    std::borrow::Cow::Owned(crate::output::json_safe(value.to_string()))
}

/// A record read back: its fields, and the exact body bytes it describes.
#[derive(Debug, Clone)]
pub struct Captured {
    pub record: Record,
    pub body: Vec<u8>,
    /// Lines of the file that were skipped, and why (say them on stderr).
    pub warnings: Vec<String>,
}

#[derive(Deserialize)]
struct BodyFields<'a> {
    #[serde(borrow, default)]
    body: Option<&'a RawValue>,
    #[serde(default)]
    body_raw: Option<String>,
    #[serde(default)]
    body_text: Option<String>,
    #[serde(default)]
    body_base64: Option<String>,
}

/// The exact body bytes of one record line.
fn exact_body(line: &str) -> Result<Vec<u8>, String> {
    let fields: BodyFields<'_> = serde_json::from_str(line).map_err(|e| format!("not a capture record: {e}"))?;
    if let Some(raw) = fields.body_raw.or(fields.body_text) {
        return Ok(raw.into_bytes());
    }
    if let Some(encoded) = fields.body_base64 {
        return base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|e| format!("body_base64 is not base64: {e}"));
    }
    match fields.body.map(RawValue::get) {
        None | Some("null") => Ok(Vec::new()),
        Some(text) => Ok(text.as_bytes().to_vec()),
    }
}

/// `FILE` or `FILE:ID`, where FILE exists. `None` when the text names no existing file.
pub fn parse_spec(spec: &str) -> Option<(PathBuf, Option<u64>)> {
    if Path::new(spec).is_file() {
        return Some((PathBuf::from(spec), None));
    }
    let (file, id) = spec.rsplit_once(':')?;
    let id = id.parse().ok()?;
    Path::new(file).is_file().then(|| (PathBuf::from(file), Some(id)))
}

/// Whether a field is there at all (`null` included), read without keeping its value.
#[derive(Default)]
struct Present(bool);

impl<'de> Deserialize<'de> for Present {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Present, D::Error> {
        serde::de::IgnoredAny::deserialize(deserializer).map(|_| Present(true))
    }
}

/// What telling a capture record from a webhook body that happens to be an object takes; nothing is kept.
#[derive(Deserialize)]
struct RecordHead {
    #[serde(default)]
    id: Option<u64>,
    #[serde(default)]
    received_at: Present,
    #[serde(default)]
    method: Present,
    #[serde(default)]
    headers: Present,
    #[serde(default)]
    body: Present,
}

impl RecordHead {
    fn of(line: &str) -> Option<RecordHead> {
        let head: RecordHead = serde_json::from_str(line).ok()?;
        let complete = head.received_at.0 && head.method.0 && head.headers.0 && head.body.0;
        (head.id.is_some() && complete).then_some(head)
    }
}

/// The record with that id, or the last one, from an NDJSON capture file, read a line at a time.
pub fn read(path: &Path, id: Option<u64>) -> Result<Captured> {
    let cannot = |e: std::io::Error| UserError::new(format!("cannot read capture file {}: {e}", path.display()));
    let file = fs::File::open(path).map_err(cannot)?;
    let mut captured =
        find_in(BufReader::new(file), id).map_err(|e| UserError::new(format!("{}: {e}", path.display())))?;
    for warning in &mut captured.warnings {
        *warning = format!("{}: {warning}", path.display());
    }
    Ok(captured)
}

/// What appending to an existing capture file needs: the id after the last complete record, and whether the
/// file ends inside a line (a record torn by a crash or a full disk) that must be fenced off with a newline
/// before anything is appended, so a new record is never glued onto half an old one.
pub struct SaveFileState {
    pub next_id: u64,
    pub torn_tail: bool,
}

/// Reads the end of a capture file (the last 1 MiB; ids only grow, so the last complete record has the
/// largest) to find where numbering goes on and whether its last line is torn.
pub fn save_file_state(file: &mut fs::File) -> std::io::Result<SaveFileState> {
    use std::io::{Read, Seek, SeekFrom};
    let length = file.seek(SeekFrom::End(0))?;
    let start = length.saturating_sub(1 << 20);
    file.seek(SeekFrom::Start(start))?;
    let mut tail = Vec::new();
    file.read_to_end(&mut tail)?;
    let torn_tail = tail.last().is_some_and(|b| *b != b'\n');
    let complete = match tail.iter().rposition(|b| *b == b'\n') {
        Some(end) => &tail[..end],
        None => &[][..],
    };
    let last_id = complete
        .split(|b| *b == b'\n')
        .rev()
        .filter_map(|line| std::str::from_utf8(line).ok().and_then(RecordHead::of))
        .find_map(|head| head.id);
    Ok(SaveFileState { next_id: last_id.map_or(1, |id| id + 1), torn_tail })
}

/// Picks a record out of NDJSON text (skipping a torn last line).
#[cfg(test)]
fn find(text: &str, id: Option<u64>) -> Result<Captured, String> {
    find_in(text.as_bytes(), id)
}

/// Why a line of a capture file is not a record (`None` for a blank line, which is no record either).
pub fn unreadable(line: &[u8]) -> Option<&'static str> {
    if line.iter().all(u8::is_ascii_whitespace) {
        return None;
    }
    let Ok(text) = std::str::from_utf8(line) else {
        return Some("not UTF-8 text (corrupt)");
    };
    Some(match serde_json::from_str::<serde::de::IgnoredAny>(text) {
        Err(err) if err.is_eof() => "a torn record (cut short by a crash or a full disk)",
        Err(_) => "not JSON (corrupt)",
        Ok(_) => "not a capture record",
    })
}

/// Skipped lines of a capture file: the first few named by line number, the rest counted.
#[derive(Default)]
struct Skipped {
    shown: Vec<String>,
    more: u64,
}

impl Skipped {
    const SHOWN: usize = 5;

    fn add(&mut self, number: u64, why: &str) {
        if self.shown.len() < Self::SHOWN {
            self.shown.push(format!("line {number}: {why}, skipped"));
        } else {
            self.more += 1;
        }
    }

    fn warnings(self) -> Vec<String> {
        let mut lines = self.shown;
        if self.more > 0 {
            lines.push(format!("{} more lines skipped", self.more));
        }
        lines
    }
}

/// One record line read back: its fields (the body's aside) and its exact body bytes.
pub fn from_line(line: &str) -> Result<Captured, String> {
    let record: Record = serde_json::from_str(line).map_err(|e| format!("not a capture record: {e}"))?;
    Ok(Captured { body: exact_body(line)?, record, warnings: Vec::new() })
}

/// The request a record describes, as `listen` received it (to examine and show it again).
pub fn arrived(captured: &Captured) -> Arrived {
    let record = &captured.record;
    Arrived {
        id: record.id,
        received_at: record.received_at.clone(),
        remote_addr: record.remote_addr.clone(),
        method: record.method.clone(),
        path: record.path.clone(),
        query: record.query.clone(),
        headers: record.headers.clone(),
        header_bytes: captured.record.header_bytes.clone(),
        body: bytes::Bytes::from(captured.body.clone()),
    }
}

/// Picks a record out of a capture file's text, as [`read`] does (the fuzz target's entry point).
pub fn read_from(reader: impl BufRead, id: Option<u64>) -> Result<Captured, String> {
    find_in(reader, id)
}

/// Lines are only scanned, one at a time; the chosen one is the only one parsed, and its body is kept as
/// exact bytes: a capture file of any length costs about one record. Lines that are not records (a torn
/// last line, a corrupt one) are skipped, each said with its line number in `warnings`.
fn find_in(mut reader: impl BufRead, id: Option<u64>) -> Result<Captured, String> {
    let mut chosen: Option<String> = None;
    let mut any = false;
    let mut skipped = Skipped::default();
    let mut line = Vec::new();
    let mut number = 0u64;
    loop {
        line.clear();
        if reader.read_until(b'\n', &mut line).map_err(|e| format!("cannot read: {e}"))? == 0 {
            break;
        }
        number += 1;
        while line.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            line.pop();
        }
        let text = std::str::from_utf8(&line).ok();
        let Some(head) = text.and_then(RecordHead::of) else {
            if let Some(why) = unreadable(&line) {
                skipped.add(number, why);
            }
            continue;
        };
        any = true;
        if id.is_none() || head.id == id {
            chosen = text.map(str::to_string);
            if id.is_some() {
                break;
            }
        }
    }
    if !any {
        return Err("no capture records in it (expected the NDJSON that `hookctl listen --save` writes)".into());
    }
    let Some(line) = chosen else {
        return Err(format!("no record with id {} (ids start at 1; `jq .id` on the file lists them)", id.unwrap_or(0)));
    };
    let record: Record = serde_json::from_str(&line).map_err(|e| format!("not a capture record: {e}"))?;
    Ok(Captured { body: exact_body(&line)?, record, warnings: skipped.warnings() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn arrived(body: &[u8]) -> Arrived {
        Arrived {
            id: 7,
            received_at: "2026-01-01T00:00:00Z".into(),
            remote_addr: "127.0.0.1:5000".into(),
            method: "POST".into(),
            path: "/hook".into(),
            query: Some("a=1".into()),
            headers: vec![
                ("Content-Type".into(), "application/json".into()),
                ("X-A".into(), "1".into()),
                ("x-a".into(), "2".into()),
            ]
            .into(),
            header_bytes: Vec::new(),
            body: bytes::Bytes::copy_from_slice(body),
        }
    }

    /// The record as written, and the body as read back.
    fn round_trip(body: &[u8]) -> (Value, Vec<u8>) {
        let line = record_line(&arrived(body), &classify(body), &Findings::default());
        assert!(!line.contains('\n'));
        let written: Value = serde_json::from_str(&line).unwrap();
        let captured = find(&line, None).unwrap();
        let headers: Headers = arrived(body).headers.merged().into();
        assert_eq!(captured.record.headers, headers);
        assert_eq!(Some(captured.record.id), written["id"].as_u64());
        assert_eq!(captured.record.body_bytes, body.len());
        (written, captured.body)
    }

    #[test]
    fn the_typed_record_reads_back_every_finding_written() {
        let body = b"{\n  \"device_type\": 'iOS'\n}";
        let kind = classify(body);
        let BodyKind::Text { json_error: Some(problem), .. } = &kind else { panic!("not broken JSON") };
        let violation = Violation {
            pointer: "/a".into(),
            expected: "type integer".into(),
            found: "string \"1\"".into(),
            keyword: "type".into(),
        };
        let findings = Findings {
            event: Some("acme.order".into()),
            shape: Some("typed".into()),
            valid: Some(false),
            violations: vec![violation.clone()],
            json_problem: Some(problem.clone()),
            signature: Some(serde_json::json!({"status": "invalid", "reason": "mismatch", "scheme": "standard"})),
            answered: Some(418),
            assertions: vec![serde_json::json!({"assertion": "method == \"PUT\"", "ok": false, "found": "POST"})],
            forward: Some(serde_json::json!({"url": "http://127.0.0.1:3000/hook", "status": 201, "ms": 1.5})),
        };
        let line = record_line(&arrived(body), &kind, &findings);
        let written: Value = serde_json::from_str(&line).unwrap();
        assert_eq!(written["errors"].as_array().map(Vec::len), Some(2), "one list on the wire: {line}");
        assert_eq!(written["errors"][1]["keyword"], "json");
        let record = from_line(&line).unwrap().record;
        assert_eq!(record.forward.as_ref().unwrap()["status"], 201, "what the app answered, read back");
        assert_eq!((record.id, record.method.as_str(), record.path.as_str()), (7, "POST", "/hook"));
        assert_eq!((record.query.as_deref(), record.body_bytes), (Some("a=1"), body.len()));
        assert_eq!(
            (record.event.as_deref(), record.shape.as_deref(), record.valid),
            (Some("acme.order"), Some("typed"), Some(false))
        );
        assert_eq!(record.violations, [violation], "a parse problem is not read back as a violation");
        assert_eq!(
            record.broken_json.as_deref(),
            Some("invalid JSON at line 2 column 18: expected value (single-quoted strings are not JSON)")
        );
        assert_eq!((record.signature_status(), record.answered), (Some("invalid"), Some(418)));
        assert_eq!(record.assertions, findings.assertions);
        assert_eq!(record.headers.get("x-a"), Some("1, 2"));
    }

    #[test]
    fn json_bodies_keep_their_exact_bytes() {
        let compact = br#"{"a":1}"#;
        let (record, body) = round_trip(compact);
        assert_eq!(record["body"], json!({"a": 1}));
        assert!(record.get("body_raw").is_none(), "verbatim: no second copy");
        assert_eq!(body, compact);
        assert_eq!(record["headers"]["x-a"], "1, 2");
        for exact in [&b"{\n  \"a\": 1\n}"[..], b"{ \"a\" : 1.50 } ", b"null", b"{\"t\":\"\xc2\x9b\"}"] {
            let (record, body) = round_trip(exact);
            assert_eq!(body, exact, "{record}");
            assert!(record.get("body_raw").is_some());
        }
    }

    #[test]
    fn a_verbatim_body_with_a_tab_stays_valid_beside_escaped_header_text() {
        // Found by the property tests: the tab between values was escaped with the header's C1 character.
        let mut odd = arrived(b"[\t]");
        odd.headers.append("X-Odd", "\u{9b}");
        let line = record_line(&odd, &classify(b"[\t]"), &Findings::default());
        assert_eq!(find(&line, Some(7)).unwrap().body, b"[\t]", "{line}");
    }

    #[test]
    fn text_and_binary_bodies_round_trip() {
        let text = b"{\"device_type\": 'iOS'}";
        let kind = classify(text);
        let BodyKind::Text { json_error: Some(err), .. } = &kind else { panic!("{kind:?}") };
        assert!(err.to_string().starts_with("line 1 column 17"), "{err}");
        let (record, body) = round_trip(text);
        assert_eq!(record["body"], Value::Null);
        assert_eq!(body, text);
        let binary = [0xff, 0x00, 0xfe];
        let (record, body) = round_trip(&binary);
        assert_eq!(record["body_base64"], "/wD+");
        assert_eq!(body, binary);
        assert_eq!(round_trip(b"").1, b"");
    }

    #[test]
    fn records_are_found_by_id_or_last() {
        let a = record_line(&arrived(b"1"), &classify(b"1"), &Findings::default());
        let mut later = arrived(b"2");
        later.id = 8;
        let b = record_line(&later, &classify(b"2"), &Findings::default());
        let text = format!("{a}\n{{\"id\":3,\"x\" 1}}\n\n{b}\n{{\"torn");
        let last = find(&text, None).unwrap();
        assert_eq!(last.record.id, 8);
        assert_eq!(
            last.warnings,
            [
                "line 2: not JSON (corrupt), skipped",
                "line 5: a torn record (cut short by a crash or a full disk), skipped"
            ]
        );
        assert_eq!(find(&text, Some(7)).unwrap().body, b"1");
        assert!(find(&text, Some(9)).unwrap_err().contains("no record with id 9"));
        assert!(find("{\"a\":1}", None).is_err());
    }
}
