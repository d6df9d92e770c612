"""The TypeScript and Go SDKs are the schema's: generated now, and checked against it directly.

The first test holds the checked-in files equal to what scripts/gen_sdk.py writes today. The
others read the generated sources as text and compare them with schema/schema.json on their
own terms (token, every property, its type, its required flag, its secret flag and its
description), so a generator bug that writes the wrong thing consistently is caught too.
"""

from __future__ import annotations

import importlib.util
import json
import os
import re
import sys
import tarfile
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = json.loads((ROOT / "schema" / "schema.json").read_text())
TS = ROOT / "sdk" / "nodejs"
GO = ROOT / "sdk" / "go" / "rocketmqmigration"
VERSION = re.search(
    r'__version__ = "([^"]+)"',
    (ROOT / "provider" / "pulumi_rocketmq_migration" / "_version.py").read_text(),
)[1]  # type: ignore[index]


def _generator() -> Any:
    spec = importlib.util.spec_from_file_location("gen_sdk", ROOT / "scripts" / "gen_sdk.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules["gen_sdk"] = module  # its dataclasses look themselves up there
    spec.loader.exec_module(module)
    return module


def short(token: str) -> str:
    return token.rsplit(":", 1)[-1]


def is_enum(spec: dict[str, Any]) -> bool:
    return "enum" in SCHEMA["types"][spec["$ref"].removeprefix("#/types/")]


# -- what each language should say, from the schema alone -----------------------------------


def ts_expected(spec: dict[str, Any], inputs: bool) -> str:
    if "$ref" in spec:
        kind = "enums." if is_enum(spec) else "inputs." if inputs else "outputs."
        base = kind + short(spec["$ref"])
    elif spec["type"] == "array":
        base = ts_expected(spec["items"], inputs) + "[]"
    elif spec["type"] == "object":
        base = "{[key: string]: " + ts_expected(spec["additionalProperties"], inputs) + "}"
    else:
        base = {"string": "string", "integer": "number", "boolean": "boolean"}[spec["type"]]
    return f"pulumi.Input<{base}>" if inputs else base


GO_NAMES = {"string": "String", "integer": "Int", "boolean": "Bool"}


def go_expected(spec: dict[str, Any], required: bool, form: str) -> str:
    """form: plain (functions), input (resource arguments), output (resource fields)."""
    if spec.get("type") == "array":
        items = spec["items"]
        name = short(items["$ref"]) if "$ref" in items else "pulumi." + GO_NAMES[items["type"]]
        return {
            "plain": "[]" + (short(items["$ref"]) if "$ref" in items else items["type"]),
            "input": name + "ArrayInput",
            "output": name + "ArrayOutput",
        }[form]
    if spec.get("type") == "object":
        value = GO_NAMES[spec["additionalProperties"]["type"]]
        plain = "map[string]" + value.lower()
        return {
            "plain": plain,
            "input": f"pulumi.{value}MapInput",
            "output": f"pulumi.{value}MapOutput",
        }[form]
    star, ptr = ("", "") if required else ("*", "Ptr")
    if "$ref" in spec:
        name = short(spec["$ref"])
        return {"plain": star + name, "input": name + "Input", "output": name + ptr + "Output"}[
            form
        ]
    name = GO_NAMES[spec["type"]]
    return {
        "plain": star + name.lower(),
        "input": f"pulumi.{name}{ptr}Input",
        "output": f"pulumi.{name}{ptr}Output",
    }[form]


# -- what the generated sources say ----------------------------------------------------------

TS_FIELD = re.compile(
    r"/\*\*\n\s+\* (?P<doc>.*)\n\s+\*/\n\s+(?:public )?(?:readonly )?"
    r"(?P<name>\w+)(?P<opt>\??)!?: (?P<type>.+);\n"
)
GO_FIELD = re.compile(
    r"\t// (?P<doc>.*)\n\t(?P<field>\w+) +(?P<type>\S+) +`pulumi:\"(?P<name>\w+)\"`"
)


def ts_block(text: str, head: str) -> str:
    start = text.index(head)
    return text[start : text.index("\n}", start) + 1]


def ts_fields(block: str) -> dict[str, tuple[str, bool, str]]:
    """{name: (type, optional, doc)}"""
    return {m["name"]: (m["type"], m["opt"] == "?", m["doc"]) for m in TS_FIELD.finditer(block)}


def go_fields(text: str, struct: str) -> dict[str, tuple[str, str, str]]:
    """{wire name: (Go field, Go type, doc)}"""
    start = text.index(f"type {struct} struct {{")
    block = text[start : text.index("\n}\n", start)]
    return {m["name"]: (m["field"], m["type"], m["doc"]) for m in GO_FIELD.finditer(block)}


def same_props(found: dict[str, Any], properties: dict[str, Any]) -> None:
    assert list(found) == list(properties), "every property, in the schema's order"


# -- the tests -------------------------------------------------------------------------------


def test_checked_in_sdks_are_what_the_generator_writes_now():
    generated = _generator().outputs()
    assert generated, "the generator writes files"
    for rel, text in generated.items():
        path = ROOT / rel
        assert path.is_file(), f"{rel} is missing: run `make gen-sdk`"
        assert path.read_text() == text, f"{rel} is stale: run `make gen-sdk`"


def test_the_generator_follows_a_schema_change(monkeypatch):
    gen = _generator()
    changed = json.loads(json.dumps(SCHEMA))
    changed["resources"]["rocketmq-migration:index:MigrationTask"]["properties"]["status"][
        "description"
    ] = "A status word nobody wrote."
    monkeypatch.setattr(gen, "load_schema", lambda: changed)
    files = gen.outputs()
    assert "A status word nobody wrote." in files["sdk/nodejs/migrationTask.ts"]
    assert "A status word nobody wrote." in files["sdk/go/rocketmqmigration/migrationTask.go"]


@pytest.mark.parametrize("token", sorted(SCHEMA["resources"]))
def test_typescript_resources_match_the_schema(token):
    spec = SCHEMA["resources"][token]
    name = short(token)
    text = (TS / f"{name[0].lower()}{name[1:]}.ts").read_text()
    assert f'__pulumiType = "{token}";' in text
    assert f"export class {name} extends pulumi.CustomResource {{" in text
    outputs = ts_fields(ts_block(text, f"export class {name} "))
    same_props(outputs, spec["properties"])
    for prop, pspec in spec["properties"].items():
        kind = ts_expected(pspec, inputs=False)
        if prop not in spec["required"]:
            kind += " | undefined"
        assert outputs[prop] == (f"pulumi.Output<{kind}>", False, pspec["description"]), prop
    args = ts_fields(ts_block(text, f"export interface {name}Args "))
    same_props(args, spec["inputProperties"])
    for prop, pspec in spec["inputProperties"].items():
        optional = prop not in spec["requiredInputs"]
        assert args[prop] == (ts_expected(pspec, True), optional, pspec["description"]), prop
        assert f'resourceInputs["{prop}"] = args?.{prop};' in text
    for prop in spec["requiredInputs"]:
        assert f"Missing required property '{prop}'" in text


@pytest.mark.parametrize("token", sorted(SCHEMA["functions"]))
def test_typescript_functions_match_the_schema(token):
    spec = SCHEMA["functions"][token]
    fn = short(token)
    kind = fn[0].upper() + fn[1:]
    text = (TS / f"{fn}.ts").read_text()
    assert f"export function {fn}(args: {kind}Args, opts?: pulumi.InvokeOptions)" in text
    assert f"): Promise<{kind}Result> {{" in text
    assert f"export function {fn}Output(args: {kind}OutputArgs" in text
    assert f"): pulumi.Output<{kind}Result> {{" in text
    assert f'pulumi.runtime.invoke("{token}", {{' in text
    assert f'pulumi.runtime.invokeOutput("{token}", {{' in text
    inputs, required = spec["inputs"]["properties"], spec["inputs"]["required"]
    for block, wrapped in ((f"{kind}Args ", False), (f"{kind}OutputArgs ", True)):
        found = ts_fields(ts_block(text, f"export interface {block}"))
        same_props(found, inputs)
        for prop, pspec in inputs.items():
            want = (ts_expected(pspec, wrapped), prop not in required, pspec["description"])
            assert found[prop] == want, (block, prop)
    result = ts_fields(ts_block(text, f"export interface {kind}Result "))
    outputs = spec["outputs"]
    same_props(result, outputs["properties"])
    for prop, pspec in outputs["properties"].items():
        want = (ts_expected(pspec, False), prop not in outputs["required"], pspec["description"])
        assert result[prop] == want, prop


def test_typescript_provider_keeps_secrets_secret():
    spec = SCHEMA["provider"]
    text = (TS / "provider.ts").read_text()
    assert "export class Provider extends pulumi.ProviderResource {" in text
    assert f'__pulumiType = "{SCHEMA["name"]}";' in text
    args = ts_fields(ts_block(text, "export interface ProviderArgs "))
    same_props(args, spec["inputProperties"])
    secrets = [p for p, s in spec["inputProperties"].items() if s.get("secret")]
    assert secrets == ["accessKey", "secretKey", "securityToken"]
    for prop, pspec in spec["inputProperties"].items():
        assert args[prop] == (ts_expected(pspec, True), True, pspec["description"]), prop
        wrapped = f"pulumi.secret(args.{prop})" in text
        assert wrapped == (prop in secrets), prop
    listed = re.search(r"additionalSecretOutputs: \[(.*)\]", text)
    assert listed and json.loads(f"[{listed[1]}]") == secrets
    assert set(SCHEMA["config"]["variables"]) == set(spec["inputProperties"])


def test_typescript_enums_and_objects_match_the_schema():
    enums = (TS / "types" / "enums.ts").read_text()
    objects = (TS / "types" / "output.ts").read_text()
    input_objects = (TS / "types" / "input.ts").read_text()
    for token, spec in SCHEMA["types"].items():
        name = short(token)
        if "enum" in spec:
            block = ts_block(enums, f"export const {name} = ")
            values = re.findall(r'^\s+(\w+): ("[^"]*"),$', block, re.M)
            assert [json.loads(v) for _, v in values] == [e["value"] for e in spec["enum"]]
            assert f"export type {name} = (typeof {name})[keyof typeof {name}];" in enums
        else:
            found = ts_fields(ts_block(objects, f"export interface {name} "))
            same_props(found, spec["properties"])
            given = ts_fields(ts_block(input_objects, f"export interface {name} "))
            same_props(given, spec["properties"])
            for prop, pspec in spec["properties"].items():
                want = (ts_expected(pspec, False), prop not in spec["required"])
                assert found[prop][:2] == want, prop
                want = (ts_expected(pspec, True), prop not in spec["required"])
                assert given[prop][:2] == want, prop


@pytest.mark.parametrize("token", sorted(SCHEMA["resources"]))
def test_go_resources_match_the_schema(token):
    spec = SCHEMA["resources"][token]
    name = short(token)
    text = (GO / f"{name[0].lower()}{name[1:]}.go").read_text()
    assert f'ctx.RegisterResource("{token}", name, args, &resource,' in text
    assert (
        f"func New{name}(ctx *pulumi.Context, name string, args *{name}Args, "
        f"opts ...pulumi.ResourceOption) (*{name}, error) {{"
    ) in text
    fields = go_fields(text, name)
    same_props(fields, spec["properties"])
    for prop, pspec in spec["properties"].items():
        want = go_expected(pspec, prop in spec["required"], "output")
        assert fields[prop] == (prop[0].upper() + prop[1:], want, pspec["description"]), prop
    args = go_fields(text, f"{name}Args")
    same_props(args, spec["inputProperties"])
    for prop, pspec in spec["inputProperties"].items():
        want = go_expected(pspec, prop in spec["requiredInputs"], "input")
        assert args[prop][1:] == (want, pspec["description"]), prop
    for prop in spec["requiredInputs"]:
        assert f"if args.{prop[0].upper()}{prop[1:]} == nil {{" in text


@pytest.mark.parametrize("token", sorted(SCHEMA["functions"]))
def test_go_functions_match_the_schema(token):
    spec = SCHEMA["functions"][token]
    fn = short(token)
    f = fn[0].upper() + fn[1:]
    text = (GO / f"{fn}.go").read_text()
    assert f"func {f}(ctx *pulumi.Context, args *{f}Args, opts ...pulumi.InvokeOption) " in text
    assert f"func {f}Output(ctx *pulumi.Context, args {f}OutputArgs, " in text
    assert f'ctx.Invoke("{token}", args, &rv,' in text
    assert f'ctx.InvokeOutput("{token}", args, {f}ResultOutput{{}}, options)' in text
    inputs, required = spec["inputs"]["properties"], spec["inputs"]["required"]
    for struct, form in ((f"{f}Args", "plain"), (f"{f}OutputArgs", "input")):
        found = go_fields(text, struct)
        same_props(found, inputs)
        for prop, pspec in inputs.items():
            want = go_expected(pspec, prop in required, form)
            assert found[prop][1:] == (want, pspec["description"]), (struct, prop)
    outputs = spec["outputs"]
    result = go_fields(text, f"{f}Result")
    same_props(result, outputs["properties"])
    for prop, pspec in outputs["properties"].items():
        want = go_expected(pspec, prop in outputs["required"], "plain")
        assert result[prop][1:] == (want, pspec["description"]), prop
        accessor = f"func (o {f}ResultOutput) {prop[0].upper()}{prop[1:]}() "
        assert accessor + go_expected(pspec, prop in outputs["required"], "output") in text


def test_go_provider_keeps_secrets_secret():
    spec = SCHEMA["provider"]
    text = (GO / "provider.go").read_text()
    assert f'ctx.RegisterResource("pulumi:providers:{SCHEMA["name"]}", name, inputs,' in text
    args = go_fields(text, "ProviderArgs")
    same_props(args, spec["inputProperties"])
    secrets = [p for p, s in spec["inputProperties"].items() if s.get("secret")]
    for prop, pspec in spec["inputProperties"].items():
        field = prop[0].upper() + prop[1:]
        assert args[prop] == (field, go_expected(pspec, False, "input"), pspec["description"])
        wrapped = f'inputs["{prop}"] = pulumi.ToSecret(args.{field})' in text
        assert wrapped == (prop in secrets), prop
    listed = re.search(r"pulumi.AdditionalSecretOutputs\(\[\]string\{(.*)\}\)", text)
    assert listed and json.loads(f"[{listed[1]}]") == secrets


def test_go_enums_and_objects_match_the_schema():
    enums = (GO / "enums.go").read_text()
    types = (GO / "types.go").read_text()
    for token, spec in SCHEMA["types"].items():
        name = short(token)
        if "enum" in spec:
            values = re.findall(rf"\t{name}\w+ += {name}\((\"[^\"]*\")\)", enums)
            assert [json.loads(v) for v in values] == [e["value"] for e in spec["enum"]]
        else:
            found = go_fields(types, name)
            same_props(found, spec["properties"])
            given = go_fields(types, f"{name}Args")
            same_props(given, spec["properties"])
            for prop, pspec in spec["properties"].items():
                want = go_expected(pspec, prop in spec["required"], "plain")
                assert found[prop][1:] == (want, pspec["description"]), prop
                want = go_expected(pspec, prop in spec["required"], "input")
                assert given[prop][1:] == (want, pspec["description"]), prop


def test_packages_name_their_version_and_pins():
    package = json.loads((TS / "package.json").read_text())
    assert package["name"] == SCHEMA["language"]["nodejs"]["packageName"]
    assert package["version"] == VERSION
    assert package["dependencies"] == {"@pulumi/pulumi": "3.260.0"}
    assert package["types"] == "bin/index.d.ts"
    lock = json.loads((TS / "package-lock.json").read_text())
    assert lock["packages"]["node_modules/@pulumi/pulumi"]["version"] == "3.260.0"
    assert f'export const version = "{VERSION}";' in (TS / "utilities.ts").read_text()
    assert f'const Version = "{VERSION}"' in (GO / "internal.go").read_text()
    gomod = (GO / "go.mod").read_text()
    assert gomod.startswith(f"module {SCHEMA['language']['go']['importBasePath']}\n")
    assert "\trequire github.com/pulumi/pulumi/sdk/v3 v3.260.0\n" in gomod.replace(
        "require github", "\trequire github"
    )
    assert "github.com/pulumi/pulumi/sdk/v3 v3.260.0 h1:" in (GO / "go.sum").read_text()


def test_make_sdk_left_the_npm_package_packed():
    tarball = ROOT / "dist" / f"pulumi-rocketmq-migration-{VERSION}.tgz"
    if not tarball.is_file():
        message = f"{tarball} is missing: run `make sdk` (make test does)"
        if os.environ.get("CI", "").lower() in ("1", "true", "yes"):
            pytest.fail(message)
        pytest.skip(message)
    with tarfile.open(tarball) as packed:
        names = set(packed.getnames())
        manifest = json.load(packed.extractfile("package/package.json"))  # type: ignore[arg-type]
    assert manifest["version"] == VERSION
    for module in ("index", "migrationTask", "migrationTasks", "provider", "getMigrationTask"):
        assert f"package/bin/{module}.js" in names and f"package/bin/{module}.d.ts" in names
