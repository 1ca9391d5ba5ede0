//! The time room: Unix seconds as ISO 8601 UTC (`2025-12-02T13:00:00Z`) and back, with no
//! time-zone database, and the one read of the clock ([`now`]).

/// Now, in Unix seconds: the one place the wall clock is read.
pub(crate) fn now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX))
}

/// `secs` (Unix time) as `YYYY-MM-DDTHH:MM:SSZ`.
pub(crate) fn utc(secs: i64) -> String {
    let (days, rem) = (secs.div_euclid(86_400), secs.rem_euclid(86_400));
    // Howard Hinnant's civil-from-days.
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    let y = yoe + era * 400 + i64::from(m <= 2);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        rem / 3600,
        rem % 3600 / 60,
        rem % 60
    )
}

/// Reads an RFC 3339 time (`2025-12-02T13:00:00Z`, seconds and fraction optional, `Z` or an
/// offset `+02:00`) or a date (`2025-12-02`, its start in UTC) as Unix seconds.
pub(crate) fn parse(s: &str) -> Option<i64> {
    let num = |t: &str| -> Option<i64> {
        (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
            .then(|| t.parse().ok())
            .flatten()
    };
    let (date, time) = match s.find(['T', 't', ' ']) {
        Some(i) => (&s[..i], Some(&s[i + 1..])),
        None => (s, None),
    };
    let mut d = date.splitn(3, '-');
    let (y, m, day) = (
        d.next().filter(|y| y.len() == 4).and_then(num)?,
        d.next().filter(|m| m.len() == 2).and_then(num)?,
        d.next().filter(|d| d.len() == 2).and_then(num)?,
    );
    let leap = y % 4 == 0 && (y % 100 != 0 || y % 400 == 0);
    let month_days = [
        31,
        if leap { 29 } else { 28 },
        31,
        30,
        31,
        30,
        31,
        31,
        30,
        31,
        30,
        31,
    ];
    if !(1..=12).contains(&m) || day < 1 || day > month_days[(m - 1) as usize] {
        return None;
    }
    let mut secs = days_from_civil(y, m, day) * 86_400;
    let Some(time) = time else {
        return Some(secs);
    };
    let (clock, offset) = match time.find(['Z', 'z', '+', '-']) {
        Some(i) => (&time[..i], &time[i..]),
        None => return None,
    };
    let clock = clock.split('.').next().unwrap_or("");
    let mut c = clock.split(':');
    let h = c.next().filter(|t| t.len() == 2).and_then(num)?;
    let min = c.next().filter(|t| t.len() == 2).and_then(num)?;
    let sec = match c.next() {
        Some(t) if t.len() == 2 => num(t)?,
        Some(_) => return None,
        None => 0,
    };
    if c.next().is_some() || h > 23 || min > 59 || sec > 60 {
        return None;
    }
    secs += h * 3600 + min * 60 + sec;
    match offset {
        "Z" | "z" => Some(secs),
        o => {
            let sign = if o.starts_with('-') { 1 } else { -1 };
            let (oh, om) = o[1..].split_once(':')?;
            let (oh, om) = (
                Some(oh).filter(|t| t.len() == 2).and_then(num)?,
                Some(om).filter(|t| t.len() == 2).and_then(num)?,
            );
            (oh < 24 && om < 60).then_some(secs + sign * (oh * 3600 + om * 60))
        }
    }
}

/// Reads an HTTP date in its one preferred form, IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`,
/// RFC 9110 §5.6.7), as Unix seconds; `None` for anything else.
pub(crate) fn parse_http(s: &str) -> Option<i64> {
    let (_, rest) = s.trim().split_once(", ")?;
    let mut p = rest.split(' ');
    let (day, month, year, clock) = (p.next()?, p.next()?, p.next()?, p.next()?);
    if p.next() != Some("GMT") || p.next().is_some() {
        return None;
    }
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let m = MONTHS.iter().position(|n| *n == month)? + 1;
    parse(&format!("{year}-{m:02}-{day}T{clock}Z")).filter(|_| day.len() == 2)
}

/// Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days-from-civil).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let mp = (m + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

#[cfg(test)]
mod tests {
    #[test]
    fn http_dates_read_in_their_preferred_form_only() {
        assert_eq!(
            super::parse_http("Sun, 06 Nov 1994 08:49:37 GMT"),
            super::parse("1994-11-06T08:49:37Z")
        );
        for odd in [
            "Sunday, 06-Nov-94 08:49:37 GMT",
            "Sun Nov  6 08:49:37 1994",
            "Sun, 6 Nov 1994 08:49:37 GMT",
            "Sun, 06 Nov 1994 08:49:37 CET",
            "Sun, 31 Feb 1994 08:49:37 GMT",
            "Sun, 06 Foo 1994 08:49:37 GMT",
            "",
        ] {
            assert_eq!(super::parse_http(odd), None, "{odd}");
        }
    }

    #[test]
    fn times_read_back() {
        for secs in [0, 1_764_680_400, 951_782_400, 4_102_444_799] {
            assert_eq!(super::parse(&super::utc(secs)), Some(secs));
        }
        assert_eq!(super::parse("2025-12-02"), Some(1_764_633_600));
        assert_eq!(super::parse("2025-12-02T13:00Z"), Some(1_764_680_400));
        assert_eq!(
            super::parse("2025-12-02T15:00:00.5+02:00"),
            Some(1_764_680_400)
        );
        assert_eq!(
            super::parse("2025-12-02T08:00:00-05:00"),
            Some(1_764_680_400)
        );
        for bad in [
            "",
            "2025-12",
            "2025-02-29",
            "2025-12-02T25:00Z",
            "2025-12-02T13:00",
            "2025-12-02T13:00+2",
            "+2025-12-02",
            "2025-1-02",
            "２０２５-12-02",
        ] {
            assert_eq!(super::parse(bad), None, "{bad}");
        }
    }

    #[test]
    fn dates_are_iso_utc() {
        assert_eq!(super::utc(0), "1970-01-01T00:00:00Z");
        assert_eq!(super::utc(1_764_680_400), "2025-12-02T13:00:00Z");
        assert_eq!(super::utc(951_782_400), "2000-02-29T00:00:00Z");
    }
}
