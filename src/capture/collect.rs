//! Capture records read back whole, as `send --capture`, `diff FILE:ID`, `verify`, replays and exports read
//! them: one record, the records a selection and filter take, several files merged in time order.
use std::path::Path;

use anyhow::Result;

use super::select::{self, Filter, Selection};
use super::Captured;
use crate::error::UserError;

/// The records of several selections, read back whole and merged in `received_at` order.
pub fn collect_many(
    selections: &[Selection],
    filter: &Filter,
    last: Option<usize>,
    color: bool,
) -> Result<Vec<Captured>> {
    if let [one] = selections {
        return collect(one, filter, last, color);
    }
    let mut all: Vec<(usize, Captured)> = Vec::new();
    for (rank, selection) in selections.iter().enumerate() {
        all.extend(collect(selection, filter, None, color)?.into_iter().map(|c| (rank, c)));
    }
    all.sort_by(|(ra, a), (rb, b)| {
        a.record.received_at.cmp(&b.record.received_at).then(ra.cmp(rb)).then(a.record.id.cmp(&b.record.id))
    });
    let skip = last.map_or(0, |n| all.len().saturating_sub(n));
    Ok(all.into_iter().skip(skip).map(|(_, c)| c).collect())
}

/// The records a selection and filter take, read back whole (body bytes exact).
pub fn collect(selection: &Selection, filter: &Filter, last: Option<usize>, color: bool) -> Result<Vec<Captured>> {
    let mut taken = Vec::new();
    let scan = select::scan(selection, filter, last, |record| {
        taken.push(super::from_line(record.line).map_err(|e| UserError::new(format!("line {}: {e}", record.number)))?);
        Ok(())
    })?;
    warn(&scan, &selection.path, color);
    Ok(taken)
}

/// The one record a selection names (`FILE` alone: the last), read back whole.
pub fn one(selection: Selection, what: &str, color: bool) -> Result<Captured> {
    let item = match selection.single() {
        Some(item) => item,
        None if selection.items.is_none() => select::Item::FromEnd(1),
        None => return Err(UserError::new(format!("{what} takes one record: FILE:ID or FILE:-1")).into()),
    };
    let selection = Selection { items: Some(vec![item]), ..selection };
    collect(&selection, &Filter::default(), None, color)?
        .pop()
        .ok_or_else(|| UserError::new(format!("{}: no capture records in it", selection.path.display())).into())
}

/// Says on stderr which lines were skipped.
pub fn warn(scan: &select::Scan, path: &Path, color: bool) {
    let printer = crate::output::Printer::new(false, color);
    for warning in &scan.warnings {
        printer.warn(&format!("{}: {warning}", path.display()));
    }
}
