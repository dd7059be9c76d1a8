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
            UserError::with_hint(
                format!("{what} {}: no such capture file", sanitize(spec)),
                "give the file `hookctl listen --save FILE` wrote, optionally with :ID, :A..B, :A,B or :-1",
            )
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

fn parse_items(text: &str) -> Result<Vec<Item>, String> {
    let number = |t: &str| -> Result<u64, String> {
        t.trim().parse::<u64>().map_err(|_| format!("{:?} is not a record id", t.trim()))
    };
    let mut items = Vec::new();
    for piece in text.split(',') {
        let piece = piece.trim();
        let item = if let Some(back) = piece.strip_prefix('-') {
            match number(back)? {
                0 => return Err("-0 is no record: -1 is the last".into()),
                k => Item::FromEnd(k),
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
}

impl Head<'_> {
    pub fn of(line: &str) -> Option<Head<'_>> {
        serde_json::from_str(line).ok()
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

/// `*` (any run of characters) and `?` (one character): the glob of `--event` and `--path`.
pub fn glob_matches(pattern: &str, text: &str) -> bool {
    let (p, t): (Vec<char>, Vec<char>) = (pattern.chars().collect(), text.chars().collect());
    let (mut pi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if pi < p.len() && (p[pi] == '?' || p[pi] == t[ti]) {
            pi += 1;
            ti += 1;
        } else if pi < p.len() && p[pi] == '*' {
            star = Some((pi, ti));
            pi += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|c| *c == '*')
}

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
    let resolved = resolve(selection)?;
    let mut scan = Scan::default();
    let mut kept: VecDeque<(u64, String)> = VecDeque::new();
    let mut skipped = 0u64;
    lines(&selection.path, |number, text| {
        let Some(head) = Head::of(text) else {
            if let Some(why) = crate::capture::unreadable(text.as_bytes()) {
                skipped += 1;
                if scan.warnings.len() < 5 {
                    scan.warnings.push(format!("line {number}: {why}, skipped"));
                }
            }
            return Ok(());
        };
        scan.records += 1;
        scan.first_id.get_or_insert(head.id);
        scan.last_id = Some(head.id);
        if !resolved.as_ref().is_none_or(|items| selected(items, head.id)) || !filter.accepts(&head, text) {
            return Ok(());
        }
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
            None => each(&Record { number, line: text, head }),
        }
    })?;
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
        each(number, &String::from_utf8_lossy(&buffer))?;
    }
}

/// Ids selected, with `-K` turned into ids (which takes one quick pass over the file's ids) and every
/// id the selection names checked to exist, so a typo is a usage error before anything is done.
fn resolve(selection: &Selection) -> anyhow::Result<Option<Vec<Item>>> {
    let Some(items) = &selection.items else { return Ok(None) };
    let mut ids = Vec::new();
    lines(&selection.path, |_, text| {
        if let Some(head) = Head::of(text) {
            ids.push(head.id);
        }
        Ok(())
    })?;
    let file = selection.path.display();
    let span = match (ids.iter().min(), ids.iter().max()) {
        (Some(a), Some(b)) => format!("its ids run {a}..{b}"),
        _ => "it holds no records".to_string(),
    };
    let missing = |id: u64| {
        UserError::with_hint(format!("{file}: no record with id {id} ({span})"), "`hookctl captures FILE` lists them")
    };
    let mut resolved = Vec::new();
    for item in items {
        match *item {
            Item::Id(id) if !ids.contains(&id) => return Err(missing(id).into()),
            Item::Range(a, _) if !ids.iter().any(|id| *id >= a) => return Err(missing(a).into()),
            Item::FromEnd(k) => match ids.len().checked_sub(k as usize) {
                Some(i) => resolved.push(Item::Id(ids[i])),
                None => {
                    return Err(UserError::new(format!(
                        "{file}: -{k} asks for more records than the {} it holds",
                        ids.len()
                    ))
                    .into())
                }
            },
            other => resolved.push(other),
        }
    }
    Ok(Some(resolved))
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
