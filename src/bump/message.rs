//! The commit message: the template filled for each changed service, and the trailers.

use super::{Change, HoldEffect};

/// The placeholders a message template may use.
pub(crate) const PLACEHOLDERS: [&str; 9] = [
    "service",
    "old_image",
    "image",
    "tag",
    "digest",
    "file",
    "container",
    "env",
    "reason",
];

/// Fills a message template for one change.
fn render_message(template: &str, c: &Change) -> String {
    // A target holding only a tag or a digest shows its new value as `:TAG` / `@DIGEST`.
    let (tag, digest) = if let Some(t) = c.new.strip_prefix(':') {
        (Some(t.to_string()), None)
    } else if let Some(d) = c.new.strip_prefix('@') {
        (None, Some(d.to_string()))
    } else {
        match c.new.parse::<crate::reference::Reference>() {
            Ok(r) => (r.tag().map(str::to_string), r.digest().map(str::to_string)),
            Err(_) => (None, None),
        }
    };
    let short_digest = digest.as_deref().map(crate::reference::short_digest);
    let tag = tag.or(short_digest).unwrap_or_else(|| "latest".into());
    // The old image was read from the repository: one line, control characters escaped.
    let old: String = c.old.chars().flat_map(char::escape_default).collect();
    let digest = digest.unwrap_or_default();
    let env = c.env.as_deref().unwrap_or("");
    let reason = c.hold.as_ref().map_or("", |h| h.reason.as_str());
    let values = [
        ("service", c.service.as_str()),
        ("old_image", old.as_str()),
        ("image", c.new.as_str()),
        ("tag", tag.as_str()),
        ("digest", digest.as_str()),
        ("file", c.file.as_str()),
        ("container", c.container.as_str()),
        ("env", env),
        ("reason", reason),
    ];
    // Checked when the options were made (`PLACEHOLDERS`): an unknown one cannot reach here.
    crate::template::fill(template, &values).unwrap_or_else(|_| template.to_string())
}

/// The commit message for the changed pairs.
pub(super) fn commit_message(
    template: &str,
    changes: &[Change],
    trailers: &[(String, String)],
) -> String {
    let changed: Vec<&Change> = changes.iter().filter(|c| c.changed).collect();
    // One line per service and environment: a service's several targets (a base and a chart)
    // take one image. A run over several environments names them (` in staging, production`)
    // where the template does not.
    let mut envs_of_run: Vec<&str> = changed.iter().filter_map(|c| c.env.as_deref()).collect();
    envs_of_run.sort_unstable();
    envs_of_run.dedup();
    let name_envs = !template.contains("{env}") && envs_of_run.len() > 1;
    let mut lines: Vec<(String, Vec<&str>)> = Vec::new();
    for c in &changed {
        let line = render_message(template, c);
        let i = match lines.iter().position(|(l, _)| *l == line) {
            Some(i) => i,
            None => {
                lines.push((line, Vec::new()));
                lines.len() - 1
            }
        };
        if let Some(e) = c.env.as_deref().filter(|_| name_envs) {
            if !lines[i].1.contains(&e) {
                lines[i].1.push(e);
            }
        }
    }
    let lines: Vec<String> = lines
        .into_iter()
        .map(|(line, envs)| match envs.as_slice() {
            [] => line,
            _ => {
                // The template's first line carries the environments; a body stays below.
                let (first, rest) = line
                    .split_once('\n')
                    .map_or((line.as_str(), ""), |(a, b)| (a, b));
                let sep = if rest.is_empty() { "" } else { "\n" };
                format!("{first} in {}{sep}{rest}", envs.join(", "))
            }
        })
        .collect();
    let msg = match lines.as_slice() {
        [one] => one.clone(),
        many => {
            let mut names: Vec<&str> = changed.iter().map(|c| c.service.as_str()).collect();
            names.dedup();
            let only = |e: HoldEffect| changed.iter().all(|c| c.hold_effect == e && c.old == c.new);
            let verb = if only(HoldEffect::Added) {
                "hold"
            } else if only(HoldEffect::Released) {
                "release the holds on"
            } else {
                "update images of"
            };
            let mut m = format!("chore: {verb} {}\n", names.join(", "));
            for line in many {
                m.push_str(&format!("\n- {line}"));
            }
            m
        }
    };
    crate::trailers::append(&msg, trailers)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_fill_placeholders_and_trailers() {
        let c = Change {
            service: "agent".into(),
            env: None,
            file: "a.yaml".into(),
            target: "Deployment/agent container agent".into(),
            workload: "Deployment/agent".into(),
            container: "agent".into(),
            line: 3,
            old: "r/isa-agent:old".into(),
            new: "r/isa-agent:sha-abc1234".into(),
            changed: true,
            superseded_by: None,
            hold: None,
            hold_effect: Default::default(),
        };
        assert_eq!(
            commit_message(
                "chore: update {service} image to {tag}",
                std::slice::from_ref(&c),
                &[]
            ),
            "chore: update agent image to sha-abc1234\n"
        );
        // Placeholders are filled once, in the template: not inside a value that holds one;
        // and an old image with line breaks stays on its line.
        let mut hostile = c.clone();
        hostile.old = "evil:1\npushed=false\n{tag}{service}".into();
        assert_eq!(
            commit_message("{old_image} -> {tag} {", &[hostile], &[]),
            "evil:1\\npushed=false\\n{tag}{service} -> sha-abc1234 {\n"
        );
        let mut d = c.clone();
        d.service = "mcp".into();
        let m = commit_message(
            "{service}: {old_image} -> {image}",
            &[c, d],
            &[("Source-Commit".into(), "abc".into())],
        );
        assert_eq!(m, "chore: update images of agent, mcp\n\n- agent: r/isa-agent:old -> r/isa-agent:sha-abc1234\n- mcp: r/isa-agent:old -> r/isa-agent:sha-abc1234\n\nSource-Commit: abc\n");
    }
}
