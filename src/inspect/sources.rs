//! What the inspector shows: one store (a capture file, or `listen --ui`'s memory), or several capture files
//! (one per listener behind a load balancer, or per CI shard) merged in `received_at` order, file order on a
//! tie, each record then named `FILE:ID`.
use std::path::Path;
use std::sync::atomic::Ordering;
use std::sync::Arc;

use super::store::{Before, Found, Query, Store};

/// One or several stores, and how their records are named.
pub struct Captures {
    stores: Vec<Arc<Store>>,
}

/// A record of a page, with the key that names it to the page (`7`, or `FILE:7` among several files).
pub struct Entry {
    pub line: Arc<str>,
    pub key: String,
    /// The file it comes from, among several.
    pub source: Option<Arc<str>>,
}

/// A page of records, newest first, and what the page says besides them.
pub struct Listing {
    pub entries: Vec<Entry>,
    pub total: usize,
    pub complete: bool,
    pub dropped: u64,
}

impl Captures {
    pub fn one(store: Arc<Store>) -> Captures {
        Captures { stores: vec![store] }
    }

    /// Several capture files, each named as it was given (`FILE` of `FILE:ID`); one file is [`Captures::one`].
    pub fn files(paths: &[&Path]) -> Result<Captures, String> {
        if let [one] = paths {
            let store = Store::file(one).map_err(|e| format!("cannot read {}: {e}", one.display()))?;
            return Ok(Captures::one(store));
        }
        let mut stores: Vec<Arc<Store>> = Vec::new();
        for (rank, path) in paths.iter().enumerate() {
            let label: Arc<str> = Arc::from(path.display().to_string());
            if stores.iter().any(|s| s.label.as_deref() == Some(&*label)) {
                return Err(format!("{label} is given twice"));
            }
            let store = Store::file_among(path, rank, Some(label))
                .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
            stores.push(store);
        }
        Ok(Captures { stores })
    }

    /// The stores, in the order the files were given.
    pub fn stores(&self) -> &[Arc<Store>] {
        &self.stores
    }

    pub fn merged(&self) -> bool {
        self.stores.len() > 1
    }

    /// How the page names a record of `store`.
    fn key(store: &Store, id: u64) -> String {
        match &store.label {
            Some(label) => format!("{label}:{id}"),
            None => id.to_string(),
        }
    }

    /// The store and id a key names: `7` alone, `FILE:7` among several files.
    pub fn resolve(&self, key: &str) -> Result<(&Arc<Store>, u64), String> {
        if !self.merged() {
            let id = key.parse().map_err(|_| format!("{key:?} is not a capture id"))?;
            return Ok((&self.stores[0], id));
        }
        let unknown = || format!("{key:?} names no capture: ids here are FILE:ID, FILE one of the files inspected");
        let (label, id) = key.rsplit_once(':').ok_or_else(unknown)?;
        let id = id.parse().map_err(|_| unknown())?;
        let store = self.stores.iter().find(|s| s.label.as_deref() == Some(label)).ok_or_else(unknown)?;
        Ok((store, id))
    }

    /// One record's line, by key.
    pub fn get(&self, key: &str) -> Option<Arc<str>> {
        let (store, id) = self.resolve(key).ok()?;
        store.get(id)
    }

    /// Where the records older than the one `key` names start.
    pub fn before(&self, key: &str) -> Result<Before, String> {
        let (store, id) = self.resolve(key)?;
        if !self.merged() {
            return Ok(Before::Id(id));
        }
        let time = store.time_of(id).ok_or_else(|| format!("before_id={key}: no such capture"))?;
        Ok(Before::At { time, rank: store.rank, id })
    }

    /// A page of records, newest first: among several files, the newest `query.limit` of them all.
    pub fn query(&self, query: &Query) -> Listing {
        let mut all: Vec<(usize, Found)> = Vec::new();
        let mut total = 0;
        for (i, store) in self.stores.iter().enumerate() {
            total += store.scan(query, |found| {
                all.push((i, found));
                true
            });
        }
        if self.merged() {
            all.sort_by_key(|(rank, found)| std::cmp::Reverse((found.time, *rank, found.id)));
            all.truncate(query.limit);
        }
        let entries = all
            .into_iter()
            .map(|(i, found)| {
                let store = &self.stores[i];
                Entry { key: Captures::key(store, found.id), line: found.line, source: store.label.clone() }
            })
            .collect();
        Listing {
            entries,
            total,
            complete: self.complete(),
            dropped: self.stores.iter().map(|s| s.dropped.load(Ordering::Relaxed)).sum(),
        }
    }

