#!/usr/bin/env python3
"""Minimal gRPC health client: calls grpc.health.v1.Health/Check once.

Prints the serving status (SERVING, NOT_SERVING, SERVICE_UNKNOWN, ...) or the
RPC error, and exits 0 only when the status is SERVING (1 for any other
status, 2 when the call itself failed).
"""

import argparse
import sys

import grpc
from grpc_health.v1 import health_pb2, health_pb2_grpc


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("target", help="HOST:PORT (an http:// prefix is ignored)")
    parser.add_argument(
        "service",
        nargs="?",
        default="",
        help='service name to check; "" (the default) asks for the whole server',
    )
    parser.add_argument(
        "--timeout", type=float, default=3.0, help="deadline in seconds (default 3)"
    )
    return parser.parse_args()


def main() -> int:
    args = parse_args()
    target = args.target
    for prefix in ("http://", "grpc://"):
        if target.startswith(prefix):
            target = target[len(prefix):]
    label = f"{target} service={args.service!r}"

    with grpc.insecure_channel(target) as channel:
        stub = health_pb2_grpc.HealthStub(channel)
        try:
            reply = stub.Check(
                health_pb2.HealthCheckRequest(service=args.service),
                timeout=args.timeout,
            )
        except grpc.RpcError as err:
            code = err.code().name if err.code() else "UNKNOWN"
            details = f": {err.details()}" if err.details() else ""
            if code == "NOT_FOUND" and not details:
                details = ": the server does not know this service name"
            print(f"{label}: {code}{details}", file=sys.stderr)
            return 2

    status = health_pb2.HealthCheckResponse.ServingStatus.Name(reply.status)
    print(f"{label}: {status}")
    return 0 if reply.status == health_pb2.HealthCheckResponse.SERVING else 1


if __name__ == "__main__":
    sys.exit(main())
