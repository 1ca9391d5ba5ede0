//! The unified diff of an edit, for `--dry-run`, JSON and the step summary.

/// A unified diff of two texts that differ in one region (what the engine produces).
pub(super) fn unified_diff(path: &str, old: &str, new: &str) -> String {
    let a: Vec<&str> = old.split_inclusive('\n').collect();
    let b: Vec<&str> = new.split_inclusive('\n').collect();
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let suffix = a[prefix..]
        .iter()
        .rev()
        .zip(b[prefix..].iter().rev())
        .take_while(|(x, y)| x == y)
        .count();
    let start = prefix.saturating_sub(3);
    let a_end = (a.len() - suffix + 3).min(a.len());
    let b_end = (b.len() - suffix + 3).min(b.len());
    let mut out = format!(
        "--- a/{path}\n+++ b/{path}\n@@ -{},{} +{},{} @@\n",
        start + 1,
        a_end - start,
        start + 1,
        b_end - start
    );
    // A last line without its line break is marked as git marks it, so `git apply` takes
    // the diff as written.
    let line = |out: &mut String, mark: char, l: &str| {
        out.push(mark);
        match l.strip_suffix('\n') {
            Some(body) => {
                out.push_str(body);
                out.push('\n');
            }
            None => {
                out.push_str(l);
                out.push_str("\n\\ No newline at end of file\n");
            }
        }
    };
    for l in &a[start..prefix] {
        line(&mut out, ' ', l);
    }
    for l in &a[prefix..a.len() - suffix] {
        line(&mut out, '-', l);
    }
    for l in &b[prefix..b.len() - suffix] {
        line(&mut out, '+', l);
    }
    for l in &a[a.len() - suffix..a_end] {
        line(&mut out, ' ', l);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn diffs_show_the_one_changed_line_with_context() {
        let old = "a\nb\nc\nd\nimage: x\ne\nf\ng\nh\n";
        let new = old.replace("image: x", "image: y");
        assert_eq!(
            unified_diff("f.yaml", old, &new),
            "--- a/f.yaml\n+++ b/f.yaml\n@@ -2,7 +2,7 @@\n b\n c\n d\n-image: x\n+image: y\n e\n f\n g\n"
        );
        // No final line break: marked on both sides.
        assert_eq!(
            unified_diff("f.yaml", "a\nimage: x", "a\nimage: y"),
            "--- a/f.yaml\n+++ b/f.yaml\n@@ -1,2 +1,2 @@\n a\n-image: x\n\\ No newline at end of file\n+image: y\n\\ No newline at end of file\n"
        );
    }
}
