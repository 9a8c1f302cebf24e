"""物业客服助手: a Chinese customer-service assistant for property-management companies.

Trade logic lives in plain modules here (knowledge, extraction, routing, SLA,
tickets); `bot.nlu` and `bot.actions` are thin Rasa adapters over them.
"""
