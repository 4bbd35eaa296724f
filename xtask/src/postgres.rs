//! A throw-away PostgreSQL server on loopback for the tests and benchmarks,
//! from Debian's packages (installed when missing). Nothing is started when
//! `BELL_TEST_POSTGRES_URL` already names a server.

use std::path::PathBuf;
use std::process::Command;

use crate::tools::{Result, apt_install, output, sh};

/// A running server; stopped and deleted when dropped.
pub struct Postgres {
    pub url: String,
    data: Option<(PathBuf, Option<&'static str>, PathBuf)>,
}

impl Drop for Postgres {
    fn drop(&mut self) {
        if let Some((dir, user, bin)) = self.data.take() {
            let _ = as_user(user, bin.join("pg_ctl"))
                .args(["stop", "-m", "immediate", "-D"])
                .arg(dir.join("data"))
                .status();
            let _ = std::fs::remove_dir_all(dir);
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

/// `tuned_for`: "tests" (no fsync: the data is thrown away) or "bench"
/// (durable commits, as in production).
pub fn start(tuned_for: &str) -> Result<Postgres> {
    if let Some(url) = std::env::var("BELL_TEST_POSTGRES_URL").ok().filter(|u| !u.is_empty()) {
        return Ok(Postgres { url, data: None });
    }
    let bin = match server_bin() {
        Some(bin) => bin,
        None => {
            apt_install(&["postgresql"])?;
            server_bin().ok_or("postgresql is installed but no initdb was found under /usr/lib/postgresql")?
        }
    };
    let root = output(Command::new("id").arg("-u")).as_deref() == Some("0");
    let user = root.then_some("postgres");
    let dir = std::env::temp_dir().join(format!("qontak-bell-pg-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    if root {
        sh(Command::new("chown").arg("postgres").arg(&dir))?;
    }
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map_err(|e| format!("no free port: {e}"))?
        .port();
    let mut server = Postgres { url: format!("postgres://bell@127.0.0.1:{port}/postgres"), data: None };
    sh(as_user(user, bin.join("initdb"))
        .args(["-U", "bell", "-A", "trust", "-E", "UTF8", "--no-sync", "-D"])
        .arg(dir.join("data"))
        .current_dir(&dir))?;
    server.data = Some((dir.clone(), user, bin.clone()));
    let durability =
        if tuned_for == "bench" { "" } else { " -c fsync=off -c synchronous_commit=off -c full_page_writes=off" };
    let options = format!(
        "-p {port} -k {} -c listen_addresses=127.0.0.1 -c max_connections=400 -c shared_buffers=256MB{durability}",
        dir.display()
    );
    sh(as_user(user, bin.join("pg_ctl"))
        .args(["start", "-w", "-t", "60", "-D"])
        .arg(dir.join("data"))
        .arg("-l")
        .arg(dir.join("server.log"))
        .args(["-o", &options])
        .current_dir(&dir))?;
    eprintln!("PostgreSQL for the {tuned_for} at {} (log: {})", server.url, dir.join("server.log").display());
    Ok(server)
}
