//! Instants and the zones they are shown in. Articles keep UTC instants plus the IANA zone the
//! newsroom works in, so that "published 29 November 2026, 09:00" stays true after a move.

use jiff::{Timestamp, Zoned, tz::TimeZone};

/// The zone named `name`, or UTC when the name is unknown (settings are validated on save, so
/// this fallback only protects old rows from a zone that the bundled database dropped).
/// Each thread keeps the last zone it was asked for: a site's pages name one zone over and
/// over, and finding it by name in the bundled database is most of a date's cost.
pub fn zone(name: &str) -> TimeZone {
    thread_local! {
        static LAST: std::cell::RefCell<Option<(String, TimeZone)>> = const { std::cell::RefCell::new(None) };
    }
    LAST.with_borrow_mut(|last| match last {
        Some((kept, zone)) if kept == name => zone.clone(),
        _ => {
            let zone = TimeZone::get(name).unwrap_or(TimeZone::UTC);
            *last = Some((name.to_owned(), zone.clone()));
            zone
        }
    })
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
    // Whole seconds, as the format says (`%S`), without going through a format string.
    static PRINTER: jiff::fmt::temporal::DateTimePrinter =
        jiff::fmt::temporal::DateTimePrinter::new().precision(Some(0));
    // RFC 3339 offsets are whole minutes; a zone's local mean time before standard time (say
    // -05:17:32) is written as the nearest, and the wall clock at that offset names the same
    // instant.
    let seconds = zone(name).to_offset(at).seconds();
    let offset = jiff::tz::Offset::from_seconds((seconds + 30 * seconds.signum()) / 60 * 60)
        .unwrap_or(jiff::tz::Offset::UTC);
    PRINTER.timestamp_with_offset_to_string(&at, offset)
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

    #[test]
    fn rfc3339_in_a_zone_is_the_wall_clock_to_the_second_with_its_offset() {
        let at: Timestamp = "2026-11-29T08:00:00.75Z".parse().unwrap();
        assert_eq!(rfc3339_in(at, "Europe/Belgrade"), "2026-11-29T09:00:00+01:00");
        assert_eq!(rfc3339_in(at, "UTC"), "2026-11-29T08:00:00+00:00");
        assert_eq!(rfc3339_in(at, "Asia/Kolkata"), "2026-11-29T13:30:00+05:30");
        assert_eq!(rfc3339_in(at, "Mars/Olympus_Mons"), "2026-11-29T08:00:00+00:00");
        // The same as the strftime pattern it stands for, across zones, seasons, fractions of a
        // second on either side of 1970, and one thread asked for one zone after another.
        let zones = [
            "Europe/Belgrade",
            "America/Montreal",
            "Asia/Kathmandu",
            "Australia/Lord_Howe",
            "Europe/Amsterdam",
            "UTC",
        ];
        for zone_name in zones.iter().cycle().take(25) {
            for second in
                [-3_786_825_600, -86_400 * 365 - 1, -1, 0, 1_700_000_000, 1_774_780_800, 1_790_000_123]
            {
                for nanos in [0, 1, 500_000_000, 999_999_999] {
                    let at = Timestamp::new(second, if second < 0 { -nanos } else { nanos }).unwrap();
                    let written = rfc3339_in(at, zone_name);
                    let zoned = in_zone(at, zone_name);
                    if zoned.offset().seconds() % 60 == 0 {
                        let expected = zoned.strftime("%Y-%m-%dT%H:%M:%S%:z").to_string();
                        assert_eq!(written, expected, "{at} in {zone_name}");
                    } else {
                        // Local mean time: the nearest whole-minute offset, the same instant.
                        assert_eq!(written.len(), "1849-12-31T18:42:28-05:18".len(), "{written}");
                        let read: Timestamp = written.parse().unwrap();
                        assert_eq!(read.as_second(), at.as_second() - i64::from(at.subsec_nanosecond() < 0));
                    }
                }
            }
        }
    }
}
