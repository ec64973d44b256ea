//! A tiny test-repo builder (fd's `TestEnv`, ruff's `CliTest`).

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use serde_json::Value;
use tempfile::TempDir;

pub struct Repo {
    _dir: TempDir,
    pub root: PathBuf,
}

/// The result of one run of the binary.
#[derive(Debug)]
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    pub fn json(&self) -> Value {
        serde_json::from_str(&self.stdout)
            .unwrap_or_else(|e| panic!("bad JSON ({e}):\n{}", self.stdout))
    }

    /// `(path, message)` of every diagnostic, in report order.
    pub fn messages(&self) -> Vec<(String, String)> {
        self.json()["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["path"].as_str().unwrap().to_owned(),
                    d["message"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }

    /// The run failed as a tool error (exit 2) saying `text` on stderr.
    pub fn assert_error(&self, text: &str) {
        assert_eq!(
            self.code, 2,
            "stdout: {}\nstderr: {}",
            self.stdout, self.stderr
        );
        assert!(
            self.stderr.contains(text),
            "expected {text:?} in:\n{}",
            self.stderr
        );
    }

    /// `(code, path)` of every diagnostic, in report order.
    pub fn findings(&self) -> Vec<(String, String)> {
        self.json()["diagnostics"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["code"].as_str().unwrap().to_owned(),
                    d["path"].as_str().unwrap().to_owned(),
                )
            })
            .collect()
    }
}

/// Keep the machine's git configuration (global excludes, hooks) out of tests.
pub fn isolate(cmd: &mut Command) -> &mut Command {
    cmd.env("GIT_CONFIG_GLOBAL", "/dev/null")
        .env("GIT_CONFIG_NOSYSTEM", "1")
        .env("GIT_AUTHOR_NAME", "Test")
        .env("GIT_AUTHOR_EMAIL", "test@example.com")
        .env("GIT_COMMITTER_NAME", "Test")
        .env("GIT_COMMITTER_EMAIL", "test@example.com")
        .env_remove("NO_COLOR")
        .env_remove("GIT_DIR")
        .env_remove("GIT_WORK_TREE")
        .env_remove("GIT_INDEX_FILE")
}

pub fn bin() -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_pyhygiene"));
    isolate(&mut cmd);
    cmd
}

pub fn output_to_run(output: Output) -> Run {
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

impl Repo {
    /// An empty git repository with one commit-ready `.gitignore`-less tree.
    pub fn new() -> Repo {
        let repo = Repo::plain();
        repo.git(["init", "-q", "-b", "main"]);
        repo
    }

    /// A folder that is not a git repository.
    pub fn plain() -> Repo {
        let dir = tempfile::Builder::new().prefix("pyh-").tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        Repo { _dir: dir, root }
    }

    pub fn path(&self, rel: impl AsRef<Path>) -> PathBuf {
        self.root.join(rel)
    }

    pub fn write(&self, rel: impl AsRef<Path>, contents: impl AsRef<[u8]>) -> &Repo {
        let path = self.path(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, contents).unwrap();
        self
    }

    pub fn remove(&self, rel: impl AsRef<Path>) -> &Repo {
        std::fs::remove_file(self.path(rel)).unwrap();
        self
    }

    /// Run git in the repository; panics on failure.
    pub fn git<I, S>(&self, args: I) -> String
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new("git");
        isolate(&mut cmd);
        let output = cmd.current_dir(&self.root).args(args).output().unwrap();
        assert!(
            output.status.success(),
            "git failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        String::from_utf8_lossy(&output.stdout).into_owned()
    }

    /// `git add -f` (force: caches are usually ignored).
    pub fn add(&self, paths: &[&str]) -> &Repo {
        let mut args = vec!["add", "-f", "--"];
        args.extend(paths);
        self.git(args);
        self
    }

    pub fn commit(&self, message: &str) -> &Repo {
        self.git(["commit", "-q", "--allow-empty", "-m", message]);
        self
    }

    /// The `.gitignore` a well-kept Python repository has.
    pub fn with_gitignore(&self) -> &Repo {
        self.write(".gitignore", "__pycache__/\n*.py[cod]\n*$py.class\n");
        self.add(&[".gitignore"])
    }

    /// Run pyhygiene with the repository as the current folder.
    pub fn run<I, S>(&self, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        self.run_in(".", args)
    }

    pub fn run_in<I, S>(&self, cwd: impl AsRef<Path>, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        output_to_run(
            bin()
                .current_dir(self.path(cwd))
                .args(args)
                .output()
                .unwrap(),
        )
    }
}

impl Repo {
    /// Run pyhygiene through `sh -c SCRIPT`, where the script ends by running
    /// `"$@"` (the binary and `args`): to set limits such as `ulimit -n` first.
    #[cfg(unix)]
    pub fn run_under<I, S>(&self, script: &str, args: I) -> Run
    where
        I: IntoIterator<Item = S>,
        S: AsRef<OsStr>,
    {
        let mut cmd = Command::new("sh");
        isolate(&mut cmd);
        cmd.current_dir(&self.root)
            .arg("-c")
            .arg(script)
            .arg("sh")
            .arg(env!("CARGO_BIN_EXE_pyhygiene"))
            .args(args);
        output_to_run(cmd.output().unwrap())
    }
}

/// Owned `(code, path)` pairs from literals, for comparisons.
pub fn pairs(items: &[(&str, &str)]) -> Vec<(String, String)> {
    items
        .iter()
        .map(|(c, p)| ((*c).to_owned(), (*p).to_owned()))
        .collect()
}

/// Everything on disk under a folder (files by content, symlinks by target, folders),
/// `.git` left out; compare two snapshots to prove what changed and nothing else.
pub fn snapshot(root: &Path) -> std::collections::BTreeMap<PathBuf, String> {
    fn visit(root: &Path, dir: &Path, out: &mut std::collections::BTreeMap<PathBuf, String>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let entry = entry.unwrap();
            let path = entry.path();
            let rel = path.strip_prefix(root).unwrap().to_owned();
            if rel == Path::new(".git") {
                continue;
            }
            let meta = std::fs::symlink_metadata(&path).unwrap();
            if meta.file_type().is_symlink() {
                out.insert(
                    rel,
                    format!(
                        "symlink -> {}",
                        std::fs::read_link(&path).unwrap().display()
                    ),
                );
            } else if meta.is_dir() {
                out.insert(rel, "dir".into());
                visit(root, &path, out);
            } else {
                let bytes = std::fs::read(&path).unwrap();
                out.insert(rel, format!("file {:?}", String::from_utf8_lossy(&bytes)));
            }
        }
    }
    let mut out = std::collections::BTreeMap::new();
    visit(root, root, &mut out);
    out
}

