//! Normalise, mask and compare two JSON documents as pretty-printed lines (the `similar` crate's Myers
//! diff), streaming: neither side's text is ever held whole. Planning keeps 8 bytes per line (its hash);
//! printing pretty-prints the received side once more and passes on only the lines a hunk shows.
use std::collections::HashSet;
use std::fmt::Write as _;
use std::hash::{DefaultHasher, Hasher};
use std::io;
use std::iter::Peekable;
use std::ops::Range;
use std::time::{Duration, Instant};

use similar::udiff::UnifiedHunkHeader;
use similar::{capture_diff_deadline, group_diff_ops, Algorithm, ChangeTag, DiffOp};

use crate::doc::{DocNode, DocNumber, View};
use crate::pointer;

/// How both sides are normalised before they are compared.
#[derive(Clone, Copy)]
pub struct Normalise<'a> {
    /// Pointers whose values are replaced by `‹varies: TYPE›`.
    pub mask: &'a [String],
    /// Pointers left out altogether.
    pub ignore: &'a [String],
}

/// Where pretty-printed text goes, a line at a time: a line is handed over whole once it ends, or, when it
/// grows past [`LONG_LINE`] bytes (a 5 MB string), in pieces as it comes, then its end.
pub trait Lines {
    /// A piece of a long line; more of it follows.
    fn piece(&mut self, text: &[u8]) -> io::Result<()>;
    /// The rest of the current line (all of it, for a short one); the line ends here.
    fn line(&mut self, rest: &[u8]) -> io::Result<()>;
}

/// How much of a line is gathered before it is passed on in pieces.
pub const LONG_LINE: usize = 64 << 10;

/// The text itself, lines ended by `\n`.
impl Lines for Vec<u8> {
    fn piece(&mut self, text: &[u8]) -> io::Result<()> {
        self.extend_from_slice(text);
        Ok(())
    }

    fn line(&mut self, rest: &[u8]) -> io::Result<()> {
        self.extend_from_slice(rest);
        self.push(b'\n');
        Ok(())
    }
}

/// Writes `node` laid out as serde_json pretty-prints (two-space indent, one value per line), with keys
/// sorted at every level, fields at the `ignore` pointers left out, and values at the `mask` pointers
/// replaced by a label that keeps their JSON type (so a masked `true` against a masked `"true"` still
/// shows). Masked and ignored subtrees are never read: a 5 MB crash stack that varies costs nothing here.
pub fn write_pretty(node: DocNode<'_>, how: Normalise<'_>, out: &mut impl Lines) -> io::Result<()> {
    let mut printer = Printer { how, out, line: Vec::with_capacity(256) };
    printer.value(node, &mut String::new(), true, 0)?;
    printer.end_line()
}

impl<'a> Normalise<'a> {
    /// The first steps (escaped pointer tokens) below `at` of the masks and ignored pointers that reach
    /// under it: the children whose pointers need following; no other child's pointer is written.
    /// Each is unescaped: a child's key is compared as it is, and escaped only when it is followed.
    fn next_segments(&self, at: &str) -> Vec<std::borrow::Cow<'a, str>> {
        let mut segments: Vec<std::borrow::Cow<'a, str>> = Vec::new();
        for pointer in self.mask.iter().chain(self.ignore) {
            let Some(below) = pointer.strip_prefix(at).and_then(|rest| rest.strip_prefix('/')) else { continue };
            let segment = pointer::unescape(below.split('/').next().unwrap_or_default());
            if !segments.contains(&segment) {
                segments.push(segment);
            }
        }
        segments
    }
}

struct Printer<'a, L> {
    how: Normalise<'a>,
    out: &'a mut L,
    /// The line being written.
    line: Vec<u8>,
}

