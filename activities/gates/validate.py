"""Validated: the provider resolves, the branch is allowed, no older target owns the folder,
and the credentials can push. Resolves the target's plan for the later gates.

Reasons: ``AccessVerified``; ``ProviderNotFound``, ``ProviderInvalid``,
``BranchNotAllowed``, ``TargetConflict``, ``CredentialsNotFound``, ``CredentialsInvalid``,
``AuthenticationFailed``, ``WriteAccessDenied`` (the credentials may read but not push),
``RemoteUnreachable`` and the other git failures; ``KubernetesAPIFailed``.

Write access is checked without changing the remote: the push connection's
receive-pack advertisement, which a read-only credential is refused.
"""

from __future__ import annotations

from datetime import datetime

from activities.boundary import GateError
from activities.context import WorkerContext
from activities.gates.conflicts import may_conflict, older_conflicting_target
from activities.gates.providers import ResolvedProvider, resolve_provider
from activities.git import ensure_branch_allowed
from activities.git.transport import Endpoint, check_write_access
from activities.selection import resolve_watch_plan
from activities.writers import read_credentials, writer_id
from workflows.api import GitTarget
from workflows.api.conditions import LifecycleReason, ValidatedReason
from workflows.lifecycle.messages import EncryptionPlan, TargetPlan, TargetRef, ValidateResult

__all__ = ["validate"]


def validate(
    context: WorkerContext, ref: TargetRef, discovered_after: datetime | None = None
) -> ValidateResult:
    cluster = context.cluster
    target = cluster.get_git_target(ref.namespace, ref.name)
    if target is None or target.metadata.uid is None:
        raise GateError(LifecycleReason.KUBERNETES_API_FAILED, f"GitTarget {ref} does not exist")
    provider = resolve_provider(cluster, target)
    if provider.allowed_branches is not None:
        ensure_branch_allowed(target.spec.branch, provider.allowed_branches)
    _refuse_conflicts(context, target, provider)
    credentials = read_credentials(cluster, ref.namespace, provider.plan)
    endpoint = Endpoint(
        url=provider.plan.url, credentials=credentials, ssh_homes=context.cache_dir / "ssh-homes"
    )
    access = check_write_access(endpoint, target.spec.branch)
    watch = resolve_watch_plan(
        target,
        cluster.list_watch_rules(ref.namespace),
        cluster.list_cluster_watch_rules(),
        context.discover(discovered_after),
    )
    encryption = target.spec.encryption
    plan = TargetPlan(
        generation=target.metadata.generation or 0,
        uid=target.metadata.uid,
        provider=provider.plan,
        branch=target.spec.branch,
        path=target.spec.path,
        encryption=EncryptionPlan(
            secret_name=encryption.secret_ref.name,
            generate_when_missing=encryption.generate_when_missing,
        )
        if encryption
        else None,
        watch=watch,
        writer_id=writer_id(provider.plan.url, target.spec.branch),
    )
    branch = target.spec.branch
    return ValidateResult(
        plan=plan,
        branch_exists=access.branch_exists,
        remote_tip=access.tip,
        message=f"credentials can push to {branch}"
        + ("" if access.branch_exists else f" (the branch {branch} will be created)"),
    )


def _refuse_conflicts(
    context: WorkerContext, target: GitTarget, provider: ResolvedProvider
) -> None:
    cluster = context.cluster
    urls: dict[tuple[str, str, str], str | None] = {}

    def url_of(other: GitTarget) -> str | None:
        ref = other.spec.provider_ref
        key = (other.metadata.namespace or "", ref.kind, ref.name)
        if key not in urls:
            try:
                urls[key] = resolve_provider(cluster, other).plan.url
            except GateError:
                urls[key] = None  # an unresolvable provider holds nothing
        return urls[key]

    candidates = cluster.list_git_targets(may_conflict(target))
    older = older_conflicting_target(target, provider.plan.url, candidates, url_of)
    if older is not None:
        raise GateError(
            ValidatedReason.TARGET_CONFLICT,
            f"GitTarget {older.metadata.namespace}/{older.metadata.name} (older) already writes "
            f"{older.spec.path} on {older.spec.branch} of this repository",
        )
