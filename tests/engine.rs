//! The edit engine's contract, case by case, each asserting the exact bytes it returns.

use imgbump::manifest::{ContainerRole, EditErrorKind, Manifest, Style, Target};
use imgbump::reference::ImageSpec;

const NEW: &str = "123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-agent:sha-abc1234";

fn spec(s: &str) -> ImageSpec {
    s.parse().unwrap_or_else(|e| panic!("{s}: {e}"))
}

/// Sets the image of `target` to `new` and returns the new text.
fn set(text: &str, target: Target<'_>, new: &str) -> String {
    let m = Manifest::parse(text).unwrap_or_else(|e| panic!("parse: {e}"));
    let edit = m
        .set_image(&target, &spec(new))
        .unwrap_or_else(|e| panic!("set: {e}"));
    assert!(edit.changed, "expected a change");
    edit.text
}

fn err(text: &str, target: Target<'_>, new: &str) -> imgbump::manifest::EditError {
    match Manifest::parse(text) {
        Err(e) => e,
        Ok(m) => m
            .set_image(&target, &spec(new))
            .expect_err("expected the edit to be refused"),
    }
}

const DEPLOY: &str = "\
# agent: the isA agent service
apiVersion: apps/v1
kind: Deployment
metadata:
  name: agent
  labels: {app: agent}

spec:
  replicas: 2   # keep two
  template:
    spec:
      initContainers:
        - name: migrate
          image: registry.example/isa-migrate:v1
      containers:
        - name: consul-agent
          image: hashicorp/consul:1.17
        - name: agent
          image: registry.example/isa-agent:sha-0ld # set by CI
          ports:
            - containerPort: 8080
";

#[test]
fn lists_every_image_with_its_place() {
    let m = Manifest::parse(DEPLOY).unwrap();
    let got: Vec<_> = m
        .images()
        .iter()
        .map(|f| {
            (
                f.kind.as_str(),
                f.workload.as_str(),
                f.container.as_str(),
                f.role,
                f.value.as_str(),
                f.location.line,
                f.location.column,
            )
        })
        .collect();
    assert_eq!(
        got,
        vec![
            (
                "Deployment",
                "agent",
                "migrate",
                ContainerRole::Init,
                "registry.example/isa-migrate:v1",
                14,
                18
            ),
            (
                "Deployment",
                "agent",
                "consul-agent",
                ContainerRole::Main,
                "hashicorp/consul:1.17",
                17,
                18
            ),
            (
                "Deployment",
                "agent",
                "agent",
                ContainerRole::Main,
                "registry.example/isa-agent:sha-0ld",
                19,
                18
            ),
        ]
    );
    let f = &m.images()[2];
    assert_eq!(
        &DEPLOY[f.span.clone()],
        "registry.example/isa-agent:sha-0ld"
    );
    assert_eq!((f.document, f.style), (0, Style::Plain));
}

#[test]
fn picks_the_container_named_for_the_service_not_containers_0() {
    let out = set(DEPLOY, Target::service("agent"), NEW);
    assert_eq!(
        out,
        DEPLOY.replace("registry.example/isa-agent:sha-0ld", NEW)
    );
}

