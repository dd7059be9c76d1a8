//! Every clap type of hookctl.
//!
//! House rules: every subcommand has a page in `help.rs` with at least one example; flags that a script
//! reads have `--json`; exit codes are the same everywhere (see `error.rs`) and every `--help` lists the
//! ones its command uses.
use std::path::PathBuf;
use std::time::Duration;

use clap::{ArgMatches, Args, CommandFactory, FromArgMatches, Parser, Subcommand, ValueEnum};
use clap_complete::engine::{ArgValueCandidates, ArgValueCompleter, PathCompleter};

mod candidates;
pub mod help;

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

/// Each value of a repeatable flag with where it stood on the command line.
#[derive(Debug, Clone, Default)]
pub struct Placed {
    pub assert: Vec<(usize, String)>,
    pub assert_on: Vec<(usize, String)>,
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

#[derive(Debug, Args)]
#[command(args_conflicts_with_subcommands = true)]
pub struct CapturesArgs {
    #[command(subcommand)]
    pub action: Option<CapturesAction>,

    /// The capture file (`listen --save`), optionally with a selection: FILE:3, FILE:3..9, FILE:3,5,8, FILE:-1.
    /// Several files (one per listener or CI shard) are merged in `received_at` order, ids shown as FILE:ID
    #[arg(add = ArgValueCompleter::new(PathCompleter::any()), value_name = "FILE[:IDS]")]
    pub selection: Vec<String>,

    #[command(flatten)]
    pub filter: FilterArgs,

    /// Print only how many records are selected
    #[arg(long, conflicts_with = "json")]
    pub count: bool,

    /// Print the selected records as NDJSON, unchanged (a capture file again)
    #[arg(long)]
    pub json: bool,
}

/// Which records: every filter must hold.
#[derive(Debug, Args, Clone, Default)]
pub struct FilterArgs {
    /// Only this event (repeatable; a glob: 'pgyer.*')
    #[arg(long, value_name = "NAME")]
    pub event: Vec<String>,

    /// Only requests that validated against their event's schema
    #[arg(long, conflicts_with_all = ["invalid", "unrecognised"])]
    pub valid: bool,

    /// Only requests that failed validation or were not JSON
    #[arg(long, conflicts_with = "unrecognised")]
    pub invalid: bool,

    /// Only requests no event matched
    #[arg(long)]
    pub unrecognised: bool,

    /// Only this HTTP method (repeatable)
    #[arg(long, value_name = "METHOD")]
    pub method: Vec<String>,

    /// Only paths matching this glob ('/hooks/*')
    #[arg(long, value_name = "GLOB")]
    pub path: Option<String>,

    /// Only requests received at or after this time: RFC 3339, or a duration ago (10m, 2h)
    #[arg(long, value_name = "TIME")]
    pub since: Option<String>,

    /// Only requests received at or before this time: RFC 3339, or a duration ago
    #[arg(long, value_name = "TIME")]
    pub until: Option<String>,

    /// Only requests whose headers or body contain this text
    #[arg(long, value_name = "TEXT")]
    pub grep: Option<String>,

    /// Only the last N of those selected
    #[arg(long, value_name = "N")]
    pub last: Option<usize>,
}

#[derive(Debug, Subcommand)]
pub enum CapturesAction {
    /// Show one capture as `listen` showed it: headers, body, verdict, problems
    Show(CaptureShowArgs),

