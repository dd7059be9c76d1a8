//! Strings a schema allows: by `format`, by `pattern` (proptest's regex strategies), JSON texts for
//! `contentMediaType: application/json`, and plain text that mixes short ASCII, empty, non-ASCII and long.
use proptest::prelude::*;
use proptest::strategy::{BoxedStrategy, Just, Union};
use regex_syntax::hir::{Hir, HirKind};

/// The longest string generated, in characters.
pub const MAX_STRING: u64 = 1 << 20;

/// Text nobody's English-only tests had: CJK, Korean, emoji (with a joiner), right-to-left scripts and an
/// override, combining marks, accented Latin.
pub const NON_ASCII: &[&str] = &[
    "崩溃日志",
    "日本語のテキスト",
    "한국어 텍스트",
    "😀🚀✨",
    "👩‍💻 dev",
    "مرحبا بالعالم",
    "שלום עולם",
    "\u{202e}gnp.exe",
    "e\u{301}te\u{301}",
    "Z\u{351}a\u{36b}l\u{343}g\u{310}o\u{302}",
    "Ünïcödé Straße",
];

/// Over 10,000 characters: past any 255-character column and most fixed buffers.
pub const LONG_CHARS: usize = 10_240;

pub fn long_text() -> String {
    "lorem ipsum ".repeat(LONG_CHARS / 12 + 1).chars().take(LONG_CHARS).collect()
}

/// Fits `text` to the length limits (counted in characters, as JSON Schema does): cut, or padded with `x`.
pub fn fit(text: String, min: usize, max: Option<usize>) -> String {
    let len = text.chars().count();
    if let Some(max) = max.filter(|max| len > *max) {
        return text.chars().take(max).collect();
    }
    if len < min {
        let mut padded = text;
        padded.extend(std::iter::repeat_n('x', min - len));
        return padded;
    }
    text
}

/// Plain text: short ASCII words first (what shrinking moves toward), then empty, non-ASCII and long.
pub fn plain(min: usize, max: Option<usize>) -> BoxedStrategy<String> {
    let words = proptest::string::string_regex("[a-z]{1,8}( [a-z]{1,8}){0,2}").expect("a valid regex");
    let non_ascii = proptest::sample::select(NON_ASCII).prop_map(String::from);
    let mixed = (proptest::sample::select(NON_ASCII), "[a-z]{0,6}").prop_map(|(a, b)| format!("{b}{a}"));
    let long = (0usize..2048).prop_map(|extra| {
        let mut text = long_text();
        text.extend(std::iter::repeat_n('y', extra));
        text
    });
    Union::new_weighted(vec![
        (8, words.boxed()),
        (1, Just(String::new()).boxed()),
        (3, non_ascii.boxed()),
        (2, mixed.boxed()),
        (1, long.boxed()),
    ])
    .prop_map(move |text| fit(text, min, max))
    .boxed()
}

/// A strategy for strings matching `pattern` (ECMA-262 as JSON Schema writes it), when proptest can
/// generate it: anchors are dropped (a whole generated string matches an anchored pattern), `\d` `\w` `\s`
/// are their ASCII classes, as in ECMA-262.
pub fn pattern(pattern: &str) -> Option<BoxedStrategy<String>> {
    let hir = parsed(pattern).ok()?;
    if pattern_minimum_of(&hir) > MAX_STRING {
        return None;
    }
    let hir = without_anchors(&hir);
    proptest::string::string_regex_parsed(&hir).ok().map(|s| s.boxed())
}

fn parsed(pattern: &str) -> Result<Hir, String> {
    let ascii = ascii_classes(pattern);
    regex_syntax::ParserBuilder::new().build().parse(&ascii).map_err(|e| {
        let text = e.to_string();
        if text.contains("look-around") || text.contains("lookaround") {
            "cannot be generated: hookctl's generator takes no look-ahead or look-behind".to_string()
        } else {
            format!(
                "cannot be generated: {}",
                text.lines().rev().find(|l| l.starts_with("error:")).unwrap_or("not a pattern hookctl reads")
            )
        }
    })
}

fn pattern_minimum_of(hir: &Hir) -> u64 {
    hir.properties().minimum_len().map_or(u64::MAX, |n| n as u64)
}

