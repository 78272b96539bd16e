"""Every domain's models, imported in one place for Alembic and the mappers."""

from hub.accounts import passkey_models, second_factor_models  # noqa: F401
from hub.accounts.models import AccountToken, Consent, User, UserSession  # noqa: F401
from hub.audit.models import AuditEntry  # noqa: F401
from hub.checkins.models import CheckIn, Wellbeing  # noqa: F401
from hub.core.downloads import DownloadTicket  # noqa: F401
from hub.core.health import HealthProbe  # noqa: F401
from hub.credits.models import (  # noqa: F401
    Allotment,
    AllotmentRun,
    KlipAccount,
    KlipEntry,
    Offer,
    Partner,
    Voucher,
)
from hub.evaluation import models as evaluation_models  # noqa: F401
from hub.events.models import Booking, CalendarFeed, Event  # noqa: F401
from hub.messages.models import (  # noqa: F401
    CannedReply,
    Conversation,
    CrisisLine,
    DutyShift,
    Message,
    OpeningHours,
    ReadMark,
    TopicRoute,
    TopicSetting,
)
from hub.notifications.models import (  # noqa: F401
    Notification,
    NotificationPreference,
    PushDelivery,
    PushSubscription,
)
from hub.outbox.models import OutboxMessage  # noqa: F401
from hub.plans.models import Goal, GoalComment, Plan, PlanChange, Step, Suggestion  # noqa: F401
from hub.proposals.models import Proposal, ProposalBacker, ProposalComment  # noqa: F401
from hub.proposals.yousaid import YouSaid  # noqa: F401
from hub.rights import models as rights_models  # noqa: F401
from hub.scheduler.models import SchedulerJob, SchedulerLease  # noqa: F401
from hub.support.models import (  # noqa: F401
    Nomination,
    SparringRequest,
    SupportChange,
    SupporterProfile,
    SupportItem,
    SupportLink,
    SupportOption,
)
