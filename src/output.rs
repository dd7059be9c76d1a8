//! The printer: the one sanitiser every piece of untrusted text goes through, coloured JSON, and
//! stream writers that treat a closed pipe as a normal end.
//!
//! Webhook headers, paths and bodies are attacker-controlled. Nothing from them may reach a terminal raw:
//! C0/C1 control characters, DEL and bidi overrides are written as visible escapes (`\x1b`, `\u{202e}`).
use std::borrow::Cow;
use std::fmt::Write as _;
use std::io::{self, Write};

use colored::{Color, Colorize};
use serde_json::Value;

use crate::error::OutputClosed;

/// Whether `c` must never reach a terminal as is: it could move the cursor, change colours, set the
/// title (C0, DEL, C1) or reorder what the reader sees (bidi controls).
fn is_dangerous(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fn escape_char(out: &mut String, c: char) {
    match c {
        '\n' => out.push_str("\\n"),
        '\r' => out.push_str("\\r"),
        '\t' => out.push_str("\\t"),
        c if (c as u32) < 0x80 => {
            let _ = write!(out, "\\x{:02x}", c as u32);
        }
        c => {
            let _ = write!(out, "\\u{{{:x}}}", c as u32);
        }
    }
}

/// Whether every byte is printable ASCII (space to `~`): nothing in such text needs escaping, anywhere.
/// Checked eight bytes at a time (most webhook text is exactly this).
pub fn printable_ascii(bytes: &[u8]) -> bool {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let mut chunks = bytes.chunks_exact(8);
    for chunk in &mut chunks {
        let word = u64::from_le_bytes(chunk.try_into().unwrap_or_default());
        // A byte below 0x20 borrows when 0x20 is taken from it; a byte of 0x7f or more sets its high bit
        // when 1 is added (or had it set already).
        let below_space = word.wrapping_sub(0x20 * ONES) & !word & HIGH;
        let del_or_above = (word.wrapping_add(ONES) | word) & HIGH;
        if below_space | del_or_above != 0 {
            return false;
        }
    }
    chunks.remainder().iter().all(|b| (0x20..0x7f).contains(b))
}

fn sanitize_with(text: &str, keep: impl Fn(char) -> bool) -> Cow<'_, str> {
    if printable_ascii(text.as_bytes()) {
        return Cow::Borrowed(text);
    }
    if !text.chars().any(|c| is_dangerous(c) && !keep(c)) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if is_dangerous(c) && !keep(c) {
            escape_char(&mut out, c);
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// Untrusted text for one line (a header, a path, a status line): every control character escaped.
pub fn sanitize(text: &str) -> Cow<'_, str> {
    sanitize_with(text, |_| false)
}

/// Untrusted multi-line text (a text body): newlines and tabs kept, everything else escaped.
pub fn sanitize_block(text: &str) -> Cow<'_, str> {
    sanitize_with(text, |c| c == '\n' || c == '\t')
}

/// A JSON string literal, quoted and escaped, safe for a terminal.
fn json_string(text: &str) -> String {
    let quoted = serde_json::to_string(text).unwrap_or_else(|_| "\"\"".into());
    sanitize(&quoted).into_owned()
}

fn paint(text: &str, color: Option<Color>, enabled: bool) -> String {
    match (enabled, color) {
        (true, Some(c)) => text.color(c).to_string(),
        _ => text.to_string(),
    }
}

/// Pretty-prints a JSON value with two-space indentation, keys in document order, strings sanitised,
/// and syntax colours when `color` is set.
pub fn pretty_json(value: &Value, color: bool) -> String {
    let mut out = String::new();
    write_json(&mut out, value, 0, color);
    out
}

fn write_json(out: &mut String, value: &Value, depth: usize, color: bool) {
    let pad = |d: usize| "  ".repeat(d);
    match value {
        Value::Null => out.push_str(&paint("null", Some(Color::BrightBlack), color)),
        Value::Bool(b) => out.push_str(&paint(&b.to_string(), Some(Color::Yellow), color)),
        Value::Number(n) => out.push_str(&paint(&n.to_string(), Some(Color::Cyan), color)),
        Value::String(s) => out.push_str(&paint(&json_string(s), Some(Color::Green), color)),
        Value::Array(items) if items.is_empty() => out.push_str("[]"),
        Value::Object(map) if map.is_empty() => out.push_str("{}"),
        Value::Array(items) => {
            out.push_str("[\n");
            for (i, item) in items.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                write_json(out, item, depth + 1, color);
                out.push_str(if i + 1 < items.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(depth));
            out.push(']');
        }
        Value::Object(map) => {
            out.push_str("{\n");
            for (i, (key, item)) in map.iter().enumerate() {
                out.push_str(&pad(depth + 1));
                out.push_str(&paint(&json_string(key), Some(Color::Blue), color));
                out.push_str(": ");
                write_json(out, item, depth + 1, color);
                out.push_str(if i + 1 < map.len() { ",\n" } else { "\n" });
            }
            out.push_str(&pad(depth));
            out.push('}');
        }
    }
}

