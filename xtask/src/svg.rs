//! Minimal SVG line charts for the result pages (no dependency, self-contained files).

use std::fmt::Write as _;

/// One line of a chart.
#[derive(Debug, Clone)]
pub struct Series {
    /// Legend label.
    pub name: String,
    /// Points `(x, y)`, drawn in order.
    pub points: Vec<(f64, f64)>,
}

/// A chart panel.
#[derive(Debug, Clone)]
pub struct Panel {
    /// Title above the panel.
    pub title: String,
    /// X axis label.
    pub x_label: String,
    /// Y axis label.
    pub y_label: String,
    /// Logarithmic x axis.
    pub log_x: bool,
    /// The lines.
    pub series: Vec<Series>,
}

const COLORS: [&str; 8] = [
    "#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#e377c2", "#17becf",
];

fn nice_ticks(lo: f64, hi: f64, n: usize) -> Vec<f64> {
    if hi.partial_cmp(&lo) != Some(std::cmp::Ordering::Greater) {
        return vec![lo];
    }
    let raw = (hi - lo) / n as f64;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 2.5, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let (k0, k1) = ((lo / step).ceil() as i64, (hi / step + 1e-9).floor() as i64);
    let out: Vec<f64> = (k0..=k1)
        .map(|k| ((k as f64 * step) * 1e12).round() / 1e12)
        .collect();
    out
}

