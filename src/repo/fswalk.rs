//! A parallel folder walk over the platform's [`Dir`]. Each folder is opened
//! relative to its parent and listed whole before its visitor runs, so the visitor
//! can judge a folder by its full listing (a virtualenv holds `pyvenv.cfg`) and
//! open or stat its files with one-component lookups. On Unix (`openat` and
//! `getdents64`) it does half the system work of a walk that resolves every folder
//! from the root.

use std::io;
use std::path::Path;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};

pub use crate::platform::Kind;
use crate::platform::{Dir, Lister};

/// Descriptors kept for the process besides the walk's own: standard streams, the
/// pipes of the git processes running alongside, and slack.
const RESERVED_FDS: usize = 32;
/// Descriptors each walker thread has open at once: its folder and one file in it.
const FDS_PER_THREAD: usize = 2;
/// More held parents than this buys nothing: a busy walk holds a few dozen.
const MAX_HELD_PARENTS: usize = 1024;

/// A folder's entries (without `.` and `..`), names packed in one buffer.
#[derive(Debug, Default)]
pub struct Listing {
    names: Vec<u8>,
    entries: Vec<(usize, usize, Kind)>,
}

impl Listing {
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// Name and kind of entry `i`.
    pub fn get(&self, i: usize) -> (&[u8], Kind) {
        let (start, end, kind) = self.entries[i];
        (&self.names[start..end], kind)
    }

    pub fn iter(&self) -> impl Iterator<Item = (&[u8], Kind)> + '_ {
        (0..self.len()).map(|i| self.get(i))
    }

    pub fn contains(&self, name: &[u8]) -> bool {
        self.iter().any(|(n, _)| n == name)
    }

    fn clear(&mut self) {
        self.names.clear();
        self.entries.clear();
    }

    fn push(&mut self, name: &[u8], kind: Kind) {
        let start = self.names.len();
        self.names.extend_from_slice(name);
        self.entries.push((start, self.names.len(), kind));
    }
}

/// One listed folder, as its visitor sees it.
pub struct Folder<'a> {
    /// Relative to the root, `/`-separated; empty for the root.
    pub path: &'a [u8],
    pub depth: usize,
    /// The folder, open while the visitor runs: open or stat its entries through it.
    pub dir: &'a Dir,
    pub listing: &'a Listing,
}

impl Folder<'_> {
    /// The folder's own name; empty for the root.
    pub fn name(&self) -> &[u8] {
        self.path.rsplit(|b| *b == b'/').next().unwrap_or_default()
    }
}

/// What a walk does with each folder; one visitor per thread.
pub trait Visitor: Send {
    /// Look at a folder's listing and push the indices of the entries (folders) to
    /// descend into.
    fn visit(&mut self, folder: &Folder<'_>, descend: &mut Vec<usize>);
    /// A folder that could not be opened or listed.
    fn error(&mut self, path: &[u8], error: io::Error);
}

/// A folder waiting to be listed.
struct Job {
    path: Vec<u8>,
    depth: usize,
    /// The parent's descriptor, to open this folder by its name alone; `None` opens
    /// it from the root (the root itself, or when the budget of held parents is spent).
    parent: Option<Arc<HeldFd>>,
}

/// A parent folder's descriptor held open for its queued children, counted against
/// the walk's budget: a deep tree must not exhaust the process's descriptors.
struct HeldFd {
    dir: Dir,
    held: Arc<AtomicUsize>,
}

impl Drop for HeldFd {
    fn drop(&mut self) {
        self.held.fetch_sub(1, Ordering::Relaxed);
    }
}

#[derive(Default)]
struct Queue {
    jobs: Vec<Job>,
    /// Jobs queued or being worked on; the walk ends when it reaches zero.
    pending: usize,
    /// A visitor panicked: everyone stops, and the panic reaches the caller.
    aborted: bool,
}

struct Shared {
    root: Dir,
    queue: Mutex<Queue>,
    ready: Condvar,
    /// Parent descriptors held now, how many may be, and the most held at once.
    held: Arc<AtomicUsize>,
    max_held: usize,
    peak_held: AtomicUsize,
}

/// Walk `root` on `threads` threads, never following symlinks; returns the visitors.
pub fn walk<V: Visitor>(
    root: &Path,
    threads: usize,
    make_visitor: impl Fn() -> V,
) -> io::Result<Vec<V>> {
    let threads = threads.max(1);
    let budget = crate::platform::open_file_limit()
        .saturating_sub(RESERVED_FDS + FDS_PER_THREAD * threads)
        .min(MAX_HELD_PARENTS);
    walk_counted(root, threads, budget, make_visitor).map(|(visitors, _)| visitors)
}

/// The walk, and the most parent descriptors it held at once.
fn walk_counted<V: Visitor>(
    root: &Path,
    threads: usize,
    max_held: usize,
    make_visitor: impl Fn() -> V,
) -> io::Result<(Vec<V>, usize)> {
    let root = Dir::open(root)?;
    let shared = Shared {
        root,
        queue: Mutex::new(Queue {
            jobs: vec![Job {
                path: Vec::new(),
                depth: 0,
                parent: None,
            }],
            pending: 1,
            aborted: false,
        }),
        ready: Condvar::new(),
        held: Arc::default(),
        max_held,
        peak_held: AtomicUsize::new(0),
    };
    let mut visitors: Vec<V> = (0..threads.max(1)).map(|_| make_visitor()).collect();
    std::thread::scope(|s| {
        let (first, others) = visitors.split_first_mut().expect("at least one visitor");
        for visitor in others {
            let shared = &shared;
            s.spawn(move || work(shared, visitor));
        }
        work(&shared, first);
    });
    Ok((visitors, shared.peak_held.into_inner()))
}

/// Stops the other threads if this one unwinds, so a panic ends the walk (and
/// reaches the caller) instead of leaving them waiting for its jobs forever.
struct AbortOnPanic<'a>(&'a Shared);

