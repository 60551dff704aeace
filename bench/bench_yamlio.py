"""Benchmark: ``yamlio.dump`` vs the ruamel reference writer on realistic manifests.

    .venv/bin/python bench/bench_yamlio.py [--objects 2000]

The corpus is sanitised live objects of the kinds a cluster is full of: ConfigMaps
(URLs, sentences, number-like strings that must be quoted, multi-line config files),
Deployments (lists of mappings, ints, bools, resource quantities), Services and a
custom resource. Both writers get the same documents (ours first, caches cold); the
script prints milliseconds per object for each, then checks they wrote the same bytes.
A script, not a test: it prints a table and asserts only that the bytes agree.
"""

from __future__ import annotations

import argparse
import random
import string
import time
from collections.abc import Callable
from typing import Any

from activities import yamlio
from activities.manifests import sanitise
from activities.yamlio import reference

NGINX_CONF = """\
server {
    listen 8080;
    server_name _;

    location / {
        proxy_pass http://backend:9000;  # upstream
        proxy_set_header Host $host;
    }
}
"""


def word(rng: random.Random, size: int = 8) -> str:
    return "".join(rng.choices(string.ascii_lowercase, k=size))


def live_metadata(rng: random.Random, index: int, namespace: str) -> dict[str, Any]:
    return {
        "name": f"{word(rng)}-{index:05d}",
        "namespace": namespace,
        "uid": f"{rng.getrandbits(128):032x}",
        "resourceVersion": str(rng.randint(1000, 99999999)),
        "creationTimestamp": "2024-05-01T10:00:00Z",
        "labels": {
            "app.kubernetes.io/name": word(rng),
            "app.kubernetes.io/part-of": "shop",
            "version": rng.choice(["1.0", "2", "v3.1.4"]),
        },
        "annotations": {"owner": "Platform team <platform@example.com>"},
        "managedFields": [{"manager": "kubectl", "operation": "Update"}],
    }


def config_map(rng: random.Random, index: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": live_metadata(rng, index, f"team-{index % 50:02d}"),
        "data": {
            "LOG_LEVEL": rng.choice(["info", "debug", "warn"]),
            "PORT": str(rng.choice([80, 8080, 9000])),
            "ENABLED": rng.choice(["true", "false", "yes", "no"]),
            "RATIO": "0.75",
            "API_URL": f"https://api.example.com/v1/{word(rng)}?page=1&size=50",
            "GREETING": f"Hello, {word(rng)}! Welcome to the shop.",
            "CRON": "*/5 * * * *",
            "FILE_MODE": "0644",
            "EMPTY": "",
            "nginx.conf": NGINX_CONF,
            "settings.json": '{"retries": 3, "timeout": "30s"}\n',
        },
    }


def container(rng: random.Random, name: str) -> dict[str, Any]:
    return {
        "name": name,
        "image": f"registry.example.com/{name}:1.{rng.randint(0, 30)}.{rng.randint(0, 9)}",
        "args": ["--port=8080", "--log-level", "info", "--config=/etc/app/config.yaml"],
        "env": [
            {"name": "POD_NAME", "valueFrom": {"fieldRef": {"fieldPath": "metadata.name"}}},
            {"name": "JAVA_OPTS", "value": "-Xms256m -Xmx512m"},
            {"name": "REPLICA", "value": "1"},
        ],
        "ports": [{"containerPort": 8080, "name": "http", "protocol": "TCP"}],
        "resources": {
            "limits": {"cpu": "500m", "memory": "512Mi"},
            "requests": {"cpu": "100m", "memory": "128Mi"},
        },
        "readinessProbe": {
            "httpGet": {"path": "/healthz", "port": "http"},
            "initialDelaySeconds": 5,
            "periodSeconds": 10,
        },
        "securityContext": {"runAsNonRoot": True, "readOnlyRootFilesystem": True},
        "volumeMounts": [{"mountPath": "/etc/app", "name": "config", "readOnly": True}],
    }


