//! GitLab merge requests through push options (`git push -o merge_request.create …`): they
//! travel with the push itself, so they need only push rights and work with CI job tokens
//! where the API would not.

use super::Request;

/// The push options that make GitLab open (or update) a merge request for `req`. Values are
/// cut at a line break: a push option is one line.
pub(crate) fn push_options(req: &Request) -> Vec<String> {
    let one_line = |s: &str| s.lines().next().unwrap_or("").to_string();
    let mut opts = vec![
        "merge_request.create".to_string(),
        format!("merge_request.target={}", one_line(&req.base)),
        format!("merge_request.title={}", one_line(&req.title)),
        "merge_request.remove_source_branch".to_string(),
    ];
    for l in &req.labels {
        opts.push(format!("merge_request.label={}", one_line(l)));
    }
    if req.draft {
        opts.push("merge_request.draft".to_string());
    }
    if req.auto_merge {
        opts.push("merge_request.merge_when_pipeline_succeeds".to_string());
    }
    opts
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_request_is_said_in_push_options() {
        let req = Request {
            base: "main".into(),
            title: "chore: update agent image to v2\nsecond line".into(),
            labels: vec!["deploy".into(), "agent".into()],
            auto_merge: true,
            ..Request::default()
        };
        assert_eq!(
            push_options(&req),
            [
                "merge_request.create",
                "merge_request.target=main",
                "merge_request.title=chore: update agent image to v2",
                "merge_request.remove_source_branch",
                "merge_request.label=deploy",
                "merge_request.label=agent",
                "merge_request.merge_when_pipeline_succeeds"
            ]
        );
    }
}
