//! Streams woken together read the store together.
//!
//! A stream never pushes from memory: woken, it reads what is new after its
//! position (see `super`). An event to 1,000 users wakes 1,000 streams at
//! once; read one by one, that is 3,000 queries, each a round trip to a
//! database connection. So reads take one of a few slots: a stream that
//! finds a slot free and nobody waiting reads at once, on its own task (one
//! stream woken at a time, the usual case, pays nothing more); the others
//! queue, and whatever queued while the slots were busy is answered by one
//! read for all of them ([`Store::stream_since_many`]), like the ingest
//! writer's group commit.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use bell_protocol::StreamPosition;
use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::store::{Store, StreamAsk, StreamRead};

/// Most streams answered by one read (its JSON parameter about 50 KB).
const MAX_ASKS: usize = 1_000;

struct Ask {
    ask: StreamAsk,
    reply: oneshot::Sender<Result<StreamRead, Arc<anyhow::Error>>>,
}

struct Shared {
    store: Store,
    limit: u32,
    /// Reads in flight at most (the rest of the pool serves pages).
    slots: Arc<Semaphore>,
    queue: mpsc::UnboundedSender<Ask>,
    /// Asks queued and not yet taken.
    waiting: AtomicUsize,
}

/// The stream reads of a process; cheap to clone (one per stream).
#[derive(Clone)]
pub struct Reads(Arc<Shared>);

impl Reads {
    /// Answers reads of up to `limit` items of each kind, with at most
    /// `parallel` reads in flight.
    pub fn start(store: Store, limit: u32, parallel: usize) -> Reads {
        let (queue, asks) = mpsc::unbounded_channel();
        let slots = Arc::new(Semaphore::new(parallel.max(1)));
        let reads = Reads(Arc::new(Shared { store, limit, slots, queue, waiting: AtomicUsize::new(0) }));
        tokio::spawn(answer(reads.0.clone(), asks));
        reads
    }

    /// What is new for `user` after `from` (with the counts if anything is,
    /// or if `counts` is asked).
    pub async fn read(&self, user: Arc<str>, from: StreamPosition, counts: bool) -> anyhow::Result<StreamRead> {
        let shared = &self.0;
        // A free slot only goes to a stream when nobody waits (the semaphore
        // is fair: the queue's reader waiting for a slot gets the next one).
        if shared.waiting.load(Ordering::Acquire) == 0
            && let Ok(_slot) = shared.slots.try_acquire()
        {
            let now = crate::clock::now_ms();
            return shared.store.stream_since(&user, from, shared.limit, now, counts).await;
        }
        let (reply, answer) = oneshot::channel();
        shared.waiting.fetch_add(1, Ordering::AcqRel);
        shared
            .queue
            .send(Ask { ask: StreamAsk { user, from, counts }, reply })
            .map_err(|_| anyhow::anyhow!("the stream reader has stopped"))?;
        match answer.await {
            Ok(Ok(found)) => Ok(found),
            Ok(Err(e)) => Err(anyhow::anyhow!("{e:#}")),
            Err(_) => anyhow::bail!("the stream reader dropped a read"),
        }
    }
}

/// Takes what queued whenever a slot is free, and answers it with one read.
async fn answer(shared: Arc<Shared>, mut queue: mpsc::UnboundedReceiver<Ask>) {
    loop {
        let mut asks = Vec::new();
        if queue.recv_many(&mut asks, MAX_ASKS).await == 0 {
            return;
        }
        // What queued meanwhile rides along.
        let Ok(slot) = shared.slots.clone().acquire_owned().await else { return };
        while asks.len() < MAX_ASKS {
            match queue.try_recv() {
                Ok(ask) => asks.push(ask),
                Err(_) => break,
            }
        }
        shared.waiting.fetch_sub(asks.len(), Ordering::AcqRel);
        let shared = shared.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let (asks, replies): (Vec<StreamAsk>, Vec<_>) = asks.into_iter().map(|a| (a.ask, a.reply)).unzip();
            match shared.store.stream_since_many(&asks, shared.limit, crate::clock::now_ms()).await {
                Ok(found) => {
                    for (reply, found) in replies.into_iter().zip(found) {
                        let _ = reply.send(Ok(found));
                    }
                }
                Err(e) => {
                    let e = Arc::new(e);
                    for reply in replies {
                        let _ = reply.send(Err(e.clone()));
                    }
                }
            }
        });
    }
}
