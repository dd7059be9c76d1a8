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

/// A `printf` format that writes exactly `bytes`: printable ASCII as is, every other byte as `\ooo`. A
/// leading `-` is written as `\055` too: a format starting with `-` is taken for an option by bash's and
/// dash's printf (which then print nothing and the body went out empty).
fn printf_format(bytes: &[u8]) -> String {
    let mut format = String::with_capacity(bytes.len() * 2);
    for (i, &b) in bytes.iter().enumerate() {
        match b {
            b'-' if i == 0 => format.push_str("\\055"),
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
    bytes_word(text.as_bytes())
}

/// A shell word that expands to exactly `bytes` (not UTF-8 too: a header's captured bytes).
fn bytes_word(bytes: &[u8]) -> String {
    match std::str::from_utf8(bytes) {
        Ok(text) if plain(text, false) => shell::quote(text),
        _ => format!("\"$(printf {})\"", printf_format(bytes)),
    }
}

/// A Host header that can stand in a URL as it is: a host name, an IPv4 address or a bracketed IPv6
/// address, and an optional port. Anything else (`a/b`, `x@y`, spaces, `[1-9]`) is refused: the URL would
/// not go where the capture came.
pub fn host_ok(host: &str) -> bool {
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) if !name.ends_with(':') && !port.contains(']') => (name, Some(port)),
        _ => (host, None),
    };
    let port_ok = port.is_none_or(|p| !p.is_empty() && p.len() <= 5 && p.bytes().all(|b| b.is_ascii_digit()));
    let name_ok = if let Some(inner) = name.strip_prefix('[').and_then(|n| n.strip_suffix(']')) {
        inner.parse::<std::net::Ipv6Addr>().is_ok()
    } else {
        !name.is_empty()
            && name.len() <= 253
            && name.split('.').all(|label| {
                !label.is_empty()
                    && label.len() <= 63
                    && label.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
                    && !label.starts_with('-')
            })
    };
    port_ok && name_ok
}

/// The curl command (with a comment line naming the capture); refused when it would have to take its host
/// from a Host header that is not a host name and port (`--to` names one instead).
pub fn command(captured: &Captured, base: Option<&Url>) -> Result<String, UserError> {
    let record = &captured.record;
    let method = if record.method.is_empty() { "POST" } else { record.method.as_str() };
    let headers = &record.headers;
    let mut notes = vec![format!("# capture #{}", record.id)];
    if base.is_none() {
        let host = headers.get("host").unwrap_or("localhost");
        if !host_ok(host) {
            return Err(UserError::with_hint(
                format!("capture #{}: its Host header {} is not a host name and port", record.id, sanitize(host)),
                "say where to send it with --to http://HOST:PORT",
            ));
        }
        notes.push("# to the host in its Host header (--to URL sends it elsewhere)".to_string());
    }
    let mut parts: Vec<String> = Vec::new();
    if !captured.body.is_empty() {
        let body = &captured.body;
        let feed = match std::str::from_utf8(body) {
            Ok(text) if plain(text, true) && !text.ends_with('\n') => format!("printf '%s' {}", shell::quote(text)),
            _ => format!("printf {}", printf_format(body)),
        };
        parts.push(format!("{feed} |"));
    }
    // --globoff: the URL is the capture's, and curl must not expand `[1-9]` or `{a,b}` in it into many.
    parts.push("curl --silent --show-error --http1.1 --globoff".to_string());
    parts.push(format!("--request {}", word(method)));
    parts.push(word(&target(captured, base)));
    for (name, value) in headers {
        if COMPUTED.contains(&name.as_str()) {
            continue;
        }
        // `Name;` is curl's way to send a header with an empty value.
        let mut header = name.as_bytes().to_vec();
        if value.is_empty() {
            header.push(b';');
        } else {
            header.extend_from_slice(b": ");
            header.extend_from_slice(&record.header_value_bytes(name, value));
        }
        parts.push(format!("-H {}", bytes_word(&header)));
    }
    for name in CURL_ADDS {
        if !headers.iter().any(|(n, _)| n == name) {
            parts.push(format!("-H {}", shell::quote(&format!("{name}:"))));
        }
    }
    if !captured.body.is_empty() {
        parts.push("--data-binary @-".to_string());
    }
    Ok(format!("{}\n{}", notes.join("\n"), parts.join(" \\\n  ")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_printf_format_writes_exactly_the_bytes_in_every_shell() {
        let bodies: [&[u8]; 4] = [b"a%b\\c'd\x00\x1b\xff\n\xe4\xb8\xad", b"-n x", b"--help\n", b"-\x01"];
        for bytes in bodies {
            let format = printf_format(bytes);
            assert!(format.bytes().all(|b| (0x20..0x7f).contains(&b)), "{format}");
            for shell in ["sh", "bash", "dash"] {
                let Ok(output) = std::process::Command::new(shell).arg("-c").arg(format!("printf {format}")).output()
                else {
                    continue;
                };
                assert_eq!(output.stdout, bytes, "{shell}: printf {format}");
            }
        }
    }

    #[test]
    fn only_host_names_and_ports_make_a_url() {
        for good in ["localhost", "localhost:8080", "127.0.0.1:80", "[::1]:3000", "api.example.com", "a-b.c"] {
            assert!(host_ok(good), "{good}");
        }
        for bad in ["", "a/b", "x@y", "a b", "h:[1-9]", "{a,b}", "h:99999x", "-a.com", "[zz]:1", "h:"] {
            assert!(!host_ok(bad), "{bad}");
        }
    }
}
