//! What the command line asked `import` for, as plain data (the flags themselves live in `cli`).
use std::path::PathBuf;

/// What the command line asked `import` for, as plain data (the flags, their help and defaults: `cli`).
#[derive(Debug)]
pub struct ImportSettings {
    pub spec: String,
    pub provider: String,
    pub out: PathBuf,
    pub json: bool,
}
