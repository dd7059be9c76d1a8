//! Reading what the user hands in: a file, `-` for stdin, or a `listen --save` capture (`FILE[:ID]`).
use std::io::Read;
use std::path::Path;

use anyhow::Result;
use serde_json::Value;

use crate::capture;
use crate::capture::select::{self, Selection};
use crate::doc::Doc;
use crate::error::UserError;
use crate::output::{caret_snippet, sanitize};

/// What an input argument turned out to be.
pub struct Input {
    /// The exact payload bytes (a capture's body, for a capture).
    pub bytes: Vec<u8>,
    /// The capture record, when the input was one.
    pub record: Option<capture::Record>,
    /// How to name it in messages.
    pub label: String,
}

/// The most a payload read from stdin or a file may be unless `--max-body` says otherwise.
pub const DEFAULT_MAX_INPUT: u64 = 64 << 20;

/// Reads `-` (stdin), `FILE:ID` (a capture record), or `FILE`, which is a capture file when its lines are
/// capture records (its last one is used) and a payload otherwise. A payload over `limit` bytes is refused
/// (after reading no more than that).
pub fn read(spec: &str, limit: u64) -> Result<Input> {
    if spec == "-" {
        let bytes = read_capped(std::io::stdin().lock(), limit, "stdin")?;
        return Ok(Input { bytes, record: None, label: "stdin".into() });
    }
    let Some(selection) = Selection::parse(spec)? else {
        let hint = "give a JSON file, - for stdin, or a capture file from `listen --save` (FILE, FILE:ID or FILE:-1)";
        return Err(match select::not_a_file(spec) {
            Some(kind) => UserError::with_hint(format!("cannot read {}: it is {kind}", sanitize(spec)), hint),
            None => UserError::with_hint(format!("cannot read {}: no such file", sanitize(spec)), hint),
        }
        .into());
    };
    let path = selection.path.clone();
    if selection.items.is_some() {
        let captured = crate::capture::collect::one(selection, "this command", false)?;
        let label = format!("{}:{}", path.display(), captured.record.id);
        return Ok(from_record(captured, label));
    }
    if looks_like_capture(&path) {
        if let Ok(captured) = crate::capture::collect::one(selection, "this command", false) {
            let label = format!("{}:{}", path.display(), captured.record.id);
            return Ok(from_record(captured, label));
        }
    }
    let bytes = read_file(&path, limit)?;
    Ok(Input { bytes, record: None, label: path.display().to_string() })
}

/// The latest record of several capture files (`received_at`; the files' order on a tie), each `FILE` or
/// `FILE:ID`: the shards of one run, diffed as one.
pub fn latest_of(specs: &[String]) -> Result<Input> {
    let mut latest: Option<(capture::Captured, String)> = None;
    for spec in specs {
        let selection = Selection::require(spec, "diff")?;
        let path = selection.path.clone();
        let captured = crate::capture::collect::one(selection, "diff", false)?;
        let later = latest.as_ref().is_none_or(|(best, _)| captured.record.received_at > best.record.received_at);
        if later {
            let label = format!("{}:{}", path.display(), captured.record.id);
            latest = Some((captured, label));
        }
    }
    let (captured, label) = latest.ok_or_else(|| UserError::new("no capture file given"))?;
    Ok(from_record(captured, label))
}

/// `listen --save` writes every record with `id` first: a look at the file's start spares a large payload
/// from being read as a would-be capture file.
fn looks_like_capture(path: &Path) -> bool {
    let mut start = Vec::with_capacity(64);
    let read = std::fs::File::open(path).and_then(|file| file.take(64).read_to_end(&mut start));
    read.is_ok() && String::from_utf8_lossy(&start).trim_start().starts_with("{\"id\":")
}

/// Says on stderr which lines of a capture file were skipped (a torn last record, a corrupt line).
pub fn warn_skipped(captured: &capture::Captured) {
    // Said without colour: reading input happens before (and apart from) any command's printer.
    let printer = crate::output::Printer::new(false, false);
    for warning in &captured.warnings {
        printer.warn(warning);
    }
}

fn from_record(captured: capture::Captured, label: String) -> Input {
    warn_skipped(&captured);
    Input { bytes: captured.body, record: Some(captured.record), label }
}

/// A whole file, refused when it is over `limit` bytes (a device like /dev/zero never ends: it is cut there).
pub fn read_file(path: &Path, limit: u64) -> Result<Vec<u8>> {
    read_named(path, limit, "")
}

/// [`read_file`], its messages naming the file as `what PATH` (`--response-body file answer.json`).
pub fn read_named(path: &Path, limit: u64, what: &str) -> Result<Vec<u8>> {
    let label = if what.is_empty() { path.display().to_string() } else { format!("{what} {}", path.display()) };
    let file = std::fs::File::open(path).map_err(|e| UserError::new(format!("cannot read {label}: {e}")))?;
    // Sized once from the file's length: read through `take`, the buffer would otherwise double its way up,
    // each step a copy and fresh pages (a 5 MB body touched about 16 MB).
    let size = file.metadata().map_or(0, |m| m.len()).min(limit.saturating_add(1));
    let bytes = Vec::with_capacity(usize::try_from(size).unwrap_or(0).saturating_add(1));
    read_capped_into(file, limit, &label, bytes)
}

/// Everything `reader` gives, up to `limit` bytes; more is an input error that names the cap.
fn read_capped(reader: impl Read, limit: u64, label: &str) -> Result<Vec<u8>> {
    read_capped_into(reader, limit, label, Vec::new())
}

fn read_capped_into(reader: impl Read, limit: u64, label: &str, mut bytes: Vec<u8>) -> Result<Vec<u8>> {
    reader
        .take(limit.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| UserError::new(format!("cannot read {}: {e}", sanitize(label))))?;
    if bytes.len() as u64 > limit {
        return Err(UserError::with_hint(
            format!("{} is over {} bytes: not read further", sanitize(label), limit),
            "raise the cap with --max-body SIZE (e.g. --max-body 256MiB)",
        )
        .into());
    }
    Ok(bytes)
}

/// Parses JSON, or fails with the line, the column and the offending line shown.
pub fn parse_json(bytes: &[u8], label: &str) -> Result<Value> {
    serde_json::from_slice(bytes).map_err(|err| invalid_json(&err, bytes, label))
}

/// Parses JSON into the compact [`Doc`] (for payloads of any size), failing as [`parse_json`] does.
pub fn parse_doc(bytes: &[u8], label: &str) -> Result<Doc> {
    Doc::parse(bytes).map_err(|err| invalid_json(&err, bytes, label))
}

fn invalid_json(err: &serde_json::Error, bytes: &[u8], label: &str) -> anyhow::Error {
    let line_text = bytes.split(|b| *b == b'\n').nth(err.line().saturating_sub(1)).unwrap_or_default();
    let line_text = String::from_utf8_lossy(&line_text[..line_text.len().min(4096)]);
    let [shown, caret] = caret_snippet(&line_text, 1, err.column());
    UserError::with_hint(
        format!("{} is not valid JSON: {err}", sanitize(label)),
        format!("line {}, column {}:\n  {shown}\n  {caret}", err.line(), err.column()),
    )
    .into()
}