/// The rule when no container is named like the service: the one with the new image's
/// repository, else the only one, else refused with each `--container` (it used to be the
/// first of `containers`, a sidecar's).
#[test]
fn without_a_container_named_like_the_service_the_repository_then_the_only_one_decide() {
    let text = DEPLOY.replace("- name: agent\n", "- name: app\n");
    // The new image's repository is the second container's: that one, never the sidecar.
    let out = set(
        &text,
        Target::service("agent"),
        "registry.example/isa-agent:sha-new",
    );
    assert_eq!(out, text.replace("isa-agent:sha-0ld", "isa-agent:sha-new"));
    // Docker Hub's spellings of one repository are one repository.
    let out = set(
        &text,
        Target::service("agent"),
        "docker.io/hashicorp/consul:1.18",
    );
    assert_eq!(
        out,
        text.replace("hashicorp/consul:1.17", "docker.io/hashicorp/consul:1.18")
    );
    // Neither named nor by repository, and two containers: refused, each with its flag.
    for (new, why) in [
        ("x:1", "and none has the new image's repository `x`"),
        (
            ":v2",
            "and `:v2` keeps the repository of the container it edits, so it cannot choose one",
        ),
    ] {
        let e = err(&text, Target::service("agent"), new);
        assert_eq!(e.kind, EditErrorKind::Ambiguous, "{e}");
        assert_eq!(
            e.message,
            format!("Deployment/agent has 2 containers and none is named `agent`, {why}; imgbump does not guess which one is meant")
        );
        assert_eq!(
            e.help.as_deref(),
            Some("pick one with --container:\n  --container migrate (init)   image registry.example/isa-migrate:v1 at line 14\n  --container consul-agent   image hashicorp/consul:1.17 at line 17\n  --container app   image registry.example/isa-agent:sha-0ld at line 19")
        );
    }
    // Two containers with the new image's repository: not one match, refused.
    let twins = text.replace(
        "hashicorp/consul:1.17",
        "registry.example/isa-agent:sidecar",
    );
    let e = err(
        &twins,
        Target::service("agent"),
        "registry.example/isa-agent:sha-new",
    );
    assert!(
        e.message.contains("and 2 have the new image's repository"),
        "{e}"
    );
    // The only entry of `containers` is edited, whatever its name; never the init container.
    let only = text.replace(
        "        - name: consul-agent\n          image: hashicorp/consul:1.17\n",
        "",
    );
    let out = set(&only, Target::service("agent"), ":v2");
    assert_eq!(out, only.replace("isa-agent:sha-0ld", "isa-agent:v2"));
    let out = set(&only, Target::service("agent"), "x:1");
    assert_eq!(
        out,
        only.replace("registry.example/isa-agent:sha-0ld", "x:1")
    );
    // The name rule comes first, even against the repository.
    let out = set(DEPLOY, Target::service("agent"), "hashicorp/consul:9");
    assert_eq!(
        out,
        DEPLOY.replace("registry.example/isa-agent:sha-0ld", "hashicorp/consul:9")
    );
}

#[test]
fn an_init_container_is_edited_only_when_named() {
    let out = set(
        DEPLOY,
        Target {
            service: "agent",
            workload: None,
            container: Some("migrate"),
        },
        ":v2",
    );
    assert_eq!(out, DEPLOY.replace("isa-migrate:v1", "isa-migrate:v2"));
}

#[test]
fn tag_and_digest_shorthands_keep_the_repository() {
    let out = set(DEPLOY, Target::service("agent"), ":sha-abc1234");
    assert_eq!(out, DEPLOY.replace("sha-0ld", "sha-abc1234"));
    let d = "sha256:0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
    let out = set(&out, Target::service("agent"), &format!("@{d}"));
    assert_eq!(out, DEPLOY.replace("sha-0ld", &format!("sha-abc1234@{d}")));
    // `:TAG` drops the digest.
    let again = set(&out, Target::service("agent"), ":v3");
    assert_eq!(again, DEPLOY.replace("sha-0ld", "v3"));
}

#[test]
fn quoting_style_is_kept() {
    for (old, new) in [("\"a:1\"", "\"b:2\""), ("'a:1'", "'b:2'"), ("a:1", "b:2")] {
        let text = format!("kind: Pod\nmetadata: {{name: p}}\nspec:\n  containers:\n  - name: p\n    image: {old}\n");
        assert_eq!(
            set(&text, Target::service("p"), "b:2"),
            text.replace(old, new)
        );
    }
}

#[test]
fn a_quoted_image_with_a_comment_after_it_keeps_the_comment() {
    let text = "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: p\n    image: \"foo:1\"   # pinned\n";
    assert_eq!(
        set(text, Target::service("p"), "foo:2"),
        text.replace("foo:1", "foo:2")
    );
}

