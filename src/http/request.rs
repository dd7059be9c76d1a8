//! What may go on the wire, and the one request writer. A method is an RFC 9110 token; a header name is a
//! token; a header value is visible ASCII, spaces and tabs (what reqwest's `HeaderValue::from_str` takes):
//! never a CR, LF or NUL that would end a header early and start another (or another request). Fixtures
//! are checked when they load, `import` checks before writing, and the writer checks again, so nothing that
//! reqwest would refuse is ever written by hand.
use super::target::Target;
use crate::headers::Headers;

/// The User-Agent every request carries unless it names its own.
pub const USER_AGENT: &str = concat!("hookctl/", env!("CARGO_PKG_VERSION"));

/// Headers the writer frames itself: the request's own are never written.
const FRAMING: [&str; 2] = ["content-length", "transfer-encoding"];

/// An RFC 9110 token (a method, a header name).
pub fn is_token(text: &[u8]) -> bool {
    !text.is_empty() && text.iter().all(|&b| b.is_ascii_alphanumeric() || b"!#$%&'*+-.^_`|~".contains(&b))
}

/// A header value HTTP can carry: visible ASCII, spaces and tabs.
pub fn is_header_value(value: &[u8]) -> bool {
    value.iter().all(|&b| (32..127).contains(&b) || b == b'\t')
}

/// `Err` says in a few words why `method` cannot go on the wire.
pub fn check_method(method: &str) -> Result<(), String> {
    if is_token(method.as_bytes()) {
        Ok(())
    } else {
        Err(format!("method {} is not an HTTP method (letters only, like POST)", shown(method)))
    }
}

/// `Err` says in a few words why this header cannot go on the wire.
pub fn check_header(name: &str, value: &str) -> Result<(), String> {
    if !is_token(name.as_bytes()) {
        return Err(format!("header name {} is not valid in HTTP", shown(name)));
    }
    if !is_header_value(value.as_bytes()) {
        return Err(format!(
            "header {name} has a value HTTP cannot carry ({}): only visible ASCII, spaces and tabs",
            first_bad(value)
        ));
    }
    Ok(())
}

/// Text for a message: debug-quoted (a CR shows as `\r`) and cut.
fn shown(text: &str) -> String {
    let cut: String = text.chars().take(60).collect();
    format!("{cut:?}")
}

fn first_bad(value: &str) -> String {
    match value.chars().find(|&c| !(c == '\t' || (' '..='~').contains(&c))) {
        Some('\r') => "a CR".into(),
        Some('\n') => "a line feed".into(),
        Some('\0') => "a NUL byte".into(),
        Some(c) => format!("{:?}", c),
        None => "?".into(),
    }
}

/// Every header that goes on the wire, in order: the request's (less the framing ones), then what the
/// client adds when the request has none of its own (`User-Agent`, `Accept`) and, with an authority,
/// `Host` and `Content-Length`. `--dry-run` shows exactly these; [`write`] writes exactly these.
pub fn each_wire_header<'a>(
    headers: &'a [(String, String)],
    body_len: usize,
    authority: Option<&'a str>,
    mut each: impl FnMut(&str, &str),
) {
    let has = |name: &str| headers.iter().any(|(n, _)| n.eq_ignore_ascii_case(name));
    for (name, value) in headers {
        if !FRAMING.iter().any(|f| name.eq_ignore_ascii_case(f)) {
            each(name, value);
        }
    }
    if !has("user-agent") {
        each("User-Agent", USER_AGENT);
    }
    if !has("accept") {
        each("Accept", "*/*");
    }
    if let Some(authority) = authority {
        if !has("host") {
            each("Host", authority);
        }
        each("Content-Length", &body_len.to_string());
    }
}

/// [`each_wire_header`] collected (for `--dry-run` and `-v`).
pub fn wire_headers(headers: &[(String, String)], body_len: usize, authority: Option<&str>) -> Headers {
    let mut all = Headers::new();
    each_wire_header(headers, body_len, authority, |n, v| all.append(n, v));
    all
}

