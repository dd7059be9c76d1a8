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
/// Exits 2 (usage or input error); every other error exits 1 (see [`exit_code_for`]).
#[derive(Debug)]
pub struct UserError {
    pub message: String,
    pub hint: Option<String>,
    /// The payload being checked failed its check (exit 1), rather than the command or its input being
    /// unusable (exit 2): a captured body that is not JSON, say.
    pub failed_check: bool,
}

impl UserError {
    pub fn new(message: impl Into<String>) -> Self {
        UserError { message: message.into(), hint: None, failed_check: false }
    }

    pub fn with_hint(message: impl Into<String>, hint: impl Into<String>) -> Self {
        UserError { message: message.into(), hint: Some(hint.into()), failed_check: false }
    }
}

/// The same error, said the same way, as the checked payload's failure (exit 1) rather than an input error.
pub fn as_failed_check(err: anyhow::Error) -> anyhow::Error {
    match err.downcast::<UserError>() {
        Ok(user) => UserError { failed_check: true, ..user }.into(),
        Err(other) => other,
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {}

/// Stdout was closed by its reader (`hookctl … | head -3`): not a failure of hookctl's job. It travels up
/// to `main` like any error and ends the process quietly with exit 0, the way `head` expects.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct OutputClosed;

impl fmt::Display for OutputClosed {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("stdout was closed")
    }
}

impl std::error::Error for OutputClosed {}

/// The exit code an error ends the process with: a closed stdout 0, a usage or input error 2 (the user can
/// fix the command), any other failure 1.
pub fn exit_code_for(err: &anyhow::Error) -> u8 {
    if err.downcast_ref::<OutputClosed>().is_some() {
        EXIT_OK
    } else if let Some(user) = err.downcast_ref::<UserError>() {
        if user.failed_check {
            EXIT_FAILED
        } else {
            EXIT_USAGE
        }
    } else {
        EXIT_FAILED
    }
}

/// Turns a write error into [`OutputClosed`] when the reader went away; any other error as it is.
pub fn closed_or(err: std::io::Error) -> anyhow::Error {
    if err.kind() == std::io::ErrorKind::BrokenPipe {
        OutputClosed.into()
    } else {
        err.into()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_exit_code_follows_the_kind_of_error() {
        assert_eq!(exit_code_for(&OutputClosed.into()), EXIT_OK);
        assert_eq!(exit_code_for(&UserError::new("bad flag").into()), EXIT_USAGE);
        let failure: anyhow::Error = std::io::Error::other("disk on fire").into();
        assert_eq!(exit_code_for(&failure), EXIT_FAILED);
        let closed = closed_or(std::io::ErrorKind::BrokenPipe.into());
        assert_eq!(exit_code_for(&closed.context("writing the report")), EXIT_OK, "context keeps the kind");
    }
}
