"""Campaign sends: the segment at the moment of sending, one gate, personalised messages,
exactly once per contact, with the executed notebook as the audit record.

>>> from workbench.send import define_campaign, prepare_send
>>> campaign = define_campaign(ws, "vip-nov", segment="vip", channel="email", template="t/")  # doctest: +SKIP
>>> plan = prepare_send(ws, campaign)                                  # doctest: +SKIP
>>> plan.audience.report()                                             # doctest: +SKIP
>>> plan.execute()                                                     # doctest: +SKIP

See ``docs/sending.md``.
"""

from workbench.send.audit import NOTEBOOK, RunFiles, run_send_notebook, write_recipients
from workbench.send.campaigns import CHANNELS, Campaign, define_campaign, get_campaign, list_campaigns
from workbench.send.compose import Composer, OutgoingMessage
from workbench.send.errors import (
    ChannelConfigError,
    MessageError,
    PermanentError,
    ProviderUnavailable,
    TemplateError,
    TemplateLimitError,
    TransientError,
)
from workbench.send.heartbeat import SchedulerSeen, running_schedulers
from workbench.send.policy import QuietHours, SendPolicy, resolve_policy
from workbench.send.recipients import GATE, Audience, select_audience
from workbench.send.retry import Delivery, RetryPolicy
from workbench.send.run import SendOptions, SendPlan, SendReport, prepare_send
from workbench.send.schedule import Schedule, Scheduler, add_schedule, list_schedules, remove_schedule
from workbench.send.settings import SendSettings, SmtpSettings
from workbench.send.templates import TemplateSet, load_templates
from workbench.send.tracking import FunctionTracker, NoTracking, Tracker, current_tracker, use_tracker

__all__ = [
    "CHANNELS",
    "GATE",
    "NOTEBOOK",
    "Audience",
    "Campaign",
    "ChannelConfigError",
    "Composer",
    "Delivery",
    "FunctionTracker",
    "MessageError",
    "NoTracking",
    "OutgoingMessage",
    "PermanentError",
    "ProviderUnavailable",
    "QuietHours",
    "RetryPolicy",
    "RunFiles",
    "Schedule",
    "Scheduler",
    "SchedulerSeen",
    "SendOptions",
    "SendPlan",
    "SendPolicy",
    "SendReport",
    "SendSettings",
    "SmtpSettings",
    "TemplateError",
    "TemplateLimitError",
    "TemplateSet",
    "Tracker",
    "TransientError",
    "add_schedule",
    "current_tracker",
    "define_campaign",
    "get_campaign",
    "list_campaigns",
    "list_schedules",
    "load_templates",
    "prepare_send",
    "remove_schedule",
    "resolve_policy",
    "run_send_notebook",
    "running_schedulers",
    "select_audience",
    "use_tracker",
    "write_recipients",
]
