//! `{placeholder}` templates (manifest paths, commit messages, branch names), filled in one
//! place with one behaviour: a single pass over the template (a value is never scanned for
//! placeholders itself), and a placeholder the template's kind does not know is an error that
//! names it and the ones it knows.
//!
//! A placeholder is `{` a name `}`, the name of lowercase ASCII letters, digits and `_`; any
//! other `{` (JSON in a message, a lone brace) is text.

/// The placeholders of `template`, in order.
pub fn placeholders(template: &str) -> Vec<&str> {
    let mut out = Vec::new();
    scan(template, |piece| {
        if let Piece::Name(n) = piece {
            out.push(n);
        }
    });
    out
}

/// `template` with each placeholder replaced by its value in `values`; a placeholder not
/// among them is an error naming it.
///
/// ```
/// use imgbump::template::fill;
/// let v = [("service", "agent"), ("env", "{env}")];
/// assert_eq!(fill("o/{env}/{service}.yaml", &v).unwrap(), "o/{env}/agent.yaml");
/// assert_eq!(fill("{\"k\": 1} {service}", &v).unwrap(), "{\"k\": 1} agent");
/// assert!(fill("{servce}", &v).unwrap_err().contains("{servce}"));
/// ```
pub fn fill(template: &str, values: &[(&str, &str)]) -> Result<String, String> {
    if !template.contains('{') {
        return Ok(template.to_string());
    }
    let mut out = String::with_capacity(template.len() + 32);
    let mut unknown = None;
    scan(template, |piece| match piece {
        Piece::Text(t) => out.push_str(t),
        Piece::Name(n) => match values.iter().find(|(k, _)| *k == n) {
            Some((_, v)) => out.push_str(v),
            None => {
                unknown.get_or_insert(n);
            }
        },
    });
    match unknown {
        Some(n) => Err(unknown_message(template, n, values.iter().map(|(k, _)| *k))),
        None => Ok(out),
    }
}

/// Checks that `template`'s placeholders are among `known`.
pub fn check(template: &str, known: &[&str]) -> Result<(), String> {
    match placeholders(template)
        .into_iter()
        .find(|p| !known.contains(p))
    {
        Some(n) => Err(unknown_message(template, n, known.iter().copied())),
        None => Ok(()),
    }
}

fn unknown_message<'k>(template: &str, name: &str, known: impl Iterator<Item = &'k str>) -> String {
    let known: Vec<String> = known.map(|k| format!("{{{k}}}")).collect();
    format!(
        "{} has an unknown placeholder {{{name}}}; the placeholders are {}",
        crate::reference::shown(template),
        known.join(" ")
    )
}

enum Piece<'t> {
    Text(&'t str),
    Name(&'t str),
}

fn scan<'t>(template: &'t str, mut each: impl FnMut(Piece<'t>)) {
    let is_name = |s: &str| {
        !s.is_empty()
            && s.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
    };
    let mut rest = template;
    while let Some(open) = rest.find('{') {
        let after = &rest[open + 1..];
        match after.find('}').filter(|&close| is_name(&after[..close])) {
            Some(close) => {
                each(Piece::Text(&rest[..open]));
                each(Piece::Name(&after[..close]));
                rest = &after[close + 1..];
            }
            None => {
                each(Piece::Text(&rest[..=open]));
                rest = after;
            }
        }
    }
    each(Piece::Text(rest));
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_pass_and_unknown_names_refused() {
        let v = [("service", "a{env}b"), ("env", "prod")];
        // A value is not scanned again.
        assert_eq!(fill("{service}/{env}", &v).unwrap(), "a{env}b/prod");
        assert_eq!(fill("{ x } {} {A} {", &v).unwrap(), "{ x } {} {A} {");
        let e = fill("x/{tag}/{service}", &v).unwrap_err();
        assert!(e.contains("{tag}") && e.contains("{service} {env}"), "{e}");
        assert_eq!(placeholders("{a}-{b_1}{c"), ["a", "b_1"]);
        assert!(check("{service}-{env}", &["service", "env"]).is_ok());
        assert!(check("{service}-{tag}", &["service"]).is_err());
    }
}
