"""Name conflicts the backfill finds stay visible in the review queue and the audit until decided."""

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from customer_identity import runtime
from customer_identity.core.errors import ReviewNotAttachable
from customer_identity.core.models.customers import CustomerChanges
from customer_identity.core.models.review import ReviewDecision
from customer_identity.use_cases.backfill.steps import Backfill
from devserver.legacy_export import generate
from tests.unit.conftest import build_domain


def test_each_customer_with_conflicting_names_gets_one_review_item_counted_in_the_audit(
    aws: None, environment: Callable[..., None], tmp_path: Path
) -> None:
    domain = build_domain()
    truth = generate(tmp_path, persons=16, seed=21)  # small, and with 3 name conflicts
    expected = {
        person["phone"]: conflict
        for person in truth["persons"]
        for conflict in person["conflicts"]
        if conflict["field"] == "name"
    }
    assert expected, "the generated export has name conflicts"
    backfill = Backfill(runtime.config(), writers=1)  # moto in-process is not thread-safe

    def run(run_id: str) -> None:
        planned = backfill.plan({"source": str(tmp_path), "chunk_size": 20, "run_id": run_id})
        for chunk in json.loads(json.dumps(planned["chunks"])):
            backfill.write(chunk)

    run("first")
    queue = runtime.review_queue_reader()
    held = queue.page(reason="name_conflict", limit=100, cursor=None).items
    found = {domain.reader.resolve(entry.row["customer_id"]).item.phone: entry for entry in held}
    assert set(found) == set(expected)
    for phone, entry in found.items():
        assert (entry.row["kept"], entry.row["others"]) == (expected[phone]["kept"], sorted(expected[phone]["others"]))
        assert domain.reader.resolve(phone).item.name == expected[phone]["kept"]
    assert runtime.audit().report().review.by_reason["name_conflict"] == len(expected)
    run("second")  # a rerun finds the items and adds nothing
    assert runtime.audit().report().review.by_reason["name_conflict"] == len(expected)

    first = held[0]
    decisions = runtime.review_decisions()
    with pytest.raises(ReviewNotAttachable):
        decisions.resolve(
            first.review_id, ReviewDecision(action="attach", customer=first.row["customer_id"]), by="stf_a"
        )
    other = expected[domain.reader.resolve(first.row["customer_id"]).item.phone]["others"][0]
    domain.profiles.update(first.row["customer_id"], CustomerChanges(name=other))  # the admin decides
    decisions.resolve(first.review_id, ReviewDecision(action="dismiss", note="the other name is right"), by="stf_a")
    assert runtime.audit().report().review.by_reason.get("name_conflict", 0) == len(expected) - 1