fn kind(node: DocNode<'_>) -> &'static str {
    match node.view() {
        View::Null => "null",
        View::Bool(_) => "boolean",
        View::Number(_) => "number",
        View::Str(_) => "string",
        View::Array(_) => "array",
        View::Object(_) => "object",
    }
}

impl<L: Lines> Printer<'_, L> {
    /// `at` is the node's pointer, kept only while `follow` (a mask or ignored pointer lies at or below it).
    fn value(&mut self, node: DocNode<'_>, at: &mut String, follow: bool, depth: usize) -> io::Result<()> {
        if follow && self.how.mask.iter().any(|m| m == at) {
            return self.string(&format!("‹varies: {}›", kind(node)));
        }
        match node.view() {
            View::Null => self.line.extend_from_slice(b"null"),
            View::Bool(b) => self.line.extend_from_slice(if b { b"true" } else { b"false" }),
            View::Number(DocNumber::U64(n)) => serde_json::to_writer(&mut self.line, &n)?,
            View::Number(DocNumber::I64(n)) => serde_json::to_writer(&mut self.line, &n)?,
            View::Number(n) => serde_json::to_writer(&mut self.line, &n.to_number())?,
            View::Str(text) => return self.string(text.as_str()),
            View::Array(array) => {
                // The children a mask or an ignored pointer reaches into: only their pointers are written.
                let followed = if follow { self.how.next_segments(at) } else { Vec::new() };
                let mut open = false;
                let mut index = String::new();
                for (i, item) in array.items().enumerate() {
                    let len = at.len();
                    let mut follow_item = false;
                    if !followed.is_empty() {
                        index.clear();
                        let _ = write!(index, "{i}");
                        if followed.iter().any(|s| *s == index) {
                            at.push('/');
                            at.push_str(&index);
                            if self.ignored(at) {
                                at.truncate(len);
                                continue;
                            }
                            follow_item = true;
                        }
                    }
                    self.next_item(&mut open, b'[', depth)?;
                    self.value(item, at, follow_item, depth + 1)?;
                    at.truncate(len);
                }
                return self.close(open, b']', depth);
            }
            View::Object(object) => {
                let followed = if follow { self.how.next_segments(at) } else { Vec::new() };
                let mut open = false;
                for (key, item) in object.sorted_members() {
                    let len = at.len();
                    let mut follow_item = false;
                    if followed.iter().any(|s| s == key) {
                        at.push('/');
                        at.push_str(&pointer::escape(key));
                        if self.ignored(at) {
                            at.truncate(len);
                            continue;
                        }
                        follow_item = true;
                    }
                    self.next_item(&mut open, b'{', depth)?;
                    self.string(key)?;
                    self.line.extend_from_slice(b": ");
                    self.value(item, at, follow_item, depth + 1)?;
                    at.truncate(len);
                }
                return self.close(open, b'}', depth);
            }
        }
        Ok(())
    }

    fn ignored(&self, at: &str) -> bool {
        self.how.ignore.iter().any(|i| i == at)
    }

    /// A JSON string; a long one is escaped (and passed on) a piece at a time, each piece from at most an
    /// eighth of [`LONG_LINE`] characters (escaped, a character takes at most six bytes).
    fn string(&mut self, text: &str) -> io::Result<()> {
        const CHUNK: usize = LONG_LINE / 8;
        // Nothing to escape (serde_json escapes `"`, `\\` and control characters only): copied as it is.
        if text.len() <= CHUNK && text.bytes().all(|b| b >= 0x20 && b != b'"' && b != b'\\') {
            self.line.push(b'"');
            self.line.extend_from_slice(text.as_bytes());
            self.line.push(b'"');
            return self.spill_if_long();
        }
        if text.len() <= CHUNK {
            serde_json::to_writer(&mut self.line, text)?;
            return self.spill_if_long();
        }
        self.line.push(b'"');
        let mut rest = text;
        while !rest.is_empty() {
            let mut cut = rest.len().min(CHUNK);
            while !rest.is_char_boundary(cut) {
                cut -= 1;
            }
            let quoted = serde_json::to_string(&rest[..cut])?;
            self.line.extend_from_slice(&quoted.as_bytes()[1..quoted.len() - 1]);
            self.spill_if_long()?;
            rest = &rest[cut..];
        }
        self.line.push(b'"');
        Ok(())
    }

    /// Passes on what the line holds once it is long (whole tokens only: pieces end on character boundaries).
    fn spill_if_long(&mut self) -> io::Result<()> {
        if self.line.len() >= LONG_LINE {
            self.out.piece(&self.line)?;
            self.line.clear();
        }
        Ok(())
    }

    fn end_line(&mut self) -> io::Result<()> {
        self.out.line(&self.line)?;
        self.line.clear();
        Ok(())
    }

    /// Opens the container before its first item, or ends the previous item; then indents.
    fn next_item(&mut self, open: &mut bool, bracket: u8, depth: usize) -> io::Result<()> {
        if *open {
            self.line.push(b',');
        } else {
            self.line.push(bracket);
            *open = true;
        }
        self.end_line()?;
        self.indent(depth + 1);
        Ok(())
    }

    fn close(&mut self, open: bool, bracket: u8, depth: usize) -> io::Result<()> {
        if open {
            self.end_line()?;
            self.indent(depth);
            self.line.push(bracket);
        } else {
            self.line.extend_from_slice(if bracket == b']' { b"[]" } else { b"{}" });
        }
        Ok(())
    }

    fn indent(&mut self, depth: usize) {
        self.line.resize(self.line.len() + 2 * depth, b' ');
    }
}

