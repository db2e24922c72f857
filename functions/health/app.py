"""GET /health"""

from customer_identity.api import create_app, lambda_handler
from customer_identity.core.models.common import Health

app = create_app()


@app.get("/health", summary="Liveness check", tags=["health"])
def health() -> Health:
    return Health(status="ok")


handler = lambda_handler(app, public=True)
