"""Shared access (SAS) rules of Service Bus and Event Hubs: a rule lives on the namespace or on one
entity (queue, topic, event hub), and its keys are renewed where it lives.  A connection string names
its rule (`SharedAccessKeyName`) and, for an entity, the entity (`EntityPath`).

Command shapes: azure-cli 2.91.0 command table (`az servicebus namespace|queue|topic
authorization-rule keys renew`, `az eventhubs namespace|eventhub authorization-rule keys renew`,
`--key PrimaryKey|SecondaryKey`), checked by tests/migrate/emit/test_az_commands.py; Learn "az
servicebus queue authorization-rule keys" (learn.microsoft.com/cli/azure/servicebus/queue/
authorization-rule/keys).
"""

from __future__ import annotations

import enum
import re

from scanners.records import ServiceType


class RuleLevel(enum.StrEnum):
    NAMESPACE = "namespace"
    QUEUE = "queue"
    TOPIC = "topic"
    EVENT_HUB = "eventhub"


# The rule a namespace is created with: namespace-level, even when a connection string adds an
# EntityPath to it.  Rules live on the namespace or on an entity (queue, topic, event hub) [Learn
# "Service Bus access control with Shared Access Signatures"; U: the default rule's name is what the
# portal and ARM create, not a documented constant].  An entity rule is assumed from EntityPath; the
# emitted step says how to renew it at namespace level if it is not.
NAMESPACE_DEFAULT_RULE = "RootManageSharedAccessKey"

RULE_NAME_RE = re.compile(r"(?:^|;)\s*SharedAccessKeyName\s*=\s*([^;\s]+)", re.I)
TOPIC_HINT_RE = re.compile(
    r"topic|subscription", re.I
)  # code that names a topic (sender, trigger, processor)

RULE_KEYS = ("PrimaryKey", "SecondaryKey")

# `{resource}`: the namespace; `{entity}`: the queue, topic or event hub; `{rule}`: the rule name;
# `{key}`: one of RULE_KEYS.
RULE_RENEW_COMMANDS: dict[tuple[ServiceType, RuleLevel], str] = {
    (
        ServiceType.SERVICE_BUS,
        RuleLevel.NAMESPACE,
    ): "az servicebus namespace authorization-rule keys renew -g <target-resource-group> --namespace-name "
    "{resource} -n {rule} --key {key}",
    (
        ServiceType.SERVICE_BUS,
        RuleLevel.QUEUE,
    ): "az servicebus queue authorization-rule keys renew -g <target-resource-group> --namespace-name "
    "{resource} --queue-name {entity} -n {rule} --key {key}",
    (
        ServiceType.SERVICE_BUS,
        RuleLevel.TOPIC,
    ): "az servicebus topic authorization-rule keys renew -g <target-resource-group> --namespace-name "
    "{resource} --topic-name {entity} -n {rule} --key {key}",
    (
        ServiceType.EVENT_HUBS,
        RuleLevel.NAMESPACE,
    ): "az eventhubs namespace authorization-rule keys renew -g <target-resource-group> --namespace-name "
    "{resource} --name {rule} --key {key}",
    (
        ServiceType.EVENT_HUBS,
        RuleLevel.EVENT_HUB,
    ): "az eventhubs eventhub authorization-rule keys renew -g <target-resource-group> --namespace-name "
    "{resource} --eventhub-name {entity} --name {rule} --key {key}",
}


def rule_level(service: ServiceType, rule: str, entity: str | None, topic_hint: bool) -> RuleLevel:
    """Where a rule named by a connection string lives: on the entity its EntityPath names (a queue
    unless the code names a topic), else on the namespace."""
    if not entity or rule == NAMESPACE_DEFAULT_RULE:
        return RuleLevel.NAMESPACE
    if service is ServiceType.EVENT_HUBS:
        return RuleLevel.EVENT_HUB
    return RuleLevel.TOPIC if topic_hint else RuleLevel.QUEUE
