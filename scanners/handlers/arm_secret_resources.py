"""ARM JSON templates (read by `arm_templates`, which parses each template once): the places that create a secret or hand one on without writing its value
(the facts are in `iac_secret_resources`).

* `securestring` / `secureObject` parameters with no default (`reference`) or an empty one
  (`placeholder`); a literal default is read by `arm_templates`;
* SAS authorization rules (Service Bus, Event Hubs), top level or nested (`"type":
  "authorizationRules"` inside a namespace), reported on their `type`;
* `Microsoft.KeyVault/vaults/secrets` whose `properties.value` is an expression (`[parameters(..)]`,
  `[listKeys(..)]`, `[format('...Password={3}', ...)]`);
* `"disableLocalAuth": false`: keys left on (`advisory`);
* Key Vault references built by an expression (`[format('@Microsoft.KeyVault(VaultName={0};...)',
  ...)]`); a literal reference is classified as any literal is.
"""

from __future__ import annotations

from collections.abc import Iterator

from scanners import setting_names
from scanners.evidence import Evidence, SourceFile
from scanners.handlers.iac_secret_resources import (
    EMPTY_SECURE_PARAM_TEXT,
    SAS_RULE_TEXT,
    SECURE_PARAM_TEXT,
    VAULT_ENTRY_TYPE,
    VAULT_WRITE_TEXT,
    local_auth_on,
    names_no_secret,
    sas_rule,
    secret_named_in,
    service_of,
)
from scanners.json_tokens import JArr, JLit, JObj, JStr, JValue
from scanners.records import CredentialKind, EvidenceRole, ServiceType, ValueClass

S = ServiceType
K = CredentialKind
V = ValueClass
IAC = EvidenceRole.IAC_ASSIGNMENT
SECURE_TYPES = frozenset({"securestring", "secureobject"})
KEY_VAULT_REFERENCE = "@microsoft.keyvault("
MAX_RESOURCES = 20000  # nested resources visited per template


def secret_resources(source: SourceFile, root: JObj) -> Iterator[Evidence]:
    """The places of an ARM template (`root`, already parsed by `arm_templates`) that create a
    secret or hand one on (see the module text)."""
    params = root.get("parameters")
    if isinstance(params, JObj):
        yield from _secure_params(source, params)
    resources = root.get("resources")
    if isinstance(resources, (JArr, JObj)):
        yield from _resources(source, resources)


def _ev(
    source: SourceFile,
    offset: int,
    service: ServiceType,
    kind: CredentialKind,
    preview: str,
    cls: ValueClass,
    how: str,
) -> Evidence:
    return Evidence(
        line=source.line_of(offset),
        role=IAC,
        service=service,
        kind=kind,
        value_class=cls,
        preview=preview,
        method=how,
    )


def _named(name: str, default: tuple[ServiceType, CredentialKind]) -> tuple[ServiceType, CredentialKind]:
    rule = setting_names.rule_for(name)
    return (rule.service, rule.kind) if rule else default


def _secure_params(source: SourceFile, params: JObj) -> Iterator[Evidence]:
    for name, offset, spec in params.pairs:
        if not isinstance(spec, JObj) or (spec.get_str("type") or "").lower() not in SECURE_TYPES:
            continue
        if names_no_secret(name):
            continue
        default = spec.get("defaultValue")
        if default is None:
            cls, text = V.REFERENCE, SECURE_PARAM_TEXT
        elif isinstance(default, JStr) and not default.value:  # `{}` for a secureObject: no slot
            cls, text = V.PLACEHOLDER, EMPTY_SECURE_PARAM_TEXT
        else:
            continue  # a literal or computed default: arm_templates reads it
        service, kind = _named(name, (S.GENERIC, K.ACCESS_KEY))
        yield _ev(source, offset, service, kind, f"parameter {name}: {text}", cls, "secure-param")


def _resources(source: SourceFile, top: JArr | JObj) -> Iterator[Evidence]:
    # Template language 2.0 keeps resources in an object keyed by symbolic name.
    todo: list[tuple[str, JValue]] = [("", r) for r in _members(top)]
    seen = 0
    while todo and seen < MAX_RESOURCES:
        parent, res = todo.pop()
        seen += 1
        if not isinstance(res, JObj):
            continue
        raw_type = res.get("type")
        rtype = raw_type.value.lower() if isinstance(raw_type, JStr) else ""
        if rtype and "/" not in rtype and parent:
            rtype = f"{parent}/{rtype}"  # a nested child: `"type": "secrets"` inside a vault
        service = sas_rule(rtype)
        if service is not None and isinstance(raw_type, JStr):
            yield _ev(source, raw_type.offset, service, K.SAS, SAS_RULE_TEXT, V.REFERENCE, "sas-rule")
        props = res.get("properties")
        local = props.get("disableLocalAuth") if isinstance(props, JObj) else None
        if isinstance(local, JLit) and local.text == "false":
            yield local_auth_on(source.line_of(local.offset), service_of(rtype))
        if rtype == VAULT_ENTRY_TYPE and isinstance(props, JObj):
            value = props.get("value")
            named = (
                secret_named_in(value.value)
                if isinstance(value, JStr) and value.value.startswith("[")
                else None
            )
            if isinstance(value, JStr) and named is not None:  # not an id, a name or a URL
                yield _ev(source, value.offset, *named, VAULT_WRITE_TEXT, V.REFERENCE, "key-vault-secret")
        if isinstance(props, JObj):
            yield from _vault_references(source, props)
        children = res.get("resources")
        if isinstance(children, (JArr, JObj)):
            todo.extend((rtype, c) for c in _members(children))


def _members(v: JArr | JObj) -> list[JValue]:
    return list(v.items) if isinstance(v, JArr) else [value for _, _, value in v.pairs]


def _vault_references(source: SourceFile, props: JObj) -> Iterator[Evidence]:
    """Settings whose value is an expression that builds a Key Vault reference."""
    todo: list[JValue] = [props]
    while todo:
        node = todo.pop()
        if isinstance(node, JObj):
            for name, _, value in node.pairs:
                if isinstance(value, JStr):
                    low = value.value.lower()
                    if low.startswith("[") and KEY_VAULT_REFERENCE in low:
                        yield _ev(
                            source,
                            value.offset,
                            S.KEY_VAULT,
                            K.SECRET_REFERENCE,
                            f"{name}: Key Vault reference (built by an expression)",
                            V.REFERENCE,
                            "key-vault-reference",
                        )
                else:
                    todo.append(value)
        elif isinstance(node, JArr):
            todo.extend(node.items)