impl Drop for AbortOnPanic<'_> {
    fn drop(&mut self) {
        if std::thread::panicking() {
            lock(&self.0.queue).aborted = true;
            self.0.ready.notify_all();
        }
    }
}

/// Take jobs until none are left anywhere.
fn work<V: Visitor>(shared: &Shared, visitor: &mut V) {
    let _guard = AbortOnPanic(shared);
    let mut listing = Listing::default();
    let mut lister = Lister::default();
    let mut descend = Vec::new();
    let mut children = Vec::new();
    loop {
        let job = {
            let mut queue = lock(&shared.queue);
            loop {
                if queue.aborted {
                    return;
                }
                if let Some(job) = queue.jobs.pop() {
                    break job;
                }
                if queue.pending == 0 {
                    return;
                }
                queue = shared.ready.wait(queue).unwrap_or_else(|e| e.into_inner());
            }
        };
        visit(
            shared,
            visitor,
            job,
            &mut listing,
            &mut lister,
            &mut descend,
            &mut children,
        );
        let mut queue = lock(&shared.queue);
        let added = children.len();
        queue.jobs.append(&mut children);
        queue.pending = queue.pending + added - 1;
        if queue.pending == 0 || added > 1 {
            shared.ready.notify_all();
        } else if added == 1 {
            shared.ready.notify_one();
        }
    }
}

fn visit<V: Visitor>(
    shared: &Shared,
    visitor: &mut V,
    job: Job,
    listing: &mut Listing,
    lister: &mut Lister,
    descend: &mut Vec<usize>,
    children: &mut Vec<Job>,
) {
    let dir = open_folder(shared, &job);
    // Open (or not): the parent's descriptor is no longer needed by this job.
    drop(job.parent);
    let dir = match dir {
        Ok(dir) => dir,
        Err(err) => return visitor.error(&job.path, err),
    };
    listing.clear();
    if let Err(err) = lister.list(&dir, |name, kind| listing.push(name, kind)) {
        return visitor.error(&job.path, err);
    }
    descend.clear();
    visitor.visit(
        &Folder {
            path: &job.path,
            depth: job.depth,
            dir: &dir,
            listing,
        },
        descend,
    );
    if descend.is_empty() {
        return;
    }
    let depth = job.depth + 1;
    // Hold this folder open for its children while the budget allows; past it they
    // are opened from the root (slower, but never out of descriptors).
    let held = shared.held.fetch_add(1, Ordering::Relaxed);
    let parent = if held < shared.max_held {
        shared.peak_held.fetch_max(held + 1, Ordering::Relaxed);
        Some(Arc::new(HeldFd {
            dir,
            held: Arc::clone(&shared.held),
        }))
    } else {
        shared.held.fetch_sub(1, Ordering::Relaxed);
        None
    };
    for &i in descend.iter() {
        let (name, _) = listing.get(i);
        let mut path = Vec::with_capacity(job.path.len() + 1 + name.len());
        path.extend_from_slice(&job.path);
        if !path.is_empty() {
            path.push(b'/');
        }
        path.extend_from_slice(name);
        children.push(Job {
            path,
            depth,
            parent: parent.clone(),
        });
    }
}

/// Open a queued folder by its name in its parent, or from the root; never
/// through a symlink (a folder swapped for one while walking is an error).
fn open_folder(shared: &Shared, job: &Job) -> io::Result<Dir> {
    match &job.parent {
        Some(parent) => parent.dir.open_at(last_component(&job.path)),
        // The root itself: a second handle, so the job owns what it lists.
        None if job.path.is_empty() => shared.root.try_clone(),
        None => shared.root.open_at(&job.path),
    }
}

