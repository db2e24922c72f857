"""Docker-free local runtime: AWS's DynamoDB Local as a child process and an API Gateway stand-in
that invokes the same Lambda handlers, with the routes and table read from ``template.yaml``."""
