//! JSON in two passes, both bounded and neither recursive beyond [`MAX_JSON_DEPTH`]:
//!
//! 1. [`normalize`] checks the whole text against the JSON grammar (reporting line and column),
//!    bounds the nesting depth, quotes bare numbers and booleans (serde-json-core cannot read
//!    a value whose type it does not know in advance, and clouds send `"mtu": 1500` and
//!    `"mtu": "1500"` alike), and turns UTF-16 surrogate-pair escapes into UTF-8, which
//!    serde-json-core would refuse.
//! 2. serde-json-core walks the normalised text. Every value is now `null`, a string, an array
//!    or an object, so [`ObjectSink`] and [`ArraySink`] implementations see each value with its
//!    field path and decide what to do with it, and unknown keys are skipped.
//!
//! Errors a sink finds are kept in the sink; serde only carries a stop signal.

use core::fmt;

use serde::de::{self, DeserializeSeed, MapAccess, SeqAccess, Visitor};

use crate::error::{DataError, MAX_FIELD_PATH_BYTES, Problem};
use crate::limits::{
    MAX_JSON_DEPTH, MAX_JSON_KEY_BYTES, MAX_JSON_STRING_BYTES, MAX_NORMALIZED_JSON_BYTES,
};
use crate::text::Text;

/// Where the JSON text is malformed, and how.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SyntaxError {
    pub line: u32,
    pub column: u32,
    pub what: &'static str,
}

impl SyntaxError {
    pub fn problem(self) -> Problem {
        Problem::JsonSyntax {
            line: self.line,
            column: self.column,
            what: self.what,
        }
    }
}

/// The normalised text did not fit the output buffer.
pub const TOO_BIG: &str = "document too large after normalisation (MAX_NORMALIZED_JSON_BYTES)";

/// Checks `input` and writes its normalised form into `out`; returns the used part of `out`.
pub fn normalize<'o>(input: &[u8], out: &'o mut [u8]) -> Result<&'o [u8], SyntaxError> {
    let mut n = Normalizer {
        input,
        pos: 0,
        out,
        len: 0,
    };
    n.document()?;
    let Normalizer { out, len, .. } = n;
    Ok(out.get(..len).unwrap_or_default())
}

struct Normalizer<'i, 'o> {
    input: &'i [u8],
    pos: usize,
    out: &'o mut [u8],
    len: usize,
}

#[derive(Clone, Copy, PartialEq)]
enum Container {
    Object,
    Array,
}

impl Normalizer<'_, '_> {
    fn error(&self, what: &'static str) -> SyntaxError {
        // (`get` rather than indexing: each panic site costs code and a location record.)
        let upto = self.input.get(..self.pos).unwrap_or(self.input);
        let line = upto.iter().filter(|&&b| b == b'\n').count() as u32 + 1;
        let line_start = upto.iter().rposition(|&b| b == b'\n').map_or(0, |p| p + 1);
        // Columns count characters, not bytes.
        let column = (upto.get(line_start..).unwrap_or_default().iter())
            .filter(|&&b| (b & 0xC0) != 0x80)
            .count() as u32
            + 1;
        SyntaxError { line, column, what }
    }

    fn put(&mut self, b: u8) -> Result<(), SyntaxError> {
        match self.out.get_mut(self.len) {
            Some(slot) => {
                *slot = b;
                self.len += 1;
                Ok(())
            }
            None => Err(self.error(TOO_BIG)),
        }
    }

    fn put_all(&mut self, b: &[u8]) -> Result<(), SyntaxError> {
        b.iter().try_for_each(|&c| self.put(c))
    }

    fn peek(&self) -> Option<u8> {
        self.input.get(self.pos).copied()
    }

    fn skip_ws(&mut self) -> Result<(), SyntaxError> {
        while let Some(c @ (b' ' | b'\t' | b'\n' | b'\r')) = self.peek() {
            self.put(c)?;
            self.pos += 1;
        }
        Ok(())
    }

    fn document(&mut self) -> Result<(), SyntaxError> {
        if core::str::from_utf8(self.input).is_err() {
            let valid = match core::str::from_utf8(self.input) {
                Err(e) => e.valid_up_to(),
                Ok(_) => 0,
            };
            self.pos = valid;
            return Err(self.error("not valid UTF-8"));
        }
        // A UTF-8 byte order mark is tolerated.
        if self.input.starts_with(b"\xEF\xBB\xBF") {
            self.pos = 3;
        }
        self.skip_ws()?;
        if self.peek().is_none() {
            return Err(self.error("empty document"));
        }
        self.values()?;
        self.skip_ws()?;
        if self.peek().is_some() {
            return Err(self.error("unexpected text after the JSON value"));
        }
        Ok(())
    }

