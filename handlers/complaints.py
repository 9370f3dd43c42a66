"""Handlers the complaint diagrams call: history, triage results, safeguards, compensation, answers, notices."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation

from handlers.registry import HandlerContext, HandlerError, registry

# Case-level fields a diagram may set; they become columns for inboxes and reports.
CASE_FIELDS = {"tier", "priority", "cause_class", "risk_warning"}
TIERS = {"urgent", "general", "advisory"}
RESULT_CHANNELS = {"sms", "app_push", "phone"}
CUSTOMER_CHANNELS = {"sms", "app_push"}


def _adapter(ctx: HandlerContext, name: str):
    try:
        return ctx.adapters[name]
    except KeyError:
        raise HandlerError(f"no {name!r} adapter is configured") from None


def _money(value, field: str) -> Decimal:
    try:
        amount = Decimal(str(value))
    except (InvalidOperation, ValueError):
        raise HandlerError(f"{field} must be a number, got {value!r}") from None
    if amount < 0 or not amount.is_finite():
        raise HandlerError(f"{field} must be zero or more, got {value!r}")
    return amount


@registry.register("customer_history")
def customer_history(ctx: HandlerContext, customer_id: str, category: str, description: str = "") -> dict:
    """Everything the bank already knows about the customer, so nobody asks them again."""
    return _adapter(ctx, "history").for_customer(str(customer_id), category, description, ctx.case_id)


@registry.register("set_case")
def set_case(ctx: HandlerContext, **fields) -> dict:
    """Record triage results (tier, priority, cause class, risk warning) on the case."""
    unknown = set(fields) - CASE_FIELDS
    if unknown:
        raise HandlerError(
            f"set_case does not know {', '.join(sorted(unknown))}; use {', '.join(sorted(CASE_FIELDS))}"
        )
    if "tier" in fields and fields["tier"] not in TIERS:
        raise HandlerError(f"tier must be one of {', '.join(sorted(TIERS))}, got {fields['tier']!r}")
    ctx.case_fields.update(fields)
    return dict(fields)


@registry.register("safeguard")
def safeguard(ctx: HandlerContext, action: str, account: str = "", amount=None) -> dict:
    """Request a temporary safeguard (stop-payment or freeze) from the core banking system."""
    if action == "none":
        return {"reference": "", "action": "none", "status": "not_needed"}
    if action not in {"stop_payment", "freeze"}:
        raise HandlerError(f"safeguard action must be stop_payment, freeze or none, got {action!r}")
    if not account:
        raise HandlerError("a safeguard needs the account to protect")
    value = _money(amount, "amount") if amount not in (None, "") else None
    reference = _adapter(ctx, "core_banking").request_safeguard(
        action, account, value, ctx.case_reference or ""
    )
    return {"reference": reference, "action": action, "status": "requested"}


@registry.register("compensate")
def compensate(ctx: HandlerContext, amount, account: str = "", reason: str = "") -> dict:
    """Pay the settled compensation into the customer's account."""
    value = _money(amount, "amount")
    if value == 0:
        return {"reference": "", "amount": 0}
    if not account:
        raise HandlerError("compensation needs the account to pay into")
    reference = _adapter(ctx, "core_banking").credit(account, value, reason, ctx.case_reference or "")
    ctx.case_fields["compensation_paid"] = float(value)  # a column of the case, for the figures
    return {"reference": reference, "amount": float(value)}


@registry.register("kb_answer")
def kb_answer(ctx: HandlerContext, question: str, language: str = "zh") -> dict:
    """Answer an advisory question from the knowledge base when an article fits, and record on the case which
    version of the knowledge base and which article answered it (a regulator may ask what the customer was
    told, and the knowledge base changes)."""
    adapter = _adapter(ctx, "knowledge_base")
    base = adapter.current() if hasattr(adapter, "current") else adapter  # one version for the whole look-up
    version = getattr(base, "version", None)
    match = base.search(question or "", language)
    if match is None:
        return {"found": False, "answer": "", "article": "", "score": 0, "version": version}
    article, score = match
    ctx.case_fields.update(kb_version=version, kb_article=article.id)
    return {
        "found": True,
        "answer": article.answer,
        "article": article.id,
        "score": round(score, 2),
        "version": version,
    }


@registry.register("notify_result")
def notify_result(
    ctx: HandlerContext,
    recipient: str,
    cause: str,
    solution: str,
    advice: str,
    channels=("sms", "app_push", "phone"),
) -> dict:
    """Send the result notice; it must carry the cause, the solution and advice for the future."""
    missing = [
        name
        for name, text in (("cause", cause), ("solution", solution), ("advice", advice))
        if not str(text or "").strip()
    ]
    if missing:
        raise HandlerError(f"a result notice must state the {', '.join(missing)}; it was not sent")
    unknown = set(channels) - RESULT_CHANNELS
    if unknown:
        raise HandlerError(f"unknown result channel(s): {', '.join(sorted(unknown))}")
    if not recipient:
        raise HandlerError("the result notice has no recipient")
    # The standard: the result goes by SMS and app push, whatever channels an older diagram's form let the
    # agent pick; the phone call is the diagram's next task.
    sent = ["sms", "app_push"]
    for channel in sent:
        ctx.send(channel, recipient, "result_notice", cause=cause, solution=solution, advice=advice)
    ctx.decided = True
    return {"sent": sent, "phone_call": "phone" in channels}


@registry.register("notify_customer")
def notify_customer(
    ctx: HandlerContext, recipient: str, template: str, channels=("sms", "app_push"), **payload
) -> dict:
    """Send one notice to the customer on each of ``channels`` (the standard's promises go by SMS and app push)."""
    channels = list(channels or [])
    unknown = set(channels) - CUSTOMER_CHANNELS
    if unknown or not channels:
        raise HandlerError(
            f"a customer notice goes by {' and '.join(sorted(CUSTOMER_CHANNELS))}; got {channels!r}"
        )
    if not recipient:
        # Intake requires a phone number; only a dry run or a hand-typed trial case comes without one.
        return {"sent": [], "template": template, "skipped": "no phone number"}
    for channel in channels:
        ctx.send(channel, recipient, template, **payload)
    return {"sent": channels, "template": template}


@registry.register("record_decision")
def record_decision(ctx: HandlerContext, reason: str = "") -> dict:
    """Record that the customer has the bank's decision (an accepted knowledge-base answer, say)."""
    ctx.decided = True
    return {"decided": True, "reason": reason}


@registry.register("escalate")
def escalate(ctx: HandlerContext, step: str, limit: str = "") -> dict:
    """Record that a deadline was missed and tell the supervisors."""
    if any(m.template == "escalation" and m.payload.get("step") == step for m in ctx.outbox):
        # Two timers for one promise fell due in this step (the urgent initial plan is timed on its task and,
        # from receipt, on the whole urgent path): one escalation is enough.
        return {"escalated": step, "limit": limit, "already": True}
    ctx.escalations.append((step, limit))
    ctx.send("inbox", "role:supervisor", "escalation", step=step, limit=limit, case=ctx.case_reference)
    return {"escalated": step, "limit": limit}