/// Hashes of the lines written to it: all the planner keeps of a side.
#[derive(Default)]
struct LineHashes {
    current: DefaultHasher,
    lines: Vec<u64>,
}

impl Lines for LineHashes {
    fn piece(&mut self, text: &[u8]) -> io::Result<()> {
        self.current.write(text);
        Ok(())
    }

    fn line(&mut self, rest: &[u8]) -> io::Result<()> {
        self.current.write(rest);
        self.lines.push(std::mem::take(&mut self.current).finish());
        Ok(())
    }
}

/// One printed line of a unified diff.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum LineKind {
    /// `--- expected`
    OldFile,
    /// `+++ received`
    NewFile,
    /// `@@ -a,b +c,d @@`
    Hunk,
    Context,
    Delete,
    Insert,
}

impl LineKind {
    pub fn prefix(self) -> &'static str {
        match self {
            LineKind::OldFile => "--- ",
            LineKind::NewFile => "+++ ",
            LineKind::Hunk => "",
            LineKind::Context => " ",
            LineKind::Delete => "-",
            LineKind::Insert => "+",
        }
    }
}

/// Where diff lines go (the terminal, or a JSON string). A line comes as `start`, its text (without the
/// prefix) in one or more pieces, then `finish`, so a 5 MB line is never copied whole.
pub trait DiffSink {
    fn start(&mut self, kind: LineKind) -> io::Result<()>;
    fn text(&mut self, piece: &str) -> io::Result<()>;
    fn finish(&mut self) -> io::Result<()>;

    fn line(&mut self, kind: LineKind, text: &str) -> io::Result<()> {
        self.start(kind)?;
        self.text(text)?;
        self.finish()
    }
}

/// The comparison of an expected and a received document: which lines differ, not yet printed.
pub struct Plan {
    /// The expected side's normalised text, which is a fixture's: small.
    old_text: String,
    old_lines: Vec<(usize, usize)>,
    old_hashes: Vec<u64>,
    new_hashes: Vec<u64>,
    hunks: Vec<Vec<DiffOp>>,
}

