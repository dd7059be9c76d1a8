//! What the command line asked `inspect` for, as plain data (the flags themselves live in `cli`).
use std::path::PathBuf;

use crate::signing::SigningSettings;
use crate::tls::ClientTls;

/// What the command line asked `inspect` for, as plain data (the flags, their help and defaults: `cli`).
#[derive(Debug)]
pub struct InspectSettings {
    pub files: Vec<PathBuf>,
    pub port: u16,
    pub open: bool,
    pub replay_to: Option<String>,
    pub signing: SigningSettings,
    pub client_tls: ClientTls,
}
