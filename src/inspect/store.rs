//! What the inspector reads: an index of capture records, newest first. Two backends share one index: a
//! `--save` file (the index keeps each record's offset and a few fields, never the bodies; the file is read
//! from its end backwards in the background, so the newest page is there at once however large the file, and
//! followed as it grows), or memory (`listen --ui` without `--save`: the last `--keep N` records).
use std::collections::VecDeque;
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, RwLock};

use tokio::sync::broadcast;

use crate::capture::select::{glob_matches, Filter, Head, Verdict};

/// What the index keeps per record (about 40 bytes).
#[derive(Debug, Clone, Copy)]
struct Meta {
    id: u64,
    /// File offset, or position in the memory ring.
    offset: u64,
    len: u32,
    /// Index into `Index::events`, 0 for none.
    event: u32,
    verdict: Verdict,
    answered: u16,
    /// Received at, Unix milliseconds.
    time: i64,
}

/// Where a page of older records starts: below an id (one source), or below a record's place in the
/// `received_at` order of several files (time, the file's rank, id).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Before {
    Id(u64),
    At { time: i64, rank: usize, id: u64 },
}

/// A query from the page: the list filters, newest first, older than `before`.
#[derive(Debug, Default, Clone)]
pub struct Query {
    pub event: Option<String>,
    pub verdict: Option<Vec<Verdict>>,
    pub method: Option<String>,
    pub path: Option<String>,
    pub status: Option<u16>,
    pub since: Option<i64>,
    pub until: Option<i64>,
    /// Free text over headers and body.
    pub q: Option<String>,
    pub before: Option<Before>,
    pub limit: usize,
}

enum Lines {
    File(PathBuf),
    Memory { lines: VecDeque<Arc<str>>, first: u64 },
}

struct Index {
    metas: VecDeque<Meta>,
    events: Vec<String>,
    lines: Lines,
    /// Memory: how many records may be kept.
    keep: usize,
}

/// A record the store found: its line, and where it falls in `received_at` order.
#[derive(Debug, Clone)]
pub struct Found {
    pub line: Arc<str>,
    pub id: u64,
    /// Received at, Unix milliseconds.
    pub time: i64,
}

/// How much of what was appended to a capture file is read at once.
const FOLLOW_CHUNK: u64 = 4 << 20;

pub struct Store {
    /// This file's place among several merged ones (0 alone), which breaks ties in `received_at` order.
    pub rank: usize,
    /// This file's name among several merged ones (`FILE` of `FILE:ID`); none alone.
    pub label: Option<Arc<str>>,
    index: RwLock<Index>,
    /// Records dropped from memory past `--keep`.
    pub dropped: AtomicU64,
    /// File: the part before this offset is still being indexed (backwards).
    pending_before: AtomicU64,
    /// File: indexed up to here (forwards, following growth).
    followed_to: AtomicU64,
    pub complete: AtomicBool,
    /// File: how far `follow` has looked for the end of an unterminated tail (not read again).
    looked_to: AtomicU64,
    /// Each new record's line, once (the inspector turns it into one summary for every page).
    news: broadcast::Sender<Arc<str>>,
    /// Memory: lines the capture path handed over and the index has not taken yet. The capture path only
    /// sends (an unbounded channel's send takes no lock); the inspector's threads take them into the index
    /// under its lock, so capture never waits on a scan.
    arrived: std::sync::mpsc::Sender<Arc<str>>,
    waiting: std::sync::Mutex<std::sync::mpsc::Receiver<Arc<str>>>,
}

/// What a page of results says besides its records.
pub struct Page {
    pub found: Vec<Found>,
    pub total: usize,
    pub complete: bool,
    pub dropped: u64,
}

impl Store {
    pub fn memory(keep: usize) -> Arc<Store> {
        Store::new(Lines::Memory { lines: VecDeque::new(), first: 0 }, keep, 0, None)
    }

    fn new(lines: Lines, keep: usize, rank: usize, label: Option<Arc<str>>) -> Arc<Store> {
        let (news, _) = broadcast::channel(1024);
        let (arrived, waiting) = std::sync::mpsc::channel();
        Arc::new(Store {
            rank,
            label,
            index: RwLock::new(Index { metas: VecDeque::new(), events: vec![String::new()], lines, keep }),
            dropped: AtomicU64::new(0),
            pending_before: AtomicU64::new(0),
            followed_to: AtomicU64::new(0),
            complete: AtomicBool::new(true),
            looked_to: AtomicU64::new(0),
            news,
            arrived,
            waiting: std::sync::Mutex::new(waiting),
        })
    }