    /// Reads one value, iteratively: containers are tracked on a fixed stack.
    fn values(&mut self) -> Result<(), SyntaxError> {
        let mut stack = [Container::Array; MAX_JSON_DEPTH];
        let mut depth = 0usize;
        // Expecting a value (true) or, inside a container, what follows one (false).
        let mut want_value = true;
        loop {
            self.skip_ws()?;
            if want_value {
                match self.peek() {
                    Some(c @ (b'{' | b'[')) => {
                        let Some(slot) = stack.get_mut(depth) else {
                            return Err(self.error("nested deeper than MAX_JSON_DEPTH"));
                        };
                        *slot = if c == b'{' {
                            Container::Object
                        } else {
                            Container::Array
                        };
                        self.put(c)?;
                        self.pos += 1;
                        depth += 1;
                        self.skip_ws()?;
                        let close = if c == b'{' { b'}' } else { b']' };
                        if self.peek() == Some(close) {
                            self.put(close)?;
                            self.pos += 1;
                            depth -= 1;
                            want_value = false;
                        } else if c == b'{' {
                            self.key()?;
                        }
                    }
                    Some(b'"') => {
                        self.string()?;
                        want_value = false;
                    }
                    Some(b'-' | b'0'..=b'9') => {
                        self.number()?;
                        want_value = false;
                    }
                    Some(b't') => {
                        self.literal(b"true", true)?;
                        want_value = false;
                    }
                    Some(b'f') => {
                        self.literal(b"false", true)?;
                        want_value = false;
                    }
                    Some(b'n') => {
                        self.literal(b"null", false)?;
                        want_value = false;
                    }
                    Some(_) => return Err(self.error("expected a value")),
                    None => return Err(self.error("unexpected end of document, expected a value")),
                }
            } else {
                // Depth 0: the document's value is complete.
                let Some(&top) = stack.get(depth.wrapping_sub(1)) else {
                    return Ok(());
                };
                match (self.peek(), top) {
                    (Some(b','), _) => {
                        self.put(b',')?;
                        self.pos += 1;
                        if top == Container::Object {
                            self.skip_ws()?;
                            self.key()?;
                        }
                        want_value = true;
                    }
                    (Some(b'}'), Container::Object) | (Some(b']'), Container::Array) => {
                        self.put(self.input[self.pos])?;
                        self.pos += 1;
                        depth -= 1;
                    }
                    (None, _) => return Err(self.error("unexpected end of document")),
                    (_, Container::Object) => return Err(self.error("expected ',' or '}'")),
                    (_, Container::Array) => return Err(self.error("expected ',' or ']'")),
                }
            }
        }
    }

    /// A key and its colon; the value follows.
    fn key(&mut self) -> Result<(), SyntaxError> {
        if self.peek() != Some(b'"') {
            return Err(self.error("expected a string key"));
        }
        self.string()?;
        self.skip_ws()?;
        if self.peek() != Some(b':') {
            return Err(self.error("expected ':'"));
        }
        self.put(b':')?;
        self.pos += 1;
        Ok(())
    }

    fn literal(&mut self, word: &[u8], quote: bool) -> Result<(), SyntaxError> {
        if !self
            .input
            .get(self.pos..)
            .is_some_and(|r| r.starts_with(word))
        {
            return Err(self.error("expected true, false or null"));
        }
        self.pos += word.len();
        if quote {
            self.put(b'"')?;
        }
        self.put_all(word)?;
        if quote {
            self.put(b'"')?;
        }
        Ok(())
    }

    fn digits(&mut self) -> Result<usize, SyntaxError> {
        let start = self.pos;
        while let Some(c @ b'0'..=b'9') = self.peek() {
            self.put(c)?;
            self.pos += 1;
        }
        Ok(self.pos - start)
    }

