"""Configuration: defaults, overridden by environment variables, overridden by ``create_app(overrides)``."""

from __future__ import annotations

import json
import os
import secrets
from datetime import timedelta
from pathlib import Path

from engine.clock import system_clock
from handlers.adapters import LocalNotifier


def _env_bool(name: str, default: bool) -> bool:
    value = os.environ.get(name)
    return default if value is None else value.strip().lower() in {"1", "true", "yes", "on"}


def _numbers(text: str) -> tuple[float, ...]:
    try:
        return tuple(float(part) for part in text.split(",") if part.strip())
    except ValueError:
        raise ValueError(f"expected numbers separated by commas, got {text!r}") from None


def load(instance_path: str) -> dict:
    """Settings from the environment; every key can also be overridden by ``create_app(overrides)``."""
    default_db = "sqlite:///" + str(Path(instance_path) / "complaints.db")
    return {
        "DATABASE_URL": os.environ.get("DATABASE_URL", default_db),
        # Sessions need one key on every node and across restarts: without SECRET_KEY the app refuses to start
        # outside debug and testing (``secret_key`` below). SECRET_KEY_FILE keeps a generated key in a file
        # instead, for a single machine (``make run``).
        "SECRET_KEY": os.environ.get("SECRET_KEY") or None,
        "SECRET_KEY_FILE": os.environ.get("SECRET_KEY_FILE") or None,
        # The key that signs the audit chain's checkpoints (engine/audit/checkpoints.py): kept like SECRET_KEY,
        # never in the database; unset, one is derived from SECRET_KEY. Old keys (comma-separated) still
        # verify the checkpoints they signed, after a rotation. How often the scheduler signs the head.
        "AUDIT_CHECKPOINT_KEY": os.environ.get("AUDIT_CHECKPOINT_KEY") or None,
        "AUDIT_CHECKPOINT_OLD_KEYS": os.environ.get("AUDIT_CHECKPOINT_OLD_KEYS", ""),
        "AUDIT_CHECKPOINT_MINUTES": float(os.environ.get("AUDIT_CHECKPOINT_MINUTES", "15")),
        "TESTING": False,
        "SCHEDULER_ENABLED": _env_bool("SCHEDULER_ENABLED", False),
        # How often the SLA sweep looks for due timers, in seconds.
        "SLA_SWEEP_SECONDS": float(os.environ.get("SLA_SWEEP_SECONDS", "0.5")),
        "CLOCK": system_clock,
        "TIMEZONE": os.environ.get("TIMEZONE", "Asia/Shanghai"),
        "DEMO_MODE": _env_bool("DEMO_MODE", False),
        # The business calendar (engine/calendar/business.py): country, department hours, administrators' day overrides.
        "CALENDAR": os.environ.get("CALENDAR", "CN"),
        "BUSINESS_HOURS": os.environ.get("BUSINESS_HOURS"),  # JSON: {"default": "09:00-17:00", ...}
        "CALENDAR_OVERRIDES": os.environ.get("CALENDAR_OVERRIDES"),  # JSON: {"2027-02-06": true, ...}
        "REPEAT_WINDOW_DAYS": int(os.environ.get("REPEAT_WINDOW_DAYS", "30")),
        # How long one engine step may run the diagram's work (scripts, decisions, service calls) before it is
        # stopped and its case goes to incident (engine/runtime/budget.py); 0 turns the limit off.
        "STEP_TIME_BUDGET_SECONDS": float(os.environ.get("STEP_TIME_BUDGET_SECONDS", "5")),
        # The escalation ladder (engine/timers/ladder.py) and the regulatory warnings (engine/cases/regulatory.py).
        "ESCALATION_NEAR_MINUTES": float(os.environ.get("ESCALATION_NEAR_MINUTES", "0")),
        "ESCALATION_GRACE_MINUTES": _numbers(os.environ.get("ESCALATION_GRACE_MINUTES", "30,120")),
        "REGULATORY_WARNING_DAYS": _numbers(os.environ.get("REGULATORY_WARNING_DAYS", "10,13")),
        "KNOWLEDGE_BASE": os.environ.get("KNOWLEDGE_BASE"),
        # Where the scheduler writes the monthly complaint review (engine/reports/monthly_render.py).
        "REPORTS_DIR": os.environ.get("REPORTS_DIR") or str(Path(instance_path) / "reports"),
        # How often the scheduler brings the figures' daily roll-up up to date (engine/reports/rollup.py).
        "ROLLUP_MINUTES": float(os.environ.get("ROLLUP_MINUTES", "15")),
        # The REST API: per-client limits ({"track": [30, 60], "intake": [600, 60]} = count per seconds), how long
        # a tracking code works after its case closes, and the largest diagram upload.
        # Where the rate limits count (web/ratelimit.py): unset, each process on its own; a redis:// URL,
        # shared by every worker and node.
        "RATE_LIMIT_STORE": os.environ.get("RATE_LIMIT_STORE") or None,
        "API_RATE_LIMITS": {
            k: tuple(v) for k, v in json.loads(os.environ.get("API_RATE_LIMITS", "{}")).items()
        },
        "TRACKING_DAYS_AFTER_CLOSE": int(os.environ.get("TRACKING_DAYS_AFTER_CLOSE", "90")),
        # The most instances one multi-instance activity may start in one case (engine/scripting/multi_instance.py).
        "MULTI_INSTANCE_MAX": int(os.environ.get("MULTI_INSTANCE_MAX", "1000")),
        # Tasks per page of the agent's inbox.
        "INBOX_PAGE_SIZE": int(os.environ.get("INBOX_PAGE_SIZE", "50")),
        # The pages: their default language (each user may choose), and the session cookie. Secure cookies
        # travel over HTTPS only, and over http://127.0.0.1 or localhost, which browsers treat as secure; turn
        # it off only for a plain-HTTP test host other than loopback.
        "DEFAULT_LANGUAGE": os.environ.get("DEFAULT_LANGUAGE", "zh_CN"),
        "SESSION_COOKIE_SECURE": _env_bool("SESSION_COOKIE_SECURE", True),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "complaints_session",
        "WTF_CSRF_TIME_LIMIT": None,  # a form's CSRF token lives as long as the session
        # A signed-in session ends after this long without a request.
        "PERMANENT_SESSION_LIFETIME": timedelta(minutes=int(os.environ.get("SESSION_IDLE_MINUTES", "480"))),
        # The outbox dispatcher: how often it sends, and the adapter that talks to the SMS gateway, the app's
        # push service and the mail server (handlers/adapters.py Notifier; the default only logs).
        "OUTBOX_SECONDS": float(os.environ.get("OUTBOX_SECONDS", "2")),
        # How long a stored answer to an Idempotency-Key request is kept (engine/store/housekeeping.py).
        "IDEMPOTENCY_KEEP_HOURS": float(os.environ.get("IDEMPOTENCY_KEEP_HOURS", "24")),
        "NOTIFIER": LocalNotifier(),
        "PROCESS_UPLOAD_MAX_BYTES": int(os.environ.get("PROCESS_UPLOAD_MAX_BYTES", str(20 * 1024 * 1024))),
        # Evidence attached to cases (engine/evidence/): a folder outside the web root, or an S3-compatible
        # bucket when ATTACHMENTS_S3_BUCKET is set (needs the s3 extra); the limits per file and per case.
        "ATTACHMENTS_DIR": os.environ.get("ATTACHMENTS_DIR") or str(Path(instance_path) / "attachments"),
        "ATTACHMENTS_S3_BUCKET": os.environ.get("ATTACHMENTS_S3_BUCKET") or None,
        "ATTACHMENTS_S3_PREFIX": os.environ.get("ATTACHMENTS_S3_PREFIX", ""),
        "ATTACHMENTS_S3_ENDPOINT": os.environ.get("ATTACHMENTS_S3_ENDPOINT") or None,
        "ATTACHMENTS_S3_REGION": os.environ.get("ATTACHMENTS_S3_REGION") or None,
        "ATTACHMENT_MAX_BYTES": int(os.environ.get("ATTACHMENT_MAX_BYTES", str(10 * 1024 * 1024))),
        "ATTACHMENTS_PER_CASE": int(os.environ.get("ATTACHMENTS_PER_CASE", "20")),
        "ATTACHMENT_CASE_MAX_BYTES": int(os.environ.get("ATTACHMENT_CASE_MAX_BYTES", str(50 * 1024 * 1024))),
    }


