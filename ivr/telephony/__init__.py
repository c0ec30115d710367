"""Speaking Twilio: TwiML from engine output, the REST client, the rules for webhook parameters."""
