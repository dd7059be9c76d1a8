//! Every clap type of hookctl: the command line, one file per command, each turning its flags into the plain
//! settings its command takes (`From<ListenArgs> for ListenSettings`, …), so nothing below names clap.
//!
//! House rules: every subcommand has a page in `help.rs` with at least one example; flags that a script
//! reads have `--json`; exit codes are the same everywhere (see `error.rs`) and every `--help` lists the
//! ones its command uses.
use std::path::PathBuf;

use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};

use crate::assertion::Placed;
use crate::signing::SigningSettings;
use crate::tls::ClientTls;

/// `impl From<$args> for $settings`, moving each field (`.into()` turns a flag group into its settings). The
/// pattern names every field of the args and the literal every field of the settings: a flag added on one
/// side only does not compile.
macro_rules! settings_from {
    ($args:ident => $settings:ident { $($field:ident),* $(,)? }) => {
        impl From<$args> for $settings {
            fn from(args: $args) -> Self {
                let $args { $($field),* } = args;
                $settings { $($field: $field.into()),* }
            }
        }
    };
}

mod browse;
mod candidates;
mod captures;
pub mod complete;
mod diff;
mod fuzz;
pub mod help;
mod import;
mod inspect;
mod listen;
pub mod manual;
mod send;
mod sign;

pub use browse::{FixturesAction, FixturesArgs, SchemaArgs};
pub use captures::{CapturesAction, CapturesArgs};
pub use diff::DiffArgs;
pub use fuzz::FuzzArgs;
pub use import::ImportArgs;
pub use inspect::InspectArgs;
pub use listen::ListenArgs;
pub use send::SendArgs;
pub use sign::{SignArgs, VerifyArgs};

/// hookctl's clap command with each command's examples, notes and exit codes put in (see `help.rs`).
/// `--help`, the man pages and the completions are all made from this.
pub fn command() -> clap::Command {
    decorate(Cli::command(), "")
}

fn decorate(mut cmd: clap::Command, path: &str) -> clap::Command {
    if let Some(page) = help::page(path) {
        let has_args = cmd.get_arguments().next().is_some() || cmd.has_subcommands();
        cmd = cmd.help_template(help::template(page, has_args)).after_help(help::after_help(page));
    }
    let names: Vec<String> = cmd.get_subcommands().map(|s| s.get_name().to_string()).collect();
    for name in names {
        let sub_path = if path.is_empty() { name.clone() } else { format!("{path} {name}") };
        cmd = cmd.mut_subcommand(&name, |sub| decorate(sub, &sub_path));
    }
    cmd
}

/// Parses the process arguments (clap prints help, version and usage errors itself and exits).
pub fn parse() -> Cli {
    let matches = command().try_get_matches().unwrap_or_else(|e| exit_with(e));
    let mut cli = Cli::from_arg_matches(&matches).unwrap_or_else(|e| exit_with(e));
    // Flags whose order matters (`--assert-on` scopes the `--assert` flags after it): placed once, here.
    match (&mut cli.command, matches.subcommand()) {
        (Some(Command::Listen(args)), Some((_, sub))) => {
            args.assert_placed = Placed { assert: placed(sub, "assert"), assert_on: placed(sub, "assert_on") };
        }
        (Some(Command::Diff(args)), Some((_, sub))) => {
            args.assert_placed = Placed { assert: placed(sub, "assert"), assert_on: Vec::new() };
        }
        _ => {}
    }
    cli
}

fn placed(matches: &ArgMatches, id: &str) -> Vec<(usize, String)> {
    let (Some(indices), Some(values)) = (matches.indices_of(id), matches.get_many::<String>(id)) else {
        return Vec::new();
    };
    indices.zip(values.cloned()).collect()
}

/// clap's help and version go out as clap prints them; its errors in hookctl's own style (`hookctl: error: …`,
/// then clap's usage and tip), exit 2.
fn exit_with(error: clap::Error) -> ! {
    use clap::error::ErrorKind;
    if matches!(
        error.kind(),
        ErrorKind::DisplayHelp | ErrorKind::DisplayVersion | ErrorKind::DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        error.exit()
    }
    let text = error.render().to_string();
    let text = text.strip_prefix("error: ").unwrap_or(&text);
    eprint!("hookctl: error: {text}");
    std::process::exit(i32::from(crate::error::EXIT_USAGE))
}

