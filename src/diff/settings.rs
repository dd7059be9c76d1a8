//! What the command line asked `diff` for, as plain data (the flags themselves live in `cli`).
use std::path::PathBuf;

use crate::assertion::Placed;

/// What the command line asked `diff` for, as plain data (the flags, their help and defaults: `cli`).
#[derive(Debug)]
pub struct DiffSettings {
    pub input: Vec<String>,
    pub max_body: u64,
    pub against: Option<String>,
    pub schema: Option<PathBuf>,
    pub strict: bool,
    pub no_mask: bool,
    pub ignore: Vec<String>,
    pub context: usize,
    pub json: bool,
    pub assert: Vec<String>,
    pub assert_placed: Placed,
    pub report: Vec<String>,
}