    /// Turn captures into curl commands, a HAR file, a fixture with an inferred schema, or NDJSON
    Export(Box<CaptureExportArgs>),
}

#[derive(Debug, Args)]
pub struct CaptureShowArgs {
    /// FILE:ID (FILE alone: the last record)
    #[arg(add = ArgValueCompleter::new(PathCompleter::any()), value_name = "FILE[:ID]")]
    pub selection: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ExportFormat {
    /// One shell command per capture that sends the same bytes
    Curl,
    /// HAR 1.2 (browser dev tools, HAR viewers)
    Har,
    /// A fixture file and an inferred JSON Schema, in --out DIR
    Fixture,
    /// The selected records, unchanged
    Ndjson,
}

#[derive(Debug, Args)]
pub struct CaptureExportArgs {
    /// The capture file and which records: FILE, FILE:3, FILE:3..9, FILE:3,5,8, FILE:-1; several files are
    /// merged in `received_at` order
    #[arg(add = ArgValueCompleter::new(PathCompleter::any()), value_name = "FILE[:IDS]", required = true)]
    pub selection: Vec<String>,

    /// What to make
    #[arg(long = "as", value_name = "FORMAT")]
    pub format: ExportFormat,

    /// curl/har: send to this base URL (scheme, host, port) instead of the request's Host; path and query kept
    #[arg(long, value_name = "BASE")]
    pub to: Option<String>,

    /// fixture: the directory to write NAME.json and NAME.schema.json into (created if missing)
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,

    /// fixture: the fixture's name, provider.event (default: the captures' event, else custom.webhook)
    #[arg(long, value_name = "NAME")]
    pub name: Option<String>,

    #[command(flatten)]
    pub filter: FilterArgs,
}

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

/// What `fuzz` checks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, clap::ValueEnum)]
pub enum FuzzCheck {
    /// Every selected fixture as it is
    Examples,
    /// Schema-valid variants: edge cases, then random bodies from the event's JSON Schema
    Generated,
    /// Schema-invalid bodies: a receiver may refuse them, not fail on them
    Negative,
    /// The same webhook twice, two copies at once, a retry after a 5xx
    Delivery,
    /// Unsigned, forged, stale and replayed signatures (needs --secret or --secret-env)
    Signatures,
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
pub struct SendArgs {
    /// Fixture to send (omit on a terminal to pick one interactively)
    #[arg(add = ArgValueCandidates::new(candidates::fixture_names))]
    pub name: Option<String>,

    /// Receiver URL; repeat to fan out (one delivery per URL)
    #[arg(help_heading = "Target", long = "to", value_name = "URL")]
    pub to: Vec<String>,

    /// Set a body field: dotted path with array indices (a.b[0].c), VALUE parsed as JSON when it parses, else a string
    #[arg(help_heading = "Body", long = "set", value_name = "PATH=VALUE")]
    pub set: Vec<String>,

    /// Like --set, but VALUE is always a string (a field the body lacks is refused, as with --set)
    #[arg(help_heading = "Body", long = "set-str", value_name = "PATH=VALUE")]
    pub set_str: Vec<String>,

    /// Like --set, for a field the fixture does not have (--set refuses one: a typo, often)
    #[arg(help_heading = "Body", long = "set-new", value_name = "PATH=VALUE")]
    pub set_new: Vec<String>,

    /// Add or replace a request header
    #[arg(help_heading = "Body", short = 'H', long = "header", value_name = "NAME: VALUE")]
    pub header: Vec<String>,

    /// Send this JSON file (or - for stdin) as the body; headers still come from NAME if given
    #[arg(add = ArgValueCompleter::new(PathCompleter::any()), help_heading = "Body", long, value_name = "FILE", conflicts_with = "capture")]
    pub body: Option<String>,

    /// The most a payload read from a file or stdin may be (more is refused, not read), e.g. 256MiB
    #[arg(help_heading = "Body", long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    pub max_body: u64,

    /// Replay requests saved by `listen --save`: FILE (its last record), FILE:ID, FILE:3..9, FILE:3,5,8, FILE:-1;
    /// several are sent in capture order, each with its exact original bytes
    #[arg(add = ArgValueCompleter::new(PathCompleter::any()), help_heading = "Replaying captures", long, value_name = "FILE[:IDS]", conflicts_with = "name")]
    pub capture: Option<String>,

