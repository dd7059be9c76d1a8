//! Builds a document buffer while serde_json parses: a serde visitor that writes records instead of
//! allocating a `Value` per node.
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, SeqAccess, Visitor};

use super::{bytes_at, ARRAY, F64, FALSE, I64, INDEXED, KEY, NULL, OBJECT, SHADOWED_KEY, STR, TRUE, U64};

/// Parses `text` into a document buffer.
pub fn parse(text: &[u8]) -> Result<Vec<u8>, serde_json::Error> {
    if u32::try_from(text.len()).is_err() {
        return Err(de::Error::custom("a document over 4 GiB is not supported"));
    }
    // Records run from about 0.7x the text (long strings, indented text) to 1.3x (many short keys, indexed).
    // Reserve more: pages never written cost no memory, while a regrowth copy would cost the old buffer.
    let mut builder = Builder { buf: Vec::with_capacity(text.len() / 2 * 3 + 64), keys: Vec::new() };
    let mut parser = serde_json::Deserializer::from_slice(text);
    (&mut builder).deserialize(&mut parser)?;
    parser.end()?;
    Ok(builder.buf)
}

struct Builder {
    buf: Vec<u8>,
    /// Offsets of the key records of every object still open, innermost last.
    keys: Vec<usize>,
}

impl Builder {
    fn string(&mut self, tag: u8, text: &str) {
        self.buf.push(tag);
        self.buf.extend_from_slice(&(text.len() as u32).to_le_bytes());
        self.buf.extend_from_slice(text.as_bytes());
    }

    fn number(&mut self, tag: u8, bits: u64) {
        self.buf.push(tag);
        self.buf.extend_from_slice(&bits.to_le_bytes());
    }

    /// Starts a container; its count and end are filled in by [`Builder::close`].
    fn open(&mut self, tag: u8) -> usize {
        let at = self.buf.len();
        self.buf.push(tag);
        self.buf.extend_from_slice(&[0; 8]);
        at
    }

    fn close<E: de::Error>(&mut self, at: usize, count: usize) -> Result<(), E> {
        let end = u32::try_from(self.buf.len()).map_err(|_| E::custom("document over 4 GiB"))?;
        self.buf[at + 1..at + 5].copy_from_slice(&(count as u32).to_le_bytes());
        self.buf[at + 5..at + 9].copy_from_slice(&end.to_le_bytes());
        Ok(())
    }

    /// Marks all but the last of each repeated key among the object's keys (from `first` on) as shadowed,
    /// writes the key index of a large object, and returns how many distinct keys there are.
    fn settle_keys(&mut self, first: usize) -> usize {
        let Builder { buf, keys } = self;
        let own = &mut keys[first..];
        let total = own.len();
        let mut shadowed = 0;
        if total > 1 {
            // Sorted with each key's bytes at hand (not read again from its record at every comparison).
            let mut sorted: Vec<(&[u8], usize)> = own.iter().map(|&at| (bytes_at(buf, at), at)).collect();
            sorted.sort_unstable();
            for (slot, (_, at)) in own.iter_mut().zip(sorted) {
                *slot = at;
            }
            for i in 1..total {
                if bytes_at(buf, own[i - 1]) == bytes_at(buf, own[i]) {
                    buf[own[i - 1]] = SHADOWED_KEY;
                    shadowed += 1;
                }
            }
        }
        let live = total - shadowed;
        if live >= INDEXED {
            for &key in own.iter() {
                if buf[key] == KEY {
                    buf.extend_from_slice(&(key as u32).to_le_bytes());
                }
            }
        }
        keys.truncate(first);
        live
    }
}

impl<'de> DeserializeSeed<'de> for &mut Builder {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for &mut Builder {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any JSON value")
    }

    fn visit_unit<E>(self) -> Result<(), E> {
        self.buf.push(NULL);
        Ok(())
    }

    fn visit_bool<E>(self, value: bool) -> Result<(), E> {
        self.buf.push(if value { TRUE } else { FALSE });
        Ok(())
    }

    fn visit_u64<E>(self, value: u64) -> Result<(), E> {
        self.number(U64, value);
        Ok(())
    }

    fn visit_i64<E>(self, value: i64) -> Result<(), E> {
        self.number(I64, value as u64);
        Ok(())
    }

    fn visit_f64<E>(self, value: f64) -> Result<(), E> {
        self.number(F64, value.to_bits());
        Ok(())
    }

    fn visit_str<E>(self, value: &str) -> Result<(), E> {
        self.string(STR, value);
        Ok(())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let at = self.open(ARRAY);
        let mut count = 0;
        while seq.next_element_seed(&mut *self)?.is_some() {
            count += 1;
        }
        self.close(at, count)
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        let at = self.open(OBJECT);
        let first = self.keys.len();
        while map.next_key_seed(KeySeed(&mut *self))?.is_some() {
            map.next_value_seed(&mut *self)?;
        }
        let count = self.settle_keys(first);
        self.close(at, count)
    }
}

/// Writes an object key as a `KEY` record.
struct KeySeed<'b>(&'b mut Builder);

impl<'de> DeserializeSeed<'de> for KeySeed<'_> {
    type Value = ();

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<(), D::Error> {
        deserializer.deserialize_str(self)
    }
}

impl<'de> Visitor<'de> for KeySeed<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object key")
    }

    fn visit_str<E>(self, value: &str) -> Result<(), E> {
        self.0.keys.push(self.0.buf.len());
        self.0.string(KEY, value);
        Ok(())
    }
}
