//! Property tests over hookctl's input handling: whatever the bytes, the sanitiser lets nothing through,
//! the compact document agrees with serde_json, a capture keeps its body, detection and validation never
//! panic, `--set` paths and capture selections parse or fail cleanly, and signatures round-trip.
//!
//! `cargo test` runs proptest's default number of cases; `scripts/fuzz.sh` sets `PROPTEST_CASES` to
//! millions.
use std::sync::OnceLock;
use std::time::Duration;

use proptest::prelude::*;
use serde_json::Value;

use crate::capture::{self, Arrived, Findings};
use crate::catalog::set_path::Assignment;
use crate::doc::Doc;
use crate::examine::Examiner;
use crate::output::{json_safe, sanitize};
use crate::signing::Scheme;
use crate::signing::{self, Check, Secret};

/// Characters a terminal would act on: C0 and C1 controls (ESC included), DEL, bidi controls.
fn acts_on_a_terminal(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{061c}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// Any JSON value: strings with every kind of character, numbers of every size, nesting.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_filter("JSON numbers are finite", |f| f.is_finite()).prop_map(Value::from),
        any::<String>().prop_map(Value::String),
        "[a-zA-Z_]{1,12}".prop_map(Value::String),
    ];
    leaf.prop_recursive(5, 64, 8, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..8).prop_map(Value::Array),
            prop::collection::vec((prop_oneof![any::<String>(), "[a-zA-Z_]{1,12}"], inner), 0..8)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}

/// Provider-shaped bodies: a built-in fixture's body with one field replaced by anything, so detection and
/// validation are driven down their real paths, not only the "unrecognised" one.
fn provider_like() -> impl Strategy<Value = Value> {
    let bodies: Vec<Value> = examiner().catalog.iter().map(|f| f.template().clone()).collect();
    (prop::sample::select(bodies), any::<prop::sample::Index>(), json_value()).prop_map(|(mut body, at, value)| {
        if let Some(object) = body.as_object_mut() {
            if !object.is_empty() {
                let key = object.keys().nth(at.index(object.len())).cloned().unwrap_or_default();
                object.insert(key, value);
            }
        }
        body
    })
}

/// JSON text with mistakes in it: a serialised value with a few bytes changed, cut or inserted.
fn almost_json() -> impl Strategy<Value = Vec<u8>> {
    (json_value(), prop::collection::vec((any::<prop::sample::Index>(), any::<u8>(), 0..3u8), 0..4)).prop_map(
        |(value, edits)| {
            let mut bytes = serde_json::to_vec(&value).unwrap_or_default();
            for (at, byte, how) in edits {
                if bytes.is_empty() {
                    break;
                }
                let i = at.index(bytes.len());
                match how {
                    0 => bytes[i] = byte,
                    1 => bytes.truncate(i),
                    _ => bytes.insert(i, byte),
                }
            }
            bytes
        },
    )
}

fn examiner() -> &'static Examiner {
    static EXAMINER: OnceLock<Examiner> = OnceLock::new();
    EXAMINER.get_or_init(|| {
        let secret = Secret::for_scheme("whsec_C2FVsBQIhrscChlQIMV+b5sSYspob7oD", Scheme::Standard).unwrap();
        Examiner::builtin(Some((Scheme::Standard, secret)))
    })
}

fn arrived(body: Vec<u8>, headers: Vec<(String, String)>) -> Arrived {
    Arrived {
        id: 1,
        received_at: "2026-01-01T00:00:00.000Z".into(),
        remote_addr: "127.0.0.1:5000".into(),
        method: "POST".into(),
        path: "/hooks".into(),
        query: None,
        headers: headers.into(),
        header_bytes: Vec::new(),
        body: bytes::Bytes::from(body),
    }
}