#[test]
fn crlf_bom_tabs_and_no_final_newline_are_kept() {
    let text = "\u{feff}# head\t# tab\r\nkind: Deployment\r\nmetadata:\r\n  name: web\r\nspec:\r\n  template:\r\n    spec:\r\n      containers:\r\n      - name: web\r\n        image: nginx:1.25\t# tab comment\r\n      - name: side\r\n        image: busybox";
    let out = set(text, Target::service("web"), "nginx:1.27");
    assert_eq!(out, text.replace("nginx:1.25", "nginx:1.27"));
    let out = set(
        text,
        Target {
            service: "web",
            workload: None,
            container: Some("side"),
        },
        "busybox:2",
    );
    assert_eq!(out, format!("{}:2", text));
}

#[test]
fn non_ascii_text_before_the_image_does_not_shift_the_span() {
    let text = "# 部署：代理服务（中文注释）\nkind: Deployment\nmetadata:\n  name: agent # 名称\n  annotations: {说明: \"镜像由 CI 设置\"}\nspec:\n  template:\n    spec:\n      containers:\n      - name: agent\n        image: reg/agent:old # 镜像\n";
    let m = Manifest::parse(text).unwrap();
    assert_eq!(m.images()[0].location.column, 16);
    assert_eq!(
        set(text, Target::service("agent"), "reg/agent:new"),
        text.replace("agent:old", "agent:new")
    );
}

#[test]
fn flow_mappings_and_sequences() {
    let text = "kind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: a, image: b}, {name: p, image: 'c:1'}]\n";
    assert_eq!(
        set(text, Target::service("p"), "d:2"),
        text.replace("'c:1'", "'d:2'")
    );
    assert_eq!(
        set(
            text,
            Target {
                service: "p",
                workload: None,
                container: Some("a")
            },
            "d:2"
        ),
        text.replace("image: b}", "image: d:2}")
    );
}

#[test]
fn a_plain_value_that_would_read_as_a_number_is_quoted() {
    let text =
        "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: p\n    image: nginx\n";
    assert_eq!(
        set(text, Target::service("p"), "1.10"),
        text.replace("nginx", "\"1.10\"")
    );
    assert_eq!(
        set(text, Target::service("p"), "true"),
        text.replace("nginx", "\"true\"")
    );
}

#[test]
fn no_op_when_the_output_would_be_the_input() {
    let text =
        "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: p\n    image: \"x:2\"\n";
    let m = Manifest::parse(text).unwrap();
    let edit = m.set_image(&Target::service("p"), &spec("x:2")).unwrap();
    assert!(!edit.changed);
    assert_eq!(edit.text, text);
    assert_eq!(
        (edit.held.image.as_str(), edit.new.as_str()),
        ("x:2", "x:2")
    );
}

#[test]
fn every_workload_kind_is_found() {
    let text = "\
%YAML 1.2
---
kind: Deployment
metadata: {name: d}
spec: {template: {spec: {containers: [{name: c, image: 'i:d'}]}}}
---
kind: StatefulSet
metadata: {name: s}
spec: {template: {spec: {containers: [{name: c, image: 'i:s'}]}}}
---
kind: DaemonSet
metadata: {name: ds}
spec: {template: {spec: {containers: [{name: c, image: 'i:ds'}]}}}
---
kind: ReplicaSet
metadata: {name: rs}
spec: {template: {spec: {containers: [{name: c, image: 'i:rs'}]}}}
---
kind: ReplicationController
metadata: {name: rc}
spec: {template: {spec: {containers: [{name: c, image: 'i:rc'}]}}}
---
kind: Job
metadata: {name: j}
spec: {template: {spec: {containers: [{name: c, image: 'i:j'}]}}}
---
kind: CronJob
metadata: {name: cj}
spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: c, image: 'i:cj'}]}}}}}
...
---
kind: Pod
metadata: {name: p}
spec: {containers: [{name: c, image: 'i:p'}], ephemeralContainers: [{name: dbg, image: 'i:e'}]}
---
kind: PodTemplate
metadata: {name: pt}
template: {spec: {containers: [{name: c, image: 'i:pt'}]}}
---
apiVersion: argoproj.io/v1alpha1
kind: Rollout
metadata: {name: ro}
spec: {template: {spec: {containers: [{name: c, image: 'i:ro'}]}}}
---
kind: List
items:
- kind: Deployment
  metadata: {name: l1}
  spec: {template: {spec: {containers: [{name: c, image: 'i:l1'}]}}}
