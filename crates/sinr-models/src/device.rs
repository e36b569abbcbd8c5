//! Choosing a device by name at run time. Library code only ever receives a `&Device`; only
//! binaries call [`device_from_name`].

use burn::prelude::Device;
use sinr_schema::DeviceName;

use crate::error::{Error, Result};

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

/// The device of a name: `cpu` (the default CPU backend: `flex` if compiled in, else
/// `ndarray`), `flex`, `ndarray`, `wgpu` or `cuda`.
///
/// # Errors
/// A backend this build was compiled without (the message says which
/// cargo feature adds it).
pub fn device_from_name(name: DeviceName) -> Result<Device> {
    let missing = |feature: &str| Error::Device {
        name: name.to_string(),
        reason: format!(
            "this build was compiled without it (rebuild with `--features {feature}`; compiled in: {})",
            compiled_backends().join(", ")
        ),
    };
    match name {
        DeviceName::Cpu => {
            #[cfg(feature = "flex")]
            return Ok(Device::flex());
            #[cfg(all(not(feature = "flex"), feature = "ndarray"))]
            #[allow(deprecated)]
            return Ok(Device::ndarray());
            #[allow(unreachable_code)]
            Err(missing("flex"))
        }
        DeviceName::Flex => {
            #[cfg(feature = "flex")]
            return Ok(Device::flex());
            #[allow(unreachable_code)]
            Err(missing("flex"))
        }
        DeviceName::Ndarray => {
            #[cfg(feature = "ndarray")]
            #[allow(deprecated)]
            return Ok(Device::ndarray());
            #[allow(unreachable_code)]
            Err(missing("ndarray"))
        }
        DeviceName::Wgpu => {
            #[cfg(feature = "wgpu")]
            return Ok(Device::wgpu(burn::prelude::DeviceKind::DefaultDevice));
            #[allow(unreachable_code)]
            Err(missing("wgpu"))
        }
        DeviceName::Cuda => {
            #[cfg(feature = "cuda")]
            return Ok(Device::cuda(0));
            #[allow(unreachable_code)]
            Err(missing("cuda"))
        }
    }
}
