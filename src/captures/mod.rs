//! `hookctl captures`: the `listen --save` file as a workbench — list and filter, show one again, export
//! as curl commands, HAR, a fixture with an inferred schema, or NDJSON.
pub mod curl;
pub mod fixture;
pub mod har;
pub mod infer;
mod settings;

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;

use crate::capture;
use crate::capture::select::{self, Filter, Record, Selection, Verdict};
use crate::context::Context;
use crate::error::{exit, UserError, EXIT_OK};
use crate::examine::show::{self, Answering};
use crate::examine::Examiner;
use crate::output::{errln, out, outln, sanitize, Style};
use crate::schema::SchemaSet;
pub use settings::{
    CaptureExportSettings, CaptureShowSettings, CapturesAction, CapturesSettings, ExportFormat, FilterSettings,
};

pub fn run(args: CapturesSettings, dir: Option<&Path>, ctx: &Context) -> Result<ExitCode> {
    match args.action {
        Some(CapturesAction::Show(args)) => show_one(&args, dir, ctx),
        Some(CapturesAction::Export(args)) => export(&args, dir, ctx),
        None => {
            let selections = args
                .selection
                .iter()
                .map(|spec| Selection::require(spec, "captures"))
                .collect::<Result<Vec<_>, _>>()?;
            match selections.as_slice() {
                [] => Err(UserError::with_hint(
                    "no capture file given",
                    "hookctl captures FILE (the file `listen --save FILE` wrote), or `captures show|export`",
                )
                .into()),
                [one] => list(one, &args, ctx),
                several => list_merged(several, &args, ctx),
            }
        }
    }
}

/// A record of one of several files, kept for the merge: its file's label and when it arrived.
struct Merged {
    label: String,
    received_at: String,
    id: u64,
    line: String,
    shown: String,
}

/// Several capture files (one per listener behind a load balancer, one per CI shard): every record the
/// selection and filters take, merged in `received_at` order (file order on a tie), ids as FILE:ID.
fn list_merged(selections: &[Selection], args: &CapturesSettings, ctx: &Context) -> Result<ExitCode> {
    let filter = filter(&args.filter)?;
    let shown = (!args.json && !args.count).then_some(ctx.printer().out);
    let merged = merged_records(selections, &filter, args.filter.last, shown, args.json, ctx.stderr_color)?;
    if args.count {
        outln(&merged.len().to_string())?;
        return Ok(exit(EXIT_OK));
    }
    let mut text = String::new();
    for record in &merged {
        text.push_str(if args.json { &record.line } else { &record.shown });
        text.push('\n');
        if text.len() > 1 << 16 {
            out(&text)?;
            text.clear();
        }
    }
    out(&text)?;
    if merged.is_empty() {
        hint_event_globs(&args.filter.event, &ctx.printer());
    }
    Ok(exit(EXIT_OK))
}

/// The records several selections and a filter take, merged: each with its list line (when `shown` gives
/// a style) and its NDJSON line (when `lines`).
fn merged_records(
    selections: &[Selection],
    filter: &Filter,
    last: Option<usize>,
    shown: Option<Style>,
    lines: bool,
    color: bool,
) -> Result<Vec<Merged>> {
    let mut merged: Vec<Merged> = Vec::new();
    for selection in selections {
        let label = selection.path.display().to_string();
        let scan = select::scan(selection, filter, None, |record| {
            let line = shown.as_ref().map_or_else(String::new, |style| {
                let id = format!("#{:<5}", record.head.id);
                list_line(record, style).replacen(&id, &format!("{}:{:<4}", sanitize(&label), record.head.id), 1)
            });
            merged.push(Merged {
                label: label.clone(),
                received_at: record.head.received_at.to_string(),
                id: record.head.id,
                line: if lines { record.line.to_string() } else { String::new() },
                shown: line,
            });
            Ok(())
        })?;
        crate::capture::collect::warn(&scan, &selection.path, color);
    }
    let mut merged = merge_in_time_order(merged, selections);
    if let Some(last) = last {
        let skip = merged.len().saturating_sub(last);
        merged.drain(..skip);
    }
    Ok(merged)
}

/// `received_at` order (RFC 3339 UTC with milliseconds sorts as text), then the order the files were given,
/// then each file's own order.
fn merge_in_time_order(mut records: Vec<Merged>, selections: &[Selection]) -> Vec<Merged> {
    let rank = |label: &str| selections.iter().position(|s| s.path.display().to_string() == label).unwrap_or(0);
    records.sort_by(|a, b| {
        a.received_at.cmp(&b.received_at).then(rank(&a.label).cmp(&rank(&b.label))).then(a.id.cmp(&b.id))
    });
    records
}

