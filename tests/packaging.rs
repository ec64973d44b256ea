//! pyhygiene as Python users install it: one version number in the repository,
//! the maturin wheel installed with pip and uv and run with no Rust toolchain.
//! The wheel tests need `scripts/test`, which builds the wheel once.

#[path = "cli/common.rs"]
#[allow(dead_code)]
mod common;

use std::path::PathBuf;
use std::process::Command;

use common::{isolate, output_to_run, Repo, Run};

fn manifest_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn toml_file(relative: &str) -> toml::Value {
    let text = std::fs::read_to_string(manifest_dir().join(relative)).unwrap();
    toml::from_str(&text).unwrap()
}

/// Cargo.toml holds the version; the wheel takes it from there (maturin's dynamic
/// version), and the pre-commit placeholder's version and pin must match it.
#[test]
fn one_version_number_in_the_repository() {
    let cargo = toml_file("Cargo.toml");
    let version = cargo["package"]["version"].as_str().unwrap();
    let wheel = toml_file("python/pyproject.toml");
    assert_eq!(wheel["project"]["name"].as_str(), Some("pyhygiene"));
    assert!(
        wheel["project"].get("version").is_none(),
        "no second version"
    );
    let dynamic: Vec<&str> = wheel["project"]["dynamic"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap())
        .collect();
    assert!(dynamic.contains(&"version"), "{dynamic:?}");
    assert_eq!(wheel["tool"]["maturin"]["bindings"].as_str(), Some("bin"));
    assert_eq!(
        wheel["tool"]["maturin"]["manifest-path"].as_str(),
        Some("../Cargo.toml")
    );
    let shim = toml_file("pyproject.toml");
    assert_eq!(shim["project"]["version"].as_str(), Some(version));
    assert_eq!(
        shim["project"]["dependencies"],
        toml::Value::Array(vec![format!("pyhygiene=={version}").into()]),
        "the hooks install exactly this release's wheel"
    );
    // The Action installs this release by default.
    let action = std::fs::read_to_string(manifest_dir().join("action.yml")).unwrap();
    let default = action
        .lines()
        .skip_while(|l| l.trim() != "version:")
        .find_map(|l| l.trim().strip_prefix("default: "))
        .expect("the version input has a default");
    assert_eq!(default, format!("\"{version}\""));
}

/// The wheels folder `scripts/test` built (`None` under a plain `cargo test`).
fn wheels() -> PathBuf {
    PathBuf::from(
        std::env::var_os("PYHYGIENE_TEST_WHEELS")
            .expect("PYHYGIENE_TEST_WHEELS: run through scripts/test, which builds the wheel"),
    )
}

fn wheel() -> PathBuf {
    std::fs::read_dir(wheels())
        .unwrap()
        .map(|e| e.unwrap().path())
        .find(|p| {
            let name = p.file_name().unwrap().to_string_lossy();
            name.starts_with("pyhygiene-") && name.ends_with(".whl")
        })
        .expect("a pyhygiene wheel")
}

/// A PATH without cargo or rustc: only the system folders.
const NO_RUST_PATH: &str = "/usr/local/bin:/usr/bin:/bin";

fn run(cmd: &mut Command) -> Run {
    isolate(cmd);
    output_to_run(cmd.output().unwrap())
}

/// A repository with a committed cache: `pyhygiene check` must fail on it.
fn repo_with_tracked_pyc() -> Repo {
    let repo = Repo::new();
    repo.with_gitignore()
        .write("m.py", "")
        .write("m.pyc", "x")
        .add(&["m.py", "m.pyc"]);
    repo
}

/// The installed binary, run with no Rust toolchain on PATH, fails on a
/// committed `.pyc`.
fn assert_installed_binary_works(binary: &std::path::Path) {
    let repo = repo_with_tracked_pyc();
    let check = run(Command::new(binary)
        .arg("check")
        .current_dir(&repo.root)
        .env("PATH", NO_RUST_PATH));
    assert_finds_the_pyc(&check);
}

fn assert_finds_the_pyc(run: &Run) {
    assert_eq!(run.code, 1, "{}\n{}", run.stdout, run.stderr);
    assert!(
        run.stdout
            .contains("error[PYH001] tracked-bytecode: Compiled Python bytecode is tracked by git"),
        "{}",
        run.stdout
    );
}

#[test]
#[ignore = "needs the wheel; scripts/test builds it"]
fn wheel_installs_with_pip_and_runs_without_rust() {
    let venv = tempfile::tempdir().unwrap();
    let status = Command::new("python3")
        .args(["-m", "venv"])
        .arg(venv.path())
        .status()
        .unwrap();
    assert!(status.success());
    let install = run(Command::new(venv.path().join("bin/pip"))
        .args(["install", "--quiet", "--no-index", "--find-links"])
        .arg(wheels())
        .arg("pyhygiene"));
    assert_eq!(install.code, 0, "{}", install.stderr);
    assert_installed_binary_works(&venv.path().join("bin/pyhygiene"));
}

