//! The reduce on a Ballista cluster started here as processes (a scheduler and two executors of
//! this binary): the counts and the model are the ones DataFusion gives in the process.
//! Built with `--features ballista` (`.ci/run` runs it).
#![cfg(feature = "ballista")]

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Output, Stdio};
use std::time::{Duration, Instant};

fn sinr(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_sinr"))
        .args(args)
        .output()
        .expect("run sinr")
}

fn fixture() -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures/washington-1790-1796.txt")
        .display()
        .to_string()
}

/// A free TCP port on the loopback (released before the process binds it).
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The cluster's processes, killed when the test ends, pass or fail.
struct Cluster(Vec<Child>);

impl Drop for Cluster {
    fn drop(&mut self) {
        for c in &mut self.0 {
            let _ = c.kill();
            let _ = c.wait();
        }
    }
}

fn start(args: &[String], log: &Path) -> Child {
    Command::new(env!("CARGO_BIN_EXE_sinr"))
        .args(args)
        .stdout(Stdio::from(std::fs::File::create(log).unwrap()))
        .stderr(Stdio::from(
            std::fs::OpenOptions::new().append(true).open(log).unwrap(),
        ))
        .spawn()
        .expect("start a cluster process")
}

fn model(path: &Path) -> sinr_embed::SinrModel {
    let mut m = sinr_embed::SinrModel::load(path).unwrap();
    m.report.times = Default::default();
    m
}

#[test]
fn a_local_ballista_cluster_reduces_to_the_same_counts() {
    let dir = tempfile::tempdir().unwrap();
    let d = |p: &str| -> PathBuf { dir.path().join(p) };
    let sched = free_port();
    let mut cluster = Cluster(vec![start(
        &["embed", "count", "scheduler", "--port", &sched.to_string()].map(String::from),
        &d("scheduler.log"),
    )]);
    for e in 0..2 {
        let (p, g) = (free_port(), free_port());
        cluster.0.push(start(
            &[
                "embed".into(),
                "count".into(),
                "executor".into(),
                "--scheduler-port".into(),
                sched.to_string(),
                "--port".into(),
                p.to_string(),
                "--grpc-port".into(),
                g.to_string(),
                "--concurrency".into(),
                "2".into(),
                "--work-dir".into(),
                d(&format!("executor-{e}")).display().to_string(),
            ],
            &d(&format!("executor-{e}.log")),
        ));
    }
    let url = format!("df://localhost:{sched}");
    let f = fixture();
    let counts = d("counts");
    let c = counts.to_str().unwrap();
    for i in 0..3 {
        let shard = format!("{i}/3");
        let out = sinr(&[
            "embed",
            "count",
            "words",
            "--corpus",
            &f,
            "--shard",
            &shard,
            "--out",
            c,
            "--min-freq",
            "3",
            "--min-token-len",
            "3",
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    // The executors register with the scheduler within seconds; retry until they have.
    let t = Instant::now();
    loop {
        let out = sinr(&["embed", "count", "reduce-words", c, "--scheduler", &url]);
        if out.status.success() {
            break;
        }
        assert!(
            t.elapsed() < Duration::from_secs(90),
            "the cluster never answered: {}\nscheduler log:\n{}",
            String::from_utf8_lossy(&out.stderr),
            std::fs::read_to_string(d("scheduler.log")).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_secs(2));
    }
    for i in 0..2 {
        let shard = format!("{i}/2");
        let out = sinr(&[
            "embed", "count", "pairs", "--corpus", &f, "--shard", &shard, "--out", c,
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let out = sinr(&["embed", "count", "reduce-pairs", c, "--scheduler", &url]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let on_cluster = d("cluster.sinr");
    let out = sinr(&[
        "embed",
        "train",
        "--counts",
        c,
        "--out",
        on_cluster.to_str().unwrap(),
    ]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    // The same directory reduced again in this process by DataFusion.
    for step in ["reduce-words", "reduce-pairs"] {
        if step == "reduce-pairs" {
            for i in 0..2 {
                let shard = format!("{i}/2");
                let out = sinr(&[
                    "embed", "count", "pairs", "--corpus", &f, "--shard", &shard, "--out", c,
                ]);
                assert!(out.status.success());
            }
        }
        let out = sinr(&["embed", "count", step, c]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let local = d("local.sinr");
    let out = sinr(&[
        "embed",
        "train",
        "--counts",
        c,
        "--out",
        local.to_str().unwrap(),
    ]);
    assert!(out.status.success());
    assert_eq!(
        model(&on_cluster),
        model(&local),
        "Ballista and DataFusion differ"
    );
    drop(cluster);
}