/// A short, single-line, sanitised rendering of a value for messages (`found "abc"`, `found 7`).
pub fn short_json(value: &Value, max_chars: usize) -> String {
    let text = serde_json::to_string(value).unwrap_or_default();
    let text = sanitize(&text).into_owned();
    truncate(&text, max_chars)
}

/// Cuts text to at most `max_chars` characters, marking the cut with an ellipsis.
pub fn truncate(text: &str, max_chars: usize) -> String {
    if text.chars().count() <= max_chars {
        return text.to_string();
    }
    let mut cut: String = text.chars().take(max_chars.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// The line of `text` where a parse broke, sanitised and cut to fit, with a caret under `column`.
pub fn caret_snippet(text: &str, line: usize, column: usize) -> [String; 2] {
    let line_text = text.split('\n').nth(line.saturating_sub(1)).unwrap_or_default();
    let line_text = line_text.strip_suffix('\r').unwrap_or(line_text);
    let shown = truncate(&sanitize(line_text), 120);
    // The caret counts characters, as serde_json's column counts bytes: close enough for ASCII JSON text.
    let before: String = line_text.chars().take(column.saturating_sub(1)).collect();
    let caret = " ".repeat(sanitize(&before).chars().count().min(120));
    [shown, format!("{caret}^")]
}

/// `14710` as `14,710`.
pub fn thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// A hex preview of binary data: the first `max` bytes.
pub fn hex_preview(bytes: &[u8], max: usize) -> String {
    let shown: Vec<String> = bytes.iter().take(max).map(|b| format!("{b:02x}")).collect();
    let more = if bytes.len() > max { " …" } else { "" };
    format!("{}{more}", shown.join(" "))
}

/// Styles for the human output, applied only when the stream wants colour.
#[derive(Debug, Clone, Copy)]
pub struct Style {
    pub color: bool,
}

/// The printer every command gets from its context: a style per stream, and the one way to say a
/// warning, a note, a hint or an error on stderr (each line through the sanitiser).
#[derive(Debug, Clone, Copy)]
pub struct Printer {
    /// For stdout.
    pub out: Style,
    /// For stderr.
    pub err: Style,
}

impl Printer {
    pub fn new(stdout_color: bool, stderr_color: bool) -> Printer {
        Printer { out: Style { color: stdout_color }, err: Style { color: stderr_color } }
    }

    /// `warning: TEXT` on stderr.
    pub fn warn(&self, text: &str) {
        errln(&format!("{} {}", self.err.warn("warning:"), sanitize(text)));
    }

    /// `note: TEXT` on stderr (what a provider would do, what a flag costs).
    pub fn note(&self, text: &str) {
        errln(&format!("{} {}", self.err.warn("note:"), sanitize(text)));
    }

    /// `hint: TEXT` on stderr; the hint may span lines.
    pub fn hint(&self, text: &str) {
        errln(&format!("{} {}", self.err.dim("hint:"), sanitize_block(text)));
    }

    /// `LABEL TEXT` on stderr with the label in the failure colour (`✗ assertion:`, `forward failed:`).
    pub fn failure(&self, label: &str, text: &str) {
        errln(&format!("{} {}", self.err.bad(label), sanitize(text)));
    }
}

impl Style {
    pub fn ok(&self, text: &str) -> String {
        paint(text, Some(Color::Green), self.color)
    }
    pub fn bad(&self, text: &str) -> String {
        paint(text, Some(Color::Red), self.color)
    }
    pub fn warn(&self, text: &str) -> String {
        paint(text, Some(Color::Yellow), self.color)
    }
    pub fn dim(&self, text: &str) -> String {
        paint(text, Some(Color::BrightBlack), self.color)
    }
    pub fn bold(&self, text: &str) -> String {
        if self.color {
            text.bold().to_string()
        } else {
            text.to_string()
        }
    }
}

/// The gate every byte hookctl writes to stderr passes ([`errln`], so every warning, note, hint and error):
/// C0/C1 controls, DEL and bidi controls are written as visible escapes, except newline, tab and the colour
/// sequences hookctl itself paints with (`ESC [ digits;… m`). A call site that forgot [`sanitize`] can at
/// worst let a colour through: never a cursor move, a title, a hyperlink or a clipboard write.
pub fn terminal_safe(text: &str) -> Cow<'_, str> {
    gate(text, false)
}

/// The same gate for stdout ([`out`], [`gated_stdout`]), which also carries data (NDJSON, HAR, a body's
/// exact JSON): a carriage return there may be whitespace between JSON values, so it is kept.
pub fn stdout_safe(text: &str) -> Cow<'_, str> {
    gate(text, true)
}

