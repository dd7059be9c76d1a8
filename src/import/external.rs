//! `$ref`s to files beside the description (`{"$ref": "examples/order.json"}`, `schemas/order.yaml#/Order`)
//! and examples' `externalValue`s:
//! read from inside the description's own folder tree and put in place of the reference, before the
//! description is read, so examples and schemas alike see the value (issue 36 #3). A reference that leaves the
//! folder, names a missing or unreadable file, or points nowhere in it is left as it is and listed.
//!
//! Bounded whatever the files hold: [`MAX_FILES`] distinct files, [`MAX_INLINED`] bytes put in place in all
//! (a file referenced a thousand times counts a thousand times), [`MAX_DEPTH`] files deep.
use std::collections::HashMap;
use std::path::{Path, PathBuf};

use serde_json::Value;

/// The most distinct files read.
const MAX_FILES: usize = 256;
/// The most bytes put in place, counting every use of a file.
const MAX_INLINED: u64 = 64 << 20;
/// The most files a chain of references may pass through (a loop stops here).
const MAX_DEPTH: usize = 16;
/// The most a referenced file may be.
const FILE_LIMIT: u64 = 16 << 20;

/// What inlining left unresolved, each with why.
#[derive(Debug, Default)]
pub struct Outside {
    pub unresolved: Vec<String>,
}

struct Inliner {
    root: PathBuf,
    files: HashMap<PathBuf, Option<(Value, u64)>>,
    inlined: u64,
    outside: Outside,
}

/// Puts every relative-file `$ref` in `doc` (read from `dir`, the description's folder) in place.
pub fn inline(doc: &mut Value, dir: &Path) -> Outside {
    let Ok(root) = dir.canonicalize() else { return Outside::default() };
    let mut inliner = Inliner { root: root.clone(), files: HashMap::new(), inlined: 0, outside: Outside::default() };
    inliner.walk(doc, &root, 0);
    inliner.outside
}

/// A reference to a file: not `#…` (inside the document) and no scheme (`https:`, `urn:`).
fn is_file_reference(reference: &str) -> bool {
    !reference.starts_with('#') && !reference.contains("://") && !reference.starts_with("urn:")
}

impl Inliner {
    fn walk(&mut self, value: &mut Value, base: &Path, depth: usize) {
        let reference = value.get("$ref").and_then(Value::as_str).filter(|r| is_file_reference(r)).map(String::from);
        if let Some(reference) = reference {
            if let Some(mut target) = self.target(&reference, base, depth) {
                let (file, _) = split(&reference);
                let next_base = base.join(file).parent().map(Path::to_path_buf).unwrap_or_else(|| base.to_path_buf());
                self.walk(&mut target, &next_base, depth + 1);
                *value = target;
            }
            return;
        }
        // An OpenAPI Example Object's `externalValue` beside the description: its file is the value.
        let external = value
            .get("externalValue")
            .and_then(Value::as_str)
            .filter(|r| value.get("value").is_none() && is_file_reference(r))
            .map(String::from);
        if let Some(reference) = external {
            if let Some(target) = self.target(&reference, base, depth) {
                value["value"] = target;
            }
        }
        match value {
            Value::Array(items) => items.iter_mut().for_each(|v| self.walk(v, base, depth)),
            Value::Object(map) => map.values_mut().for_each(|v| self.walk(v, base, depth)),
            _ => {}
        }
    }

    /// The value a reference names, or `None` (listed in `unresolved`).
    fn target(&mut self, reference: &str, base: &Path, depth: usize) -> Option<Value> {
        let (file, pointer) = split(reference);
        let refuse = |this: &mut Inliner, why: &str| {
            this.outside.unresolved.push(format!("{reference} ({why})"));
            None
        };
        if depth >= MAX_DEPTH {
            return refuse(self, "references nested too deep, or a loop");
        }
        let Ok(path) = base.join(file).canonicalize() else { return refuse(self, "no such file") };
        if !path.starts_with(&self.root) {
            return refuse(self, "outside the description's folder");
        }
        if !self.files.contains_key(&path) && self.files.len() >= MAX_FILES {
            return refuse(self, "too many referenced files");
        }
        let loaded = self.files.entry(path.clone()).or_insert_with(|| read(&path)).clone();
        let Some((document, size)) = loaded else { return refuse(self, "not readable JSON or YAML") };
        if self.inlined + size > MAX_INLINED {
            return refuse(self, "the referenced files add up to over 64 MiB");
        }
        let target = if pointer.is_empty() { Some(&document) } else { document.pointer(pointer) };
        let Some(target) = target else { return refuse(self, "points nowhere in the file") };
        self.inlined += size;
        Some(target.clone())
    }
}

/// `file.json#/a/b` → (`file.json`, `/a/b`).
fn split(reference: &str) -> (&str, &str) {
    reference.split_once('#').unwrap_or((reference, ""))
}

/// A referenced file, JSON or YAML, and its size.
fn read(path: &Path) -> Option<(Value, u64)> {
    let bytes = crate::files::read_regular(path, FILE_LIMIT, "a referenced file", false).ok()?;
    let size = bytes.len() as u64;
    let text = String::from_utf8(bytes).ok()?;
    let trimmed = text.trim_start_matches('\u{feff}').trim_start();
    let value = if trimmed.starts_with('{') || trimmed.starts_with('[') {
        serde_json::from_str(trimmed).ok()?
    } else {
        super::yaml::parse(trimmed).ok()?
    };
    Some((value, size))
}