/// The filter flags, checked (a bad time is a usage error before anything is read).
pub fn filter(args: &FilterSettings) -> Result<Filter> {
    let time = |text: &Option<String>, flag: &str| -> Result<_> {
        text.as_deref()
            .map(|t| select::parse_time(t).map_err(|e| UserError::new(format!("{flag} {}", sanitize(&e))).into()))
            .transpose()
    };
    let mut verdicts = Vec::new();
    if args.valid {
        verdicts.push(Verdict::Valid);
    }
    if args.invalid {
        verdicts.extend([Verdict::Invalid, Verdict::BrokenJson]);
    }
    if args.unrecognised {
        verdicts.extend([Verdict::Unrecognised, Verdict::NotJson, Verdict::Empty]);
    }
    Ok(Filter {
        events: args.event.clone(),
        verdicts,
        methods: args.method.clone(),
        path: args.path.clone(),
        since: time(&args.since, "--since")?,
        until: time(&args.until, "--until")?,
        grep: args.grep.as_deref().map(Filter::grep_for),
    })
}

/// `--event pgyer` names no event (events are `provider.name`): when nothing matched, say the glob meant.
fn hint_event_globs(events: &[String], printer: &crate::output::Printer) {
    for event in events.iter().filter(|e| !e.contains(['.', '*', '?'])) {
        printer.hint(&format!(
            "--event {} matched no event name exactly; for all of that provider's: --event '{}.*'",
            sanitize(event),
            sanitize(event)
        ));
    }
}

fn list(selection: &Selection, args: &CapturesSettings, ctx: &Context) -> Result<ExitCode> {
    let filter = filter(&args.filter)?;
    if args.count && filter.is_empty() && selection.items.is_none() && args.filter.last.is_none() {
        let scan = select::count_all(&selection.path)?;
        outln(&scan.records.to_string())?;
        crate::capture::collect::warn(&scan, &selection.path, ctx.stderr_color);
        return Ok(exit(EXIT_OK));
    }
    let mut count = 0u64;
    let mut text = String::new();
    let style = ctx.printer().out;
    let scan = select::scan(selection, &filter, args.filter.last, |record| {
        count += 1;
        if args.json {
            text.push_str(record.line);
            text.push('\n');
        } else if !args.count {
            text.push_str(&list_line(record, &style));
            text.push('\n');
        }
        if text.len() > 1 << 16 {
            out(&text)?;
            text.clear();
        }
        Ok(())
    })?;
    out(&text)?;
    if args.count {
        outln(&count.to_string())?;
    }
    crate::capture::collect::warn(&scan, &selection.path, ctx.stderr_color);
    if count == 0 {
        hint_event_globs(&args.filter.event, &ctx.printer());
    }
    Ok(exit(EXIT_OK))
}

/// `#3  2026-12-01 11:22:01.123 +01:00  POST /hooks  pgyer.crashlog  ✓ valid  → 200  585 B` (local time)
fn list_line(record: &Record, style: &Style) -> String {
    let head = &record.head;
    let time = crate::output::local_time(&head.received_at);
    let path = match &head.query {
        Some(query) => format!("{}?{query}", head.path),
        None => head.path.to_string(),
    };
    let verdict = head.verdict();
    let mark = match verdict {
        Verdict::Valid => style.ok("✓ valid"),
        Verdict::Invalid | Verdict::BrokenJson => style.bad(&format!("✗ {}", verdict.label())),
        other => style.dim(&format!("· {}", other.label())),
    };
    let answered = match (head.answered, head.forward.is_some()) {
        (Some(status), true) => format!("→ app {status}"),
        (Some(status), false) => format!("→ {status}"),
        (None, _) => "→ forwarded".to_string(),
    };
    format!(
        "#{:<5} {time}  {:<6} {:<24} {:<34} {mark:<15}  {answered}  {} B",
        head.id,
        sanitize(&head.method),
        fit(&sanitize(&path), 24),
        fit(&sanitize(head.event.as_deref().unwrap_or("-")), 34),
        head.body_bytes
    )
}

/// `text` in at most `width` characters: a longer one keeps its start and end around a `…`, so the columns
/// after it stay in line (imported event names run long; their ends tell them apart).
fn fit(text: &str, width: usize) -> String {
    let count = text.chars().count();
    if count <= width {
        return text.to_string();
    }
    let head = (width - 1) / 2;
    let tail = width - 1 - head;
    let start: String = text.chars().take(head).collect();
    let end: String = text.chars().skip(count - tail).collect();
    format!("{start}…{end}")
}

/// `--as fixture`: the fixture and its schema written into `--out`, each file said on stderr, and a warning
/// when the fixture takes a built-in's name (with `--fixtures DIR` it would replace the built-in, and
/// captures the built-in accepts could then read as invalid).
fn export_fixture(
    captures: &[crate::capture::Captured],
    args: &CaptureExportSettings,
    dir: Option<&Path>,
    ctx: &Context,
) -> Result<()> {
    let out_dir = args.out.as_deref().ok_or_else(|| {
        UserError::with_hint("--as fixture writes files: say where", "add --out DIR (then use --fixtures DIR)")
    })?;
    let catalog = crate::catalog::load(dir, &ctx.printer())?;
    let written = fixture::export(captures, args.name.as_deref(), out_dir, &catalog)?;
    for file in &written {
        let verb = if file.replaced { "replaced" } else { "wrote" };
        errln(&format!("{verb} {}", file.path.display()));
    }
    let name = written.first().and_then(|f| f.path.file_name()).map(|n| n.to_string_lossy().replace(".json", ""));
    if let Some(name) = name.filter(|n| crate::catalog::Catalog::builtin().get(n).is_some()) {
        ctx.printer().warn(&format!(
            "{name} is a built-in fixture: with --fixtures {} this one replaces it (and its schema, inferred from {} \
             sample(s)); --name PROVIDER.EVENT keeps both",
            out_dir.display(),
            captures.len()
        ));
    }
    Ok(())
}