- kind: Pod
  metadata: {name: l2}
  spec: {containers: [{name: c, image: 'i:l2'}]}
---
kind: Service
metadata: {name: svc}
spec: {ports: [{port: 80}]}
";
    let m = Manifest::parse(text).unwrap();
    let got: Vec<String> = m
        .images()
        .iter()
        .map(|f| format!("{}/{}/{}:{}", f.document, f.kind, f.workload, f.value))
        .collect();
    assert_eq!(
        got,
        [
            "0/Deployment/d:i:d",
            "1/StatefulSet/s:i:s",
            "2/DaemonSet/ds:i:ds",
            "3/ReplicaSet/rs:i:rs",
            "4/ReplicationController/rc:i:rc",
            "5/Job/j:i:j",
            "6/CronJob/cj:i:cj",
            "7/Pod/p:i:p",
            "7/Pod/p:i:e",
            "8/PodTemplate/pt:i:pt",
            "9/Rollout/ro:i:ro",
            "10/Deployment/l1:i:l1",
            "10/Pod/l2:i:l2",
        ]
    );
    assert_eq!(m.images()[8].role, ContainerRole::Ephemeral);
    // Every one can be edited by naming its workload, and only its bytes change.
    for f in m.images() {
        let target = Target {
            service: "x",
            workload: Some(&f.workload),
            container: Some(&f.container),
        };
        let out = set(text, target, "new:1");
        assert_eq!(
            out,
            format!("{}'new:1'{}", &text[..f.span.start], &text[f.span.end..]),
            "{}",
            f.workload
        );
    }
}

#[test]
fn workload_by_kind_and_name_when_names_repeat() {
    let text = "\
kind: Deployment
metadata: {name: web}
spec: {template: {spec: {containers: [{name: web, image: 'a:1'}]}}}
---
kind: CronJob
metadata: {name: web}
spec: {jobTemplate: {spec: {template: {spec: {containers: [{name: web, image: 'b:1'}]}}}}}
";
    let e = err(text, Target::service("web"), "c:2");
    assert_eq!(e.kind, EditErrorKind::Ambiguous);
    let help = e.help.unwrap();
    assert!(
        help.contains("--workload Deployment/web --container web"),
        "{help}"
    );
    assert!(
        help.contains("--workload CronJob/web --container web"),
        "{help}"
    );
    let out = set(
        text,
        Target {
            service: "web",
            workload: Some("cronjob/web"),
            container: None,
        },
        "c:2",
    );
    assert_eq!(out, text.replace("'b:1'", "'c:2'"));
}

#[test]
fn nothing_matches_lists_the_candidates() {
    let e = err(
        DEPLOY,
        Target {
            service: "agent",
            workload: None,
            container: Some("nope"),
        },
        "x:1",
    );
    assert_eq!(e.kind, EditErrorKind::NotFound);
    assert!(
        e.message
            .contains("no container named `nope` in Deployment/agent"),
        "{}",
        e.message
    );
    assert!(
        e.help
            .as_deref()
            .unwrap_or("")
            .contains("--container migrate (init)"),
        "{e}"
    );
    let e = err(
        DEPLOY,
        Target {
            service: "agent",
            workload: Some("other"),
            container: None,
        },
        "x:1",
    );
    assert_eq!(e.kind, EditErrorKind::NotFound);
    let e = err(
        "kind: Service\nmetadata: {name: s}\nspec: {}\n",
        Target::service("s"),
        "x:1",
    );
    assert_eq!(e.kind, EditErrorKind::NotFound);
    assert!(e.message.contains("no workload with a pod template"), "{e}");
    let two = format!(
        "{DEPLOY}---\n{}",
        DEPLOY.replace("name: agent\n  labels", "name: other\n  labels")
    );
    assert_eq!(
        set(&two, Target::service("agent"), ":new"),
        two.replacen("sha-0ld", "new", 1)
    );
    let e = err(&two, Target::service("model"), ":new");
    assert_eq!(e.kind, EditErrorKind::Ambiguous);
}

