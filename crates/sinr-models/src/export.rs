//! A trained classifier exported for other tools: its parameters as a safetensors file (the
//! format's own layout, written here: an 8-byte little-endian header length, a JSON header of
//! names, dtypes, shapes and byte ranges, then the little-endian data), named by their path in
//! the model (`attention.task.weight`), so that `safetensors.numpy.load_file` (or PyTorch, or
//! any reader of the format) can inspect or serve it without this library.

use std::collections::BTreeMap;
use std::path::Path;

use burn::module::{Module, ModuleVisitor, Param, ParamId};
use burn::prelude::*;

use crate::error::{Error, Result};
use crate::models::Classifier;
use crate::train::{frozen_and_total, write_atomic};

/// One exported tensor.
#[derive(Debug, Clone, PartialEq)]
pub struct NamedTensor {
    /// Its path in the model, dot-separated.
    pub name: String,
    /// Its shape.
    pub shape: Vec<usize>,
    /// Its values, row-major.
    pub values: TensorValues,
}

/// The values of an exported tensor.
#[derive(Debug, Clone, PartialEq)]
pub enum TensorValues {
    /// `F32`.
    F32(Vec<f32>),
    /// `I64`.
    I64(Vec<i64>),
    /// `BOOL` (one byte each).
    Bool(Vec<bool>),
}

/// Collects named tensors, the frozen ones left out unless asked for.
struct Named {
    path: Vec<String>,
    skip: Vec<ParamId>,
    out: Vec<NamedTensor>,
}

impl Named {
    /// Records a tensor under the current path, unless it is one to skip.
    fn push(&mut self, id: ParamId, shape: &[usize], values: impl FnOnce() -> TensorValues) {
        if !self.skip.contains(&id) {
            self.out.push(NamedTensor {
                name: self.path.join("."),
                shape: shape.to_vec(),
                values: values(),
            });
        }
    }
}

impl ModuleVisitor for Named {
    fn enter_module(&mut self, name: &str, _container_type: &str) {
        self.path.push(name.to_owned());
    }

    fn exit_module(&mut self, _name: &str, _container_type: &str) {
        self.path.pop();
    }

    fn visit_float<const D: usize>(&mut self, p: &Param<Tensor<D>>) {
        let t = p.val();
        self.push(p.id, &t.dims(), || {
            TensorValues::F32(
                t.into_data()
                    .convert::<f32>()
                    .try_to_vec()
                    .unwrap_or_default(),
            )
        });
    }

    fn visit_int<const D: usize>(&mut self, p: &Param<Tensor<D, Int>>) {
        let t = p.val();
        self.push(p.id, &t.dims(), || {
            TensorValues::I64(
                t.into_data()
                    .convert::<i64>()
                    .try_to_vec()
                    .unwrap_or_default(),
            )
        });
    }

    fn visit_bool<const D: usize>(&mut self, p: &Param<Tensor<D, Bool>>) {
        let t = p.val();
        self.push(p.id, &t.dims(), || {
            TensorValues::Bool(t.into_data().try_to_vec().unwrap_or_default())
        });
    }
}

/// The named tensors of a model: its trained parameters, and with `frozen` also the frozen
/// SINr vectors it reads (which a run rebuilds from its embeddings). Names are made unique
/// (a repeated path gets `#2`, `#3`…), in the model's own order.
pub fn named_tensors<M: Module + Classifier>(m: &M, frozen: bool) -> Vec<NamedTensor> {
    let (skip, _) = frozen_and_total(m);
    let mut v = Named {
        path: Vec::new(),
        skip: if frozen { Vec::new() } else { skip },
        out: Vec::new(),
    };
    m.visit(&mut v);
    let mut seen: BTreeMap<String, usize> = BTreeMap::new();
    for t in &mut v.out {
        let n = seen.entry(t.name.clone()).or_insert(0);
        *n += 1;
        if *n > 1 {
            t.name = format!("{}#{}", t.name, n);
        }
    }
    v.out
}

/// The bytes of a safetensors file holding `tensors`, with string `metadata`.
pub fn safetensors_bytes(tensors: &[NamedTensor], metadata: &BTreeMap<String, String>) -> Vec<u8> {
    let mut header = serde_json::Map::new();
    if !metadata.is_empty() {
        header.insert(
            "__metadata__".into(),
            serde_json::to_value(metadata).expect("strings"),
        );
    }
    let mut data = Vec::new();
    for t in tensors {
        let start = data.len();
        let dtype = match &t.values {
            TensorValues::F32(v) => {
                v.iter()
                    .for_each(|x| data.extend_from_slice(&x.to_le_bytes()));
                "F32"
            }
            TensorValues::I64(v) => {
                v.iter()
                    .for_each(|x| data.extend_from_slice(&x.to_le_bytes()));
                "I64"
            }
            TensorValues::Bool(v) => {
                data.extend(v.iter().map(|&b| u8::from(b)));
                "BOOL"
            }
        };
        header.insert(
            t.name.clone(),
            serde_json::json!({"dtype": dtype, "shape": t.shape, "data_offsets": [start, data.len()]}),
        );
    }
    let mut head = serde_json::to_vec(&serde_json::Value::Object(header)).expect("JSON");
    // The data start on an 8-byte boundary (the format pads the header with spaces).
    while !head.len().is_multiple_of(8) {
        head.push(b' ');
    }
    let mut out = Vec::with_capacity(8 + head.len() + data.len());
    out.extend_from_slice(&(head.len() as u64).to_le_bytes());
    out.extend_from_slice(&head);
    out.extend_from_slice(&data);
    out
}

