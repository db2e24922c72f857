"""Read what ``template.yaml`` deploys: the table definition, the routes, the functions' environment."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

PROJECT_ROOT = Path(__file__).resolve().parent.parent
TEMPLATE_PATH = PROJECT_ROOT / "template.yaml"
TABLE_RESOURCE = "IdentityTable"


class _CfnLoader(yaml.SafeLoader):
    """Reads CloudFormation short-form tags (``!Ref``, ``!Sub``...) as ``{"Fn::X": value}``."""


def _construct_tag(loader: yaml.SafeLoader, suffix: str, node: yaml.Node) -> dict[str, Any]:
    if isinstance(node, yaml.ScalarNode):
        value: Any = loader.construct_scalar(node)
    elif isinstance(node, yaml.SequenceNode):
        value = loader.construct_sequence(node, deep=True)
    else:
        value = loader.construct_mapping(node, deep=True)  # type: ignore[arg-type]
    name = "Ref" if suffix == "Ref" else f"Fn::{suffix}"
    return {name: value}


_CfnLoader.add_multi_constructor("!", _construct_tag)


@cache
def load_template(path: Path = TEMPLATE_PATH) -> dict[str, Any]:
    with path.open() as handle:
        return yaml.load(handle, Loader=_CfnLoader)  # noqa: S506 - SafeLoader subclass


def resources(kind: str, template: dict[str, Any] | None = None) -> dict[str, dict[str, Any]]:
    template = template or load_template()
    return {name: res for name, res in template["Resources"].items() if res["Type"] == kind}


def table_definition(template: dict[str, Any] | None = None, *, stream: bool = True) -> dict[str, Any]:
    """``CreateTable`` arguments (minus the name) for the table the template deploys; ``stream=False``
    leaves out its stream (moto records one slowly: only the change events' tests need it)."""
    props = (template or load_template())["Resources"][TABLE_RESOURCE]["Properties"]
    definition = {key: props[key] for key in ("AttributeDefinitions", "KeySchema", "BillingMode")}
    if props.get("GlobalSecondaryIndexes"):
        definition["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
    if stream and props.get("StreamSpecification"):  # CloudFormation has no StreamEnabled: a view type enables it
        definition["StreamSpecification"] = {"StreamEnabled": True, **props["StreamSpecification"]}
    return definition


@dataclass(frozen=True)
class Function:
    function: str  # logical id in the template
    code_dir: Path
    handler: str  # module.function


@dataclass(frozen=True)
class Route(Function):
    method: str
    path: str  # API Gateway resource path, e.g. /customers/{ref}

    @property
    def pattern(self) -> re.Pattern[str]:
        regex = re.sub(r"\\\{(\w+)\\\+\\\}", r"(?P<\1>.+)", re.escape(self.path))  # {proxy+}: greedy
        regex = re.sub(r"\\\{(\w+)\\\}", r"(?P<\1>[^/]+)", regex)
        return re.compile(f"^{regex}/?$")  # a trailing slash names the same resource, as in API Gateway


def routes(template: dict[str, Any] | None = None) -> list[Route]:
    template = template or load_template()
    found = []
    for name, res in resources("AWS::Serverless::Function", template).items():
        props = res["Properties"]
        for event in (props.get("Events") or {}).values():
            if event["Type"] != "Api" or event["Properties"]["Method"].lower() == "options":
                continue  # OPTIONS is the CORS preflight (CorsPreflightFunction), not a route of the API
            found.append(
                Route(
                    function=name,
                    method=event["Properties"]["Method"].upper(),
                    path=event["Properties"]["Path"],
                    code_dir=PROJECT_ROOT / props["CodeUri"],
                    handler=props.get("Handler") or template["Globals"]["Function"]["Handler"],
                )
            )
    # Literal segments before parameters, so /customers/{ref} never shadows a fixed path.
    return sorted(found, key=lambda r: (r.path.count("{"), r.path, r.method))


def functions(template: dict[str, Any] | None = None) -> list[Function]:
    """Every function of the template, with or without a route (workers are invoked, not routed)."""
    template = template or load_template()
    default_handler = template["Globals"]["Function"].get("Handler", "app.handler")
    return [
        Function(
            function=name,
            code_dir=PROJECT_ROOT / res["Properties"]["CodeUri"],
            handler=res["Properties"].get("Handler") or default_handler,
        )
        for name, res in resources("AWS::Serverless::Function", template).items()
    ]


def function_environment(template: dict[str, Any] | None = None) -> dict[str, str]:
    """The Globals environment with parameters at their defaults; ``!Ref IdentityTable`` is left out."""
    template = template or load_template()
    params = {name: str(p.get("Default", "")) for name, p in template.get("Parameters", {}).items()}
    env = {}
    for key, value in template["Globals"]["Function"]["Environment"]["Variables"].items():
        if isinstance(value, dict) and "Fn::Join" in value:  # a CommaDelimitedList parameter, joined
            separator, part = value["Fn::Join"]
            value = part if separator == "," else value
        if isinstance(value, dict):
            if value.get("Ref") in params:
                env[key] = params[value["Ref"]]
        else:
            env[key] = str(value)
    return env
