//! How `listen` shows a request on a terminal: a header line, headers, body, verdict — every piece of the
//! request sanitised — or one summary line with `-q`.
use serde_json::Value;

use crate::capture::{Arrived, BodyKind, Findings};
use crate::output::{hex_preview, pretty_json, sanitize, sanitize_block, Style};
use crate::signing::Check;

fn path_with_query(arrived: &Arrived) -> String {
    match &arrived.query {
        Some(q) => format!("{}?{q}", arrived.path),
        None => arrived.path.clone(),
    }
}

thread_local! {
    /// (Unix second, "HH:MM:SS" in local time): formatted once a second, not once a request.
    static CLOCK: std::cell::RefCell<(i64, String)> = const { std::cell::RefCell::new((i64::MIN, String::new())) };
}

/// The local wall-clock time, `HH:MM:SS` or `HH:MM:SS.mmm`.
fn local_clock(millis: bool) -> String {
    let now = chrono::Utc::now();
    let second = now.timestamp();
    let mut text = CLOCK.with(|clock| {
        let mut clock = clock.borrow_mut();
        if clock.0 != second {
            *clock = (second, now.with_timezone(&chrono::Local).format("%H:%M:%S").to_string());
        }
        clock.1.clone()
    });
    if millis {
        text.push_str(&format!(".{:03}", now.timestamp_subsec_millis()));
    }
    text
}

fn size(bytes: usize) -> String {
    match bytes {
        b if b < 10 * 1024 => format!("{b} B"),
        b if b < 10 * 1024 * 1024 => format!("{:.1} KiB", b as f64 / 1024.0),
        b => format!("{:.1} MiB", b as f64 / (1024.0 * 1024.0)),
    }
}

/// `✓ pgyer.crashlog`, `✗ pgyer.crashlog`, `✗ not valid JSON …`, `? unrecognised`, or nothing for an empty body.
fn verdict(kind: &BodyKind, findings: &Findings, style: &Style) -> Option<String> {
    let shape = findings.shape.as_ref().map(|s| format!(" ({s} shape)")).unwrap_or_default();
    match (kind, &findings.event, findings.valid) {
        (BodyKind::Text { json_error: Some(error), .. }, _, _) => {
            Some(format!("{} not valid JSON: {}", style.bad("✗"), sanitize(error)))
        }
        (_, Some(event), Some(true)) => Some(format!("{} {}{shape}", style.ok("✓"), sanitize(event))),
        (_, Some(event), Some(false)) => Some(format!("{} {}{shape}", style.bad("✗"), sanitize(event))),
        (_, Some(event), None) => Some(format!("{} {} (no schema to check)", style.dim("·"), sanitize(event))),
        (BodyKind::Json(_), None, _) => Some(format!("{} unrecognised (no provider event matches)", style.warn("?"))),
        _ => None,
    }
}

fn violation_lines(findings: &Findings, style: &Style) -> Vec<String> {
    findings
        .errors
        .iter()
        .filter(|e| e["keyword"] != "json")
        .map(|e| {
            let pointer = e["pointer"].as_str().filter(|p| !p.is_empty()).unwrap_or("/");
            let text = format!(
                "{pointer}: expected {}, found {}",
                e["expected"].as_str().unwrap_or_default(),
                e["found"].as_str().unwrap_or_default()
            );
            format!("  {} {}", style.bad("✗"), sanitize(&text))
        })
        .collect()
}

fn signature_line(check: &Check, style: &Style) -> String {
    match check.reason() {
        None => format!("signature {}", style.ok("✓")),
        Some(reason) => format!("signature {} {}: {}", style.bad("✗"), check.status(), sanitize(reason)),
    }
}

fn body_block(kind: &BodyKind, arrived: &Arrived, color: bool) -> String {
    match kind {
        BodyKind::Empty => "(empty body)".to_string(),
        BodyKind::Json(value) => pretty_json(value, color),
        BodyKind::Text { text, .. } => sanitize_block(text).into_owned(),
        BodyKind::Binary => {
            format!("(binary, {} bytes) {}", arrived.body.len(), hex_preview(&arrived.body, 32))
        }
    }
}

/// The full view of one request.
pub fn full(arrived: &Arrived, kind: &BodyKind, findings: &Findings, signature: Option<&Check>, color: bool) -> String {
    let style = Style { color };
    let local = local_clock(true);
    let mut text = format!(
        "{} {local}  {} {}  from {}  {}\n",
        style.bold(&format!("#{}", arrived.id)),
        style.bold(&sanitize(&arrived.method)),
        sanitize(&path_with_query(arrived)),
        sanitize(&arrived.remote_addr),
        size(arrived.body.len()),
    );
    for (name, value) in &arrived.headers {
        text.push_str(&format!("{}: {}\n", style.dim(&sanitize(name)), sanitize(value)));
    }
    text.push('\n');
    text.push_str(&body_block(kind, arrived, color));
    text.push('\n');
    if let Some(line) = verdict(kind, findings, &style) {
        text.push_str(&line);
        text.push('\n');
    }
    for line in violation_lines(findings, &style) {
        text.push_str(&line);
        text.push('\n');
    }
    if let Some(check) = signature {
        text.push_str(&signature_line(check, &style));
        text.push('\n');
    }
    text.push('\n');
    text
}

/// One line per request (`-q`).
pub fn quiet(
    arrived: &Arrived,
    kind: &BodyKind,
    findings: &Findings,
    signature: Option<&Check>,
    color: bool,
) -> String {
    let style = Style { color };
    let local = local_clock(false);
    let mut line = format!(
        "#{} {local} {} {} {} {}",
        arrived.id,
        sanitize(&arrived.method),
        sanitize(&path_with_query(arrived)),
        sanitize(&arrived.remote_addr),
        size(arrived.body.len()),
    );
    if let Some(v) = verdict(kind, findings, &style) {
        line.push(' ');
        line.push_str(&v);
    }
    if !findings.errors.is_empty() {
        let n = findings.errors.len();
        line.push_str(&format!(" ({n} problem{})", if n == 1 { "" } else { "s" }));
    }
    if let Some(check) = signature {
        line.push_str("  ");
        line.push_str(&signature_line(check, &style));
    }
    line.push('\n');
    line
}

/// What the app answered to a forwarded request.
pub fn forwarded(id: u64, target: &str, status: u16, elapsed_ms: f64, body: &[u8], color: bool) -> String {
    let style = Style { color };
    let label = format!("{status}");
    let label = if (200..300).contains(&status) { style.ok(&label) } else { style.bad(&label) };
    let mut text = format!("#{id} → {} answered {label} in {elapsed_ms:.1} ms\n", sanitize(target));
    if !body.is_empty() {
        let shown = match serde_json::from_slice::<Value>(body) {
            Ok(value) => pretty_json(&value, color),
            Err(_) => sanitize_block(&String::from_utf8_lossy(body)).into_owned(),
        };
        text.push_str(&shown);
        text.push('\n');
    }
    text
}
