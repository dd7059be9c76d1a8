//! What the command line asked `listen` for, as plain data (the flags themselves live in `cli`).
use std::path::PathBuf;
use std::time::Duration;

use crate::assertion::Placed;
use crate::signing::SigningSettings;
use crate::tls::ClientTls;

/// What the command line asked `listen` for, as plain data (the flags, their help and defaults: `cli`).
#[derive(Debug)]
pub struct ListenSettings {
    pub port: u16,
    pub host: String,
    pub max_body: u64,
    pub quiet: bool,
    pub json: bool,
    pub status: String,
    pub cycle: bool,
    pub drop: Option<f64>,
    pub delay: Option<String>,
    pub seed: Option<u64>,
    pub response_body: Option<PathBuf>,
    pub response_header: Vec<String>,
    pub forward_to: Vec<String>,
    pub fail_on_forward_error: bool,
    pub forward_cacert: Option<PathBuf>,
    pub forward_insecure: bool,
    pub tls: bool,
    pub tls_cert: Option<PathBuf>,
    pub tls_key: Option<PathBuf>,
    pub client_tls: ClientTls,
    pub ui: bool,
    pub ui_port: Option<u16>,
    pub keep: u64,
    pub only: Vec<String>,
    pub ignore: Vec<String>,
    pub save: Option<PathBuf>,
    pub fsync: bool,
    pub idle_timeout: Duration,
    pub body_timeout: Duration,
    pub max_connections: u64,
    pub count: Option<u64>,
    pub timeout: Option<Duration>,
    pub listen_for: Option<Duration>,
    pub port_file: Option<PathBuf>,
    pub expect: Vec<String>,
    pub signing: SigningSettings,
    pub require_signature: bool,
    pub in_order: bool,
    pub assert: Vec<String>,
    pub assert_on: Vec<String>,
    pub assert_placed: Placed,
    pub report: Vec<String>,
}
