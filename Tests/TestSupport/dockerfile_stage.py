#!/usr/bin/env python3
"""Runs one stage of a Dockerfile without a Docker engine, as the recipes' tests (and .ci/run,
for the pgo image's build stage) need: its RUN steps are run as /bin/sh scripts, the way the
image build would run them, in a directory standing for the stage's file system.

    dockerfile_stage.py DOCKERFILE --stage NAME|INDEX --root DIR [--context DIR]
        [--build-arg K=V]... [--from STAGE=DIR]... [--rewrite OLD=NEW]...

- The stage's absolute paths outside the system directories (/app, /out, /src, /service) are
  DIR/app, DIR/out and so on, in WORKDIR, COPY and the text of RUN steps. COPY'd files land
  under DIR whatever their path (DIR/usr/local/bin/pgo), and DIR/usr/local/bin leads PATH.
- COPY copies from the context (default: the Dockerfile's folder); COPY --from=STAGE from the
  DIR given for that stage by --from (another stage run before, or an image's files).
- A RUN that installs Debian packages (apt-get install) is not run: each package must exist in
  the archive (apt-cache show), and the packages are listed in the summary, for a test to check
  what they provide. A RUN that mixes apt-get with other commands is an error.
- RUN --mount flags (secrets) are dropped: the caller passes credentials in the environment.
- --rewrite replaces text in RUN steps (a Git URL by the local checkout, as tests do).

Prints each step on standard error and, at the end, a JSON summary on standard output:
{"stage": ..., "root": ..., "packages": [...], "runs": [...], "copies": [...]}.
Exits 1, naming the Dockerfile's line, when a step fails or an instruction is not understood.
"""
import argparse
import json
import os
import re
import shutil
import subprocess
import sys

SYSTEM = {"usr", "bin", "sbin", "etc", "var", "tmp", "root", "lib", "lib64", "proc", "dev", "sys", "opt", "home", "run"}


def fail(where, message):
    print(f"dockerfile_stage: {where}: {message}", file=sys.stderr)
    sys.exit(1)


def instructions(path):
    """(line number, keyword, arguments) for each instruction, continuation lines joined."""
    result, pending, start = [], "", 0
    with open(path, encoding="utf-8") as handle:
        for number, line in enumerate(handle, 1):
            stripped = line.strip()
            if not pending and (not stripped or stripped.startswith("#")):
                continue
            if pending and stripped.startswith("#"):
                continue
            if not pending:
                start = number
            if stripped.endswith("\\"):
                pending += stripped[:-1] + " "
                continue
            text = pending + stripped
            pending = ""
            keyword, _, rest = text.partition(" ")
            result.append((start, keyword.upper(), rest.strip()))
    return result


def expand(text, variables):
    return re.sub(r"\$\{(\w+)\}|\$(\w+)", lambda m: variables.get(m.group(1) or m.group(2), m.group(0)), text)


