"""Environment drift: every variable a deployment file sets is one the service really reads.

Usage: env_drift.py --bin-dir DIR [--repo ROOT] [--k8s RENDERED.yaml ...]
       env_drift.py --bin-dir DIR --self-test

The truth is each binary's `print-config --vars`: the names it reads given an environment
(which depends on the values: knowledge-interface reads QDRANT_ADDR only when
KNOWLEDGE_VECTOR_BACKEND=qdrant selects it). So each source's environment is handed to the
binary it configures, and every variable the source sets but the binary did not read is drift:
- rendered Kubernetes manifests (--k8s): each `exobrain/<service>` container, with `env` and the
  ConfigMaps and Secrets it takes with `envFrom` (Secret values decoded from the render);
- infra/docker-compose/distributed.yml: each `exobrain/<service>` service's `environment`,
  interpolated from .env.distributed.example; and every variable of that example is one the
  compose file uses;
- scripts/local/env.sh, sourced as is and with both optional knowledge backends selected: each
  exported variable is read by at least one service (or is one of SCRIPT_VARS);
- crates/<service>/.env.example with every line uncommented (as listed, with every variable
  set, and with the optional parts of SELECTIONS switched on): each listed variable is read,
  and each variable read is listed.
--self-test feeds a Kubernetes container, a compose service and an env.sh with the names of
an old drift (QDRANT_GRPC_URL, MEMGRAPH_BOLT_URI) and fails unless each is reported.
Prints every problem, one per line, and exits 1 when there is any.
"""

import argparse
import base64
import os
import pathlib
import re
import subprocess
import sys
import tempfile

import yaml

SERVICES = (
    "assistant-backend",
    "assistant-frontend",
    "job-orchestrator-api",
    "job-orchestrator-worker",
    "knowledge-interface",
    "model-provider",
)
# Exported by scripts/local/env.sh for the scripts, not the services.
SCRIPT_VARS = {
    "EXOBRAIN_ROOT": "the repository root the local scripts work from",
    "POSTGRES_DSN": "the admin DSN of the *-db-setup.sh scripts",
}
# Compose file variables Compose itself reads.
COMPOSE_VARS = {"COMPOSE_PROJECT_NAME"}
# Values that make a service read the variables of its optional parts, which an .env.example
# lists with their defaults off (knowledge-interface's Qdrant and Memgraph settings).
SELECTIONS = {
    "knowledge-interface": {"KNOWLEDGE_VECTOR_BACKEND": "qdrant", "KNOWLEDGE_GRAPH_BACKEND": "memgraph"},
}
# Files a deployment mounts from the repository (the k8s ConfigMaps, the images): the binary
# reads further variables only once it has loaded them (model-provider: the vendor keys of the
# aliases in models.yaml), so the check hands it the repository's copy.
MOUNTED_FILES = {
    "MODEL_PROVIDER_CONFIG_PATH": "config/models.yaml",
    "JOB_POLICY_PATH": "infra/k8s/base/job-policy.json",
}
# Binaries shipped beside a service in its image, and the source of their `env = "…"` (clap)
# attributes: jobctl, the operator CLI of the job-orchestrator-api image.
COMPANIONS = {"job-orchestrator-api": "crates/job-orchestrator-api/src/jobctl/args.rs"}
CLAP_ENV = re.compile(r'env = "([A-Z][A-Z0-9_]*)"')
PLACEHOLDER = "x" * 40
IMAGE = re.compile(r"exobrain/([a-z-]+)(?::.*)?")
EXAMPLE_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=(.*)$", re.MULTILINE)
INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?::?[-?]([^}]*))?\}")


class Binaries:
    """Runs `<service> print-config --vars`, remembering answers; adds what the companion
    binaries of the service's image read."""

    def __init__(self, bin_dir, repo):
        self.bin_dir = pathlib.Path(bin_dir)
        self.repo = pathlib.Path(repo)
        self.cache = {}
        self.companions = {
            service: set(CLAP_ENV.findall((self.repo / source).read_text(encoding="utf-8")))
            for service, source in COMPANIONS.items()
        }

    def names_read(self, service, env):
        env = {
            name: str(self.repo / MOUNTED_FILES[name]) if name in MOUNTED_FILES else value
            for name, value in env.items()
        }
        key = (service, tuple(sorted(env.items())))
        if key not in self.cache:
            binary = self.bin_dir / service
            if not binary.is_file():
                raise SystemExit(f"{binary} is missing: build it (cargo build --bins)")
            done = subprocess.run(
                [str(binary), "print-config", "--vars"],
                env=env, cwd=self.repo, capture_output=True, text=True, timeout=60, check=False,
            )
            if done.returncode != 0:
                raise SystemExit(f"{binary} print-config --vars failed: {done.stderr.strip()}")
            self.cache[key] = set(done.stdout.split()) | self.companions.get(service, set())
        return self.cache[key]


