//! What ships beside the binary: man pages, completions, `--version`.
use std::process::Command as StdCommand;

use crate::support::{hookctl, stdout_json};

const MAN_DIR: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/man");

/// A page for hookctl and one for every subcommand `hookctl --help` lists (but `help`): a new command
/// without its page fails the drift test.
fn page_names() -> Vec<String> {
    let help = hookctl().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&help.stdout).into_owned();
    let commands = help.split("Commands:").nth(1).expect("a Commands section");
    let mut names = vec!["hookctl.1".to_string()];
    for line in commands.lines().skip(1).take_while(|l| !l.trim().is_empty()) {
        // A command's line starts two spaces in; wrapped descriptions start further in.
        if line.starts_with("  ") && !line.starts_with("   ") {
            let command = line.split_whitespace().next().unwrap();
            if command != "help" {
                names.push(format!("hookctl-{command}.1"));
            }
        }
    }
    assert!(names.len() >= 12, "every subcommand is found: {names:?}");
    names
}

#[test]
fn every_page_hookctl_1_names_is_committed_and_no_other() {
    let names = page_names();
    let mut committed: Vec<String> =
        std::fs::read_dir(MAN_DIR).unwrap().map(|e| e.unwrap().file_name().to_string_lossy().into_owned()).collect();
    committed.sort();
    let mut expected = names.clone();
    expected.sort();
    assert_eq!(committed, expected, "man/ holds exactly one page per command");
    let main_page = std::fs::read_to_string(format!("{MAN_DIR}/hookctl.1")).unwrap();
    for name in &names[1..] {
        let command = name.trim_start_matches("hookctl-").trim_end_matches(".1");
        assert!(main_page.contains(&format!("hookctl\\-{command}")), "hookctl.1 lists {command}");
    }
}

#[test]
fn committed_man_pages_match_the_cli() {
    for name in page_names() {
        let command = name.trim_start_matches("hookctl").trim_start_matches('-').trim_end_matches(".1");
        let mut cmd = hookctl();
        cmd.arg("man");
        if !command.is_empty() {
            cmd.arg(command);
        }
        let output = cmd.output().unwrap();
        assert!(output.status.success(), "hookctl man {command}");
        let path = format!("{MAN_DIR}/{name}");
        if std::env::var_os("HOOKCTL_UPDATE_MAN").is_some() {
            std::fs::create_dir_all(MAN_DIR).unwrap();
            std::fs::write(&path, &output.stdout).unwrap();
        }
        let committed = std::fs::read(&path).unwrap_or_default();
        assert!(
            committed == output.stdout,
            "man/{name} is stale: run `HOOKCTL_UPDATE_MAN=1 cargo test man_pages` and commit it"
        );
    }
}

#[test]
fn man_pages_render_without_warnings_and_carry_examples_and_exit_codes() {
    for name in page_names() {
        let path = format!("{MAN_DIR}/{name}");
        let output = StdCommand::new("groff")
            .args(["-man", "-Tutf8", "-ww", "-rLL=100n"])
            .arg(&path)
            .output()
            .expect("groff runs (apt-get install groff-base)");
        let warnings = String::from_utf8_lossy(&output.stderr);
        assert!(output.status.success() && warnings.trim().is_empty(), "{name}: {warnings}");
        // groff overstrikes bold text (`N\bN`) and may render hyphens as Unicode; compare on a plain copy.
        let folded = plain(&String::from_utf8_lossy(&output.stdout));
        assert!(folded.contains("EXAMPLES") && folded.contains("EXIT STATUS"), "{name}:\n{folded}");
    }
    let listen = StdCommand::new("man")
        .args(["-l", &format!("{MAN_DIR}/hookctl-listen.1")])
        .env("MANPAGER", "cat")
        .env("MANWIDTH", "120")
        .output()
        .expect("man runs (apt-get install man-db)");
    let text = plain(&String::from_utf8_lossy(&listen.stdout));
    assert!(text.contains("hookctl listen 8080 --json | jq .event"), "{text}");
    assert!(text.contains("--port-file"), "{text}");
}

/// Terminal man output as plain text: overstrikes (`X\bX`, `_\bX`) dropped, Unicode hyphens folded.
fn plain(text: &str) -> String {
    let mut out: Vec<char> = Vec::new();
    for c in text.chars() {
        if c == '\u{8}' {
            out.pop();
        } else {
            out.push(c);
        }
    }
    out.into_iter().collect::<String>().replace(['\u{2010}', '\u{2212}'], "-")
}

#[test]
fn man_for_an_unknown_command_is_a_usage_error() {
    let output = hookctl().args(["man", "lisen"]).output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&output.stderr).contains("no manual page for `lisen`"));
}

