//! hookctl: send, capture, validate and diff webhooks. This file only parses, builds the context,
//! runs the command and turns the result into an exit code; the commands live in the library (`lib.rs`),
//! which the fuzz targets build on too.

use hookctl::{
    browse, captures, cli, context, diff, error, fuzz, import, inspect, listen, output, send, sign, version,
};
use std::process::ExitCode;

/// mimalloc: `listen` and `send --repeat` allocate per request on several threads, where glibc's malloc is slow.
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;

use cli::{complete, manual, Cli, Command};
use context::Context;
use error::UserError;

fn main() -> ExitCode {
    complete::answer_if_asked();
    let cli = cli::parse();
    let ctx = Context::detect(cli.color);
    match run(cli, ctx) {
        Ok(code) => code,
        Err(err) => {
            // A closed stdout is the reader's choice (`| head`), said by nobody.
            if err.downcast_ref::<error::OutputClosed>().is_none() {
                report(&err, &ctx);
            }
            error::exit(error::exit_code_for(&err))
        }
    }
}

fn run(cli: Cli, ctx: Context) -> anyhow::Result<ExitCode> {
    let fixtures_dir = cli.fixtures.as_deref();
    let Some(command) = cli.command else {
        return version_or_usage(cli.version, cli.json);
    };
    match command {
        Command::Fixtures(args) => browse::fixtures(&args.into(), fixtures_dir, &ctx),
        Command::Schema(args) => browse::schema(&args.into(), fixtures_dir, &ctx),
        Command::Completions(args) => complete::registration(args.shell),
        Command::Send(args) => send::run((*args).into(), fixtures_dir, &ctx),
        Command::Diff(args) => diff::run(&args.into(), fixtures_dir, &ctx),
        Command::Captures(args) => captures::run((*args).into(), fixtures_dir, &ctx),
        Command::Inspect(args) => inspect::run(&(*args).into(), fixtures_dir, &ctx),
        Command::Fuzz(args) => fuzz::run((*args).into(), fixtures_dir, &ctx),
        Command::Import(args) => import::run(&args.into(), &ctx),
        Command::Sign(args) => sign::sign_command(&args.into()),
        Command::Verify(args) => sign::verify_command(&args.into(), &ctx),
        Command::Listen(args) => listen::run((*args).into(), fixtures_dir, &ctx),
        Command::Man(args) => manual::run(args.command.as_deref(), &ctx),
    }
}

/// `hookctl --version [--json]`; `hookctl` alone prints its help on stderr (exit 2).
fn version_or_usage(version: bool, as_json: bool) -> anyhow::Result<ExitCode> {
    if !version {
        eprint!("{}", cli::command().render_help());
        return Ok(error::exit(error::EXIT_USAGE));
    }
    if as_json {
        output::json_line(&version::json())?;
    } else {
        output::outln(&version::line())?;
    }
    Ok(error::exit(error::EXIT_OK))
}

/// Every error is printed here, once: `hookctl: error: …` and, when there is one, a hint line.
fn report(err: &anyhow::Error, ctx: &Context) {
    let printer = ctx.printer();
    printer.failure("hookctl: error:", &format!("{err:#}"));
    if let Some(hint) = err.downcast_ref::<UserError>().and_then(|u| u.hint.as_deref()) {
        printer.hint(hint);
    }
}
