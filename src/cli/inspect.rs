//! `hookctl inspect`'s flags.
use std::path::PathBuf;

use clap::Args;

use super::{ClientTlsArgs, SigningArgs};
use crate::inspect::InspectSettings;

#[derive(Debug, Args)]
pub struct InspectArgs {
    /// The capture file (`listen --save FILE`), followed as it grows. Several files (one per listener or CI
    /// shard) are merged in `received_at` order, ids shown as FILE:ID
    #[arg(value_name = "FILE", required = true)]
    pub files: Vec<PathBuf>,

    /// Port for the page, on 127.0.0.1 only (0 picks a free one)
    #[arg(long, default_value_t = 0)]
    pub port: u16,

    /// Open the page in the system's browser
    #[arg(long)]
    pub open: bool,

    /// Where the page replays to unless told otherwise
    #[arg(long, value_name = "URL")]
    pub replay_to: Option<String>,

    /// Re-sign replays with --secret / --secret-env under --scheme (the page asks each time)
    #[command(flatten)]
    pub signing: SigningArgs,

    /// For replays to an https receiver
    #[command(flatten)]
    pub client_tls: ClientTlsArgs,
}

settings_from!(InspectArgs => InspectSettings { files, port, open, replay_to, signing, client_tls });
