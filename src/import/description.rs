//! What a provider's description declares, whichever format it is written in: the webhook and header types
//! both readers fill, and the one `$ref` resolver they share. `import::read_description` picks the reader.
use serde_json::Value;

use crate::generate::resolve::follow;

/// Which description it is.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Flavor {
    OpenApi31,
    OpenApi30,
    AsyncApi,
}

/// A documented request header.
#[derive(Debug, Clone)]
pub struct HeaderParam {
    pub name: String,
    pub schema: Option<Value>,
    pub example: Option<Value>,
    pub required: bool,
}

#[derive(Debug, Clone)]
pub struct Webhook {
    /// The key as the description writes it (`/orders`, `balancePlatform.payment.created`).
    pub key: String,
    pub method: String,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub media_type: String,
    pub schema: Option<Value>,
    /// (name, value) in the order the description gives them.
    pub examples: Vec<(String, Value)>,
    pub headers: Vec<HeaderParam>,
    /// `x-webhook-timeout` / `x-timeout` on the operation, when given.
    pub timeout: Option<String>,
}

impl Flavor {
    /// How messages name the description's format.
    pub fn name(&self) -> &'static str {
        match self {
            Flavor::AsyncApi => "AsyncAPI",
            _ => "OpenAPI",
        }
    }
}

#[derive(Debug)]
pub struct Description {
    pub flavor: Flavor,
    pub version: String,
    pub doc: Value,
    pub webhooks: Vec<Webhook>,
    /// Webhooks declared without a request body.
    pub without_body: Vec<String>,
    /// `$ref`s that point nowhere in the document (outside it, or to nothing).
    pub unresolved: Vec<String>,
}

/// How many `$ref`s a chain may have before it is taken as a loop.
const CHAIN: usize = 16;

/// Follows a `$ref` (or a chain of them) inside `doc` to the object it names; a `$ref` that points nowhere is
/// added to `unresolved`, and a chain longer than [`CHAIN`] (a loop) gives nothing.
pub fn resolve<'d>(doc: &'d Value, value: &'d Value, unresolved: &mut Vec<String>) -> Option<&'d Value> {
    let mut current = value;
    for _ in 0..CHAIN {
        match current.get("$ref").and_then(Value::as_str) {
            Some(reference) => match follow(doc, reference) {
                Some(target) => current = target,
                None => {
                    unresolved.push(reference.to_string());
                    return None;
                }
            },
            None => return Some(current),
        }
    }
    None
}
