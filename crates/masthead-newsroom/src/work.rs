//! CPU-heavy work: rendering and sanitising bodies, decoding and resizing images. It runs on
//! tokio's blocking threads, never on the async workers that answer requests, and at most so
//! many of a kind at once (a semaphore per kind, sized from the cores): the rest waits its turn
//! instead of sharing the cores and the memory with it.
//!
//! The permit moves into the blocking closure, so it is held until the work ends, even when
//! the request that asked for it has gone. Nothing here may wait on IO while holding one.

use std::sync::Arc;

use tokio::sync::Semaphore;

/// Which queue a piece of work waits in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// Rendering and sanitising a body: short, memory-light; one per core.
    Body,
    /// Decoding and resizing an image: seconds of CPU and hundreds of MB each; half the cores.
    Image,
}

/// The queues for CPU-heavy work, shared by every clone of a `Newsroom`.
#[derive(Debug, Clone)]
pub struct Work {
    bodies: Arc<Semaphore>,
    images: Arc<Semaphore>,
}

impl Work {
    /// At most `bodies` bodies and `images` images worked on at once (each at least one).
    pub fn new(bodies: usize, images: usize) -> Work {
        Work {
            bodies: Arc::new(Semaphore::new(bodies.max(1))),
            images: Arc::new(Semaphore::new(images.max(1))),
        }
    }

    /// Sized for this machine's cores: one body per core, one image per two cores.
    pub fn for_this_machine() -> Work {
        let cores = std::thread::available_parallelism().map_or(1, |n| n.get());
        Work::new(cores, cores / 2)
    }

    /// How many of `kind` may still start without waiting.
    pub fn available(&self, kind: Kind) -> usize {
        self.queue(kind).available_permits()
    }

    fn queue(&self, kind: Kind) -> &Arc<Semaphore> {
        match kind {
            Kind::Body => &self.bodies,
            Kind::Image => &self.images,
        }
    }

    /// Runs `f` on a blocking thread once a permit of `kind` is free, and returns what it
    /// returned. A panic in `f` is a bug, and goes on as a panic here.
    pub async fn run<T, F>(&self, kind: Kind, f: F) -> T
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        // The semaphores are never closed, so acquiring only waits.
        let permit =
            self.queue(kind).clone().acquire_owned().await.expect("the work queues are never closed");
        let task = tokio::task::spawn_blocking(move || {
            let _permit = permit;
            f()
        });
        match task.await {
            Ok(value) => value,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(e) => panic!("blocking work was cancelled: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};

    use super::*;

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn no_more_than_the_permitted_number_run_at_once() {
        let work = Work::new(3, 2);
        let running = Arc::new(AtomicUsize::new(0));
        let most = Arc::new(AtomicUsize::new(0));
        let mut tasks = Vec::new();
        for _ in 0..12 {
            let (work, running, most) = (work.clone(), running.clone(), most.clone());
            tasks.push(tokio::spawn(async move {
                work.run(Kind::Image, move || {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    most.fetch_max(now, Ordering::SeqCst);
                    // Long enough for the others to pile up behind the permits.
                    std::thread::sleep(std::time::Duration::from_millis(20));
                    running.fetch_sub(1, Ordering::SeqCst);
                })
                .await
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let most = most.load(Ordering::SeqCst);
        assert!((1..=2).contains(&most), "{most} images were worked on at once; at most 2 may be");
        assert_eq!(work.available(Kind::Image), 2, "every permit is back");
        assert_eq!(work.available(Kind::Body), 3, "the queues are separate");
    }

    #[tokio::test]
    async fn a_permit_is_held_until_the_work_ends_even_if_the_caller_leaves() {
        let work = Work::new(1, 1);
        let (started_tx, started_rx) = std::sync::mpsc::channel();
        let (finish_tx, finish_rx) = std::sync::mpsc::channel::<()>();
        let w = work.clone();
        let caller = tokio::spawn(async move {
            w.run(Kind::Body, move || {
                started_tx.send(()).unwrap();
                finish_rx.recv().unwrap();
            })
            .await
        });
        tokio::task::spawn_blocking(move || started_rx.recv().unwrap()).await.unwrap();
        caller.abort();
        assert_eq!(work.available(Kind::Body), 0, "the work still runs, so it still counts");
        finish_tx.send(()).unwrap();
        let _ = caller.await;
        work.run(Kind::Body, || ()).await;
        assert_eq!(work.available(Kind::Body), 1);
    }
}
