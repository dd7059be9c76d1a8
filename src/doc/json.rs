//! The `jsonschema` crate's custom-representation traits for [`Doc`](super::Doc): schemas validate the
//! compact buffer in place, and an error's instance is turned into a `Value` only if it is read.
use std::borrow::Cow;
use std::sync::OnceLock;

use jsonschema::json::{cmp, Array, Json, JsonNumber, Node, NodeIdentity, Object};
use jsonschema::JsonType;
use jsonschema_value::LazyInstance;
use serde_json::Value;

use super::{DocArray, DocNode, DocNumber, DocObject, Items, Members, View, STR};

/// The marker type: `Validator<DocJson>` validates a [`DocNode`].
pub struct DocJson;

impl Json for DocJson {
    type Node<'a> = DocNode<'a>;
    type PreparedKey = Box<str>;
    type StringBuffer = Vec<u8>;

    /// A lookup scans a small object and binary-searches a large one's index.
    const KEYS_PER_LOOKUP: usize = 8;
    const ACYCLIC: bool = true;

    fn prepare_key(key: &str) -> Box<str> {
        key.into()
    }

    fn with_string_node<T>(buffer: &mut Vec<u8>, string: &str, f: impl FnOnce(DocNode<'_>) -> T) -> T {
        buffer.clear();
        buffer.push(STR);
        buffer.extend_from_slice(&(string.len() as u32).to_le_bytes());
        buffer.extend_from_slice(string.as_bytes());
        f(DocNode { buf: buffer, at: 0 })
    }
}

impl JsonNumber for DocNumber {
    fn as_u64(&self) -> Option<u64> {
        match *self {
            DocNumber::U64(n) => Some(n),
            DocNumber::I64(n) => u64::try_from(n).ok(),
            DocNumber::F64(_) => None,
        }
    }

    fn as_i64(&self) -> Option<i64> {
        match *self {
            DocNumber::U64(n) => i64::try_from(n).ok(),
            DocNumber::I64(n) => Some(n),
            DocNumber::F64(_) => None,
        }
    }

    fn as_f64(&self) -> Option<f64> {
        Some(match *self {
            DocNumber::U64(n) => n as f64,
            DocNumber::I64(n) => n as f64,
            DocNumber::F64(n) => n,
        })
    }

    fn as_str(&self) -> Cow<'_, str> {
        Cow::Owned(self.to_number().to_string())
    }

    fn to_number(&self) -> Cow<'_, serde_json::Number> {
        Cow::Owned(DocNumber::to_number(*self))
    }

    fn is_written_as_integer(&self) -> bool {
        !matches!(self, DocNumber::F64(_))
    }
}

/// Rebuilds a node from the buffer and offset an error kept (see [`LazyInstance::Deferred`]).
fn materialize(buf: &[u8], at: u32) -> Value {
    DocNode { buf, at: at as usize }.to_value()
}