/// Writes `tensors` as a safetensors file (atomically).
///
/// # Errors
/// The file cannot be written, or a tensor's values do not match its shape.
pub fn write_safetensors(
    path: &Path,
    tensors: &[NamedTensor],
    metadata: &BTreeMap<String, String>,
) -> Result<()> {
    for t in tensors {
        let n: usize = t.shape.iter().product();
        let len = match &t.values {
            TensorValues::F32(v) => v.len(),
            TensorValues::I64(v) => v.len(),
            TensorValues::Bool(v) => v.len(),
        };
        if n != len {
            return Err(Error::Run {
                path: path.to_path_buf(),
                reason: format!("tensor {}: {len} values for shape {:?}", t.name, t.shape),
            });
        }
    }
    write_atomic(path, &safetensors_bytes(tensors, metadata))
}

/// What [`export_run`] wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Exported {
    /// Tensors written.
    pub tensors: usize,
    /// Their values in all.
    pub values: usize,
}

/// Exports a loaded run into `dir`: `model.safetensors` (the trained parameters; with
/// `frozen`, the frozen SINr vectors too), `config.json` (the run's description: task, labels
/// and their class names, the model's whole configuration, the training, the embeddings it
/// reads and their tokenizer, and the list of tensors) and `vocabulary.txt` (the embeddings'
/// words in row order, row `i + 1` of an embedding being word `i`; row 0 is padding). Files are
/// written atomically.
///
/// # Errors
/// A file that cannot be written.
pub fn export_run(run: &crate::LoadedRun, dir: &Path, frozen: bool) -> Result<Exported> {
    std::fs::create_dir_all(dir).map_err(|e| Error::io(dir, e))?;
    let tensors = run.model.named_tensors(frozen);
    let meta = BTreeMap::from([
        ("format".to_owned(), "sinr-rs classifier".to_owned()),
        ("task".to_owned(), run.spec.task.clone()),
        ("model".to_owned(), run.spec.model.kind().to_owned()),
    ]);
    write_safetensors(&dir.join("model.safetensors"), &tensors, &meta)?;
    let config = serde_json::json!({
        "task": run.spec.task,
        "kind": run.spec.kind,
        "labels": run.spec.labels,
        "class_names": run.spec.class_names(),
        "model": run.spec.model,
        "train": run.spec.train,
        "embeddings": run.spec.embeddings,
        "tokenizer": run.embeddings.config.tokenizer,
        "frozen_vectors_included": frozen,
        "tensors": tensors.iter().map(|t| serde_json::json!({"name": t.name, "shape": t.shape})).collect::<Vec<_>>(),
    });
    write_atomic(
        &dir.join("config.json"),
        serde_json::to_string_pretty(&config)
            .expect("JSON")
            .as_bytes(),
    )?;
    let mut words = run.embeddings.vocab.words().join("\n");
    words.push('\n');
    write_atomic(&dir.join("vocabulary.txt"), words.as_bytes())?;
    Ok(Exported {
        tensors: tensors.len(),
        values: tensors
            .iter()
            .map(|t| t.shape.iter().product::<usize>())
            .sum(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_layout_of_the_format() {
        let t = [
            NamedTensor {
                name: "a.weight".into(),
                shape: vec![2, 2],
                values: TensorValues::F32(vec![1.0, 2.0, 3.0, 4.0]),
            },
            NamedTensor {
                name: "b".into(),
                shape: vec![1],
                values: TensorValues::I64(vec![-7]),
            },
        ];
        let meta = BTreeMap::from([("task".to_owned(), "rt".to_owned())]);
        let bytes = safetensors_bytes(&t, &meta);
        let n = u64::from_le_bytes(bytes[..8].try_into().unwrap()) as usize;
        assert_eq!(n % 8, 0);
        let header: serde_json::Value = serde_json::from_slice(&bytes[8..8 + n]).unwrap();
        assert_eq!(header["__metadata__"]["task"], "rt");
        assert_eq!(header["a.weight"]["dtype"], "F32");
        assert_eq!(
            header["a.weight"]["data_offsets"],
            serde_json::json!([0, 16])
        );
        assert_eq!(header["b"]["data_offsets"], serde_json::json!([16, 24]));
        let data = &bytes[8 + n..];
        assert_eq!(f32::from_le_bytes(data[4..8].try_into().unwrap()), 2.0);
        assert_eq!(i64::from_le_bytes(data[16..24].try_into().unwrap()), -7);
    }
}
