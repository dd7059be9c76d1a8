//! `hookctl import`'s flags.
use std::path::PathBuf;

use clap::Args;
use clap_complete::engine::{ArgValueCompleter, PathCompleter};

use crate::import::ImportSettings;

#[derive(Debug, Args)]
pub struct ImportArgs {
    /// The OpenAPI description: a JSON or YAML file, or - for stdin
    #[arg(add = ArgValueCompleter::new(PathCompleter::any()), value_name = "SPEC")]
    pub spec: String,

    /// The provider's name: the first part of every fixture name (`acme` gives acme.order.created)
    #[arg(long, value_name = "NAME")]
    pub provider: String,

    /// Where the provider folder is written (DIR/NAME/), to use with --fixtures DIR
    #[arg(long, value_name = "DIR")]
    pub out: PathBuf,

    /// One JSON document on stdout: fixtures, examples, invalid examples, generated bodies, match rules
    #[arg(long)]
    pub json: bool,
}

settings_from!(ImportArgs => ImportSettings { spec, provider, out, json });
