//! A real `nats-server` (Debian's package; `cargo xtask test` installs it)
//! on a loopback port, for the tests that run the processes' bus over NATS.
//! It can be killed and started again on the same port.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

const NATS_SERVER: &str = "/usr/sbin/nats-server";

pub struct NatsServer {
    pub url: String,
    port: u16,
    child: Option<Child>,
}

impl NatsServer {
    pub async fn start() -> NatsServer {
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let mut nats = NatsServer { url: format!("nats://127.0.0.1:{port}"), port, child: None };
        nats.restart().await;
        nats
    }

    /// Starts it (again), on its port, and waits until it accepts connections.
    pub async fn restart(&mut self) {
        assert!(std::path::Path::new(NATS_SERVER).exists(), "{NATS_SERVER} is missing: `cargo xtask test` installs it");
        let child = Command::new(NATS_SERVER)
            .args(["-a", "127.0.0.1", "-p", &self.port.to_string()])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        self.child = Some(child);
        for _ in 0..400 {
            if tokio::net::TcpStream::connect(("127.0.0.1", self.port)).await.is_ok() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("nats-server did not come up on port {}", self.port);
    }

    /// Kills it at once (no goodbye to its clients).
    pub fn kill(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
    }
}

impl Drop for NatsServer {
    fn drop(&mut self) {
        self.kill();
    }
}
