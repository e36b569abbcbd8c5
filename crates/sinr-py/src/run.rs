//! Trained classifiers from Python: a run directory of `sinr train`, loaded to predict and to
//! explain exactly, as `sinr predict` and `sinr explain` do (the same library calls).
//!
//! ```python
//! run = sinr_rs.Run.load("my-run")
//! run.labels                        # class names, in the probabilities' order
//! run.predict_proba(["a text"])     # numpy array, one row per text
//! run.predict(["a text"])           # class names (a tagger: [(token, tag), ...] per text)
//! e = run.explain("a text")         # dict: tokens, outputs (logits, per-token terms, bias, ...)
//! ```

use numpy::{PyArray1, PyArray2, PyArrayMethods};
use pyo3::prelude::*;

use sinr_models::{Device, LoadedRun, TaskKind};

use crate::errors::{guard, run_error};

/// A trained run (`sinr train`'s directory), on the CPU.
#[derive(Debug)]
#[pyclass(name = "Run", module = "sinr_rs", unsendable)]
pub struct PyRun {
    // Boxed: the model holds values aligned to 64 bytes, more than the Python object that
    // would hold it inline is (PyO3 checks, and refuses).
    inner: Box<Inner>,
}

#[derive(Debug)]
pub struct Inner {
    run: LoadedRun,
    device: Device,
    prior: Vec<f32>,
    reference: sinr_schema::Reference,
}

impl std::ops::Deref for PyRun {
    type Target = Inner;

    fn deref(&self) -> &Inner {
        &self.inner
    }
}

fn model_err(py: Python<'_>, e: sinr_models::Error) -> PyErr {
    run_error(py, e.to_string())
}

#[pymethods]
impl PyRun {
    /// Loads a run directory; `embeddings` overrides where its embeddings are looked for (by
    /// default the path given to `sinr train`, then beside the run).
    #[staticmethod]
    #[pyo3(signature = (path, embeddings = None))]
    fn load(
        py: Python<'_>,
        path: std::path::PathBuf,
        embeddings: Option<std::path::PathBuf>,
    ) -> PyResult<Self> {
        guard(|| {
            let device = sinr_models::device_from_name(sinr_schema::DeviceName::Cpu)
                .map_err(|e| model_err(py, e))?;
            let run = sinr_models::load_run(&path, embeddings.as_deref(), &device)
                .map_err(|e| model_err(py, e))?;
            let prior = run.prior(&device);
            let reference = run.reference(&device).map_err(|e| model_err(py, e))?;
            Ok(PyRun {
                inner: Box::new(Inner {
                    run,
                    device,
                    prior,
                    reference,
                }),
            })
        })
    }

    /// The class names (a text classifier) or tags (a tagger), in the model's order.
    #[getter]
    fn labels(&self) -> Vec<String> {
        self.run.spec.class_names()
    }

    /// `"classify"` or `"tag"`.
    #[getter]
    fn kind(&self) -> &'static str {
        match self.run.spec.kind {
            TaskKind::Classify => "classify",
            TaskKind::Tag => "tag",
        }
    }

    /// The model's kind (`"attention"`, `"transformer"`, …).
    #[getter]
    fn model(&self) -> &'static str {
        self.run.spec.model.kind()
    }

    /// A text classifier's logits for the empty text (its prior).
    #[getter]
    fn prior<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        PyArray1::from_slice(py, &self.prior)
    }

    /// What a text classifier's explanations are read against: the mean logits of the training
    /// texts of the run's `reference.json` (written by `sinr train`), else the empty text's.
    #[getter]
    fn reference_logits<'py>(&self, py: Python<'py>) -> Bound<'py, PyArray1<f32>> {
        PyArray1::from_slice(py, &self.reference.logits)
    }

    /// How many training texts `reference_logits` averages (0: the empty text).
    #[getter]
    fn reference_texts(&self) -> usize {
        self.reference.texts
    }

    /// Each class's probability for each text: an array of shape `(len(texts), len(labels))`.
    fn predict_proba<'py>(
        &self,
        py: Python<'py>,
        texts: Vec<String>,
    ) -> PyResult<Bound<'py, PyArray2<f64>>> {
        guard(|| {
            if self.run.spec.kind != TaskKind::Classify {
                return Err(run_error(
                    py,
                    "predict_proba is for text classifiers; a tagger's tags come from predict"
                        .into(),
                ));
            }
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            let p = self.run.probabilities(&refs, &self.device);
            let c = self.run.spec.labels.len();
            PyArray1::from_vec(py, p.into_iter().flatten().collect()).reshape([texts.len(), c])
        })
    }

    /// The predicted class name of each text; for a tagger, each text's `(token, tag)` pairs
    /// (tokens split at whitespace, tags off the best valid BIO path).
    fn predict<'py>(&self, py: Python<'py>, texts: Vec<String>) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            let refs: Vec<&str> = texts.iter().map(String::as_str).collect();
            match self.run.spec.kind {
                TaskKind::Classify => {
                    let names = self.run.spec.class_names();
                    let out: Vec<String> = self
                        .run
                        .probabilities(&refs, &self.device)
                        .iter()
                        .map(|p| names[sinr_metrics::task::argmax(p)].clone())
                        .collect();
                    Ok(out.into_pyobject(py)?.into_any())
                }
                TaskKind::Tag => Ok(self
                    .run
                    .tags(&refs, &self.device)
                    .into_pyobject(py)?
                    .into_any()),
            }
        })
    }

    /// The exact explanation of one text, as `sinr explain --json` writes it, as a dict: for
    /// each output, its `logits`, each token's term of each class (`tokens`), the `bias`, the
    /// terms by community and by component; `tokens`, `labels`, `dimension_words`, attention
    /// maps, and what the decision is read against (`reference_logits`, and
    /// `reference_components`, each component's mean over the training texts).
    fn explain<'py>(&self, py: Python<'py>, text: &str) -> PyResult<Bound<'py, PyAny>> {
        guard(|| {
            if text.trim().is_empty() {
                return Err(run_error(py, "empty text: nothing to explain".into()));
            }
            let e = self
                .run
                .explain(text, &self.reference, &self.device)
                .map_err(|e| model_err(py, e))?;
            let json = serde_json::to_string(&e).map_err(|e| run_error(py, e.to_string()))?;
            py.import("json")?.call_method1("loads", (json,))
        })
    }

    fn __repr__(&self) -> String {
        format!(
            "Run({:?}: {} {} over {:?})",
            self.run.dir.display().to_string(),
            self.run.spec.model.kind(),
            self.kind(),
            self.run.spec.class_names()
        )
    }
}
