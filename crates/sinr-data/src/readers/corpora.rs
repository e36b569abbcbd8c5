//! The raw English corpora of the manifest as plain text, one unit (paragraph, sentence or
//! document) per line, and `en-mix`, their concatenation: the English training corpus of SINr.
//!
//! Per source: WikiText-2 (train split only; heading lines dropped, `@-@` `@,@` `@.@` joined),
//! news (the `text` column), State of the Union (one address per line), webmix (one sentence per
//! line), Brown (tags stripped, one sentence per line), BBC (one paragraph per line, Latin-1
//! fallback for the one non-UTF-8 file), and the two dictionaries (bigger but odd sources, see
//! `docs/datasets.md`): WordNet 3.0 (one synset per line: its lemmas, then its gloss) and GCIDE (one entry
//! paragraph per line, pronunciations `\…\` and source tags `[…]` removed).

use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

use super::csv::read_csv;
use super::parse_err;
use crate::error::{Error, Result};
use crate::fetch::{Cache, Clients};
use crate::hash::{list_tree, sha256_file};
use crate::manifest::Manifest;

/// One raw corpus of `en-mix`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CorpusSource {
    /// WikiText-2 raw, train split.
    Wikitext2,
    /// 3,824 news articles.
    News,
    /// State of the Union addresses.
    Sotu,
    /// 100,000 mixed web sentences.
    Webmix,
    /// The Brown corpus.
    Brown,
    /// 2,225 BBC News articles.
    Bbc,
    /// WordNet 3.0 synsets: lemmas and glosses.
    Wordnet,
    /// GCIDE dictionary entries (Webster 1913 + WordNet).
    Gcide,
}

impl CorpusSource {
    /// Every source, in the order `en-mix` concatenates them.
    pub const ALL: [CorpusSource; 8] = [
        CorpusSource::Wikitext2,
        CorpusSource::News,
        CorpusSource::Sotu,
        CorpusSource::Webmix,
        CorpusSource::Brown,
        CorpusSource::Bbc,
        CorpusSource::Wordnet,
        CorpusSource::Gcide,
    ];

    /// The six running-text corpora, without the two dictionaries.
    pub const RUNNING_TEXT: [CorpusSource; 6] = [
        CorpusSource::Wikitext2,
        CorpusSource::News,
        CorpusSource::Sotu,
        CorpusSource::Webmix,
        CorpusSource::Brown,
        CorpusSource::Bbc,
    ];

    /// The manifest's data set name.
    pub fn dataset(self) -> &'static str {
        match self {
            CorpusSource::Wikitext2 => "wikitext2",
            CorpusSource::News => "news",
            CorpusSource::Sotu => "sotu",
            CorpusSource::Webmix => "webmix",
            CorpusSource::Brown => "brown",
            CorpusSource::Bbc => "bbc",
            CorpusSource::Wordnet => "wordnet",
            CorpusSource::Gcide => "gcide",
        }
    }

    fn file(self) -> &'static str {
        match self {
            CorpusSource::Wikitext2 => "train",
            CorpusSource::News | CorpusSource::Bbc => "articles",
            CorpusSource::Sotu => "addresses",
            CorpusSource::Webmix => "docs",
            CorpusSource::Brown => "samples",
            CorpusSource::Wordnet => "data",
            CorpusSource::Gcide => "dict",
        }
    }
}

fn wikitext_line(line: &str) -> Option<String> {
    let t = line.trim();
    if t.is_empty() || (t.starts_with("= ") && t.ends_with(" =")) {
        return None;
    }
    Some(
        t.replace(" @-@ ", "-")
            .replace(" @,@ ", ",")
            .replace(" @.@ ", "."),
    )
}

/// A WordNet `data.*` line as `lemma, lemma: gloss`; licence lines (two leading spaces) and
/// malformed lines give `None`.
fn wordnet_line(line: &str) -> Option<String> {
    if line.starts_with("  ") {
        return None;
    }
    let (head, gloss) = line.split_once(" | ")?;
    let f: Vec<&str> = head.split(' ').collect();
    let n = usize::from_str_radix(f.get(3)?, 16).ok()?;
    let lemmas: Vec<String> = (0..n)
        .filter_map(|i| f.get(4 + 2 * i))
        .map(|w| w.replace('_', " "))
        .collect();
    Some(format!("{}: {}", lemmas.join(", "), gloss.trim()))
}