    /// With --capture and --secret: keep each capture's original webhook id (a duplicate delivery) instead of a
    /// fresh one
    #[arg(help_heading = "Replaying captures", long, requires = "capture")]
    pub keep_id: bool,

    /// With --capture: `original` keeps the gaps between the captured requests (default: as fast as possible,
    /// or --rate)
    #[arg(help_heading = "Replaying captures", long, value_name = "PACE", requires = "capture", value_parser = ["original"])]
    pub pace: Option<String>,

    /// Print the exact request (method, URL, headers, the body's exact bytes) and send nothing
    #[arg(help_heading = "Output", long)]
    pub dry_run: bool,

    /// Write a load test for another tool instead of sending: `locust` prints a locustfile that reproduces
    /// this run (placeholders and signatures made per request, --concurrency as users, --rate, --repeat)
    #[arg(help_heading = "Load", long, value_name = "TOOL", value_parser = ["locust"], conflicts_with_all = ["dry_run", "capture", "interactive"])]
    pub export: Option<String>,

    /// With --dry-run: indent the JSON body for reading (it is then not the bytes sent)
    #[arg(help_heading = "Output", long, requires = "dry_run")]
    pub pretty: bool,

    /// One JSON object per delivery (or the load summary) on stdout, nothing else there
    #[arg(help_heading = "Output", long)]
    pub json: bool,

    /// Write a test report KIND=FILE: junit=report.xml or json=report.json, one test case per delivery (repeatable)
    #[arg(help_heading = "CI", long, value_name = "KIND=FILE")]
    pub report: Vec<String>,

    /// Also print each request and response (headers, body) on stderr
    #[arg(help_heading = "Output", short, long)]
    pub verbose: bool,

    /// Give up on a delivery after this long (e.g. 500ms, 10s)
    #[arg(help_heading = "Target", long, value_name = "DURATION", default_value = "10s", value_parser = parse_duration)]
    pub timeout: Duration,

    /// Deliver each webhook N times with the same body and (signed) the same webhook id: at-least-once delivery
    #[arg(help_heading = "Delivery", long, value_name = "N", default_value_t = 1, value_parser = parse_at_least_one)]
    pub duplicate: u64,

    /// With a --capture range: deliver in a random order (seeded; --seed S repeats an order)
    #[arg(help_heading = "Replaying captures", long, requires = "capture")]
    pub shuffle: bool,

    /// The seed for --shuffle (printed on stderr when not given)
    #[arg(help_heading = "Replaying captures", long, value_name = "S")]
    pub seed: Option<u64>,

    /// When the receiver fails or answers non-2xx, retry as a provider would: none, standard (Standard Webhooks /
    /// Svix: 0s, 5s, 5m, 30m, 2h, 5h, 10h, 10h), stripe (up to 3 days), or waits such as 1s,5s,30s
    #[arg(help_heading = "Delivery", long, value_name = "POLICY", conflicts_with = "repeat")]
    pub retry: Option<String>,

    /// Multiply --retry's waits by F (e.g. 0.001 to run a day's schedule in a minute and a half)
    #[arg(help_heading = "Delivery", long, value_name = "F", default_value_t = 1.0, requires = "retry")]
    pub time_scale: f64,

    /// Follow redirects to the same host (scheme, host and port), each hop printed; a redirect to another host
    /// is never followed (it would get the signed body and its headers). Without it a 3xx is the answer
    #[arg(help_heading = "Target", long, conflicts_with = "repeat")]
    pub follow: bool,

    /// Send the event N times, with fresh placeholders each time, and print a summary
    #[arg(help_heading = "Load", long, value_name = "N", value_parser = parse_at_least_one)]
    pub repeat: Option<u64>,

    /// Connections used by --repeat
    #[arg(help_heading = "Load", long, value_name = "C", default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=1024))]
    pub concurrency: u64,

    /// Cap --repeat (or a --capture replay) at R requests per second
    #[arg(help_heading = "Load", long, value_name = "R", value_parser = clap::value_parser!(u64).range(1..))]
    pub rate: Option<u64>,