    /// As [`Captures::query`], oldest first (the newest `query.limit` that match, in `received_at` order),
    /// each line read only when its turn comes.
    pub fn scan_in_order(&self, query: &Query, mut each: impl FnMut(Arc<str>) -> bool) {
        if !self.merged() {
            return self.stores[0].scan_in_order(query, each);
        }
        let matches: Vec<_> = self.stores.iter().map(|s| s.matches(query)).collect();
        let mut order: Vec<(i64, usize, u64, usize)> = Vec::new();
        for (rank, found) in matches.iter().enumerate() {
            for i in 0..found.len() {
                let (time, id) = found.place(i);
                order.push((time, rank, id, i));
            }
        }
        order.sort_unstable_by(|a, b| b.cmp(a));
        order.truncate(query.limit);
        for (_, rank, _, i) in order.into_iter().rev() {
            let Some(line) = matches[rank].read(i) else { continue };
            if !each(line) {
                return;
            }
        }
    }

    /// Whether every file has been indexed to its start.
    pub fn complete(&self) -> bool {
        self.stores.iter().all(|s| s.complete.load(Ordering::SeqCst))
    }

    /// Picks up what was appended to every file.
    pub fn follow(&self) {
        for store in &self.stores {
            let _ = store.follow();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn line(id: u64, at: &str) -> String {
        serde_json::json!({
            "id": id, "received_at": at, "remote_addr": "127.0.0.1:1", "method": "POST",
            "path": format!("/p/{id}"), "query": null, "headers": {}, "body": {"n": id},
            "body_text": null, "body_base64": null, "body_bytes": 7, "event": null, "shape": null, "valid": null,
            "errors": [], "answered": 200,
        })
        .to_string()
            + "\n"
    }

    fn keys(listing: &Listing) -> Vec<String> {
        listing.entries.iter().map(|e| e.key.clone()).collect()
    }

    fn wait(captures: &Captures) {
        for _ in 0..500 {
            if captures.complete() {
                return;
            }
            std::thread::sleep(std::time::Duration::from_millis(5));
        }
        panic!("indexing never finished");
    }

    #[test]
    fn several_files_merge_in_received_at_order_with_file_ids_and_page_by_key() {
        let dir = tempfile::tempdir().unwrap();
        let (a, b) = (dir.path().join("a.ndjson"), dir.path().join("b.ndjson"));
        let t = |s: u32| format!("2026-12-01T10:00:{s:02}.000Z");
        std::fs::write(&a, [line(1, &t(1)), line(2, &t(4)), line(3, &t(5))].concat()).unwrap();
        std::fs::write(&b, [line(1, &t(2)), line(2, &t(4)), line(3, &t(9))].concat()).unwrap();
        let captures = Captures::files(&[&a, &b]).unwrap();
        wait(&captures);
        let (la, lb) = (a.display().to_string(), b.display().to_string());
        let page = captures.query(&Query { limit: 4, ..Query::default() });
        // Newest first; the tie at :04 goes to the file given first, which comes first in time order.
        assert_eq!(keys(&page), [format!("{lb}:3"), format!("{la}:3"), format!("{lb}:2"), format!("{la}:2")]);
        assert_eq!(page.total, 6);
        let before = captures.before(&format!("{lb}:2")).unwrap();
        let older = captures.query(&Query { limit: 10, before: Some(before), ..Query::default() });
        assert_eq!(keys(&older), [format!("{la}:2"), format!("{lb}:1"), format!("{la}:1")]);
        assert!(captures.get(&format!("{la}:3")).unwrap().contains("\"/p/3\""));
        assert!(captures.get("3").is_none(), "a bare id names nothing among several files");
        assert!(captures.resolve("elsewhere.ndjson:1").err().unwrap().contains("FILE:ID"));

        let mut in_order = Vec::new();
        captures.scan_in_order(&Query { limit: 4, ..Query::default() }, |line| {
            in_order.push(serde_json::from_str::<serde_json::Value>(&line).unwrap()["received_at"].clone());
            true
        });
        assert_eq!(in_order, [t(4), t(4), t(5), t(9)]);
        assert!(Captures::files(&[&a, &a]).err().unwrap().contains("given twice"));
    }
}
