"""Shared test set-up: no test may reach AWS, whatever the developer's environment holds."""

import os

for _name in ("AWS_PROFILE", "AWS_SESSION_TOKEN", "DYNAMODB_ENDPOINT", "TABLE_NAME"):
    os.environ.pop(_name, None)
os.environ.update(
    AWS_ACCESS_KEY_ID="testing",
    AWS_SECRET_ACCESS_KEY="testing",
    AWS_DEFAULT_REGION="us-east-1",
    AWS_REGION="us-east-1",
    POWERTOOLS_TRACE_DISABLED="true",
    POWERTOOLS_METRICS_NAMESPACE="CustomerIdentityTests",
    POWERTOOLS_SERVICE_NAME="customer-identity",
)