/// The fewest characters (bytes) a string matching `pattern` has; `Err` says why it cannot be generated
/// (look-around, a repetition whose shortest match is over the string limit).
pub fn pattern_minimum(pattern: &str) -> Result<u64, String> {
    let hir = parsed(pattern)?;
    let least = pattern_minimum_of(&hir);
    if least > MAX_STRING {
        return Err(if least == u64::MAX {
            "matches nothing".to_string()
        } else {
            format!("its shortest match is {least} characters, over the 1 MiB limit hookctl generates")
        });
    }
    Ok(least)
}

fn ascii_classes(pattern: &str) -> String {
    let mut out = String::with_capacity(pattern.len());
    let mut chars = pattern.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match chars.next() {
            Some('d') => out.push_str("[0-9]"),
            Some('D') => out.push_str("[^0-9]"),
            Some('w') => out.push_str("[A-Za-z0-9_]"),
            Some('W') => out.push_str("[^A-Za-z0-9_]"),
            Some('s') => out.push_str("[ \\t\\n\\r]"),
            Some('S') => out.push_str("[^ \\t\\n\\r]"),
            Some(other) => {
                out.push('\\');
                out.push(other);
            }
            None => out.push('\\'),
        }
    }
    out
}

fn without_anchors(hir: &Hir) -> Hir {
    match hir.kind() {
        HirKind::Look(_) => Hir::empty(),
        HirKind::Repetition(rep) => {
            let mut rep = rep.clone();
            // An unbounded (or very wide) repetition generates at most a few dozen more than it must: enough to
            // match, short to send.
            if rep.max.is_none_or(|max| max - rep.min > 64) {
                rep.max = Some(rep.min.max(1).saturating_add(16));
            }
            rep.sub = Box::new(without_anchors(&rep.sub));
            Hir::repetition(rep)
        }
        HirKind::Capture(capture) => {
            let mut capture = capture.clone();
            capture.sub = Box::new(without_anchors(&capture.sub));
            Hir::capture(capture)
        }
        HirKind::Concat(subs) => Hir::concat(subs.iter().map(without_anchors).collect()),
        HirKind::Alternation(subs) => Hir::alternation(subs.iter().map(without_anchors).collect()),
        _ => hir.clone(),
    }
}

fn two(n: u32) -> String {
    format!("{n:02}")
}

/// Strings in a `format` JSON Schema names; `None` for a format it does not know (plain text then).
pub fn format(name: &str) -> Option<BoxedStrategy<String>> {
    let date = (1970u32..=2099, 1u32..=12, 1u32..=28).prop_map(|(y, m, d)| format!("{y}-{}-{}", two(m), two(d)));
    let time = (0u32..24, 0u32..60, 0u32..60).prop_map(|(h, m, s)| format!("{}:{}:{}", two(h), two(m), two(s)));
    let fraction = prop_oneof![Just(String::new()), (0u32..1000).prop_map(|ms| format!(".{ms:03}"))];
    let offset = prop_oneof![
        Just("Z".to_string()),
        (0u32..=14, prop_oneof![Just(0u32), Just(30), Just(45)], any::<bool>()).prop_map(|(h, m, east)| format!(
            "{}{}:{}",
            if east { '+' } else { '-' },
            two(h),
            two(m)
        )),
    ];
    let strategy = match name {
        "date-time" => (date, time, fraction, offset).prop_map(|(d, t, f, o)| format!("{d}T{t}{f}{o}")).boxed(),
        "date" => date.boxed(),
        "time" => (time, fraction, offset).prop_map(|(t, f, o)| format!("{t}{f}{o}")).boxed(),
        "uuid" => any::<[u8; 16]>().prop_map(|b| uuid::Builder::from_random_bytes(b).into_uuid().to_string()).boxed(),
        "email" | "idn-email" => regex("[a-z][a-z0-9._]{0,10}[a-z0-9]@[a-z][a-z0-9]{0,8}\\.(com|org|jp|example)"),
        "hostname" | "idn-hostname" => regex("[a-z][a-z0-9]{0,8}(\\.[a-z][a-z0-9]{0,8}){0,2}"),
        "ipv4" => any::<[u8; 4]>().prop_map(|b| format!("{}.{}.{}.{}", b[0], b[1], b[2], b[3])).boxed(),
        "ipv6" => any::<[u16; 8]>().prop_map(|g| std::net::Ipv6Addr::from(g).to_string()).boxed(),
        "uri" | "iri" | "uri-reference" | "iri-reference" | "url" => {
            regex("https://[a-z]{1,10}\\.example(/[a-z0-9]{1,8}){0,3}(\\?q=[a-z0-9]{1,6})?")
        }
        "uri-template" => regex("https://[a-z]{1,10}\\.example/\\{[a-z]{1,6}\\}"),
        "json-pointer" => regex("(/[a-z0-9]{1,6}){0,3}"),
        "relative-json-pointer" => regex("[0-9](/[a-z]{1,6}){0,2}"),
        "duration" => (1u32..400).prop_map(|d| format!("P{d}D")).boxed(),
        "regex" => regex("[a-z]{1,5}[+*]?"),
        "byte" => any::<Vec<u8>>().prop_map(|b| base64_of(&b)).boxed(),
        "int32" | "int64" | "float" | "double" | "password" | "binary" => return None,
        _ => return None,
    };
    Some(strategy)
}