def secret_key(config: dict, debug: bool) -> str:
    """The key that signs sessions: SECRET_KEY; else the one kept in SECRET_KEY_FILE (made on first use); else,
    in debug or testing only, a random one for this process. Anything else refuses to start: under gunicorn
    each worker would invent its own key and sign the others' sessions out."""
    if config.get("SECRET_KEY"):
        return config["SECRET_KEY"]
    if config.get("SECRET_KEY_FILE"):
        return _key_from_file(Path(config["SECRET_KEY_FILE"]))
    if debug or config.get("TESTING"):
        return secrets.token_hex(32)
    raise RuntimeError(
        "SECRET_KEY is not set. Set it to the same long random value on every node (for example the output "
        "of `python -c 'import secrets; print(secrets.token_hex(32))'`), or set SECRET_KEY_FILE to a file "
        "that keeps one for a single machine."
    )


def _key_from_file(path: Path) -> str:
    """Read the key in ``path``; the first process to find no file writes a new one (readable by us only)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    if not path.exists():
        # Written whole under another name, then linked into place: a process starting at the same moment
        # never reads half a key, and only the first link wins.
        spare = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}")
        descriptor = os.open(spare, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(descriptor, "w") as file:
            file.write(secrets.token_hex(32) + "\n")
        try:
            os.link(spare, path)
        except FileExistsError:
            pass  # another process was first: its key is the one
        finally:
            spare.unlink()
    key = path.read_text().strip()
    if not key:
        raise RuntimeError(f"SECRET_KEY_FILE {path} is empty; delete it to have a new key made")
    return key
