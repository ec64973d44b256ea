//! Python bytecode files: what a file name says (which source owns a cache, which
//! interpreter wrote it) and what a `.pyc` header says (version, freshness).
//!
//! Pure functions, no I/O. The rules mirror CPython's importlib; section numbers
//! (§N) point into `CPYTHON_CACHES.md`.

use std::fmt;

/// Bytecode suffix of a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Ext {
    Pyc,
    Pyo,
}

impl Ext {
    /// The suffix as written on disk; CPython and pytest only ever write lower case.
    pub fn suffix(self) -> &'static str {
        match self {
            Ext::Pyc => ".pyc",
            Ext::Pyo => ".pyo",
        }
    }

    /// Split a case-sensitive `.pyc`/`.pyo` suffix off `name`: the suffix and the length before it.
    fn split(name: &[u8]) -> Option<(Ext, usize)> {
        let stem_len = name.len().checked_sub(4)?;
        let ext = match &name[stem_len..] {
            b".pyc" => Ext::Pyc,
            b".pyo" => Ext::Pyo,
            _ => return None,
        };
        Some((ext, stem_len))
    }
}

/// What a file name is, as far as bytecode goes, borrowed from the name.
///
/// `S` is `str` for [`classify`] and `[u8]` for [`classify_bytes`] (non-UTF-8 unix names).
#[derive(Debug, PartialEq, Eq)]
pub enum CacheName<'a, S: ?Sized = str> {
    /// `__pycache__/<stem>.<tag>[.opt-<alnum>].pyc` (PEP 3147/488) or 3.2–3.4 `__pycache__/<stem>.<tag>.pyo`.
    /// `opt` is the level after `opt-` (`"1"`, `"2"`, any alphanumeric string).
    Pep3147 {
        stem: &'a S,
        tag: &'a S,
        opt: Option<&'a S>,
        ext: Ext,
    },
    /// pytest's assertion-rewrite cache `__pycache__/<stem>.<tag>-pytest-<ver>.pyc` (or `.pyo`).
    Pytest {
        stem: &'a S,
        tag: &'a S,
        pytest_version: &'a S,
        ext: Ext,
    },
    /// Interrupted atomic write `<x>.pyc.<digits>`/`<x>.pyo.<digits>` in `__pycache__`;
    /// `inner` is the name without `.<digits>`.
    Leftover { inner: &'a S },
    /// Any other file in `__pycache__` (`m.pyc`, `foo.txt`): CPython never writes these.
    UnknownInPycache,
    /// Legacy `<stem>.pyc`/`<stem>.pyo` outside `__pycache__` (stem non-empty).
    Legacy { stem: &'a S, ext: Ext },
    /// Jython's `<stem>$py.class` outside `__pycache__`.
    Jython { stem: &'a S },
}

// Manual impls: `derive` would demand `S: Clone`, which `str` and `[u8]` are not.
impl<S: ?Sized> Clone for CacheName<'_, S> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<S: ?Sized> Copy for CacheName<'_, S> {}

/// Classify a file name; `in_pycache` is true when its parent directory is named exactly `__pycache__`.
///
/// Suffixes are case-sensitive everywhere, as on Linux/macOS: `Foo.CPYTHON-311.PYC` in
/// `__pycache__` is [`CacheName::UnknownInPycache`], and `FOO.PYC` elsewhere is not bytecode.
/// Returns `None` for names outside `__pycache__` that are not bytecode (`foo.py`, `notes.pyc.txt`).
pub fn classify(file_name: &str, in_pycache: bool) -> Option<CacheName<'_>> {
    parse(file_name, in_pycache)
}

/// [`classify`] for raw unix file names, which need not be UTF-8.
///
/// Every delimiter the rules look at is ASCII, so a non-UTF-8 name is classified by the
/// same rules and its parts are returned as bytes; this is what Python itself does with
/// such names (it decodes them with `surrogateescape`). An `opt-` level that is not UTF-8
/// is not alphanumeric. Valid UTF-8 input gives the same answer as [`classify`].
pub fn classify_bytes(file_name: &[u8], in_pycache: bool) -> Option<CacheName<'_, [u8]>> {
    parse(file_name, in_pycache)
}

