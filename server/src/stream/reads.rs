//! Streams woken together read the store together.
//!
//! A stream never pushes from memory: woken, it reads what is new after its
//! position (see `super`). An event to 1,000 users wakes 1,000 streams at
//! once; read one by one, that is 3,000 queries, each a round trip to a
//! database connection. Here the reads queue, and whatever queued while the
//! previous reads ran is answered by one read for all of them
//! ([`Store::stream_since_many`]), like the ingest writer's group commit. A
//! lone read goes out at once, as before.

use std::sync::Arc;

use bell_protocol::StreamPosition;
use tokio::sync::{Semaphore, mpsc, oneshot};

use crate::store::{Store, StreamAsk, StreamRead};

/// Most streams answered by one read (its JSON parameter about 50 KB).
const MAX_ASKS: usize = 1_000;

struct Ask {
    ask: StreamAsk,
    reply: oneshot::Sender<Result<StreamRead, Arc<anyhow::Error>>>,
}

/// The queue of stream reads; cheap to clone (one per stream).
#[derive(Clone)]
pub struct Reads {
    queue: mpsc::UnboundedSender<Ask>,
}

impl Reads {
    /// Answers reads of up to `limit` items of each kind, with at most
    /// `parallel` reads in flight (the rest of the pool serves pages).
    pub fn start(store: Store, limit: u32, parallel: usize) -> Reads {
        let (queue, asks) = mpsc::unbounded_channel();
        tokio::spawn(answer(store, limit, parallel.max(1), asks));
        Reads { queue }
    }

    /// What is new for `user` after `from` (with the counts if anything is,
    /// or if `counts` is asked).
    pub async fn read(&self, user: Arc<str>, from: StreamPosition, counts: bool) -> anyhow::Result<StreamRead> {
        let (reply, answer) = oneshot::channel();
        self.queue
            .send(Ask { ask: StreamAsk { user, from, counts }, reply })
            .map_err(|_| anyhow::anyhow!("the stream reader has stopped"))?;
        match answer.await {
            Ok(Ok(found)) => Ok(found),
            Ok(Err(e)) => Err(anyhow::anyhow!("{e:#}")),
            Err(_) => anyhow::bail!("the stream reader dropped a read"),
        }
    }
}

async fn answer(store: Store, limit: u32, parallel: usize, mut queue: mpsc::UnboundedReceiver<Ask>) {
    let slots = Arc::new(Semaphore::new(parallel));
    loop {
        // A free slot first: while every slot reads, asks gather.
        let Ok(slot) = slots.clone().acquire_owned().await else { return };
        let mut asks = Vec::new();
        if queue.recv_many(&mut asks, MAX_ASKS).await == 0 {
            return;
        }
        let store = store.clone();
        tokio::spawn(async move {
            let _slot = slot;
            let (asks, replies): (Vec<StreamAsk>, Vec<_>) = asks.into_iter().map(|a| (a.ask, a.reply)).unzip();
            match store.stream_since_many(&asks, limit, crate::clock::now_ms()).await {
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