fn regex(expr: &str) -> BoxedStrategy<String> {
    proptest::string::string_regex(expr).expect("a valid regex").boxed()
}

fn base64_of(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

/// One typical value of a `format`, the same every time.
pub fn typical_format(name: &str) -> Option<&'static str> {
    Some(match name {
        "date-time" => "2026-01-15T09:30:00Z",
        "date" => "2026-01-15",
        "time" => "09:30:00Z",
        "uuid" => "3f2c8a1e-5b7d-4c9a-8e21-7d4b6a9c0f13",
        "email" | "idn-email" => "user@example.com",
        "hostname" | "idn-hostname" => "example.com",
        "ipv4" => "192.0.2.10",
        "ipv6" => "2001:db8::10",
        "uri" | "iri" | "uri-reference" | "iri-reference" | "url" => "https://example.com/path",
        "uri-template" => "https://example.com/{id}",
        "json-pointer" => "/a/b",
        "relative-json-pointer" => "0/a",
        "duration" => "P1D",
        "regex" => "^[a-z]+$",
        "byte" => "aGVsbG8=",
        _ => return None,
    })
}

/// Other well-formed spellings of a format, for the edge cases: offsets, fractions, upper-case GUIDs.
pub fn format_variants(name: &str) -> &'static [&'static str] {
    match name {
        "date-time" => &[
            "2026-01-15T09:30:00.123Z",
            "2026-01-15T18:30:00+09:00",
            "2038-01-19T03:14:08Z",
            "1970-01-01T00:00:00Z",
            "2026-01-15T09:30:00.123456789-05:30",
        ],
        "date" => &["2038-01-19", "1970-01-01", "2024-02-29"],
        "time" => &["23:59:59.999+09:00", "00:00:00Z"],
        "uuid" => &["00000000-0000-0000-0000-000000000000", "3F2C8A1E-5B7D-4C9A-8E21-7D4B6A9C0F13"],
        "email" | "idn-email" => &["first.last+tag@sub.example.co.jp", "a@b.example"],
        "uri" | "iri" | "url" => &["https://example.com:8443/a/b?x=1&y=%E6%97%A5#frag", "http://127.0.0.1/"],
        "ipv4" => &["0.0.0.0", "255.255.255.255"],
        "ipv6" => &["::1", "fe80::1:2:3:4"],
        _ => &[],
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::strategy::ValueTree;
    use proptest::test_runner::TestRunner;

    #[test]
    fn anchored_patterns_generate_matching_text() {
        let strategy = pattern(r"^\d{4}-\d{4}$").unwrap();
        let check = regex::Regex::new(r"^[0-9]{4}-[0-9]{4}$").unwrap();
        let mut runner = TestRunner::deterministic();
        for _ in 0..200 {
            let text = strategy.new_tree(&mut runner).unwrap().current();
            assert!(check.is_match(&text), "{text}");
        }
    }

    #[test]
    fn fit_counts_characters() {
        assert_eq!(fit("日本語".into(), 0, Some(2)), "日本");
        assert_eq!(fit("a".into(), 3, None), "axx");
    }
}
