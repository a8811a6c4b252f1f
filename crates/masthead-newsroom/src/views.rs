//! Views of republished copies, counted in this process's memory and added to the records in
//! aggregates (`republications::flush_views`) by the `flush-views` job, and once more when the
//! server stops, so that a hit on the tracking image never waits for, or writes to, the
//! database.
//!
//! The counter is per node; the flush adds (`Store::add_republication_views`), so any number
//! of nodes may count the same article. Memory is bounded twice: at most
//! [`MAX_HOSTS_PER_DAY`] sites per article and day (further sites count under
//! [`OTHER_HOSTS`]), and at most [`MAX_PENDING_TALLIES`] tallies between two flushes (further
//! new ones are dropped and the loss is logged). Whether the article exists is checked when the
//! counts are added, not on each hit.

use std::collections::HashMap;
use std::sync::Mutex;

use jiff::Timestamp;
use masthead_core::ViewTally;
use masthead_core::republication::{MAX_HOSTS_PER_DAY, OTHER_HOSTS, view_day};

/// Distinct (article, site, day) tallies kept between two flushes.
pub const MAX_PENDING_TALLIES: usize = 20_000;

/// Views counted since the last flush.
#[derive(Debug, Default)]
pub struct ViewCounter {
    inner: Mutex<Pending>,
}

#[derive(Debug, Default)]
struct Pending {
    /// (article, day, host) → views, first and last seen.
    tallies: HashMap<(i64, String, String), (i64, Timestamp, Timestamp)>,
    /// (article, day) → sites named in `tallies`.
    hosts: HashMap<(i64, String), usize>,
    /// New tallies refused since the last flush because `tallies` was full.
    dropped: u64,
}

impl Pending {
    fn add(
        &mut self,
        article_id: i64,
        host: &str,
        day: String,
        views: i64,
        first: Timestamp,
        last: Timestamp,
    ) {
        let mut key = (article_id, day, host.to_owned());
        if !self.tallies.contains_key(&key) {
            let named = self.hosts.get(&(article_id, key.1.clone())).copied().unwrap_or(0);
            if host != OTHER_HOSTS && named >= MAX_HOSTS_PER_DAY {
                key.2 = OTHER_HOSTS.to_owned();
            }
        }
        if !self.tallies.contains_key(&key) {
            if self.tallies.len() >= MAX_PENDING_TALLIES {
                self.dropped += 1;
                return;
            }
            if key.2 != OTHER_HOSTS {
                *self.hosts.entry((article_id, key.1.clone())).or_default() += 1;
            }
        }
        let entry = self.tallies.entry(key).or_insert((0, first, last));
        entry.0 += views;
        entry.1 = entry.1.min(first);
        entry.2 = entry.2.max(last);
    }
}

impl ViewCounter {
    /// Counts one view of `article_id` on `host` (already checked with
    /// `republication::site_host`) at `at`. Never waits for anything but a short lock.
    pub fn count(&self, article_id: i64, host: &str, at: Timestamp) {
        let mut pending = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        pending.add(article_id, host, view_day(at), 1, at, at);
    }

    /// Tallies waiting for the next flush.
    pub fn pending(&self) -> usize {
        self.inner.lock().unwrap_or_else(|e| e.into_inner()).tallies.len()
    }

    /// Takes everything counted so far.
    pub(crate) fn take(&self) -> (Vec<ViewTally>, u64) {
        let taken = std::mem::take(&mut *self.inner.lock().unwrap_or_else(|e| e.into_inner()));
        let tallies = taken
            .tallies
            .into_iter()
            .map(|((article_id, day, host), (views, first_seen, last_seen))| ViewTally {
                article_id,
                host,
                day,
                views,
                first_seen,
                last_seen,
            })
            .collect();
        (tallies, taken.dropped)
    }

    /// Puts back tallies that could not be written, so that a failed flush loses nothing.
    pub(crate) fn restore(&self, tallies: Vec<ViewTally>) {
        let mut pending = self.inner.lock().unwrap_or_else(|e| e.into_inner());
        for t in tallies {
            pending.add(t.article_id, &t.host, t.day, t.views, t.first_seen, t.last_seen);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sites_past_the_bound_count_under_other_and_views_add_up() {
        let counter = ViewCounter::default();
        let at = Timestamp::from_second(1_800_000_000).unwrap();
        for n in 0..(MAX_HOSTS_PER_DAY + 50) {
            counter.count(7, &format!("site{n}.example"), at);
            counter.count(7, &format!("site{n}.example"), at);
        }
        counter.count(8, "site0.example", at);
        let (tallies, dropped) = counter.take();
        assert_eq!(dropped, 0);
        let of_seven: Vec<&ViewTally> = tallies.iter().filter(|t| t.article_id == 7).collect();
        assert_eq!(of_seven.len(), MAX_HOSTS_PER_DAY + 1, "the bound, and one bucket for the rest");
        let other = of_seven.iter().find(|t| t.host == OTHER_HOSTS).unwrap();
        assert_eq!(other.views, 100);
        assert_eq!(tallies.iter().map(|t| t.views).sum::<i64>(), 2 * (MAX_HOSTS_PER_DAY as i64 + 50) + 1);
        assert_eq!(counter.pending(), 0, "taken");
    }

    #[test]
    fn the_pending_tallies_are_bounded() {
        let counter = ViewCounter::default();
        let at = Timestamp::from_second(1_800_000_000).unwrap();
        for id in 0..(MAX_PENDING_TALLIES as i64 + 10) {
            counter.count(id, "news.example", at);
        }
        counter.count(0, "news.example", at); // an existing tally still counts
        let (tallies, dropped) = counter.take();
        assert_eq!((tallies.len(), dropped), (MAX_PENDING_TALLIES, 10));
        assert_eq!(tallies.iter().find(|t| t.article_id == 0).unwrap().views, 2);
    }
}