#[test]
fn version_names_the_commit_and_date_and_has_a_json_form() {
    let text = hookctl().arg("--version").output().unwrap();
    let line = String::from_utf8_lossy(&text.stdout).trim().to_string();
    let json = stdout_json(&hookctl().args(["--version", "--json"]).output().unwrap());
    assert_eq!(json["name"], "hookctl");
    assert_eq!(json["version"], env!("CARGO_PKG_VERSION"));
    let commit = json["commit"].as_str().unwrap();
    let head = StdCommand::new("git").args(["-C", env!("CARGO_MANIFEST_DIR"), "rev-parse", "HEAD"]).output().unwrap();
    if head.status.success() {
        // Built from this checkout, so the binary names its HEAD (as of the build).
        assert_eq!(commit.len(), 40, "{commit}");
        assert!(commit.chars().all(|c| c.is_ascii_hexdigit()), "{commit}");
    }
    let date = json["date"].as_str().unwrap();
    assert!(date.len() == 10 && date.as_bytes()[4] == b'-' && date.as_bytes()[7] == b'-', "{date}");
    assert_eq!(line, format!("hookctl {} ({} {date})", env!("CARGO_PKG_VERSION"), &commit[..12.min(commit.len())]));
    assert_eq!(hookctl().arg("-V").output().unwrap().stdout, text.stdout);
}

#[test]
fn bare_hookctl_prints_help_on_stderr_and_exits_2() {
    let output = hookctl().output().unwrap();
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).contains("Usage: hookctl"));
    let json_alone = hookctl().arg("--json").output().unwrap();
    assert_eq!(json_alone.status.code(), Some(2), "--json needs --version");
}

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The docs page that documents each command.
const DOCS_PAGES: [(&str, &str); 13] = [
    ("send", "send"),
    ("listen", "listen"),
    ("captures", "captures"),
    ("inspect", "inspector"),
    ("diff", "diff"),
    ("sign", "signatures"),
    ("verify", "signatures"),
    ("fuzz", "fuzz"),
    ("import", "import"),
    ("fixtures", "fixtures"),
    ("schema", "fixtures"),
    ("completions", "install"),
    ("man", "install"),
];

/// The long options `--help` lists for a command (its Options section, global ones included).
fn long_options(help: &str) -> Vec<String> {
    let mut options: Vec<String> = help
        .lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with("--") || (l.starts_with('-') && l.contains(", --")))
        .filter_map(|l| l.split("--").nth(1))
        .map(|rest| format!("--{}", rest.split(|c: char| !(c.is_ascii_alphanumeric() || c == '-')).next().unwrap()))
        .filter(|o| o != "--help")
        .collect();
    options.dedup();
    options
}

#[test]
fn every_commands_help_man_page_and_docs_page_agree() {
    let names = page_names();
    for name in &names[1..] {
        let command = name.trim_start_matches("hookctl-").trim_end_matches(".1");
        let page =
            DOCS_PAGES.iter().find(|(c, _)| *c == command).unwrap_or_else(|| panic!("{command} has a docs page"));
        let help = hookctl().args([command, "--help"]).env("NO_COLOR", "1").output().unwrap();
        assert!(help.status.success(), "{command} --help");
        let help = String::from_utf8_lossy(&help.stdout).replace("\r", "");
        // The man page names every option --help names.
        let man = std::fs::read_to_string(format!("{MAN_DIR}/{name}")).unwrap();
        for option in long_options(&help) {
            assert!(man.contains(&option.replace('-', "\\-")), "man/{name} lacks {option}");
        }
        // The docs page carries the command's --help as it is today, between its markers.
        let path = format!("{ROOT}/docs/{}.md", page.1);
        let doc = std::fs::read_to_string(&path).unwrap();
        let begin = format!("<!-- help: {command} -->");
        let end = format!("<!-- /help: {command} -->");
        let block = format!("{begin}\n```text\n$ hookctl {command} --help\n{}\n```\n{end}", help.trim_end());
        let current = doc.find(&begin).zip(doc.find(&end)).map(|(a, b)| doc[a..b + end.len()].to_string());
        if std::env::var_os("HOOKCTL_UPDATE_DOCS").is_some() && current.as_deref() != Some(block.as_str()) {
            let updated = match &current {
                Some(old) => doc.replace(old.as_str(), &block),
                None => format!("{}\n\n## `hookctl {command}` reference\n\n{block}\n", doc.trim_end()),
            };
            std::fs::write(&path, updated).unwrap();
            continue;
        }
        assert!(
            current.as_deref() == Some(block.as_str()),
            "docs/{}.md does not carry `hookctl {command} --help` as it is: run `HOOKCTL_UPDATE_DOCS=1 cargo test agree` and commit it",
            page.1
        );
    }
}

#[test]
fn the_readme_is_short_and_reaches_every_docs_page() {
    let readme = std::fs::read_to_string(format!("{ROOT}/README.md")).unwrap();
    assert!(readme.lines().count() <= 300, "README.md has {} lines (at most 300)", readme.lines().count());
    for entry in std::fs::read_dir(format!("{ROOT}/docs")).unwrap() {
        let name = entry.unwrap().file_name().to_string_lossy().into_owned();
        if name.ends_with(".md") {
            assert!(readme.contains(&format!("](docs/{name})")), "README.md links docs/{name}");
            let page = std::fs::read_to_string(format!("{ROOT}/docs/{name}")).unwrap();
            assert!(page.contains("](../README.md)"), "docs/{name} links back to the README");
        }
    }
}