/// Compares `expected` with `received`, both normalised by `how`, keeping `context` lines around changes.
pub fn plan(expected: DocNode<'_>, received: DocNode<'_>, how: Normalise<'_>, context: usize) -> Plan {
    let mut old_text = Vec::new();
    let _ = write_pretty(expected, how, &mut old_text);
    let old_text = String::from_utf8(old_text).unwrap_or_default();
    let mut old_lines = Vec::new();
    let mut start = 0;
    for (end, _) in old_text.match_indices('\n') {
        old_lines.push((start, end));
        start = end + 1;
    }
    let old_hashes = old_lines.iter().map(|(s, e)| hash_line(&old_text.as_bytes()[*s..*e])).collect::<Vec<_>>();
    // Over-reserved on purpose: pages never written cost nothing, a regrowth copy costs the old buffer.
    let mut new = LineHashes { lines: Vec::with_capacity(received.size() / 4), ..LineHashes::default() };
    let _ = write_pretty(received, how, &mut new);
    let ops = line_ops(&old_hashes, &new.lines);
    let changed = ops.iter().any(|op| !matches!(op, DiffOp::Equal { .. }));
    let hunks = if changed { group_diff_ops(ops, context) } else { Vec::new() };
    Plan { old_text, old_lines, old_hashes, new_hashes: new.lines, hunks }
}

/// Myers (the `similar` crate's) on the lines that can match at all. A line found on one side only is a
/// plain delete or insert whatever the alignment, so leaving such lines out first (as GNU diff does)
/// changes no result, only the time: a 20,000-field object against a 30-line fixture would otherwise keep
/// Myers busy for seconds. A deadline bounds what remains; past it, the rest comes out as one change.
fn line_ops(old: &[u64], new: &[u64]) -> Vec<DiffOp> {
    let in_old: HashSet<u64> = old.iter().copied().collect();
    let kept_new: Vec<usize> = (0..new.len()).filter(|j| in_old.contains(&new[*j])).collect();
    let in_both: HashSet<u64> = kept_new.iter().map(|j| new[*j]).collect();
    let kept_old: Vec<usize> = (0..old.len()).filter(|i| in_both.contains(&old[*i])).collect();
    let old_kept: Vec<u64> = kept_old.iter().map(|i| old[*i]).collect();
    let new_kept: Vec<u64> = kept_new.iter().map(|j| new[*j]).collect();
    let deadline = Instant::now() + Duration::from_secs(2);
    let anchors = capture_diff_deadline(
        Algorithm::Myers,
        &old_kept,
        0..old_kept.len(),
        &new_kept,
        0..new_kept.len(),
        Some(deadline),
    );
    let mut ops = Vec::new();
    let (mut i, mut j) = (0, 0);
    for anchor in anchors {
        if let DiffOp::Equal { old_index, new_index, len } = anchor {
            for k in 0..len {
                let (at_old, at_new) = (kept_old[old_index + k], kept_new[new_index + k]);
                push_changes(&mut ops, i..at_old, j..at_new);
                match ops.last_mut() {
                    Some(DiffOp::Equal { old_index, new_index, len })
                        if *old_index + *len == at_old && *new_index + *len == at_new =>
                    {
                        *len += 1
                    }
                    _ => ops.push(DiffOp::Equal { old_index: at_old, new_index: at_new, len: 1 }),
                }
                (i, j) = (at_old + 1, at_new + 1);
            }
        }
    }
    push_changes(&mut ops, i..old.len(), j..new.len());
    ops
}

/// The lines between two matches: deleted old ones, then inserted new ones.
fn push_changes(ops: &mut Vec<DiffOp>, old: Range<usize>, new: Range<usize>) {
    match (old.is_empty(), new.is_empty()) {
        (true, true) => {}
        (false, true) => ops.push(DiffOp::Delete { old_index: old.start, old_len: old.len(), new_index: new.start }),
        (true, false) => ops.push(DiffOp::Insert { old_index: old.start, new_index: new.start, new_len: new.len() }),
        (false, false) => ops.push(DiffOp::Replace {
            old_index: old.start,
            old_len: old.len(),
            new_index: new.start,
            new_len: new.len(),
        }),
    }
}

fn hash_line(line: &[u8]) -> u64 {
    let mut hasher = DefaultHasher::new();
    hasher.write(line);
    hasher.finish()
}

