//! The webhooks an OpenAPI description declares: 3.1 `webhooks:` and 3.0 `callbacks` (on operations and in
//! `components`), each with its method, request-body schema, examples and header parameters; `$ref`s to
//! path items, request bodies, parameters and examples resolved inside the document.
use serde_json::{Map, Value};

use super::description::{resolve, Description, Flavor, HeaderParam, Webhook};

const METHODS: [&str; 8] = ["post", "put", "patch", "get", "delete", "options", "head", "trace"];

/// Reads the webhooks of an OpenAPI 3.0 / 3.1 document (an AsyncAPI one goes to [`super::asyncapi`]).
pub fn read(doc: Value) -> Result<Description, String> {
    let version = doc.get("openapi").and_then(Value::as_str).map(String::from);
    let flavor = match version.as_deref() {
        Some(v) if v.starts_with("3.1") || v.starts_with("3.2") => Flavor::OpenApi31,
        Some(v) if v.starts_with("3.0") => Flavor::OpenApi30,
        Some(v) => return Err(format!("OpenAPI {v} is not supported (3.0 and 3.1 are)")),
        None if doc.get("swagger").is_some() => {
            return Err("a Swagger 2.0 description: it has no webhooks (convert it to OpenAPI 3 first)".into())
        }
        None => return Err("not an OpenAPI description (no `openapi:` version at the top)".into()),
    };
    let mut reader = Reader { doc: &doc, webhooks: Vec::new(), without_body: Vec::new(), unresolved: Vec::new() };
    // 3.1's `webhooks`, and `x-webhooks`, the extension 3.0 descriptions (GitHub's, Redocly's) use for them.
    for section in ["webhooks", "x-webhooks"] {
        if let Some(Value::Object(webhooks)) = doc.get(section) {
            for (key, item) in webhooks {
                if !reader.webhooks.iter().any(|w| w.key == *key) {
                    reader.path_item(key, item);
                }
            }
        }
    }
    reader.callbacks();
    let Reader { webhooks, without_body, mut unresolved, .. } = reader;
    unresolved.sort();
    unresolved.dedup();
    Ok(Description { flavor, version: version.unwrap_or_default(), doc, webhooks, without_body, unresolved })
}

struct Reader<'d> {
    doc: &'d Value,
    webhooks: Vec<Webhook>,
    without_body: Vec<String>,
    unresolved: Vec<String>,
}

