"""Resolving a GitTarget's ``providerRef``: a native GitProvider or a Flux GitRepository.

From a Flux GitRepository only ``spec.url`` and ``spec.secretRef`` are read (never its
status); it has no ``allowedBranches`` and no push policy, so the defaults apply.
"""

from __future__ import annotations

from activities.boundary import GateError
from activities.kube import Cluster
from workflows.api import GitTarget, ProviderKind, PushPolicy
from workflows.api.conditions import ValidatedReason
from workflows.lifecycle.messages import ProviderPlan

__all__ = ["ResolvedProvider", "resolve_provider"]

_DEFAULT_PUSH = PushPolicy()


class ResolvedProvider:
    """The provider as the writing gates use it, and the branches it allows (None: any)."""

    def __init__(self, plan: ProviderPlan, allowed_branches: list[str] | None) -> None:
        self.plan = plan
        self.allowed_branches = allowed_branches


def resolve_provider(cluster: Cluster, target: GitTarget) -> ResolvedProvider:
    """ProviderNotFound when the referenced object is absent, ProviderInvalid when unusable."""
    ref = target.spec.provider_ref
    namespace = target.metadata.namespace or ""
    if ref.kind is ProviderKind.GIT_REPOSITORY:
        return _flux(cluster, namespace, ref.name)
    provider = cluster.get_git_provider(namespace, ref.name)
    if provider is None:
        raise GateError(
            ValidatedReason.PROVIDER_NOT_FOUND,
            f"GitProvider {namespace}/{ref.name} does not exist",
        )
    spec = provider.spec
    plan = ProviderPlan(
        kind=ProviderKind.GIT_PROVIDER,
        name=ref.name,
        url=spec.url,
        secret_name=spec.secret_ref.name if spec.secret_ref else None,
        push_interval_seconds=spec.push.interval_timedelta().total_seconds(),
        push_max_commits=spec.push.max_commits,
    )
    return ResolvedProvider(plan, list(spec.allowed_branches))


def _flux(cluster: Cluster, namespace: str, name: str) -> ResolvedProvider:
    repository = cluster.get_flux_repository(namespace, name)
    if repository is None:
        raise GateError(
            ValidatedReason.PROVIDER_NOT_FOUND,
            f"Flux GitRepository {namespace}/{name} does not exist "
            "(or Flux's source API is not installed)",
        )
    if not repository.url:
        raise GateError(
            ValidatedReason.PROVIDER_INVALID,
            f"Flux GitRepository {namespace}/{name} has no spec.url",
        )
    plan = ProviderPlan(
        kind=ProviderKind.GIT_REPOSITORY,
        name=name,
        url=repository.url,
        secret_name=repository.secret_name,
        push_interval_seconds=_DEFAULT_PUSH.interval_timedelta().total_seconds(),
        push_max_commits=_DEFAULT_PUSH.max_commits,
    )
    return ResolvedProvider(plan, None)
