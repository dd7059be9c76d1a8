//! A parsed JSON document in one compact byte buffer, for `diff` on large payloads.
//!
//! A `serde_json::Value` costs about 150 bytes per object entry (an index-map slot, a heap key, a 72-byte
//! value), four to five times the text it came from. This buffer is about the size of that text: a tag
//! byte per value, strings stored inline, containers with their member count and the offset where they
//! end, so a whole subtree is skipped in one step. serde_json still does all the parsing (see `build`);
//! the `jsonschema` crate validates the buffer in place through its custom-representation traits (see
//! `json`). Duplicate keys keep the last value, as `serde_json::Value` does.
//!
//! Record layout (integers little-endian): `NULL`/`FALSE`/`TRUE`: the tag alone. `U64`/`I64`/`F64`: the tag
//! and 8 bytes. `STR`: the tag, a u32 length and the UTF-8 bytes. `ARRAY`/`OBJECT`: the tag, a u32 count,
//! a u32 end offset, then the items (an object's as key records, `KEY` or `SHADOWED_KEY` laid out like `STR`,
//! each followed by its value). An object of [`INDEXED`] keys or more ends with its key index: the offsets of
//! its live key records as u32s, sorted by key, for lookups by binary search and printing in key order.
mod build;
mod json;

use serde_json::{Map, Number, Value};

use crate::pointer::Path;

pub use json::DocJson;

const NULL: u8 = 0;
const FALSE: u8 = 1;
const TRUE: u8 = 2;
const U64: u8 = 3;
const I64: u8 = 4;
const F64: u8 = 5;
const STR: u8 = 6;
const ARRAY: u8 = 7;
const OBJECT: u8 = 8;
const KEY: u8 = 9;
/// A key whose name comes again later in the same object: the later value wins, this member is skipped.
const SHADOWED_KEY: u8 = 10;
/// Objects with this many keys or more carry a sorted key index (4 bytes a key).
const INDEXED: usize = 32;

/// A whole JSON document; [`Doc::root`] is where reading starts.
pub struct Doc {
    buf: Vec<u8>,
}

impl Doc {
    /// Parses JSON text (serde_json's parser, errors and nesting limit).
    pub fn parse(text: &[u8]) -> Result<Doc, serde_json::Error> {
        build::parse(text).map(|buf| Doc { buf })
    }

    /// The document for an already-parsed value (a rendered fixture).
    pub fn from_value(value: &Value) -> Doc {
        let text = serde_json::to_vec(value).unwrap_or_else(|_| b"null".to_vec());
        Doc::parse(&text).unwrap_or_else(|_| Doc { buf: vec![NULL] })
    }

    pub fn root(&self) -> DocNode<'_> {
        DocNode { buf: &self.buf, at: 0 }
    }

    /// The pointers of keys that appear more than once in their object (the last one counts here; other
    /// parsers take the first), in document order, each once.
    pub fn duplicate_keys(&self) -> Vec<String> {
        let mut found = Vec::new();
        duplicates_under(&self.buf, 0, &Path::Root, &mut found);
        found
    }
}

fn duplicates_under(buf: &[u8], at: usize, step: &Path<'_>, found: &mut Vec<String>) {
    let end = end_of(buf, at);
    let (mut next, stop) = match buf[at] {
        // A large object's key index follows its members.
        OBJECT if read_u32(buf, at + 1) >= INDEXED => (at + 9, end - 4 * read_u32(buf, at + 1)),
        OBJECT => (at + 9, end),
        ARRAY => (at + 9, end),
        _ => return,
    };
    let mut index = 0usize;
    while next < stop {
        let (value, child) = if buf[at] == OBJECT {
            let key = text_at(buf, next);
            let child = Path::Key(step, key);
            if buf[next] == SHADOWED_KEY {
                let pointer = child.pointer();
                if !found.contains(&pointer) {
                    found.push(pointer);
                }
            }
            (end_of(buf, next), child)
        } else {
            index += 1;
            (next, Path::Index(step, index - 1))
        };
        if matches!(buf[value], OBJECT | ARRAY) {
            duplicates_under(buf, value, &child, found);
        }
        next = end_of(buf, value);
    }
}