    fn number(&mut self) -> Result<(), SyntaxError> {
        self.put(b'"')?;
        if self.peek() == Some(b'-') {
            self.put(b'-')?;
            self.pos += 1;
        }
        match self.peek() {
            Some(b'0') => {
                self.put(b'0')?;
                self.pos += 1;
            }
            Some(b'1'..=b'9') => {
                self.digits()?;
            }
            _ => return Err(self.error("invalid number")),
        }
        if self.peek() == Some(b'.') {
            self.put(b'.')?;
            self.pos += 1;
            if self.digits()? == 0 {
                return Err(self.error("invalid number"));
            }
        }
        if let Some(e @ (b'e' | b'E')) = self.peek() {
            self.put(e)?;
            self.pos += 1;
            if let Some(s @ (b'+' | b'-')) = self.peek() {
                self.put(s)?;
                self.pos += 1;
            }
            if self.digits()? == 0 {
                return Err(self.error("invalid number"));
            }
        }
        self.put(b'"')
    }

    /// Four hex digits (by hand: `u16::from_str_radix` is 200 bytes of code).
    fn hex4(&self, at: usize) -> Option<u16> {
        let h = self.input.get(at..at + 4)?;
        h.iter().try_fold(0u16, |n, &b| {
            let d = (b as char).to_digit(16)?;
            Some(n << 4 | d as u16)
        })
    }