fn gate(text: &str, keep_cr: bool) -> Cow<'_, str> {
    let passes = |c: char| !is_dangerous(c) || matches!(c, '\n' | '\t') || (keep_cr && c == '\r');
    if passes_the_gate(text.as_bytes(), keep_cr) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 16);
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let colour = sgr_length(rest.as_bytes());
        if colour > 0 {
            out.push_str(&rest[..colour]);
            rest = &rest[colour..];
            continue;
        }
        if passes(c) {
            out.push(c);
        } else {
            escape_char(&mut out, c);
        }
        rest = &rest[c.len_utf8()..];
    }
    Cow::Owned(out)
}

/// Whether UTF-8 `bytes` hold nothing the gate would change and no escape sequence at all (the usual case,
/// decided a byte at a time without decoding: a few instructions a byte on a megabyte of diff).
fn passes_the_gate(bytes: &[u8], keep_cr: bool) -> bool {
    let mut i = 0;
    while i < bytes.len() {
        if bytes.len() - i >= 8 && printable_ascii(&bytes[i..i + 8]) {
            i += 8;
            continue;
        }
        let b = bytes[i];
        let next = |n: usize| bytes.get(i + n).copied().unwrap_or(0);
        let clean = match b {
            0x20..=0x7e | b'\n' | b'\t' => true,
            b'\r' => keep_cr,
            // C1 controls (U+0080–U+009F), the Arabic letter mark (U+061C), and the bidi marks, embeddings,
            // overrides and isolates (U+200E/F, U+202A–E, U+2066–9).
            0xc2 => !(0x80..=0x9f).contains(&next(1)),
            0xd8 => next(1) != 0x9c,
            0xe2 => !matches!((next(1), next(2)), (0x80, 0x8e | 0x8f | 0xaa..=0xae) | (0x81, 0xa6..=0xa9)),
            0x80..=0xff => true,
            _ => false,
        };
        if !clean {
            return false;
        }
        i += 1;
    }
    true
}

/// The length of the colour sequence (`ESC [ 0-9;… m`, at most 32 bytes) `bytes` starts with; 0 if none.
fn sgr_length(bytes: &[u8]) -> usize {
    if !bytes.starts_with(b"\x1b[") {
        return 0;
    }
    let params = bytes[2..].iter().take(30).take_while(|b| b.is_ascii_digit() || **b == b';').count();
    if bytes.get(2 + params) == Some(&b'm') {
        3 + params
    } else {
        0
    }
}

/// A writer that passes what is written through [`terminal_safe`]: for the streams written in pieces (listen's
/// display queue, diff's report). A character or colour sequence cut between two writes waits for its end.
pub struct TerminalGate<W: Write> {
    inner: W,
    pending: Vec<u8>,
}

impl<W: Write> TerminalGate<W> {
    /// A gate for stdout (a carriage return kept, as [`stdout_safe`]).
    pub fn new(inner: W) -> TerminalGate<W> {
        TerminalGate { inner, pending: Vec::new() }
    }

    /// Writes out the decided part of `pending`: all of it at the end, else up to a cut character or an
    /// unfinished colour sequence (kept, unless it has grown past any real one).
    fn pass(&mut self, at_end: bool) -> io::Result<()> {
        let mut decided = self.pending.len();
        if !at_end {
            if let Some(esc) = self.pending.iter().rposition(|b| *b == 0x1b) {
                let tail = &self.pending[esc..];
                let open = tail.len() < 33
                    && (tail.len() == 1
                        || (tail[1] == b'[' && tail[2..].iter().all(|b| b.is_ascii_digit() || *b == b';')));
                if open {
                    decided = esc;
                }
            }
            decided -= cut_char_length(&self.pending[..decided]);
        }
        let text = String::from_utf8_lossy(&self.pending[..decided]);
        self.inner.write_all(stdout_safe(&text).as_bytes())?;
        self.pending.drain(..decided);
        Ok(())
    }
}