fn fmt_tick(v: f64) -> String {
    if v == v.round() && v.abs() < 1e6 {
        format!("{}", v as i64)
    } else {
        let s = format!("{v:.3}");
        s.trim_end_matches('0').trim_end_matches('.').to_owned()
    }
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// Renders panels side by side into one SVG document.
pub fn render(panels: &[Panel], title: &str) -> String {
    let (pw, ph) = (460.0, 340.0);
    let (ml, mr, mt, mb) = (62.0, 16.0, 54.0, 96.0);
    let width = pw * panels.len() as f64;
    let height = ph + 30.0;
    let mut s = String::new();
    let _ = writeln!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" width="{width}" height="{height}" viewBox="0 0 {width} {height}" font-family="sans-serif" font-size="12">"#
    );
    let _ = writeln!(s, r#"<rect width="100%" height="100%" fill="white"/>"#);
    let _ = writeln!(
        s,
        r#"<text x="{}" y="20" text-anchor="middle" font-size="15" font-weight="bold">{}</text>"#,
        width / 2.0,
        esc(title)
    );
    for (k, p) in panels.iter().enumerate() {
        let ox = pw * k as f64;
        let (x0, x1, y0, y1) = (ox + ml, ox + pw - mr, mt, ph - mb + 30.0);
        let tx = |x: f64| if p.log_x { x.ln() } else { x };
        let pts: Vec<(f64, f64)> = p
            .series
            .iter()
            .flat_map(|s| s.points.iter().copied())
            .filter(|(x, y)| x.is_finite() && y.is_finite())
            .collect();
        if pts.is_empty() {
            continue;
        }
        let (mut xmin, mut xmax) = pts.iter().fold((f64::MAX, f64::MIN), |a, &(x, _)| {
            (a.0.min(tx(x)), a.1.max(tx(x)))
        });
        let (mut ymin, mut ymax) = pts
            .iter()
            .fold((f64::MAX, f64::MIN), |a, &(_, y)| (a.0.min(y), a.1.max(y)));
        if xmax - xmin < 1e-12 {
            xmin -= 1.0;
            xmax += 1.0;
        }
        let pad = ((ymax - ymin) * 0.08).max(1e-3);
        ymin -= pad;
        ymax += pad;
        let sx = |x: f64| x0 + (tx(x) - xmin) / (xmax - xmin) * (x1 - x0);
        let sy = |y: f64| y1 - (y - ymin) / (ymax - ymin) * (y1 - y0);
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle" font-size="13">{}</text>"#,
            (x0 + x1) / 2.0,
            y0 - 14.0,
            esc(&p.title)
        );
        let _ = writeln!(
            s,
            r##"<rect x="{x0}" y="{y0}" width="{}" height="{}" fill="none" stroke="#444"/>"##,
            x1 - x0,
            y1 - y0
        );
        for t in nice_ticks(ymin, ymax, 5) {
            let y = sy(t);
            let _ = writeln!(
                s,
                r##"<line x1="{x0}" y1="{y}" x2="{x1}" y2="{y}" stroke="#ddd"/><text x="{}" y="{}" text-anchor="end">{}</text>"##,
                x0 - 5.0,
                y + 4.0,
                fmt_tick(t)
            );
        }
        let xs: Vec<f64> = {
            let mut v: Vec<f64> = pts.iter().map(|p| p.0).collect();
            v.sort_by(f64::total_cmp);
            v.dedup();
            if v.len() <= 8 {
                v
            } else {
                nice_ticks(xmin, xmax, 6)
                    .into_iter()
                    .map(|t| if p.log_x { t.exp() } else { t })
                    .collect()
            }
        };
        for t in xs {
            let x = sx(t);
            let _ = writeln!(
                s,
                r##"<line x1="{x}" y1="{y1}" x2="{x}" y2="{}" stroke="#444"/><text x="{x}" y="{}" text-anchor="middle">{}</text>"##,
                y1 + 4.0,
                y1 + 17.0,
                fmt_tick(t)
            );
        }
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle">{}</text>"#,
            (x0 + x1) / 2.0,
            y1 + 34.0,
            esc(&p.x_label)
        );
        let _ = writeln!(
            s,
            r#"<text x="{}" y="{}" text-anchor="middle" transform="rotate(-90 {} {})">{}</text>"#,
            ox + 16.0,
            (y0 + y1) / 2.0,
            ox + 16.0,
            (y0 + y1) / 2.0,
            esc(&p.y_label)
        );
        for (i, se) in p.series.iter().enumerate() {
            let c = COLORS[i % COLORS.len()];
            let path: Vec<String> = se
                .points
                .iter()
                .filter(|(x, y)| x.is_finite() && y.is_finite())
                .map(|&(x, y)| format!("{:.1},{:.1}", sx(x), sy(y)))
                .collect();
            let _ = writeln!(
                s,
                r#"<polyline points="{}" fill="none" stroke="{c}" stroke-width="2"/>"#,
                path.join(" ")
            );
            for &(x, y) in se
                .points
                .iter()
                .filter(|(x, y)| x.is_finite() && y.is_finite())
            {
                let _ = writeln!(
                    s,
                    r#"<circle cx="{:.1}" cy="{:.1}" r="3" fill="{c}"/>"#,
                    sx(x),
                    sy(y)
                );
            }
            let (lx, ly) = (
                x0 + 4.0 + (i % 3) as f64 * 130.0,
                y1 + 52.0 + (i / 3) as f64 * 16.0,
            );
            let _ = writeln!(
                s,
                r#"<line x1="{lx}" y1="{}" x2="{}" y2="{}" stroke="{c}" stroke-width="3"/><text x="{}" y="{}">{}</text>"#,
                ly - 4.0,
                lx + 18.0,
                ly - 4.0,
                lx + 22.0,
                ly,
                esc(&se.name)
            );
        }
    }
    s.push_str("</svg>\n");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_a_valid_looking_document() {
        let p = Panel {
            title: "t".into(),
            x_label: "γ".into(),
            y_label: "ρ".into(),
            log_x: true,
            series: vec![Series {
                name: "MEN".into(),
                points: vec![(1.0, 0.5), (10.0, 0.6), (30.0, f64::NAN)],
            }],
        };
        let svg = render(&[p.clone(), p], "x < y");
        assert!(svg.starts_with("<svg") && svg.trim_end().ends_with("</svg>"));
        assert_eq!(svg.matches("<polyline").count(), 2);
        assert!(svg.contains("x &lt; y"));
        assert_eq!(nice_ticks(0.0, 1.0, 5), vec![0.0, 0.2, 0.4, 0.6, 0.8, 1.0]);
    }
}
