//! Which records of a capture file: the selection written after the file name (`FILE:3`, `FILE:3..9`,
//! `FILE:3,5,8`, `FILE:-1` for the last) and the filters (`--event`, `--valid`, `--since`, `--grep`, …). One
//! implementation, read by `captures`, `captures export`, `send --capture` and the inspector page.
use std::borrow::Cow;
use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};

use chrono::{DateTime, Utc};
use serde::de::IgnoredAny;
use serde::Deserialize;

use crate::error::UserError;
use crate::output::sanitize;

/// One piece of a selection.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Item {
    Id(u64),
    /// `A..B`, both ends included.
    Range(u64, u64),
    /// `-K`: the K-th record from the end (`-1` is the last).
    FromEnd(u64),
}

/// A capture file and which of its records.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Selection {
    pub path: PathBuf,
    /// `None`: every record.
    pub items: Option<Vec<Item>>,
}

impl Selection {
    /// `FILE` or `FILE:ITEMS`, where FILE exists. `Ok(None)` when the text names no existing file (it may be
    /// something else: a fixture name, a JSON file that does not exist).
    pub fn parse(spec: &str) -> Result<Option<Selection>, UserError> {
        if Path::new(spec).is_file() {
            return Ok(Some(Selection { path: PathBuf::from(spec), items: None }));
        }
        let Some((file, items)) = spec.rsplit_once(':') else { return Ok(None) };
        if !Path::new(file).is_file() {
            return Ok(None);
        }
        let items = parse_items(items).map_err(|why| {
            UserError::with_hint(
                format!("{}: {why}", sanitize(spec)),
                "select records as FILE:3, FILE:3..9, FILE:3,5,8 or FILE:-1 (the last)",
            )
        })?;
        Ok(Some(Selection { path: PathBuf::from(file), items: Some(items) }))
    }

    /// Like [`parse`](Self::parse), but a missing file is an error naming `what` (e.g. `--capture`).
    pub fn require(spec: &str, what: &str) -> Result<Selection, UserError> {
        Selection::parse(spec)?.ok_or_else(|| {
            let hint = "give the file `hookctl listen --save FILE` wrote, optionally with :ID, :A..B, :A,B or :-1";
            match not_a_file(spec) {
                Some(kind) => {
                    UserError::with_hint(format!("{what} {}: {kind}, not a capture file", sanitize(spec)), hint)
                }
                None => UserError::with_hint(format!("{what} {}: no such capture file", sanitize(spec)), hint),
            }
        })
    }

    /// The one record this selection names, if it names exactly one.
    pub fn single(&self) -> Option<Item> {
        match self.items.as_deref() {
            Some([item @ (Item::Id(_) | Item::FromEnd(_))]) => Some(*item),
            Some([Item::Range(a, b)]) if a == b => Some(Item::Id(*a)),
            _ => None,
        }
    }
}

/// What a path that exists but is not a regular file is (`a directory`, `a named pipe (FIFO)`, …), or
/// `None` when it is a file or is not there at all: for messages that say what was given.
pub fn not_a_file(path: impl AsRef<Path>) -> Option<&'static str> {
    let kind = std::fs::metadata(path).ok()?.file_type();
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if kind.is_fifo() {
            return Some("a named pipe (FIFO)");
        }
        if kind.is_socket() {
            return Some("a socket");
        }
        if kind.is_char_device() || kind.is_block_device() {
            return Some("a device");
        }
    }
    if kind.is_dir() {
        return Some("a directory");
    }
    None
}

fn parse_items(text: &str) -> Result<Vec<Item>, String> {
    let number = |t: &str| -> Result<u64, String> {
        t.trim().parse::<u64>().map_err(|_| format!("{:?} is not a record id", t.trim()))
    };
    let mut items = Vec::new();
    for piece in text.split(',') {
        let piece = piece.trim();
        let item = if let Some(back) = piece.strip_prefix('-') {
            if let Some((a, b)) = back.split_once("..") {
                // -A..-B: from the A-th last to the B-th last record.
                let (a, b) = (number(a)?, number(b.trim().strip_prefix('-').ok_or("write -A..-B (e.g. -3..-1)")?)?);
                if a == 0 || b == 0 {
                    return Err("-0 is no record: -1 is the last".into());
                }
                if a < b {
                    return Err(format!("-{a}..-{b} runs backwards (write -{b}..-{a})"));
                }
                if a - b >= 100_000 {
                    return Err(format!("-{a}..-{b} is over 100,000 records: use --last N"));
                }
                items.extend((b + 1..=a).rev().map(Item::FromEnd));
                Item::FromEnd(b)
            } else {
                match number(back)? {
                    0 => return Err("-0 is no record: -1 is the last".into()),
                    k => Item::FromEnd(k),
                }
            }
        } else if let Some((a, b)) = piece.split_once("..") {
            let (a, b) = (number(a)?, number(b)?);
            if a == 0 {
                return Err("ids start at 1".into());
            }
            if b < a {
                return Err(format!("{a}..{b} runs backwards (write {b}..{a})"));
            }
            Item::Range(a, b)
        } else {
            match number(piece)? {
                0 => return Err("ids start at 1".into()),
                id => Item::Id(id),
            }
        };
        items.push(item);
    }
    Ok(items)
}

