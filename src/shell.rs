//! Quoting for POSIX shells: what hookctl prints as a command line must paste back as exactly the same
//! arguments, whatever the text holds (quotes, `$`, backticks, newlines, control bytes).

/// One argument, single-quoted unless it is made only of characters no shell treats specially.
pub fn quote(arg: &str) -> String {
    let plain = !arg.is_empty() && arg.bytes().all(|b| b.is_ascii_alphanumeric() || b"-_./:=@,+%^".contains(&b));
    if plain {
        return arg.to_string();
    }
    // Inside single quotes nothing is special but the closing quote: end, add an escaped quote, reopen.
    format!("'{}'", arg.replace('\'', r"'\''"))
}

/// A whole command line.
pub fn join<S: AsRef<str>>(args: &[S]) -> String {
    args.iter().map(|a| quote(a.as_ref())).collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::process::Command;

    #[test]
    fn plain_words_stay_bare_and_the_rest_is_quoted() {
        assert_eq!(quote("http://localhost:8080/hooks"), "http://localhost:8080/hooks");
        assert_eq!(quote("a b"), "'a b'");
        assert_eq!(quote("it's"), r"'it'\''s'");
        assert_eq!(quote(""), "''");
    }

    #[test]
    fn a_real_shell_reads_back_exactly_the_arguments() {
        let hostile = [
            "$(touch /tmp/hookctl-pwned)",
            "`id`",
            "a'b\"c",
            "line\nbreak",
            "\\",
            "*",
            "~",
            "x; rm -rf /",
            "\u{1b}[2J",
        ];
        let script = format!("printf '%s\\0' {}", join(&hostile));
        let output = Command::new("sh").arg("-c").arg(&script).output().unwrap();
        let got: Vec<String> = output
            .stdout
            .split(|b| *b == 0)
            .filter(|s| !s.is_empty())
            .map(|s| String::from_utf8_lossy(s).into_owned())
            .collect();
        assert_eq!(got, hostile);
    }
}
