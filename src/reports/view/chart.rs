//! A small SVG writer for the Dashboard's daily line charts: drawn on the server so they show
//! without wasm, with a y axis of round numbers, day labels, and a tooltip (`<title>`) per day.
//! A charting crate would bring a font stack and raster backends for four polylines.

use chrono::NaiveDate;
use std::fmt::Write;

const WIDTH: f64 = 560.0;
const HEIGHT: f64 = 220.0;
const LEFT: f64 = 64.0;
const RIGHT: f64 = 12.0;
const TOP: f64 = 12.0;
const BOTTOM: f64 = 28.0;

/// One series over consecutive days, as an SVG document. `axis` writes a value on the y axis,
/// `exact` in its tooltip, followed by `unit` (a currency, or nothing).
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
        let _ = write!(
            svg,
            r#"<path class="area" d="{path} L{:.1},{base:.1} L{:.1},{base:.1} Z"/><path class="line" d="{path}"/>"#,
            x(n - 1),
            x(0)
        );
        // A hover target per day carries its exact value.
        let slot = if n > 1 { plot_w / (n - 1) as f64 } else { plot_w };
        for i in 0..n {
            let unit = if unit.is_empty() { String::new() } else { format!(" {}", escape(unit)) };
            let _ = write!(
                svg,
                r#"<rect class="hover" x="{:.1}" y="{TOP}" width="{slot:.1}" height="{plot_h}"><title>{}: {}{unit}</title></rect>"#,
                x(i) - slot / 2.0,
                days[i].format("%-d %b %Y"),
                escape(&exact(values[i])),
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
    }

    #[test]
    fn text_from_tiktok_cannot_break_out_of_the_svg() {
        let svg = line("<script>", &days(2), &[1.0, 2.0], compact, compact, "</svg><script>");
        assert!(!svg.contains("<script>"));
    }

    #[test]
    fn axis_numbers_are_short() {
        assert_eq!(compact(1500.0), "1.5k");
        assert_eq!(compact(2_000_000.0), "2M");
        assert_eq!(compact(12.5), "12.5");
    }
}