/// How many bytes at the end of `bytes` are the start of a UTF-8 character still to come.
fn cut_char_length(bytes: &[u8]) -> usize {
    for back in 1..=bytes.len().min(3) {
        let b = bytes[bytes.len() - back];
        if b & 0xc0 != 0x80 {
            let needed = match b {
                0xc0..=0xdf => 2,
                0xe0..=0xef => 3,
                0xf0..=0xf7 => 4,
                _ => 1,
            };
            return if needed > back { back } else { 0 };
        }
    }
    0
}

impl<W: Write> Write for TerminalGate<W> {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        // Whole characters and nothing to change or wait for (the usual case): straight through, no copy.
        if self.pending.is_empty() && passes_the_gate(buf, true) && std::str::from_utf8(buf).is_ok() {
            self.inner.write_all(buf)?;
            return Ok(buf.len());
        }
        self.pending.extend_from_slice(buf);
        self.pass(false)?;
        Ok(buf.len())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.pass(true)?;
        self.inner.flush()
    }
}

/// Stdout behind the gate, for a command that writes its output in pieces.
pub fn gated_stdout() -> TerminalGate<io::Stdout> {
    TerminalGate::new(io::stdout())
}

/// Writes to stdout, through [`stdout_safe`]. A closed pipe (`hookctl fixtures | head -3`) is
/// [`OutputClosed`], which ends the command and then the process quietly (see `main`); other write errors are
/// ignored, as for any printer.
pub fn out(text: &str) -> Result<(), OutputClosed> {
    let text = stdout_safe(text);
    let mut stdout = io::stdout().lock();
    match stdout.write_all(text.as_bytes()).and_then(|()| stdout.flush()) {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Err(OutputClosed),
        _ => Ok(()),
    }
}

/// Writes a line to stdout (see [`out`]).
pub fn outln(text: &str) -> Result<(), OutputClosed> {
    out(&format!("{text}\n"))
}

/// A record's `received_at` (UTC, RFC 3339) as every command shows a time: local, with the zone's offset
/// (`2026-12-01 11:22:01.123 +01:00`). Files and the API keep UTC.
pub fn local_time(received_at: &str) -> String {
    chrono::DateTime::parse_from_rfc3339(received_at)
        .map(|t| t.with_timezone(&chrono::Local).format("%Y-%m-%d %H:%M:%S%.3f %:z").to_string())
        .unwrap_or_else(|_| sanitize(received_at).into_owned())
}

/// This machine's offset from UTC now, as `UTC+01:00`.
pub fn local_zone() -> String {
    format!("UTC{}", chrono::Local::now().format("%:z"))
}

/// Writes a line to stderr, through [`terminal_safe`]; errors writing diagnostics are ignored.
pub fn errln(text: &str) {
    let text = terminal_safe(text);
    let mut stderr = io::stderr().lock();
    let _ = writeln!(stderr, "{text}");
}

/// One compact JSON line on stdout (NDJSON), never coloured.
pub fn json_line(value: &Value) -> Result<(), OutputClosed> {
    outln(&json_safe(serde_json::to_string(value).unwrap_or_default()))
}

/// Whether text holds anything [`json_safe`] would escape.
pub fn has_unsafe_chars(text: &str) -> bool {
    !is_plain_ascii(text) && text.chars().any(is_dangerous)
}

/// ASCII without DEL: nothing in it needs escaping beyond what serde_json already does (word-at-a-time check).
fn is_plain_ascii(text: &str) -> bool {
    text.is_ascii() && !text.as_bytes().contains(&0x7f)
}

