//! `hookctl fixtures`, `hookctl fixtures show`, `hookctl schema`, `hookctl completions`: browsing the catalog.
use std::path::Path;
use std::process::ExitCode;

use anyhow::Result;
use serde_json::{json, Value};

use crate::catalog::{Catalog, Origin, Rendered};
use crate::context::Context;
use crate::error::{exit, EXIT_OK};
use crate::output::{json_line, json_safe, out, outln, pretty_json, sanitize};

pub fn fixtures(args: &FixturesSettings, dir: Option<&Path>, ctx: &Context) -> Result<ExitCode> {
    let catalog = crate::catalog::load(dir, &ctx.printer())?;
    match &args.action {
        None => list(&catalog, args.json, ctx)?,
        Some(FixturesAction::Show { name }) => {
            let rendered = catalog.require(name)?.render();
            if args.json {
                json_line(&request_json(&rendered))?;
            } else {
                let body = format!("{}\n", pretty_json(&rendered.body, ctx.stdout_color));
                out(&crate::render::request_text(&rendered.method, None, &rendered.headers, &body, ctx.stdout_color))?;
            }
        }
    }
    Ok(exit(EXIT_OK))
}

fn list(catalog: &Catalog, as_json: bool, ctx: &Context) -> Result<()> {
    if as_json {
        let items: Vec<Value> = catalog
            .iter()
            .map(|f| {
                json!({
                    "name": f.name, "provider": f.provider, "event": f.event, "description": f.description,
                    "method": f.method, "builtin": f.origin == Origin::BuiltIn, "has_schema": f.schema.is_some(),
                })
            })
            .collect();
        outln(&json_safe(serde_json::to_string_pretty(&items).unwrap_or_default()))?;
        return Ok(());
    }
    let style = ctx.printer().out;
    let width = catalog.iter().map(|f| f.name.chars().count()).max().unwrap_or(0);
    let mut provider = String::new();
    for fixture in catalog.iter() {
        if fixture.provider != provider {
            provider.clone_from(&fixture.provider);
            outln(&style.bold(&sanitize(&provider)))?;
        }
        let user = if fixture.origin == Origin::BuiltIn { "" } else { " (yours)" };
        let name = format!("{:width$}", sanitize(&fixture.name), width = width);
        outln(&format!("  {}  {}{user}", style.ok(&name), sanitize(&fixture.description)))?;
    }
    Ok(())
}

/// `{"method", "headers", "body"}` (plus `url` when there is one).
pub fn request_json(rendered: &Rendered) -> Value {
    let headers: serde_json::Map<String, Value> =
        rendered.headers.iter().map(|(n, v)| (n.clone(), Value::String(v.clone()))).collect();
    json!({"method": rendered.method, "headers": headers, "body": rendered.body})
}

pub fn schema(args: &SchemaSettings, dir: Option<&Path>, ctx: &Context) -> Result<ExitCode> {
    let catalog = crate::catalog::load(dir, &ctx.printer())?;
    let schema = crate::schema::schema_of(&catalog, &args.name)?;
    outln(&json_safe(serde_json::to_string_pretty(schema).unwrap_or_default()))?;
    Ok(exit(EXIT_OK))
}

/// What the command line asked `fixtures` for, as plain data (the flags, their help and defaults: `cli`).
#[derive(Debug)]
pub struct FixturesSettings {
    pub json: bool,
    pub action: Option<FixturesAction>,
}

/// `fixtures show NAME`.
#[derive(Debug)]
pub enum FixturesAction {
    Show { name: String },
}

/// What the command line asked `schema` for, as plain data (the flags, their help and defaults: `cli`).
#[derive(Debug)]
pub struct SchemaSettings {
    pub name: String,
}