    fn string(&mut self) -> Result<(), SyntaxError> {
        self.put(b'"')?;
        self.pos += 1;
        loop {
            match self.peek() {
                None => return Err(self.error("unterminated string")),
                Some(b'"') => {
                    self.put(b'"')?;
                    self.pos += 1;
                    return Ok(());
                }
                Some(c) if c < 0x20 => return Err(self.error("control character in string")),
                Some(b'\\') => match self.input.get(self.pos + 1).copied() {
                    Some(c @ (b'"' | b'\\' | b'/' | b'b' | b'f' | b'n' | b'r' | b't')) => {
                        self.put_all(&[b'\\', c])?;
                        self.pos += 2;
                    }
                    Some(b'u') => {
                        let Some(hi) = self.hex4(self.pos + 2) else {
                            return Err(self.error("invalid \\u escape"));
                        };
                        if (0xD800..0xDC00).contains(&hi) {
                            // A surrogate pair: emit the character as UTF-8.
                            let lo = (self.input.get(self.pos + 6..self.pos + 8) == Some(b"\\u"))
                                .then(|| self.hex4(self.pos + 8))
                                .flatten()
                                .filter(|lo| (0xDC00..0xE000).contains(lo));
                            let Some(lo) = lo else {
                                return Err(self.error("unpaired UTF-16 surrogate in \\u escape"));
                            };
                            let cp = 0x10000
                                + ((u32::from(hi) - 0xD800) << 10)
                                + (u32::from(lo) - 0xDC00);
                            let ch = char::from_u32(cp)
                                .ok_or_else(|| self.error("invalid \\u escape"))?;
                            let mut buf = [0u8; 4];
                            let enc = ch.encode_utf8(&mut buf);
                            self.put_all(enc.as_bytes())?;
                            self.pos += 12;
                        } else if (0xDC00..0xE000).contains(&hi) {
                            return Err(self.error("unpaired UTF-16 surrogate in \\u escape"));
                        } else {
                            let input: &[u8] = self.input;
                            self.put_all(input.get(self.pos..self.pos + 6).unwrap_or_default())?;
                            self.pos += 6;
                        }
                    }
                    _ => return Err(self.error("invalid escape in string")),
                },
                Some(c) => {
                    self.put(c)?;
                    self.pos += 1;
                }
            }
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Walking the normalised text.
//
// The walk is type-erased (`dyn Object`, `dyn Array`, `dyn Value`) so serde's machinery is
// instantiated once, not once per kind of object: this keeps the binary small.

/// Stops a walk. Whoever stops it records why: a sink keeps its own error; a JSON error is
/// kept by the walker and returned by [`walk_document`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Stop;

/// Consumes the fields of one object.
pub trait Object {
    /// Called for each key. A value the sink does not read is skipped.
    fn field(&mut self, key: &str, value: &mut dyn Value) -> Result<(), Stop>;
}

/// Consumes the elements of one array.
pub trait Array {
    /// Called for each element. An element the sink does not read is skipped.
    fn element(&mut self, index: usize, value: &mut dyn Value) -> Result<(), Stop>;
}

/// A JSON value read where a scalar belongs. After [`normalize`], numbers and booleans are
/// strings; `Array` and `Object` mean a container was found (and skipped).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scalar<'t> {
    Null,
    Str(&'t str),
    /// A string longer than the buffer it was read into.
    TooLong,
    Array,
    Object,
}

/// One value, to be read once, in the way the reader expects.
pub trait Value {
    /// Reads a scalar, copying a string into `buf`.
    fn scalar<'t>(&mut self, buf: &'t mut [u8]) -> Result<Scalar<'t>, Stop>;
    /// Reads an object into `sink` (`Shape::Other` for anything but an object).
    fn object(&mut self, sink: &mut dyn Object) -> Result<Shape, Stop>;
    /// Reads an array into `sink` (`Shape::Other` for anything but an array).
    fn array(&mut self, sink: &mut dyn Array) -> Result<Shape, Stop>;
    /// Reads a string or an array of scalars, handing each to `item` (strings are copied
    /// into `buf` first). clouds write `"search": "a"` and `"search": ["a"]` alike.
    fn list(
        &mut self,
        buf: &mut [u8],
        item: &mut dyn FnMut(Scalar<'_>) -> Result<(), Stop>,
    ) -> Result<Shape, Stop>;
    /// Skips the value.
    fn skip(&mut self) -> Result<(), Stop>;
}

/// What a container value turned out to be.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Shape {
    /// It was the expected container and the sink consumed it.
    Done,
    Null,
    /// Something else: a string, or the other kind of container.
    Other,
}

/// Why a walk ended early.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum WalkError {
    /// A sink stopped it (and recorded why).
    Stopped,
    /// serde-json-core refused the text; after [`normalize`] only an over-long string can
    /// cause this.
    Json(serde_json_core::de::Error),
}

/// Walks a whole normalised document whose top level should be an object.
pub fn walk_document(
    normalized: &[u8],
    unescape: &mut [u8],
    sink: &mut dyn Object,
) -> Result<Shape, WalkError> {
    NoteError::set(false);
    let mut de = serde_json_core::de::Deserializer::new(normalized, Some(unescape));
    let mut v = DeValue {
        de: Some(&mut de),
        error: None,
    };
    let r = v.object(sink);
    let error = v.error.take();
    match (r, error) {
        (Ok(shape), None) => {
            de.end().map_err(WalkError::Json)?;
            Ok(shape)
        }
        (_, Some(_)) | (Err(_), None) if NoteError::get() => Err(WalkError::Stopped),
        (_, Some(e)) => Err(WalkError::Json(e)),
        (Err(_), None) => Err(WalkError::Stopped),
    }
}

/// A field path kept while walking, for messages: `links[2].ethernet_mac_address`.
#[derive(Debug, Default, Clone)]
pub struct FieldPath(Text<MAX_FIELD_PATH_BYTES>);

/// Where to truncate a [`FieldPath`] back to.
#[derive(Debug, Clone, Copy)]
pub struct Mark(usize);

impl FieldPath {
    pub fn new() -> Self {
        FieldPath(Text::new())
    }
    pub fn reset(&mut self, m: Mark) {
        // `pop` rather than `truncate`, whose char-boundary assert is a panic site.
        while self.0.len() > m.0 && self.0.pop().is_some() {}
    }
    /// Appends `.key` (or `key` at the top).
    pub fn key(&mut self, key: &str) -> Mark {
        let m = Mark(self.0.len());
        if !self.0.is_empty() {
            self.push(".");
        }
        self.push(key);
        m
    }
    /// Appends `[i]`.
    pub fn index(&mut self, i: usize) -> Mark {
        let m = Mark(self.0.len());
        let _ = fmt::Write::write_fmt(self.0.as_mut_view(), format_args!("[{i}]"));
        m
    }
    fn push(&mut self, s: &str) {
        for c in s.chars() {
            if self.0.push(c).is_err() {
                break;
            }
        }
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    /// An error at this path.
    pub fn error(&self, file: &str, value: Option<&str>, problem: Problem) -> DataError {
        DataError::new(file, &self.0, value, problem)
    }
}

/// Maps a serde-json-core error to a problem. After [`normalize`] the text is valid JSON,
/// so what remains is a string longer than the unescape buffer.
pub fn serde_problem(e: serde_json_core::de::Error) -> Problem {
    match e {
        serde_json_core::de::Error::EscapedStringIsTooLong => Problem::TooLong {
            bound: "MAX_JSON_STRING_BYTES",
            max: MAX_JSON_STRING_BYTES,
        },
        _ => Problem::WrongFormat,
    }
}

// --- serde plumbing ----------------------------------------------------------------------
//
// One visitor ([`Any`]) and one seed ([`Seed`]) serve every kind of read: serde-json-core's
// deserializer is then instantiated once, not once per visitor (each copy is about 1 KiB).

/// The one [`Value`] implementation: a deserializer positioned at a value.
struct DeValue<'de, D: de::Deserializer<'de>> {
    de: Option<D>,
    /// The error a read met, handed back to serde when the sink stops: it is either a JSON
    /// error (kept whole up to [`walk_document`]) or a sink's stop (see [`NoteError`]).
    error: Option<D::Error>,
}

impl<'de, D: de::Deserializer<'de>> DeValue<'de, D> {
    /// Reads the value (once) the way `want` says.
    fn get<'t>(&mut self, want: Want<'t>) -> Result<Got<'t>, Stop> {
        let Some(d) = self.de.take() else {
            return Err(Stop);
        };
        d.deserialize_ignored_any(Any(want)).map_err(|e| {
            self.error = Some(e);
            Stop
        })
    }

    /// Reads the value (if the sink did not) and turns a stop into serde's error.
    fn finish(mut self, r: Result<(), Stop>) -> Result<Got<'static>, D::Error> {
        match r {
            Ok(()) if self.de.is_some() => {
                let _ = self.skip();
                self.error.map_or(Ok(Got::Done), Err)
            }
            Ok(()) => Ok(Got::Done),
            Err(Stop) => Err(self.error.take().unwrap_or_else(stopped)),
        }
    }

    fn shape(&mut self, want: Want<'_>) -> Result<Shape, Stop> {
        Ok(match self.get(want)? {
            Got::Done => Shape::Done,
            Got::Null => Shape::Null,
            _ => Shape::Other,
        })
    }
}

