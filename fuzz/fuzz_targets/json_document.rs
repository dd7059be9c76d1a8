//! The compact JSON document parses exactly what serde_json parses, fails where it fails, and gives the
//! same value.
#![no_main]
use libfuzzer_sys::fuzz_target;
use serde_json::Value;

fuzz_target!(|data: &[u8]| {
    let ours = hookctl::doc::Doc::parse(data);
    let theirs = serde_json::from_slice::<Value>(data);
    match (ours, theirs) {
        (Ok(doc), Ok(value)) => assert_eq!(doc.root().to_value(), value),
        (Err(a), Err(b)) => assert_eq!((a.line(), a.column()), (b.line(), b.column()), "{a} vs {b}"),
        (a, b) => panic!("disagree: doc ok={}, serde_json ok={}", a.is_ok(), b.is_ok()),
    }
});
