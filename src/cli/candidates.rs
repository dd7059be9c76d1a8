//! What a TAB completes to, for arguments that name a fixture: every fixture name, built-in and the user's
//! (from `--fixtures DIR` on the line being completed, or `HOOKCTL_FIXTURES`). The completion engine that
//! asks for them lives beside it, in `complete.rs`.
use std::ffi::OsString;
use std::path::PathBuf;

use clap_complete::engine::CompletionCandidate;

use crate::catalog::Catalog;

/// Fixture names with their descriptions, for `send NAME`, `schema NAME`, `--against`, `--expect`.
pub fn fixture_names() -> Vec<CompletionCandidate> {
    let catalog = Catalog::load(fixtures_dir().as_deref()).unwrap_or_else(|_| Catalog::builtin());
    catalog.iter().map(|f| CompletionCandidate::new(f.name.clone()).help(Some(f.description.clone().into()))).collect()
}

/// `--fixtures DIR` from the command line being completed (it is in this process's arguments, after
/// `--`), else `HOOKCTL_FIXTURES`.
fn fixtures_dir() -> Option<PathBuf> {
    let args: Vec<OsString> = std::env::args_os().collect();
    let from_line = args.windows(2).rev().find_map(|pair| (pair[0] == "--fixtures").then(|| PathBuf::from(&pair[1])));
    let joined = args.iter().rev().find_map(|a| a.to_str()?.strip_prefix("--fixtures=").map(PathBuf::from));
    from_line.or(joined).or_else(|| std::env::var_os("HOOKCTL_FIXTURES").map(PathBuf::from))
}