    /// A store over a capture file: what is there now is indexed backwards from the end on a thread of its
    /// own (the newest records first), and what is appended later is picked up by [`Store::follow`].
    pub fn file(path: &Path) -> std::io::Result<Arc<Store>> {
        Store::file_among(path, 0, None)
    }

    /// [`Store::file`], as the `rank`th of several files merged, named `label`.
    pub fn file_among(path: &Path, rank: usize, label: Option<Arc<str>>) -> std::io::Result<Arc<Store>> {
        let length = std::fs::metadata(path)?.len();
        // Start at the end of the last complete line: a torn tail is picked up once it is complete.
        let end = last_newline_end(path, length)?;
        let store = Store::new(Lines::File(path.to_path_buf()), usize::MAX, rank, label);
        store.pending_before.store(end, Ordering::SeqCst);
        store.followed_to.store(end, Ordering::SeqCst);
        // Nothing after `end` ends a line (that is how `end` was found): no need to look there again.
        store.looked_to.store(length, Ordering::SeqCst);
        store.complete.store(end == 0, Ordering::SeqCst);
        // The newest chunk is indexed before the page is served; the rest, backwards, on a thread of its own.
        let (upto, carry) = if end > 0 { store.index_chunk(path, end, Vec::new())? } else { (0, Vec::new()) };
        let backwards = store.clone();
        let path = path.to_path_buf();
        std::thread::Builder::new().name("hookctl-index".into()).spawn(move || {
            let mut next = (upto, carry);
            while next.0 > 0 {
                match backwards.index_chunk(&path, next.0, std::mem::take(&mut next.1)) {
                    Ok(chunk) => next = chunk,
                    Err(_) => break,
                }
            }
            backwards.complete.store(true, Ordering::SeqCst);
        })?;
        Ok(store)
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<str>> {
        self.news.subscribe()
    }

    fn intern(index: &mut Index, event: Option<&str>) -> u32 {
        let Some(event) = event else { return 0 };
        match index.events.iter().position(|e| e == event) {
            Some(i) => i as u32,
            None => {
                index.events.push(event.to_string());
                (index.events.len() - 1) as u32
            }
        }
    }

    fn meta(index: &mut Index, head: &Head, offset: u64, len: usize) -> Meta {
        Meta {
            id: head.id,
            offset,
            len: len as u32,
            event: Store::intern(index, head.event.as_deref()),
            verdict: head.verdict(),
            answered: head.answered.unwrap_or(0),
            time: head.time().map_or(0, |t| t.timestamp_millis()),
        }
    }

    /// Memory: a new record (the line `listen` saved or would have), from the capture path: handed over
    /// without a lock; the index takes it when the inspector next looks ([`Store::take_arrived`]).
    pub fn push(&self, line: &str) {
        let _ = self.arrived.send(Arc::from(line));
    }

    /// Memory: the records the capture path handed over since the last look, into the index (and announced).
    /// Only the inspector's threads call this; one at a time takes them.
    fn take_arrived(&self) {
        let Ok(waiting) = self.waiting.try_lock() else { return };
        while let Ok(line) = waiting.try_recv() {
            self.index_one(line);
        }
    }

    fn index_one(&self, shared: Arc<str>) {
        let line: &str = &shared;
        let Some(head) = Head::of(line) else { return };
        {
            let mut index = self.index.write().unwrap_or_else(|e| e.into_inner());
            let keep = index.keep;
            let position = match &index.lines {
                Lines::Memory { lines, first } => first + lines.len() as u64,
                Lines::File(_) => return,
            };
            let meta = Store::meta(&mut index, &head, position, line.len());
            index.metas.push_back(meta);
            let mut dropped = 0;
            if let Lines::Memory { lines, first } = &mut index.lines {
                lines.push_back(shared.clone());
                while lines.len() > keep {
                    lines.pop_front();
                    *first += 1;
                    dropped += 1;
                }
            }
            for _ in 0..dropped {
                index.metas.pop_front();
            }
            self.dropped.fetch_add(dropped, Ordering::Relaxed);
        }
        if self.news.receiver_count() > 0 {
            let _ = self.news.send(shared);
        }
    }

    /// The index, with what the capture path handed over taken in first.
    fn read_index(&self) -> std::sync::RwLockReadGuard<'_, Index> {
        self.take_arrived();
        self.index.read().unwrap_or_else(|e| e.into_inner())
    }