impl<'d> Reader<'d> {
    /// Follows `$ref`s (a chain of them) to the object they name.
    fn deref(&mut self, value: &'d Value) -> Option<&'d Value> {
        resolve(self.doc, value, &mut self.unresolved)
    }

    /// 3.0 callbacks: on every operation of `paths`, and in `components/callbacks`. Named by the
    /// callback's name (its expression too when it has several).
    fn callbacks(&mut self) {
        let mut found: Vec<(String, &'d Value)> = Vec::new();
        if let Some(Value::Object(paths)) = self.doc.get("paths") {
            for item in paths.values() {
                for method in METHODS {
                    if let Some(Value::Object(callbacks)) = item.get(method).and_then(|op| op.get("callbacks")) {
                        found.extend(callbacks.iter().map(|(name, cb)| (name.clone(), cb)));
                    }
                }
            }
        }
        if let Some(Value::Object(callbacks)) = self.doc.pointer("/components/callbacks") {
            for (name, cb) in callbacks {
                if !found.iter().any(|(n, _)| n == name) {
                    found.push((name.clone(), cb));
                }
            }
        }
        for (name, callback) in found {
            let Some(Value::Object(expressions)) = self.deref(callback) else { continue };
            let several = expressions.len() > 1;
            for (expression, item) in expressions {
                let key = if several { format!("{name}.{}", expression.trim_start_matches('{')) } else { name.clone() };
                if self.webhooks.iter().any(|w| w.key == key) {
                    continue;
                }
                self.path_item(&key, item);
            }
        }
    }

    fn path_item(&mut self, key: &str, item: &'d Value) {
        let Some(item) = self.deref(item) else { return };
        let shared = item.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
        let methods: Vec<&str> = METHODS.into_iter().filter(|m| item.get(*m).is_some()).collect();
        for (i, method) in methods.iter().enumerate() {
            let name = if i == 0 { key.to_string() } else { format!("{key}.{method}") };
            let operation = &item[*method];
            self.operation(&name, method, operation, &shared);
        }
    }

    fn operation(&mut self, key: &str, method: &str, operation: &'d Value, shared: &[Value]) {
        let text = |k: &str| operation.get(k).and_then(Value::as_str).map(String::from);
        let mut headers = Vec::new();
        let own = operation.get("parameters").and_then(Value::as_array).cloned().unwrap_or_default();
        for parameter in shared.iter().chain(own.iter()) {
            let parameter = parameter.clone();
            let Some(parameter) = self.deref_owned(&parameter) else { continue };
            if parameter.get("in").and_then(Value::as_str) != Some("header") {
                continue;
            }
            let Some(name) = parameter.get("name").and_then(Value::as_str) else { continue };
            let example = parameter.get("example").cloned().or_else(|| {
                parameter
                    .get("examples")
                    .and_then(Value::as_object)
                    .and_then(|m| m.values().next())
                    .and_then(|e| e.get("value").cloned())
            });
            headers.retain(|h: &HeaderParam| !h.name.eq_ignore_ascii_case(name));
            headers.push(HeaderParam {
                name: name.to_string(),
                schema: parameter.get("schema").cloned(),
                example,
                required: parameter.get("required") == Some(&Value::Bool(true)),
            });
        }
        let timeout = ["x-webhook-timeout", "x-timeout"].iter().find_map(|k| operation.get(*k)).map(|v| match v {
            Value::Number(n) => format!("{n}s"),
            other => other.as_str().unwrap_or_default().to_string(),
        });
        let body = operation.get("requestBody").and_then(|b| self.deref(b));
        let content = body.and_then(|b| b.get("content")).and_then(Value::as_object);
        let Some((media_type, media)) = content.and_then(pick_media) else {
            self.without_body.push(key.to_string());
            return;
        };
        let mut examples = Vec::new();
        if let Some(Value::Object(named)) = media.get("examples") {
            for (name, example) in named {
                if let Some(value) = self.deref(example).and_then(|e| e.get("value")) {
                    examples.push((name.clone(), value.clone()));
                }
            }
        }
        if let Some(example) = media.get("example") {
            examples.push(("example".into(), example.clone()));
        }
        let schema = media.get("schema").cloned();
        if examples.is_empty() {
            // The schema's own example, when the media type gives none.
            if let Some(resolved) = media.get("schema").and_then(|s| self.deref(s)) {
                if let Some(example) = resolved.get("example").cloned() {
                    examples.push(("schema example".into(), example));
                } else if let Some(Value::Array(list)) = resolved.get("examples") {
                    examples
                        .extend(list.iter().enumerate().map(|(i, v)| (format!("schema example {}", i + 1), v.clone())));
                }
            }
        }
        self.webhooks.push(Webhook {
            key: key.to_string(),
            method: method.to_ascii_uppercase(),
            summary: text("summary"),
            description: text("description"),
            media_type: media_type.to_string(),
            schema,
            examples,
            headers,
            timeout,
        });
    }

    fn deref_owned(&mut self, value: &Value) -> Option<Value> {
        resolve(self.doc, value, &mut self.unresolved).cloned()
    }
}

/// The JSON media type of a request body (`application/json`, else any `+json`, else the first).
fn pick_media(content: &Map<String, Value>) -> Option<(&str, &Value)> {
    let json = |m: &str| crate::generate::is_json_media_type(m);
    content
        .iter()
        .find(|(m, _)| m.eq_ignore_ascii_case("application/json"))
        .or_else(|| content.iter().find(|(m, _)| json(m)))
        .or_else(|| content.iter().next())
        .map(|(m, v)| (m.as_str(), v))
}