    /// Prompt for each configuration field (of a fixture whose provider describes prompts), with a prompt that fits its type
    #[arg(help_heading = "Body", long)]
    pub interactive: bool,

    #[command(flatten, next_help_heading = "Signing")]
    pub signing: SigningArgs,

    #[command(flatten, next_help_heading = "TLS (to the receiver)")]
    pub client_tls: ClientTlsArgs,
}

#[derive(Debug, Args, Clone)]
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

impl SigningArgs {
    /// The scheme `--scheme` names, else Standard Webhooks.
    pub fn scheme(&self) -> Scheme {
        self.scheme.unwrap_or(Scheme::Standard)
    }
}

pub use crate::signing::Scheme;

impl ValueEnum for Scheme {
    fn value_variants<'a>() -> &'a [Self] {
        &Scheme::ALL
    }

    fn to_possible_value(&self) -> Option<clap::builder::PossibleValue> {
        Some(clap::builder::PossibleValue::new(self.name()))
    }
}

#[derive(Debug, Args)]
pub struct ListenArgs {
    /// Port to listen on (0 picks a free one)
    #[arg(default_value_t = 8080)]
    pub port: u16,

    /// Address to bind; 0.0.0.0 accepts requests from the network
    #[arg(help_heading = "Address", long, default_value = "127.0.0.1")]
    pub host: String,

    /// Largest body accepted (larger ones get 413 without being read), e.g. 10MiB, 512KiB, 1000
    #[arg(help_heading = "Address", long, value_name = "SIZE", default_value = "10MiB", value_parser = parse_size)]
    pub max_body: u64,

    /// One summary line per request instead of the full request
    #[arg(help_heading = "Output", short, long, conflicts_with = "json")]
    pub quiet: bool,

    /// One JSON capture record per request on stdout, nothing else there
    #[arg(help_heading = "Output", long)]
    pub json: bool,

    /// Status code to answer with, or a sequence: 500x3,200 answers 500 three times, then 200 (the last repeats)
    #[arg(help_heading = "Answering", long, value_name = "CODE[xN],...", default_value = "200")]
    pub status: String,

    /// With a --status sequence: start over after the last entry instead of repeating it
    #[arg(help_heading = "Answering", long)]
    pub cycle: bool,

    /// Close this share of connections (0 to 1) without answering, after saving the request (seeded)
    #[arg(help_heading = "Answering", long, value_name = "RATE", value_parser = parse_rate)]
    pub drop: Option<f64>,

    /// Wait before answering: a duration (250ms, 2s) or a range drawn from per request (100ms..2s, seeded)
    #[arg(help_heading = "Answering", long, value_name = "DURATION[..DURATION]")]
    pub delay: Option<String>,

    /// The seed for --drop and a --delay range (printed on stderr when not given), so a run repeats exactly
    #[arg(help_heading = "Answering", long, value_name = "S")]
    pub seed: Option<u64>,

    /// Answer with this file's contents as the body
    #[arg(help_heading = "Answering", long, value_name = "FILE")]
    pub response_body: Option<PathBuf>,

    /// Add a header to every answer
    #[arg(help_heading = "Answering", long = "response-header", value_name = "NAME: VALUE")]
    pub response_header: Vec<String>,

    /// Relay each request to your app and answer the sender with the app's answer. EVENT=URL routes one event (a
    /// glob: 'pgyer.*=http://localhost:4000') to its own app; repeatable; every matching route gets a copy and
    /// the first answers; a plain URL takes what no EVENT= route took
    #[arg(help_heading = "Forwarding", long, value_name = "[EVENT=]URL")]
    pub forward_to: Vec<String>,

    /// A forward that fails (the app unreachable, too slow or answering 5xx) fails the run (exit 1). On by
    /// default with --count, --expect or --assert; the summary counts them either way
    #[arg(help_heading = "Forwarding", long)]
    pub fail_on_forward_error: bool,

