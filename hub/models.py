"""Every domain's models, imported in one place for Alembic and the mappers."""

from hub.accounts.models import AccountToken, Consent, User, UserSession  # noqa: F401
from hub.scheduler.models import SchedulerLease  # noqa: F401
