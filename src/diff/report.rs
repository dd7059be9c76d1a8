//! What `diff` prints: a verdict, schema problems, extra fields and the masked diff, as text or as one
//! JSON object. Both stream the diff straight to stdout, one line at a time.
use std::io::{self, BufWriter, Write};

use serde_json::json;

use super::compare::{DiffSink, LineKind, Normalise, Plan};
use crate::doc::DocNode;
use crate::output::{json_safe, sanitize, Style};
use crate::schema::Verdict;

/// Everything `diff` found.
pub struct Report<'a> {
    pub event: Option<String>,
    pub verdict: Verdict,
    pub extra_fields: Vec<String>,
    pub strict: bool,
    /// The comparison with the expected fixture; none against a user schema.
    pub plan: Option<&'a Plan>,
    pub expected_label: String,
    /// `--assert` results (none without `--assert`).
    pub assertions: Vec<crate::assertion::Checked>,
}

impl Report<'_> {
    pub fn matches(&self) -> bool {
        self.verdict.valid && (!self.strict || self.extra_fields.is_empty()) && self.assertions.iter().all(|a| a.ok)
    }

    /// The report as one test case.
    pub fn case(&self, label: &str) -> crate::report::Case {
        let against = self.event.as_deref().unwrap_or("the schema");
        let mut messages: Vec<String> = self.verdict.errors.iter().map(|e| e.to_string()).collect();
        if self.strict {
            messages.extend(self.extra_fields.iter().map(|f| format!("{f}: a field the provider never sends")));
        }
        messages.extend(
            self.assertions
                .iter()
                .filter(|a| !a.ok)
                .map(|a| format!("assertion failed: {} (found {})", a.assertion, a.found)),
        );
        crate::report::Case::new(format!("diff {label} against {against}"), self.matches(), messages)
    }

    fn problem_count(&self) -> usize {
        self.verdict.errors.len()
            + if self.strict { self.extra_fields.len() } else { 0 }
            + self.assertions.iter().filter(|a| !a.ok).count()
    }

    /// Prints the report to stdout; a closed pipe is [`crate::error::OutputClosed`].
    pub fn print(&self, received: DocNode<'_>, how: Normalise<'_>, json: bool, color: bool) -> anyhow::Result<()> {
        let mut out = BufWriter::with_capacity(64 * 1024, crate::output::gated_stdout());
        self.write_to(received, how, json, color, &mut out).and_then(|()| out.flush()).map_err(crate::error::closed_or)
    }

    /// Writes the report (text or JSON) to any writer: stdout for `diff`, a buffer for the inspector.
    pub fn write_to(
        &self,
        received: DocNode<'_>,
        how: Normalise<'_>,
        json: bool,
        color: bool,
        out: &mut impl Write,
    ) -> io::Result<()> {
        if json {
            self.print_json(received, how, out)
        } else {
            self.print_text(received, how, color, out)
        }
    }

    fn write_diff(&self, received: DocNode<'_>, how: Normalise<'_>, sink: &mut impl DiffSink) -> io::Result<()> {
        match self.plan {
            Some(plan) => plan.write(received, how, (&self.expected_label, "received"), sink),
            None => Ok(()),
        }
    }

    fn print_text(
        &self,
        received: DocNode<'_>,
        how: Normalise<'_>,
        color: bool,
        out: &mut impl Write,
    ) -> io::Result<()> {
        let style = Style { color };
        out.write_all(self.summary(&style).as_bytes())?;
        for checked in &self.assertions {
            let mark = if checked.ok { style.ok("✓") } else { style.bad("✗") };
            let line = format!(
                "{mark} assert {} (found {})\n",
                sanitize(&checked.assertion),
                sanitize(&checked.found.to_string())
            );
            out.write_all(line.as_bytes())?;
        }
        if self.plan.is_some_and(|plan| !plan.is_empty()) {
            out.write_all(b"\n")?;
        }
        self.write_diff(received, how, &mut TerminalSink::new(out, style))
    }

    /// The verdict line, the schema problems and the extra fields.
    fn summary(&self, style: &Style) -> String {
        let name = self.event.as_deref().unwrap_or("the schema");
        let shape = self.verdict.shape.as_ref().map(|s| format!(" ({s} shape)")).unwrap_or_default();
        let mut text = if self.matches() {
            format!("{} matches {}{shape}\n", style.ok("✓"), sanitize(name))
        } else {
            let n = self.problem_count();
            let plural = if n == 1 { "problem" } else { "problems" };
            format!("{} does not match {}{shape} ({n} {plural})\n", style.bad("✗"), sanitize(name))
        };
        for error in &self.verdict.errors {
            text.push_str(&format!("  {} {}\n", style.bad("✗"), sanitize(&error.to_string())));
        }
        for field in &self.extra_fields {
            let at = sanitize(field);
            if self.strict {
                text.push_str(&format!("  {} {at}: the provider never sends this field\n", style.bad("✗")));
            } else {
                text.push_str(&format!(
                    "  {} {at}: not in the schema (the provider never sends it)\n",
                    style.warn("note:")
                ));
            }
        }
        text
    }

    /// One JSON object on one line; `diff` comes last so its text can stream into the string.
    fn print_json(&self, received: DocNode<'_>, how: Normalise<'_>, out: &mut impl Write) -> io::Result<()> {
        let head = json!({
            "event": self.event,
            "matches": self.matches(),
            "shape": self.verdict.shape,
            "errors": self.verdict.errors,
            "extra_fields": self.extra_fields,
        });
        let mut head = head;
        if !self.assertions.is_empty() {
            head["assertions"] = serde_json::Value::Array(self.assertions.iter().map(|a| a.to_json()).collect());
        }
        let head = json_safe(serde_json::to_string(&head).unwrap_or_default());
        out.write_all(head.strip_suffix('}').unwrap_or(&head).as_bytes())?;
        out.write_all(b",\"diff\":\"")?;
        self.write_diff(received, how, &mut JsonStringSink { out })?;
        out.write_all(b"\"}\n")
    }
}

