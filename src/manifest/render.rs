//! Writing a reference as a YAML scalar token in a given style, and checking that a span the
//! parser reported really is a whole scalar token.

use std::sync::OnceLock;

use regex::Regex;

use super::tree::Style;

/// The token for `value` in `style`. `value` is a valid image reference, so it holds no quote,
/// backslash, white space, `#`, or `: `; a plain scalar that a YAML 1.1 or 1.2 reader would take
/// for a number, boolean, null or timestamp is double-quoted instead.
pub(crate) fn scalar(value: &str, style: Style) -> String {
    match style {
        Style::SingleQuoted => format!("'{value}'"),
        Style::DoubleQuoted => format!("\"{value}\""),
        _ if value.is_empty() || reads_as_non_string(value) => format!("\"{value}\""),
        _ => value.to_string(),
    }
}

/// Whether a plain scalar would resolve to something other than a string under the YAML 1.2
/// core schema or YAML 1.1 (which Kubernetes' go-yaml reader still follows).
pub(crate) fn reads_as_non_string(value: &str) -> bool {
    static RE: OnceLock<Regex> = OnceLock::new();
    let re = RE.get_or_init(|| {
        Regex::new(concat!(
            r"^(?:",
            r"~|null|Null|NULL|y|Y|yes|Yes|YES|n|N|no|No|NO|true|True|TRUE|false|False|FALSE|on|On|ON|off|Off|OFF",
            r"|[-+]?(?:[0-9][0-9_]*(?:\.[0-9_]*)?|\.[0-9_]+)(?:[eE][-+]?[0-9]+)?",
            r"|[-+]?0[xX][0-9a-fA-F_]+|[-+]?0[oO]?[0-7_]+|[-+]?0[bB][01_]+",
            r"|[-+]?[0-9][0-9_]*(?::[0-5]?[0-9])+(?:\.[0-9_]*)?",
            r"|[-+]?\.(?:inf|Inf|INF)|\.(?:nan|NaN|NAN)",
            r"|[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}.*",
            r"|=|<<",
            r")$"
        ))
        .unwrap_or_else(|e| panic!("bad built-in regex: {e}"))
    });
    re.is_match(value)
}

/// Checks that `raw`, the source bytes of a scalar the parser read as `value` in `style`, is a
/// whole token: the quotes at both ends, nothing before or after. A parser whose span ran over
/// into a comment or stopped short is caught here, before any edit.
pub(crate) fn check_token(raw: &str, value: &str, style: Style) -> Result<(), String> {
    let ok = match style {
        Style::Plain => {
            // A plain scalar on one line reads as itself; a folded multi-line one starts and
            // ends with the value's first and last characters.
            raw == value
                || (raw.contains('\n')
                    && !value.is_empty()
                    && raw.starts_with(value.chars().next().unwrap_or(' '))
                    && raw.ends_with(value.chars().last().unwrap_or(' ')))
        }
        Style::SingleQuoted => {
            raw.len() >= 2
                && raw.starts_with('\'')
                && raw.ends_with('\'')
                && (raw.contains('\n') || raw[1..raw.len() - 1].replace("''", "'") == value)
        }
        Style::DoubleQuoted => {
            raw.len() >= 2
                && raw.starts_with('"')
                && raw.ends_with('"')
                && (raw.contains('\n') || raw.contains('\\') || &raw[1..raw.len() - 1] == value)
        }
        Style::Literal | Style::Folded => false,
    };
    if ok {
        Ok(())
    } else {
        Err(format!(
            "the parser's span of the image ({:?}) is not the whole {} token",
            raw,
            style.as_str()
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn plain_values_that_would_not_read_as_strings_are_quoted() {
        for v in [
            "1.10",
            "10",
            "1_000",
            "0x1f",
            "0o17",
            "017",
            "1e3",
            "1:20",
            "190:20:30",
            "true",
            "no",
            "on",
            "y",
            "null",
            "2001-12-14",
            "=",
            ".5",
            "1.",
        ] {
            assert!(reads_as_non_string(v), "{v}");
            assert_eq!(scalar(v, Style::Plain), format!("\"{v}\""));
        }
        for v in [
            "nginx",
            "nginx:1.25",
            "1abc",
            "a1",
            "e3",
            "registry:5000/x",
            "yes-please",
            "1.10-alpine",
            "node",
            "off-by-one",
        ] {
            assert!(!reads_as_non_string(v), "{v}");
            assert_eq!(scalar(v, Style::Plain), v);
        }
        assert_eq!(scalar("1.10", Style::SingleQuoted), "'1.10'");
    }

    #[test]
    fn tokens_are_checked_against_values() {
        assert!(check_token("nginx", "nginx", Style::Plain).is_ok());
        assert!(check_token("nginx   # c", "nginx", Style::Plain).is_err());
        assert!(check_token("\"foo:1\"", "foo:1", Style::DoubleQuoted).is_ok());
        assert!(check_token("\"foo:1\"   # c", "foo:1", Style::DoubleQuoted).is_err());
        assert!(check_token("&a v", "v", Style::Plain).is_err());
        assert!(check_token("'it''s'", "it's", Style::SingleQuoted).is_ok());
        assert!(check_token("|\n  x\n", "x\n", Style::Literal).is_err());
    }
}
