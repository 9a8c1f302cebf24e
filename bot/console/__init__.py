"""The agents' and trainers' console: its own process (`python -m bot.console.agent_api`,
started by bot/serve.py). The HTTP service with sign-in and security headers
(agent_api), the trainers' workbench blueprint (workbench_api), accounts,
knowledge editing with versions (knowledge_edit), the review queue (review),
background retraining (retraining) and the page itself (web/). It reads the
trade logic in bot/ and talks to Rasa over HTTP (bot/rasa_client.py)."""
