//! `hookctl diff`: is this payload what the provider sends, and if not, what differs?
mod compare;

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use serde_json::{json, Value};

use crate::browse::load_catalog;
use crate::capture;
use crate::cli::DiffArgs;
use crate::context::Context;
use crate::error::{exit, UserError, EXIT_FAILED, EXIT_OK};
use crate::fixtures::{Catalog, Fixture};
use crate::input;
use crate::output::{json_line, out, sanitize, Style};
use crate::schema::{self, CompiledSchema, SchemaSet, Verdict};

/// Everything `diff` found, printed as text or as one JSON object.
struct Report {
    event: Option<String>,
    verdict: Verdict,
    extra_fields: Vec<String>,
    strict: bool,
    diff: String,
}

impl Report {
    fn matches(&self) -> bool {
        self.verdict.valid && (!self.strict || self.extra_fields.is_empty())
    }

    fn problem_count(&self) -> usize {
        self.verdict.errors.len() + if self.strict { self.extra_fields.len() } else { 0 }
    }
}

pub fn run(args: &DiffArgs, dir: Option<&Path>, ctx: &Context) -> Result<ExitCode> {
    let catalog = load_catalog(dir, ctx)?;
    let input::Input { bytes, record, label } = input::read(&args.input)?;
    let body = input::parse_json(&bytes, &label)?;
    drop(bytes); // the parsed value is all that is needed from here on
    let for_ignore: Vec<String> = args.ignore.iter().map(|p| normalise_pointer(p)).collect::<Result<_>>()?;

    let report = if let Some(path) = &args.schema {
        let schema_value = input::parse_json(&input::read_file(path)?, &path.display().to_string())?;
        let compiled =
            CompiledSchema::compile(&schema_value).map_err(|e| UserError::new(format!("{}: {e}", path.display())))?;
        build_report(None, &compiled, None, &body, args, &for_ignore)
    } else {
        let (schemas, _) = SchemaSet::compile(&catalog);
        let name = match &args.against {
            Some(name) => catalog.require(name)?.name.clone(),
            None => detect(&catalog, &schemas, &body, record.as_ref())?,
        };
        let fixture = catalog.require(&name)?;
        let compiled = schemas.get(&name).ok_or_else(|| {
            UserError::with_hint(
                format!("`{name}` has no usable schema"),
                "pass --schema FILE to validate against your own",
            )
        })?;
        build_report(Some(name.clone()), compiled, Some(fixture), &body, args, &for_ignore)
    };

    if args.json {
        json_line(&json!({
            "event": report.event,
            "matches": report.matches(),
            "shape": report.verdict.shape,
            "errors": report.verdict.errors,
            "extra_fields": report.extra_fields,
            "diff": report.diff,
        }));
    } else {
        out(&render_text(&report, ctx.stdout_color));
    }
    Ok(exit(if report.matches() { EXIT_OK } else { EXIT_FAILED }))
}

fn normalise_pointer(pointer: &str) -> Result<String> {
    if pointer.is_empty() || pointer.starts_with('/') {
        Ok(pointer.to_string())
    } else {
        Err(UserError::with_hint(
            format!("--ignore {pointer}: not a JSON pointer"),
            format!("JSON pointers start with /, e.g. --ignore /{}", pointer.replace('.', "/")),
        )
        .into())
    }
}

fn detect(catalog: &Catalog, schemas: &SchemaSet, body: &Value, record: Option<&Value>) -> Result<String> {
    let header =
        record.map(capture::headers).is_some_and(|h| h.iter().any(|(n, _)| n.eq_ignore_ascii_case("ebriza-clientid")));
    schema::detect(catalog, schemas, body, header).ok_or_else(|| {
        let likely = schema::likely_names(catalog, body, 4);
        let hint = if likely.is_empty() {
            "pass --against NAME (`hookctl fixtures` lists them) or --schema FILE".to_string()
        } else {
            format!("likely: {}; pass --against NAME, or --schema FILE", likely.join(", "))
        };
        UserError::with_hint("cannot tell which event this payload is", hint).into()
    })
}

fn build_report(
    event: Option<String>,
    compiled: &CompiledSchema,
    fixture: Option<&Fixture>,
    body: &Value,
    args: &DiffArgs,
    ignore: &[String],
) -> Report {
    let verdict = compiled.check(body);
    let extra_fields = compiled.extra_fields(body);
    let diff = fixture.map_or_else(String::new, |fixture| masked_diff(fixture, body, args, ignore));
    Report { event, verdict, extra_fields, strict: args.strict, diff }
}

fn masked_diff(fixture: &Fixture, body: &Value, args: &DiffArgs, ignore: &[String]) -> String {
    let mask: &[String] = if args.no_mask { &[] } else { &fixture.varying };
    let expected = compare::prepare(&fixture.render().body, mask, ignore);
    let actual = compare::prepare(body, mask, ignore);
    let label = format!("expected ({})", fixture.name);
    compare::unified(&expected, &actual, &label, "received", args.context)
}

fn render_text(report: &Report, color: bool) -> String {
    let style = Style { color };
    let name = report.event.as_deref().unwrap_or("the schema");
    let shape = report.verdict.shape.as_ref().map(|s| format!(" ({s} shape)")).unwrap_or_default();
    let mut text = if report.matches() {
        format!("{} matches {}{shape}\n", style.ok("✓"), sanitize(name))
    } else {
        let n = report.problem_count();
        let plural = if n == 1 { "problem" } else { "problems" };
        format!("{} does not match {}{shape} ({n} {plural})\n", style.bad("✗"), sanitize(name))
    };
    for error in &report.verdict.errors {
        text.push_str(&format!("  {} {}\n", style.bad("✗"), sanitize(&error.to_string())));
    }
    for field in &report.extra_fields {
        let at = sanitize(field);
        if report.strict {
            text.push_str(&format!("  {} {at}: the provider never sends this field\n", style.bad("✗")));
        } else {
            text.push_str(&format!(
                "  {} {at}: not in the schema (the provider never sends it)\n",
                style.warn("note:")
            ));
        }
    }
    if !report.diff.is_empty() {
        text.push('\n');
        for line in report.diff.lines() {
            let clean = sanitize(line);
            let painted = match line.chars().next() {
                Some('+') if !line.starts_with("+++") => style.ok(&clean),
                Some('-') if !line.starts_with("---") => style.bad(&clean),
                Some('@') => style.dim(&clean),
                _ => clean.into_owned(),
            };
            text.push_str(&painted);
            text.push('\n');
        }
    }
    text
}
