"""Incident tickets: planned in the run's transaction (outbox), delivered exactly once to each sink."""
