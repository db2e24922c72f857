"""Change events from the table's stream: what changed, as domain events (docs/events.md); builds on identity."""
