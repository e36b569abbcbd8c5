//! Rust errors as Python exceptions, and the guard that keeps panics out of Python.
//!
//! Every exception of the module derives from `sinr_rs.SinrError` and from the built-in
//! exception a Python user would try first, so both `except SinrError` and `except KeyError`
//! work:
//!
//! | `sinr_embed::Error` | exception | also a |
//! | --- | --- | --- |
//! | `Config` | `ConfigError` | `ValueError` |
//! | `Io` | `SinrOSError` (`errno` set) | `OSError` |
//! | `InvalidUtf8`, `LineTooLong` | `CorpusError` | `ValueError` |
//! | `Empty` | `EmptyInputError` | `ValueError` |
//! | `BadModel`, `BadVectors` | `ModelFileError` | `ValueError` |
//! | `UnknownWord` | `UnknownWordError` | `KeyError` |
//! | `OutOfRange` | `OutOfRangeError` | `IndexError` |
//! | a `sinr_models` error (runs) | `RunError` | `ValueError` |
//! | a panic (a bug) | `SinrError` | |
//!
//! The exception's message is the Rust error's `Display`, the same text the `sinr` binary
//! prints. The classes are made at import time with `type(name, (SinrError, builtin), {})`,
//! because PyO3's `create_exception!` takes a single base class.

use std::panic::{AssertUnwindSafe, catch_unwind};

use pyo3::exceptions::PyException;
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;
use pyo3::types::{PyDict, PyTuple, PyType};

use sinr_embed::Error;

pyo3::create_exception!(
    sinr_rs,
    SinrError,
    PyException,
    "Base class of every error raised by sinr_rs; its message is the Rust error's."
);

/// The subclasses: (name, built-in base, docstring).
const SUBCLASSES: [(&str, &str, &str); 8] = [
    (
        "ConfigError",
        "ValueError",
        "A parameter is out of its domain; the message names it.",
    ),
    (
        "SinrOSError",
        "OSError",
        "A file could not be opened, read or written; the message names it.",
    ),
    (
        "CorpusError",
        "ValueError",
        "A corpus line is not UTF-8 (with invalid_utf8='fail') or is too long.",
    ),
    (
        "EmptyInputError",
        "ValueError",
        "Nothing is left to embed: no file, no text, or the filters removed every word or edge.",
    ),
    (
        "ModelFileError",
        "ValueError",
        "A model or vectors file is truncated, corrupted, of another version or not a model.",
    ),
    (
        "UnknownWordError",
        "KeyError",
        "A word the model does not know.",
    ),
    (
        "OutOfRangeError",
        "IndexError",
        "A dimension, community or level index is out of range.",
    ),
    (
        "RunError",
        "ValueError",
        "A trained run cannot be loaded or asked this: a missing or damaged run directory, \
         embeddings not found, a question for another kind of model.",
    ),
];

static CLASSES: PyOnceLock<Vec<Py<PyType>>> = PyOnceLock::new();

fn classes(py: Python<'_>) -> PyResult<&Vec<Py<PyType>>> {
    CLASSES.get_or_try_init(py, || {
        let builtins = py.import("builtins")?;
        let type_ = builtins.getattr("type")?;
        let base = py.get_type::<SinrError>();
        SUBCLASSES
            .iter()
            .map(|(name, builtin, doc)| {
                let dict = PyDict::new(py);
                dict.set_item("__doc__", *doc)?;
                dict.set_item("__module__", "sinr_rs")?;
                let bases = PyTuple::new(py, [base.as_any(), &builtins.getattr(*builtin)?])?;
                Ok(type_
                    .call1((*name, bases, dict))?
                    .cast_into::<PyType>()?
                    .unbind())
            })
            .collect()
    })
}

/// Adds `SinrError` and its subclasses to the module.
pub fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    let py = m.py();
    m.add("SinrError", py.get_type::<SinrError>())?;
    for ((name, _, _), class) in SUBCLASSES.iter().zip(classes(py)?) {
        m.add(*name, class.bind(py))?;
    }
    Ok(())
}

fn raise(py: Python<'_>, class: usize, message: String) -> PyErr {
    let made = classes(py).and_then(|c| c[class].bind(py).call1((message.clone(),)));
    match made {
        Ok(e) => PyErr::from_value(e),
        Err(_) => SinrError::new_err(message),
    }
}

/// A `sinr_embed::Error` as the matching Python exception.
pub fn to_py(py: Python<'_>, e: Error) -> PyErr {
    let message = e.to_string();
    match e {
        Error::Config { .. } => raise(py, 0, message),
        Error::Io { cause, .. } => {
            let err = raise(py, 1, message);
            // `errno` only: setting `filename` too would make `str(e)` OSError's
            // "[Errno …] …: 'path'" instead of the Rust message, which names the path already.
            // Best effort: the message says everything.
            let _ = err.value(py).setattr("errno", cause.raw_os_error());
            err
        }
        Error::InvalidUtf8 { .. } | Error::LineTooLong { .. } => raise(py, 2, message),
        Error::Empty(_) => raise(py, 3, message),
        Error::BadModel { .. } | Error::BadVectors { .. } => raise(py, 4, message),
        Error::UnknownWord(_) => raise(py, 5, message),
        Error::OutOfRange { .. } => raise(py, 6, message),
    }
}

/// A `ConfigError` raised by the bindings themselves (a bad keyword value).
pub fn config_error(py: Python<'_>, field: &str, reason: impl std::fmt::Display) -> PyErr {
    raise(py, 0, format!("invalid config: `{field}` {reason}"))
}

/// A `RunError` (a trained classifier's run; `sinr_models`' errors), with the Rust message.
pub fn run_error(py: Python<'_>, message: String) -> PyErr {
    raise(py, 7, message)
}

/// An `UnknownWordError` for `word`.
pub fn unknown_word(py: Python<'_>, word: &str) -> PyErr {
    to_py(py, Error::UnknownWord(word.to_owned()))
}

/// An `OutOfRangeError`.
pub fn out_of_range(py: Python<'_>, what: &'static str, index: usize, len: usize) -> PyErr {
    to_py(py, Error::OutOfRange { what, index, len })
}

/// Runs `f` with the GIL released, turning a `sinr_embed::Error` into its exception and a panic
/// (a broken invariant, a bug) into a `SinrError` instead of letting it unwind into Python.
pub fn run<T: Send>(py: Python<'_>, f: impl FnOnce() -> Result<T, Error> + Send) -> PyResult<T> {
    match py.detach(|| catch_unwind(AssertUnwindSafe(f))) {
        Ok(Ok(v)) => Ok(v),
        Ok(Err(e)) => Err(to_py(py, e)),
        Err(payload) => Err(panic_error(payload)),
    }
}

/// Like [`run`] for code that holds Python objects (and so keeps the GIL).
pub fn guard<T>(f: impl FnOnce() -> PyResult<T>) -> PyResult<T> {
    catch_unwind(AssertUnwindSafe(f)).unwrap_or_else(|payload| Err(panic_error(payload)))
}

fn panic_error(payload: Box<dyn std::any::Any + Send>) -> PyErr {
    let what = payload
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| payload.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    SinrError::new_err(format!(
        "internal error (a bug in sinr-rs, please report it): {what}"
    ))
}
