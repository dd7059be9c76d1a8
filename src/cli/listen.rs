//! `hookctl listen`'s flags.
use std::path::PathBuf;
use std::time::Duration;

use clap::Args;
use clap_complete::engine::ArgValueCandidates;

use super::{candidates, parse_at_least_one, parse_duration, parse_rate, parse_size, ClientTlsArgs, SigningArgs};
use crate::assertion::Placed;
use crate::listen::ListenSettings;

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

    /// Where each --assert and --assert-on stood on the command line (set by [`super::parse`]: the scoping follows it).
    #[arg(skip)]
    pub assert_placed: Placed,

    /// Write a test report KIND=FILE: junit=report.xml (GitHub, GitLab, Jenkins) or json=report.json (repeatable);
    /// written even when the run fails or times out
    #[arg(help_heading = "CI", long, value_name = "KIND=FILE")]
    pub report: Vec<String>,
}

settings_from!(ListenArgs => ListenSettings { port, host, max_body, quiet, json, status, cycle, drop, delay, seed, response_body, response_header, forward_to, fail_on_forward_error, forward_cacert, forward_insecure, tls, tls_cert, tls_key, client_tls, ui, ui_port, keep, only, ignore, save, fsync, idle_timeout, body_timeout, max_connections, count, timeout, listen_for, port_file, expect, signing, require_signature, in_order, assert, assert_on, assert_placed, report });
