"""Every test here fails when its logs or expected exceptions carry a private key.

The credential errors name what a Secret lacks ("no SSH private key"): that prose,
in lower case, is allowed; a PEM marker (upper case) or key material is still a leak.
"""

from __future__ import annotations

from tests.leak_watch import leak_watch_fixture

leaks = leak_watch_fixture(allowed=["private key"])
