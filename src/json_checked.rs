//! JSON parsed into a `serde_json::Value` in one pass that also notes keys repeated within one object
//! (`{"type":"a","type":"b"}`): the value keeps the last, as serde_json does, while other parsers keep the
//! first, so a receiver and hookctl may read such a body differently. The path to each value is a chain
//! of borrowed keys on the stack: nothing is allocated for it unless a repeat is found.
use std::fmt;

use serde::de::{DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::{Map, Value};

use crate::pointer::Path;

/// Parses `text`; returns the value and the pointers of repeated keys (each once, in document order).
pub fn parse(text: &[u8]) -> Result<(Value, Vec<String>), serde_json::Error> {
    let mut repeated = Vec::new();
    let mut parser = serde_json::Deserializer::from_slice(text);
    let value = Seed { at: &Path::Root, repeated: &mut repeated }.deserialize(&mut parser)?;
    parser.end()?;
    Ok((value, repeated))
}

struct Seed<'p, 'r> {
    at: &'p Path<'p>,
    repeated: &'r mut Vec<String>,
}

impl<'de> DeserializeSeed<'de> for Seed<'_, '_> {
    type Value = Value;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Value, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Seed<'_, '_> {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::from(v))
    }

    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(serde_json::Number::from_f64(v).map_or(Value::Null, Value::Number))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_string()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::with_capacity(seq.size_hint().unwrap_or(0).min(4096));
        loop {
            let at = Path::Index(self.at, items.len());
            match seq.next_element_seed(Seed { at: &at, repeated: self.repeated })? {
                Some(item) => items.push(item),
                None => return Ok(Value::Array(items)),
            }
        }
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut object = Map::new();
        while let Some(key) = map.next_key::<String>()? {
            let value = map.next_value_seed(Seed { at: &Path::Key(self.at, &key), repeated: self.repeated })?;
            // One lookup: a new key is inserted; a repeated one keeps its place and takes the last value, as
            // serde_json does, and is noted.
            match object.entry(key) {
                serde_json::map::Entry::Vacant(vacant) => {
                    vacant.insert(value);
                }
                serde_json::map::Entry::Occupied(mut occupied) => {
                    let pointer = Path::Key(self.at, occupied.key()).pointer();
                    if !self.repeated.contains(&pointer) {
                        self.repeated.push(pointer);
                    }
                    occupied.insert(value);
                }
            }
        }
        Ok(Value::Object(object))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_value_is_serde_jsons_and_repeats_are_named() {
        for text in [r#"{"a":1,"b":[1,{"c":null}],"d":"é","e":-2,"f":1.5,"g":18446744073709551615}"#, "[]", "3"] {
            let (value, repeated) = parse(text.as_bytes()).unwrap();
            assert_eq!(value, serde_json::from_str::<Value>(text).unwrap());
            assert!(repeated.is_empty());
        }
        let text = r#"{"type":"crashlog","x":[{"a/b":1,"a/b":2}],"type":"install.create"}"#;
        let (value, repeated) = parse(text.as_bytes()).unwrap();
        assert_eq!(value, serde_json::from_str::<Value>(text).unwrap());
        assert_eq!(value["type"], "install.create");
        assert_eq!(repeated, ["/x/0/a~1b", "/type"]);
        assert!(parse(b"{\"a\":1} x").is_err());
    }
}
