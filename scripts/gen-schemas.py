#!/usr/bin/env python3
"""Writes fixtures/<provider>/<event>.schema.json for every built-in event (draft 2020-12).

The schemas are data embedded in hookctl; this script only keeps the shared parts of the six Pgyer
and five Ebriza schemas consistent. Run it after editing, then `cargo test` (every fixture must validate).
Each schema is self-contained (no cross-file $ref) so `hookctl schema NAME` works with any validator.
"""
import json
import os
from collections import OrderedDict as O

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "fixtures")
DRAFT = "https://json-schema.org/draft/2020-12/schema"


def write(rel, schema):
    with open(os.path.join(ROOT, rel), "w", encoding="utf-8") as f:
        json.dump(schema, f, ensure_ascii=False, indent=2)
        f.write("\n")


def head(name, title, description):
    return O([("$schema", DRAFT), ("$id", f"https://hookctl.invalid/schemas/{name}.json"),
              ("title", title), ("description", description)])


# ---------------------------------------------------------------- obniz
ISO = O([("type", "string"), ("format", "date-time")])
USER = O([("type", "object"), ("description", "The obniz user (the docs give no shape; the SDK's fields)"),
          ("required", ["id"]),
          ("properties", O([("id", {"type": "string", "minLength": 1}), ("name", {"type": ["string", "null"]}),
                            ("email", {"type": ["string", "null"]}), ("picture", {"type": ["string", "null"]}),
                            ("plan", {"type": ["string", "null"]}), ("credit", {"type": ["string", "number", "null"]}),
                            ("createdAt", ISO)]))])
INSTALL = O([("type", "object"), ("description", "The install object (obniz SDK): device id, the user's configs, dates, user"),
             ("required", ["id", "configs", "createdAt", "updatedAt", "user"]),
             ("properties", O([
                 ("id", O([("type", "string"), ("description", "obniz device id"), ("pattern", "^[0-9]{4}-[0-9]{4}$")])),
                 ("configs", O([("type", "string"), ("description", "the user's app configuration as a JSON string"),
                                ("contentMediaType", "application/json")])),
                 ("createdAt", ISO), ("updatedAt", ISO), ("user", {"$ref": "#/$defs/user"}),
                 ("description", {"type": ["string", "null"]}),
                 ("metadata", O([("type", ["string", "null"]), ("description", "a JSON string")])),
                 ("hardware", O([("type", ["string", "null"]), ("description", "e.g. obnizb1, m5stickc, esp32w")])),
                 ("os", {"type": ["string", "null"]})]))])
OBNIZ_EVENTS = {
    "oauth.create": ("the user approved your app", "user"),
    "oauth.delete": ("the user removed your app's authorization", "user"),
    "install.create": ("the user installed your app on a device", "install"),
    "install.update": ("the user changed your app's settings", "install"),
    "install.delete": ("the user uninstalled your app", "install"),
}
for ev, (what, data) in OBNIZ_EVENTS.items():
    s = head(f"obniz.{ev}", f"obniz {ev} webhook", f"obniz hosted-app webhook sent when {what}. Fields beyond the documented ones are allowed.")
    s["type"] = "object"
    # The docs' own example, `{ type: 'install.create' }`, has no data: data is checked when present.
    s["required"] = ["type"]
    s["properties"] = O([("type", {"const": ev}), ("data", {"$ref": f"#/$defs/{data}"})])
    s["$defs"] = O([("user", USER)] + ([("install", INSTALL)] if data == "install" else []))
    write(f"obniz/{ev}.schema.json", s)

# ---------------------------------------------------------------- Pgyer
PG_ACTIONS = {"updateVersion": ("App Update", "應用更新"), "feedback": ("App Feedback", "應用反饋"),
              "crashlog": ("Crash log", "Crash log")}
PG_TIME = O([("type", "string"), ("description", "YYYY-MM-DD HH:MM:SS, no zone (Beijing time)"),
             ("pattern", "^[0-9]{4}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}$")])
for ev, (en, zh) in PG_ACTIONS.items():
    for lang, action in (("en", en), ("zh", zh)):
        name = f"pgyer.{ev}" + (".zh" if lang == "zh" else "")
        s = head(name, f"Pgyer {ev} webhook ({'traditional Chinese' if lang == 'zh' else 'English'})",
                 "Pgyer (AppGo) app webhook. Every field is a string except timestamp (Unix seconds). "
                 "The docs say real payloads may differ a little, so extra fields are allowed.")
        s["type"] = "object"
        props = O([("action", O([("const", action), ("description", "localised human text")])),
                   ("title", {"type": "string", "description": "app name"}),
                   ("link", O([("type", "string"), ("pattern", "^https?://")])),
                   ("message", {"type": "string"}),
                   ("type", O([("type", "string"), ("enum", [ev]),
                               ("description", "one of updateVersion, feedback, crashlog")])),
                   ("os_version", {"type": "string"}), ("build_version", {"type": "string"}),
                   ("created", PG_TIME), ("updated", PG_TIME),
                   ("timestamp", O([("type", "integer"), ("minimum", 0), ("description", "Unix seconds")])),
                   ("appsize", O([("type", "string"), ("pattern", "^[0-9]+$"), ("description", "bytes, as a string")])),
                   ("device_type", {"enum": ["iOS", "Android"]}),
                   ("notes", {"type": "string"})])
        s["required"] = list(props.keys())
        s["properties"] = props
        write(f"pgyer/{ev}{'.zh' if lang == 'zh' else ''}.schema.json", s)

