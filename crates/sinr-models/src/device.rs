//! Choosing a device by name at run time. Library code only ever receives a `&Device`; only
//! binaries call [`device_from_name`].

use burn::prelude::Device;

use crate::error::{Error, Result};

/// The device names this build understands (whether compiled in or not).
pub const DEVICE_NAMES: &[&str] = &["cpu", "flex", "ndarray", "wgpu", "cuda"];

/// The backends compiled into this build.
pub fn compiled_backends() -> Vec<&'static str> {
    let mut v = Vec::new();
    if cfg!(feature = "flex") {
        v.push("flex");
    }
    if cfg!(feature = "ndarray") {
        v.push("ndarray");
    }
    if cfg!(feature = "wgpu") {
        v.push("wgpu");
    }
    if cfg!(feature = "cuda") {
        v.push("cuda");
    }
    v
}

/// `cpu` (the default CPU backend: `flex` if compiled in, else `ndarray`), `flex`, `ndarray`,
/// `wgpu` or `cuda`.
///
/// # Errors
/// An unknown name, or a backend this build was compiled without (the message says which
/// cargo feature adds it).
pub fn device_from_name(name: &str) -> Result<Device> {
    let missing = |feature: &str| Error::Device {
        name: name.to_owned(),
        reason: format!(
            "this build was compiled without it (rebuild with `--features {feature}`; compiled in: {})",
            compiled_backends().join(", ")
        ),
    };
    match name {
        "cpu" => {
            #[cfg(feature = "flex")]
            return Ok(Device::flex());
            #[cfg(all(not(feature = "flex"), feature = "ndarray"))]
            #[allow(deprecated)]
            return Ok(Device::ndarray());
            #[allow(unreachable_code)]
            Err(missing("flex"))
        }
        "flex" => {
            #[cfg(feature = "flex")]
            return Ok(Device::flex());
            #[allow(unreachable_code)]
            Err(missing("flex"))
        }
        "ndarray" => {
            #[cfg(feature = "ndarray")]
            #[allow(deprecated)]
            return Ok(Device::ndarray());
            #[allow(unreachable_code)]
            Err(missing("ndarray"))
        }
        "wgpu" => {
            #[cfg(feature = "wgpu")]
            return Ok(Device::wgpu(burn::prelude::DeviceKind::DefaultDevice));
            #[allow(unreachable_code)]
            Err(missing("wgpu"))
        }
        "cuda" => {
            #[cfg(feature = "cuda")]
            return Ok(Device::cuda(0));
            #[allow(unreachable_code)]
            Err(missing("cuda"))
        }
        other => Err(Error::Device {
            name: other.to_owned(),
            reason: format!("unknown device (known: {})", DEVICE_NAMES.join(", ")),
        }),
    }
}