impl<'a, S: ?Sized> CacheName<'a, S> {
    /// The interpreter cache tag (`cpython-311`, `pypy39`) for `__pycache__` caches.
    pub fn tag(&self) -> Option<&'a S> {
        match *self {
            CacheName::Pep3147 { tag, .. } | CacheName::Pytest { tag, .. } => Some(tag),
            _ => None,
        }
    }
}

impl CacheName<'_, str> {
    /// Source file names that own this cache, in the directory the sources live in
    /// (the parent of `__pycache__`, or the file's own directory for legacy and Jython files).
    ///
    /// Exact inverse of `cache_from_source` restricted to `.py`/`.pyw` sources: `foo.bar.cpython-311.pyc`
    /// → `foo.bar.py`, `py.cpython-311.pyc` → `py.py` or `.py`. Empty when no source can own it
    /// (leftovers, unknown files, `.cpython-311.pyc`). For 3.2–3.4 tags, which split at the first dot,
    /// sources like `foo.x.py` also map to `foo.cpython-34.pyc`; they are not listed.
    pub fn source_candidates(&self) -> Vec<String> {
        owners(self).map_or_else(Vec::new, |o| {
            o.suffixes
                .iter()
                .map(|suffix| format!("{}{suffix}", o.stem))
                .chain(o.literal.map(str::to_owned))
                .collect()
        })
    }
}

impl CacheName<'_, [u8]> {
    /// [`CacheName::source_candidates`] for byte names.
    pub fn source_candidates(&self) -> Vec<Vec<u8>> {
        owners(self).map_or_else(Vec::new, |o| {
            o.suffixes
                .iter()
                .map(|suffix| [o.stem, suffix.as_bytes()].concat())
                .chain(o.literal.map(|name| name.as_bytes().to_vec()))
                .collect()
        })
    }
}

/// A file name as `str` or `[u8]`; parsing works on bytes and cuts only next to ASCII bytes.
trait Text {
    fn bytes(&self) -> &[u8];
    /// `self[start..end]`; both ends are next to an ASCII delimiter or at an end of the name.
    fn cut(&self, start: usize, end: usize) -> &Self;
}

impl Text for str {
    fn bytes(&self) -> &[u8] {
        self.as_bytes()
    }
    fn cut(&self, start: usize, end: usize) -> &str {
        &self[start..end]
    }
}

impl Text for [u8] {
    fn bytes(&self) -> &[u8] {
        self
    }
    fn cut(&self, start: usize, end: usize) -> &[u8] {
        &self[start..end]
    }
}

fn parse<S: ?Sized + Text>(name: &S, in_pycache: bool) -> Option<CacheName<'_, S>> {
    let bytes = name.bytes();
    if in_pycache {
        return Some(parse_in_pycache(name));
    }
    if let Some(stem) = bytes.strip_suffix(b"$py.class") {
        return (!stem.is_empty()).then(|| CacheName::Jython {
            stem: name.cut(0, stem.len()),
        });
    }
    let (ext, stem_len) = Ext::split(bytes)?;
    (stem_len > 0).then(|| CacheName::Legacy {
        stem: name.cut(0, stem_len),
        ext,
    })
}

fn parse_in_pycache<S: ?Sized + Text>(name: &S) -> CacheName<'_, S> {
    let bytes = name.bytes();
    if let Some(dot) = rfind(bytes, b'.') {
        let digits = &bytes[dot + 1..];
        if !digits.is_empty()
            && digits.iter().all(u8::is_ascii_digit)
            && Ext::split(&bytes[..dot]).is_some()
        {
            return CacheName::Leftover {
                inner: name.cut(0, dot),
            };
        }
    }
    let Some((ext, end)) = Ext::split(bytes) else {
        return CacheName::UnknownInPycache;
    };
    parse_pytest(name, end, ext)
        .or_else(|| parse_pep3147(name, end, ext))
        .unwrap_or(CacheName::UnknownInPycache)
}

