//! Any capture file: reading the last record, or one by id, gives a record or a clear error, never a
//! panic; the warnings about skipped lines name line numbers.
#![no_main]
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for id in [None, Some(1), Some(2)] {
        match hookctl::capture::read_from(data, id) {
            Ok(captured) => assert!(captured.warnings.iter().all(|w| w.starts_with("line ") || w.ends_with("more lines skipped"))),
            Err(message) => assert!(!message.is_empty()),
        }
    }
});
