//! Terminal and environment facts, captured once, so the rest of the code takes plain values.
use std::io::IsTerminal;

/// `--color`: whether output is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ColorChoice {
    /// Only on a terminal, unless NO_COLOR is set or TERM is dumb.
    Auto,
    Always,
    Never,
}

#[derive(Debug, Clone, Copy)]
pub struct Context {
    pub stdin_tty: bool,
    pub stdout_tty: bool,
    pub stderr_tty: bool,
    pub stdout_color: bool,
    pub stderr_color: bool,
}

/// What the environment says about colour, apart from whether the stream is a terminal.
#[derive(Debug, Clone, Default)]
pub struct Env {
    pub no_color: Option<String>,
    pub term: Option<String>,
}

impl Env {
    pub fn read() -> Self {
        Env { no_color: std::env::var("NO_COLOR").ok(), term: std::env::var("TERM").ok() }
    }
}

/// `auto` colours a stream only when it is a terminal, `NO_COLOR` is unset or empty and `TERM` is not `dumb`.
pub fn wants_color(choice: ColorChoice, is_tty: bool, env: &Env) -> bool {
    match choice {
        ColorChoice::Always => true,
        ColorChoice::Never => false,
        ColorChoice::Auto => {
            is_tty && env.no_color.as_deref().is_none_or(str::is_empty) && env.term.as_deref() != Some("dumb")
        }
    }
}

impl Context {
    pub fn detect(choice: ColorChoice) -> Self {
        // HOOKCTL_TEST_TTY=1 lets integration tests pretend every stream is a terminal.
        let pretend = std::env::var_os("HOOKCTL_TEST_TTY").is_some_and(|v| v == "1");
        let stdin_tty = pretend || std::io::stdin().is_terminal();
        let stdout_tty = pretend || std::io::stdout().is_terminal();
        let stderr_tty = pretend || std::io::stderr().is_terminal();
        let env = Env::read();
        // `colored` decides process-wide; force it on and let each printer style only where its stream wants it.
        colored::control::set_override(true);
        Context {
            stdin_tty,
            stdout_tty,
            stderr_tty,
            stdout_color: wants_color(choice, stdout_tty, &env),
            stderr_color: wants_color(choice, stderr_tty, &env),
        }
    }

    /// The printer for this run's streams.
    pub fn printer(&self) -> crate::output::Printer {
        crate::output::Printer::new(self.stdout_color, self.stderr_color)
    }

    /// dialoguer may prompt only when both stdin and stderr are terminals.
    pub fn can_prompt(&self) -> bool {
        self.stdin_tty && self.stderr_tty
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn env(no_color: Option<&str>, term: Option<&str>) -> Env {
        Env { no_color: no_color.map(String::from), term: term.map(String::from) }
    }

    #[test]
    fn auto_colours_only_a_terminal_without_no_color() {
        assert!(wants_color(ColorChoice::Auto, true, &env(None, Some("xterm"))));
        assert!(!wants_color(ColorChoice::Auto, false, &env(None, Some("xterm"))));
        assert!(!wants_color(ColorChoice::Auto, true, &env(Some("1"), Some("xterm"))));
        assert!(wants_color(ColorChoice::Auto, true, &env(Some(""), None)));
        assert!(!wants_color(ColorChoice::Auto, true, &env(None, Some("dumb"))));
    }

    #[test]
    fn always_and_never_ignore_the_environment() {
        assert!(wants_color(ColorChoice::Always, false, &env(Some("1"), Some("dumb"))));
        assert!(!wants_color(ColorChoice::Never, true, &env(None, None)));
    }
}
