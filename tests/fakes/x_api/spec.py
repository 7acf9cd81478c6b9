"""X's OpenAPI description (tests/data/ref/x/openapi.json, v2.159) as a check on bodies.

``response_problems`` says what is wrong with a body an endpoint answers: what its schema
refuses, with the spec's discriminators honoured (a Problem whose ``type`` is
``.../resource-not-found`` must also be a ResourceNotFoundProblem, a ``photo`` a Photo), and
the keys the spec does not define. ``request_problems`` does the same for a request body.
jsonschema alone ignores ``discriminator``, so the spec is rewritten once: each schema with a
discriminator becomes "its base, and if the property is X then the mapped schema", the mapped
schemas pointing at the base so that the check does not loop.
"""

from __future__ import annotations

import copy
import json
import re
from functools import cache, lru_cache
from pathlib import Path
from typing import Any

from jsonschema import Draft202012Validator

SPEC = Path(__file__).resolve().parents[2] / "data" / "ref" / "x" / "openapi.json"
SCHEMAS = "#/components/schemas/"

# keys X really sends that its spec does not list (client-forbidden problems carry the app's
# id and the access level it lacks; invalid-rules problems say why in "details")
EXTRA_KEYS = {
    "https://api.twitter.com/2/problems/client-forbidden": {"client_id", "required_enrollment"},
    "https://api.twitter.com/2/problems/invalid-rules": {"value", "details"},
    "https://api.twitter.com/2/problems/operational-disconnect": {"disconnect_type"},
}


@cache
def spec() -> dict[str, Any]:
    """Load X's OpenAPI description, discriminators made checkable."""
    raw: dict[str, Any] = json.loads(SPEC.read_text(encoding="utf-8"))
    schemas: dict[str, Any] = raw["components"]["schemas"]
    rewritten = copy.deepcopy(raw)
    out: dict[str, Any] = rewritten["components"]["schemas"]
    for name, schema in schemas.items():
        mapping = (schema.get("discriminator") or {}).get("mapping")
        if not mapping:
            continue
        base = f"{name}Base"
        out[base] = {k: v for k, v in schema.items() if k != "discriminator"}
        prop = schema["discriminator"]["propertyName"]
        branches = []
        for value, target in mapping.items():
            target_name = target.rsplit("/", 1)[1]
            out[target_name] = _point_at(out[target_name], SCHEMAS + name, SCHEMAS + base)
            branches.append(
                {
                    "if": {"properties": {prop: {"const": value}}, "required": [prop]},
                    "then": {"$ref": target},
                }
            )
        out[name] = {"allOf": [{"$ref": SCHEMAS + base}, *branches]}
    return rewritten


def _point_at(schema: Any, old: str, new: str) -> Any:
    if isinstance(schema, dict):
        return {
            k: new if k == "$ref" and v == old else _point_at(v, old, new)
            for k, v in schema.items()
        }
    if isinstance(schema, list):
        return [_point_at(v, old, new) for v in schema]
    return schema


def _pointer(path: str) -> str:
    return path.replace("~", "~0").replace("/", "~1")


@cache
def _validator(ref: str) -> Draft202012Validator:
    schema = dict(spec())
    schema["$ref"] = ref
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def response_schema_ref(path: str, method: str, status: int) -> str:
    """Return the JSON pointer of the schema a response of this status must follow."""
    responses = spec()["paths"][path][method]["responses"]
    if str(status) in responses:
        return (
            f"#/paths/{_pointer(path)}/{method}/responses/{status}/content/application~1json/schema"
        )
    return SCHEMAS + "Problem"  # the default answer: a Problem (application/problem+json)


def response_problems(path: str, method: str, status: int, body: Any) -> list[str]:
    """Say everything wrong with a body X would answer to ``method path`` with ``status``."""
    ref = response_schema_ref(path, method.lower(), status)
    return _problems(ref, body, f"{method.upper()} {path} {status}")