/// What a record amounted to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    Valid,
    Invalid,
    /// An event with no schema to check it against.
    Unchecked,
    Unrecognised,
    /// Looked like JSON and broke (`valid: false`).
    BrokenJson,
    /// Text or binary that was never meant as JSON.
    NotJson,
    Empty,
}

impl Verdict {
    pub fn label(self) -> &'static str {
        match self {
            Verdict::Valid => "valid",
            Verdict::Invalid => "invalid",
            Verdict::Unchecked => "unchecked",
            Verdict::Unrecognised => "unrecognised",
            Verdict::BrokenJson => "broken JSON",
            Verdict::NotJson => "not JSON",
            Verdict::Empty => "empty",
        }
    }
}

/// The fields of a record that lists and filters read; the body is skipped, never built.
#[derive(Debug, Deserialize)]
pub struct Head<'a> {
    pub id: u64,
    #[serde(borrow)]
    pub received_at: Cow<'a, str>,
    #[serde(borrow)]
    pub method: Cow<'a, str>,
    #[serde(borrow)]
    pub path: Cow<'a, str>,
    #[serde(default, borrow)]
    pub query: Option<Cow<'a, str>>,
    #[allow(dead_code)]
    headers: IgnoredAny,
    #[serde(default)]
    body: Option<IgnoredAny>,
    #[serde(default)]
    pub body_bytes: u64,
    #[serde(default, borrow)]
    pub event: Option<Cow<'a, str>>,
    #[serde(default)]
    pub valid: Option<bool>,
    #[serde(default)]
    pub answered: Option<u16>,
    /// Relayed to `--forward-to`: then `answered` is the app's status.
    #[serde(default)]
    pub forward: Option<IgnoredAny>,
}

impl<'a> Head<'a> {
    pub fn of(line: &'a str) -> Option<Head<'a>> {
        Head::quick(line).or_else(|| serde_json::from_str(line).ok())
    }

    /// The fields read without parsing the body: `listen` writes a record's fields in a fixed order (`id`,
    /// `received_at`, `remote_addr`, `method`, `path`, `query`, `headers`, `body`…, `body_bytes`, `event`,
    /// `shape`, `valid`, `errors`, `signature`, `answered`), and a quote inside a JSON string is always
    /// escaped, so `,"event":` after the body can only be the record's own field. Anything else (a record
    /// written another way) is parsed in full by [`Head::of`].
    fn quick(line: &'a str) -> Option<Head<'a>> {
        if !line.ends_with('}') {
            return None;
        }
        let mut at = literal(line, 0, "{\"id\":")?;
        let digits = line[at..].bytes().take_while(u8::is_ascii_digit).count();
        let id = line[at..at + digits].parse().ok()?;
        at = literal(line, at + digits, ",\"received_at\":")?;
        let (received_at, next) = string_at(line, at)?;
        at = literal(line, next, ",\"remote_addr\":")?;
        let (_, next) = string_at(line, at)?;
        at = literal(line, next, ",\"method\":")?;
        let (method, next) = string_at(line, at)?;
        at = literal(line, next, ",\"path\":")?;
        let (path, next) = string_at(line, at)?;
        at = literal(line, next, ",\"query\":")?;
        let (query, next) = match literal(line, at, "null") {
            Some(next) => (None, next),
            None => string_at(line, at).map(|(q, next)| (Some(q), next))?,
        };
        let headers_at = literal(line, next, ",\"headers\":")?;
        let finders = finders();
        let body_at = headers_at + finders.body.find(&line.as_bytes()[headers_at..])? + ",\"body\":".len();
        let event_at = finders.event.rfind(line.as_bytes())?;
        let bytes_at = finders.body_bytes.rfind(&line.as_bytes()[..event_at])? + ",\"body_bytes\":".len();
        let body_bytes = line[bytes_at..event_at].parse().ok()?;
        #[derive(Deserialize)]
        struct Tail {
            event: Option<String>,
            valid: Option<bool>,
            #[serde(default)]
            answered: Option<u16>,
            #[serde(default)]
            forward: Option<IgnoredAny>,
        }
        let tail: Tail = serde_json::from_str(&format!("{{{}", &line[event_at + 1..])).ok()?;
        Some(Head {
            id,
            received_at,
            method,
            path,
            query,
            headers: IgnoredAny,
            body: (!line[body_at..].starts_with("null")).then_some(IgnoredAny),
            body_bytes,
            event: tail.event.map(Cow::Owned),
            valid: tail.valid,
            answered: tail.answered,
            forward: tail.forward,
        })
    }

    pub fn verdict(&self) -> Verdict {
        match (&self.event, self.valid) {
            (Some(_), Some(true)) => Verdict::Valid,
            (Some(_), Some(false)) => Verdict::Invalid,
            (Some(_), None) => Verdict::Unchecked,
            (None, _) if self.body_bytes == 0 => Verdict::Empty,
            (None, Some(false)) => Verdict::BrokenJson,
            (None, _) if self.body.is_none() => Verdict::NotJson,
            (None, _) => Verdict::Unrecognised,
        }
    }

    pub fn time(&self) -> Option<DateTime<Utc>> {
        DateTime::parse_from_rfc3339(&self.received_at).ok().map(|t| t.with_timezone(&Utc))
    }
}

/// The position after `text` when `line` has it at `at`.
fn literal(line: &str, at: usize, text: &str) -> Option<usize> {
    line.get(at..)?.starts_with(text).then_some(at + text.len())
}

/// The JSON string starting at `at` (its opening quote), decoded, and the position after it.
fn string_at(line: &str, at: usize) -> Option<(Cow<'_, str>, usize)> {
    let bytes = line.as_bytes();
    if bytes.get(at) != Some(&b'"') {
        return None;
    }
    let mut i = at + 1;
    let mut escaped = false;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' => {
                escaped = true;
                i += 2;
                continue;
            }
            b'"' => break,
            _ => i += 1,
        }
    }
    let raw = line.get(at..=i)?;
    let text = if escaped {
        Cow::Owned(serde_json::from_str::<String>(raw).ok()?)
    } else {
        Cow::Borrowed(&raw[1..raw.len() - 1])
    };
    Some((text, i + 1))
}

