"""GET /console/{proxy+}: the web console's static files (no token: they hold no data; docs/console.md)."""

from customer_identity.static_site import site_handler

handler = site_handler(__file__)
