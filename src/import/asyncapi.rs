//! AsyncAPI 2.x and 3.0: each message a webhook — its name (or the channel's) as the key, its `payload` as the
//! schema, its `examples[].payload` as the examples, its `headers` schema's properties as documented headers.
use serde_json::Value;

use super::description::{resolve, Description, Flavor, HeaderParam, Webhook};

pub fn read(doc: Value) -> Result<Description, String> {
    let version = doc.get("asyncapi").and_then(Value::as_str).unwrap_or_default().to_string();
    if !(version.starts_with("2.") || version.starts_with("3.")) {
        return Err(format!("AsyncAPI {version} is not supported (2.x and 3.0 are)"));
    }
    let mut messages: Vec<(String, Value)> = Vec::new();
    let mut unresolved = Vec::new();
    let mut deref = |value: &Value| -> Option<Value> { resolve(&doc, value, &mut unresolved).cloned() };
    if let Some(Value::Object(channels)) = doc.get("channels") {
        for (channel, item) in channels {
            let Some(item) = deref(item) else { continue };
            // 2.x: publish/subscribe operations carry a message (or a oneOf of them); 3.0: the channel's messages.
            let mut found: Vec<Value> = Vec::new();
            for operation in ["subscribe", "publish"] {
                if let Some(message) = item.get(operation).and_then(|op| op.get("message")) {
                    match message.get("oneOf").and_then(Value::as_array) {
                        Some(list) => found.extend(list.iter().cloned()),
                        None => found.push(message.clone()),
                    }
                }
            }
            if let Some(Value::Object(map)) = item.get("messages") {
                found.extend(map.values().cloned());
            }
            for message in found {
                let Some(message) = deref(&message) else { continue };
                let name = ["name", "messageId", "title"]
                    .iter()
                    .find_map(|k| message.get(*k).and_then(Value::as_str))
                    .map_or_else(|| channel.trim_start_matches('/').to_string(), String::from);
                if !messages.iter().any(|(n, _)| *n == name) {
                    messages.push((name, message));
                }
            }
        }
    }
    let mut webhooks = Vec::new();
    let mut without_body = Vec::new();
    for (key, message) in messages {
        let Some(schema) = message.get("payload").cloned() else {
            without_body.push(key);
            continue;
        };
        // AsyncAPI 3.0 may wrap the payload in a multi-format schema object.
        let schema = match schema.get("schema") {
            Some(inner) if schema.get("schemaFormat").is_some() => inner.clone(),
            _ => schema,
        };
        let examples = examples_of(&message);
        let headers = message.get("headers").and_then(&mut deref).map(|h| headers_of(&h)).unwrap_or_default();
        let text = |k: &str| message.get(k).and_then(Value::as_str).map(String::from);
        webhooks.push(Webhook {
            key,
            method: "POST".into(),
            summary: text("summary").or_else(|| text("title")),
            description: text("description"),
            media_type: text("contentType")
                .or_else(|| doc.get("defaultContentType").and_then(Value::as_str).map(String::from))
                .unwrap_or_else(|| "application/json".into()),
            schema: Some(schema),
            examples,
            headers,
            timeout: None,
        });
    }
    unresolved.sort();
    unresolved.dedup();
    Ok(Description { flavor: Flavor::AsyncApi, version, doc, webhooks, without_body, unresolved })
}

/// A message's `examples[].payload`, each named by its `name` (else `example N`).
fn examples_of(message: &Value) -> Vec<(String, Value)> {
    let Some(list) = message.get("examples").and_then(Value::as_array) else { return Vec::new() };
    list.iter()
        .enumerate()
        .filter_map(|(i, e)| {
            let name = e.get("name").and_then(Value::as_str).map_or_else(|| format!("example {}", i + 1), String::from);
            e.get("payload").map(|p| (name, p.clone()))
        })
        .collect()
}

/// The headers a message's `headers` schema documents (its properties), none required.
fn headers_of(schema: &Value) -> Vec<HeaderParam> {
    let Some(properties) = schema.get("properties").and_then(Value::as_object) else { return Vec::new() };
    properties
        .iter()
        .map(|(name, schema)| HeaderParam {
            example: schema.get("examples").and_then(|e| e.get(0)).or(schema.get("example")).cloned(),
            name: name.clone(),
            schema: Some(schema.clone()),
            required: false,
        })
        .collect()
}