pub use crate::glob::glob_matches;

/// The filters of `captures`; an empty filter takes everything.
#[derive(Debug, Default, Clone)]
pub struct Filter {
    pub events: Vec<String>,
    pub verdicts: Vec<Verdict>,
    pub methods: Vec<String>,
    pub path: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    /// Searched for in the record's line (headers and body), in the form JSON writes it.
    pub grep: Option<String>,
}

impl Filter {
    /// `--grep TEXT` as it appears inside a JSON string in the record.
    pub fn grep_for(text: &str) -> String {
        let quoted = crate::output::json_safe(serde_json::to_string(text).unwrap_or_default());
        quoted[1..quoted.len() - 1].to_string()
    }

    pub fn accepts(&self, head: &Head, line: &str) -> bool {
        if !self.events.is_empty() {
            let Some(event) = head.event.as_deref() else { return false };
            if !self.events.iter().any(|g| glob_matches(g, event)) {
                return false;
            }
        }
        if !self.verdicts.is_empty() && !self.verdicts.contains(&head.verdict()) {
            return false;
        }
        if !self.methods.is_empty() && !self.methods.iter().any(|m| m.eq_ignore_ascii_case(&head.method)) {
            return false;
        }
        if self.path.as_deref().is_some_and(|g| !glob_matches(g, &head.path)) {
            return false;
        }
        if self.since.is_some() || self.until.is_some() {
            let Some(time) = head.time() else { return false };
            if self.since.is_some_and(|s| time < s) || self.until.is_some_and(|u| time > u) {
                return false;
            }
        }
        if let Some(needle) = &self.grep {
            if !line.contains(needle.as_str()) {
                return false;
            }
        }
        true
    }
}

/// `--since`/`--until`: RFC 3339, or a duration ago (`10m`, `2h`).
pub fn parse_time(text: &str) -> Result<DateTime<Utc>, String> {
    if let Ok(time) = DateTime::parse_from_rfc3339(text.trim()) {
        return Ok(time.with_timezone(&Utc));
    }
    let ago = humantime::parse_duration(text.trim())
        .map_err(|_| format!("{text:?}: not a time (2026-12-01T10:00:00Z) or a duration ago (10m, 2h)"))?;
    let ago = chrono::Duration::from_std(ago).map_err(|e| e.to_string())?;
    Ok(Utc::now() - ago)
}

