//! Shell completions: the scripts `hookctl completions SHELL` prints register hookctl as its own completer
//! (clap_complete's dynamic engine), so a TAB asks hookctl, which knows every fixture name — built-in, and
//! the user's from `--fixtures DIR` on the line being completed or `HOOKCTL_FIXTURES`.
use std::io::Write;
use std::process::ExitCode;

use anyhow::Result;
use clap_complete::env::Shells;
use clap_complete::CompleteEnv;

use crate::error::{exit, UserError, EXIT_OK};

/// The environment variable a registered shell sets when it asks hookctl to complete a line.
const VAR: &str = "COMPLETE";

/// Answers a completion request and exits, when this run is one (the shell set `COMPLETE`).
pub fn answer_if_asked() {
    CompleteEnv::with_factory(super::command).var(VAR).complete();
}

/// `hookctl completions SHELL`: the script that registers hookctl's completions in that shell.
pub fn registration(shell: clap_complete::Shell) -> Result<ExitCode> {
    let name = shell.to_string();
    let shells = Shells::builtins();
    let completer =
        shells.completer(&name).ok_or_else(|| UserError::new(format!("no completion support for {name}")))?;
    let mut script = Vec::new();
    completer.write_registration(VAR, "hookctl", "hookctl", "hookctl", &mut script)?;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(&script).and_then(|()| stdout.flush()).map_err(crate::error::closed_or)?;
    Ok(exit(EXIT_OK))
}
