//! `hookctl diff`: is this payload what the provider sends, and if not, what differs?
//!
//! The payload is parsed into the compact [`Doc`] (about the size of its text), validated in place, and
//! diffed line by line without either side's text ever being held whole; the report streams to stdout.
mod compare;
mod report;

use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use serde_json::Value;

use crate::browse::load_catalog;
use crate::capture;
use crate::cli::DiffArgs;
use crate::context::Context;
use crate::doc::{Doc, DocJson};
use crate::error::{exit, UserError, EXIT_FAILED, EXIT_OK};
use crate::fixtures::{Catalog, Fixture};
use crate::input;
use crate::schema::{self, CompiledSchema, SchemaSet};
use compare::Normalise;
use report::Report;

pub fn run(args: &DiffArgs, dir: Option<&Path>, ctx: &Context) -> Result<ExitCode> {
    let catalog = load_catalog(dir, ctx)?;
    let ignore: Vec<String> = args.ignore.iter().map(|p| normalise_pointer(p)).collect::<Result<_>>()?;
    let input::Input { bytes, record, label } = input::read(&args.input)?;
    let doc = input::parse_doc(&bytes, &label)?;
    drop(bytes); // the document is all that is needed from here on
    let body = doc.root();

    let user_schema;
    let catalog_schemas;
    let (event, compiled) = if let Some(path) = &args.schema {
        let schema_value = input::parse_json(&input::read_file(path)?, &path.display().to_string())?;
        user_schema = CompiledSchema::<DocJson>::compile(&schema_value)
            .map_err(|e| UserError::new(format!("{}: {e}", path.display())))?;
        (None, &user_schema)
    } else {
        // Only the schemas needed are compiled: detection validates only to tell the Ebriza shapes apart.
        let (name, schemas) = match &args.against {
            Some(name) => (catalog.require(name)?.name.clone(), None),
            None => {
                let shapes = SchemaSet::<DocJson>::compile_only(&catalog, &[schema::EBRIZA_SHAPED]).0;
                (detect(&catalog, &shapes, &doc, record.as_ref())?, Some(shapes))
            }
        };
        catalog.require(&name)?;
        catalog_schemas = match schemas {
            Some(schemas) if schemas.get(&name).is_some() => schemas,
            _ => SchemaSet::<DocJson>::compile_only(&catalog, &[&name]).0,
        };
        let compiled = catalog_schemas.get(&name).ok_or_else(|| {
            UserError::with_hint(
                format!("`{name}` has no usable schema"),
                "pass --schema FILE to validate against your own",
            )
        })?;
        (Some(name), compiled)
    };
    let verdict = compiled.check(body);
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
        Some(fixture) if !args.no_mask => &fixture.varying,
        _ => &[],
    };
    let how = Normalise { mask, ignore: &ignore };
    let expected = fixture.map(|f| (f, Doc::from_value(&f.render().body)));
    let plan = expected.as_ref().map(|(_, expected)| compare::plan(expected.root(), body, how, args.context));
    let report = Report {
        event,
        verdict,
        extra_fields: compiled.extra_fields(body),
        strict: args.strict,
        plan: plan.as_ref(),
        expected_label: expected.as_ref().map(|(f, _)| expected_label(f)).unwrap_or_default(),
    };
    report.print(body, how, args.json, ctx.stdout_color)?;
    Ok(exit(if report.matches() { EXIT_OK } else { EXIT_FAILED }))
}

fn expected_label(fixture: &Fixture) -> String {
    format!("expected ({})", fixture.name)
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

fn detect<'a>(
    catalog: &Catalog,
    schemas: &'a SchemaSet<DocJson>,
    doc: &'a Doc,
    record: Option<&Value>,
) -> Result<String> {
    let header =
        record.map(capture::headers).is_some_and(|h| h.iter().any(|(n, _)| n.eq_ignore_ascii_case("ebriza-clientid")));
    schema::detect(catalog, schemas, doc.root(), header).ok_or_else(|| {
        let likely = schema::likely_names::<DocJson>(catalog, doc.root(), 4);
        let hint = if likely.is_empty() {
            "pass --against NAME (`hookctl fixtures` lists them) or --schema FILE".to_string()
        } else {
            format!("likely: {}; pass --against NAME, or --schema FILE", likely.join(", "))
        };
        UserError::with_hint("cannot tell which event this payload is", hint).into()
    })
}