/// One selected record: its line in the file and the line's text.
pub struct Record<'a> {
    pub number: u64,
    pub line: &'a str,
    pub head: Head<'a>,
}

/// What a scan saw besides the records it handed on.
#[derive(Debug, Default)]
pub struct Scan {
    /// Lines that are not records: the first few by number, then a count.
    pub warnings: Vec<String>,
    pub records: u64,
    pub first_id: Option<u64>,
    pub last_id: Option<u64>,
}

/// Reads a capture file a line at a time and hands every record that the selection and the filter take to
/// `each`, in file order; `last` keeps only the last N taken. Memory is one line (or N with `last`).
pub fn scan(
    selection: &Selection,
    filter: &Filter,
    last: Option<usize>,
    mut each: impl FnMut(&Record) -> anyhow::Result<()>,
) -> anyhow::Result<Scan> {
    if let Some(items) = &selection.items {
        let from_end: Vec<u64> =
            items.iter().filter_map(|i| if let Item::FromEnd(k) = i { Some(*k) } else { None }).collect();
        if from_end.len() == items.len() && last.is_none() {
            return scan_from_end(selection, &from_end, filter, each);
        }
    }
    let (resolved, tail_warnings) = resolve(selection)?;
    // Only single ids named: once that many are found there is nothing more to read (ids are unique).
    let enough = resolved.as_ref().filter(|items| items.iter().all(|i| matches!(i, Item::Id(_)))).map(Vec::len);
    let highest = resolved.as_deref().and_then(highest_named);
    let mut found = 0;
    let mut scan = Scan::default();
    let mut kept: VecDeque<(u64, String)> = VecDeque::new();
    let mut skipped = 0u64;
    let read = lines(&selection.path, |number, text| {
        let Some(head) = Head::of(text) else {
            if let Some(why) = crate::capture::unreadable(text.as_bytes()) {
                skipped += 1;
                if scan.warnings.len() < 5 {
                    scan.warnings.push(format!("line {number}: {why}, skipped"));
                }
            }
            return Ok(());
        };
        if highest.is_some_and(|h| head.id > h) {
            return Err(Enough.into());
        }
        scan.records += 1;
        scan.first_id.get_or_insert(head.id);
        scan.last_id = Some(head.id);
        if !resolved.as_ref().is_none_or(|items| selected(items, head.id)) || !filter.accepts(&head, text) {
            return Ok(());
        }
        found += 1;
        match last {
            Some(n) => {
                if kept.len() == n {
                    kept.pop_front();
                }
                if n > 0 {
                    kept.push_back((number, text.to_string()));
                }
                Ok(())
            }
            None => {
                each(&Record { number, line: text, head })?;
                match enough {
                    Some(n) if found >= n => Err(Enough.into()),
                    _ => Ok(()),
                }
            }
        }
    });
    if stopped_early(read)? {
        // What lies after the last record read was seen from the end: say it too.
        add_new(&mut scan.warnings, tail_warnings);
    }
    for (number, text) in &kept {
        if let Some(head) = Head::of(text) {
            each(&Record { number: *number, line: text, head })?;
        }
    }
    if skipped > 5 {
        scan.warnings.push(format!("{} more lines skipped", skipped - 5));
    }
    Ok(scan)
}

/// The highest id a selection names, when every item names ids (ids only grow through a file `listen` wrote:
/// past it there is nothing more to find).
fn highest_named(items: &[Item]) -> Option<u64> {
    let ids = items.iter().map(|i| match i {
        Item::Id(id) => Some(*id),
        Item::Range(_, b) => Some(*b),
        Item::FromEnd(_) => None,
    });
    ids.collect::<Option<Vec<u64>>>()?.into_iter().max()
}

/// Whether a read stopped early because it had found everything ([`Enough`]); any other error is one.
fn stopped_early(read: anyhow::Result<()>) -> anyhow::Result<bool> {
    match read {
        Ok(()) => Ok(false),
        Err(err) if err.is::<Enough>() => Ok(true),
        Err(err) => Err(err),
    }
}

/// Adds each of `more` that `warnings` does not already hold.
fn add_new(warnings: &mut Vec<String>, more: Vec<String>) {
    for warning in more {
        if !warnings.contains(&warning) {
            warnings.push(warning);
        }
    }
}