/// One value inside a [`Doc`]: a position in its buffer. `Copy`, and reading it never allocates.
#[derive(Clone, Copy)]
pub struct DocNode<'a> {
    buf: &'a [u8],
    at: usize,
}

/// What a node holds.
pub enum View<'a> {
    Null,
    Bool(bool),
    Number(DocNumber),
    /// A string, its UTF-8 checked only when read: telling a 5 MB string's type costs nothing.
    Str(Text<'a>),
    Array(DocArray<'a>),
    Object(DocObject<'a>),
}

/// A string record, read on demand.
#[derive(Clone, Copy)]
pub struct Text<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> Text<'a> {
    pub fn as_str(self) -> &'a str {
        text_at(self.buf, self.at)
    }
}

/// A number as serde_json reads one: an unsigned or negative integer that fits 64 bits, or else a double.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum DocNumber {
    U64(u64),
    I64(i64),
    F64(f64),
}

impl DocNumber {
    pub fn to_number(self) -> Number {
        match self {
            DocNumber::U64(n) => n.into(),
            DocNumber::I64(n) => n.into(),
            // serde_json never parses a non-finite number, so this always succeeds.
            DocNumber::F64(n) => Number::from_f64(n).unwrap_or_else(|| 0.into()),
        }
    }
}

fn read_u32(buf: &[u8], at: usize) -> usize {
    let mut word = [0_u8; 4];
    word.copy_from_slice(&buf[at..at + 4]);
    u32::from_le_bytes(word) as usize
}

fn read_u64(buf: &[u8], at: usize) -> u64 {
    let mut word = [0_u8; 8];
    word.copy_from_slice(&buf[at..at + 8]);
    u64::from_le_bytes(word)
}

/// The text of a `STR`/`KEY` record at `at`. Only `build` writes records, always from a `&str`, so the check
/// always passes (it costs a pass over the bytes, no `unsafe`).
fn text_at(buf: &[u8], at: usize) -> &str {
    let bytes = bytes_at(buf, at);
    debug_assert!(std::str::from_utf8(bytes).is_ok());
    std::str::from_utf8(bytes).unwrap_or_default()
}

/// The bytes of a `STR`/`KEY` record at `at`: what sorting and comparing keys use (UTF-8 bytes order as their
/// text does, without checking the text again at every comparison).
fn bytes_at(buf: &[u8], at: usize) -> &[u8] {
    let len = read_u32(buf, at + 1);
    &buf[at + 5..at + 5 + len]
}

/// Where the record starting at `at` ends (where its next sibling starts).
fn end_of(buf: &[u8], at: usize) -> usize {
    match buf[at] {
        U64 | I64 | F64 => at + 9,
        STR | KEY | SHADOWED_KEY => at + 5 + read_u32(buf, at + 1),
        ARRAY | OBJECT => read_u32(buf, at + 5),
        _ => at + 1,
    }
}

impl<'a> DocNode<'a> {
    pub fn view(self) -> View<'a> {
        let (buf, at) = (self.buf, self.at);
        match buf[at] {
            FALSE => View::Bool(false),
            TRUE => View::Bool(true),
            U64 => View::Number(DocNumber::U64(read_u64(buf, at + 1))),
            I64 => View::Number(DocNumber::I64(read_u64(buf, at + 1) as i64)),
            F64 => View::Number(DocNumber::F64(f64::from_bits(read_u64(buf, at + 1)))),
            STR => View::Str(Text { buf, at }),
            ARRAY => View::Array(DocArray { buf, at }),
            OBJECT => View::Object(DocObject { buf, at }),
            _ => View::Null,
        }
    }

    /// Bytes the node and everything below it take in the buffer.
    pub fn size(self) -> usize {
        end_of(self.buf, self.at) - self.at
    }

    pub fn as_object(self) -> Option<DocObject<'a>> {
        match self.view() {
            View::Object(object) => Some(object),
            _ => None,
        }
    }

    pub fn as_array(self) -> Option<DocArray<'a>> {
        match self.view() {
            View::Array(array) => Some(array),
            _ => None,
        }
    }

    pub fn as_str(self) -> Option<&'a str> {
        match self.view() {
            View::Str(text) => Some(text.as_str()),
            _ => None,
        }
    }

    /// A `serde_json::Value` copy: for small subtrees and error messages only, never the whole document.
    pub fn to_value(self) -> Value {
        match self.view() {
            View::Null => Value::Null,
            View::Bool(b) => Value::Bool(b),
            View::Number(n) => Value::Number(n.to_number()),
            View::Str(text) => Value::String(text.as_str().to_string()),
            View::Array(array) => Value::Array(array.items().map(DocNode::to_value).collect()),
            View::Object(object) => {
                let mut map = Map::with_capacity(object.len());
                for (key, value) in object.members() {
                    map.insert(key.to_string(), value.to_value());
                }
                Value::Object(map)
            }
        }
    }
}

