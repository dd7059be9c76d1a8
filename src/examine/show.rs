//! How `listen` shows a request on a terminal: a header line, headers, body, verdict — every piece of the
//! request sanitised — or one summary line with `-q`.

use std::fmt::Write as _;

use super::Examined;
use crate::capture::{Arrived, BodyKind, Findings};
use crate::output::{caret_snippet, sanitize, Style};
use crate::signing::Check;

fn path_with_query(arrived: &Arrived) -> String {
    match &arrived.query {
        Some(q) => format!("{}?{q}", arrived.path),
        None => arrived.path.clone(),
    }
}

thread_local! {
    /// (The UTC second of a `received_at`, "HH:MM:SS" in local time): formatted once a second, not once a
    /// request.
    static CLOCK: std::cell::RefCell<(String, String)> = const { std::cell::RefCell::new((String::new(), String::new())) };
}

/// A record's `received_at` as the live view shows it: local `HH:MM:SS` (or `HH:MM:SS.mmm`), the very same
/// instant the record keeps in UTC (listen says the zone when it starts).
fn local_clock(received_at: &str, millis: bool) -> String {
    let mut text = String::with_capacity(12);
    push_local_clock(&mut text, received_at, millis);
    text
}

/// [`local_clock`], appended to `out`.
fn push_local_clock(out: &mut String, received_at: &str, millis: bool) {
    // `2026-12-01T10:00:00.123Z`: the second is the first 19 characters, the milliseconds follow the dot.
    let second = received_at.get(..19).unwrap_or(received_at);
    CLOCK.with(|clock| {
        let mut clock = clock.borrow_mut();
        if clock.0 != second {
            let local = chrono::DateTime::parse_from_rfc3339(received_at)
                .map(|t| t.with_timezone(&chrono::Local).format("%H:%M:%S").to_string())
                .unwrap_or_else(|_| sanitize(second).into_owned());
            *clock = (second.to_string(), local);
        }
        out.push_str(&clock.1);
    });
    if millis {
        out.push('.');
        out.push_str(received_at.get(20..23).unwrap_or("000"));
    }
}

fn push_size(out: &mut String, bytes: usize) {
    let _ = match bytes {
        b if b < 10 * 1024 => write!(out, "{b} B"),
        b if b < 10 * 1024 * 1024 => write!(out, "{:.1} KiB", b as f64 / 1024.0),
        b => write!(out, "{:.1} MiB", b as f64 / (1024.0 * 1024.0)),
    };
}

fn size(bytes: usize) -> String {
    let mut text = String::new();
    push_size(&mut text, bytes);
    text
}

/// Appends `text` as `paint` styles it; without colour, as it is (no styled copy made).
fn push_styled(out: &mut String, style: &Style, paint: fn(&Style, &str) -> String, text: &str) {
    if style.color {
        out.push_str(&paint(style, text));
    } else {
        out.push_str(text);
    }
}

/// The answer hookctl gives (or gave) a request, for its header line.
#[derive(Debug, Clone, Copy)]
pub enum Answering {
    Status(u16),
    /// Relayed to `--forward-to`; the app's answer is shown when it comes.
    Forwarded,
    /// Relayed to `--forward-to`, and the app answered this (502: it could not be reached).
    Relayed(u16),
    /// `--drop`: the connection is closed without an answer.
    Dropped,
}

fn answer_label(answering: Answering, style: &Style) -> String {
    let mut text = String::new();
    push_answer_label(&mut text, answering, style);
    text
}

fn push_answer_label(out: &mut String, answering: Answering, style: &Style) {
    out.push_str("→ ");
    match answering {
        Answering::Status(code) if !style.color => {
            let _ = write!(out, "{code}");
        }
        Answering::Status(code) if (200..300).contains(&code) => out.push_str(&style.ok(&code.to_string())),
        Answering::Status(code) => out.push_str(&style.bad(&code.to_string())),
        Answering::Forwarded => out.push_str("forwarded"),
        Answering::Relayed(code) => {
            out.push_str("app ");
            match code {
                _ if !style.color => {
                    let _ = write!(out, "{code}");
                }
                200..=299 => out.push_str(&style.ok(&code.to_string())),
                _ => out.push_str(&style.bad(&code.to_string())),
            }
        }
        Answering::Dropped => push_styled(out, style, Style::bad, "dropped"),
    }
}