    /// Reads `[0, end)` of the file from its end in chunks, adding each record in front of the index.
    /// Indexes the chunk of the file that ends at `upto` (with `carry`, the head of the line the chunk after
    /// it began with); returns where the next chunk ends and its carry.
    fn index_chunk(&self, path: &Path, upto: u64, carry: Vec<u8>) -> std::io::Result<(u64, Vec<u8>)> {
        const CHUNK: u64 = 4 << 20;
        let mut file = File::open(path)?;
        {
            let start = upto.saturating_sub(CHUNK);
            let mut chunk = vec![0; (upto - start) as usize];
            file.seek(SeekFrom::Start(start))?;
            file.read_exact(&mut chunk)?;
            chunk.extend_from_slice(&carry);
            // Lines that start in this chunk; the head of the first belongs to the chunk before.
            let first_line =
                if start == 0 { 0 } else { chunk.iter().position(|b| *b == b'\n').map_or(chunk.len(), |i| i + 1) };
            let mut metas = Vec::new();
            {
                let mut index = self.index.write().unwrap_or_else(|e| e.into_inner());
                let mut at = first_line;
                while at < chunk.len() {
                    let stop = chunk[at..].iter().position(|b| *b == b'\n').map_or(chunk.len(), |i| at + i);
                    let line = &chunk[at..stop];
                    if let Some(head) = std::str::from_utf8(line).ok().and_then(Head::of) {
                        metas.push(Store::meta(&mut index, &head, start + at as u64, line.len()));
                    }
                    at = stop + 1;
                }
                for meta in metas.into_iter().rev() {
                    index.metas.push_front(meta);
                }
            }
            self.pending_before.store(start + first_line as u64, Ordering::SeqCst);
            Ok((start, chunk[..first_line].to_vec()))
        }
    }

    /// File: indexes what was appended since last time (complete lines only) and announces each record,
    /// [`FOLLOW_CHUNK`] bytes at a time (memory stays small however much was appended). An unterminated tail
    /// is not read again: only what was appended since the last look is searched for the newline that
    /// completes it. Memory: takes in what the capture path handed over.
    pub fn follow(&self) -> std::io::Result<()> {
        let path = match &self.read_index().lines {
            Lines::File(path) => path.clone(),
            Lines::Memory { .. } => return Ok(()),
        };
        while self.follow_chunk(&path)? {}
        Ok(())
    }

    /// One chunk of what was appended; whether there may be more to read.
    fn follow_chunk(&self, path: &Path) -> std::io::Result<bool> {
        let from = self.followed_to.load(Ordering::SeqCst);
        let length = std::fs::metadata(path)?.len();
        if length <= from {
            return Ok(false);
        }
        let looked = self.looked_to.load(Ordering::SeqCst).clamp(from, length);
        let wanted = (length - looked).min(FOLLOW_CHUNK);
        let more = length - looked > FOLLOW_CHUNK;
        let mut file = File::open(path)?;
        file.seek(SeekFrom::Start(looked))?;
        let mut fresh = Vec::new();
        (&mut file).take(wanted).read_to_end(&mut fresh)?;
        let Some(last_in_fresh) = fresh.iter().rposition(|b| *b == b'\n') else {
            self.looked_to.store(looked + fresh.len() as u64, Ordering::SeqCst);
            return Ok(more && !fresh.is_empty());
        };
        let end = looked + last_in_fresh as u64 + 1;
        let added = if looked == from {
            fresh.truncate(last_in_fresh + 1);
            fresh
        } else {
            let mut whole = vec![0; (end - from) as usize];
            read_at(&file, &mut whole, from)?;
            whole
        };
        let mut news = Vec::new();
        let announce = self.news.receiver_count() > 0;
        {
            let mut index = self.index.write().unwrap_or_else(|e| e.into_inner());
            let mut at = 0;
            while at < added.len() {
                let stop = added[at..].iter().position(|b| *b == b'\n').map_or(added.len(), |i| at + i);
                if let Some((line, head)) =
                    std::str::from_utf8(&added[at..stop]).ok().and_then(|l| Some((l, Head::of(l)?)))
                {
                    let meta = Store::meta(&mut index, &head, from + at as u64, stop - at);
                    index.metas.push_back(meta);
                    if announce {
                        news.push(Arc::<str>::from(line));
                    }
                }
                at = stop + 1;
            }
        }
        self.followed_to.store(end, Ordering::SeqCst);
        self.looked_to.store(end, Ordering::SeqCst);
        for line in news {
            let _ = self.news.send(line);
        }
        Ok(more)
    }