fn same_outcome(bytes: &[u8]) -> Result<(), TestCaseError> {
    // listen's parser (a Value, noting repeated keys) is serde_json's, value and errors alike.
    let checked = crate::json_checked::parse(bytes);
    let theirs = serde_json::from_slice::<Value>(bytes);
    match (&checked, &theirs) {
        (Ok((value, _)), Ok(expected)) => prop_assert_eq!(value, expected),
        (Err(ours), Err(theirs)) => {
            prop_assert_eq!(
                (ours.line(), ours.column(), ours.to_string()),
                (theirs.line(), theirs.column(), theirs.to_string())
            )
        }
        _ => prop_assert!(false, "disagree: checked {:?}, serde_json {:?}", checked.as_ref().map(|_| ()), theirs),
    }
    // And the document `diff` reads names the same repeated keys.
    if let (Ok((_, repeated)), Ok(doc)) = (&checked, Doc::parse(bytes)) {
        let mut ours = doc.duplicate_keys();
        let mut theirs = repeated.clone();
        ours.sort();
        theirs.sort();
        prop_assert_eq!(ours, theirs);
    }
    let ours = Doc::parse(bytes);
    match (ours, theirs) {
        (Ok(doc), Ok(value)) => prop_assert_eq!(doc.root().to_value(), value),
        (Err(ours), Err(theirs)) => {
            prop_assert_eq!((ours.line(), ours.column()), (theirs.line(), theirs.column()), "{} vs {}", ours, theirs)
        }
        (ours, theirs) => prop_assert!(false, "disagree: doc {:?}, serde_json {:?}", ours.map(|_| ()), theirs),
    }
    Ok(())
}

/// `"key":value` of the object whose text starts `text` (`{"key":value,…}`), found by parsing.
fn first_member_of(text: &str) -> Option<String> {
    let mut stream = serde_json::Deserializer::from_str(text).into_iter::<Value>();
    let Some(Ok(Value::Object(map))) = stream.next() else { return None };
    let (key, value) = map.into_iter().next()?;
    Some(format!("{}:{}", serde_json::to_string(&key).ok()?, serde_json::to_string(&value).ok()?))
}

/// The terminal views of a request: nothing a terminal would act on but newlines and tabs (which a text
/// body's view keeps on purpose).
fn views_are_safe(header: &str, body: &[u8]) -> Result<(), String> {
    use crate::examine::show::{self, Answering};
    let request = arrived(body.to_vec(), vec![("x-note".into(), header.into())]);
    let examined = {
        let examiner = examiner();
        examiner.with_hint(examiner.examine(&request))
    };
    for view in [
        show::full(&request, &examined, Answering::Status(200), false),
        show::quiet(&request, &examined, Answering::Status(200), false),
        show::full(&request, &examined, Answering::Dropped, true),
    ] {
        if let Some(c) = view.chars().find(|c| acts_on_a_terminal(*c) && *c != '\n' && *c != '\t' && *c != '\u{1b}') {
            return Err(format!("{c:?} in {view:?}"));
        }
        // Colour codes are the only escape sequences: every ESC starts an SGR sequence hookctl wrote.
        for (i, _) in view.match_indices('\u{1b}') {
            if !view[i..].starts_with("\u{1b}[") {
                return Err(format!("a bare ESC in {view:?}"));
            }
        }
    }
    Ok(())
}

#[test]
fn the_fuzzers_first_find_a_text_body_with_a_tab_shows_safely() {
    // fuzz/artifacts/request_path/crash-3c38a88a…: Pgyer's docs example with a tab; the tab is kept on purpose.
    let body =
        b"\n  \"action\": \"App Feedback\",\n  \"created\": \"2015-10-09 11:25:16\",\t  \"device_type\": 'iOS'\n}\n";
    views_are_safe("{", body).unwrap();
}