/// `FILE:-1`, `FILE:-3,-1`: read from the end of the file, never scanned from its start.
fn scan_from_end(
    selection: &Selection,
    from_end: &[u64],
    filter: &Filter,
    mut each: impl FnMut(&Record) -> anyhow::Result<()>,
) -> anyhow::Result<Scan> {
    let file = selection.path.display();
    let deepest = from_end.iter().copied().max().unwrap_or(1) as usize;
    let (records, warnings) = last_records(&selection.path, deepest)?;
    let mut wanted: Vec<usize> = Vec::new();
    for k in from_end {
        match records.len().checked_sub(*k as usize) {
            Some(i) => wanted.push(i),
            None => {
                return Err(UserError::new(format!(
                    "{file}: -{k} asks for more records than the {} it holds",
                    records.len()
                ))
                .into())
            }
        }
    }
    wanted.sort_unstable();
    wanted.dedup();
    let scan = Scan { warnings, records: records.len() as u64, ..Scan::default() };
    for i in wanted {
        let (_, line) = &records[i];
        if let Some(head) = Head::of(line) {
            if filter.accepts(&head, line) {
                each(&Record { number: 0, line, head })?;
            }
        }
    }
    Ok(scan.with_ids(&records))
}

impl Scan {
    fn with_ids(mut self, records: &[(u64, String)]) -> Scan {
        self.first_id = records.first().map(|(id, _)| *id);
        self.last_id = records.last().map(|(id, _)| *id);
        self
    }
}

/// How many records a whole file holds, for `captures FILE --count` without filters: a line `listen` wrote
/// starts with `{"id":` and ends with `}`, which a torn or corrupt line never does whole; anything else is
/// read in full before it is counted or skipped.
pub fn count_all(path: &Path) -> anyhow::Result<Scan> {
    use std::io::Read;
    const BLOCK: usize = 4 << 20;
    let cannot = |e: std::io::Error| UserError::new(format!("cannot read capture file {}: {e}", path.display()));
    let mut file = File::open(path).map_err(cannot)?;
    let mut scan = Scan::default();
    let mut skipped = 0u64;
    let mut number = 0u64;
    // Lines are found with memchr over large reads; a line that looks like a record (`{"id":` … `}`) is
    // counted without parsing, anything else is looked at closely.
    let mut block = vec![0u8; BLOCK];
    let mut carry: Vec<u8> = Vec::new();
    let mut judge = |line: &[u8], number: u64, scan: &mut Scan| {
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let record = (line.starts_with(b"{\"id\":") && line.ends_with(b"}"))
            || std::str::from_utf8(line).ok().and_then(Head::of).is_some();
        if record {
            scan.records += 1;
        } else if let Some(why) = crate::capture::unreadable(line) {
            skipped += 1;
            if scan.warnings.len() < 5 {
                scan.warnings.push(format!("line {number}: {why}, skipped"));
            }
        }
    };
    loop {
        let read = file.read(&mut block).map_err(cannot)?;
        if read == 0 {
            break;
        }
        let mut start = 0;
        for end in memchr::memchr_iter(b'\n', &block[..read]) {
            number += 1;
            if carry.is_empty() {
                judge(&block[start..end], number, &mut scan);
            } else {
                carry.extend_from_slice(&block[start..end]);
                judge(&carry, number, &mut scan);
                carry.clear();
            }
            start = end + 1;
        }
        carry.extend_from_slice(&block[start..read]);
    }
    if !carry.is_empty() {
        judge(&carry, number + 1, &mut scan);
    }
    if skipped > 5 {
        scan.warnings.push(format!("{} more lines skipped", skipped - 5));
    }
    Ok(scan)
}

impl Filter {
    /// Whether this filter takes everything.
    pub fn is_empty(&self) -> bool {
        self.events.is_empty()
            && self.verdicts.is_empty()
            && self.methods.is_empty()
            && self.path.is_none()
            && self.since.is_none()
            && self.until.is_none()
            && self.grep.is_none()
    }
}

/// Ends a scan early: everything asked for was found.
#[derive(Debug)]
struct Enough;

impl std::fmt::Display for Enough {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("enough")
    }
}

impl std::error::Error for Enough {}

/// The field names a record's head is found by, each searcher built once (building one per line cost more
/// than the search).
struct Finders {
    body: memchr::memmem::Finder<'static>,
    event: memchr::memmem::FinderRev<'static>,
    body_bytes: memchr::memmem::FinderRev<'static>,
}

fn finders() -> &'static Finders {
    static FINDERS: std::sync::OnceLock<Finders> = std::sync::OnceLock::new();
    FINDERS.get_or_init(|| Finders {
        body: memchr::memmem::Finder::new(",\"body\":"),
        event: memchr::memmem::FinderRev::new(",\"event\":"),
        body_bytes: memchr::memmem::FinderRev::new(",\"body_bytes\":"),
    })
}

