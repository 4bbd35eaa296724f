//! The deployment of docs/DEPLOYMENT.md, for real on loopback: two
//! `bell-server` processes on one PostgreSQL database behind nginx running
//! `deploy/nginx.conf`. Events stream through the proxy as they happen
//! (buffering off), and a rolling restart loses nothing: the stream held by
//! the stopped instance ends, the client resumes through nginx on the other
//! with `Last-Event-ID`, and new events are accepted meanwhile. Once with
//! LISTEN/NOTIFY as the bus between the instances, once with NATS.
//!
//! Needs PostgreSQL and nginx (`cargo xtask test` provides both); without
//! them it says so and passes.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use common::process::ServerProcess;
use common::sse::Stream;
use common::*;
use reqwest::StatusCode;

const NGINX: &str = "/usr/sbin/nginx";

struct Nginx(Child);

impl Drop for Nginx {
    fn drop(&mut self) {
        // SIGTERM to the master stops its workers too (SIGKILL would orphan them).
        let _ = Command::new("kill").arg("-TERM").arg(self.0.id().to_string()).status();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// nginx in the foreground with `deploy/nginx.conf` pointed at `upstreams`.
async fn nginx(dir: &Path, upstreams: [&str; 2]) -> (Nginx, String) {
    let site = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../deploy/nginx.conf")).unwrap();
    let port = free_port();
    let site = site
        .replace("127.0.0.1:8081", upstreams[0])
        .replace("127.0.0.1:8082", upstreams[1])
        .replace("listen 127.0.0.1:8080", &format!("listen 127.0.0.1:{port}"));
    assert!(site.contains(upstreams[0]) && site.contains(upstreams[1]), "the addresses of deploy/nginx.conf");
    let d = dir.display();
    let conf = format!(
        "worker_processes 1;\nerror_log {d}/error.log warn;\npid {d}/nginx.pid;\nevents {{ worker_connections 256; }}\n\
         http {{\n access_log off;\n client_body_temp_path {d}/body;\n proxy_temp_path {d}/proxy;\n\
         fastcgi_temp_path {d}/fastcgi;\n uwsgi_temp_path {d}/uwsgi;\n scgi_temp_path {d}/scgi;\n{site}\n}}\n"
    );
    std::fs::write(dir.join("nginx.conf"), conf).unwrap();
    // Workers may run as another user: let them write their temp folders.
    Command::new("chmod").arg("777").arg(dir).status().unwrap();
    let child = Command::new(NGINX)
        .arg("-p")
        .arg(dir)
        .arg("-c")
        .arg(dir.join("nginx.conf"))
        .args(["-g", "daemon off;"])
        .stdout(Stdio::null())
        .spawn()
        .unwrap();
    let proxy = Nginx(child);
    let base = format!("http://127.0.0.1:{port}");
    for _ in 0..200 {
        if reqwest::get(format!("{base}/healthz")).await.is_ok_and(|r| r.status().is_success()) {
            return (proxy, base);
        }
        tokio::time::sleep(Duration::from_millis(25)).await;
    }
    panic!("nginx did not come up: {}", std::fs::read_to_string(dir.join("error.log")).unwrap_or_default());
}

#[tokio::test]
async fn two_instances_behind_nginx_stream_live_and_survive_a_rolling_restart() {
    if ready() {
        behind_nginx(&[]).await;
    }
}

/// The same with NATS as the bus between the two instances.
#[tokio::test]
async fn the_same_with_nats_as_the_bus() {
    if ready() {
        let nats = common::nats::NatsServer::start().await;
        behind_nginx(&[("BELL_BUS_URL", &nats.url)]).await;
    }
}

fn ready() -> bool {
    let ready = on_postgres() && Path::new(NGINX).exists();
    if !ready {
        eprintln!("needs PostgreSQL and {NGINX}: skipped");
    }
    ready
}

async fn behind_nginx(env: &[(&str, &str)]) {
    let dir = tempfile::tempdir().unwrap();
    let url = fresh_database(dir.path()).await;
    let a = ServerProcess::spawn(&url, env).await;
    let b = ServerProcess::spawn(&url, env).await;
    let (a_addr, b_addr) =
        (a.base.trim_start_matches("http://").to_owned(), b.base.trim_start_matches("http://").to_owned());
    let (_nginx, proxy) = nginx(dir.path(), [&a_addr, &b_addr]).await;
    let client = reqwest::Client::new();
    let user = bell_server::Auth::new(JWT_SECRET, SERVICE_TOKEN).issue("u-2", 600);
    let ingest = |id: &str| {
        let (client, proxy, body) = (client.clone(), proxy.clone(), event(id, "mention", "u-1", &["u-2"]));
        async move {
            let res = client.post(format!("{proxy}/v1/events")).bearer_auth(SERVICE_TOKEN).json(&body).send().await;
            res.unwrap().status()
        }
    };

    // Live through the proxy: each event arrives while the stream stays open.
    let mut stream = Stream::open_at(&client, &proxy, &user, None).await;
    assert_eq!(stream.next().await.event, "counts");
    assert_eq!(ingest("r-1").await, StatusCode::ACCEPTED);
    let first = stream.next_of("notification").await;
    assert_eq!(first.data["kind"], "mention");

    // nginx keeps connections to the instances alive for requests, but
    // gives each stream a fresh one, which the lean writer serves.
    for _ in 0..6 {
        ServerProcess::general_page(&client, &proxy, &user).await;
    }
    let mut more = Vec::new();
    for _ in 0..3 {
        let mut s = Stream::open_at(&client, &proxy, &user, None).await;
        assert_eq!(s.next().await.event, "counts");
        more.push(s);
    }
    let (mut streams, mut reused) = (0, 0);
    for instance in [&a, &b] {
        let health: serde_json::Value =
            client.get(format!("{}/healthz", instance.base)).send().await.unwrap().json().await.unwrap();
        streams += health["streams"].as_u64().unwrap();
        reused += health["streams_on_reused_connections"].as_u64().unwrap();
    }
    assert_eq!((streams, reused), (4, 0), "4 streams, none on a kept-alive connection");
    drop(more);

    // A rolling restart: stop A, start it again, then the same with B.
    // Events keep being accepted; the stream held by a stopped instance
    // ends and the client resumes through nginx from the last id it saw, as
    // `EventSource` does. It gets every notification exactly once.
    let mut last = first.id.clone();
    let mut seen = vec![first.data["id"].as_str().unwrap().to_owned()];
    let mut resumed = 0;
    let mut instances = [Some(a), Some(b)];
    let mut n = 1;
    for slot in &mut instances {
        let old = slot.take().unwrap();
        let port = old.port();
        old.stop().await;
        for _ in 0..2 {
            n += 1;
            let status = ingest(&format!("r-{n}")).await;
            if status != StatusCode::ACCEPTED {
                let log = std::fs::read_to_string(dir.path().join("error.log")).unwrap_or_default();
                panic!("{status} during the restart; nginx says:\n{log}");
            }
        }
        *slot = Some(ServerProcess::spawn_on(port, &url, env).await);
        while seen.len() < n {
            match stream.try_next(Duration::from_secs(3)).await {
                Some(e) => {
                    last = e.id.clone();
                    if e.event == "notification" {
                        seen.push(e.data["id"].as_str().unwrap().to_owned());
                    }
                }
                None => {
                    stream = Stream::open_at(&client, &proxy, &user, Some(&last)).await;
                    resumed += 1;
                }
            }
        }
    }
    assert!(resumed >= 1, "the stream moved to the other instance at least once");
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(unique.len(), seen.len(), "each once: {seen:?}");
    let page = ServerProcess::general_page(&client, &proxy, &user).await;
    assert_eq!(page["items"].as_array().unwrap().len(), 5, "nothing lost");
    assert_eq!(seen.len(), 5);
}
