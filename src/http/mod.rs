//! The one HTTP room: every request hookctl sends goes through it, whatever command sends it (`send`,
//! `send --repeat`, `fuzz`, the inspector's replays, `listen --forward-to`).
//!
//! - [`target`]: where a request goes (host to resolve, port, `Host:` authority, path and query).
//! - [`request`]: what may go on the wire (checked method, header names and values) and the one request
//!   writer, with the default `User-Agent` and `Accept` every path sends.
//! - [`connection`]: hookctl's own HTTP/1.1 client connection for `http://` (load mode and fuzz), which
//!   reads answers linearly and frames them whole or says why not.
//! - [`client`]: the reqwest client for `https://` (and one-off `http://` sends), built one way.
//! - [`failure`]: the one classifier of failures before an answer, for every path.
pub mod client;
pub mod connection;
pub mod failure;
pub mod request;
pub mod target;

pub use client::{builder, builder_with, read_limited, Limited, ANSWER_LIMIT};
pub use request::{check_header, check_method, USER_AGENT};
pub use target::Target;
