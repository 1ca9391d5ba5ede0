//! The edit engine's own time: locate + replace + verify, on a typical 5 KB manifest and on a
//! 10 MB stream of 2,000 documents (time should grow linearly with size).
//!
//! Run: `cargo bench --bench engine`

use criterion::{criterion_group, criterion_main, Criterion, Throughput};

// The allocator the imgbump binary uses (src/main.rs).
#[global_allocator]
static GLOBAL: mimalloc::MiMalloc = mimalloc::MiMalloc;
use imgbump::manifest::{Manifest, Target};
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

criterion_group!(benches, bench);
criterion_main!(benches);
