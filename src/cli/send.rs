//! `hookctl send`'s flags.
use std::time::Duration;

use clap::Args;
use clap_complete::engine::{ArgValueCandidates, ArgValueCompleter, PathCompleter};

use super::{candidates, parse_at_least_one, parse_duration, parse_size, ClientTlsArgs, SigningArgs};
use crate::send::SendSettings;

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

settings_from!(SendArgs => SendSettings { name, to, set, set_str, set_new, header, body, max_body, capture, keep_id, pace, dry_run, export, pretty, json, report, verbose, timeout, duplicate, shuffle, seed, retry, time_scale, follow, repeat, concurrency, rate, interactive, signing, client_tls });
