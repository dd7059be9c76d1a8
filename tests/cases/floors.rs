//! The house's floors (issue 35): a room — a file or a folder right under `src/` — imports only rooms on
//! lower floors, so no two rooms import each other however far round; and inside a room no files import
//! each other in a circle. The table is the one place the floors are written; docs/contributing.md prints it
//! (a test checks the copy). A new room fails here until it is given a floor.
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

/// Bottom floor first. `main.rs` and `lib.rs` stand above every floor.
const FLOORS: &[&[&str]] = &[
    &["error", "glob", "headers", "pointer", "problem", "shell", "units", "version"],
    &["catalog", "doc", "json_checked", "output"],
    &["assertion", "capture", "context", "files", "generate", "report", "schema"],
    &["input", "render", "tls"],
    &["http"],
    &["signing"],
    &["examine"],
    &["browse", "captures", "diff", "properties", "send", "sign"],
    &["fuzz", "import", "inspect"],
    &["listen"],
    &["cli"],
];

const SRC: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/src");

fn floor_of(room: &str) -> Option<usize> {
    FLOORS.iter().position(|rooms| rooms.contains(&room))
}

/// The module path of a file (`src/fuzz/judge.rs` → `fuzz::judge`, `src/fuzz/mod.rs` → `fuzz`).
fn module_of(path: &Path) -> String {
    let relative = path.strip_prefix(SRC).unwrap().with_extension("");
    let parts: Vec<String> = relative.iter().map(|p| p.to_string_lossy().into_owned()).collect();
    let parts: Vec<&str> = parts.iter().map(String::as_str).filter(|p| *p != "mod").collect();
    parts.join("::")
}

/// The code lines of a file up to its unit tests (`#[cfg(test)]`), comments left out.
fn code_lines(path: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(path).unwrap();
    text.lines()
        .take_while(|l| !l.trim_start().starts_with("#[cfg(test)]"))
        .filter(|l| !l.trim_start().starts_with("//"))
        .map(String::from)
        .collect()
}

/// The `a::b` paths a line names after `prefix` (`crate::`, `super::`), as far as they are lower-case
/// module names.
fn paths_after(line: &str, prefix: &str) -> Vec<Vec<String>> {
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().last();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == ':') {
            continue;
        }
        let mut path = Vec::new();
        let mut tail = rest;
        loop {
            let name: String =
                tail.chars().take_while(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == '_').collect();
            if name.is_empty() {
                break;
            }
            tail = &tail[name.len()..];
            path.push(name);
            match tail.strip_prefix("::") {
                Some(next) => tail = next,
                None => break,
            }
        }
        if !path.is_empty() {
            found.push(path);
        }
    }
    found
}

#[test]
fn no_room_imports_a_room_on_its_own_floor_or_above() {
    let files = crate::support::rust_files(Path::new(SRC));
    let mut climbs = Vec::new();
    for path in &files {
        let module = module_of(path);
        let room = module.split("::").next().unwrap().to_string();
        if room == "lib" || room == "main" {
            continue;
        }
        let Some(own) = floor_of(&room) else {
            climbs.push(format!("src/{room} has no floor: add it to FLOORS in tests/cases/floors.rs"));
            continue;
        };
        for line in code_lines(path) {
            for target in paths_after(&line, "crate::") {
                let target = &target[0];
                if *target == room {
                    continue;
                }
                match floor_of(target) {
                    Some(floor) if floor < own => {}
                    Some(floor) => climbs.push(format!(
                        "{} (floor {own}) imports {target} (floor {floor}): {}",
                        path.strip_prefix(SRC).unwrap().display(),
                        line.trim()
                    )),
                    None => climbs.push(format!("{target} has no floor (named by {})", path.display())),
                }
            }
        }
    }
    assert!(climbs.is_empty(), "imports that climb a floor:\n{}", climbs.join("\n"));
}

#[test]
fn no_files_inside_a_room_import_each_other_in_a_circle() {
    let files = crate::support::rust_files(Path::new(SRC));
    let modules: BTreeSet<String> = files.iter().map(|p| module_of(p)).collect();
    // The module a path names: its longest prefix that is a file.
    let resolve = |path: &[String]| -> Option<String> {
        (1..=path.len()).rev().map(|n| path[..n].join("::")).find(|m| modules.contains(m))
    };
    let mut graph: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for path in &files {
        let module = module_of(path);
        // `super::` in `fuzz/judge.rs` and in `fuzz/mod.rs` alike names the module above the file's own.
        let mut parent: Vec<String> = module.split("::").map(String::from).collect();
        parent.pop();
        let mut edges = BTreeSet::new();
        for line in code_lines(path) {
            for target in paths_after(&line, "crate::") {
                edges.extend(resolve(&target));
            }
            for target in paths_after(&line, "super::") {
                let whole: Vec<String> = parent.iter().cloned().chain(target).collect();
                edges.extend(resolve(&whole));
            }
        }
        edges.remove(&module);
        graph.insert(module, edges);
    }
    // A depth-first walk; meeting a module that is on the way here is a circle.
    fn walk(
        at: &str,
        graph: &BTreeMap<String, BTreeSet<String>>,
        way: &mut Vec<String>,
        done: &mut BTreeSet<String>,
    ) -> Option<Vec<String>> {
        if let Some(start) = way.iter().position(|m| m == at) {
            let mut circle = way[start..].to_vec();
            circle.push(at.to_string());
            return Some(circle);
        }
        if done.contains(at) {
            return None;
        }
        way.push(at.to_string());
        for next in graph.get(at).into_iter().flatten() {
            if let Some(circle) = walk(next, graph, way, done) {
                return Some(circle);
            }
        }
        way.pop();
        done.insert(at.to_string());
        None
    }
    let mut done = BTreeSet::new();
    for module in graph.keys() {
        if let Some(circle) = walk(module, &graph, &mut Vec::new(), &mut done) {
            panic!("an import circle: {}", circle.join(" → "));
        }
    }
}

