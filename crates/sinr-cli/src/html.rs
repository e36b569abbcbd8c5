//! A self-contained HTML page for one explanation: no script, no network, inline CSS only.
//!
//! The text with every token shaded by its contribution to the predicted class (green for,
//! red against), a tooltip with the token's largest community terms and their words, the class
//! decision split by community, and the components (heads, memories, levels) that mattered.
//!
//! The page is a `maud` template: every token, word, label and the input text go through its
//! escaping; the only markup inserted as is ([`PreEscaped`]) is the fixed style sheet.

use std::collections::HashMap;

use maud::{DOCTYPE, Markup, PreEscaped, html};
use sinr_models::Explanation;
use sinr_schema::OutputExplanation;

/// The page's whole style sheet.
const CSS: &str = "
body{font-family:system-ui,sans-serif;max-width:980px;margin:2em auto;color:#1f2328;line-height:1.5}
.tok{position:relative;padding:1px 3px;margin:1px;border-radius:3px;display:inline-block}
.tok .tip{display:none;position:absolute;left:0;top:1.8em;z-index:9;background:#fff;border:1px solid #bbb;padding:6px;font-size:12px;width:380px;box-shadow:0 2px 6px #0003}
.tok:hover .tip{display:block}
.bar{display:inline-block;height:10px;vertical-align:middle}
table{border-collapse:collapse;margin:1em 0}td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left;font-size:14px}
.num{text-align:right;font-family:monospace}
.muted{color:#57606a;font-size:13px}
tr.wrong td{background:#ffebe9}.wrong{color:#cf222e;font-weight:normal}
";

/// The background of a token: green for the class, red against, as strong as `|v| / max`.
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

/// A bar of at most 120 px, as long as `|v| / max`, green or red by the sign of `v`.
fn bar(v: f32, max: f32) -> Markup {
    let w = if max > 0.0 {
        (v.abs() / max * 120.0).min(120.0)
    } else {
        0.0
    };
    let color = if v >= 0.0 { "#2ea043" } else { "#da3633" };
    html! { span class="bar" style=(format!("width:{w:.0}px;background:{color}")) {} }
}

/// A contribution in the tables and tooltips.
fn term(v: f32) -> String {
    format!("{v:+.4}")
}

/// Named terms of an output for a class (`(name, value)`), summed over an entity's tokens.
type NamedTerms<'a> = dyn Fn(&OutputExplanation, usize) -> Vec<(String, f32)> + 'a;

/// The explanation and the words of its dimensions, looked up by dimension.
#[derive(Debug)]
struct Page<'a> {
    e: &'a Explanation,
    words: HashMap<u32, &'a [String]>,
}

impl<'a> Page<'a> {
    fn new(e: &'a Explanation) -> Self {
        let words = e
            .dimension_words
            .iter()
            .map(|(k, w)| (*k, w.as_slice()))
            .collect();
        Self { e, words }
    }

    /// A community with its words, or the dimension's name where it has none.
    fn dim_label(&self, k: u32) -> String {
        match self.words.get(&k) {
            Some(w) => format!("{} — {}", k, w.join(", ")),
            None => self
                .e
                .dimensions
                .get(k as usize)
                .cloned()
                .unwrap_or_else(|| format!("dimension {k}")),
        }
    }

    fn render(&self, text: &str) -> Markup {
        let e = self.e;
        html! {
            (DOCTYPE)
            html lang="en" {
                head {
                    meta charset="utf-8";
                    title { "sinr explanation" }
                    style { (PreEscaped(CSS)) }
                }
                body {
                    @match e.outputs.first().filter(|o| o.position.is_none()) {
                        Some(o) => h1 { "Why " (e.labels[o.predicted]) "?" },
                        None => h1 { "Why these tags?" },
                    }
                    p class="muted" {
                        "Model: " code { (e.model) } ". Input: "
                        (text.chars().take(400).collect::<String>())
                    }
                    @if !e.transitions.is_empty() { (self.path()) }
                    @if e.outputs.iter().any(|o| o.position.is_some()) { (self.entities()) }
                    @for o in &e.outputs {
                        (self.output(o))
                    }
                    (self.task_attention())
                    p class="muted" {
                        "Made by " code { "sinr explain" } ". Communities are Louvain \
                         communities of the SINr co-occurrence graph, labelled by their most \
                         typical words."
                    }
                }
            }
        }
    }

    /// A CRF tagger's decided path: every token's tag with its logit and the transition into
    /// it, then the end; they sum to the path's score.
    fn path(&self) -> Markup {
        let e = self.e;
        let into = |p: usize| {
            e.transitions
                .iter()
                .find(|t| t.position == p && t.to.is_some())
        };
        let end = e.transitions.iter().find(|t| t.to.is_none());
        let emissions: f64 = e
            .outputs
            .iter()
            .map(|o| f64::from(o.logits[o.predicted]))
            .sum();
        let total = emissions + e.transitions.iter().map(|t| t.score).sum::<f64>();
        html! {
            h2 { "The tags, decided together" }
            p class="muted" {
                "The tagger scores whole tag sequences: each token's logit for its tag (split \
                 below, token by token, into the words, communities and components that made it) \
                 plus a learned score for every transition between two tags (a CRF; transitions \
                 that break the BIO order are forbidden). These tags are the sequence of highest \
                 score, "
                (format!("{total:+.3}")) "."
            }
            table class="path" {
                tr {
                    th { "token" } th { "tag" }
                    @if !e.gold_tags.is_empty() { th { "gold tag" } }
                    th class="num" { "its logit" } th { "transition into it" } th class="num" { "score" }
                }
                @for o in &e.outputs {
                    @if let Some(p) = o.position {
                        @let gold = e.gold_tags.get(p);
                        @let wrong = gold.is_some_and(|g| *g != e.labels[o.predicted]);
                        tr class=[wrong.then_some("wrong")] {
                            td { a href={ "#pos-" (p) } { (e.tokens[p]) } }
                            td { b { (e.labels[o.predicted]) } }
                            @if let Some(g) = gold {
                                td { (g) @if wrong { " ✗" } }
                            }
                            td class="num" { (term(o.logits[o.predicted])) }
                            @if let Some(t) = into(p) {
                                td { (t.name()) }
                                td class="num" { (term(t.score as f32)) }
                            } @else { td {} td {} }
                        }
                    }
                }
                @if let Some(t) = end {
                    tr {
                        td {} td {} @if !e.gold_tags.is_empty() { td {} } td {}
                        td { (t.name()) } td class="num" { (term(t.score as f32)) }
                    }
                }
            }
        }
    }

    /// A tagged sentence's entities (spans of the decided tags): for each, what decided its
    /// tags, summed over its tokens' logits: the tokens, the lexical features and the
    /// communities that weigh most, and the transitions into, inside and out of it.
    fn entities(&self) -> Markup {
        let e = self.e;
        let by_pos: HashMap<usize, &OutputExplanation> = e
            .outputs
            .iter()
            .filter_map(|o| o.position.map(|p| (p, o)))
            .collect();
        let tags: Vec<&str> = (0..e.tokens.len())
            .map(|p| {
                by_pos
                    .get(&p)
                    .map_or("O", |o| e.labels[o.predicted].as_str())
            })
            .collect();
        let spans = sinr_metrics::task::spans(&tags);
        // Σ over the entity's positions of a term of each position's decided tag.
        let summed = |span: &sinr_metrics::task::Span, f: &NamedTerms<'_>| {
            let mut acc: Vec<(String, f32)> = Vec::new();
            for p in span.start..span.end {
                if let Some(o) = by_pos.get(&p) {
                    for (k, v) in f(o, o.predicted) {
                        match acc.iter_mut().find(|a| a.0 == k) {
                            Some(a) => a.1 += v,
                            None => acc.push((k, v)),
                        }
                    }
                }
            }
            acc.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
            acc.truncate(5);
            acc
        };
        let gold: Vec<&str> = e.gold_tags.iter().map(String::as_str).collect();
        let gold_spans = sinr_metrics::task::spans(&gold);
        let missed: Vec<_> = gold_spans.iter().filter(|g| !spans.contains(g)).collect();
        html! {
            h2 { "The entities" }
            @if !e.gold_tags.is_empty() {
                p class="gold" {
                    "Against the data's gold tags: " b { (gold_spans.len() - missed.len()) " of " (gold_spans.len()) }
                    " gold entities found exactly"
                    @if missed.is_empty() { "." } @else { "; not found:" }
                }
                @if !missed.is_empty() {
                    ul class="missed" {
                        @for g in &missed {
                            li {
                                b { (g.kind) } ": " q { (e.tokens[g.start..g.end].join(" ")) } ", tagged "
                                (tags[g.start..g.end].join(" "))
                            }
                        }
                    }
                }
            }
            @if spans.is_empty() {
                p class="muted" { "No entity: every token is tagged O." }
            }
            @for span in &spans {
                @let words = e.tokens[span.start..span.end].join(" ");
                @let logit: f32 = (span.start..span.end)
                    .filter_map(|p| by_pos.get(&p).map(|o| o.logits[o.predicted]))
                    .sum();
                // Into each of its tokens, into the token after it, or to the end.
                @let trans: Vec<_> = e.transitions.iter()
                    .filter(|t| match t.to {
                        Some(_) => (span.start..=span.end).contains(&t.position),
                        None => span.end == by_pos.len(),
                    })
                    .collect();
                h3 class="entity" {
                    b { (span.kind) } ": " q { (words) }
                    @if !e.gold_tags.is_empty() && !gold_spans.contains(span) {
                        span class="wrong" { " — not a gold entity" }
                    }
                }
                p class="muted" {
                    "Its tags' logits add up to " (term(logit))
                    @if !trans.is_empty() {
                        "; the transitions into, inside and out of it: "
                        @for (i, t) in trans.iter().enumerate() {
                            @if i > 0 { ", " }
                            (t.name()) " " (term(t.score as f32))
                        }
                    }
                    "."
                }
                table {
                    tr { th { "what decided it" } th { "weighs most" } }
                    tr {
                        td { "tokens" }
                        td {
                            @for (i, (k, v)) in summed(span, &|o, c| o.tokens.iter().enumerate().map(|(t, r)| (e.tokens[t].clone(), r[c])).collect()).iter().enumerate() {
                                @if i > 0 { ", " } (k) " " (term(*v))
                            }
                        }
                    }
                    tr {
                        td { "lexical features" }
                        td {
                            @for (i, (k, v)) in summed(span, &|o, c| o.lexical.iter().map(|(f, r)| {
                                let (name, token) = e.lexical_label(*f);
                                (format!("{name} ({token})"), r[c])
                            }).collect()).iter().enumerate() {
                                @if i > 0 { ", " } (k) " " (term(*v))
                            }
                        }
                    }
                    tr {
                        td { "communities" }
                        td {
                            @for (i, (k, v)) in summed(span, &|o, c| o.communities.iter().enumerate().map(|(k, r)| (self.dim_label(k as u32), r[c])).chain(o.fine_communities.iter().map(|(k, r)| (self.fine_label(*k), r[c]))).collect()).iter().enumerate() {
                                @if i > 0 { "; " } (k) " " (term(*v))
                            }
                        }
                    }
                }
            }
        }
    }

    /// A text classifier's lean toward the predicted class before the text's evidence: the
    /// reference's log-odds (an average training text's, or the empty text's).
    fn prior(&self, o: &OutputExplanation) -> Option<f32> {
        self.e.reference_lean(o)
    }

    /// What the reference is, for sentences: "an average training text (the mean of 200)" or
    /// "no word at all".
    fn reference_name(&self) -> String {
        match self.e.reference_texts {
            0 => "with no word at all".to_owned(),
            n => format!("on an average training text (the mean of {n})"),
        }
    }

    /// What the terms are read as, for table headers.
    fn toward_name(&self, o: &OutputExplanation) -> String {
        let pred = &self.e.labels[o.predicted];
        match o.position {
            None if self.e.labels.len() >= 2 => format!("to the log-odds of {pred}"),
            _ => format!("to {pred}"),
        }
    }

    /// A fine community with its words (`fine K` where it has none).
    fn fine_label(&self, k: u32) -> String {
        match self.e.fine_dimension_words.iter().find(|(j, _)| *j == k) {
            Some((_, w)) => format!("fine {k} — {}", w.join(", ")),
            None => format!("fine {k}"),
        }
    }

    /// One output: its heading, the shaded text, then the splits of its decision.
    fn output(&self, o: &OutputExplanation) -> Markup {
        let e = self.e;
        let pred = &e.labels[o.predicted];
        html! {
            @match o.position {
                Some(p) => {
                    h2 id={ "pos-" (p) } { "Token " q { (e.tokens[p]) } " → " b { (pred) } }
                    @if let Some(a) = o.argmax.filter(|_| !e.transitions.is_empty()) {
                        p class="muted" {
                            "This position's highest logit is " (e.labels[a]) "; the tag is the \
                             one of the sentence's best path, transitions included, and the \
                             contributions below are those of its logit."
                        }
                    } @else if let Some(a) = o.argmax {
                        p class="muted" {
                            "This position's highest logit is " (e.labels[a]) ", which would \
                             break the BIO order here (an " code { "I-" } " tag continues a \
                             chunk of its own type only); the tag is the one of the best valid \
                             path over the sentence, and the contributions below are those of \
                             its logit."
                        }
                    }
                }
                None => {
                    h2 { "Prediction: " b { (pred) } }
                    p {
                        @if let Some(prior) = self.prior(o) {
                            (capitalised(&self.reference_name())) " the model leans " (term(prior))
                            " (log-odds) toward " (pred) "; this text takes it to "
                            (term(o.decision_term(&o.logits))) ". Green is evidence for "
                            (pred) ", red against."
                        } @else {
                            "Green is evidence for " (pred) ", red against."
                        }
                    }
                    p class="muted" {
                        "logits: "
                        @for (i, (l, v)) in e.labels.iter().zip(&o.logits).enumerate() {
                            @if i > 0 { ", " }
                            (l) " " (format!("{v:+.3}"))
                        }
                        ". Every contribution below is an exact term of the logits: token \
                         contributions plus biases sum to them (error "
                        (format!("{:.1e}", o.completeness_error())) "). Rows are ranked by \
                         their term of the log-odds of " (pred) " (its logit minus the \
                         other's), so that what raises every class alike counts for nothing."
                    }
                }
            }
            (self.shaded_text(o))
            (self.communities(o))
            @if !o.fine_communities.is_empty() { (self.fine_communities(o)) }
            @if !o.levels.is_empty() { (self.levels(o)) }
            // The n-gram weights by feature (the attention classifier's `ngrams`).
            @if !o.lexical.is_empty() { (self.ngrams(o)) }
            // The attention classifier's components are the attention (and the mean, if it
            // reads it) and the bias: shown when there is more than one path.
            @if e.model != "attention" || o.components.len() > 2 { (self.components(o)) }
        }
    }

    /// The text, every token shaded by its term for the predicted class, with a tooltip of its
    /// largest community terms.
    fn shaded_text(&self, o: &OutputExplanation) -> Markup {
        let e = self.e;
        let to = self.toward_name(o);
        let max = o
            .tokens
            .iter()
            .map(|r| o.decision_term(r).abs())
            .fold(0f32, f32::max);
        html! {
            p class="text" {
                @for (t, tok) in e.tokens.iter().enumerate() {
                    @let v = o.decision_term(&o.tokens[t]);
                    span class="tok" data-contribution=(format!("{v:.6}"))
                        style={ "background:" (shade(v, max)) } {
                        (tok)
                        span class="tip" {
                            b { (term(v)) } " " (to) br;
                            @for (k, c) in
                                o.token_communities.get(t).into_iter().flatten().take(5)
                            {
                                (term(*c)) " via community " (self.dim_label(*k)) br;
                            }
                        }
                    }
                    " "
                }
            }
        }
    }

    /// A table's header: `first`, one column per class, the bar.
    fn class_header(&self, first: &str) -> Markup {
        html! {
            tr {
                th { (first) }
                @for l in &self.e.labels { th class="num" { (l) } }
                th {}
            }
        }
    }

    /// The decision by community: the 15 largest non-zero terms for the predicted class, each
    /// read against what the community gives an average training text where the reference is
    /// one ([`Explanation::community_terms`]).
    fn communities(&self, o: &OutputExplanation) -> Markup {
        let terms = self.e.community_terms(o);
        let mut comms: Vec<(usize, f32)> = terms
            .iter()
            .enumerate()
            .map(|(k, r)| (k, o.decision_term(r)))
            .collect();
        comms.sort_by(|a, b| b.1.abs().total_cmp(&a.1.abs()));
        let max = comms.first().map_or(0.0, |c| c.1.abs());
        let against = o.position.is_none() && !self.e.reference_communities.is_empty();
        let written = !o.community_own.is_empty();
        html! {
            h3 { "The decision by community" }
            @if against {
                p class="muted" {
                    "Each community's term beyond what it gives an average training text: \
                     what a community carries on every text alike (a head's constant write \
                     lands in some) is part of the model's lean, not this text's evidence."
                }
            }
            @if written {
                p class="muted" {
                    "The layers write into the stream's communities as well as read them: \
                     under each community, the words of this text whose evidence passes \
                     through it most, and how much of its term the layers wrote there rather \
                     than the words' own vectors carried. A community mostly written by the \
                     layers is a channel: its label names its own words, not what it carries \
                     here."
                }
            }
            table {
                (self.class_header("community (its words)"))
                @for (k, v) in comms.iter().take(15).filter(|c| c.1 != 0.0) {
                    tr class="community" {
                        td {
                            (self.dim_label(*k as u32))
                            (self.carriers(o, *k))
                        }
                        @for c in &terms[*k] { td class="num" { (term(*c)) } }
                        td { (bar(*v, max)) }
                    }
                }
            }
        }
    }

    /// Under community `k`'s label: the (at most three) tokens whose terms pass through it
    /// most ([`OutputExplanation::token_communities`]) and, for a model whose layers write into
    /// its communities, the share of its term (for the decision) that they wrote.
    fn carriers(&self, o: &OutputExplanation, k: usize) -> Markup {
        let mut through: Vec<(f32, &str)> = o
            .token_communities
            .iter()
            .enumerate()
            .filter_map(|(t, row)| {
                let v = row.iter().find(|x| x.0 as usize == k)?.1;
                Some((v.abs(), self.e.tokens.get(t)?.as_str()))
            })
            .filter(|x| x.0 > 0.0)
            .collect();
        through.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(b.1)));
        let mut words: Vec<&str> = Vec::new();
        for (_, w) in through {
            if !words.contains(&w) && words.len() < 3 {
                words.push(w);
            }
        }
        let written = o.written_share(k);
        html! {
            @if !words.is_empty() || written.is_some() {
                br;
                span class="muted" {
                    @if !words.is_empty() { "through: " (words.join(", ")) }
                    @if let Some(w) = written {
                        @if !words.is_empty() { " · " }
                        (format!("{:.0} %", 100.0 * w)) " written by the layers"
                    }
                }
            }
        }
    }

    /// The decision by fine community (a tagging read-out's window, or a text's fine path
    /// beside the stream): the 10 largest terms.
    fn fine_communities(&self, o: &OutputExplanation) -> Markup {
        let terms = self.e.top_fine_communities(o, 10);
        let max = terms.first().map_or(0.0, |c| o.decision_term(c.1).abs());
        let how = if o.position.is_some() {
            ", read over the window)"
        } else {
            ", read by the fine path beside the stream)"
        };
        html! {
            h3 {
                "The decision by fine community (level " (self.e.fine_level.unwrap_or(0))
                (how)
            }
            table {
                (self.class_header("community (its words)"))
                @for (k, r, words) in &terms {
                    tr class="community" {
                        td {
                            (k)
                            @if !words.is_empty() { " — " (words.join(", ")) }
                        }
                        @for c in *r { td class="num" { (term(*c)) } }
                        td { (bar(o.decision_term(r), max)) }
                    }
                }
            }
        }
    }

    /// The decision by Louvain level (the hierarchical model reading every level).
    fn levels(&self, o: &OutputExplanation) -> Markup {
        let max = o
            .levels
            .iter()
            .fold(0f32, |m, l| m.max(o.decision_term(&l.1).abs()));
        html! {
            h3 { "The decision by Louvain level" }
            p class="muted" {
                "What each level's read-out adds to the logit, from the input level up to the \
                 coarsest (a fine community weighs in directly and through its ancestors)."
            }
            table {
                tr { th { "level" } th class="num" { (self.toward_name(o)) } th {} }
                @for (n, v) in &o.levels {
                    @let v = o.decision_term(v);
                    tr class="level" {
                        td { (n) }
                        td class="num" { (term(v)) }
                        td { (bar(v, max)) }
                    }
                }
            }
        }
    }

    /// The 15 largest n-gram weights by feature, with the token of each feature.
    fn ngrams(&self, o: &OutputExplanation) -> Markup {
        let max = o
            .lexical
            .iter()
            .fold(0f32, |m, f| m.max(o.decision_term(&f.1).abs()));
        html! {
            @if o.position.is_some() {
                h3 { "The lexical features (words, affixes, shapes, word classes)" }
            } @else {
                h3 { "The n-gram weights by feature" }
            }
            table {
                tr {
                    th { "feature" }
                    th { "of the token" }
                    th class="num" { (self.toward_name(o)) }
                    th {}
                }
                @for (f, v) in o.lexical.iter().take(15) {
                    @let (name, token) = self.e.lexical_label(*f);
                    @let v = o.decision_term(v);
                    tr class="ngram" {
                        td { (name) }
                        td { (token) }
                        td class="num" { (term(v)) }
                        td { (bar(v, max)) }
                    }
                }
            }
        }
    }

    /// The 12 largest components (heads, memories, levels, biases) for the predicted class,
    /// each read against what it gives the reference ([`Explanation::component_terms`]): a
    /// head or bias that writes the same on every text is part of the model's lean, not
    /// evidence. Against the empty text, the biases are one row beyond its lean.
    fn components(&self, o: &OutputExplanation) -> Markup {
        let prior = self.prior(o);
        let training = prior.is_some() && !self.e.reference_components.is_empty();
        let comps: Vec<(String, f32)> = self
            .e
            .component_terms(o)
            .into_iter()
            // A constant (the read-out bias against training texts) is no row.
            .filter(|c| !(training && c.term.abs() < 1e-6))
            .map(|c| {
                let name = if c.in_text {
                    c.name
                } else {
                    format!("{} (not triggered here)", c.name)
                };
                (name, c.term)
            })
            .collect();
        let max = comps.first().map_or(0.0, |c| c.1.abs());
        html! {
            h3 { "Components" }
            @if let Some(prior) = prior {
                p class="muted" {
                    @if training {
                        "What each part of the model adds to the log-odds of "
                        (self.e.labels[o.predicted]) " beyond what it gives an average \
                         training text (the mean of " (self.e.reference_texts) ", which leans "
                        (term(prior)) "): the read-out bias, and a head that writes the same \
                         thing whatever it reads, add nothing. They sum to "
                        (term(o.decision_term(&o.logits) - prior)) "."
                    } @else {
                        "What each part of the model adds to the log-odds of "
                        (self.e.labels[o.predicted]) " beyond the empty text's lean ("
                        (term(prior)) "); they sum to "
                        (term(o.decision_term(&o.logits) - prior)) "."
                    }
                }
            }
            table {
                tr { th { "component" } th class="num" { (self.toward_name(o)) } th {} }
                @for (n, v) in comps.iter().take(12) {
                    tr class="component" {
                        td { (n) }
                        td class="num" { (term(*v)) }
                        td { (bar(*v, max)) }
                    }
                }
            }
        }
    }

    /// The task attention of a pooling model: every token shaded by its weight.
    fn task_attention(&self) -> Markup {
        let e = self.e;
        let Some((_, pool)) = e.attention.iter().find(|a| a.0 == "pooling") else {
            return html! {};
        };
        let row = &pool[0];
        let max = row.iter().fold(0f32, |m, v| m.max(*v));
        html! {
            h3 { "Task attention (where the model looked)" }
            p {
                @for (t, tok) in e.tokens.iter().enumerate() {
                    @let a = row.get(t).copied().unwrap_or(0.0);
                    @let alpha = if max > 0.0 { a / max * 0.7 } else { 0.0 };
                    span class="tok" style=(format!("background:rgba(9,105,218,{alpha:.3})")) {
                        (tok)
                    }
                    " "
                }
            }
        }
    }
}

