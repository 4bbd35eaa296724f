//! PostgreSQL servers on loopback for the tests and benchmarks, from
//! Debian's packages (installed when missing). Nothing is started when
//! `BELL_TEST_POSTGRES_URL` already names a server.

use std::path::PathBuf;
use std::process::Command;

use crate::tools::{Result, apt_install, output, root, sh};

/// A running server; stopped when dropped (and deleted, unless kept).
pub struct Postgres {
    pub url: String,
    running: Option<Running>,
}

struct Running {
    /// Holds `data/` and the socket and log.
    dir: PathBuf,
    keep: bool,
    user: Option<&'static str>,
    bin: PathBuf,
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            let _ = as_user(r.user, r.bin.join("pg_ctl"))
                .args(["stop", "-m", "fast", "-D"])
                .arg(r.dir.join("data"))
                .status();
            if !r.keep {
                let _ = std::fs::remove_dir_all(r.dir);
            }
        }
    }
}

/// Runs a PostgreSQL program as `user` (the server refuses to run as root).
fn as_user(user: Option<&str>, program: PathBuf) -> Command {
    match user {
        Some(user) => {
            let mut c = Command::new("runuser");
            c.args(["-u", user, "--"]).arg(program);
            c
        }
        None => Command::new(program),
    }
}

/// The newest installed server's programs (`/usr/lib/postgresql/<v>/bin`).
fn server_bin() -> Option<PathBuf> {
    let mut versions: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .ok()?
        .filter_map(|e| e.ok())
        .filter_map(|e| Some((e.file_name().to_str()?.parse().ok()?, e.path().join("bin"))))
        .filter(|(_, bin)| bin.join("initdb").exists())
        .collect();
    versions.sort();
    versions.pop().map(|(_, bin)| bin)
}

/// A throw-away server for the tests: no fsync (the data is deleted after).
pub fn for_tests() -> Result<Postgres> {
    let dir = std::env::temp_dir().join(format!("qontak-bell-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    start(dir, false, " -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
}

/// The benchmarks' server: durable commits as in production, its data kept
/// in `target/bench/pg` so the seeded million rows survive between runs.
pub fn for_bench() -> Result<Postgres> {
    start(root().join("target/bench/pg"), true, "")
}

fn start(dir: PathBuf, keep: bool, settings: &str) -> Result<Postgres> {
    if let Some(url) = std::env::var("BELL_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty()) {
        return Ok(Postgres { url, running: None });
    }
    let bin = match server_bin() {
        Some(bin) => bin,
        None => {
            apt_install(&["postgresql"])?;
            server_bin().ok_or("postgresql is installed but no initdb was found under /usr/lib/postgresql")?
        }
    };
    let root_user = output(Command::new("id").arg("-u")).as_deref() == Some("0");
    let user = root_user.then_some("postgres");
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if root_user {
        sh(Command::new("chown").arg("-R").arg("postgres").arg(&dir))?;
    }
    let data = dir.join("data");
    if !data.join("PG_VERSION").exists() {
        sh(as_user(user, bin.join("initdb"))
            .args(["-U", "bell", "-A", "trust", "-E", "UTF8", "--no-sync", "-D"])
            .arg(&data)
            .current_dir(&dir))?;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    let mut server = Postgres { url: format!("postgres://bell@127.0.0.1:{port}/postgres"), running: None };
    let options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=400 -c shared_buffers=512MB{settings}",
        dir.display()
    );
    sh(as_user(user, bin.join("pg_ctl"))
        .args(["start", "-w", "-t", "120", "-D"])
        .arg(&data)
        .arg("-l")
        .arg(dir.join("server.log"))
        .args(["-o", &options])
        .current_dir(&dir))?;
    server.running = Some(Running { dir: dir.clone(), keep, user, bin });
    eprintln!("PostgreSQL at {} (log: {})", server.url, dir.join("server.log").display());
    Ok(server)
}