/// Diff lines for a terminal: sanitised, coloured by kind.
struct TerminalSink<'w, W> {
    out: &'w mut W,
    palette: Palette,
    current: Option<LineKind>,
}

impl<'w, W> TerminalSink<'w, W> {
    fn new(out: &'w mut W, style: Style) -> Self {
        TerminalSink { out, palette: Palette::new(&style), current: None }
    }
}

/// The colour codes that open and close insert, delete and hunk-header lines (empty without colour).
struct Palette {
    insert: (String, String),
    delete: (String, String),
    hunk: (String, String),
}

impl Palette {
    fn new(style: &Style) -> Palette {
        Palette {
            insert: colour_codes(|t| style.ok(t)),
            delete: colour_codes(|t| style.bad(t)),
            hunk: colour_codes(|t| style.dim(t)),
        }
    }

    fn codes(&self, kind: LineKind) -> Option<&(String, String)> {
        match kind {
            LineKind::Insert => Some(&self.insert),
            LineKind::Delete => Some(&self.delete),
            LineKind::Hunk => Some(&self.hunk),
            _ => None,
        }
    }
}

/// The codes `paint` puts before and after a text, found once by painting a marker, so a long line
/// streams through in pieces instead of being copied to be coloured.
fn colour_codes(paint: impl Fn(&str) -> String) -> (String, String) {
    let painted = paint("\u{0}");
    match painted.split_once('\u{0}') {
        Some((open, close)) => (open.to_string(), close.to_string()),
        None => (String::new(), String::new()),
    }
}

impl<W: Write> DiffSink for TerminalSink<'_, W> {
    fn start(&mut self, kind: LineKind) -> io::Result<()> {
        self.current = Some(kind);
        if let Some((open, _)) = self.palette.codes(kind) {
            self.out.write_all(open.as_bytes())?;
        }
        self.out.write_all(kind.prefix().as_bytes())
    }

    fn text(&mut self, piece: &str) -> io::Result<()> {
        self.out.write_all(sanitize(piece).as_bytes())
    }

    fn finish(&mut self) -> io::Result<()> {
        if let Some((_, close)) = self.current.take().and_then(|kind| self.palette.codes(kind)) {
            self.out.write_all(close.as_bytes())?;
        }
        self.out.write_all(b"\n")
    }
}

/// Diff lines as the inside of a JSON string (escaped as every `--json` line is).
struct JsonStringSink<'w, W> {
    out: &'w mut W,
}

impl<W: Write> DiffSink for JsonStringSink<'_, W> {
    fn start(&mut self, kind: LineKind) -> io::Result<()> {
        self.text(kind.prefix())
    }

    fn text(&mut self, piece: &str) -> io::Result<()> {
        let quoted = json_safe(serde_json::to_string(piece).unwrap_or_default());
        self.out.write_all(quoted.get(1..quoted.len().saturating_sub(1)).unwrap_or_default().as_bytes())
    }

    fn finish(&mut self) -> io::Result<()> {
        self.out.write_all(b"\\n")
    }
}