impl<'de, D: de::Deserializer<'de>> Value for DeValue<'de, D> {
    fn scalar<'t>(&mut self, buf: &'t mut [u8]) -> Result<Scalar<'t>, Stop> {
        Ok(self.get(Want::Scalar(buf))?.scalar())
    }
    fn object(&mut self, sink: &mut dyn Object) -> Result<Shape, Stop> {
        self.shape(Want::Object(sink))
    }
    fn array(&mut self, sink: &mut dyn Array) -> Result<Shape, Stop> {
        self.shape(Want::Array(sink))
    }
    fn list(
        &mut self,
        buf: &mut [u8],
        item: &mut dyn FnMut(Scalar<'_>) -> Result<(), Stop>,
    ) -> Result<Shape, Stop> {
        self.shape(Want::List(buf, item))
    }
    fn skip(&mut self) -> Result<(), Stop> {
        self.get(Want::Skip).map(|_| ())
    }
}

/// A stop requested by a sink travels through serde as an error; this mark tells it from a
/// JSON error. Set when a sink stops, cleared when a walk starts.
struct NoteError;

#[cfg(not(test))]
static NOTE: core::sync::atomic::AtomicBool = core::sync::atomic::AtomicBool::new(false);

#[cfg(test)]
std::thread_local! {
    static NOTE: core::cell::Cell<bool> = const { core::cell::Cell::new(false) };
}

impl NoteError {
    fn set(v: bool) {
        #[cfg(not(test))]
        NOTE.store(v, core::sync::atomic::Ordering::Relaxed);
        #[cfg(test)]
        NOTE.with(|n| n.set(v));
    }
    fn get() -> bool {
        #[cfg(not(test))]
        return NOTE.load(core::sync::atomic::Ordering::Relaxed);
        #[cfg(test)]
        return NOTE.with(|n| n.get());
    }
}

fn stopped<E: de::Error>() -> E {
    NoteError::set(true);
    E::custom("")
}