/// `<stem>.<tag>-pytest-<ver>` in `name[..end]`, pytest's `fn.name[:-3] + ".<tag>-pytest-<ver>.pyc"`.
///
/// The version may contain dots, so `-pytest-` is searched for, last occurrence first. The
/// version must look like a normalized PEP 440 version (leading digit; letters, digits, `.+!`;
/// never a `-`), so a dotted stem such as `a.b-pytest-1.cpython-311.pyc` stays PEP 3147.
fn parse_pytest<S: ?Sized + Text>(name: &S, end: usize, ext: Ext) -> Option<CacheName<'_, S>> {
    const MARK: &[u8] = b"-pytest-";
    let rest = &name.bytes()[..end];
    let mark = rest.windows(MARK.len()).rposition(|w| w == MARK)?;
    let version = &rest[mark + MARK.len()..];
    let version_ok = version.first().is_some_and(u8::is_ascii_digit)
        && version
            .iter()
            .all(|&b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'+' | b'!'));
    let dot = rfind(&rest[..mark], b'.')?;
    (version_ok && dot + 1 < mark).then(|| CacheName::Pytest {
        stem: name.cut(0, dot),
        tag: name.cut(dot + 1, mark),
        pytest_version: name.cut(mark + MARK.len(), end),
        ext,
    })
}

/// `<stem>.<tag>[.opt-<alnum>]` in `name[..end]`, parsed from the right (§3 recommendation).
///
/// A trailing `opt-<alnum>` is the level only if a non-empty tag segment precedes it;
/// otherwise it can only be the tag itself (`foo.opt-1.pyc` is `foo.py` under tag `opt-1`).
/// `.pyo` names never carry a level (3.2–3.4 wrote `.pyo` for every `-O` level).
fn parse_pep3147<S: ?Sized + Text>(name: &S, end: usize, ext: Ext) -> Option<CacheName<'_, S>> {
    let rest = &name.bytes()[..end];
    let dot = rfind(rest, b'.')?;
    if ext == Ext::Pyc && is_opt(&rest[dot + 1..]) {
        if let Some(tag_dot) = rfind(&rest[..dot], b'.').filter(|&d| d + 1 < dot) {
            return Some(CacheName::Pep3147 {
                stem: name.cut(0, tag_dot),
                tag: name.cut(tag_dot + 1, dot),
                opt: Some(name.cut(dot + 1 + 4, end)),
                ext,
            });
        }
    }
    (dot + 1 < end).then(|| CacheName::Pep3147 {
        stem: name.cut(0, dot),
        tag: name.cut(dot + 1, end),
        opt: None,
        ext,
    })
}

/// `opt-<alnum>` with Python's Unicode-aware `str.isalnum()`, approximated by
/// `char::is_alphanumeric` (which also accepts a few combining marks Python rejects).
fn is_opt(segment: &[u8]) -> bool {
    segment.strip_prefix(b"opt-").is_some_and(|level| {
        std::str::from_utf8(level)
            .is_ok_and(|s| !s.is_empty() && s.chars().all(char::is_alphanumeric))
    })
}

fn rfind(bytes: &[u8], needle: u8) -> Option<usize> {
    bytes.iter().rposition(|&b| b == needle)
}

/// Owner names: `stem + suffix` for each suffix, plus one literal name.
struct Owners<'a, S: ?Sized> {
    stem: &'a S,
    suffixes: &'static [&'static str],
    literal: Option<&'static str>,
}

