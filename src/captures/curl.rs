//! A capture as a curl command that sends the same request: method, path, query, headers and the exact body
//! bytes (binary too), quoted so that pasting it into a POSIX shell runs exactly that and a hostile header
//! or body cannot break out of its quotes or drive the terminal it is shown in.
use anyhow::Result;
use reqwest::Url;

use crate::capture::Captured;
use crate::error::UserError;
use crate::output::sanitize;
use crate::shell;

/// Headers curl computes itself from the URL and the body.
const COMPUTED: [&str; 5] = ["host", "content-length", "transfer-encoding", "connection", "keep-alive"];

/// Headers curl adds on its own unless told not to (`-H 'Name:'` removes one).
const CURL_ADDS: [&str; 4] = ["user-agent", "accept", "content-type", "expect"];

/// `--to BASE`: an http(s) URL whose scheme, host and port replace the request's.
pub fn parse_base(text: &str) -> Result<Url> {
    let url = Url::parse(text).map_err(|e| UserError::new(format!("--to {}: not a URL ({e})", sanitize(text))))?;
    if !matches!(url.scheme(), "http" | "https") || url.host().is_none() {
        return Err(UserError::new(format!("--to {}: give an http:// or https:// base URL", sanitize(text))).into());
    }
    Ok(url)
}

/// Where the request was sent: `http://` + its Host header (or `--to`'s scheme, host and port), then its
/// path and query.
pub fn target(captured: &Captured, base: Option<&Url>) -> String {
    let record = &captured.record;
    let path = if record.path.is_empty() { "/" } else { record.path.as_str() };
    let query = record.query.as_deref().map(|q| format!("?{q}")).unwrap_or_default();
    let origin = match base {
        Some(base) => base.origin().ascii_serialization(),
        None => format!("http://{}", record.headers.get("host").unwrap_or("localhost")),
    };
    format!("{origin}{path}{query}")
}

/// Safe to show and to paste as is: printable ASCII (and newlines, in a body), nothing a terminal acts on.
fn plain(text: &str, newlines: bool) -> bool {
    text.bytes().all(|b| (0x20..0x7f).contains(&b) || (newlines && b == b'\n'))
}

/// A `printf` format that writes exactly `bytes`: printable ASCII as is, every other byte as `\ooo`.
fn printf_format(bytes: &[u8]) -> String {
    let mut format = String::with_capacity(bytes.len() * 2);
    for &b in bytes {
        match b {
            b'%' => format.push_str("%%"),
            b'\\' => format.push_str("\\\\"),
            b'\'' => format.push_str("\\047"),
            0x20..=0x7e => format.push(b as char),
            _ => format.push_str(&format!("\\{b:03o}")),
        }
    }
    format!("'{format}'")
}

/// A shell word that expands to `text`, even when it holds characters that must not be pasted raw.
fn word(text: &str) -> String {
    if plain(text, false) {
        shell::quote(text)
    } else {
        format!("\"$(printf {})\"", printf_format(text.as_bytes()))
    }
}

pub fn command(captured: &Captured, base: Option<&Url>) -> String {
    let record = &captured.record;
    let method = if record.method.is_empty() { "POST" } else { record.method.as_str() };
    let headers = &record.headers;
    let mut parts: Vec<String> = Vec::new();
    if !captured.body.is_empty() {
        let body = &captured.body;
        let feed = match std::str::from_utf8(body) {
            Ok(text) if plain(text, true) && !text.ends_with('\n') => format!("printf '%s' {}", shell::quote(text)),
            _ => format!("printf {}", printf_format(body)),
        };
        parts.push(format!("{feed} |"));
    }
    parts.push("curl --silent --show-error --http1.1".to_string());
    parts.push(format!("--request {}", word(method)));
    parts.push(word(&target(captured, base)));
    for (name, value) in headers {
        if COMPUTED.contains(&name.as_str()) {
            continue;
        }
        // `Name;` is curl's way to send a header with an empty value.
        let header = if value.is_empty() { format!("{name};") } else { format!("{name}: {value}") };
        parts.push(format!("-H {}", word(&header)));
    }
    for name in CURL_ADDS {
        if !headers.iter().any(|(n, _)| n == name) {
            parts.push(format!("-H {}", shell::quote(&format!("{name}:"))));
        }
    }
    if !captured.body.is_empty() {
        parts.push("--data-binary @-".to_string());
    }
    let id = record.id;
    format!("# capture #{id}\n{}", parts.join(" \\\n  "))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_printf_format_writes_exactly_the_bytes() {
        let bytes = b"a%b\\c'd\x00\x1b\xff\n\xe4\xb8\xad";
        let format = printf_format(bytes);
        assert!(format.bytes().all(|b| (0x20..0x7f).contains(&b)), "{format}");
        let output = std::process::Command::new("sh").arg("-c").arg(format!("printf {format}")).output().unwrap();
        assert_eq!(output.stdout, bytes);
    }
}
