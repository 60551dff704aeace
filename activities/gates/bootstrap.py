"""Bootstrapped: the target's folder exists on its branch with ``.sops.yaml`` and a README.

Reasons: ``PathInitialized``; ``BootstrapFailed`` and the git failures. Commits only
when something changed; a retry after the push landed finds that commit again by its
operation id and reports it. Without encryption a stale ``.sops.yaml`` is removed, so
it never names a key nothing is encrypted for.
"""

from __future__ import annotations

from activities.context import WorkerContext
from activities.git import Change, FileState
from activities.git.messages import Operation
from activities.manifests import normalise_target_path
from activities.sops import SOPS_CONFIG_FILENAME, render_sops_config
from activities.writers import open_writer
from workflows.lifecycle.messages import BootstrapInput, BootstrapResult

__all__ = ["bootstrap", "readme"]

_README = "README.md"


def bootstrap(context: WorkerContext, request: BootstrapInput) -> BootstrapResult:
    plan = request.plan
    writer = open_writer(context, request.target.namespace, plan)
    folder = normalise_target_path(plan.path)
    sops = render_sops_config([request.recipient]).encode() if request.recipient else None
    change = Change(
        files=(
            FileState(_join(folder, SOPS_CONFIG_FILENAME), sops),
            FileState(_join(folder, _README), readme(request, folder).encode()),
        ),
        description=f"{Operation.BOOTSTRAP} {folder or '/'}",
        operation_id=request.operation_id,
    )
    applied, push = writer.write_now(change)
    if applied.commit is not None:
        return BootstrapResult(commit=applied.commit, changed=True, head=push.head)
    found = writer.find_operation(request.operation_id, path=folder)
    return BootstrapResult(
        commit=found.commit if found else None, changed=found is not None, head=push.head
    )


def readme(request: BootstrapInput, folder: str) -> str:
    """What a person opening the folder needs to know."""
    plan = request.plan
    encryption = (
        f"Secrets are stored as `<name>.sops.yaml`, encrypted with SOPS for the age recipient "
        f"in `.sops.yaml`. The key is the Secret `{request.target.namespace}/"
        f"{plan.encryption.secret_name}` (`data.SOPS_AGE_KEY`); decrypt with "
        "`SOPS_AGE_KEY=... sops -d FILE`. Without that key these files cannot be decrypted: "
        "back it up.\n"
        if plan.encryption
        else "This target has no encryption: Secrets are never written here.\n"
    )
    return (
        f"# {folder or '/'}\n\n"
        f"Written by gitops-reverser for the GitTarget `{request.target}`: one file per live "
        "Kubernetes object its WatchRules and ClusterWatchRules select, kept equal to the "
        "cluster. Changes made here by hand are overwritten by the next change of the object "
        "or the next re-sync.\n\n"
        "Layout: `<namespace or _cluster>/<API group or core>/<resource>/<name>.yaml`.\n\n"
        f"{encryption}"
    )


def _join(folder: str, name: str) -> str:
    return f"{folder}/{name}" if folder else name