/// How a value is to be read.
enum Want<'a> {
    /// Skipped, whatever it is.
    Skip,
    /// A scalar, a string copied into the buffer; a container is skipped and reported.
    Scalar(&'a mut [u8]),
    /// An object, each field handed to the sink.
    Object(&'a mut dyn Object),
    /// An array, each element handed to the sink.
    Array(&'a mut dyn Array),
    /// A string or an array of scalars, each handed to the function (strings copied first).
    List(
        &'a mut [u8],
        &'a mut dyn FnMut(Scalar<'_>) -> Result<(), Stop>,
    ),
}

/// What a read found: a scalar, or what became of the container that was wanted.
enum Got<'t> {
    Null,
    Str(&'t str),
    TooLong,
    Array,
    Object,
    /// The wanted container was read into its sink (or a list's items were handed over).
    Done,
    /// Something other than what was wanted (and it was skipped).
    Other,
}

impl<'t> Got<'t> {
    fn scalar(self) -> Scalar<'t> {
        match self {
            Got::Null => Scalar::Null,
            Got::Str(s) => Scalar::Str(s),
            Got::TooLong => Scalar::TooLong,
            Got::Array => Scalar::Array,
            Got::Object | Got::Done | Got::Other => Scalar::Object,
        }
    }
}

fn copy_str<'t>(buf: &'t mut [u8], v: &str) -> Got<'t> {
    match buf.get_mut(..v.len()) {
        Some(dst) => {
            dst.iter_mut().zip(v.as_bytes()).for_each(|(d, s)| *d = *s);
            // The bytes came from a &str.
            Got::Str(core::str::from_utf8(dst).unwrap_or(""))
        }
        None => Got::TooLong,
    }
}

/// The visitor of every read. After [`normalize`], serde-json-core's `deserialize_ignored_any`
/// only ever calls `visit_str`, `visit_borrowed_str`, `visit_unit` (null), `visit_seq` and
/// `visit_map`.
struct Any<'a>(Want<'a>);

impl<'de, 'a> Visitor<'de> for Any<'a> {
    type Value = Got<'a>;
    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<Got<'a>, E> {
        Ok(match self.0 {
            Want::Scalar(buf) => copy_str(buf, v),
            Want::List(buf, item) => {
                item(copy_str(buf, v).scalar()).map_err(|_| stopped::<E>())?;
                Got::Done
            }
            _ => Got::Other,
        })
    }
    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Got<'a>, E> {
        self.visit_str(v)
    }
    fn visit_unit<E: de::Error>(self) -> Result<Got<'a>, E> {
        // After normalisation, a bare word can only be `null`.
        Ok(Got::Null)
    }
    fn visit_seq<S: SeqAccess<'de>>(self, mut seq: S) -> Result<Got<'a>, S::Error> {
        match self.0 {
            Want::Array(sink) => {
                let mut index = 0;
                while seq
                    .next_element_seed(Seed::Element(&mut *sink, index))?
                    .is_some()
                {
                    index += 1;
                }
                Ok(Got::Done)
            }
            Want::List(buf, item) => {
                while let Some(v) = seq.next_element_seed(Seed::Want(Want::Scalar(&mut *buf)))? {
                    item(v.scalar()).map_err(|_| stopped::<S::Error>())?;
                }
                Ok(Got::Done)
            }
            want => {
                while seq.next_element_seed(Seed::Want(Want::Skip))?.is_some() {}
                Ok(match want {
                    Want::Scalar(_) => Got::Array,
                    _ => Got::Other,
                })
            }
        }
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Got<'a>, A::Error> {
        match self.0 {
            Want::Object(sink) => {
                let mut k = [0u8; MAX_JSON_KEY_BYTES];
                while let Some(key) = map.next_key_seed(KeySeed(&mut k))? {
                    map.next_value_seed(Seed::Field(&mut *sink, key))?;
                }
                Ok(Got::Done)
            }
            want => {
                let mut k = [0u8; MAX_JSON_KEY_BYTES];
                while map.next_key_seed(KeySeed(&mut k))?.is_some() {
                    map.next_value_seed(Seed::Want(Want::Skip))?;
                }
                Ok(match want {
                    Want::Scalar(_) => Got::Object,
                    _ => Got::Other,
                })
            }
        }
    }
}

