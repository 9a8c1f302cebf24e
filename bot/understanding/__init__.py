"""Trained understanding of a resident's message, in plain Python (no Rasa):
which intent, which FAQ entry, how upset, how dangerous. The Rasa pipeline's
components (bot/nlu/components.py) train and call these models; the bench
cross-validates them directly."""