proptest! {
    #[test]
    fn no_request_puts_a_control_character_on_the_terminal(
        header in "\\PC{0,30}",
        body in prop_oneof![prop::collection::vec(any::<u8>(), 0..256), almost_json(), provider_like().prop_map(|v| serde_json::to_vec(&v).unwrap())],
    ) {
        prop_assert!(views_are_safe(&header, &body).is_ok(), "{:?}", views_are_safe(&header, &body));
    }

    #[test]
    fn the_sanitiser_lets_no_control_through_and_is_stable(bytes in prop::collection::vec(any::<u8>(), 0..256)) {
        let text = String::from_utf8_lossy(&bytes);
        let clean = sanitize(&text);
        prop_assert!(!clean.chars().any(acts_on_a_terminal), "{:?}", clean);
        prop_assert_eq!(sanitize(&clean), clean.clone());
    }

    #[test]
    fn json_output_carries_no_c1_or_bidi_and_means_the_same(value in json_value()) {
        let text = json_safe(serde_json::to_string(&value).unwrap());
        prop_assert!(!text.chars().any(acts_on_a_terminal), "{}", text);
        prop_assert_eq!(serde_json::from_str::<Value>(&text).unwrap(), value.clone());
        let pretty = json_safe(serde_json::to_string_pretty(&value).unwrap());
        prop_assert!(!pretty.chars().any(|c| c != '\n' && acts_on_a_terminal(c)));
        prop_assert_eq!(serde_json::from_str::<Value>(&pretty).unwrap(), value);
    }

    #[test]
    fn the_compact_document_parses_exactly_what_serde_json_parses(bytes in almost_json()) {
        same_outcome(&bytes)?;
    }

    #[test]
    fn repeated_keys_are_found_wherever_they_are(value in json_value(), at in any::<prop::sample::Index>()) {
        // Repeat one member of one object (found by position in the text) right after itself.
        let text = serde_json::to_string(&serde_json::json!({"inner": value, "n": 1})).unwrap();
        let openings: Vec<usize> = text.match_indices("{\"").map(|(i, _)| i).collect();
        let open = openings[at.index(openings.len())];
        let Some(first_member) = first_member_of(&text[open..]) else { return Ok(()) };
        let doubled = format!("{}{},{}", &text[..open + 1], first_member, &text[open + 1..]);
        if serde_json::from_str::<Value>(&doubled).is_err() {
            return Ok(()); // `{"` inside a string, not an object's start
        }
        same_outcome(doubled.as_bytes())?;
        let (_, repeated) = crate::json_checked::parse(doubled.as_bytes()).unwrap();
        prop_assert!(!repeated.is_empty(), "{}", doubled);
    }

    #[test]
    fn the_compact_document_agrees_on_any_bytes(bytes in prop::collection::vec(any::<u8>(), 0..64)) {
        same_outcome(&bytes)?;
    }

    #[test]
    fn a_capture_record_keeps_any_body_byte_for_byte(body in prop_oneof![
        prop::collection::vec(any::<u8>(), 0..512),
        almost_json(),
        json_value().prop_map(|v| serde_json::to_vec_pretty(&v).unwrap()),
    ]) {
        let arrived = arrived(body.clone(), vec![("X-Odd".into(), "\u{9b}\u{202e}".into())]);
        let line = capture::record_line(&arrived, &capture::classify(&body), &Findings::default());
        prop_assert!(!line.contains('\n'));
        let captured = capture::read_from(format!("{line}\n").as_bytes(), Some(1)).unwrap();
        prop_assert_eq!(captured.body, body);
    }

    #[test]
    fn detection_and_validation_never_panic(body in prop_oneof![json_value(), provider_like()], client_header in any::<bool>()) {
        let headers = if client_header { vec![("ebriza-clientid".to_string(), "1".to_string())] } else { Vec::new() };
        let bytes = serde_json::to_vec(&body).unwrap();
        let examined = examiner().examine(&arrived(bytes.clone(), headers));
        let line = capture::record_line(&arrived(bytes, Vec::new()), &examined.kind, &examined.findings);
        prop_assert!(serde_json::from_str::<Value>(&line).is_ok());
    }

    #[test]
    fn set_paths_parse_or_fail_cleanly(path in "[a-z0-9_.\\[\\]=\"-]{0,24}", value in json_value()) {
        if let Ok(assignment) = Assignment::parse(&path, false) {
            let mut body = value;
            let _ = assignment.apply(&mut body);
        }
    }

    #[test]
    fn capture_selections_parse_or_fail_cleanly(spec in "\\PC{0,40}") {
        let _ = capture::parse_spec(&spec);
    }

    #[test]
    fn signing_then_verifying_succeeds_and_one_flipped_byte_fails(
        body in prop::collection::vec(any::<u8>(), 0..256),
        key in "[ -~]{1,40}",
        flip in any::<prop::sample::Index>(),
        scheme in prop::sample::select(vec![Scheme::Standard, Scheme::Svix, Scheme::Github, Scheme::Stripe]),
    ) {
        prop_assume!(!key.trim().is_empty() && !key.starts_with("whsec_"));
        let secret = Secret::for_scheme(&key, scheme).unwrap();
        let now = 1_767_225_600;
        let headers = signing::sign(scheme, &secret, &body, "msg_1", now);
        let tolerance = Duration::from_secs(300);
        prop_assert!(signing::verify(scheme, &secret, &headers, &body, now, tolerance).is_valid());
        if !body.is_empty() {
            let mut tampered = body.clone();
            tampered[flip.index(body.len())] ^= 0x01;
            let check = signing::verify(scheme, &secret, &headers, &tampered, now, tolerance);
            prop_assert!(matches!(check, Check::Invalid(_)), "{:?}", check.status());
        }
    }
}