fn owners<'a, S: ?Sized + Text>(name: &CacheName<'a, S>) -> Option<Owners<'a, S>> {
    const PY: &[&str] = &[".py"];
    const PY_PYW: &[&str] = &[".py", ".pyw"];
    let plain = |stem, suffixes| {
        Some(Owners {
            stem,
            suffixes,
            literal: None,
        })
    };
    match *name {
        CacheName::Pep3147 {
            stem,
            tag,
            opt,
            ext,
        } => {
            let version = std::str::from_utf8(tag.bytes())
                .ok()
                .and_then(version_from_tag);
            let pre_pep488 = version.map(|v| v < PyVersion::new(3, 5));
            match (ext, pre_pep488) {
                // 3.5+: `tail.rpartition('.')`, so `.py` and `py.py` both give `py.<tag>`.
                (Ext::Pyc, Some(false) | None) => {
                    let literal = match stem.bytes() {
                        b"" => return None,
                        b"py" => Some(".py"),
                        b"pyw" => Some(".pyw"),
                        _ => None,
                    };
                    Some(Owners {
                        stem,
                        suffixes: PY_PYW,
                        literal,
                    })
                }
                // 3.2–3.4: `tail.partition('.')`, no opt levels; no 3.5+ interpreter writes `.pyo`.
                (Ext::Pyc, Some(true)) | (Ext::Pyo, Some(true) | None) => {
                    if opt.is_some() || stem.bytes().contains(&b'.') {
                        None
                    } else {
                        plain(stem, PY_PYW)
                    }
                }
                (Ext::Pyo, Some(false)) => None,
            }
        }
        CacheName::Pytest { stem, .. } | CacheName::Jython { stem } => plain(stem, PY),
        CacheName::Legacy { stem, .. } => plain(stem, PY_PYW),
        CacheName::Leftover { .. } | CacheName::UnknownInPycache => None,
    }
}

/// A Python language version, e.g. 3.11.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PyVersion {
    pub major: u8,
    pub minor: u8,
}

impl PyVersion {
    pub const fn new(major: u8, minor: u8) -> PyVersion {
        PyVersion { major, minor }
    }
}

impl fmt::Display for PyVersion {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.major, self.minor)
    }
}

/// Magic ranges before 3.11 (§7), inclusive. Python 2 with `-U` adds 1, hence the 2.x upper ends.
const MAGIC_RANGES: &[(u16, u16, PyVersion)] = &[
    (3000, 3131, PyVersion::new(3, 0)),
    (3141, 3151, PyVersion::new(3, 1)),
    (3160, 3180, PyVersion::new(3, 2)),
    (3190, 3230, PyVersion::new(3, 3)),
    (3250, 3310, PyVersion::new(3, 4)),
    (3320, 3351, PyVersion::new(3, 5)),
    (3360, 3379, PyVersion::new(3, 6)),
    (3390, 3399, PyVersion::new(3, 7)),
    (3400, 3419, PyVersion::new(3, 8)),
    (3420, 3429, PyVersion::new(3, 9)),
    (3430, 3449, PyVersion::new(3, 10)),
    (50823, 50824, PyVersion::new(2, 0)),
    (60202, 60203, PyVersion::new(2, 1)),
    (60717, 60718, PyVersion::new(2, 2)),
    (62011, 62022, PyVersion::new(2, 3)),
    (62041, 62062, PyVersion::new(2, 4)),
    (62071, 62132, PyVersion::new(2, 5)),
    (62151, 62162, PyVersion::new(2, 6)),
    (62171, 62212, PyVersion::new(2, 7)),
];

/// First magic of 3.11; from here on 3.N owns `2900 + 50N ..= 2949 + 50N`.
const MAGIC_3_11: u16 = 3450;

/// Python version named by a CPython magic number, or `None` for gaps and non-CPython
/// values (PyPy3's small multiples of 16). The formula is trusted up to 3.99.
pub fn version_from_magic(magic: u16) -> Option<PyVersion> {
    if (MAGIC_3_11..2900 + 50 * 100).contains(&magic) {
        // In range: (magic - 2900) / 50 is 11..=99.
        let minor = u8::try_from((magic - 2900) / 50).ok()?;
        return Some(PyVersion::new(3, minor));
    }
    MAGIC_RANGES
        .iter()
        .find(|&&(lo, hi, _)| (lo..=hi).contains(&magic))
        .map(|&(_, _, version)| version)
}