#[test]
fn aliases_anchors_block_scalars_and_tags_are_refused() {
    let base = "x: &img nginx:1\nkind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: p\n    image: ";
    for (value, needle) in [
        ("*img\n", "alias `*img`"),
        ("&mine nginx:1\n", "anchor"),
        ("|\n      nginx:1\n", "literal block scalar"),
        (">-\n      nginx:1\n", "folded block scalar"),
        ("!!str nginx:1\n", "explicit YAML tag"),
    ] {
        let text = format!("{base}{value}");
        let e = err(&text, Target::service("p"), "nginx:2");
        assert_eq!(e.kind, EditErrorKind::Unsafe, "{value}");
        assert!(e.message.contains(needle), "{value}: {e}");
        assert_eq!(e.location.map(|l| l.line), Some(7), "{e}");
    }
}

#[test]
fn an_edit_that_would_change_an_alias_elsewhere_is_refused() {
    let text = "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - &c {name: p, image: 'a:1'}\n  - *c\n";
    let e = err(
        text,
        Target {
            service: "p",
            workload: None,
            container: Some("p"),
        },
        "b:2",
    );
    assert_eq!(e.kind, EditErrorKind::Unsafe, "{e}");
    assert!(e.message.contains("does not read as the original"), "{e}");
}

#[test]
fn duplicate_keys_invalid_yaml_and_bad_utf8_are_refused_with_a_place() {
    let e = err("kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: p\n    image: a:1\n    image: b:1\n", Target::service("p"), "c:1");
    assert_eq!(e.kind, EditErrorKind::Invalid);
    assert!(e.message.contains("duplicate key `image`"), "{e}");
    assert_eq!(e.location.map(|l| (l.line, l.column)), Some((7, 5)));
    let e = err("kind: Pod\nspec: [\n", Target::service("p"), "c:1");
    assert_eq!(e.kind, EditErrorKind::Invalid);
    assert!(e.message.starts_with("invalid YAML"), "{e}");
    assert!(e.location.is_some());
    let e = Manifest::parse_bytes(b"kind: Pod\nmetadata: {name: \xff}\n").unwrap_err();
    assert_eq!(e.kind, EditErrorKind::Invalid);
    assert_eq!(e.location.map(|l| (l.line, l.column)), Some((2, 18)));
    assert!(e.message.contains("not valid UTF-8"), "{e}");
}

#[test]
fn a_key_repeated_with_the_same_value_is_tolerated_but_not_edited_under() {
    let text = "kind: Deployment\nmetadata: {name: d}\nspec:\n  selector: {app: d}\n  selector: {app: d}\n  template:\n    spec:\n      containers:\n      - name: d\n        image: a:1\n";
    assert_eq!(
        set(text, Target::service("d"), "a:2"),
        text.replace("a:1", "a:2")
    );
    let twice = "kind: Pod\nmetadata: {name: p}\nspec:\n  containers: [{name: p, image: 'a:1'}]\n  containers: [{name: p, image: 'a:1'}]\n";
    let m = Manifest::parse(twice).unwrap();
    assert_eq!(m.images().len(), 1);
    let e = m
        .set_image(&Target::service("p"), &spec("a:2"))
        .unwrap_err();
    assert_eq!(e.kind, EditErrorKind::Unsafe);
    assert!(
        e.message.contains("repeated in its mapping (at line 4)"),
        "{e}"
    );
}

#[test]
fn hostile_references_never_reach_the_text() {
    for bad in [
        "x\nimage: evil",
        "x # c",
        "x: y",
        "'x'",
        "\"x\"",
        "X/Y",
        "",
        "x:1\r",
    ] {
        assert!(bad.parse::<ImageSpec>().is_err(), "{bad:?}");
    }
}