/// An object node: its members in document order.
#[derive(Clone, Copy)]
pub struct DocObject<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> DocObject<'a> {
    /// Number of distinct keys.
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    pub fn len(self) -> usize {
        read_u32(self.buf, self.at + 1)
    }

    pub fn members(self) -> Members<'a> {
        Members { buf: self.buf, next: self.at + 9, end: self.index_start() }
    }

    /// Where the key index starts (or the object ends, for one without).
    fn index_start(self) -> usize {
        let end = end_of(self.buf, self.at);
        if self.len() >= INDEXED {
            end - 4 * self.len()
        } else {
            end
        }
    }

    /// The key record offsets of the index, in key order.
    fn index(self) -> impl Iterator<Item = usize> + 'a {
        let buf = self.buf;
        let start = self.index_start();
        (0..self.len()).map(move |i| read_u32(buf, start + 4 * i))
    }

    fn member_at(self, key: usize) -> (&'a str, DocNode<'a>) {
        (text_at(self.buf, key), DocNode { buf: self.buf, at: end_of(self.buf, key) })
    }

    /// Members ordered by key: the order `diff` prints them in (a large object's index already is).
    pub fn sorted_members(self) -> impl Iterator<Item = (&'a str, DocNode<'a>)> {
        let indexed = self.len() >= INDEXED;
        let mut small = Vec::new();
        if !indexed {
            let (mut next, end) = (self.at + 9, self.index_start());
            while next < end {
                if self.buf[next] == KEY {
                    small.push(next);
                }
                next = end_of(self.buf, end_of(self.buf, next));
            }
            small.sort_unstable_by(|a, b| bytes_at(self.buf, *a).cmp(bytes_at(self.buf, *b)));
        }
        let large = indexed.then(|| self.index()).into_iter().flatten();
        small.into_iter().chain(large).map(move |key| self.member_at(key))
    }

    /// The value of `key`: a binary search of the key index, or a scan of a small object.
    pub fn get(self, key: &str) -> Option<DocNode<'a>> {
        if self.len() < INDEXED {
            return self.members().find(|(name, _)| *name == key).map(|(_, value)| value);
        }
        let start = self.index_start();
        let (mut low, mut high) = (0, self.len());
        while low < high {
            let middle = (low + high) / 2;
            let at = read_u32(self.buf, start + 4 * middle);
            match bytes_at(self.buf, at).cmp(key.as_bytes()) {
                std::cmp::Ordering::Less => low = middle + 1,
                std::cmp::Ordering::Greater => high = middle,
                std::cmp::Ordering::Equal => return Some(self.member_at(at).1),
            }
        }
        None
    }
}

/// Members of an object, skipping those a later duplicate key replaced.
#[derive(Clone)]
pub struct Members<'a> {
    buf: &'a [u8],
    next: usize,
    end: usize,
}

impl<'a> Iterator for Members<'a> {
    type Item = (&'a str, DocNode<'a>);

    fn next(&mut self) -> Option<Self::Item> {
        while self.next < self.end {
            let key = self.next;
            let value = end_of(self.buf, key);
            self.next = end_of(self.buf, value);
            if self.buf[key] == KEY {
                return Some((text_at(self.buf, key), DocNode { buf: self.buf, at: value }));
            }
        }
        None
    }
}

/// An array node.
#[derive(Clone, Copy)]
pub struct DocArray<'a> {
    buf: &'a [u8],
    at: usize,
}

impl<'a> DocArray<'a> {
    pub fn is_empty(self) -> bool {
        self.len() == 0
    }