/// Language version named by a cache tag: `cpython-311` → 3.11, `pypy39` → 3.9,
/// `graalpy241-311` → 3.11, `cpython-36` → 3.6; `None` for other shapes.
///
/// The version is the digits after the last `-`, or after the implementation name when
/// there is no `-`: one digit of major version, then one or two of minor.
pub fn version_from_tag(tag: &str) -> Option<PyVersion> {
    let implementation = implementation_of_tag(tag);
    if implementation.is_empty() {
        return None;
    }
    let digits = match tag.rfind('-') {
        Some(dash) => &tag[dash + 1..],
        None => &tag[implementation.len()..],
    };
    if !(2..=3).contains(&digits.len()) || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let major = digits.as_bytes()[0] - b'0';
    let minor = digits[1..].parse().ok()?;
    (major > 0).then_some(PyVersion::new(major, minor))
}

/// Implementation part of a tag (`cpython`, `pypy`, `graalpy`): everything before the first digit or `-`.
pub fn implementation_of_tag(tag: &str) -> &str {
    let end = tag
        .find(|c: char| c.is_ascii_digit() || c == '-')
        .unwrap_or(tag.len());
    &tag[..end]
}

/// How a pyc says it is fresh.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Validation {
    /// Source mtime (and size from 3.3 on), each truncated to 32 bits.
    Timestamp { mtime: u32, size: Option<u32> },
    /// PEP 552 source hash; `checked` pycs are validated on import, unchecked ones never.
    Hash { checked: bool, hash: [u8; 8] },
}

/// A parsed `.pyc` header (§4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    /// The 2-byte magic number (the `\r\n` that follows it is checked, not kept).
    pub magic: u16,
    /// Version named by the magic; `None` for non-CPython or unknown magics.
    pub version: Option<PyVersion>,
    /// PEP 552 flags word; 0 before 3.7.
    pub flags: u32,
    pub validation: Validation,
}

/// Why bytes are not a usable `.pyc` header.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HeaderError {
    #[error("empty file")]
    Empty,
    #[error("truncated header: {len} bytes, need {need}")]
    Truncated { len: usize, need: usize },
    #[error("not bytecode: bad magic {0:02x?}")]
    BadMagic([u8; 4]),
    #[error("invalid flags {0:#x}")]
    BadFlags(u32),
}

/// Bytes to read for any header.
pub const MAX_HEADER_LEN: usize = 16;

/// Header length for a magic number.
///
/// CPython's own thresholds: below 3210 (3.0–3.2) 8 bytes, below 3392 (3.3–3.6) 12, then 16.
/// Python 1.x/2.x magics (20000 and up, including PyPy2) are 8. Below 3000 is PyPy3, which
/// uses its language version's layout; every PyPy3 since 3.7 uses PEP 552, so 16.
fn header_len(magic: u16) -> usize {
    match magic {
        0..=2999 => 16,
        3000..=3209 => 8,
        3210..=3391 => 12,
        3392..=19999 => 16,
        _ => 8,
    }
}

/// Parse the first up-to-[`MAX_HEADER_LEN`] bytes of a `.pyc` file; extra bytes are ignored.
pub fn parse_header(bytes: &[u8]) -> Result<Header, HeaderError> {
    let Some(&[m0, m1, m2, m3]) = bytes.get(..4) else {
        return Err(if bytes.is_empty() {
            HeaderError::Empty
        } else {
            HeaderError::Truncated {
                len: bytes.len(),
                need: 4,
            }
        });
    };
    if [m2, m3] != *b"\r\n" {
        return Err(HeaderError::BadMagic([m0, m1, m2, m3]));
    }
    let magic = u16::from_le_bytes([m0, m1]);
    let need = header_len(magic);
    let Some(header) = bytes.get(..need) else {
        return Err(HeaderError::Truncated {
            len: bytes.len(),
            need,
        });
    };
    let mut buf = [0; MAX_HEADER_LEN];
    buf[..need].copy_from_slice(header);
    let word = |at: usize| u32::from_le_bytes([buf[at], buf[at + 1], buf[at + 2], buf[at + 3]]);
    let (flags, validation) = match need {
        8 => (
            0,
            Validation::Timestamp {
                mtime: word(4),
                size: None,
            },
        ),
        12 => (
            0,
            Validation::Timestamp {
                mtime: word(4),
                size: Some(word(8)),
            },
        ),
        _ => {
            let flags = word(4);
            if flags & !0b11 != 0 {
                return Err(HeaderError::BadFlags(flags));
            }
            let validation = if flags & 0b01 != 0 {
                let mut hash = [0; 8];
                hash.copy_from_slice(&buf[8..16]);
                Validation::Hash {
                    checked: flags & 0b10 != 0,
                    hash,
                }
            } else {
                // Bit 1 alone is formally a timestamp pyc: CPython ignores it without bit 0.
                Validation::Timestamp {
                    mtime: word(8),
                    size: Some(word(12)),
                }
            };
            (flags, validation)
        }
    };
    Ok(Header {
        magic,
        version: version_from_magic(magic),
        flags,
        validation,
    })
}