#[derive(Debug, Parser)]
#[command(
    name = "hookctl",
    about = "Send, capture, validate and diff webhooks (built-in providers and your own), offline",
    disable_version_flag = true,
    max_term_width = 0
)]
pub struct Cli {
    /// Print the version, the commit it was built from and its date (with --json: as one JSON object)
    #[arg(short = 'V', long)]
    pub version: bool,

    /// With --version: print it as JSON
    #[arg(long, requires = "version")]
    pub json: bool,

    /// When to colour output: auto (a terminal, NO_COLOR unset, TERM not dumb), always, never
    #[arg(long, value_enum, default_value_t = ColorChoice::Auto, global = true, help_heading = "Global options")]
    pub color: ColorChoice,

    /// Also read fixtures (and NAME.schema.json schemas) from DIR; a user fixture wins over a built-in of the same name
    #[arg(long, value_name = "DIR", env = "HOOKCTL_FIXTURES", global = true, help_heading = "Global options")]
    pub fixtures: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Option<Command>,
}

pub use crate::context::ColorChoice;
pub use crate::units::{parse_duration, parse_rate, parse_size};

impl ValueEnum for ColorChoice {
    fn value_variants<'a>() -> &'a [Self] {
        &[ColorChoice::Auto, ColorChoice::Always, ColorChoice::Never]
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(match self {
            ColorChoice::Auto => "auto",
            ColorChoice::Always => "always",
            ColorChoice::Never => "never",
        }))
    }
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// List every fixture, or show one as the request it would send
    Fixtures(FixturesArgs),

    /// Print an event's JSON Schema (draft 2020-12)
    Schema(SchemaArgs),

    /// Fire a provider-accurate webhook at a receiver, once or under load
    Send(Box<SendArgs>),

    /// Run a local capture server that shows, checks, keeps and answers every webhook
    Listen(Box<ListenArgs>),

    /// Compare a received payload with the provider's schema and the expected fixture
    Diff(DiffArgs),

    /// List, show and export the requests a `listen --save` file holds (curl, HAR, fixture + schema)
    Captures(Box<CapturesArgs>),

    /// Open the inspector (a local web page: live list, search, detail, diff, replay) over capture files
    Inspect(Box<InspectArgs>),

    /// Test a receiver with everything an event's schema allows, and what it must refuse: shrunk, reproducible
    Fuzz(Box<FuzzArgs>),

    /// Turn a provider's OpenAPI (3.1 webhooks, 3.0 callbacks) or AsyncAPI description into fixtures, schemas and rules
    Import(ImportArgs),

    /// Print the signature headers for a payload (Standard Webhooks, Svix, GitHub, Stripe)
    Sign(SignArgs),

    /// Verify a payload's signature headers; exits 0 valid, 1 invalid
    Verify(VerifyArgs),

    /// Print a shell completion script
    Completions(CompletionsArgs),

    /// Show hookctl's manual page, or one command's (roff source when stdout is not a terminal)
    Man(ManArgs),
}

#[derive(Debug, Args)]
pub struct ManArgs {
    /// The command whose page to show, e.g. listen (default: hookctl's own page)
    pub command: Option<String>,
}

#[derive(Debug, Args)]
pub struct CompletionsArgs {
    #[arg(value_enum)]
    pub shell: clap_complete::Shell,
}

#[derive(Debug, Args)]
pub struct SigningArgs {
    /// The signing secret (prefer --secret-env: a flag shows in the process list)
    #[arg(long, value_name = "SECRET", conflicts_with = "secret_env")]
    pub secret: Option<String>,

    /// Read the secret from this environment variable
    #[arg(long, value_name = "VAR")]
    pub secret_env: Option<String>,

    /// Signature scheme: standard (webhook-id/-timestamp/-signature, Standard Webhooks v1), svix (svix-* headers),
    /// github (X-Hub-Signature-256: sha256=<hex>), stripe (Stripe-Signature: t=<ts>,v1=<hex>). Default:
    /// standard; verify and listen take the scheme whose signature header a request carries
    #[arg(long, value_enum)]
    pub scheme: Option<Scheme>,
}