/// Paths whose snapshot entry differs (added, removed or changed).
pub fn changed(
    before: &std::collections::BTreeMap<PathBuf, String>,
    after: &std::collections::BTreeMap<PathBuf, String>,
) -> Vec<String> {
    let keys: std::collections::BTreeSet<&PathBuf> = before.keys().chain(after.keys()).collect();
    keys.into_iter()
        .filter(|k| before.get(*k) != after.get(*k))
        .map(|k| k.display().to_string())
        .collect()
}

impl Repo {
    pub fn mkdir_all(&self, rel: impl AsRef<Path>) -> &Repo {
        std::fs::create_dir_all(self.path(rel)).unwrap();
        self
    }
}

/// Compare with the insta snapshot `tests/snapshots/<name>.snap` (escape
/// characters shown as `\e`, the repository's path as `[ROOT]`, so it holds on
/// every platform and in every temp folder). `cargo insta review`, or
/// `INSTA_UPDATE=always cargo test`, writes it; a missing snapshot fails.
pub fn assert_snapshot(name: &str, actual: &str, root: &Path) {
    let actual = actual.replace('\x1b', "\\e");
    let mut settings = insta::Settings::clone_current();
    settings.set_snapshot_path(Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/snapshots"));
    settings.set_prepend_module_to_snapshot(false);
    settings.set_omit_expression(true);
    for shown in [
        root.to_string_lossy(),
        root.to_string_lossy().replace('\\', "/").into(),
    ] {
        settings.add_filter(&regex_literal(&shown), "[ROOT]");
    }
    settings.bind(|| insta::assert_snapshot!(name, actual));
}

/// `text` as a regular expression that matches exactly it.
fn regex_literal(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if "\\.+*?()|[]{}^$#&-~".contains(c) {
            out.push('\\');
        }
        out.push(c);
    }
    out
}

/// The virtualenv `scripts/test` fills with pre-commit and jsonschema.
pub fn test_venv() -> PathBuf {
    let venv = std::env::var_os("PYHYGIENE_TEST_VENV")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/test-venv"));
    assert!(
        venv.join("bin/python").is_file(),
        "no test venv at {}: run the tests with scripts/test",
        venv.display()
    );
    venv
}

/// Run a snippet of the real python3 in the repository; panics when it fails.
/// What the machine's `python3` is, asked once: its cache tag (`cpython-311`), its
/// magic number and its `major.minor`. Tests name the files it writes with these.
pub struct Python {
    pub tag: String,
    pub magic: u16,
    pub version: String,
}

pub fn python3() -> &'static Python {
    static PYTHON: std::sync::OnceLock<Python> = std::sync::OnceLock::new();
    PYTHON.get_or_init(|| {
        let output = Command::new("python3")
            .args([
                "-c",
                "import sys, importlib.util as u; \
                 print(sys.implementation.cache_tag, int.from_bytes(u.MAGIC_NUMBER[:2], 'little'), \
                 '%d.%d' % sys.version_info[:2])",
            ])
            .output()
            .expect("python3 runs");
        let text = String::from_utf8(output.stdout).unwrap();
        let mut words = text.split_whitespace();
        let mut next = || words.next().expect("tag, magic, version").to_owned();
        Python {
            tag: next(),
            magic: next().parse().unwrap(),
            version: next(),
        }
    })
}

/// The machine's python3 cache tag (`cpython-311` on the development machine).
pub fn tag() -> &'static str {
    &python3().tag
}

/// Returns what it printed.
pub fn python(repo: &Repo, code: &str) -> String {
    let output = Command::new("python3")
        .arg("-c")
        .arg(code)
        .current_dir(&repo.root)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).expect("python3 printed UTF-8")
}