/// Writes the whole request (request line, the wire headers, the body) into `out`, or says which part HTTP
/// cannot carry (nothing is written then).
pub fn write(
    out: &mut Vec<u8>,
    target: &Target,
    method: &str,
    headers: &[(String, String)],
    body: &[u8],
) -> Result<(), String> {
    check_method(method)?;
    for (name, value) in headers {
        check_header(name, value)?;
    }
    if !target.path.bytes().all(|b| b.is_ascii_graphic()) || !target.authority.bytes().all(|b| b.is_ascii_graphic()) {
        return Err(format!("URL {} cannot be written in a request line", shown(target.url.as_str())));
    }
    out.clear();
    out.reserve(256 + body.len());
    out.extend_from_slice(method.as_bytes());
    out.push(b' ');
    out.extend_from_slice(target.path.as_bytes());
    out.extend_from_slice(b" HTTP/1.1\r\n");
    each_wire_header(headers, body.len(), Some(&target.authority), |name, value| {
        out.extend_from_slice(name.as_bytes());
        out.extend_from_slice(b": ");
        out.extend_from_slice(value.as_bytes());
        out.extend_from_slice(b"\r\n");
    });
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(body);
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use reqwest::Url;

    fn target() -> Target {
        Target::new(&Url::parse("http://127.0.0.1:9/hooks?x=1").unwrap())
    }

    fn pairs(headers: &[(&str, &str)]) -> Vec<(String, String)> {
        headers.iter().map(|(n, v)| (n.to_string(), v.to_string())).collect()
    }

    #[test]
    fn the_request_is_written_whole_with_the_default_headers() {
        let mut out = Vec::new();
        let headers = pairs(&[("Content-Type", "application/json"), ("X-Sig", "t=1,v1=ab"), ("Content-Length", "99")]);
        write(&mut out, &target(), "POST", &headers, b"{}").unwrap();
        assert_eq!(
            String::from_utf8(out.clone()).unwrap(),
            format!(
                "POST /hooks?x=1 HTTP/1.1\r\nContent-Type: application/json\r\nX-Sig: t=1,v1=ab\r\nUser-Agent: {USER_AGENT}\r\nAccept: */*\r\nHost: 127.0.0.1:9\r\nContent-Length: 2\r\n\r\n{{}}"
            )
        );
        let own = pairs(&[("user-agent", "me/1"), ("accept", "application/json"), ("host", "example.com")]);
        write(&mut out, &target(), "GET", &own, b"").unwrap();
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "GET /hooks?x=1 HTTP/1.1\r\nuser-agent: me/1\r\naccept: application/json\r\nhost: example.com\r\nContent-Length: 0\r\n\r\n"
        );
    }

    #[test]
    fn what_would_break_the_request_is_refused_and_nothing_written() {
        let hostile = [
            ("POST", ("X-A", "1\r\nX-Injected: yes")),
            ("POST", ("X-A", "1\nX-Injected: yes")),
            ("POST", ("X-A", "a\0b")),
            ("POST", ("X A", "1")),
            ("POST", ("X-A\r\nX-B", "1")),
            ("POST", ("", "1")),
            ("POST", ("X-A", "caf\u{e9}")),
            ("PO ST", ("X-A", "1")),
            ("POST /smuggled HTTP/1.1\r\nX:", ("X-A", "1")),
            ("POST\0", ("X-A", "1")),
        ];
        for (method, (name, value)) in hostile {
            let mut out = Vec::new();
            assert!(write(&mut out, &target(), method, &pairs(&[(name, value)]), b"").is_err(), "{method:?} {name:?}");
            assert!(out.is_empty());
        }
    }

    #[test]
    fn the_checks_agree_with_reqwest() {
        for value in ["plain", "t=1, v1=ab", "a\tb", "", "1\r\n2", "\0", "caf\u{e9}", "\u{7f}"] {
            let ours = is_header_value(value.as_bytes());
            let theirs = reqwest::header::HeaderValue::from_str(value).is_ok();
            assert!(!ours || theirs, "{value:?}: written by hand but refused by reqwest");
        }
        for name in ["X-Sig", "x_y", "a b", "", "a:b", "\r\n"] {
            let ours = is_token(name.as_bytes());
            assert_eq!(ours, reqwest::header::HeaderName::from_bytes(name.as_bytes()).is_ok(), "{name:?}");
        }
    }
}