/// A GCIDE entry paragraph without its markup: `\pro*nun"ci*a\` and `[source]` dropped,
/// braces removed, whitespace collapsed.
fn gcide_paragraph(p: &str) -> String {
    let mut out = String::with_capacity(p.len());
    let mut skip: Option<char> = None;
    for c in p.chars() {
        match (skip, c) {
            (Some(end), c) if c == end => skip = None,
            (Some(_), _) => {}
            (None, '\\') => skip = Some('\\'),
            (None, '[') => skip = Some(']'),
            (None, '{' | '}') => {}
            (None, c) => out.push(c),
        }
    }
    one_line(&out)
}

fn latin1_fallback(bytes: Vec<u8>) -> String {
    String::from_utf8(bytes)
        .unwrap_or_else(|e| e.into_bytes().iter().map(|&b| char::from(b)).collect())
}

fn one_line(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Calls `sink` with every line of a raw corpus (fetching it if needed); `sink` returns `false`
/// to stop early.
pub fn corpus_lines(
    src: CorpusSource,
    cache: &Cache,
    manifest: &Manifest,
    clients: &Clients,
    log: &dyn Fn(&str),
    sink: &mut dyn FnMut(&str) -> bool,
) -> Result<()> {
    let d = manifest.dataset(src.dataset())?;
    let path = cache.file(d, src.file(), clients, log)?;
    match src {
        CorpusSource::Wikitext2 => {
            let f = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
            let r = BufReader::new(flate2::read::GzDecoder::new(f));
            for (i, line) in r.lines().enumerate() {
                let line = line.map_err(|e| {
                    parse_err(&path, i + 1, format!("cannot decompress or decode: {e}"))
                })?;
                if let Some(l) = wikitext_line(&line)
                    && !sink(&l)
                {
                    break;
                }
            }
        }
        CorpusSource::News => {
            let t = read_csv(&path, ',')?;
            let c = t.column("text")?;
            for (_, f) in &t.records {
                let l = one_line(&f[c]);
                if !l.is_empty() && !sink(&l) {
                    break;
                }
            }
        }
        CorpusSource::Sotu | CorpusSource::Bbc | CorpusSource::Brown => {
            'files: for rel in list_tree(&path)? {
                let p = path.join(&rel);
                let text = latin1_fallback(std::fs::read(&p).map_err(|e| Error::io(&p, e))?);
                for line in text.lines() {
                    let l = if src == CorpusSource::Brown {
                        line.split_whitespace()
                            .map(|tok| tok.rsplit_once('/').map_or(tok, |(w, _)| w))
                            .collect::<Vec<_>>()
                            .join(" ")
                    } else {
                        one_line(line)
                    };
                    if !l.is_empty() && !sink(&l) {
                        break 'files;
                    }
                }
            }
        }
        CorpusSource::Wordnet => {
            'files: for rel in list_tree(&path)? {
                let p = path.join(&rel);
                let text = latin1_fallback(std::fs::read(&p).map_err(|e| Error::io(&p, e))?);
                for line in text.lines() {
                    if let Some(l) = wordnet_line(line)
                        && !sink(&l)
                    {
                        break 'files;
                    }
                }
            }
        }
        CorpusSource::Gcide => {
            let f = std::fs::File::open(&path).map_err(|e| Error::io(&path, e))?;
            let mut bytes = Vec::new();
            std::io::Read::read_to_end(&mut flate2::read::MultiGzDecoder::new(f), &mut bytes)
                .map_err(|e| parse_err(&path, 1, format!("cannot decompress: {e}")))?;
            let text = latin1_fallback(bytes);
            let mut para = String::new();
            for line in text.lines().chain(std::iter::once("")) {
                if line.trim().is_empty() {
                    if !para.is_empty() {
                        let l = gcide_paragraph(&para);
                        para.clear();
                        if !l.is_empty() && !sink(&l) {
                            break;
                        }
                    }
                } else {
                    para.push_str(line);
                    para.push(' ');
                }
            }
        }
        CorpusSource::Webmix => {
            'docs: for rel in list_tree(&path)? {
                let p = path.join(&rel);
                let text = std::fs::read_to_string(&p).map_err(|e| Error::io(&p, e))?;
                let sentences: Vec<String> = serde_json::from_str(&text).map_err(|e| {
                    parse_err(&p, e.line(), format!("not a JSON array of strings: {e}"))
                })?;
                for s in sentences {
                    let l = one_line(&s);
                    if !l.is_empty() && !sink(&l) {
                        break 'docs;
                    }
                }
            }
        }
    }
    Ok(())
}