def deployment(rng: random.Random, index: int) -> dict[str, Any]:
    labels = {"app.kubernetes.io/name": word(rng)}
    return {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "metadata": live_metadata(rng, index, f"team-{index % 50:02d}"),
        "spec": {
            "replicas": rng.randint(1, 5),
            "revisionHistoryLimit": 10,
            "selector": {"matchLabels": labels},
            "strategy": {
                "type": "RollingUpdate",
                "rollingUpdate": {"maxSurge": "25%", "maxUnavailable": 0},
            },
            "template": {
                "metadata": {"labels": labels, "annotations": {"checksum/config": word(rng, 40)}},
                "spec": {
                    "containers": [container(rng, "app"), container(rng, "sidecar")],
                    "volumes": [{"name": "config", "configMap": {"name": "app-config"}}],
                    "nodeSelector": {"kubernetes.io/os": "linux"},
                    "tolerations": [],
                },
            },
        },
        "status": {"replicas": 2, "readyReplicas": 2},
    }


def service(rng: random.Random, index: int) -> dict[str, Any]:
    return {
        "apiVersion": "v1",
        "kind": "Service",
        "metadata": live_metadata(rng, index, f"team-{index % 50:02d}"),
        "spec": {
            "type": "ClusterIP",
            "clusterIP": f"10.96.{rng.randint(0, 255)}.{rng.randint(1, 254)}",
            "ports": [
                {"name": "http", "port": 80, "protocol": "TCP", "targetPort": 8080},
                {"name": "metrics", "port": 9090, "protocol": "TCP", "targetPort": "metrics"},
            ],
            "selector": {"app.kubernetes.io/name": word(rng)},
            "sessionAffinity": "None",
        },
    }


def custom_resource(rng: random.Random, index: int) -> dict[str, Any]:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": live_metadata(rng, index, "monitoring"),
        "spec": {
            "groups": [
                {
                    "name": "availability",
                    "rules": [
                        {
                            "alert": "HighErrorRate",
                            "expr": 'sum(rate(http_requests_total{code=~"5.."}[5m])) > 0.05',
                            "for": "10m",
                            "labels": {"severity": "critical"},
                            "annotations": {
                                "summary": "High error rate on {{ $labels.service }}",
                                "description": "More than 5% of requests fail.\nCheck logs.",
                            },
                        }
                    ],
                }
            ]
        },
    }


KINDS: tuple[Callable[[random.Random, int], dict[str, Any]], ...] = (
    config_map,
    config_map,
    deployment,
    service,
    custom_resource,
)


def corpus(objects: int) -> list[dict[str, Any]]:
    """Sanitised manifests of mixed kinds (seeded, repeatable)."""
    rng = random.Random(7)
    return [sanitise(KINDS[i % len(KINDS)](rng, i)) for i in range(objects)]


def per_object_ms(write: Callable[[Any], str], documents: list[dict[str, Any]]) -> float:
    started = time.perf_counter()
    for document in documents:
        write(document)
    return (time.perf_counter() - started) * 1000 / len(documents)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--objects", type=int, default=2000)
    args = parser.parse_args()
    documents = corpus(args.objects)
    # Ours first, so its spelling caches start cold as in a fresh worker.
    ours = per_object_ms(yamlio.dump, documents)
    ruamel = per_object_ms(reference.dump, documents)
    mismatched = sum(yamlio.dump(d) != reference.dump(d) for d in documents)
    assert mismatched == 0, f"{mismatched} documents differ from the reference"
    print(f"{args.objects} manifests (ConfigMaps, Deployments, Services, PrometheusRules)\n")
    print(f"{'writer':<28}{'ms per object':>14}")
    print(f"{'ruamel reference':<28}{ruamel:>14.3f}")
    print(f"{'yamlio.dump':<28}{ours:>14.3f}")
    print(f"\nspeed-up: {ruamel / ours:.1f}x, identical bytes for all {args.objects}")


if __name__ == "__main__":
    main()
