"""GET /health"""

from customer_identity.api import create_app, documented, lambda_handler, ok
from customer_identity.core.models.common import Health

app = create_app()


@app.get(
    "/health",
    operation_id="getHealth",
    summary="Liveness check",
    tags=["health"],
    responses=documented({200: ok("Alive")}, public=True, storage=False),
)
def health() -> Health:
    return Health(status="ok")


handler = lambda_handler(app, public=True)
