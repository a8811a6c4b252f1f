//! A token bucket per client address, in memory, for requests cheap enough to answer but not
//! to act on without end (the tracking image). The map of buckets is bounded: when it is full,
//! buckets that have filled up again are forgotten, and an address that still finds no room
//! is refused until some do. IPv6 clients are counted per /64, the block one host usually has.

use std::collections::HashMap;
use std::net::IpAddr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Buckets per client address.
#[derive(Debug)]
pub struct AddressLimits {
    burst: f64,
    refill_every: Duration,
    max_clients: usize,
    buckets: Mutex<HashMap<String, Bucket>>,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    at: Instant,
}

impl AddressLimits {
    /// `burst` requests at once per address, then one per `refill_every`; at most
    /// `max_clients` addresses remembered.
    pub fn new(burst: u32, refill_every: Duration, max_clients: usize) -> AddressLimits {
        AddressLimits { burst: f64::from(burst), refill_every, max_clients, buckets: Mutex::default() }
    }

    /// Whether `client` (an IP address as text, or anything else, counted as itself) may act
    /// now; takes a token when it may.
    pub fn admit(&self, client: &str) -> bool {
        self.admit_at(client, Instant::now())
    }

    fn admit_at(&self, client: &str, now: Instant) -> bool {
        let key = client_key(client);
        let mut buckets = self.buckets.lock().unwrap_or_else(|e| e.into_inner());
        if !buckets.contains_key(&key) && buckets.len() >= self.max_clients {
            buckets.retain(|_, b| self.refilled(*b, now) < self.burst);
            if buckets.len() >= self.max_clients {
                return false;
            }
        }
        let bucket = buckets.entry(key).or_insert(Bucket { tokens: self.burst, at: now });
        let tokens = self.refilled(*bucket, now);
        if tokens < 1.0 {
            *bucket = Bucket { tokens, at: now };
            return false;
        }
        *bucket = Bucket { tokens: tokens - 1.0, at: now };
        true
    }

    fn refilled(&self, b: Bucket, now: Instant) -> f64 {
        let gained = now.saturating_duration_since(b.at).as_secs_f64() / self.refill_every.as_secs_f64();
        (b.tokens + gained).min(self.burst)
    }
}

/// The address as counted: IPv4 whole, IPv6 by its /64.
fn client_key(client: &str) -> String {
    match client.parse::<IpAddr>() {
        Ok(IpAddr::V6(v6)) if v6.to_ipv4_mapped().is_none() => {
            let s = v6.segments();
            format!("{:x}:{:x}:{:x}:{:x}::/64", s[0], s[1], s[2], s[3])
        }
        Ok(IpAddr::V6(v6)) => v6.to_ipv4_mapped().map(|v4| v4.to_string()).unwrap_or_default(),
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Err(_) => client.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_address_has_its_burst_then_waits_for_tokens() {
        let limits = AddressLimits::new(3, Duration::from_secs(10), 100);
        let start = Instant::now();
        let admitted = (0..10).filter(|_| limits.admit_at("192.0.2.1", start)).count();
        assert_eq!(admitted, 3, "the burst, then nothing");
        assert!(limits.admit_at("192.0.2.2", start), "another address has its own bucket");
        assert!(!limits.admit_at("192.0.2.1", start + Duration::from_secs(9)));
        assert!(limits.admit_at("192.0.2.1", start + Duration::from_secs(10)), "a token came back");
        assert!(!limits.admit_at("192.0.2.1", start + Duration::from_secs(10)), "only one");
    }

    #[test]
    fn ipv6_clients_count_by_their_64_block() {
        let limits = AddressLimits::new(2, Duration::from_secs(10), 100);
        let now = Instant::now();
        assert!(limits.admit_at("2001:db8:1:2::1", now));
        assert!(limits.admit_at("2001:db8:1:2::ffff", now));
        assert!(!limits.admit_at("2001:db8:1:2:abcd::9", now), "same /64");
        assert!(limits.admit_at("2001:db8:1:3::1", now));
        assert_eq!(client_key("::ffff:192.0.2.7"), "192.0.2.7");
    }

    #[test]
    fn the_map_of_addresses_is_bounded() {
        let limits = AddressLimits::new(1, Duration::from_secs(10), 3);
        let now = Instant::now();
        for n in 1..=3 {
            assert!(limits.admit_at(&format!("192.0.2.{n}"), now));
        }
        assert!(!limits.admit_at("192.0.2.4", now), "full of busy addresses: refused");
        // Once the first buckets have filled up again they are forgotten, and room returns.
        assert!(limits.admit_at("192.0.2.4", now + Duration::from_secs(10)));
        assert!(limits.buckets.lock().unwrap().len() <= 3);
    }
}