/// A row of the unified diff, in printing order: a hunk header or one line of a change.
enum Row {
    Hunk(String),
    Line(ChangeTag, Option<usize>, Option<usize>),
}

impl Plan {
    /// No difference after normalising.
    pub fn is_empty(&self) -> bool {
        self.hunks.is_empty()
    }

    fn old_line(&self, index: usize) -> &str {
        self.old_lines.get(index).map_or("", |(s, e)| &self.old_text[*s..*e])
    }

    fn rows(&self) -> impl Iterator<Item = Row> + '_ {
        self.hunks.iter().flat_map(move |hunk| {
            let header = std::iter::once(Row::Hunk(UnifiedHunkHeader::new(hunk).to_string()));
            header.chain(hunk.iter().flat_map(move |op| {
                op.iter_changes(&self.old_hashes[..], &self.new_hashes[..])
                    .map(|change| Row::Line(change.tag(), change.old_index(), change.new_index()))
            }))
        })
    }

    /// Prints the diff: pretty-prints `received` (normalised as when planning) once more, passing on only
    /// the lines a hunk inserts.
    pub fn write(
        &self,
        received: DocNode<'_>,
        how: Normalise<'_>,
        labels: (&str, &str),
        sink: &mut impl DiffSink,
    ) -> io::Result<()> {
        if self.is_empty() {
            return Ok(());
        }
        sink.line(LineKind::OldFile, labels.0)?;
        sink.line(LineKind::NewFile, labels.1)?;
        let mut emitter = Emitter { plan: self, rows: self.rows().peekable(), sink, started: false, index: 0 };
        emitter.print_until_insert()?;
        write_pretty(received, how, &mut emitter)?;
        emitter.print_until_insert()
    }
}

/// Receives the received side's text, prints rows in order, and passes on the text insert rows want.
struct Emitter<'p, I: Iterator<Item = Row>, S> {
    plan: &'p Plan,
    rows: Peekable<I>,
    sink: &'p mut S,
    /// Whether the current line has been started on the sink.
    started: bool,
    index: usize,
}

impl<I: Iterator<Item = Row>, S: DiffSink> Emitter<'_, I, S> {
    /// Prints every row that needs nothing from the received text, up to the next insert.
    fn print_until_insert(&mut self) -> io::Result<()> {
        while let Some(row) = self.rows.peek() {
            match row {
                Row::Line(ChangeTag::Insert, ..) => break,
                Row::Hunk(header) => self.sink.line(LineKind::Hunk, header)?,
                Row::Line(tag, old, _) => {
                    let kind = if *tag == ChangeTag::Delete { LineKind::Delete } else { LineKind::Context };
                    self.sink.line(kind, self.plan.old_line(old.unwrap_or_default()))?;
                }
            }
            self.rows.next();
        }
        Ok(())
    }

    fn wanted(&mut self) -> bool {
        matches!(self.rows.peek(), Some(Row::Line(ChangeTag::Insert, _, Some(i))) if *i == self.index)
    }

    fn text(&mut self, text: &[u8]) -> io::Result<()> {
        if !self.started {
            self.sink.start(LineKind::Insert)?;
            self.started = true;
        }
        if text.is_empty() {
            Ok(())
        } else {
            self.sink.text(&String::from_utf8_lossy(text))
        }
    }
}

