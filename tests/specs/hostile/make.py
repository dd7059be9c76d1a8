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
    if "--large" in sys.argv:
        write(out, "shared-component-300.json", shared_component(300))
        write(out, "shared-component-1000.json", shared_component(1000))


if __name__ == "__main__":
    main()