impl<'a> Node<'a, DocJson> for DocNode<'a> {
    type Object = DocObject<'a>;
    type Array = DocArray<'a>;
    type Number = DocNumber;

    fn as_object(&self) -> Option<DocObject<'a>> {
        DocNode::as_object(*self)
    }

    fn as_array(&self) -> Option<DocArray<'a>> {
        DocNode::as_array(*self)
    }

    fn as_string(&self) -> Option<Cow<'a, str>> {
        self.as_str().map(Cow::Borrowed)
    }

    fn as_number(&self) -> Option<DocNumber> {
        match self.view() {
            View::Number(n) => Some(n),
            _ => None,
        }
    }

    fn as_boolean(&self) -> Option<bool> {
        match self.view() {
            View::Bool(b) => Some(b),
            _ => None,
        }
    }

    fn is_null(&self) -> bool {
        matches!(self.view(), View::Null)
    }

    fn json_type(&self) -> JsonType {
        match self.view() {
            View::Null => JsonType::Null,
            View::Bool(_) => JsonType::Boolean,
            View::Number(_) => JsonType::Number,
            View::Str(_) => JsonType::String,
            View::Array(_) => JsonType::Array,
            View::Object(_) => JsonType::Object,
        }
    }

    /// `const`/`enum` compare in place, without copying the subtree.
    fn equals_value(&self, expected: &Value) -> bool {
        match (self.view(), expected) {
            (View::Null, Value::Null) => true,
            (View::Bool(a), Value::Bool(b)) => a == *b,
            (View::Number(a), Value::Number(b)) => cmp::equal_numbers(&a, b),
            (View::Str(a), Value::String(b)) => a.as_str() == b,
            (View::Array(a), Value::Array(b)) => {
                a.len() == b.len() && a.items().zip(b).all(|(x, y)| Node::equals_value(&x, y))
            }
            (View::Object(a), Value::Object(b)) => {
                a.len() == b.len() && a.members().all(|(key, x)| b.get(key).is_some_and(|y| Node::equals_value(&x, y)))
            }
            _ => false,
        }
    }

    fn to_value(&self) -> Cow<'a, Value> {
        Cow::Owned(DocNode::to_value(*self))
    }

    fn lazy_value(&self) -> LazyInstance<'a> {
        LazyInstance::Deferred { bytes: self.buf, tag: self.at as u32, make: materialize, cell: OnceLock::new() }
    }

    fn identity(&self) -> Option<NodeIdentity> {
        Some(NodeIdentity::tagged(self.buf.as_ptr() as usize, self.at as u32))
    }
}

impl<'a> Object<'a, DocJson> for DocObject<'a> {
    type Node = DocNode<'a>;
    type MemberName = &'a str;
    type MembersIter = Members<'a>;

    fn len(&self) -> usize {
        DocObject::len(*self)
    }

    fn get(&self, key: &Box<str>) -> Option<DocNode<'a>> {
        DocObject::get(*self, key)
    }

    fn members(&self) -> Members<'a> {
        DocObject::members(*self)
    }
}

impl<'a> Array<'a, DocJson> for DocArray<'a> {
    type Node = DocNode<'a>;
    type ElementsIter = Items<'a>;

    fn len(&self) -> usize {
        DocArray::len(*self)
    }

    fn elements(&self) -> Items<'a> {
        self.items()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::doc::Doc;
    use serde_json::json;

    #[test]
    fn the_document_keeps_the_validators_contract() {
        let doc = Doc::from_value(&jsonschema::json::conformance::document());
        jsonschema::json::conformance::assert_conformance::<DocJson>(&doc.root());
    }

    #[test]
    fn validation_in_place_agrees_with_serde_json_values() {
        let schema = json!({
            "type": "object", "required": ["id", "tags"], "additionalProperties": false,
            "properties": {
                "id": {"type": "string", "format": "uuid"}, "n": {"type": "integer", "maximum": 10},
                "kind": {"enum": ["a", {"x": [1, 2.0]}]}, "tags": {"type": "array", "uniqueItems": true},
            },
        });
        let cases = [
            json!({"id": "7BC8AEA1-23C8-448E-9658-41BFFA777C58", "tags": [], "n": 3, "kind": {"x": [1, 2]}}),
            json!({"id": "not-a-guid", "tags": [1, 1], "n": 11.5, "kind": "b", "extra": null}),
            json!({"n": "3"}),
            json!([1, 2]),
        ];
        let by_value = jsonschema::options().should_validate_formats(true).build(&schema).unwrap();
        let by_doc = jsonschema::options_for::<DocJson>().should_validate_formats(true).build(&schema).unwrap();
        for case in &cases {
            let doc = Doc::from_value(case);
            let expected: Vec<(String, String)> =
                by_value.iter_errors(case).map(|e| (e.instance_path().to_string(), e.to_string())).collect();
            let got: Vec<(String, String)> =
                by_doc.iter_errors(doc.root()).map(|e| (e.instance_path().to_string(), e.to_string())).collect();
            assert_eq!(got, expected, "{case}");
        }
    }
}
