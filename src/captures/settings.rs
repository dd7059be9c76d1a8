//! What the command line asked `captures` for, as plain data (the flags themselves live in `cli`).
use std::path::PathBuf;

/// What the command line asked `captures` for, as plain data (the flags, their help and defaults: `cli`).
#[derive(Debug)]
pub struct CapturesSettings {
    pub action: Option<CapturesAction>,
    pub selection: Vec<String>,
    pub filter: FilterSettings,
    pub count: bool,
    pub json: bool,
}

/// Which records: every filter must hold.
#[derive(Debug, Clone, Default)]
pub struct FilterSettings {
    pub event: Vec<String>,
    pub valid: bool,
    pub invalid: bool,
    pub unrecognised: bool,
    pub method: Vec<String>,
    pub path: Option<String>,
    pub since: Option<String>,
    pub until: Option<String>,
    pub grep: Option<String>,
    pub last: Option<usize>,
}

/// `captures show` or `captures export`.
#[derive(Debug)]
pub enum CapturesAction {
    Show(CaptureShowSettings),
    Export(Box<CaptureExportSettings>),
}

/// What the command line asked `captures show` for, as plain data (the flags, their help and defaults: `cli`).
#[derive(Debug)]
pub struct CaptureShowSettings {
    pub selection: String,
}

/// What `captures export --as` makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ExportFormat {
    Curl,
    Har,
    Fixture,
    Ndjson,
}

/// What the command line asked `captures export` for, as plain data (the flags, their help and defaults: `cli`).
#[derive(Debug)]
pub struct CaptureExportSettings {
    pub selection: Vec<String>,
    pub format: ExportFormat,
    pub to: Option<String>,
    pub out: Option<PathBuf>,
    pub name: Option<String>,
    pub filter: FilterSettings,
}