/// `✓ pgyer.crashlog`, `✗ pgyer.crashlog`, `✗ not valid JSON`, `? unrecognised`, `· empty body`: every
/// request gets one.
fn verdict(kind: &BodyKind, findings: &Findings, style: &Style) -> String {
    let mut text = String::new();
    push_verdict(&mut text, kind, findings, style);
    text
}

/// [`verdict`], appended to `out`.
fn push_verdict(out: &mut String, kind: &BodyKind, findings: &Findings, style: &Style) {
    let (mark, paint, text): (&str, fn(&Style, &str) -> String, &str) = match (kind, &findings.event, findings.valid) {
        (BodyKind::Text { json_error: Some(_), .. }, _, _) => ("✗", Style::bad, "not valid JSON"),
        (_, Some(event), Some(true)) => ("✓", Style::ok, event),
        (_, Some(event), Some(false)) => ("✗", Style::bad, event),
        (_, Some(event), None) => ("·", Style::dim, event),
        (BodyKind::Json(_), None, _) => ("?", Style::warn, "unrecognised"),
        (BodyKind::Empty, _, _) => ("·", Style::dim, "empty body (nothing to check)"),
        (BodyKind::Text { .. }, _, _) => ("·", Style::dim, "text, not JSON (nothing to check)"),
        (BodyKind::Binary, _, _) => ("·", Style::dim, "binary, not JSON (nothing to check)"),
    };
    push_styled(out, style, paint, mark);
    out.push(' ');
    let broken_json = matches!(kind, BodyKind::Text { json_error: Some(_), .. });
    if findings.event.is_some() && !broken_json {
        out.push_str(&sanitize(text));
        if findings.valid.is_none() {
            out.push_str(" (no schema to check)");
        } else if let Some(shape) = &findings.shape {
            let _ = write!(out, " ({shape} shape)");
        }
    } else {
        out.push_str(text);
    }
}

/// The lines under the verdict: each schema problem, where a body that is not JSON breaks (with the
/// line and a caret), or the event an unrecognised body is closest to.
fn detail_lines(examined: &Examined, style: &Style) -> Vec<String> {
    let mut lines: Vec<String> = examined
        .findings
        .violations
        .iter()
        .map(|v| {
            let pointer = if v.pointer.is_empty() { "/" } else { v.pointer.as_str() };
            format!(
                "  {} {}",
                style.bad("✗"),
                sanitize(&format!("{pointer}: expected {}, found {}", v.expected, v.found))
            )
        })
        .collect();
    if let BodyKind::Text { text, json_error: Some(problem) } = &examined.kind {
        lines.push(format!("  {} {}", style.bad("✗"), sanitize(&problem.to_string())));
        for line in caret_snippet(text, problem.line, problem.column) {
            lines.push(format!("    {line}"));
        }
        if let Some(note) = &problem.note {
            lines.push(format!("  {} {}", style.dim("note:"), sanitize(note)));
        }
    }
    if let Some(hint) = &examined.hint {
        lines.push(format!("  {} {}", style.dim("hint:"), sanitize(hint)));
    }
    lines
}

fn signature_line(check: &Check, style: &Style) -> String {
    match check.reason() {
        None => format!("signature {}", style.ok("✓")),
        Some(reason) => format!("signature {} {}: {}", style.bad("✗"), check.status(), sanitize(reason)),
    }
}

/// The full view of one request: a header line with the verdict and the answer (so a long body need not
/// be scrolled past to see them), headers, body, then the verdict again with its details.
pub fn full(arrived: &Arrived, examined: &Examined, answering: Answering, color: bool) -> String {
    full_at(arrived, examined, answering, color, &local_clock(&arrived.received_at, true))
}

