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
    /// `__pycache__/<stem>.<tag>[.opt-<alnum>].pyc` (PEP 3147/488), or 3.2–3.4's
    /// `__pycache__/<stem>.<tag>.pyo`.
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

/// Classify a file name; `in_pycache`: its parent directory is named exactly `__pycache__`.
///
/// Suffixes are case-sensitive everywhere, as on Linux/macOS: `Foo.CPYTHON-311.PYC` in
/// `__pycache__` is [`CacheName::UnknownInPycache`], and `FOO.PYC` elsewhere is not bytecode.
/// `None` for names outside `__pycache__` that are not bytecode (`foo.py`, `notes.pyc.txt`).
pub fn classify(file_name: &str, in_pycache: bool) -> Option<CacheName<'_>> {
    parse(file_name, in_pycache)
}

/// [`classify`] for unix names that need not be UTF-8: every delimiter is ASCII, so the same
/// rules apply byte-wise, as with Python's `surrogateescape` (a non-UTF-8 `opt-N` is no level).
pub fn classify_bytes(file_name: &[u8], in_pycache: bool) -> Option<CacheName<'_, [u8]>> {
    parse(file_name, in_pycache)
}

/// The variant of a [`CacheName`] without its borrowed parts, to keep with a path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum CacheKind {
    Pep3147,
    Pytest,
    Leftover,
    UnknownInPycache,
    Legacy,
    Jython,
}

impl<'a, S: ?Sized> CacheName<'a, S> {
    pub fn kind(&self) -> CacheKind {
        match self {
            CacheName::Pep3147 { .. } => CacheKind::Pep3147,
            CacheName::Pytest { .. } => CacheKind::Pytest,
            CacheName::Leftover { .. } => CacheKind::Leftover,
            CacheName::UnknownInPycache => CacheKind::UnknownInPycache,
            CacheName::Legacy { .. } => CacheKind::Legacy,
            CacheName::Jython { .. } => CacheKind::Jython,
        }
    }

    /// The interpreter cache tag (`cpython-311`, `pypy39`) for `__pycache__` caches.
    pub fn tag(&self) -> Option<&'a S> {
        match *self {
            CacheName::Pep3147 { tag, .. } | CacheName::Pytest { tag, .. } => Some(tag),
            _ => None,
        }
    }
}

impl CacheName<'_, str> {
    /// Source names that own this cache: the `.py`/`.pyw` names `S` whose `cache_from_source(S)`,
    /// with this tag and opt, is this name (they live beside `__pycache__`, or beside the file).
    /// Not listed: `foo.x.py`, which 3.2–3.4 (first-dot split) also map to `foo.cpython-34.pyc`.
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

impl<'a> CacheName<'a, [u8]> {
    /// The source candidates as `(stem, suffix)` pieces to join, best first, without
    /// allocating (a literal name such as `.py` comes as an empty stem and the name).
    pub fn candidate_parts(&self) -> impl Iterator<Item = (&'a [u8], &'static [u8])> {
        owners(self).into_iter().flat_map(|o| {
            o.suffixes
                .iter()
                .map(move |suffix| (o.stem, suffix.as_bytes()))
                .chain(o.literal.map(|name| (&b""[..], name.as_bytes())))
        })
    }

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

/// `<stem>.<tag>-pytest-<ver>` in `name[..end]`: pytest's `fn.name[:-3] + PYC_TAIL`.
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
                // 3.2–3.4: `tail.partition('.')`, no opt levels; 3.5+ never writes `.pyo`.
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
        // Beside a legacy file only `.py` counts: outside Windows the import system
        // does not know `.pyw`, so `m.pyc` beside `m.pyw` imports without a source.
        CacheName::Legacy { stem, .. } => plain(stem, PY),
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

/// Implementation part of a tag (`cpython`, `pypy`, `graalpy`): up to the first digit or `-`.
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
        20000..=u16::MAX => 8,
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

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use CacheName::*;

    /// CPython 3.5+ `cache_from_source` for a bare file name (no directory, no prefix).
    fn model_cache_name(source: &str, tag: &str, opt: &str) -> String {
        let (base, sep, rest) = match source.rfind('.') {
            Some(dot) => (&source[..dot], ".", &source[dot + 1..]),
            None => ("", "", source),
        };
        let name = if base.is_empty() { rest } else { base };
        let opt = if opt.is_empty() {
            String::new()
        } else {
            format!(".opt-{opt}")
        };
        format!("{name}{sep}{tag}{opt}.pyc")
    }

    fn candidates(name: &str, in_pycache: bool) -> Vec<String> {
        classify(name, in_pycache).map_or_else(Vec::new, |c| c.source_candidates())
    }