# ---------------------------------------------------------------- Ebriza
GUID = O([("type", "string"), ("pattern", "^[0-9A-Fa-f]{8}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{4}-[0-9A-Fa-f]{12}$")])
EB_DEFS = O([
    ("guid", GUID),
    ("isoDateUtc", O([("type", "string"), ("description", "ISO 8601 in UTC, e.g. 2018-07-10T11:14:06Z"),
                      ("format", "date-time"),
                      ("pattern", "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}(\\.[0-9]+)?Z$")])),
    ("exampleDate", O([("type", "string"), ("description", "MM/DD/YYYY HH:MM:SS as in the docs' example"),
                       ("pattern", "^[0-9]{2}/[0-9]{2}/[0-9]{4} [0-9]{2}:[0-9]{2}:[0-9]{2}$")])),
    ("optionIds", {"type": "array", "items": {"type": "string"}}),
    ("typedConfiguration", O([
        ("title", "typed"),
        ("description", "Configuration as the docs' field-type list describes it: real booleans, ISO 8601 UTC dates, GUIDs for users/locations/rooms"),
        ("type", "object"),
        ("properties", O([("booleanFieldName", {"type": "boolean"}), ("stringFieldName", {"type": "string"}),
                          ("dateFieldName", {"$ref": "#/$defs/isoDateUtc"}),
                          ("singleSelectFieldName", {"type": "string"}),
                          ("singleUsersSelectFieldName", {"$ref": "#/$defs/guid"}),
                          ("singleLocationsSelectFieldName", {"$ref": "#/$defs/guid"}),
                          ("singleRoomSelectFieldName", {"$ref": "#/$defs/guid"}),
                          ("multiCustomSelectFieldName", {"$ref": "#/$defs/optionIds"})])),
        ("additionalProperties", {"type": ["boolean", "string", "array"], "items": {"type": "string"}})])),
    ("docsExampleConfiguration", O([
        ("title", "docs-example"),
        ("description", "Configuration as the docs' full example sends it: booleans as \"true\"/\"false\", dates as MM/DD/YYYY HH:MM:SS"),
        ("type", "object"),
        ("properties", O([("booleanFieldName", {"enum": ["true", "false"]}), ("stringFieldName", {"type": "string"}),
                          ("dateFieldName", {"$ref": "#/$defs/exampleDate"}),
                          ("singleSelectFieldName", {"type": "string"}),
                          ("singleUsersSelectFieldName", {"type": "string"}),
                          ("singleLocationsSelectFieldName", {"type": "string"}),
                          ("singleRoomSelectFieldName", {"type": "string"}),
                          ("multiCustomSelectFieldName", {"$ref": "#/$defs/optionIds"})])),
        ("additionalProperties", {"type": ["string", "array"], "items": {"type": "string"}})])),
])


def notification(action, config_def, title):
    return O([("title", title), ("type", "object"),
              ("required", ["ActionType", "EbrizaClientID", "LocationID", "Configuration"]),
              ("properties", O([
                  ("ActionType", O([("type", "integer"), ("const", action),
                                    ("description", "0 install, 1 uninstall, 2 configuration changed")])),
                  ("EbrizaClientID", {"$ref": "#/$defs/guid"}), ("LocationID", {"$ref": "#/$defs/guid"}),
                  ("Configuration", {"$ref": f"#/$defs/{config_def}"})]))])


EB_NOTIFS = {"install": (0, "install"), "uninstall": (1, "uninstall"),
             "configuration.changed": (2, "configuration change"),
             "configuration.changed.example": (2, "configuration change (docs-example shape first)")}
SHAPES_NOTE = ("Accepts both shapes: 'typed' (the field-type list) and 'docs-example' (the docs' full example); "
               "hookctl reports which one a payload followed.")
for ev, (action, what) in EB_NOTIFS.items():
    s = head(f"ebriza.{ev}", f"Ebriza {what} notification (ActionType {action})",
             f"Ebriza notification POSTed with an ebriza-clientid header. {SHAPES_NOTE}")
    defs = O(EB_DEFS)
    defs["typed"] = notification(action, "typedConfiguration", "typed")
    defs["docsExample"] = notification(action, "docsExampleConfiguration", "docs-example")
    order = ["docsExample", "typed"] if ev.endswith(".example") else ["typed", "docsExample"]
    s["anyOf"] = [{"$ref": f"#/$defs/{d}"} for d in order]
    s["$defs"] = defs
    write(f"ebriza/{ev}.schema.json", s)

s = head("ebriza.configuration", "Ebriza configuration saved (flat settings POST)",
         f"One key per configuration field the app registered; the client id travels in the ebriza-clientid header. {SHAPES_NOTE}")
s["anyOf"] = [{"$ref": "#/$defs/typedConfiguration"}, {"$ref": "#/$defs/docsExampleConfiguration"}]
s["$defs"] = EB_DEFS
write("ebriza/configuration.schema.json", s)
print("schemas written")