/// `captures export` over several files: the records merged in `received_at` order, then made into the
/// format as from one file.
fn export_merged(
    args: &CaptureExportSettings,
    selections: &[Selection],
    dir: Option<&Path>,
    ctx: &Context,
) -> Result<ExitCode> {
    let filter = filter(&args.filter)?;
    let base = args.to.as_deref().map(curl::parse_base).transpose()?;
    if args.format != ExportFormat::Fixture && (args.out.is_some() || args.name.is_some()) {
        return Err(UserError::new("--out and --name go with --as fixture").into());
    }
    if args.format == ExportFormat::Ndjson {
        let mut text = String::new();
        for record in merged_records(selections, &filter, args.filter.last, None, true, ctx.stderr_color)? {
            text.push_str(&record.line);
            text.push('\n');
        }
        out(&text)?;
        return Ok(exit(EXIT_OK));
    }
    let captures = crate::capture::collect::collect_many(selections, &filter, args.filter.last, ctx.stderr_color)?;
    match args.format {
        ExportFormat::Ndjson => {}
        ExportFormat::Curl => {
            for captured in &captures {
                outln(&curl::command(captured, base.as_ref())?)?;
            }
        }
        ExportFormat::Har => {
            outln(&crate::output::json_safe(serde_json::to_string_pretty(&har::document(&captures, base.as_ref()))?))?;
        }
        ExportFormat::Fixture => export_fixture(&captures, args, dir, ctx)?,
    }
    Ok(exit(EXIT_OK))
}

fn show_one(args: &CaptureShowSettings, dir: Option<&Path>, ctx: &Context) -> Result<ExitCode> {
    let captured = crate::capture::collect::one(
        Selection::require(&args.selection, "captures show")?,
        "captures show",
        ctx.stderr_color,
    )?;
    let catalog = crate::catalog::load(dir, &ctx.printer())?;
    let (schemas, _) = SchemaSet::compile(&catalog);
    let examiner = Examiner {
        catalog,
        schemas,
        signing: None,
        by_header: Vec::new(),
        tolerance: crate::signing::DEFAULT_TOLERANCE,
    };
    {
        let arrived = capture::arrived(&captured);
        let examined = examiner.with_hint(examiner.examine(&arrived));
        let answering = match captured.record.answered {
            Some(status) => Answering::Status(status),
            None => Answering::Forwarded,
        };
        let time = crate::output::local_time(&arrived.received_at);
        out(&show::full_at(&arrived, &examined, answering, ctx.stdout_color, &time))?;
    }
    Ok(exit(EXIT_OK))
}

fn export(args: &CaptureExportSettings, dir: Option<&Path>, ctx: &Context) -> Result<ExitCode> {
    let selections =
        args.selection.iter().map(|spec| Selection::require(spec, "captures export")).collect::<Result<Vec<_>, _>>()?;
    if selections.len() > 1 {
        return export_merged(args, &selections, dir, ctx);
    }
    let selection = selections.into_iter().next().expect("the command line requires one");
    let filter = filter(&args.filter)?;
    let base = args.to.as_deref().map(curl::parse_base).transpose()?;
    if args.format != ExportFormat::Fixture && (args.out.is_some() || args.name.is_some()) {
        return Err(UserError::new("--out and --name go with --as fixture").into());
    }
    match args.format {
        ExportFormat::Ndjson => {
            let mut text = String::new();
            let scan = select::scan(&selection, &filter, args.filter.last, |record| {
                text.push_str(record.line);
                text.push('\n');
                Ok(())
            })?;
            out(&text)?;
            crate::capture::collect::warn(&scan, &selection.path, ctx.stderr_color);
        }
        ExportFormat::Curl => {
            for captured in crate::capture::collect::collect(&selection, &filter, args.filter.last, ctx.stderr_color)? {
                outln(&curl::command(&captured, base.as_ref())?)?;
            }
        }
        ExportFormat::Har => {
            let captures = crate::capture::collect::collect(&selection, &filter, args.filter.last, ctx.stderr_color)?;
            outln(&crate::output::json_safe(serde_json::to_string_pretty(&har::document(&captures, base.as_ref()))?))?;
        }
        ExportFormat::Fixture => {
            let captures = crate::capture::collect::collect(&selection, &filter, args.filter.last, ctx.stderr_color)?;
            export_fixture(&captures, args, dir, ctx)?;
        }
    }
    Ok(exit(EXIT_OK))
}
