//! What `send` does, decided once from the command line: everything below `send::run` reads these
//! settings, never clap's arguments.
use std::time::Duration;

use anyhow::Result;

use crate::catalog::set_path::Assignment;
use crate::error::UserError;
use crate::headers::Headers;
use crate::signing::{self, Scheme, Secret, SigningSettings};
use crate::tls::ClientTls;

pub struct Settings {
    /// The flags as given; read through this struct (`settings.timeout`), see the `Deref` below.
    pub asked: SendSettings,
    /// `--set` and `--set-str`, parsed.
    pub sets: Vec<Assignment>,
    /// `-H`, parsed.
    pub headers: Headers,
    /// The scheme and secret to sign with, when asked to.
    pub signing: Option<(Scheme, Secret)>,
}

/// The flags `send` takes as given (`--timeout`, `--repeat`, …) read straight through: only what needed
/// checking has a field of its own.
impl std::ops::Deref for Settings {
    type Target = SendSettings;

    fn deref(&self) -> &SendSettings {
        &self.asked
    }
}

impl Settings {
    /// The settings `--export locust` writes into its file: as [`Settings::from_args`], but the secret is not
    /// read (each Locust worker reads it from its environment).
    pub fn for_export(args: &SendSettings) -> Result<Settings> {
        Self::read(args, false)
    }

    /// Reads and checks the arguments; a `--set`, `-H` or secret that cannot be used is a usage error.
    pub fn from_args(args: &SendSettings) -> Result<Settings> {
        Self::read(args, true)
    }

    fn read(args: &SendSettings, with_secret: bool) -> Result<Settings> {
        let parse = |text: &String, force| Assignment::parse(text, force).map_err(|e| UserError::new(e).into());
        let mut sets: Vec<Assignment> = args.set.iter().map(|t| parse(t, false)).collect::<Result<_>>()?;
        sets.extend(args.set_str.iter().map(|t| parse(t, true)).collect::<Result<Vec<_>>>()?);
        for text in &args.set_new {
            let mut assignment: Assignment = parse(text, false)?;
            assignment.adds = true;
            sets.push(assignment);
        }
        let scheme = args.signing.scheme();
        Ok(Settings {
            asked: args.clone(),
            sets,
            headers: args.header.iter().map(|h| signing::parse_header(h)).collect::<Result<_>>()?,
            signing: match with_secret {
                true => signing::resolve(args.signing.secret.as_deref(), args.signing.secret_env.as_deref(), scheme)?
                    .map(|secret| (scheme, secret)),
                false => None,
            },
        })
    }
}

/// What the command line asked `send` for, as plain data (the flags, their help and defaults: `cli`).
/// [`Settings`] is what `send` makes of it, checked.
#[derive(Debug, Clone)]
pub struct SendSettings {
    pub name: Option<String>,
    pub to: Vec<String>,
    pub set: Vec<String>,
    pub set_str: Vec<String>,
    pub set_new: Vec<String>,
    pub header: Vec<String>,
    pub body: Option<String>,
    pub max_body: u64,
    pub capture: Option<String>,
    pub keep_id: bool,
    pub pace: Option<String>,
    pub dry_run: bool,
    pub export: Option<String>,
    pub pretty: bool,
    pub json: bool,
    pub report: Vec<String>,
    pub verbose: bool,
    pub timeout: Duration,
    pub duplicate: u64,
    pub shuffle: bool,
    pub seed: Option<u64>,
    pub retry: Option<String>,
    pub time_scale: f64,
    pub follow: bool,
    pub repeat: Option<u64>,
    pub concurrency: u64,
    pub rate: Option<u64>,
    pub interactive: bool,
    pub signing: SigningSettings,
    pub client_tls: ClientTls,
}
