"""The physician's follow-up worklist: which reminders come first.

The order cath-lab physicians asked for (issue 12 item 10): IVC filter
retrieval windows first (a retrievable filter left too long is the costliest
miss), then DAPT, antiplatelet and anticoagulation reviews, venous stent
duplex, creatinine checks, skin checks, then everything else (access-site
checks, arterial surveillance, the permanent filter's annual review). Within
a group, the soonest due first.
"""

from __future__ import annotations

from cathlog.rules.reminders import FILTER_RULE, RULES

PRIORITY_GROUPS: tuple[tuple[str, frozenset[str]], ...] = (
    ("IVC filter retrieval", frozenset({FILTER_RULE})),
    ("Antithrombotic review", frozenset({"R1a", "R1b", "R1c", "R1e", "R2", "R4", "R4b"})),
    ("Venous stent duplex", frozenset({"R5"})),
    ("Creatinine check", frozenset({"R7"})),
    ("Skin check", frozenset({"R6"})),
)
OTHER_PRIORITY = len(PRIORITY_GROUPS)  # every other rule, and a rule this version does not know
NEXT_DAYS = 30  # the "next 30 days" preset


def priority(rule_id: str) -> int:
    """The rule's place in the worklist: 0 (IVC filter windows) first."""
    for rank, (_name, rules) in enumerate(PRIORITY_GROUPS):
        if rule_id in rules:
            return rank
    return OTHER_PRIORITY


def rule_choices() -> tuple[tuple[str, str], ...]:
    """(rule id, title) of every reminder rule, in worklist order (the rule filter)."""
    order = {rule.rule_id: i for i, rule in enumerate(RULES)}
    return tuple((r.rule_id, r.title) for r in sorted(RULES, key=lambda r: (priority(r.rule_id), order[r.rule_id])))


def rule_title(rule_id: str) -> str:
    return next((r.title for r in RULES if r.rule_id == rule_id), rule_id)
