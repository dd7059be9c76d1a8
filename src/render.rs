//! How a request and a body look on a terminal, in one place: `send -v` (request and answer), `send
//! --dry-run`, `fixtures show`, and `listen`'s view of a request and of a forwarded answer. Everything
//! from the wire goes through the sanitiser.
use serde_json::Value;

use crate::capture::BodyKind;
use crate::output::{hex_preview, pretty_json, sanitize, sanitize_block, Style};

/// A request as text: `POST URL`, headers, a blank line, then the body as given (already made safe).
pub fn request_text(method: &str, url: Option<&str>, headers: &[(String, String)], body: &str, color: bool) -> String {
    let style = Style { color };
    let mut text = style.bold(&sanitize(method));
    if let Some(url) = url {
        text.push(' ');
        text.push_str(&sanitize(url));
    }
    text.push('\n');
    for (name, value) in headers {
        text.push_str(&format!("{}: {}\n", style.dim(&sanitize(name)), sanitize(value)));
    }
    text.push('\n');
    text.push_str(body);
    text
}

/// Body bytes for display, ending in a newline: JSON pretty-printed, other text as is, both sanitised;
/// nothing at all for an empty body.
pub fn body_text(bytes: &[u8], color: bool) -> String {
    match serde_json::from_slice::<Value>(bytes) {
        Ok(value) => format!("{}\n", pretty_json(&value, color)),
        Err(_) if bytes.is_empty() => String::new(),
        Err(_) => format!("{}\n", sanitize_block(&String::from_utf8_lossy(bytes))),
    }
}

/// A body `listen` has classified: JSON pretty-printed, text as is, binary as a hex preview, and the
/// empty body said in words.
pub fn body_block(kind: &BodyKind, bytes: &[u8], color: bool) -> String {
    match kind {
        BodyKind::Empty => "(empty body)".to_string(),
        BodyKind::Json(value) => pretty_json(value, color),
        BodyKind::Text { text, .. } => sanitize_block(text).into_owned(),
        BodyKind::Binary => format!("(binary, {} bytes) {}", bytes.len(), hex_preview(bytes, 32)),
    }
}
