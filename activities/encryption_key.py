"""The age key Secret behind a GitTarget's ``spec.encryption``: validate it, or create it once.

``ensure_encryption_key`` implements ``generateWhenMissing``: an existing Secret is only
read and validated; a missing one is created with a fresh identity when the target asks
for it, and a lost Create race is resolved by reading the winner's Secret. The writers
use ``load_identity`` to get the identity for decrypt-and-compare.

This module must NOT overwrite, patch, rotate or delete a Secret, and must NOT put key
material into a log line, an Event, an exception or a return value that leaves the
process (results go into Temporal history and GitTarget status). It knows nothing of
Temporal: the lifecycle wraps it in an activity and maps the errors to conditions.
"""

from __future__ import annotations

import base64
import binascii
import logging
from datetime import UTC, datetime
from typing import ClassVar

from kubernetes import client
from kubernetes.client.exceptions import ApiException
from pydantic import BaseModel, ConfigDict

from activities.metrics import KEY_GENERATION_FAILURES, KEYS_GENERATED
from activities.sops import AgeIdentity, InvalidIdentity, recipients_hash
from workflows.api.conditions import EncryptionReason

__all__ = [
    "BACKUP_WARNING_ANNOTATION",
    "BACKUP_WARNING_VALUE",
    "FLUX_IDENTITY_KEY",
    "KEY_GENERATED_EVENT_REASON",
    "RECIPIENT_ANNOTATION",
    "SOPS_AGE_KEY",
    "EncryptionKey",
    "EncryptionKeyError",
    "EncryptionKeyRequest",
    "EncryptionSecretCreateFailed",
    "EncryptionSecretForbidden",
    "EncryptionSecretInvalid",
    "EncryptionSecretMissing",
    "ensure_encryption_key",
    "load_identity",
]

SOPS_AGE_KEY = "SOPS_AGE_KEY"
"""The data key sops reads when the Secret is mounted as environment."""
FLUX_IDENTITY_KEY = "identity.agekey"
"""Flux kustomize-controller reads every data key ending in ``.agekey``."""
RECIPIENT_ANNOTATION = "configbutler.ai/age-recipient"
BACKUP_WARNING_ANNOTATION = "configbutler.ai/backup-warning"
BACKUP_WARNING_VALUE = "REMOVE_AFTER_BACKUP"
KEY_GENERATED_EVENT_REASON = "EncryptionKeyGenerated"

_log = logging.getLogger(__name__)
_FORBIDDEN = 403
_NOT_FOUND = 404
_CONFLICT = 409


class EncryptionKeyRequest(BaseModel):
    """The target whose ``spec.encryption`` names the Secret, and what it allows."""

    model_config = ConfigDict(frozen=True)
    target_namespace: str
    target_name: str
    secret_name: str
    generate_when_missing: bool = False


class EncryptionKey(BaseModel):
    """What status and the bootstrap gate need: public facts only, never the identity."""

    model_config = ConfigDict(frozen=True)
    secret_name: str
    recipient: str
    recipients_hash: str
    generated: bool
    """True when this call created the Secret (reason ``KeyGenerated``)."""


class EncryptionKeyError(Exception):
    """A key Secret problem, with the EncryptionConfigured reason it maps to."""

    reason: ClassVar[EncryptionReason]


class EncryptionSecretMissing(EncryptionKeyError):
    """Absent and ``generateWhenMissing`` is false: waits for someone to create it."""

    reason = EncryptionReason.ENCRYPTION_SECRET_MISSING


class EncryptionSecretForbidden(EncryptionKeyError):
    """The operator may not read the Secret (403): waits until RBAC grants ``get`` on it.

    Reported as ``EncryptionSecretMissing``, the closest reason there is: for the
    operator an unreadable Secret is as unavailable as an absent one, and the remedy is
    again someone acting on the cluster, not a retry. The message tells the two apart.
    """

    reason = EncryptionReason.ENCRYPTION_SECRET_MISSING


class EncryptionSecretInvalid(EncryptionKeyError):
    """Present but not exactly one usable identity: stalls until the Secret is fixed."""

    reason = EncryptionReason.ENCRYPTION_SECRET_INVALID


class EncryptionSecretCreateFailed(EncryptionKeyError):
    """Creating the Secret failed for a reason other than AlreadyExists: retry later."""

    reason = EncryptionReason.ENCRYPTION_SECRET_CREATE_FAILED


def ensure_encryption_key(core: client.CoreV1Api, request: EncryptionKeyRequest) -> EncryptionKey:
    """Validate the target's key Secret, creating it first when missing and allowed.

    Waiting (retry with a long backoff; only a change on the cluster helps):
    ``EncryptionSecretMissing``, ``EncryptionSecretForbidden``. Stalled until the Secret
    is fixed: ``EncryptionSecretInvalid``. Retryable: ``EncryptionSecretCreateFailed``,
    an ``ApiException`` from a read that failed with another status (401, 429, 5xx), and
    connection errors, which the Kubernetes client raises as they are.
    """
    secret = _read(core, request.target_namespace, request.secret_name)
    if secret is not None:
        return _key(request, _identity_of(secret, request.target_namespace), generated=False)
    if not request.generate_when_missing:
        raise EncryptionSecretMissing(
            f"Secret {_ref(request)} does not exist and generateWhenMissing is false"
        )
    return _generate(core, request)


def load_identity(core: client.CoreV1Api, namespace: str, secret_name: str) -> AgeIdentity:
    """The validated identity in an existing key Secret, for decrypting in-process."""
    secret = _read(core, namespace, secret_name)
    if secret is None:
        raise EncryptionSecretMissing(f"Secret {namespace}/{secret_name} does not exist")
    return _identity_of(secret, namespace)


