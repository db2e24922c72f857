"""The document's links (devserver/openapi_links.py) name operations and fields that exist."""

import json
from typing import Any

from devserver.openapi import DOCUMENT_PATH


def resolve(document: dict[str, Any], pointer: str) -> Any:
    """The part of ``document`` a local JSON pointer (``#/paths/~1customers/post``) names."""
    node = document
    for part in pointer.removeprefix("#/").split("/"):
        node = node[part.replace("~1", "/").replace("~0", "~")]
    return node


def test_every_link_targets_an_operation_of_the_document_with_the_fields_it_sets() -> None:
    document = json.loads(DOCUMENT_PATH.read_text())
    links = [
        (f"{method.upper()} {path} {status} {name}", link)
        for path, operations in document["paths"].items()
        for method, operation in operations.items()
        for status, response in operation["responses"].items()
        for name, link in response.get("links", {}).items()
    ]
    assert {"POST /customers 201 GetCustomer", "POST /bookings 201 UpdateBooking"} <= {label for label, _ in links}
    for label, link in links:
        target = resolve(document, link["operationRef"])
        parameters = {parameter["name"] for parameter in target.get("parameters", [])}
        assert set(link.get("parameters", {})) <= parameters, label
        if "requestBody" in link:
            schema = resolve(document, target["requestBody"]["content"]["application/json"]["schema"]["$ref"])
            assert set(link["requestBody"]) <= set(schema["properties"]), label
