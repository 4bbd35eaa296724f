//! `bell-server [--demo]`: reads the environment (API.md §1) and serves until
//! Ctrl-C or SIGTERM, finishing in-flight requests.

use bell_server::Config;
use tracing_subscriber::EnvFilter;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_env_filter(EnvFilter::try_from_env("BELL_LOG").unwrap_or_else(|_| EnvFilter::new("info,sqlx=warn")))
        .init();
    let demo = std::env::args().skip(1).any(|a| a == "--demo");
    let config = match Config::from_env(demo, |k| std::env::var(k).ok()) {
        Ok(c) => c,
        Err(e) => {
            eprintln!("bell-server: {e:#}");
            std::process::exit(2);
        }
    };
    let running = bell_server::start(config, shutdown_signal()).await?;
    tracing::info!(addr = %running.addr, demo, "bell-server listening");
    running.task.await??;
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        if let Ok(mut s) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            s.recv().await;
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down");
}
