"""Docker-free local runtime: an embedded DynamoDB emulator and an API Gateway stand-in that
invokes the same Lambda handlers, with the routes and table read from ``template.yaml``."""