/// `s` with its first letter upper case.
fn capitalised(s: &str) -> String {
    let mut c = s.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Renders the page.
pub fn page(e: &Explanation, text: &str) -> String {
    Page::new(e).render(text).into_string()
}

/// A model card's page: per class, what pushes toward it over the test set, then the most
/// confident right and wrong predictions linked to their pages (`links`: the right ones', then
/// the wrong ones', relative to the card).
pub fn card_page(card: &sinr_models::card::ModelCard, links: &[String]) -> String {
    let terms = |title: &str, what: &str, t: &[sinr_models::card::CardTerm]| {
        let max = t.first().map_or(0.0, |x| x.mean as f32);
        html! {
            @if !t.is_empty() {
                h3 { (title) }
                table {
                    tr { th { (what) } th class="num" { "mean push (log-odds)" } th class="num" { "in texts" } th {} }
                    @for x in t {
                        tr class="term" {
                            td {
                                (x.name)
                                @if !x.about.is_empty() {
                                    br;
                                    span class="muted" { (x.about) }
                                }
                            }
                            td class="num" { (term(x.mean as f32)) }
                            td class="num" { (x.examples) }
                            td { (bar(x.mean as f32, max)) }
                        }
                    }
                }
            }
        }
    };
    let predictions = |title: &str, preds: &[sinr_models::card::CardPrediction], offset: usize| {
        html! {
            h2 { (title) }
            table {
                tr { th { "text" } th { "gold" } th { "predicted" } th class="num" { "probability" } }
                @for (i, p) in preds.iter().enumerate() {
                    tr class="prediction" {
                        td {
                            @if let Some(l) = links.get(offset + i) {
                                a href=(l) { (p.text.chars().take(140).collect::<String>()) }
                            } @else {
                                (p.text.chars().take(140).collect::<String>())
                            }
                        }
                        td { (card.classes[p.gold]) }
                        td { b { (card.classes[p.predicted]) } }
                        td class="num" { (format!("{:.3}", p.probability)) }
                    }
                }
            }
        }
    };
    html! {
        (DOCTYPE)
        html lang="en" {
            head {
                meta charset="utf-8";
                title { "sinr model card: " (card.model) " on " (card.task) }
                style { (PreEscaped(CSS)) }
            }
            body {
                h1 { "Model card: " code { (card.model) } " on " (card.task) }
                p {
                    "Over " (card.examples) " test texts, accuracy " b { (format!("{:.3}", card.accuracy)) }
                    @if card.reference_texts > 0 {
                        ". On an average training text (the mean of " (card.reference_texts)
                        ") the model gives "
                    } @else {
                        ". With no word at all the model gives "
                    }
                    @for (i, (c, p)) in card.classes.iter().zip(&card.prior).enumerate() {
                        @if i > 0 { ", " }
                        (c) " " (format!("{p:.2}"))
                    }
                    " (its lean before a text's evidence)."
                }
                p class="muted" {
                    "Each table lists what pushes texts toward a class: the mean, over every \
                     test text read, of the term's exact contribution to the class's log-odds \
                     (its logit minus the other classes' mean), so that what raises every class \
                     alike counts for nothing. Communities are labelled by their most \
                     representative words; a head by the pattern its attention follows over \
                     these texts (after Clark et al. 2019: a share of at least 0.3 and 1.5 \
                     times a uniform head's, else sharp or broad); a memory by the words that \
                     fire it most and the communities it writes."
                    @if card.reference_texts > 0 {
                        " Communities, heads, memories and paths are read against what they \
                         give an average training text, so that one carrying the same thing on \
                         every text pushes nothing; \"in texts\" counts the texts in which they \
                         have a term of their own."
                    }
                }
                @if let Some(w) = card.stream_written {
                    p class="muted" {
                        "The layers write into the stream's communities as well as read them: \
                         over these texts they wrote " b { (format!("{:.0} %", 100.0 * w)) }
                        " of the stream's community terms (for each text's predicted class, in \
                         absolute value); the words' own vectors carried the rest. A memory's \
                         write says how much of that community's terms the layers wrote \
                         (\"layer-written\"): a community mostly written by the layers is a \
                         channel, whose label names its own words, not what it carries."
                    }
                }
                @for ev in &card.evidence {
                    h2 { "Toward " b { (ev.class) } }
                    p class="muted" { (ev.gold) " test texts are " (ev.class) "; the model predicts it for " (ev.predicted) "." }
                    (terms("Communities", "community (its words)", &ev.communities))
                    (terms("N-gram features", "feature", &ev.features))
                    (terms("Heads, memories and paths", "component", &ev.components))
                }
                (predictions("The most confident right predictions", &card.right, 0))
                (predictions("The most confident wrong predictions", &card.wrong, card.right.len()))
                p class="muted" { "Made by " code { "sinr explain --model-card" } "." }
            }
        }
    }
    .into_string()
}

#[cfg(test)]
mod tests {
    use sinr_schema::{Component, ComponentKind, EXPLANATION_VERSION};

    use super::*;

    const EVIL: &str = "<script>alert(\"x&y\")</script>";

    /// Two classes, three tokens, two communities, every section of the page filled, and
    /// hostile text in every string a model or a user can put on it.
    fn explanation() -> Explanation {
        let evil = |s: &str| format!("{s}{EVIL}");
        let output = |position: Option<usize>, argmax: Option<usize>| OutputExplanation {
            position,
            logits: vec![0.75, -0.25],
            predicted: 0,
            argmax,
            tokens: vec![vec![0.5, -0.5], vec![-0.25, 0.25], vec![0.125, 0.0]],
            bias: vec![0.375, -0.25],
            communities: vec![vec![0.5, -0.125], vec![-0.25, 0.0]],
            components: vec![
                Component::new(ComponentKind::Heads, evil("head \"1\" & "), vec![0.5, -0.5]),
                Component::new(ComponentKind::Biases, "read-out bias", vec![0.25, 0.25]),
                Component::new(ComponentKind::Memories, "memory 3", vec![0.0, 0.0]),
            ],
            // Community 0's decision term 0.625 (text) or 0.5 (position), its words' own
            // vectors 0.25 or 0.125 of it: 60 % or 75 % written by the layers.
            community_own: vec![vec![0.125, -0.125], vec![-0.25, 0.0]],
            token_communities: vec![vec![(0, 0.5), (1, -0.25)], vec![(1, -0.25)], vec![]],
            fine_communities: vec![(7, vec![0.5, -0.5]), (8, vec![-0.125, 0.0])],
            levels: vec![
                (evil("level 0 "), vec![0.5, 0.0]),
                ("bias".into(), vec![0.25, -0.25]),
            ],
            lexical: vec![(0, vec![0.5, -0.5]), (1, vec![-0.25, 0.25])],
        };
        Explanation {
            version: EXPLANATION_VERSION,
            model: evil("transformer"),
            labels: vec![evil("war"), "peace & \"quiet\"".into()],
            tokens: vec![evil("militia"), "a&b".into(), "\"arms\"".into()],
            dimensions: vec!["d0".into(), evil("d1")],
            dimension_words: vec![(0, vec![evil("troops"), "R&D".into()])],
            attention: vec![("pooling".into(), vec![vec![0.5, 0.25, 0.25]])],
            outputs: vec![output(None, None), output(Some(1), Some(1))],
            fine_level: Some(0),
            lexical_names: vec![(evil("word "), 0), ("bigram \"a b\"".into(), 2)],
            fine_dimension_words: vec![(7, vec![evil("fine"), "x&y".into()])],
            transitions: Vec::new(),
            reference_logits: vec![0.5, 0.25],
            reference_texts: 0,
            reference_components: Vec::new(),
            reference_communities: Vec::new(),
            gold_tags: Vec::new(),
        }
    }

    #[test]
    fn page_escapes_every_string_and_keeps_its_sections() {
        let page = page(&explanation(), &format!("the militia {EVIL} & \"arms\""));

        // Nothing a model or user wrote comes out as markup.
        assert!(!page.contains("<script"), "{page}");
        for raw in [
            "x&y",
            "a&b",
            "R&D",
            "\"arms\"",
            "\"quiet\"",
            "\"a b\"",
            "\"1\"",
        ] {
            assert!(!page.contains(raw), "{raw} unescaped:\n{page}");
        }
        assert!(page.contains("&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt;"));
        assert!(page.contains("a&amp;b") && page.contains("&quot;arms&quot;"));
        // Every `&` starts one of the four entities of the escaping.
        for (i, _) in page.match_indices('&') {
            assert!(
                ["&amp;", "&lt;", "&gt;", "&quot;"]
                    .iter()
                    .any(|x| page[i..].starts_with(x)),
                "a bare & at {i}: {}",
                &page[i..(i + 20).min(page.len())]
            );
        }

        // The sections, and the structure the browser test reads.
        for part in [
            "<!DOCTYPE html>",
            "<style>\nbody{",
            "<h1>Why war&lt;script&gt;",
            "<p class=\"muted\">Model: <code>transformer&lt;script&gt;",
            ". Input: the militia ",
            "<h2>Prediction: <b>",
            "<h2 id=\"pos-1\">Token <q>a&amp;b</q> → <b>",
            "This position's highest logit is peace &amp; &quot;quiet&quot;, which would break",
            "logits: war",
            "<p class=\"text\"><span class=\"tok\" data-contribution=\"1.000000\" \
             style=\"background:rgba(46,160,67,0.850)\">",
            "<span class=\"tip\"><b>+1.0000</b> to the log-odds of war",
            "+0.5000 via community 0 — troops",
            "-0.2500 via community d1&lt;script&gt;",
            "<h3>The decision by community</h3>",
            "<tr class=\"community\"><td>0 — troops",
            "The layers write into the stream's communities",
            "through: militia&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt; · 60 % written \
             by the layers",
            "through: militia&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt; · 75 % written \
             by the layers",
            // Community 1: two tokens with the same term, by name; nothing written.
            "through: a&amp;b, militia&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt; · 0 % \
             written by the layers",
            "<h3>The decision by fine community (level 0, read over the window)</h3>",
            "<td>7 — fine&lt;script&gt;",
            "<h3>The decision by Louvain level</h3>",
            "<tr class=\"level\"><td>level 0 &lt;script&gt;",
            "<h3>The n-gram weights by feature</h3>",
            "<tr class=\"ngram\"><td>word &lt;script&gt;",
            "<td>bigram &quot;a b&quot;</td><td>&quot;arms&quot;</td>",
            "<h3>Components</h3>",
            "<tr class=\"component\"><td>head &quot;1&quot; &amp; &lt;script&gt;",
            "<span class=\"bar\" style=\"width:120px;background:#2ea043\"></span>",
            "<h3>Task attention (where the model looked)</h3>",
            "style=\"background:rgba(9,105,218,0.700)\">militia",
            "Made by <code>sinr explain</code>",
        ] {
            assert!(page.contains(part), "the page lacks {part}:\n{page}");
        }
        assert_eq!(page.matches("class=\"tok\"").count(), 3 * 2 + 3);
        assert_eq!(page.matches("class=\"tip\"").count(), 3 * 2);
        assert!(!page.contains("decided together"), "no path without a CRF");
    }

    #[test]
    fn a_crf_taggers_page_shows_its_path_with_named_transitions() {
        let mut e = explanation();
        e.outputs.remove(0);
        e.transitions = vec![
            sinr_schema::TransitionScore {
                position: 1,
                from: Some(format!("B-{EVIL}")),
                to: Some("I-X".into()),
                score: 0.75,
            },
            sinr_schema::TransitionScore {
                position: 1,
                from: Some("I-X".into()),
                to: None,
                score: -0.25,
            },
        ];
        let page = page(&e, "the militia");
        assert!(!page.contains("<script"), "{page}");
        for part in [
            "<h2>The tags, decided together</h2>",
            "<table class=\"path\">",
            "<td><a href=\"#pos-1\">a&amp;b</a></td>",
            "B-&lt;script&gt;alert(&quot;x&amp;y&quot;)&lt;/script&gt; → I-X</td><td class=\"num\">+0.7500",
            "I-X → end</td><td class=\"num\">-0.2500",
            "the tag is the one of the sentence's best path, transitions included",
            "<h2>The entities</h2>",
        ] {
            assert!(page.contains(part), "the page lacks {part}:\n{page}");
        }
    }
}