/// Serialised JSON with DEL, C1 controls and bidi overrides written as `\uXXXX` escapes (serde_json already
/// escapes C0): still the same JSON value, and safe should it land on a terminal. Such characters can only
/// occur inside JSON strings, where a `\u` escape means the same character. Tab, newline and carriage return
/// are left alone: serde_json never writes them raw inside a string, so raw they are whitespace between values
/// (pretty output, a body kept verbatim), where an escape would break the JSON.
pub fn json_safe(text: String) -> String {
    if is_plain_ascii(&text) {
        return text;
    }
    let mut out = String::with_capacity(text.len() + 16);
    for c in text.chars() {
        if is_dangerous(c) && !matches!(c, '\t' | '\n' | '\r') {
            let _ = write!(out, "\\u{:04x}", c as u32);
        } else {
            out.push(c);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_gate_lets_hookctls_colours_through_and_nothing_else() {
        let painted = "\x1b[31mred\x1b[0m \x1b[1;32mok\x1b[0m";
        assert_eq!(terminal_safe(painted), painted);
        assert_eq!(terminal_safe("a\x1b]0;title\x07b"), "a\\x1b]0;title\\x07b");
        assert_eq!(terminal_safe("\x1b[2J\x1b[H"), "\\x1b[2J\\x1b[H");
        assert_eq!(terminal_safe("over\rwrite\u{202e}"), "over\\rwrite\\u{202e}");
        assert_eq!(stdout_safe("{\"a\":1,\r\n\"b\":2}"), "{\"a\":1,\r\n\"b\":2}");
        assert_eq!(stdout_safe("\u{9b}31m"), "\\u{9b}31m");
    }

    #[test]
    fn the_gate_waits_for_a_character_or_colour_cut_between_two_writes() {
        let mut gate = TerminalGate::new(Vec::new());
        let text = "é\x1b[31m✓\x1b[0m\u{202e}x";
        for byte in text.as_bytes() {
            gate.write_all(std::slice::from_ref(byte)).unwrap();
        }
        gate.write_all(b"\x1b").unwrap();
        gate.flush().unwrap();
        assert_eq!(String::from_utf8(gate.inner).unwrap(), "é\x1b[31m✓\x1b[0m\\u{202e}x\\x1b");
    }
    use serde_json::json;

    #[test]
    fn escape_sequences_never_pass_raw() {
        let evil = "a\x1b[2J\x1b]0;pwned\x07b\u{9b}c\u{202e}d\x7f";
        let clean = sanitize(evil);
        assert!(!clean.chars().any(is_dangerous), "{clean}");
        assert_eq!(clean, "a\\x1b[2J\\x1b]0;pwned\\x07b\\u{9b}c\\u{202e}d\\x7f");
    }

    #[test]
    fn printable_ascii_agrees_with_a_byte_by_byte_check_at_every_position() {
        for len in 0..20 {
            let base = vec![b'a'; len];
            assert!(printable_ascii(&base));
            for at in 0..len {
                for b in [0u8, 0x09, 0x0a, 0x1f, 0x20, 0x41, 0x7e, 0x7f, 0x80, 0x9b, 0xe4, 0xff] {
                    let mut bytes = base.clone();
                    bytes[at] = b;
                    assert_eq!(printable_ascii(&bytes), (0x20..0x7f).contains(&b), "{bytes:?}");
                }
            }
        }
    }

    #[test]
    fn plain_text_is_borrowed_untouched() {
        assert!(matches!(sanitize("plain 中文 text"), Cow::Borrowed(_)));
    }

    #[test]
    fn blocks_keep_newlines_but_not_escapes() {
        assert_eq!(sanitize_block("line1\nline2\x1b[31m"), "line1\nline2\\x1b[31m");
    }

    #[test]
    fn pretty_json_escapes_strings_and_keys() {
        let value = json!({"k\u{1b}": "v\u{9b}31m", "n": [1, true, null]});
        let text = pretty_json(&value, false);
        assert!(!text.chars().any(|c| c != '\n' && is_dangerous(c)), "{text}");
        assert!(text.contains("\"k\\u001b\""));
        assert!(text.contains("\\u{9b}31m"));
        colored::control::set_override(true);
        let coloured = pretty_json(&value, true);
        assert!(coloured.contains('\x1b'), "colour codes are ours, added only when asked");
    }

    #[test]
    fn pretty_json_round_trips_without_colour() {
        let value = json!({"a": {"b": [1, 2, {"c": "d"}]}, "e": {}, "f": []});
        let parsed: Value = serde_json::from_str(&pretty_json(&value, false)).unwrap();
        assert_eq!(parsed, value);
    }

    #[test]
    fn json_lines_escape_c1_and_bidi_but_stay_the_same_json() {
        let value = json!({"t": "a\u{9b}b\u{202e}c\u{7f}中"});
        let line = json_safe(serde_json::to_string(&value).unwrap());
        assert!(!line.chars().any(is_dangerous), "{line}");
        assert_eq!(serde_json::from_str::<Value>(&line).unwrap(), value);
    }

    #[test]
    fn truncation_marks_the_cut() {
        assert_eq!(truncate("abcdef", 4), "abc…");
        assert_eq!(truncate("abc", 4), "abc");
        assert_eq!(hex_preview(&[0, 255, 16], 2), "00 ff …");
        assert_eq!(
            (thousands(14_710), thousands(999), thousands(1_000_000)),
            ("14,710".into(), "999".into(), "1,000,000".into())
        );
    }
}
