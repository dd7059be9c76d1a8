//! Captures as HAR 1.2 (HTTP Archive): one entry per capture with the request as it arrived and the answer
//! `listen` gave, for browser dev tools and HAR viewers. hookctl keeps the status it answered, not the
//! answer's body, so the response content is empty (said in the entry's comment).
use base64::Engine as _;
use reqwest::Url;
use serde_json::{json, Value};

use super::curl;
use crate::capture::Captured;

fn pairs(list: impl IntoIterator<Item = (String, String)>) -> Value {
    Value::Array(list.into_iter().map(|(name, value)| json!({"name": name, "value": value})).collect())
}

fn query_pairs(query: &str) -> Vec<(String, String)> {
    query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| match p.split_once('=') {
            Some((n, v)) => (n.to_string(), v.to_string()),
            None => (p.to_string(), String::new()),
        })
        .collect()
}

/// One entry, its body cut to `body_limit` bytes (the entry says so when it is).
pub fn entry_capped(captured: &Captured, base: Option<&Url>, body_limit: usize) -> Value {
    let record = &captured.record;
    let headers = &record.headers;
    let mime = headers.iter().find(|(n, _)| n == "content-type").map(|(_, v)| v.clone()).unwrap_or_default();
    let whole = captured.body.len();
    let mut kept = &captured.body[..whole.min(body_limit)];
    if let Err(e) = std::str::from_utf8(kept) {
        if kept.len() < whole && e.error_len().is_none() {
            kept = &kept[..e.valid_up_to()]; // cut inside a character: end before it
        }
    }
    let mut post_data = match std::str::from_utf8(kept) {
        _ if captured.body.is_empty() => None,
        Ok(body) => Some(json!({"mimeType": mime, "text": body})),
        Err(_) => Some(json!({
            "mimeType": mime,
            "text": base64::engine::general_purpose::STANDARD.encode(kept),
            "_encoding": "base64",
            "comment": "the body is not UTF-8: text is its base64",
        })),
    };
    if let Some(data) = post_data.as_mut().filter(|_| kept.len() < whole) {
        data["_truncated"] = json!(true);
        data["comment"] = json!(format!("body cut to its first {} of {whole} bytes", kept.len()));
    }
    let status = record.answered.map(u64::from);
    let reason = status
        .and_then(|s| reqwest::StatusCode::from_u16(s as u16).ok())
        .and_then(|s| s.canonical_reason())
        .unwrap_or("");
    let mut request = json!({
        "method": record.method,
        "url": curl::target(captured, base),
        "httpVersion": "HTTP/1.1",
        "cookies": [],
        "headers": pairs(headers.to_vec()),
        "queryString": pairs(record.query.as_deref().map(query_pairs).unwrap_or_default()),
        "headersSize": -1,
        "bodySize": captured.body.len(),
    });
    if let Some(post_data) = post_data {
        request["postData"] = post_data;
    }
    json!({
        "startedDateTime": record.received_at,
        "time": 0,
        "request": request,
        "response": {
            "status": status.unwrap_or(0),
            "statusText": if status.is_some() { reason } else { "relayed to --forward-to" },
            "httpVersion": "HTTP/1.1",
            "cookies": [],
            "headers": [],
            "content": {"size": 0, "mimeType": "", "comment": "hookctl keeps the status it answered, not the body"},
            "redirectURL": "",
            "headersSize": -1,
            "bodySize": -1,
        },
        "cache": {},
        "timings": {"send": 0, "wait": 0, "receive": 0},
        "comment": format!("hookctl capture #{}", record.id),
        "_hookctl": {
            "id": record.id,
            "remote_addr": record.remote_addr,
            "event": record.event,
            "valid": record.valid,
        },
    })
}

pub fn document(captures: &[Captured], base: Option<&Url>) -> Value {
    json!({
        "log": {
            "version": "1.2",
            "creator": {"name": "hookctl", "version": env!("CARGO_PKG_VERSION")},
            "entries": captures.iter().map(|c| entry_capped(c, base, usize::MAX)).collect::<Vec<_>>(),
        }
    })
}
