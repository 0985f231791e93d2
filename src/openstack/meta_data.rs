//! meta_data.json: the hostname, the instance uuid, and the pointer to the legacy
//! interfaces file (`network_config.content_path`).

use crate::error::{DataError, Problem};
use crate::json::{self, FieldPath, Object, Scalar, Shape, Stop, Value, WalkError};
use crate::limits::{MAX_CONTENT_PATH_BYTES, MAX_HOSTNAME_BYTES, MAX_UUID_BYTES};
use crate::model::Hostname;
use crate::text::{Text, text};

/// What meta_data.json contributes.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct MetaData {
    /// `hostname`, else `name` (the instance's display name), made a valid hostname.
    pub hostname: Option<Hostname>,
    pub uuid: Option<Text<MAX_UUID_BYTES>>,
    /// `network_config.content_path`, e.g. `/content/0000` (relative to `openstack/`).
    pub content_path: Option<Text<MAX_CONTENT_PATH_BYTES>>,
}

pub fn parse(normalized: &[u8], unescape: &mut [u8], file: &str) -> Result<MetaData, DataError> {
    let mut p = Parser {
        file,
        path: FieldPath::new(),
        error: None,
        md: MetaData::default(),
        name: None,
    };
    let r = json::walk_document(normalized, unescape, &mut p);
    if let Some(e) = p.error {
        return Err(e);
    }
    match r {
        Ok(Shape::Done) => {}
        Ok(_) => {
            return Err(DataError::new(
                file,
                "",
                None,
                Problem::WrongType {
                    expected: "a JSON object",
                },
            ));
        }
        Err(WalkError::Json(e)) => return Err(p.path.error(file, None, json::serde_problem(e))),
        Err(WalkError::Stopped) => return Err(p.path.error(file, None, Problem::WrongFormat)),
    }
    if p.md.hostname.is_none()
        && let Some(name) = p.name
    {
        // The display name is free text: use it only if it can be made a hostname.
        match hostname_from(&name) {
            Some(h) => p.md.hostname = Some(h),
            None => crate::warn!(
                "{file}: name: {}: not usable as a hostname, ignored",
                crate::text::Quoted(&name)
            ),
        }
    }
    Ok(p.md)
}

/// A hostname from free text: `_` and spaces become `-` (as glean does), then every label
/// must be 1-63 letters, digits or `-`, not starting or ending with `-`.
pub fn hostname_from(s: &str) -> Option<Hostname> {
    let mut h = Hostname::new();
    for c in crate::text::trim(s).trim_end_matches('.').chars() {
        let c = if c == '_' || c == ' ' { '-' } else { c };
        h.push(c).ok()?;
    }
    let ok = !h.is_empty()
        && h.split('.').all(|l| {
            !l.is_empty()
                && l.len() <= 63
                && !l.starts_with('-')
                && !l.ends_with('-')
                && l.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'-')
        });
    ok.then_some(h)
}

struct Parser<'f> {
    file: &'f str,
    path: FieldPath,
    error: Option<DataError>,
    md: MetaData,
    name: Option<Text<MAX_HOSTNAME_BYTES>>,
}

impl Parser<'_> {
    #[cold]
    fn fail(&mut self, value: Option<&str>, problem: Problem) -> Stop {
        self.error
            .get_or_insert_with(|| self.path.error(self.file, value, problem));
        Stop
    }

    fn string<'t>(
        &mut self,
        v: &mut dyn Value,
        buf: &'t mut [u8],
        bound: &'static str,
    ) -> Result<Option<&'t str>, Stop> {
        let max = buf.len();
        match v.scalar(buf)? {
            Scalar::Null => Ok(None),
            Scalar::Str(s) => Ok(Some(s)),
            Scalar::TooLong => Err(self.fail(None, Problem::TooLong { bound, max })),
            _ => Err(self.fail(
                None,
                Problem::WrongType {
                    expected: "a string",
                },
            )),
        }
    }
}

impl Object for Parser<'_> {
    fn field(&mut self, key: &str, v: &mut dyn Value) -> Result<(), Stop> {
        let m = self.path.key(key);
        let mut b = [0u8; MAX_HOSTNAME_BYTES];
        match key {
            "hostname" => {
                if let Some(h) = self.string(v, &mut b, "MAX_HOSTNAME_BYTES")? {
                    match hostname_from(h) {
                        Some(h) => self.md.hostname = Some(h),
                        None => return Err(self.fail(Some(h), Problem::InvalidHostname)),
                    }
                }
            }
            // A display name may be long or odd; it only matters if there is no hostname.
            "name" => {
                self.name = match v.scalar(&mut b)? {
                    Scalar::Str(s) => text(s).ok(),
                    _ => None,
                }
            }
            "uuid" => {
                self.md.uuid = self
                    .string(v, &mut b[..MAX_UUID_BYTES], "MAX_UUID_BYTES")?
                    .and_then(|s| text(s).ok())
            }
            "network_config" => {
                if v.object(&mut NetworkConfig { p: self })? == Shape::Other {
                    return Err(self.fail(
                        None,
                        Problem::WrongType {
                            expected: "an object",
                        },
                    ));
                }
            }
            _ => v.skip()?,
        }
        self.path.reset(m);
        Ok(())
    }
}

struct NetworkConfig<'a, 'f> {
    p: &'a mut Parser<'f>,
}

impl Object for NetworkConfig<'_, '_> {
    fn field(&mut self, key: &str, v: &mut dyn Value) -> Result<(), Stop> {
        let m = self.p.path.key(key);
        if key == "content_path" {
            let mut b = [0u8; MAX_CONTENT_PATH_BYTES];
            self.p.md.content_path = self
                .p
                .string(v, &mut b, "MAX_CONTENT_PATH_BYTES")?
                .and_then(|s| text(s).ok());
        } else {
            v.skip()?;
        }
        self.p.path.reset(m);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn md(src: &str) -> Result<MetaData, DataError> {
        let mut n = std::vec![0u8; src.len() * 3 + 16];
        let doc = json::normalize(src.as_bytes(), &mut n).unwrap();
        let mut un = [0u8; 4096];
        parse(doc, &mut un, "meta_data.json")
    }

    #[test]
    fn hostname_then_name() {
        let m = md(r#"{"hostname": "web-1.novalocal", "name": "Web 1", "uuid": "u-1"}"#).unwrap();
        assert_eq!(m.hostname.as_deref(), Some("web-1.novalocal"));
        assert_eq!(m.uuid.as_deref(), Some("u-1"));
        let m = md(r#"{"name": "test_vm"}"#).unwrap();
        assert_eq!(m.hostname.as_deref(), Some("test-vm"));
        let m = md(r#"{"name": "Ünïcode!"}"#).unwrap();
        assert_eq!(m.hostname, None);
    }

    #[test]
    fn content_path_and_errors() {
        let m = md(r#"{"network_config": {"name": "network_config", "content_path": "/content/0000"}, "files": [{"a": 1}]}"#).unwrap();
        assert_eq!(m.content_path.as_deref(), Some("/content/0000"));
        let e = md(r#"{"hostname": "bad host!"}"#).unwrap_err();
        assert_eq!(e.problem, Problem::InvalidHostname);
        assert_eq!(e.path.as_str(), "hostname");
        let e = md(r#"{"uuid": {"x": 1}}"#).unwrap_err();
        assert_eq!(
            e.problem,
            Problem::WrongType {
                expected: "a string"
            }
        );
        assert!(md("[1]").is_err());
    }
}