    /// Trust this CA or certificate (PEM) for an https --forward-to app
    #[arg(help_heading = "Forwarding", long, value_name = "FILE")]
    pub forward_cacert: Option<PathBuf>,

    /// Do not verify an https --forward-to app's certificate
    #[arg(help_heading = "Forwarding", long)]
    pub forward_insecure: bool,

    /// Serve HTTPS (TLS 1.2 and 1.3) with a certificate generated now for localhost, 127.0.0.1 and ::1; its PEM is
    /// written to a file named on stderr (trust it with `curl --cacert` or `send --cacert`)
    #[arg(help_heading = "HTTPS", long)]
    pub tls: bool,

    /// Serve HTTPS with this certificate (PEM, a chain; mkcert's output works) instead of a generated one
    #[arg(help_heading = "HTTPS", long, value_name = "FILE", requires = "tls_key")]
    pub tls_cert: Option<PathBuf>,

    /// The --tls-cert certificate's private key (PEM)
    #[arg(help_heading = "HTTPS", long, value_name = "FILE", requires = "tls_cert")]
    pub tls_key: Option<PathBuf>,

    /// For replays from the --ui page to an https receiver
    #[command(flatten, next_help_heading = "Inspector replays (TLS to the receiver)")]
    pub client_tls: ClientTlsArgs,

    /// Serve the inspector (a local web page over the captures) on a second port, 127.0.0.1 only
    #[arg(help_heading = "Inspector", long)]
    pub ui: bool,

    /// The inspector's port (default: a free one)
    #[arg(help_heading = "Inspector", long, value_name = "PORT", requires = "ui")]
    pub ui_port: Option<u16>,

    /// Without --save: how many captures the inspector keeps in memory (older ones are dropped, and it says so)
    #[arg(help_heading = "Inspector", long, value_name = "N", default_value_t = 10_000, requires = "ui", value_parser = parse_at_least_one)]
    pub keep: u64,

    /// Show only these events (repeatable, globs); everything is still saved, counted and answered
    #[arg(help_heading = "Output", long, value_name = "EVENT")]
    pub only: Vec<String>,

    /// Do not show these events (repeatable, globs); everything is still saved, counted and answered
    #[arg(help_heading = "Output", long, value_name = "EVENT")]
    pub ignore: Vec<String>,

    /// Append each request as one JSON line (NDJSON), written before the answer is sent
    #[arg(help_heading = "Output", long, value_name = "FILE")]
    pub save: Option<PathBuf>,

    /// With --save: flush each capture to the disk (fsync) before answering, so it survives a power cut too
    #[arg(help_heading = "Output", long, requires = "save")]
    pub fsync: bool,

    /// Close a connection that sends no request for this long (idle keep-alive, or headers too slow)
    #[arg(help_heading = "Address", long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub idle_timeout: Duration,

    /// Answer 408 and close when a request's body has not all arrived this long after its headers
    #[arg(help_heading = "Address", long, value_name = "DURATION", default_value = "30s", value_parser = parse_duration)]
    pub body_timeout: Duration,

    /// Open connections served at once; past it new ones get 503 (also kept below the open-files limit)
    #[arg(help_heading = "Address", long, value_name = "N", default_value_t = 1024, value_parser = parse_at_least_one)]
    pub max_connections: u64,

    /// Exit after N requests (CI mode)
    #[arg(help_heading = "CI", long, value_name = "N", value_parser = parse_at_least_one)]
    pub count: Option<u64>,

    /// With --count: give up (exit 3) if N requests have not arrived in time (e.g. 30s). Without --count it
    /// means the same as --for
    #[arg(help_heading = "CI", long, value_name = "DURATION", value_parser = parse_duration)]
    pub timeout: Option<Duration>,

