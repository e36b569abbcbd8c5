//! `sinr_rs`: the SINr embeddings of `sinr-embed` from Python.
//!
//! A thin PyO3 layer: every function converts its arguments, calls one `sinr_embed` function
//! with the GIL released, and converts the result (numpy arrays for vectors and matrices).
//! Rust errors become Python exceptions carrying the Rust message (`errors.rs`), and no panic
//! crosses into Python: each call runs under `catch_unwind`.
//!
//! ```python
//! import sinr_rs
//! model = sinr_rs.train("corpus.txt", min_freq=5, gamma=10)
//! model.most_similar("ship", k=5)
//! model.get_vector("ship")          # numpy float64 array, one value per community
//! model.describe("ship", dims=3)    # strongest dimensions with labels and stereotypes
//! model.save("corpus.sinr")
//! ```
//!
//! Build and install: `docs/python.md`. Tests: `tests/test_sinr.py` (pytest).

mod config;
mod errors;
mod model;
mod pipeline;
mod run;
mod train;

use pyo3::prelude::*;

use sinr_embed::SinrModel;

use config::to_python;
use errors::run;
use model::PyModel;
use pipeline::{PyCooccurrence, PyGraph};

/// Loads a model file (`.sinr`) written by `SINrVectors.save` or `sinr embed train`.
#[pyfunction]
fn load(py: Python<'_>, path: std::path::PathBuf) -> PyResult<PyModel> {
    run(py, || SinrModel::load(&path)).map(PyModel::new)
}

/// The config of a preset ("reference", the default, or "recommended"): the values every
/// `None` keyword stands for, as a dict.
#[pyfunction]
#[pyo3(signature = (preset = None))]
fn default_config<'py>(py: Python<'py>, preset: Option<&str>) -> PyResult<Bound<'py, PyAny>> {
    to_python(py, &config::base(py, None, preset)?)
}

/// Panics inside the guard every call runs in (for the tests: a panic must come out as a
/// `SinrError`, not abort the interpreter or cross into Python as `PanicException`).
#[pyfunction]
fn _panic_for_tests(py: Python<'_>) -> PyResult<()> {
    run(py, || -> sinr_embed::Result<()> {
        let broken: Vec<u32> = Vec::new();
        let i = broken.len() + 1;
        panic!("a broken invariant ({} of {} items)", i, broken.len())
    })
}

#[pymodule]
fn sinr_rs(m: &Bound<'_, PyModule>) -> PyResult<()> {
    errors::register(m)?;
    m.add_class::<PyModel>()?;
    m.add_class::<PyCooccurrence>()?;
    m.add_class::<PyGraph>()?;
    m.add_class::<run::PyRun>()?;
    m.add_function(wrap_pyfunction!(train::train, m)?)?;
    m.add_function(wrap_pyfunction!(train::train_from_counts, m)?)?;
    m.add_function(wrap_pyfunction!(train::train_from_graph, m)?)?;
    m.add_function(wrap_pyfunction!(train::tokenize, m)?)?;
    m.add_function(wrap_pyfunction!(load, m)?)?;
    m.add_function(wrap_pyfunction!(default_config, m)?)?;
    m.add_function(wrap_pyfunction!(pipeline::pmi_filter, m)?)?;
    m.add_function(wrap_pyfunction!(_panic_for_tests, m)?)?;
    m.add("FORMAT_VERSION", sinr_embed::FORMAT_VERSION)?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    Ok(())
}
