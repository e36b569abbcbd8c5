//! A self-contained HTML page for one explanation: no script, no network, inline CSS only.
//!
//! The text with every token shaded by its contribution to the predicted class (green for,
//! red against), a tooltip with the token's largest community terms and their words, the class
//! decision split by community, and the components (heads, memories, levels) that mattered.

use std::collections::HashMap;
use std::fmt::Write as _;

use sinr_models::Explanation;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn shade(v: f32, max: f32) -> String {
    let a = if max > 0.0 {
        (v.abs() / max).min(1.0) * 0.85
    } else {
        0.0
    };
    if v >= 0.0 {
        format!("rgba(46,160,67,{a:.3})")
    } else {
        format!("rgba(218,54,51,{a:.3})")
    }
}

fn bar(v: f32, max: f32) -> String {
    let w = if max > 0.0 {
        (v.abs() / max * 120.0).min(120.0)
    } else {
        0.0
    };
    let color = if v >= 0.0 { "#2ea043" } else { "#da3633" };
    format!(r#"<span class="bar" style="width:{w:.0}px;background:{color}"></span>"#)
}

/// Renders the page.
pub fn page(e: &Explanation, text: &str) -> String {
    let words: HashMap<u32, &Vec<String>> =
        e.dimension_words.iter().map(|(k, w)| (*k, w)).collect();
    let dim_label = |k: u32| -> String {
        match words.get(&k) {
            Some(w) => format!("{} — {}", k, w.join(", ")),
            None => e
                .dimensions
                .get(k as usize)
                .cloned()
                .unwrap_or_else(|| format!("dimension {k}")),
        }
    };
    let mut s = String::new();
    s.push_str("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>sinr explanation</title>\n<style>\n");
    s.push_str("body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;color:#1f2328;line-height:1.5}\n");
    s.push_str(".tok{position:relative;padding:1px 3px;margin:1px;border-radius:3px;display:inline-block}\n");
    s.push_str(".tok .tip{display:none;position:absolute;left:0;top:1.8em;z-index:9;background:#fff;border:1px solid #bbb;padding:6px;font-size:12px;width:380px;box-shadow:0 2px 6px #0003}\n");
    s.push_str(".tok:hover .tip{display:block}\n.bar{display:inline-block;height:10px;vertical-align:middle}\n");
    s.push_str("table{border-collapse:collapse;margin:1em 0}td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;font-size:14px}\n");
    s.push_str(".num{text-align:right;font-family:monospace}\n.muted{color:#57606a;font-size:13px}\n</style></head><body>\n");
    let _ = writeln!(s, "<h1>Why <code>{}</code>?</h1>", esc(&e.model));
    let _ = writeln!(
        s,
        "<p class=\"muted\">Input: {}</p>",
        esc(&text.chars().take(400).collect::<String>())
    );
    for o in &e.outputs {
        let pred = &e.labels[o.predicted];
        let max_tok = o
            .tokens
            .iter()
            .map(|r| r[o.predicted].abs())
            .fold(0f32, f32::max);
        match o.position {
            Some(p) => {
                let _ = writeln!(
                    s,
                    "<h2 id=\"pos-{p}\">Token <q>{}</q> → <b>{}</b></h2>",
                    esc(&e.tokens[p]),
                    esc(pred)
                );
                if let Some(a) = o.argmax {
                    let _ = writeln!(
                        s,
                        "<p class=\"muted\">This position's highest logit is {}, which would break the BIO order here (an <code>I-</code> tag continues a chunk of its own type only); the tag is the one of the best valid path over the sentence, and the contributions below are those of its logit.</p>",
                        esc(&e.labels[a])
                    );
                }
            }
            None => {
                let _ = writeln!(s, "<h2>Prediction: <b>{}</b></h2>", esc(pred));
                let _ = writeln!(
                    s,
                    "<p class=\"muted\">logits: {}. Every contribution below is an exact term of the logit: token contributions plus biases sum to it (error {:.1e}).</p>",
                    e.labels
                        .iter()
                        .zip(&o.logits)
                        .map(|(l, v)| format!("{} {v:+.3}", esc(l)))
                        .collect::<Vec<_>>()
                        .join(", "),
                    o.completeness_error()
                );
            }
        }
        s.push_str("<p class=\"text\">");
        for (t, tok) in e.tokens.iter().enumerate() {
            let v = o.tokens[t][o.predicted];
            let mut tip = format!("<b>{:+.4}</b> to {}<br>", v, esc(pred));
            for (k, c) in o.token_communities.get(t).into_iter().flatten().take(5) {
                let _ = write!(tip, "{:+.4} via community {}<br>", c, esc(&dim_label(*k)));
            }
            let _ = write!(
                s,
                "<span class=\"tok\" data-contribution=\"{v:.6}\" style=\"background:{}\">{}<span class=\"tip\">{}</span></span> ",
                shade(v, max_tok),
                esc(tok),
                tip
            );
        }
        s.push_str("</p>\n");
        // Class decision by community.
        let mut comms: Vec<(usize, f32)> = o
            .communities
            .iter()
            .enumerate()
            .map(|(k, r)| (k, r[o.predicted]))
            .collect();
        comms.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        let max_c = comms.first().map_or(0.0, |c| c.1.abs());
        s.push_str("<h3>The decision by community</h3><table><tr><th>community (its words)</th>");
        for l in &e.labels {
            let _ = write!(s, "<th class=\"num\">{}</th>", esc(l));
        }
        s.push_str("<th></th></tr>\n");
        for (k, v) in comms.iter().take(15).filter(|c| c.1 != 0.0) {
            let _ = write!(
                s,
                "<tr class=\"community\"><td>{}</td>",
                esc(&dim_label(*k as u32))
            );
            for c in &o.communities[*k] {
                let _ = write!(s, "<td class=\"num\">{c:+.4}</td>");
            }
            let _ = writeln!(s, "<td>{}</td></tr>", bar(*v, max_c));
        }
        s.push_str("</table>\n");
        if !o.fine_communities.is_empty() {
            let terms = e.top_fine_communities(o, 10);
            let max_f = terms.first().map_or(0.0, |c| c.1[o.predicted].abs());
            let _ = write!(
                s,
                "<h3>The decision by fine community (level {}, read over the window)</h3><table><tr><th>community (its words)</th>",
                e.fine_level.unwrap_or(0)
            );
            for l in &e.labels {
                let _ = write!(s, "<th class=\"num\">{}</th>", esc(l));
            }
            s.push_str("<th></th></tr>\n");
            for (k, r, words) in &terms {
                let label = if words.is_empty() {
                    format!("{k}")
                } else {
                    format!("{k} — {}", words.join(", "))
                };
                let _ = write!(s, "<tr class=\"community\"><td>{}</td>", esc(&label));
                for c in *r {
                    let _ = write!(s, "<td class=\"num\">{c:+.4}</td>");
                }
                let _ = writeln!(s, "<td>{}</td></tr>", bar(r[o.predicted], max_f));
            }
            s.push_str("</table>\n");
        }
        if !o.levels.is_empty() {
            let max_l = o
                .levels
                .iter()
                .fold(0f32, |m, l| m.max(l.1[o.predicted].abs()));
            s.push_str("<h3>The decision by Louvain level</h3><p class=\"muted\">What each level's read-out adds to the logit, from the input level up to the coarsest (a fine community weighs in directly and through its ancestors).</p><table><tr><th>level</th><th class=\"num\">to the prediction</th><th></th></tr>\n");
            for (n, v) in &o.levels {
                let _ = writeln!(
                    s,
                    "<tr class=\"level\"><td>{}</td><td class=\"num\">{:+.4}</td><td>{}</td></tr>",
                    esc(n),
                    v[o.predicted],
                    bar(v[o.predicted], max_l)
                );
            }
            s.push_str("</table>\n");
        }
        // The n-gram weights by feature (the attention classifier's `ngrams`).
        if !o.lexical.is_empty() {
            let max_f = o.lexical.first().map_or(0.0, |f| f.1[o.predicted].abs());
            s.push_str("<h3>The n-gram weights by feature</h3><table><tr><th>feature</th><th>of the token</th><th class=\"num\">to the prediction</th><th></th></tr>\n");
            for (f, v) in o.lexical.iter().take(15) {
                let (name, token) = e.lexical_label(*f);
                let _ = writeln!(
                    s,
                    "<tr class=\"ngram\"><td>{}</td><td>{}</td><td class=\"num\">{:+.4}</td><td>{}</td></tr>",
                    esc(name),
                    esc(token),
                    v[o.predicted],
                    bar(v[o.predicted], max_f)
                );
            }
            s.push_str("</table>\n");
        }
        // The attention classifier's components are the attention (and the mean, if it reads
        // it) and the bias: shown when there is more than one path.
        if e.model != "attention" || o.components.len() > 2 {
            let mut comps: Vec<(&String, &Vec<f32>)> =
                o.components.iter().map(|c| (&c.name, &c.values)).collect();
            comps.sort_by(|a, b| b.1[o.predicted].abs().total_cmp(&a.1[o.predicted].abs()));
            let max_k = comps.first().map_or(0.0, |c| c.1[o.predicted].abs());
            s.push_str("<h3>Components</h3><table><tr><th>component</th><th class=\"num\">to the prediction</th><th></th></tr>\n");
            for (n, v) in comps.iter().take(12) {
                let _ = writeln!(
                    s,
                    "<tr class=\"component\"><td>{}</td><td class=\"num\">{:+.4}</td><td>{}</td></tr>",
                    esc(n),
                    v[o.predicted],
                    bar(v[o.predicted], max_k)
                );
            }
            s.push_str("</table>\n");
        }
    }
    if let Some((_, pool)) = e.attention.iter().find(|a| a.0 == "pooling") {
        let row = &pool[0];
        let max = row.iter().fold(0f32, |m, v| m.max(*v));
        s.push_str("<h3>Task attention (where the model looked)</h3><p>");
        for (t, tok) in e.tokens.iter().enumerate() {
            let a = row.get(t).copied().unwrap_or(0.0);
            let _ = write!(
                s,
                "<span class=\"tok\" style=\"background:rgba(9,105,218,{:.3})\">{}</span> ",
                if max > 0.0 { a / max * 0.7 } else { 0.0 },
                esc(tok)
            );
        }
        s.push_str("</p>\n");
    }
    s.push_str("<p class=\"muted\">Made by <code>sinr explain</code>. Communities are Louvain communities of the SINr co-occurrence graph, labelled by their most typical words.</p>\n</body></html>\n");
    s
}