/// The seed of every array element and object value: read as wanted, or handed to the
/// element's or field's sink as a [`Value`].
enum Seed<'a, 'k> {
    Want(Want<'a>),
    Element(&'a mut dyn Array, usize),
    Field(&'a mut dyn Object, &'k str),
}

impl<'de, 'a> DeserializeSeed<'de> for Seed<'a, '_> {
    type Value = Got<'a>;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<Got<'a>, D::Error> {
        let mut v = DeValue {
            de: None,
            error: None,
        };
        let r = match self {
            Seed::Want(want) => return d.deserialize_ignored_any(Any(want)),
            Seed::Element(sink, index) => {
                v.de = Some(d);
                sink.element(index, &mut v)
            }
            Seed::Field(sink, key) => {
                v.de = Some(d);
                sink.field(key, &mut v)
            }
        };
        v.finish(r)
    }
}

/// A key, read into the buffer with the visitor of every read (so serde-json-core's string
/// reader is instantiated once). Keys must be read with `deserialize_str`: serde-json-core's
/// key deserializer panics on most other requests.
struct KeySeed<'b>(&'b mut [u8; MAX_JSON_KEY_BYTES]);

impl<'de, 'b> DeserializeSeed<'de> for KeySeed<'b> {
    type Value = &'b str;
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<&'b str, D::Error> {
        Ok(match d.deserialize_str(Any(Want::Scalar(self.0)))? {
            Got::Str(k) => k,
            // Longer than any key we look for: a marker that matches nothing.
            _ => "\u{0}long-key",
        })
    }
}

/// The scratch space one document needs: its normalised text and the unescape buffer.
pub struct Scratch {
    pub normalized: [u8; MAX_NORMALIZED_JSON_BYTES],
    pub unescape: [u8; MAX_JSON_STRING_BYTES],
}

impl Scratch {
    pub const fn new() -> Scratch {
        Scratch {
            normalized: [0; MAX_NORMALIZED_JSON_BYTES],
            unescape: [0; MAX_JSON_STRING_BYTES],
        }
    }
}

