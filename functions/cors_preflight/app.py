"""OPTIONS on every route: the browser's CORS preflight, answered for the allowed origins only."""

from customer_identity.api import preflight_handler

handler = preflight_handler