def unread(binaries, service, env):
    return sorted(set(env) - binaries.names_read(service, env))


def service_of(image):
    match = IMAGE.fullmatch(image or "")
    return match.group(1) if match and match.group(1) in SERVICES else None


def k8s_problems(binaries, docs, where):
    sources = {}
    for doc in docs:
        if doc["kind"] == "ConfigMap":
            sources[("ConfigMap", doc["metadata"]["name"])] = dict(doc.get("data", {}))
        elif doc["kind"] == "Secret":
            data = {k: base64.b64decode(v).decode() for k, v in doc.get("data", {}).items()}
            sources[("Secret", doc["metadata"]["name"])] = {**data, **doc.get("stringData", {})}
    problems = []
    for doc in docs:
        spec = doc.get("spec", {}).get("template", {}).get("spec", {})
        for container in spec.get("initContainers", []) + spec.get("containers", []):
            service = service_of(container.get("image"))
            if not service:
                continue
            env = {}
            for source in container.get("envFrom", []):
                for kind, ref in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
                    if ref in source:
                        env.update(sources.get((kind, source[ref]["name"]), {}))
            for entry in container.get("env", []):
                secret = entry.get("valueFrom", {}).get("secretKeyRef")
                if secret:
                    value = sources.get(("Secret", secret["name"]), {}).get(secret["key"])
                else:
                    value = entry.get("value")
                env[entry["name"]] = value or PLACEHOLDER
            for name in unread(binaries, service, env):
                problems.append(
                    f"{where}: {doc['kind']}/{doc['metadata']['name']} container "
                    f"{container['name']} sets {name}, which {service} does not read"
                )
    return problems


def interpolate(value, variables):
    def one(match):
        name, default = match.group(1), match.group(2)
        return variables.get(name) or default or PLACEHOLDER

    return INTERPOLATION.sub(one, str(value)).replace("$$", "$")


def compose_problems(binaries, compose, variables, where):
    problems = []
    for name, service in sorted(compose.get("services", {}).items()):
        binary = service_of(str(service.get("image", "")).split(":")[0])
        if not binary:
            continue
        environment = service.get("environment", {})
        if isinstance(environment, list):
            environment = dict(item.split("=", 1) for item in environment)
        env = {key: interpolate(value, variables) for key, value in environment.items()}
        for var in unread(binaries, binary, env):
            problems.append(f"{where}: service {name} sets {var}, which {binary} does not read")
    return problems


def compose_example_problems(compose_text, example_text, where):
    used = {match.group(1) for match in INTERPOLATION.finditer(compose_text)}
    listed = {name for name, _ in EXAMPLE_LINE.findall(example_text)}
    return [
        f"{where}: {name} is not used by the compose file"
        for name in sorted(listed - used - COMPOSE_VARS)
    ]


def sourced_env(script, preset):
    """The variables `script` exports when sourced into a clean shell with `preset` set."""
    command = 'source "$1" >/dev/null && env -0'
    base = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), **preset}
    out = subprocess.run(
        ["bash", "-c", command, "bash", str(script)],
        env=base, capture_output=True, check=True,
    ).stdout.decode()
    exported = dict(item.split("=", 1) for item in out.split("\0") if "=" in item)
    for name in ("PATH", "PWD", "SHLVL", "_", "OLDPWD"):
        exported.pop(name, None)
    return exported


def env_sh_problems(binaries, script, preset, where):
    env = sourced_env(script, preset)
    service_env = {k: v for k, v in env.items() if k not in SCRIPT_VARS}
    read = set()
    for service in SERVICES:
        read |= binaries.names_read(service, service_env)
    return [
        f"{where}: exports {name}, which no service reads"
        for name in sorted(set(service_env) - read)
    ]


