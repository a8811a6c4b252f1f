//! Instants and the zones they are shown in. Articles keep UTC instants plus the IANA zone the
//! newsroom works in, so that "published 29 November 2026, 09:00" stays true after a move.

use jiff::{Timestamp, Zoned, tz::TimeZone};

/// The zone named `name`, or UTC when the name is unknown (settings are validated on save, so
/// this fallback only protects old rows from a zone that the bundled database dropped).
pub fn zone(name: &str) -> TimeZone {
    TimeZone::get(name).unwrap_or(TimeZone::UTC)
}

/// Whether `name` is an IANA time zone that Masthead can show dates in.
pub fn is_known_zone(name: &str) -> bool {
    TimeZone::get(name).is_ok()
}

/// `at` as a wall-clock time in the zone `name`.
pub fn in_zone(at: Timestamp, name: &str) -> Zoned {
    at.to_zoned(zone(name))
}

/// RFC 3339 with the offset of the zone `name`: "2026-11-29T09:00:00+01:00".
pub fn rfc3339_in(at: Timestamp, name: &str) -> String {
    in_zone(at, name).strftime("%Y-%m-%dT%H:%M:%S%:z").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn instants_are_shown_in_the_named_zone() {
        let at: Timestamp = "2026-06-01T10:00:00Z".parse().unwrap();
        let z = in_zone(at, "Europe/Belgrade");
        assert_eq!(z.offset().seconds(), 2 * 3600);
        assert_eq!(z.hour(), 12);
        assert!(is_known_zone("America/Montreal"));
        assert!(!is_known_zone("Mars/Olympus_Mons"));
        assert_eq!(in_zone(at, "Mars/Olympus_Mons").hour(), 10);
    }
}