    pub fn len(self) -> usize {
        read_u32(self.buf, self.at + 1)
    }

    pub fn items(self) -> Items<'a> {
        Items { buf: self.buf, next: self.at + 9, end: end_of(self.buf, self.at) }
    }
}

#[derive(Clone)]
pub struct Items<'a> {
    buf: &'a [u8],
    next: usize,
    end: usize,
}

impl<'a> Iterator for Items<'a> {
    type Item = DocNode<'a>;

    fn next(&mut self) -> Option<DocNode<'a>> {
        (self.next < self.end).then(|| {
            let node = DocNode { buf: self.buf, at: self.next };
            self.next = end_of(self.buf, self.next);
            node
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_document_reads_back_as_the_value_it_was_parsed_from() {
        let text = r#"{"s":"a\"\n\u00e9","n":[0,-7,1.5,18446744073709551615,2.5e300],"t":true,"f":false,"z":null,
            "o":{"k":{}},"e":[],"u":"ü🎉"}"#;
        let doc = Doc::parse(text.as_bytes()).unwrap();
        assert_eq!(doc.root().to_value(), serde_json::from_str::<Value>(text).unwrap());
    }

    #[test]
    fn the_last_of_duplicate_keys_wins_and_is_counted_once() {
        let doc = Doc::parse(br#"{"a":1,"b":2,"a":3}"#).unwrap();
        let object = doc.root().as_object().unwrap();
        assert_eq!(object.len(), 2);
        assert_eq!(object.get("a").unwrap().to_value(), json!(3));
        let keys: Vec<&str> = object.members().map(|(k, _)| k).collect();
        assert_eq!(keys, ["b", "a"]);
        assert_eq!(doc.root().to_value(), serde_json::from_str::<Value>(r#"{"a":1,"b":2,"a":3}"#).unwrap());
    }

    #[test]
    fn large_objects_are_looked_up_and_listed_in_key_order_through_their_index() {
        for n in [INDEXED - 1, INDEXED, 500] {
            let mut text = String::from("{");
            for i in (0..n).rev() {
                text.push_str(&format!("\"k{i:03}\":{i},"));
            }
            text.push_str("\"k000\":\"last\",\"nested\":[{\"a\":1}]}");
            let doc = Doc::parse(text.as_bytes()).unwrap();
            let object = doc.root().as_object().unwrap();
            assert_eq!(object.len(), n + 1, "one duplicate, one more key");
            assert_eq!(object.get("k000").unwrap().to_value(), json!("last"));
            assert_eq!(object.get(&format!("k{:03}", n - 1)).unwrap().to_value(), json!(n - 1));
            assert!(object.get("k").is_none() && object.get("zzz").is_none());
            assert_eq!(object.get("nested").unwrap().to_value(), json!([{"a": 1}]));
            assert_eq!(object.members().count(), n + 1, "the index is not read as members");
            let sorted: Vec<&str> = object.sorted_members().map(|(k, _)| k).collect();
            let mut expected: Vec<&str> = object.members().map(|(k, _)| k).collect();
            expected.sort_unstable();
            assert_eq!(sorted, expected);
            assert_eq!(doc.root().to_value(), serde_json::from_str::<Value>(&text).unwrap());
        }
    }

    #[test]
    fn invalid_json_keeps_serde_json_line_and_column() {
        let err = Doc::parse(b"{\n  \"a\": 'iOS'\n}").err().unwrap();
        assert_eq!((err.line(), err.column()), (2, 8));
        assert!(Doc::parse(b"{} x").is_err(), "trailing characters are refused");
        let deep = "[".repeat(200) + &"]".repeat(200);
        assert!(Doc::parse(deep.as_bytes()).is_err(), "nesting is bounded like serde_json's");
    }

    #[test]
    fn the_buffer_is_about_the_size_of_the_text() {
        let mut config = Map::new();
        for i in 0..20_000 {
            config.insert(format!("field{i:05}"), json!(format!("text value {i}")));
        }
        let text = serde_json::to_vec(&json!({"Configuration": config})).unwrap();
        let doc = Doc::parse(&text).unwrap();
        assert!(doc.buf.len() <= text.len() * 13 / 10, "{} bytes for {} of text", doc.buf.len(), text.len());
    }
}
