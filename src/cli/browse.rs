//! `hookctl fixtures` and `hookctl schema`: their flags.
use clap::{Args, Subcommand};
use clap_complete::engine::ArgValueCandidates;

use super::candidates;
use crate::browse::{self, FixturesSettings, SchemaSettings};

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = false)]
pub struct FixturesArgs {
    /// Print JSON instead of text
    #[arg(long, global = true)]
    pub json: bool,

    #[command(subcommand)]
    pub action: Option<FixturesAction>,
}

#[derive(Debug, Subcommand)]
pub enum FixturesAction {
    /// Show the request a fixture renders to: method, headers, body (fresh placeholders)
    Show {
        /// Fixture name, e.g. pgyer.crashlog
        #[arg(add = ArgValueCandidates::new(candidates::fixture_names))]
        name: String,
    },
}

#[derive(Debug, Args)]
pub struct SchemaArgs {
    /// Fixture / event name, e.g. ebriza.configuration.changed
    #[arg(add = ArgValueCandidates::new(candidates::fixture_names))]
    pub name: String,
}

impl From<FixturesArgs> for FixturesSettings {
    fn from(args: FixturesArgs) -> Self {
        let FixturesArgs { json, action } = args;
        let action = action.map(|FixturesAction::Show { name }| browse::FixturesAction::Show { name });
        FixturesSettings { json, action }
    }
}

settings_from!(SchemaArgs => SchemaSettings { name });
