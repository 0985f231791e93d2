//! The OpenStack config-drive layout: which version directory to read, which documents
//! exist, and in which order they are trusted.
//!
//! Precedence of the network configuration (first that has links wins):
//! 1. `openstack/<version>/network_data.json`;
//! 2. `network_info` inside `vendor_data.json` (Rackspace);
//! 3. `network_info.json` (the pre-Liberty draft name);
//! 4. the legacy interfaces file that `meta_data.json` `network_config.content_path` names.
//!
//! A `{}` network_data.json (what nova writes when it has no network metadata) has no links,
//! so it falls through. The version directory is `openstack/latest`, else the newest dated
//! `openstack/YYYY-MM-DD` present.

pub mod interfaces;
pub mod meta_data;
pub mod network_data;

use crate::drive::{Drive, DriveError};
use crate::error::{DataError, Problem};
use crate::json::{self, Scratch};
use crate::limits::MAX_DOCUMENT_BYTES;
use crate::model::{Config, Source};
use crate::text::Text;

/// Why a drive could not be turned into a configuration.
#[derive(Debug)]
pub enum ReadError {
    /// The drive could not be read (I/O, or a broken filesystem image).
    Drive(DriveError),
    /// A document on it is invalid.
    Data(DataError),
    /// No `openstack/` version directory with anything in it.
    NotConfigDrive,
}

impl core::fmt::Display for ReadError {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            ReadError::Drive(e) => core::fmt::Display::fmt(e, f),
            ReadError::Data(e) => core::fmt::Display::fmt(e, f),
            ReadError::NotConfigDrive => {
                f.write_str("no openstack/latest or dated version directory on the drive")
            }
        }
    }
}

impl From<DriveError> for ReadError {
    fn from(e: DriveError) -> Self {
        ReadError::Drive(e)
    }
}
impl From<DataError> for ReadError {
    fn from(e: DataError) -> Self {
        ReadError::Data(e)
    }
}

/// The buffers reading a drive needs: one document at a time and its JSON scratch.
pub struct Buffers {
    pub document: [u8; MAX_DOCUMENT_BYTES],
    pub json: Scratch,
}

impl Buffers {
    pub const fn new() -> Buffers {
        Buffers {
            document: [0; MAX_DOCUMENT_BYTES],
            json: Scratch::new(),
        }
    }
}

impl Default for Buffers {
    fn default() -> Self {
        Self::new()
    }
}

/// Bytes of a version directory name (`latest` or `YYYY-MM-DD`).
type Version = Text<16>;

/// Picks the version directory: `latest` (in any case: FAT short names list as `LATEST`),
/// else the newest `YYYY-MM-DD`.
pub fn version_dir(drive: &mut dyn Drive) -> Result<Option<Version>, DriveError> {
    let mut best: Option<Version> = None;
    let mut latest = false;
    drive.list("openstack", &mut |name, is_dir| {
        if !is_dir {
            return;
        }
        if name.eq_ignore_ascii_case("latest") {
            latest = true;
        } else if is_date(name) && best.as_deref().is_none_or(|b| name > b) {
            best = crate::text::text(name).ok();
        }
    })?;
    if latest {
        return Ok(crate::text::text("latest").ok());
    }
    Ok(best)
}

fn is_date(s: &str) -> bool {
    let b = s.as_bytes();
    b.len() == 10
        && b.iter().enumerate().all(|(i, c)| {
            if i == 4 || i == 7 {
                *c == b'-'
            } else {
                c.is_ascii_digit()
            }
        })
}