fn last_component(path: &[u8]) -> &[u8] {
    path.rsplit(|b| *b == b'/').next().unwrap_or_default()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Records every folder and file path it sees, descending everywhere.
    #[derive(Default)]
    struct Record {
        seen: Vec<String>,
        errors: Vec<String>,
    }

    impl Visitor for Record {
        fn visit(&mut self, folder: &Folder<'_>, descend: &mut Vec<usize>) {
            for (i, (name, kind)) in folder.listing.iter().enumerate() {
                let mut path = folder.path.to_vec();
                if !path.is_empty() {
                    path.push(b'/');
                }
                path.extend_from_slice(name);
                let path = String::from_utf8_lossy(&path).into_owned();
                self.seen.push(format!("{path} {kind:?}"));
                if kind == Kind::Dir {
                    descend.push(i);
                }
            }
        }
        fn error(&mut self, path: &[u8], error: io::Error) {
            self.errors
                .push(format!("{}: {error}", String::from_utf8_lossy(path)));
        }
    }

    fn walk_all(root: &Path, threads: usize, max_held: usize) -> (Vec<String>, Vec<String>) {
        let visitors = walk_counted(root, threads, max_held, Record::default)
            .map(|(v, _)| v)
            .unwrap();
        let mut seen: Vec<String> = visitors.iter().flat_map(|v| v.seen.clone()).collect();
        let errors = visitors.iter().flat_map(|v| v.errors.clone()).collect();
        seen.sort();
        (seen, errors)
    }

    #[test]
    fn sees_every_entry_once_and_never_follows_symlinks() {
        let tmp = tempfile::tempdir().unwrap();
        let root = tmp.path();
        let mut expected = Vec::new();
        // Deeper than the smaller budget below, so both ways of opening a folder are used.
        let mut deep = String::from("deep");
        for level in 0..60 {
            std::fs::create_dir_all(root.join(&deep)).unwrap();
            expected.push(format!("{deep} Dir"));
            std::fs::write(root.join(&deep).join("f.py"), "").unwrap();
            expected.push(format!("{deep}/f.py File"));
            deep = format!("{deep}/d{level}");
        }
        for w in 0..40 {
            std::fs::create_dir_all(root.join(format!("wide/w{w}"))).unwrap();
            expected.push(format!("wide/w{w} Dir"));
        }
        expected.push("wide Dir".into());
        let outside = tempfile::tempdir().unwrap();
        std::fs::write(outside.path().join("secret.py"), "").unwrap();
        #[cfg(unix)]
        {
            crate::platform::test_support::symlink(outside.path(), root.join("link")).unwrap();
            expected.push("link Symlink".into());
        }
        expected.sort();
        for (threads, max_held) in [(1, 1024), (2, 1024), (4, 1024), (2, 3), (3, 0)] {
            let (seen, errors) = walk_all(root, threads, max_held);
            assert_eq!(seen, expected, "{threads} threads, {max_held} held");
            assert!(errors.is_empty(), "{errors:?}");
        }
    }

    /// Never more parents held than the budget, whatever the tree's shape; and a
    /// budget of one or none still walks everything.
    #[test]
    fn held_descriptors_stay_within_the_budget() {
        let tmp = tempfile::tempdir().unwrap();
        let mut deep = tmp.path().to_path_buf();
        for level in 0..40 {
            deep.push(format!("d{level}"));
            for x in 0..5 {
                std::fs::create_dir_all(deep.join(format!("x{x}"))).unwrap();
            }
        }
        for (threads, max_held) in [(2, 0), (2, 1), (2, 5), (4, 7), (1, 1024)] {
            let (visitors, peak) =
                walk_counted(tmp.path(), threads, max_held, Record::default).unwrap();
            assert!(peak <= max_held, "{peak} held, budget {max_held}");
            let seen: usize = visitors.iter().map(|v| v.seen.len()).sum();
            assert_eq!(seen, 40 * 6, "{threads} threads, budget {max_held}");
        }
    }

    /// The panic reaches the caller (whichever thread hit it); the walk never hangs.
    #[test]
    fn a_panicking_visitor_ends_the_walk() {
        struct Panics;
        impl Visitor for Panics {
            fn visit(&mut self, folder: &Folder<'_>, descend: &mut Vec<usize>) {
                if folder.name() == b"boom" {
                    panic!("visitor failed");
                }
                descend.extend(0..folder.listing.len());
            }
            fn error(&mut self, _: &[u8], _: io::Error) {}
        }
        let tmp = tempfile::tempdir().unwrap();
        for i in 0..50 {
            std::fs::create_dir_all(tmp.path().join(format!("a{i}/b"))).unwrap();
        }
        std::fs::create_dir_all(tmp.path().join("a7/boom")).unwrap();
        let root = tmp.path().to_owned();
        let (done, ended) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            let outcome = std::panic::catch_unwind(|| walk(&root, 3, || Panics).is_ok());
            done.send(outcome.is_err()).unwrap();
        });
        let panicked = ended
            .recv_timeout(std::time::Duration::from_secs(60))
            .expect("the walk hung after a visitor panicked");
        assert!(panicked, "the panic did not reach the caller");
    }

    #[test]
    fn a_missing_root_is_an_error() {
        let tmp = tempfile::tempdir().unwrap();
        let missing = tmp.path().join("missing");
        assert!(walk(&missing, 2, Record::default).is_err());
    }
}
