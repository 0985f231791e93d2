//! The legacy Debian interfaces file nova injects (`network_config.content_path`).

use super::{Buffers, ReadError};
use crate::drive::Drive;
use crate::model::Config;

/// Reads the interfaces file `content_path` names into `cfg`; false if it holds no network.
pub fn read(
    _drive: &mut dyn Drive,
    content_path: &str,
    _buf: &mut Buffers,
    _cfg: &mut Config,
) -> Result<bool, ReadError> {
    crate::warn!(
        "meta_data.json points at a legacy interfaces file ({content_path}); that format is not read yet"
    );
    Ok(false)
}
