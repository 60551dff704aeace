"""Leader election on a coordination.k8s.io Lease, so one bridge replica acts at a time.

The bridge acquires the Lease before it watches, signals or publishes anything, renews
it every ``renew_every`` seconds, and reports the loss when it could not renew for a
whole lease duration (or someone else holds it): the process then exits and its
replacement starts over, the way controller-runtime managers do. Updates carry the
resourceVersion read, so two replicas never both win.

Talks to the API server about its one Lease only.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from kubernetes import client
from kubernetes.client.exceptions import ApiException

__all__ = ["LeaseElector", "LeaseSettings"]

_log = logging.getLogger(__name__)
_NOT_FOUND = 404
_CONFLICT = 409


@dataclass(frozen=True)
class LeaseSettings:
    namespace: str
    name: str
    identity: str
    duration: float = 15.0
    renew_every: float = 3.0


class LeaseElector:
    """Acquire with ``acquire``; then ``keep`` renews in a thread until ``release``."""

    def __init__(self, api: client.ApiClient, settings: LeaseSettings) -> None:
        self._api = client.CoordinationV1Api(api)
        self._settings = settings
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def acquire(self, stop: threading.Event) -> bool:
        """Block until this replica holds the Lease (True) or ``stop`` is set (False)."""
        announced = False
        while not stop.is_set():
            if self._try_take():
                _log.info("bridge %s holds Lease %s", self._settings.identity, self._name)
                return True
            if not announced:
                _log.info("another bridge holds Lease %s; standing by", self._name)
                announced = True
            stop.wait(self._settings.renew_every)
        return False

    def keep(self, lost: Callable[[], None]) -> None:
        """Renew in the background; call ``lost`` once renewing failed for a lease duration."""
        self._thread = threading.Thread(target=self._renew, args=(lost,), name="lease", daemon=True)
        self._thread.start()

    def release(self) -> None:
        """Stop renewing and give the Lease up, so a standby takes over at once."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=self._settings.renew_every * 2)
        try:
            lease = self._api.read_namespaced_lease(self._settings.name, self._settings.namespace)
            if lease.spec and lease.spec.holder_identity == self._settings.identity:
                lease.spec.holder_identity = None
                self._api.replace_namespaced_lease(
                    self._settings.name, self._settings.namespace, lease
                )
        except ApiException as error:
            _log.warning(
                "could not release Lease %s: %s %s", self._name, error.status, error.reason
            )

    @property
    def _name(self) -> str:
        return f"{self._settings.namespace}/{self._settings.name}"

    def _renew(self, lost: Callable[[], None]) -> None:
        last_renewed = time.monotonic()
        while not self._stop.wait(self._settings.renew_every):
            try:
                held = self._try_take()
            except Exception as error:  # noqa: BLE001 - any failure counts against the lease
                _log.warning("renewing Lease %s failed: %s", self._name, error)
                held = False
            if held:
                last_renewed = time.monotonic()
            elif time.monotonic() - last_renewed > self._settings.duration:
                _log.error("lost Lease %s; this bridge stops acting", self._name)
                lost()
                return

    def _try_take(self) -> bool:
        """Create, renew or (when expired) take over the Lease; False when another holds it."""
        now = datetime.now(UTC)
        try:
            lease = self._api.read_namespaced_lease(self._settings.name, self._settings.namespace)
        except ApiException as error:
            if error.status != _NOT_FOUND:
                raise
            return self._create(now)
        spec = lease.spec or client.V1LeaseSpec()
        mine = spec.holder_identity == self._settings.identity
        if not mine and spec.holder_identity and not _expired(spec, now):
            return False
        if not mine:
            spec.acquire_time = now
            spec.lease_transitions = (spec.lease_transitions or 0) + 1
        spec.holder_identity = self._settings.identity
        spec.lease_duration_seconds = int(self._settings.duration)
        spec.renew_time = now
        lease.spec = spec
        try:
            self._api.replace_namespaced_lease(self._settings.name, self._settings.namespace, lease)
        except ApiException as error:
            if error.status == _CONFLICT:
                return False
            raise
        return True

    def _create(self, now: datetime) -> bool:
        lease = client.V1Lease(
            metadata=client.V1ObjectMeta(
                name=self._settings.name, namespace=self._settings.namespace
            ),
            spec=client.V1LeaseSpec(
                holder_identity=self._settings.identity,
                lease_duration_seconds=int(self._settings.duration),
                acquire_time=now,
                renew_time=now,
                lease_transitions=0,
            ),
        )
        try:
            self._api.create_namespaced_lease(self._settings.namespace, lease)
        except ApiException as error:
            if error.status == _CONFLICT:
                return False
            raise
        return True


def _expired(spec: client.V1LeaseSpec, now: datetime) -> bool:
    renewed = spec.renew_time or spec.acquire_time
    if renewed is None:
        return True
    duration = timedelta(seconds=spec.lease_duration_seconds or 0)
    return bool(renewed + duration < now)
