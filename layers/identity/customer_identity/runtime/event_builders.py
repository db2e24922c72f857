"""Change events: the stream translation and its publisher (docs/events.md)."""

from __future__ import annotations

from functools import cache
from typing import TYPE_CHECKING

from customer_identity.core.errors import ConfigurationError, CustomerNotFound
from customer_identity.runtime.identity_builders import config, resolver_reader, views

if TYPE_CHECKING:
    from customer_identity.use_cases.events.catalogue import Catalogue
    from customer_identity.use_cases.events.publisher import Publisher


def _number_of(customer_id: str) -> int | None:
    try:
        item = resolver_reader().by_id(customer_id, follow_merges=False)
    except CustomerNotFound:
        return None
    return int(item.customer_number) if item.customer_number is not None else None


@cache
def event_catalogue() -> Catalogue:
    from customer_identity.use_cases.events.catalogue import Catalogue

    return Catalogue(views(), views().numbers, _number_of)


@cache
def event_publisher() -> Publisher:
    """The stream publisher of ``PublishEventsFunction``: events to the EventBridge bus."""
    import boto3

    from customer_identity.use_cases.events.publisher import EventBridgeSink, Publisher

    settings = config()
    if not settings.event_bus_name:
        raise ConfigurationError("EVENT_BUS_NAME is required by the event publisher")
    client = boto3.client("events", region_name=settings.aws_region)
    return Publisher(event_catalogue(), EventBridgeSink(client, settings.event_bus_name, settings.event_source))


BUILDERS = (event_catalogue, event_publisher)
