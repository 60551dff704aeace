"""End-to-end lifecycles: the real API server, Temporal dev server and git servers, with
the operator's worker and bridge running as their own processes.

``operator`` starts one worker and one bridge per test module (fresh task queues);
``scenario`` gives each test its own namespace, git remote, credentials and read grants
for the worker, and the ways a user acts: ``kubectl apply`` and ``kubectl wait``.
"""

from __future__ import annotations

import json
import subprocess
import time
import uuid
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pygit2
import pytest
from temporalio.client import Client

from tests.conftest import REPO_ROOT
from tests.harness.git import GitRemote, GitServers
from tests.harness.kube import (
    ControlPlane,
    WorkerReadGrant,
    grant_worker_read,
    start_control_plane,
)
from tests.harness.operator import OperatorProcess, Queues, start_bridge, start_worker
from tests.harness.temporal import TemporalServer
from tests.harness.tools import Tools
from tests.integration.encryption.binaries import Binaries
from workflows.api.conditions import ConditionType
from workflows.lifecycle.workflow import GitTargetWorkflow

GROUP_VERSION = "configbutler.ai/v1alpha1"
READ_IN_NAMESPACE = [("", "configmaps"), ("", "secrets")]


@dataclass
class Operator:
    plane: ControlPlane
    temporal: TemporalServer
    queues: Queues
    workdir: Path
    workers: list[OperatorProcess] = field(default_factory=list)
    bridges: list[OperatorProcess] = field(default_factory=list)

    @property
    def bridge(self) -> OperatorProcess | None:
        """The newest bridge started."""
        return self.bridges[-1] if self.bridges else None

    def start_worker(self) -> OperatorProcess:
        worker = start_worker(self.plane, self.temporal, self.queues, self.workdir)
        self.workers.append(worker)
        return worker

    def start_bridge(self) -> OperatorProcess:
        bridge = start_bridge(self.plane, self.temporal, self.queues, self.workdir)
        self.bridges.append(bridge)
        return bridge

    def stop(self) -> None:
        for process in [*self.workers, *self.bridges]:
            process.stop()


@pytest.fixture(scope="module")
def operator(
    control_plane: ControlPlane,
    temporal: TemporalServer,
    tmp_path_factory: pytest.TempPathFactory,
) -> Iterator[Operator]:
    running = Operator(control_plane, temporal, Queues(), tmp_path_factory.mktemp("operator"))
    running.start_worker()
    running.start_bridge()
    yield running
    running.stop()


def own_control_plane(
    tools: Tools,
    tmp_path_factory: pytest.TempPathFactory,
    name: str,
    apiserver_flags: Sequence[str] = (),
) -> Iterator[ControlPlane]:
    """The body of a module's own ``control_plane`` fixture: for tests that change the API
    server itself (its flags, its process), which would break the session's for the rest."""
    plane = start_control_plane(
        tools, tmp_path_factory.mktemp(name), REPO_ROOT / "crds", apiserver_flags=apiserver_flags
    )
    yield plane
    plane.stop()


@pytest.fixture
def binaries(tools: Tools, tmp_path: Path) -> Binaries:
    return Binaries(tools, tmp_path)