    fn pep<'a>(stem: &'a str, tag: &'a str, opt: Option<&'a str>, ext: Ext) -> CacheName<'a> {
        Pep3147 {
            stem,
            tag,
            opt,
            ext,
        }
    }

    fn pytest<'a>(stem: &'a str, tag: &'a str, version: &'a str, ext: Ext) -> CacheName<'a> {
        Pytest {
            stem,
            tag,
            pytest_version: version,
            ext,
        }
    }

    #[test]
    fn names_in_pycache() {
        use Ext::{Pyc, Pyo};
        #[rustfmt::skip]
        let cases: &[(&str, CacheName, &[&str])] = &[
            // §3 table and PEP 3147/488 basics.
            ("foo.cpython-311.pyc", pep("foo", "cpython-311", None, Pyc), &["foo.py", "foo.pyw"]),
            ("foo.cpython-311.opt-1.pyc", pep("foo", "cpython-311", Some("1"), Pyc), &["foo.py", "foo.pyw"]),
            ("foo.cpython-311.opt-2.pyc", pep("foo", "cpython-311", Some("2"), Pyc), &["foo.py", "foo.pyw"]),
            ("foo.cpython-311.opt-a1.pyc", pep("foo", "cpython-311", Some("a1"), Pyc), &["foo.py", "foo.pyw"]),
            ("foo.cpython-311.opt-\u{661}.pyc", pep("foo", "cpython-311", Some("\u{661}"), Pyc), &["foo.py", "foo.pyw"]),
            ("__init__.cpython-312.pyc", pep("__init__", "cpython-312", None, Pyc), &["__init__.py", "__init__.pyw"]),
            ("m.cpython-311.pyc", pep("m", "cpython-311", None, Pyc), &["m.py", "m.pyw"]),
            ("mod.pypy39.pyc", pep("mod", "pypy39", None, Pyc), &["mod.py", "mod.pyw"]),
            ("mod.graalpy241-311.pyc", pep("mod", "graalpy241-311", None, Pyc), &["mod.py", "mod.pyw"]),
            // Dotted and odd stems: parsed from the right.
            ("foo.bar.cpython-311.pyc", pep("foo.bar", "cpython-311", None, Pyc), &["foo.bar.py", "foo.bar.pyw"]),
            ("foo.bar.cpython-311.opt-1.pyc", pep("foo.bar", "cpython-311", Some("1"), Pyc), &["foo.bar.py", "foo.bar.pyw"]),
            (".hidden.cpython-311.pyc", pep(".hidden", "cpython-311", None, Pyc), &[".hidden.py", ".hidden.pyw"]),
            ("py.cpython-311.pyc", pep("py", "cpython-311", None, Pyc), &["py.py", "py.pyw", ".py"]),
            ("pyw.cpython-312.opt-2.pyc", pep("pyw", "cpython-312", Some("2"), Pyc), &["pyw.py", "pyw.pyw", ".pyw"]),
            (".cpython-311.pyc", pep("", "cpython-311", None, Pyc), &[]),
            ("..cpython-311.pyc", pep(".", "cpython-311", None, Pyc), &["..py", "..pyw"]),
            ("foo..cpython-311.pyc", pep("foo.", "cpython-311", None, Pyc), &["foo..py", "foo..pyw"]),
            // `opt-` that is not a level is part of the tag or stem.
            ("foo.opt-1.pyc", pep("foo", "opt-1", None, Pyc), &["foo.py", "foo.pyw"]),
            ("foo.cpython-311.opt-.pyc", pep("foo.cpython-311", "opt-", None, Pyc), &["foo.cpython-311.py", "foo.cpython-311.pyw"]),
            ("foo.cpython-311.opt-1-2.pyc", pep("foo.cpython-311", "opt-1-2", None, Pyc), &["foo.cpython-311.py", "foo.cpython-311.pyw"]),
            ("foo..opt-1.pyc", pep("foo.", "opt-1", None, Pyc), &["foo..py", "foo..pyw"]),
            // 3.2–3.4: first-dot split, `.pyo` for -O/-OO, no opt levels.
            ("foo.cpython-34.pyc", pep("foo", "cpython-34", None, Pyc), &["foo.py", "foo.pyw"]),
            ("foo.cpython-34.pyo", pep("foo", "cpython-34", None, Pyo), &["foo.py", "foo.pyw"]),
            ("foo.bar.cpython-34.pyc", pep("foo.bar", "cpython-34", None, Pyc), &[]),
            (".cpython-32.pyc", pep("", "cpython-32", None, Pyc), &[".py", ".pyw"]),
            ("foo.cpython-34.opt-1.pyc", pep("foo", "cpython-34", Some("1"), Pyc), &[]),
            ("foo.cpython-34.opt-1.pyo", pep("foo.cpython-34", "opt-1", None, Pyo), &[]),
            ("foo.pypy3.pyo", pep("foo", "pypy3", None, Pyo), &["foo.py", "foo.pyw"]),
            ("foo.cpython-311.pyo", pep("foo", "cpython-311", None, Pyo), &[]),
            ("foo.cpython-35.opt-1.pyc", pep("foo", "cpython-35", Some("1"), Pyc), &["foo.py", "foo.pyw"]),
            // pytest rewrite caches: `fn.name[:-3] + ".<tag>-pytest-<ver>.pyc"`.
            ("test_x.cpython-311-pytest-8.3.2.pyc", pytest("test_x", "cpython-311", "8.3.2", Pyc), &["test_x.py"]),
            ("test_x.cpython-311-pytest-8.pyc", pytest("test_x", "cpython-311", "8", Pyc), &["test_x.py"]),
            ("test_x.cpython-39-pytest-6.2.5.pyo", pytest("test_x", "cpython-39", "6.2.5", Pyo), &["test_x.py"]),
            ("a.b.pypy310-pytest-8.4.0.dev12+g1a2b3c.pyc", pytest("a.b", "pypy310", "8.4.0.dev12+g1a2b3c", Pyc), &["a.b.py"]),
            ("my-pytest-1.x.cpython-312-pytest-7.0.0rc1.pyc", pytest("my-pytest-1.x", "cpython-312", "7.0.0rc1", Pyc), &["my-pytest-1.x.py"]),
            (".cpython-311-pytest-8.3.2.pyc", pytest("", "cpython-311", "8.3.2", Pyc), &[".py"]),
            ("a.b-pytest-1.cpython-311.pyc", pep("a.b-pytest-1", "cpython-311", None, Pyc), &["a.b-pytest-1.py", "a.b-pytest-1.pyw"]),
            ("x-pytest-1.pyc", UnknownInPycache, &[]),
            // An empty tag before `-pytest-` is no pytest cache (pytest always writes one).
            ("x.-pytest-8.3.2.pyc", pep("x.-pytest-8.3", "2", None, Pyc), &["x.-pytest-8.3.py", "x.-pytest-8.3.pyw"]),
            // Interrupted atomic writes.
            ("x.cpython-311.pyc.12345", Leftover { inner: "x.cpython-311.pyc" }, &[]),
            ("x.cpython-311-pytest-8.3.2.pyc.4242", Leftover { inner: "x.cpython-311-pytest-8.3.2.pyc" }, &[]),
            ("x.cpython-34.pyo.7", Leftover { inner: "x.cpython-34.pyo" }, &[]),
            ("m.pyc.1", Leftover { inner: "m.pyc" }, &[]),
            ("x.pyc.", UnknownInPycache, &[]),
            ("x.pyc.12a", UnknownInPycache, &[]),
            ("x.PYC.12", UnknownInPycache, &[]),
            ("x.txt.123", UnknownInPycache, &[]),
            // Never written by CPython.
            ("m.pyc", UnknownInPycache, &[]),
            ("m.pyo", UnknownInPycache, &[]),
            ("foocpython-311.pyc", UnknownInPycache, &[]),
            ("foo..pyc", UnknownInPycache, &[]),
            ("foo.cpython-311..pyc", UnknownInPycache, &[]),
            ("Foo.CPYTHON-311.PYC", UnknownInPycache, &[]),
            ("foo.cpython-311.PYC", UnknownInPycache, &[]),
            ("foo.txt", UnknownInPycache, &[]),
            ("foo.py", UnknownInPycache, &[]),
            ("Foo$py.class", UnknownInPycache, &[]),
            (".pyc", UnknownInPycache, &[]),
            ("", UnknownInPycache, &[]),
        ];
        for (name, want, owners) in cases {
            assert_eq!(classify(name, true), Some(*want), "{name:?}");
            assert_eq!(candidates(name, true), *owners, "{name:?}");
        }
    }

    #[test]
    fn names_outside_pycache() {
        use Ext::{Pyc, Pyo};
        #[rustfmt::skip]
        let cases: &[(&str, Option<CacheName>, &[&str])] = &[
            ("foo.pyc", Some(Legacy { stem: "foo", ext: Pyc }), &["foo.py"]),
            ("foo.pyo", Some(Legacy { stem: "foo", ext: Pyo }), &["foo.py"]),
            ("__init__.pyc", Some(Legacy { stem: "__init__", ext: Pyc }), &["__init__.py"]),
            ("a.b.pyc", Some(Legacy { stem: "a.b", ext: Pyc }), &["a.b.py"]),
            ("py.pyc", Some(Legacy { stem: "py", ext: Pyc }), &["py.py"]),
            // A stray prefix-tree cache looks like a legacy file.
            ("foo.cpython-311.pyc", Some(Legacy { stem: "foo.cpython-311", ext: Pyc }), &["foo.cpython-311.py"]),
            ("Foo$py.class", Some(Jython { stem: "Foo" }), &["Foo.py"]),
            ("__init__$py.class", Some(Jython { stem: "__init__" }), &["__init__.py"]),
            ("$py.class", None, &[]),
            (".pyc", None, &[]),
            (".pyo", None, &[]),
            ("notes.pyc.txt", None, &[]),
            ("foo.pyc.123", None, &[]),
            ("foo.py", None, &[]),
            ("foo.pyd", None, &[]),
            ("foo.PYC", None, &[]),
            ("foo.class", None, &[]),
            ("pyc", None, &[]),
            ("", None, &[]),
        ];
        for (name, want, owners) in cases {
            assert_eq!(classify(name, false), *want, "{name:?}");
            assert_eq!(candidates(name, false), *owners, "{name:?}");
        }
    }

    #[test]
    fn names_as_bytes() {
        let name: &[u8] = b"\xff\xfe.cpython-311.opt-1.pyc";
        let got = classify_bytes(name, true);
        assert_eq!(
            got,
            Some(Pep3147 {
                stem: &b"\xff\xfe"[..],
                tag: &b"cpython-311"[..],
                opt: Some(&b"1"[..]),
                ext: Ext::Pyc
            })
        );
        let owners = got.map(|c| c.source_candidates());
        assert_eq!(
            owners,
            Some(vec![b"\xff\xfe.py".to_vec(), b"\xff\xfe.pyw".to_vec()])
        );
        // A non-UTF-8 level is not alphanumeric, so it is the tag.
        assert_eq!(
            classify_bytes(b"x.cpython-311.opt-\xff.pyc", true).and_then(|c| c.tag()),
            Some(&b"opt-\xff"[..])
        );
        assert_eq!(
            classify_bytes(b"\x80.pyc", false),
            Some(Legacy {
                stem: &b"\x80"[..],
                ext: Ext::Pyc
            })
        );
        assert_eq!(
            classify_bytes(b"\x80$py.class", false),
            Some(Jython { stem: &b"\x80"[..] })
        );
        assert_eq!(classify_bytes(b"\x80.pyc\xff", false), None);
        assert_eq!(
            classify_bytes(b"\x80.pyc.1", true),
            Some(Leftover {
                inner: &b"\x80.pyc"[..]
            })
        );
        assert_eq!(classify_bytes(b"\x80", true), Some(UnknownInPycache));
    }

    #[test]
    fn tags() {
        assert_eq!(
            in_cache_tag("foo.cpython-311.opt-2.pyc"),
            Some("cpython-311")
        );
        assert_eq!(
            in_cache_tag("t.cpython-311-pytest-8.3.2.pyc"),
            Some("cpython-311")
        );
        assert_eq!(in_cache_tag("m.pyc"), None);
        assert_eq!(classify("m.pyc", false).and_then(|c| c.tag()), None);

        let v = |major, minor| Some(PyVersion::new(major, minor));
        for (tag, want) in [
            ("cpython-311", v(3, 11)),
            ("cpython-36", v(3, 6)),
            ("cpython-27", v(2, 7)),
            ("cpython-314", v(3, 14)),
            ("pypy39", v(3, 9)),
            ("pypy310", v(3, 10)),
            ("pypy311", v(3, 11)),
            ("graalpy241-311", v(3, 11)),
            ("cpython-3", None),
            ("cpython-", None),
            ("cpython-3111", None),
            ("cpython-311x", None),
            ("cpython-09", None),
            ("pypy3", None),
            ("pypy", None),
            ("311", None),
            ("-311", None),
            ("", None),
        ] {
            assert_eq!(version_from_tag(tag), want, "{tag:?}");
        }
        for (tag, want) in [
            ("cpython-311", "cpython"),
            ("pypy39", "pypy"),
            ("graalpy241-311", "graalpy"),
            ("311", ""),
            ("", ""),
        ] {
            assert_eq!(implementation_of_tag(tag), want, "{tag:?}");
        }
        assert_eq!(PyVersion::new(3, 10).to_string(), "3.10");
        assert!(PyVersion::new(3, 9) < PyVersion::new(3, 10));
    }

    fn in_cache_tag(name: &str) -> Option<&str> {
        classify(name, true).and_then(|c| c.tag())
    }

    #[test]
    fn magic_numbers() {
        let v = |major, minor| Some(PyVersion::new(major, minor));
        #[rustfmt::skip]
        let cases = [
            (0, None), (112, None), (336, None), (2999, None),
            (3000, v(3, 0)), (3131, v(3, 0)), (3132, None), (3140, None),
            (3141, v(3, 1)), (3151, v(3, 1)), (3152, None),
            (3160, v(3, 2)), (3180, v(3, 2)), (3181, None),
            (3190, v(3, 3)), (3230, v(3, 3)), (3231, None),
            (3250, v(3, 4)), (3310, v(3, 4)), (3311, None),
            (3320, v(3, 5)), (3350, v(3, 5)), (3351, v(3, 5)), (3352, None),
            (3360, v(3, 6)), (3379, v(3, 6)), (3380, None),
            (3390, v(3, 7)), (3394, v(3, 7)), (3399, v(3, 7)),
            (3400, v(3, 8)), (3413, v(3, 8)), (3419, v(3, 8)),
            (3420, v(3, 9)), (3425, v(3, 9)), (3429, v(3, 9)),
            (3430, v(3, 10)), (3439, v(3, 10)), (3449, v(3, 10)),
            (3450, v(3, 11)), (3495, v(3, 11)), (3499, v(3, 11)),
            (3500, v(3, 12)), (3531, v(3, 12)), (3549, v(3, 12)),
            (3550, v(3, 13)), (3571, v(3, 13)), (3599, v(3, 13)),
            (3600, v(3, 14)), (3627, v(3, 14)), (3649, v(3, 14)),
            (3650, v(3, 15)), (3699, v(3, 15)), (3700, v(3, 16)),
            (7849, v(3, 98)), (7899, v(3, 99)), (7900, None), (20121, None),
            (50823, v(2, 0)), (50824, v(2, 0)), (60202, v(2, 1)), (60717, v(2, 2)),
            (62011, v(2, 3)), (62021, v(2, 3)), (62041, v(2, 4)), (62061, v(2, 4)),
            (62071, v(2, 5)), (62131, v(2, 5)), (62151, v(2, 6)), (62161, v(2, 6)),
            (62170, None), (62171, v(2, 7)), (62211, v(2, 7)), (62212, v(2, 7)), (62213, None),
            (u16::MAX, None),
        ];
        for (magic, want) in cases {
            assert_eq!(version_from_magic(magic), want, "{magic}");
        }
    }

    fn bytes_of(magic: u16, words: &[u32]) -> Vec<u8> {
        let mut out = magic.to_le_bytes().to_vec();
        out.extend_from_slice(b"\r\n");
        for w in words {
            out.extend_from_slice(&w.to_le_bytes());
        }
        out
    }

    #[test]
    fn headers() {
        let ts = |mtime, size| Validation::Timestamp { mtime, size };
        let hdr = |magic, version: Option<(u8, u8)>, flags, validation| Header {
            magic,
            version: version.map(|(a, b)| PyVersion::new(a, b)),
            flags,
            validation,
        };
        // 2.7: 8 bytes, exactly as on disk.
        let py27 = [0x03, 0xf3, 0x0d, 0x0a, 0x78, 0x56, 0x34, 0x12];
        assert_eq!(
            parse_header(&py27),
            Ok(hdr(62211, Some((2, 7)), 0, ts(0x1234_5678, None)))
        );
        // 3.0 and an early 3.3 alpha are 8 bytes too.
        assert_eq!(
            parse_header(&bytes_of(3131, &[7])),
            Ok(hdr(3131, Some((3, 0)), 0, ts(7, None)))
        );
        assert_eq!(
            parse_header(&bytes_of(3200, &[7])),
            Ok(hdr(3200, Some((3, 3)), 0, ts(7, None)))
        );
        // 3.6: 12 bytes; a 3.7 alpha before PEP 552 too.
        assert_eq!(
            parse_header(&bytes_of(3379, &[1_700_000_000, 42])),
            Ok(hdr(3379, Some((3, 6)), 0, ts(1_700_000_000, Some(42))))
        );
        assert_eq!(
            parse_header(&bytes_of(3391, &[5, 6])),
            Ok(hdr(3391, Some((3, 7)), 0, ts(5, Some(6))))
        );
        // 3.12 and 3.14: 16 bytes, every flag combination.
        for (magic, version) in [(3531, (3, 12)), (3627, (3, 14)), (3394, (3, 7))] {
            assert_eq!(
                parse_header(&bytes_of(magic, &[0, 10, 20])),
                Ok(hdr(magic, Some(version), 0, ts(10, Some(20))))
            );
            assert_eq!(
                parse_header(&bytes_of(magic, &[2, 10, 20])),
                Ok(hdr(magic, Some(version), 2, ts(10, Some(20))))
            );
            let hash = [1, 2, 3, 4, 5, 6, 7, 8];
            let mut raw = bytes_of(magic, &[1]);
            raw.extend_from_slice(&hash);
            let unchecked = Validation::Hash {
                checked: false,
                hash,
            };
            assert_eq!(
                parse_header(&raw),
                Ok(hdr(magic, Some(version), 1, unchecked))
            );
            raw[4] = 3;
            let checked = Validation::Hash {
                checked: true,
                hash,
            };
            assert_eq!(
                parse_header(&raw),
                Ok(hdr(magic, Some(version), 3, checked))
            );
            // The marshalled body after the header is ignored.
            raw.extend_from_slice(b"\xe3body");
            assert_eq!(
                parse_header(&raw),
                Ok(hdr(magic, Some(version), 3, checked))
            );
        }
        // PyPy3: magic below 3000, no version, PEP 552 layout.
        assert_eq!(
            parse_header(&bytes_of(336, &[0, 10, 20])),
            Ok(hdr(336, None, 0, ts(10, Some(20))))
        );
    }

    #[test]
    fn bad_headers() {
        let truncated = |len, need| Err(HeaderError::Truncated { len, need });
        assert_eq!(parse_header(b""), Err(HeaderError::Empty));
        assert_eq!(parse_header(&[0x03, 0xf3, 0x0d]), truncated(3, 4));
        assert_eq!(
            parse_header(&[0x03, 0xf3, 0x0d, 0x0a, 0, 0, 0]),
            truncated(7, 8)
        );
        assert_eq!(parse_header(&bytes_of(3379, &[1])), truncated(8, 12));
        assert_eq!(
            parse_header(&bytes_of(3379, &[1, 2])[..11]),
            truncated(11, 12)
        );
        assert_eq!(parse_header(&bytes_of(3531, &[0, 1])), truncated(12, 16));
        assert_eq!(
            parse_header(&bytes_of(3531, &[0, 1, 2])[..15]),
            truncated(15, 16)
        );
        assert_eq!(
            parse_header(b"hello, world!!!!"),
            Err(HeaderError::BadMagic(*b"hell"))
        );
        assert_eq!(
            parse_header(&[0x03, 0xf3, 0x0a, 0x0d, 0, 0, 0, 0]),
            Err(HeaderError::BadMagic([0x03, 0xf3, 0x0a, 0x0d]))
        );
        assert_eq!(
            parse_header(b"\xca\xfe\xba\xbe\0\0\0\x34"),
            Err(HeaderError::BadMagic([0xca, 0xfe, 0xba, 0xbe]))
        );
        for flags in [4, 5, 0x8000_0000, u32::MAX] {
            assert_eq!(
                parse_header(&bytes_of(3531, &[flags, 0, 0])),
                Err(HeaderError::BadFlags(flags))
            );
        }
        assert_eq!(
            HeaderError::BadMagic(*b"hell").to_string(),
            "not bytecode: bad magic [68, 65, 6c, 6c]"
        );
        assert_eq!(HeaderError::BadFlags(4).to_string(), "invalid flags 0x4");
        assert_eq!(
            truncated(3, 4).unwrap_err().to_string(),
            "truncated header: 3 bytes, need 4"
        );
    }

    #[test]
    fn staleness() {
        let parsed = |raw: Vec<u8>| parse_header(&raw).expect("valid header");
        let modern = parsed(bytes_of(3531, &[0, 1000, 10]));
        assert_eq!(modern.is_stale_timestamp(1000, 10), Some(false));
        assert_eq!(modern.is_stale_timestamp(1001, 10), Some(true));
        assert_eq!(modern.is_stale_timestamp(1000, 11), Some(true));
        // Both fields are compared modulo 2**32, like `& 0xFFFFFFFF` in importlib.
        assert_eq!(
            modern.is_stale_timestamp((1 << 32) + 1000, (1 << 32) + 10),
            Some(false)
        );
        let negative = parsed(bytes_of(3531, &[0, u32::MAX, 0]));
        assert_eq!(negative.is_stale_timestamp(-1, 0), Some(false));
        // Before 3.3 there is no size field.
        let py27 = parsed(bytes_of(62211, &[1000]));
        assert_eq!(py27.is_stale_timestamp(1000, 99), Some(false));
        assert_eq!(py27.is_stale_timestamp(999, 99), Some(true));
        let hashed = parsed(bytes_of(3531, &[3, 0, 0]));
        assert_eq!(hashed.is_stale_timestamp(0, 0), None);
    }

    #[test]
    fn siphash_reference_vectors() {
        // From the SipHash paper / reference implementation (vectors.h), key 00..0f.
        let k0 = u64::from_le_bytes([0, 1, 2, 3, 4, 5, 6, 7]);
        let k1 = u64::from_le_bytes([8, 9, 10, 11, 12, 13, 14, 15]);
        let message: Vec<u8> = (0..64).collect();
        for (len, want) in [
            (0, 0x726f_db47_dd0e_0e31),
            (1, 0x74f8_39c5_93dc_67fd),
            (2, 0x0d6c_8009_d9a9_4f5a),
            (3, 0x8567_6696_d7fb_7e2d),
            (15, 0xa129_ca61_49be_45e5),
        ] {
            assert_eq!(siphash(2, 4, k0, k1, &message[..len]), want, "len {len}");
        }
    }

    /// Runs the real `python3` once: `cache_from_source` for tricky names, `source_hash`
    /// for several lengths, and `py_compile` in all three invalidation modes.
    #[test]
    fn differential_against_cpython() {
        const SCRIPT: &str = r#"
import importlib.util as u, os, py_compile as pc, sys
sys.stdout.reconfigure(encoding="utf-8")
d = sys.argv[1]
print("V", *sys.version_info[:2], sys.implementation.cache_tag, u.MAGIC_NUMBER.hex(), sep="\t")
for n in sys.argv[2:]:
    for o in ("", 1, 2, "a1", "\u0661"):
        print("C", n, o, os.path.basename(u.cache_from_source(os.path.join(d, n), optimization=o)), sep="\t")
data = bytes(range(256)) * 2
for n in (0, 1, 7, 8, 9, 15, 16, 17, 100, 512):
    print("H", n, u.source_hash(data[:n]).hex(), sep="\t")
src = os.path.join(d, "m.py")
with open(src, "wb") as f:
    f.write(b"x = 1\n")
st = os.stat(src)
print("S", int(st.st_mtime) & 0xFFFFFFFF, st.st_size & 0xFFFFFFFF, u.source_hash(b"x = 1\n").hex(), sep="\t")
for mode in pc.PycInvalidationMode:
    out = os.path.join(d, mode.name + ".pyc")
    pc.compile(src, cfile=out, invalidation_mode=mode, doraise=True)
    print("P", mode.name, out, sep="\t")
"#;
        const SOURCES: &[&str] = &[
            "foo.py",
            "foo.pyw",
            "foo.bar.py",
            "a.b.c.pyw",
            ".hidden.py",
            ".py",
            ".pyw",
            "py.py",
            "pyw.pyw",
            "pyw.py",
            "__init__.py",
            "__main__.py",
            "foo..py",
            "..py",
            "...py",
            "-.py",
            "my-mod.py",
            "test_x.py",
            "\u{fc}n\u{ef}c\u{f6}d\u{e9}.py",
            "\u{65e5}\u{672c}.py",
            "a b.py",
            "foo.py.py",
            "x.cpython-311.py",
            "opt-1.py",
            "foo.opt-1.py",
            "a.opt-2.opt-1.py",
            "$py.class.py",
            "foo.pyc.py",
            "__pycache__.py",
            "-pytest-1.py",
            "t.cpython-311-pytest-8.py",
        ];
        let dir = tempfile::tempdir().expect("tempdir");
        let output = std::process::Command::new("python3")
            .arg("-c")
            .arg(SCRIPT)
            .arg(dir.path())
            .args(SOURCES)
            .env_remove("PYTHONPYCACHEPREFIX")
            .output()
            .expect("python3 must be installed (SPEC §1)");
        assert!(
            output.status.success(),
            "python3 failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let stdout = String::from_utf8(output.stdout).expect("utf-8 output");

        let mut python = None;
        let mut magic = 0;
        let mut tag = String::new();
        let (mut names, mut hashes, mut pycs) = (0, 0, 0);
        let mut stat = None;
        for line in stdout.lines() {
            let fields: Vec<&str> = line.split('\t').collect();
            match fields[..] {
                ["V", major, minor, cache_tag, magic_hex] => {
                    python = Some(PyVersion::new(
                        major.parse().expect("major"),
                        minor.parse().expect("minor"),
                    ));
                    tag = cache_tag.to_owned();
                    assert_eq!(version_from_tag(&tag), python);
                    let magic_bytes = u32::from_str_radix(magic_hex, 16)
                        .expect("hex")
                        .to_be_bytes();
                    magic = parse_header(&[&magic_bytes[..], &[0; 12]].concat())
                        .expect("magic")
                        .magic;
                    assert_eq!(version_from_magic(magic), python);
                }
                ["C", source, opt, cache] => {
                    names += 1;
                    assert_eq!(model_cache_name(source, &tag, opt), cache);
                    let parsed = classify(cache, true).expect("in __pycache__");
                    assert_eq!(parsed.tag(), Some(tag.as_str()), "{cache}");
                    let owners = parsed.source_candidates();
                    assert!(owners.iter().any(|o| o == source), "{cache}: {owners:?}");
                    for owner in &owners {
                        assert_eq!(model_cache_name(owner, &tag, opt), cache, "{owner}");
                    }
                }
                ["H", len, hex] => {
                    hashes += 1;
                    let data: Vec<u8> = (0..=255).cycle().take(len.parse().expect("len")).collect();
                    assert_eq!(to_hex(&source_hash(magic, &data)), hex, "len {len}");
                }
                ["S", mtime, size, hex] => {
                    assert_eq!(to_hex(&source_hash(magic, b"x = 1\n")), hex);
                    stat = Some((
                        mtime.parse::<i64>().expect("mtime"),
                        size.parse::<u64>().expect("size"),
                    ));
                }
                ["P", mode, path] => {
                    pycs += 1;
                    let (mtime, size) = stat.expect("S line first");
                    let raw = std::fs::read(path).expect("pyc written");
                    let header = parse_header(&raw[..MAX_HEADER_LEN]).expect("valid header");
                    assert_eq!(header.version, python);
                    assert_eq!(header.magic, magic);
                    let expected_hash = source_hash(header.magic, b"x = 1\n");
                    let (flags, validation) = match mode {
                        "TIMESTAMP" => (
                            0,
                            Validation::Timestamp {
                                mtime: mtime as u32,
                                size: Some(size as u32),
                            },
                        ),
                        "CHECKED_HASH" => (
                            3,
                            Validation::Hash {
                                checked: true,
                                hash: expected_hash,
                            },
                        ),
                        "UNCHECKED_HASH" => (
                            1,
                            Validation::Hash {
                                checked: false,
                                hash: expected_hash,
                            },
                        ),
                        other => panic!("unknown mode {other}"),
                    };
                    assert_eq!(
                        (header.flags, header.validation),
                        (flags, validation),
                        "{mode}"
                    );
                    let stale = header.is_stale_timestamp(mtime, size);
                    assert_eq!(stale, (mode == "TIMESTAMP").then_some(false));
                    if mode == "TIMESTAMP" {
                        assert_eq!(header.is_stale_timestamp(mtime + 1, size), Some(true));
                    }
                }
                _ => panic!("unexpected line {line:?}"),
            }
        }
        assert_eq!(names, SOURCES.len() * 5);
        assert_eq!((hashes, pycs), (10, 3));
    }

    fn to_hex(bytes: &[u8]) -> String {
        bytes.iter().map(|b| format!("{b:02x}")).collect()
    }

    fn tag_strategy() -> impl Strategy<Value = String> {
        // Tags never contain a dot; ones that look like `opt-<alnum>` are excluded (ambiguous).
        "[a-z]{1,8}(-3[1-9][0-9]|3[5-9])?".prop_filter("not opt-", |t| !t.starts_with("opt-"))
    }

    proptest! {
        #[test]
        fn parse_header_never_panics(bytes in proptest::collection::vec(any::<u8>(), 0..64)) {
            if let Ok(header) = parse_header(&bytes) {
                prop_assert!(bytes.len() >= 8);
                let _ = header.is_stale_timestamp(0, 0);
            }
        }

        #[test]
        fn classify_str_never_panics(name in any::<String>(), in_pycache in any::<bool>()) {
            let parsed = classify(&name, in_pycache);
            let _ = parsed.map(|c| c.source_candidates());
            let as_bytes = classify_bytes(name.as_bytes(), in_pycache);
            prop_assert_eq!(
                parsed.map(|c| c.source_candidates()),
                as_bytes.map(|c| c.source_candidates()).map(|v| v.into_iter()
                    .map(|o| String::from_utf8(o).expect("utf-8 in, utf-8 out")).collect())
            );
        }

        #[test]
        fn classify_shaped_str_never_panics(
            name in "[a-z.\\-$0-9]{0,6}(\\.pyc|\\.pyo|-pytest-|\\.opt-|\\.)[a-z.0-9\\-]{0,6}(\\.pyc|\\.pyo|\\$py\\.class|\\.[0-9]{1,3})?",
            in_pycache in any::<bool>(),
        ) {
            if let Some(parsed) = classify(&name, in_pycache) {
                let _ = parsed.source_candidates();
            }
        }

        #[test]
        fn classify_bytes_never_panics(
            name in proptest::collection::vec(any::<u8>(), 0..40),
            suffix in prop_oneof![
                Just(&b""[..]), Just(&b".pyc"[..]), Just(&b".cpython-311.pyc"[..]),
                Just(&b".opt-1.pyc"[..]), Just(&b"-pytest-8.pyc"[..]), Just(&b".pyo.12"[..]),
                Just(&b"$py.class"[..]),
            ],
            in_pycache in any::<bool>(),
        ) {
            let name = [&name[..], suffix].concat();
            if let Some(parsed) = classify_bytes(&name, in_pycache) {
                let joined: Vec<Vec<u8>> =
                    parsed.candidate_parts().map(|(stem, suffix)| [stem, suffix].concat()).collect();
                prop_assert_eq!(joined, parsed.source_candidates());
                let _ = parsed.tag();
            }
        }

        /// cache_from_source(S) classifies back to a cache owned by S, and every candidate
        /// maps to exactly that cache name.
        #[test]
        fn cache_names_round_trip(
            stem in "[a-zA-Z0-9_. \\-\u{e9}\u{65e5}]{0,10}",
            suffix in prop_oneof![Just(".py"), Just(".pyw")],
            tag in tag_strategy(),
            opt in "|1|2|[a-z0-9]{1,3}",
        ) {
            let source = format!("{stem}{suffix}");
            let cache = model_cache_name(&source, &tag, &opt);
            let parsed = classify(&cache, true);
            let owners = parsed.map(|c| c.source_candidates()).unwrap_or_default();
            prop_assert!(owners.contains(&source), "{} -> {}: {:?}", source, cache, owners);
            for owner in &owners {
                prop_assert_eq!(&model_cache_name(owner, &tag, &opt), &cache);
            }
            prop_assert_eq!(parsed.and_then(|c| c.tag()), Some(tag.as_str()));
        }

        /// The reverse: whatever a random `__pycache__` name parses to, its candidates are exact.
        #[test]
        fn candidates_are_exact(
            name in "[a-z.]{0,4}\\.(cpython-3[1-9][0-9]|pypy3[5-9]|opt-[0-9])(\\.opt-[a-z0-9]{0,2})?\\.pyc",
        ) {
            if let Some(Pep3147 { tag, opt, .. }) = classify(&name, true) {
                for owner in classify(&name, true).map(|c| c.source_candidates()).unwrap_or_default() {
                    prop_assert_eq!(model_cache_name(&owner, tag, opt.unwrap_or("")), name.clone());
                }
            }
        }
    }
}