#[test]
#[ignore = "needs the wheel and uv; scripts/test provides both"]
fn uv_tool_install_and_uvx_run_the_wheel() {
    let uv = common::test_venv().join("bin/uv");
    let home = tempfile::tempdir().unwrap();
    let uv_env = |cmd: &mut Command| {
        cmd.env("UV_TOOL_DIR", home.path().join("tools"))
            .env("UV_TOOL_BIN_DIR", home.path().join("bin"))
            .env("UV_CACHE_DIR", home.path().join("cache"))
            .env("UV_PYTHON_DOWNLOADS", "never")
            .env("UV_NO_INDEX", "1")
            .env_remove("VIRTUAL_ENV");
    };
    let mut install = Command::new(&uv);
    uv_env(install.args(["tool", "install"]).arg(wheel()));
    let install = run(&mut install);
    assert_eq!(install.code, 0, "{}", install.stderr);
    assert_installed_binary_works(&home.path().join("bin/pyhygiene"));

    let mut uvx = Command::new(&uv);
    uv_env(
        uvx.args(["tool", "run", "--from"])
            .arg(wheel())
            .args(["pyhygiene", "--version"]),
    );
    let version = run(&mut uvx);
    assert_eq!(
        (version.code, version.stdout.as_str()),
        (
            0,
            format!("pyhygiene {}\n", env!("CARGO_PKG_VERSION")).as_str()
        ),
        "{}",
        version.stderr
    );
}

#[test]
#[ignore = "needs the wheel and pipx; scripts/test provides both"]
fn pipx_installs_the_wheel() {
    let home = tempfile::tempdir().unwrap();
    let install = run(Command::new(common::test_venv().join("bin/pipx"))
        .arg("install")
        .arg(wheel())
        .env("PIPX_HOME", home.path().join("home"))
        .env("PIPX_BIN_DIR", home.path().join("bin"))
        .env("PIPX_MAN_DIR", home.path().join("man"))
        .env("PIP_NO_INDEX", "1"));
    assert_eq!(install.code, 0, "{}{}", install.stdout, install.stderr);
    assert_installed_binary_works(&home.path().join("bin/pyhygiene"));
}

/// Replay `action.yml`'s steps with `tests/data/run_action.py` in `repo`.
fn run_action(inputs: &serde_json::Value, repo: &Repo, runner_temp: &std::path::Path) -> Run {
    run(Command::new(common::test_venv().join("bin/python"))
        .arg(manifest_dir().join("tests/data/run_action.py"))
        .arg(manifest_dir().join("action.yml"))
        .arg(inputs.to_string())
        .arg(&repo.root)
        .arg(runner_temp)
        .env("PATH", NO_RUST_PATH)
        .env("PIP_NO_INDEX", "1"))
}

/// The action's shell steps, run as the runner does (`tests/data/run_action.py`),
/// against the local wheel: it installs into `$RUNNER_TEMP`, puts itself on
/// `GITHUB_PATH`, prints annotations, and writes the SARIF log it uploads.
#[test]
#[ignore = "needs the wheel and the test venv (PyYAML); scripts/test provides both"]
fn action_steps_install_the_wheel_and_annotate() {
    let repo = repo_with_tracked_pyc();
    let runner_temp = tempfile::tempdir().unwrap();
    let inputs = serde_json::json!({
        "version": wheel().to_str().unwrap(),
        "sarif": "true",
    });
    let ran = run_action(&inputs, &repo, runner_temp.path());
    assert_eq!(ran.code, 0, "{}", ran.stderr);
    let steps: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    let steps = steps.as_array().unwrap();
    assert_eq!(steps.len(), 4);
    assert_eq!(steps[0]["exit"], 0, "install: {}", steps[0]["stderr"]);
    assert_eq!(steps[1]["exit"], 1, "the committed .pyc fails the step");
    assert_eq!(
        steps[1]["stdout"],
        "::error file=m.pyc,title=PYH001::m.pyc: legacy bytecode is tracked by git\n\
         ::warning file=m.pyc,title=PYH203::m.pyc: legacy bytecode beside `m.py`\n"
    );
    assert_eq!(
        steps[2]["exit"], 0,
        "SARIF after a failure: {}",
        steps[2]["stderr"]
    );
    let log = runner_temp.path().join("pyhygiene.sarif");
    let sarif: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&log).unwrap()).unwrap();
    assert_eq!(sarif["runs"][0]["results"][0]["ruleId"], "PYH001");
    assert_eq!(
        steps[3]["uses"].as_str().unwrap(),
        "github/codeql-action/upload-sarif@v3"
    );
    assert_eq!(
        steps[3]["with"],
        serde_json::json!({ "sarif_file": log.to_str().unwrap(), "category": "pyhygiene" })
    );
    // Without `sarif`, nothing is written or uploaded.
    let quiet = tempfile::tempdir().unwrap();
    let inputs = serde_json::json!({ "version": wheel().to_str().unwrap() });
    let ran = run_action(&inputs, &repo, quiet.path());
    let steps: serde_json::Value = serde_json::from_str(&ran.stdout).unwrap();
    assert_eq!(steps[2]["skipped"], true);
    assert_eq!(steps[3]["skipped"], true);
}

