#!/usr/bin/env python3
"""Writes the hostile descriptions of issue 34 into a folder: small hand-made OpenAPI documents (and YAML)
that each once aborted, overflowed the stack or ran without end in `hookctl import` or `fuzz`.

    python3 tests/specs/hostile/make.py OUT_DIR [--large]

--large adds the big shared-component descriptions (N = 300 and 1,000 webhooks) the benchmark measures.
"""
import json
import os
import sys


def webhooks(schemas, components=None):
    doc = {"openapi": "3.1.0", "info": {"title": "Hostile", "version": "1"}, "webhooks": {}}
    for name, schema in schemas.items():
        doc["webhooks"][name] = {"post": {"requestBody": {"content": {"application/json": {"schema": schema}}}}}
    if components:
        doc["components"] = {"schemas": components}
    return doc


def write(out, name, value):
    path = os.path.join(out, name)
    with open(path, "w", encoding="utf-8") as f:
        if isinstance(value, str):
            f.write(value)
        else:
            json.dump(value, f)
    return path


def alias_bomb(levels):
    lines = ["openapi: 3.1.0", "info: {title: bomb, version: '1'}", "x-bomb:"]
    lines.append("  a0: &a0 [x, x, x, x, x, x, x, x, x, x]")
    for level in range(1, levels):
        refs = ", ".join([f"*a{level - 1}"] * 10)
        lines.append(f"  a{level}: &a{level} [{refs}]")
    lines.append("webhooks: {}")
    return "\n".join(lines) + "\n"


def shared_component(n, properties=2000):
    component = {"type": "object", "properties": {f"p{i}": {"type": "string"} for i in range(properties)}}
    schemas = {f"hook{i}": {"$ref": "#/components/schemas/Big"} for i in range(n)}
    return webhooks(schemas, {"Big": component})


def _r(name):
    return {"$ref": f"#/components/schemas/{name}"}


RANDOM_FOUND = {
    # allOf repeating a part at every level of a recursion: the merged property doubled per level (24 s).
    "repeated-all-of": {
        "N0": {"type": "object", "properties": {"p0": _r("N3"), "p1": _r("N1")}, "required": ["p0"]},
        "N1": {"anyOf": [_r("N2"), _r("N2")]},
        "N2": {"allOf": [_r("N3"), _r("N3")]},
        "N3": {"allOf": [_r("N0"), _r("N0"), _r("N3")]},
    },
    # An item that may be an array of a thousand of itself: a branch chosen past its room (abort at 2 GB).
    "array-of-itself": {
        "N0": {"type": "array", "items": _r("N3"), "minItems": 1000, "uniqueItems": True},
        "N1": {"type": "object", "properties": {}, "required": []},
        "N3": {"anyOf": [_r("N1"), _r("N0")]},
    },
    # The same, taken by the typical instance (1000^depth values).
    "typical-array-of-itself": {
        "N0": {"type": "array", "items": _r("N2"), "minItems": 1000},
        "N1": {"type": "array", "items": _r("N3"), "minItems": 1, "uniqueItems": True},
        "N2": {"anyOf": [_r("N0"), _r("N1")]},
        "N3": {"type": "object", "properties": {"p0": _r("N3")}, "required": []},
    },
    # A branch at every level of a recursion: a strategy of 2^24 nodes.
    "branch-every-level": {
        "N1": {"anyOf": [_r("N1"), _r("N3")]},
        "N2": {"allOf": [_r("N3"), _r("N1")]},
        "N3": {"type": "array", "items": _r("N1"), "minItems": 0, "uniqueItems": True},
    },
    # Parts of different types (an array and an object) required: retried for seconds per webhook.
    "no-common-type": {
        "N1": {"type": "array", "items": _r("N3"), "minItems": 1000},
        "N2": {"allOf": [_r("N1"), _r("N3")]},
        "N3": {"type": "object", "properties": {"p0": _r("N2"), "p1": _r("N3")}, "required": ["p0"]},
    },
    # Distinct items of a pattern with one megabyte-long match: the same megabyte made again and again.
    "unique-long-match": {
        "N0": {"type": "string", "minLength": 3, "pattern": "^((a{100}){100}){100}$"},
        "N4": {"type": "array", "items": _r("N0"), "minItems": 3, "uniqueItems": True},
    },
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    ref = lambda name: {"$ref": f"#/components/schemas/{name}"}
    write(out, "alias-bomb-9.yaml", alias_bomb(9))
    write(out, "alias-bomb-6.yaml", alias_bomb(6))
    write(out, "nested-sequences.yaml", "- " * 100_000 + "x\n")
    write(out, "required-cycle.json", webhooks({"c": ref("C")}, {"C": {"type": "array", "minItems": 1, "items": ref("C")}}))
    write(out, "all-of-cycle.json", webhooks({"x": ref("X")}, {"X": {"allOf": [ref("X"), ref("X"), ref("X"), ref("X")]}}))
    write(out, "min-length.json", webhooks({"s": {"type": "object", "required": ["s"], "properties": {"s": {"type": "string", "minLength": 2_000_000}}}}))
    write(out, "min-items.json", webhooks({"a": {"type": "object", "required": ["a"], "properties": {"a": {"type": "array", "minItems": 2_000_000}}}}))
    write(out, "min-items-1e12.json", webhooks({"a": {"type": "array", "minItems": 1_000_000_000_000}}))
    write(out, "pattern-huge.json", webhooks({"p": {"type": "object", "required": ["p"], "properties": {"p": {"type": "string", "pattern": "^a{4000000000}$"}}}}))
    write(out, "pattern-nested.json", webhooks({"p": {"type": "string", "pattern": "^((a{1000}){1000}){1000}$"}}))
    write(out, "pattern-lookahead.json", webhooks({"p": {"type": "object", "required": ["p"], "properties": {"p": {"type": "string", "pattern": "^(?=a)a+$"}}}}))
    write(out, "nested-min-items.json", webhooks({"n": {"type": "array", "minItems": 1_000_000, "items": {"type": "array", "minItems": 1_000_000}}}))
    write(out, "strings-min-length.json", webhooks({"s": {"type": "array", "minItems": 1_000_000, "items": {"type": "string", "minLength": 1_000_000}}}))
    write(out, "unique-items.json", webhooks({"u": {"type": "array", "minItems": 100_000, "uniqueItems": True, "items": {"type": "integer"}}}))
    uuids = {f"id{i}": {"type": "string", "format": "uuid"} for i in range(5000)}
    write(out, "uuids-5000.json", webhooks({"u": {"type": "object", "required": list(uuids), "properties": uuids}}))
    write(out, "shared-component-50.json", shared_component(50))
    write(out, "colliding-keys.json", webhooks({"a/b": {"type": "object"}, "a_b": {"type": "object"}, "a\\b": {"type": "object"}}))
    write(out, "long-key.json", webhooks({"k" * 300: {"type": "object"}, "short": {"type": "object"}}))
    # Found by the random-description property test (issue 34): each aborted or ran for minutes.
    for name, graph in RANDOM_FOUND.items():
        write(out, f"random-{name}.json", webhooks({k: ref(k) for k in graph}, graph))
    if "--large" in sys.argv:
        write(out, "shared-component-300.json", shared_component(300))
        write(out, "shared-component-1000.json", shared_component(1000))


if __name__ == "__main__":
    main()
