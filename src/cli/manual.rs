//! Man pages, generated from the same clap definitions and help table as `--help` (clap_mangen), with the
//! examples set as unfilled lines and an EXIT STATUS section. `man/` holds the committed copies; a test
//! fails when they drift.
use std::io::{self, Write};
use std::process::{Command as Process, ExitCode, Stdio};

use anyhow::Result;
use clap_mangen::Man;

use super::{self as cli, help};
use crate::context::Context;
use crate::error::{exit, UserError, EXIT_OK};
use crate::output::{out, sanitize};

/// Every page: (file name, roff source). `hookctl.1` first, then `hookctl-send.1` and so on.
pub fn pages() -> Vec<(String, String)> {
    let mut root = cli::command();
    root.build();
    let mut pages = vec![("hookctl.1".to_string(), render(&root, ""))];
    for sub in root.get_subcommands().filter(|s| s.get_name() != "help") {
        let name = sub.get_name();
        pages.push((format!("hookctl-{name}.1"), render(sub, name)));
    }
    pages
}

/// One command's page: `""` for hookctl's, or a subcommand name.
pub fn page(command: &str) -> Option<String> {
    let file = if command.is_empty() { "hookctl.1".to_string() } else { format!("hookctl-{command}.1") };
    pages().into_iter().find(|(name, _)| *name == file).map(|(_, roff)| roff)
}

/// One of clap_mangen's section renderers.
type Section = fn(&Man, &mut dyn Write) -> io::Result<()>;

fn render(cmd: &clap::Command, path: &str) -> String {
    let title = if path.is_empty() { "hookctl".to_string() } else { format!("hookctl-{path}") };
    let cmd = cmd.clone().name(title.clone()).bin_name(if path.is_empty() {
        "hookctl".into()
    } else {
        format!("hookctl {path}")
    });
    let man = Man::new(cmd.clone()).title(title.to_uppercase()).manual("hookctl manual");
    let mut roff = Vec::new();
    let sections: [Section; 5] = [
        Man::render_title,
        Man::render_name_section,
        Man::render_synopsis_section,
        Man::render_description_section,
        Man::render_options_section,
    ];
    for section in sections {
        let _ = section(&man, &mut roff);
    }
    if cmd.has_subcommands() {
        let _ = man.render_subcommands_section(&mut roff);
    }
    let mut text = String::from_utf8_lossy(&roff).into_owned();
    if let Some(page) = help::page(path) {
        text.push_str(&help_sections(page));
    }
    text.push_str(&see_also(path));
    text.push_str(&format!(".SH VERSION\nv{}\n", crate::version::VERSION));
    text
}

/// Escapes text for roff: backslashes, and a leading `.` or `'` that would read as a request.
fn roff_text(text: &str) -> String {
    let escaped = text.replace('\\', "\\e").replace('-', "\\-");
    if escaped.starts_with('.') || escaped.starts_with('\'') {
        format!("\\&{escaped}")
    } else {
        escaped
    }
}

fn help_sections(page: &help::Page) -> String {
    let mut text = String::new();
    if !page.notes.is_empty() {
        text.push_str(".SH NOTES\n");
        text.push_str(&roff_text(page.notes));
        text.push('\n');
    }
    text.push_str(".SH EXAMPLES\n.nf\n");
    for example in page.examples {
        text.push_str(&roff_text(example));
        text.push('\n');
    }
    text.push_str(".fi\n.SH \"EXIT STATUS\"\n");
    for (code, meaning) in page.exit_codes {
        text.push_str(&format!(".TP\n\\fB{code}\\fR\n{}\n", roff_text(meaning)));
    }
    text
}

fn see_also(path: &str) -> String {
    let mut refs: Vec<String> = Vec::new();
    if !path.is_empty() {
        refs.push("\\fBhookctl\\fR(1)".into());
    }
    for sub in ["send", "listen", "diff"] {
        if sub != path && (path.is_empty() || !path.starts_with(sub)) {
            refs.push(format!("\\fBhookctl\\-{sub}\\fR(1)"));
        }
    }
    format!(".SH \"SEE ALSO\"\n{}\n", refs.join(", "))
}

/// `hookctl man [COMMAND]`: through man(1) on a terminal, the roff source otherwise.
pub fn run(command: Option<&str>, ctx: &Context) -> Result<ExitCode> {
    let name = command.unwrap_or("");
    let Some(roff) = page(name) else {
        let known: Vec<String> = cli::command().get_subcommands().map(|s| s.get_name().to_string()).collect();
        return Err(UserError::with_hint(
            format!("no manual page for `{}`", sanitize(name)),
            format!("pages: {}", known.join(", ")),
        )
        .into());
    };
    if ctx.stdout_tty && show_with_man(&roff) {
        return Ok(exit(EXIT_OK));
    }
    out(&roff)?;
    Ok(exit(EXIT_OK))
}

/// Pipes the page into `man -l -`; false when man(1) is not there, so the caller prints the source.
fn show_with_man(roff: &str) -> bool {
    let Ok(mut child) = Process::new("man").args(["-l", "-"]).stdin(Stdio::piped()).spawn() else {
        return false;
    };
    if let Some(mut stdin) = child.stdin.take() {
        let _ = stdin.write_all(roff.as_bytes());
    }
    child.wait().is_ok_and(|s| s.success())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_command_has_a_page_with_examples_and_exit_status() {
        let pages = pages();
        assert!(pages.iter().any(|(n, _)| n == "hookctl-listen.1"));
        for (name, roff) in &pages {
            assert!(roff.contains(".SH EXAMPLES"), "{name}");
            assert!(roff.contains(".SH \"EXIT STATUS\""), "{name}");
        }
        let listen = page("listen").unwrap();
        assert!(listen.contains("hookctl listen 8080 \\-\\-json | jq .event"), "{listen}");
    }

    #[test]
    fn roff_requests_in_text_are_neutralised() {
        assert_eq!(roff_text(".SH x"), "\\&.SH x");
        assert_eq!(roff_text("a\\b"), "a\\eb");
    }
}
