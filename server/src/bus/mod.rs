//! Carries the hub's wake-ups, pop-ups and preference changes between
//! server processes that share one PostgreSQL database: over NATS when
//! `BELL_BUS_URL` names a server (`nats`: each process hears only the users
//! it holds streams of), else over PostgreSQL's own LISTEN/NOTIFY (`notify`:
//! nothing more to run, every process hears everything). SQLite has one
//! process and no bus.

pub mod nats;
pub mod notify;

use std::sync::Arc;
use std::sync::atomic::AtomicU64;

/// Which bus a process uses, and how many messages it has received on it
/// (the bus benchmark compares them).
#[derive(Clone, Default)]
pub struct BusInfo {
    pub kind: &'static str,
    pub received: Arc<AtomicU64>,
}