impl Default for Scratch {
    fn default() -> Self {
        Self::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn norm(s: &str) -> Result<std::string::String, SyntaxError> {
        let mut out = std::vec![0u8; s.len() * 3 + 8];
        normalize(s.as_bytes(), &mut out)
            .map(|b| std::string::String::from_utf8(b.to_vec()).unwrap())
    }

    #[test]
    fn quotes_numbers_and_booleans_but_not_null() {
        assert_eq!(
            norm(r#"{"mtu": 1500, "a": [-1.5e3, true, false, null], "s": "x1"}"#).unwrap(),
            r#"{"mtu": "1500", "a": ["-1.5e3", "true", "false", null], "s": "x1"}"#
        );
    }

    #[test]
    fn keeps_escapes_and_joins_surrogate_pairs() {
        assert_eq!(
            norm(r#"["a\"b\\c\u00e9"]"#).unwrap(),
            r#"["a\"b\\c\u00e9"]"#
        );
        assert_eq!(norm(r#"["\ud83d\ude00"]"#).unwrap(), "[\"😀\"]");
        assert!(norm(r#"["\ud83d"]"#).is_err());
        assert!(norm(r#"["\ude00x"]"#).is_err());
    }

    #[test]
    fn reports_line_and_column() {
        let e = norm("{\n  \"a\": 1,\n  \"b\" 2\n}").unwrap_err();
        assert_eq!((e.line, e.column, e.what), (3, 7, "expected ':'"));
        let e = norm("{\"a\": [1, 2}").unwrap_err();
        assert_eq!(e.what, "expected ',' or ']'");
        assert_eq!(norm("").unwrap_err().what, "empty document");
        assert_eq!(
            norm("{} x").unwrap_err().what,
            "unexpected text after the JSON value"
        );
        assert_eq!(norm("[01]").unwrap_err().what, "expected ',' or ']'");
        assert_eq!(norm("[1.]").unwrap_err().what, "invalid number");
        assert_eq!(
            norm("{\"a\":1,}").unwrap_err().what,
            "expected a string key"
        );
        assert_eq!(norm("[1,]").unwrap_err().what, "expected a value");
        assert_eq!(
            norm("[tru]").unwrap_err().what,
            "expected true, false or null"
        );
        assert_eq!(
            norm("[\"a\u{1}\"]").unwrap_err().what,
            "control character in string"
        );
        assert_eq!(
            norm("{\"a\":").unwrap_err().what,
            "unexpected end of document, expected a value"
        );
        assert!(normalize(b"[\"\xff\"]", &mut [0u8; 16]).is_err());
    }

    #[test]
    fn bounds_depth_and_output() {
        let deep = "[".repeat(MAX_JSON_DEPTH + 1) + &"]".repeat(MAX_JSON_DEPTH + 1);
        assert_eq!(
            norm(&deep).unwrap_err().what,
            "nested deeper than MAX_JSON_DEPTH"
        );
        let ok = "[".repeat(MAX_JSON_DEPTH) + &"]".repeat(MAX_JSON_DEPTH);
        assert!(norm(&ok).is_ok());
        let mut small = [0u8; 4];
        assert_eq!(normalize(b"[1,2]", &mut small).unwrap_err().what, TOO_BIG);
    }

    struct Collect {
        seen: std::vec::Vec<(std::string::String, std::string::String)>,
    }
    impl Object for Collect {
        fn field(&mut self, key: &str, value: &mut dyn Value) -> Result<(), Stop> {
            let mut b = [0u8; 16];
            let v = std::format!("{:?}", value.scalar(&mut b)?);
            self.seen.push((key.into(), v));
            Ok(())
        }
    }

    #[test]
    fn walks_with_unescaping_and_reports_shapes() {
        let src = r#"{"a": "caf\u00e9 \/", "n": 7, "z": null, "l": [1, {"x": 2}], "o": {"k": [3]}, "long": "0123456789abcdefXYZ"}"#;
        let mut buf = [0u8; 256];
        let doc = normalize(src.as_bytes(), &mut buf).unwrap();
        let mut un = [0u8; 64];
        let mut c = Collect {
            seen: std::vec::Vec::new(),
        };
        assert_eq!(walk_document(doc, &mut un, &mut c), Ok(Shape::Done));
        let got: std::vec::Vec<(&str, &str)> = c
            .seen
            .iter()
            .map(|(a, b)| (a.as_str(), b.as_str()))
            .collect();
        assert_eq!(
            got,
            [
                ("a", "Str(\"café /\")"),
                ("n", "Str(\"7\")"),
                ("z", "Null"),
                ("l", "Array"),
                ("o", "Object"),
                ("long", "TooLong"),
            ]
        );
        // Keys are unescaped; a key longer than any we look for matches nothing.
        let long = "k".repeat(MAX_JSON_KEY_BYTES + 1);
        let src = std::format!(r#"{{"\u0061b": 1, "{long}": 2, "{}": 3}}"#, &long[1..]);
        let mut buf2 = [0u8; 512];
        let doc = normalize(src.as_bytes(), &mut buf2).unwrap();
        let mut c = Collect {
            seen: std::vec::Vec::new(),
        };
        assert_eq!(walk_document(doc, &mut un, &mut c), Ok(Shape::Done));
        let keys: std::vec::Vec<&str> = c.seen.iter().map(|(k, _)| k.as_str()).collect();
        assert_eq!(keys, ["ab", "\u{0}long-key", &long[1..]]);
        let mut c = Collect {
            seen: std::vec::Vec::new(),
        };
        let doc = normalize(b"[1]", &mut buf).unwrap();
        assert_eq!(walk_document(doc, &mut un, &mut c), Ok(Shape::Other));
    }

    struct Stopper;
    impl Object for Stopper {
        fn field(&mut self, key: &str, value: &mut dyn Value) -> Result<(), Stop> {
            if key == "b" {
                return Err(Stop);
            }
            value.skip()
        }
    }

    #[test]
    fn a_sink_stop_and_a_json_error_are_told_apart() {
        let mut buf = [0u8; 256];
        let mut un = [0u8; 8];
        let doc = normalize(br#"{"a": 1, "b": 2}"#, &mut buf).unwrap();
        assert_eq!(
            walk_document(doc, &mut un, &mut Stopper),
            Err(WalkError::Stopped)
        );
        let doc = normalize(br#"{"a": "\u00e9\u00e9\u00e9\u00e9\u00e9"}"#, &mut buf).unwrap();
        assert_eq!(
            walk_document(doc, &mut un, &mut Stopper),
            Err(WalkError::Json(
                serde_json_core::de::Error::EscapedStringIsTooLong
            ))
        );
    }

    #[test]
    fn field_path_builds_and_resets() {
        let mut p = FieldPath::new();
        let m = p.key("links");
        let m2 = p.index(3);
        p.key("mtu");
        assert_eq!(p.as_str(), "links[3].mtu");
        p.reset(m2);
        assert_eq!(p.as_str(), "links");
        p.reset(m);
        assert_eq!(p.as_str(), "");
    }
}