/// Calls `each(line number, text)` for every line, without its line ending.
fn lines(path: &Path, mut each: impl FnMut(u64, &str) -> anyhow::Result<()>) -> anyhow::Result<()> {
    let cannot = |e: std::io::Error| UserError::new(format!("cannot read capture file {}: {e}", path.display()));
    let mut reader = BufReader::with_capacity(1 << 20, File::open(path).map_err(cannot)?);
    let mut buffer = Vec::new();
    let mut number = 0;
    loop {
        buffer.clear();
        if reader.read_until(b'\n', &mut buffer).map_err(cannot)? == 0 {
            return Ok(());
        }
        number += 1;
        while buffer.last().is_some_and(|b| *b == b'\n' || *b == b'\r') {
            buffer.pop();
        }
        // Checked as UTF-8 first (the fast path for the text hookctl writes); only a line that is not is
        // turned lossy.
        match std::str::from_utf8(&buffer) {
            Ok(text) => each(number, text)?,
            Err(_) => each(number, &String::from_utf8_lossy(&buffer))?,
        }
    }
}

/// Ids selected, with `-K` turned into ids (read from the end of the file, not scanned for) and every id
/// the selection names checked against the file's first and last ids, so a typo is a usage error before
/// anything is done.
fn resolve(selection: &Selection) -> anyhow::Result<(Option<Vec<Item>>, Vec<String>)> {
    let Some(items) = &selection.items else { return Ok((None, Vec::new())) };
    let path = &selection.path;
    let file = path.display();
    let wanted_from_end = items.iter().filter_map(|i| if let Item::FromEnd(k) = i { Some(*k) } else { None }).max();
    let (last, tail_warnings) = last_ids(path, wanted_from_end.unwrap_or(1).max(1) as usize)?;
    let first = first_id(path)?;
    let span = match (first, last.last()) {
        (Some(a), Some(b)) => format!("its ids run {a}..{b}"),
        _ => "it holds no records".to_string(),
    };
    let missing = |id: u64| {
        UserError::with_hint(format!("{file}: no record with id {id} ({span})"), "`hookctl captures FILE` lists them")
    };
    let within = |id: u64| first.is_some_and(|a| id >= a) && last.last().is_some_and(|b| id <= *b);
    // Ids outside first..last may still be there in a file whose ids start over (files joined with cat):
    // then the whole file is read once, and the error names the true range.
    let mut every: Option<AllIds> = None;
    let mut present = |id: u64| -> anyhow::Result<Result<(), UserError>> {
        if within(id) {
            return Ok(Ok(()));
        }
        if every.is_none() {
            every = Some(all_ids(path)?);
        }
        let (range, ids) = every.as_ref().expect("just read");
        if ids.contains(&id) {
            return Ok(Ok(()));
        }
        let span = match range {
            Some((a, b)) => format!("its ids run {a}..{b}"),
            None => "it holds no records".to_string(),
        };
        Ok(Err(UserError::with_hint(
            format!("{file}: no record with id {id} ({span})"),
            "`hookctl captures FILE` lists them",
        )))
    };
    let mut resolved = Vec::new();
    for item in items {
        match *item {
            Item::Id(id) if !within(id) => {
                present(id)??;
                resolved.push(*item);
            }
            Item::Range(a, b) if first.is_none_or(|f| b < f) || last.last().is_none_or(|l| a > *l) => {
                // Some id of the range must be somewhere in the file.
                if (a..=b.min(a.saturating_add(10_000))).all(|id| present(id).ok().is_none_or(|found| found.is_err())) {
                    return Err(present(a)?.err().unwrap_or_else(|| missing(a)).into());
                }
                resolved.push(*item);
            }
            Item::FromEnd(k) => match last.len().checked_sub(k as usize) {
                Some(i) if last.len() >= k as usize => resolved.push(Item::Id(last[i])),
                _ => {
                    let count = if last.len() < k as usize {
                        format!("the {} it holds", last.len())
                    } else {
                        "it holds".into()
                    };
                    return Err(UserError::new(format!("{file}: -{k} asks for more records than {count}")).into());
                }
            },
            other => resolved.push(other),
        }
    }
    Ok((Some(resolved), tail_warnings))
}

/// The lowest and highest id of a file, and every id it holds.
type AllIds = (Option<(u64, u64)>, std::collections::HashSet<u64>);

/// Every id a file holds, and the lowest and highest (a file whose ids start over holds some twice).
fn all_ids(path: &Path) -> anyhow::Result<AllIds> {
    let mut ids = std::collections::HashSet::new();
    let mut range: Option<(u64, u64)> = None;
    lines(path, |_, text| {
        if let Some(head) = Head::of(text) {
            ids.insert(head.id);
            range = Some(range.map_or((head.id, head.id), |(a, b)| (a.min(head.id), b.max(head.id))));
        }
        Ok(())
    })?;
    Ok((range, ids))
}

