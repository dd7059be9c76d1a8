//! `hookctl diff`'s flags.
use std::path::PathBuf;

use clap::Args;
use clap_complete::engine::{ArgValueCandidates, ArgValueCompleter, PathCompleter};

use super::{candidates, parse_size};
use crate::assertion::Placed;
use crate::diff::DiffSettings;

#[derive(Debug, Args)]
pub struct DiffArgs {
    /// A JSON file, - for stdin, or a `listen --save` capture file (FILE = last record, FILE:ID); several
    /// capture files (one per listener or CI shard): the latest record of them all, named FILE:ID
    #[arg(add = ArgValueCompleter::new(PathCompleter::any()), required = true, num_args = 1..)]
    pub input: Vec<String>,

    /// The most a payload read from a file or stdin may be (more is refused, not read), e.g. 256MiB
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    pub max_body: u64,

    /// Event to compare against (default: detected from the payload)
    #[arg(long, value_name = "NAME", conflicts_with = "schema", add = ArgValueCandidates::new(candidates::fixture_names))]
    pub against: Option<String>,

    /// Validate against this JSON Schema file instead of a built-in event
    #[arg(long, value_name = "FILE")]
    pub schema: Option<PathBuf>,

    /// Fields the provider never sends are failures, not notes
    #[arg(long)]
    pub strict: bool,

    /// Do not mask values that legitimately vary (ids, timestamps, user text)
    #[arg(long)]
    pub no_mask: bool,

    /// Leave the field at this JSON pointer out of the diff on both sides (repeatable), e.g. /data/id
    #[arg(long, value_name = "POINTER")]
    pub ignore: Vec<String>,

    /// Lines of context around each difference
    #[arg(long, value_name = "N", default_value_t = 3)]
    pub context: usize,

    /// One JSON object on stdout
    #[arg(long)]
    pub json: bool,

    /// Check the payload: 'QUERY PREDICATE [VALUE]', e.g. 'body /data/id == "abc"', 'header x-id exists',
    /// 'count == 3' (repeatable; hurl's vocabulary, see docs/ci.md). A failure is exit 1
    #[arg(long = "assert", value_name = "ASSERTION")]
    pub assert: Vec<String>,

    /// Where each --assert stood on the command line (set by [`super::parse`]).
    #[arg(skip)]
    pub assert_placed: Placed,

    /// Write a test report KIND=FILE: junit=report.xml (GitHub, GitLab, Jenkins) or json=report.json (repeatable);
    /// written even when the run fails or times out
    #[arg(long, value_name = "KIND=FILE")]
    pub report: Vec<String>,
}

settings_from!(DiffArgs => DiffSettings { input, max_body, against, schema, strict, no_mask, ignore, context, json, assert, assert_placed, report });