#[test]
fn a_tab_after_the_colon_is_handled_by_both_parsers_or_refused() {
    let text =
        "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: p\n    image:\tnginx:1\n";
    match Manifest::parse(text).and_then(|m| m.set_image(&Target::service("p"), &spec("nginx:2"))) {
        Ok(edit) => assert_eq!(edit.text, text.replace("nginx:1", "nginx:2")),
        Err(e) => assert!(
            matches!(e.kind, EditErrorKind::Invalid | EditErrorKind::Unsafe),
            "{e}"
        ),
    }
}

#[test]
fn deep_nesting_and_alias_bombs_are_bounded() {
    let deep = format!("{}1{}", "[".repeat(10_000), "]".repeat(10_000));
    assert_eq!(
        Manifest::parse(&deep).map(|_| ()).unwrap_err().kind,
        EditErrorKind::Invalid
    );
    let deep_block: String = (0..10_000)
        .map(|i| format!("{}k:\n", " ".repeat(i)))
        .collect();
    assert!(Manifest::parse(&deep_block).is_err());
    let mut bomb = String::from("a: &a [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        bomb.push_str(&format!(
            "{}: &{} [*{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}, *{p}]\n",
            (b'a' + i) as char,
            (b'a' + i) as char,
            p = (b'a' + i - 1) as char
        ));
    }
    bomb.push_str(
        "kind: Pod\nmetadata: {name: p}\nspec:\n  containers:\n  - name: p\n    image: nginx:1\n",
    );
    let m = Manifest::parse(&bomb).unwrap();
    assert_eq!(m.images().len(), 1);
    let e = m
        .set_image(&Target::service("p"), &spec("nginx:2"))
        .unwrap_err();
    assert_eq!(e.kind, EditErrorKind::Unsafe, "{e}");
}

#[test]
fn a_real_workload_wins_a_name_tie_against_a_service_that_yq_gave_a_pod_template() {
    // What `yq eval '.spec.template.spec.containers[0].image = "x"'` leaves in a multi-document file.
    let text = "\
kind: Deployment
metadata: {name: agent}
spec:
  template:
    spec:
      containers:
        - {name: agent, image: 'r/agent:1'}
---
kind: Service
metadata: {name: agent}
spec:
  ports: [{port: 80}]
  template: {spec: {containers: [{image: 'r/agent:1'}]}}
";
    assert_eq!(
        set(text, Target::service("agent"), ":2"),
        text.replacen("r/agent:1", "r/agent:2", 1)
    );
    // Two real workloads of one name stay ambiguous.
    let two = text.replace("kind: Service", "kind: StatefulSet");
    assert_eq!(
        err(&two, Target::service("agent"), ":2").kind,
        EditErrorKind::Ambiguous
    );
}

/// An alias bomb (a billion laughs) beside the image, in the same document: the span parser keeps
/// each alias as one node, the second parser stops at its repetition limit, and the edit is
/// refused as the file's doing (not as a fault to report), with a place. In a document of its
/// own, the bomb is never expanded: the workload's document is checked alone and edited.
#[test]
fn an_alias_bomb_beside_the_image_is_refused_not_expanded() {
    let mut bomb = String::from("x0: &a0 [x, x, x, x, x, x, x, x, x, x]\n");
    for i in 1..10 {
        let row = vec![format!("*a{}", i - 1); 10].join(", ");
        bomb.push_str(&format!("x{i}: &a{i} [{row}]\n"));
    }
    let workload = "apiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: agent\nspec:\n  template:\n    spec:\n      containers:\n        - name: agent\n          image: nginx:1\n";
    let same = format!("{bomb}{workload}");
    let e = err(&same, Target::service("agent"), "nginx:2");
    assert_eq!(e.kind, EditErrorKind::Unsafe, "{e}");
    assert!(e.message.contains("alias bomb"), "{e}");
    assert!(
        e.help
            .as_deref()
            .unwrap_or("")
            .contains("change it by hand"),
        "{e:?}"
    );
    assert_eq!(
        e.location.map(|l| (l.line, l.column)),
        Some((20, 18)),
        "{e}"
    );
    let apart = format!("{bomb}---\n{workload}");
    let out = set(&apart, Target::service("agent"), "nginx:2");
    assert_eq!(out, apart.replace("image: nginx:1", "image: nginx:2"));
}