    fn line(index: &Index, meta: &Meta) -> Option<Arc<str>> {
        match &index.lines {
            Lines::Memory { lines, first } => lines.get(meta.offset.checked_sub(*first)? as usize).cloned(),
            Lines::File(path) => {
                let file = File::open(path).ok()?;
                let mut bytes = vec![0; meta.len as usize];
                read_at(&file, &mut bytes, meta.offset).ok()?;
                Some(Arc::from(String::from_utf8_lossy(&bytes).as_ref()))
            }
        }
    }

    fn find(index: &Index, id: u64) -> Option<Meta> {
        // Ids grow through the file: a binary search finds it unless ids were restarted by hand.
        let metas = &index.metas;
        match metas.binary_search_by_key(&id, |m| m.id) {
            Ok(i) => Some(metas[i]),
            Err(_) => metas.iter().rev().find(|m| m.id == id).copied(),
        }
    }

    /// One record's line, by id.
    pub fn get(&self, id: u64) -> Option<Arc<str>> {
        let index = self.read_index();
        Store::find(&index, id).and_then(|meta| Store::line(&index, &meta))
    }

    /// When a record was received (Unix milliseconds), by id.
    pub fn time_of(&self, id: u64) -> Option<i64> {
        Store::find(&self.read_index(), id).map(|meta| meta.time)
    }

    /// Whether a record comes after `before` (newest first), among the files merged.
    fn older(&self, meta: &Meta, before: Option<Before>) -> bool {
        match before {
            None => true,
            Some(Before::Id(id)) => meta.id < id,
            Some(Before::At { time, rank, id }) => (meta.time, self.rank, meta.id) < (time, rank, id),
        }
    }

    /// The records that pass the filters the index can decide alone (event, verdict, status, time, id),
    /// newest first; taken under the lock, which is then let go: the lines are read outside it.
    fn candidates(&self, query: &Query) -> (Vec<Candidate>, Reader, usize) {
        let index = self.read_index();
        let wants_text = query.q.is_some() || query.method.is_some() || query.path.is_some();
        let mut found = Vec::new();
        for meta in index.metas.iter().rev() {
            if !wants_text && found.len() >= query.limit {
                break;
            }
            if !self.older(meta, query.before) {
                continue;
            }
            if let Some(glob) = &query.event {
                let event = &index.events[meta.event as usize];
                if meta.event == 0 || !glob_matches(glob, event) {
                    continue;
                }
            }
            if query.verdict.as_ref().is_some_and(|v| !v.contains(&meta.verdict))
                || query.status.is_some_and(|s| s != meta.answered)
                || query.since.is_some_and(|s| meta.time < s)
                || query.until.is_some_and(|u| meta.time > u)
            {
                continue;
            }
            let line = match &index.lines {
                Lines::Memory { lines, first } => {
                    match meta.offset.checked_sub(*first).and_then(|i| lines.get(i as usize)) {
                        Some(line) => Some(line.clone()),
                        None => continue,
                    }
                }
                Lines::File(_) => None,
            };
            found.push(Candidate { meta: *meta, line });
        }
        let reader = match &index.lines {
            Lines::File(path) => Reader::File(File::open(path).ok()),
            Lines::Memory { .. } => Reader::Memory,
        };
        (found, reader, index.metas.len())
    }

    /// Calls `each` with every record that passes the query, newest first, until it has had `query.limit`
    /// of them or returns false. Lines are read one at a time, outside the index's lock, through one open
    /// file; returns how many records the index holds.
    pub fn scan(&self, query: &Query, mut each: impl FnMut(Found) -> bool) -> usize {
        let (candidates, reader, total) = self.candidates(query);
        let needle = query.q.as_deref().map(Filter::grep_for);
        let mut taken = 0;
        for candidate in candidates {
            if taken >= query.limit {
                break;
            }
            let Some(line) = reader.line_if(&candidate, |line| text_matches(query, needle.as_deref(), line)) else {
                continue;
            };
            taken += 1;
            if !each(Found { line, id: candidate.meta.id, time: candidate.meta.time }) {
                break;
            }
        }
        total
    }

