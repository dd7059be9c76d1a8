//! JSON pointers (RFC 6901): escaping a segment, building one from a path, and following one through any
//! JSON representation the validator reads (`serde_json::Value` or the compact [`crate::doc::Doc`]).
use std::borrow::Cow;

use jsonschema::json::{Array as _, Json, Node, Object as _};

/// Where a value sits during a walk, as a chain of steps borrowed from the walk's stack: nothing is
/// allocated for it unless its pointer is asked for (a repeated key, say: rare).
pub enum Path<'a> {
    Root,
    Key(&'a Path<'a>, &'a str),
    Index(&'a Path<'a>, usize),
}

impl Path<'_> {
    pub fn pointer(&self) -> String {
        match self {
            Path::Root => String::new(),
            Path::Key(parent, key) => format!("{}/{}", parent.pointer(), escape(key)),
            Path::Index(parent, i) => format!("{}/{i}", parent.pointer()),
        }
    }
}

/// Escapes one pointer segment: `~` as `~0`, `/` as `~1`.
pub fn escape(segment: &str) -> Cow<'_, str> {
    if memchr::memchr2(b'~', b'/', segment.as_bytes()).is_some() {
        segment.replace('~', "~0").replace('/', "~1").into()
    } else {
        segment.into()
    }
}

/// The segment a pointer token stands for (`~1` is `/`, `~0` is `~`).
pub fn unescape(token: &str) -> Cow<'_, str> {
    if token.contains('~') {
        token.replace("~1", "/").replace("~0", "~").into()
    } else {
        token.into()
    }
}

/// `at` extended by one object key.
pub fn child(at: &str, key: &str) -> String {
    format!("{at}/{}", escape(key))
}

/// The parent's pointer and the last segment (unescaped): `/a/b~1c` → (`/a`, `b/c`).
pub fn split_last(pointer: &str) -> (String, String) {
    match pointer.rsplit_once('/') {
        Some((parent, last)) => (parent.to_string(), unescape(last).into_owned()),
        None => (String::new(), String::new()),
    }
}

/// The node at `pointer` below `root` (`""` is the root itself).
pub fn find<'a, F: Json>(root: &F::Node<'a>, pointer: &str) -> Option<F::Node<'a>> {
    let mut node = root.clone();
    for token in pointer.split('/').skip(1) {
        let token = unescape(token);
        node = match node.as_array() {
            Some(items) => items.elements().nth(token.parse().ok()?)?,
            None => node.as_object()?.get(&F::prepare_key(&token))?,
        };
    }
    Some(node)
}

/// Whether `text` is a pointer at all: empty (the root) or starting with `/`.
pub fn is_pointer(text: &str) -> bool {
    text.is_empty() || text.starts_with('/')
}

#[cfg(test)]
mod tests {
    use super::*;
    use jsonschema::json::SerdeJson;
    use serde_json::json;

    #[test]
    fn pointers_reach_nested_values_and_escaped_keys_in_either_representation() {
        let value = json!({"a/b": {"c~d": [10, 20]}, "": 1});
        let doc = crate::doc::Doc::from_value(&value);
        for pointer in ["/a~1b/c~0d/1", "/", "/a~1b/c~0d/2", "/x", ""] {
            let by_doc = find::<crate::doc::DocJson>(&doc.root(), pointer).map(|n| n.to_value());
            assert_eq!(by_doc, value.pointer(pointer).cloned(), "{pointer}");
            assert_eq!(find::<SerdeJson>(&&value, pointer), value.pointer(pointer), "{pointer}");
        }
    }

    #[test]
    fn segments_escape_and_unescape() {
        assert_eq!(escape("a/b~c"), "a~1b~0c");
        assert_eq!(unescape("a~1b~0c"), "a/b~c");
        assert_eq!(child("/x", "y/z"), "/x/y~1z");
        assert!(is_pointer("") && is_pointer("/a") && !is_pointer("a.b"));
    }
}
