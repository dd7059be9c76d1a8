//! The few typed errors the code branches on, and the exit codes every command shares.
use std::fmt;
use std::process::ExitCode;

/// 0: everything checked was fine.
pub const EXIT_OK: u8 = 0;
/// 1: the thing checked failed (a delivery, a capture, a match, a signature).
pub const EXIT_FAILED: u8 = 1;
/// 2: usage or input error; nothing was done.
pub const EXIT_USAGE: u8 = 2;
/// 3: `listen --timeout` ran out before `--count` requests arrived.
pub const EXIT_TIMEOUT: u8 = 3;
/// 130: interrupted by Ctrl-C before the job was done.
pub const EXIT_INTERRUPTED: u8 = 130;

pub fn exit(code: u8) -> ExitCode {
    ExitCode::from(code)
}

/// An error the user can act on: one line saying what is wrong, and optionally what to do next.
/// Exits 2 (usage or input error).
#[derive(Debug)]
pub struct UserError {
    pub message: String,
    pub hint: Option<String>,
}

impl UserError {
    pub fn new(message: impl Into<String>) -> Self {
        UserError { message: message.into(), hint: None }
    }

    pub fn with_hint(message: impl Into<String>, hint: impl Into<String>) -> Self {
        UserError { message: message.into(), hint: Some(hint.into()) }
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {}