    /// The newest `query.limit` records that match, newest first, without their lines (read them with
    /// [`Matches::read`]): what an export in order is made from.
    pub fn matches(&self, query: &Query) -> Matches {
        let (candidates, reader, _) = self.candidates(query);
        let needle = query.q.as_deref().map(Filter::grep_for);
        let wants_text = query.q.is_some() || query.method.is_some() || query.path.is_some();
        let mut matched = Vec::new();
        for candidate in candidates {
            if matched.len() >= query.limit {
                break;
            }
            if wants_text && reader.line_if(&candidate, |line| text_matches(query, needle.as_deref(), line)).is_none() {
                continue;
            }
            matched.push(candidate);
        }
        Matches { matched, reader }
    }

    /// As [`Store::scan`], oldest first (the newest `query.limit` that match, in the order they came): the
    /// matches are found first, newest first, keeping only where they are; then read again in order.
    pub fn scan_in_order(&self, query: &Query, mut each: impl FnMut(Arc<str>) -> bool) {
        let matches = self.matches(query);
        for i in (0..matches.len()).rev() {
            let Some(line) = matches.read(i) else { continue };
            if !each(line) {
                return;
            }
        }
    }

    /// A page of records, newest first.
    pub fn query(&self, query: &Query) -> Page {
        let mut found = Vec::new();
        let total = self.scan(query, |record| {
            found.push(record);
            true
        });
        Page {
            found,
            total,
            complete: self.complete.load(Ordering::SeqCst),
            dropped: self.dropped.load(Ordering::Relaxed),
        }
    }
}

/// Records a query matched, newest first, and the file they are read from.
pub struct Matches {
    matched: Vec<Candidate>,
    reader: Reader,
}

impl Matches {
    pub fn len(&self) -> usize {
        self.matched.len()
    }

    pub fn is_empty(&self) -> bool {
        self.matched.is_empty()
    }

    /// The `i`th match's id and received-at time (Unix milliseconds).
    pub fn place(&self, i: usize) -> (i64, u64) {
        (self.matched[i].meta.time, self.matched[i].meta.id)
    }

    /// The `i`th match's line.
    pub fn read(&self, i: usize) -> Option<Arc<str>> {
        self.reader.line(&self.matched[i])
    }
}

/// Whether a record's line passes the filters the index cannot decide: free text, method, path.
fn text_matches(query: &Query, needle: Option<&str>, line: &str) -> bool {
    if needle.is_some_and(|n| !line.contains(n)) {
        return false;
    }
    if query.method.is_some() || query.path.is_some() {
        let Some(head) = Head::of(line) else { return false };
        if query.method.as_deref().is_some_and(|m| !m.eq_ignore_ascii_case(&head.method))
            || query.path.as_deref().is_some_and(|p| !glob_matches(p, &head.path))
        {
            return false;
        }
    }
    true
}

/// A record the index's filters let through; its line is read later (memory: already at hand).
struct Candidate {
    meta: Meta,
    line: Option<Arc<str>>,
}

/// Where candidates' lines are read from: one open capture file, or memory.
enum Reader {
    File(Option<File>),
    Memory,
}

impl Reader {
    fn line(&self, candidate: &Candidate) -> Option<Arc<str>> {
        self.line_if(candidate, |_| true)
    }

    /// The candidate's line when `keep` takes it: the text is looked at where it was read (no copy), and
    /// only a line that is kept is copied out (a search over large records holds one of them at a time).
    fn line_if(&self, candidate: &Candidate, keep: impl Fn(&str) -> bool) -> Option<Arc<str>> {
        match self {
            Reader::Memory => candidate.line.clone().filter(|line| keep(line)),
            Reader::File(file) => {
                let mut bytes = vec![0; candidate.meta.len as usize];
                read_at(file.as_ref()?, &mut bytes, candidate.meta.offset).ok()?;
                let text = String::from_utf8_lossy(&bytes);
                keep(&text).then(|| Arc::from(text.as_ref()))
            }
        }
    }
}

#[cfg(unix)]
fn read_at(file: &File, bytes: &mut [u8], offset: u64) -> std::io::Result<()> {
    std::os::unix::fs::FileExt::read_exact_at(file, bytes, offset)
}