/// Reads the drive into `cfg`: meta_data.json, then the network configuration by precedence.
pub fn read(drive: &mut dyn Drive, buf: &mut Buffers, cfg: &mut Config) -> Result<(), ReadError> {
    cfg.clear();
    let version = version_dir(drive)?.ok_or(ReadError::NotConfigDrive)?;
    let dir = |name: &str| -> Text<64> {
        crate::text::format(format_args!("openstack/{version}/{name}")).unwrap_or_default()
    };

    // meta_data.json
    let mut content_path = None;
    let md_path = dir("meta_data.json");
    if let Some(doc) = read_json(drive, &md_path, &mut buf.document, &mut buf.json.normalized)? {
        let md = meta_data::parse(doc, &mut buf.json.unescape, &md_path)?;
        cfg.hostname = md.hostname;
        cfg.instance_id = md.uuid;
        content_path = md.content_path;
    } else {
        crate::info!("{md_path}: not present");
    }

    // The network configuration, by precedence.
    let sources: [(&str, Option<&str>); 3] = [
        ("network_data.json", None),
        ("vendor_data.json", Some("network_info")),
        ("network_info.json", None),
    ];
    for (name, root) in sources {
        let path = dir(name);
        let Some(doc) = read_json(drive, &path, &mut buf.document, &mut buf.json.normalized)?
        else {
            continue;
        };
        let label: Text<96> = match root {
            Some(r) => crate::text::format(format_args!("{path} ({r})")).unwrap_or_default(),
            None => crate::text::text(&path).unwrap_or_default(),
        };
        let before = cfg.links.len();
        network_data::parse(doc, &mut buf.json.unescape, root, &label, cfg)?;
        if cfg.links.len() > before {
            crate::info!("network configuration from {label}");
            cfg.source = Source::NetworkData;
            cfg.finish();
            return Ok(());
        }
        if name == "network_data.json" {
            crate::info!(
                "{path}: no links (nothing for this instance, or `{{}}`); looking further"
            );
        }
        // Only global DNS can come from a document without links; keep it, drop the rest.
        cfg.networks.clear();
        cfg.routes.clear();
    }
    if let Some(cp) = content_path
        && interfaces::read(drive, &cp, buf, cfg)?
    {
        cfg.source = Source::LegacyInterfaces;
        cfg.finish();
        return Ok(());
    }
    crate::info!("no network configuration on the drive");
    Ok(())
}

/// Reads and normalises one JSON document; None when the file does not exist.
/// An empty (or all-whitespace) file is treated as absent, with a warning.
pub fn read_json<'b>(
    drive: &mut dyn Drive,
    path: &str,
    document: &mut [u8],
    normalized: &'b mut [u8],
) -> Result<Option<&'b [u8]>, ReadError> {
    let Some(n) = drive.read(path, document)? else {
        return Ok(None);
    };
    let text = document.get(..n).unwrap_or_default();
    if text.iter().all(|b| b.is_ascii_whitespace()) {
        crate::warn!("{path}: empty file, ignored");
        return Ok(None);
    }
    match json::normalize(text, normalized) {
        Ok(doc) => Ok(Some(doc)),
        Err(e) => Err(ReadError::Data(DataError::new(path, "", None, e.problem()))),
    }
}

/// Resolves `content_path` (e.g. `/content/0000`, relative to `openstack/`) to a path inside
/// the drive, refusing anything that would leave `openstack/` or is not a plain relative path.
pub fn content_file(content_path: &str) -> Result<Text<160>, Problem> {
    // Byte checks rather than `str` patterns: this runs once, and small code matters more.
    let skip = content_path.bytes().take_while(|&b| b == b'/').count();
    let rel = content_path.get(skip..).unwrap_or_default();
    let mut path = Text::new();
    let ok = !rel.is_empty()
        && !rel.bytes().any(|b| b == 0 || b == b'\\')
        && rel
            .as_bytes()
            .split(|&b| b == b'/')
            .all(|c| !matches!(c, b"" | b"." | b".."))
        && path.push_str("openstack/").is_ok()
        && path.push_str(rel).is_ok();
    if ok {
        Ok(path)
    } else {
        Err(Problem::InvalidPath)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_path_stays_inside_openstack() {
        assert_eq!(
            content_file("/content/0000").unwrap().as_str(),
            "openstack/content/0000"
        );
        assert_eq!(
            content_file("content/0001").unwrap().as_str(),
            "openstack/content/0001"
        );
        for bad in [
            "../../etc/shadow",
            "/content/../../x",
            "",
            "/",
            "content//0000",
            "a/./b",
            "a\\b",
        ] {
            assert_eq!(content_file(bad), Err(Problem::InvalidPath), "{bad}");
        }
    }

    #[test]
    fn dates_are_recognised() {
        assert!(is_date("2015-10-15"));
        assert!(!is_date("latest"));
        assert!(!is_date("2015-10-1x"));
        assert!(!is_date("content"));
    }
}
