"""Invariants of rendered Kubernetes manifests (the output of `kubectl kustomize`).

Usage: k8s_invariants.py [--min-replicas N] [--stream-replicas N] [--external-stores]
                         [--repo ROOT] MANIFEST.yaml

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
- each exobrain pod's terminationGracePeriodSeconds exceeds its service's drain (the worker:
  WORKER_SHUTDOWN_GRACE_SECONDS plus the hand-back grace; the others: the shared 4 s) by at
  least GRACE_MARGIN seconds, so the kubelet never kills a pod that is still draining;
- a Deployment an HorizontalPodAutoscaler scales sets no replicas of its own (a re-apply would
  reset what the autoscaler chose);
- with --min-replicas, every Deployment and StatefulSet runs at least that many replicas
  (through its autoscaler's minReplicas where it has one), and with two or more each is spread
  across nodes (a DoNotSchedule topology spread or a required anti-affinity on the hostname);
- with --stream-replicas N, the NATS workload runs N servers (routed to each other when N > 1)
  and every service that creates the streams sets JOBS_STREAM_REPLICAS=N;
- with --external-stores, no PostgreSQL or Redis runs in the cluster and every DSN and Redis URL
  an exobrain container reads comes from a Secret.
Prints every violation, one per line, and exits 1 when there is any.
"""

import argparse
import pathlib
import re
import sys

import yaml

WORKLOADS = {"Deployment", "StatefulSet", "DaemonSet", "Job", "CronJob"}
# Drains (seconds) of crates/common/src/shutdown.rs DEFAULT_GRACE and the worker's
# INTERRUPT_GRACE (crates/job-orchestrator-worker/src/lib.rs); WORKER_SHUTDOWN_GRACE_SECONDS
# defaults to 20.
DEFAULT_DRAIN = 4
WORKER_HAND_BACK = 5
WORKER_GRACE_DEFAULT = 20
GRACE_MARGIN = 5
STREAM_SERVICES = ("job-orchestrator-api", "job-orchestrator-worker")
STORE_URL = re.compile(r"_DSN$|REDIS_URL$")
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


def config_sources(docs):
    """(kind, name) of each ConfigMap and Secret -> its data (Secret values left encoded)."""
    return {
        (doc["kind"], doc["metadata"]["name"]): {**doc.get("data", {}), **doc.get("stringData", {})}
        for doc in docs
        if doc["kind"] in ("ConfigMap", "Secret")
    }


def literal_env(container, sources):
    """The literal values a container gets from `env` and ConfigMaps it takes with `envFrom`."""
    values = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            values.update(sources.get(("ConfigMap", source["configMapRef"]["name"]), {}))
    for env in container.get("env", []):
        if "value" in env:
            values[env["name"]] = env["value"]
    return values


def service_of(container):
    match = re.fullmatch(r"exobrain/([a-z-]+)(?::.*)?", container.get("image") or "")
    return match.group(1) if match else None


def grace_problems(doc, sources):
    spec = pod_spec(doc)
    grace = spec.get("terminationGracePeriodSeconds", 30)
    problems = []
    for container in spec.get("containers", []):
        service = service_of(container)
        if not service:
            continue
        drain = DEFAULT_DRAIN
        if service == "job-orchestrator-worker":
            configured = literal_env(container, sources).get("WORKER_SHUTDOWN_GRACE_SECONDS")
            drain = float(configured or WORKER_GRACE_DEFAULT) + WORKER_HAND_BACK
        if grace < drain + GRACE_MARGIN:
            problems.append(
                f"terminationGracePeriodSeconds {grace} does not exceed the {drain:g} s drain of "
                f"{service} by {GRACE_MARGIN} s"
            )
    return problems


def spread_across_nodes(spec):
    for constraint in spec.get("topologySpreadConstraints", []):
        if (constraint.get("topologyKey") == "kubernetes.io/hostname"
                and constraint.get("whenUnsatisfiable") == "DoNotSchedule"):
            return True
    anti = spec.get("affinity", {}).get("podAntiAffinity", {})
    return any(
        term.get("topologyKey") == "kubernetes.io/hostname"
        for term in anti.get("requiredDuringSchedulingIgnoredDuringExecution", [])
    )


