"""The offered person's side of the live queue: whisper, acceptance, bridge, end and the call's status."""
