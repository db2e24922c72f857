"""The backfill's opening balances: the persons of a chunk share transactions, and one person whose
customer is no longer theirs, or whose entries exist already, changes nothing for the others."""

from decimal import Decimal

from customer_identity import runtime
from customer_identity.use_cases.backfill.opening_balances import opening_groups, post_openings
from tests.unit.conftest import Domain


def _person(customer_id: str, phone: str, *balances: str) -> dict[str, object]:
    rows = [
        {"collection": "customers", "id": f"{phone}-{index}", "line": index + 1, "balance": balance}
        for index, balance in enumerate(balances)
    ]
    return {"customer_id": customer_id, "phone": phone, "created_at": "2024-01-02T03:04:05Z", "rows": rows}


def test_a_shared_transaction_posts_each_person_once_and_skips_a_customer_no_longer_theirs(domain: Domain) -> None:
    first = domain.create("+919810000001", name="First").customer
    second = domain.create("+919810000002", name="Second").customer
    third = domain.create("+919810000003", name="Third").customer
    first_person = _person(first.customer_id, first.phone, "10.50", "-2.25")
    second_person = _person(second.customer_id, second.phone, "3.00", "4.00")
    post_openings([_person(second.customer_id, second.phone, "3.00")])  # an earlier, interrupted run
    not_theirs = _person(first.customer_id, third.phone, "99.00")  # the phone names another customer now

    post_openings([first_person, second_person, not_theirs])
    post_openings([first_person, second_person, not_theirs])  # a rerun posts nothing twice

    ledger = runtime.ledger_reader()
    assert ledger.page(first.customer_number, limit=10, cursor=None).balance == Decimal("8.25")
    assert len(ledger.page(first.customer_number, limit=10, cursor=None).items) == 2
    assert ledger.page(second.customer_number, limit=10, cursor=None).balance == Decimal("7.00")
    assert len(ledger.page(second.customer_number, limit=10, cursor=None).items) == 2
    assert ledger.page(third.customer_number, limit=10, cursor=None).balance == Decimal("0.00")
    assert runtime.dashboard()().total_balance == "15.25"  # exact, as the dashboard shows it


def test_groups_fit_one_transaction_each_and_leave_out_persons_without_a_balance() -> None:
    persons = [_person(f"cus_{n}", f"+9198100{n:05d}", *(["1.00"] * (1 + n % 3))) for n in range(120)]
    persons.append(_person("cus_none", "+919899999999"))
    groups = opening_groups(persons)
    assert sum(len(group) for group in groups) == 120
    assert all(sum(len(p["rows"]) + 1 for p in group) + 1 <= 25 for group in groups)  # + the counter shard
    assert 360 / 24 <= len(groups) <= 360 / 24 * 1.2  # 120 persons of 1 to 3 entries and an update each
