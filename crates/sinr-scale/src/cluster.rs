//! A Ballista cluster made of this binary: a scheduler and executors, each a process, for the
//! reduce steps with [`crate::Engine::Ballista`]. The same plan DataFusion runs in one process
//! is cut into stages that the executors run, exchanging shuffle files between them.

use std::path::PathBuf;
use std::sync::Arc;

use crate::error::{Error, Result};

fn engine_err(e: impl std::fmt::Display) -> Error {
    Error::Engine {
        engine: "Ballista",
        message: e.to_string(),
    }
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .thread_stack_size(32 << 20)
        .build()
        .map_err(engine_err)
}

/// Runs a Ballista scheduler on `host:port` until the process is stopped.
///
/// # Errors
/// The address cannot be bound, or the scheduler fails.
pub fn run_scheduler(host: &str, port: u16) -> Result<()> {
    use ballista_scheduler::cluster::BallistaCluster;
    use ballista_scheduler::config::SchedulerConfig;
    use ballista_scheduler::scheduler_process::start_server;
    let addr = format!("{host}:{port}")
        .parse()
        .map_err(|e| engine_err(format!("address {host}:{port}: {e}")))?;
    runtime()?.block_on(async {
        let config = SchedulerConfig {
            bind_host: host.to_owned(),
            bind_port: port,
            ..SchedulerConfig::default()
        };
        let cluster = BallistaCluster::new_from_config(&config)
            .await
            .map_err(engine_err)?;
        start_server(cluster, addr, Arc::new(config))
            .await
            .map_err(engine_err)
    })
}

/// Where an executor listens and which scheduler it serves.
#[derive(Debug, Clone)]
pub struct ExecutorSettings {
    /// The scheduler's host.
    pub scheduler_host: String,
    /// The scheduler's port.
    pub scheduler_port: u16,
    /// The executor's Flight port (shuffle data).
    pub port: u16,
    /// The executor's gRPC port (tasks).
    pub grpc_port: u16,
    /// Tasks run at once (`None`: one per core).
    pub concurrency: Option<usize>,
    /// Where shuffle files go (`None`: a temporary directory).
    pub work_dir: Option<PathBuf>,
}

/// Runs a Ballista executor until the process is stopped.
///
/// # Errors
/// The ports cannot be bound, the scheduler cannot be reached, or the executor fails.
pub fn run_executor(s: &ExecutorSettings) -> Result<()> {
    use ballista_executor::executor_process::{ExecutorProcessConfig, start_executor_process};
    let mut config = ExecutorProcessConfig {
        scheduler_host: s.scheduler_host.clone(),
        scheduler_port: s.scheduler_port,
        port: s.port,
        grpc_port: s.grpc_port,
        work_dir: s.work_dir.as_ref().map(|d| d.display().to_string()),
        print_thread_info: false,
        ..ExecutorProcessConfig::default()
    };
    if let Some(c) = s.concurrency {
        config.vcores = c.max(1);
    }
    runtime()?.block_on(async {
        start_executor_process(Arc::new(config))
            .await
            .map_err(engine_err)
    })
}
