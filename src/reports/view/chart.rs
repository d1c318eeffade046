//! A small SVG writer for the Dashboard's daily line charts and the breakdowns' bar charts: drawn
//! on the server so they show without wasm, with an axis of round numbers, labels, and a tooltip
//! (`<title>`) per day or bar. A charting crate would bring a font stack and raster backends for
//! a few polylines and rectangles.

use chrono::NaiveDate;
use std::fmt::Write;

const WIDTH: f64 = 560.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// Days at the end of a series TikTok is still filling in (late conversions, delivery): drawn
/// lighter and said so.
pub const PROVISIONAL_DAYS: usize = 2;

/// One series over consecutive days, as an SVG document. `axis` writes a value on the y axis,
/// `exact` in its tooltip, followed by `unit` (a currency, or nothing). The last
/// [`PROVISIONAL_DAYS`] are drawn lighter.
pub fn line(
    title: &str,
    days: &[NaiveDate],
    values: &[f64],
    axis: fn(f64) -> String,
    exact: fn(f64) -> String,
    unit: &str,
) -> String {
    let n = days.len().min(values.len());
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let max = values[..n].iter().copied().fold(0.0_f64, f64::max);
    let (step, top) = ticks(max);
    let x = |i: usize| LEFT + if n > 1 { plot_w * i as f64 / (n - 1) as f64 } else { plot_w / 2.0 };
    let y = |v: f64| TOP + plot_h - if top > 0.0 { plot_h * v / top } else { 0.0 };

    let mut svg = String::with_capacity(8 * 1024);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}" class="chart-svg">"#,
        escape(title)
    );
    // Grid and y labels.
    let mut v = 0.0;
    while v <= top + step / 2.0 {
        let gy = y(v);
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{gy:.1}" y2="{gy:.1}"/><text class="axis" x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            WIDTH - RIGHT,
            LEFT - 6.0,
            gy + 4.0,
            escape(&axis(v))
        );
        v += step;
    }
    // Day labels: about six, evenly spaced, always the last day.
    let every = (n / 6).max(1);
    for i in (0..n).filter(|i| i % every == 0 && n - 1 - i >= every / 2 || *i == n - 1) {
        let _ = write!(
            svg,
            r#"<text class="axis" x="{:.1}" y="{}" text-anchor="middle">{}</text>"#,
            x(i),
            HEIGHT - 8.0,
            days[i].format("%-d %b")
        );
    }
    if n > 0 {
        let mut path = String::with_capacity(n * 16);
        for (i, &v) in values.iter().enumerate().take(n) {
            let _ = write!(path, "{}{:.1},{:.1}", if i == 0 { "M" } else { " L" }, x(i), y(v));
        }
        let base = y(0.0);
        // The settled days, then the provisional ones from the last settled day on.
        let settled = n.saturating_sub(PROVISIONAL_DAYS);
        let mut firm = String::with_capacity(n * 16);
        for (i, &v) in values.iter().enumerate().take(settled) {
            let _ = write!(firm, "{}{:.1},{:.1}", if i == 0 { "M" } else { " L" }, x(i), y(v));
        }
        let mut late = String::new();
        for (i, &v) in values.iter().enumerate().take(n).skip(settled.saturating_sub(1)) {
            let _ = write!(late, "{}{:.1},{:.1}", if late.is_empty() { "M" } else { " L" }, x(i), y(v));
        }
        let _ = write!(
            svg,
            r#"<path class="area" d="{path} L{:.1},{base:.1} L{:.1},{base:.1} Z"/><path class="line" d="{firm}"/><path class="line provisional" d="{late}"/>"#,
            x(n - 1),
            x(0)
        );
        // A hover target per day carries its exact value.
        let slot = if n > 1 { plot_w / (n - 1) as f64 } else { plot_w };
        for i in 0..n {
            let unit = if unit.is_empty() { String::new() } else { format!(" {}", escape(unit)) };
            let late = if i + PROVISIONAL_DAYS >= n { " (provisional)" } else { "" };
            let _ = write!(
                svg,
                r#"<rect class="hover" x="{:.1}" y="{TOP}" width="{slot:.1}" height="{plot_h}"><title>{}: {}{unit}{late}</title></rect>"#,
                x(i) - slot / 2.0,
                days[i].format("%-d %b %Y"),
                escape(&exact(values[i])),
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// Cumulative figures over the hours of a day: today's line as far as its hours have ended,
/// against yesterday's (lighter) for the whole day, as an SVG document; `axis`, `exact` and
/// `unit` as for [`line`]. A value at hour `h` is the total at the end of that hour.
pub fn hours(
    title: &str,
    today: &[f64],
    yesterday: &[f64],
    axis: fn(f64) -> String,
    exact: fn(f64) -> String,
    unit: &str,
) -> String {
    let plot_w = WIDTH - LEFT - RIGHT;
    let plot_h = HEIGHT - TOP - BOTTOM;
    let max = today.iter().chain(yesterday).copied().fold(0.0_f64, f64::max);
    let (step, top) = ticks(max);
    let x = |h: usize| LEFT + plot_w * h as f64 / 24.0;
    let y = |v: f64| TOP + plot_h - if top > 0.0 { plot_h * v / top } else { 0.0 };
    let unit = if unit.is_empty() { String::new() } else { format!(" {}", escape(unit)) };

    let mut svg = String::with_capacity(6 * 1024);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {WIDTH} {HEIGHT}" role="img" aria-label="{}" class="chart-svg">"#,
        escape(title)
    );
    let mut v = 0.0;
    while v <= top + step / 2.0 {
        let gy = y(v);
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{LEFT}" x2="{}" y1="{gy:.1}" y2="{gy:.1}"/><text class="axis" x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            WIDTH - RIGHT,
            LEFT - 6.0,
            gy + 4.0,
            escape(&axis(v))
        );
        v += step;
    }
    for h in (0..=24).step_by(6) {
        // The day's end stays inside the drawing.
        let anchor = if h == 24 { "end" } else { "middle" };
        let _ = write!(
            svg,
            r#"<text class="axis" x="{:.1}" y="{}" text-anchor="{anchor}">{h:02}:00</text>"#,
            x(h),
            HEIGHT - 8.0
        );
    }
    // Each line starts at midnight from nothing.
    let path = |values: &[f64]| {
        let mut d = format!("M{:.1},{:.1}", x(0), y(0.0));
        for (h, v) in values.iter().enumerate().take(24) {
            let _ = write!(d, " L{:.1},{:.1}", x(h + 1), y(*v));
        }
        d
    };
    let _ = write!(svg, r#"<path class="line earlier" d="{}"/>"#, path(yesterday));
    if !today.is_empty() {
        let _ = write!(svg, r#"<path class="line" d="{}"/>"#, path(today));
    }
    let slot = plot_w / 24.0;
    for h in 0..24 {
        let said = |values: &[f64]| values.get(h).map(|v| format!("{}{unit}", escape(&exact(*v))));
        let today = said(today).map_or_else(|| "not yet".to_owned(), |v| format!("today {v}"));
        let yesterday = said(yesterday).map_or_else(String::new, |v| format!(", yesterday {v}"));
        let _ = write!(
            svg,
            r#"<rect class="hover" x="{:.1}" y="{TOP}" width="{slot:.1}" height="{plot_h}"><title>By {:02}:00: {today}{yesterday}</title></rect>"#,
            x(h),
            h + 1,
        );
    }
    svg.push_str("</svg>");
    svg
}

/// A group of bars: its label, and one value per series with its words for the tooltip
/// (`None`: no value, no bar).
pub struct BarGroup {
    pub label: String,
    pub values: Vec<Option<(f64, String)>>,
}

// Bar charts are drawn narrower than line charts, so their words stay legible on a phone.
const BARS_WIDTH: f64 = 420.0;
const BARS_RIGHT: f64 = 24.0;
const BAR: f64 = 14.0;
const BAR_GAP: f64 = 8.0;
const BAR_LEFT: f64 = 96.0;
const LEGEND: f64 = 22.0;

/// Horizontal bars, one row of bars per group and one bar per series in it (a legend names the
/// series when there are several), as an SVG document; `axis` and `unit` as for [`line`].
pub fn bars(title: &str, series: &[&str], groups: &[BarGroup], axis: fn(f64) -> String, unit: &str) -> String {
    let per_group = BAR * series.len().max(1) as f64 + BAR_GAP;
    let top = if series.len() > 1 { TOP + LEGEND } else { TOP };
    let height = top + per_group * groups.len() as f64 + BOTTOM;
    let plot_w = BARS_WIDTH - BAR_LEFT - BARS_RIGHT;
    let max = groups.iter().flat_map(|g| g.values.iter().flatten()).map(|(v, _)| *v).fold(0.0_f64, f64::max);
    let (step, axis_top) = ticks(max);
    let x = |v: f64| BAR_LEFT + if axis_top > 0.0 { plot_w * v.max(0.0) / axis_top } else { 0.0 };
    let unit = if unit.is_empty() { String::new() } else { format!(" {}", escape(unit)) };

    let mut svg = String::with_capacity(4 * 1024);
    let _ = write!(
        svg,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {BARS_WIDTH} {height}" role="img" aria-label="{}" class="chart-svg bars">"#,
        escape(title)
    );
    if series.len() > 1 {
        for (i, name) in series.iter().enumerate() {
            let lx = RIGHT + i as f64 * 100.0;
            let _ = write!(
                svg,
                r#"<rect class="bar s{i}" x="{lx}" y="{TOP}" width="12" height="12"/><text class="axis" x="{}" y="{}">{}</text>"#,
                lx + 16.0,
                TOP + 10.0,
                escape(name)
            );
        }
    }
    let mut v = 0.0;
    while v <= axis_top + step / 2.0 {
        let gx = x(v);
        let _ = write!(
            svg,
            r#"<line class="grid" x1="{gx:.1}" x2="{gx:.1}" y1="{top}" y2="{:.1}"/><text class="axis" x="{gx:.1}" y="{:.1}" text-anchor="middle">{}</text>"#,
            height - BOTTOM,
            height - 8.0,
            escape(&axis(v))
        );
        v += step;
    }
    for (g, group) in groups.iter().enumerate() {
        let gy = top + per_group * g as f64;
        let _ = write!(
            svg,
            r#"<text class="axis" x="{}" y="{:.1}" text-anchor="end">{}</text>"#,
            BAR_LEFT - 6.0,
            gy + per_group / 2.0,
            escape(&group.label)
        );
        for (i, value) in group.values.iter().enumerate() {
            let Some((value, text)) = value else { continue };
            let name =
                series.get(i).filter(|_| series.len() > 1).map(|n| format!(", {}", escape(n))).unwrap_or_default();
            let _ = write!(
                svg,
                r#"<rect class="bar s{i}" x="{BAR_LEFT}" y="{:.1}" width="{:.1}" height="{}"><title>{}{name}: {}{unit}</title></rect>"#,
                gy + BAR * i as f64,
                x(*value) - BAR_LEFT,
                BAR - 2.0,
                escape(&group.label),
                escape(text),
            );
        }
    }
    svg.push_str("</svg>");
    svg
}

/// A round step for about four gridlines, and the axis top it reaches.
fn ticks(max: f64) -> (f64, f64) {
    if max.is_nan() || max <= 0.0 || !max.is_finite() {
        return (1.0, 1.0);
    }
    let raw = max / 4.0;
    let magnitude = 10f64.powf(raw.log10().floor());
    let step =
        [1.0, 2.0, 2.5, 5.0, 10.0].into_iter().map(|m| m * magnitude).find(|s| *s >= raw).unwrap_or(10.0 * magnitude);
    (step, (max / step).ceil() * step)
}

/// Text for SVG: `&`, `<`, `>` and quotes escaped.
fn escape(text: &str) -> String {
    text.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;").replace('\'', "&#39;")
}

/// Axis numbers, short: `1.5k`, `2.3M`.
pub fn compact(v: f64) -> String {
    let (n, suffix) = match v.abs() {
        a if a >= 1e9 => (v / 1e9, "B"),
        a if a >= 1e6 => (v / 1e6, "M"),
        a if a >= 1e3 => (v / 1e3, "k"),
        _ => (v, ""),
    };
    let text = if n.fract().abs() < 1e-9 { format!("{n:.0}") } else { format!("{n:.1}") };
    format!("{}{suffix}", text.trim_end_matches(".0"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn days(n: usize) -> Vec<NaiveDate> {
        let start = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
        (0..n).map(|i| start + chrono::Duration::days(i as i64)).collect()
    }

    #[test]
    fn the_axis_goes_up_in_round_steps_to_just_above_the_largest_day() {
        assert_eq!(ticks(930.0), (250.0, 1000.0));
        assert_eq!(ticks(4.0), (1.0, 4.0));
        assert_eq!(ticks(0.0), (1.0, 1.0));
    }

    #[test]
    fn a_chart_has_its_line_axes_and_a_tooltip_per_day() {
        let svg = line("Spend (USD)", &days(90), &vec![10.0; 90], compact, |v| format!("{v:.2}"), "USD");
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<title>").count(), 90);
        assert!(svg.contains(r#"class="line" d="M"#));
        assert!(svg.contains("1 Jan") && svg.contains("31 Mar"), "first and last days are labelled");
        assert!(svg.contains("<title>1 Jan 2026: 10.00 USD</title>"));
        assert!(svg.contains("<title>31 Mar 2026: 10.00 USD (provisional)</title>"));
        assert!(svg.contains("<title>29 Mar 2026: 10.00 USD</title>"), "two days provisional, not three");
        assert_eq!(svg.matches(r#"class="line provisional" d="M"#).count(), 1, "the last two days drawn lighter");
    }

    #[test]
    fn text_from_tiktok_cannot_break_out_of_the_svg() {
        let svg = line("<script>", &days(2), &[1.0, 2.0], compact, compact, "</svg><script>");
        assert!(!svg.contains("<script>"));
    }

    #[test]
    fn a_bar_chart_has_a_bar_per_value_and_a_legend_for_several_series() {
        let bar = |v: f64| Some((v, format!("{v:.2}")));
        let groups = [
            BarGroup { label: "18–24".into(), values: vec![bar(12.5), bar(30.0)] },
            BarGroup { label: "25–34".into(), values: vec![None, bar(5.0)] },
        ];
        let svg = bars("Spend (USD)", &["Female", "Male"], &groups, compact, "USD");
        assert_eq!(svg.matches("<title>").count(), 3, "no bar where there is no value");
        assert!(svg.contains("<title>18–24, Female: 12.50 USD</title>"));
        assert!(svg.contains(">Male</text>"), "the legend names the series");
        let one = bars("Spend", &["Spend"], &groups[..1], compact, "");
        assert!(!one.contains(">Spend</text>"), "one series needs no legend");
    }

    #[test]
    fn todays_hours_are_drawn_as_far_as_they_have_ended_against_yesterdays_whole_day() {
        let yesterday: Vec<f64> = (1..=24).map(f64::from).collect();
        let svg = hours("Spend (USD)", &[2.0, 4.0, 6.0], &yesterday, compact, |v| format!("{v:.2}"), "USD");
        assert_eq!(svg.matches(r#"class="line earlier""#).count(), 1);
        assert_eq!(svg.matches(" L").count(), 24 + 3, "yesterday's 24 hours, today's 3");
        assert!(svg.contains("<title>By 03:00: today 6.00 USD, yesterday 3.00 USD</title>"));
        assert!(svg.contains("<title>By 04:00: not yet, yesterday 4.00 USD</title>"));
        assert!(svg.contains(">24:00</text>"));
    }

    #[test]
    fn axis_numbers_are_short() {
        assert_eq!(compact(1500.0), "1.5k");
        assert_eq!(compact(2_000_000.0), "2M");
        assert_eq!(compact(12.5), "12.5");
    }
}