def request_problems(path: str, method: str, body: Any) -> list[str]:
    """Say everything wrong with a JSON request body for ``method path``."""
    ref = f"#/paths/{_pointer(path)}/{method.lower()}/requestBody/content/application~1json/schema"
    return _problems(ref, body, "body")


def _problems(ref: str, body: Any, where: str) -> list[str]:
    # a list's items share a schema: the body is checked with the first of each list, and
    # every other item on its own, remembered, since the same posts come back poll after poll
    trimmed, items = _split(body, {"$ref": ref}, ())
    problems = [f"{where}: {problem}" for problem in _checked(ref, _canonical(trimmed), ())]
    for item_ref, item, at in items:
        problems += [f"{where}: {problem}" for problem in _checked(item_ref, _canonical(item), at)]
    return problems


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"))


def _checked(ref: str, text: str, at: tuple[str | int, ...]) -> list[str]:
    """Say what is wrong with a value found at a place in the body (() for the body)."""
    slashed = "/".join(str(part) for part in at)
    dotted = "".join(f"[{part}]" if isinstance(part, int) else f".{part}" for part in at)
    problems = []
    for kind, path, message in _check_once(ref, text):
        if kind == "key":
            problems.append(f"unknown key body{dotted}{path}")
        else:
            place = "/".join(filter(None, [slashed, path])) or "<body>"
            problems.append(f"{place}: {message}")
    return problems


@lru_cache(maxsize=16384)
def _check_once(ref: str, text: str) -> tuple[tuple[str, str, str], ...]:
    value = json.loads(text)
    found = [
        ("schema", "/".join(str(p) for p in error.absolute_path), error.message)
        for error in _validator(ref).iter_errors(value)
    ]
    found += [
        ("key", key.removeprefix("body"), "") for key in _unknown_keys(value, {"$ref": ref}, "body")
    ]
    return tuple(found)


def _split(
    value: Any, schema: dict[str, Any], at: tuple[str | int, ...]
) -> tuple[Any, list[tuple[str, Any, tuple[str | int, ...]]]]:
    """Keep each list's first item in place; return the others with their schema and place."""
    resolved = _resolve(schema)
    if not isinstance(value, dict) or "properties" not in resolved:
        return value, []
    out, items = dict(value), []
    for name, sub in resolved["properties"].items():
        inner = value.get(name)
        sub_resolved = _resolve(sub)
        item_ref = (sub_resolved.get("items") or {}).get("$ref")
        if isinstance(inner, list) and len(inner) > 1 and item_ref:
            out[name] = inner[:1]
            items += [(item_ref, one, (*at, name, i)) for i, one in enumerate(inner) if i]
        elif isinstance(inner, dict):
            out[name], more = _split(inner, sub, (*at, name))
            items += more
    return out, items


