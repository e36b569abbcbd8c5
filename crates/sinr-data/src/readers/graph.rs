//! Graphs for SINr from files: an edge list (`u v [weight]` per line, nodes by name) or a
//! Matrix Market coordinate file (a sparse adjacency or co-occurrence matrix, 1-based indices,
//! nodes by number or named by a file of names).

use std::collections::HashMap;
use std::path::Path;

use super::{parse_err, read_utf8};
use crate::error::Result;

/// A graph read from a file: node names and `(u, v, weight)` edges over their indices.
#[derive(Debug, Clone, PartialEq)]
pub struct GraphFile {
    /// The nodes' names, in order of first appearance (edge list) or of index (matrix).
    pub names: Vec<String>,
    /// The edges, as written (either direction, repeats kept).
    pub edges: Vec<(u32, u32, f64)>,
}

/// An edge list: one edge per line, `u v` or `u v weight`, separated by spaces or tabs; `#`
/// and `%` lines and blank lines are comments. A missing weight is 1.
///
/// # Errors
/// A line with fewer than two or more than three fields, or a weight that is not a finite
/// number ≥ 0, named with its file and line.
pub fn read_edge_list(path: &Path) -> Result<GraphFile> {
    let text = read_utf8(path)?;
    let mut index: HashMap<String, u32> = HashMap::new();
    let mut g = GraphFile {
        names: Vec::new(),
        edges: Vec::new(),
    };
    for (i, line) in text.lines().enumerate() {
        let n = i + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with('%') {
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        if !(2..=3).contains(&f.len()) {
            return Err(parse_err(
                path,
                n,
                format!("{} fields: an edge is `u v` or `u v weight`", f.len()),
            ));
        }
        let w = match f.get(2) {
            Some(s) => weight(path, n, s)?,
            None => 1.0,
        };
        let mut id = |name: &str| -> u32 {
            let next = g.names.len() as u32;
            *index.entry(name.to_owned()).or_insert_with(|| {
                g.names.push(name.to_owned());
                next
            })
        };
        let (u, v) = (id(f[0]), id(f[1]));
        g.edges.push((u, v, w));
    }
    Ok(g)
}

fn weight(path: &Path, line: usize, s: &str) -> Result<f64> {
    match s.parse::<f64>() {
        Ok(w) if w.is_finite() && w >= 0.0 => Ok(w),
        _ => Err(parse_err(
            path,
            line,
            format!("field `weight`: `{s}` is not a finite number ≥ 0"),
        )),
    }
}

/// A Matrix Market file (`%%MatrixMarket matrix coordinate real|integer|pattern
/// general|symmetric`), square: entry `(i, j)` is an edge between nodes `i − 1` and `j − 1`
/// (a general matrix's `(i, j)` and `(j, i)` are added). Nodes are named by `names` (one per
/// line, as many as rows) or by their 0-based number.
///
/// # Errors
/// A missing or unsupported header, a matrix that is not square, an index out of range, a bad
/// value, or a names file of the wrong length, named with the file and line.
pub fn read_matrix_market(path: &Path, names: Option<&Path>) -> Result<GraphFile> {
    let text = read_utf8(path)?;
    let mut lines = text.lines().enumerate();
    let header = lines.next().map(|(_, l)| l.to_ascii_lowercase());
    let h: Vec<String> = header
        .as_deref()
        .unwrap_or("")
        .split_whitespace()
        .map(str::to_owned)
        .collect();
    if h.len() != 5 || h[0] != "%%matrixmarket" || h[1] != "matrix" || h[2] != "coordinate" {
        return Err(parse_err(
            path,
            1,
            "not a Matrix Market coordinate file (`%%MatrixMarket matrix coordinate real general`)",
        ));
    }
    let pattern = match h[3].as_str() {
        "real" | "integer" => false,
        "pattern" => true,
        other => {
            return Err(parse_err(
                path,
                1,
                format!("field `type`: `{other}` (real, integer or pattern)"),
            ));
        }
    };
    if !matches!(h[4].as_str(), "general" | "symmetric") {
        return Err(parse_err(
            path,
            1,
            format!("field `symmetry`: `{}` (general or symmetric)", h[4]),
        ));
    }
    let mut size: Option<(usize, usize)> = None;
    let mut edges = Vec::new();
    for (i, line) in lines {
        let n = i + 1;
        let line = line.trim();
        if line.is_empty() || line.starts_with('%') {
            continue;
        }
        let f: Vec<&str> = line.split_whitespace().collect();
        let Some((rows, _)) = size else {
            let dims: Vec<usize> = f.iter().filter_map(|s| s.parse().ok()).collect();
            if f.len() != 3 || dims.len() != 3 {
                return Err(parse_err(
                    path,
                    n,
                    "the size line is `rows columns entries`",
                ));
            }
            if dims[0] != dims[1] {
                return Err(parse_err(
                    path,
                    n,
                    format!(
                        "a {}×{} matrix: an adjacency matrix is square",
                        dims[0], dims[1]
                    ),
                ));
            }
            size = Some((dims[0], dims[2]));
            continue;
        };
        let want = if pattern { 2 } else { 3 };
        if f.len() != want {
            return Err(parse_err(
                path,
                n,
                format!(
                    "{} fields: an entry is `i j{}`",
                    f.len(),
                    if pattern { "" } else { " value" }
                ),
            ));
        }
        let idx = |s: &str, field: &str| -> Result<u32> {
            match s.parse::<usize>() {
                Ok(k) if (1..=rows).contains(&k) => Ok((k - 1) as u32),
                _ => Err(parse_err(
                    path,
                    n,
                    format!("field `{field}`: `{s}` is not an index in 1..={rows}"),
                )),
            }
        };
        let (a, b) = (idx(f[0], "i")?, idx(f[1], "j")?);
        let w = if pattern { 1.0 } else { weight(path, n, f[2])? };
        edges.push((a, b, w));
    }
    let Some((rows, _)) = size else {
        return Err(parse_err(path, 1, "no size line"));
    };
    let names = match names {
        Some(p) => {
            let t = read_utf8(p)?;
            let v: Vec<String> = t.lines().map(|l| l.trim().to_owned()).collect();
            if v.len() != rows {
                return Err(parse_err(
                    p,
                    v.len(),
                    format!("{} names for a matrix of {rows} rows", v.len()),
                ));
            }
            v
        }
        None => (0..rows).map(|i| i.to_string()).collect(),
    };
    Ok(GraphFile { names, edges })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn edge_lists_and_matrices() {
        let d = tempfile::tempdir().unwrap();
        let p = d.path().join("g.tsv");
        std::fs::write(&p, "# a comment\ncat\tdog\t2.5\ndog mouse\n\n").unwrap();
        let g = read_edge_list(&p).unwrap();
        assert_eq!(g.names, ["cat", "dog", "mouse"]);
        assert_eq!(g.edges, [(0, 1, 2.5), (1, 2, 1.0)]);
        std::fs::write(&p, "cat dog -1\n").unwrap();
        let e = read_edge_list(&p).unwrap_err().to_string();
        assert!(e.contains("g.tsv:1:") && e.contains("weight"), "{e}");

        let m = d.path().join("g.mtx");
        std::fs::write(
            &m,
            "%%MatrixMarket matrix coordinate real symmetric\n% c\n3 3 2\n2 1 4\n3 2 1.5\n",
        )
        .unwrap();
        let g = read_matrix_market(&m, None).unwrap();
        assert_eq!(g.names, ["0", "1", "2"]);
        assert_eq!(g.edges, [(1, 0, 4.0), (2, 1, 1.5)]);
        let names = d.path().join("names.txt");
        std::fs::write(&names, "a\nb\n").unwrap();
        let e = read_matrix_market(&m, Some(&names))
            .unwrap_err()
            .to_string();
        assert!(e.contains("2 names for a matrix of 3 rows"), "{e}");
        std::fs::write(
            &m,
            "%%MatrixMarket matrix coordinate real general\n3 3 1\n4 1 1\n",
        )
        .unwrap();
        let e = read_matrix_market(&m, None).unwrap_err().to_string();
        assert!(e.contains("g.mtx:3:") && e.contains("field `i`"), "{e}");
        std::fs::write(&m, "%%MatrixMarket matrix array real general\n").unwrap();
        assert!(read_matrix_market(&m, None).is_err());
    }
}
