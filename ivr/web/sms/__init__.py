"""Callers' SMS: Twilio's Messaging webhooks (an SMS's delivery state, a caller's reply), signed like the voice ones."""