def _generate(core: client.CoreV1Api, request: EncryptionKeyRequest) -> EncryptionKey:
    """Create the Secret, or adopt a concurrent one; every way this fails is counted."""
    try:
        return _create(core, request)
    except Exception:
        KEY_GENERATION_FAILURES.inc()
        raise


def _create(core: client.CoreV1Api, request: EncryptionKeyRequest) -> EncryptionKey:
    identity = AgeIdentity.generate()
    try:
        core.create_namespaced_secret(request.target_namespace, _key_secret(request, identity))
    except ApiException as error:
        if error.status != _CONFLICT:
            raise EncryptionSecretCreateFailed(
                f"creating Secret {_ref(request)} failed: {_api_failure(error)}"
            ) from None
        return _adopt_concurrent(core, request)
    KEYS_GENERATED.inc()
    _log.info(
        "generated age key for GitTarget %s/%s in Secret %s (recipient %s)",
        request.target_namespace,
        request.target_name,
        _ref(request),
        identity.recipient,
        extra={
            "target": f"{request.target_namespace}/{request.target_name}",
            "secret": _ref(request),
            "recipient": identity.recipient,
        },
    )
    _announce(core, request, identity.recipient)
    return _key(request, identity, generated=True)


def _adopt_concurrent(core: client.CoreV1Api, request: EncryptionKeyRequest) -> EncryptionKey:
    """Someone created the Secret between our read and our Create: use theirs."""
    secret = _read(core, request.target_namespace, request.secret_name)
    if secret is None:
        raise EncryptionSecretCreateFailed(
            f"Secret {_ref(request)} already existed on Create but is gone again"
        )
    return _key(request, _identity_of(secret, request.target_namespace), generated=False)


def _key_secret(request: EncryptionKeyRequest, identity: AgeIdentity) -> client.V1Secret:
    encoded = base64.b64encode(f"{identity.reveal()}\n".encode()).decode("ascii")
    return client.V1Secret(
        metadata=client.V1ObjectMeta(
            name=request.secret_name,
            namespace=request.target_namespace,
            annotations={
                RECIPIENT_ANNOTATION: identity.recipient,
                BACKUP_WARNING_ANNOTATION: BACKUP_WARNING_VALUE,
            },
        ),
        type="Opaque",
        data={SOPS_AGE_KEY: encoded, FLUX_IDENTITY_KEY: encoded},
    )


def _identity_of(secret: client.V1Secret, namespace: str) -> AgeIdentity:
    name = f"{namespace}/{secret.metadata.name if secret.metadata else '?'}"
    encoded = (secret.data or {}).get(SOPS_AGE_KEY)
    if not encoded:
        raise EncryptionSecretInvalid(f"Secret {name} has no data.{SOPS_AGE_KEY}")
    try:
        text = base64.b64decode(encoded, validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        raise EncryptionSecretInvalid(
            f"Secret {name}: data.{SOPS_AGE_KEY} is not base64-encoded UTF-8 text"
        ) from None
    try:
        return AgeIdentity.parse(text)
    except InvalidIdentity as problem:
        raise EncryptionSecretInvalid(f"Secret {name}: data.{SOPS_AGE_KEY} {problem}") from None


def _read(core: client.CoreV1Api, namespace: str, name: str) -> client.V1Secret | None:
    try:
        return core.read_namespaced_secret(name, namespace)
    except ApiException as error:
        if error.status == _NOT_FOUND:
            return None
        if error.status == _FORBIDDEN:
            raise EncryptionSecretForbidden(
                f"the operator may not read Secret {namespace}/{name} ({_api_failure(error)}); "
                "grant it get on secrets in that namespace"
            ) from None
        raise


def _announce(core: client.CoreV1Api, request: EncryptionKeyRequest, recipient: str) -> None:
    """One Warning Event on the GitTarget; losing it must not fail the bootstrap."""
    now = datetime.now(UTC)
    event = client.CoreV1Event(
        metadata=client.V1ObjectMeta(generate_name=f"{request.target_name}."),
        involved_object=client.V1ObjectReference(
            api_version="configbutler.ai/v1alpha1",
            kind="GitTarget",
            name=request.target_name,
            namespace=request.target_namespace,
        ),
        type="Warning",
        reason=KEY_GENERATED_EVENT_REASON,
        message=(
            f"Generated an age key in Secret {request.secret_name} (recipient {recipient}). "
            "Back it up now, then remove the annotation "
            f"{BACKUP_WARNING_ANNOTATION}: without this Secret the encrypted files in Git "
            "cannot be decrypted."
        ),
        source=client.V1EventSource(component="gitops-reverser"),
        reporting_component="gitops-reverser",
        first_timestamp=now,
        last_timestamp=now,
        count=1,
    )
    try:
        core.create_namespaced_event(request.target_namespace, event)
    except Exception as error:  # noqa: BLE001 - best effort; logged by status or type, never body
        _log.warning(
            "could not record the key generation Event for GitTarget %s/%s: %s",
            request.target_namespace,
            request.target_name,
            _api_failure(error) if isinstance(error, ApiException) else type(error).__name__,
        )


def _key(request: EncryptionKeyRequest, identity: AgeIdentity, *, generated: bool) -> EncryptionKey:
    return EncryptionKey(
        secret_name=request.secret_name,
        recipient=identity.recipient,
        recipients_hash=recipients_hash([identity.recipient]),
        generated=generated,
    )


def _ref(request: EncryptionKeyRequest) -> str:
    return f"{request.target_namespace}/{request.secret_name}"


def _api_failure(error: ApiException) -> str:
    """Status code and reason of an API error, without its body (which may echo a request)."""
    return f"{error.status} {error.reason}"
