//! `hookctl import`: a provider folder from an OpenAPI description.
use std::process::ExitCode;

use anyhow::Result;

use crate::cli::ImportArgs;
use crate::context::Context;

pub fn run(_args: &ImportArgs, _ctx: &Context) -> Result<ExitCode> {
    anyhow::bail!("import: not built yet")
}