    /// Listen this long, then judge what came: exit 0 when everything was valid (and each --expect arrived)
    #[arg(help_heading = "CI", long = "for", value_name = "DURATION", value_parser = parse_duration, conflicts_with_all = ["count", "timeout"])]
    pub listen_for: Option<Duration>,

    /// Write the bound port to FILE once the server answers (atomically: the file appears complete)
    #[arg(help_heading = "Address", long, value_name = "FILE")]
    pub port_file: Option<PathBuf>,

    /// Require every captured event to be one of these, and each of these to arrive (repeatable)
    #[arg(help_heading = "CI", long, value_name = "NAME", add = ArgValueCandidates::new(candidates::fixture_names))]
    pub expect: Vec<String>,

    /// Verify signatures with --secret / --secret-env, under --scheme
    #[command(flatten, next_help_heading = "Signing")]
    pub signing: SigningArgs,

    /// Answer 401 to unsigned or badly signed requests
    #[arg(help_heading = "Signing", long)]
    pub require_signature: bool,

    /// With --expect: the expected events must arrive in the order given
    #[arg(help_heading = "CI", long, requires = "expect")]
    pub in_order: bool,

    /// Check each capture: 'QUERY PREDICATE [VALUE]', e.g. 'body /data/id == "abc"', 'header x-id exists',
    /// 'count == 3' (repeatable; hurl's vocabulary, see docs/ci.md). A failure is exit 1
    #[arg(help_heading = "CI", long = "assert", value_name = "ASSERTION")]
    pub assert: Vec<String>,

    /// The --assert flags after this one apply only to this event (a glob); repeat to scope the next ones
    #[arg(help_heading = "CI", long, value_name = "EVENT")]
    pub assert_on: Vec<String>,

    /// Where each --assert and --assert-on stood on the command line (set by [`parse`]: the scoping follows it).
    #[arg(skip)]
    pub assert_placed: Placed,

    /// Write a test report KIND=FILE: junit=report.xml (GitHub, GitLab, Jenkins) or json=report.json (repeatable);
    /// written even when the run fails or times out
    #[arg(help_heading = "CI", long, value_name = "KIND=FILE")]
    pub report: Vec<String>,
}

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

    /// Where each --assert stood on the command line (set by [`parse`]).
    #[arg(skip)]
    pub assert_placed: Placed,

    /// Write a test report KIND=FILE: junit=report.xml (GitHub, GitLab, Jenkins) or json=report.json (repeatable);
    /// written even when the run fails or times out
    #[arg(long, value_name = "KIND=FILE")]
    pub report: Vec<String>,
}

/// How a client trusts a receiver's TLS certificate (send, replays, load, fuzz).
#[derive(Debug, Clone, Default, Args)]
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

impl ClientTlsArgs {
    pub fn settings(&self) -> crate::tls::ClientTls {
        crate::tls::ClientTls {
            cacert: self.cacert.clone(),
            insecure: self.insecure,
            identity: self.cert.clone().zip(self.key.clone()),
        }
    }
}

#[derive(Debug, Args)]
pub struct SignArgs {
    /// The payload file (- for stdin); its exact bytes are signed
    #[arg(add = ArgValueCompleter::new(PathCompleter::any()))]
    pub file: String,

    /// The most a payload read from a file or stdin may be (more is refused, not read), e.g. 256MiB
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    pub max_body: u64,

    #[command(flatten)]
    pub secret: SigningArgs,

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

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum SignFormat {
    Headers,
    Args,
    Curl,
}

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// The payload file (- for stdin), or a `listen --save` capture FILE[:ID] (its headers are used too)
    #[arg(add = ArgValueCompleter::new(PathCompleter::any()))]
    pub file: String,

    /// The most a payload read from a file or stdin may be (more is refused, not read), e.g. 256MiB
    #[arg(long, value_name = "SIZE", default_value = "64MiB", value_parser = parse_size)]
    pub max_body: u64,

    #[command(flatten)]
    pub secret: SigningArgs,

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
