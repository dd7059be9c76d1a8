//! `hookctl diff`: is this payload what the provider sends, and if not, what differs?
//!
//! The payload is parsed into the compact [`Doc`] (about the size of its text), validated in place, and
//! diffed line by line without either side's text ever being held whole; the report streams to stdout.
mod compare;
mod report;
mod settings;

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use serde_json::Value;

use crate::capture;
use crate::catalog::{Catalog, Fixture};
use crate::context::Context;
use crate::doc::{Doc, DocJson};
use crate::error::{exit, UserError, EXIT_FAILED, EXIT_OK};
use crate::input;
use crate::schema::{self, CompiledSchema, SchemaSet};
use compare::Normalise;
use report::Report;
pub use settings::DiffSettings;

pub fn run(args: &DiffSettings, dir: Option<&Path>, ctx: &Context) -> Result<ExitCode> {
    let catalog = crate::catalog::load(dir, &ctx.printer())?;
    let ignore: Vec<String> = args.ignore.iter().map(|p| normalise_pointer(p)).collect::<Result<_>>()?;
    let reports = crate::report::Target::parse_all(&args.report)?;
    let started = std::time::Instant::now();
    let assertions = crate::assertion::from_flags(&args.assert_placed.assert, &[])?;
    let input::Input { bytes, record, label } = match args.input.as_slice() {
        [one] => input::read(one, args.max_body)?,
        several => {
            let latest = input::latest_of(several)?;
            ctx.printer().note(&format!(
                "comparing {}, the latest record of the {} files",
                latest.label,
                several.len()
            ));
            latest
        }
    };
    if record.is_some() && !args.input.iter().any(|spec| spec.contains(':')) && args.input.len() == 1 {
        ctx.printer().note(&format!("comparing {label}, the file's last record"));
    }
    // A captured body that is not JSON is the capture failing its check (exit 1); a file of the user's that
    // is not JSON is an input error (exit 2).
    let doc = input::parse_doc(&bytes, &label).map_err(|err| {
        if record.is_some() {
            crate::error::as_failed_check(err)
        } else {
            err
        }
    })?;
    drop(bytes); // the document is all that is needed from here on
    let user_schema = match &args.schema {
        Some(path) => Some(input::parse_json(&input::read_file(path, args.max_body)?, &path.display().to_string())?),
        None => None,
    };
    let options = Options {
        against: args.against.as_deref(),
        schema: user_schema.as_ref().zip(args.schema.as_ref().map(|p| p.display().to_string())),
        strict: args.strict,
        no_mask: args.no_mask,
        ignore: &ignore,
        context: args.context,
        assertions: &assertions,
    };
    let mut case = None;
    let matches = analyse(&catalog, &doc, record.as_ref(), &options, |report, body, how| {
        case = Some(report.case(&label));
        report.print(body, how, args.json, ctx.stdout_color)
    });
    let code = if matches.as_ref().is_ok_and(|m| *m) { EXIT_OK } else { EXIT_FAILED };
    let case = match (&matches, case) {
        (Ok(_), Some(case)) => case,
        (Err(err), _) => crate::report::Case::new(format!("diff {label}"), false, vec![format!("{err:#}")]),
        (Ok(_), None) => crate::report::Case::new(format!("diff {label}"), code == EXIT_OK, vec![]),
    };
    if let Err(err) = &matches {
        if err.downcast_ref::<crate::error::OutputClosed>().is_some() {
            return matches.map(|_| exit(code));
        }
    }
    let code = if matches.is_err() { crate::error::EXIT_USAGE } else { code };
    crate::report::Suite {
        command: "diff".into(),
        cases: vec![case],
        exit_code: code,
        seconds: started.elapsed().as_secs_f64(),
    }
    .write(&reports);
    matches?;
    Ok(exit(code))
}

/// What to compare a payload with, and how.
pub struct Options<'a> {
    pub against: Option<&'a str>,
    /// A user schema and its name (`--schema FILE`).
    pub schema: Option<(&'a Value, String)>,
    pub strict: bool,
    pub no_mask: bool,
    pub ignore: &'a [String],
    pub context: usize,
    pub assertions: &'a [crate::assertion::Assertion],
}

/// `diff --json`'s object for a payload (the inspector's diff view).
pub fn json_report(catalog: &Catalog, bytes: &[u8], record: Option<&capture::Record>) -> Result<Vec<u8>> {
    let doc = input::parse_doc(bytes, "the body")?;
    let options = Options {
        against: None,
        schema: None,
        strict: false,
        no_mask: false,
        ignore: &[],
        context: 3,
        assertions: &[],
    };
    let mut out = Vec::new();
    analyse(catalog, &doc, record, &options, |report, body, how| {
        report.write_to(body, how, true, false, &mut out).map_err(Into::into)
    })?;
    Ok(out)
}

