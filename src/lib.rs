//! hookctl's commands and everything they share. The binary (`main.rs`) parses the command line and runs
//! one of them; the fuzz targets (`fuzz/`) and property tests drive the parsers and the request path
//! directly.
pub mod assertion;
pub mod browse;
pub mod capture;
pub mod captures;
pub mod catalog;
pub mod cli;
pub mod context;
pub mod diff;
pub mod doc;
pub mod error;
pub mod examine;
pub mod files;
pub mod fuzz;
pub mod generate;
pub mod glob;
pub mod headers;
pub mod http;
pub mod import;
pub mod input;
pub mod inspect;
pub mod json_checked;
pub mod listen;
pub mod output;
pub mod pointer;
pub mod problem;
#[cfg(test)]
mod properties;
pub mod render;
pub mod report;
pub mod schema;
pub mod send;
pub mod shell;
pub mod sign;
pub mod signing;
pub mod tls;
pub mod units;
pub mod version;
