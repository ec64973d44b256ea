"""Run a composite action's `run:` steps the way the GitHub runner does.

Inputs come from the given values or the action's defaults; `${{ inputs.X }}` and
`${{ steps.ID.outputs.Y }}` are expanded in `env:` and `with:` values; each step
gets RUNNER_TEMP and fresh GITHUB_PATH / GITHUB_OUTPUT files, and what a step
appends to GITHUB_PATH is prepended to PATH for the steps after it. `if:` is
evaluated for the shapes actions use here (`always()`, `inputs.X == 'v'`,
joined by `&&`); without `always()` a step runs only while all succeeded.
`uses:` steps are reported with their expanded `with:`, not run.

Usage: run_action.py ACTION_YML INPUTS_JSON WORKDIR RUNNER_TEMP
Prints one JSON document describing every step.
"""
import json
import os
import re
import subprocess
import sys

import yaml

action_path, inputs_json, workdir, runner_temp = sys.argv[1:5]
with open(action_path) as f:
    action = yaml.safe_load(f)
given = json.loads(inputs_json)
inputs = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
for name, value in given.items():
    if name not in inputs:
        sys.exit(f"unknown input {name}")
    inputs[name] = value

outputs = {}
EXPR = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def value_of(expr):
    m = re.fullmatch(r"inputs\.([\w-]+)", expr)
    if m:
        return inputs[m.group(1)]
    m = re.fullmatch(r"steps\.([\w-]+)\.outputs\.([\w-]+)", expr)
    if m:
        return outputs.get(m.group(1), {}).get(m.group(2), "")
    raise SystemExit(f"unsupported expression {expr!r}")


def expand(text):
    return EXPR.sub(lambda m: value_of(m.group(1)), str(text))


def condition(text, failed):
    if text is None:
        return not failed
    expr = EXPR.fullmatch(text.strip())
    expr = expr.group(1) if expr else text
    always = False
    for term in (t.strip() for t in expr.split("&&")):
        if term == "always()":
            always = True
            continue
        m = re.fullmatch(r"inputs\.([\w-]+)\s*==\s*'([^']*)'", term)
        if not m:
            raise SystemExit(f"unsupported condition {term!r}")
        if inputs[m.group(1)] != m.group(2):
            return False
    return always or not failed


path_prefix = []
failed = False
report = []
for index, step in enumerate(action["runs"]["steps"]):
    name = step.get("name", f"step {index}")
    if not condition(step.get("if"), failed):
        report.append({"name": name, "skipped": True})
        continue
    if "uses" in step:
        report.append({
            "name": name,
            "uses": step["uses"],
            "with": {k: expand(v) for k, v in step.get("with", {}).items()},
        })
        continue
    if EXPR.search(step["run"]):
        raise SystemExit(f"step {name!r}: an expression inside run: (pass it through env:)")
    github_path = os.path.join(runner_temp, f"path_{index}")
    github_output = os.path.join(runner_temp, f"output_{index}")
    open(github_path, "w").close()
    open(github_output, "w").close()
    env = dict(os.environ)
    env.update({k: expand(v) for k, v in step.get("env", {}).items()})
    env.update({
        "RUNNER_TEMP": runner_temp,
        "GITHUB_PATH": github_path,
        "GITHUB_OUTPUT": github_output,
        "PATH": os.pathsep.join(path_prefix + [os.environ["PATH"]]),
    })
    done = subprocess.run(
        ["bash", "--noprofile", "--norc", "-eo", "pipefail", "-c", step["run"]],
        cwd=workdir, env=env, capture_output=True, text=True,
    )
    with open(github_path) as f:
        path_prefix = [line.strip() for line in f if line.strip()][::-1] + path_prefix
    with open(github_output) as f:
        pairs = [line.rstrip("\n").split("=", 1) for line in f if "=" in line]
    if step.get("id"):
        outputs[step["id"]] = dict(pairs)
    failed = failed or done.returncode != 0
    report.append({
        "name": name,
        "exit": done.returncode,
        "stdout": done.stdout,
        "stderr": done.stderr,
    })
print(json.dumps(report))