/// Detects (or takes) the event, validates, diffs against its fixture, and hands the report to `write`;
/// returns whether the payload matches.
fn analyse(
    catalog: &Catalog,
    doc: &Doc,
    record: Option<&capture::Record>,
    options: &Options,
    write: impl FnOnce(&Report, crate::doc::DocNode<'_>, Normalise<'_>) -> Result<()>,
) -> Result<bool> {
    let body = doc.root();
    let user_schema;
    let catalog_schemas;
    let (event, compiled) = if let Some((schema_value, name)) = &options.schema {
        user_schema =
            CompiledSchema::<DocJson>::compile(schema_value).map_err(|e| UserError::new(format!("{name}: {e}")))?;
        (None, &user_schema)
    } else {
        // Only the schemas needed are compiled: detection validates only to tell an event's shapes apart.
        let (name, schemas) = match options.against {
            Some(name) => (catalog.require(name)?.name.clone(), None),
            None => {
                let shapes = SchemaSet::<DocJson>::compile_shaped(catalog).0;
                (detect(catalog, &shapes, doc, record)?, Some(shapes))
            }
        };
        catalog.require(&name)?;
        catalog_schemas = match schemas {
            Some(schemas) if schemas.get(&name).is_some() => schemas,
            _ => SchemaSet::<DocJson>::compile_only(catalog, &[&name]).0,
        };
        let compiled = catalog_schemas.get(&name).ok_or_else(|| {
            UserError::with_hint(
                format!("`{name}` has no usable schema"),
                "pass --schema FILE to validate against your own",
            )
        })?;
        (Some(name), compiled)
    };
    let mut verdict = compiled.check(body);
    // A key written twice is read differently by different parsers: a finding whatever the schema says.
    let repeated = doc.duplicate_keys();
    if !repeated.is_empty() {
        verdict.valid = false;
        verdict.errors.extend(repeated.iter().map(|p| crate::schema::Violation::repeated_key(p)));
    }
    // A shape fixture's name stands for its event in that shape; the masked diff is against the fixture of
    // the shape the payload followed, so Ebriza's docs example is compared with the docs example.
    let (event, fixture) = match &event {
        Some(name) => {
            let (event, wanted_shape) = catalog.event_and_shape(name);
            let shape = wanted_shape.or(verdict.shape.as_deref());
            (Some(event.to_string()), catalog.fixture_for(event, shape))
        }
        None => (None, None),
    };

    let mask: &[String] = match fixture {
        Some(fixture) if !options.no_mask => &fixture.varying,
        _ => &[],
    };
    let how = Normalise { mask, ignore: options.ignore };
    let expected = fixture.map(|f| (f, Doc::from_value(&f.render().body)));
    let plan = expected.as_ref().map(|(_, expected)| compare::plan(expected.root(), body, how, options.context));
    let assertions = check_assertions(options.assertions, body, record, event.as_deref());
    let report = Report {
        event,
        verdict,
        extra_fields: compiled.extra_fields(body),
        strict: options.strict,
        plan: plan.as_ref(),
        expected_label: expected.as_ref().map(|(f, _)| expected_label(f)).unwrap_or_default(),
        assertions,
    };
    write(&report, body, how)?;
    Ok(report.matches())
}

/// `--assert` over the body (and the capture's request line and headers, for a capture).
fn check_assertions(
    assertions: &[crate::assertion::Assertion],
    body: crate::doc::DocNode<'_>,
    record: Option<&capture::Record>,
    event: Option<&str>,
) -> Vec<crate::assertion::Checked> {
    if assertions.is_empty() {
        return Vec::new();
    }
    let value = body.to_value();
    let headers = record.map(|r| r.headers.clone()).unwrap_or_default();
    let (method, path) = record.map(|r| (r.method.clone(), r.path.clone())).unwrap_or_default();
    let query = record.and_then(|r| r.query.as_deref());
    let subject = crate::assertion::Subject {
        body: Some(&value),
        headers: &headers,
        method: &method,
        path: &path,
        query,
        event,
        count: 1,
    };
    assertions.iter().filter(|a| a.applies_to(event)).map(|a| a.check(&subject)).collect()
}

fn expected_label(fixture: &Fixture) -> String {
    format!("expected ({})", fixture.name)
}

fn normalise_pointer(pointer: &str) -> Result<String> {
    if crate::pointer::is_pointer(pointer) {
        Ok(pointer.to_string())
    } else {
        Err(UserError::with_hint(
            format!("--ignore {pointer}: not a JSON pointer"),
            format!("JSON pointers start with /, e.g. --ignore /{}", pointer.replace('.', "/")),
        )
        .into())
    }
}

fn detect<'a>(
    catalog: &Catalog,
    schemas: &'a SchemaSet<DocJson>,
    doc: &'a Doc,
    record: Option<&capture::Record>,
) -> Result<String> {
    let headers = record.map(|r| r.headers.clone()).unwrap_or_default();
    schema::detect(catalog, schemas, doc.root(), &headers).ok_or_else(|| {
        // A capture listen recognised as a fixture that is not loaded now (an imported provider without
        // --fixtures): say so, rather than guess among the loaded ones.
        if let Some(event) = record.and_then(|r| r.event.as_deref()).filter(|e| catalog.get(e).is_none()) {
            return UserError::with_hint(
                format!("this capture was recorded as {}, which is not loaded", crate::output::sanitize(event)),
                "pass --fixtures DIR (or set HOOKCTL_FIXTURES) with the fixtures listen used",
            )
            .into();
        }
        let likely = schema::likely_names::<DocJson>(catalog, doc.root(), 4);
        let hint = if likely.is_empty() {
            "pass --against NAME (`hookctl fixtures` lists them) or --schema FILE".to_string()
        } else {
            format!("likely: {}; pass --against NAME, or --schema FILE", likely.join(", "))
        };
        UserError::with_hint("cannot tell which event this payload is", hint).into()
    })
}