def _resolve(schema: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in schema:
        node: Any = spec()
        for part in schema["$ref"].removeprefix("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        schema = node
    return schema


def _properties(value: Any, schema: dict[str, Any]) -> tuple[dict[str, Any], bool]:
    """Gather the properties a schema defines for this value; False if it says nothing."""
    schema = _resolve(schema)
    found: dict[str, Any] = dict(schema.get("properties", {}))
    known = "properties" in schema or schema.get("type") == "object"
    for part in schema.get("allOf", []):
        if "if" in part:  # a discriminator branch: it applies when its const matches
            prop, const = next(iter(part["if"]["properties"].items()))
            if not (isinstance(value, dict) and value.get(prop) == const["const"]):
                continue
            part = part["then"]
        props, said = _properties(value, part)
        found.update(props)
        known = known or said
    for key in ("oneOf", "anyOf"):
        options = [s for s in schema.get(key, []) if s.get("type") != "null"]
        if options:
            best = min(
                (_properties(value, s) for s in options),
                key=lambda p: len(set(value) - set(p[0])) if isinstance(value, dict) else 0,
            )
            found.update(best[0])
            known = known or best[1]
    return found, known


def _unknown_keys(value: Any, schema: dict[str, Any], where: str) -> list[str]:
    """Find keys the spec does not define (it allows them; a real answer has none)."""
    resolved = _resolve(schema)
    problems: list[str] = []
    if isinstance(value, dict):
        props, known = _properties(value, resolved)
        more = resolved.get("additionalProperties")
        if isinstance(more, dict):  # a map: every value follows one schema
            for name, item in value.items():
                if name not in props:
                    problems.extend(_unknown_keys(item, more, f"{where}.{name}"))
            return problems
        if not known or more is True:
            return []
        extra = EXTRA_KEYS.get(str(value.get("type")), set())
        for name, item in value.items():
            if name in props:
                problems.extend(_unknown_keys(item, props[name], f"{where}.{name}"))
            elif name not in extra:
                problems.append(f"{where}.{name}")
    elif isinstance(value, list):
        items = resolved.get("items")
        if isinstance(items, dict):
            for index, item in enumerate(value):
                problems.extend(_unknown_keys(item, items, f"{where}[{index}]"))
    return problems


def _parameters(path: str, method: str) -> dict[str, dict[str, Any]]:
    operation = spec()["paths"][path][method]
    found = {}
    for parameter in operation.get("parameters", []):
        resolved = _resolve(parameter)
        found[resolved["name"]] = resolved
    return found


def query_problems(
    path: str, method: str, query: dict[str, str], path_params: dict[str, str]
) -> list[tuple[str, str, str]]:
    """Check a request's parameters as X does: (name, value, X's message) for each bad one."""
    parameters = _parameters(path, method.lower())
    problems = []
    for name, value in [*path_params.items(), *query.items()]:
        if name not in parameters:
            allowed = ",".join(sorted(n for n, p in parameters.items() if p["in"] == "query"))
            problems.append(
                (name, value, f"The query parameter [{name}] is not one of [{allowed}]")
            )
            continue
        message = _value_problem(name, value, _resolve(parameters[name]["schema"]))
        if message:
            problems.append((name, value, message))
    for name, parameter in parameters.items():
        if parameter.get("required") and name not in query and name not in path_params:
            problems.append((name, "", f"The `{name}` query parameter can not be empty"))
    return problems


def _value_problem(name: str, value: str, schema: dict[str, Any]) -> str | None:
    if schema.get("type") == "array":
        values = value.split(",") if value else []
        low, high = schema.get("minItems"), schema.get("maxItems")
        if (low is not None and len(values) < low) or (high is not None and len(values) > high):
            return (
                f"The number of values in the `{name}` query parameter list [{len(values)}] "
                f"is not between {low or 0} and {high}"
            )
        items = _resolve(schema.get("items", {}))
        for one in values:
            message = _value_problem(name, one, items)
            if message:
                return message
        return None
    if "enum" in schema and value not in schema["enum"]:
        return (
            f"The `{name}` query parameter value [{value}] is not one of "
            f"[{','.join(schema['enum'])}]"
        )
    if "pattern" in schema and not re.search(schema["pattern"], value):
        return f"The `{name}` query parameter value [{value}] does not match {schema['pattern']}"
    if schema.get("type") == "integer":
        if not re.fullmatch(r"-?[0-9]+", value):
            return f"The `{name}` query parameter value [{value}] is not a number"
        low, high = schema.get("minimum"), schema.get("maximum")
        if (low is not None and int(value) < low) or (high is not None and int(value) > high):
            return f"The `{name}` query parameter value [{value}] is not between {low} and {high}"
    if schema.get("type") == "boolean" and value not in ("true", "false"):
        return f"The `{name}` query parameter value [{value}] is not one of [true,false]"
    if schema.get("type") == "string":
        low, high = schema.get("minLength"), schema.get("maxLength")
        if (low is not None and len(value) < low) or (high is not None and len(value) > high):
            return f"The `{name}` query parameter value [{value}] is not a valid value"
    return None
