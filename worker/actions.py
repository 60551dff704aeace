"""What the one-shot subcommands do: send ``resync``, print the status table."""

from __future__ import annotations

import sys

from temporalio.service import RPCError, RPCStatusCode

from activities.kube import Cluster
from worker.settings import KubernetesSettings, TemporalSettings
from worker.status_table import render
from worker.temporal import connect
from workflows.lifecycle.messages import Resync, SignalName, workflow_id

__all__ = ["print_status", "resync"]


async def resync(settings: TemporalSettings, namespace: str, name: str) -> int:
    """Signal ``resync``: the same as ``temporal workflow signal --workflow-id
    gittarget/NS/NAME --name resync``."""
    client = await connect(settings, wait=False)
    target = workflow_id(namespace, name)
    try:
        await client.get_workflow_handle(target).signal(
            SignalName.RESYNC, Resync(cause="gitops-reverser resync")
        )
    except RPCError as error:
        if error.status != RPCStatusCode.NOT_FOUND:
            raise
        print(f"error: no running workflow {target}", file=sys.stderr)
        return 1
    print(f"resync requested for {target}")
    return 0


def print_status(settings: KubernetesSettings, namespace: str | None) -> int:
    targets = Cluster.connect(settings.kubeconfig).list_git_targets()
    if namespace:
        targets = [t for t in targets if t.metadata.namespace == namespace]
    print(render(targets))
    return 0
