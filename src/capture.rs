//! The capture record: one JSON line per request that `listen --save` writes and `diff`, `send --capture`
//! and `verify` read back. Its fields are documented in the README.
use std::fs;
use std::path::{Path, PathBuf};

use anyhow::Result;
use base64::Engine as _;
use serde_json::{json, Map, Value};

use crate::error::UserError;

/// A request as it arrived, before it becomes a record.
#[derive(Debug, Clone)]
pub struct Arrived {
    pub id: u64,
    pub received_at: String,
    pub remote_addr: String,
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

/// How the body was understood.
#[derive(Debug, Clone)]
pub enum BodyKind {
    Empty,
    Json(Value),
    /// UTF-8 but not JSON; the parse error (line, column) when it looked like JSON.
    Text {
        text: String,
        json_error: Option<String>,
    },
    Binary,
}

pub fn classify(body: &[u8]) -> BodyKind {
    if body.is_empty() {
        return BodyKind::Empty;
    }
    match serde_json::from_slice::<Value>(body) {
        Ok(value) => BodyKind::Json(value),
        Err(err) => match std::str::from_utf8(body) {
            Ok(text) => {
                let looks_json = text.trim_start().starts_with(['{', '[']);
                let json_error = looks_json
                    .then(|| format!("line {} column {}: {err}", err.line(), err.column()));
                BodyKind::Text {
                    text: text.to_string(),
                    json_error,
                }
            }
            Err(_) => BodyKind::Binary,
        },
    }
}

/// The checks done on a request, stored in its record.
#[derive(Debug, Clone, Default)]
pub struct Findings {
    pub event: Option<String>,
    pub shape: Option<String>,
    pub valid: Option<bool>,
    pub errors: Vec<Value>,
    pub signature: Option<Value>,
}

/// The record as one JSON object (field order as documented).
pub fn record(arrived: &Arrived, kind: &BodyKind, findings: &Findings) -> Value {
    let headers: Map<String, Value> =
        arrived
            .headers
            .iter()
            .fold(Map::new(), |mut map, (name, value)| {
                let key = name.to_ascii_lowercase();
                match map.get_mut(&key) {
                    Some(Value::String(existing)) => {
                        existing.push_str(", ");
                        existing.push_str(value);
                    }
                    _ => {
                        map.insert(key, Value::String(value.clone()));
                    }
                }
                map
            });
    let (body, body_text, body_base64) = match kind {
        BodyKind::Empty => (Value::Null, Value::Null, Value::Null),
        BodyKind::Json(value) => (value.clone(), Value::Null, Value::Null),
        BodyKind::Text { text, .. } => (Value::Null, Value::String(text.clone()), Value::Null),
        BodyKind::Binary => (
            Value::Null,
            Value::Null,
            Value::String(base64::engine::general_purpose::STANDARD.encode(&arrived.body)),
        ),
    };
    let mut record = json!({
        "id": arrived.id,
        "received_at": arrived.received_at,
        "remote_addr": arrived.remote_addr,
        "method": arrived.method,
        "path": arrived.path,
        "query": arrived.query,
        "headers": headers,
        "body": body,
        "body_text": body_text,
        "body_base64": body_base64,
        "body_bytes": arrived.body.len(),
        "event": findings.event,
        "shape": findings.shape,
        "valid": findings.valid,
        "errors": findings.errors,
    });
    if let BodyKind::Json(value) = kind {
        // Signatures cover exact bytes: keep them when re-serialising would not give them back.
        if serde_json::to_vec(value).ok().as_deref() != Some(arrived.body.as_slice()) {
            record["body_raw"] = Value::String(String::from_utf8_lossy(&arrived.body).into_owned());
        }
    }
    if let Some(signature) = &findings.signature {
        record["signature"] = signature.clone();
    }
    record
}

/// The exact body bytes a record describes.
pub fn body_bytes(record: &Value) -> Result<Vec<u8>> {
    if let Some(raw) = record.get("body_raw").and_then(Value::as_str) {
        return Ok(raw.as_bytes().to_vec());
    }
    if let Some(text) = record.get("body_text").and_then(Value::as_str) {
        return Ok(text.as_bytes().to_vec());
    }
    if let Some(encoded) = record.get("body_base64").and_then(Value::as_str) {
        return base64::engine::general_purpose::STANDARD
            .decode(encoded)
            .map_err(|e| {
                UserError::new(format!("capture record's body_base64 is not base64: {e}")).into()
            });
    }
    match record.get("body") {
        None | Some(Value::Null) => Ok(Vec::new()),
        Some(body) => Ok(serde_json::to_vec(body)?),
    }
}

/// Headers of a record as (name, value) pairs.
pub fn headers(record: &Value) -> Vec<(String, String)> {
    record
        .get("headers")
        .and_then(Value::as_object)
        .map(|map| {
            map.iter()
                .map(|(k, v)| (k.clone(), v.as_str().unwrap_or_default().to_string()))
                .collect()
        })
        .unwrap_or_default()
}

/// `FILE` or `FILE:ID`, where FILE exists. `None` when the text names no existing file.
pub fn parse_spec(spec: &str) -> Option<(PathBuf, Option<u64>)> {
    if Path::new(spec).is_file() {
        return Some((PathBuf::from(spec), None));
    }
    let (file, id) = spec.rsplit_once(':')?;
    let id = id.parse().ok()?;
    Path::new(file)
        .is_file()
        .then(|| (PathBuf::from(file), Some(id)))
}

/// Whether a JSON value is a capture record (not a webhook body that happens to be an object).
pub fn is_record(value: &Value) -> bool {
    ["id", "received_at", "method", "headers", "body"]
        .iter()
        .all(|k| value.get(k).is_some())
}

/// The record with that id, or the last one, from an NDJSON capture file.
pub fn read(path: &Path, id: Option<u64>) -> Result<Value> {
    let text = fs::read_to_string(path)
        .map_err(|e| UserError::new(format!("cannot read capture file {}: {e}", path.display())))?;
    find(&text, id).map_err(|e| UserError::new(format!("{}: {e}", path.display())).into())
}

/// Picks a record out of NDJSON text (skipping a torn last line).
pub fn find(text: &str, id: Option<u64>) -> Result<Value, String> {
    let records: Vec<Value> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .filter_map(|l| serde_json::from_str::<Value>(l).ok())
        .filter(is_record)
        .collect();
    if records.is_empty() {
        return Err(
            "no capture records in it (expected the NDJSON that `hookctl listen --save` writes)"
                .into(),
        );
    }
    match id {
        None => Ok(records.last().cloned().unwrap_or_default()),
        Some(id) => records
            .into_iter()
            .find(|r| r["id"].as_u64() == Some(id))
            .ok_or_else(|| {
                format!("no record with id {id} (ids start at 1; `jq .id` on the file lists them)")
            }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

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
            ],
            body: body.to_vec(),
        }
    }

