"""Rasa SDK actions: thin adapters from the conversation to the trade modules.

Run with `rasa run actions --actions bot.actions`.
"""
from bot.privacy import install_log_masking

install_log_masking()

from bot.actions.complaint import (  # noqa: E402  (masking first)
    ActionOpenComplaintTicket, ValidateComplaintForm)
from bot.actions.conversation import (  # noqa: E402
    ActionAnswerFaq, ActionCancelReport, ActionDefaultFallback, ActionTicketStatus,
    ValidateTicketStatusForm)
from bot.actions.handoff import ActionEmergency, ActionHandoff  # noqa: E402
from bot.actions.repair import (  # noqa: E402
    ActionAskRepairConfirmed, ActionExtractMessageFacts, ActionOpenRepairTicket, ValidateRepairForm)
from bot.actions.report_form import (  # noqa: E402
    ActionAskComplaintText, ActionAskLocation, ActionAskPhone, ActionAskProblem, ActionAskVisitTime)
from bot.actions.safety import ActionAskSafetyAnswer, ActionSafetyDecide, ValidateSafetyForm  # noqa: E402
from bot.actions.survey import ActionRecordRating  # noqa: E402

__all__ = [
    "ActionAnswerFaq", "ActionCancelReport", "ActionDefaultFallback", "ActionEmergency", "ActionHandoff",
    "ActionTicketStatus", "ActionAskRepairConfirmed", "ActionExtractMessageFacts", "ActionOpenRepairTicket",
    "ValidateRepairForm", "ActionOpenComplaintTicket", "ValidateComplaintForm", "ValidateTicketStatusForm",
    "ActionAskSafetyAnswer", "ActionSafetyDecide", "ValidateSafetyForm",
    "ActionAskComplaintText", "ActionAskLocation", "ActionAskPhone", "ActionAskProblem", "ActionAskVisitTime",
    "ActionRecordRating",
]
