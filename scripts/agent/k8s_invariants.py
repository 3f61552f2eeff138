"""Invariants of rendered Kubernetes manifests (the output of `kubectl kustomize`).

Usage: k8s_invariants.py [--min-replicas N] [--repo ROOT] MANIFEST.yaml

Checks every workload (Deployment, StatefulSet, DaemonSet, Job, CronJob):
- each container has readiness and liveness probes (init containers cannot have them);
- each container and init container has resource requests and limits for cpu and memory,
  runs as non-root (container or pod securityContext) with a read-only root filesystem;
- each image has a tag or digest that is not `latest`;
- no env entry whose name looks like a credential (PASSWORD, SECRET, TOKEN, KEY, DSN) carries
  a literal `value:`: credentials come from Secrets;
- with --repo, every environment variable set on an `exobrain/<service>` container (`env`, and
  the keys of ConfigMaps and Secrets it takes with `envFrom`) is one the service reads: listed in
  `crates/<service>/.env.example`, which lists every variable its binary reads;
- with --min-replicas, every Deployment and StatefulSet runs at least that many replicas,
  and every HorizontalPodAutoscaler starts from at least that many.
Prints every violation, one per line, and exits 1 when there is any.
"""

import argparse
import pathlib
import re
import sys

import yaml

WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}
CREDENTIAL_NAME = re.compile(r"PASSWORD|SECRET|TOKEN|KEY|DSN")
RESOURCES = ("cpu", "memory")


def pod_spec(doc):
    spec = doc.get("spec", {})
    if doc["kind"] == "CronJob":
        spec = spec.get("jobTemplate", {}).get("spec", {})
    return spec.get("template", {}).get("spec", {})


def image_problem(image):
    if not image:
        return "has no image"
    if "@sha256:" in image:
        return None
    name = image.rsplit("/", 1)[-1]
    if ":" not in name:
        return f"image {image} has no tag"
    if name.rsplit(":", 1)[1] == "latest":
        return f"image {image} uses the latest tag"
    return None


def container_problems(container, pod_security, is_init):
    problems = []
    if not is_init:
        for probe in ("readinessProbe", "livenessProbe"):
            if not container.get(probe):
                problems.append(f"has no {probe}")
    resources = container.get("resources", {})
    for kind in ("requests", "limits"):
        for resource in RESOURCES:
            if resource not in resources.get(kind, {}):
                problems.append(f"has no {kind}.{resource}")
    security = container.get("securityContext", {})
    if not security.get("runAsNonRoot", pod_security.get("runAsNonRoot")):
        problems.append("does not set runAsNonRoot")
    if not security.get("readOnlyRootFilesystem"):
        problems.append("does not set readOnlyRootFilesystem")
    if security.get("allowPrivilegeEscalation", True):
        problems.append("does not set allowPrivilegeEscalation: false")
    if "ALL" not in security.get("capabilities", {}).get("drop", []):
        problems.append("does not drop ALL capabilities")
    problem = image_problem(container.get("image"))
    if problem:
        problems.append(problem)
    for env in container.get("env", []):
        if CREDENTIAL_NAME.search(env["name"]) and "value" in env:
            problems.append(f"sets credential {env['name']} as a literal value")
    return problems


ENV_EXAMPLE_LINE = re.compile(r"^#?\s*([A-Z][A-Z0-9_]*)=", re.MULTILINE)


def variables_read(repo, image):
    """The variables the service behind an `exobrain/<service>` image reads, or None."""
    match = re.fullmatch(r"exobrain/([a-z-]+)(?::.*)?", image or "")
    if not match:
        return None
    example = pathlib.Path(repo, "crates", match.group(1), ".env.example")
    if not example.is_file():
        return None
    return set(ENV_EXAMPLE_LINE.findall(example.read_text(encoding="utf-8")))


def variables_set(container, sources):
    names = {env["name"] for env in container.get("env", [])}
    for source in container.get("envFrom", []):
        for kind, ref in (("ConfigMap", "configMapRef"), ("Secret", "secretRef")):
            if ref in source:
                names |= sources.get((kind, source[ref]["name"]), set())
    return names


def env_problems(docs, repo):
    sources = {
        (doc["kind"], doc["metadata"]["name"]): set(doc.get("data", {})) | set(doc.get("stringData", {}))
        for doc in docs
        if doc["kind"] in ("ConfigMap", "Secret")
    }
    problems = []
    for doc in docs:
        if doc["kind"] not in WORKLOADS:
            continue
        spec = pod_spec(doc)
        for container in spec.get("initContainers", []) + spec.get("containers", []):
            known = variables_read(repo, container.get("image"))
            if known is None:
                continue
            for name in sorted(variables_set(container, sources) - known):
                problems.append(
                    f"{doc['kind']}/{doc['metadata']['name']} container {container['name']} "
                    f"sets {name}, which {container['image']} does not read"
                )
    return problems


def check(docs, min_replicas, repo):
    problems = env_problems(docs, repo) if repo else []
    for doc in docs:
        kind, name = doc["kind"], doc["metadata"]["name"]
        where = f"{kind}/{name}"
        if kind in WORKLOADS:
            spec = pod_spec(doc)
            pod_security = spec.get("securityContext", {})
            groups = (("containers", False), ("initContainers", True))
            for field, is_init in groups:
                for container in spec.get(field, []):
                    for problem in container_problems(container, pod_security, is_init):
                        problems.append(f"{where} container {container['name']} {problem}")
            if not spec.get("containers"):
                problems.append(f"{where} has no containers")
        if min_replicas and kind in ("Deployment", "StatefulSet"):
            replicas = doc["spec"].get("replicas", 1)
            if replicas < min_replicas:
                problems.append(f"{where} runs {replicas} replicas, fewer than {min_replicas}")
        if min_replicas and kind == "HorizontalPodAutoscaler":
            low = doc["spec"].get("minReplicas", 1)
            if low < min_replicas:
                problems.append(f"{where} minReplicas {low} is fewer than {min_replicas}")
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-replicas", type=int, default=0)
    parser.add_argument("--repo", help="repository root, for the variables each service reads")
    parser.add_argument("manifest")
    args = parser.parse_args()
    with open(args.manifest, encoding="utf-8") as file:
        docs = [doc for doc in yaml.safe_load_all(file) if doc]
    problems = check(docs, args.min_replicas, args.repo)
    for problem in problems:
        print(f"{args.manifest}: {problem}")
    workloads = sum(doc["kind"] in WORKLOADS for doc in docs)
    if problems:
        return 1
    print(f"{args.manifest}: {len(docs)} objects, {workloads} workloads: invariants hold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