/// Receives the received side's lines, and passes on those an insert row wants.
impl<I: Iterator<Item = Row>, S: DiffSink> Lines for Emitter<'_, I, S> {
    fn piece(&mut self, text: &[u8]) -> io::Result<()> {
        if self.wanted() {
            self.text(text)?;
        }
        Ok(())
    }

    fn line(&mut self, rest: &[u8]) -> io::Result<()> {
        if self.wanted() {
            self.text(rest)?;
            self.sink.finish()?;
            self.started = false;
            self.rows.next();
            self.print_until_insert()?;
        }
        self.index += 1;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::Doc;
    use serde_json::{json, Value};

    const NONE: Normalise<'static> = Normalise { mask: &[], ignore: &[] };

    fn pretty(value: &Value, how: Normalise<'_>) -> String {
        let mut out = Vec::new();
        write_pretty(Doc::from_value(value).root(), how, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    #[derive(Default)]
    struct Collect(String);

    impl DiffSink for Collect {
        fn start(&mut self, kind: LineKind) -> io::Result<()> {
            self.0.push_str(kind.prefix());
            Ok(())
        }
        fn text(&mut self, piece: &str) -> io::Result<()> {
            self.0.push_str(piece);
            Ok(())
        }
        fn finish(&mut self) -> io::Result<()> {
            self.0.push('\n');
            Ok(())
        }
    }

    fn unified(old: &Value, new: &Value, context: usize) -> String {
        let (old, new) = (Doc::from_value(old), Doc::from_value(new));
        let plan = plan(old.root(), new.root(), NONE, context);
        let mut sink = Collect::default();
        plan.write(new.root(), NONE, ("expected", "received"), &mut sink).unwrap();
        sink.0
    }

    #[test]
    fn the_layout_is_serde_jsons_with_keys_sorted_at_every_level() {
        let value = json!({"b": 1, "a": {"d": [{"z": 1.5, "y": -2}], "c": "x\n\u{1b}"}, "e": [], "f": {}, "g": null});
        let sorted: Value = serde_json::from_str(&pretty(&value, NONE)).unwrap();
        assert_eq!(pretty(&value, NONE), serde_json::to_string_pretty(&sorted).unwrap() + "\n");
        assert!(pretty(&value, NONE).starts_with("{\n  \"a\": {\n    \"c\": \"x\\n\\u001b\",\n"));
    }

    #[test]
    fn masking_keeps_the_type_visible() {
        let mask = ["/id".to_string(), "/flag".into(), "/n/t".into(), "/absent".into()];
        let how = Normalise { mask: &mask, ignore: &[] };
        let shown: Value =
            serde_json::from_str(&pretty(&json!({"id": "X", "flag": true, "n": {"t": 5}}), how)).unwrap();
        assert_eq!(
            shown,
            json!({"flag": "‹varies: boolean›", "id": "‹varies: string›", "n": {"t": "‹varies: number›"}})
        );
    }

    #[test]
    fn ignoring_drops_fields_and_items() {
        let ignore = ["/a/b~1c".to_string(), "/l/1".into(), "/missing/x".into(), "/gone/0".into()];
        let how = Normalise { mask: &[], ignore: &ignore };
        let value = json!({"a": {"b/c": 1, "d": 2}, "l": [1, 2, 3], "gone": [7]});
        let shown: Value = serde_json::from_str(&pretty(&value, how)).unwrap();
        assert_eq!(shown, json!({"a": {"d": 2}, "l": [1, 3], "gone": []}));
    }

    #[test]
    fn line_hashes_do_not_depend_on_how_a_line_arrives() {
        let mut whole = LineHashes::default();
        whole.line(b"abc").unwrap();
        whole.line(b"def").unwrap();
        let mut pieces = LineHashes::default();
        pieces.piece(b"a").unwrap();
        pieces.line(b"bc").unwrap();
        pieces.piece(b"d").unwrap();
        pieces.piece(b"e").unwrap();
        pieces.line(b"f").unwrap();
        assert_eq!(whole.lines, pieces.lines);
        assert_eq!(whole.lines, [hash_line(b"abc"), hash_line(b"def")]);
    }

    #[test]
    fn a_long_string_is_passed_on_in_pieces_and_prints_as_serde_json_does() {
        struct Counted(Vec<u8>, usize);
        impl Lines for Counted {
            fn piece(&mut self, text: &[u8]) -> io::Result<()> {
                self.1 = self.1.max(text.len());
                self.0.piece(text)
            }
            fn line(&mut self, rest: &[u8]) -> io::Result<()> {
                self.1 = self.1.max(rest.len());
                self.0.line(rest)
            }
        }
        let long: String = "é\"\n\u{1b}x".repeat(60_000);
        let value = json!({"a": long.clone(), "b": [long]});
        let mut out = Counted(Vec::new(), 0);
        write_pretty(Doc::from_value(&value).root(), NONE, &mut out).unwrap();
        assert_eq!(String::from_utf8(out.0).unwrap(), serde_json::to_string_pretty(&value).unwrap() + "\n");
        assert!(out.1 < 2 * LONG_LINE, "the longest piece held: {} bytes", out.1);
    }

    #[test]
    fn equal_values_give_an_empty_diff_and_changes_show_both_lines() {
        let a = json!({"a": 1, "b": "x"});
        assert_eq!(unified(&a, &a, 3), "");
        let diff = unified(&a, &json!({"a": 2, "b": "x"}), 1);
        assert_eq!(
            diff,
            "--- expected\n+++ received\n@@ -1,3 +1,3 @@\n {\n-  \"a\": 1,\n+  \"a\": 2,\n   \"b\": \"x\"\n"
        );
    }

    /// Applies the ops to `old`, taking inserted lines from `new`.
    fn apply(ops: &[DiffOp], old: &[u64], new: &[u64]) -> Vec<u64> {
        let mut out = Vec::new();
        for op in ops {
            for change in op.iter_changes(old, new) {
                if change.tag() != ChangeTag::Delete {
                    out.push(change.value());
                }
            }
        }
        out
    }

    #[test]
    fn leaving_out_one_sided_lines_keeps_a_minimal_edit_script() {
        let cases: [(&[u64], &[u64]); 6] = [
            (&[1, 2, 3, 4], &[1, 9, 3, 4, 8]),
            (&[1, 2, 3], &[]),
            (&[], &[5, 6]),
            (&[7, 7, 1, 7], &[7, 1, 1, 7, 7, 2]),
            (&[1, 2, 3, 4, 5], &[5, 4, 3, 2, 1]),
            (&[10, 11, 12], &[20, 21, 10, 22, 12, 23]),
        ];
        for (old, new) in cases {
            let ops = line_ops(old, new);
            assert_eq!(apply(&ops, old, new), new, "{old:?} -> {new:?}: {ops:?}");
            let equal = |ops: &[DiffOp]| {
                ops.iter().map(|op| if let DiffOp::Equal { len, .. } = op { *len } else { 0 }).sum::<usize>()
            };
            let myers = similar::capture_diff_slices(Algorithm::Myers, old, new);
            assert_eq!(equal(&ops), equal(&myers), "as many lines kept as Myers keeps: {old:?} -> {new:?}");
        }
    }

    #[test]
    fn a_large_one_sided_change_is_still_an_exact_edit_script() {
        let old: Vec<u64> = (0..40).collect();
        let new: Vec<u64> = (1000..61_000).chain(0..40).rev().collect();
        let ops = line_ops(&old, &new);
        assert_eq!(apply(&ops, &old, &new), new);
    }

    #[test]
    fn hunks_match_similars_own_unified_diff() {
        let old = json!({"k": (0..40).collect::<Vec<_>>(), "m": "same", "z": {"gone": true}});
        let mut list: Vec<Value> = (0..40).map(|i| json!(i)).collect();
        list[3] = json!("three");
        list.insert(20, json!(20.5));
        list.truncate(38);
        let new = json!({"k": list, "m": "same", "added": [1, {"x": null}]});
        let (old_text, new_text) = (pretty(&old, NONE), pretty(&new, NONE));
        for context in [0, 1, 3] {
            let expected = similar::TextDiff::from_lines(&old_text, &new_text)
                .unified_diff()
                .context_radius(context)
                .header("expected", "received")
                .to_string();
            assert_eq!(unified(&old, &new, context), expected, "context {context}");
        }
    }
}
