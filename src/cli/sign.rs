//! `hookctl sign` and `hookctl verify`: their flags.
use std::path::PathBuf;
use std::time::Duration;

use clap::builder::PossibleValue;
use clap::{Args, ValueEnum};
use clap_complete::engine::{ArgValueCompleter, PathCompleter};

use super::{parse_duration, parse_size, SigningArgs};
use crate::sign::{SignFormat, SignSettings, VerifySettings};

/// What `sign` and `verify` share after the payload file: its size limit and the secret.
#[derive(Debug, Args)]
pub struct PayloadArgs {
    /// The most a payload read from a file or stdin may be (more is refused, not read), e.g. 256MiB
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    pub max_body: u64,

    #[command(flatten)]
    pub secret: SigningArgs,
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The payload file (- for stdin); its exact bytes are signed
    #[arg(add = ArgValueCompleter::new(PathCompleter::any()))]
    pub file: String,

    #[command(flatten)]
    pub payload: PayloadArgs,

    /// Message id (standard, svix); default: a fresh msg_ id
    #[arg(long)]
    pub id: Option<String>,

    /// Unix timestamp to sign with; default: now
    #[arg(long)]
    pub timestamp: Option<i64>,

    /// Print the headers as one JSON object
    #[arg(long, conflicts_with = "format")]
    pub json: bool,

    /// headers: `Name: value` lines (what `verify --headers FILE` reads); args: -H arguments; curl: a whole
    /// curl command that POSTs the payload with them
    #[arg(long, value_enum, default_value_t = SignFormat::Headers)]
    pub format: SignFormat,

    /// With --format curl: the URL to POST to
    #[arg(long, value_name = "URL", default_value = "http://localhost:8080/")]
    pub url: String,
}

impl ValueEnum for SignFormat {
    fn value_variants<'a>() -> &'a [Self] {
        &[SignFormat::Headers, SignFormat::Args, SignFormat::Curl]
    }

    fn to_possible_value(&self) -> Option<PossibleValue> {
        Some(PossibleValue::new(match self {
            SignFormat::Headers => "headers",
            SignFormat::Args => "args",
            SignFormat::Curl => "curl",
        }))
    }
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The payload file (- for stdin), or a `listen --save` capture FILE[:ID] (its headers are used too)
    #[arg(add = ArgValueCompleter::new(PathCompleter::any()))]
    pub file: String,

    #[command(flatten)]
    pub payload: PayloadArgs,

    /// A received header (repeatable)
    #[arg(short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub header: Vec<String>,

    /// Read the received headers from FILE: `Name: value` lines (as `sign` prints them) or a JSON object
    #[arg(long, value_name = "FILE")]
    pub headers: Option<PathBuf>,

    /// Accept timestamps this far from now (e.g. 5m); 0s disables the check
    #[arg(long, value_name = "DURATION", default_value = "5m", value_parser = parse_duration)]
    pub tolerance: Duration,

    /// Print the verdict as one JSON object
    #[arg(long)]
    pub json: bool,
}

impl From<SignArgs> for SignSettings {
    fn from(args: SignArgs) -> Self {
        let SignArgs { file, payload, id, timestamp, json, format, url } = args;
        let PayloadArgs { max_body, secret } = payload;
        SignSettings { file, max_body, secret: secret.into(), id, timestamp, json, format, url }
    }
}

impl From<VerifyArgs> for VerifySettings {
    fn from(args: VerifyArgs) -> Self {
        let VerifyArgs { file, payload, header, headers, tolerance, json } = args;
        let PayloadArgs { max_body, secret } = payload;
        VerifySettings { file, max_body, secret: secret.into(), header, headers, tolerance, json }
    }
}