def env_example_problems(binaries, service, example, where):
    listed = dict(EXAMPLE_LINE.findall(example.read_text(encoding="utf-8")))
    # The defaults as listed, and once more with the variables listed without one set too:
    # some are read only when another is set (TAVILY_BASE_URL once TAVILY_API_KEY is), some
    # only when another is not (EXOBRAIN_SERVICE_TOKEN without MODEL_PROVIDER_API_TOKEN).
    as_listed = {name: value for name, value in listed.items() if value}
    all_set = {name: value or PLACEHOLDER for name, value in listed.items()}
    read = set()
    for env in (as_listed, all_set):
        read |= binaries.names_read(service, env)
        if service in SELECTIONS:
            read |= binaries.names_read(service, {**env, **SELECTIONS[service]})
    problems = [f"{where}: lists {name}, which {service} does not read" for name in sorted(set(listed) - read)]
    problems += [f"{where}: does not list {name}, which {service} reads" for name in sorted(read - set(listed))]
    return problems


def check_repo(binaries, repo, k8s_files):
    problems = []
    for path in k8s_files:
        with open(path, encoding="utf-8") as file:
            docs = [doc for doc in yaml.safe_load_all(file) if doc]
        problems += k8s_problems(binaries, docs, path)
    compose_dir = repo / "infra/docker-compose"
    compose_file = compose_dir / "distributed.yml"
    example = compose_dir / ".env.distributed.example"
    compose_text = compose_file.read_text(encoding="utf-8")
    example_text = example.read_text(encoding="utf-8")
    variables = dict(EXAMPLE_LINE.findall(example_text))
    problems += compose_problems(binaries, yaml.safe_load(compose_text), variables, compose_file)
    problems += compose_example_problems(compose_text, example_text, example)
    env_sh = repo / "scripts/local/env.sh"
    for preset in ({}, SELECTIONS["knowledge-interface"]):
        label = " ".join(f"{k}={v}" for k, v in preset.items()) or "defaults"
        problems += env_sh_problems(binaries, env_sh, preset, f"{env_sh} ({label})")
    for service in SERVICES:
        example = repo / "crates" / service / ".env.example"
        problems += env_example_problems(binaries, service, example, example)
    return problems


def self_test(binaries):
    """The check must catch the drift the issue names; passes only if every case is caught."""
    container = {
        "name": "knowledge-interface",
        "image": "exobrain/knowledge-interface:0.1.0",
        "env": [
            {"name": "KNOWLEDGE_VECTOR_BACKEND", "value": "qdrant"},
            {"name": "QDRANT_ADDR", "value": "http://qdrant:6334"},
            {"name": "QDRANT_GRPC_URL", "value": "http://qdrant:6334"},
        ],
    }
    docs = [{"kind": "Deployment", "metadata": {"name": "ki"},
             "spec": {"template": {"spec": {"containers": [container]}}}}]
    compose = {"services": {"knowledge-interface": {
        "image": "exobrain/knowledge-interface:dev",
        "environment": {"KNOWLEDGE_GRAPH_BACKEND": "memgraph",
                        "MEMGRAPH_BOLT_ADDR": "bolt://memgraph:7687",
                        "MEMGRAPH_BOLT_URI": "bolt://memgraph:7687"}}}}
    with tempfile.TemporaryDirectory() as tmp:
        script = pathlib.Path(tmp, "env.sh")
        script.write_text("export QDRANT_GRPC_URL=http://127.0.0.1:16334\nexport RUST_LOG=info\n")
        found = env_sh_problems(binaries, script, {}, "env.sh")
    found += k8s_problems(binaries, docs, "k8s") + compose_problems(binaries, compose, {}, "compose")
    expected = [
        "env.sh: exports QDRANT_GRPC_URL, which no service reads",
        "k8s: Deployment/ki container knowledge-interface sets QDRANT_GRPC_URL, "
        "which knowledge-interface does not read",
        "compose: service knowledge-interface sets MEMGRAPH_BOLT_URI, "
        "which knowledge-interface does not read",
    ]
    if found != expected:
        print("self-test failed: expected exactly", *expected, "got", *found, sep="\n  ")
        return 1
    print("env drift self-test: QDRANT_GRPC_URL and MEMGRAPH_BOLT_URI are caught, the real names pass")
    return 0


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bin-dir", required=True, help="directory of the built service binaries")
    parser.add_argument("--repo", default=pathlib.Path(__file__).resolve().parents[2], type=pathlib.Path)
    parser.add_argument("--k8s", nargs="*", default=[], help="rendered Kubernetes manifests")
    parser.add_argument("--self-test", action="store_true")
    args = parser.parse_args()
    binaries = Binaries(args.bin_dir, args.repo)
    if args.self_test:
        return self_test(binaries)
    problems = check_repo(binaries, args.repo, args.k8s)
    for problem in problems:
        print(problem)
    if problems:
        return 1
    print(f"env drift: every variable set for the {len(SERVICES)} services is one they read")
    return 0


if __name__ == "__main__":
    sys.exit(main())