/// The id of the first record of a file (read from its start).
fn first_id(path: &Path) -> anyhow::Result<Option<u64>> {
    let mut found = None;
    let _ = lines(path, |_, text| {
        if let Some(head) = Head::of(text) {
            found = Some(head.id);
            anyhow::bail!("found");
        }
        Ok(())
    });
    Ok(found)
}

/// The ids of the last `k` records of a file (fewer when it holds fewer), oldest first, read backwards
/// from its end in chunks.
fn last_ids(path: &Path, k: usize) -> anyhow::Result<(Vec<u64>, Vec<String>)> {
    let (records, warnings) = last_records(path, k)?;
    Ok((records.into_iter().map(|(id, _)| id).collect(), warnings))
}

/// A record's id and its line.
type IdLine = (u64, String);

/// The last `k` records of a file (id and line), oldest first, read backwards from its end, and the lines
/// passed over on the way (a torn tail), numbered.
fn last_records(path: &Path, k: usize) -> anyhow::Result<(Vec<IdLine>, Vec<String>)> {
    use std::io::{Read, Seek, SeekFrom};
    const CHUNK: u64 = 1 << 20;
    let cannot = |e: std::io::Error| UserError::new(format!("cannot read capture file {}: {e}", path.display()));
    let mut file = File::open(path).map_err(cannot)?;
    let length = file.metadata().map_err(cannot)?.len();
    let mut ids: Vec<(u64, String)> = Vec::new();
    // Lines passed over on the way (a torn tail), by their place from the end (0: the last line).
    let mut passed: Vec<(u64, &'static str)> = Vec::new();
    let mut from_end = 0u64;
    // Each byte is looked at once, going backwards for newlines; each line is read once, when both its ends
    // are known (a long last line costs its length, not its length squared).
    let mut line_end = length;
    let mut seen_last = false;
    let mut chunk_end = length;
    let mut take_line = |start: u64, end: u64, ids: &mut Vec<IdLine>| -> anyhow::Result<()> {
        if !seen_last && start == end {
            // The file ends with a newline: no line after it.
            seen_last = true;
            return Ok(());
        }
        seen_last = true;
        let mut line = vec![0; (end - start) as usize];
        file.seek(SeekFrom::Start(start)).map_err(cannot)?;
        file.read_exact(&mut line).map_err(cannot)?;
        match std::str::from_utf8(&line).ok().and_then(Head::of) {
            Some(head) => ids.push((head.id, String::from_utf8_lossy(&line).into_owned())),
            None => {
                if let Some(why) = crate::capture::unreadable(&line) {
                    passed.push((from_end, why));
                }
            }
        }
        from_end += 1;
        Ok(())
    };
    let mut scanner = File::open(path).map_err(cannot)?;
    let mut chunk = Vec::with_capacity(CHUNK as usize);
    while chunk_end > 0 && ids.len() < k {
        let start = chunk_end.saturating_sub(CHUNK);
        chunk.resize((chunk_end - start) as usize, 0);
        scanner.seek(SeekFrom::Start(start)).map_err(cannot)?;
        scanner.read_exact(&mut chunk).map_err(cannot)?;
        for at in (0..chunk.len()).rev().filter(|i| chunk[*i] == b'\n') {
            let newline = start + at as u64;
            take_line(newline + 1, line_end, &mut ids)?;
            line_end = newline;
            if ids.len() == k {
                break;
            }
        }
        chunk_end = start;
    }
    if chunk_end == 0 && ids.len() < k && (line_end > 0 || length > 0) {
        take_line(0, line_end, &mut ids)?;
    }
    ids.reverse();
    let mut warnings = Vec::new();
    if !passed.is_empty() {
        let total = count_lines(path)?;
        for (from_end, why) in passed.into_iter().rev() {
            warnings.push(format!("line {}: {why}, skipped", total - from_end));
        }
    }
    Ok((ids, warnings))
}

/// How many lines a file has (a last line without a newline counts).
fn count_lines(path: &Path) -> anyhow::Result<u64> {
    use std::io::Read;
    let mut file = File::open(path)?;
    let mut buffer = vec![0; 1 << 20];
    let (mut lines, mut last) = (0u64, b'\n');
    loop {
        let n = file.read(&mut buffer)?;
        if n == 0 {
            break;
        }
        lines += buffer[..n].iter().filter(|b| **b == b'\n').count() as u64;
        last = buffer[n - 1];
    }
    Ok(lines + u64::from(last != b'\n'))
}

fn selected(items: &[Item], id: u64) -> bool {
    items.iter().any(|item| match *item {
        Item::Id(x) => x == id,
        Item::Range(a, b) => (a..=b).contains(&id),
        Item::FromEnd(_) => false,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counting_reads_blocks_and_still_names_skipped_lines_and_records_across_blocks() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("caps.ndjson");
        let record = |id: u64, size: usize| {
            serde_json::json!({"id": id, "received_at": "2026-12-01T10:00:00.000Z", "method": "POST", "path": "/",
                "headers": {}, "body": {"t": "x".repeat(size)}})
            .to_string()
        };
        let mut text = String::new();
        text.push_str(&(record(1, 10) + "\n"));
        text.push_str("not a record\n\n");
        text.push_str(&(record(2, 5 << 20) + "\r\n")); // longer than a block: it spans two reads
        text.push_str(&(record(3, 10) + "\n"));
        text.push_str("{\"id\":4,\"torn");
        std::fs::write(&path, text).unwrap();
        let scan = count_all(&path).unwrap();
        assert_eq!(scan.records, 3);
        assert_eq!(scan.warnings.len(), 2, "{:?}", scan.warnings);
        assert!(
            scan.warnings[0].starts_with("line 2:") && scan.warnings[1].starts_with("line 6:"),
            "{:?}",
            scan.warnings
        );
    }

    #[test]
    fn items_parse_and_bad_ones_say_why() {
        assert_eq!(parse_items("3").unwrap(), [Item::Id(3)]);
        assert_eq!(parse_items("3..9").unwrap(), [Item::Range(3, 9)]);
        assert_eq!(parse_items("3,5,8").unwrap(), [Item::Id(3), Item::Id(5), Item::Id(8)]);
        assert_eq!(parse_items("-1").unwrap(), [Item::FromEnd(1)]);
        assert_eq!(parse_items("1..2,-2").unwrap(), [Item::Range(1, 2), Item::FromEnd(2)]);
        assert!(parse_items("0").unwrap_err().contains("ids start at 1"));
        assert!(parse_items("9..3").unwrap_err().contains("runs backwards"));
        assert!(parse_items("x").unwrap_err().contains("not a record id"));
        assert!(parse_items("-0").unwrap_err().contains("-1 is the last"));
    }

    #[test]
    fn the_quick_read_agrees_with_a_full_parse() {
        let lines = [
            r#"{"id":12,"received_at":"2026-12-01T10:00:00.000Z","remote_addr":"127.0.0.1:1","method":"POST","path":"/a\"b","query":"x=1","headers":{"x":",\"event\":1"},"body":{"event":"inner","body_bytes":3},"body_text":null,"body_base64":null,"body_bytes":40,"event":"pgyer.crashlog","shape":null,"valid":false,"errors":[{"pointer":"/a","expected":"x","found":",\"event\":\"no\"","keyword":"type"}],"answered":200}"#,
            r#"{"id":3,"received_at":"2026-12-01T10:00:00.000Z","remote_addr":"127.0.0.1:1","method":"GET","path":"/","query":null,"headers":{},"body":null,"body_text":"hi","body_base64":null,"body_bytes":2,"event":null,"shape":null,"valid":null,"errors":[]}"#,
        ];
        for line in lines {
            let quick = Head::quick(line).expect("read quickly");
            let full: Head = serde_json::from_str(line).unwrap();
            assert_eq!(
                (quick.id, &quick.received_at, &quick.method, &quick.path, &quick.query, quick.body_bytes),
                (full.id, &full.received_at, &full.method, &full.path, &full.query, full.body_bytes)
            );
            assert_eq!((&quick.event, quick.valid, quick.answered), (&full.event, full.valid, full.answered));
            assert_eq!(quick.verdict(), full.verdict());
        }
        assert_eq!(Head::quick(lines[0]).unwrap().path, "/a\"b");
        assert!(Head::quick(r#"{"method":"POST","id":1}"#).is_none(), "another order: parsed in full instead");
    }

    #[test]
    fn globs_match_like_a_shell() {
        assert!(glob_matches("pgyer.*", "pgyer.crashlog"));
        assert!(!glob_matches("pgyer.*", "obniz.install.create"));
        assert!(glob_matches("*.create", "obniz.install.create"));
        assert!(glob_matches("obniz.*.c?eate", "obniz.install.create"));
        assert!(glob_matches("*", ""));
        assert!(!glob_matches("a", "ab"));
    }

    #[test]
    fn grep_looks_for_text_as_json_writes_it() {
        assert_eq!(Filter::grep_for("a\"b"), "a\\\"b");
        assert_eq!(Filter::grep_for("中文"), "中文");
    }
}