/// The action and the release workflow pass GitHub's schemas (vendored in
/// check-jsonschema: no network), and a broken file does not.
#[test]
#[ignore = "needs check-jsonschema from the test venv; scripts/test installs it"]
fn action_and_workflows_pass_the_offline_linter() {
    let lint = |schema: &str, file: &std::path::Path| {
        run(
            Command::new(common::test_venv().join("bin/check-jsonschema"))
                .args(["--builtin-schema", schema])
                .arg(file),
        )
    };
    let action = lint("vendor.github-actions", &manifest_dir().join("action.yml"));
    assert_eq!(action.code, 0, "{}{}", action.stdout, action.stderr);
    for entry in std::fs::read_dir(manifest_dir().join(".github/workflows")).unwrap() {
        let file = entry.unwrap().path();
        let workflow = lint("vendor.github-workflows", &file);
        assert_eq!(
            workflow.code,
            0,
            "{}: {}{}",
            file.display(),
            workflow.stdout,
            workflow.stderr
        );
    }
    let broken = tempfile::tempdir().unwrap();
    let file = broken.path().join("broken.yml");
    std::fs::write(
        &file,
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    stepz: []\n",
    )
    .unwrap();
    assert_ne!(lint("vendor.github-workflows", &file).code, 0);
}

/// What `pyhygiene init --github` writes is valid for the real pre-commit
/// (`validate-config`) and for GitHub's workflow schema, created and appended.
#[test]
#[ignore = "needs pre-commit and check-jsonschema from the test venv; scripts/test installs them"]
fn init_output_passes_pre_commit_and_the_workflow_schema() {
    let validate = |repo: &Repo| {
        run(Command::new(common::test_venv().join("bin/pre-commit"))
            .args(["validate-config", ".pre-commit-config.yaml"])
            .current_dir(&repo.root))
    };
    let fresh = Repo::new();
    assert_eq!(fresh.run(["init", "--github"]).code, 0);
    let valid = validate(&fresh);
    assert_eq!(valid.code, 0, "{}{}", valid.stdout, valid.stderr);
    let workflow = run(
        Command::new(common::test_venv().join("bin/check-jsonschema"))
            .args(["--builtin-schema", "vendor.github-workflows"])
            .arg(fresh.path(".github/workflows/pyhygiene.yml")),
    );
    assert_eq!(workflow.code, 0, "{}{}", workflow.stdout, workflow.stderr);

    let existing = Repo::new();
    existing.write(
        ".pre-commit-config.yaml",
        "default_stages: [pre-commit]\nrepos:\n-   repo: local\n    hooks:\n    -   id: x\n        name: x\n        entry: 'true'\n        language: system\n",
    );
    assert_eq!(existing.run(["init"]).code, 0);
    let valid = validate(&existing);
    assert_eq!(valid.code, 0, "{}{}", valid.stdout, valid.stderr);
    // The broken control: pre-commit does reject a bad config.
    existing.write(
        ".pre-commit-config.yaml",
        "repos:\n- repo: local\n  hookz: []\n",
    );
    assert_ne!(validate(&existing).code, 0);
}

/// `pip install ./python` builds from source through PEP 517 (maturin, cargo).
#[test]
#[ignore = "needs maturin from the test venv; scripts/test installs it"]
fn source_install_builds_through_pep_517() {
    let target = tempfile::tempdir().unwrap();
    let venv_bin = common::test_venv().join("bin");
    let path = format!("{}:{}", venv_bin.display(), std::env::var("PATH").unwrap());
    let install = run(Command::new(venv_bin.join("pip"))
        .args(["install", "--quiet", "--disable-pip-version-check"])
        .args(["--no-build-isolation", "--no-deps", "--target"])
        .arg(target.path())
        .arg(manifest_dir().join("python"))
        .env("PATH", path));
    assert_eq!(install.code, 0, "{}", install.stderr);
    let version = run(Command::new(target.path().join("bin/pyhygiene")).arg("--version"));
    assert_eq!(
        version.stdout,
        format!("pyhygiene {}\n", env!("CARGO_PKG_VERSION"))
    );
}
