//! Daily bar charts of the usage meter, drawn as inline SVG on the server.

use maud::{Markup, html};
use oss_admin::types::UsageHourInfo;
use time::format_description::well_known::Rfc3339;
use time::{Date, Duration, OffsetDateTime, UtcOffset};

/// One day of the meter.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Day {
    pub(crate) date: Date,
    /// Average bytes stored over the part of the day that has passed.
    pub(crate) stored_bytes: f64,
    pub(crate) requests_class_a: u64,
    pub(crate) requests_class_b: u64,
}

/// Sums hours into the `days` UTC days that end with the day of `now`, oldest first.
/// `unit_bytes` converts GB-hours (capacity units × hours) to byte-hours.
pub(crate) fn days(
    hours: &[UsageHourInfo],
    days: u16,
    now: OffsetDateTime,
    unit_bytes: u64,
) -> Vec<Day> {
    let now = now.to_offset(UtcOffset::UTC);
    let today = now.date();
    let mut result: Vec<Day> = (0..days)
        .rev()
        .map(|back| Day {
            date: today - Duration::days(i64::from(back)),
            stored_bytes: 0.0,
            requests_class_a: 0,
            requests_class_b: 0,
        })
        .collect();
    for hour in hours {
        let Ok(start) = OffsetDateTime::parse(&hour.start, &Rfc3339) else {
            continue;
        };
        let date = start.to_offset(UtcOffset::UTC).date();
        if let Some(day) = result.iter_mut().find(|day| day.date == date) {
            day.stored_bytes += hour.stored_gb_hours * unit_bytes as f64;
            day.requests_class_a += hour.requests_class_a;
            day.requests_class_b += hour.requests_class_b;
        }
    }
    // Byte-hours become an average over the hours of each day that have passed.
    let midnight = now.replace_time(time::Time::MIDNIGHT);
    let hours_today = ((now - midnight).as_seconds_f64() / 3600.0).max(1.0 / 60.0);
    for day in &mut result {
        let hours = if day.date == today { hours_today } else { 24.0 };
        day.stored_bytes /= hours;
    }
    result
}

const WIDTH: f64 = 360.0;
const HEIGHT: f64 = 150.0;
const LEFT: f64 = 8.0;
const TOP: f64 = 18.0;
const BOTTOM: f64 = 22.0;

/// Draws one bar per day; each bar stacks the values `values` returns for it.
fn bars(label: &str, max_label: &str, days: &[Day], values: impl Fn(&Day) -> [f64; 2]) -> Markup {
    let max = days
        .iter()
        .map(|day| values(day).iter().sum::<f64>())
        .fold(0.0_f64, f64::max);
    let plot_height = HEIGHT - TOP - BOTTOM;
    let slot = (WIDTH - LEFT) / days.len().max(1) as f64;
    let bar_width = slot * 0.62;
    let scale = if max > 0.0 { plot_height / max } else { 0.0 };
    let view_box = format!("0 0 {WIDTH} {HEIGHT}");
    html! {
        svg.chart viewBox=(view_box) role="img" aria-label=(label) {
            title { (label) }
            text x=(LEFT) y="12" { "max " (max_label) }
            line.axis x1=(LEFT) x2=(WIDTH) y1=(HEIGHT - BOTTOM) y2=(HEIGHT - BOTTOM) {}
            @for (index, day) in days.iter().enumerate() {
                @let x = LEFT + slot * index as f64 + (slot - bar_width) / 2.0;
                @let [first, second] = values(day);
                @let first_height = first * scale;
                @let second_height = second * scale;
                @let base = HEIGHT - BOTTOM;
                rect.col x=(round(x)) y=(round(base - first_height)) width=(round(bar_width))
                    height=(round(first_height)) {}
                @if second > 0.0 {
                    rect.col.b x=(round(x)) y=(round(base - first_height - second_height))
                        width=(round(bar_width)) height=(round(second_height)) {}
                }
                text x=(round(x)) y=(HEIGHT - 6.0) {
                    (format!("{:02}-{:02}", u8::from(day.date.month()), day.date.day()))
                }
            }
        }
    }
}

fn round(value: f64) -> String {
    format!("{value:.1}")
}

/// The chart of average stored bytes per day.
pub(crate) fn stored(days: &[Day]) -> Markup {
    let max = days
        .iter()
        .map(|day| day.stored_bytes)
        .fold(0.0_f64, f64::max);
    bars(
        "Average stored size per day",
        &crate::format::bytes(max as u64),
        days,
        |day| [day.stored_bytes, 0.0],
    )
}

/// The chart of requests per day, class A below class B.
pub(crate) fn requests(days: &[Day]) -> Markup {
    let max = days
        .iter()
        .map(|day| day.requests_class_a + day.requests_class_b)
        .max()
        .unwrap_or(0);
    bars(
        "Requests per day, class A and class B",
        &crate::format::count(max),
        days,
        |day| [day.requests_class_a as f64, day.requests_class_b as f64],
    )
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn hour(start: &str, gb_hours: f64, a: u64, b: u64) -> UsageHourInfo {
        UsageHourInfo {
            start: start.to_owned(),
            stored_gb_hours: gb_hours,
            requests_class_a: a,
            requests_class_b: b,
            bytes_in: 0,
            bytes_out: 0,
        }
    }

    #[test]
    fn hours_summed_into_days() {
        let now = datetime!(2025-03-10 06:00 UTC);
        let hours = [
            hour("2025-03-09T10:00:00Z", 2.0, 3, 4),
            hour("2025-03-09T11:00:00Z", 22.0, 1, 0),
            hour("2025-03-10T05:00:00Z", 3.0, 0, 9),
            hour("2025-02-01T00:00:00Z", 100.0, 100, 100),
        ];
        let days = days(&hours, 3, now, 10);
        assert_eq!(days.len(), 3);
        assert_eq!(days[0].date, datetime!(2025-03-08 0:00 UTC).date());
        assert_eq!(days[0].stored_bytes, 0.0);
        // 24 GB-hours over a whole day average 1 GB, 10 bytes here.
        assert_eq!(days[1].stored_bytes, 10.0);
        assert_eq!(days[1].requests_class_a, 4);
        assert_eq!(days[1].requests_class_b, 4);
        // 3 GB-hours over the 6 hours of today so far.
        assert_eq!(days[2].stored_bytes, 5.0);
        assert_eq!(days[2].requests_class_b, 9);
    }

    #[test]
    fn chart_has_one_label_per_day() {
        let now = datetime!(2025-03-10 06:00 UTC);
        let days = days(&[hour("2025-03-10T01:00:00Z", 1.0, 5, 5)], 7, now, 1 << 30);
        let svg = requests(&days).into_string();
        assert_eq!(svg.matches("<text").count(), 8, "{svg}");
        assert!(svg.contains("03-10"), "{svg}");
        assert!(svg.contains("max 10"), "{svg}");
    }
}