#[cfg(not(unix))]
fn read_at(file: &File, bytes: &mut [u8], offset: u64) -> std::io::Result<()> {
    let mut file = file;
    file.seek(SeekFrom::Start(offset))?;
    file.read_exact(bytes)
}

/// The end of the last complete line at or before `length`.
fn last_newline_end(path: &Path, length: u64) -> std::io::Result<u64> {
    let mut file = File::open(path)?;
    let mut end = length;
    while end > 0 {
        let start = end.saturating_sub(64 << 10);
        let mut chunk = vec![0; (end - start) as usize];
        file.seek(SeekFrom::Start(start))?;
        file.read_exact(&mut chunk)?;
        if let Some(i) = chunk.iter().rposition(|b| *b == b'\n') {
            return Ok(start + i as u64 + 1);
        }
        end = start;
    }
    Ok(0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: u64, event: Option<&str>, valid: Option<bool>) -> String {
        serde_json::json!({
            "id": id, "received_at": "2026-12-01T10:00:00.000Z", "remote_addr": "127.0.0.1:1", "method": "POST",
            "path": format!("/p/{id}"), "query": null, "headers": {"x": format!("h{id}")}, "body": {"n": id},
            "body_text": null, "body_base64": null, "body_bytes": 7, "event": event, "shape": null, "valid": valid,
            "errors": [], "answered": 200,
        })
        .to_string()
    }

    fn ids(page: &Page) -> Vec<u64> {
        page.found.iter().map(|f| Head::of(&f.line).unwrap().id).collect()
    }

    fn wait_complete(store: &Store) {
        for _ in 0..500 {
            if store.complete.load(Ordering::SeqCst) {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        panic!("indexing never finished");
    }

    #[test]
    fn a_file_is_indexed_newest_first_paged_filtered_and_followed() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("caps.ndjson");
        let mut text = String::new();
        for id in 1..=20_000u64 {
            let event = if id % 2 == 0 { Some("pgyer.crashlog") } else { Some("obniz.oauth.create") };
            text.push_str(&line(id, event, Some(id % 10 != 0)));
            text.push('\n');
        }
        text.push_str("{\"id\":20001,\"torn"); // not complete yet
        std::fs::write(&path, &text).unwrap();
        let store = Store::file(&path).unwrap();
        wait_complete(&store);
        let page = store.query(&Query { limit: 3, ..Query::default() });
        assert_eq!((ids(&page), page.total), (vec![20_000, 19_999, 19_998], 20_000));
        let older = store.query(&Query { limit: 2, before: Some(Before::Id(19_998)), ..Query::default() });
        assert_eq!(ids(&older), [19_997, 19_996]);
        let pgyer = store.query(&Query { limit: 2, event: Some("pgyer.*".into()), ..Query::default() });
        assert_eq!(ids(&pgyer), [20_000, 19_998]);
        let invalid = store.query(&Query { limit: 2, verdict: Some(vec![Verdict::Invalid]), ..Query::default() });
        assert_eq!(ids(&invalid), [20_000, 19_990]);
        let text_search = store.query(&Query { limit: 5, q: Some("h12345".into()), ..Query::default() });
        assert_eq!(ids(&text_search), [12_345]);
        assert_eq!(Head::of(&store.get(777).unwrap()).unwrap().id, 777);

        let mut news = store.subscribe();
        let mut file = std::fs::OpenOptions::new().append(true).open(&path).unwrap();
        std::io::Write::write_all(&mut file, b"\n").unwrap(); // the torn line is fenced, as listen does
        std::io::Write::write_all(&mut file, format!("{}\n", line(20_002, None, None)).as_bytes()).unwrap();
        store.follow().unwrap();
        assert_eq!(Head::of(&news.try_recv().unwrap()).unwrap().id, 20_002);
        assert_eq!(ids(&store.query(&Query { limit: 1, ..Query::default() })), [20_002]);
    }

    #[test]
    fn memory_keeps_the_last_n_and_counts_the_dropped() {
        let store = Store::memory(3);
        for id in 1..=5 {
            store.push(&line(id, None, None));
        }
        let page = store.query(&Query { limit: 10, ..Query::default() });
        assert_eq!((ids(&page), page.dropped), (vec![5, 4, 3], 2));
        assert!(store.get(1).is_none() && store.get(4).is_some());
    }
}
