//! A grouped bar chart of requests per second, as SVG.

use std::fmt::Write as _;

use super::report::Report;
use super::servers::ServerId;
use super::workloads::WORKLOADS;

/// One colour a server, in the order of the results.
const COLORS: [&str; 8] = [
    "#0b6bcb", "#7fb2e5", "#9aa5b1", "#13795b", "#6fc3a2", "#b7c9bf", "#a15c00", "#6b4fbb",
];

/// A grouped bar chart of requests per second, one group per workload.
pub(super) fn chart(report: &Report) -> String {
    let workloads = WORKLOADS;
    let mut series: Vec<&ServerId> = Vec::new();
    for m in &report.results {
        if !series.contains(&&m.server) {
            series.push(&m.server);
        }
    }
    let max = report
        .results
        .iter()
        .map(|m| m.requests_per_sec)
        .fold(1.0, f64::max);
    // Room below the bars for the workload names and one legend line a server.
    let bottom = 60.0 + 17.0 * series.len() as f64;
    let (width, left, top) = (980.0, 70.0, 40.0);
    let height = top + 270.0 + bottom;
    let plot_h = height - top - bottom;
    let group_w = (width - left - 20.0) / workloads.len() as f64;
    let bar_w = (group_w - 24.0) / series.len().max(1) as f64;
    let mut svg = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{width}\" height=\"{height}\" font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>\n\
         <text x=\"{left}\" y=\"22\" font-size=\"15\" font-weight=\"bold\">Requests per second ({})</text>\n",
        report.date
    );
    for step in 0..=4 {
        let value = max * step as f64 / 4.0;
        let y = top + plot_h - plot_h * step as f64 / 4.0;
        let _ = writeln!(
            svg,
            "<line x1=\"{left}\" x2=\"{}\" y1=\"{y:.1}\" y2=\"{y:.1}\" stroke=\"#e3e7ee\"/><text x=\"{}\" y=\"{:.1}\" text-anchor=\"end\" fill=\"#5b6576\">{:.0}k</text>",
            width - 20.0,
            left - 6.0,
            y + 4.0,
            value / 1000.0
        );
    }
    for (g, workload) in workloads.iter().enumerate() {
        let x0 = left + g as f64 * group_w + 12.0;
        for (i, server) in series.iter().enumerate() {
            let Some(m) = report
                .results
                .iter()
                .find(|m| &m.server == *server && m.workload == *workload)
            else {
                continue;
            };
            let h = plot_h * m.requests_per_sec / max;
            let x = x0 + i as f64 * bar_w;
            let _ = writeln!(
                svg,
                "<rect x=\"{x:.1}\" y=\"{:.1}\" width=\"{:.1}\" height=\"{h:.1}\" fill=\"{}\"><title>{}: {:.0} req/s</title></rect>",
                top + plot_h - h,
                bar_w - 2.0,
                COLORS[i % COLORS.len()],
                server.name,
                m.requests_per_sec
            );
        }
        let _ = writeln!(
            svg,
            "<text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\">{}</text>",
            x0 + (group_w - 24.0) / 2.0,
            top + plot_h + 18.0,
            workload.name()
        );
    }
    legend(&mut svg, &series, left, top + plot_h + 44.0);
    svg.push_str("</svg>\n");
    svg
}

/// One line a server below the chart, `y` the first line's baseline: its
/// colour and its name.
fn legend(svg: &mut String, series: &[&ServerId], left: f64, y: f64) {
    for (i, server) in series.iter().enumerate() {
        let y = y + i as f64 * 17.0;
        let _ = writeln!(
            svg,
            "<rect x=\"{left}\" y=\"{:.1}\" width=\"12\" height=\"12\" fill=\"{}\"/><text x=\"{}\" y=\"{:.1}\">{}</text>",
            y - 10.0,
            COLORS[i % COLORS.len()],
            left + 18.0,
            y,
            server.name
        );
    }
}

#[cfg(test)]
mod tests {
    use super::super::report::tests::{report, row};
    use super::super::servers::Kind;
    use super::*;
    use harness::runtime::Runtime;

    #[test]
    fn one_bar_and_one_legend_entry_a_server() {
        let svg = chart(&report(vec![
            row(Kind::Floor, Some(Runtime::Spin), 50.0),
            row(Kind::Nginx, None, 200.0),
        ]));
        assert!(svg.starts_with("<svg ") && svg.ends_with("</svg>\n"));
        assert_eq!(svg.matches("<title>").count(), 2, "{svg}");
        assert!(svg.contains("<title>nginx 1.22 (Debian), etag on: 200 req/s</title>"));
        assert!(svg.contains(">floor: fixed 304 or 200 (spin)</text>"));
        // The tallest bar is the largest figure: the full plot height.
        assert!(svg.contains("height=\"270.0\" fill="), "{svg}");
    }
}
