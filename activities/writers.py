"""The branch writer a target's plan binds to, with the provider's credentials.

One writer per (remote URL, branch) in the worker (``BranchWriters``), configured from
the plan (push batching) and the provider's credentials Secret, read fresh each time
so a rotated credential is used from the next gate on.
"""

from __future__ import annotations

from datetime import timedelta

from activities.boundary import GateError
from activities.context import WorkerContext
from activities.git import (
    BatchPolicy,
    BranchWriter,
    Credentials,
    CredentialsInvalid,
    WriterConfig,
    credentials_from_secret,
)
from activities.git.credentials import redact_url
from activities.kube import Cluster
from workflows.api.conditions import ValidatedReason
from workflows.lifecycle.messages import ProviderPlan, SecretRef, TargetPlan

__all__ = ["open_writer", "read_credentials", "writer_config", "writer_id"]


def writer_id(url: str, branch: str) -> str:
    """How status names a branch writer: the remote without credentials, and the branch."""
    return f"{redact_url(url)}#{branch}"


def read_credentials(
    cluster: Cluster, namespace: str, provider: ProviderPlan
) -> Credentials | None:
    """The provider's git credentials; a missing or malformed Secret names itself."""
    if provider.secret_name is None:
        return credentials_from_secret(provider.url, None)
    secret = cluster.read_secret(namespace, provider.secret_name)
    if secret is None:
        raise GateError(
            ValidatedReason.CREDENTIALS_NOT_FOUND,
            f"credentials Secret {namespace}/{provider.secret_name} of {provider.kind} "
            f"{provider.name} does not exist",
            secret=SecretRef(namespace=namespace, name=provider.secret_name),
        )
    try:
        return credentials_from_secret(provider.url, secret.data)
    except CredentialsInvalid as error:
        raise GateError(
            error.reason,
            f"credentials Secret {namespace}/{provider.secret_name}: {error}",
            secret=SecretRef(
                namespace=namespace, name=provider.secret_name, version=secret.resource_version
            ),
        ) from None


def writer_config(context: WorkerContext, namespace: str, plan: TargetPlan) -> WriterConfig:
    return WriterConfig(
        url=plan.provider.url,
        branch=plan.branch,
        cache_dir=context.cache_dir / "writers",
        credentials=read_credentials(context.cluster, namespace, plan.provider),
        batch=BatchPolicy(
            interval=timedelta(seconds=plan.provider.push_interval_seconds),
            max_commits=plan.provider.push_max_commits,
        ),
    )


def open_writer(context: WorkerContext, namespace: str, plan: TargetPlan) -> BranchWriter:
    """The target's branch writer, fetched up to the remote's tip."""
    writer = context.writers.get(writer_config(context, namespace, plan))
    writer.open()
    return writer