    #[test]
    fn json_bodies_keep_exact_bytes_only_when_needed() {
        let compact = br#"{"a":1}"#;
        let rec = record(&arrived(compact), &classify(compact), &Findings::default());
        assert_eq!(rec["body"], json!({"a": 1}));
        assert!(rec.get("body_raw").is_none());
        assert_eq!(body_bytes(&rec).unwrap(), compact);
        assert_eq!(rec["headers"]["x-a"], "1, 2");
        let pretty = b"{\n  \"a\": 1\n}";
        let rec = record(&arrived(pretty), &classify(pretty), &Findings::default());
        assert_eq!(body_bytes(&rec).unwrap(), pretty);
    }

    #[test]
    fn text_and_binary_bodies_round_trip() {
        let text = b"{\"device_type\": 'iOS'}";
        let kind = classify(text);
        let BodyKind::Text {
            json_error: Some(err),
            ..
        } = &kind
        else {
            panic!("{kind:?}")
        };
        assert!(err.starts_with("line 1 column 17"), "{err}");
        let rec = record(&arrived(text), &kind, &Findings::default());
        assert_eq!(rec["body"], Value::Null);
        assert_eq!(body_bytes(&rec).unwrap(), text);
        let binary = [0xff, 0x00, 0xfe];
        let rec = record(&arrived(&binary), &classify(&binary), &Findings::default());
        assert_eq!(rec["body_base64"], "/wD+");
        assert_eq!(body_bytes(&rec).unwrap(), binary);
    }

    #[test]
    fn records_are_found_by_id_or_last() {
        let a = record(&arrived(b"1"), &classify(b"1"), &Findings::default());
        let mut b = a.clone();
        b["id"] = json!(8);
        let text = format!("{a}\n{b}\n{{\"torn");
        assert_eq!(find(&text, None).unwrap()["id"], 8);
        assert_eq!(find(&text, Some(7)).unwrap()["id"], 7);
        assert!(find(&text, Some(9))
            .unwrap_err()
            .contains("no record with id 9"));
        assert!(find("{\"a\":1}", None).is_err());
    }
}
