"""Rasa SDK actions: thin adapters from the conversation to the trade modules.

Run with `rasa run actions --actions bot.actions`.
"""
from bot.privacy import install_log_masking

install_log_masking()

from bot.actions.complaint import (  # noqa: E402  (masking first)
    ActionOpenComplaintTicket, ValidateComplaintForm)
from bot.actions.conversation import (  # noqa: E402
    ActionAnswerFaq, ActionCancelReport, ActionDefaultFallback, ActionRequestHuman,
    ActionTicketStatus)
from bot.actions.repair import (  # noqa: E402
    ActionAskRepairConfirmed, ActionExtractLocation, ActionOpenRepairTicket, ValidateRepairForm)

__all__ = [
    "ActionAnswerFaq", "ActionCancelReport", "ActionDefaultFallback", "ActionRequestHuman",
    "ActionTicketStatus", "ActionAskRepairConfirmed", "ActionExtractLocation", "ActionOpenRepairTicket",
    "ValidateRepairForm", "ActionOpenComplaintTicket", "ValidateComplaintForm",
]