def replica_problems(docs, min_replicas):
    scaled = {
        doc["spec"]["scaleTargetRef"]["name"]: doc
        for doc in docs
        if doc["kind"] == "HorizontalPodAutoscaler"
    }
    problems = []
    for doc in docs:
        kind, name = doc["kind"], doc["metadata"]["name"]
        where = f"{kind}/{name}"
        if kind == "HorizontalPodAutoscaler":
            low = doc["spec"].get("minReplicas", 1)
            if low < min_replicas:
                problems.append(f"{where} minReplicas {low} is fewer than {min_replicas}")
        if kind not in ("Deployment", "StatefulSet"):
            continue
        if kind == "Deployment" and name in scaled:
            if "replicas" in doc["spec"]:
                problems.append(f"{where} sets replicas although an autoscaler scales it")
            continue
        replicas = doc["spec"].get("replicas", 1)
        if replicas < min_replicas:
            problems.append(f"{where} runs {replicas} replicas, fewer than {min_replicas}")
        if min_replicas >= 2 and not spread_across_nodes(pod_spec(doc)):
            problems.append(f"{where} is not spread across nodes")
    for name, hpa in scaled.items():
        target = next((d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == name), None)
        if target and min_replicas >= 2 and not spread_across_nodes(pod_spec(target)):
            problems.append(f"Deployment/{name} is not spread across nodes")
    return problems


def stream_problems(docs, sources, replicas):
    problems = []
    nats = [d for d in docs if d["kind"] in ("Deployment", "StatefulSet")
            and any((c.get("image") or "").startswith("nats:") for c in pod_spec(d).get("containers", []))]
    if len(nats) != 1:
        return [f"expected one NATS workload, found {len(nats)}"]
    servers = nats[0]["spec"].get("replicas", 1)
    if servers != replicas:
        problems.append(f"NATS runs {servers} servers, not {replicas}")
    if replicas > 1:
        routes = sum(
            len(re.findall(r"nats://[^\s\]]+:6222", str(value)))
            for (kind, _), data in sources.items() if kind == "ConfigMap"
            for value in data.values()
        )
        if routes < replicas:
            problems.append(f"NATS configuration routes to {routes} servers, not {replicas}")
    for doc in docs:
        if doc["kind"] not in WORKLOADS:
            continue
        for container in pod_spec(doc).get("containers", []):
            if service_of(container) in STREAM_SERVICES:
                value = literal_env(container, sources).get("JOBS_STREAM_REPLICAS", "1")
                if value != str(replicas):
                    problems.append(
                        f"{doc['kind']}/{doc['metadata']['name']} sets JOBS_STREAM_REPLICAS={value}, "
                        f"not {replicas}"
                    )
    return problems


def external_store_problems(docs, sources):
    problems = []
    for doc in docs:
        if doc["kind"] not in WORKLOADS:
            continue
        spec = pod_spec(doc)
        for container in spec.get("initContainers", []) + spec.get("containers", []):
            image = (container.get("image") or "").rsplit("/", 1)[-1]
            if image.startswith(("postgres:", "redis:")):
                problems.append(f"{doc['kind']}/{doc['metadata']['name']} runs {image} in the cluster")
            if service_of(container):
                for name in sorted(literal_env(container, sources)):
                    if STORE_URL.search(name):
                        problems.append(
                            f"{doc['kind']}/{doc['metadata']['name']} container {container['name']} "
                            f"takes {name} from a literal or ConfigMap, not a Secret"
                        )
    return problems


def check(docs, min_replicas, repo, stream_replicas=0, external_stores=False):
    problems = env_problems(docs, repo) if repo else []
    sources = config_sources(docs)
    problems += replica_problems(docs, min_replicas)
    if stream_replicas:
        problems += stream_problems(docs, sources, stream_replicas)
    if external_stores:
        problems += external_store_problems(docs, sources)
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
            problems += [f"{where} {problem}" for problem in grace_problems(doc, sources)]
    return problems


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--min-replicas", type=int, default=0)
    parser.add_argument("--stream-replicas", type=int, default=0)
    parser.add_argument("--external-stores", action="store_true")
    parser.add_argument("--repo", help="repository root, for the variables each service reads")
    parser.add_argument("manifest")
    args = parser.parse_args()
    with open(args.manifest, encoding="utf-8") as file:
        docs = [doc for doc in yaml.safe_load_all(file) if doc]
    problems = check(docs, args.min_replicas, args.repo, args.stream_replicas, args.external_stores)
    for problem in problems:
        print(f"{args.manifest}: {problem}")
    workloads = sum(doc["kind"] in WORKLOADS for doc in docs)
    if problems:
        return 1
    print(f"{args.manifest}: {len(docs)} objects, {workloads} workloads: invariants hold")
    return 0


if __name__ == "__main__":
    sys.exit(main())
