//! `hookctl captures`' flags (`captures`, `captures show`, `captures export`).
use std::path::PathBuf;

use clap::builder::PossibleValue;
use clap::{Args, Subcommand, ValueEnum};
use clap_complete::engine::{ArgValueCompleter, PathCompleter};

use crate::captures::{
    self as settings, CaptureExportSettings, CaptureShowSettings, CapturesSettings, ExportFormat, FilterSettings,
};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct CapturesArgs {
    #[command(subcommand)]
    pub action: Option<CapturesAction>,

    /// The capture file (`listen --save`), optionally with a selection: FILE:3, FILE:3..9, FILE:3,5,8, FILE:-1.
    /// Several files (one per listener or CI shard) are merged in `received_at` order, ids shown as FILE:ID
    #[arg(add = ArgValueCompleter::new(PathCompleter::any()), value_name = "FILE[:IDS]")]
    pub selection: Vec<String>,

    #[command(flatten)]
    pub filter: FilterArgs,

    /// Print only how many records are selected
    #[arg(long, conflicts_with = "json")]
    pub count: bool,

    /// Print the selected records as NDJSON, unchanged (a capture file again)
    #[arg(long)]
    pub json: bool,
}

/// Which records: every filter must hold.
#[derive(Debug, Args, Clone, Default)]
pub struct FilterArgs {
    /// Only this event (repeatable; a glob: 'pgyer.*')
    #[arg(long, value_name = "NAME")]
    pub event: Vec<String>,

    /// Only requests that validated against their event's schema
    #[arg(long, conflicts_with_all = ["invalid", "unrecognised"])]
    pub valid: bool,

    /// Only requests that failed validation or were not JSON
    #[arg(long, conflicts_with = "unrecognised")]
    pub invalid: bool,

    /// Only requests no event matched
    #[arg(long)]
    pub unrecognised: bool,

    /// Only this HTTP method (repeatable)
    #[arg(long, value_name = "METHOD")]
    pub method: Vec<String>,

    /// Only paths matching this glob ('/hooks/*')
    #[arg(long, value_name = "GLOB")]
    pub path: Option<String>,

    /// Only requests received at or after this time: RFC 3339, or a duration ago (10m, 2h)
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Only requests received at or before this time: RFC 3339, or a duration ago
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// Only requests whose headers or body contain this text
    #[arg(long, value_name = "TEXT")]
    pub grep: Option<String>,

    /// Only the last N of those selected
    #[arg(long, value_name = "N")]
    pub last: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum CapturesAction {
    /// Show one capture as `listen` showed it: headers, body, verdict, problems
    Show(CaptureShowArgs),

    /// Turn captures into curl commands, a HAR file, a fixture with an inferred schema, or NDJSON
    Export(Box<CaptureExportArgs>),
}

#[derive(Debug, Args)]
pub struct CaptureShowArgs {
    /// FILE:ID (FILE alone: the last record)
    #[arg(add = ArgValueCompleter::new(PathCompleter::any()), value_name = "FILE[:ID]")]
    pub selection: String,
}

impl ValueEnum for ExportFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &[ExportFormat::Curl, ExportFormat::Har, ExportFormat::Fixture, ExportFormat::Ndjson]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(match self {
            ExportFormat::Curl => {
                PossibleValue::new("curl").help("One shell command per capture that sends the same bytes")
            }
            ExportFormat::Har => PossibleValue::new("har").help("HAR 1.2 (browser dev tools, HAR viewers)"),
            ExportFormat::Fixture => {
                PossibleValue::new("fixture").help("A fixture file and an inferred JSON Schema, in --out DIR")
            }
            ExportFormat::Ndjson => PossibleValue::new("ndjson").help("The selected records, unchanged"),
        })
    }
}

#[derive(Debug, Args)]
pub struct CaptureExportArgs {
    /// The capture file and which records: FILE, FILE:3, FILE:3..9, FILE:3,5,8, FILE:-1; several files are
    /// merged in `received_at` order
    #[arg(add = ArgValueCompleter::new(PathCompleter::any()), value_name = "FILE[:IDS]", required = true)]
    pub selection: Vec<String>,

    /// What to make
    #[arg(long = "as", value_name = "FORMAT")]
    pub format: ExportFormat,

    /// curl/har: send to this base URL (scheme, host, port) instead of the request's Host; path and query kept
    #[arg(long, value_name = "BASE")]
    pub to: Option<String>,

    /// fixture: the directory to write NAME.json and NAME.schema.json into (created if missing)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// fixture: the fixture's name, provider.event (default: the captures' event, else custom.webhook)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    #[command(flatten)]
    pub filter: FilterArgs,
}

impl From<CapturesArgs> for CapturesSettings {
    fn from(args: CapturesArgs) -> Self {
        let CapturesArgs { action, selection, filter, count, json } = args;
        let action = action.map(|action| match action {
            CapturesAction::Show(show) => settings::CapturesAction::Show(show.into()),
            CapturesAction::Export(export) => settings::CapturesAction::Export(Box::new((*export).into())),
        });
        CapturesSettings { action, selection, filter: filter.into(), count, json }
    }
}

settings_from!(FilterArgs => FilterSettings { event, valid, invalid, unrecognised, method, path, since, until, grep, last });
settings_from!(CaptureShowArgs => CaptureShowSettings { selection });
settings_from!(CaptureExportArgs => CaptureExportSettings { selection, format, to, out, name, filter });