/// [`full`], with the time given (a saved capture's, shown again later).
pub fn full_at(arrived: &Arrived, examined: &Examined, answering: Answering, color: bool, local: &str) -> String {
    let style = Style { color };
    let verdict = verdict(&examined.kind, &examined.findings, &style);
    let mut text = format!(
        "{} {local}  {} {}  from {}  {}  {verdict}  {}\n",
        style.bold(&format!("#{}", arrived.id)),
        style.bold(&sanitize(&arrived.method)),
        sanitize(&path_with_query(arrived)),
        sanitize(&arrived.remote_addr),
        size(arrived.body.len()),
        answer_label(answering, &style),
    );
    for (name, value) in &arrived.headers {
        text.push_str(&format!("{}: {}\n", style.dim(&sanitize(name)), sanitize(value)));
    }
    text.push('\n');
    text.push_str(&crate::render::body_block(&examined.kind, &arrived.body, color));
    text.push('\n');
    text.push_str(&verdict);
    text.push('\n');
    for line in detail_lines(examined, &style) {
        text.push_str(&line);
        text.push('\n');
    }
    if let Some(check) = &examined.signature {
        text.push_str(&signature_line(check, &style));
        text.push('\n');
    }
    text.push('\n');
    text
}

/// One line per request (`-q`).
pub fn quiet(arrived: &Arrived, examined: &Examined, answering: Answering, color: bool) -> String {
    let style = Style { color };
    let mut line = String::with_capacity(160);
    let _ = write!(line, "#{} ", arrived.id);
    push_local_clock(&mut line, &arrived.received_at, false);
    line.push(' ');
    line.push_str(&sanitize(&arrived.method));
    line.push(' ');
    line.push_str(&sanitize(&arrived.path));
    if let Some(query) = &arrived.query {
        line.push('?');
        line.push_str(&sanitize(query));
    }
    line.push(' ');
    line.push_str(&sanitize(&arrived.remote_addr));
    line.push(' ');
    push_size(&mut line, arrived.body.len());
    line.push(' ');
    push_verdict(&mut line, &examined.kind, &examined.findings, &style);
    let problems = examined.findings.violations.len()
        + usize::from(matches!(examined.kind, BodyKind::Text { json_error: Some(_), .. }));
    if problems > 0 {
        line.push_str(&format!(" ({problems} problem{}", if problems == 1 { "" } else { "s" }));
        let json_problem = match &examined.kind {
            BodyKind::Text { json_error: Some(problem), .. } => Some(format!("not JSON: {problem}")),
            _ => None,
        };
        let texts = examined.findings.violations.iter().map(ToString::to_string).chain(json_problem);
        push_problem_list(&mut line, texts);
        line.push(')');
    }
    if let Some(check) = &examined.signature {
        line.push_str("  ");
        line.push_str(&signature_line(check, &style));
    }
    line.push(' ');
    push_answer_label(&mut line, answering, &style);
    line.push('\n');
    line
}

/// The problems' pointers and messages after `N problems`, as many as fit in about 100 characters.
fn push_problem_list(line: &mut String, problems: impl Iterator<Item = String>) {
    const ROOM: usize = 100;
    let mut used = 0;
    for (i, text) in problems.enumerate() {
        let text = sanitize(&text);
        let separator = if i == 0 { ": " } else { "; " };
        if used + separator.len() + text.chars().count() > ROOM {
            line.push_str(if i == 0 { ": " } else { "; …" });
            if i == 0 {
                line.extend(text.chars().take(ROOM));
                line.push('…');
            }
            return;
        }
        line.push_str(separator);
        line.push_str(&text);
        used += separator.len() + text.chars().count();
    }
}

/// What the app answered to a forwarded request.
pub fn forwarded(id: u64, target: &str, status: u16, elapsed_ms: f64, body: &[u8], color: bool) -> String {
    let style = Style { color };
    let label = format!("{status}");
    let label = if (200..300).contains(&status) { style.ok(&label) } else { style.bad(&label) };
    let mut text = format!("#{id} → {} answered {label} in {elapsed_ms:.1} ms\n", sanitize(target));
    text.push_str(&crate::render::body_text(body, color));
    text
}