impl Header {
    /// Would `SourceLoader.get_code` reject this timestamp pyc for a source with this metadata?
    /// `None` for hash-based pycs. Pass `int(st_mtime)`: whole seconds, truncated toward zero.
    pub fn is_stale_timestamp(&self, source_mtime_secs: i64, source_size: u64) -> Option<bool> {
        match self.validation {
            Validation::Hash { .. } => None,
            // `as u32` is `& 0xFFFF_FFFF`, also for negative mtimes (two's complement, as Python).
            Validation::Timestamp { mtime, size } => Some(
                mtime != source_mtime_secs as u32
                    || size.is_some_and(|size| size != source_size as u32),
            ),
        }
    }
}

/// CPython's `importlib.util.source_hash` for the interpreter with this magic: SipHash-1-3
/// from 3.11 on, SipHash-2-4 before, keyed with k0 = the 4 magic bytes as u32 LE, k1 = 0.
pub fn source_hash(magic: u16, source: &[u8]) -> [u8; 8] {
    let [lo, hi] = magic.to_le_bytes();
    let k0 = u64::from(u32::from_le_bytes([lo, hi, b'\r', b'\n']));
    let (c, d) = if (MAGIC_3_11..20000).contains(&magic) {
        (1, 3)
    } else {
        (2, 4)
    };
    siphash(c, d, k0, 0, source).to_le_bytes()
}

/// SipHash-c-d (Aumasson & Bernstein), as in CPython's `Python/pyhash.c`.
fn siphash(c: usize, d: usize, k0: u64, k1: u64, data: &[u8]) -> u64 {
    let mut v = [
        k0 ^ 0x736f_6d65_7073_6575,
        k1 ^ 0x646f_7261_6e64_6f6d,
        k0 ^ 0x6c79_6765_6e65_7261,
        k1 ^ 0x7465_6462_7974_6573,
    ];
    let rounds = |v: &mut [u64; 4], n: usize| {
        for _ in 0..n {
            v[0] = v[0].wrapping_add(v[1]);
            v[1] = v[1].rotate_left(13) ^ v[0];
            v[0] = v[0].rotate_left(32);
            v[2] = v[2].wrapping_add(v[3]);
            v[3] = v[3].rotate_left(16) ^ v[2];
            v[0] = v[0].wrapping_add(v[3]);
            v[3] = v[3].rotate_left(21) ^ v[0];
            v[2] = v[2].wrapping_add(v[1]);
            v[1] = v[1].rotate_left(17) ^ v[2];
            v[2] = v[2].rotate_left(32);
        }
    };
    let le = |bytes: &[u8]| {
        bytes
            .iter()
            .rev()
            .fold(0, |acc, &b| acc << 8 | u64::from(b))
    };
    let compress = |v: &mut [u64; 4], m: u64| {
        v[3] ^= m;
        rounds(v, c);
        v[0] ^= m;
    };
    let blocks = data.chunks_exact(8);
    let tail = le(blocks.remainder()) | (data.len() as u64) << 56;
    for block in blocks {
        compress(&mut v, le(block));
    }
    compress(&mut v, tail);
    v[2] ^= 0xff;
    rounds(&mut v, d);
    v[0] ^ v[1] ^ v[2] ^ v[3]
}