/// What goes into `en-mix`.
#[derive(Debug, Clone, PartialEq)]
pub struct EnMixOptions {
    /// The sources, concatenated in this order.
    pub sources: Vec<CorpusSource>,
    /// Keep only the first lines of each source, up to about this many bytes (the quick setting).
    pub max_bytes_per_source: Option<u64>,
}

impl Default for EnMixOptions {
    fn default() -> Self {
        Self {
            sources: CorpusSource::ALL.to_vec(),
            max_bytes_per_source: None,
        }
    }
}

/// A built `en-mix` file.
#[derive(Debug, Clone, PartialEq)]
pub struct EnMix {
    /// Where it is.
    pub path: PathBuf,
    /// `(data set, lines, bytes)` of every source.
    pub sources: Vec<(String, u64, u64)>,
    /// sha256 of the file.
    pub sha256: String,
}

/// Builds `en-mix` into `out` (atomically), fetching the sources as needed.
pub fn build_en_mix(
    cache: &Cache,
    manifest: &Manifest,
    clients: &Clients,
    opts: &EnMixOptions,
    out: &Path,
    log: &dyn Fn(&str),
) -> Result<EnMix> {
    let dir = out
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let tmp = sinr_util::temp_file_in(dir, ".en-mix-").map_err(|e| Error::io(dir, e))?;
    let mut w = std::io::BufWriter::new(tmp.as_file());
    let mut sources = Vec::new();
    for &src in &opts.sources {
        let (mut lines, mut bytes) = (0u64, 0u64);
        let mut err = None;
        corpus_lines(src, cache, manifest, clients, log, &mut |l| {
            if let Err(e) = w.write_all(l.as_bytes()).and_then(|_| w.write_all(b"\n")) {
                err = Some(e);
                return false;
            }
            lines += 1;
            bytes += l.len() as u64 + 1;
            opts.max_bytes_per_source.is_none_or(|m| bytes < m)
        })?;
        if let Some(e) = err {
            return Err(Error::io(out, e));
        }
        log(&format!(
            "en-mix: {} lines, {} bytes from {}",
            lines,
            bytes,
            src.dataset()
        ));
        sources.push((src.dataset().to_owned(), lines, bytes));
    }
    w.flush().map_err(|e| Error::io(out, e))?;
    drop(w);
    tmp.as_file().sync_all().map_err(|e| Error::io(out, e))?;
    tmp.persist(out).map_err(|e| Error::io(out, e.error))?;
    let (sha256, _) = sha256_file(out)?;
    Ok(EnMix {
        path: out.to_path_buf(),
        sources,
        sha256,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wikitext_cleanup() {
        assert_eq!(wikitext_line(" = Valkyria Chronicles III = "), None);
        assert_eq!(wikitext_line(" = = Gameplay = = "), None);
        assert_eq!(wikitext_line(" "), None);
        assert_eq!(
            wikitext_line(" The 2 @,@ 000 @-@ year @-@ old site , 3 @.@ 5 m . "),
            Some("The 2,000-year-old site , 3.5 m .".to_owned())
        );
    }

    #[test]
    fn dictionary_lines() {
        let l = "00002137 03 n 02 abstraction 0 abstract_entity 0 010 @ 00001740 n 0000 | a general concept  ";
        assert_eq!(
            wordnet_line(l).unwrap(),
            "abstraction, abstract entity: a general concept"
        );
        assert_eq!(
            wordnet_line("  1 This software and database is being provided"),
            None
        );
        let p = "Asphodel \\As\"pho*del\\, n. [L. asphodelus] (Bot.) A plant of the genus {Asphodelus}. [1913 Webster]";
        assert_eq!(
            gcide_paragraph(p),
            "Asphodel , n. (Bot.) A plant of the genus Asphodelus."
        );
    }

    #[test]
    fn latin1_fallback_decodes_pound() {
        assert_eq!(latin1_fallback(vec![0xa3, b'5']), "£5");
        assert_eq!(latin1_fallback("£5".as_bytes().to_vec()), "£5");
    }
}
