"""Callers: Twilio's voice webhooks answered with TwiML."""
