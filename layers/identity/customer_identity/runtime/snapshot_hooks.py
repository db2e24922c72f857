"""SnapStart: what an execution environment redoes when Lambda resumes it from a snapshot.

With SnapStart (template.yaml) Lambda runs a function's init once per published version (imports,
the builders of :mod:`customer_identity.runtime`, the signing key's read), snapshots the memory, and
starts every new execution environment from that same snapshot, possibly hours later. So:

* Python's ``random`` is reseeded from the operating system after a restore: otherwise every copy
  would draw the same sequence (the dashboard counter shard of each write, the jitter of retries,
  Powertools' log sampling). ``secrets``, ``uuid4`` and ``os.urandom`` (ids, tokens' ``jti``, codes,
  salts) ask the operating system on every call and need nothing.
* No pooled connection is carried into a snapshot: the table's boto3 client is dropped before it
  (and again after a restore, in case one was made in between); it is made again on first use. The
  signing key's Secrets Manager client is closed as soon as the key is read
  (:func:`customer_identity.use_cases.sign_in.tokens.signing_key`). Init sends no other request.
* Credentials: Lambda gives SnapStart functions theirs through its credentials endpoint, which
  botocore reads again when they expire, so none is baked into a snapshot.
* Time: nothing computed at init holds the time (``utc_now`` and ``time.time`` are read per request).
* Priming: the service's pydantic models are declared with ``defer_build`` (a function's import builds
  none of them: docs/cold-start.md), so :func:`before_snapshot` builds every model the function
  imported; an environment restored from the snapshot validates its first request as fast as its
  next. Without SnapStart a model is built on its first use.

The hooks are registered with Lambda's own ``snapshot_restore_py`` (shipped in the Python managed
runtime, pinned in the dev extras) when it is there; tests call :func:`before_snapshot` and
:func:`after_restore` themselves.
"""

from __future__ import annotations

import random
import sys

from pydantic import BaseModel

from customer_identity.storage import table

_SERVICE_PACKAGE = "customer_identity."


def before_snapshot() -> None:
    """Lambda is about to snapshot this initialised environment."""
    build_models()
    table.drop_client()


def build_models() -> int:
    """Build every not yet built pydantic model of the service's imported modules; how many were built."""
    built = 0
    for name, module in list(sys.modules.items()):
        if not name.startswith(_SERVICE_PACKAGE):
            continue
        for value in list(vars(module).values()):
            if (
                isinstance(value, type)
                and issubclass(value, BaseModel)
                and value.__module__ == name
                and not value.__pydantic_complete__
            ):
                value.model_rebuild()
                built += 1
    return built


def after_restore() -> None:
    """This environment was just resumed from a snapshot that other environments share."""
    random.seed()  # from os.urandom: a sequence of its own
    table.drop_client()


def register() -> bool:
    """Register the hooks with Lambda's runtime; False where its library is not installed."""
    try:
        from snapshot_restore_py import register_after_restore, register_before_snapshot
    except ImportError:
        return False
    register_before_snapshot(before_snapshot)
    register_after_restore(after_restore)
    return True


REGISTERED = register()
