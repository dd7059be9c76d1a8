//! `hookctl fuzz`'s flags.
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::PossibleValue;
use clap::{Args, ValueEnum};
use clap_complete::engine::ArgValueCandidates;

use super::{candidates, parse_duration, ClientTlsArgs, SigningArgs};
use crate::fuzz::{check_name, FuzzCheck, FuzzSettings};

impl ValueEnum for FuzzCheck {
    fn value_variants<'a>() -> &'a [Self] {
        &FuzzCheck::ALL
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        let help = match self {
            FuzzCheck::Examples => "Every selected fixture as it is",
            FuzzCheck::Generated => {
                "Schema-valid variants: edge cases, then random bodies from the event's JSON Schema"
            }
            FuzzCheck::Negative => "Schema-invalid bodies: a receiver may refuse them, not fail on them",
            FuzzCheck::Delivery => "The same webhook twice, two copies at once, a retry after a 5xx",
            FuzzCheck::Signatures => "Unsigned, forged, stale and replayed signatures (needs --secret or --secret-env)",
        };
        Some(PossibleValue::new(check_name(*self)).help(help))
    }
}

#[derive(Debug, Args)]
pub struct FuzzArgs {
    /// Events or globs (`obniz.*`); none: every event of the catalog, your fixtures included
    #[arg(value_name = "EVENT|GLOB", add = ArgValueCandidates::new(candidates::fixture_names))]
    pub events: Vec<String>,

    /// The receiver under test
    #[arg(help_heading = "Target", long = "to", value_name = "URL")]
    pub to: String,

    /// Checks to run, comma-separated (default: every one that applies)
    #[arg(help_heading = "What to send", long, value_enum, value_delimiter = ',', value_name = "LIST")]
    pub checks: Vec<FuzzCheck>,

    /// Seed of the generated cases (printed on every run: the same seed sends the same requests)
    #[arg(help_heading = "What to send", long, value_name = "N")]
    pub seed: Option<u64>,

    /// Generated cases per event: the edge cases first (up to 183 for a built-in event), then random bodies
    #[arg(help_heading = "What to send", long, value_name = "N", default_value_t = 250, value_parser = clap::value_parser!(u64).range(1..=1_000_000))]
    pub budget: u64,

    /// Requests in flight at once
    #[arg(help_heading = "Target", long, value_name = "N", default_value_t = 4, value_parser = clap::value_parser!(u64).range(1..=256))]
    pub concurrency: u64,

    /// A request with no answer after this long is a `timeout` finding (default: the provider's delivery
    /// timeout when its provider file gives one, else 10s)
    #[arg(help_heading = "Target", long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,

    /// Add or replace a request header on every request
    #[arg(help_heading = "Target", short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub header: Vec<String>,

    /// Write each finding as a fixture (its smallest body and headers) into DIR, for `--fixtures DIR send`
    /// (default: ./hookctl-fuzz when there are findings)
    #[arg(help_heading = "Output", long, value_name = "DIR")]
    pub save_failures: Option<PathBuf>,

    /// One JSON document on stdout: {"seed", "requests", "findings": [...]}
    #[arg(help_heading = "Output", long)]
    pub json: bool,

    /// Write a test report KIND=FILE: junit=report.xml or json=report.json, one test case per event and check
    #[arg(help_heading = "Output", long, value_name = "KIND=FILE")]
    pub report: Vec<String>,

    #[command(flatten, next_help_heading = "Signing")]
    pub signing: SigningArgs,

    #[command(flatten, next_help_heading = "TLS (to the receiver)")]
    pub client_tls: ClientTlsArgs,
}

settings_from!(FuzzArgs => FuzzSettings { events, to, checks, seed, budget, concurrency, timeout, header, save_failures, json, report, signing, client_tls });
