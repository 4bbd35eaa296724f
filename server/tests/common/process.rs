//! The real `bell-server` binary as its own process, for what only a
//! process shows: signals, logs, several processes on one database.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use super::{JWT_SECRET, SERVICE_TOKEN};

pub struct ServerProcess {
    pub base: String,
    pub child: Child,
}

impl ServerProcess {
    /// Starts the binary on a free loopback port over `database_url` and
    /// waits until `/healthz` answers.
    pub async fn spawn(database_url: &str, env: &[(&str, &str)]) -> ServerProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        Self::spawn_on(port, database_url, env).await
    }

    /// The same on a given port (a restarted instance keeps its address).
    pub async fn spawn_on(port: u16, database_url: &str, env: &[(&str, &str)]) -> ServerProcess {
        Self::start(Command::new(env!("CARGO_BIN_EXE_bell-server")), port, database_url, env).await
    }

    /// The binary allowed only `fds` open files (soft and hard limit).
    pub async fn spawn_with_fd_limit(database_url: &str, env: &[(&str, &str)], fds: u32) -> ServerProcess {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut shell = Command::new("sh");
        shell.arg("-c").arg(format!("ulimit -n {fds} && exec \"$0\"")).arg(env!("CARGO_BIN_EXE_bell-server"));
        Self::start(shell, port, database_url, env).await
    }

    async fn start(mut command: Command, port: u16, database_url: &str, env: &[(&str, &str)]) -> ServerProcess {
        let child = command
            .env("BELL_LISTEN", format!("127.0.0.1:{port}"))
            .env("BELL_JWT_SECRET", JWT_SECRET)
            .env("BELL_SERVICE_TOKEN", SERVICE_TOKEN)
            .env("BELL_DATABASE_URL", database_url)
            .env("BELL_LOG", "warn")
            .envs(env.iter().copied())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        let server = ServerProcess { base: format!("http://127.0.0.1:{port}"), child };
        let client = reqwest::Client::new();
        for _ in 0..400 {
            if client.get(format!("{}/healthz", server.base)).send().await.is_ok_and(|r| r.status().is_success()) {
                return server;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        panic!("bell-server did not come up at {}", server.base);
    }

    /// SIGTERM: a graceful stop.
    pub fn terminate(&self) {
        Command::new("kill").arg("-TERM").arg(self.child.id().to_string()).status().unwrap();
    }

    /// SIGTERM, then waits for the exit (at most 10 s).
    pub async fn stop(mut self) {
        self.terminate();
        for _ in 0..500 {
            if self.child.try_wait().unwrap().is_some() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
        panic!("bell-server did not stop within 10 s");
    }

    /// The first page of `user`'s General tab, as served at `base` (this
    /// process, or a proxy in front of it).
    pub async fn general_page(client: &reqwest::Client, base: &str, user_token: &str) -> serde_json::Value {
        let res = client.get(format!("{base}/v1/notifications?tab=general")).bearer_auth(user_token).send().await;
        res.unwrap().json().await.unwrap()
    }

    pub fn port(&self) -> u16 {
        self.base.rsplit(':').next().unwrap().parse().unwrap()
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
