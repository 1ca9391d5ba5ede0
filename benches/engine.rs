//! The edit engine's own time: locate + replace + verify, on a typical 5 KB manifest and on a
//! 10 MB stream of 2,000 documents (time should grow linearly with size); the other target
//! kinds (a kustomization's `images:`, Helm values) on files of the same size; `.imgbump.yaml`
//! parsed; a hold added, and a set on a held file.
//!
//! Run: `cargo bench --bench engine`

use criterion::{criterion_main, Criterion, Throughput};

// The allocator the imgbump binary uses (src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use imgbump::manifest::{Holds, KeyPath, Locator, Manifest, SetOptions, Target};
use imgbump::reference::ImageSpec;

const AGENT: &str = include_str!(
    "../examples/isA_Cloud/deployments/kubernetes/base/applications/agent-deployment.yaml"
);

fn bench(c: &mut Criterion) {
    let spec: ImageSpec = "123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-agent:sha-abc1234"
        .parse()
        .unwrap();
    let mut g = c.benchmark_group("set_image");
    g.throughput(Throughput::Bytes(AGENT.len() as u64));
    g.bench_function("typical 5 KB manifest", |b| {
        b.iter(|| {
            let m = Manifest::parse(AGENT).unwrap();
            let e = m.set_image(&Target::service("agent"), &spec).unwrap();
            assert!(e.changed);
        })
    });
    // A hold: one line added above the image and verified; set on a held file (the hold read).
    let hold = imgbump::hold::Hold::new("incident-4711", "oncall@example.com", 1_764_844_267, None)
        .unwrap();
    let agent = Locator::Workload(Target::service("agent"));
    g.bench_function("hold, 5 KB", |b| {
        b.iter(|| {
            let m = Manifest::parse(AGENT).unwrap();
            assert!(m.hold(&agent, &hold).unwrap().changed);
        })
    });
    let held = Manifest::parse(AGENT)
        .unwrap()
        .hold(&agent, &hold)
        .unwrap()
        .text;
    g.bench_function("set on a held file, 5 KB", |b| {
        b.iter(|| {
            let m = Manifest::parse(&held).unwrap();
            let e = m.set(&agent, &spec, &SetOptions::default()).unwrap();
            assert!(e.held.hold.is_some());
        })
    });
    g.bench_function("locate only, 5 KB", |b| {
        b.iter(|| Manifest::parse(AGENT).unwrap().images().len())
    });
    g.bench_function("libyaml read only, 5 KB", |b| {
        b.iter(|| {
            use serde::Deserialize;
            serde_yaml_ng::Deserializer::from_str(AGENT)
                .map(serde::de::IgnoredAny::deserialize)
                .filter(Result::is_ok)
                .count()
        })
    });
    g.bench_function("granit events only, 5 KB", |b| {
        b.iter(|| {
            let mut o = granit_parser::Options::default();
            o.set_emit_comments(false);
            granit_parser::Parser::new_from_str_with_options(AGENT, o).count()
        })
    });
    // The other target kinds, on files of the same size as the workload above: a kustomization
    // with `images:` entries and Helm values with image mappings, the edited one last.
    let opts = SetOptions::default();
    let mut kustomization = String::from("apiVersion: kustomize.config.k8s.io/v1beta1\nkind: Kustomization\nresources:\n  - ../../base\nimages:\n");
    let mut i = 0;
    while kustomization.len() < AGENT.len() - 200 {
        kustomization.push_str(&format!("  # service {i}\n  - name: isa-svc{i}\n    newName: 123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-svc{i}\n    newTag: sha-0000000\n"));
        i += 1;
    }
    kustomization.push_str("  - name: isa-agent   # the one bumped\n    newName: 123456789012.dkr.ecr.us-east-1.amazonaws.com/isa-agent\n    newTag: sha-0000000\n");
    let mut values = String::from("# Values for the chart.\nreplicaCount: 2\n");
    let mut i = 0;
    while values.len() < AGENT.len() - 200 {
        // As charts write them (bitnami's style): a documented parameter per line.
        values.push_str(&format!("## @section svc{i} parameters\n##\nsvc{i}:\n  ## @param svc{i}.image.registry [default: REGISTRY_NAME] svc{i} image registry\n  ## @param svc{i}.image.repository [default: REPOSITORY_NAME/svc{i}] svc{i} image repository\n  ## @param svc{i}.image.tag svc{i} image tag (immutable tags are recommended)\n  ##\n  image:\n    registry: 123456789012.dkr.ecr.us-east-1.amazonaws.com\n    repository: isa-svc{i}\n    tag: \"1.{i}\"\n"));
        i += 1;
    }
    values.push_str("image:\n  registry: 123456789012.dkr.ecr.us-east-1.amazonaws.com\n  repository: isa-agent\n  tag: sha-0000000\n");
    let key: KeyPath = "image".parse().unwrap();
    let cases = [
        (
            "kustomization images: entry, same size",
            kustomization.as_str(),
            Locator::Kustomize {
                service: "agent",
                image_name: Some("isa-agent"),
            },
        ),
        (
            "Helm values image mapping, same size",
            values.as_str(),
            Locator::Key {
                path: &key,
                holds: Holds::Auto,
            },
        ),
        (
            "workload via set(), same size",
            AGENT,
            Locator::Workload(Target::service("agent")),
        ),
    ];
    for (name, text, loc) in cases {
        g.throughput(Throughput::Bytes(text.len() as u64));
        // What any edit of this text costs at least: the span parser and libyaml reading it.
        g.bench_function(format!("{name}: both parsers' reads only"), |b| {
            b.iter(|| {
                use serde::Deserialize;
                let n = Manifest::parse(text).unwrap().images().len();
                n + serde_yaml_ng::Deserializer::from_str(text)
                    .map(serde::de::IgnoredAny::deserialize)
                    .filter(Result::is_ok)
                    .count()
            })
        });
        g.bench_function(name, |b| {
            b.iter(|| {
                let m = Manifest::parse(text).unwrap();
                let e = m.set(&loc, &spec, &opts).unwrap();
                assert!(e.changed);
            })
        });
    }
    // `.imgbump.yaml` of a 50-service repository, parsed (read on every attempt).
    let mut config = String::from("environments: [staging, production]\nservices:\n");
    for i in 0..46 {
        config.push_str(&format!("  svc{i}:\n    - manifest: deployments/kubernetes/base/grpc-services/svc{i}/deployment.yaml\n      container: svc{i}\n"));
    }
    config.push_str("  web:\n    - manifest: deployments/kubernetes/overlays/{env}/kustomization.yaml\n      image-name: isa-web\n  billing:\n    - manifest: charts/billing/values-{env}.yaml\n      key: image\n");
    g.throughput(Throughput::Bytes(config.len() as u64));
    g.bench_function(".imgbump.yaml of 48 services, parsed", |b| {
        b.iter(|| {
            imgbump::config::Config::parse(&config)
                .unwrap()
                .services
                .len()
        })
    });
    // 2,000 documents of ~5 KB each: the agent file with its names numbered.
    let mut big = String::new();
    while big.len() < 10 << 20 {
        let i = big.len();
        big.push_str(&AGENT.replace("name: agent\n", &format!("name: agent{i}\n")));
        big.push_str("---\n");
    }
    big.push_str(AGENT);
    g.throughput(Throughput::Bytes(big.len() as u64));
    g.sample_size(10);
    g.bench_function("10 MB stream of 2,000 documents", |b| {
        b.iter(|| {
            let m = Manifest::parse(&big).unwrap();
            let e = m
                .set_image(
                    &Target {
                        service: "agent",
                        workload: Some("Deployment/agent"),
                        container: None,
                    },
                    &spec,
                )
                .unwrap();
            assert!(e.changed);
        })
    });
    g.finish();
}

// The macro's function has no doc comment to carry.
#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::bench);
}
use group::benches;
criterion_main!(benches);