@dataclass
class Scenario:
    plane: ControlPlane
    namespace: str
    remote: GitRemote
    temporal: TemporalServer
    temporal_bin: Path
    grants: list[WorkerReadGrant] = field(default_factory=list)

    def signal(self, name: str, target: str = "mirror") -> None:
        """``temporal workflow signal --name NAME`` without input, as an operator sends it."""
        subprocess.run(
            [
                str(self.temporal_bin),
                "workflow",
                "signal",
                "--address",
                self.temporal.address,
                "--workflow-id",
                f"gittarget/{self.namespace}/{target}",
                "--name",
                name,
            ],
            check=True,
            capture_output=True,
            timeout=30,
        )

    def workflow_json(
        self, verb: str, target: str = "mirror", *, check: bool = False
    ) -> subprocess.CompletedProcess[str]:
        """``temporal workflow VERB --output json`` of the target's workflow (``show``: its
        history, ``describe``: its state and pending activities)."""
        return subprocess.run(
            [
                str(self.temporal_bin),
                "workflow",
                verb,
                "--address",
                self.temporal.address,
                "--workflow-id",
                f"gittarget/{self.namespace}/{target}",
                "--output",
                "json",
            ],
            capture_output=True,
            text=True,
            timeout=30,
            check=check,
        )

    def scheduled(self, target: str = "mirror") -> list[str]:
        """The activities the target's workflow scheduled, in order (its history says)."""
        shown = self.workflow_json("show", target, check=True)
        return [
            event["activityTaskScheduledEventAttributes"]["activityType"]["name"]
            for event in json.loads(shown.stdout).get("events", [])
            if event.get("eventType") == "EVENT_TYPE_ACTIVITY_TASK_SCHEDULED"
        ]

    def history(self, target: str = "mirror") -> str:
        """The workflow's last events, for failure messages."""
        shown = self.workflow_json("show", target)
        try:
            events = json.loads(shown.stdout).get("events", [])
        except json.JSONDecodeError:
            return shown.stdout[-3000:] + shown.stderr[-1000:]
        lines = []
        for event in events[-40:]:
            kind = event.get("eventType", "")
            failure = json.dumps(event)[:300] if "FAIL" in kind.upper() else ""
            lines.append(f"{event.get('eventId')} {kind} {failure}")
        return "\n".join(lines)

    # --- what a user does ---

    def apply(self, *objects: dict[str, Any]) -> None:
        document = {"apiVersion": "v1", "kind": "List", "items": list(objects)}
        self.plane.kubectl("apply", "-n", self.namespace, "-f", "-", stdin=json.dumps(document))

    def delete(self, kind: str, name: str, *, wait: bool = True) -> None:
        self.plane.kubectl(
            "delete",
            "-n",
            self.namespace,
            kind,
            name,
            f"--wait={str(wait).lower()}",
            "--timeout=60s",
        )

    def wait(self, target: str, condition: str, *, timeout: int = 60) -> None:
        """``kubectl wait --for=condition=...`` exactly as a user runs it."""
        result = self.plane.kubectl(
            "wait",
            "-n",
            self.namespace,
            f"--for=condition={condition}",
            f"gittarget/{target}",
            f"--timeout={timeout}s",
            check=False,
        )
        assert result.returncode == 0, (
            f"{result.stderr}\nstatus: {self.status(target)}\n{self.history(target)}"
        )

    def status(self, target: str) -> dict[str, Any]:
        found = self.get("gittarget", target)
        return dict(found.get("status") or {})

    def get(self, kind: str, name: str) -> dict[str, Any]:
        result = self.plane.kubectl("get", "-n", self.namespace, kind, name, "-o", "json")
        loaded: dict[str, Any] = json.loads(result.stdout)
        return loaded

    def condition(self, target: str, kind: str) -> tuple[str, str]:
        for found in self.status(target).get("conditions") or []:
            if found["type"] == kind:
                return found["status"], found["reason"]
        return "", ""

    def until(self, probe: Callable[[], bool], what: str, *, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while not probe():
            if time.monotonic() > deadline:
                raise AssertionError(f"{what} not reached in {timeout}s\n{self.history()}")
            time.sleep(0.2)

    def grant(self, resources: list[tuple[str, str]], *, cluster_wide: bool = False) -> None:
        namespace = None if cluster_wide else self.namespace
        self.grants.append(grant_worker_read(self.plane, resources=resources, namespace=namespace))

    # --- manifests ---

    def credentials(
        self, name: str = "git-credentials", *, read_only: bool = False
    ) -> dict[str, Any]:
        user = self.remote.http_ro if read_only else self.remote.http_rw
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": name},
            "stringData": {"username": user.username, "password": user.password},
        }

    def provider(
        self,
        name: str = "repo",
        *,
        secret: str = "git-credentials",
        branches: tuple[str, ...] = ("main",),
        max_commits: int = 1,
    ) -> dict[str, Any]:
        return {
            "apiVersion": GROUP_VERSION,
            "kind": "GitProvider",
            "metadata": {"name": name},
            "spec": {
                "url": self.remote.http_url,
                "secretRef": {"name": secret},
                "allowedBranches": list(branches),
                "push": {"interval": "1s", "maxCommits": max_commits},
            },
        }

    def target(
        self,
        name: str = "mirror",
        *,
        provider: str = "repo",
        path: str | None = None,
        branch: str = "main",
        key: str | None = "sops-age-key",
        generate: bool = True,
    ) -> dict[str, Any]:
        spec: dict[str, Any] = {
            "providerRef": {"name": provider},
            "branch": branch,
            "path": path or f"clusters/{self.namespace}",
        }
        if key is not None:
            spec["encryption"] = {"secretRef": {"name": key}, "generateWhenMissing": generate}
        return {
            "apiVersion": GROUP_VERSION,
            "kind": "GitTarget",
            "metadata": {"name": name},
            "spec": spec,
        }

    def watch_rule(
        self,
        name: str = "config",
        *,
        target: str = "mirror",
        resources: tuple[str, ...] = ("configmaps", "secrets"),
    ) -> dict[str, Any]:
        return {
            "apiVersion": GROUP_VERSION,
            "kind": "WatchRule",
            "metadata": {"name": name},
            "spec": {
                "targetRef": {"name": target},
                "rules": [{"apiGroups": [""], "resources": list(resources)}],
            },
        }

    def cluster_watch_rule(
        self,
        *,
        target: str = "mirror",
        group: str = "",
        resources: tuple[str, ...] = ("namespaces",),
    ) -> dict[str, Any]:
        name = f"{self.namespace}-{target}"
        return {
            "apiVersion": GROUP_VERSION,
            "kind": "ClusterWatchRule",
            "metadata": {"name": name, "labels": {"test": self.namespace}},
            "spec": {
                "targetRef": {"namespace": self.namespace, "name": target},
                "rules": [{"apiGroups": [group], "resources": list(resources), "scope": "Cluster"}],
            },
        }

    def config_map(self, name: str, data: dict[str, str]) -> dict[str, Any]:
        return {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": name}, "data": data}

    def secret(self, name: str, data: dict[str, str]) -> dict[str, Any]:
        return {
            "apiVersion": "v1",
            "kind": "Secret",
            "metadata": {"name": name},
            "stringData": data,
        }

    # --- what is in Git ---

    def object_file(
        self, namespace: str | None, resource: str, name: str, *, group: str = "core"
    ) -> str:
        where = namespace or "_cluster"
        suffix = ".sops.yaml" if resource == "secrets" else ".yaml"
        return f"{self.folder()}/{where}/{group}/{resource}/{name}{suffix}"

    def file(self, path: str, branch: str = "main") -> bytes | None:
        return self.remote.read(path, branch)

    def commits(self, branch: str = "main") -> list[str]:
        """Commit ids on ``branch``, newest first."""
        repo = pygit2.Repository(str(self.remote.bare_path))
        tip = repo.references[f"refs/heads/{branch}"].target
        return [str(c.id) for c in repo.walk(tip, pygit2.enums.SortMode.TOPOLOGICAL)]

    def folder(self, target: str = "mirror") -> str:
        return str(self.get("gittarget", target)["spec"]["path"])


@pytest.fixture
def scenario(
    control_plane: ControlPlane,
    namespace: str,
    git_servers: GitServers,
    temporal: TemporalServer,
    tools: Tools,
) -> Iterator[Scenario]:
    subject = Scenario(
        control_plane, namespace, git_servers.new_remote(), temporal, tools.bin("temporal")
    )
    subject.grant(READ_IN_NAMESPACE)
    yield subject
    _cleanup(subject)


def _cleanup(subject: Scenario) -> None:
    """Delete the test's GitTargets (their workflows end) and revoke its grants."""
    subject.plane.kubectl(
        "delete", "-n", subject.namespace, "gittargets", "--all", "--timeout=60s", check=False
    )
    subject.plane.kubectl(
        "delete", "clusterwatchrules", "-l", f"test={subject.namespace}", check=False
    )
    for grant in reversed(subject.grants):
        grant.revoke()


async def workflow_condition(
    client: Client, scenario: Scenario, kind: ConditionType, target: str = "mirror"
) -> tuple[str, str, str]:
    """(status, reason, message) of a condition as the target's workflow holds it (its
    ``status`` query): what the bridge publishes next, readable while the API server is down."""
    handle = client.get_workflow_handle_for(
        GitTargetWorkflow.run, f"gittarget/{scenario.namespace}/{target}"
    )
    status = await handle.query(GitTargetWorkflow.status)
    for found in status.conditions:
        if found.type == kind:
            return str(found.status), str(found.reason), found.message
    return "", "", ""


def unique(prefix: str) -> str:
    return f"{prefix}-{uuid.uuid4().hex[:6]}"
