//! Reports a maintainer keeps on: one coverage finding per missing entry, a
//! well-kept project stays green, annotations only on files that exist.

use crate::common::Repo;

/// A repository with Python sources in the root and in `folders` sub-folders.
fn sources(repo: &Repo, folders: usize) {
    repo.write("app.py", "");
    for i in 0..folders {
        repo.write(format!("pkg{i}/m.py"), "X = 1\n");
    }
    repo.git(["add", "."]);
}

/// Every `file=` of a GitHub annotation names a file that exists, never a folder.
fn assert_annotations_on_files(repo: &Repo) -> Vec<String> {
    let run = repo.run(["check", "--output-format", "github"]);
    let lines: Vec<String> = run.stdout.lines().map(str::to_owned).collect();
    for line in &lines {
        assert!(
            line.starts_with("::error ") || line.starts_with("::warning "),
            "{line}"
        );
        let properties = line.split("::").nth(1).unwrap();
        for property in properties.split(',') {
            if let Some(file) = property.strip_prefix("error file=").or_else(|| {
                property
                    .strip_prefix("warning file=")
                    .or(property.strip_prefix("file="))
            }) {
                assert!(
                    repo.path(file).is_file(),
                    "annotation on a missing file or a folder: {line}"
                );
            }
        }
    }
    lines
}

