"""Handlers are plain functions: they are tested directly with a context and stand-in adapters."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from handlers import HandlerContext, HandlerError, registry
from handlers.adapters import Article, KnowledgeBase, LocalCoreBanking


class RecordingCoreBanking:
    def __init__(self):
        self.calls = []

    def request_safeguard(self, action, account, amount, case_reference):
        self.calls.append(("safeguard", action, account, amount, case_reference))
        return "SG-1"

    def credit(self, account, amount, reason, case_reference):
        self.calls.append(("credit", account, amount, reason, case_reference))
        return "TR-1"


@pytest.fixture
def ctx():
    kb = KnowledgeBase(
        [
            Article("hours", "en", ("opening", "hours"), "When are you open?", "Branches open 9:00-17:00."),
            Article("lost", "zh", ("挂失", "丢了"), "卡丢了怎么办", "请立即在手机银行挂失。"),
        ]
    )
    return HandlerContext(
        case_id=7,
        case_reference="C202603020000007",
        task_name="t",
        data={},
        now=datetime(2026, 3, 2, tzinfo=UTC),
        adapters={"core_banking": RecordingCoreBanking(), "knowledge_base": kb},
    )


def call(name, ctx, **params):
    return registry.get(name)(ctx, **params)


def test_result_notice_goes_out_on_sms_and_push_with_cause_solution_and_advice(ctx):
    result = call(
        "notify_result",
        ctx,
        recipient="13800000000",
        cause="A fee was charged twice",
        solution="Refunded 30 CNY",
        advice="Check the fee schedule",
        channels=["sms", "app_push", "phone"],
    )
    assert result == {"sent": ["sms", "app_push"], "phone_call": True}
    assert [(m.channel, m.template) for m in ctx.outbox] == [
        ("sms", "result_notice"),
        ("app_push", "result_notice"),
    ]
    assert ctx.outbox[0].payload == {
        "cause": "A fee was charged twice",
        "solution": "Refunded 30 CNY",
        "advice": "Check the fee schedule",
    }


@pytest.mark.parametrize("missing", ["cause", "solution", "advice"])
def test_a_result_notice_missing_any_of_the_three_is_refused(ctx, missing):
    parts = {"cause": "c", "solution": "s", "advice": "a", missing: "   "}
    with pytest.raises(HandlerError, match=f"must state the {missing}"):
        call("notify_result", ctx, recipient="13800000000", channels=["sms"], **parts)
    assert ctx.outbox == []


def test_safeguards_go_to_the_core_banking_adapter(ctx):
    assert call("safeguard", ctx, action="freeze", account="6222001", amount="5000")["reference"] == "SG-1"
    assert ctx.adapters["core_banking"].calls == [
        ("safeguard", "freeze", "6222001", Decimal("5000"), "C202603020000007")
    ]
    assert call("safeguard", ctx, action="none")["status"] == "not_needed"
    with pytest.raises(HandlerError, match="stop_payment, freeze or none"):
        call("safeguard", ctx, action="delete_account", account="6222001")
    with pytest.raises(HandlerError, match="account"):
        call("safeguard", ctx, action="freeze", account="")


def test_compensation_is_paid_and_refuses_negative_amounts(ctx):
    assert call("compensate", ctx, amount=499, account="6222001", reason="fee")["reference"] == "TR-1"
    assert call("compensate", ctx, amount=0)["reference"] == ""
    with pytest.raises(HandlerError, match="zero or more"):
        call("compensate", ctx, amount=-1, account="6222001")
    with pytest.raises(HandlerError, match="must be a number"):
        call("compensate", ctx, amount="lots", account="6222001")


def test_the_knowledge_base_answers_in_either_language(ctx):
    assert (
        call("kb_answer", ctx, question="What are your opening hours?", language="en")["article"] == "hours"
    )
    assert (
        call("kb_answer", ctx, question="我的卡丢了，怎么挂失？", language="zh")["answer"]
        == "请立即在手机银行挂失。"
    )
    assert call("kb_answer", ctx, question="Why was my mortgage rate changed?")["found"] is False


def test_set_case_accepts_only_known_fields_and_tiers(ctx):
    call("set_case", ctx, tier="urgent", priority="P1", cause_class="fund_safety", risk_warning="盗刷")
    assert ctx.case_fields == {
        "tier": "urgent",
        "priority": "P1",
        "cause_class": "fund_safety",
        "risk_warning": "盗刷",
    }
    with pytest.raises(HandlerError, match="does not know owner"):
        call("set_case", ctx, owner="someone")
    with pytest.raises(HandlerError, match="tier must be one of"):
        call("set_case", ctx, tier="vip")


def test_escalate_records_the_step_and_tells_the_supervisors(ctx):
    call("escalate", ctx, step="task_force", limit="15 minutes from receipt")
    assert ctx.escalations == [("task_force", "15 minutes from receipt")]
    assert (ctx.outbox[0].recipient, ctx.outbox[0].template) == ("role:supervisor", "escalation")


def test_the_local_core_banking_stand_in_returns_references():
    bank = LocalCoreBanking()
    assert bank.request_safeguard("freeze", "1", None, "C1").startswith("SG-")
    assert bank.credit("1", Decimal(1), "r", "C1").startswith("TR-")


def test_a_missing_knowledge_base_file_means_no_answers(tmp_path):
    assert KnowledgeBase.from_file(tmp_path / "none.toml").search("anything") is None