def main():
    parser = argparse.ArgumentParser(description="Run one stage of a Dockerfile as scripts.")
    parser.add_argument("dockerfile")
    parser.add_argument("--stage", required=True, help="the stage's AS name, or its index from 0")
    parser.add_argument("--root", required=True)
    parser.add_argument("--context")
    parser.add_argument("--build-arg", action="append", default=[])
    parser.add_argument("--from", dest="sources", action="append", default=[])
    parser.add_argument("--rewrite", action="append", default=[])
    options = parser.parse_args()

    dockerfile = os.path.abspath(options.dockerfile)
    context = os.path.abspath(options.context or os.path.dirname(dockerfile))
    root = os.path.abspath(options.root)
    build_args = dict(item.split("=", 1) for item in options.build_arg)
    sources = dict(item.split("=", 1) for item in options.sources)
    rewrites = [item.split("=", 1) for item in options.rewrite]

    # Split into stages; global ARGs (before the first FROM) apply to FROM lines.
    global_args, stages = {}, []
    for number, keyword, rest in instructions(dockerfile):
        if keyword == "FROM":
            parts = rest.split()
            name = parts[2] if len(parts) >= 3 and parts[1].upper() == "AS" else None
            stages.append({"line": number, "image": expand(parts[0], {**global_args, **build_args}), "name": name, "steps": []})
        elif not stages:
            if keyword != "ARG":
                fail(f"{dockerfile}:{number}", f"{keyword} before the first FROM")
            key, _, default = rest.partition("=")
            global_args[key] = build_args.get(key, default)
        else:
            stages[-1]["steps"].append((number, keyword, rest))
    chosen = [s for i, s in enumerate(stages) if s["name"] == options.stage or str(i) == options.stage]
    if not chosen:
        fail(dockerfile, f"no stage '{options.stage}' (stages: {[s['name'] or i for i, s in enumerate(stages)]})")
    stage = chosen[0]

    def mapped(path):
        parts = path.strip("/").split("/")
        return path if parts[0] in SYSTEM else root + path

    def map_text(text):
        # A path standing on its own (after a space, '=' or a quote), not a URL's or $(...)/x.
        return re.sub(r"(?:^|(?<=[\s=\"']))(/[\w.-]+(?:/[\w.*-]*)*)", lambda m: mapped(m.group(1)), text)

    variables, environment = {}, {}
    workdir = root
    summary = {"stage": options.stage, "image": stage["image"], "root": root, "packages": [], "runs": [], "copies": []}
    os.makedirs(root, exist_ok=True)
    for number, keyword, rest in stage["steps"]:
        where = f"{dockerfile}:{number}"
        values = {**variables, **environment}
        if keyword == "ARG":
            key, _, default = rest.partition("=")
            variables[key] = build_args.get(key, global_args.get(key, default))
        elif keyword == "ENV":
            for key, value in re.findall(r'(\w+)=("[^"]*"|\S*)', rest):
                environment[key] = expand(value.strip('"'), values)
        elif keyword == "WORKDIR":
            workdir = mapped(expand(rest, values))
            os.makedirs(workdir, exist_ok=True)
        elif keyword == "COPY":
            words = expand(rest, values).split()
            origin = context
            while words and words[0].startswith("--"):
                flag = words.pop(0)
                if flag.startswith("--from="):
                    name = flag[len("--from="):]
                    if name not in sources:
                        fail(where, f"COPY --from={name}: give its files with --from {name}=DIR")
                    origin = sources[name]
            *items, destination = words
            target = destination if destination.startswith("/") else os.path.join(workdir[len(root):] or "/", destination)
            target = root + os.path.normpath(target)
            for item in items:
                source = os.path.normpath(os.path.join(origin, item.lstrip("/")))
                if not os.path.exists(source):
                    fail(where, f"COPY {item}: {source} does not exist")
                if os.path.isdir(source):
                    shutil.copytree(source, target, symlinks=True, dirs_exist_ok=True)
                else:
                    into = os.path.join(target, os.path.basename(source)) if destination.endswith("/") else target
                    os.makedirs(os.path.dirname(into), exist_ok=True)
                    shutil.copy2(source, into)
                summary["copies"].append({"from": source, "to": target})
        elif keyword == "RUN":
            command = rest
            while command.startswith("--"):
                command = command.split(None, 1)[1] if " " in command else ""
            if "apt-get" in command:
                # The whole step must be an update, the install and the cleanup of the lists.
                for part in [p.strip() for p in command.split("&&")]:
                    if part.startswith("apt-get install"):
                        packages = [w for w in part.split()[2:] if not w.startswith("-")]
                        for package in packages:
                            shown = subprocess.run(["apt-cache", "show", "--no-all-versions", package], capture_output=True)
                            if shown.returncode != 0 or not shown.stdout:
                                fail(where, f"the Debian package '{package}' does not exist")
                        summary["packages"] += packages
                    elif not (part.startswith("apt-get update") or part == "rm -rf /var/lib/apt/lists/*"):
                        fail(where, f"a RUN that installs packages must do only that, not '{part}'")
                print(f"dockerfile_stage: {where}: packages {summary['packages']} (checked, not installed)", file=sys.stderr)
                continue
            for old, new in rewrites:
                command = command.replace(old, new)
            script = map_text(command)
            print(f"dockerfile_stage: {where}: RUN {script}", file=sys.stderr)
            env = {**os.environ, **variables, **environment}
            env["PATH"] = root + "/usr/local/bin:" + env.get("PATH", "/usr/bin:/bin")
            status = subprocess.run(["/bin/sh", "-c", script], cwd=workdir, env=env).returncode
            summary["runs"].append({"line": number, "script": script, "status": status})
            if status != 0:
                print(json.dumps(summary))
                fail(where, f"RUN exited with {status}")
        elif keyword in ("ENTRYPOINT", "CMD", "EXPOSE", "LABEL", "USER"):
            pass
        else:
            fail(where, f"{keyword} is not understood here")
    print(json.dumps(summary))


if __name__ == "__main__":
    main()