settings_from!(SigningArgs => SigningSettings { secret, secret_env, scheme });

pub use crate::signing::Scheme;

impl ValueEnum for Scheme {
    fn value_variants<'a>() -> &'a [Self] {
        &Scheme::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()))
    }
}

/// How a client trusts a receiver's TLS certificate (send, replays, load, fuzz).
#[derive(Debug, Args)]
pub struct ClientTlsArgs {
    /// Also trust this CA or self-signed certificate (PEM), e.g. the one `listen --tls` wrote or mkcert's root
    #[arg(long, value_name = "FILE")]
    pub cacert: Option<PathBuf>,

    /// Do not verify the receiver's TLS certificate (said once on stderr)
    #[arg(short = 'k', long)]
    pub insecure: bool,

    /// A client certificate (PEM) for a receiver that asks for one (mutual TLS); needs --key
    #[arg(long, value_name = "FILE", requires = "key")]
    pub cert: Option<PathBuf>,

    /// The client certificate's private key (PEM)
    #[arg(long, value_name = "FILE", requires = "cert")]
    pub key: Option<PathBuf>,
}

impl From<ClientTlsArgs> for ClientTls {
    fn from(args: ClientTlsArgs) -> Self {
        let ClientTlsArgs { cacert, insecure, cert, key } = args;
        ClientTls { cacert, insecure, identity: cert.zip(key) }
    }
}

/// A count of 1 or more.
pub fn parse_at_least_one(text: &str) -> Result<u64, String> {
    match text.trim().parse::<u64>() {
        Ok(0) => Err("must be at least 1".into()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("`{text}` is not a whole number (at least 1)")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::CommandFactory;
    use std::time::Duration;

    #[test]
    fn cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }

    #[test]
    fn every_subcommand_has_an_example() {
        fn check(cmd: &clap::Command, path: &str) {
            let page = help::page(path).unwrap_or_else(|| panic!("`{path}` has no help page"));
            assert!(!page.examples.is_empty(), "`{path}` has no example in --help");
            for sub in cmd.get_subcommands() {
                let sub_path =
                    if path.is_empty() { sub.get_name().to_string() } else { format!("{path} {}", sub.get_name()) };
                check(sub, &sub_path);
            }
        }
        check(&Cli::command(), "");
    }

    #[test]
    fn examples_are_never_wrapped_however_narrow_the_terminal() {
        for path in ["send", "verify", "sign", "listen"] {
            let mut cmd = command().term_width(40);
            let mut sub = cmd.find_subcommand_mut(path).unwrap().clone().term_width(40);
            let help = sub.render_long_help().to_string();
            for example in help::page(path).unwrap().examples {
                assert!(help.contains(&format!("  {example}\n")), "{path}: `{example}` is broken in:\n{help}");
            }
        }
    }

    #[test]
    fn send_takes_repeated_targets_and_sets() {
        let cli = Cli::try_parse_from([
            "hookctl",
            "send",
            "pgyer.crashlog",
            "--to",
            "http://a",
            "--to",
            "http://b",
            "--set",
            "a.b=1",
        ])
        .unwrap();
        let Some(Command::Send(args)) = cli.command else { panic!("not send") };
        assert_eq!(args.to, ["http://a", "http://b"]);
        assert_eq!(args.set, ["a.b=1"]);
        assert_eq!(args.timeout, Duration::from_secs(10));
    }

    #[test]
    fn listen_defaults_to_port_8080_on_loopback() {
        let cli = Cli::try_parse_from(["hookctl", "listen"]).unwrap();
        let Some(Command::Listen(args)) = cli.command else { panic!("not listen") };
        assert_eq!((args.port, args.host.as_str(), args.max_body), (8080, "127.0.0.1", 10 << 20));
    }

    #[test]
    fn fixtures_show_accepts_json_after_the_name() {
        let cli = Cli::try_parse_from(["hookctl", "fixtures", "show", "pgyer.feedback", "--json"]).unwrap();
        let Some(Command::Fixtures(args)) = cli.command else { panic!("not fixtures") };
        assert!(args.json);
        assert!(matches!(args.action, Some(FixturesAction::Show { .. })));
    }
}