/// Issue 35: the command line is turned into plain settings in `cli`; nothing below it names clap (its derive
/// macros, `ValueEnum`, `clap_complete`, `clap_mangen`).
#[test]
fn no_module_outside_cli_and_main_names_a_clap_type() {
    let mut named = Vec::new();
    for path in crate::support::rust_files(Path::new(SRC)) {
        let relative = path.strip_prefix(SRC).unwrap();
        if relative.starts_with("cli") || relative == Path::new("main.rs") {
            continue;
        }
        for line in code_lines(&path) {
            if line.split(|c: char| !c.is_alphanumeric() && c != '_').any(|word| word.starts_with("clap")) {
                named.push(format!("src/{}: {}", relative.display(), line.trim()));
            }
        }
    }
    assert!(named.is_empty(), "clap named below the command line:\n{}", named.join("\n"));
}

/// Issue 35: one way to a terminal. Only `output.rs` writes to stdout or stderr, through its gate (colours
/// hookctl painted pass; every other control, bidi or escape sequence is shown escaped). The exceptions:
/// the command line's own help, errors and completion scripts (`cli`, `main.rs`), asking whether a stream is
/// a terminal, and the progress bars (indicatif draws counts and sanitised names on stderr itself).
#[test]
fn every_write_to_stdout_or_stderr_goes_through_the_gate() {
    const WRITERS: [&str; 8] =
        ["io::stdout()", "io::stderr()", "print!(", "println!(", "eprint!(", "eprintln!(", "dbg!(", "Term::stdout"];
    let mut bypasses = Vec::new();
    for path in crate::support::rust_files(Path::new(SRC)) {
        let relative = path.strip_prefix(SRC).unwrap();
        if relative.starts_with("cli") || ["main.rs", "output.rs"].iter().any(|f| relative == Path::new(f)) {
            continue;
        }
        for line in code_lines(&path) {
            let progress_bar = line.contains("ProgressDrawTarget::term_like") && line.contains("Term::stderr()");
            if WRITERS.iter().any(|w| line.contains(w)) && !line.contains(".is_terminal()") && !progress_bar {
                bypasses.push(format!("src/{}: {}", relative.display(), line.trim()));
            }
        }
    }
    assert!(bypasses.is_empty(), "writes that bypass output.rs's gate:\n{}", bypasses.join("\n"));
}

#[test]
fn the_docs_print_the_same_floors() {
    let page = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/contributing.md")).unwrap();
    for (floor, rooms) in FLOORS.iter().enumerate() {
        let row = format!("| {floor} | {} |", rooms.iter().map(|r| format!("`{r}`")).collect::<Vec<_>>().join(", "));
        assert!(page.contains(&row), "docs/contributing.md lacks the floor row {row}");
    }
}

/// Lines a function may span, signature to closing brace (issue 35).
const FUNCTION_LINES: usize = 80;

#[test]
fn no_function_is_over_80_lines_and_none_allows_too_many_arguments() {
    let files = crate::support::rust_files(Path::new(SRC));
    let mut long = Vec::new();
    for path in &files {
        let text = std::fs::read_to_string(path).unwrap();
        assert!(!text.contains("too_many_arguments"), "{}: a too_many_arguments allow", path.display());
        let lines: Vec<&str> = text.lines().collect();
        for (start, line) in lines.iter().enumerate() {
            let trimmed = line.trim_start();
            let indent = &line[..line.len() - trimmed.len()];
            let words: Vec<&str> = trimmed.split_whitespace().take(4).collect();
            let Some(at) = words.iter().position(|w| *w == "fn") else { continue };
            let before_ok =
                words[..at].iter().all(|w| ["pub", "pub(crate)", "pub(super)", "async", "const", "unsafe"].contains(w));
            if !before_ok || line.ends_with(';') {
                continue;
            }
            let closing = format!("{indent}}}");
            if let Some(end) = lines[start + 1..].iter().position(|l| *l == closing) {
                let span = end + 2;
                if span > FUNCTION_LINES {
                    long.push(format!(
                        "{}:{} spans {span} lines",
                        path.strip_prefix(SRC).unwrap().display(),
                        start + 1
                    ));
                }
            }
        }
    }
    assert!(long.is_empty(), "functions over {FUNCTION_LINES} lines:\n{}", long.join("\n"));
}