#[test]
fn no_gitignore_and_ten_source_folders_is_two_findings() {
    let repo = Repo::new();
    sources(&repo, 10);
    let run = repo.run(["check", "--output-format", "json"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert_eq!(
        run.messages(),
        crate::common::pairs(&[
            (
                ".gitignore",
                "`__pycache__/` caches are not ignored in 11 folders (`./`, `pkg0/`, `pkg1/` and 8 more); add `__pycache__/` to a new root .gitignore"
            ),
            (
                ".gitignore",
                "legacy `.pyc` files beside their sources are not ignored in 11 folders (`./`, `pkg0/`, `pkg1/` and 8 more); add `*.py[cod]` to a new root .gitignore"
            ),
        ])
    );
    let codes: Vec<String> = run.findings().into_iter().map(|(code, _)| code).collect();
    assert_eq!(codes, ["PYH101", "PYH102"]);
    let first = &run.json()["diagnostics"][0];
    assert_eq!(first["exists"], false, "the .gitignore is still to create");
    let mut folders = vec![".".to_owned()];
    folders.extend((0..10).map(|i| format!("pkg{i}")));
    assert_eq!(first["exposed_folders"], serde_json::json!(folders));
    // The missing `.gitignore` is a repository-level annotation: no `file=`.
    let lines = assert_annotations_on_files(&repo);
    assert_eq!(lines.len(), 2);
    assert!(lines.iter().all(|l| !l.contains("file=")), "{lines:?}");
}

#[test]
fn ignoring_only_pycache_is_one_warning_and_passes() {
    let repo = Repo::new();
    sources(&repo, 10);
    repo.write(".gitignore", "__pycache__/\n")
        .add(&[".gitignore"]);
    let run = repo.run(["check", "--color", "never"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (
            0,
            "warning[PYH102] legacy-bytecode-not-ignored: The committed ignore rules let legacy `.pyc` files in
  .gitignore: legacy `.pyc` files beside their sources are not ignored in 11 folders (`./`, `pkg0/`, `pkg1/` and 8 more); add `*.py[cod]` to the root .gitignore
  = fix: append the missing entries to the root .gitignore

1 problem (1 fixable with pyhygiene fix)
"
        ),
        "{}",
        run.stderr
    );
    let lines = assert_annotations_on_files(&repo);
    assert_eq!(
        lines,
        ["::warning file=.gitignore,title=PYH102::.gitignore: legacy `.pyc` files beside their sources are not ignored in 11 folders (`./`, `pkg0/`, `pkg1/` and 8 more); add `*.py[cod]` to the root .gitignore"]
    );
}

/// A `.gitignore` that is not in the index protects one clone: the finding says
/// to `git add` it, and once added the check passes.
#[test]
fn an_uncommitted_gitignore_does_not_count_until_added() {
    let repo = Repo::new();
    sources(&repo, 2);
    repo.write(".gitignore", "__pycache__/\n*.py[cod]\n");
    let run = repo.run(["check", "--output-format", "json"]);
    assert_eq!(run.code, 1);
    assert_eq!(
        run.messages(),
        crate::common::pairs(&[
            (
                ".gitignore",
                "`__pycache__/` caches are ignored in 3 folders (`./`, `pkg0/`, `pkg1/`) only by `.gitignore`, which is not in the git index: it protects this clone, not the team; run `git add .gitignore`"
            ),
            (
                ".gitignore",
                "legacy `.pyc` files beside their sources are ignored in 3 folders (`./`, `pkg0/`, `pkg1/`) only by `.gitignore`, which is not in the git index: it protects this clone, not the team; run `git add .gitignore`"
            ),
        ])
    );
    assert_eq!(run.json()["summary"]["fixable"], 0, "git add is the user's");
    repo.git(["add", ".gitignore"]);
    let run = repo.run(["check"]);
    assert_eq!((run.code, run.stdout.as_str()), (0, "No problems found.\n"));
}

/// `fix` stages only the lines it appended: the user's own unstaged edit to
/// `.gitignore` stays unstaged, and the staged copy is the committed one plus ours.
#[test]
fn fix_stages_only_its_own_gitignore_lines() {
    let repo = Repo::new();
    sources(&repo, 1);
    repo.write(".gitignore", "*.log\n")
        .add(&[".gitignore"])
        .commit("ignore logs");
    repo.write(
        ".gitignore",
        "*.log\n# my own edit, not staged yet\n*.tmp\n",
    );
    let run = repo.run(["fix", "--color", "never"]);
    assert_eq!(
        (run.code, run.stdout.as_str()),
        (
            0,
            "Appended to .gitignore and staged: __pycache__/, *.py[cod]\n\nNo problems found.\n"
        ),
        "{}",
        run.stderr
    );
    assert_eq!(
        repo.git(["show", ":.gitignore"]),
        "*.log\n# added by pyhygiene\n__pycache__/\n*.py[cod]\n",
        "the index holds the committed lines plus pyhygiene's"
    );
    assert_eq!(
        std::fs::read_to_string(repo.path(".gitignore")).unwrap(),
        "*.log\n# my own edit, not staged yet\n*.tmp\n# added by pyhygiene\n__pycache__/\n*.py[cod]\n"
    );
    assert_eq!(
        repo.git(["diff", "--", ".gitignore"]),
        "diff --git a/.gitignore b/.gitignore\nindex 0000000..0000000 100644\n"
            .replace("0000000..0000000", &abbreviated_blobs(&repo))
            + "--- a/.gitignore\n+++ b/.gitignore\n@@ -1,4 +1,6 @@\n *.log\n+# my own edit, not staged yet\n+*.tmp\n # added by pyhygiene\n __pycache__/\n *.py[cod]\n",
        "only the user's edit is unstaged"
    );
    // A second fix changes nothing, in the index or on disk.
    let index = repo.git(["ls-files", "--stage"]);
    let again = repo.run(["fix", "--color", "never"]);
    assert_eq!(again.stdout, "No problems found.\n");
    assert_eq!(repo.git(["ls-files", "--stage"]), index);
}

/// `<index blob>..<worktree blob>` as `git diff` abbreviates them.
fn abbreviated_blobs(repo: &Repo) -> String {
    let staged = repo.git(["rev-parse", "--short", ":.gitignore"]);
    let on_disk = repo.git(["hash-object", ".gitignore"]);
    let short = repo.git(["rev-parse", "--short", on_disk.trim()]);
    format!("{}..{}", staged.trim(), short.trim())
}
