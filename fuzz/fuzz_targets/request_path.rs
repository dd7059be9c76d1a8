//! A request's path through `listen`: bytes → examined (detected, validated, signature checked) →
//! capture record → terminal views. Nothing panics, the record is one line of JSON that gives the body
//! back byte for byte, and no view holds a character a terminal would act on.
#![no_main]
use std::sync::OnceLock;

use hookctl::capture::{self, Arrived};
use hookctl::cli::Scheme;
use hookctl::examine::Examiner;
use hookctl::examine::show::{self, Answering};
use hookctl::signing::Secret;
use libfuzzer_sys::fuzz_target;

fn examiner() -> &'static Examiner {
    static EXAMINER: OnceLock<Examiner> = OnceLock::new();
    EXAMINER.get_or_init(|| {
        let secret = Secret::for_scheme("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", Scheme::Standard).unwrap();
        Examiner::builtin(Some((Scheme::Standard, secret)))
    })
}

/// A character a terminal would act on. Newlines and tabs are kept on purpose in a text body's view.
fn acts_on_a_terminal(c: char) -> bool {
    c.is_control() && c != '\n' && c != '\t'
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

fuzz_target!(|data: &[u8]| {
    // The first line is a header value (attacker-controlled too), the rest the body.
    let (header, body) = match data.iter().position(|b| *b == b'\n') {
        Some(i) => (String::from_utf8_lossy(&data[..i]).into_owned(), &data[i + 1..]),
        None => (String::new(), data),
    };
    let arrived = Arrived {
        id: 1,
        received_at: "2026-01-01T00:00:00.000Z".into(),
        remote_addr: "127.0.0.1:5000".into(),
        method: "POST".into(),
        path: "/hooks".into(),
        query: None,
        headers: vec![("webhook-signature".into(), header.clone()), ("x-note".into(), header)].into(),
        header_bytes: Vec::new(),
        body: bytes::Bytes::copy_from_slice(body),
    };
    let examined = { let examiner = examiner(); examiner.with_hint(examiner.examine(&arrived)) };
    let line = capture::record_line(&arrived, &examined.kind, &examined.findings);
    assert!(!line.contains('\n'));
    let captured = capture::read_from(format!("{line}\n").as_bytes(), Some(1)).expect("the record reads back");
    assert_eq!(captured.body, body);
    for view in [
        show::full(&arrived, &examined, Answering::Status(200), false),
        show::quiet(&arrived, &examined, Answering::Status(200), false),
    ] {
        assert!(!view.chars().any(acts_on_a_terminal), "{view:?}");
    }
});
